/*
 * test_xmalloc.c — xmalloc_keep_heap(): blocks of a mail's size come from
 * the heap, and what is freed stays there for the next mail instead of
 * being given back to the kernel and faulted in again (xmalloc.c).
 * glibc's own allocator only: AddressSanitizer and valgrind bring theirs,
 * where mallopt() does nothing, so there the tests are skipped.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "xmalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define OWN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OWN_MALLOC 1
#endif
#endif
#ifndef OWN_MALLOC
#define OWN_MALLOC 0
#endif

/* glibc's default serves 2 MB with mmap(), and unmaps it when freed. */
static void
test_big_block_from_the_heap(void)
{
	char *p = xmalloc(2 << 20);

	memset(p, 1, 2 << 20);
	T_INTEQ((long long)mallinfo2().hblks, 0);
	free(p);
}

/* glibc's default gives back what passes 128 kB at the top once freed. */
static void
test_freed_heap_kept(void)
{
	char *p = xmalloc(3 << 20);
	size_t held;

	memset(p, 1, 3 << 20);
	held = mallinfo2().arena;
	T_CHECK(held >= 3 << 20);
	free(p);
	T_CHECK(mallinfo2().arena == held);
}

/*
 * The process's resident bytes (/proc/self/statm), read without malloc:
 * a FILE taken from a thread's arena would sit above the blocks freed
 * and keep them from its top.
 */
static long long
resident(void)
{
	char buf[128], *p;
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	strtoll(buf, &p, 10);			/* size */
	return strtoll(p, NULL, 10) * sysconf(_SC_PAGESIZE);
}

/* ...until the desk is quiet: then it goes back. */
static void
test_trim_gives_back(void)
{
	char *p = xmalloc(3 << 20);
	long long before;

	memset(p, 1, 3 << 20);
	free(p);
	before = resident();
	xmalloc_trim();
	T_CHECK(resident() + (2 << 20) < before);
}

/* A thread keeps at most 8 MB of what it freed (its arena's top). */
static void *
free_nine_mb(void *arg)
{
	char *p[3];
	long long *drop = arg, full;
	int i;

	for (i = 0; i < 3; i++) {
		p[i] = xmalloc(3 << 20);
		memset(p[i], 1, 3 << 20);
	}
	full = resident();
	for (i = 2; i >= 0; i--)
		free(p[i]);	/* each into the top, which passes 8 MB */
	*drop = full - resident();
	return NULL;
}

static void
test_thread_keeps_at_most_8mb(void)
{
	long long drop = 0;
	pthread_t t;

	T_CHECK(pthread_create(&t, NULL, free_nine_mb, &drop) == 0);
	T_CHECK(pthread_join(t, NULL) == 0);
	T_CHECK(drop >= 6 << 20);
}

#define T_RUN_OWN(fn)							\
	T_RUN_UNLESS(OWN_MALLOC || T_UNDER_VALGRIND(),			\
	    "not glibc's malloc here", fn)

int
main(void)
{
	xmalloc_keep_heap();
	T_RUN_OWN(test_big_block_from_the_heap);
	T_RUN_OWN(test_freed_heap_kept);
	T_RUN_OWN(test_trim_gives_back);
	T_RUN_OWN(test_thread_keeps_at_most_8mb);
	return T_END();
}
