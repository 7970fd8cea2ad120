/*
 * clock.h — what time it is for the desk.
 *
 * clock_now() is time(NULL), unless the environment variable TICKETD_NOW
 * holds a time (epoch seconds, or YYYY-MM-DDTHH:MM:SSZ): then the desk's
 * clock stands still at that time for the whole run. The tests use it to
 * reach an SLA breach, a warning or the daily digest at an exact instant
 * without sleeping (one run of ticketd --stdin or --once per instant); an
 * administrator can use it to try what the desk would do at a given time
 * on a copy of the database. A value that is not a time is ignored, with
 * a warning. Not for a running daemon: its timers would never fire.
 */
#ifndef TICKETD_CLOCK_H
#define TICKETD_CLOCK_H

#include <time.h>

time_t	clock_now(void);

/* "1796400000" or "2026-12-04T09:00:00Z" → 0 and *t; -1 if neither. */
int	clock_parse(const char *s, time_t *t);

#endif
