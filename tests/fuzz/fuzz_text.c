/*
 * fuzz_text.c — the text extraction that mime_parse() does for each part,
 * driven directly so the fuzzer need not first find a MIME structure:
 *
 *	CHARSET NUL BYTES		charset_to_utf8(), then html2text()
 *					and html_image_refs() on the UTF-8,
 *					then quote_strip()
 *
 * and the same bytes as RFC 2231 parameters (name NUL value NUL …) for
 * rfc2231_param(). Properties: every output is valid UTF-8 within its
 * maximum.
 */
#include "charset.h"
#include "html2text.h"
#include "quote.h"
#include "rfc2231.h"

#include "fuzz.h"

#define OUT_MAX		(256 * 1024)
#define NPARAMS		16

static void
ref_cb(const char *value, void *arg)
{
	size_t *n = arg;

	fuzz_check(value != NULL);
	*n += strlen(value);
}

static void
check_utf8(const char *s, size_t max)
{
	fuzz_check(s != NULL);
	fuzz_check(strlen(s) <= max);
	fuzz_check(charset_utf8_valid(s, strlen(s)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[2 * NPARAMS];
	size_t len[2 * NPARAMS], n, i, refs = 0;
	struct rfc2231_param params[NPARAMS];
	char *charset, *bytes, *u, *t, *q, *copy[2 * NPARAMS];
	int flags;

	n = fuzz_split(data, size, 0, piece, len, 2);
	charset = n == 2 ? fuzz_strndup(piece[0], len[0]) : NULL;
	bytes = fuzz_dup(piece[n - 1], len[n - 1]);

	u = charset_to_utf8(charset, bytes, len[n - 1], OUT_MAX, &flags);
	check_utf8(u, OUT_MAX);
	t = html2text(u, strlen(u), OUT_MAX);
	check_utf8(t, OUT_MAX);
	fuzz_check(html_image_refs(u, strlen(u), 64, ref_cb, &refs) <= 64);
	q = quote_strip(t, strlen(t));
	check_utf8(q, OUT_MAX);
	free(q);
	free(t);
	free(u);
	free(bytes);
	free(charset);

	/* RFC 2231: name NUL value NUL name NUL value … */
	n = fuzz_split(data, size, 0, piece, len, 2 * NPARAMS);
	for (i = 0; i < n; i++)
		copy[i] = fuzz_strndup(piece[i], len[i]);
	for (i = 0; i + 1 < n; i += 2) {
		params[i / 2].name = copy[i];
		params[i / 2].value = copy[i + 1];
	}
	if (n >= 2) {
		/* the name the first parameter continues ("a" of "a*0*") */
		q = fuzz_strndup((const uint8_t *)copy[0], strcspn(copy[0],
		    "*"));
		u = rfc2231_param(params, n / 2, q, 4096, &flags);
		free(q);
		if (u != NULL)
			check_utf8(u, 4096);
		free(u);
		u = rfc2231_param(params, n / 2, "filename", 4096, &flags);
		if (u != NULL)
			check_utf8(u, 4096);
		free(u);
	}
	for (i = 0; i < n; i++)
		free(copy[i]);
	return 0;
}
