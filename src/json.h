/*
 * json.h — writing JSON (RFC 8259) for the web page's /api/ routes. No
 * parser: we only write. Pure; 0, or -1 when the buf is full.
 */
#ifndef TICKETD_JSON_H
#define TICKETD_JSON_H

#include <stddef.h>

#include "buf.h"

/*
 * A JSON string of p[0..len): " and \ escaped, control characters as
 * \uXXXX (\n \t \r as themselves), < > & as \u003c \u003e \u0026 (so it
 * is safe anywhere), bytes that are not valid UTF-8 as \ufffd.
 */
int	json_strn(struct buf *, const char *p, size_t len);
/* The same for a NUL-terminated string; NULL writes null. */
int	json_str(struct buf *, const char *s);
/* "key": — the key is ours (ASCII), written as it is. */
int	json_key(struct buf *, const char *key);

#endif
