/*
 * test_config.c — config_load() against real files in a mkdtemp(3)
 * directory: every key, the defaults, each kind of error with its exact
 * "FILE:LINE:" prefix, password files, URLs, sizes, durations, categories.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/test_config.XXXXXX";
static char	*conf;			/* tmpdir/ticketd.conf */
static char	*made[64];		/* files to remove at the end */
static size_t	 nmade;

/* Write tmpdir/name with mode; returns the path (owned by made[]). */
static const char *
put(const char *name, const char *content, mode_t mode)
{
	char *path;
	size_t i;
	int fd;

	path = xasprintf("%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, content, strlen(content)) !=
	    (ssize_t)strlen(content) || fchmod(fd, mode) == -1 ||
	    close(fd) == -1) {
		perror(path);
		exit(2);
	}
	for (i = 0; i < nmade; i++) {
		if (strcmp(made[i], path) == 0) {
			free(path);
			return made[i];
		}
	}
	if (nmade == sizeof(made) / sizeof(made[0])) {
		fprintf(stderr, "too many files\n");
		exit(2);
	}
	made[nmade++] = path;
	return path;
}

/* Load text as the config file; the returned errstr is the caller's. */
static int
load(const char *text, struct config *cfg, char **err)
{
	put("ticketd.conf", text, 0644);
	return config_load(conf, cfg, err);
}

