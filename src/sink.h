/*
 * sink.h — where notices go. sink_smtp.c is the only file that includes
 * libcurl. smtp:// with credentials requires STARTTLS (CURLUSESSL_ALL: no
 * AUTH in clear text, ever); smtps:// is TLS from the start; certificates
 * and host names are always verified (system store plus [smtp] ca_file).
 */
#ifndef TICKETD_SINK_H
#define TICKETD_SINK_H

#include <stddef.h>

#include "config.h"

enum sink_result {
	SINK_OK = 0,
	SINK_TEMP,	/* try again later: connection refused/dropped, timeout, 4xx */
	SINK_PERM	/* will not work as it is: 5xx for this message/recipient,
			 * certificate not trusted, TLS required but not offered */
};

struct sink;

struct sink *sink_smtp_new(const struct config *cfg);	/* no I/O */
void	sink_free(struct sink **);

/*
 * Send one message (msg: CRLF-terminated RFC 5322 bytes) from the envelope
 * sender to one recipient. Detailed reason in err (never a password).
 */
enum sink_result sink_send(struct sink *, const char *mail_from,
	    const char *rcpt_to, const char *msg, size_t len,
	    char *err, size_t errsz);

/*
 * ticketctl check: connect, STARTTLS, log in (password or OAuth2 token),
 * NOOP, QUIT; no mail is sent. On success info gets one line on what was
 * done; on failure err the reason with the server's reply.
 */
enum sink_result sink_check(struct sink *, char *info, size_t infosz,
	    char *err, size_t errsz);

#endif
