/*
 * tnef.c — Outlook's TNEF (winmail.dat) unpacked through libytnef, the only
 * file that includes <ytnef.h>.
 *
 * The stream is checked here first, record by record (signature, lengths,
 * checksums), so libytnef only ever sees well-formed records. libytnef
 * gives up on a whole stream at the first property it dislikes (a named
 * property whose name is over 100 bytes, which real Outlook mail has), so
 * the message records and each attachment's records are handed to it as
 * separate small streams: one bad attachment does not cost the body or the
 * others, and an attachment it refuses still gives its title and bytes
 * from the raw records. See VIOLATIONS.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <ytnef.h>

#include "buf.h"
#include "charset.h"
#include "html2text.h"
#include "tnef.h"
#include "xmalloc.h"

#define TNEF_SIGNATURE	0x223E9F78U
#define HDR_LEN		6	/* signature, key */
#define REC_OVERHEAD	11	/* level, id, length, checksum */
#define LVL_MSG		1
#define LVL_ATT		2
/* Largest decompressed RTF body we let libytnef allocate. */
#define RTF_MAX		(8 * 1024 * 1024)
/* Deepest RTF group nesting we track; deeper groups inherit. */
#define RTF_DEPTH	64
/* Most records handed to libytnef at once (the message's, or one file's). */
#define GROUP_MAX	256
/* Longest file name or MIME tag taken from a stream. */
#define NAME_MAX_BYTES	1024
/* Largest HTML body converted before html2text. */
#define HTML_MAX	(8 * 1024 * 1024)

struct rec {
	size_t		 off;	/* start of the record (its level byte) */
	size_t		 dlen;	/* data length */
	uint32_t	 id;
	int		 level;
};

static int
hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * Index the records of a stream: -1 unless every record fits and has a
 * good checksum. *recs is the caller's to free.
 */
static int
index_records(const unsigned char *p, size_t len, struct rec **recs,
    size_t *nrecs)
{
	struct rec *r = NULL;
	size_t pos = HDR_LEN, n = 0, cap = 0, i, dlen;
	unsigned sum;

	*recs = NULL;
	*nrecs = 0;
	if (len < HDR_LEN || le32(p) != TNEF_SIGNATURE)
		return -1;
	while (pos < len) {
		if (len - pos < REC_OVERHEAD || n >= TNEF_MAX_RECORDS)
			goto fail;
		if (p[pos] != LVL_MSG && p[pos] != LVL_ATT)
			goto fail;
		dlen = le32(p + pos + 5);
		if (dlen > len - pos - REC_OVERHEAD)
			goto fail;
		for (sum = 0, i = 0; i < dlen; i++)
			sum += p[pos + 9 + i];
		if ((sum & 0xffff) != ((unsigned)p[pos + 9 + dlen] |
		    (unsigned)p[pos + 10 + dlen] << 8))
			goto fail;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			r = xreallocarray(r, cap, sizeof(*r));
		}
		r[n].off = pos;
		r[n].dlen = dlen;
		r[n].id = le32(p + pos + 1);
		r[n].level = p[pos];
		n++;
		pos += REC_OVERHEAD + dlen;
	}
	if (n == 0)
		goto fail;
	*recs = r;
	*nrecs = n;
	return 0;
fail:
	free(r);
	return -1;
}

/*
 * Record i is the first of its id among r[from, i] of this level. libytnef
 * leaks what a repeated attribute replaces, so repeats are not passed on.
 * Quadratic in the records of one group, so groups are kept small (an
 * attachment starts a new one; the message group is capped).
 */
static int
first_of(const struct rec *r, size_t from, size_t i, int level)
{
	size_t j;

	for (j = from; j < i; j++)
		if (r[j].level == level && r[j].id == r[i].id)
			return 0;
	return 1;
}


/*
 * libytnef prints "ERROR: ..." lines on standard output, which in pipe
 * mode is the MTA's and in mimedump the JSON's: point it at /dev/null
 * while libytnef parses. Returns the saved descriptor, or -1.
 */
static int
quiet_begin(void)
{
	int saved, null;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	if (saved == -1 || null == -1) {
		if (saved != -1)
			close(saved);
		if (null != -1)
			close(null);
		return -1;
	}
	dup2(null, STDOUT_FILENO);
	close(null);
	return saved;
}

