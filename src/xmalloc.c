/* xmalloc.c — allocation wrappers; failure is fatal. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/*
 * glibc gives freed memory at the top of the heap back to the kernel once
 * it passes 128 kB, and serves blocks of 128 kB and more with mmap(), so a
 * process that takes and frees the same few hundred kB per mail (zlib's
 * streams are 144 kB for each notice and each stored mail; a mail with an
 * image holds blocks bigger than that) faults the same pages in again and
 * again. On a virtual machine that is the dearest thing it does: a page's
 * first touch is 3-11 us there, and compressing a notice took 128 us
 * instead of 45. Kept: up to 8 MB of freed memory at the top of each
 * arena (the main one and each thread's), blocks under 4 MB from the
 * heap; 8 MB kept the page faults of a 3,000-mail backlog as low as 64 MB
 * did (bench/README.md). xmalloc_trim() gives back the rest.
 */
void
xmalloc_keep_heap(void)
{
#ifdef __GLIBC__
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
}

/*
 * What the heap kept goes back to the kernel: the main arena's top and
 * the free pages inside every arena (glibc's malloc_trim() leaves a
 * thread arena's top, which the 8 MB above bounds). Called when the
 * mailbox has been quiet for a whole wait, so that the high-water mark
 * of a large mail is not held for the daemon's life.
 */
void
xmalloc_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	p = malloc(n);
	if (p == NULL)
		fatal("xmalloc: %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		fatal("xcalloc: %zu * %zu bytes", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu * %zu overflows", nmemb, size);
	if (nmemb * size == 0)
		nmemb = size = 1;
	p = realloc(ptr, nmemb * size);
	if (p == NULL)
		fatal("xreallocarray: %zu * %zu bytes", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		fatalx("xstrndup: size overflows");
	s = xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *s;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf");
	s = xmalloc((size_t)n + 1);
	if (vsnprintf(s, (size_t)n + 1, fmt, ap2) != n)
		fatalx("xasprintf: size changed");
	va_end(ap2);
	return s;
}
