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
	char	*auto_submitted;	/* RFC 3834 Auto-Submitted value */
	char	*precedence;	/* Precedence or X-Precedence value */
	char	*subject;	/* decoded UTF-8, one line, ≤ LIMIT_SUBJECT_BYTES */
	char	*body;		/* UTF-8 text of the mail, ≤ LIMIT_BODY_BYTES */
	time_t	 date;		/* Date header; 0 when absent or bad */
	int	 flags;
};

void	mail_clear(struct mail *);

#endif
