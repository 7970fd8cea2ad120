/*
 * buf.h — growable byte buffer with a declared maximum (curl's dynbuf).
 * The data is always NUL-terminated for convenience; length excludes it.
 */
#ifndef TICKETD_BUF_H
#define TICKETD_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* largest len allowed */
};

void	buf_init(struct buf *, size_t max);
void	buf_clear(struct buf *);		/* frees, back to empty */
void	buf_reset(struct buf *);		/* len = 0, keeps memory */
/* Append; 0 on success, -1 (nothing appended) when max would be passed. */
int	buf_add(struct buf *, const void *, size_t);
int	buf_addstr(struct buf *, const char *);
int	buf_addch(struct buf *, char);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Hand the bytes to the caller (free() them); the buf is empty after. */
char	*buf_steal(struct buf *, size_t *lenp);

#endif
