/*
 * charset.h — turn the bytes of a text in a declared charset into valid
 * UTF-8 with iconv(3). Bytes that are not valid in their charset become
 * U+FFFD; a text is never cut short because of one bad byte.
 */
#ifndef TICKETD_CHARSET_H
#define TICKETD_CHARSET_H

#include <stddef.h>

#define CHARSET_BAD	0x01	/* unknown charset, or bytes replaced by U+FFFD */
#define CHARSET_TRUNC	0x02	/* output reached max and was cut at a character */

/*
 * Convert len bytes of p from charset to UTF-8, at most max bytes of output.
 * charset NULL or "" means undeclared: UTF-8 when the bytes are valid UTF-8,
 * else windows-1252. An unknown charset is read the same way and flagged.
 * Returns a new NUL-terminated string; *flags (may be NULL) gets CHARSET_*.
 */
char	*charset_to_utf8(const char *charset, const char *p, size_t len,
	    size_t max, int *flags);

/* 1 when p[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int	 charset_utf8_valid(const char *p, size_t len);

#endif
