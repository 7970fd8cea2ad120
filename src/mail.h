/*
 * mail.h — a parsed mail as the rest of ticketd sees it: plain UTF-8
 * strings, no library types. Filled by mime_parse(); freed by mail_clear().
 * Every string is owned by the struct and NUL-terminated; NULL when absent.
 */
#ifndef TICKETD_MAIL_H
#define TICKETD_MAIL_H

#include <stddef.h>
#include <time.h>

/* flags */
#define MAIL_F_NOHEADERS	0x01	/* no header block could be found */
#define MAIL_F_MIME_ERROR	0x02	/* the MIME structure was broken; text is best effort */
#define MAIL_F_CHARSET_ERROR	0x04	/* a text part had an unknown charset or bad bytes */
#define MAIL_F_TRUNCATED	0x08	/* a text over a cap was cut (raw mail keeps all) */
#define MAIL_F_NO_MSGID		0x10	/* message_id is the sha256 of the bytes */
#define MAIL_F_REPORT		0x20	/* top level multipart/report (DSN, MDN, ARF) */
#define MAIL_F_AUTOREPLY_HDR	0x40	/* X-Autoreply, X-Autorespond or X-Auto-Response-Suppress */
#define MAIL_F_PARTIAL		0x80	/* message/partial fragment: not readable alone */
#define MAIL_F_DROPPED_PARTS	0x100	/* a part was over max_attachment_bytes */
#define MAIL_F_REPORT_DSN	0x200	/* the report is a delivery status notification */
#define MAIL_F_MULTI_FROM	0x400	/* From is not exactly one mailbox (two From
					 * fields, a group, two addresses, words
					 * around one): never an admin's identity;
					 * from_why says which */
#define MAIL_F_FROM_FALLBACK	0x800	/* no usable From: from_addr is Sender's or
					 * Reply-To's; never an admin's identity */
#define MAIL_F_LIST		0x1000	/* list mail (set by the pipeline from
					 * rules_list_mail(); list_why says why) */

/* One attachment or inline part (an image in the text, a file). */
struct mail_part {
	char	*filename;	/* sanitised: no path, no controls; never NULL */
	char	*media_type;	/* lower-case "type/subtype" as declared */
	char	*content_id;	/* without <>; NULL when none */
	char	*data;		/* decoded bytes; NULL when dropped */
	size_t	 size;		/* decoded size, also when dropped */
	int	 flags;		/* PART_F_* */
	/*
	 * Where its base64 text lies in the raw mail (raw_len 0: not as one
	 * piece of the raw mail), so the database can keep those bytes once
	 * (db_mail_add).
	 */
	size_t	 raw_off, raw_len;
};

#define PART_F_INLINE		0x01	/* Content-Disposition inline or a Content-ID */
#define PART_F_IMAGE		0x02	/* an image by its bytes' signature (or type) */
#define PART_F_DROPPED		0x04	/* over max_attachment_bytes: data not kept */
#define PART_F_FORWARDED	0x08	/* came inside a forwarded message/rfc822 */
#define PART_F_TNEF		0x10	/* unpacked from an Outlook winmail.dat */
#define PART_F_REFERENCED	0x20	/* the HTML text refers to it (cid: or name) */

/* One header field as written, in order (for the rules tables). */
struct mail_field {
	char	*name;		/* as written, e.g. "List-Id" */
	char	*value;		/* one line, at most LIMIT_FIELD_BYTES */
};

/*
 * An Authentication-Results field and where it stood in the header (see
 * authres.h for why the place matters).
 */
struct mail_authres {
	char	*value;		/* the field body, at most LIMIT_AUTHRES_BYTES + 1 */
	int	 top;		/* 1: only trace fields (Received, Return-Path,
				 * Delivered-To, other A-R, filter fields) above it */
	size_t	 received;	/* Received fields above it */
};

/* An address from To, Cc or Delivered-To/X-Original-To. */
struct mail_addr {
	char	*addr;		/* as clean_addr() keeps it: domain lower-cased */
	char	*name;		/* decoded display name or NULL */
};

struct mail {
	char	*message_id;	/* without <>, or "sha256:<hex>" */
	char	*in_reply_to;	/* first id, without <> */
	char   **references;	/* ids without <>, nrefs entries */
	size_t	 nrefs;
	char	*from_addr;	/* lower-cased domain, as written local part */
	char	*from_name;	/* decoded UTF-8 display name */
	char	*reply_to;	/* address only */
	char	*return_path;	/* "" for <>; NULL when absent */
	char	*x_loop;	/* first X-Loop header, as written */
	char   **x_loops;	/* every X-Loop header (first LIMIT_XLOOP_HEADERS) */
	size_t	 nx_loops;
	const char *from_why;	/* static: why MAIL_F_MULTI_FROM, or NULL */
	char	*auto_submitted;	/* RFC 3834 Auto-Submitted value */
	char	*precedence;	/* Precedence or X-Precedence value */
	struct mail_authres *authres;	/* Authentication-Results, top first */
	size_t	 nauthres;
	struct mail_field *fields;	/* every header field, in order (the first
					 * LIMIT_HEADER_FIELDS) */
	size_t	 nfields;
	/* list mail: filled by the pipeline from rules.c, not by mime_parse() */
	const char *list_why;	/* static: the header that said so, or NULL */
	char   **list_addrs;	/* the list's own addresses (List-Post, Sender…) */
	size_t	 nlist_addrs;
	char	*subject;	/* decoded UTF-8, one line, ≤ LIMIT_SUBJECT_BYTES */
	char	*body;		/* UTF-8 text of the mail, ≤ LIMIT_BODY_BYTES */
	struct mail_part *parts;	/* attachments and inline parts, nparts */
	size_t	 nparts;
	struct mail_addr *to;	/* To: recipients, nto */
	size_t	 nto;
	struct mail_addr *cc;	/* Cc: recipients, ncc */
	size_t	 ncc;
	struct mail_addr *delivered_to;	/* Delivered-To, X-Original-To, Envelope-To */
	size_t	 ndelivered_to;
	/* for bounces and reports (MAIL_F_REPORT or a bounce found in text): */
	char	*report_msgid;	/* Message-ID of the mail that bounced, no <> */
	char	*report_rcpt;	/* Final-Recipient (or Original-Recipient) address */
	char	*report_action;	/* "failed", "delayed", "delivered", … lower-case */
	time_t	 date;		/* Date header; 0 when absent or bad */
	int	 flags;
};

void	mail_clear(struct mail *);

#endif
