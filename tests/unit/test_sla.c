/*
 * test_sla.c — business hours: parsing (good and hostile), due times and
 * elapsed business time at exact instants, in UTC and across Berlin's
 * daylight-saving changes, and a brute-force check of sla_due() against
 * sla_elapsed() minute by minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sla.h"
#include "t.h"

static void
zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Local "YYYY-MM-DD HH:MM" → time_t in the current zone. */
static time_t
at(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static const char *
show(time_t t, char *buf, size_t sz)
{
	struct tm tm;

	if (t == (time_t)-1 || localtime_r(&t, &tm) == NULL)
		return "-1";
	strftime(buf, sz, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static struct sla_hours
hours(const char *s)
{
	struct sla_hours h;
	char err[200];

	if (sla_hours_parse(s, strlen(s), &h, err, sizeof(err)) != 0) {
		fprintf(stderr, "# %s: %s\n", s, err);
		memset(&h, 0, sizeof(h));
	}
	return h;
}

static void
test_parse(void)
{
	struct sla_hours h;
	char err[200];
	static const struct { const char *in, *err; } bad[] = {
		{ "", "an empty clause" },
		{ "Mon-Fri", "not a time window" },
		{ "Mon-Fry 09:00-17:00", "'Mon-Fry': not a day" },
		{ "Monday 09:00-17:00", "not a day" },
		{ "Mon-Fri 9:00-17:00", "not a time window" },
		{ "Mon-Fri 09:00-25:00", "not a time window" },
		{ "Mon-Fri 09:60-17:00", "not a time window" },
		{ "Mon-Fri 24:01-24:30", "not a time window" },
		{ "Mon-Fri 17:00-09:00", "must end after it starts" },
		{ "Mon-Fri 09:00-09:00", "must end after it starts" },
		{ "Mon-Fri 09:00-17:00, Fri 10:00-12:00", "Fri is named twice" },
		{ "Mon-Fri 09:00-17:00,", "an empty clause" },
		{ "Mon-Fri 09:00-17:00 extra", "not a time window" },
		{ "\x1b[31m 09:00-17:00", "not a day" },
		{ "Mon-Fri\t09:00\x01-17:00", "not a time window" },
	};
	size_t i;

	T_INTEQ(sla_hours_parse("Mon-Fri 09:00-17:00", 19, &h, err,
	    sizeof(err)), 0);
	T_INTEQ(h.start[1], 540);
	T_INTEQ(h.end[5], 1020);
	T_INTEQ(h.end[0], 0);
	T_INTEQ(h.end[6], 0);
	T_INTEQ(sla_hours_per_week(&h), 5 * 8 * 60);
	h = hours(" mon-thu 08:00-17:00 , FRI 08:00-14:30 ");
	T_INTEQ(sla_hours_per_week(&h), 4 * 9 * 60 + 390);
	h = hours("Fri-Mon 00:00-24:00");		/* wraps past Sunday */
	T_INTEQ(h.end[0], 1440);
	T_INTEQ(h.end[6], 1440);
	T_INTEQ(h.end[1], 1440);
	T_INTEQ(h.end[2], 0);
	h = hours("Sun-Sat 00:00-24:00");
	T_INTEQ(sla_hours_per_week(&h), 7 * 1440);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_INTEQ(sla_hours_parse(bad[i].in, strlen(bad[i].in), &h, err,
		    sizeof(err)), -1);
		if (strstr(err, bad[i].err) == NULL)
			fprintf(stderr, "# '%s': got '%s', want '%s'\n",
			    bad[i].in, err, bad[i].err);
		T_CHECK(strstr(err, bad[i].err) != NULL);
		T_CHECK(strchr(err, '\x1b') == NULL);
		T_INTEQ(sla_hours_per_week(&h), 0);	/* nothing half-set */
	}
	/* not NUL-terminated input, and a huge one */
	{
		char *p = t_dup_n("Mon 09:00-10:00", 15);
		char *big = malloc(5000);

		T_INTEQ(sla_hours_parse(p, 15, &h, err, sizeof(err)), 0);
		memset(big, ',', 5000);
		T_INTEQ(sla_hours_parse(big, 5000, &h, err, sizeof(err)), -1);
		free(p);
		free(big);
	}
}

static void
test_due_utc(void)
{
	struct sla_hours h = hours("Mon-Fri 09:00-17:00");
	char b[32];
	static const struct { const char *start; long long secs;
	    const char *due; } tab[] = {
		/* 2026-12-04 is a Friday */
		{ "2026-12-04 10:00", 4 * 3600, "2026-12-04 14:00" },
		{ "2026-12-04 15:00", 4 * 3600, "2026-12-07 11:00" },
		{ "2026-12-04 18:30", 3600, "2026-12-07 10:00" },
		{ "2026-12-05 12:00", 60, "2026-12-07 09:01" },	/* Saturday */
		{ "2026-12-04 08:00", 8 * 3600, "2026-12-04 17:00" },
		/* 24 business hours: Fri, Mon and Tue, ending at Tue's close */
		{ "2026-12-04 09:00", 86400, "2026-12-08 17:00" },
		{ "2026-12-04 16:59", 60, "2026-12-04 17:00" },
		{ "2026-12-04 17:00", 1, "2026-12-07 09:00" },
		{ "2026-12-04 10:00", 0, "2026-12-04 10:00" },
	};
	size_t i;

	zone("UTC");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		T_STREQ(show(sla_due(at(tab[i].start), tab[i].secs, &h), b,
		    sizeof(b)), tab[i].due);
	/* calendar time */
	T_STREQ(show(sla_due(at("2026-12-04 22:00"), 4 * 3600, NULL), b,
	    sizeof(b)), "2026-12-05 02:00");
	/* no business hours at all; a target past the horizon */
	{
		struct sla_hours none;

		memset(&none, 0, sizeof(none));
		T_CHECK(sla_due(at("2026-12-04 10:00"), 60, &none) == (time_t)-1);
		h = hours("Mon 09:00-09:01");
		T_CHECK(sla_due(at("2026-12-04 10:00"), 3600LL * 24 * 365,
		    &h) == (time_t)-1);
	}
}

static void
test_elapsed(void)
{
	struct sla_hours h = hours("Mon-Fri 09:00-17:00");

	zone("UTC");
	T_CHECK(sla_elapsed(at("2026-12-04 10:00"), at("2026-12-07 10:00"),
	    &h) == 8 * 3600);
	T_CHECK(sla_elapsed(at("2026-12-05 10:00"), at("2026-12-06 10:00"),
	    &h) == 0);
	T_CHECK(sla_elapsed(at("2026-12-07 10:00"), at("2026-12-04 10:00"),
	    &h) == 0);
	T_CHECK(sla_elapsed(at("2026-12-04 10:00"), at("2026-12-04 10:30"),
	    NULL) == 1800);
	T_CHECK(sla_elapsed(at("2026-11-30 00:00"), at("2026-12-07 00:00"),
	    &h) == 40 * 3600);
}

/* Daylight saving time: the clock runs in local business hours. */
static void
test_dst(void)
{
	struct sla_hours h = hours("Mon-Fri 09:00-17:00");
	struct sla_hours all = hours("Sun-Sat 00:00-24:00");
	char b[32];

	zone("Europe/Berlin");
	/* 2026-03-29 02:00 → 03:00 (Sunday). Friday 16:00 + 2h business */
	T_STREQ(show(sla_due(at("2026-03-27 16:00"), 7200, &h), b, sizeof(b)),
	    "2026-03-30 10:00");
	/* 24h of "always" across the short day ends at 01:00 local next day */
	T_STREQ(show(sla_due(at("2026-03-29 00:00"), 86400, &all), b,
	    sizeof(b)), "2026-03-30 01:00");
	T_CHECK(sla_elapsed(at("2026-03-29 00:00"), at("2026-03-30 00:00"),
	    &all) == 23 * 3600);
	/* 2026-10-25 03:00 → 02:00: a 25-hour Sunday */
	T_CHECK(sla_elapsed(at("2026-10-25 00:00"), at("2026-10-26 00:00"),
	    &all) == 25 * 3600);
	T_STREQ(show(sla_due(at("2026-10-23 16:00"), 7200, &h), b, sizeof(b)),
	    "2026-10-26 10:00");
}

/* sla_due(s, n) is the first instant t with sla_elapsed(s, t) == n. */
static void
test_consistent(void)
{
	struct sla_hours h = hours("Mon-Thu 08:00-12:00, Fri 13:30-15:45");
	time_t s, d;
	long long n;
	int i, bad = 0;

	zone("America/New_York");
	srand(4242);
	for (i = 0; i < 2000; i++) {
		s = at("2026-01-01 00:00") + (time_t)(rand() % (400 * 86400));
		n = (long long)(rand() % (60 * 3600)) + 1;
		d = sla_due(s, n, &h);
		if (d == (time_t)-1 || sla_elapsed(s, d, &h) != n ||
		    sla_elapsed(s, d - 1, &h) != n - 1)
			bad++;
	}
	T_INTEQ(bad, 0);
}

int
main(void)
{
	T_RUN(test_parse);
	T_RUN(test_due_utc);
	T_RUN(test_elapsed);
	T_RUN(test_dst);
	T_RUN(test_consistent);
	return T_END();
}
