/*
 * config.c — the INI file of DESIGN.md ("Files, commands, config").
 *
 * libinih does the INI syntax; one table (Redis static_configs[] style)
 * maps every {section, key} to a type, a range, a default and the offset of
 * its field in struct config. All problems are collected in one pass and
 * handed back sorted by line, each "FILE:LINE: [section] key: message".
 *
 * Line numbers: Debian's libinih is built without INI_HANDLER_LINENO, so the
 * handler cannot be told the line. We read the file ourselves and feed it to
 * ini_parse_stream() one line per reader call; inih calls the handler for a
 * line before it asks for the next one, so the reader's counter is the line
 * of the key being handled. The reader also sees section headers (inih does
 * not report them) and lines inih would reject, so every syntax error gets
 * its own line too, not only the first one inih returns.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>
#include <pwd.h>

#include "config.h"

#ifndef TZDIR
#define TZDIR	"/usr/share/zoneinfo"
#endif
#include "asset.h"
#include "limits.h"
#include "log.h"
#include "xmalloc.h"

/* Largest config file read (nothing is read without a cap, STYLE 13). */
#define CONFIG_FILE_MAX		LIMIT_CONFIG_BYTES
#define LL_MAX			LLONG_MAX
/* Longest SLA target: a year. */
#define SLA_MAX_SECS		(365LL * 86400)
/* Longest [helpdesk] tag. */
#define TAG_MAX			16

enum section {
	SEC_IMAP,
	SEC_SMTP,
	SEC_HELPDESK,
	SEC_SLA,
	SEC_WEB,
	SEC_CATEGORIES,
	SEC_ASSETS,
	SEC_N
};

static const char *const section_names[SEC_N] = {
	"imap", "smtp", "helpdesk", "sla", "web", "categories", "assets"
};

/* The reader's idea of the current section, beside enum section. */
#define SECT_NONE	(-1)	/* before any header */
#define SECT_IGNORE	(-2)	/* bad or unknown header: skip its keys */

enum ctype {
	CT_STRING,	/* char *, optional check() */
	CT_BOOL,	/* int: yes/no true/false on/off 1/0 */
	CT_INT,		/* int in [min, max]; F_DURSYNTAX: "15m" too */
	CT_SIZE,	/* long long bytes in [min, max]: "25M" */
	CT_DURATION,	/* long long seconds in [min, max]: "4h" */
	CT_ENUM,	/* int: index into arg (NULL-terminated names) */
	CT_URL		/* struct config_mailsrv: url, tls, host, port */
};

#define F_REQUIRED	0x01	/* missing: error at the section header */
#define F_SECRET	0x02	/* never echo the value */
#define F_DURSYNTAX	0x04	/* CT_INT: accept a duration */
#define F_EMPTY		0x08	/* CT_STRING: "" is kept (means "off") */

struct url_scheme {
	const char	*plain;		/* "imap" */
	const char	*tls;		/* "imaps" */
	int		 port_plain;
	int		 port_tls;
};

struct config_entry {
	int		 section;
	const char	*key;
	enum ctype	 type;
	long long	 min, max;
	const char	*dflt;		/* used when the key is absent */
	size_t		 offset;
	int		 flags;
	const void	*arg;		/* CT_ENUM names, CT_URL scheme */
	int		(*check)(const char *, char *, size_t);
};

static int	check_file(const char *, char *, size_t);
static int	check_dir(const char *, char *, size_t);
static int	check_addr(const char *, char *, size_t);
static int	check_name(const char *, char *, size_t);
static int	check_tag(const char *, char *, size_t);
static int	check_listen(const char *, char *, size_t);
static int	check_http_url(const char *, char *, size_t);
static int	check_hours(const char *, char *, size_t);
static int	check_timezone(const char *, char *, size_t);
static int	check_percent(const char *, char *, size_t);
static int	check_clock_time(const char *, char *, size_t);
static int	check_user(const char *, char *, size_t);
static int	check_asset_types(const char *, char *, size_t);
static int	check_asset_link(const char *, char *, size_t);

static const char *const trust_names[] = {
	"authentication-results", "from", NULL	/* enum config_trust */
};
static const char *const assign_names[] = {
	"auto", "manual", NULL			/* enum config_assign */
};
static const struct url_scheme imap_scheme = { "imap", "imaps", 143, 993 };
static const struct url_scheme smtp_scheme = { "smtp", "smtps", 25, 465 };

#define OFF(f)	offsetof(struct config, f)

