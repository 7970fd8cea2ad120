/*
 * mime_impl.h — what mime.c, mime_header.c, mime_part.c and mime_report.c
 * share; nobody else includes it (the public API is mime.h).
 */
#ifndef TICKETD_MIME_IMPL_H
#define TICKETD_MIME_IMPL_H

#include <stddef.h>

#include "buf.h"
#include "mail.h"

struct mailimf_fields;
struct mailmime;
struct mailmime_content;

#define W_BODY		0x01	/* text parts join the body */
#define W_FWD		0x02	/* inside a forwarded message/rfc822 */

/* The state of one mime_parse() walk over the tree. */
struct walk {
	struct mail	*m;
	struct buf	*out;
	struct buf	 tnef;	/* text of winmail.dat bodies */
	size_t		 max_att;
	size_t		 partcap;
	char		**refs;	/* src= values of HTML parts */
	size_t		 nrefs;
	int		 parts;
	int		 bounce;	/* a report or a bounce: returned message id wanted */
	int		 dsn_done;
	int		 rcpt_done;
	const char	*base;	/* the buffer parsed: where raw_off counts from */
	size_t		 baselen;
};

/* ---- mime_header.c ---- */

/* The header fields into *m; MAIL_F_NOHEADERS when there are none. */
void	mime_headers(struct mail *m, const struct mailimf_fields *fields);
/*
 * One pass over the raw header block: every field in order, the places of
 * the Authentication-Results fields, every X-Loop, and the From rule
 * (MAIL_F_MULTI_FROM, from_why). After mime_headers and mime_check_from.
 */
void	mime_raw_header(struct mail *m, const char *p, size_t len);
/* Salvage From from the raw header block when libetpan misread it. */
void	mime_check_from(struct mail *m, const char *raw, size_t len);
/*
 * The unfolded value of the first field called name in the raw header
 * block p[0..len), or NULL; caller frees.
 */
char	*mime_raw_field(const char *p, size_t len, const char *name);
/* Case-insensitive: does hay contain needle? */
int	mime_contains_ci(const char *hay, const char *needle);
/* White space and controls collapsed, trimmed, cut at max; in place, s. */
char	*mime_one_line(char *s, size_t max);
/* RFC 2047 (or raw 8-bit) text as one UTF-8 line of at most max; NULL in. */
char	*mime_decode_phrase(const char *raw, size_t max);
/* An addr-spec we store and answer (domain lower-cased), or NULL. */
char	*mime_clean_addr(const char *a);
/* A Message-ID we can key on (a copy), or NULL. */
char	*mime_clean_msgid(const char *id);
/* The decoded Subject of a header, or NULL; caller frees. */
char	*mime_fields_subject(const struct mailimf_fields *fields);

/* ---- mime_part.c ---- */

/* Declared as discrete type discrete, subtype sub (any when NULL)? */
int	mime_is_type(const struct mailmime *mm, int discrete, const char *sub);
/* MAILMIME_DISPOSITION_TYPE_*, or -1 when there is no disposition. */
int	mime_disposition_type(const struct mailmime *mm);
/* The Content-ID without <>, when it is one we can match; else NULL. */
char	*mime_part_cid(const struct mailmime *mm);
/* "type/subtype", lower-case, or application/octet-stream; caller frees. */
char	*mime_media_type(const struct mailmime_content *ct);
/* The decoded file name of a part, or NULL; caller frees. */
char	*mime_part_filename(const struct mailmime *mm);
/*
 * The decoded bytes of a single part (*len of them, NUL behind), or NULL;
 * MAIL_F_MIME_ERROR into *flags when the transfer encoding is broken.
 */
char	*mime_part_bytes(const struct mailmime *mm, size_t *len, int *flags);
/* The same with CRLF added (for libetpan's field parsers). */
char	*mime_part_bytes_crlf(const struct mailmime *mm, size_t *len);
/*
 * Keep a part in w->m. Takes name, type, cid and data (data NULL only when
 * already dropped: size then says how big it was).
 */
void	mime_push_part(struct walk *w, char *name, char *type, char *cid,
	    char *data, size_t size, int flags);
/* Note the src= values of an HTML text h[0..len). */
void	mime_html_refs(struct walk *w, const char *h, size_t len);
/* PART_F_REFERENCED on each part the HTML named. */
void	mime_mark_refs(struct walk *w);
/* Is the part winmail.dat (by type, or name as decoded)? */
int	mime_is_tnef(const struct mailmime *mm, const char *name);
/* winmail.dat: its files become parts, its text w->tnef. 0 if unpacked. */
int	mime_walk_tnef(struct walk *w, const char *data, size_t len, int mode);
/* w->tnef into the body: alone, or under a marker after the text. */
void	mime_merge_tnef(struct walk *w);

/* ---- mime_report.c ---- */

/* message/delivery-status (dsn 1) or disposition-notification (dsn 0). */
void	mime_walk_dsn(struct walk *w, const struct mailmime *mm, int dsn);
/* text/rfc822-headers of a report: the returned mail's Message-ID. */
void	mime_walk_headers_part(struct walk *w, const struct mailmime *mm);
/* The clean Message-ID of a header, or NULL; caller frees. */
char	*mime_fields_msgid(const struct mailimf_fields *fields);
/* The first quoted "Message-ID: <id>" line of a bounce text, or NULL. */
char	*mime_quoted_msgid(const char *body);
/* From MAILER-DAEMON, postmaster and the like, or Return-Path <>. */
int	mime_looks_like_bounce(const struct mail *m);

#endif
