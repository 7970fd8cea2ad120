/*
 * test_token.c — OAuth2 tokens from a file or a command (token.c).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "t.h"
#include "token.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/test_token.XXXXXX";

static void
write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
test_parse(void)
{
	static const struct {
		const char	*in;
		const char	*tok;	/* NULL: refused */
		long long	 life;
	} cases[] = {
		{ "ya29.abc\n", "ya29.abc", -1 },
		{ "ya29.abc", "ya29.abc", -1 },
		{ "ya29.abc\r\n3599\r\n", "ya29.abc", 3599 },
		{ "ya29.abc  \n3600\n", "ya29.abc", 3600 },
		{ "tok\nnot a number\n", "tok", -1 },
		{ "tok\n\n", "tok", -1 },
		{ "tok\n12345678901\n", "tok", -1 },	/* too long to be one */
		{ "\nya29.abc\n", NULL, 0 },		/* first line empty */
		{ "", NULL, 0 },
		{ "two words\n", NULL, 0 },
		{ "tab\there\n", NULL, 0 },
		{ "caf\xc3\xa9\n", NULL, 0 },
		{ "nul\0x\n", NULL, 0 },
	};
	const char *tok;
	char err[256];
	size_t i, n, len;
	long long life;
	char *copy;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the NUL case has its length by hand */
		len = i == 12 ? 7 : strlen(cases[i].in);
		copy = t_dup_n(cases[i].in, len);
		if (cases[i].tok == NULL) {
			T_INTEQ(token_parse(copy, len, &tok, &n, &life, err,
			    sizeof(err)), -1);
		} else {
			T_INTEQ(token_parse(copy, len, &tok, &n, &life, err,
			    sizeof(err)), 0);
			T_INTEQ(n, strlen(cases[i].tok));
			T_CHECK(memcmp(tok, cases[i].tok, n) == 0);
			T_INTEQ(life, cases[i].life);
		}
		free(copy);
	}
	/* over the cap */
	copy = xmalloc(LIMIT_TOKEN_BYTES + 2);
	memset(copy, 'a', LIMIT_TOKEN_BYTES + 1);
	T_INTEQ(token_parse(copy, LIMIT_TOKEN_BYTES + 1, &tok, &n, &life, err,
	    sizeof(err)), -1);
	T_CHECK(strstr(err, "longer than") != NULL);
	T_INTEQ(token_parse(copy, LIMIT_TOKEN_BYTES, &tok, &n, &life, err,
	    sizeof(err)), 0);
	free(copy);
}

static void
test_file(void)
{
	char *path = xasprintf("%s/tok", tmpdir), err[512];
	struct token *t;
	struct timespec ts[2];
	const char *tok;
	int fresh;

	t = token_new(path, NULL, "imap");
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	T_CHECK(strstr(err, "cannot open") != NULL);

	write_file(path, "first-token\n", 0600);
	tok = token_get(t, 0, &fresh, err, sizeof(err));
	T_STREQ(tok, "first-token");
	T_INTEQ(fresh, 1);
	/* unchanged: the same, not read again, not fresh */
	tok = token_get(t, 0, &fresh, err, sizeof(err));
	T_STREQ(tok, "first-token");
	T_INTEQ(fresh, 0);
	/* refused and still unchanged: nothing new to offer */
	token_refused(t);
	tok = token_get(t, 0, &fresh, err, sizeof(err));
	T_STREQ(tok, "first-token");
	T_INTEQ(fresh, 0);
	/* renewed in place, same size, a later time: read again */
	write_file(path, "other-token\n", 0600);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 5;
	ts[1] = ts[0];
	T_INTEQ(utimensat(AT_FDCWD, path, ts, 0), 0);
	tok = token_get(t, 0, &fresh, err, sizeof(err));
	T_STREQ(tok, "other-token");
	T_INTEQ(fresh, 1);
	/* a file others may read is refused, and says so */
	write_file(path, "third-token-x\n", 0644);
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	T_CHECK(strstr(err, "readable by group or others") != NULL);
	T_CHECK(strstr(err, "third") == NULL);
	/* an empty one too */
	write_file(path, "", 0600);
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	T_CHECK(strstr(err, "no token") != NULL);
	token_free(&t);
	T_CHECK(t == NULL);
	free(path);
}

static void
test_command(void)
{
	char *runs = xasprintf("%s/runs", tmpdir), *cmd, err[512];
	struct token *t;
	const char *tok;
	int fresh;

	/* each run prints "tok-N" (N = runs so far) and a lifetime of 120 */
	cmd = xasprintf("echo x >> %s; echo tok-$(wc -l < %s); echo 120", runs,
	    runs);
	t = token_new(NULL, cmd, "smtp");
	tok = token_get(t, 1000, &fresh, err, sizeof(err));
	T_STREQ(tok, "tok-1");
	T_INTEQ(fresh, 1);
	/* within its lifetime (less a minute): kept */
	tok = token_get(t, 1059, &fresh, err, sizeof(err));
	T_STREQ(tok, "tok-1");
	T_INTEQ(fresh, 0);
	/* then run again */
	tok = token_get(t, 1060, &fresh, err, sizeof(err));
	T_STREQ(tok, "tok-2");
	T_INTEQ(fresh, 1);
	/* refused: run again at once */
	token_refused(t);
	tok = token_get(t, 1061, &fresh, err, sizeof(err));
	T_STREQ(tok, "tok-3");
	T_INTEQ(fresh, 1);
	token_free(&t);
	free(cmd);

	/* a failing command: its status and its complaint */
	t = token_new(NULL, "echo 'no refresh token' >&2; exit 3", "imap");
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	T_STREQ(err, "imap token_command exited 3: no refresh token");
	token_free(&t);
	/* a command that prints no token */
	t = token_new(NULL, "echo", "imap");
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	T_CHECK(strstr(err, "printed no usable token") != NULL);
	token_free(&t);
	/*
	 * hostile output: endless (killed as soon as it is more than a
	 * token could be, not after the 30 s a command may take), binary
	 */
	{
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		t = token_new(NULL, "yes", "imap");
		T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		T_CHECK(strstr(err, "imap token_command printed more than") !=
		    NULL);
		T_CHECK(t1.tv_sec - t0.tv_sec < 10);
		token_free(&t);
	}
	t = token_new(NULL, "printf 'ab\\001\\377cd\\n'", "imap");
	T_CHECK(token_get(t, 0, &fresh, err, sizeof(err)) == NULL);
	token_free(&t);
	/* the command does not get our descriptors, nor an ignored SIGPIPE */
	t = token_new(NULL, "ls /proc/self/fd | wc -l | tr -d ' '", "imap");
	tok = token_get(t, 0, &fresh, err, sizeof(err));
	/* 0, 1, 2 and the one ls opens to read the directory */
	T_STREQ(tok, "4");
	token_free(&t);
	free(runs);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_parse);
	T_RUN(test_file);
	T_RUN(test_command);
	t_rmdir(tmpdir);
	return T_END();
}