static const struct config_entry config_table[] = {
	{ SEC_IMAP, "url", CT_URL, 0, 0, NULL, OFF(imap.srv),
	    F_REQUIRED, &imap_scheme, NULL },
	{ SEC_IMAP, "user", CT_STRING, 0, 0, NULL, OFF(imap.srv.user),
	    F_REQUIRED, NULL, NULL },
	{ SEC_IMAP, "password", CT_STRING, 0, 0, NULL, OFF(imap.srv.password),
	    F_SECRET, NULL, NULL },
	{ SEC_IMAP, "password_file", CT_STRING, 0, 0, NULL,
	    OFF(imap.srv.password_file), 0, NULL, NULL },
	{ SEC_IMAP, "token_file", CT_STRING, 0, 0, NULL,
	    OFF(imap.srv.token_file), 0, NULL, NULL },
	{ SEC_IMAP, "token_command", CT_STRING, 0, 0, NULL,
	    OFF(imap.srv.token_command), F_SECRET, NULL, NULL },
	{ SEC_IMAP, "ca_file", CT_STRING, 0, 0, NULL, OFF(imap.srv.ca_file),
	    0, NULL, check_file },
	{ SEC_IMAP, "starttls", CT_BOOL, 0, 1, "yes", OFF(imap.starttls),
	    0, NULL, NULL },
	{ SEC_IMAP, "mailbox", CT_STRING, 0, 0, "INBOX", OFF(imap.mailbox),
	    0, NULL, NULL },
	{ SEC_IMAP, "processed", CT_STRING, 0, 0, "Processed",
	    OFF(imap.processed), 0, NULL, NULL },
	{ SEC_IMAP, "failed", CT_STRING, 0, 0, "Failed", OFF(imap.failed),
	    0, NULL, NULL },
	{ SEC_IMAP, "idle", CT_BOOL, 0, 1, "yes", OFF(imap.idle),
	    0, NULL, NULL },
	{ SEC_IMAP, "poll_interval", CT_INT, 1, 86400, "30",
	    OFF(imap.poll_interval), F_DURSYNTAX, NULL, NULL },
	{ SEC_IMAP, "timeout", CT_INT, 1, 3600, "60", OFF(imap.timeout),
	    0, NULL, NULL },

	{ SEC_SMTP, "url", CT_URL, 0, 0, NULL, OFF(smtp.srv),
	    F_REQUIRED, &smtp_scheme, NULL },
	{ SEC_SMTP, "user", CT_STRING, 0, 0, NULL, OFF(smtp.srv.user),
	    0, NULL, NULL },
	{ SEC_SMTP, "password", CT_STRING, 0, 0, NULL, OFF(smtp.srv.password),
	    F_SECRET, NULL, NULL },
	{ SEC_SMTP, "password_file", CT_STRING, 0, 0, NULL,
	    OFF(smtp.srv.password_file), 0, NULL, NULL },
	{ SEC_SMTP, "token_file", CT_STRING, 0, 0, NULL,
	    OFF(smtp.srv.token_file), 0, NULL, NULL },
	{ SEC_SMTP, "token_command", CT_STRING, 0, 0, NULL,
	    OFF(smtp.srv.token_command), F_SECRET, NULL, NULL },
	{ SEC_SMTP, "ca_file", CT_STRING, 0, 0, NULL, OFF(smtp.srv.ca_file),
	    0, NULL, check_file },
	/* default: [helpdesk] address, set in check_all() */
	{ SEC_SMTP, "from", CT_STRING, 0, 0, NULL, OFF(smtp.from),
	    0, NULL, check_addr },
	{ SEC_SMTP, "timeout", CT_INT, 1, 3600, "60", OFF(smtp.timeout),
	    0, NULL, NULL },

	{ SEC_HELPDESK, "address", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.address), F_REQUIRED, NULL, check_addr },
	{ SEC_HELPDESK, "name", CT_STRING, 0, 0, "IT help desk",
	    OFF(helpdesk.name), 0, NULL, check_name },
	{ SEC_HELPDESK, "tag", CT_STRING, 0, 0, "IT", OFF(helpdesk.tag),
	    0, NULL, check_tag },
	{ SEC_HELPDESK, "database", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.database), F_REQUIRED, NULL, NULL },
	{ SEC_HELPDESK, "templates", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.templates), 0, NULL, check_dir },
	{ SEC_HELPDESK, "allow_domains", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.allow_domains), 0, NULL, NULL },
	{ SEC_HELPDESK, "root_admins", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.root_admins), 0, NULL, NULL },
	{ SEC_HELPDESK, "admins", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.admins), 0, NULL, NULL },
	{ SEC_HELPDESK, "trust", CT_ENUM, 0, 0, "authentication-results",
	    OFF(helpdesk.trust), 0, trust_names, NULL },
	/* required when trust = authentication-results, see check_all() */
	{ SEC_HELPDESK, "authserv_id", CT_STRING, 0, 0, NULL,
	    OFF(helpdesk.authserv_id), 0, NULL, NULL },
	{ SEC_HELPDESK, "assign", CT_ENUM, 0, 0, "auto",
	    OFF(helpdesk.assign), 0, assign_names, NULL },
	{ SEC_HELPDESK, "max_mail_bytes", CT_SIZE, 1024, LIMIT_MAIL_BYTES_MAX,
	    "25M", OFF(helpdesk.max_mail_bytes), 0, NULL, NULL },
	/* at most max_mail_bytes; default min(10M, max_mail_bytes) */
	{ SEC_HELPDESK, "max_attachment_bytes", CT_SIZE, 1024,
	    LIMIT_MAIL_BYTES_MAX, NULL, OFF(helpdesk.max_attachment_bytes),
	    0, NULL, NULL },

	{ SEC_HELPDESK, "max_notices_per_hour", CT_INT, 1, 100000, "10",
	    OFF(helpdesk.max_notices_per_hour), 0, NULL, NULL },
	{ SEC_HELPDESK, "admin_digest_interval", CT_DURATION, 60, 86400, "5m",
	    OFF(helpdesk.admin_digest_interval), 0, NULL, NULL },
	{ SEC_HELPDESK, "max_denied_per_hour", CT_INT, 0, 100000, "20",
	    OFF(helpdesk.max_denied_per_hour), 0, NULL, NULL },
	{ SEC_HELPDESK, "max_new_tickets_per_hour", CT_INT, 0, 100000, "30",
	    OFF(helpdesk.max_new_tickets_per_hour), 0, NULL, NULL },
	/* started as root: the account ticketd becomes (ticketd.c) */
	{ SEC_HELPDESK, "user", CT_STRING, 0, 0, NULL, OFF(helpdesk.user),
	    0, NULL, check_user },
	/* issue 11: guessing categories, retraining, suggesting articles */
	{ SEC_HELPDESK, "guess_confidence", CT_STRING, 0, 0, "70%",
	    OFF(helpdesk.guess_confidence), 0, NULL, check_percent },
	{ SEC_HELPDESK, "retrain_at", CT_STRING, 0, 0, "03:00",
	    OFF(helpdesk.retrain_at), 0, NULL, check_clock_time },
	{ SEC_HELPDESK, "suggestions", CT_INT, 0, 3, "3",
	    OFF(helpdesk.suggestions), 0, NULL, NULL },

	{ SEC_SLA, "high", CT_DURATION, 0, SLA_MAX_SECS, "4h", OFF(sla.high),
	    0, NULL, NULL },
	{ SEC_SLA, "medium", CT_DURATION, 0, SLA_MAX_SECS, "1d",
	    OFF(sla.medium), 0, NULL, NULL },
	{ SEC_SLA, "low", CT_DURATION, 0, SLA_MAX_SECS, "3d", OFF(sla.low),
	    0, NULL, NULL },
	{ SEC_SLA, "business_hours", CT_STRING, 0, 0, NULL,
	    OFF(sla.business_hours), 0, NULL, check_hours },
	{ SEC_SLA, "timezone", CT_STRING, 0, 0, NULL, OFF(sla.timezone),
	    0, NULL, check_timezone },
	{ SEC_SLA, "warn_at", CT_STRING, 0, 0, "80%", OFF(sla.warn_at),
	    0, NULL, check_percent },
	{ SEC_SLA, "digest_at", CT_STRING, 0, 0, "off", OFF(sla.digest_at),
	    0, NULL, check_clock_time },

	/* "listen =" (empty) turns the page off */
	{ SEC_WEB, "listen", CT_STRING, 0, 0, "127.0.0.1:8025",
	    OFF(web.listen), F_EMPTY, NULL, check_listen },
	/* default: http://LISTEN (weblink.c) */
	{ SEC_WEB, "base_url", CT_STRING, 0, 0, NULL, OFF(web.base_url),
	    0, NULL, check_http_url },
	{ SEC_WEB, "online_window", CT_DURATION, 60, 7 * 86400LL, "15m",
	    OFF(web.online_window), 0, NULL, NULL },
	/* default: web.secret beside the database, set in check_all() */
	{ SEC_WEB, "secret_file", CT_STRING, 0, 0, NULL, OFF(web.secret_file),
	    0, NULL, NULL },

	/* issue 15: the asset registry's types, and automatic linking */
	{ SEC_ASSETS, "types", CT_STRING, 0, 0, ASSET_TYPES_DEFAULT,
	    OFF(assets.types_as_written), 0, NULL, check_asset_types },
	{ SEC_ASSETS, "link", CT_STRING, 0, 0, NULL,
	    OFF(assets.link_as_written), F_EMPTY, NULL, check_asset_link },
};

