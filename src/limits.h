/*
 * limits.h — every cap on untrusted input lives here (STYLE 17).
 * Over a cap, the mail is quarantined with a reason, never silently cut.
 */
#ifndef TICKETD_LIMITS_H
#define TICKETD_LIMITS_H

/* Largest mail accepted by default ([helpdesk] max_mail_bytes). */
#define LIMIT_MAIL_BYTES_DEFAULT	(25LL * 1024 * 1024)
/* Hard ceiling for max_mail_bytes: nothing larger is ever read. */
#define LIMIT_MAIL_BYTES_MAX		(200LL * 1024 * 1024)
/* Default for one attachment ([helpdesk] max_attachment_bytes). */
#define LIMIT_ATTACHMENT_BYTES_DEFAULT	(10LL * 1024 * 1024)
/* Deepest MIME nesting walked, and most parts looked at (as Dovecot). */
#define LIMIT_MIME_DEPTH		100
#define LIMIT_MIME_PARTS		10000
/* Longest stored subject in bytes (longer ones are cut at a UTF-8 boundary
 * and marked with an ellipsis — the raw mail keeps the whole). */
#define LIMIT_SUBJECT_BYTES		998
/* Longest stored body text; the raw mail keeps the whole. */
#define LIMIT_BODY_BYTES		(1024 * 1024)
/* Addresses kept per To, Cc and Delivered-To list. */
#define LIMIT_RCPTS			100
/* src= values (image references) kept from the HTML parts of a mail. */
#define LIMIT_HTML_REFS			1000
/* Longest address or display name we store. */
#define LIMIT_ADDR_BYTES		320
#define LIMIT_NAME_BYTES		256
/* Longest Message-ID we store (longer ones are replaced by a hash). */
#define LIMIT_MSGID_BYTES		995
/* Mails fetched and committed per IMAP batch / per transaction. */
#define LIMIT_INTAKE_BATCH		200
/* Most bytes of mail bodies held in memory for one batch (≥ 1 mail). */
#define LIMIT_INTAKE_BATCH_BYTES	(64LL * 1024 * 1024)
/* Held notices named in one digest (the rest wait for the next). */
#define LIMIT_DIGEST_ITEMS		1000
/* Most bytes of a stranger's subject echoed in an access-denied notice. */
#define LIMIT_ECHO_SUBJECT_BYTES	80
/* Breaches listed in one report or daily digest (the oldest first). */
#define LIMIT_REPORT_BREACHES		200
/* Outbox rows sent per drain pass. */
#define LIMIT_OUTBOX_BATCH		100
/* Deepest quote level html2text writes as "> > …" (deeper shows at this). */
#define LIMIT_QUOTE_LEVEL		32
/* Most bytes of images one notice carries (the rest stay on the ticket). */
#define LIMIT_NOTICE_IMAGE_BYTES	(10 * 1024 * 1024)
/* Largest template file. */
#define LIMIT_TEMPLATE_BYTES		(64 * 1024)
/* Largest configuration file. */
#define LIMIT_CONFIG_BYTES		(1024 * 1024)
/* Largest secret (password_file). */
#define LIMIT_SECRET_BYTES		4096
/* Longest OAuth2 access token (Entra ID tokens with many claims pass 4 KB). */
#define LIMIT_TOKEN_BYTES		(16 * 1024)

/* command.c, fields.c */
/* Most commands read from one admin reply or one control mail; past it one
 * CMD_ERROR entry says so and the mail is refused whole. */
#define LIMIT_COMMANDS			50
/* Longest command line in bytes, without its line end; longer is a
 * CMD_ERROR (put a long note in the comment below the commands). */
#define LIMIT_COMMAND_LINE_BYTES	4096
/* Most categories in one "skills" control command. */
#define LIMIT_SKILLS			64
/* Longest category or subcategory name. */
#define LIMIT_CATEGORY_BYTES		64
/* Most bytes of offending input quoted back in an error or a bad-value
 * text (longer is cut at a UTF-8 boundary and marked with "..."). */
#define LIMIT_QUOTED_BYTES		80
/* Most lines before a control mail's first command that its transcript
 * names one by one (the greeting); the rest are counted in one line. */
#define LIMIT_SKIPPED_LINES		10

/* classifier.c, kb.c */
/* Words of one text the category classifier reads (the rest are left out:
 * a 20,000-word mail costs no more than this). */
#define LIMIT_CLASSIFIER_WORDS		4000
/* Longest knowledge-base article (its Markdown). The page renders it with
 * cmark at every view, and cmark 0.30.2 is quadratic on some input (1 MB
 * of "![[]()" takes minutes, 32 KiB a third of a second): an edit over
 * this is refused, a published ticket's text is cut to fit. */
#define LIMIT_ARTICLE_BYTES		(32 * 1024)

/* authres.c, assign.c */
/* Longest Authentication-Results value read (real ones are < 4 KiB);
 * a longer one from our authserv-id counts for nothing. */
#define LIMIT_AUTHRES_BYTES		(16 * 1024)
/* Most results (";"-separated) in one Authentication-Results value. */
#define LIMIT_AUTHRES_RESULTS		100
/* Authentication-Results fields looked at per mail, from the top. */
#define LIMIT_AUTHRES_HEADERS		50

/* mime_header.c, rules.c */
/* Header fields kept in order for the rules tables (list mail, robots);
 * the raw mail keeps the rest. */
#define LIMIT_HEADER_FIELDS		500
/* Longest header value kept there (one-lined, cut at a UTF-8 boundary). */
#define LIMIT_FIELD_BYTES		998
/* X-Loop fields kept per mail (each is checked against the desk). */
#define LIMIT_XLOOP_HEADERS		20
/* The list's own addresses kept per mail (List-Post, Sender, …). */
#define LIMIT_LIST_ADDRS		8

/* csv.c, ctl_asset.c: ticketctl asset import */
/* Largest CSV file read. */
#define LIMIT_CSV_BYTES			(16 * 1024 * 1024)
/* Most records (the header row included), fields per record, and bytes
 * of one field. */
#define LIMIT_CSV_RECORDS		100000
#define LIMIT_CSV_FIELDS		64
#define LIMIT_CSV_FIELD_BYTES		4096

#endif
