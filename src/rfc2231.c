/*
 * rfc2231.c — decode MIME parameter values written per RFC 2231 (charset,
 * language, %XX escapes, continuations). Pure: no I/O, no library types.
 * Lenient on purpose (VIOLATIONS.md): sections out of order, gaps, a
 * missing section 0 and bad escapes still give a value.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "rfc2231.h"
#include "xmalloc.h"

/* Most raw bytes gathered before charset conversion. */
#define RAW_MAX		(64 * 1024)
/* Longest charset name taken from a value. */
#define CHARSET_MAX	64

struct section {
	const char	*value;
	int		 extended;	/* written name*N* (or name*) */
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * What the parameter name pname is for name: -1 not ours (or plain name=),
 * -2 the single extended "name*", else the section number; *ext says
 * whether the section is extended ("name*N*").
 */
static long
section_of(const char *pname, const char *name, int *ext)
{
	size_t nl = strlen(name), digits = 0;
	const char *p;
	long num = 0;

	*ext = 0;
	if (strncasecmp(pname, name, nl) != 0 || pname[nl] != '*')
		return -1;
	p = pname + nl + 1;
	if (*p == '\0') {
		*ext = 1;
		return -2;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 9)
			return -1;	/* 10^9 and up: ignored */
		num = num * 10 + (*p - '0');
	}
	if (digits == 0)
		return -1;
	if (*p == '*') {
		*ext = 1;
		p++;
	}
	if (*p != '\0' || num >= RFC2231_MAX_SECTIONS)
		return -1;
	return num;
}

/* Append v to b, undoing %XX escapes; a bad escape stays as written. */
static void
add_pct(struct buf *b, const char *v)
{
	int hi, lo;

	for (; *v != '\0'; v++) {
		if (*v == '%' && (hi = hexval((unsigned char)v[1])) != -1 &&
		    (lo = hexval((unsigned char)v[2])) != -1) {
			if (buf_addch(b, (char)(hi << 4 | lo)) == -1)
				return;
			v += 2;
			continue;
		}
		if (buf_addch(b, *v) == -1)
			return;
	}
}

/*
 * Split "charset'lang'rest": copy the charset (when it looks like one) to
 * cs and return rest; without two quotes the whole value is the text.
 */
static const char *
split_charset(const char *v, char *cs, size_t cssz)
{
	const char *q1, *q2, *p;
	size_t n;

	cs[0] = '\0';
	if ((q1 = strchr(v, '\'')) == NULL || (q2 = strchr(q1 + 1, '\'')) == NULL)
		return v;
	n = (size_t)(q1 - v);
	if (n < cssz) {
		for (p = v; p < q1; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			    *p == '.' || *p == ':'))
				break;
		if (p == q1) {
			memcpy(cs, v, n);
			cs[n] = '\0';
		} else
			memcpy(cs, "x-invalid", sizeof("x-invalid"));
	} else
		memcpy(cs, "x-invalid", sizeof("x-invalid"));
	return q2 + 1;
}

char *
rfc2231_param(const struct rfc2231_param *params, size_t n, const char *name,
    size_t max, int *flags)
{
	struct section sec[RFC2231_MAX_SECTIONS];
	const char *single = NULL, *v;
	char cs[CHARSET_MAX], *raw, *res;
	struct buf b;
	size_t i, rlen;
	long num;
	int ext, found = 0, first = 1;

	if (flags != NULL)
		*flags = 0;
	memset(sec, 0, sizeof(sec));
	for (i = 0; i < n; i++) {
		if (params[i].name == NULL || params[i].value == NULL)
			continue;
		num = section_of(params[i].name, name, &ext);
		if (num == -1)
			continue;
		if (num == -2) {
			if (single == NULL)
				single = params[i].value;
			continue;
		}
		if (sec[num].value == NULL) {
			sec[num].value = params[i].value;
			sec[num].extended = ext;
			found = 1;
		}
	}
	if (single == NULL && !found)
		return NULL;
	cs[0] = '\0';
	buf_init(&b, RAW_MAX);
	if (single != NULL) {
		v = split_charset(single, cs, sizeof(cs));
		add_pct(&b, v);
	} else {
		for (i = 0; i < RFC2231_MAX_SECTIONS; i++) {
			if (sec[i].value == NULL)
				continue;
			v = sec[i].value;
			/* only section 0 names the charset */
			if (first && i == 0 && sec[i].extended)
				v = split_charset(v, cs, sizeof(cs));
			first = 0;
			if (sec[i].extended)
				add_pct(&b, v);
			else if (buf_addstr(&b, v) == -1)
				break;
		}
	}
	raw = buf_steal(&b, &rlen);
	res = charset_to_utf8(cs[0] != '\0' ? cs : NULL, raw, rlen, max, flags);
	free(raw);
	return res;
}
