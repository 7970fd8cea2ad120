/*
 * xmalloc.h — allocation that cannot fail: out of memory is fatal (STYLE 13).
 * Never pass a size taken from input without checking it against limits.h.
 */
#ifndef TICKETD_XMALLOC_H
#define TICKETD_XMALLOC_H

#include <stddef.h>

/* Freed memory kept for the next mail, not given back (xmalloc.c). */
void	 xmalloc_keep_heap(void);
/* ...and the main heap's given back when the desk is quiet. */
void	 xmalloc_trim(void);
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
/* Copy of the first n bytes of p (which need not be NUL-terminated). */
char	*xstrndup(const char *p, size_t n);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
