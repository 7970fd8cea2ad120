/*
 * test_source_file.c — mails from an mbox or a Maildir (source_file.c):
 * the mboxrd unquoting, and hostile mboxes split by libetpan; hostile
 * Maildirs (binary, huge, empty, not regular files).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>

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

/*
 * Whatever an mbox holds, every mail handed out is a piece of the file in
 * order, no byte of the file after its first "From " line is in two
 * mails, and asking for any mail never crashes. A marker line in each
 * mail is found in exactly one of them (nothing lost, nothing doubled).
 */
static int
has(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, s, n) == 0)
			return 1;
	return 0;
}

static void
check_markers(char **m, size_t *l, size_t n, int markers)
{
	char want[32];
	int k, found;
	size_t i;

	for (k = 0; k < markers; k++) {
		snprintf(want, sizeof(want), "X-Marker: %d", k);
		for (found = 0, i = 0; i < n; i++)
			if (has(m[i], l[i], want))
				found++;
		if (found != 1)
			fprintf(stderr, "# marker %d found %d times\n", k,
			    found);
		T_INTEQ(found, 1);
	}
}

static void
test_mbox_broken_from_lines(void)
{
	/*
	 * Separators as exports get them wrong: "From" without a space or
	 * date, "From " with nothing after it, one after no empty line,
	 * ">From " and "From:" (a header, not a separator), a lone "From "
	 * at the very end with no line end, CR-only line ends, spaces
	 * before "From ".
	 */
	static const char box[] =
	    "From alice Mon Nov 30 10:00:00 2026\n"
	    "X-Marker: 0\nSubject: a\n\nbody\n"
	    "From\n"				/* no space: text */
	    "From:bob\n"			/* no separator */
	    " From x\n"				/* indented: text */
	    "\n"
	    "From \n"				/* empty From_ line */
	    "X-Marker: 1\nSubject: b\n\nbody\n"
	    "From carol Mon Nov 30 10:00:00 2026\n"	/* no empty line */
	    "X-Marker: 2\nSubject: c\n\n>From quoted\n\n"
	    "From dave\r\rX-Marker: 3\r\r"		/* CR only */
	    "\n"
	    "From erin Mon Nov 30 10:00:00 2026\n"
	    "X-Marker: 4\nSubject: e\n\nlast\n"
	    "\n"
	    "From ";				/* cut off */
	char **m;
	size_t *l, n, i, total = 0;

	n = mails_of(box, sizeof(box) - 1, &m, &l);
	T_CHECK(n >= 3);
	for (i = 0; i < n; i++) {
		total += l[i];
		T_CHECK(l[i] < sizeof(box));
	}
	T_CHECK(total <= sizeof(box) - 1);
	check_markers(m, l, n, 5);
	/* the first mail keeps its text lines that only look like From_ */
	if (n > 0) {
		T_CHECK(strstr(m[0], "\nFrom:bob\n") != NULL);
		T_CHECK(strstr(m[0], "\n From x\n") != NULL);
	}
	free_mails(m, l, n);

	/* only separators, or one without a line end: no crash, no mail lost */
	n = mails_str("From ", &m, &l);
	T_CHECK(n <= 1);
	free_mails(m, l, n);
	n = mails_str("From a\nFrom b\nFrom c\n", &m, &l);
	T_CHECK(n >= 1);
	free_mails(m, l, n);
	n = mails_str("\n\n\nFrom a\n\n", &m, &l);
	free_mails(m, l, n);
}

/* A fixed pseudo-random generator: the same bytes on every run. */
static unsigned int
rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void
test_mbox_binary(void)
{
	size_t len = 256 * 1024, i, n, total;
	unsigned int seed = 14;
	char *box = xmalloc(len), **m;
	size_t *l;
	int round;

	for (round = 0; round < 8; round++) {
		for (i = 0; i < len; i++)
			box[i] = (char)rnd(&seed);
		/* separators and line ends sprinkled in, some at the end */
		for (i = 0; i < 200; i++) {
			size_t at = rnd(&seed) % (len - 8);

			memcpy(box + at, rnd(&seed) % 2 ? "\n\nFrom " :
			    "\nFrom \r\n", 7);
		}
		if (round % 2)
			memcpy(box, "From x\n", 7);
		if (round % 3 == 0)
			memcpy(box + len - 6, "\nFrom ", 6);
		n = mails_of(box, len, &m, &l);
		T_CHECK(n >= 1);
		for (total = 0, i = 0; i < n; i++)
			total += l[i];
		T_CHECK(total <= len);
		free_mails(m, l, n);
	}
	free(box);
}

/*
 * A huge mail is measured, not read: over max_bytes it is refused with
 * its size (the file is sparse: 64 MiB on disk cost nothing), and the
 * mail after it is still handed out.
 */
