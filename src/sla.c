/*
 * sla.c — business hours and due times (see sla.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lex.h"
#include "sla.h"

#define DAY_MINUTES	1440
/* How far sla_due() and sla_elapsed() walk, in days (~30 years). */
#define MAX_DAYS	11000

static const char *const day_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static int
day_of(const char *p, size_t n)
{
	int i;

	if (n != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(p, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "09:00" or "24:00" → minutes; -1 when it is not a time. */
static int
minutes_of(const char *p, size_t n)
{
	int hh, mm;

	if (n != 5 || p[2] != ':')
		return -1;
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
	    p[3] < '0' || p[3] > '5' || p[4] < '0' || p[4] > '9')
		return -1;
	hh = (p[0] - '0') * 10 + (p[1] - '0');
	mm = (p[3] - '0') * 10 + (p[4] - '0');
	if (hh > 24 || (hh == 24 && mm != 0))
		return -1;
	return hh * 60 + mm;
}

/* One clause "Mon-Fri 09:00-17:00" into h. 0 or -1 with err. */
static int
clause(const char *p, const char *end, struct sla_hours *h, int *seen,
    char *err, size_t errsz)
{
	const char *w, *dash;
	char vis[64];
	int d0, d1, t0, t1, d;

	lex_trim(&p, &end);
	if (p == end) {
		snprintf(err, errsz, "an empty clause (write e.g. "
		    "\"Mon-Fri 09:00-17:00\")");
		return -1;
	}
	for (w = p; w < end && *w != ' ' && *w != '\t'; w++)
		;
	dash = memchr(p, '-', (size_t)(w - p));
	d0 = day_of(p, (size_t)((dash != NULL ? dash : w) - p));
	d1 = dash != NULL ? day_of(dash + 1, (size_t)(w - dash - 1)) : d0;
	if (d0 < 0 || d1 < 0) {
		snprintf(err, errsz, "'%s': not a day or range of days (Mon, "
		    "Tue, Wed, Thu, Fri, Sat, Sun; e.g. Mon-Fri)",
		    lex_vis_ascii(vis, sizeof(vis), p, (size_t)(w - p), 40));
		return -1;
	}
	p = lex_skip_sp(w, end);
	dash = memchr(p, '-', (size_t)(end - p));
	t0 = dash != NULL ? minutes_of(p, (size_t)(dash - p)) : -1;
	t1 = dash != NULL ? minutes_of(dash + 1, (size_t)(end - dash - 1)) : -1;
	if (t0 < 0 || t1 < 0) {
		snprintf(err, errsz, "'%s': not a time window (HH:MM-HH:MM, "
		    "e.g. 09:00-17:00)", lex_vis_ascii(vis, sizeof(vis), p,
		    (size_t)(end - p), 40));
		return -1;
	}
	if (t1 <= t0) {
		snprintf(err, errsz, "'%s': the window must end after it "
		    "starts (24:00 is midnight at its end)",
		    lex_vis_ascii(vis, sizeof(vis), p, (size_t)(end - p), 40));
		return -1;
	}
	for (d = d0;; d = (d + 1) % 7) {
		if (*seen & (1 << d)) {
			snprintf(err, errsz, "%s is named twice", day_names[d]);
			return -1;
		}
		*seen |= 1 << d;
		h->start[d] = (short)t0;
		h->end[d] = (short)t1;
		if (d == d1)
			break;
	}
	return 0;
}

int
sla_hours_parse(const char *p, size_t len, struct sla_hours *h, char *err,
    size_t errsz)
{
	const char *end = p + len, *c;
	int seen = 0;

	memset(h, 0, sizeof(*h));
	if (len > 1024) {
		snprintf(err, errsz, "longer than 1024 bytes");
		return -1;
	}
	while (p <= end) {
		c = memchr(p, ',', (size_t)(end - p));
		if (c == NULL)
			c = end;
		if (clause(p, c, h, &seen, err, errsz) == -1) {
			memset(h, 0, sizeof(*h));
			return -1;
		}
		p = c + 1;
	}
	return 0;
}

int
sla_hours_per_week(const struct sla_hours *h)
{
	int d, m = 0;

	for (d = 0; d < 7; d++)
		if (h->end[d] > h->start[d])
			m += h->end[d] - h->start[d];
	return m;
}

/* The instant of minute m (0..1440) of the local day in tm. */
static time_t
at_minute(const struct tm *day, int m)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = day->tm_year;
	tm.tm_mon = day->tm_mon;
	tm.tm_mday = day->tm_mday;
	tm.tm_min = m;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Move tm to the next local day (y/m/d and weekday). */
static void
next_day(struct tm *day)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = day->tm_year;
	tm.tm_mon = day->tm_mon;
	tm.tm_mday = day->tm_mday + 1;
	tm.tm_hour = 12;	/* noon: clear of any DST change */
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	*day = tm;
}

time_t
sla_due(time_t start, long long secs, const struct sla_hours *h)
{
	struct tm day;
	time_t t = start, ws, we;
	long long left = secs;
	int i, wd;

	if (secs <= 0)
		return start;
	if (h == NULL)
		return start + (time_t)secs;
	if (sla_hours_per_week(h) == 0 || localtime_r(&start, &day) == NULL)
		return (time_t)-1;
	for (i = 0; i < MAX_DAYS; i++, next_day(&day)) {
		wd = day.tm_wday;
		if (h->end[wd] <= h->start[wd])
			continue;
		ws = at_minute(&day, h->start[wd]);
		we = at_minute(&day, h->end[wd]);
		if (t < ws)
			t = ws;
		if (t >= we)
			continue;
		if (left <= (long long)(we - t))
			return t + (time_t)left;
		left -= (long long)(we - t);
		t = we;
	}
	return (time_t)-1;
}

long long
sla_elapsed(time_t from, time_t to, const struct sla_hours *h)
{
	struct tm day;
	time_t ws, we;
	long long sum = 0;
	int i, wd;

	if (to <= from)
		return 0;
	if (h == NULL)
		return (long long)(to - from);
	if (localtime_r(&from, &day) == NULL)
		return 0;
	for (i = 0; i < MAX_DAYS; i++, next_day(&day)) {
		wd = day.tm_wday;
		if (h->end[wd] <= h->start[wd])
			continue;
		ws = at_minute(&day, h->start[wd]);
		if (ws >= to)
			break;
		we = at_minute(&day, h->end[wd]);
		if (ws < from)
			ws = from;
		if (we > to)
			we = to;
		if (we > ws)
			sum += (long long)(we - ws);
	}
	return sum;
}
