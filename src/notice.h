/*
 * notice.h — compose an outgoing notice as RFC 5322 bytes: headers as
 * contracts (msmtp), UTF-8, RFC 2047 encoded words in headers, lines folded
 * and never over 998 bytes, CRLF line ends, a multipart/alternative body of
 * text/plain and text/html, each quoted-printable. Files shown by the HTML
 * make it a multipart/related of the HTML and those files (base64, inline,
 * Content-ID); other files a multipart/mixed around it all (attachments).
 * Pure: no I/O.
 */
#ifndef TICKETD_NOTICE_H
#define TICKETD_NOTICE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/*
 * A file a notice carries (the images of a ticket or comment). One with a
 * content_id is shown by the HTML part (<img src="cid:...">): it goes into
 * a multipart/related with the HTML, inline; one without is an attachment
 * of a multipart/mixed around the rest.
 */
struct notice_file {
	const char *filename;		/* UTF-8, no path */
	const char *media_type;		/* "image/png" */
	const char *data;
	size_t	    len;
	const char *content_id;		/* without <>; NULL: an attachment */
	long long   blob_id;		/* data NULL: blobs.id, written as a
					 * reference (NOTICE_REF) */
};

struct notice {
	const char *from_addr;		/* it@corp.example */
	const char *from_name;		/* "IT help desk"; may be NULL */
	const char *to_addr;
	const char *to_name;		/* may be NULL */
	const char *reply_to;		/* it+42@corp.example; may be NULL */
	const char *subject;		/* UTF-8, e.g. "[IT #42] Drucker defekt" */
	const char *message_id;		/* without <>, from notice_message_id() */
	const char *in_reply_to;	/* without <>; may be NULL */
	const char **references;	/* without <>; nrefs entries */
	size_t	    nrefs;
	const char *auto_submitted;	/* "auto-replied" or "auto-generated" */
	const char *x_loop;		/* the desk's address */
	const char *text;		/* UTF-8 text part */
	const char *html;		/* UTF-8 HTML part */
	time_t	    date;
	const struct notice_file *files;	/* nfiles: multipart/mixed */
	size_t	    nfiles;
};

/*
 * Build the message. Returns a new buffer (caller frees) of *len bytes,
 * NUL-terminated, or NULL when a header value holds CR or LF or an address
 * is not a plain addr-spec (err says which); nothing is ever sent with an
 * injected header.
 */
char	*notice_compose(const struct notice *, size_t *len, char *err, size_t errsz);

/*
 * A file given by blob_id (data NULL) is written as a reference, not as
 * base64: NUL, 'B', the blob's id, ':', its length, NUL, where its base64
 * lines go. That is how the outbox keeps a notice with images without a
 * second copy of each image (the blobs are never changed or deleted).
 * Nothing else in a composed notice is ever a NUL. A stored mail's
 * references (db_mail_add) add ":WIDTH:LF:EOL": its lines' width, 1 when
 * they end in LF rather than CRLF, 1 when a line end follows the last.
 * notice_unref() writes the base64 back, the very lines notice_compose()
 * (or the mail) had: get() gives a blob's bytes as a new buffer (0), or -1
 * with err filled. The whole, NUL-terminated, or NULL (err says why).
 */
#define NOTICE_REF_MAX		80	/* bytes of a reference, NULs included */
#define NOTICE_REF_WIDTH_MAX	100000
char	*notice_unref(const char *msg, size_t len,
	    int (*get)(void *arg, long long blob, char **data, size_t *n,
	    char *err, size_t errsz), void *arg, size_t *outlen, char *err,
	    size_t errsz);

/* The base64 lines of a file part (76 columns, CRLF between lines). */
int	notice_base64(struct buf *, const void *, size_t);
/* The same, width columns (a multiple of 4), LF or CRLF between lines. */
int	notice_base64_lines(struct buf *, const void *, size_t, size_t width,
	    int lf);

/*
 * A new unique Message-ID (without <>) for the desk: "<time>.<random>@domain"
 * where domain is the part of desk_addr after '@'. Caller frees.
 */
char	*notice_message_id(const char *desk_addr);

/* Encode a header value as RFC 2047 words where needed (exposed for tests). */
char	*notice_encode_phrase(const char *utf8);

/* Quoted-printable with CRLF soft breaks at ≤ 76 columns (exposed for tests). */
char	*notice_qp(const char *utf8, size_t *len);

#endif
