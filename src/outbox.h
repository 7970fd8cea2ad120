/*
 * outbox.h — send the queued notices. A notice is sent, retried later with
 * backoff (temporary failure), or marked failed with the reason (permanent
 * failure, e.g. a 5xx for that recipient); it is never dropped.
 */
#ifndef TICKETD_OUTBOX_H
#define TICKETD_OUTBOX_H

#include <time.h>

#include "db.h"
#include "sink.h"

struct outbox {
	struct db	*db;
	struct sink	*sink;
	time_t		 hold_until;	/* server down: no attempt before this */
	int		 fails;		/* consecutive temporary failures */
};

struct outbox_stats {
	int	sent;
	int	retry;
	int	failed;
};

#define OUTBOX_NO_TICKET	(-1LL)

void	outbox_init(struct outbox *, struct db *, struct sink *);

/*
 * Send what is due at now. all != 0: every pending notice regardless of
 * its schedule (--once, --stdin); ticket != 0: only that ticket's;
 * OUTBOX_NO_TICKET: only those about no ticket (access denied, control
 * transcripts, reports, digests). Stops at
 * the first temporary failure (the server is likely down) and holds off
 * further attempts with capped exponential backoff. Returns DB_OK or the
 * database error that stopped it.
 */
int	outbox_drain(struct outbox *, time_t now, int all, long long ticket,
	    struct outbox_stats *);

/* When the next attempt is due: 1 and *when, or 0 when nothing is pending. */
int	outbox_next(struct outbox *, time_t *when);

/* Backoff after the n-th consecutive temporary failure (n ≥ 1), seconds. */
int	outbox_backoff(int n);

#endif
