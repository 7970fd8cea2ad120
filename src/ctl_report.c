/*
 * ctl_report.c — ticketctl's reading of the desk as a whole:
 *
 *   ticketctl -c FILE export --format xes|csv|json [--since DATE]
 *   ticketctl -c FILE stats [--since DATE] [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "export.h"
#include "json.h"
#include "stats.h"

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

/* "87%" or "-" into buf. */
static const char *
pct(char *buf, size_t sz, long long part, long long whole)
{
	if (whole <= 0)
		snprintf(buf, sz, "-");
	else
		snprintf(buf, sz, "%lld%%", part * 100 / whole);
	return buf;
}

static void
stats_text(const struct stats_log *lg)
{
	char a[48], b[48], c[48], d[48];
	size_t i;
	int k;

	if (lg->since > 0) {
		ctl_when(lg->since, a, sizeof(a));
		printf("Tickets created since %s: %lld\n", a, lg->tickets);
	} else
		printf("Tickets: %lld\n", lg->tickets);
	printf("By status:");
	for (k = 0; k < STATS_NSTATUS; k++)
		printf("%s %s %lld", k > 0 ? "," : "", stats_status_name(k),
		    lg->by_status[k]);
	printf("\nBy priority:");
	for (k = 0; k < STATS_NPRIO; k++)
		printf("%s %s %lld", k > 0 ? "," : "", stats_prio_name(k),
		    lg->by_prio[k]);
	printf("\nBy category:");
	for (i = 0; i < lg->ncats; i++) {
		printf("%s ", i > 0 ? "," : "");
		ctl_put_text(stdout, lg->cats[i].name, 0);
		printf(" %lld", lg->cats[i].n);
	}
	printf("\nResolved: %lld; time to resolve: median %s, 90th "
	    "percentile %s\n", lg->resolved,
	    stats_duration(a, sizeof(a), lg->median_secs),
	    stats_duration(b, sizeof(b), lg->p90_secs));
	printf("SLA met: %s (%lld of %lld resolved with a target)\n",
	    pct(a, sizeof(a), lg->met, lg->targets), lg->met, lg->targets);
	printf("Handovers: %lld\n", lg->handovers);
	printf("First response: %s on average (%lld tickets)\n",
	    stats_duration(a, sizeof(a), lg->responses > 0 ?
	    lg->response_secs / lg->responses : -1), lg->responses);
	if (lg->nadmins == 0)
		return;
	printf("\n%-32s %8s %8s %8s %7s %7s %8s %8s\n", "admin", "resolved",
	    "median", "p90", "SLA met", "gave", "received", "1st resp");
	for (i = 0; i < lg->nadmins; i++) {
		const struct stats_log_admin *x = &lg->admins[i];

		printf("%-32s %8lld %8s %8s %7s %7lld %8lld %8s\n", x->email,
		    x->resolved, stats_duration(a, sizeof(a), x->median_secs),
		    stats_duration(b, sizeof(b), x->p90_secs),
		    pct(c, sizeof(c), x->met, x->targets), x->given,
		    x->received, stats_duration(d, sizeof(d),
		    x->responses > 0 ? x->response_secs / x->responses : -1));
	}
}

static int
stats_json(const struct stats_log *lg)
{
	struct json j;
	struct buf b;
	size_t i;
	int k, rc;

	buf_init(&b, 64 * 1024 * 1024);
	json_init(&j, &b);
	json_begin_object(&j, NULL);
	json_time(&j, "since", lg->since, lg->since > 0);
	json_int(&j, "tickets", lg->tickets);
	json_begin_object(&j, "by_status");
	for (k = 0; k < STATS_NSTATUS; k++)
		json_int(&j, stats_status_name(k), lg->by_status[k]);
	json_end_object(&j);
	json_begin_object(&j, "by_priority");
	for (k = 0; k < STATS_NPRIO; k++)
		json_int(&j, stats_prio_name(k), lg->by_prio[k]);
	json_end_object(&j);
	json_begin_array(&j, "by_category");
	for (i = 0; i < lg->ncats; i++) {
		json_begin_object(&j, NULL);
		json_stringz(&j, "category", lg->cats[i].name);
		json_int(&j, "tickets", lg->cats[i].n);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_int(&j, "resolved", lg->resolved);
	json_int(&j, "median_secs", lg->median_secs);
	json_int(&j, "p90_secs", lg->p90_secs);
	json_int(&j, "sla_met", lg->met);
	json_int(&j, "sla_targets", lg->targets);
	json_int(&j, "handovers", lg->handovers);
	json_int(&j, "first_responses", lg->responses);
	json_int(&j, "first_response_avg_secs", lg->responses > 0 ?
	    lg->response_secs / lg->responses : -1);
	json_begin_array(&j, "admins");
	for (i = 0; i < lg->nadmins; i++) {
		const struct stats_log_admin *x = &lg->admins[i];

		json_begin_object(&j, NULL);
		json_stringz(&j, "email", x->email);
		json_int(&j, "resolved", x->resolved);
		json_int(&j, "median_secs", x->median_secs);
		json_int(&j, "p90_secs", x->p90_secs);
		json_int(&j, "sla_met", x->met);
		json_int(&j, "sla_targets", x->targets);
		json_int(&j, "handovers_given", x->given);
		json_int(&j, "handovers_received", x->received);
		json_int(&j, "first_responses", x->responses);
		json_int(&j, "first_response_avg_secs", x->responses > 0 ?
		    x->response_secs / x->responses : -1);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	rc = json_error(&j) ? -1 : 0;
	if (rc == 0)
		printf("%.*s\n", (int)b.len, b.data);
	buf_clear(&b);
	return rc;
}

int
ctl_stats(const struct config *cfg, int argc, char *argv[])
{
	struct stats_log lg;
	struct db *db;
	long long since = 0;
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (ctl_parse_date(argv[++i], &since) == -1) {
				fprintf(stderr, "ticketctl: --since: \"%s\" is "
				    "not a date (YYYY-MM-DD, or "
				    "YYYY-MM-DDTHH:MM:SSZ, UTC)\n", argv[i]);
				return EX_USAGE;
			}
		} else {
			fprintf(stderr, "ticketctl: stats: unknown or "
			    "incomplete option \"%s\"\n", argv[i]);
			return EX_USAGE;
		}
	}
	db = ctl_open_db(cfg);
	if (db_read_begin(db) != DB_OK ||
	    stats_log(db, (time_t)since, &lg) != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		db_free(&db);
		return 1;
	}
	db_read_end(db);
	rc = json ? stats_json(&lg) : (stats_text(&lg), 0);
	stats_log_clear(&lg);
	db_free(&db);
	if (rc == -1) {
		fprintf(stderr, "ticketctl: stats: the figures are too large "
		    "for JSON output\n");
		return 1;
	}
	return 0;
}
