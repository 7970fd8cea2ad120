/*
 * thread.c — which ticket a reply belongs to, from its subject tag or the
 * sub-address it was sent to; and a clean title from a subject. Pure.
 *
 * Every scan is linear in the subject: the tag is looked for at each byte
 * once, and the whitespace and digits after a candidate are read by that
 * candidate only (a run of them can follow one candidate at most).
 *
 * Decisions (see tests/unit/test_thread.c for the table):
 * - The tag must start a word: the byte before it is not an ASCII letter,
 *   digit, '_' or '-' ("SPLIT #42" and "X-IT #42" do not match "IT").
 *   A non-ASCII byte before it counts as a boundary.
 * - After the number, an ASCII letter, digit or '_' rejects the match
 *   ("IT #42abc"), and so does a digit after spaces ("IT #4 2"), since
 *   both mean the number was not what the person typed ("IT #42 2nd
 *   floor" still matches: "2nd" is a word, not a number).
 * - A bracket before the tag ("[" or "(") is part of the match when the
 *   matching closer follows the number (spaces allowed before it).
 * - Numbers are 1..10^12; leading zeros are fine; 0 and anything larger
 *   do not match. The first tag that matches wins.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "thread.h"
#include "xmalloc.h"

#define THREAD_NUMBER_MAX	1000000000000LL	/* 10^12 */

/*
 * Reply and forward prefixes, compared ASCII case-insensitively (non-ASCII
 * bytes exactly, so both cases of É are listed).
 */
static const char *const prefixes[] = {
	"re", "fwd", "fw", "aw", "wg", "sv", "vs", "vl", "antw", "antwort",
	"rif", "r", "rv", "doorst", "tr", "enc", "ynt", "odp", "pd", "res",
	"r\xc3\xa9" "f",		/* Réf */
	"r\xc3\x89" "f",		/* RÉF */
	"\xe5\x9b\x9e\xe5\xa4\x8d",	/* 回复 */
	"\xe7\xad\x94\xe5\xa4\x8d",	/* 答复 */
	"\xe5\x9b\x9e\xe8\xa6\x86",	/* 回覆 */
	"\xe8\xbd\xac\xe5\x8f\x91",	/* 转发 */
	"\xe8\xbd\x89\xe5\xaf\x84",	/* 轉寄 */
	"\xe8\xbb\xa2\xe9\x80\x81",	/* 転送 */
	"\xe8\xbf\x94\xe4\xbf\xa1",	/* 返信 */
	NULL
};

static int
is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Bytes of white space at s[i..n): space, tab, CR, LF, NBSP, U+3000. */
static size_t
ws_len(const unsigned char *s, size_t n, size_t i)
{
	if (i >= n)
		return 0;
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
		return 1;
	if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0)
		return 2;
	if (s[i] == 0xe3 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x80)
		return 3;
	return 0;
}

static size_t
skip_ws(const unsigned char *s, size_t n, size_t i)
{
	size_t k;

	for (k = ws_len(s, n, i); k > 0; k = ws_len(s, n, i))
		i += k;
	return i;
}

