/*
 * stats.h — the desk's figures, computed from the database in one go:
 * totals, each admin's load and performance, tickets opened and closed
 * per day, resolution times by priority. The web page's dashboard,
 * /metrics and /api/stats.json read them now; `ticketctl stats`, the
 * `report` reply and the digest are meant to read the same struct.
 *
 * Windows: "recent" figures (per day, medians, resolved in 7/30 days)
 * cover the STATS_DAYS days up to now, in the server's local time zone.
 *
 * The SLA figures: breached counts the tickets that missed their due
 * time (breached by the clock, closed after it, or open past it); an
 * admin's sla_met_pct is the share of their tickets resolved in the last
 * 30 days, among those with a target, that were resolved in time (-1
 * when none had one).
 */
#ifndef TICKETD_STATS_H
#define TICKETD_STATS_H

#include <stddef.h>
#include <time.h>

struct db;

#define STATS_DAYS	30

enum stats_prio { STATS_HIGH, STATS_MEDIUM, STATS_LOW, STATS_NPRIO };
enum stats_status {
	STATS_OPEN, STATS_ASSIGNED, STATS_RESOLVED, STATS_REJECTED,
	STATS_NSTATUS
};

struct stats_admin {
	long long   id;
	char	   *email;
	char	   *name;		/* NULL when unknown */
	int	    root;		/* a root admin */
	long long   last_seen;		/* last mail or action; 0 = never */
	int	    online;		/* last_seen within the online window */
	int	    away;		/* away now */
	long long   away_until;		/* when away: 0 = until back */
	long long   open;		/* assigned to them and not closed */
	long long   resolved_7d, resolved_30d;
	long long   median_secs;	/* resolution time, last 30 days; -1 */
	int	    sla_met_pct;	/* resolved in time, 30 days; -1 = none */
	/* from the event log of the last 30 days' tickets (stats_log) */
	long long   given, received;	/* handovers */
	long long   first_response_secs;	/* average; -1 = none */
};

struct stats_priority {
	long long   resolved;		/* resolved in the last 30 days */
	long long   median_secs;	/* -1 when none */
	long long   p90_secs;		/* -1 when none */
};

struct stats {
	time_t	    now;
	long long   online_window;	/* seconds */
	long long   raised;		/* every ticket ever */
	long long   by_status[STATS_NSTATUS];
	long long   by[STATS_NPRIO][STATS_NSTATUS];	/* priority x status */
	int	    sla_known;		/* 1: the SLA clock counts (always now) */
	long long   breached;		/* missed their due time, ever */
	/* from the event log of the last 30 days' tickets (stats_log) */
	long long   handovers;
	long long   first_response_secs;	/* average; -1 = none */
	/* issue 11: closed by their requester's /solved (status resolved,
	 * left out of the admins' resolved counts and times) */
	long long   self_help;
	/* per day, oldest first; day i starts at day_start[i] */
	time_t	    day_start[STATS_DAYS];
	long long   opened[STATS_DAYS];
	long long   closed[STATS_DAYS];	/* resolved or rejected that day */
	struct stats_priority prio[STATS_NPRIO];
	struct stats_admin *admins;	/* by address */
	size_t	    nadmins;
};

/*
 * Compute every figure at time now. DB_OK, or the database's error
 * (DB_TEMP/DB_PERM) with *st cleared. Clear with stats_clear.
 */
int	stats_compute(struct db *, time_t now, long long online_window,
	    struct stats *);
void	stats_clear(struct stats *);

/* "high", "medium", "low" / "open", "assigned", "resolved", "rejected". */
const char *stats_prio_name(int);
const char *stats_status_name(int);
/* The index of a name, or -1. */
int	stats_prio_index(const char *);
int	stats_status_index(const char *);

/*
 * The desk's numbers over a span, from its event log (ticketctl stats,
 * and the dashboard over its 30 days): every ticket created at or after
 * since counts once, and its events tell the rest.
 *   resolution time: its "resolved" event's time minus its creation;
 *   SLA met: resolved by its due time, of those resolved with a target;
 *   handovers: each assigned/reassigned that moves a ticket from one
 *     admin to another — given by the one who had it, received by the
 *     one who gets it;
 *   first response: from creation to the first comment, resolution or
 *     rejection by an admin or root admin (their role now);
 * per admin by the address that acted (or had the ticket, for handovers
 * given). Medians and percentiles by nearest rank, as stats_percentile.
 */
struct stats_log_admin {
	char	   *email;
	long long   resolved;
	long long   median_secs, p90_secs;	/* -1: none resolved */
	long long   met, targets;		/* SLA met of targets */
	long long   given, received;		/* handovers */
	long long   responses;			/* first responses they gave */
	long long   response_secs;		/* their sum */
};
struct stats_log {
	time_t	    since;
	long long   tickets;
	long long   by_status[STATS_NSTATUS];
	long long   by_prio[STATS_NPRIO];
	struct stats_log_cat {
		char	   *name;		/* "none" for no category */
		long long   n;
	}	   *cats;			/* by name */
	size_t	    ncats;
	long long   resolved;
	long long   median_secs, p90_secs;	/* -1: none */
	long long   met, targets;
	long long   handovers;
	long long   responses, response_secs;	/* average = secs / n */
	struct stats_log_admin *admins;		/* by address */
	size_t	    nadmins;
};
int	stats_log(struct db *, time_t since, struct stats_log *);
void	stats_log_clear(struct stats_log *);

/*
 * Pure helpers, exposed for the tests.
 */

/*
 * The pct-th percentile (1..100, nearest rank) of v[0..n), whose order is
 * changed: the value that would be at ceil(pct/100 * n) - 1 if v were
 * sorted, so the median of an even count is the lower middle one. -1 when
 * n is 0. O(n) on average.
 */
long long stats_percentile(long long *v, size_t n, int pct);

/*
 * The starts (local midnight, as mktime(3) sees it) of the n days up to
 * and including the day of now, oldest first.
 */
void	stats_days(time_t now, size_t n, time_t *starts);

/* The day t falls in (starts as above, the last day ends at end), or -1. */
int	stats_day_of(const time_t *starts, size_t n, time_t end, time_t t);

/*
 * A duration for people: "45s", "12m", "3h 10m", "2d 4h", "31d" (the
 * two largest units, the smaller one left out when 0). "-" for < 0.
 * Returns buf.
 */
const char *stats_duration(char *buf, size_t sz, long long secs);

#endif
