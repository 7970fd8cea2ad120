/*
 * mimedump — a parsed mail as one JSON object, for the corpus tests.
 *
 *	mimedump [FILE]		(stdin without FILE)
 *
 * Runs mime_parse() and rules_classify() (desk it@corp.example, tag IT) on
 * the mail and prints what they found: the struct mail fields, the parts
 * without their bytes, and the verdict. Strings are escaped for JSON;
 * controls become \uXXXX and any byte that is not valid UTF-8 becomes
 * \uFFFD, so the output is valid JSON whatever the parser hands back.
 * Exits 0 after printing, 1 only when the input cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "mime.h"
#include "rules.h"
#include "xmalloc.h"

struct flag_name {
	int		 bit;
	const char	*name;
};

static const struct flag_name mail_flags[] = {
	{ MAIL_F_NOHEADERS, "NOHEADERS" },
	{ MAIL_F_MIME_ERROR, "MIME_ERROR" },
	{ MAIL_F_CHARSET_ERROR, "CHARSET_ERROR" },
	{ MAIL_F_TRUNCATED, "TRUNCATED" },
	{ MAIL_F_NO_MSGID, "NO_MSGID" },
	{ MAIL_F_REPORT, "REPORT" },
	{ MAIL_F_AUTOREPLY_HDR, "AUTOREPLY_HDR" },
	{ MAIL_F_PARTIAL, "PARTIAL" },
	{ MAIL_F_DROPPED_PARTS, "DROPPED_PARTS" },
	{ MAIL_F_REPORT_DSN, "REPORT_DSN" },
	{ 0, NULL }
};

static const struct flag_name part_flags[] = {
	{ PART_F_INLINE, "INLINE" },
	{ PART_F_IMAGE, "IMAGE" },
	{ PART_F_DROPPED, "DROPPED" },
	{ PART_F_FORWARDED, "FORWARDED" },
	{ PART_F_TNEF, "TNEF" },
	{ PART_F_REFERENCED, "REFERENCED" },
	{ 0, NULL }
};

/*
 * Length of the valid UTF-8 sequence at p (n bytes left), or 0 when the
 * bytes there are not one (overlong forms, surrogates and code points past
 * U+10FFFF included).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned int c;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

static void
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	n = strlen(s);
	putchar('"');
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			putchar('\\');
			putchar(*p);
			p++;
			n--;
			continue;
		}
		if (*p == '\n' || *p == '\t') {
			fputs(*p == '\n' ? "\\n" : "\\t", stdout);
			p++;
			n--;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p);
			p++;
			n--;
			continue;
		}
		k = utf8_seq(p, n);
		if (k == 0) {
			fputs("\\ufffd", stdout);
			p++;
			n--;
			continue;
		}
		fwrite(p, 1, k, stdout);
		p += k;
		n -= k;
	}
	putchar('"');
}

static void
json_key(const char *key, int first)
{
	if (!first)
		putchar(',');
	fputs("\n  ", stdout);
	json_str(key);
	putchar(':');
}

static void
json_kstr(const char *key, const char *value)
{
	json_key(key, 0);
	json_str(value);
}

static void
json_flags(const struct flag_name *names, int flags)
{
	int first = 1, known = 0;

	putchar('[');
	for (; names->name != NULL; names++) {
		known |= names->bit;
		if ((flags & names->bit) == 0)
			continue;
		if (!first)
			putchar(',');
		json_str(names->name);
		first = 0;
	}
	if (flags & ~known)
		printf("%s\"0x%x\"", first ? "" : ",", (unsigned int)(flags & ~known));
	putchar(']');
}

static void
json_addrs(const char *key, const struct mail_addr *a, size_t n)
{
	size_t i;

	json_key(key, 0);
	putchar('[');
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", {\"addr\":" : "{\"addr\":", stdout);
		json_str(a[i].addr);
		fputs(",\"name\":", stdout);
		json_str(a[i].name);
		putchar('}');
	}
	putchar(']');
}

static void
json_parts(const struct mail *m)
{
	const struct mail_part *pt;
	size_t i;

	json_key("parts", 0);
	putchar('[');
	for (i = 0; i < m->nparts; i++) {
		pt = &m->parts[i];
		fputs(i > 0 ? ",\n    {" : "\n    {", stdout);
		fputs("\"filename\":", stdout);
		json_str(pt->filename);
		fputs(",\"media_type\":", stdout);
		json_str(pt->media_type);
		fputs(",\"content_id\":", stdout);
		json_str(pt->content_id);
		printf(",\"size\":%zu,\"has_data\":%s,\"flags\":", pt->size,
		    pt->data != NULL ? "true" : "false");
		json_flags(part_flags, pt->flags);
		putchar('}');
	}
	putchar(']');
}

/* The whole input in a new buffer; NULL with errno on a read error. */
static char *
slurp(FILE *f, size_t *lenp)
{
	char *p = NULL;
	size_t len = 0, cap = 0, got;

	for (;;) {
		if (cap - len < 65536) {
			if (cap >= (size_t)LIMIT_MAIL_BYTES_MAX) {
				errno = EFBIG;
				free(p);
				return NULL;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			p = xreallocarray(p, cap, 1);
		}
		got = fread(p + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				free(p);
				return NULL;
			}
			break;
		}
	}
	*lenp = len;
	return p;
}

