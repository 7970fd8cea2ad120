/*
 * test_lex.c — the shared lexing helpers of lex.c, by table: empty ranges
 * and p == end, the two-byte NBSP (C2 A0) whole and cut in the middle by
 * either end of the range, UTF-8 edge cases (overlong, surrogate, past
 * U+10FFFF, truncated), ASCII-only case folding with every non-ASCII byte
 * left alone, line splitting with CR LF, and the showable copies with
 * their caps. Every input is an exact-length heap copy, so ASan sees any
 * read outside the range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "t.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A string literal with its length, NULs inside allowed. */
#define S(s)		s, sizeof(s) - 1

/* A row for a helper that returns a length or an offset into the range. */
struct len_row {
	const char	*in;
	size_t		 len;
	size_t		 want;
};

/* Each row on an exact-length copy; the row number on stderr if it fails. */
static void
len_table(const struct len_row *t, size_t n,
    size_t (*fn)(const char *, size_t))
{
	size_t i, got;
	char *s;

	for (i = 0; i < n; i++) {
		s = t_dup_n(t[i].in, t[i].len);
		got = fn(s, t[i].len);
		if (got != t[i].want)
			fprintf(stderr, "# row %zu\n", i);
		T_INTEQ(got, t[i].want);
		free(s);
	}
}

static size_t
sp_len_n(const char *p, size_t len)
{
	return lex_sp_len(p, p + len);
}

static size_t
skip_sp_n(const char *p, size_t len)
{
	return (size_t)(lex_skip_sp(p, p + len) - p);
}

static size_t
utf8_len_n(const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;

	return lex_utf8_len(u, u + len);
}

static size_t
blank_lines_n(const char *p, size_t len)
{
	return lex_skip_blank_lines(p, len, 0);
}

static void
test_sp_len(void)
{
	static const struct len_row t[] = {
		{ S(""), 0 },
		{ S(" "), 1 },
		{ S("\t"), 1 },
		{ S("  "), 1 },
		{ S("\xc2\xa0"), 2 },
		{ S("\xc2\xa0x"), 2 },
		{ S("\xc2"), 0 },		/* NBSP cut by end */
		{ S("\xa0"), 0 },		/* its second half alone */
		{ S("\xc2\xa1"), 0 },
		{ S("\xe2\x80\x83"), 0 },	/* EM SPACE is not ours */
		{ S("x "), 0 },
		{ S("\r"), 0 },
		{ S("\n"), 0 },
		{ S("\v"), 0 },
		{ S("\f"), 0 },
		{ S("\0"), 0 },
	};
	char *s;

	len_table(t, NELEM(t), sp_len_n);
	/* p == end inside a buffer that holds a space there */
	s = t_dup_n(S(" \xc2\xa0"));
	T_INTEQ(lex_sp_len(s, s), 0);
	T_INTEQ(lex_sp_len(s + 1, s + 1), 0);
	T_INTEQ(lex_sp_len(s + 1, s + 2), 0);	/* NBSP cut by end */
	T_INTEQ(lex_sp_len(s + 1, s + 3), 2);
	T_INTEQ(lex_sp_len(s + 3, s + 3), 0);
	free(s);
}

static void
test_skip_sp(void)
{
	static const struct len_row t[] = {	/* want: offset returned */
		{ S(""), 0 },
		{ S("x"), 0 },
		{ S("x "), 0 },
		{ S(" x"), 1 },
		{ S("   "), 3 },
		{ S(" \t\xc2\xa0x"), 4 },
		{ S("\xc2\xa0\xc2\xa0"), 4 },
		{ S(" \xc2"), 1 },		/* stops at a cut NBSP */
		{ S(" \xa0"), 1 },
		{ S("\t\r\n"), 1 },
		{ S(" \xc2\xa0\xe2\x80\x83"), 3 },
	};
	char *s;

	len_table(t, NELEM(t), skip_sp_n);
	s = t_dup_n(S("  "));
	T_CHECK(lex_skip_sp(s, s) == s);
	T_CHECK(lex_skip_sp(s + 2, s + 2) == s + 2);
	free(s);
}

