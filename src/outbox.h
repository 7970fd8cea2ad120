/*
 * outbox.h — send the queued notices. A notice is sent, retried later with
 * backoff (temporary failure), or marked failed with the reason (permanent
 * failure, e.g. a 5xx for that recipient); it is never dropped.
 *
 * A sender leases each notice before it hands it to the SMTP server and
 * records itself as the lease's holder (lease.h). A lease whose holder is
 * gone (a killed daemon or --stdin run) is taken back by the next drain, so
 * the notice goes out at once, not when the lease would have ended; the
 * only duplicate left is the one whose sender died between the server's
 * reply and the database update.
 */
#ifndef TICKETD_OUTBOX_H
#define TICKETD_OUTBOX_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "db.h"
#include "sink.h"

#define OUTBOX_UNRECORDED_MAX	16

struct outbox {
	struct db	*db;
	struct sink	*sink;
	time_t		 hold_until;	/* server down: no attempt before this */
	int		 fails;		/* consecutive temporary failures */
	int		 first;		/* first backoff step, seconds */
	/* set by the caller: a drain stops between two notices once *stop */
	volatile sig_atomic_t *stop;
	/* sent, but the database could not record it yet (still leased) */
	long long	 unrecorded[OUTBOX_UNRECORDED_MAX];
	size_t		 nunrecorded;
};

struct outbox_stats {
	int	sent;
	int	retry;
	int	failed;
	int	reclaimed;	/* leases of gone senders taken back */
};

#define OUTBOX_NO_TICKET	(-1LL)

/*
 * The first backoff step is 30 seconds, or TICKETD_TEST_RETRY_SECS from
 * the environment (1..30, for the test suite).
 */
void	outbox_init(struct outbox *, struct db *, struct sink *);

/*
 * Send what is due at now. all != 0: every pending notice regardless of
 * its schedule (--once, --stdin); ticket > 0: only that ticket's, and the
 * older ones to the same people that they wait for (each person gets
 * their notices in the order they were written); OUTBOX_NO_TICKET: only
 * those about no ticket (access denied, control transcripts, reports,
 * digests). The first success after temporary failures makes everything
 * that waits for a retry due at once. First takes back the leases of senders
 * that are gone, and records sends the database could not record before.
 * Stops at the first temporary failure (the server is likely down) and
 * holds off further attempts with capped exponential backoff, and between
 * two notices once *ob->stop is set. Returns DB_OK or the database error
 * that stopped it.
 */
int	outbox_drain(struct outbox *, time_t now, int all, long long ticket,
	    struct outbox_stats *);

/* When the next attempt is due: 1 and *when, or 0 when nothing is pending. */
int	outbox_next(struct outbox *, time_t *when);

/*
 * What is left: pending notices, and how many of them another sender that
 * still runs holds at now. DB_OK or a database error.
 */
int	outbox_left(struct outbox *, time_t now, int *pending, int *leased);

/*
 * Before exit: record the sends the database refused so far, one last try.
 * Returns how many stay unrecorded (they go out again on the next start).
 */
size_t	outbox_flush(struct outbox *, time_t now);

/* Backoff after the n-th consecutive temporary failure (n ≥ 1), seconds. */
int	outbox_backoff(int n);

#endif
