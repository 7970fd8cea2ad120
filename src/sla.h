/*
 * sla.h — the SLA clock: business hours and due times. Pure: no I/O, no
 * allocation, no database. Local time is the process's time zone (TZ):
 * ticketd sets it from [sla] timezone at start, before any thread, so
 * localtime_r() and mktime() here are in the desk's zone, daylight saving
 * time included.
 *
 * Business hours are written as comma-separated clauses, each a day or a
 * range of days and a time window:
 *
 *	Mon-Fri 09:00-17:00
 *	Mon-Thu 08:00-17:00, Fri 08:00-14:30
 *	Sun-Sat 00:00-24:00	(every hour of the week)
 *
 * Days are the English three-letter names (any case); a range wraps past
 * Sunday (Fri-Mon); 24:00 ends a window at midnight. A day named twice, a
 * window that ends before it starts, or an empty window is an error. Days
 * not named have no business hours.
 */
#ifndef TICKETD_SLA_H
#define TICKETD_SLA_H

#include <stddef.h>
#include <time.h>

struct sla_hours {
	/* per weekday (tm_wday: 0 = Sunday), minutes after local midnight;
	 * start == end: no business hours that day */
	short	start[7];
	short	end[7];
};

/*
 * Parse business hours (p, len). 0, or -1 with one line in err saying
 * what is wrong ("'Mon-Fry': not a day (Mon, Tue, … Sun)").
 */
int	sla_hours_parse(const char *p, size_t len, struct sla_hours *h,
	    char *err, size_t errsz);

/* Minutes of business time in a week (0: none at all). */
int	sla_hours_per_week(const struct sla_hours *h);

/*
 * The instant at which secs seconds of the clock have run from start:
 * with h NULL, start + secs; else counting only inside business hours
 * (a start outside them waits for the next window). secs <= 0 gives
 * start. Returns (time_t)-1 when h has no business hours at all or the
 * answer would lie more than ~30 years ahead.
 */
time_t	sla_due(time_t start, long long secs, const struct sla_hours *h);

/*
 * Seconds of the clock that ran between from and to (0 when to <= from):
 * to - from with h NULL, else only the business time in between.
 */
long long sla_elapsed(time_t from, time_t to, const struct sla_hours *h);

#endif