static void
quiet_end(int saved)
{
	if (saved == -1)
		return;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/*
 * Run libytnef over the header plus records [from, to) of kind level.
 * Returns its result; *tn must be TNEFFree()d by the caller either way.
 */
static int
ytnef_run(const unsigned char *p, const struct rec *r, size_t from, size_t to,
    int level, TNEFStruct *tn)
{
	unsigned char *s;
	size_t i, n = HDR_LEN;
	int rc, quiet;

	for (i = from; i < to; i++)
		if (r[i].level == level && first_of(r, from, i, level))
			n += REC_OVERHEAD + r[i].dlen;
	s = xmalloc(n);
	memcpy(s, p, HDR_LEN);
	n = HDR_LEN;
	for (i = from; i < to; i++)
		if (r[i].level == level && first_of(r, from, i, level)) {
			memcpy(s + n, p + r[i].off, REC_OVERHEAD + r[i].dlen);
			n += REC_OVERHEAD + r[i].dlen;
		}
	TNEFInitialize(tn);
	tn->Debug = 0;
	quiet = quiet_begin();
	rc = n > INT32_MAX ? -1 : TNEFParseMemory(s, (long)n, tn);
	quiet_end(quiet);
	free(s);
	return rc;
}

/* A property's first value, or NULL. */
static const variableLength *
prop(MAPIProps *mp, unsigned type, unsigned id)
{
	variableLength *v;

	v = MAPIFindProperty(mp, PROP_TAG(type, id));
	if (v == MAPI_UNDEFINED || v == NULL || v->data == NULL || v->size <= 0)
		return NULL;
	return v;
}

static unsigned
prop_long(MAPIProps *mp, unsigned id)
{
	const variableLength *v = prop(mp, PT_LONG, id);

	return v != NULL && v->size >= 4 ? le32(v->data) : 0;
}

/* iconv's name for a Windows code page; "" when unknown (undeclared). */
static void
cp_name(unsigned cp, char *dst, size_t sz)
{
	static const struct {
		unsigned	 cp;
		const char	*name;
	} tab[] = {
		{ 65001, "UTF-8" }, { 1200, "UTF-16LE" }, { 1201, "UTF-16BE" },
		{ 20127, "US-ASCII" }, { 20866, "KOI8-R" }, { 21866, "KOI8-U" },
		{ 50220, "ISO-2022-JP" }, { 50221, "ISO-2022-JP" },
		{ 50222, "ISO-2022-JP" }, { 51932, "EUC-JP" }, { 51949, "EUC-KR" },
		{ 54936, "GB18030" }, { 52936, "HZ-GB-2312" }, { 10000, "MACINTOSH" },
		{ 932, "CP932" }, { 936, "GB18030" }, { 949, "CP949" }, { 950, "CP950" },
	};
	size_t i;

	dst[0] = '\0';
	if (cp == 0)
		return;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].cp == cp) {
			snprintf(dst, sz, "%s", tab[i].name);
			return;
		}
	if (cp >= 28591 && cp <= 28606)
		snprintf(dst, sz, "ISO-8859-%u", cp - 28590);
	else
		snprintf(dst, sz, "CP%u", cp);
}

/* Bytes in charset cs, trailing NULs (C string ends) dropped, as UTF-8. */
static char *
bytes_utf8(const char *cs, const unsigned char *p, size_t len, size_t max,
    int *flags)
{
	int wide = strncmp(cs, "UTF-16", 6) == 0, cf = 0;
	char *s;

	if (wide) {
		len &= ~(size_t)1;
		while (len >= 2 && p[len - 1] == 0 && p[len - 2] == 0)
			len -= 2;
	} else
		while (len > 0 && p[len - 1] == 0)
			len--;
	s = charset_to_utf8(cs[0] != '\0' ? cs : NULL, (const char *)p, len,
	    max, &cf);
	if (cf & CHARSET_BAD)
		*flags |= TNEF_F_CHARSET;
	if (cf & CHARSET_TRUNC)
		*flags |= TNEF_F_TRUNC;
	return s;
}

/* A string property (Unicode, else 8-bit in code page cs) as UTF-8. */
static char *
prop_str(MAPIProps *mp, unsigned id, const char *cs, size_t max, int *flags)
{
	const variableLength *v;

	/*
	 * libytnef hands out PT_UNICODE values already converted to UTF-8
	 * and NUL-terminated, but with the size of the UTF-16 original, which
	 * UTF-8 can exceed by half: the NUL ends the text.
	 */
	if ((v = prop(mp, PT_UNICODE, id)) != NULL)
		return bytes_utf8("UTF-8", v->data, strnlen((const char *)v->data,
		    (size_t)v->size / 2 * 3 + 4), max, flags);
	if ((v = prop(mp, PT_STRING8, id)) != NULL)
		return bytes_utf8(cs, v->data, (size_t)v->size, max, flags);
	return NULL;
}

