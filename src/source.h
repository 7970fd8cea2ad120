/*
 * source.h — where mails come from. source_imap.c is the only file that
 * includes libetpan's IMAP API; it verifies the server certificate itself
 * (libetpan does not) with GnuTLS before it logs in.
 *
 * All calls block for at most the configured [imap] timeout per network
 * operation. Return convention for int calls:
 *   SOURCE_OK (0)      success
 *   SOURCE_TEMP (-1)   temporary: connection dropped, server gone, timeout —
 *                      the caller closes, backs off and reconnects
 *   SOURCE_PERM (-2)   permanent until the config changes: certificate not
 *                      trusted, TLS required but not offered, login refused,
 *                      mailbox missing — the caller logs and backs off long
 * Detailed error text is written to err (errsz bytes), never a password.
 */
#ifndef TICKETD_SOURCE_H
#define TICKETD_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SOURCE_OK	0
#define SOURCE_TEMP	(-1)
#define SOURCE_PERM	(-2)

struct source;

/* One fetched mail; data is owned by the caller after fetch (free()). */
struct source_mail {
	uint32_t uid;
	char	*data;
	size_t	 len;
	size_t	 size;	/* RFC822.SIZE the server announced */
};

/* Allocate (no I/O). cfg must outlive the source. */
struct source *source_imap_new(const struct config *cfg);
void	source_free(struct source **);

/*
 * Connect, TLS (imaps:// or STARTTLS when [imap] starttls = yes), verify the
 * certificate chain and host name against the system store or ca_file,
 * LOGIN, SELECT the mailbox, and make sure the processed and failed folders
 * exist (created if missing). On failure the connection is closed.
 */
int	source_connect(struct source *, char *err, size_t errsz);
/*
 * ticketctl check: connect, verify, log in (password or OAuth2 token),
 * EXAMINE the mailbox (read-only) and look for the processed and failed
 * folders, then LOGOUT. Nothing is created or changed. On success info
 * gets one line on what was found; on failure err the reason, with the
 * server's own words where it gave some.
 */
int	source_check(struct source *, char *info, size_t infosz, char *err,
	    size_t errsz);
/* Close the connection (LOGOUT when it is still healthy). Safe to repeat. */
void	source_close(struct source *);
/* The selected mailbox's UIDVALIDITY (valid after source_connect). */
uint32_t source_uidvalidity(const struct source *);

/*
 * Fetch up to max mails still in the mailbox, lowest UID first, skipping
 * mails bigger than max_bytes (those are returned with data == NULL and
 * len == 0 so the caller can move them to the failed folder). *mails is a
 * new array (free each data, then the array); *n may be 0.
 */
int	source_fetch(struct source *, size_t max, long long max_bytes,
	    struct source_mail **mails, size_t *n, char *err, size_t errsz);

/*
 * Move the given UIDs from the mailbox into folder: UID MOVE when the server
 * has it, else UID COPY + \Deleted + UID EXPUNGE (of exactly those UIDs).
 */
int	source_move(struct source *, const uint32_t *uids, size_t n,
	    const char *folder, char *err, size_t errsz);

/*
 * Wait up to timeout_ms for new mail: IMAP IDLE when the server offers it
 * and [imap] idle = yes, else just sleep (polling). Returns 1 when new mail
 * may be there, 0 on timeout, or SOURCE_TEMP. Returns early (0) when
 * *stop becomes non-zero (a signal arrived).
 */
int	source_wait(struct source *, int timeout_ms, volatile int *stop,
	    char *err, size_t errsz);

/* 1 when the server offered IDLE and it is in use. */
int	source_has_idle(const struct source *);

#endif