static void
test_trim(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		size_t		 from, to;	/* the range after */
	} t[] = {
		{ S(""), 0, 0 },
		{ S("x"), 0, 1 },
		{ S(" "), 1, 1 },
		{ S("   "), 3, 3 },
		{ S("\xc2\xa0"), 2, 2 },
		{ S(" a "), 1, 2 },
		{ S("\t\xc2\xa0 x y \xc2\xa0\t"), 4, 7 },
		{ S("\xc2\xa0" "a" "\xc2\xa0"), 2, 3 },
		{ S("a\xc2"), 0, 2 },		/* a cut NBSP stays */
		{ S("a\xa0"), 0, 2 },
		{ S("\xa0" "a"), 0, 2 },
		{ S("a\xc2\xc2\xa0"), 0, 2 },
		{ S("a\r\n"), 0, 3 },		/* CR, LF are not spaces */
		{ S("\xe2\x80\x83x"), 0, 4 },
	};
	const char *p, *end;
	size_t i;
	char *s;

	for (i = 0; i < NELEM(t); i++) {
		s = t_dup_n(t[i].in, t[i].len);
		p = s;
		end = s + t[i].len;
		lex_trim(&p, &end);
		T_INTEQ(p - s, t[i].from);
		T_INTEQ(end - s, t[i].to);
		T_CHECK(p <= end);
		free(s);
	}
	/* an NBSP cut by the start of the range is not a space */
	s = t_dup_n(S("\xc2\xa0"));
	p = s + 1;
	end = s + 2;
	lex_trim(&p, &end);
	T_CHECK(p == s + 1 && end == s + 2);
	/* nor one cut by its end */
	p = s;
	end = s + 1;
	lex_trim(&p, &end);
	T_CHECK(p == s && end == s + 1);
	/* p == end stays put */
	p = end = s + 1;
	lex_trim(&p, &end);
	T_CHECK(p == s + 1 && end == s + 1);
	free(s);
}

static void
test_utf8_len(void)
{
	static const struct len_row t[] = {
		{ S(""), 0 },
		{ S("a"), 1 },
		{ S("\0"), 1 },
		{ S("\x7f"), 1 },
		{ S("ab"), 1 },
		{ S("\xc2\xa0"), 2 },
		{ S("\xc2"), 0 },		/* NBSP cut by end */
		{ S("\xa0"), 0 },		/* lone continuation */
		{ S("\x80"), 0 },
		{ S("\xc2\x41"), 0 },		/* bad continuation */
		{ S("\xc0\x80"), 0 },		/* overlong NUL */
		{ S("\xc1\xbf"), 0 },		/* overlong */
		{ S("\xdf\xbf"), 2 },		/* U+07FF */
		{ S("\xe0\x80\x80"), 0 },	/* overlong */
		{ S("\xe0\x9f\xbf"), 0 },	/* overlong U+07FF */
		{ S("\xe0\xa0\x80"), 3 },	/* U+0800 */
		{ S("\xe2\x82\xac"), 3 },	/* EURO SIGN */
		{ S("\xe2\x82"), 0 },		/* cut */
		{ S("\xed\x9f\xbf"), 3 },	/* U+D7FF */
		{ S("\xed\xa0\x80"), 0 },	/* surrogate U+D800 */
		{ S("\xed\xbf\xbf"), 0 },	/* surrogate U+DFFF */
		{ S("\xee\x80\x80"), 3 },	/* U+E000 */
		{ S("\xef\xbf\xbf"), 3 },	/* U+FFFF */
		{ S("\xf0\x8f\xbf\xbf"), 0 },	/* overlong */
		{ S("\xf0\x90\x80\x80"), 4 },	/* U+10000 */
		{ S("\xf0\x9f\x98\x80"), 4 },
		{ S("\xf0\x9f\x98"), 0 },	/* cut */
		{ S("\xf4\x8f\xbf\xbf"), 4 },	/* U+10FFFF */
		{ S("\xf4\x90\x80\x80"), 0 },	/* U+110000 */
		{ S("\xf5\x80\x80\x80"), 0 },
		{ S("\xf8\x88\x80\x80\x80"), 0 },
		{ S("\xfe"), 0 },
		{ S("\xff"), 0 },
	};
	const unsigned char *u;
	char *s;

	len_table(t, NELEM(t), utf8_len_n);
	s = t_dup_n(S("\xe2\x82\xac"));
	u = (const unsigned char *)s;
	T_INTEQ(lex_utf8_len(u, u), 0);
	T_INTEQ(lex_utf8_len(u + 1, u + 3), 0);
	T_INTEQ(lex_utf8_len(u, u + 2), 0);
	free(s);
}

static void
test_is_ctl(void)
{
	unsigned int c;

	for (c = 0; c < 256; c++)
		T_INTEQ(lex_is_ctl((unsigned char)c), c < 0x20 || c == 0x7f);
	T_CHECK(lex_is_ctl('\t'));
	T_CHECK(!lex_is_ctl(' '));
	T_CHECK(!lex_is_ctl(0x80));
	T_CHECK(!lex_is_ctl(0xa0));
	T_CHECK(!lex_is_ctl(0xff));
}

