/*
 * clock.h — what time it is for the desk.
 *
 * clock_now() is time(NULL), unless the environment variable TICKETD_NOW
 * holds a time (epoch seconds, or YYYY-MM-DDTHH:MM:SSZ): then the desk's
 * clock starts there when the process first asks and runs on in real
 * time. The tests use it to reach an SLA breach, a warning or the daily
 * digest at an exact instant without sleeping; an administrator can use
 * it to replay what the desk would do at a given time. A value that is
 * not a time is ignored, with a warning.
 */
#ifndef TICKETD_CLOCK_H
#define TICKETD_CLOCK_H

#include <time.h>

time_t	clock_now(void);

/* "1796400000" or "2026-12-04T09:00:00Z" → 0 and *t; -1 if neither. */
int	clock_parse(const char *s, time_t *t);

#endif