#define NENTRIES	(sizeof(config_table) / sizeof(config_table[0]))

enum line_kind {
	LINE_BLANK,	/* empty, comment, or already reported */
	LINE_SECTION,
	LINE_KEY
};

struct config_error {
	int	 line;
	size_t	 seq;		/* order of errors on one line */
	char	*text;
};

struct seen_category {
	char	*name;
	int	 line;
};

struct ctx {
	const char	*file;
	struct config	*cfg;

	/* the file, fed to inih line by line */
	char		*data;
	size_t		 len, pos;
	int		 lineno;
	enum line_kind	 kind;		/* of line lineno */
	int		 handled;	/* inih called the handler for it */

	int		 sect;		/* enum section or SECT_* */
	int		 sect_line[SEC_N]; /* first header, 0: absent */
	int		 seen[NENTRIES];	/* line of the key, 0: absent */
	int		 valid[NENTRIES]; /* holds a good value */

	struct seen_category *cats;
	size_t		 ncats;

	struct config_error *errs;
	size_t		 nerrs;
};

static char *xvasprintf(const char *, va_list) LOG_PRINTF(1, 0);

static char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *s;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("config: vsnprintf");
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

/* Record "FILE:LINE: " + message; line -1: "FILE: " (the whole file). */
static void LOG_PRINTF(3, 4)
add_error(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->errs = xreallocarray(c->errs, c->nerrs + 1, sizeof(*c->errs));
	c->errs[c->nerrs].line = line;
	c->errs[c->nerrs].seq = c->nerrs;
	if (line < 0)
		c->errs[c->nerrs].text = xasprintf("%s: %s", c->file, msg);
	else
		c->errs[c->nerrs].text = xasprintf("%s:%d: %s", c->file, line,
		    msg);
	c->nerrs++;
	free(msg);
}

/* Record "FILE:LINE: [section] key: " + message. */
static void LOG_PRINTF(5, 6)
key_error(struct ctx *c, int line, int sect, const char *key,
    const char *fmt, ...)
{
	va_list ap;
	char *msg, vkey[128];

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	log_vis(vkey, sizeof(vkey), key);
	add_error(c, line, "[%s] %s: %s",
	    sect >= 0 ? section_names[sect] : "", vkey, msg);
	free(msg);
}

static int
error_cmp(const void *a, const void *b)
{
	const struct config_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* All errors, sorted by line, one per line; frees them. */
static char *
join_errors(struct ctx *c)
{
	size_t i, len = 0, o = 0, n;
	char *s;

	qsort(c->errs, c->nerrs, sizeof(*c->errs), error_cmp);
	for (i = 0; i < c->nerrs; i++)
		len += strlen(c->errs[i].text) + 1;
	s = xmalloc(len + 1);
	for (i = 0; i < c->nerrs; i++) {
		if (i > 0)
			s[o++] = '\n';
		n = strlen(c->errs[i].text);
		memcpy(s + o, c->errs[i].text, n);
		o += n;
	}
	s[o] = '\0';
	return s;
}

static void
free_errors(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nerrs; i++)
		free(c->errs[i].text);
	free(c->errs);
	c->errs = NULL;
	c->nerrs = 0;
}

/*
 * Numbers, sizes, durations.
 */

/* Leading decimal digits of s. 0, -1 (no digit), -2 (overflow). */
static int
parse_digits(const char *s, long long *out, const char **endp)
{
	long long n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (LL_MAX - (*p - '0')) / 10)
			return -2;
		n = n * 10 + (*p - '0');
	}
	*out = n;
	*endp = p;
	return 0;
}

/* A number with an optional one-letter unit: 0, -1 (bad), -2 (overflow). */
static int
parse_unit(const char *s, const char *units, const long long *mult,
    long long *out)
{
	const char *end, *u;
	long long n, m = 1;
	int rc;

	rc = parse_digits(s, &n, &end);
	if (rc != 0)
		return rc;
	if (*end != '\0') {
		u = strchr(units, *end);
		if (u == NULL || end[1] != '\0')
			return -1;
		m = mult[u - units];
	}
	if (n > LL_MAX / m)
		return -2;
	*out = n * m;
	return 0;
}

static int
parse_duration(const char *s, long long *secs)
{
	static const long long mult[] = { 1, 60, 3600, 86400, 604800 };

	return parse_unit(s, "smhdw", mult, secs);
}

static int
parse_size(const char *s, long long *bytes)
{
	static const long long mult[] = {
		1024, 1024, 1024LL * 1024, 1024LL * 1024,
		1024LL * 1024 * 1024, 1024LL * 1024 * 1024
	};

	return parse_unit(s, "kKmMgG", mult, bytes);
}

int
config_parse_duration(const char *s, long long *secs)
{
	return parse_duration(s, secs) == 0 ? 0 : -1;
}