/* 1 when errstr has exactly this line (after "CONF:"), else print it. */
static int
has_line(const char *errstr, const char *rest)
{
	const char *p = errstr;
	char *want;
	size_t n;
	int found = 0;

	want = xasprintf("%s:%s", conf, rest);
	n = strlen(want);
	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, n) == 0 &&
		    (p[n] == '\n' || p[n] == '\0')) {
			found = 1;
			break;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (!found)
		fprintf(stderr, "# want line: %s\n# in errors:\n%s\n", want,
		    errstr != NULL ? errstr : "(null)");
	free(want);
	return found;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (n = 1; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Expect failure with exactly one error line: CONF:rest. */
static void
expect_one(const char *text, const char *rest)
{
	struct config cfg;
	char *err = NULL;

	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(has_line(err, rest));
	T_INTEQ(count_lines(err), 1);
	T_CHECK(cfg.path == NULL && cfg.imap.srv.url == NULL);
	free(err);
}

/* Expect success; cfg is the caller's to clear. */
static int
expect_ok(const char *text, struct config *cfg)
{
	char *err = NULL;
	int rc;

	rc = load(text, cfg, &err);
	if (rc != 0)
		fprintf(stderr, "# unexpected errors:\n%s\n", err);
	T_INTEQ(rc, 0);
	T_CHECK(err == NULL);
	free(err);
	return rc;
}

#define MIN_IMAP							\
	"[imap]\n"							\
	"url = imaps://mail.corp.example\n"				\
	"user = it@corp.example\n"					\
	"password = s3cret\n"
#define MIN_REST							\
	"[smtp]\n"							\
	"url = smtp://mail.corp.example:587\n"				\
	"[helpdesk]\n"							\
	"address = it@corp.example\n"					\
	"database = /var/lib/ticketd/tickets.db\n"			\
	"authserv_id = mail.corp.example\n"
#define MINIMAL MIN_IMAP MIN_REST	/* 10 lines */

static void
test_minimal_defaults(void)
{
	struct config cfg;

	if (expect_ok(MINIMAL, &cfg) != 0)
		return;
	T_STREQ(cfg.path, conf);
	T_STREQ(cfg.imap.srv.url, "imaps://mail.corp.example");
	T_INTEQ(cfg.imap.srv.tls, 1);
	T_STREQ(cfg.imap.srv.host, "mail.corp.example");
	T_INTEQ(cfg.imap.srv.port, 993);
	T_STREQ(cfg.imap.srv.user, "it@corp.example");
	T_STREQ(cfg.imap.srv.password, "s3cret");
	T_CHECK(cfg.imap.srv.password_file == NULL);
	T_CHECK(cfg.imap.srv.ca_file == NULL);
	T_INTEQ(cfg.imap.starttls, 1);
	T_STREQ(cfg.imap.mailbox, "INBOX");
	T_STREQ(cfg.imap.processed, "Processed");
	T_STREQ(cfg.imap.failed, "Failed");
	T_INTEQ(cfg.imap.idle, 1);
	T_INTEQ(cfg.imap.poll_interval, 30);
	T_INTEQ(cfg.imap.timeout, 60);

	T_STREQ(cfg.smtp.srv.host, "mail.corp.example");
	T_INTEQ(cfg.smtp.srv.port, 587);
	T_INTEQ(cfg.smtp.srv.tls, 0);
	T_CHECK(cfg.smtp.srv.user == NULL);
	T_CHECK(cfg.smtp.srv.password == NULL);
	T_STREQ(cfg.smtp.from, "it@corp.example");
	T_INTEQ(cfg.smtp.timeout, 60);

	T_STREQ(cfg.helpdesk.address, "it@corp.example");
	T_STREQ(cfg.helpdesk.name, "IT help desk");
	T_STREQ(cfg.helpdesk.tag, "IT");
	T_STREQ(cfg.helpdesk.database, "/var/lib/ticketd/tickets.db");
	T_CHECK(cfg.helpdesk.templates == NULL);
	T_CHECK(cfg.helpdesk.allow_domains == NULL);
	T_CHECK(cfg.helpdesk.root_admins == NULL);
	T_CHECK(cfg.helpdesk.admins == NULL);
	T_INTEQ(cfg.helpdesk.trust, TRUST_AUTHRES);
	T_STREQ(cfg.helpdesk.authserv_id, "mail.corp.example");
	T_INTEQ(cfg.helpdesk.assign, CFG_ASSIGN_AUTO);
	T_INTEQ(cfg.helpdesk.max_mail_bytes, LIMIT_MAIL_BYTES_DEFAULT);
	T_INTEQ(cfg.helpdesk.max_attachment_bytes,
	    LIMIT_ATTACHMENT_BYTES_DEFAULT);

	T_INTEQ(cfg.sla.high, 4 * 3600);
	T_INTEQ(cfg.sla.medium, 86400);
	T_INTEQ(cfg.sla.low, 3 * 86400);
	T_CHECK(cfg.sla.business_hours == NULL);

	T_STREQ(cfg.web.listen, "127.0.0.1:8025");
	T_CHECK(cfg.web.base_url == NULL);
	T_STREQ(cfg.web.secret_file, "/var/lib/ticketd/web.secret");
	T_INTEQ(cfg.ncategories, 0);
	config_clear(&cfg);
	T_CHECK(cfg.path == NULL && cfg.imap.srv.host == NULL);
	config_clear(&cfg);	/* a second clear is harmless */
}

static void
test_full(void)
{
	struct config cfg;
	const char *ipw, *spw, *ca;
	char *text;

	ipw = put("imap.pw", "imap pass; #1\r\nsecond line\n", 0600);
	spw = put("smtp.pw", "smtp-pass", 0400);
	ca = put("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
	text = xasprintf(
	    "; ticketd.conf with every key\n"
	    "# comment\n"
	    "\n"
	    "[imap]\n"
	    "url = imap://mail.corp.example.:1143\n"
	    "user = helpdesk\n"
	    "password_file = %s\n"
	    "ca_file = %s\n"
	    "starttls = on\n"
	    "mailbox = Help Desk\n"
	    "processed = Archive/Done\n"
	    "failed = Archive/Failed\n"
	    "idle = false\n"
	    "poll_interval = 2m\n"
	    "timeout = 120\n"
	    "[smtp]\n"
	    "url = smtps://smtp.corp.example\n"
	    "user = helpdesk\n"
	    "password_file = %s\n"
	    "ca_file = %s\n"
	    "from = noreply@corp.example\n"
	    "timeout = 30\n"
	    "[helpdesk]\n"
	    "address = it@corp.example\n"
	    "name = Corp IT Service Desk\n"
	    "tag = OPS-1 ; inline comment\n"
	    "database = tickets.db\n"
	    "templates = %s\n"
	    "allow_domains = corp.example, corp.example.net\n"
	    "root_admins = boss@corp.example\n"
	    "admins = bob@corp.example carol@corp.example\n"
	    "trust = from\n"
	    "assign = manual\n"
	    "max_mail_bytes = 50M\n"
	    "max_attachment_bytes = 512k\n"
	    "[sla]\n"
	    "high = 2h\n"
	    "medium = 0\n"
	    "low = 1w\n"
	    "business_hours = Mon-Fri 09:00-17:00\n"
	    "[web]\n"
	    "listen = [::1]:8080\n"
	    "base_url = https://it.corp.example/desk\n"
	    "secret_file = /etc/ticketd/web.secret\n"
	    "[categories]\n"
	    "Hardware = laptop, Printer ,monitor\n"
	    "   network=vpn,wifi\n"
	    "other =\n", ipw, ca, spw, ca, tmpdir);
	if (expect_ok(text, &cfg) != 0) {
		free(text);
		return;
	}
	free(text);
	T_STREQ(cfg.imap.srv.url, "imap://mail.corp.example.:1143");
	T_INTEQ(cfg.imap.srv.tls, 0);
	T_STREQ(cfg.imap.srv.host, "mail.corp.example");
	T_INTEQ(cfg.imap.srv.port, 1143);
	T_STREQ(cfg.imap.srv.user, "helpdesk");
	T_STREQ(cfg.imap.srv.password, "imap pass; #1");
	T_STREQ(cfg.imap.srv.password_file, ipw);
	T_STREQ(cfg.imap.srv.ca_file, ca);
	T_INTEQ(cfg.imap.starttls, 1);
	T_STREQ(cfg.imap.mailbox, "Help Desk");
	T_STREQ(cfg.imap.processed, "Archive/Done");
	T_STREQ(cfg.imap.failed, "Archive/Failed");
	T_INTEQ(cfg.imap.idle, 0);
	T_INTEQ(cfg.imap.poll_interval, 120);
	T_INTEQ(cfg.imap.timeout, 120);

	T_STREQ(cfg.smtp.srv.host, "smtp.corp.example");
	T_INTEQ(cfg.smtp.srv.port, 465);
	T_INTEQ(cfg.smtp.srv.tls, 1);
	T_STREQ(cfg.smtp.srv.user, "helpdesk");
	T_STREQ(cfg.smtp.srv.password, "smtp-pass");
	T_STREQ(cfg.smtp.srv.ca_file, ca);
	T_STREQ(cfg.smtp.from, "noreply@corp.example");
	T_INTEQ(cfg.smtp.timeout, 30);

	T_STREQ(cfg.helpdesk.address, "it@corp.example");
	T_STREQ(cfg.helpdesk.name, "Corp IT Service Desk");
	T_STREQ(cfg.helpdesk.tag, "OPS-1");
	T_STREQ(cfg.helpdesk.database, "tickets.db");
	T_STREQ(cfg.helpdesk.templates, tmpdir);
	T_STREQ(cfg.helpdesk.allow_domains, "corp.example, corp.example.net");
	T_STREQ(cfg.helpdesk.root_admins, "boss@corp.example");
	T_STREQ(cfg.helpdesk.admins, "bob@corp.example carol@corp.example");
	T_INTEQ(cfg.helpdesk.trust, TRUST_FROM);
	T_CHECK(cfg.helpdesk.authserv_id == NULL);
	T_INTEQ(cfg.helpdesk.assign, CFG_ASSIGN_MANUAL);
	T_INTEQ(cfg.helpdesk.max_mail_bytes, 50LL * 1024 * 1024);
	T_INTEQ(cfg.helpdesk.max_attachment_bytes, 512 * 1024);

	T_INTEQ(cfg.sla.high, 7200);
	T_INTEQ(cfg.sla.medium, 0);
	T_INTEQ(cfg.sla.low, 7 * 86400);
	T_STREQ(cfg.sla.business_hours, "Mon-Fri 09:00-17:00");

	T_STREQ(cfg.web.listen, "[::1]:8080");
	T_STREQ(cfg.web.base_url, "https://it.corp.example/desk");
	T_STREQ(cfg.web.secret_file, "/etc/ticketd/web.secret");

	T_INTEQ(cfg.ncategories, 3);
	if (cfg.ncategories == 3) {
		T_STREQ(cfg.categories[0].name, "hardware");
		T_INTEQ(cfg.categories[0].nsubs, 3);
		if (cfg.categories[0].nsubs == 3) {
			T_STREQ(cfg.categories[0].subs[0], "laptop");
			T_STREQ(cfg.categories[0].subs[1], "printer");
			T_STREQ(cfg.categories[0].subs[2], "monitor");
		}
		T_STREQ(cfg.categories[1].name, "network");
		T_INTEQ(cfg.categories[1].nsubs, 2);
		T_STREQ(cfg.categories[2].name, "other");
		T_INTEQ(cfg.categories[2].nsubs, 0);
	}
	config_clear(&cfg);
}

static void
test_cannot_open(void)
{
	struct config cfg;
	char *err = NULL, *want, *missing;

	missing = xasprintf("%s/nope.conf", tmpdir);
	T_INTEQ(config_load(missing, &cfg, &err), -1);
	want = xasprintf("%s: cannot open: %s", missing, strerror(ENOENT));
	T_STREQ(err, want);
	T_CHECK(cfg.path == NULL);
	free(want);
	free(err);
	err = NULL;
	T_INTEQ(config_load(tmpdir, &cfg, &err), -1);	/* a directory */
	T_CHECK(err != NULL && strstr(err, "not a regular file") != NULL);
	free(err);
	free(missing);
}

static void
test_unknown_section(void)
{
	expect_one(MINIMAL "[mail]\nfoo = bar\nbaz = 1\n",
	    "11: [mail]: unknown section");
}

static void
test_unknown_key(void)
{
	expect_one(MIN_IMAP "pasword = hunter2\n" MIN_REST,
	    "5: [imap] pasword: unknown key");
}

static void
test_duplicate_key(void)
{
	expect_one(MINIMAL "database = other.db\n",
	    "11: [helpdesk] database: duplicate key (first on line 9)");
	/* a section may come back; its keys are still counted once */
	expect_one(MIN_IMAP "[helpdesk]\ntag = A\n" MIN_REST "TAG = B\n",
	    "13: [helpdesk] tag: duplicate key (first on line 6)");
}

static void
test_bad_values(void)
{
	expect_one(MIN_IMAP "idle = maybe\n" MIN_REST,
	    "5: [imap] idle: \"maybe\" is not yes or no "
	    "(or true/false, on/off, 1/0)");
	expect_one(MIN_IMAP "timeout = 0\n" MIN_REST,
	    "5: [imap] timeout: \"0\" is out of range (1 to 3600)");
	expect_one(MIN_IMAP "timeout = 1m\n" MIN_REST,
	    "5: [imap] timeout: \"1m\" is not a whole number");
	expect_one(MIN_IMAP "poll_interval = 2d\n" MIN_REST,
	    "5: [imap] poll_interval: \"2d\" is out of range "
	    "(1 to 86400 seconds)");
	expect_one(MINIMAL "trust = dkim\n",
	    "11: [helpdesk] trust: \"dkim\": expected "
	    "authentication-results or from");
	expect_one(MINIMAL "assign = random\n",
	    "11: [helpdesk] assign: \"random\": expected auto or manual");
	expect_one(MINIMAL "tag = IT HELP\n",
	    "11: [helpdesk] tag: \"IT HELP\": 1 to 16 letters, digits, "
	    "'-' or '_'");
	expect_one(MINIMAL "tag = ABCDEFGHIJKLMNOPQ\n",
	    "11: [helpdesk] tag: \"ABCDEFGHIJKLMNOPQ\": 1 to 16 letters, "
	    "digits, '-' or '_'");
	expect_one(MINIMAL "max_mail_bytes = 25X\n",
	    "11: [helpdesk] max_mail_bytes: \"25X\" is not a size (bytes, "
	    "or a number with k, M or G)");
	expect_one(MINIMAL "max_mail_bytes = 1G\n",
	    "11: [helpdesk] max_mail_bytes: \"1G\" is out of range "
	    "(1024 to 209715200 bytes)");
	expect_one(MINIMAL "max_mail_bytes = 99999999999999999999\n",
	    "11: [helpdesk] max_mail_bytes: \"99999999999999999999\" is out "
	    "of range (1024 to 209715200 bytes)");
	expect_one(MINIMAL "max_mail_bytes = 1M\nmax_attachment_bytes = 2M\n",
	    "12: [helpdesk] max_attachment_bytes: 2097152 is larger than "
	    "max_mail_bytes (1048576)");
	expect_one(MINIMAL "max_attachment_bytes = 1000\n",
	    "11: [helpdesk] max_attachment_bytes: \"1000\" is out of range "
	    "(1024 to 209715200 bytes)");
	expect_one(MINIMAL "[sla]\nhigh = 4 hours\n",
	    "12: [sla] high: \"4 hours\" is not a duration (seconds, or a "
	    "number with s, m, h, d or w)");
	expect_one(MINIMAL "[sla]\nlow = 53w\n",
	    "12: [sla] low: \"53w\" is out of range (0 to 31536000 seconds)");
	expect_one(MINIMAL "address = IT <it@corp.example>\n",
	    "11: [helpdesk] address: duplicate key (first on line 8)");
	expect_one(MIN_IMAP "[smtp]\nurl = smtp://mail.corp.example:587\n"
	    "[helpdesk]\naddress = IT <it@corp.example>\n"
	    "database = x.db\nauthserv_id = x\n",
	    "8: [helpdesk] address: \"IT <it@corp.example>\" is not a plain "
	    "address (local@domain, no name or <>)");
	expect_one(MINIMAL "[smtp]\nfrom = it@@corp.example\n",
	    "12: [smtp] from: \"it@@corp.example\" is not a plain address "
	    "(local@domain, no name or <>)");
	expect_one(MINIMAL "name =\n",
	    "11: [helpdesk] name: empty value (leave the key out for its "
	    "default)");
	expect_one(MINIMAL "[web]\nlisten = 127.0.0.1\n",
	    "12: [web] listen: \"127.0.0.1\": a port is required (host:port)");
	expect_one(MINIMAL "[web]\nbase_url = it.corp.example\n",
	    "12: [web] base_url: \"it.corp.example\" is not an http:// or "
	    "https:// url");
}

static void
test_files_checked(void)
{
	struct config cfg;
	char *text, *err = NULL;

	text = xasprintf(MINIMAL "templates = %s/none\n[imap]\n"
	    "ca_file = %s/none.pem\n", tmpdir, tmpdir);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_INTEQ(count_lines(err), 2);
	T_CHECK(err != NULL && strstr(err, ":11: [helpdesk] templates: ") !=
	    NULL && strstr(err, "No such file or directory") != NULL);
	T_CHECK(err != NULL && strstr(err, ":13: [imap] ca_file: ") != NULL);
	free(err);
	free(text);
}

static void
test_missing_keys(void)
{
	/* section present: the line of its header */
	expect_one("[imap]\nuser = u\npassword = p\n" MIN_REST,
	    "1: [imap] url: required key is missing");
	/* section absent: line 0 */
	expect_one(MIN_IMAP "[helpdesk]\naddress = it@corp.example\n"
	    "database = t.db\ntrust = from\n",
	    "0: [smtp] url: required key is missing");
}

static void
test_missing_section(void)
{
	struct config cfg;
	char *err = NULL;

	T_INTEQ(load(MIN_REST, &cfg, &err), -1);
	T_CHECK(has_line(err, "0: [imap] url: required key is missing"));
	T_CHECK(has_line(err, "0: [imap] user: required key is missing"));
	T_CHECK(has_line(err, "0: [imap] password: required key is missing "
	    "(or password_file, token_file or token_command)"));
	T_INTEQ(count_lines(err), 3);
	free(err);
	err = NULL;

	T_INTEQ(load(MIN_IMAP "[smtp]\nurl = smtp://h\n[helpdesk]\n", &cfg,
	    &err), -1);
	T_CHECK(has_line(err, "7: [helpdesk] address: required key is "
	    "missing"));
	T_CHECK(has_line(err, "7: [helpdesk] database: required key is "
	    "missing"));
	T_CHECK(has_line(err, "7: [helpdesk] authserv_id: required when "
	    "trust = authentication-results"));
	T_INTEQ(count_lines(err), 3);
	free(err);
}

static void
test_many_errors(void)
{
	struct config cfg;
	char *err = NULL;

	T_INTEQ(load(
	    "key = before any section\n"		/* 1 */
	    "[imap]\n"					/* 2 */
	    "url = http://mail.corp.example\n"		/* 3 */
	    "user = u\n"				/* 4 */
	    "user = v\n"				/* 5 */
	    "colour = blue\n"				/* 6 */
	    "this line has no equals sign\n"		/* 7 */
	    "[smtp\n"					/* 8 */
	    "ignored = yes\n"				/* 9 */
	    "[foo]\n"					/* 10 */
	    "[helpdesk]\n"				/* 11 */
	    "address = it@corp.example\n"		/* 12 */
	    "database = t.db\n"				/* 13 */
	    "trust = from\n"				/* 14 */
	    "max_mail_bytes = -1\n",			/* 15 */
	    &cfg, &err), -1);
	T_CHECK(has_line(err, "0: [smtp] url: required key is missing"));
	T_CHECK(has_line(err, "1: [] key: key outside of any [section]"));
	T_CHECK(has_line(err, "2: [imap] password: required key is missing "
	    "(or password_file, token_file or token_command)"));
	T_CHECK(has_line(err, "3: [imap] url: unknown scheme (expected "
	    "imap:// or imaps://)"));
	T_CHECK(has_line(err, "5: [imap] user: duplicate key (first on "
	    "line 4)"));
	T_CHECK(has_line(err, "6: [imap] colour: unknown key"));
	T_CHECK(has_line(err, "7: syntax error: expected name = value"));
	T_CHECK(has_line(err, "8: syntax error: missing ] in section "
	    "header"));
	T_CHECK(has_line(err, "10: [foo]: unknown section"));
	T_CHECK(has_line(err, "15: [helpdesk] max_mail_bytes: \"-1\" is not "
	    "a size (bytes, or a number with k, M or G)"));
	T_INTEQ(count_lines(err), 10);
	/* sorted by line */
	T_CHECK(err != NULL && strncmp(err + strlen(conf), ":0:", 3) == 0);
	free(err);
}

static void
test_syntax(void)
{
	struct config cfg;
	char *text, long_line[300];

	/* indented keys are keys, not continuation lines */
	if (expect_ok(MIN_IMAP "  mailbox = Support\n\tidle = no\n" MIN_REST
	    "  name = Desk ; a comment\n  admins = a@x#b\n", &cfg) == 0) {
		T_STREQ(cfg.imap.mailbox, "Support");
		T_INTEQ(cfg.imap.idle, 0);
		T_STREQ(cfg.helpdesk.name, "Desk");
		T_STREQ(cfg.helpdesk.admins, "a@x#b");
		config_clear(&cfg);
	}
	/* CRLF, a BOM, colon separator, case of section/key names */
	if (expect_ok("\xef\xbb\xbf[IMAP]\r\nURL: imaps://h\r\nuser = u\r\n"
	    "password = p\r\n" MIN_REST, &cfg) == 0) {
		T_STREQ(cfg.imap.srv.host, "h");
		T_STREQ(cfg.imap.srv.password, "p");
		config_clear(&cfg);
	}
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	text = xasprintf(MINIMAL "admins = %s\n", long_line);
	expect_one(text, "11: line too long (308 bytes; libinih reads at "
	    "most 199)");
	free(text);
}

static void
test_password_file(void)
{
	struct config cfg;
	char *text, *err = NULL, *want;
	const char *pw;

	pw = put("good.pw", "first-line\nsecond\n", 0600);
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "password_file = %s\n" MIN_REST, pw);
	if (expect_ok(text, &cfg) == 0) {
		T_STREQ(cfg.imap.srv.password, "first-line");
		T_STREQ(cfg.imap.srv.password_file, pw);
		config_clear(&cfg);
	}

	/* 0644: refused, and the password is not in the message */
	put("good.pw", "first-line\n", 0644);
	want = xasprintf("4: [imap] password_file: %s is readable by group "
	    "or others; chmod 600 it", pw);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(has_line(err, want));
	T_CHECK(err != NULL && strstr(err, "first-line") == NULL);
	T_INTEQ(count_lines(err), 1);
	free(want);
	free(err);
	err = NULL;
	put("good.pw", "first-line\n", 0620);	/* group may write */
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(err != NULL && strstr(err, "chmod 600 it") != NULL);
	free(err);
	err = NULL;

	/* empty */
	put("good.pw", "\r\nx\n", 0600);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(err != NULL && strstr(err, "the first line is empty") !=
	    NULL);
	free(err);
	err = NULL;
	free(text);

	/* missing */
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "password_file = %s/missing.pw\n" MIN_REST, tmpdir);
	want = xasprintf("4: [imap] password_file: %s/missing.pw: cannot "
	    "open: %s", tmpdir, strerror(ENOENT));
	expect_one(text, want);
	free(want);
	free(text);

	/* both, and neither; never echo the password */
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "password = hunter2\npassword_file = %s\n" MIN_REST, pw);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(has_line(err, "5: [imap] password_file: give either password "
	    "or password_file, not both"));
	T_CHECK(err != NULL && strstr(err, "hunter2") == NULL);
	free(err);
	err = NULL;
	free(text);

	/* [smtp]: password requires user, user requires a password */
	expect_one(MINIMAL "[smtp]\npassword = hunter2\n",
	    "12: [smtp] password: not allowed without user");
	expect_one(MINIMAL "[smtp]\nuser = bob\n",
	    "5: [smtp] password: required key is missing (or password_file, "
	    "token_file or token_command)");
}

