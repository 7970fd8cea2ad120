/*
 * json.h — writing JSON text (RFC 8259) into a struct buf, for scripts
 * that read ticketctl's --json output (and later exports). Pure: no I/O.
 *
 * Strings come from mail and may hold anything: every value is written as
 * valid JSON in UTF-8 whatever its bytes. '"' and '\\' are escaped, control
 * characters (U+0000..U+001F, DEL) become \n, \t, \r, \b, \f or \u00XX,
 * and each byte that does not start a valid UTF-8 sequence (lex_utf8_len())
 * becomes U+FFFD. These are written as \uXXXX too, although JSON allows
 * them raw: the C1 controls U+0080..U+009F, U+2028 and U+2029, and the
 * bidirectional controls U+202A..U+202E and U+2066..U+2069, and '<', '>'
 * and '&' (\u003c, \u003e, \u0026) — so the text puts no control
 * character on a terminal and is safe inside HTML and JavaScript. Nothing
 * else is changed.
 *
 * The writer tracks nesting and commas. key is the member name inside an
 * object and must be NULL inside an array and at the top level. Errors are
 * sticky: once the buf's max would be passed (or nesting is deeper than
 * JSON_MAX_DEPTH, or begin/end do not pair), every call does nothing and
 * json_error() returns 1; the buf then holds a cut text.
 */
#ifndef TICKETD_JSON_H
#define TICKETD_JSON_H

#include <stddef.h>

#include "buf.h"

#define JSON_MAX_DEPTH	16

struct json {
	struct buf	*b;
	int		 depth;
	int		 err;
	unsigned char	 more[JSON_MAX_DEPTH];	/* a value came at this level */
};

void	json_init(struct json *, struct buf *);
int	json_error(const struct json *);

void	json_begin_object(struct json *, const char *key);
void	json_end_object(struct json *);
void	json_begin_array(struct json *, const char *key);
void	json_end_array(struct json *);

/* (p, len) as a JSON string; p may be NULL only with len 0. */
void	json_string(struct json *, const char *key, const char *p, size_t len);
/* A NUL-terminated string, or null when s is NULL. */
void	json_stringz(struct json *, const char *key, const char *s);
void	json_int(struct json *, const char *key, long long);
void	json_bool(struct json *, const char *key, int);
void	json_null(struct json *, const char *key);

/*
 * A time as an RFC 3339 string in UTC, "2026-11-29T19:48:05Z"; null when
 * set is 0. A time gmtime_r() cannot break down is written as null too.
 */
void	json_time(struct json *, const char *key, long long t, int set);

/*
 * The escaping alone: (p, len) as a quoted JSON string appended to b.
 * 0, or -1 when b's max would be passed (b then holds part of it).
 */
int	json_quote(struct buf *b, const char *p, size_t len);

/*
 * The small interface of the web page's /api/ routes, which build their
 * objects by hand: a JSON string of p[0..len) escaped as json_quote()
 * does; a NUL-terminated string (NULL writes null); "key": (the key is
 * ours, ASCII, written as it is). 0, or -1 when b is full.
 */
int	json_strn(struct buf *b, const char *p, size_t len);
int	json_str(struct buf *b, const char *s);
int	json_key(struct buf *b, const char *key);

#endif
