/*
 * test_source_file.c — mails from an mbox or a Maildir (source_file.c):
 * the mboxrd unquoting, and hostile mboxes split by libetpan.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_file.h"
#include "t.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/test_source_file.XXXXXX";

static void
test_unquote(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ ">From me\n", "From me\n" },
		{ ">>From me\n", ">From me\n" },
		{ "a\n>From x\n>>>From y\nz", "a\nFrom x\n>>From y\nz" },
		{ ">From", ">From" },		/* no space: not a From line */
		{ "> From x\n", "> From x\n" },
		{ "x>From y\n", "x>From y\n" },	/* not at a line's start */
		{ ">From x\r\n>From y", "From x\r\nFrom y" },
		{ ">>>>", ">>>>" },
		{ "", "" },
	};
	size_t i, n;
	char *p;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = t_dup_n(cases[i].in, strlen(cases[i].in));
		n = source_file_unquote(p, strlen(cases[i].in));
		T_INTEQ(n, strlen(cases[i].out));
		T_CHECK(memcmp(p, cases[i].out, n) == 0);
		free(p);
	}
}

/* Write an mbox and read every mail back. */
static size_t
mails_of(const char *text, size_t len, char ***out, size_t **lens)
{
	struct source_file *sf;
	char *path = xasprintf("%s/box", tmpdir), err[512], *d;
	FILE *f = fopen(path, "w");
	size_t n, i, l;

	if (f == NULL || fwrite(text, 1, len, f) != len)
		abort();
	fclose(f);
	sf = source_file_mbox(path, err, sizeof(err));
	T_CHECK(sf != NULL);
	n = sf != NULL ? source_file_count(sf) : 0;
	*out = xcalloc(n + 1, sizeof(**out));
	*lens = xcalloc(n + 1, sizeof(**lens));
	for (i = 0; i < n; i++) {
		T_INTEQ(source_file_get(sf, i, 0, &d, &l, err, sizeof(err)),
		    0);
		(*out)[i] = d;
		(*lens)[i] = l;
	}
	T_INTEQ(source_file_get(sf, n, 0, &d, &l, err, sizeof(err)), -1);
	source_file_free(&sf);
	T_CHECK(sf == NULL);
	free(path);
	return n;
}

static size_t
mails_str(const char *text, char ***out, size_t **lens)
{
	return mails_of(text, strlen(text), out, lens);
}

static void
free_mails(char **m, size_t *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i]);
	free(m);
	free(l);
}

static void
test_mbox(void)
{
	static const char box[] =
	    "From alice@corp.example Mon Nov 30 10:00:00 2026\n"
	    "Subject: one\n\n"
	    "first\n"
	    ">From the top\n"
	    "From inside a paragraph is no separator\n"
	    "\n"
	    "From bob@corp.example Mon Nov 30 11:00:00 2026\n"
	    "Subject: two\n\nsecond\n";
	static const char nul[] = "Subject: x\n\nbody\0with nul\n";
	static const char hostile[] = "From \n\nFrom \r\n\r\nFrom x\n"
	    "X-LibEtPan-UID: 1\n\nFrom y\nX-LibEtPan-UID: 1\n\n";
	char **m;
	size_t *l, n;

	n = mails_of(box, sizeof(box) - 1, &m, &l);
	T_INTEQ(n, 2);
	if (n == 2) {
		T_CHECK(strncmp(m[0], "Subject: one\n", 13) == 0);
		T_CHECK(strstr(m[0], "\nFrom the top\n") != NULL);
		T_CHECK(strstr(m[0], ">From") == NULL);
		T_CHECK(strstr(m[0], "From inside a paragraph") != NULL);
		T_CHECK(strstr(m[0], "Subject: two") == NULL);
		T_STREQ(m[1], "Subject: two\n\nsecond\n");
		T_INTEQ(strlen(m[1]), l[1]);
	}
	free_mails(m, l, n);

	/*
	 * The end of the file: with an empty line (the mbox way), with a
	 * single line end (libetpan alone would drop "second"), with none,
	 * with CR LF; the empty line before a "From " is not the mail's.
	 */
	n = mails_str("From a\nSubject: x\n\nfirst\nsecond\n", &m, &l);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(m[0], "Subject: x\n\nfirst\nsecond\n");
	free_mails(m, l, n);
	n = mails_str("From a\nSubject: x\n\nfirst\nsecond\n\n", &m, &l);
	if (n == 1)
		T_STREQ(m[0], "Subject: x\n\nfirst\nsecond\n");
	free_mails(m, l, n);
	n = mails_str("From a\nSubject: x\n\nfirst\nsecond", &m, &l);
	if (n == 1)
		T_STREQ(m[0], "Subject: x\n\nfirst\nsecond");
	free_mails(m, l, n);
	n = mails_str("From a\r\nSubject: x\r\n\r\none\r\n\r\nFrom b\r\n"
	    "Subject: y\r\n\r\ntwo\r\n", &m, &l);
	T_INTEQ(n, 2);
	if (n == 2) {
		T_STREQ(m[0], "Subject: x\r\n\r\none\r\n");
		T_STREQ(m[1], "Subject: y\r\n\r\ntwo\r\n");
	}
	free_mails(m, l, n);

	/* no "From " line at all: one mail; NUL bytes and junk survive */
	n = mails_of(nul, sizeof(nul) - 1, &m, &l);
	T_INTEQ(n, 1);
	if (n == 1)
		T_INTEQ(l[0], sizeof(nul) - 1);
	free_mails(m, l, n);

	/* hostile: only separators, CRLF, forged libetpan UID headers */
	n = mails_of(hostile, sizeof(hostile) - 1, &m, &l);
	T_CHECK(n >= 1);
	free_mails(m, l, n);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_unquote);
	T_RUN(test_mbox);
	t_rmdir(tmpdir);
	return T_END();
}