/* OAuth2: token_file | token_command instead of a password. */
static void
test_tokens(void)
{
	struct config cfg;
	const char *tf;
	char *text, *err = NULL;

	tf = put("imap.token", "ya29.token\n", 0600);
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "token_file = %s\n" MIN_REST "[smtp]\nuser = u\n"
	    "token_command = oauth2-token --account it\n", tf);
	if (expect_ok(text, &cfg) == 0) {
		T_STREQ(cfg.imap.srv.token_file, tf);
		T_CHECK(cfg.imap.srv.password == NULL);
		T_STREQ(cfg.smtp.srv.token_command,
		    "oauth2-token --account it");
		T_CHECK(cfg.smtp.srv.password == NULL);
		config_clear(&cfg);
	}
	free(text);

	/* a token file is a secret: not for group or others */
	put("imap.token", "ya29.token\n", 0640);
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "token_file = %s\n" MIN_REST, tf);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(err != NULL && strstr(err, "4: [imap] token_file: ") != NULL &&
	    strstr(err, "chmod 600 it") != NULL);
	free(err);
	err = NULL;
	free(text);

	/* one way to log in, not two; never the value in a message */
	text = xasprintf("[imap]\nurl = imaps://h\nuser = u\n"
	    "password = hunter2\ntoken_command = get-it --secret=xyzzy\n"
	    MIN_REST);
	T_INTEQ(load(text, &cfg, &err), -1);
	T_CHECK(has_line(err, "5: [imap] token_command: give only one of "
	    "password, password_file, token_file and token_command"));
	T_CHECK(err != NULL && strstr(err, "hunter2") == NULL &&
	    strstr(err, "xyzzy") == NULL);
	free(err);
	err = NULL;
	free(text);

	/* [smtp]: a token needs a user */
	expect_one(MINIMAL "[smtp]\ntoken_command = get-it\n",
	    "12: [smtp] token_command: not allowed without user");
}

