/*
 * html.h — HTML output for the web page: every value escaped, and page
 * templates filled so that escaping is the default.
 *
 * Templates (the .html files in templates/web/, compiled in) hold two kinds of
 * placeholder:
 *
 *   {{name}}    the value as text: HTML-escaped, always
 *   {{&name}}   an HTML fragment the C code built (rows of a table, a
 *               chart): inserted as it is, but only when the variable is
 *               marked raw too; a plain value there is escaped all the
 *               same, so a slip on either side shows escaped text, never
 *               markup
 *
 * There are no conditionals or loops: repeated rows and optional parts
 * are fragments built in C with the functions below. Pure, no I/O.
 *
 * Return convention: 0, or -1 when the buffer's maximum would be passed
 * (nothing is cut silently: the caller answers with an error).
 */
#ifndef TICKETD_HTML_H
#define TICKETD_HTML_H

#include <stddef.h>

#include "buf.h"

/* The marks FTS5 puts around a match in a snippet (see html_snippet). */
#define HTML_MARK_OPEN	"\x01"
#define HTML_MARK_CLOSE	"\x02"

/*
 * Append p[0..len) escaped for HTML text and quoted attribute values:
 * & < > " ' become entities; bytes that are not valid UTF-8, NUL and
 * control characters other than tab and newline become U+FFFD (CR is
 * dropped). NULL appends nothing.
 */
int	html_escape(struct buf *, const char *p, size_t len);
int	html_text(struct buf *, const char *s);		/* NUL-terminated */

/*
 * A search snippet: like html_escape, except that HTML_MARK_OPEN and
 * HTML_MARK_CLOSE become <mark> and </mark>, always balanced (a stray
 * close is dropped, an open one closed at the end). The text between
 * the marks is escaped like any other.
 */
int	html_snippet(struct buf *, const char *p, size_t len);

/* Append s percent-encoded for a URL query value (RFC 3986 unreserved
 * characters kept). */
int	html_urlencode(struct buf *, const char *s);

/* printf, then escape the result (for numbers and dates mostly). */
int	html_printf(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

struct html_var {
	const char *name;
	const char *value;	/* NULL renders as "" */
	int	    raw;	/* an HTML fragment built by our code */
};

/*
 * Fill tpl into out. Returns 0; -1 when out is full; -2 when tpl names a
 * variable that is not in vars (a bug: the page answers 500).
 */
int	html_fill(struct buf *out, const char *tpl, const struct html_var *,
	    size_t nvars);

#endif