int
config_parse_size(const char *s, long long *bytes)
{
	return parse_size(s, bytes) == 0 ? 0 : -1;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	size_t i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Host names and URLs.
 */

/* A DNS name or dotted IPv4 address: labels of letters, digits and '-'. */
static int
valid_hostname(const char *h, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/*
 * Parse "host", "host:port", "[v6]" or "[v6]:port" in [p, end) into a new
 * *hostp (no brackets, trailing dot removed) and *portp. default_port 0
 * means the port is required. 0, or -1 with msg.
 */
static int
parse_hostport(const char *p, const char *end, int default_port,
    char **hostp, int *portp, char *msg, size_t msgsz)
{
	const char *h, *hend, *after, *colon;
	char v6[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	long long port;
	size_t hn;

	if (p < end && *p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (hend == NULL) {
			snprintf(msg, msgsz, "missing ] after the IPv6 "
			    "address");
			return -1;
		}
		h = p + 1;
		hn = (size_t)(hend - h);
		if (hn == 0 || hn >= sizeof(v6)) {
			snprintf(msg, msgsz, "bad IPv6 address");
			return -1;
		}
		memcpy(v6, h, hn);
		v6[hn] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1) {
			snprintf(msg, msgsz, "bad IPv6 address");
			return -1;
		}
		after = hend + 1;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hend = colon != NULL ? colon : end;
		h = p;
		hn = (size_t)(hend - h);
		if (hn > 1 && h[hn - 1] == '.')
			hn--;	/* "mail.corp.example." */
		if (!valid_hostname(h, hn)) {
			snprintf(msg, msgsz, "bad host name (letters, digits, "
			    "'-' and '.'; IPv6 addresses in [ ])");
			return -1;
		}
		after = hend;
	}
	if (after == end) {
		if (default_port == 0) {
			snprintf(msg, msgsz, "a port is required (host:port)");
			return -1;
		}
		port = default_port;
	} else {
		if (*after != ':' || after + 1 == end || end - after > 6 ||
		    parse_digits(after + 1, &port, &p) != 0 || p != end ||
		    port < 1 || port > 65535) {
			snprintf(msg, msgsz, "bad port (expected :1 to :65535 "
			    "after the host)");
			return -1;
		}
	}
	*hostp = xstrndup(h, hn);
	*portp = (int)port;
	return 0;
}

/*
 * scheme://host[:port][/] into srv->url/tls/host/port. The value is never
 * echoed: a URL with user info may carry a password.
 */
static int
parse_url(const char *v, const struct url_scheme *s,
    struct config_mailsrv *srv, char *msg, size_t msgsz)
{
	const char *sep, *rest, *end;
	size_t sn;
	int tls;

	sep = strstr(v, "://");
	if (sep == NULL) {
		snprintf(msg, msgsz, "expected %s://host[:port] or "
		    "%s://host[:port]", s->plain, s->tls);
		return -1;
	}
	sn = (size_t)(sep - v);
	if (sn == strlen(s->plain) && strncasecmp(v, s->plain, sn) == 0)
		tls = 0;
	else if (sn == strlen(s->tls) && strncasecmp(v, s->tls, sn) == 0)
		tls = 1;
	else {
		snprintf(msg, msgsz, "unknown scheme (expected %s:// or %s://)",
		    s->plain, s->tls);
		return -1;
	}
	rest = sep + 3;
	end = rest + strlen(rest);
	if (end > rest && end[-1] == '/')
		end--;		/* an empty path is harmless */
	if (memchr(rest, '@', (size_t)(end - rest)) != NULL) {
		snprintf(msg, msgsz, "no user name or password in the url; "
		    "use user and password_file");
		return -1;
	}
	if (strcspn(rest, "/?#") < (size_t)(end - rest)) {
		snprintf(msg, msgsz, "the url must not have a path, query "
		    "or fragment");
		return -1;
	}
	if (parse_hostport(rest, end, tls ? s->port_tls : s->port_plain,
	    &srv->host, &srv->port, msg, msgsz) == -1)
		return -1;
	srv->tls = tls;
	srv->url = xstrdup(v);
	return 0;
}

/* localhost, 127.0.0.0/8, ::1 (and ::ffff:127.0.0.0/104). */
static int
is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/*
 * Checks of string values: 0, or -1 with msg.
 */

static int
check_file(const char *v, char *msg, size_t msgsz)
{
	char vis[256];
	struct stat st;
	int fd;

	log_vis(vis, sizeof(vis), v);
	fd = open(v, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(msg, msgsz, "%s: cannot read: %s", vis,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s: not a regular file", vis);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
check_dir(const char *v, char *msg, size_t msgsz)
{
	char vis[256];
	struct stat st;

	log_vis(vis, sizeof(vis), v);
	if (stat(v, &st) == -1) {
		snprintf(msg, msgsz, "%s: %s", vis, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsz, "%s: not a directory", vis);
		return -1;
	}
	return 0;
}

/* RFC 5322 atext, for a dot-atom local part. */
static int
is_atext(unsigned char ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~",
	    ch) != NULL);
}

/* A plain addr-spec: dot-atom "@" host name; no display name, no <>. */
static int
check_addr(const char *v, char *msg, size_t msgsz)
{
	const char *at;
	size_t i, n;
	char vis[128];

	log_vis(vis, sizeof(vis), v);
	n = strlen(v);
	at = strrchr(v, '@');
	if (n > LIMIT_ADDR_BYTES || at == NULL || at == v ||
	    v[0] == '.' || at[-1] == '.' ||
	    !valid_hostname(at + 1, strlen(at + 1)))
		goto bad;
	for (i = 0; v + i < at; i++) {
		if (v[i] == '.' && v[i + 1] == '.')
			goto bad;
		if (v[i] != '.' && !is_atext((unsigned char)v[i]))
			goto bad;
	}
	return 0;
bad:
	snprintf(msg, msgsz, "\"%s\" is not a plain address "
	    "(local@domain, no name or <>)", vis);
	return -1;
}

static int
check_name(const char *v, char *msg, size_t msgsz)
{
	if (strlen(v) > LIMIT_NAME_BYTES) {
		snprintf(msg, msgsz, "longer than %d bytes", LIMIT_NAME_BYTES);
		return -1;
	}
	return 0;
}

/* An account of this system other than root. */
static int
check_user(const char *v, char *msg, size_t msgsz)
{
	struct passwd *pw;
	char vis[64];

	log_vis(vis, sizeof(vis), v);
	errno = 0;
	if ((pw = getpwnam(v)) == NULL) {
		snprintf(msg, msgsz, "\"%s\": no such user", vis);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(msg, msgsz, "\"%s\" is root; leave the key out to "
		    "run as the user ticketd is started as", vis);
		return -1;
	}
	return 0;
}

static int
check_tag(const char *v, char *msg, size_t msgsz)
{
	size_t i, n = strlen(v);
	char vis[64];

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
		    v[i] != '_')
			break;
	if (n > TAG_MAX || i < n) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\": 1 to %d letters, digits, "
		    "'-' or '_'", vis, TAG_MAX);
		return -1;
	}
	return 0;
}

static int
check_listen(const char *v, char *msg, size_t msgsz)
{
	char *host = NULL, m[128], vis[128];
	int port;

	if (parse_hostport(v, v + strlen(v), 0, &host, &port, m,
	    sizeof(m)) == -1) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\": %s", vis, m);
		return -1;
	}
	free(host);
	return 0;
}

static int
check_http_url(const char *v, char *msg, size_t msgsz)
{
	const char *rest = NULL;
	char vis[128];

	if (strncasecmp(v, "https://", 8) == 0)
		rest = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		rest = v + 7;
	if (rest == NULL || *rest == '\0' || *rest == '/' ||
	    strpbrk(v, " \t\"<>\\") != NULL) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\" is not an http:// or https:// "
		    "url", vis);
		return -1;
	}
	return 0;
}

static int
check_hours(const char *v, char *msg, size_t msgsz)
{
	struct sla_hours h;

	return sla_hours_parse(v, strlen(v), &h, msg, msgsz);
}

/* An IANA zone name that the system's tzdata has: "Europe/Berlin". */
static int
check_timezone(const char *v, char *msg, size_t msgsz)
{
	char path[512], vis[128];
	struct stat sb;
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+'))
			break;
	if (*v == '\0' || *v == '/' || *p != '\0' || strstr(v, "..") !=
	    NULL || strlen(v) > 64) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\" is not a time zone name (an "
		    "IANA name such as Europe/Berlin or UTC)", vis);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", TZDIR, v);
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(msg, msgsz, "no time zone \"%s\" in %s (is tzdata "
		    "installed?)", v, TZDIR);
		return -1;
	}
	return 0;
}