static void
test_starttls(void)
{
	struct config cfg;
	static const char *const loop[] = {
		"imap://127.0.0.1:1143", "imap://127.9.8.7", "imap://[::1]",
		"imap://localhost", "imap://LOCALHOST.:10143", NULL
	};
	char *text;
	size_t i;

	expect_one("[imap]\nurl = imap://mail.corp.example\nuser = u\n"
	    "password = p\nstarttls = no\n" MIN_REST,
	    "5: [imap] starttls: starttls = no is only allowed for a loopback "
	    "test server");
	expect_one("[imap]\nurl = imap://128.0.0.1\nuser = u\n"
	    "password = p\nstarttls = off\n" MIN_REST,
	    "5: [imap] starttls: starttls = no is only allowed for a loopback "
	    "test server");
	for (i = 0; loop[i] != NULL; i++) {
		text = xasprintf("[imap]\nurl = %s\nuser = u\npassword = p\n"
		    "starttls = no\n" MIN_REST, loop[i]);
		if (expect_ok(text, &cfg) == 0) {
			T_INTEQ(cfg.imap.starttls, 0);
			config_clear(&cfg);
		} else
			fprintf(stderr, "# url %s\n", loop[i]);
		free(text);
	}
}

static void
test_urls(void)
{
	static const struct {
		const char	*url;
		int		 tls;
		const char	*host;
		int		 port;
	} ok[] = {
		{ "imaps://mail.corp.example", 1, "mail.corp.example", 993 },
		{ "imap://mail.corp.example", 0, "mail.corp.example", 143 },
		{ "IMAPS://Mail.Corp.Example:10993/", 1, "Mail.Corp.Example",
		    10993 },
		{ "imap://[::1]:1143", 0, "::1", 1143 },
		{ "imaps://[2001:db8::1]", 1, "2001:db8::1", 993 },
		{ "imaps://mail.corp.example.", 1, "mail.corp.example", 993 },
		{ "imaps://192.0.2.7:65535", 1, "192.0.2.7", 65535 },
	};
	static const struct {
		const char	*url;
		const char	*msg;
	} bad[] = {
		{ "http://mail.corp.example",
		    "unknown scheme (expected imap:// or imaps://)" },
		{ "smtp://mail.corp.example",
		    "unknown scheme (expected imap:// or imaps://)" },
		{ "mail.corp.example:993",
		    "expected imap://host[:port] or imaps://host[:port]" },
		{ "imaps://bob:hunter2@mail.corp.example", "no user name or "
		    "password in the url; use user and password_file" },
		{ "imaps://mail.corp.example/INBOX",
		    "the url must not have a path, query or fragment" },
		{ "imaps://mail.corp.example:0", "bad port (expected :1 to "
		    ":65535 after the host)" },
		{ "imaps://mail.corp.example:65536", "bad port (expected :1 to "
		    ":65535 after the host)" },
		{ "imaps://mail.corp.example:", "bad port (expected :1 to "
		    ":65535 after the host)" },
		{ "imaps://mail.corp.example:99999999999999999999", "bad port "
		    "(expected :1 to :65535 after the host)" },
		{ "imaps://", "bad host name (letters, digits, '-' and '.'; "
		    "IPv6 addresses in [ ])" },
		{ "imaps://mail..corp", "bad host name (letters, digits, '-' "
		    "and '.'; IPv6 addresses in [ ])" },
		{ "imaps://mail_corp", "bad host name (letters, digits, '-' "
		    "and '.'; IPv6 addresses in [ ])" },
		{ "imaps://::1", "bad host name (letters, digits, '-' "
		    "and '.'; IPv6 addresses in [ ])" },
		{ "imaps://[::1", "missing ] after the IPv6 address" },
		{ "imaps://[::g]", "bad IPv6 address" },
	};
	struct config cfg;
	char *text, *want;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		text = xasprintf("[imap]\nurl = %s\nuser = u\npassword = p\n"
		    MIN_REST, ok[i].url);
		if (expect_ok(text, &cfg) == 0) {
			T_STREQ(cfg.imap.srv.url, ok[i].url);
			T_INTEQ(cfg.imap.srv.tls, ok[i].tls);
			T_STREQ(cfg.imap.srv.host, ok[i].host);
			T_INTEQ(cfg.imap.srv.port, ok[i].port);
			config_clear(&cfg);
		} else
			fprintf(stderr, "# url %s\n", ok[i].url);
		free(text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf("[imap]\nurl = %s\nuser = u\npassword = p\n"
		    MIN_REST, bad[i].url);
		want = xasprintf("2: [imap] url: %s", bad[i].msg);
		expect_one(text, want);
		free(want);
		free(text);
	}
	/* SMTP: its own schemes and default ports */
	if (expect_ok(MIN_IMAP "[smtp]\nurl = smtps://smtp.corp.example\n"
	    "[helpdesk]\naddress = it@corp.example\ndatabase = t.db\n"
	    "trust = from\n", &cfg) == 0) {
		T_INTEQ(cfg.smtp.srv.port, 465);
		T_INTEQ(cfg.smtp.srv.tls, 1);
		config_clear(&cfg);
	}
	if (expect_ok(MIN_IMAP "[smtp]\nurl = smtp://[::1]\n"
	    "[helpdesk]\naddress = it@corp.example\ndatabase = t.db\n"
	    "trust = from\n", &cfg) == 0) {
		T_INTEQ(cfg.smtp.srv.port, 25);
		T_INTEQ(cfg.smtp.srv.tls, 0);
		T_STREQ(cfg.smtp.srv.host, "::1");
		config_clear(&cfg);
	}
	expect_one(MIN_IMAP "[smtp]\nurl = imaps://h\n[helpdesk]\n"
	    "address = it@corp.example\ndatabase = t.db\ntrust = from\n",
	    "6: [smtp] url: unknown scheme (expected smtp:// or smtps://)");
}

