/*
 * mime_part.c — the parts of a mail that are no body text: what a part
 * declares (type, disposition, Content-ID, file name per RFC 2047/2231 via
 * rfc2231.c), its decoded bytes, the file name made safe, the type sniffed
 * from the bytes, the part kept (or dropped over the size cap), the HTML's
 * image references that make a part inline, and winmail.dat (TNEF) handed
 * to tnef.c with its text merged into the body.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "charset.h"
#include "html2text.h"
#include "limits.h"
#include "mail.h"
#include "mime_impl.h"
#include "rfc2231.h"
#include "tnef.h"
#include "xmalloc.h"

#define MAX_HTML_REFS	LIMIT_HTML_REFS
#define MAX_REF_BYTES	1024	/* longest src= value looked at */
#define MAX_PARAMS	64	/* parameters of one part looked at */
#define NAME_BYTES	255	/* longest stored file name */
#define RAW_NAME_BYTES	(64 * 1024)	/* file name decoded before the cut */

#define TNEF_MARKER	"---------- Outlook (winmail.dat) text ----------"

/* ---- what a part declares ---- */

int
mime_is_type(const struct mailmime *mm, int discrete, const char *sub)
{
	const struct mailmime_content *ct = mm->mm_content_type;

	if (ct == NULL || ct->ct_type == NULL ||
	    ct->ct_type->tp_type != MAILMIME_TYPE_DISCRETE_TYPE ||
	    ct->ct_type->tp_data.tp_discrete_type->dt_type != discrete)
		return 0;
	return sub == NULL || (ct->ct_subtype != NULL &&
	    strcasecmp(ct->ct_subtype, sub) == 0);
}

static const struct mailmime_disposition *
disposition(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime_field *f;

	if (mm->mm_mime_fields == NULL)
		return NULL;
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION &&
		    f->fld_data.fld_disposition != NULL)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

/* MAILMIME_DISPOSITION_TYPE_*, or -1 when there is no disposition. */
int
mime_disposition_type(const struct mailmime *mm)
{
	const struct mailmime_disposition *d = disposition(mm);

	if (d == NULL || d->dsp_type == NULL)
		return -1;
	return d->dsp_type->dsp_type;
}

/* The Content-ID without <>, when it is one we can match; else NULL. */
char *
mime_part_cid(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime_field *f;
	const char *id;
	size_t len;
	char *tmp, *res;

	if (mm->mm_mime_fields == NULL)
		return NULL;
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILMIME_FIELD_ID || f->fld_data.fld_id == NULL)
			continue;
		id = f->fld_data.fld_id;
		while (*id == ' ' || *id == '\t' || *id == '<')
			id++;
		len = strlen(id);
		while (len > 0 && (id[len - 1] == ' ' || id[len - 1] == '\t' ||
		    id[len - 1] == '>'))
			len--;
		tmp = xstrndup(id, len);
		res = mime_clean_msgid(tmp);
		free(tmp);
		return res;
	}
	return NULL;
}