/* "80%", "80" or "off" (0). */
static int
check_percent(const char *v, char *msg, size_t msgsz)
{
	char vis[64];

	if (config_parse_percent(v, NULL) == -1) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\" is not a share of the target "
		    "(1%% to 99%%, or off)", vis);
		return -1;
	}
	return 0;
}

/* [assets] types: see asset_types_parse(). */
static int
check_asset_types(const char *v, char *msg, size_t msgsz)
{
	char **t;

	if (asset_types_parse(v, &t, msg, msgsz) == -1)
		return -1;
	asset_types_free(t);
	return 0;
}

/* [assets] link: the syntax; the types are checked in check_all(). */
static int
check_asset_link(const char *v, char *msg, size_t msgsz)
{
	struct asset_link *l;
	size_t n;

	if (asset_links_parse(v, NULL, &l, &n, msg, msgsz) == -1)
		return -1;
	asset_links_free(l, n);
	return 0;
}

/* "HH:MM" (local time in [sla] timezone) or "off". */
static int
check_clock_time(const char *v, char *msg, size_t msgsz)
{
	char vis[64];

	if (config_parse_clock(v, NULL) == -1) {
		log_vis(vis, sizeof(vis), v);
		snprintf(msg, msgsz, "\"%s\" is not a time of day (HH:MM, "
		    "e.g. 08:30) or off", vis);
		return -1;
	}
	return 0;
}

int
config_parse_percent(const char *v, int *pct)
{
	size_t n = strlen(v);
	int x = 0;

	if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0) {
		if (pct != NULL)
			*pct = 0;
		return 0;
	}
	if (n > 0 && v[n - 1] == '%')
		n--;
	if (n == 0 || n > 2)
		return -1;
	if (v[0] < '0' || v[0] > '9' || (n == 2 && (v[1] < '0' ||
	    v[1] > '9')))
		return -1;
	x = n == 2 ? (v[0] - '0') * 10 + (v[1] - '0') : v[0] - '0';
	if (x < 1)
		return -1;
	if (pct != NULL)
		*pct = x;
	return 0;
}

int
config_parse_clock(const char *v, int *minute)
{
	int hh, mm;

	if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0) {
		if (minute != NULL)
			*minute = -1;
		return 0;
	}
	if (strlen(v) != 5 || v[2] != ':' || v[0] < '0' || v[0] > '2' ||
	    v[1] < '0' || v[1] > '9' || v[3] < '0' || v[3] > '5' ||
	    v[4] < '0' || v[4] > '9')
		return -1;
	hh = (v[0] - '0') * 10 + (v[1] - '0');
	mm = (v[3] - '0') * 10 + (v[4] - '0');
	if (hh > 23)
		return -1;
	if (minute != NULL)
		*minute = hh * 60 + mm;
	return 0;
}

/*
 * Setting values.
 */

/* Append s to the NUL-terminated msg, cutting at msgsz. */
static void
strlcat_msg(char *msg, size_t msgsz, const char *s)
{
	size_t o = strlen(msg);

	if (o < msgsz)
		snprintf(msg + o, msgsz - o, "%s", s);
}

static int
has_control(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 1;
	return 0;
}