static void
test_sizes(void)
{
	static const struct {
		const char	*s;
		int		 rc;
		long long	 v;
	} t[] = {
		{ "0", 0, 0 },
		{ "12345", 0, 12345 },
		{ "512k", 0, 512 * 1024 },
		{ "512K", 0, 512 * 1024 },
		{ "25M", 0, 25LL * 1024 * 1024 },
		{ "25m", 0, 25LL * 1024 * 1024 },
		{ "1G", 0, 1024LL * 1024 * 1024 },
		{ "8589934591G", 0, 8589934591LL * 1024 * 1024 * 1024 },
		{ "9223372036854775807", 0, 9223372036854775807LL },
		{ "9223372036854775808", -1, 0 },
		{ "8589934592G", -1, 0 },
		{ "99999999999999999999k", -1, 0 },
		{ "", -1, 0 },
		{ "M", -1, 0 },
		{ "-1", -1, 0 },
		{ "+1", -1, 0 },
		{ " 1", -1, 0 },
		{ "1 k", -1, 0 },
		{ "1kb", -1, 0 },
		{ "1T", -1, 0 },
		{ "1.5M", -1, 0 },
		{ "0x10", -1, 0 },
	};
	long long v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -42;
		rc = config_parse_size(t[i].s, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].v))
			fprintf(stderr, "# size \"%s\": rc %d v %lld\n", t[i].s,
			    rc, v);
		T_INTEQ(rc, t[i].rc);
		if (rc == 0)
			T_INTEQ(v, t[i].v);
		else
			T_INTEQ(v, -42);	/* untouched on error */
	}
}

