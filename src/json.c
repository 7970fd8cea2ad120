/*
 * json.c — JSON strings for the web page's API (see json.h).
 */
#include <string.h>

#include "buf.h"
#include "json.h"
#include "lex.h"

int
json_strn(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run;
	char e[7];
	size_t n;

	if (buf_addch(b, '"') == -1)
		return -1;
	run = p;
	while (p < end) {
		if (*p >= 0x80) {
			n = lex_utf8_len(p, end);
			if (n > 0) {
				p += n;
				continue;
			}
		} else if (*p >= 0x20 && *p != '"' && *p != '\\' &&
		    *p != '<' && *p != '>' && *p != '&' && *p != 0x7f) {
			p++;
			continue;
		}
		if (p > run && buf_add(b, run, (size_t)(p - run)) == -1)
			return -1;
		if (*p >= 0x80)
			memcpy(e, "\\ufffd", 7);
		else if (*p == '"' || *p == '\\') {
			e[0] = '\\';
			e[1] = (char)*p;
			e[2] = '\0';
		} else if (*p == '\n')
			memcpy(e, "\\n", 3);
		else if (*p == '\t')
			memcpy(e, "\\t", 3);
		else if (*p == '\r')
			memcpy(e, "\\r", 3);
		else {
			memcpy(e, "\\u00", 4);
			e[4] = hex[*p >> 4];
			e[5] = hex[*p & 15];
			e[6] = '\0';
		}
		if (buf_addstr(b, e) == -1)
			return -1;
		p++;
		run = p;
	}
	if (p > run && buf_add(b, run, (size_t)(p - run)) == -1)
		return -1;
	return buf_addch(b, '"');
}

int
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_addstr(b, "null");
	return json_strn(b, s, strlen(s));
}

int
json_key(struct buf *b, const char *key)
{
	return buf_printf(b, "\"%s\":", key);
}
