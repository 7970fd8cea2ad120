/*
 * test_authres.c — authres_verified() on Authentication-Results fields as
 * Gmail, Microsoft 365, Fastmail, OpenDKIM/OpenDMARC, rspamd and Exim
 * write them; forged fields from other servers and ones made to look like
 * ours; alignment decisions; the grammar's corners (comments, quoted
 * strings, versions, "none"); and hostile input (1 MB values, unbalanced
 * parentheses, 10,000 results, binary bytes, every prefix of a field).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

#define MX	"mx.corp.example"
#define GMAIL_DKIM \
	"dkim=pass header.i=@corp.example header.s=20230601 " \
	"header.b=AbCd+/12"
#define GMAIL_SPF \
	"spf=pass (google.com: domain of bob@corp.example designates " \
	"209.85.220.41 as permitted sender) smtp.mailfrom=bob@corp.example"
#define GMAIL_DMARC \
	"dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=corp.example"

/* authres_verified on heap copies of the values (exact size for ASan). */
static int
ar(const char *const *vals, size_t n, const char *id, const char *from,
    char *why, size_t whysz)
{
	char **copy;
	size_t i;
	int rc;

	copy = xcalloc(n > 0 ? n : 1, sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = vals[i] != NULL ? xstrdup(vals[i]) : NULL;
	rc = authres_verified((const char *const *)copy, n, id, from, why,
	    whysz);
	for (i = 0; i < n; i++)
		free(copy[i]);
	free(copy);
	return rc;
}

#define NV 4
static const struct {
	const char	*name;
	const char	*v[NV];		/* up to NV values, NULL-ended */
	const char	*id, *from;
	int		 want;
	const char	*why;		/* substring of why */
} tab[] = {
	/* --- real-world shapes --- */
	{ "gmail: dmarc pass",
	  { "mx.google.com;\r\n       " GMAIL_DKIM ";\r\n       " GMAIL_SPF
	    ";\r\n       " GMAIL_DMARC },
	  "mx.google.com", "corp.example", 1, "dmarc=pass from mx.google.com" },
	{ "gmail: unfolded",
	  { "mx.google.com; " GMAIL_DKIM "; " GMAIL_SPF "; " GMAIL_DMARC },
	  "mx.google.com", "corp.example", 1, "dmarc=pass from mx.google.com" },
	{ "gmail: dmarc fail wins over an aligned dkim pass",
	  { "mx.google.com; " GMAIL_DKIM "; " GMAIL_SPF "; dmarc=fail "
	    "(p=NONE sp=NONE dis=NONE) header.from=corp.example" },
	  "mx.google.com", "corp.example", 0,
	  "dmarc=fail from mx.google.com (it wins over any pass)" },
	{ "gmail: only spf",
	  { "mx.google.com; " GMAIL_SPF "; dmarc=none (p=NONE sp=NONE "
	    "dis=NONE) header.from=corp.example" },
	  "mx.google.com", "corp.example", 0, "dmarc=none from mx.google.com" },
	{ "gmail: spf pass alone",
	  { "mx.google.com; " GMAIL_SPF },
	  "mx.google.com", "corp.example", 0, "only spf=pass" },
	{ "gmail: arc comment mentioning dmarc=pass is not a result",
	  { "mx.google.com; arc=pass (i=1 spf=pass spfdomain=corp.example "
	    "dkim=pass dkdomain=corp.example dmarc=pass fromdomain="
	    "corp.example); " GMAIL_SPF },
	  "mx.google.com", "corp.example", 0, "only spf=pass" },
	{ "microsoft 365: no authserv-id, never counts",
	  { "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=corp.example; "
	    "dkim=pass (signature was verified) header.d=corp.example;"
	    "dmarc=pass action=none header.from=corp.example;"
	    "compauth=pass reason=100" },
	  MX, "corp.example", 0, "no Authentication-Results from " MX
	  " (1 with another authserv-id ignored)" },
	{ "microsoft 365 shape behind our authserv-id",
	  { MX "; spf=pass (sender IP is 40.107.1.2) smtp.mailfrom="
	    "corp.example; dkim=pass (signature was verified) header.d="
	    "corp.example;dmarc=pass action=none header.from=corp.example;"
	    "compauth=pass reason=100" },
	  MX, "corp.example", 1, "dmarc=pass from " MX },
	{ "microsoft 365: dkim only, action= without ptype",
	  { MX "; spf=fail (sender IP is 1.2.3.4) smtp.mailfrom=x.example; "
	    "dkim=pass (signature was verified) header.d=corp.example;"
	    "dmarc=bestguesspass action=none header.from=corp.example;"
	    "compauth=pass reason=109" },
	  MX, "corp.example", 1, "dkim=pass for corp.example" },
	{ "fastmail ARC form i=1 is not ours",
	  { "i=1; mx.messagingengine.com; arc=none (no signatures found); "
	    "dkim=pass (2048-bit rsa key sha256) header.d=corp.example "
	    "header.i=@corp.example header.b=Xyz12345 header.a=rsa-sha256 "
	    "header.s=fm1 x-bits=2048; dmarc=pass policy.published-domain-"
	    "policy=reject header.from=corp.example" },
	  "mx.messagingengine.com", "corp.example", 0,
	  "no Authentication-Results" },
	{ "fastmail A-R",
	  { "mx.messagingengine.com; arc=none (no signatures found); "
	    "dkim=pass (2048-bit rsa key sha256) header.d=corp.example "
	    "header.i=@corp.example header.b=Xyz12345 header.a=rsa-sha256 "
	    "header.s=fm1 x-bits=2048; dmarc=none policy.published-domain-"
	    "policy=none header.from=corp.example; iprev=pass smtp.remote-"
	    "ip=1.2.3.4 (mail.corp.example); spf=pass smtp.mailfrom="
	    "bob@corp.example smtp.helo=mail.corp.example; x-aligned-from="
	    "pass (Address match); x-me-sender=none; x-ptr=pass "
	    "smtp.helo=mail.corp.example policy.ptr=mail.corp.example" },
	  "mx.messagingengine.com", "corp.example", 0,
	  "dmarc=none from mx.messagingengine.com (it wins" },
	{ "fastmail A-R, dmarc pass",
	  { "mx.messagingengine.com; arc=none (no signatures found); "
	    "dkim=pass (2048-bit rsa key sha256) header.d=corp.example "
	    "header.i=@corp.example header.b=Xyz12345; dmarc=pass "
	    "policy.published-domain-policy=reject header.from=corp.example" },
	  "mx.messagingengine.com", "corp.example", 1, "dmarc=pass" },
	{ "opendkim + opendmarc, folded with tabs",
	  { MX ";\r\n\tdkim=pass (2048-bit key; unprotected) header.d="
	    "corp.example header.i=@corp.example header.a=rsa-sha256 "
	    "header.s=mail header.b=Xyz12345;\r\n\tdkim-atps=neutral",
	    "mx.corp.example; dmarc=pass (p=reject dis=none) header.from="
	    "corp.example" },
	  MX, "corp.example", 1, "from " MX },
	{ "rspamd",
	  { MX "; dkim=pass header.d=corp.example header.s=dkim "
	    "header.b=abcdEFGH; spf=pass (" MX ": domain of bob@corp.example "
	    "designates 10.0.0.1 as permitted sender) smtp.mailfrom="
	    "bob@corp.example; dmarc=pass (policy=reject) header.from="
	    "corp.example" },
	  MX, "corp.example", 1, "dmarc=pass from " MX },
	{ "exim",
	  { MX "; iprev=pass (mail.corp.example) smtp.remote-ip=10.0.0.1; "
	    "spf=pass smtp.mailfrom=corp.example; dkim=pass header.d="
	    "corp.example header.s=s1 header.a=rsa-sha256; dmarc=pass "
	    "header.from=corp.example; arc=none" },
	  MX, "corp.example", 1, "dmarc=pass" },
	/* --- forgeries --- */
	{ "forged field from another authserv-id",
	  { "mx.evil.example; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results from " MX },
	{ "ours fails, foreign pass below ignored",
	  { MX "; dmarc=fail header.from=corp.example",
	    "mx.evil.example; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "dmarc=fail from " MX },
	{ "a forged pass below our fail: the fail wins",
	  { MX "; dmarc=fail header.from=corp.example",
	    MX "; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "dmarc=fail from " MX " (it wins" },
	{ "a forged pass above our none: the none wins",
	  { MX "; dmarc=pass header.from=corp.example",
	    MX "; dkim=pass header.d=corp.example",
	    MX "; dmarc=none header.from=corp.example" },
	  MX, "corp.example", 0, "dmarc=none from " MX " (it wins" },
	{ "our dmarc fail for another From domain is no veto",
	  { MX "; dmarc=fail header.from=other.example",
	    MX "; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass from " MX },
	{ "dmarc temperror vetoes",
	  { MX "; dkim=pass header.d=corp.example",
	    MX "; dmarc=temperror header.from=corp.example" },
	  MX, "corp.example", 0, "dmarc=temperror" },
	{ "dkim fail next to a dmarc pass (by SPF) is no veto",
	  { MX "; dkim=fail header.d=corp.example",
	    MX "; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "authserv-id compared case-insensitively",
	  { "MX.Corp.Example; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "our id as a prefix of theirs",
	  { MX ".evil.example; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results" },
	{ "theirs a prefix of our id",
	  { "mx.corp; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results" },
	{ "quoted authserv-id not counted",
	  { "\"" MX "\"; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results" },
	{ "comment before the authserv-id not counted",
	  { "(hi) " MX "; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results" },
	{ "authserv-id glued to more characters",
	  { MX "=x; dmarc=pass" },
	  MX, "corp.example", 0, "malformed" },
	{ "our id inside an ARC-style prefix",
	  { "i=1; " MX "; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "no Authentication-Results" },
	/* --- versions, none --- */
	{ "version 1",
	  { MX " 1; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "version 01 with a comment",
	  { MX " (v) 01 (x); dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "version 2 ignored",
	  { MX " 2; dmarc=pass header.from=corp.example" },
	  MX, "corp.example", 0, "unknown version" },
	{ "huge version ignored",
	  { MX " 100000000000000000000001; dmarc=pass" },
	  MX, "corp.example", 0, "unknown version" },
	{ "none",
	  { MX "; none" },
	  MX, "corp.example", 0, "no dmarc or dkim result" },
	{ "none with comments",
	  { MX " ; (nothing) none (really)" },
	  MX, "corp.example", 0, "no dmarc or dkim result" },
	{ "authserv-id alone",
	  { MX },
	  MX, "corp.example", 0, "no dmarc or dkim result" },
	{ "none, then a second field of ours with a pass",
	  { MX "; none", MX "; dkim=pass header.d=corp.example" },
	  MX, "corp.example", 1, "dkim=pass for corp.example" },
	/* --- dmarc --- */
	{ "DMARC=PASS upper case",
	  { MX "; DMARC=PASS HEADER.FROM=CORP.EXAMPLE" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "dmarc pass for another From",
	  { MX "; dmarc=pass header.from=evil.example" },
	  MX, "corp.example", 0,
	  "dmarc=pass for evil.example does not match From domain "
	  "corp.example" },
	{ "dmarc pass for a subdomain is another From",
	  { MX "; dmarc=pass header.from=sub.corp.example" },
	  MX, "corp.example", 0, "does not match" },
	{ "dmarc pass, header.from quoted",
	  { MX "; dmarc=pass header.from=\"corp.example\"" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "dmarc pass, header.from an address",
	  { MX "; dmarc=pass header.from=bob@corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "dmarc pass without header.from",
	  { MX "; dmarc=pass (p=reject)" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "dmarc pass, From domain with trailing dot and case",
	  { MX "; dmarc=pass header.from=corp.example." },
	  MX, "Corp.Example", 1, "dmarc=pass" },
	/* --- dkim alignment --- */
	{ "dkim pass for another domain",
	  { MX "; dkim=pass header.d=evil.example" },
	  MX, "corp.example", 0,
	  "dkim=pass for evil.example is not aligned with corp.example" },
	{ "dkim signer a subdomain of From",
	  { MX "; dkim=pass header.d=mail.corp.example" },
	  MX, "corp.example", 1, "dkim=pass for mail.corp.example" },
	{ "dkim signer a parent of From",
	  { MX "; dkim=pass header.d=corp.example" },
	  MX, "it.corp.example", 1, "dkim=pass for corp.example" },
	{ "dkim signer a top-level label only",
	  { MX "; dkim=pass header.d=example" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim signer a sibling (no PSL: not aligned)",
	  { MX "; dkim=pass header.d=a.corp.example" },
	  MX, "b.corp.example", 0, "not aligned" },
	{ "dkim signer ends like From without a dot",
	  { MX "; dkim=pass header.d=notcorp.example" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim signer From plus a suffix",
	  { MX "; dkim=pass header.d=corp.example.evil" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim header.i only",
	  { MX "; dkim=pass header.i=@corp.example" },
	  MX, "corp.example", 1, "dkim=pass for corp.example" },
	{ "dkim header.i user@, case, trailing dot",
	  { MX "; dkim=pass header.i=bob@Corp.Example." },
	  MX, "corp.example", 1, "dkim=pass for Corp.Example" },
	{ "dkim header.d wins over header.i",
	  { MX "; dkim=pass header.d=evil.example header.i=@corp.example" },
	  MX, "corp.example", 0, "dkim=pass for evil.example" },
	{ "dkim pass without d or i",
	  { MX "; dkim=pass header.s=sel header.b=abc" },
	  MX, "corp.example", 0, "without header.d or header.i" },
	{ "dkim fail",
	  { MX "; dkim=fail reason=\"signature verification failed\" "
	    "header.d=corp.example" },
	  MX, "corp.example", 0, "dkim=fail from " MX },
	{ "dkim neutral, DKIM upper case",
	  { MX "; DKIM=Neutral (body hash did not verify) header.d="
	    "corp.example" },
	  MX, "corp.example", 0, "dkim=Neutral" },
	{ "dkim header.d with a leading dot",
	  { MX "; dkim=pass header.d=.corp.example" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim header.d with an empty label",
	  { MX "; dkim=pass header.d=corp..example" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim header.d quoted with a space",
	  { MX "; dkim=pass header.d=\"corp example\"" },
	  MX, "corp.example", 0, "not aligned" },
	{ "dkim header.d quoted",
	  { MX "; dkim=pass header.d=\"corp.example\"" },
	  MX, "corp.example", 1, "dkim=pass for corp.example" },
	{ "dkim method version",
	  { MX "; dkim/1=pass header.d=corp.example" },
	  MX, "corp.example", 1, "dkim=pass" },
	{ "one aligned dkim among several",
	  { MX "; dkim=pass header.d=esp.example; dkim=pass header.d="
	    "corp.example" },
	  MX, "corp.example", 1, "dkim=pass for corp.example" },
	/* --- explanations: the most useful one wins --- */
	{ "unaligned pass beats spf-only",
	  { MX "; spf=pass smtp.mailfrom=corp.example",
	    MX "; dkim=pass header.d=esp.example" },
	  MX, "corp.example", 0, "dkim=pass for esp.example is not aligned" },
	{ "fail beats malformed",
	  { MX "; dmarc=pass (", MX "; dmarc=fail" },
	  MX, "corp.example", 0, "dmarc=fail" },
	/* --- grammar corners --- */
	{ "semicolon inside a comment starts no result",
	  { MX "; spf=pass (x; dmarc=pass) smtp.mailfrom=corp.example" },
	  MX, "corp.example", 0, "only spf=pass" },
	{ "semicolon inside a quoted string starts no result",
	  { MX "; dkim=fail reason=\"x; dmarc=pass header.from=corp.example\"" },
	  MX, "corp.example", 0, "dkim=fail" },
	{ "quoted local part with a semicolon",
	  { MX "; spf=pass smtp.mailfrom=\"a;dmarc=pass\"@evil.example; "
	    "dmarc=fail header.from=corp.example" },
	  MX, "corp.example", 0, "dmarc=fail" },
	{ "escaped quote inside a quoted string",
	  { MX "; dkim=fail reason=\"a \\\"; dmarc=pass\"" },
	  MX, "corp.example", 0, "dkim=fail" },
	{ "nested comments",
	  { MX " ((a)(b(c\\)))); dmarc=pass ((x) y) header.from=corp.example" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "white space everywhere",
	  { "  " MX "  ;  dmarc  =  pass  header . from  =  corp.example  ; " },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "no space around semicolons, trailing semicolon",
	  { MX ";dkim=none;dmarc=pass header.from=corp.example;" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "empty results between semicolons",
	  { MX ";;; dmarc=pass;;" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "utf-8 in a comment and a value",
	  { MX "; dmarc=pass (Zürich \xe2\x9c\x93) header.from=corp.example "
	    "policy.x=b\xc3\xa4r" },
	  MX, "corp.example", 1, "dmarc=pass" },
	{ "empty pvalue",
	  { MX "; spf=none smtp.mailfrom=; dmarc=pass" },
	  MX, "corp.example", 1, "dmarc=pass" },
	/* --- malformed: the whole field counts for nothing --- */
	{ "unbalanced parenthesis",
	  { MX "; dmarc=pass header.from=corp.example (oops" },
	  MX, "corp.example", 0, "unterminated comment" },
	{ "stray closing parenthesis",
	  { MX "; dmarc=pass) header.from=corp.example" },
	  MX, "corp.example", 0, "malformed" },
	{ "unterminated quoted string",
	  { MX "; dmarc=pass header.from=\"corp.example" },
	  MX, "corp.example", 0, "unterminated quoted string" },
	{ "pass, then garbage later in the field",
	  { MX "; dmarc=pass header.from=corp.example; spf=pass \\x" },
	  MX, "corp.example", 0, "malformed" },
	{ "result without =",
	  { MX "; dmarc" },
	  MX, "corp.example", 0, "malformed" },
	{ "no semicolon after the id",
	  { MX " dmarc=pass" },
	  MX, "corp.example", 0, "malformed" },
	{ "result missing",
	  { MX "; dmarc= ; dkim=pass header.d=corp.example" },
	  MX, "corp.example", 0, "result expected" },
	{ "property without =",
	  { MX "; dmarc=pass header.from" },
	  MX, "corp.example", 0, "malformed" },
	{ "property name missing",
	  { MX "; dmarc=pass header.=corp.example" },
	  MX, "corp.example", 0, "property name expected" },
	{ "header.d twice",
	  { MX "; dkim=pass header.d=evil.example header.d=corp.example" },
	  MX, "corp.example", 0, "given twice" },
	{ "header.from twice",
	  { MX "; dmarc=pass header.from=evil.example header.from="
	    "corp.example" },
	  MX, "corp.example", 0, "given twice" },
	{ "method version missing",
	  { MX "; dkim/=pass header.d=corp.example" },
	  MX, "corp.example", 0, "method version expected" },
	/* --- odd arguments --- */
	{ "empty value",
	  { "" },
	  MX, "corp.example", 0, "no Authentication-Results from " MX },
	{ "From given as an address",
	  { MX "; dmarc=pass header.from=corp.example" },
	  MX, "bob@corp.example", 1, "dmarc=pass" },
	{ "From domain empty",
	  { MX "; dmarc=pass" },
	  MX, "bob@", 0, "no usable From domain" },
	{ "From domain with a control byte",
	  { MX "; dmarc=pass" },
	  MX, "corp\x01.example", 0, "no usable From domain" },
};

static void
test_table(void)
{
	char why[256];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		for (n = 0; n < NV && tab[i].v[n] != NULL; n++)
			;
		why[0] = '\0';
		rc = ar(tab[i].v, n, tab[i].id, tab[i].from, why, sizeof(why));
		if (rc != tab[i].want || strstr(why, tab[i].why) == NULL) {
			fprintf(stderr, "# case \"%s\": got %d \"%s\", want %d "
			    "\"%s\"\n", tab[i].name, rc, why, tab[i].want,
			    tab[i].why);
			t_failed_now = 1;
		}
	}
	T_CHECK(i >= 50);
}

static void
test_args(void)
{
	const char *v[] = { NULL, MX "; dmarc=pass" };
	char why[128];

	T_INTEQ(authres_verified(NULL, 0, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_STREQ(why, "no Authentication-Results from " MX);
	T_INTEQ(authres_verified(NULL, 3, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_INTEQ(authres_verified(v, 2, MX, "corp.example", why,
	    sizeof(why)), 1);
	T_STREQ(why, "dmarc=pass from " MX);
	T_INTEQ(authres_verified(v, 2, NULL, "corp.example", why,
	    sizeof(why)), 0);
	T_STREQ(why, "no authserv_id configured");
	T_INTEQ(authres_verified(v, 2, "", "corp.example", why,
	    sizeof(why)), 0);
	T_INTEQ(authres_verified(v, 2, MX, NULL, why, sizeof(why)), 0);
	T_STREQ(why, "no usable From domain");
	/* why optional, and cut to its size */
	T_INTEQ(authres_verified(v, 2, MX, "corp.example", NULL, 0), 1);
	T_INTEQ(authres_verified(v, 2, MX, "corp.example", why, 6), 1);
	T_STREQ(why, "dmarc");
	T_INTEQ(authres_verified(v, 2, MX, "corp.example", why, 1), 1);
	T_STREQ(why, "");
}

/* Text from the mail in why is printable ASCII and short. */
static void
test_why_hostile(void)
{
	char val[2048], why[512];
	const char *v[1] = { val };
	size_t i;

	snprintf(val, sizeof(val), MX "; dkim=pass header.d=\"e\x1b[31m"
	    "vil\r\n\x7f\xff.example\"");
	T_INTEQ(ar(v, 1, MX, "corp.example", why, sizeof(why)), 0);
	for (i = 0; why[i] != '\0'; i++)
		T_CHECK(why[i] >= 0x20 && why[i] < 0x7f);
	T_CHECK(strstr(why, "not aligned") != NULL);

	memset(val, 0, sizeof(val));
	memcpy(val, MX "; dmarc=pass header.from=", strlen(MX) + 25);
	memset(val + strlen(val), 'a', 1500);
	T_INTEQ(ar(v, 1, MX, "corp.example", why, sizeof(why)), 0);
	T_CHECK(strlen(why) < 200);
	T_CHECK(strstr(why, "...") != NULL);
}

/* 1 MB values: ours refused whole, others ignored, no pass believed. */
static void
test_huge_value(void)
{
	size_t sz = 1024 * 1024, off;
	char *big, why[256];
	const char *v[2];

	big = xmalloc(sz + 1);
	off = (size_t)snprintf(big, sz, MX "; dmarc=pass header.from="
	    "corp.example; spf=pass reason=\"");
	memset(big + off, 'x', sz - off);
	big[sz] = '\0';
	v[0] = big;
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_CHECK(strstr(why, "longer than") != NULL);

	/* just over and just at the cap */
	big[LIMIT_AUTHRES_BYTES + 1] = '\0';
	big[LIMIT_AUTHRES_BYTES] = '"';
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_CHECK(strstr(why, "longer than") != NULL);
	big[LIMIT_AUTHRES_BYTES] = '\0';
	big[LIMIT_AUTHRES_BYTES - 1] = '"';
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 1);

	/* a foreign one that big, then ours */
	memset(big, 'y', sz);
	big[sz] = '\0';
	v[0] = big;
	v[1] = MX "; dkim=pass header.d=corp.example";
	T_INTEQ(authres_verified(v, 2, MX, "corp.example", why,
	    sizeof(why)), 1);

	/* a million open parentheses, and closing ones */
	off = (size_t)snprintf(big, sz, MX "; dmarc=pass ");
	memset(big + off, '(', sz - off);
	big[LIMIT_AUTHRES_BYTES] = '\0';
	v[0] = big;
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_CHECK(strstr(why, "unterminated comment") != NULL);
	memset(big + off, ')', sz - off);
	big[LIMIT_AUTHRES_BYTES] = '\0';
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_CHECK(strstr(why, "malformed") != NULL);
	/* deep but balanced nesting is read */
	memset(big + off, '(', 4000);
	memset(big + off + 4000, ')', 4000);
	snprintf(big + off + 8000, sz - off - 8000, " header.from="
	    "corp.example");
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 1);
	free(big);
}

static char *
results(size_t n, const char *last)
{
	struct { char *p; size_t len; } b;
	size_t i, cap;

	cap = strlen(MX) + n * 16 + strlen(last) + 8;
	b.p = xmalloc(cap);
	b.len = (size_t)snprintf(b.p, cap, "%s", MX);
	for (i = 0; i < n; i++)
		b.len += (size_t)snprintf(b.p + b.len, cap - b.len,
		    "; x%zu=none", i % 10);
	snprintf(b.p + b.len, cap - b.len, "%s", last);
	return b.p;
}

static void
test_many_results(void)
{
	char *s, why[256];
	const char *v[1];

	/* exactly the cap, the last a pass */
	s = results(LIMIT_AUTHRES_RESULTS - 1, "; dmarc=pass");
	v[0] = s;
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 1);
	free(s);
	/* one more */
	s = results(LIMIT_AUTHRES_RESULTS, "; dmarc=pass");
	v[0] = s;
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	T_CHECK(strstr(why, "too many results") != NULL);
	free(s);
	/* a pass first, then 10,000 results (over the byte cap as well) */
	s = results(10000, "");
	memcpy(s + strlen(MX), "; dmarc=pass", 12);
	v[0] = s;
	T_INTEQ(authres_verified(v, 1, MX, "corp.example", why,
	    sizeof(why)), 0);
	free(s);
}

/* Only the first LIMIT_AUTHRES_HEADERS fields are looked at. */
static void
test_many_fields(void)
{
	const char *v[LIMIT_AUTHRES_HEADERS + 10];
	char why[256];
	size_t i;

	for (i = 0; i < LIMIT_AUTHRES_HEADERS + 10; i++)
		v[i] = "mx.other.example; dmarc=pass";
	v[LIMIT_AUTHRES_HEADERS - 1] = MX "; dmarc=pass";
	T_INTEQ(authres_verified(v, LIMIT_AUTHRES_HEADERS + 10, MX,
	    "corp.example", why, sizeof(why)), 1);
	v[LIMIT_AUTHRES_HEADERS - 1] = "mx.other.example; dmarc=pass";
	v[LIMIT_AUTHRES_HEADERS] = MX "; dmarc=pass";
	T_INTEQ(authres_verified(v, LIMIT_AUTHRES_HEADERS + 10, MX,
	    "corp.example", why, sizeof(why)), 0);
	T_CHECK(strstr(why, "only the first") != NULL);
	T_CHECK(strstr(why, "another authserv-id ignored") != NULL);
}

/* Every prefix of real fields, each an exact-size copy: never a crash. */
static void
test_prefixes(void)
{
	static const char *full[] = {
		"mx.google.com; " GMAIL_DKIM "; " GMAIL_SPF "; " GMAIL_DMARC,
		MX " 1 (c); dkim/1=pass (a \\) (b)) header.d=\"corp.example\""
		    " header.i=\"x\\\"y\"@corp.example; dmarc=pass",
	};
	const char *v[1];
	char *copy, why[256];
	size_t i, k, len;
	int rc;

	for (k = 0; k < sizeof(full) / sizeof(full[0]); k++) {
		len = strlen(full[k]);
		for (i = 0; i <= len; i++) {
			copy = xstrndup(full[k], i);
			v[0] = copy;
			rc = authres_verified(v, 1, k == 0 ? "mx.google.com" :
			    MX, "corp.example", why, sizeof(why));
			T_CHECK(rc == 0 || rc == 1);
			if (i == len)
				T_INTEQ(rc, 1);
			free(copy);
		}
	}
}

/* Random NUL-free bytes, alone and after our id: never a crash. */
static void
test_binary(void)
{
	char buf[600], why[256];
	const char *v[1] = { buf };
	unsigned long long x = 88172645463325252ULL;
	size_t i, j, off;
	int rc, passes = 0;

	for (i = 0; i < 20000; i++) {
		off = i % 2 == 0 ? 0 : (size_t)snprintf(buf, sizeof(buf),
		    MX "; ");
		for (j = off; j < sizeof(buf) - 1; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = (char)(1 + x % 255);
			/* some runs of grammar characters */
			if (i % 3 == 0 && x % 4 == 0)
				buf[j] = "(;)=\".\\ @"[x / 4 % 9];
		}
		buf[j] = '\0';
		rc = authres_verified(v, 1, MX, "corp.example", why,
		    sizeof(why));
		T_CHECK(rc == 0 || rc == 1);
		passes += rc;
	}
	T_INTEQ(passes, 0);
}

/*
 * Where the fields stand (authres.h): the real placements of each MTA
 * family are believed; forged fields below the MTA's block, below a
 * Received under our first field, or next to our fail are not.
 */
#define NP 6
static const struct {
	const char	*name;
	struct authres_field f[NP];	/* value NULL ends */
	int		 want;
	const char	*why;
} places[] = {
	/* real placements (see the comments in authres.h) */
	{ "postfix + upstream opendkim/opendmarc: below the MX Received, "
	  "under Dovecot LMTP's",
	  { { MX "; dmarc=pass header.from=corp.example", 1, 2 },
	    { MX "; dkim=pass header.d=corp.example", 1, 2 } },
	  1, "dmarc=pass" },
	{ "postfix + debian opendkim: above the MX Received",
	  { { MX "; dkim=pass header.d=corp.example", 1, 1 } },
	  1, "dkim=pass" },
	{ "rspamd milter (order 1): below the MX Received",
	  { { MX "; dkim=pass header.d=corp.example header.s=dkim; spf=pass "
	      "smtp.mailfrom=bob@corp.example; dmarc=pass (policy=reject) "
	      "header.from=corp.example", 1, 1 } },
	  1, "dmarc=pass" },
	{ "exim :at_start: at the very top, no delivery agent",
	  { { MX "; spf=pass smtp.mailfrom=corp.example; dkim=pass "
	      "header.d=corp.example; dmarc=pass header.from=corp.example",
	      1, 0 } },
	  1, "dmarc=pass" },
	{ "amavis re-injection: our fields under three Received",
	  { { MX "; dmarc=pass header.from=corp.example", 1, 3 } },
	  1, "dmarc=pass" },
	{ "the sender's own Received lines below ours do not matter",
	  { { MX "; dmarc=pass header.from=corp.example", 1, 1 },
	    { "mx.google.com; dmarc=pass header.from=corp.example", 1, 2 } },
	  1, "dmarc=pass" },
	/* forged below the real one */
	{ "forged pass below a Received under our fail (ours above the MX "
	  "Received)",
	  { { MX "; dmarc=fail header.from=corp.example", 1, 1 },
	    { MX "; dmarc=pass header.from=corp.example", 1, 2 } },
	  0, "dmarc=fail" },
	{ "forged pass below a Received under our none",
	  { { MX "; dkim=none", 1, 1 },
	    { MX "; dmarc=pass header.from=corp.example", 1, 2 } },
	  0, "dkim=none from " MX },
	{ "forged pass right below our fail: the fail wins",
	  { { MX "; dmarc=fail header.from=corp.example", 1, 1 },
	    { MX "; dmarc=pass header.from=corp.example", 1, 1 } },
	  0, "dmarc=fail from " MX " (it wins" },
	/* forged above a Received the sender wrote */
	{ "forged pass above the sender's fake Received, below ours",
	  { { MX "; dkim=pass header.d=esp.example", 1, 1 },
	    { MX "; dmarc=pass header.from=corp.example", 1, 2 } },
	  0, "not aligned" },
	{ "forged pass in the message, below From",
	  { { MX "; dmarc=pass header.from=corp.example", 0, 1 } },
	  0, "no Authentication-Results from " MX " in the receiving "
	  "server's block at the top of the header (1 further down ignored)" },
	{ "forged pass below From, under our real none",
	  { { MX "; dmarc=none header.from=corp.example", 1, 1 },
	    { MX "; dmarc=pass header.from=corp.example", 0, 1 } },
	  0, "dmarc=none" },
	{ "our first field outside the block does not fix the place",
	  { { MX "; dmarc=pass header.from=corp.example", 0, 0 },
	    { MX "; dmarc=fail header.from=corp.example", 1, 1 } },
	  0, "dmarc=fail" },
	/* two of ours that disagree */
	{ "two of ours disagree: fail wins whatever the order",
	  { { MX "; dmarc=pass header.from=corp.example", 1, 1 },
	    { MX "; dmarc=fail header.from=corp.example", 1, 1 } },
	  0, "dmarc=fail" },
	{ "two of ours: a dkim pass and a dmarc none",
	  { { MX "; dkim=pass header.d=corp.example", 1, 1 },
	    { MX "; dmarc=none header.from=corp.example", 1, 1 } },
	  0, "dmarc=none" },
	{ "foreign fields do not fix the place",
	  { { "mx.other.example; dmarc=pass", 1, 0 },
	    { MX "; dmarc=pass header.from=corp.example", 1, 1 } },
	  1, "dmarc=pass" },
	{ "NULL values are skipped",
	  { { NULL, 1, 0 } },
	  0, "no Authentication-Results" },
};

static void
test_places(void)
{
	char why[256];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		for (n = 1; n < NP && places[i].f[n].value != NULL; n++)
			;
		why[0] = '\0';
		rc = authres_verified_at(places[i].f, n, MX, "corp.example", why,
		    sizeof(why));
		if (rc != places[i].want || strstr(why, places[i].why) == NULL) {
			fprintf(stderr, "# case \"%s\": got %d \"%s\", want %d "
			    "\"%s\"\n", places[i].name, rc, why, places[i].want,
			    places[i].why);
			t_failed_now = 1;
		}
	}
	T_INTEQ(authres_verified_at(NULL, 3, MX, "corp.example", why,
	    sizeof(why)), 0);
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_args);
	T_RUN(test_places);
	T_RUN(test_why_hostile);
	T_RUN(test_huge_value);
	T_RUN(test_many_results);
	T_RUN(test_many_fields);
	T_RUN(test_prefixes);
	T_RUN(test_binary);
	return T_END();
}