static void
test_durations(void)
{
	static const struct {
		const char	*s;
		int		 rc;
		long long	 v;
	} t[] = {
		{ "0", 0, 0 },
		{ "90", 0, 90 },
		{ "90s", 0, 90 },
		{ "15m", 0, 900 },
		{ "4h", 0, 14400 },
		{ "1d", 0, 86400 },
		{ "2w", 0, 1209600 },
		{ "15250284452471w", 0, 15250284452471LL * 604800 },
		{ "15250284452472w", -1, 0 },
		{ "9223372036854775808", -1, 0 },
		{ "", -1, 0 },
		{ "h", -1, 0 },
		{ "-5m", -1, 0 },
		{ "1h30m", -1, 0 },
		{ "4 h", -1, 0 },
		{ "4H", -1, 0 },
		{ "1y", -1, 0 },
		{ "1.5h", -1, 0 },
	};
	struct config cfg;
	long long v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -42;
		rc = config_parse_duration(t[i].s, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].v))
			fprintf(stderr, "# duration \"%s\": rc %d v %lld\n",
			    t[i].s, rc, v);
		T_INTEQ(rc, t[i].rc);
		if (rc == 0)
			T_INTEQ(v, t[i].v);
	}
	if (expect_ok(MINIMAL "[imap]\npoll_interval = 1d\n[sla]\nhigh = 90\n"
	    "medium = 15m\nlow = 2w\n", &cfg) == 0) {
		T_INTEQ(cfg.imap.poll_interval, 86400);
		T_INTEQ(cfg.sla.high, 90);
		T_INTEQ(cfg.sla.medium, 900);
		T_INTEQ(cfg.sla.low, 1209600);
		config_clear(&cfg);
	}
	expect_one(MINIMAL "[sla]\nhigh = 15250284452472w\n",
	    "12: [sla] high: \"15250284452472w\" is out of range (0 to "
	    "31536000 seconds)");
}

