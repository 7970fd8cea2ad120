/*
 * t.h — the tiny unit-test runner. Each tests/unit/test_<module>.c defines
 * test functions and a main() that calls T_RUN(fn) for each, then returns
 * T_END(). Output is TAP-like: "ok - file:test" / "not ok - file:test",
 * which tests/run counts.
 */
#ifndef TICKETD_T_H
#define TICKETD_T_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * An exact-length heap copy with no NUL after it, so that AddressSanitizer
 * catches a parser that reads past the end of its input. free() it.
 */
static inline char *
t_dup_n(const char *p, size_t len)
{
	char *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, p, len);
	return copy;
}

/*
 * A counter of this process's /proc/self/io ("wchar" for the bytes handed
 * to write(), "syscw" for the write calls), or -1 when it cannot be read.
 */
static inline long long
t_proc_io(const char *key)
{
	FILE *fp = fopen("/proc/self/io", "r");
	char line[128];
	size_t klen = strlen(key);
	long long v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

static int t_failed_now, t_passed, t_failed;

/* Remove the files in a test's mkdtemp(3) directory, then the directory. */
static inline void
t_rmdir(const char *dir)
{
	DIR *d;
	struct dirent *de;
	char p[4096];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
		    (int)sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

#define T_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		t_failed_now = 1;					\
	}								\
} while (0)

#define T_STREQ(a, b) do {						\
	const char *t_a = (a), *t_b = (b);				\
	if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {	\
		fprintf(stderr, "# %s:%d: %s == %s\n#   got:  \"%s\"\n"	\
		    "#   want: \"%s\"\n", __FILE__, __LINE__, #a, #b,	\
		    t_a ? t_a : "(null)", t_b ? t_b : "(null)");	\
		t_failed_now = 1;					\
	}								\
} while (0)

#define T_INTEQ(a, b) do {						\
	long long t_a = (long long)(a), t_b = (long long)(b);		\
	if (t_a != t_b) {						\
		fprintf(stderr, "# %s:%d: %s == %s: got %lld, want %lld\n",\
		    __FILE__, __LINE__, #a, #b, t_a, t_b);		\
		t_failed_now = 1;					\
	}								\
} while (0)

#define T_RUN(fn) do {							\
	t_failed_now = 0;						\
	fn();								\
	if (t_failed_now) {						\
		t_failed++;						\
		printf("not ok - %s:%s\n", __FILE__, #fn);		\
	} else {							\
		t_passed++;						\
		printf("ok - %s:%s\n", __FILE__, #fn);			\
	}								\
	fflush(stdout);							\
} while (0)

/* T_RUN, or a skip line saying why when skip is true. */
#define T_RUN_UNLESS(skip, why, fn) do {				\
	if (skip) {							\
		printf("ok - %s:%s # SKIP %s\n", __FILE__, #fn, why);	\
		fflush(stdout);						\
	} else								\
		T_RUN(fn);						\
} while (0)

/* Under valgrind: tests/run --valgrind sets TICKETD_VALGRIND. */
#define T_UNDER_VALGRIND() (getenv("TICKETD_VALGRIND") != NULL &&	\
	*getenv("TICKETD_VALGRIND") != '\0' &&				\
	strcmp(getenv("TICKETD_VALGRIND"), "0") != 0)

/*
 * T_RUN for a test of sheer size or speed (a 50 MB body, 100,000 parts, a
 * timing check): skipped under valgrind, which would take many minutes
 * over it and find nothing the ASan pass does not; tests/run counts the
 * line as a skip.
 */
#define T_RUN_HEAVY(fn)							\
	T_RUN_UNLESS(T_UNDER_VALGRIND(), "heavy, not under valgrind", fn)

#define T_END() (t_failed ? 1 : 0)

#endif
