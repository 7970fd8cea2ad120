/*
 * lex.c — small byte-level helpers shared by the parsers (see lex.h).
 * Pure: no I/O; every function is linear in its range and reads nothing
 * outside it. These were copies in command.c, fields.c, assign.c and
 * authres.c; where the copies differed (which control bytes lex_show()
 * keeps, how much lex_vis_ascii() shows) the difference is a parameter.
 */
#include <string.h>

#include "buf.h"
#include "lex.h"

unsigned char
lex_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

int
lex_ci_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (lex_lower((unsigned char)a[i]) !=
		    lex_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

size_t
lex_sp_len(const char *p, const char *end)
{
	if (p >= end)
		return 0;
	if (*p == ' ' || *p == '\t')
		return 1;
	if (end - p >= 2 && (unsigned char)p[0] == 0xc2 &&
	    (unsigned char)p[1] == 0xa0)
		return 2;
	return 0;
}

const char *
lex_skip_sp(const char *p, const char *end)
{
	size_t n;

	for (;;) {
		n = lex_sp_len(p, end);
		if (n == 0)
			return p;
		p += n;
	}
}

void
lex_trim(const char **p, const char **end)
{
	*p = lex_skip_sp(*p, *end);
	while (*end > *p) {
		if ((*end)[-1] == ' ' || (*end)[-1] == '\t')
			(*end)--;
		else if (*end - *p >= 2 && (unsigned char)(*end)[-2] == 0xc2 &&
		    (unsigned char)(*end)[-1] == 0xa0)
			*end -= 2;
		else
			break;
	}
}

size_t
lex_utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned int cp;

	if (p >= end)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
lex_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

void
lex_next_line(const char *p, size_t len, size_t *pos, const char **ls,
    const char **le)
{
	const char *nl;

	*ls = p + *pos;
	nl = memchr(*ls, '\n', len - *pos);
	if (nl == NULL) {
		*le = p + len;
		*pos = len;
	} else {
		*le = nl;
		*pos = (size_t)(nl - p) + 1;
	}
	if (*le > *ls && (*le)[-1] == '\r')
		(*le)--;
}

size_t
lex_skip_blank_lines(const char *p, size_t len, size_t pos)
{
	const char *ls, *le;
	size_t start;

	while (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		if (lex_skip_sp(ls, le) != le)
			return start;
	}
	return pos;
}

char *
lex_show(const char *p, size_t len, size_t max, int flags)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + len;
	struct buf b;
	size_t n;

	buf_init(&b, max + 8);
	while (s < end) {
		n = lex_utf8_len(s, end);
		if (b.len + (n ? n : 1) > max) {
			(void)buf_addstr(&b, "...");
			break;
		}
		if (n == 0 || (n == 1 && lex_is_ctl(*s) &&
		    !(*s == '\t' && (flags & LEX_SHOW_TAB)))) {
			(void)buf_addch(&b, '?');
			s++;
		} else {
			(void)buf_add(&b, s, n);
			s += n;
		}
	}
	return buf_steal(&b, NULL);
}

const char *
lex_vis_ascii(char *dst, size_t dstsz, const char *p, size_t len, size_t max)
{
	size_t i, o;

	if (len < max)
		max = len;
	o = 0;
	for (i = 0; i < max && o + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)p[i];

		dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > max) {
		for (i = 0; i < 3 && o + 1 < dstsz; i++)
			dst[o++] = '.';
	}
	if (dstsz > 0)
		dst[o] = '\0';
	return dst;
}