static void
test_categories(void)
{
	struct config cfg;

	if (expect_ok(MINIMAL "[categories]\nSoftWare = Office,  VPN-Client ,"
	    "mail_client\naccess=badge\n", &cfg) == 0) {
		T_INTEQ(cfg.ncategories, 2);
		if (cfg.ncategories == 2) {
			T_STREQ(cfg.categories[0].name, "software");
			T_INTEQ(cfg.categories[0].nsubs, 3);
			if (cfg.categories[0].nsubs == 3) {
				T_STREQ(cfg.categories[0].subs[0], "office");
				T_STREQ(cfg.categories[0].subs[1],
				    "vpn-client");
				T_STREQ(cfg.categories[0].subs[2],
				    "mail_client");
			}
			T_STREQ(cfg.categories[1].name, "access");
			T_INTEQ(cfg.categories[1].nsubs, 1);
		}
		config_clear(&cfg);
	}
	expect_one(MINIMAL "[categories]\nhardware = laptop\nHardware = pc\n",
	    "13: [categories] Hardware: duplicate category (first on line 12)");
	expect_one(MINIMAL "[categories]\nhardware = laptop, Laptop\n",
	    "12: [categories] hardware: duplicate subcategory \"laptop\"");
	expect_one(MINIMAL "[categories]\nhardware = laptop,,printer\n",
	    "12: [categories] hardware: \"laptop,,printer\": subcategories "
	    "are a comma-separated list of letters, digits, '-' and '_'");
	expect_one(MINIMAL "[categories]\nhardware = laptop,\n",
	    "12: [categories] hardware: \"laptop,\": subcategories are a "
	    "comma-separated list of letters, digits, '-' and '_'");
	expect_one(MINIMAL "[categories]\nhardware = lap top\n",
	    "12: [categories] hardware: \"lap top\": subcategories are a "
	    "comma-separated list of letters, digits, '-' and '_'");
	expect_one(MINIMAL "[categories]\nhard ware = laptop\n",
	    "12: [categories] hard ware: bad category name (letters, digits, "
	    "'-' and '_')");
	expect_one(MINIMAL "[categories]\nhw/pc = laptop\n",
	    "12: [categories] hw/pc: bad category name (letters, digits, "
	    "'-' and '_')");
}