/* Store value v of entry e, or report why not. */
static int
store_value(struct ctx *c, const struct config_entry *e, const char *v,
    int line)
{
	void *field = (char *)c->cfg + e->offset;
	const char *const *names, *end;
	char msg[512], vis[128];
	long long n = 0;
	size_t i;
	int rc, b;

	if (*v == '\0' && (e->flags & F_EMPTY)) {
		*(char **)field = xstrdup("");
		return 0;
	}
	if (*v == '\0') {
		key_error(c, line, e->section, e->key, "empty value%s",
		    e->flags & F_REQUIRED ? "" :
		    " (leave the key out for its default)");
		return -1;
	}
	if (has_control(v)) {
		key_error(c, line, e->section, e->key,
		    "control character in the value");
		return -1;
	}
	if (e->flags & F_SECRET)
		vis[0] = '\0';
	else
		log_vis(vis, sizeof(vis), v);

	switch (e->type) {
	case CT_STRING:
		if (e->check != NULL && e->check(v, msg, sizeof(msg)) == -1) {
			key_error(c, line, e->section, e->key, "%s", msg);
			return -1;
		}
		*(char **)field = xstrdup(v);
		return 0;
	case CT_BOOL:
		if (parse_bool(v, &b) == -1) {
			key_error(c, line, e->section, e->key, "\"%s\" is not "
			    "yes or no (or true/false, on/off, 1/0)", vis);
			return -1;
		}
		*(int *)field = b;
		return 0;
	case CT_INT:
	case CT_SIZE:
	case CT_DURATION:
		if (e->type == CT_SIZE)
			rc = parse_size(v, &n);
		else if (e->type == CT_DURATION || (e->flags & F_DURSYNTAX))
			rc = parse_duration(v, &n);
		else
			rc = parse_digits(v, &n, &end) == 0 && *end == '\0' ?
			    0 : -1;
		if (rc == -1) {
			key_error(c, line, e->section, e->key,
			    "\"%s\" is not %s",
			    vis, e->type == CT_SIZE ? "a size (bytes, or a "
			    "number with k, M or G)" : e->type == CT_DURATION ||
			    (e->flags & F_DURSYNTAX) ? "a duration (seconds, "
			    "or a number with s, m, h, d or w)" :
			    "a whole number");
			return -1;
		}
		if (rc == -2 || n < e->min || n > e->max) {
			key_error(c, line, e->section, e->key, "\"%s\" is out "
			    "of range (%lld to %lld%s)", vis, e->min, e->max,
			    e->type == CT_SIZE ? " bytes" : e->type ==
			    CT_DURATION || (e->flags & F_DURSYNTAX) ?
			    " seconds" : "");
			return -1;
		}
		if (e->type == CT_INT)
			*(int *)field = (int)n;
		else
			*(long long *)field = n;
		return 0;
	case CT_ENUM:
		names = e->arg;
		for (i = 0; names[i] != NULL; i++) {
			if (strcasecmp(v, names[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		}
		msg[0] = '\0';
		for (i = 0; names[i] != NULL; i++) {
			strlcat_msg(msg, sizeof(msg), i == 0 ? "" :
			    names[i + 1] == NULL ? " or " : ", ");
			strlcat_msg(msg, sizeof(msg), names[i]);
		}
		key_error(c, line, e->section, e->key, "\"%s\": expected %s",
		    vis, msg);
		return -1;
	case CT_URL:
		if (parse_url(v, e->arg, field, msg, sizeof(msg)) == -1) {
			key_error(c, line, e->section, e->key, "%s", msg);
			return -1;
		}
		return 0;
	}
	fatalx("config: bad type %d", (int)e->type);
}

/* Store value v of entry e; line 0 means a default (must not fail). */
static int
set_value(struct ctx *c, const struct config_entry *e, const char *v,
    int line)
{
	if (store_value(c, e, v, line) == -1)
		return -1;
	c->valid[e - config_table] = 1;
	return 0;
}

static const struct config_entry *
find_entry(int sect, const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < NENTRIES; i++) {
		if (config_table[i].section == sect &&
		    strcasecmp(config_table[i].key, key) == 0) {
			*idx = i;
			return &config_table[i];
		}
	}
	return NULL;
}

/*
 * [categories]: name = sub, sub, … (lower-cased; letters, digits, '-', '_').
 */

static int
valid_catname(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static char *
lowerdup(const char *s, size_t n)
{
	char *d = xstrndup(s, n);
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

static void
set_category(struct ctx *c, const char *name, const char *value)
{
	struct config_category cat;
	const char *p, *q, *end;
	char *lname, *sub, vis[128];
	size_t i, n;

	if (has_control(value)) {
		key_error(c, c->lineno, SEC_CATEGORIES, name,
		    "control character in the value");
		return;
	}
	if (!valid_catname(name, strlen(name))) {
		key_error(c, c->lineno, SEC_CATEGORIES, name, "bad category "
		    "name (letters, digits, '-' and '_')");
		return;
	}
	lname = lowerdup(name, strlen(name));
	for (i = 0; i < c->ncats; i++) {
		if (strcmp(c->cats[i].name, lname) == 0) {
			key_error(c, c->lineno, SEC_CATEGORIES, name,
			    "duplicate category (first on line %d)",
			    c->cats[i].line);
			free(lname);
			return;
		}
	}
	c->cats = xreallocarray(c->cats, c->ncats + 1, sizeof(*c->cats));
	c->cats[c->ncats].name = lname;
	c->cats[c->ncats].line = c->lineno;
	c->ncats++;

	memset(&cat, 0, sizeof(cat));
	p = value;
	end = value + strlen(value);
	while (*value != '\0' && p <= end) {
		q = memchr(p, ',', (size_t)(end - p));
		if (q == NULL)
			q = end;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(q - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!valid_catname(p, n)) {
			log_vis(vis, sizeof(vis), value);
			key_error(c, c->lineno, SEC_CATEGORIES, name, "\"%s\": "
			    "subcategories are a comma-separated list of "
			    "letters, digits, '-' and '_'", vis);
			goto fail;
		}
		sub = lowerdup(p, n);
		for (i = 0; i < cat.nsubs; i++) {
			if (strcmp(cat.subs[i], sub) == 0) {
				log_vis(vis, sizeof(vis), sub);
				key_error(c, c->lineno, SEC_CATEGORIES, name,
				    "duplicate subcategory \"%s\"", vis);
				free(sub);
				goto fail;
			}
		}
		cat.subs = xreallocarray(cat.subs, cat.nsubs + 1,
		    sizeof(*cat.subs));
		cat.subs[cat.nsubs++] = sub;
		p = q + 1;
	}
	cat.name = xstrdup(lname);
	c->cfg->categories = xreallocarray(c->cfg->categories,
	    c->cfg->ncategories + 1, sizeof(*c->cfg->categories));
	c->cfg->categories[c->cfg->ncategories++] = cat;
	return;
fail:
	for (i = 0; i < cat.nsubs; i++)
		free(cat.subs[i]);
	free(cat.subs);
}

/*
 * The inih side: reader and handler.
 */

/* Called with the line inih is working on (c->lineno). */
static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctx *c = user;
	const struct config_entry *e;
	size_t idx;

	(void)section;	/* c->sect, from the reader, is the same */
	c->handled = 1;
	if (c->sect == SECT_IGNORE)
		return 1;	/* reported at its header */
	if (c->sect == SECT_NONE) {
		key_error(c, c->lineno, -1, name, "key outside of any "
		    "[section]");
		return 1;
	}
	if (c->sect == SEC_CATEGORIES) {
		set_category(c, name, value);
		return 1;
	}
	e = find_entry(c->sect, name, &idx);
	if (e == NULL) {
		key_error(c, c->lineno, c->sect, name, "unknown key");
		return 1;
	}
	if (c->seen[idx] != 0) {
		key_error(c, c->lineno, c->sect, e->key, "duplicate key "
		    "(first on line %d)", c->seen[idx]);
		return 1;
	}
	c->seen[idx] = c->lineno;
	set_value(c, e, value, c->lineno);
	return 1;	/* errors are ours; inih's return is for syntax */
}

/* After inih is done with a line: a key line it did not hand us is bad. */
static void
finish_line(struct ctx *c)
{
	if (c->kind == LINE_KEY && !c->handled)
		add_error(c, c->lineno, "syntax error: expected "
		    "name = value");
	c->kind = LINE_BLANK;
}

/* A "[name]" line (leading space gone), the way inih reads it. */
static void
section_line(struct ctx *c, const char *p, size_t n)
{
	const char *q, *end = p + n, *name;
	char vis[128], *s;
	size_t nn;
	int was_space = 0, i;

	/* inih: up to ']' or an inline comment (';' after white space) */
	for (q = p + 1; q < end && *q != ']'; q++) {
		if (was_space && *q == ';')
			break;
		was_space = isspace((unsigned char)*q);
	}
	if (q == end || *q != ']') {
		add_error(c, c->lineno, "syntax error: missing ] in "
		    "section header");
		c->sect = SECT_IGNORE;
		return;
	}
	name = p + 1;
	nn = (size_t)(q - name);
	while (nn > 0 && isspace((unsigned char)*name)) {
		name++;
		nn--;
	}
	while (nn > 0 && isspace((unsigned char)name[nn - 1]))
		nn--;
	for (i = 0; i < SEC_N; i++) {
		if (strlen(section_names[i]) == nn &&
		    strncasecmp(section_names[i], name, nn) == 0) {
			c->sect = i;
			if (c->sect_line[i] == 0)
				c->sect_line[i] = c->lineno;
			return;
		}
	}
	s = xstrndup(name, nn);
	log_vis(vis, sizeof(vis), s);
	free(s);
	add_error(c, c->lineno, "[%s]: unknown section", vis);
	c->sect = SECT_IGNORE;
}

/*
 * fgets-style reader: the next line, leading white space removed (so inih
 * never sees a continuation line), CR/LF removed, a UTF-8 BOM removed.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	const char *p, *nl;
	size_t n;

	finish_line(c);
	if (c->pos >= c->len)
		return NULL;
	p = c->data + c->pos;
	nl = memchr(p, '\n', c->len - c->pos);
	n = nl != NULL ? (size_t)(nl - p) : c->len - c->pos;
	c->pos += n + (nl != NULL ? 1 : 0);
	c->lineno++;
	c->handled = 0;
	c->kind = LINE_BLANK;
	str[0] = '\0';

	if (c->lineno == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (memchr(p, '\0', n) != NULL) {
		add_error(c, c->lineno, "NUL byte in the line");
		return str;
	}
	if (num < 1 || n > (size_t)num - 1) {
		add_error(c, c->lineno, "line too long (%zu bytes; libinih "
		    "reads at most %d)", n, num - 1);
		return str;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	if (n == 0 || *p == ';' || *p == '#')
		return str;
	if (*p == '[') {
		c->kind = LINE_SECTION;
		section_line(c, p, n);
		return str;
	}
	c->kind = LINE_KEY;
	return str;
}

static int
read_file(struct ctx *c)
{
	struct stat st;
	ssize_t r;
	size_t cap;
	int fd;

	fd = open(c->file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		add_error(c, -1, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		add_error(c, -1, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		add_error(c, -1, "not a regular file");
		goto fail;
	}
	cap = CONFIG_FILE_MAX + 1;
	c->data = xmalloc(cap);
	c->len = 0;
	for (;;) {
		r = read(fd, c->data + c->len, cap - c->len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			add_error(c, -1, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		c->len += (size_t)r;
		if (c->len == cap) {
			add_error(c, -1, "larger than %d bytes",
			    CONFIG_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * password_file: a regular file, no access for group or others; the
 * password is its first line. The content never reaches a message.
 */
static int
read_secret(const char *path, char **out, char *msg, size_t msgsz)
{
	char vis[256], *data = NULL, *nl;
	size_t cap = LIMIT_SECRET_BYTES + 2, len = 0, n;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	log_vis(vis, sizeof(vis), path);
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(msg, msgsz, "%s: cannot open: %s", vis,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s is not a regular file", vis);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msgsz, "%s is readable by group or others; "
		    "chmod 600 it", vis);
		goto fail;
	}
	data = xmalloc(cap);
	while (len < cap) {
		r = read(fd, data + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(msg, msgsz, "%s: cannot read: %s", vis,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	nl = memchr(data, '\n', len);
	if (nl == NULL && len == cap) {
		snprintf(msg, msgsz, "%s: the password is longer than %d "
		    "bytes", vis, LIMIT_SECRET_BYTES);
		goto fail;
	}
	n = nl != NULL ? (size_t)(nl - data) : len;
	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n > LIMIT_SECRET_BYTES) {
		snprintf(msg, msgsz, "%s: the password is longer than %d "
		    "bytes", vis, LIMIT_SECRET_BYTES);
		goto fail;
	}
	if (n == 0) {
		snprintf(msg, msgsz, "%s: the first line is empty", vis);
		goto fail;
	}
	if (memchr(data, '\0', n) != NULL) {
		snprintf(msg, msgsz, "%s: NUL byte in the password", vis);
		goto fail;
	}
	*out = xstrndup(data, n);
	rc = 0;
fail:
	if (data != NULL) {
		explicit_bzero(data, cap);
		free(data);
	}
	close(fd);
	return rc;
}

static int
line_of(struct ctx *c, int sect, const char *key)
{
	size_t idx;

	if (find_entry(sect, key, &idx) == NULL)
		fatalx("config: no key [%s] %s", section_names[sect], key);
	return c->seen[idx];
}

/* 1 when [sect] key holds a good value (from the file or its default). */
static int
is_valid(struct ctx *c, int sect, const char *key)
{
	size_t idx;

	if (find_entry(sect, key, &idx) == NULL)
		fatalx("config: no key [%s] %s", section_names[sect], key);
	return c->valid[idx];
}

/*
 * token_file: checked like a password file (a regular file, no access for
 * group or others) but not read: tokens change while the daemon runs, and
 * token.c reads the file each time it changed.
 */
static int
check_token_file(const char *path, char *msg, size_t msgsz)
{
	char vis[256];
	struct stat st;
	int fd;

	log_vis(vis, sizeof(vis), path);
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(msg, msgsz, "%s: cannot open: %s", vis,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s is not a regular file", vis);
		close(fd);
		return -1;
	}
	close(fd);
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msgsz, "%s is readable by group or others; "
		    "chmod 600 it", vis);
		return -1;
	}
	return 0;
}

/*
 * The credentials of one server: password | password_file | token_file |
 * token_command, exactly one when required, none without a user.
 */
static void
check_password(struct ctx *c, int sect, struct config_mailsrv *srv,
    int required)
{
	static const char *const keys[] = { "password", "password_file",
	    "token_file", "token_command" };
	int line[4], n = 0, last = 0, i;
	char msg[512];

	for (i = 0; i < 4; i++) {
		line[i] = line_of(c, sect, keys[i]);
		if (line[i] != 0) {
			n++;
			if (line[i] > line[last] || line[last] == 0)
				last = i;
		}
	}
	if (!required) {
		for (i = 0; i < 4; i++)
			if (line[i] != 0)
				key_error(c, line[i], sect, keys[i], "not "
				    "allowed without user");
		return;
	}
	if (n > 1) {
		if (n == 2 && line[0] != 0 && line[1] != 0)
			key_error(c, line[last], sect, keys[last], "give "
			    "either password or password_file, not both");
		else
			key_error(c, line[last], sect, keys[last], "give "
			    "only one of password, password_file, token_file "
			    "and token_command");
		return;
	}
	if (n == 0) {
		key_error(c, c->sect_line[sect], sect, "password",
		    "required key is missing (or password_file, token_file "
		    "or token_command)");
		return;
	}
	if (line[2] != 0 && srv->token_file != NULL &&
	    check_token_file(srv->token_file, msg, sizeof(msg)) == -1)
		key_error(c, line[2], sect, "token_file", "%s", msg);
	if (line[1] == 0 || srv->password_file == NULL)
		return;		/* no file, or a bad value (reported) */
	if (read_secret(srv->password_file, &srv->password, msg,
	    sizeof(msg)) == -1)
		key_error(c, line[1], sect, "password_file", "%s", msg);
}

/* Defaults, required keys and the rules between keys. */
static void
check_all(struct ctx *c)
{
	struct config *cfg = c->cfg;
	const struct config_entry *e;
	const char *slash;
	char msg[256];
	size_t i;
	int line;

	for (i = 0; i < NENTRIES; i++) {
		e = &config_table[i];
		if (c->seen[i] != 0)
			continue;
		if (e->flags & F_REQUIRED) {
			key_error(c, c->sect_line[e->section], e->section,
			    e->key, "required key is missing");
			continue;
		}
		if (e->dflt != NULL && set_value(c, e, e->dflt, 0) == -1)
			fatalx("config: bad default for [%s] %s",
			    section_names[e->section], e->key);
	}

	check_password(c, SEC_IMAP, &cfg->imap.srv, 1);
	check_password(c, SEC_SMTP, &cfg->smtp.srv,
	    line_of(c, SEC_SMTP, "user") != 0);

	line = line_of(c, SEC_IMAP, "starttls");
	if (is_valid(c, SEC_IMAP, "starttls") && !cfg->imap.starttls &&
	    cfg->imap.srv.host != NULL &&
	    !is_loopback(cfg->imap.srv.host))
		key_error(c, line, SEC_IMAP, "starttls", "starttls = no is "
		    "only allowed for a loopback test server");

	if (is_valid(c, SEC_HELPDESK, "trust") &&
	    cfg->helpdesk.trust == TRUST_AUTHRES &&
	    line_of(c, SEC_HELPDESK, "authserv_id") == 0)
		key_error(c, c->sect_line[SEC_HELPDESK], SEC_HELPDESK,
		    "authserv_id", "required when trust = "
		    "authentication-results");

	line = line_of(c, SEC_HELPDESK, "max_attachment_bytes");
	if (line == 0) {
		cfg->helpdesk.max_attachment_bytes =
		    LIMIT_ATTACHMENT_BYTES_DEFAULT;
		if (is_valid(c, SEC_HELPDESK, "max_mail_bytes") &&
		    cfg->helpdesk.max_mail_bytes <
		    cfg->helpdesk.max_attachment_bytes)
			cfg->helpdesk.max_attachment_bytes =
			    cfg->helpdesk.max_mail_bytes;
	} else if (is_valid(c, SEC_HELPDESK, "max_attachment_bytes") &&
	    is_valid(c, SEC_HELPDESK, "max_mail_bytes") &&
	    cfg->helpdesk.max_attachment_bytes >
	    cfg->helpdesk.max_mail_bytes)
		key_error(c, line, SEC_HELPDESK, "max_attachment_bytes",
		    "%lld is larger than max_mail_bytes (%lld)",
		    cfg->helpdesk.max_attachment_bytes,
		    cfg->helpdesk.max_mail_bytes);

	if (cfg->smtp.from == NULL && cfg->helpdesk.address != NULL)
		cfg->smtp.from = xstrdup(cfg->helpdesk.address);

	/* the SLA clock's derived settings (each checked when it was set) */
	if (cfg->sla.business_hours != NULL &&
	    is_valid(c, SEC_SLA, "business_hours"))
		cfg->sla.has_hours = sla_hours_parse(cfg->sla.business_hours,
		    strlen(cfg->sla.business_hours), &cfg->sla.hours, NULL,
		    0) == 0;
	if (cfg->sla.warn_at == NULL || !is_valid(c, SEC_SLA, "warn_at") ||
	    config_parse_percent(cfg->sla.warn_at, &cfg->sla.warn_pct) == -1)
		cfg->sla.warn_pct = 0;
	if (cfg->sla.digest_at == NULL || !is_valid(c, SEC_SLA, "digest_at") ||
	    config_parse_clock(cfg->sla.digest_at, &cfg->sla.digest_min) == -1)
		cfg->sla.digest_min = -1;
	if (cfg->helpdesk.guess_confidence == NULL ||
	    !is_valid(c, SEC_HELPDESK, "guess_confidence") ||
	    config_parse_percent(cfg->helpdesk.guess_confidence,
	    &cfg->helpdesk.guess_pct) == -1)
		cfg->helpdesk.guess_pct = 0;
	if (cfg->helpdesk.retrain_at == NULL ||
	    !is_valid(c, SEC_HELPDESK, "retrain_at") ||
	    config_parse_clock(cfg->helpdesk.retrain_at,
	    &cfg->helpdesk.retrain_min) == -1)
		cfg->helpdesk.retrain_min = -1;

	/* issue 15: the types, then the map that names them */
	if (cfg->assets.types_as_written != NULL &&
	    is_valid(c, SEC_ASSETS, "types") &&
	    asset_types_parse(cfg->assets.types_as_written, &cfg->assets.types,
	    msg, sizeof(msg)) == -1)
		cfg->assets.types = NULL;
	if (cfg->assets.link_as_written != NULL &&
	    is_valid(c, SEC_ASSETS, "link") && cfg->assets.types != NULL &&
	    asset_links_parse(cfg->assets.link_as_written, cfg->assets.types,
	    &cfg->assets.links, &cfg->assets.nlinks, msg, sizeof(msg)) == -1)
		key_error(c, line_of(c, SEC_ASSETS, "link"), SEC_ASSETS, "link",
		    "%s", msg);

	if (cfg->web.secret_file == NULL &&
	    line_of(c, SEC_WEB, "secret_file") == 0 &&
	    cfg->helpdesk.database != NULL) {
		slash = strrchr(cfg->helpdesk.database, '/');
		if (slash == NULL)
			cfg->web.secret_file = xstrdup("web.secret");
		else
			cfg->web.secret_file = xasprintf("%.*s/web.secret",
			    (int)(slash - cfg->helpdesk.database),
			    cfg->helpdesk.database);
	}
}

int
config_load(const char *file, struct config *cfg, char **errstr)
{
	struct ctx c;
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	if (errstr != NULL)
		*errstr = NULL;
	c.file = file;
	c.cfg = cfg;
	c.sect = SECT_NONE;
	cfg->path = xstrdup(file);

	if (read_file(&c) == 0) {
		rc = ini_parse_stream(cfg_reader, &c, cfg_handler, &c);
		finish_line(&c);
		if (rc == -2)
			fatalx("config: libinih is out of memory");
		if (rc > 0) {
			/* a syntax error our reader did not foresee */
			for (i = 0; i < c.nerrs; i++)
				if (c.errs[i].line == rc)
					break;
			if (i == c.nerrs)
				add_error(&c, rc, "syntax error");
		}
		check_all(&c);
	}

	if (c.data != NULL)
		explicit_bzero(c.data, c.len);	/* may hold a password */
	free(c.data);
	for (i = 0; i < c.ncats; i++)
		free(c.cats[i].name);
	free(c.cats);
	if (c.nerrs == 0)
		return 0;
	if (errstr != NULL)
		*errstr = join_errors(&c);
	free_errors(&c);
	config_clear(cfg);
	return -1;
}

static void
free_secret(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
config_clear(struct config *cfg)
{
	const struct config_entry *e;
	struct config_mailsrv *srv;
	size_t i, j;

	if (cfg == NULL)
		return;
	free_secret(&cfg->imap.srv.password);
	free_secret(&cfg->smtp.srv.password);
	asset_types_free(cfg->assets.types);
	asset_links_free(cfg->assets.links, cfg->assets.nlinks);
	for (i = 0; i < NENTRIES; i++) {
		e = &config_table[i];
		if (e->type == CT_STRING) {
			free(*(char **)((char *)cfg + e->offset));
		} else if (e->type == CT_URL) {
			srv = (struct config_mailsrv *)((char *)cfg +
			    e->offset);
			free(srv->url);
			free(srv->host);
		}
	}
	for (i = 0; i < cfg->ncategories; i++) {
		for (j = 0; j < cfg->categories[i].nsubs; j++)
			free(cfg->categories[i].subs[j]);
		free(cfg->categories[i].subs);
		free(cfg->categories[i].name);
	}
	free(cfg->categories);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

void
config_apply_timezone(const struct config *cfg)
{
	if (cfg->sla.timezone != NULL) {
		setenv("TZ", cfg->sla.timezone, 1);
		tzset();
	}
}
