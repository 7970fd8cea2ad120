/*
 * fuzz_sla.c — [sla] business_hours as an admin writes it
 * (sla_hours_parse), then the clock on the hours it accepts: sla_due and
 * sla_elapsed from a start and a duration taken from the input's last 16
 * bytes, in a zone with daylight saving time (Europe/Berlin).
 *
 * Properties (sla.h): a refused text says why in one line; accepted hours
 * have each day's window inside the day; a due time is not before its
 * start; the business time between start and due is the duration asked
 * (within the hour a DST change adds or takes).
 */
#include <time.h>

#include "sla.h"

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sla_hours h;
	char err[160], *p;
	size_t tail = size >= 16 ? 16 : 0, i;
	unsigned long long u = 0, v = 0;
	long long start, secs, got;
	time_t due;

	p = fuzz_dup(data, size - tail);
	err[0] = '\0';
	if (sla_hours_parse(p, size - tail, &h, err, sizeof(err)) == -1) {
		fuzz_check(err[0] != '\0' && strlen(err) < sizeof(err));
		fuzz_check(strchr(err, '\n') == NULL);
		free(p);
		return 0;
	}
	free(p);
	for (i = 0; i < 7; i++) {
		fuzz_check(h.start[i] >= 0 && h.end[i] <= 24 * 60);
		fuzz_check(h.start[i] <= h.end[i]);
	}
	fuzz_check(sla_hours_per_week(&h) >= 0 &&
	    sla_hours_per_week(&h) <= 7 * 24 * 60);
	if (tail == 0)
		return 0;
	for (i = 0; i < 8; i++) {
		u = u << 8 | data[size - 16 + i];
		v = v << 8 | data[size - 8 + i];
	}
	/* 2000..2100, and up to a year of clock */
	start = 946684800LL + (long long)(u % (100ULL * 365 * 86400));
	secs = (long long)(v % (366ULL * 86400));
	due = sla_due((time_t)start, secs, &h);
	if (due == (time_t)-1) {
		fuzz_check(sla_hours_per_week(&h) == 0 || secs > 0);
		return 0;
	}
	fuzz_check(due >= (time_t)start);
	got = sla_elapsed((time_t)start, due, &h);
	fuzz_check(got >= secs - 3600 && got <= secs + 3600);
	fuzz_check(sla_elapsed((time_t)start, due, NULL) ==
	    (long long)due - start);
	return 0;
}