static int
blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* ---- RTF ---- */

struct rtf_group {
	int	skip;		/* an ignorable destination: no text */
	int	uc;		/* characters that stand in for a \uN */
	int	htmlrtf;	/* inside \htmlrtf: RTF-only text of HTML mail */
};

struct rtf {
	struct buf	 out;
	struct buf	 run;	/* 8-bit text not yet converted */
	char		 cs[32];
	int		 full;
	unsigned	 hi;	/* a pending high surrogate */
};

static void
rtf_flush(struct rtf *r)
{
	char *s;

	if (r->run.len == 0)
		return;
	s = charset_to_utf8(r->cs, r->run.data, r->run.len,
	    r->out.max - r->out.len, NULL);
	if (buf_addstr(&r->out, s) == -1)
		r->full = 1;
	free(s);
	buf_reset(&r->run);
}

static void
rtf_str(struct rtf *r, const char *s)
{
	rtf_flush(r);
	if (buf_addstr(&r->out, s) == -1)
		r->full = 1;
}

static void
rtf_byte(struct rtf *r, unsigned char c)
{
	if (buf_addch(&r->run, (char)c) == -1) {
		rtf_flush(r);
		buf_addch(&r->run, (char)c);
	}
}

static void
rtf_unicode(struct rtf *r, long v)
{
	char u[5];
	unsigned c;

	if (v < 0)
		v += 65536;
	if (v < 0 || v > 0xffff)
		return;
	c = (unsigned)v;
	if (c >= 0xd800 && c <= 0xdbff) {
		r->hi = c;
		return;
	}
	if (c >= 0xdc00 && c <= 0xdfff) {
		if (r->hi == 0)
			c = 0xfffd;
		else
			c = 0x10000 + ((r->hi - 0xd800) << 10) + (c - 0xdc00);
	}
	r->hi = 0;
	if (c == 0)
		return;
	if (c < 0x80) {
		u[0] = (char)c;
		u[1] = '\0';
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		u[2] = '\0';
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		u[3] = '\0';
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		u[4] = '\0';
	}
	rtf_str(r, u);
}

static int
rtf_skipped_dest(const char *w)
{
	static const char *const dest[] = {
		"fonttbl", "colortbl", "stylesheet", "info", "pict", "object",
		"header", "headerl", "headerr", "headerf", "footer", "footerl",
		"footerr", "footerf", "themedata", "colorschememapping",
		"datastore", "latentstyles", "listtable", "listoverridetable",
		"rsidtbl", "generator", "xmlnstbl", "mmathPr", "fldinst",
		"filetbl", "revtbl", "pgdsctbl", "userprops", "bkmkstart",
		"bkmkend", "nonshppict", "shppict", "objdata", "wgrffmtfilter",
	};
	size_t i;

	for (i = 0; i < sizeof(dest) / sizeof(dest[0]); i++)
		if (strcmp(w, dest[i]) == 0)
			return 1;
	return 0;
}

