/*
 * test_rfc2231.c — rfc2231_param(): single extended values, continuations
 * in and out of order, charsets and languages, percent escapes, and
 * hostile input (missing section 0, gaps, bad escapes, unknown charsets,
 * huge or malformed section numbers, overlong values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "rfc2231.h"
#include "t.h"
#include "xmalloc.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* rfc2231_param() for "filename" over a table, with a case number. */
static void
check(const char *what, const struct rfc2231_param *p, size_t n,
    const char *want, int want_bad)
{
	char *s;
	int fl = -1;

	s = rfc2231_param(p, n, "filename", 1024, &fl);
	if (want == NULL) {
		if (s != NULL) {
			fprintf(stderr, "# %s: got \"%s\", want NULL\n", what, s);
			T_CHECK(s == NULL);
		}
	} else {
		if (s == NULL || strcmp(s, want) != 0)
			fprintf(stderr, "# %s\n", what);
		T_STREQ(s, want);
		T_CHECK(s == NULL || charset_utf8_valid(s, strlen(s)));
		if (want_bad >= 0 && !!(fl & CHARSET_BAD) != want_bad) {
			fprintf(stderr, "# %s: flags %d\n", what, fl);
			T_CHECK(0);
		}
	}
	free(s);
}

static void
test_single(void)
{
	struct rfc2231_param a[] = {
		{ "filename*", "UTF-8''%E2%82%AC%20rates.pdf" },
	};
	struct rfc2231_param b[] = {
		{ "FILENAME*", "iso-8859-1'fr'caf%E9.txt" },
	};
	struct rfc2231_param c[] = {
		{ "filename*", "''plain.txt" },		/* empty charset */
	};
	struct rfc2231_param d[] = {
		{ "filename*", "no-quotes%41.txt" },	/* no charset'lang' */
	};
	struct rfc2231_param e[] = {
		{ "name", "x" }, { "filename", "plain.txt" },
	};
	struct rfc2231_param f[] = {
		{ "filename*", "koi8-r''%F0%D2%C9%D7%C5%D4.doc" },
	};
	struct rfc2231_param g[] = {
		{ "filename*", "utf-8'en-us'" },		/* empty value */
	};

	check("utf-8", a, N(a), "\xe2\x82\xac rates.pdf", 0);
	check("latin-1, case", b, N(b), "caf\xc3\xa9.txt", 0);
	check("empty charset", c, N(c), "plain.txt", 0);
	check("no quotes", d, N(d), "no-quotesA.txt", 0);
	check("plain only", e, N(e), NULL, -1);
	check("koi8-r", f, N(f),
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.doc", 0);
	check("empty", g, N(g), "", 0);
	check("nothing", NULL, 0, NULL, -1);
}

static void
test_continuations(void)
{
	struct rfc2231_param a[] = {
		{ "filename*0*", "UTF-8''%E2%82%AC" },
		{ "filename*1", " and more " },
		{ "filename*2*", "%41.pdf" },
	};
	/* out of order, mixed with other parameters */
	struct rfc2231_param b[] = {
		{ "filename*2", "c.txt" },
		{ "size", "123" },
		{ "filename*0", "a" },
		{ "filename*1", "b" },
	};
	/* plain sections keep % as written */
	struct rfc2231_param c[] = {
		{ "filename*0", "100%" },
		{ "filename*1", "%41" },
	};
	/* only section 0 carries the charset; later quotes are text */
	struct rfc2231_param d[] = {
		{ "filename*0*", "iso-8859-1''caf%E9" },
		{ "filename*1*", "utf-8''x" },
	};
	/* a plain filename= beside the sections is ignored */
	struct rfc2231_param e[] = {
		{ "filename", "fallback.txt" },
		{ "filename*0", "real" },
		{ "filename*1", ".txt" },
	};
	/* 10 sections, two-digit numbers sort numerically */
	struct rfc2231_param f[] = {
		{ "filename*10", "k" }, { "filename*9", "j" }, { "filename*8", "i" },
		{ "filename*7", "h" }, { "filename*6", "g" }, { "filename*5", "f" },
		{ "filename*4", "e" }, { "filename*3", "d" }, { "filename*2", "c" },
		{ "filename*1", "b" }, { "filename*0", "a" },
	};

	check("mixed", a, N(a), "\xe2\x82\xac and more A.pdf", 0);
	check("out of order", b, N(b), "abc.txt", 0);
	check("plain %", c, N(c), "100%%41", 0);
	check("charset in 0 only", d, N(d), "caf\xc3\xa9utf-8''x", 0);
	check("plain beside", e, N(e), "real.txt", 0);
	check("numeric order", f, N(f), "abcdefghijk", 0);
}

/* %00 is a character to drop, never the end of the name (issue 8). */
static void
test_nul(void)
{
	struct rfc2231_param p[3];
	char *s;
	int fl;

	p[0].name = "filename*";
	p[0].value = "utf-8''A%00B.txt";
	s = rfc2231_param(p, 1, "filename", 1024, &fl);
	T_STREQ(s, "AB.txt");
	free(s);
	p[0].name = "filename*0*";
	p[0].value = "iso-8859-1''%00a%E9";
	p[1].name = "filename*1";
	p[1].value = "b";
	p[2].name = "filename*2*";
	p[2].value = "%00%00c";
	s = rfc2231_param(p, 3, "filename", 1024, &fl);
	T_STREQ(s, "a\xc3\xa9" "bc");
	free(s);
}

static void
test_hostile(void)
{
	struct rfc2231_param missing0[] = {
		{ "filename*1*", "%E2%82%AC" }, { "filename*2", ".pdf" },
	};
	struct rfc2231_param gaps[] = {
		{ "filename*0", "a" }, { "filename*5", "b" }, { "filename*40", "c" },
	};
	struct rfc2231_param huge[] = {
		{ "filename*0", "ok" },
		{ "filename*1000000000", "evil" },
		{ "filename*99999999999999999999", "evil" },
		{ "filename*64", "evil" },
		{ "filename*-1", "evil" },
		{ "filename*+1", "evil" },
		{ "filename*1x", "evil" },
		{ "filename**", "evil" },
		{ "filename*", NULL },
		{ NULL, "evil" },
	};
	struct rfc2231_param only_huge[] = {
		{ "filename*1000000000*", "''evil" },
	};
	struct rfc2231_param dup[] = {
		{ "filename*0", "first" }, { "filename*0", "second" },
	};
	struct rfc2231_param badpct[] = {
		{ "filename*", "utf-8''a%zz%4%%41%" },
	};
	struct rfc2231_param unknown[] = {
		{ "filename*", "x-no-such-charset''caf%E9" },
	};
	struct rfc2231_param evilcs[] = {
		{ "filename*", "../../etc/passwd\x01''x" },
	};
	struct rfc2231_param longcs[] = {
		{ "filename*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa''x" },
	};
	struct rfc2231_param badutf8[] = {
		{ "filename*", "utf-8''%FF%FE%C3" },
	};
	struct rfc2231_param nul[] = {
		{ "filename*", "utf-8''a%00b" },
	};
	struct rfc2231_param other[] = {
		{ "filenamex*0", "no" }, { "file*0", "no" }, { "name*0", "no" },
	};
	struct rfc2231_param *many;
	char *big, *s;
	size_t i;

	check("missing *0", missing0, N(missing0), "\xe2\x82\xac.pdf", 0);
	check("gaps", gaps, N(gaps), "abc", 0);
	check("huge numbers", huge, N(huge), "ok", 0);
	check("only a huge number", only_huge, N(only_huge), NULL, -1);
	check("duplicate", dup, N(dup), "first", 0);
	check("bad escapes", badpct, N(badpct), "a%zz%4%A%", 0);
	check("unknown charset", unknown, N(unknown), "caf\xc3\xa9", 1);
	check("evil charset", evilcs, N(evilcs), "x", 1);
	check("long charset", longcs, N(longcs), "x", 1);
	s = rfc2231_param(badutf8, N(badutf8), "filename", 1024, NULL);
	T_CHECK(s != NULL && charset_utf8_valid(s, strlen(s)));
	free(s);
	s = rfc2231_param(nul, N(nul), "filename", 1024, NULL);
	T_CHECK(s != NULL && charset_utf8_valid(s, strlen(s)) &&
	    strncmp(s, "a", 1) == 0);
	free(s);
	check("other names", other, N(other), NULL, -1);

	/* a 1 MB value: converted up to max, never more */
	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'A', 1024 * 1024);
	big[1024 * 1024] = '\0';
	{
		struct rfc2231_param b1[] = { { "filename*", big } };

		s = rfc2231_param(b1, 1, "filename", 255, NULL);
		T_CHECK(s != NULL && strlen(s) <= 255);
		free(s);
	}
	/* many sections of 1 MB each: the raw bytes stay capped */
	many = xcalloc(RFC2231_MAX_SECTIONS + 10, sizeof(*many));
	for (i = 0; i < RFC2231_MAX_SECTIONS + 10; i++) {
		many[i].name = xasprintf("filename*%zu*", i);
		many[i].value = big;
	}
	s = rfc2231_param(many, RFC2231_MAX_SECTIONS + 10, "filename", 4096, NULL);
	T_CHECK(s != NULL && strlen(s) <= 4096);
	free(s);
	for (i = 0; i < RFC2231_MAX_SECTIONS + 10; i++)
		free((char *)many[i].name);
	free(many);
	free(big);
}

int
main(void)
{
	T_RUN(test_single);
	T_RUN(test_continuations);
	T_RUN(test_nul);
	T_RUN(test_hostile);
	return T_END();
}