static void
test_lower(void)
{
	unsigned int c;

	for (c = 0; c < 256; c++) {
		if (c >= 'A' && c <= 'Z')
			T_INTEQ(lex_lower((unsigned char)c), c + 0x20);
		else
			T_INTEQ(lex_lower((unsigned char)c), c);
	}
	/* Latin-1 and UTF-8 capitals are bytes, not letters: untouched */
	T_INTEQ(lex_lower(0xc0), 0xc0);
	T_INTEQ(lex_lower(0xc9), 0xc9);
	T_INTEQ(lex_lower(0xde), 0xde);
	T_INTEQ(lex_lower('@'), '@');
	T_INTEQ(lex_lower('['), '[');
}

static void
test_ci_eq(void)
{
	static const struct {
		const char	*a;
		size_t		 alen;
		const char	*b;
		size_t		 blen;
		int		 want;
	} t[] = {
		{ S(""), S(""), 1 },
		{ S(""), S("a"), 0 },
		{ S("a"), S(""), 0 },
		{ S("abc"), S("abc"), 1 },
		{ S("abc"), S("ABC"), 1 },
		{ S("DKIM"), S("dkim"), 1 },
		{ S("Z"), S("z"), 1 },
		{ S("abc"), S("abd"), 0 },
		{ S("abc"), S("ab"), 0 },
		{ S("ab"), S("abc"), 0 },
		{ S("@"), S("`"), 0 },		/* 0x40, 0x60 */
		{ S("["), S("{"), 0 },		/* 0x5b, 0x7b */
		{ S("\xc3\x89"), S("\xc3\xa9"), 0 },	/* UTF-8 E-acute */
		{ S("\xc9"), S("\xe9"), 0 },	/* Latin-1 E-acute */
		{ S("\xc9"), S("\xc9"), 1 },
		{ S("a\0b"), S("A\0B"), 1 },
		{ S("a\0b"), S("a\0c"), 0 },
	};
	size_t i;
	char *a, *b;

	for (i = 0; i < NELEM(t); i++) {
		a = t_dup_n(t[i].a, t[i].alen);
		b = t_dup_n(t[i].b, t[i].blen);
		if (lex_ci_eq(a, t[i].alen, b, t[i].blen) != t[i].want)
			fprintf(stderr, "# row %zu\n", i);
		T_INTEQ(lex_ci_eq(a, t[i].alen, b, t[i].blen), t[i].want);
		T_INTEQ(lex_ci_eq(b, t[i].blen, a, t[i].alen), t[i].want);
		free(a);
		free(b);
	}
}

static void
test_next_line(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;	/* the lines, joined by '|' */
	} t[] = {
		{ S("a"), "a" },
		{ S("a\n"), "a" },
		{ S("a\r\nb\n\nc"), "a|b||c" },
		{ S("\n"), "" },
		{ S("\n\n"), "|" },
		{ S("x\r"), "x" },		/* CR before the end too */
		{ S("\r\r\n"), "\r" },		/* only one CR dropped */
		{ S("a\rb\n"), "a\rb" },
		{ S("a\0b\nc"), "a" },		/* checked by length below */
	};
	const char *ls, *le;
	char got[64];
	size_t i, pos, o, n, lines;
	char *s;

	for (i = 0; i < NELEM(t); i++) {
		s = t_dup_n(t[i].in, t[i].len);
		pos = 0;
		o = 0;
		lines = 0;
		while (pos < t[i].len) {
			lex_next_line(s, t[i].len, &pos, &ls, &le);
			T_CHECK(ls >= s && le >= ls && le <= s + t[i].len);
			T_CHECK(pos <= t[i].len);
			n = (size_t)(le - ls);
			if (lines++ > 0 && o + 1 < sizeof(got))
				got[o++] = '|';
			if (o + n >= sizeof(got))
				break;
			memcpy(got + o, ls, n);
			o += n;
		}
		got[o] = '\0';
		T_STREQ(got, t[i].want);
		free(s);
	}
	/* a line holding a NUL keeps its length */
	s = t_dup_n(S("a\0b\r\n"));
	pos = 0;
	lex_next_line(s, 5, &pos, &ls, &le);
	T_CHECK(ls == s && le == s + 3 && pos == 5);
	free(s);
	/* empty input: an empty line, pos stays at len */
	s = t_dup_n(S(""));
	pos = 0;
	lex_next_line(s, 0, &pos, &ls, &le);
	T_CHECK(ls == s && le == s && pos == 0);
	free(s);
}

