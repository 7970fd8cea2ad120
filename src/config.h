/*
 * config.h — the INI file of DESIGN.md, read with libinih and mapped by one
 * table of {section, key, type, min, max, default, offset}.
 *
 * Every error names the file, the line and the key ("FILE:LINE: [sec] key:
 * message"); all errors are reported in one pass.
 */
#ifndef TICKETD_CONFIG_H
#define TICKETD_CONFIG_H

#include <stddef.h>

#include "sla.h"

struct asset_link;

enum config_trust {
	TRUST_AUTHRES = 0,	/* trust = authentication-results */
	TRUST_FROM		/* trust = from (labs, tests) */
};

enum config_assign {
	CFG_ASSIGN_AUTO = 0,
	CFG_ASSIGN_MANUAL
};

struct config_category {
	char	*name;		/* "hardware" */
	char   **subs;		/* {"laptop", "printer", …}, nsubs entries */
	size_t	 nsubs;
};

struct config_mailsrv {
	char	*url;		/* imap://host[:port] imaps://… smtp://… smtps://… */
	char	*user;		/* NULL: no login (SMTP only) */
	char	*password;	/* from password or password_file; never logged */
	char	*password_file;
	/* OAuth2 (XOAUTH2/OAUTHBEARER) instead of a password, token.h */
	char	*token_file;	/* the access token, read again when it changes */
	char	*token_command;	/* prints the access token; run by /bin/sh */
	char	*ca_file;	/* NULL: the system CA store */
	/* parsed from url: */
	int	 tls;		/* 1 for imaps:// or smtps:// (TLS from the start) */
	char	*host;		/* without brackets, trailing dot removed */
	int	 port;
};

struct config {
	char	*path;

	struct {
		struct config_mailsrv srv;
		int	 starttls;	/* yes: on imap://, refuse to log in without TLS */
		char	*mailbox;	/* INBOX */
		char	*processed;	/* Processed */
		char	*failed;	/* Failed: mails nothing usable could be read from */
		int	 idle;		/* yes */
		int	 poll_interval;	/* seconds, 30 */
		int	 timeout;	/* seconds for one network operation, 60 */
	} imap;

	struct {
		struct config_mailsrv srv;
		char	*from;		/* envelope and header From; default helpdesk.address */
		int	 timeout;	/* seconds, 60 */
	} smtp;

	struct {
		char	*address;	/* it@corp.example (required) */
		char	*name;		/* display name of the desk, "IT help desk" */
		char	*tag;		/* IT */
		char	*database;	/* path (required) */
		char	*templates;	/* directory of *.md notices */
		char	*allow_domains;	/* comma/space separated list, as written */
		char	*root_admins;
		char	*admins;
		int	 trust;		/* enum config_trust */
		char	*authserv_id;
		int	 assign;	/* enum config_assign */
		long long max_mail_bytes;
		long long max_attachment_bytes;
		int	 max_notices_per_hour;	/* to any one address, 10 */
		long long admin_digest_interval;	/* seconds between digests, 5m */
		int	 max_denied_per_hour;	/* access-denied notices in all (trust = from), 20 */
		int	 max_new_tickets_per_hour;	/* per sender; 0 = no cap; 30 */
		char	*user;		/* started as root: become this user */
		/* issue 11: the category classifier and the knowledge base */
		char	*guess_confidence;	/* as written: "70%" or "off" */
		int	 guess_pct;	/* 1..99; 0 = never guess */
		char	*retrain_at;	/* as written: "03:00" or "off" */
		int	 retrain_min;	/* minute of the local day; -1 = off */
		int	 suggestions;	/* articles named in an ack, 0..3 */
	} helpdesk;

	struct {
		long long high, medium, low;	/* resolution targets in seconds; 0 = none */
		char	*business_hours;	/* as written; NULL: the clock always runs */
		struct sla_hours hours;		/* business_hours parsed */
		int	 has_hours;		/* hours is in force */
		char	*timezone;	/* IANA name; NULL: the system's (TZ) */
		char	*warn_at;	/* as written: "80%" or "off" */
		int	 warn_pct;	/* 1..99; 0 = no warning */
		char	*digest_at;	/* as written: "08:00" or "off" */
		int	 digest_min;	/* minute of the local day; -1 = off */
	} sla;

	struct {
		char	*listen;	/* 127.0.0.1:8025; "" = no page */
		char	*base_url;	/* NULL: http://LISTEN (weblink.c) */
		char	*secret_file;
		long long online_window; /* seconds, 15m */
	} web;

	struct config_category *categories;
	size_t	 ncategories;

	/* issue 15: [assets] */
	struct {
		char	*types_as_written;	/* types = laptop, desktop, … */
		char	*link_as_written;	/* link = hardware/laptop: laptop, … */
		char   **types;		/* parsed, NULL-terminated */
		struct asset_link *links;	/* parsed link; nlinks pairs */
		size_t	 nlinks;
	} assets;
};

/*
 * Read and check FILE into *cfg (zeroed first). Returns 0, or -1 with every
 * problem in *errstr (caller frees), one per line, each "FILE:LINE: …".
 * Missing required keys, unknown sections/keys, bad values, unreadable or
 * group/other-readable password files are all errors.
 */
int	config_load(const char *file, struct config *cfg, char **errstr);
void	config_clear(struct config *);

/*
 * Parse a duration "90", "90s", "15m", "4h", "1d", "2w" into seconds.
 * Returns 0 or -1 on a bad value. Exposed for the unit test.
 */
int	config_parse_duration(const char *, long long *secs);
/* Parse "10M", "512k", "1G", "12345" (bytes). 0 or -1. */
int	config_parse_size(const char *, long long *bytes);

/*
 * Make [sla] timezone the process's zone (TZ), for the SLA clock's
 * business hours and the times in notices. Call it once, before any
 * thread starts. Nothing happens when the key is not set.
 */
void	config_apply_timezone(const struct config *);

/* "80%", "80" (1..99) or "off" (0) into *pct (may be NULL): 0 or -1. */
int	config_parse_percent(const char *, int *pct);
/* "HH:MM" (minutes after midnight) or "off" (-1) into *minute: 0 or -1. */
int	config_parse_clock(const char *, int *minute);

#endif
