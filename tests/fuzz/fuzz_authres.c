/*
 * fuzz_authres.c — the Authentication-Results parser (RFC 8601), two ways:
 *
 *  - directly: the input is field bodies separated by NUL bytes, given to
 *    authres_verified() and, with places taken from their first bytes, to
 *    authres_verified_at();
 *  - through the header walk: the same bodies written as
 *    "Authentication-Results:" lines (between Received lines, above and
 *    below a From) into a mail that mime_parse() reads, whose fields then
 *    go to authres_verified_at() as the pipeline gives them.
 *
 * Properties (authres.h): the answer is 0 or 1; "why" is one line of
 * printable ASCII within its buffer; a forged field below the sender's
 * From never authenticates.
 */
#include "authres.h"
#include "buf.h"
#include "limits.h"
#include "mail.h"
#include "mime.h"

#include "fuzz.h"

#define NVAL		8
#define AUTHSERV	"mx.corp.example"
#define FROM_DOMAIN	"corp.example"

static void
check_why(const char *why, size_t sz)
{
	size_t i, len = strlen(why);

	fuzz_check(len < sz);
	for (i = 0; i < len; i++)
		fuzz_check(why[i] >= 0x20 && why[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[NVAL];
	size_t len[NVAL], n, i;
	char *val[NVAL], why[200], small[8];
	struct authres_field f[LIMIT_AUTHRES_HEADERS];
	struct buf b;
	struct mail m;
	char *raw;
	size_t rawlen;
	int rc;

	n = fuzz_split(data, size, 0, piece, len, NVAL);
	for (i = 0; i < n; i++)
		val[i] = fuzz_strndup(piece[i], len[i]);

	rc = authres_verified((const char *const *)val, n, AUTHSERV,
	    FROM_DOMAIN, why, sizeof(why));
	fuzz_check(rc == 0 || rc == 1);
	check_why(why, sizeof(why));
	rc = authres_verified((const char *const *)val, n, AUTHSERV,
	    "alice@" FROM_DOMAIN, small, sizeof(small));
	fuzz_check(rc == 0 || rc == 1);
	check_why(small, sizeof(small));
	for (i = 0; i < n; i++) {
		f[i].value = val[i];
		f[i].top = len[i] > 0 ? piece[i][0] & 1 : 1;
		f[i].received = len[i] > 1 ? piece[i][1] % 4 : 0;
	}
	rc = authres_verified_at(f, n, AUTHSERV, FROM_DOMAIN, why,
	    sizeof(why));
	fuzz_check(rc == 0 || rc == 1);
	check_why(why, sizeof(why));
	/* every field below the first one a mail program wrote */
	for (i = 0; i < n; i++)
		f[i].top = 0;
	fuzz_check(authres_verified_at(f, n, AUTHSERV, FROM_DOMAIN, why,
	    sizeof(why)) == 0);

	/* the header walk: fields above and below From, some below a
	 * Received */
	buf_init(&b, 16 * 1024 * 1024);
	buf_addstr(&b, "Received: from mx.corp.example by imap\r\n");
	for (i = 0; i < n; i++) {
		if (i == n / 2 + 1)
			buf_addstr(&b, "From: Alice <alice@corp.example>\r\n");
		else if (i == n / 2)
			buf_addstr(&b, "Received: by mx.corp.example\r\n");
		buf_addstr(&b, "Authentication-Results: ");
		buf_add(&b, piece[i], len[i]);
		buf_addstr(&b, "\r\n");
	}
	buf_addstr(&b, "Subject: hi\r\n\r\nbody\r\n");
	raw = buf_steal(&b, &rawlen);
	mime_parse(raw, rawlen, NULL, &m);
	for (i = 0; i < m.nauthres && i < LIMIT_AUTHRES_HEADERS; i++) {
		f[i].value = m.authres[i].value;
		f[i].top = m.authres[i].top;
		f[i].received = m.authres[i].received;
		fuzz_check(m.authres[i].value == NULL ||
		    strlen(m.authres[i].value) <= LIMIT_AUTHRES_BYTES + 1);
	}
	rc = authres_verified_at(f, i, AUTHSERV, FROM_DOMAIN, why,
	    sizeof(why));
	fuzz_check(rc == 0 || rc == 1);
	check_why(why, sizeof(why));
	mail_clear(&m);
	free(raw);
	buf_clear(&b);
	for (i = 0; i < n; i++)
		free(val[i]);
	return 0;
}
