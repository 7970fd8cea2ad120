/*
 * test_xmalloc.c — xmalloc_keep_heap(): blocks of a mail's size come from
 * the heap, and what is freed stays there for the next mail instead of
 * being given back to the kernel and faulted in again (xmalloc.c).
 * glibc's own allocator only: AddressSanitizer and valgrind bring theirs,
 * where mallopt() does nothing, so there the tests are skipped.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char *p = xmalloc(4 << 20);
	size_t held;

	memset(p, 1, 4 << 20);
	held = mallinfo2().arena;
	T_CHECK(held >= 4 << 20);
	free(p);
	T_CHECK(mallinfo2().arena == held);
}

#define T_RUN_OWN(fn) do {						\
	const char *t_vg = getenv("TICKETD_VALGRIND");			\
	if (OWN_MALLOC ||						\
	    (t_vg != NULL && *t_vg != '\0' && strcmp(t_vg, "0") != 0)) {	\
		printf("ok - %s:%s # SKIP not glibc's malloc here\n",	\
		    __FILE__, #fn);					\
		fflush(stdout);						\
	} else								\
		T_RUN(fn);						\
} while (0)

int
main(void)
{
	xmalloc_keep_heap();
	T_RUN_OWN(test_big_block_from_the_heap);
	T_RUN_OWN(test_freed_heap_kept);
	return T_END();
}
