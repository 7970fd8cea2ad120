/*
 * rfc2231.h — MIME parameter values in RFC 2231 form: charset and language
 * (name*=utf-8'en'%E2%82%AC.pdf) and continuations (name*0*=…; name*1=…).
 * A pure decoder over (name, value) pairs as a MIME parser hands them out;
 * libetpan gives them raw and does not decode RFC 2231 itself.
 */
#ifndef TICKETD_RFC2231_H
#define TICKETD_RFC2231_H

#include <stddef.h>

/* Most sections of one continued value looked at; higher numbers are ignored. */
#define RFC2231_MAX_SECTIONS	64

struct rfc2231_param {
	const char	*name;	/* as written, e.g. "filename*0*" */
	const char	*value;	/* unquoted value */
};

/*
 * The value of parameter name (e.g. "filename") among params[0..n), decoded
 * from its RFC 2231 form: a single extended name*=charset'lang'value, else
 * the sections name*0, name*0*, name*1, … joined in number order (sections
 * may come in any order; gaps are skipped; duplicates: the first wins;
 * numbers ≥ RFC2231_MAX_SECTIONS or not plain decimal are ignored). The
 * charset comes from the first extended section when it is section 0 (or
 * the single extended value); %XX escapes are undone in extended sections
 * only, and a bad escape stays literal. The bytes are converted to UTF-8 by
 * charset_to_utf8() (undeclared or missing charset: UTF-8 if valid, else
 * windows-1252), at most max bytes.
 * Returns a new string (may be ""), or NULL when params hold no RFC 2231
 * form of name (the caller then looks at the plain name=). *flags (may be
 * NULL) gets CHARSET_BAD for an unknown charset or bad bytes.
 */
char	*rfc2231_param(const struct rfc2231_param *params, size_t n,
	    const char *name, size_t max, int *flags);

#endif
