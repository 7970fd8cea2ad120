/*
 * json.c — JSON text for scripts (see json.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "lex.h"

void
json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

int
json_error(const struct json *j)
{
	return j->err;
}

static void
put(struct json *j, const char *s, size_t n)
{
	if (!j->err && buf_add(j->b, s, n) == -1)
		j->err = 1;
}

/* Before a value: the comma and, inside an object, "key":. 0 to go on. */
static int
value(struct json *j, const char *key)
{
	if (j->err)
		return -1;
	if (j->more[j->depth])
		put(j, ",", 1);
	j->more[j->depth] = 1;
	if (key != NULL) {
		if (json_quote(j->b, key, strlen(key)) == -1)
			j->err = 1;
		put(j, ":", 1);
	}
	return j->err ? -1 : 0;
}

static void
begin(struct json *j, const char *key, char c)
{
	if (value(j, key) == -1)
		return;
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->err = 1;
		return;
	}
	put(j, &c, 1);
	j->more[++j->depth] = 0;
}

static void
end(struct json *j, char c)
{
	if (j->err)
		return;
	if (j->depth == 0) {
		j->err = 1;
		return;
	}
	j->depth--;
	put(j, &c, 1);
}

void
json_begin_object(struct json *j, const char *key)
{
	begin(j, key, '{');
}

void
json_end_object(struct json *j)
{
	end(j, '}');
}

void
json_begin_array(struct json *j, const char *key)
{
	begin(j, key, '[');
}

void
json_end_array(struct json *j)
{
	end(j, ']');
}

/* The code point of the valid UTF-8 sequence of n bytes at s. */
static unsigned int
code_point(const unsigned char *s, size_t n)
{
	unsigned int cp = n == 2 ? s[0] & 0x1f : n == 3 ? s[0] & 0x0f :
	    s[0] & 0x07;
	size_t i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/*
 * Characters beyond ASCII written as \uXXXX although JSON allows them raw:
 * C1 controls (a terminal takes U+009B for CSI), the line and paragraph
 * separators (JavaScript), and the bidirectional overrides and isolates
 * (they reorder what a reader sees). The JSON stays the same data.
 */
static int
json_escaped(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int
json_quote(struct buf *b, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p, *e = s + len;
	const unsigned char *run;
	char esc[8];
	unsigned int cp;
	size_t n;

	if (buf_addch(b, '"') == -1)
		return -1;
	while (s < e) {
		/* a run of bytes that need no escape, copied at once */
		for (run = s; s < e && *s >= 0x20 && *s < 0x7f && *s != '"' &&
		    *s != '\\' && *s != '<' && *s != '>' && *s != '&'; s++)
			;
		if (s > run && buf_add(b, run, (size_t)(s - run)) == -1)
			return -1;
		if (s == e)
			break;
		if (*s >= 0x80) {
			n = lex_utf8_len(s, e);
			if (n == 0) {
				/* not UTF-8: U+FFFD for this byte */
				if (buf_add(b, "\xef\xbf\xbd", 3) == -1)
					return -1;
				s++;
				continue;
			}
			cp = code_point(s, n);
			if (json_escaped(cp)) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
				if (buf_addstr(b, esc) == -1)
					return -1;
			} else if (buf_add(b, s, n) == -1)
				return -1;
			s += n;
			continue;
		}
		switch (*s) {
		case '"':
			memcpy(esc, "\\\"", 3);
			break;
		case '\\':
			memcpy(esc, "\\\\", 3);
			break;
		case '\n':
			memcpy(esc, "\\n", 3);
			break;
		case '\r':
			memcpy(esc, "\\r", 3);
			break;
		case '\t':
			memcpy(esc, "\\t", 3);
			break;
		case '\b':
			memcpy(esc, "\\b", 3);
			break;
		case '\f':
			memcpy(esc, "\\f", 3);
			break;
		case '<':
		case '>':
		case '&':	/* so the text is safe inside HTML too */
		default:	/* the other C0 controls and DEL */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 15];
			esc[6] = '\0';
			break;
		}
		if (buf_addstr(b, esc) == -1)
			return -1;
		s++;
	}
	return buf_addch(b, '"');
}

void
json_string(struct json *j, const char *key, const char *p, size_t len)
{
	if (value(j, key) == -1)
		return;
	if (json_quote(j->b, p != NULL ? p : "", p != NULL ? len : 0) == -1)
		j->err = 1;
}

void
json_stringz(struct json *j, const char *key, const char *s)
{
	if (s == NULL)
		json_null(j, key);
	else
		json_string(j, key, s, strlen(s));
}

void
json_int(struct json *j, const char *key, long long v)
{
	char num[32];
	int n;

	if (value(j, key) == -1)
		return;
	n = snprintf(num, sizeof(num), "%lld", v);
	put(j, num, (size_t)n);
}

void
json_bool(struct json *j, const char *key, int v)
{
	if (value(j, key) == 0)
		put(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_null(struct json *j, const char *key)
{
	if (value(j, key) == 0)
		put(j, "null", 4);
}

void
json_time(struct json *j, const char *key, long long t, int set)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[64];
	size_t n;

	if (!set || (long long)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999 ||
	    (n = strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm)) == 0) {
		json_null(j, key);
		return;
	}
	json_string(j, key, s, n);
}

int
json_strn(struct buf *b, const char *p, size_t len)
{
	return json_quote(b, p != NULL ? p : "", p != NULL ? len : 0);
}

int
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_addstr(b, "null");
	return json_quote(b, s, strlen(s));
}

int
json_key(struct buf *b, const char *key)
{
	return buf_printf(b, "\"%s\":", key);
}
