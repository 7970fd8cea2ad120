/*
 * web_stats.h — the desk's figures for the page (dashboard, /metrics,
 * /api/stats.json), computed by one thread of their own and shared by
 * every request: a summary refreshed on change.
 *
 * A request takes the latest snapshot. It is fresh while the database is
 * unchanged (PRAGMA data_version on a watching connection) and younger
 * than WEB_STATS_MAX_AGE. When it is not, the request asks the refresher
 * for new figures (unless the computation under way began on the very
 * version it sees: those will do) and
 *   - waits for them (up to WEB_STATS_WAIT_MAX_MS, or until the
 *     computation that would give them fails) when the last
 *     computation took under WEB_STATS_WAIT_MS: a small or ordinary desk
 *     always shows figures that include its last change;
 *   - else answers at once with the snapshot it has: a huge desk, whose
 *     figures take longer to compute, shows them at most one computation
 *     late and never makes a reader wait for them.
 * The refresher computes one snapshot at a time and rests three times as
 * long as the last computation took before the next (a quarter of one core
 * at most, under a constant flow of mail and readers). It computes the
 * first snapshot at start, before anyone asks.
 */
#ifndef TICKETD_WEB_STATS_H
#define TICKETD_WEB_STATS_H

#include <stddef.h>
#include <time.h>

#include "stats.h"

/* Unchanged figures are computed again after this many seconds (their
 * online/away marks and open-past-due breaches move with the clock). */
#define WEB_STATS_MAX_AGE	60
/* Wait for new figures when computing them took under this (ms). */
#define WEB_STATS_WAIT_MS	50
/* The longest such wait, and the longest wait for the very first. */
#define WEB_STATS_WAIT_MAX_MS	2000
#define WEB_STATS_FIRST_MAX_MS	30000

/*
 * The dashboard as rendered from one snapshot, kept for WEB_STATS_PAGE_TTL
 * seconds (its "seen 5m ago" and "made at" move with the clock), for each
 * of the last WEB_STATS_PAGES viewers' keys: under load the page is
 * copied, not drawn again.
 */
#define WEB_STATS_PAGE_TTL	5
#define WEB_STATS_PAGES		8

struct buf;
struct web_stats;

/* One computed set of figures; held by whoever took it until put back. */
struct web_snap {
	int		 refs;		/* under the web_stats lock */
	long long	 version;	/* data_version seen before computing */
	long long	 window;	/* online_window they were made for */
	long long	 gen;		/* 1, 2, … in the order computed */
	long long	 seq;		/* 1, 2, … in the order begun */
	struct stats	 st;
};

/*
 * Open two read-only connections to the database (the refresher's and
 * the watching one) and start the refresher, which computes the first
 * figures with online_window at once. NULL with err filled on failure.
 */
struct web_stats *web_stats_start(const char *dbpath, long long window,
	    char *err, size_t errsz);
void	web_stats_stop(struct web_stats **);

/*
 * The figures for a request made with online window `window`: DB_OK with
 * *snap taken (put it back with web_stats_put), or the database's error
 * (DB_TEMP/DB_PERM) when there are none to give.
 */
int	web_stats_get(struct web_stats *, long long window,
	    struct web_snap **snap);
void	web_stats_put(struct web_stats *, struct web_snap **snap);
/*
 * The dashboard rendered from snap for viewer (the desk key, or "" for
 * the open page) at now: 1 with it appended to out, else 0. Keep a newly
 * rendered one with web_stats_page_keep.
 */
int	web_stats_page(struct web_stats *, const struct web_snap *,
	    const char *viewer, time_t now, struct buf *out);
void	web_stats_page_keep(struct web_stats *, const struct web_snap *,
	    const char *viewer, time_t now, const struct buf *page);

/* Computations ended so far (with or without error), how long the last
 * one took, and the readers that waited for new figures in vain (their
 * wait ran out, or the computation they waited for failed): /metrics
 * shows them. */
void	web_stats_info(struct web_stats *, long long *computed,
	    long long *last_ms, long long *waits_missed);

#endif
