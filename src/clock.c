/*
 * clock.c — the desk's clock (see clock.h).
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

static int	 started, frozen;
static time_t	 start_desk;

/* n decimal digits at p; -1 when any is not one. */
static long
digits(const char *p, int n)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int
clock_parse(const char *s, time_t *t)
{
	struct tm tm, back;
	char *end;
	long long v;
	time_t r;

	if (s[0] >= '0' && s[0] <= '9' && strlen(s) != 20) {
		v = strtoll(s, &end, 10);
		if (*end != '\0' || v < 0 || v > 32503680000LL)
			return -1;
		*t = (time_t)v;
		return 0;
	}
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)digits(s, 4) - 1900;
	tm.tm_mon = (int)digits(s + 5, 2) - 1;
	tm.tm_mday = (int)digits(s + 8, 2);
	tm.tm_hour = (int)digits(s + 11, 2);
	tm.tm_min = (int)digits(s + 14, 2);
	tm.tm_sec = (int)digits(s + 17, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mday < 1 ||
	    tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return -1;
	back = tm;
	r = timegm(&tm);
	if (r == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	*t = r;
	return 0;
}

time_t
clock_now(void)
{
	const char *s;

	if (!started) {
		started = 1;
		s = getenv("TICKETD_NOW");
		if (s != NULL && *s != '\0') {
			if (clock_parse(s, &start_desk) == -1)
				log_warnx("TICKETD_NOW=%.40s is not a time "
				    "(epoch seconds or YYYY-MM-DDTHH:MM:SSZ); "
				    "ignored", s);
			else {
				frozen = 1;
				log_info("the desk's clock stands at "
				    "TICKETD_NOW=%s", s);
			}
		}
	}
	return frozen ? start_desk : time(NULL);
}
