/*
 * fuzz_mbox.c — `ticketctl import --mbox FILE` (source_file.c): the input
 * is the mbox file, split by libetpan's mailmbox parser as
 * source_file_mbox() drives it (open, map and parse, read-only, no lock
 * file), each mail cut out by our mbox_end() and its ">From " quoting
 * undone by source_file_unquote(). The file is written to a temporary
 * directory first, since the reader takes a path.
 *
 * Properties (source_file.h): every mail counted can be fetched; a mail
 * is never longer than the file, together they are never longer than the
 * file, and each is NUL-terminated at its length; a size cap (max_bytes)
 * refuses a larger mail and keeps a smaller one; unquoting never makes
 * text longer and leaves text without a '>' as it is.
 */
#include <unistd.h>

#include "source_file.h"

#include "fuzz.h"

static char dir[200], path[256];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_mbox.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/in.mbox", dir);
	atexit(cleanup);
	return 0;
}

static void
write_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) ||
	    fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct source_file *sf;
	char err[256], where[512], *m, *m2, *copy;
	size_t n, i, len, len2, total = 0, u;
	int r;

	/* the unquoting alone, on the bytes as they are */
	copy = fuzz_dup(data, size);
	u = source_file_unquote(copy, size);
	fuzz_check(u <= size);
	if (memchr(data, '>', size) == NULL)
		fuzz_check(u == size && memcmp(copy, data, size) == 0);
	free(copy);

	write_file(data, size);
	err[0] = '\0';
	sf = source_file_mbox(path, err, sizeof(err));
	if (sf == NULL) {
		fuzz_check(err[0] != '\0');
		unlink(path);
		return 0;
	}
	n = source_file_count(sf);
	fuzz_check(n <= size);
	for (i = 0; i < n; i++) {
		r = source_file_get(sf, i, 0, &m, &len, err, sizeof(err));
		if (r != 0)
			fprintf(stderr, "mail %zu: %s\n", i + 1, err);
		fuzz_check(r == 0);
		fuzz_check(m != NULL && len <= size && m[len] == '\0');
		total += len;
		fuzz_check(total <= size);
		source_file_where(sf, i, where, sizeof(where));
		fuzz_check(where[0] != '\0');
		/* a cap at its size keeps it, one below refuses it */
		if (len > 0) {
			r = source_file_get(sf, i, (long long)len, &m2, &len2,
			    err, sizeof(err));
			fuzz_check(r == 0 || r == 1);
			if (r == 0) {
				fuzz_check(len2 == len &&
				    memcmp(m, m2, len) == 0);
				free(m2);
			}
		}
		free(m);
	}
	fuzz_check(source_file_get(sf, n, 0, &m, &len, err,
	    sizeof(err)) == -1 && m == NULL);
	source_file_free(&sf);
	unlink(path);
	return 0;
}