/* Only spaces and tabs: inside a tag "IT # 42". */
static size_t
skip_blank(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* A ":" or a full-width "：" at s[i]: its length, else 0. */
static size_t
colon_len(const unsigned char *s, size_t n, size_t i)
{
	if (i < n && s[i] == ':')
		return 1;
	if (i + 2 < n && s[i] == 0xef && s[i + 1] == 0xbc && s[i + 2] == 0x9a)
		return 3;
	return 0;
}

static int
ci_prefix(const unsigned char *s, size_t n, size_t i, const char *w,
    size_t wl)
{
	size_t k;

	if (wl > n - i)
		return 0;
	for (k = 0; k < wl; k++)
		if (lower(s[i + k]) != lower((unsigned char)w[k]))
			return 0;
	return 1;
}

/*
 * A reply/forward prefix at s[i]: "Re:", "AW :", "Re[2]:", "Re(3)：",
 * "RE^2:". Returns its length (trailing white space included), or 0.
 */
static size_t
prefix_at(const unsigned char *s, size_t n, size_t i)
{
	const char *const *w;
	size_t j, wl, c, d;

	for (w = prefixes; *w != NULL; w++) {
		wl = strlen(*w);
		if (!ci_prefix(s, n, i, *w, wl))
			continue;
		j = skip_blank(s, n, i + wl);
		if (j < n && (s[j] == '[' || s[j] == '(' || s[j] == '^')) {
			c = s[j] == '[' ? ']' : s[j] == '(' ? ')' : 0;
			for (d = j + 1; d < n && is_digit(s[d]); d++)
				;
			if (d == j + 1)
				continue;
			if (c != 0) {
				if (d >= n || s[d] != c)
					continue;
				d++;
			}
			j = skip_blank(s, n, d);
		}
		c = colon_len(s, n, j);
		if (c == 0)
			continue;
		return skip_ws(s, n, j + c) - i;
	}
	return 0;
}

/* The tag is usable: 1..64 bytes of letters, digits, '-' and '_'. */
static size_t
tag_ok(const char *tag)
{
	size_t i;

	if (tag == NULL)
		return 0;
	for (i = 0; tag[i] != '\0'; i++)
		if (!is_word((unsigned char)tag[i]) && tag[i] != '-')
			return 0;
	return i <= 64 ? i : 0;
}

/*
 * The tag with its number whose tag text starts at s[i]. On a match,
 * *start..*end is what it covers (a bracket before it and the matching
 * closer after it included), *number its number; returns 1.
 */
static int
tag_at(const unsigned char *s, size_t n, size_t i, const char *tag,
    size_t tl, size_t *start, size_t *end, long long *number)
{
	size_t j, d, e, sig;
	long long v;
	unsigned char close;

	if (i > 0 && (is_word(s[i - 1]) || s[i - 1] == '-'))
		return 0;
	if (!ci_prefix(s, n, i, tag, tl))
		return 0;
	j = skip_blank(s, n, i + tl);
	if (j >= n || s[j] != '#')
		return 0;
	j = skip_blank(s, n, j + 1);
	if (j >= n || !is_digit(s[j]))
		return 0;
	while (j < n && s[j] == '0')
		j++;
	v = 0;
	for (sig = 0, d = j; d < n && is_digit(s[d]); d++, sig++)
		if (sig < 14)
			v = v * 10 + (s[d] - '0');
	if (sig > 13 || v < 1 || v > THREAD_NUMBER_MAX)
		return 0;
	if (d < n && is_word(s[d]))
		return 0;
	j = skip_blank(s, n, d);
	if (j < n && is_digit(s[j])) {
		for (e = j; e < n && is_digit(s[e]); e++)
			;
		if (e == n || !is_word(s[e]))
			return 0;
	}
	*start = i;
	*end = d;
	if (i > 0 && (s[i - 1] == '[' || s[i - 1] == '(')) {
		close = s[i - 1] == '[' ? ']' : ')';
		if (j < n && s[j] == close) {
			*start = i - 1;
			*end = j + 1;
		}
	}
	*number = v;
	return 1;
}

/* The first tag in s[from..n); 1 with its extent and number, else 0. */
static int
tag_find(const unsigned char *s, size_t n, size_t from, const char *tag,
    size_t tl, size_t *start, size_t *end, long long *number)
{
	size_t i;
	unsigned char t0;

	t0 = lower((unsigned char)tag[0]);
	for (i = from; i + tl <= n; i++)
		if (lower(s[i]) == t0 &&
		    tag_at(s, n, i, tag, tl, start, end, number))
			return 1;
	return 0;
}

int
thread_subject_tag(const char *subject, const char *tag, long long *number)
{
	size_t tl, start, end;
	long long v;

	tl = tag_ok(tag);
	if (subject == NULL || tl == 0)
		return 0;
	if (!tag_find((const unsigned char *)subject, strlen(subject), 0, tag,
	    tl, &start, &end, &v))
		return 0;
	if (number != NULL)
		*number = v;
	return 1;
}

/*
 * Prefixes and tags at the start go, however they interleave
 * ("AW: [IT #42] Re: x"); when none of those was a tag, the first tag
 * anywhere goes ("Drucker [IT #42]"). Other tags stay: "duplicate of
 * IT #41" in a title is text.
 */
char *
thread_clean_subject(const char *subject, const char *tag)
{
	const unsigned char *s = (const unsigned char *)subject;
	struct buf b;
	size_t n, i, k, tl, start, end, cut0, cut1;
	long long v;
	int removed, space;
	char *out;

	if (subject == NULL)
		return xstrdup("(no subject)");
	n = strlen(subject);
	tl = tag_ok(tag);
	removed = 0;
	i = 0;
	for (;;) {
		i = skip_ws(s, n, i);
		k = prefix_at(s, n, i);
		if (k > 0) {
			i += k;
			continue;
		}
		if (tl > 0) {
			k = i < n && (s[i] == '[' || s[i] == '(') ? i + 1 : i;
			if (tag_at(s, n, k, tag, tl, &start, &end, &v) &&
			    start == i) {
				i = end;
				removed = 1;
				continue;
			}
		}
		break;
	}
	cut0 = cut1 = n;
	if (!removed && tl > 0 &&
	    tag_find(s, n, i, tag, tl, &start, &end, &v)) {
		cut0 = start;
		cut1 = end;
	}
	buf_init(&b, n + 1);
	space = 0;
	while (i < n) {
		if (i == cut0) {
			i = cut1;
			space = 1;
			continue;
		}
		k = ws_len(s, n, i);
		if (k > 0) {
			space = 1;
			i += k;
			continue;
		}
		if (space && b.len > 0)
			buf_addch(&b, ' ');
		space = 0;
		buf_add(&b, s + i, 1);
		i++;
	}
	if (b.len == 0) {
		buf_clear(&b);
		return xstrdup("(no subject)");
	}
	out = buf_steal(&b, NULL);
	return out;
}

/* strtoull-free: 1..10^12 from all-digit s[0..n), leading zeros allowed. */
static int
parse_number(const char *s, size_t n, long long *number)
{
	size_t i, sig;
	long long v;

	if (n == 0)
		return 0;
	v = 0;
	for (i = 0, sig = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		if (sig > 0 || s[i] != '0')
			sig++;
		if (sig > 13)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > THREAD_NUMBER_MAX)
		return 0;
	*number = v;
	return 1;
}

int
thread_subaddress(const char *addr, const char *desk_addr, long long *number)
{
	const char *dat, *aat, *sub;
	size_t dl, sl;
	long long v;

	if (addr == NULL || desk_addr == NULL)
		return 0;
	dat = strrchr(desk_addr, '@');
	aat = strrchr(addr, '@');
	if (dat == NULL || aat == NULL || dat == desk_addr || dat[1] == '\0')
		return 0;
	dl = (size_t)(dat - desk_addr);
	if ((size_t)(aat - addr) < dl + 2 || addr[dl] != '+' ||
	    strncasecmp(addr, desk_addr, dl) != 0 ||
	    strcasecmp(aat + 1, dat + 1) != 0)
		return 0;
	sub = addr + dl + 1;
	sl = (size_t)(aat - sub);
	if (sl == 7 && strncasecmp(sub, "control", 7) == 0)
		return THREAD_SUB_CONTROL;
	if (!parse_number(sub, sl, &v))
		return 0;
	if (number != NULL)
		*number = v;
	return THREAD_SUB_TICKET;
}