char *
tnef_rtf_text(const char *rtf, size_t len, size_t max)
{
	struct rtf_group st[RTF_DEPTH];
	struct rtf r;
	const unsigned char *p = (const unsigned char *)rtf;
	size_t i = 0, depth = 0, over = 0, wl;
	char word[33];
	long num;
	int hasnum, neg, nd, skipchars = 0, c, hi, lo, text, group_start = 0;

	memset(&r, 0, sizeof(r));
	buf_init(&r.out, max);
	buf_init(&r.run, 4096);
	memcpy(r.cs, "CP1252", sizeof("CP1252"));
	memset(st, 0, sizeof(st));
	st[0].uc = 1;
	while (i < len && !r.full) {
		c = p[i];
		text = !st[depth].skip && !st[depth].htmlrtf;
		if (c == '{') {
			if (depth + 1 < RTF_DEPTH) {
				st[depth + 1] = st[depth];
				depth++;
			} else
				over++;
			group_start = 1;
			i++;
			continue;
		}
		if (c == '}') {
			if (over > 0)
				over--;
			else if (depth > 0)
				depth--;
			group_start = 0;
			i++;
			continue;
		}
		if (c == '\r' || c == '\n' || c == 0) {
			i++;
			continue;
		}
		if (c != '\\') {
			group_start = 0;
			if (skipchars > 0)
				skipchars--;
			else if (text)
				rtf_byte(&r, (unsigned char)c);
			i++;
			continue;
		}
		/* a control word or symbol */
		if (++i >= len)
			break;
		c = p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			for (wl = 0; i < len && wl < sizeof(word) - 1 &&
			    ((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z')); i++)
				word[wl++] = (char)p[i];
			word[wl] = '\0';
			while (i < len && ((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z')))
				i++;	/* an overlong word: the rest ignored */
			neg = i < len && p[i] == '-';
			if (neg)
				i++;
			for (num = 0, nd = 0; i < len && p[i] >= '0' && p[i] <= '9';
			    i++)
				if (nd++ < 9)
					num = num * 10 + (p[i] - '0');
			hasnum = nd > 0;
			if (neg)
				num = -num;
			if (i < len && p[i] == ' ')
				i++;
			if (group_start && rtf_skipped_dest(word))
				st[depth].skip = 1;
			group_start = 0;
			if (strcmp(word, "htmlrtf") == 0)
				st[depth].htmlrtf = !hasnum || num != 0;
			else if (strcmp(word, "uc") == 0 && hasnum)
				st[depth].uc = num < 0 ? 0 : num > 8 ? 8 : (int)num;
			else if (strcmp(word, "ansicpg") == 0 && hasnum && num > 0) {
				rtf_flush(&r);
				cp_name((unsigned)num, r.cs, sizeof(r.cs));
			} else if (!text)
				continue;
			else if (strcmp(word, "u") == 0 && hasnum) {
				rtf_unicode(&r, num);
				skipchars = st[depth].uc;
			} else if (strcmp(word, "par") == 0 ||
			    strcmp(word, "line") == 0 || strcmp(word, "row") == 0 ||
			    strcmp(word, "sect") == 0 || strcmp(word, "page") == 0)
				rtf_str(&r, "\n");
			else if (strcmp(word, "tab") == 0 || strcmp(word, "cell") == 0)
				rtf_str(&r, "\t");
			else if (strcmp(word, "emdash") == 0)
				rtf_str(&r, "\xe2\x80\x94");
			else if (strcmp(word, "endash") == 0)
				rtf_str(&r, "\xe2\x80\x93");
			else if (strcmp(word, "lquote") == 0)
				rtf_str(&r, "\xe2\x80\x98");
			else if (strcmp(word, "rquote") == 0)
				rtf_str(&r, "\xe2\x80\x99");
			else if (strcmp(word, "ldblquote") == 0)
				rtf_str(&r, "\xe2\x80\x9c");
			else if (strcmp(word, "rdblquote") == 0)
				rtf_str(&r, "\xe2\x80\x9d");
			else if (strcmp(word, "bullet") == 0)
				rtf_str(&r, "\xe2\x80\xa2");
			else if (strcmp(word, "emspace") == 0 ||
			    strcmp(word, "enspace") == 0)
				rtf_str(&r, " ");
			continue;
		}
		group_start = 0;
		i++;
		switch (c) {
		case '*':
			st[depth].skip = 1;	/* no starred destination is text */
			break;
		case '\'':
			if (i + 1 < len && (hi = hexdig(p[i])) != -1 &&
			    (lo = hexdig(p[i + 1])) != -1) {
				i += 2;
				if (skipchars > 0)
					skipchars--;
				else if (text)
					rtf_byte(&r, (unsigned char)(hi << 4 | lo));
			}
			break;
		case '\\':
		case '{':
		case '}':
			if (skipchars > 0)
				skipchars--;
			else if (text)
				rtf_byte(&r, (unsigned char)c);
			break;
		case '~':
			if (text)
				rtf_str(&r, " ");
			break;
		case '_':
			if (text)
				rtf_str(&r, "-");
			break;
		case '\r':
		case '\n':
			if (text)
				rtf_str(&r, "\n");
			break;
		default:
			break;
		}
	}
	rtf_flush(&r);
	buf_clear(&r.run);
	return buf_steal(&r.out, NULL);
}

/* ---- the stream ---- */

/*
 * The message body: plain text, else HTML as text (*htmlp gets the HTML),
 * else RTF as text.
 */
static char *
message_body(TNEFStruct *tn, size_t max, int *flags, char **htmlp)
{
	MAPIProps *mp = &tn->MapiProperties;
	const variableLength *v;
	char cs[32], *s = NULL, *html;
	unsigned cp;
	BYTE *rtf;
	int rsz = 0, quiet;

	cp = prop_long(mp, PR_INTERNET_CPID);
	if (cp == 0)
		cp = prop_long(mp, PR_MESSAGE_CODEPAGE);
	if (cp == 0 && tn->CodePage.data != NULL && tn->CodePage.size >= 4)
		cp = le32(tn->CodePage.data);
	cp_name(cp, cs, sizeof(cs));

	s = prop_str(mp, PR_BODY, cs, max, flags);
	if (blank(s) && tn->body.data != NULL && tn->body.size > 0) {
		free(s);
		s = bytes_utf8(cs, tn->body.data, (size_t)tn->body.size, max, flags);
	}
	if (!blank(s))
		return s;
	free(s);
	s = NULL;
	if ((v = prop(mp, PT_BINARY, PR_BODY_HTML)) != NULL)
		html = bytes_utf8(cs, v->data, (size_t)v->size, HTML_MAX, flags);
	else
		html = prop_str(mp, PR_BODY_HTML, cs, HTML_MAX, flags);
	if (html != NULL) {
		s = html2text(html, strlen(html), max);
		if (!blank(s)) {
			*htmlp = html;
			return s;
		}
		free(html);
		free(s);
		s = NULL;
	}
	v = prop(mp, PT_BINARY, PR_RTF_COMPRESSED);
	/* header: compressed size, raw size, magic "LZFu" or "MELA", crc */
	if (v != NULL && v->size >= 16 && le32(v->data + 4) <= RTF_MAX &&
	    (le32(v->data + 8) == 0x75465a4cU || le32(v->data + 8) == 0x414c454dU)) {
		quiet = quiet_begin();
		rtf = DecompressRTF((variableLength *)v, &rsz);
		quiet_end(quiet);
		if (rtf != NULL && rsz > 0)
			s = tnef_rtf_text((const char *)rtf, (size_t)rsz, max);
		free(rtf);
		if (!blank(s))
			return s;
		free(s);
		s = NULL;
	}
	return NULL;
}

/* The first record of id among r[from, to), or NULL. */
static const struct rec *
find_rec(const struct rec *r, size_t from, size_t to, uint32_t id)
{
	size_t i;

	for (i = from; i < to; i++)
		if (r[i].level == LVL_ATT && r[i].id == id)
			return &r[i];
	return NULL;
}

static void
add_file(struct tnef *t, size_t max_files, size_t max_bytes, char *name,
    char *type, char *cid, const unsigned char *data, size_t size)
{
	struct tnef_file *f;

	if (t->nfiles >= max_files) {
		t->flags |= TNEF_F_TOOMANY;
		free(name);
		free(type);
		free(cid);
		return;
	}
	if (t->nfiles % 16 == 0)
		t->files = xreallocarray(t->files, t->nfiles + 16,
		    sizeof(*t->files));
	f = &t->files[t->nfiles++];
	f->name = name;
	f->media_type = type;
	f->content_id = cid;
	f->size = size;
	if (size > max_bytes) {
		f->data = NULL;
		t->flags |= TNEF_F_DROPPED;
	} else {
		f->data = xmalloc(size > 0 ? size : 1);
		memcpy(f->data, data, size);
	}
}

/* Strip <> and anything unprintable from a content id; NULL when empty. */
static char *
clean_cid(char *s)
{
	char *r, *w;

	if (s == NULL)
		return NULL;
	for (r = w = s; *r != '\0'; r++)
		if ((unsigned char)*r > 0x20 && (unsigned char)*r < 0x7f &&
		    *r != '<' && *r != '>')
			*w++ = *r;
	*w = '\0';
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* One attachment: the records r[from, to) (from an attAttachRenddata on). */
static void
attachment(struct tnef *t, const unsigned char *p, const struct rec *r,
    size_t from, size_t to, const char *cs, size_t max_files, size_t max_bytes)
{
	TNEFStruct tn;
	Attachment *a;
	const struct rec *title, *data;
	const variableLength *v;
	char *name = NULL, *type = NULL, *cid = NULL;
	int rc, f = 0;

	if (to - from > GROUP_MAX || r[from].id != attAttachRenddata) {
		t->flags |= TNEF_F_PARTIAL;
		goto raw;
	}
	rc = ytnef_run(p, r, from, to, LVL_ATT, &tn);
	a = tn.starting_attach.next;
	if (rc == 0 && a != NULL) {
		name = prop_str(&a->MAPI, PR_ATTACH_LONG_FILENAME, cs,
		    NAME_MAX_BYTES, &f);
		if (blank(name)) {
			free(name);
			name = prop_str(&a->MAPI, PR_DISPLAY_NAME, cs,
			    NAME_MAX_BYTES, &f);
		}
		if (blank(name) && a->Title.data != NULL && a->Title.size > 0) {
			free(name);
			name = bytes_utf8(cs, a->Title.data, (size_t)a->Title.size,
			    NAME_MAX_BYTES, &f);
		}
		type = prop_str(&a->MAPI, PR_ATTACH_MIME_TAG, "US-ASCII",
		    NAME_MAX_BYTES, &f);
		cid = clean_cid(prop_str(&a->MAPI, PR_ATTACH_CONTENT_ID,
		    "US-ASCII", NAME_MAX_BYTES, &f));
		if (blank(name)) {
			free(name);
			name = NULL;
		}
		if (a->FileData.data != NULL && a->FileData.size > 0)
			add_file(t, max_files, max_bytes, name, type, cid,
			    a->FileData.data, (size_t)a->FileData.size);
		else if ((v = prop(&a->MAPI, PT_BINARY, PR_ATTACH_DATA_OBJ)) != NULL)
			add_file(t, max_files, max_bytes, name, type, cid,
			    v->data, (size_t)v->size);
		else {
			free(name);
			free(type);
			free(cid);
		}
		TNEFFree(&tn);
		return;
	}
	TNEFFree(&tn);
	t->flags |= TNEF_F_PARTIAL;
raw:
	/* libytnef refused it: the title and the bytes from the raw records */
	data = find_rec(r, from, to, attAttachData);
	if (data == NULL || data->dlen == 0)
		return;
	title = find_rec(r, from, to, attAttachTitle);
	if (title != NULL && title->dlen > 0)
		name = bytes_utf8(cs, p + title->off + 9, title->dlen,
		    NAME_MAX_BYTES, &f);
	add_file(t, max_files, max_bytes, name, NULL, NULL, p + data->off + 9,
	    data->dlen);
}

int
tnef_parse(const char *raw, size_t len, size_t max_files, size_t max_bytes,
    size_t max_body, struct tnef *t)
{
	const unsigned char *p = (const unsigned char *)raw;
	TNEFStruct tn;
	struct rec *r;
	size_t nr, i, start;
	char cs[32];
	unsigned cp;
	int rc;

	memset(t, 0, sizeof(*t));
	if (max_files > TNEF_MAX_FILES)
		max_files = TNEF_MAX_FILES;
	if (index_records(p, len, &r, &nr) == -1)
		return -1;
	for (i = 0, start = 0; i < nr; i++)
		if (r[i].level == LVL_MSG)
			start++;
	if (start > GROUP_MAX) {
		free(r);
		return -1;	/* no real message has that many attributes */
	}

	/* the message: its records only */
	rc = ytnef_run(p, r, 0, nr, LVL_MSG, &tn);
	if (rc != 0)
		t->flags |= TNEF_F_PARTIAL;	/* what was read is still used */
	t->body = message_body(&tn, max_body, &t->flags, &t->html);
	cp = prop_long(&tn.MapiProperties, PR_INTERNET_CPID);
	if (cp == 0 && tn.CodePage.data != NULL && tn.CodePage.size >= 4)
		cp = le32(tn.CodePage.data);
	cp_name(cp, cs, sizeof(cs));
	TNEFFree(&tn);

	/* each attachment: from one attAttachRenddata to the next */
	for (start = nr, i = 0; i < nr; i++) {
		if (r[i].level != LVL_ATT)
			continue;
		if (t->nfiles >= max_files) {
			t->flags |= TNEF_F_TOOMANY;
			start = nr;
			break;
		}
		if (start == nr)
			start = i;
		else if (r[i].id == attAttachRenddata) {
			attachment(t, p, r, start, i, cs, max_files, max_bytes);
			start = i;
		}
	}
	if (start < nr)
		attachment(t, p, r, start, nr, cs, max_files, max_bytes);
	free(r);
	if (t->body == NULL && t->nfiles == 0)
		return -1;
	return 0;
}

void
tnef_clear(struct tnef *t)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		free(t->files[i].name);
		free(t->files[i].media_type);
		free(t->files[i].content_id);
		free(t->files[i].data);
	}
	free(t->files);
	free(t->body);
	free(t->html);
	memset(t, 0, sizeof(*t));
}
