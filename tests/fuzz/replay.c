/*
 * replay.c — the main() that turns a libFuzzer target into a test: it
 * runs every file in tests/fuzz/seeds/NAME/ and tests/fuzz/regress/NAME/
 * (NAME from the program's name, fuzz_NAME) through
 * LLVMFuzzerTestOneInput(), or the files and directories given as
 * arguments. tests/run runs it from the top of the tree like a unit test
 * (TAP-like lines); a crash, a sanitizer or valgrind report, or a failed
 * property (abort) fails it. Each file's name goes to stderr first, so a
 * report says which input it was.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *data = NULL, *n;
	size_t len = 0, cap = 0, got;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "# %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((n = realloc(data, cap)) == NULL)
				abort();
			data = n;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "# %s: read error\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "# %s (%zu bytes)\n", path, len);
	/* an exact-size copy, so that a read past the end is caught */
	n = malloc(len > 0 ? len : 1);
	if (n == NULL)
		abort();
	memcpy(n, data, len);
	free(data);
	LLVMFuzzerTestOneInput(n, len);
	free(n);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir (sorted), or dir itself when it is a file.
 * Returns how many ran, -1 on an unreadable one; a missing dir is 0. */
static int
run_path(const char *dir)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	int count = 0;

	if (stat(dir, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (S_ISREG(st.st_mode))
		return run_file(dir) == 0 ? 1 : -1;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (names[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		if (count >= 0 && snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) < (int)sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			count = run_file(path) == 0 ? count + 1 : -1;
		free(names[i]);
	}
	free(names);
	return count;
}

int
main(int argc, char **argv)
{
	const char *base, *kinds[] = { "seeds", "regress" };
	char dir[4096];
	int i, n, failed = 0;

	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			n = run_path(argv[i]);
			printf("%s - %s:%s (%d inputs)\n", n < 0 ? "not ok" : "ok",
			    base, argv[i], n < 0 ? 0 : n);
			failed |= n < 0;
		}
		return failed;
	}
	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "tests/fuzz/%s/%s", kinds[i],
		    strncmp(base, "fuzz_", 5) == 0 ? base + 5 : base);
		n = run_path(dir);
		printf("%s - %s:%s (%d inputs)\n", n < 0 ? "not ok" : "ok",
		    base, kinds[i], n < 0 ? 0 : n);
		failed |= n < 0;
	}
	return failed;
}
