/*
 * ctl_report.c — ticketctl's reading of the desk as a whole:
 *
 *   ticketctl -c FILE export --format xes|csv|json [--since DATE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "config.h"
#include "ctl.h"
#include "db.h"
#include "export.h"

/* n decimal digits at p → *v; 0 or -1. */
static int
digits(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

int
ctl_parse_date(const char *s, long long *t)
{
	struct tm tm, back;
	size_t len = strlen(s);
	time_t v;

	memset(&tm, 0, sizeof(tm));
	if ((len != 10 && len != 20) || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &tm.tm_year) == -1 ||
	    digits(s + 5, 2, &tm.tm_mon) == -1 ||
	    digits(s + 8, 2, &tm.tm_mday) == -1)
		return -1;
	if (len == 20 && (s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z' || digits(s + 11, 2, &tm.tm_hour) == -1 ||
	    digits(s + 14, 2, &tm.tm_min) == -1 ||
	    digits(s + 17, 2, &tm.tm_sec) == -1))
		return -1;
	if (tm.tm_year < 1970 || tm.tm_year > 2999)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	v = timegm(&tm);
	/* a real date and time: timegm() did not have to normalise it */
	if (v == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	*t = (long long)v;
	return 0;
}

int
ctl_export(const struct config *cfg, int argc, char *argv[])
{
	enum export_format fmt = EXPORT_XES;
	struct db *db;
	long long since = 0;
	char err[512];
	int i, have = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if (export_format_parse(argv[++i], &fmt) == -1) {
				fprintf(stderr, "ticketctl: --format: \"%s\" is "
				    "not xes, csv or json\n", argv[i]);
				return EX_USAGE;
			}
			have = 1;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (ctl_parse_date(argv[++i], &since) == -1) {
				fprintf(stderr, "ticketctl: --since: \"%s\" is "
				    "not a date (YYYY-MM-DD, or "
				    "YYYY-MM-DDTHH:MM:SSZ, UTC)\n", argv[i]);
				return EX_USAGE;
			}
		} else {
			fprintf(stderr, "ticketctl: export: unknown or "
			    "incomplete option \"%s\"\n", argv[i]);
			return EX_USAGE;
		}
	}
	if (!have) {
		fprintf(stderr, "ticketctl: export: --format xes, csv or json "
		    "is required\n");
		return EX_USAGE;
	}
	db = ctl_open_db(cfg);
	rc = export_write(db, fmt, since, stdout, err, sizeof(err));
	db_free(&db);
	if (rc == -1) {
		fprintf(stderr, "ticketctl: export: %s\n", err);
		return 1;
	}
	return 0;
}