/* "type/subtype" as declared, lower-case; application/octet-stream else. */
char *
mime_media_type(const struct mailmime_content *ct)
{
	const char *t = NULL;
	char *s, *q;
	int slash = 0;

	if (ct == NULL || ct->ct_type == NULL || ct->ct_subtype == NULL)
		return xstrdup("application/octet-stream");
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (ct->ct_type->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			t = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			t = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			t = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			t = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			t = "application";
			break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			t = ct->ct_type->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (ct->ct_type->tp_data.tp_composite_type != NULL) {
		switch (ct->ct_type->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			t = "message";
			break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			t = "multipart";
			break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			t = ct->ct_type->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	if (t == NULL || strlen(t) + strlen(ct->ct_subtype) > 126)
		return xstrdup("application/octet-stream");
	s = xasprintf("%s/%s", t, ct->ct_subtype);
	for (q = s; *q != '\0'; q++) {
		*q = (char)tolower((unsigned char)*q);
		if (*q == '/')
			slash++;
		else if (!isalnum((unsigned char)*q) &&
		    strchr("!#$&-^_.+", *q) == NULL)
			break;
	}
	if (*q != '\0' || slash != 1 || s[0] == '/' || q[-1] == '/') {
		free(s);
		return xstrdup("application/octet-stream");
	}
	return s;
}

/* ---- file names and types ---- */

static const struct {
	const char	*ext;
	const char	*type;
} exts[] = {
	{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
	{ "jpe", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
	{ "heic", "image/heic" }, { "heif", "image/heif" }, { "bmp", "image/bmp" },
	{ "tif", "image/tiff" }, { "tiff", "image/tiff" },
	{ "svg", "image/svg+xml" }, { "ico", "image/x-icon" },
	{ "pdf", "application/pdf" }, { "txt", "text/plain" },
	{ "log", "text/plain" }, { "csv", "text/csv" }, { "html", "text/html" },
	{ "htm", "text/html" }, { "ics", "text/calendar" }, { "vcf", "text/vcard" },
	{ "xml", "application/xml" }, { "json", "application/json" },
	{ "eml", "message/rfc822" }, { "msg", "application/vnd.ms-outlook" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "rtf", "application/rtf" }, { "zip", "application/zip" },
	{ "gz", "application/gzip" }, { "7z", "application/x-7z-compressed" },
	{ "rar", "application/vnd.rar" }, { "p7s", "application/pkcs7-signature" },
	{ "asc", "application/pgp-signature" }, { "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" }, { "mp4", "video/mp4" }, { "mov", "video/quicktime" },
};

/* The extension for a media type ("png"), or NULL. */
static const char *
ext_of_type(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcmp(exts[i].type, type) == 0)
			return exts[i].ext;
	return NULL;
}

/* The media type for a file name's extension, or NULL. */
static const char *
type_of_name(const char *name)
{
	const char *dot;
	size_t i;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL)
		return NULL;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(exts[i].ext, dot + 1) == 0)
			return exts[i].type;
	return NULL;
}

/* The image type the bytes' signature says, or NULL. */
static const char *
sniff_image(const char *data, size_t size)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned dib;
	static const char *const heif[] = {
		"heic", "heix", "hevc", "hevx", "mif1", "msf1",
	};
	size_t i;

	if (p == NULL)
		return NULL;
	if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (size >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (size >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (size >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (size >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
		for (i = 0; i < sizeof(heif) / sizeof(heif[0]); i++)
			if (memcmp(p + 8, heif[i], 4) == 0)
				return "image/heic";
	/* "BM", and a DIB header size of a known version */
	if (size >= 26 && p[0] == 'B' && p[1] == 'M') {
		dib = (unsigned)p[14] | (unsigned)p[15] << 8 |
		    (unsigned)p[16] << 16 | (unsigned)p[17] << 24;
		if (dib == 12 || dib == 40 || dib == 52 || dib == 56 ||
		    dib == 64 || dib == 108 || dib == 124)
			return "image/bmp";
	}
	return NULL;
}

/* A media type for a file from a TNEF stream: declared, name, bytes. */
static char *
guess_type(const char *declared, const char *name, const char *data,
    size_t size)
{
	const char *t;
	char *s, *q;

	if (declared != NULL && strchr(declared, '/') != NULL &&
	    strlen(declared) < 128) {
		s = xstrdup(declared);
		for (q = s; *q != '\0'; q++) {
			*q = (char)tolower((unsigned char)*q);
			if (!isalnum((unsigned char)*q) &&
			    strchr("!#$&-^_.+/", *q) == NULL)
				break;
		}
		if (*q == '\0')
			return s;
		free(s);
	}
	if ((t = type_of_name(name)) != NULL)
		return xstrdup(t);
	if ((t = sniff_image(data, size)) != NULL)
		return xstrdup(t);
	if (data != NULL && size >= 5 && memcmp(data, "%PDF-", 5) == 0)
		return xstrdup("application/pdf");
	if (data != NULL && size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return xstrdup("application/zip");
	return xstrdup("application/octet-stream");
}

/* Bytes of a UTF-8 control or direction-changing character at p, or 0. */
static size_t
bad_char(const unsigned char *p)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;	/* C1 controls */
	if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8b && p[2] <= 0x8f) ||
	    (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;	/* zero width, LRM/RLM, embeddings, overrides */
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;	/* isolates */
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return 3;	/* BOM */
	return 0;
}

/*
 * A file name safe to show and store: no path, no controls or direction
 * overrides, no leading dots or spaces, at most NAME_BYTES at a UTF-8
 * boundary (the extension kept), never empty ("part-N.ext"). Takes name.
 */
static char *
clean_filename(char *name, const char *type, size_t n)
{
	const char *base, *ext;
	char *s, *w, *t;
	size_t len, keep, cut, b;

	if (name != NULL && !charset_utf8_valid(name, strlen(name))) {
		t = charset_to_utf8(NULL, name, strlen(name), RAW_NAME_BYTES, NULL);
		free(name);
		name = t;
	}
	s = NULL;
	if (name != NULL) {
		base = name;
		for (t = name; *t != '\0'; t++)
			if (*t == '/' || *t == '\\')
				base = t + 1;
		s = w = xmalloc(strlen(base) + 1);
		while (*base != '\0') {
			if ((b = bad_char((const unsigned char *)base)) > 0) {
				base += b;
				continue;
			}
			if (w == s && (*base == '.' || *base == ' ')) {
				base++;
				continue;
			}
			*w++ = *base++;
		}
		while (w > s && w[-1] == ' ')
			w--;
		*w = '\0';
		free(name);
		len = strlen(s);
		if (len > NAME_BYTES) {
			ext = strrchr(s, '.');
			keep = ext != NULL && strlen(ext) <= 16 ? strlen(ext) : 0;
			cut = NAME_BYTES - keep;
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
			if (keep > 0)
				memmove(s + cut, ext, keep + 1);
			else
				s[cut] = '\0';
		}
		if (s[0] != '\0')
			return s;
		free(s);
	}
	ext = ext_of_type(type);
	return xasprintf("part-%zu%s%s", n, ext != NULL ? "." : "",
	    ext != NULL ? ext : "");
}

/*
 * The file name of a part, decoded: filename (RFC 2231, else RFC 2047 or
 * raw 8-bit) from Content-Disposition, else name from Content-Type.
 * NULL when there is none.
 */
char *
mime_part_filename(const struct mailmime *mm)
{
	struct rfc2231_param pv[MAX_PARAMS];
	const struct mailmime_disposition *d = disposition(mm);
	const struct mailmime_disposition_parm *dp;
	const struct mailmime_parameter *pa;
	const char *plain_fn = NULL, *plain_name = NULL;
	clistiter *it;
	size_t n = 0;
	char *s;

	memset(pv, 0, sizeof(pv));
	if (d != NULL && d->dsp_parms != NULL)
		for (it = clist_begin(d->dsp_parms); it != NULL && n < MAX_PARAMS;
		    it = clist_next(it)) {
			dp = clist_content(it);
			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME) {
				if (plain_fn == NULL)
					plain_fn = dp->pa_data.pa_filename;
			} else if (dp->pa_type ==
			    MAILMIME_DISPOSITION_PARM_PARAMETER) {
				pv[n].name = dp->pa_data.pa_parameter->pa_name;
				pv[n++].value = dp->pa_data.pa_parameter->pa_value;
			}
		}
	if ((s = rfc2231_param(pv, n, "filename", RAW_NAME_BYTES, NULL)) != NULL &&
	    s[0] != '\0')
		return s;
	free(s);
	if (plain_fn != NULL && plain_fn[0] != '\0')
		return mime_decode_phrase(plain_fn, RAW_NAME_BYTES);
	n = 0;
	if (mm->mm_content_type != NULL && mm->mm_content_type->ct_parameters)
		for (it = clist_begin(mm->mm_content_type->ct_parameters);
		    it != NULL && n < MAX_PARAMS; it = clist_next(it)) {
			pa = clist_content(it);
			pv[n].name = pa->pa_name;
			pv[n++].value = pa->pa_value;
			if (plain_name == NULL && pa->pa_name != NULL &&
			    strcasecmp(pa->pa_name, "name") == 0)
				plain_name = pa->pa_value;
		}
	if ((s = rfc2231_param(pv, n, "name", RAW_NAME_BYTES, NULL)) != NULL &&
	    s[0] != '\0')
		return s;
	free(s);
	if (plain_name != NULL && plain_name[0] != '\0')
		return mime_decode_phrase(plain_name, RAW_NAME_BYTES);
	return NULL;
}

/*
 * Keep a part. Takes name, type, cid and data (data may be NULL only when
 * the caller already dropped it: size then says how big it was).
 */
void
mime_push_part(struct walk *w, char *name, char *type, char *cid, char *data,
    size_t size, int flags)
{
	struct mail *m = w->m;
	struct mail_part *pt;

	if (m->nparts >= LIMIT_MIME_PARTS) {
		m->flags |= MAIL_F_MIME_ERROR;
		free(name);
		free(type);
		free(cid);
		free(data);
		return;
	}
	if (m->nparts == w->partcap) {
		w->partcap = w->partcap == 0 ? 8 : w->partcap * 2;
		if (w->partcap > LIMIT_MIME_PARTS)
			w->partcap = LIMIT_MIME_PARTS;
		m->parts = xreallocarray(m->parts, w->partcap, sizeof(*m->parts));
	}
	pt = &m->parts[m->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->media_type = type;
	pt->content_id = cid;
	pt->size = size;
	pt->flags = flags;
	if (cid != NULL)
		pt->flags |= PART_F_INLINE;
	/*
	 * By the bytes; a declared image too short to judge counts, and so
	 * does one whose bytes are gone (a file dropped inside winmail.dat,
	 * typed by its name).
	 */
	if (sniff_image(data, size) != NULL || (strncmp(type, "image/", 6) == 0 &&
	    (data == NULL || size < 8)))
		pt->flags |= PART_F_IMAGE;
	pt->filename = clean_filename(name, type, m->nparts);
	if (size > w->max_att) {
		free(data);
		data = NULL;
		pt->flags |= PART_F_DROPPED;
		m->flags |= MAIL_F_DROPPED_PARTS;
	} else if (data == NULL)
		data = xstrdup("");
	pt->data = data;
}

/* ---- decoded bytes ---- */

static char *
data_bytes(const struct mailmime_data *d, int enc, size_t *len, int *flags)
{
	char *res = NULL, *copy;
	size_t idx = 0, rlen = 0;

	*len = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return NULL;
	if (!d->dt_encoded)
		return xstrndup(d->dt_data.dt_text.dt_data, *len =
		    d->dt_data.dt_text.dt_length);
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, enc, &res, &rlen) !=
	    MAILIMF_NO_ERROR || res == NULL) {
		*flags |= MAIL_F_MIME_ERROR;
		return xstrndup(d->dt_data.dt_text.dt_data, *len =
		    d->dt_data.dt_text.dt_length);
	}
	copy = xstrndup(res, rlen);
	*len = rlen;
	mmap_string_unref(res);
	return copy;
}

/* The decoded (transfer-encoding undone) bytes of a single part. */
char *
mime_part_bytes(const struct mailmime *mm, size_t *len, int *flags)
{
	return data_bytes(mm->mm_data.mm_single, mm->mm_mime_fields != NULL ?
	    mailmime_transfer_encoding_get(mm->mm_mime_fields) :
	    MAILMIME_MECHANISM_8BIT, len, flags);
}

/*
 * The decoded bytes with a line end added: libetpan's field parsers need
 * one after the last field, and a part's data ends without it.
 */
char *
mime_part_bytes_crlf(const struct mailmime *mm, size_t *len)
{
	char *raw, *res;
	int fl = 0;

	if ((raw = mime_part_bytes(mm, len, &fl)) == NULL)
		return NULL;
	res = xmalloc(*len + 3);
	memcpy(res, raw, *len);
	memcpy(res + *len, "\r\n", 3);
	*len += 2;
	free(raw);
	return res;
}

/* ---- image references ---- */

/* One src= value of an HTML part (%XX decoded), kept when it may name a part. */
static void
add_ref(struct walk *w, const char *v, size_t len)
{
	char *r;
	size_t i, n = 0;
	int hi, lo;

	if (w->nrefs >= MAX_HTML_REFS || len == 0 || len > MAX_REF_BYTES)
		return;
	r = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (v[i] == '%' && i + 2 < len &&
		    (hi = isxdigit((unsigned char)v[i + 1]) ?
		    (isdigit((unsigned char)v[i + 1]) ? v[i + 1] - '0' :
		    (tolower((unsigned char)v[i + 1]) - 'a' + 10)) : -1) != -1 &&
		    isxdigit((unsigned char)v[i + 2])) {
			lo = isdigit((unsigned char)v[i + 2]) ? v[i + 2] - '0' :
			    tolower((unsigned char)v[i + 2]) - 'a' + 10;
			r[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			r[n++] = v[i];
	}
	r[n] = '\0';
	if (strncasecmp(r, "cid:", 4) == 0)
		memmove(r, r + 4, n - 3);
	else if (strpbrk(r, ":/\\") != NULL)
		r[0] = '\0';	/* a URL or a path: not a part of this mail */
	if (r[0] == '\0' || strchr(r, ' ') != NULL) {
		free(r);
		return;
	}
	if (w->refs == NULL)
		w->refs = xcalloc(MAX_HTML_REFS, sizeof(char *));
	w->refs[w->nrefs++] = r;
}

static void
ref_found(const char *value, void *arg)
{
	add_ref(arg, value, strlen(value));
}

/*
 * The src= (and background=) attribute values of an HTML text, read with
 * libxml2's HTML parser (html2text.c).
 */
void
mime_html_refs(struct walk *w, const char *h, size_t len)
{
	if (w->nrefs < MAX_HTML_REFS)
		html_image_refs(h, len, MAX_HTML_REFS - w->nrefs, ref_found, w);
}

static int
ref_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* PART_F_REFERENCED for each part the HTML named by cid: or bare name. */
void
mime_mark_refs(struct walk *w)
{
	struct mail_part *pt;
	const char *key;
	size_t i;

	if (w->nrefs == 0)
		return;
	qsort(w->refs, w->nrefs, sizeof(char *), ref_cmp);
	for (i = 0; i < w->m->nparts; i++) {
		pt = &w->m->parts[i];
		key = pt->content_id;
		if ((key != NULL && bsearch(&key, w->refs, w->nrefs,
		    sizeof(char *), ref_cmp) != NULL) ||
		    (key = pt->filename, bsearch(&key, w->refs, w->nrefs,
		    sizeof(char *), ref_cmp) != NULL))
			pt->flags |= PART_F_REFERENCED;
	}
}

/* ---- winmail.dat ---- */

/* Only white space (or NULL). */
static int
blank_text(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Append s to b, cut at a UTF-8 boundary when it does not fit: -1 then. */
static int
add_cut(struct buf *b, const char *s)
{
	size_t n = strlen(s), room = b->max - b->len;

	if (n <= room)
		return buf_add(b, s, n);
	while (room > 0 && ((unsigned char)s[room] & 0xc0) == 0x80)
		room--;
	buf_add(b, s, room);
	return -1;
}

/* winmail.dat: its files become parts, its text the body. 0 if unpacked. */
int
mime_walk_tnef(struct walk *w, const char *data, size_t len, int mode)
{
	struct tnef t;
	struct tnef_file *f;
	size_t i;

	if (tnef_parse(data, len, LIMIT_MIME_PARTS - w->m->nparts, w->max_att,
	    LIMIT_BODY_BYTES, &t) == -1)
		return -1;
	for (i = 0; i < t.nfiles; i++) {
		f = &t.files[i];
		mime_push_part(w, f->name, guess_type(f->media_type, f->name, f->data,
		    f->size), f->content_id, f->data, f->size, PART_F_TNEF |
		    (mode & W_FWD ? PART_F_FORWARDED : 0));
		free(f->media_type);
		f->name = f->media_type = f->content_id = f->data = NULL;
	}
	if (t.html != NULL)
		mime_html_refs(w, t.html, strlen(t.html));
	if (t.body != NULL && (mode & W_BODY) && !blank_text(t.body)) {
		if (w->tnef.len > 0)
			buf_addstr(&w->tnef, "\n\n");
		if (add_cut(&w->tnef, t.body) == -1)
			w->m->flags |= MAIL_F_TRUNCATED;
	}
	if (t.flags & TNEF_F_CHARSET)
		w->m->flags |= MAIL_F_CHARSET_ERROR;
	if (t.flags & TNEF_F_TRUNC)
		w->m->flags |= MAIL_F_TRUNCATED;
	if (t.flags & TNEF_F_TOOMANY)
		w->m->flags |= MAIL_F_MIME_ERROR;
	tnef_clear(&t);
	return 0;
}

int
mime_is_tnef(const struct mailmime *mm, const char *name)
{
	const char *base = name, *p;

	if (mime_is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "ms-tnef") ||
	    mime_is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "vnd.ms-tnef"))
		return 1;
	if (name == NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	return strcasecmp(base, "winmail.dat") == 0;
}

/* a and b hold the same text, white space aside. */
static int
same_text(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}

/*
 * The winmail.dat text: the body when there is no other, else after it
 * under a marker (unless it only repeats the text already there).
 */
void
mime_merge_tnef(struct walk *w)
{
	char *t;

	if (w->tnef.len == 0)
		return;
	t = buf_steal(&w->tnef, NULL);
	if (blank_text(w->out->data))
		buf_reset(w->out);
	else if (same_text(w->out->data, t)) {
		free(t);
		return;
	} else if (buf_addstr(w->out, "\n\n" TNEF_MARKER "\n") == -1) {
		w->m->flags |= MAIL_F_TRUNCATED;
		free(t);
		return;
	}
	if (add_cut(w->out, t) == -1)
		w->m->flags |= MAIL_F_TRUNCATED;
	free(t);
}
