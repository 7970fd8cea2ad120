/*
 * html.c — escaping and template filling for the web page (see html.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "lex.h"
#include "xmalloc.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/*
 * The escaper shared by html_escape and html_snippet. With marks, \x01
 * and \x02 open and close <mark>; *open tracks whether one is open.
 */
static int
escape(struct buf *b, const char *s, size_t len, int marks, int *open)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	const unsigned char *run = p;
	const char *ent;
	size_t n;

#define FLUSH()	do {							\
	if (p > run && buf_add(b, run, (size_t)(p - run)) == -1)	\
		return -1;						\
} while (0)

	if (s == NULL)
		return 0;
	while (p < end) {
		ent = NULL;
		switch (*p) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		case '\t':
		case '\n':
			p++;
			continue;
		case '\r':
			ent = "";
			break;
		case 0x01:
			if (marks) {
				ent = *open ? "" : "<mark>";
				*open = 1;
			}
			break;
		case 0x02:
			if (marks) {
				ent = *open ? "</mark>" : "";
				*open = 0;
			}
			break;
		default:
			break;
		}
		if (ent == NULL && *p < 0x80 && !lex_is_ctl(*p)) {
			p++;
			continue;
		}
		n = 1;
		if (ent == NULL && *p >= 0x80) {
			n = lex_utf8_len(p, end);
			if (n == 0)
				n = 1;		/* a bad byte: replaced alone */
			else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
				;	/* a C1 control: replaced whole */
			else {
				p += n;
				continue;
			}
		}
		FLUSH();
		if (buf_addstr(b, ent != NULL ? ent : replacement) == -1)
			return -1;
		p += n;
		run = p;
	}
	FLUSH();
	return 0;
#undef FLUSH
}

int
html_escape(struct buf *b, const char *p, size_t len)
{
	return escape(b, p, len, 0, NULL);
}

int
html_text(struct buf *b, const char *s)
{
	return s == NULL ? 0 : escape(b, s, strlen(s), 0, NULL);
}

int
html_snippet(struct buf *b, const char *p, size_t len)
{
	int open = 0;

	if (escape(b, p, len, 1, &open) == -1)
		return -1;
	return open ? buf_addstr(b, "</mark>") : 0;
}

int
html_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	if (s == NULL)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			if (buf_addch(b, (char)*p) == -1)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		if (buf_add(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

int
html_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256], *big = NULL;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return escape(b, small, (size_t)n, 0, NULL);
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = escape(b, big, (size_t)n, 0, NULL);
	free(big);
	return rc;
}

static const struct html_var *
find_var(const struct html_var *vars, size_t n, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return &vars[i];
	return NULL;
}

int
html_fill(struct buf *out, const char *tpl, const struct html_var *vars,
    size_t nvars)
{
	const struct html_var *v;
	const char *p = tpl, *open, *close, *name;
	size_t len;
	int raw;

	for (;;) {
		open = strstr(p, "{{");
		if (open == NULL)
			return buf_addstr(out, p);
		if (buf_add(out, p, (size_t)(open - p)) == -1)
			return -1;
		close = strstr(open + 2, "}}");
		if (close == NULL)
			return -2;
		name = open + 2;
		raw = *name == '&';
		if (raw)
			name++;
		len = (size_t)(close - name);
		v = find_var(vars, nvars, name, len);
		if (v == NULL)
			return -2;
		if (raw && v->raw) {
			if (v->value != NULL && buf_addstr(out, v->value) == -1)
				return -1;
		} else if (html_text(out, v->value) == -1)
			return -1;
		p = close + 2;
	}
}