static void
test_derived_defaults(void)
{
	struct config cfg;

	/* attachment cap follows a smaller mail cap; secret beside the db */
	if (expect_ok(MIN_IMAP "[smtp]\nurl = smtp://h\n[helpdesk]\n"
	    "address = it@corp.example\ndatabase = t.db\ntrust = from\n"
	    "max_mail_bytes = 5M\n", &cfg) == 0) {
		T_INTEQ(cfg.helpdesk.max_attachment_bytes, 5 * 1024 * 1024);
		T_STREQ(cfg.web.secret_file, "web.secret");
		T_STREQ(cfg.smtp.from, "it@corp.example");
		config_clear(&cfg);
	}
	if (expect_ok(MIN_IMAP "[smtp]\nurl = smtp://h\n[helpdesk]\n"
	    "address = it@corp.example\ndatabase = /t.db\ntrust = from\n",
	    &cfg) == 0) {
		T_STREQ(cfg.web.secret_file, "/web.secret");
		config_clear(&cfg);
	}
}

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < nmade; i++) {
		unlink(made[i]);
		free(made[i]);
	}
	rmdir(tmpdir);
	free(conf);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	conf = xasprintf("%s/ticketd.conf", tmpdir);

	T_RUN(test_minimal_defaults);
	T_RUN(test_full);
	T_RUN(test_cannot_open);
	T_RUN(test_unknown_section);
	T_RUN(test_unknown_key);
	T_RUN(test_duplicate_key);
	T_RUN(test_bad_values);
	T_RUN(test_files_checked);
	T_RUN(test_tokens);
	T_RUN(test_missing_keys);
	T_RUN(test_missing_section);
	T_RUN(test_many_errors);
	T_RUN(test_syntax);
	T_RUN(test_password_file);
	T_RUN(test_starttls);
	T_RUN(test_urls);
	T_RUN(test_sizes);
	T_RUN(test_durations);
	T_RUN(test_categories);
	T_RUN(test_derived_defaults);

	cleanup();
	return T_END();
}