static void
test_skip_blank_lines(void)
{
	static const struct len_row t[] = {	/* want: offset returned */
		{ S(""), 0 },
		{ S("x"), 0 },
		{ S(" x"), 0 },
		{ S("\n"), 1 },
		{ S("\r\n"), 2 },
		{ S(" \t\r\n"), 4 },
		{ S("\n\nx\n"), 2 },
		{ S("\xc2\xa0\r\n x"), 4 },
		{ S("\xc2\n"), 0 },		/* a cut NBSP is text */
		{ S("\xa0\n"), 0 },
		{ S("\r\r\n"), 0 },		/* a lone CR is text */
		{ S("\x0b\n"), 0 },		/* so is VT */
		{ S("  \n \t"), 5 },		/* only blank lines: len */
		{ S("\n\xc2\xa0\n\ta"), 4 },
	};
	char *s;

	len_table(t, NELEM(t), blank_lines_n);
	/* from an offset */
	s = t_dup_n(S("a\n\n b"));
	T_INTEQ(lex_skip_blank_lines(s, 5, 2), 3);
	T_INTEQ(lex_skip_blank_lines(s, 5, 3), 3);
	T_INTEQ(lex_skip_blank_lines(s, 5, 5), 5);
	T_INTEQ(lex_skip_blank_lines(s, 3, 2), 3);
	free(s);
}

static void
test_show(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		size_t		 max;
		int		 flags;
		const char	*want;
	} t[] = {
		{ S(""), 100, 0, "" },
		{ S(""), 0, 0, "" },
		{ S("abc"), 100, 0, "abc" },
		{ S("a\tb"), 100, 0, "a?b" },
		{ S("a\tb"), 100, LEX_SHOW_TAB, "a\tb" },
		{ S("a\x01" "b\x7f"), 100, 0, "a?b?" },
		{ S("a\x01" "b\x7f"), 100, LEX_SHOW_TAB, "a?b?" },
		{ S("a\r\nb"), 100, LEX_SHOW_TAB, "a??b" },
		{ S("a\0b"), 100, 0, "a?b" },
		{ S("\xc3\xa9t\xc3\xa9"), 100, 0, "\xc3\xa9t\xc3\xa9" },
		{ S("\xc2\xa0"), 100, 0, "\xc2\xa0" },
		{ S("x\xc2"), 100, 0, "x?" },	/* NBSP cut by end */
		{ S("\xff\xfe"), 100, 0, "??" },
		{ S("\xed\xa0\x80"), 100, 0, "???" },
		{ S("abcdef"), 3, 0, "abc..." },
		{ S("abc"), 3, 0, "abc" },
		{ S("a"), 0, 0, "..." },
		{ S("ab\xc2\xa0"), 3, 0, "ab..." },	/* whole chars only */
		{ S("ab\xc2\xa0"), 4, 0, "ab\xc2\xa0" },
		{ S("ab\xff\xff"), 3, 0, "ab?..." },
	};
	size_t i;
	char *s, *got;

	for (i = 0; i < NELEM(t); i++) {
		s = t_dup_n(t[i].in, t[i].len);
		got = lex_show(s, t[i].len, t[i].max, t[i].flags);
		T_STREQ(got, t[i].want);
		T_CHECK(strlen(got) <= t[i].max + 3);
		free(got);
		free(s);
	}
}

static void
test_vis_ascii(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		size_t		 max;
		size_t		 dstsz;
		const char	*want;
	} t[] = {
		{ S(""), 80, 84, "" },
		{ S("abc"), 80, 84, "abc" },
		{ S("a\tb\xc3\xa9\x7f~ "), 80, 84, "a?b???~ " },
		{ S("a\0b"), 80, 84, "a?b" },
		{ S("abcdef"), 3, 84, "abc..." },
		{ S("abc"), 3, 84, "abc" },
		{ S("abcd"), 0, 84, "..." },
		{ S("abcdef"), 80, 4, "abc" },	/* cut by dstsz */
		{ S("abcdef"), 3, 5, "abc." },
		{ S("abcdef"), 80, 1, "" },
	};
	char dst[84];
	size_t i;
	char *s;

	for (i = 0; i < NELEM(t); i++) {
		s = t_dup_n(t[i].in, t[i].len);
		memset(dst, 'Z', sizeof(dst));
		T_CHECK(lex_vis_ascii(dst, t[i].dstsz, s, t[i].len,
		    t[i].max) == dst);
		T_STREQ(dst, t[i].want);
		free(s);
	}
	/* dstsz 0: nothing written */
	memset(dst, 'Z', sizeof(dst));
	(void)lex_vis_ascii(dst, 0, "abc", 3, 80);
	T_INTEQ(dst[0], 'Z');
}

int
main(void)
{
	T_RUN(test_sp_len);
	T_RUN(test_skip_sp);
	T_RUN(test_trim);
	T_RUN(test_utf8_len);
	T_RUN(test_is_ctl);
	T_RUN(test_lower);
	T_RUN(test_ci_eq);
	T_RUN(test_next_line);
	T_RUN(test_skip_blank_lines);
	T_RUN(test_show);
	T_RUN(test_vis_ascii);
	return T_END();
}
