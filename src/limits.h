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
/* Default and ceiling for one attachment ([helpdesk] max_attachment_bytes). */
#define LIMIT_ATTACHMENT_BYTES_DEFAULT	(10LL * 1024 * 1024)
/* Deepest MIME nesting walked, and most parts looked at (as Dovecot). */
#define LIMIT_MIME_DEPTH		100
#define LIMIT_MIME_PARTS		10000
/* Longest stored subject in bytes (longer ones are cut at a UTF-8 boundary
 * and marked with an ellipsis — the raw mail keeps the whole). */
#define LIMIT_SUBJECT_BYTES		998
/* Longest stored body text; the raw mail keeps the whole. */
#define LIMIT_BODY_BYTES		(1024 * 1024)
/* Longest address or display name we store. */
#define LIMIT_ADDR_BYTES		320
#define LIMIT_NAME_BYTES		256
/* Longest Message-ID we store (longer ones are replaced by a hash). */
#define LIMIT_MSGID_BYTES		995
/* Mails fetched and committed per IMAP batch / per transaction. */
#define LIMIT_INTAKE_BATCH		200
/* Most bytes of mail bodies held in memory for one batch (≥ 1 mail). */
#define LIMIT_INTAKE_BATCH_BYTES	(64LL * 1024 * 1024)
/* Outbox rows sent per drain pass. */
#define LIMIT_OUTBOX_BATCH		100
/* Deepest quote level html2text writes as "> > …" (deeper shows at this). */
#define LIMIT_QUOTE_LEVEL		32
/* Largest template file. */
#define LIMIT_TEMPLATE_BYTES		(64 * 1024)
/* Largest configuration file. */
#define LIMIT_CONFIG_BYTES		(1024 * 1024)
/* Largest secret (password_file). */
#define LIMIT_SECRET_BYTES		4096

#endif
