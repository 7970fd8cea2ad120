/*
 * fuzz.h — what the libFuzzer targets in tests/fuzz/ share. Each
 * fuzz_NAME.c defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()); it is linked either with libFuzzer (`make
 * fuzz`, clang) or with replay.c, which runs the saved inputs in
 * tests/fuzz/seeds/NAME/ and tests/fuzz/regress/NAME/ through the same
 * function in every `make check` pass.
 *
 * A target aborts (fuzz_check) when a property the parser promises does
 * not hold, so that a wrong answer is a finding like a crash.
 */
#ifndef TICKETD_FUZZ_H
#define TICKETD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define fuzz_check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated heap copy of p[0..len) (free it). */
static inline char *
fuzz_strndup(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* An exact-length heap copy (no NUL after it, so ASan sees a read past the
 * end). free() it. */
static inline char *
fuzz_dup(const uint8_t *p, size_t len)
{
	char *s = malloc(len > 0 ? len : 1);

	if (s == NULL)
		abort();
	if (len > 0)
		memcpy(s, p, len);
	return s;
}

/*
 * Split data at the byte sep into at most max pieces (the last takes the
 * rest): each a pointer into data and a length. Returns the count (>= 1).
 */
static inline size_t
fuzz_split(const uint8_t *data, size_t size, uint8_t sep,
    const uint8_t **piece, size_t *len, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i < size && n + 1 < max; i++) {
		if (data[i] == sep) {
			piece[n] = data + start;
			len[n++] = i - start;
			start = i + 1;
		}
	}
	piece[n] = data + start;
	len[n++] = size - start;
	return n;
}

#endif