static void
test_mbox_huge(void)
{
	static const char head[] = "From a\nSubject: huge\n\n";
	static const char tail[] = "\n\nFrom b\nSubject: small\n\nok\n";
	char *path = xasprintf("%s/huge", tmpdir), err[512], *d = NULL;
	struct source_file *sf;
	off_t size = 64LL * 1024 * 1024;
	size_t l = 0;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_CHECK(fd != -1);
	if (fd == -1) {
		free(path);
		return;
	}
	T_CHECK(write(fd, head, sizeof(head) - 1) ==
	    (ssize_t)(sizeof(head) - 1));
	T_CHECK(pwrite(fd, tail, sizeof(tail) - 1, size) ==
	    (ssize_t)(sizeof(tail) - 1));
	close(fd);
	sf = source_file_mbox(path, err, sizeof(err));
	T_CHECK(sf != NULL);
	if (sf != NULL) {
		T_INTEQ(source_file_count(sf), 2);
		T_INTEQ(source_file_get(sf, 0, 25 * 1024 * 1024, &d, &l, err,
		    sizeof(err)), 1);
		T_CHECK(d == NULL);
		T_CHECK(l > (size_t)size - 100 && l <= (size_t)size);
		T_INTEQ(source_file_get(sf, 1, 25 * 1024 * 1024, &d, &l, err,
		    sizeof(err)), 0);
		if (d != NULL)
			T_STREQ(d, "Subject: small\n\nok\n");
		free(d);
	}
	source_file_free(&sf);
	unlink(path);
	free(path);
}

/* rm -r, without following links. */
static int
rm_tree(const char *path)
{
	struct dirent *de;
	struct stat sb;
	char *p;
	DIR *d;
	int rc = 0;

	if (lstat(path, &sb) == -1)
		return -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		rc |= rm_tree(p);
		free(p);
	}
	closedir(d);
	return rc | rmdir(path);
}

static void
put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

/*
 * A Maildir as one finds them: binary junk and an empty file (handed out
 * as mails: the pipeline decides), a huge sparse file (measured, refused,
 * never read), and things that are no mail files and must be skipped
 * without blocking: a FIFO (opening it would wait for a writer), a
 * symbolic link to a device, a dangling link, a directory, a dot file.
 * tmp/ may be missing; cur/ may not.
 */
static void
test_maildir_hostile(void)
{
	char *md = xasprintf("%s/Maildir", tmpdir), *p, err[512], *d;
	static const char bin[] = "\0\xff\xfe\x01From \0\n\r\n\x80";
	struct source_file *sf;
	size_t i, n, l, mails = 0, big = 0;
	off_t size = 3LL * 1024 * 1024 * 1024;
	int fd, r;

	T_INTEQ(mkdir(md, 0700), 0);
	p = xasprintf("%s/cur", md);
	T_INTEQ(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/new", md);
	T_INTEQ(mkdir(p, 0700), 0);
	free(p);

	p = xasprintf("%s/new/1780000001.M1P1.host", md);
	put(p, bin, sizeof(bin) - 1);
	free(p);
	p = xasprintf("%s/new/1780000002.M2P1.host", md);
	put(p, "", 0);
	free(p);
	p = xasprintf("%s/cur/1780000003.M3P1.host:2,S", md);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_CHECK(fd != -1 && ftruncate(fd, size) == 0);
	if (fd != -1)
		close(fd);
	free(p);
	p = xasprintf("%s/new/1780000004.fifo", md);
	T_INTEQ(mkfifo(p, 0600), 0);
	free(p);
	p = xasprintf("%s/new/1780000005.zero", md);
	T_INTEQ(symlink("/dev/zero", p), 0);
	free(p);
	p = xasprintf("%s/new/1780000006.dangling", md);
	T_INTEQ(symlink("/nonexistent/mail", p), 0);
	free(p);
	p = xasprintf("%s/cur/1780000007.dir", md);
	T_INTEQ(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/cur/.1780000008.hidden", md);
	put(p, "Subject: x\n\n", 12);
	free(p);

	sf = source_file_maildir(md, err, sizeof(err));
	T_CHECK(sf != NULL);
	n = sf != NULL ? source_file_count(sf) : 0;
	T_INTEQ(n, 3);
	for (i = 0; i < n; i++) {
		d = NULL;
		r = source_file_get(sf, i, 25 * 1024 * 1024, &d, &l, err,
		    sizeof(err));
		if (r == 0) {
			mails++;
			T_CHECK(d != NULL && d[l] == '\0');
			if (i == 0) {
				T_INTEQ(l, sizeof(bin) - 1);
				T_CHECK(d != NULL &&
				    memcmp(d, bin, sizeof(bin) - 1) == 0);
			}
		} else if (r == 1) {
			big++;
			T_CHECK(d == NULL);
			T_CHECK(l == (size_t)size);
		}
		free(d);
	}
	T_INTEQ(mails, 2);
	T_INTEQ(big, 1);
	source_file_free(&sf);

	/* no cur/: not a Maildir */
	p = xasprintf("%s/cur", md);
	T_INTEQ(rm_tree(p), 0);
	free(p);
	sf = source_file_maildir(md, err, sizeof(err));
	T_CHECK(sf == NULL);
	T_CHECK(strstr(err, "a Maildir has cur/, new/ and tmp/") != NULL);
	T_INTEQ(rm_tree(md), 0);
	free(md);
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
	T_RUN(test_mbox_broken_from_lines);
	T_RUN(test_mbox_binary);
	T_RUN(test_mbox_huge);
	T_RUN(test_maildir_hostile);
	t_rmdir(tmpdir);
	return T_END();
}
