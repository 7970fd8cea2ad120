/*
 * csv.c — an RFC 4180 reader and field writer (see csv.h).
 *
 * The reader is a small state machine over bytes: every branch moves pos
 * forward, so it ends on any input, in time linear in its length; a
 * field is built in a buffer capped at LIMIT_CSV_FIELD_BYTES.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

void
csv_init(struct csv *c, const char *p, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->len = len;
	c->line = 1;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
}

void
csv_record_clear(struct csv_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

/* Valid UTF-8 without NUL (other control bytes are the caller's). */
static int
utf8_ok(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + len;
	size_t k;

	while (s < e) {
		if (*s == '\0')
			return 0;
		k = lex_utf8_len(s, e);
		if (k == 0)
			return 0;
		s += k;
	}
	return 1;
}

/* After a bad record: go on at the line after pos. */
static void
resync(struct csv *c)
{
	while (c->pos < c->len && c->p[c->pos] != '\n')
		c->pos++;
	if (c->pos < c->len) {
		c->pos++;
		c->line++;
	}
}

static int
bad(struct csv *c, struct csv_record *r, struct buf *f, char *err,
    size_t errsz, const char *why, int sync)
{
	snprintf(err, errsz, "%s", why);
	csv_record_clear(r);
	buf_clear(f);
	if (sync)
		resync(c);
	return -1;
}

/* The field in f as a new string at the end of r. */
static int
push(struct csv_record *r, struct buf *f)
{
	if (r->n == LIMIT_CSV_FIELDS)
		return -1;
	r->f = xreallocarray(r->f, r->n + 1, sizeof(*r->f));
	r->f[r->n++] = xstrndup(f->data != NULL ? f->data : "", f->len);
	buf_reset(f);
	return 0;
}

int
csv_next(struct csv *c, struct csv_record *r, char *err, size_t errsz)
{
	struct buf f;
	const char *p = c->p;
	char ch, why[96];
	int quoted;

	r->f = NULL;
	r->n = 0;
	/* blank lines between records */
	while (c->pos < c->len && (p[c->pos] == '\n' || (p[c->pos] == '\r' &&
	    c->pos + 1 < c->len && p[c->pos + 1] == '\n'))) {
		c->pos += p[c->pos] == '\r' ? 2 : 1;
		c->line++;
	}
	r->line = c->line;
	if (c->pos >= c->len)
		return 0;
	if (c->records >= LIMIT_CSV_RECORDS) {
		if (c->records++ > LIMIT_CSV_RECORDS)
			return 0;
		snprintf(err, errsz, "more than %d records", LIMIT_CSV_RECORDS);
		c->pos = c->len;
		return -1;
	}
	c->records++;
	buf_init(&f, LIMIT_CSV_FIELD_BYTES);
	for (;;) {
		/* one field */
		quoted = c->pos < c->len && p[c->pos] == '"';
		if (quoted) {
			c->pos++;
			for (;;) {
				if (c->pos >= c->len) {
					snprintf(why, sizeof(why), "a quoted field "
					    "is not closed (it opens on line "
					    "%ld)", r->line);
					c->pos = c->len;
					return bad(c, r, &f, err, errsz, why, 0);
				}
				ch = p[c->pos];
				if (ch == '"') {
					if (c->pos + 1 < c->len &&
					    p[c->pos + 1] == '"') {
						c->pos += 2;
						if (buf_addch(&f, '"') == -1)
							goto toolong;
						continue;
					}
					c->pos++;
					break;
				}
				if (ch == '\n')
					c->line++;
				if (ch == '\0')
					return bad(c, r, &f, err, errsz,
					    "a NUL byte", 1);
				if (buf_addch(&f, ch) == -1)
					goto toolong;
				c->pos++;
			}
			if (c->pos < c->len && p[c->pos] != ',' &&
			    p[c->pos] != '\n' && p[c->pos] != '\r')
				return bad(c, r, &f, err, errsz, "text after a "
				    "closing quote (a quote inside a quoted "
				    "field is written \"\")", 1);
		} else {
			while (c->pos < c->len && p[c->pos] != ',' &&
			    p[c->pos] != '\n' && p[c->pos] != '\r') {
				ch = p[c->pos];
				if (ch == '"')
					return bad(c, r, &f, err, errsz, "a quote "
					    "inside a field that is not quoted "
					    "(quote the whole field)", 1);
				if (ch == '\0')
					return bad(c, r, &f, err, errsz,
					    "a NUL byte", 1);
				if (buf_addch(&f, ch) == -1)
					goto toolong;
				c->pos++;
			}
		}
		if (!utf8_ok(f.data != NULL ? f.data : "", f.len))
			return bad(c, r, &f, err, errsz, "a field is not valid "
			    "UTF-8", 1);
		if (push(r, &f) == -1) {
			snprintf(why, sizeof(why), "more than %d fields",
			    LIMIT_CSV_FIELDS);
			return bad(c, r, &f, err, errsz, why, 1);
		}
		if (c->pos >= c->len)
			break;
		ch = p[c->pos];
		if (ch == ',') {
			c->pos++;
			continue;
		}
		if (ch == '\r') {
			if (c->pos + 1 >= c->len || p[c->pos + 1] != '\n')
				return bad(c, r, &f, err, errsz, "a carriage "
				    "return not followed by a line feed", 1);
			c->pos++;
		}
		/* LF */
		c->pos++;
		c->line++;
		break;
	}
	buf_clear(&f);
	return 1;
toolong:
	snprintf(why, sizeof(why), "a field is longer than %d bytes",
	    LIMIT_CSV_FIELD_BYTES);
	return bad(c, r, &f, err, errsz, why, 1);
}

void
csv_put(struct buf *b, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (strpbrk(s, ",\"\r\n") == NULL && (n == 0 || (s[0] != ' ' &&
	    s[n - 1] != ' '))) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}
