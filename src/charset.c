/*
 * charset.c — charset conversion to UTF-8 through iconv(3).
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "xmalloc.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Length of the valid UTF-8 sequence at p, or 0 when it is not valid. */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return len >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (len < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (len < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0;
		if (c == 0xf4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int
charset_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * Append valid UTF-8; when max would be passed, append what fits, cut at a
 * character boundary, and return -1.
 */
static int
add(struct buf *b, const char *p, size_t n, int *flags)
{
	size_t cut;

	if (buf_add(b, p, n) == 0)
		return 0;
	cut = b->max - b->len;
	while (cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
		cut--;
	buf_add(b, p, cut);
	*flags |= CHARSET_TRUNC;
	return -1;
}

/*
 * UTF-8 in, UTF-8 out, bad bytes replaced; NUL (U+0000) is a character to
 * drop, never the end of the text (issue 8).
 */
static void
utf8_clean(struct buf *b, const char *p, size_t len, int *flags)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n, run = 0;

	while (i < len) {
		n = utf8_seq(s + i, len - i);
		if (n > 0 && s[i] != 0) {
			i += n;
			run += n;
			continue;
		}
		if (add(b, p + i - run, run, flags) == -1)
			return;
		run = 0;
		*flags |= CHARSET_BAD;
		if (s[i] != 0 && add(b, replacement, 3, flags) == -1)
			return;
		i++;
	}
	add(b, p + i - run, run, flags);
}

/* windows-1252 bytes 0x80..0x9f; the rest of the upper half is Latin-1. */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178
};

static void
cp1252(struct buf *b, const char *p, size_t len, int *flags)
{
	const unsigned char *s = (const unsigned char *)p;
	char u[3];
	unsigned int cp;
	size_t i;

	for (i = 0; i < len; i++) {
		cp = s[i];
		if (cp >= 0x80 && cp < 0xa0)
			cp = cp1252_high[cp - 0x80];
		if (cp == 0) {
			*flags |= CHARSET_BAD;	/* NUL: dropped */
			continue;
		}
		if (cp < 0x80) {
			u[0] = (char)cp;
			if (add(b, u, 1, flags) == -1)
				return;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3f));
			if (add(b, u, 2, flags) == -1)
				return;
		} else {
			u[0] = (char)(0xe0 | (cp >> 12));
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			if (add(b, u, 3, flags) == -1)
				return;
		}
	}
}

/* Names mail programs write that iconv does not know, or knows as others. */
static const char *
alias(const char *cs)
{
	static const struct { const char *from, *to; } tab[] = {
		{ "ks_c_5601-1987", "CP949" },
		{ "ks_c_5601", "CP949" },
		{ "x-sjis", "SHIFT_JIS" },
		{ "x-euc-jp", "EUC-JP" },
		{ "gb2312", "GB18030" },	/* superset; mail says gb2312, means gbk */
		{ "gbk", "GB18030" },
		{ "iso-8859-8-i", "ISO-8859-8" },
		{ "windows-874", "CP874" },
		{ "x-mac-roman", "MACINTOSH" },
		{ "latin1", "ISO-8859-1" },
		{ "ascii", "US-ASCII" },
		{ "utf8", "UTF-8" },
		{ NULL, NULL }
	};
	size_t i;

	for (i = 0; tab[i].from != NULL; i++)
		if (strcasecmp(cs, tab[i].from) == 0)
			return tab[i].to;
	return cs;
}

static int
is_undeclared(const char *cs)
{
	return cs == NULL || *cs == '\0' || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0 || strcasecmp(cs, "unknown-8bit") == 0 ||
	    strcasecmp(cs, "x-unknown") == 0 || strcasecmp(cs, "unknown") == 0 ||
	    strcasecmp(cs, "default") == 0;
}

static void
undeclared(struct buf *b, const char *p, size_t len, int *flags)
{
	if (charset_utf8_valid(p, len))
		utf8_clean(b, p, len, flags);	/* still drops NUL bytes */
	else
		cp1252(b, p, len, flags);
}

/* Bytes per code unit: a bad unit is skipped whole so the rest stays aligned. */
static size_t
unit_of(const char *cs)
{
	if (strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "utf16", 5) == 0 ||
	    strncasecmp(cs, "ucs-2", 5) == 0 || strncasecmp(cs, "ucs2", 4) == 0)
		return 2;
	if (strncasecmp(cs, "utf-32", 6) == 0 || strncasecmp(cs, "utf32", 5) == 0 ||
	    strncasecmp(cs, "ucs-4", 5) == 0 || strncasecmp(cs, "ucs4", 4) == 0)
		return 4;
	return 1;
}

static void
via_iconv(struct buf *b, iconv_t cd, size_t unit, const char *p, size_t len,
    int *flags)
{
	char out[4096], *in = (char *)p, *o;
	size_t inleft = len, outleft, r, n;
	int done = 0;

	while (!done) {
		o = out;
		outleft = sizeof(out);
		if (inleft == 0) {
			r = iconv(cd, NULL, NULL, &o, &outleft);	/* flush state */
			done = 1;
		} else
			r = iconv(cd, &in, &inleft, &o, &outleft);
		if (o > out) {
			/* iconv's UTF-8 output is valid, but may carry NULs */
			utf8_clean(b, out, (size_t)(o - out), flags);
			if (*flags & CHARSET_TRUNC)
				return;
		}
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/*
		 * EILSEQ, or EINVAL (a sequence cut at the end): skip one code
		 * unit. The conversion state (byte order from a BOM, the
		 * ISO-2022 shift) is kept: a reset would garble the rest.
		 */
		*flags |= CHARSET_BAD;
		if (add(b, replacement, 3, flags) == -1)
			return;
		n = inleft < unit ? inleft : unit;
		in += n;
		inleft -= n;
	}
}

char *
charset_to_utf8(const char *charset, const char *p, size_t len, size_t max,
    int *flagsp)
{
	struct buf b;
	iconv_t cd;
	const char *cs;
	int flags = 0;

	buf_init(&b, max);
	buf_add(&b, "", 0);
	if (is_undeclared(charset))
		undeclared(&b, p, len, &flags);
	else if (strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "utf8") == 0)
		utf8_clean(&b, p, len, &flags);
	else {
		cs = alias(charset);
		cd = iconv_open("UTF-8", cs);
		if (cd == (iconv_t)-1) {
			flags |= CHARSET_BAD;
			undeclared(&b, p, len, &flags);
		} else {
			via_iconv(&b, cd, unit_of(cs), p, len, &flags);
			iconv_close(cd);
		}
	}
	if (flagsp != NULL)
		*flagsp = flags;
	return buf_steal(&b, NULL);
}
