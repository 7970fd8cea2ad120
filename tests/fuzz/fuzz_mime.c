/*
 * fuzz_mime.c — a raw mail through mime_parse() (libetpan's MIME and
 * header parsers, charset conversion, html2text, RFC 2231 and 2047 names,
 * TNEF, reports), then what the pipeline does next with the result: the
 * Authentication-Results found by the header walk through
 * authres_verified_at(), the list-mail rules, the subject tag and the
 * quote stripping of the body.
 *
 * Properties (mail.h): subject, body and names are valid UTF-8, the
 * subject one line within its cap, the body within its cap, every part
 * has a file name without a path or control bytes.
 */
#include "authres.h"
#include "charset.h"
#include "limits.h"
#include "mail.h"
#include "mime.h"
#include "quote.h"
#include "rules.h"
#include "thread.h"

#include "fuzz.h"

static void
check_text(const char *s, size_t max)
{
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s);
	fuzz_check(len <= max);
	fuzz_check(charset_utf8_valid(s, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authres_field f[LIMIT_AUTHRES_HEADERS];
	struct mail m;
	const char *why, *dom;
	char *raw, *q, whybuf[512];
	long long number;
	size_t i, n;

	raw = fuzz_dup(data, size);
	mime_parse(raw, size, NULL, &m);

	check_text(m.subject, LIMIT_SUBJECT_BYTES);
	if (m.subject != NULL)
		fuzz_check(strpbrk(m.subject, "\r\n") == NULL);
	check_text(m.body, LIMIT_BODY_BYTES);
	check_text(m.from_name, LIMIT_BODY_BYTES);
	for (i = 0; i < m.nparts; i++) {
		const char *fn = m.parts[i].filename;

		fuzz_check(fn != NULL && fn[0] != '\0' && fn[0] != '.');
		fuzz_check(strpbrk(fn, "/\\") == NULL);
		for (n = 0; fn[n] != '\0'; n++)
			fuzz_check((unsigned char)fn[n] >= 0x20 &&
			    fn[n] != 0x7f);
		check_text(fn, LIMIT_BODY_BYTES);
		fuzz_check(m.parts[i].data != NULL ||
		    (m.parts[i].flags & PART_F_DROPPED));
	}

	/* as the pipeline reads a mail (pipeline.c, authenticate()) */
	for (n = 0; n < m.nauthres && n < LIMIT_AUTHRES_HEADERS; n++) {
		f[n].value = m.authres[n].value;
		f[n].top = m.authres[n].top;
		f[n].received = m.authres[n].received;
	}
	dom = m.from_addr != NULL ? strrchr(m.from_addr, '@') : NULL;
	authres_verified_at(f, n, "mx.corp.example",
	    dom != NULL ? dom + 1 : "", whybuf, sizeof(whybuf));
	fuzz_check(charset_utf8_valid(whybuf, strlen(whybuf)));
	rules_list_mail(&m, &why);
	if (m.subject != NULL) {
		thread_subject_tag(m.subject, "IT", &number);
		free(thread_clean_subject(m.subject, "IT"));
	}
	if (m.body != NULL) {
		q = quote_strip(m.body, strlen(m.body));
		check_text(q, LIMIT_BODY_BYTES);
		free(q);
	}
	mail_clear(&m);
	free(raw);
	return 0;
}