int
main(int argc, char *argv[])
{
	static const char *verdicts[] = { "ticket", "failed", "loop" };
	struct config cfg;
	struct mail m;
	FILE *f = stdin;
	const char *why = NULL;
	enum rules_verdict v;
	char *raw;
	size_t len, i;
	int rc;

	log_init("mimedump", 0, 0);
	if (argc > 2) {
		fprintf(stderr, "usage: mimedump [FILE]\n");
		return 2;
	}
	if (argc == 2 && (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "mimedump: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	raw = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (raw == NULL) {
		fprintf(stderr, "mimedump: read: %s\n", strerror(errno));
		return 1;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.helpdesk.address = "it@corp.example";
	cfg.helpdesk.tag = "IT";
	cfg.helpdesk.trust = TRUST_FROM;

	rc = mime_parse(raw, len, NULL, &m);
	v = rules_classify(&cfg, &m, rc, &why);

	printf("{");
	json_key("rc", 1);
	printf("%d", rc);
	json_kstr("verdict", (unsigned int)v < sizeof(verdicts) /
	    sizeof(verdicts[0]) ? verdicts[v] : "unknown");
	json_kstr("why", why);
	json_kstr("message_id", m.message_id);
	json_kstr("in_reply_to", m.in_reply_to);
	json_key("references", 0);
	putchar('[');
	for (i = 0; i < m.nrefs; i++) {
		if (i > 0)
			putchar(',');
		json_str(m.references[i]);
	}
	putchar(']');
	json_kstr("from_addr", m.from_addr);
	json_kstr("from_name", m.from_name);
	json_kstr("reply_to", m.reply_to);
	json_kstr("return_path", m.return_path);
	json_kstr("x_loop", m.x_loop);
	json_kstr("auto_submitted", m.auto_submitted);
	json_kstr("precedence", m.precedence);
	json_kstr("subject", m.subject);
	json_key("date", 0);
	printf("%lld", (long long)m.date);
	json_key("flags", 0);
	json_flags(mail_flags, m.flags);
	json_addrs("to", m.to, m.nto);
	json_addrs("cc", m.cc, m.ncc);
	json_addrs("delivered_to", m.delivered_to, m.ndelivered_to);
	json_kstr("report_msgid", m.report_msgid);
	json_kstr("report_rcpt", m.report_rcpt);
	json_kstr("report_action", m.report_action);
	json_parts(&m);
	json_kstr("body", m.body);
	printf("\n}\n");

	mail_clear(&m);
	free(raw);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mimedump: write: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
