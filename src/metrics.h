/*
 * metrics.h — counters the daemon keeps in memory for /metrics: one call
 * where the thing happens (intake, IMAP, outbox), read by the web thread.
 * Atomic, so any thread may bump or read; they start at zero with the
 * process (Prometheus counters: a restart resets them, rate() copes).
 */
#ifndef TICKETD_METRICS_H
#define TICKETD_METRICS_H

#include <time.h>

/* A mail's outcome after its batch committed (enum pipeline_outcome). */
void	metrics_mail(int outcome);
/* An IMAP login succeeded; every one after the first is a reconnect. */
void	metrics_imap_connected(void);
/* A notice went to the SMTP server: 0 sent, 1 temporary, 2 permanent
 * failure (enum sink_result). */
void	metrics_notice(int result);

#define METRICS_OUTCOMES	5	/* enum pipeline_outcome */

struct metrics {
	unsigned long long mails[METRICS_OUTCOMES];	/* by outcome */
	unsigned long long imap_connects;
	unsigned long long imap_reconnects;
	unsigned long long notices_sent;
	unsigned long long smtp_temp_failures;
	unsigned long long smtp_perm_failures;
	time_t		   started;	/* metrics_start(), 0 before */
	time_t		   last_poll;	/* metrics_polled(), 0 never */
	long long	   poll_window;	/* metrics_poll_window() */
};

/*
 * The mail loop got a good answer from the mailbox (the mailbox drained,
 * an IDLE round or a poll wait ended well): /healthz shows the time.
 */
void	metrics_polled(time_t now);
/*
 * The longest a healthy mail loop goes between two metrics_polled()
 * calls, in seconds (ticketd sets it from [imap] at start); /healthz
 * says "stale" past it. 0: no mail loop in this process.
 */
void	metrics_poll_window(long long secs);

/* Remember the start time (ticketd calls it once). */
void	metrics_start(time_t now);
/* A copy of every counter. */
void	metrics_read(struct metrics *);

#endif
