/*
 * test_stats.c — the desk's figures: percentiles, durations, day
 * boundaries (UTC and across a daylight-saving change), and every figure
 * of stats_compute() on a small database whose answers are worked out by
 * hand below. Rows the intake has no call for (closed times in the past,
 * events by an admin) are written with sqlite3 directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "stats.h"
#include "xmalloc.h"

#include "t.h"

static char tmpdir[] = "/tmp/test_stats.XXXXXX";

#define NOW	1700000000LL	/* 2023-11-14 22:13:20 UTC, a Tuesday */
#define DAY	86400LL

static void
test_percentile(void)
{
	long long v[10];
	size_t i;

	T_INTEQ(stats_percentile(v, 0, 50), -1);
	v[0] = 7;
	T_INTEQ(stats_percentile(v, 1, 50), 7);
	T_INTEQ(stats_percentile(v, 1, 90), 7);
	/* the lower middle of an even count, as db_report() does */
	v[0] = 40; v[1] = 10; v[2] = 30; v[3] = 20;
	T_INTEQ(stats_percentile(v, 4, 50), 20);
	T_INTEQ(stats_percentile(v, 4, 90), 40);
	T_INTEQ(stats_percentile(v, 4, 100), 40);
	T_INTEQ(stats_percentile(v, 4, 1), 10);
	v[0] = 3; v[1] = 1; v[2] = 2;
	T_INTEQ(stats_percentile(v, 3, 50), 2);
	for (i = 0; i < 10; i++)
		v[i] = (long long)(10 - i);
	/* nearest rank: 90% of 10 is the 9th */
	T_INTEQ(stats_percentile(v, 10, 90), 9);
	T_INTEQ(stats_percentile(v, 10, 50), 5);
	/* out of range percentiles are clamped */
	T_INTEQ(stats_percentile(v, 10, 0), 1);
	T_INTEQ(stats_percentile(v, 10, 200), 10);
}

static int
ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The selection agrees with sorting, on every shape of input. */
static void
test_percentile_vs_sort(void)
{
	static const int pcts[] = { 1, 10, 50, 90, 99, 100 };
	unsigned long long seed = 42;
	long long v[600], w[600];
	size_t n, i, p, kind, want;

	for (kind = 0; kind < 6; kind++) {
		for (n = 1; n <= 600; n += n < 20 ? 1 : 37) {
			for (i = 0; i < n; i++) {
				seed = seed * 6364136223846793005ULL + 1;
				switch (kind) {
				case 0:		/* random */
					v[i] = (long long)(seed >> 33) % 100000;
					break;
				case 1:		/* few values, many repeats */
					v[i] = (long long)(seed >> 33) % 3;
					break;
				case 2:		/* sorted */
					v[i] = (long long)i;
					break;
				case 3:		/* reversed */
					v[i] = (long long)(n - i);
					break;
				case 4:		/* all the same */
					v[i] = 7;
					break;
				default:	/* organ pipe */
					v[i] = (long long)(i < n / 2 ? i : n - i);
					break;
				}
			}
			for (p = 0; p < sizeof(pcts) / sizeof(pcts[0]); p++) {
				memcpy(w, v, n * sizeof(*v));
				qsort(w, n, sizeof(*w), ll_cmp);
				want = ((size_t)pcts[p] * n + 99) / 100 - 1;
				{
					long long got, copy[600];

					memcpy(copy, v, n * sizeof(*v));
					got = stats_percentile(copy, n, pcts[p]);
					if (got != w[want]) {
						fprintf(stderr, "# kind %zu n %zu "
						    "pct %d: %lld, want %lld\n",
						    kind, n, pcts[p], got, w[want]);
						t_failed_now = 1;
					}
				}
			}
		}
	}
}

static void
test_duration(void)
{
	static const struct {
		long long s;
		const char *out;
	} cases[] = {
		{ -1, "-" }, { 0, "0s" }, { 45, "45s" }, { 60, "1m" },
		{ 61, "1m 1s" }, { 3599, "59m 59s" }, { 3600, "1h" },
		{ 3660, "1h 1m" }, { 3 * 3600 + 10 * 60, "3h 10m" },
		{ DAY, "1d" }, { DAY + 3600, "1d 1h" }, { 2 * DAY + 4 * 3600 +
		    59, "2d 4h" }, { 10 * DAY + 5, "10d" }, { 400 * DAY, "400d" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_STREQ(stats_duration(buf, sizeof(buf), cases[i].s),
		    cases[i].out);
}

static void
test_days_utc(void)
{
	time_t s[30];
	size_t i;

	setenv("TZ", "UTC", 1);
	tzset();
	stats_days((time_t)NOW, 30, s);
	T_INTEQ(s[29], NOW - NOW % DAY);
	for (i = 1; i < 30; i++)
		T_INTEQ(s[i] - s[i - 1], DAY);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, (time_t)NOW), 29);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, s[0]), 0);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, s[0] - 1), -1);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, s[5] + DAY - 1), 5);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, s[6]), 6);
	T_INTEQ(stats_day_of(s, 30, (time_t)NOW + 1, (time_t)NOW + 1), -1);
}

/* Local days are local midnights, 25 hours long where the clock goes back. */
static void
test_days_dst(void)
{
	time_t s[30], now = 1698840000;	/* 2023-11-01 12:00 UTC */
	struct tm tm;
	size_t i, long_days = 0;

	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
		printf("# no tzdata for Europe/Berlin; skipped\n");
		return;
	}
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	stats_days(now, 30, s);
	for (i = 0; i < 30; i++) {
		localtime_r(&s[i], &tm);
		T_INTEQ(tm.tm_hour, 0);
		T_INTEQ(tm.tm_min, 0);
		if (i > 0 && s[i] - s[i - 1] == 25 * 3600)
			long_days++;
		else if (i > 0)
			T_INTEQ(s[i] - s[i - 1], DAY);
	}
	T_INTEQ(long_days, 1);		/* 2023-10-29 */
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
exec_sql(sqlite3 *h, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(h, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "# %s: %s\n", q, msg);
		t_failed_now = 1;
	}
	sqlite3_free(msg);
}

/*
 * people: 1 alice (user), 2 bob, 3 carol (admins), 4 root (root, away
 * until back). Tickets, relative to NOW (d = day):
 *   1 high    bob    created -10d, resolved -9d      (1d to resolve)
 *   2 high    bob    created -5d,  resolved -5d+1h   (1h)
 *   3 medium  carol  created -2d,  resolved -1d      (1d)
 *   4 low     bob    created -40d, resolved -35d     (outside 30 days)
 *   5 low     bob    created -1h,  assigned
 *   6 low     -      created -3h,  open
 *   7 low     carol  created -20d, rejected -19d
 * bob acted 10 minutes ago (an event); carol wrote 5 minutes ago (a mail,
 * her address in other case) and acted 2 hours ago.
 */
static char *
seed(void)
{
	char *path = xasprintf("%s/stats.db", tmpdir), *err = NULL, *q;
	sqlite3 *h = NULL;

	T_INTEQ(db_create(path, &err), 0);
	free(err);
	T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	q = xasprintf(
	    "INSERT INTO people (id, email, name, role, created_at, "
	    " away_until) VALUES"
	    " (1, 'alice@corp.example', 'Alice', 'user', 0, NULL),"
	    " (2, 'bob@corp.example', 'Bob', 'admin', 0, NULL),"
	    " (3, 'carol@corp.example', NULL, 'admin', 0, NULL),"
	    " (4, 'root@corp.example', 'Root', 'root', 0, 0);"
	    "INSERT INTO tickets (number, subject, body, requester_id,"
	    " assignee_id, status, priority, created_at, updated_at,"
	    " closed_at) VALUES"
	    " (1, 's', 'b', 1, 2, 'resolved', 'high', %lld, %lld, %lld),"
	    " (2, 's', 'b', 1, 2, 'resolved', 'high', %lld, %lld, %lld),"
	    " (3, 's', 'b', 1, 3, 'resolved', 'medium', %lld, %lld, %lld),"
	    " (4, 's', 'b', 1, 2, 'resolved', 'low', %lld, %lld, %lld),"
	    " (5, 's', 'b', 1, 2, 'assigned', 'low', %lld, %lld, NULL),"
	    " (6, 's', 'b', 1, NULL, 'open', 'low', %lld, %lld, NULL),"
	    " (7, 's', 'b', 1, 3, 'rejected', 'low', %lld, %lld, %lld);"
	    /* the SLA clock: #1 resolved late, #2 in time, #5 overdue */
	    "UPDATE tickets SET due_at = created_at + 14400 WHERE number IN"
	    " (1, 2);"
	    "UPDATE tickets SET due_at = %lld WHERE number = 5;"
	    "INSERT INTO events (ticket_number, at, actor_id, kind) VALUES"
	    " (5, %lld, 2, 'priority'), (3, %lld, 3, 'resolved');"
	    "INSERT INTO mails (message_id, received_at, source, from_addr,"
	    " size, raw, disposition) VALUES"
	    " ('m1', %lld, 'imap', 'Carol@Corp.Example', 1, X'00', 'ticket')",
	    NOW - 10 * DAY, NOW - 9 * DAY, NOW - 9 * DAY,
	    NOW - 5 * DAY, NOW - 5 * DAY + 3600, NOW - 5 * DAY + 3600,
	    NOW - 2 * DAY, NOW - DAY, NOW - DAY,
	    NOW - 40 * DAY, NOW - 35 * DAY, NOW - 35 * DAY,
	    NOW - 3600, NOW - 3600,
	    NOW - 3 * 3600, NOW - 3 * 3600,
	    NOW - 20 * DAY, NOW - 19 * DAY, NOW - 19 * DAY,
	    NOW - 600LL,
	    NOW - 600, NOW - 7200, NOW - 300);
	exec_sql(h, q);
	free(q);
	sqlite3_close(h);
	return path;
}

static const struct stats_admin *
admin(const struct stats *st, const char *email)
{
	size_t i;

	for (i = 0; i < st->nadmins; i++)
		if (strcmp(st->admins[i].email, email) == 0)
			return &st->admins[i];
	return NULL;
}

static void
test_compute(void)
{
	const struct stats_admin *a;
	struct stats st;
	struct db *db;
	char *path, *err = NULL;
	long long sum = 0;
	size_t i;

	setenv("TZ", "UTC", 1);
	tzset();
	path = seed();
	db = db_open(path, DB_RDONLY, &err, NULL);
	T_CHECK(db != NULL);
	free(err);
	if (db == NULL) {
		free(path);
		return;
	}
	T_INTEQ(stats_compute(db, (time_t)NOW, 15 * 60, &st), DB_OK);

	T_INTEQ(st.raised, 7);
	T_INTEQ(st.by_status[STATS_OPEN], 1);
	T_INTEQ(st.by_status[STATS_ASSIGNED], 1);
	T_INTEQ(st.by_status[STATS_RESOLVED], 4);
	T_INTEQ(st.by_status[STATS_REJECTED], 1);
	T_INTEQ(st.by[STATS_HIGH][STATS_RESOLVED], 2);
	T_INTEQ(st.by[STATS_LOW][STATS_ASSIGNED], 1);
	/* the SLA clock: #1 was resolved late, #5 is past its due time */
	T_INTEQ(st.sla_known, 1);
	T_INTEQ(st.breached, 2);

	/* per day: 29 is today */
	T_INTEQ(st.opened[29], 2);		/* 5 and 6 */
	T_INTEQ(st.opened[27], 1);		/* 3 */
	T_INTEQ(st.opened[24], 1);		/* 2 */
	T_INTEQ(st.opened[19], 1);		/* 1 */
	T_INTEQ(st.opened[9], 1);		/* 7 */
	for (i = 0; i < STATS_DAYS; i++)
		sum += st.opened[i];
	T_INTEQ(sum, 6);			/* 4 is older */
	T_INTEQ(st.closed[20], 1);
	T_INTEQ(st.closed[24], 1);
	T_INTEQ(st.closed[28], 1);
	T_INTEQ(st.closed[10], 1);		/* rejected counts as closed */
	T_INTEQ(st.closed[29], 0);

	/* resolution times, last 30 days */
	T_INTEQ(st.prio[STATS_HIGH].resolved, 2);
	T_INTEQ(st.prio[STATS_HIGH].median_secs, 3600);
	T_INTEQ(st.prio[STATS_HIGH].p90_secs, DAY);
	T_INTEQ(st.prio[STATS_MEDIUM].resolved, 1);
	T_INTEQ(st.prio[STATS_MEDIUM].median_secs, DAY);
	T_INTEQ(st.prio[STATS_LOW].resolved, 0);
	T_INTEQ(st.prio[STATS_LOW].median_secs, -1);

	T_INTEQ(st.nadmins, 3);
	a = admin(&st, "bob@corp.example");
	T_CHECK(a != NULL);
	if (a != NULL) {
		T_STREQ(a->name, "Bob");
		T_INTEQ(a->open, 1);
		T_INTEQ(a->resolved_30d, 2);
		T_INTEQ(a->resolved_7d, 1);
		T_INTEQ(a->median_secs, 3600);
		T_INTEQ(a->online, 1);
		T_INTEQ(a->last_seen, NOW - 600);
		T_INTEQ(a->away, 0);
		T_INTEQ(a->root, 0);
		T_INTEQ(a->sla_met_pct, 50);	/* #2 in time, #1 late */
	}
	a = admin(&st, "carol@corp.example");
	T_CHECK(a != NULL);
	if (a != NULL) {
		T_CHECK(a->name == NULL);
		T_INTEQ(a->open, 0);
		T_INTEQ(a->resolved_30d, 1);
		T_INTEQ(a->resolved_7d, 1);
		T_INTEQ(a->median_secs, DAY);
		/* her mail (another case of her address) is the latest */
		T_INTEQ(a->last_seen, NOW - 300);
		T_INTEQ(a->online, 1);
	}
	a = admin(&st, "root@corp.example");
	T_CHECK(a != NULL);
	if (a != NULL) {
		T_INTEQ(a->root, 1);
		T_INTEQ(a->away, 1);
		T_INTEQ(a->away_until, 0);
		T_INTEQ(a->online, 0);
		T_INTEQ(a->last_seen, 0);
		T_INTEQ(a->median_secs, -1);
	}
	stats_clear(&st);

	/* a narrower window: carol's 5 minutes are too long ago for 1m */
	T_INTEQ(stats_compute(db, (time_t)NOW, 60, &st), DB_OK);
	a = admin(&st, "carol@corp.example");
	T_CHECK(a != NULL && a->online == 0);
	stats_clear(&st);

	/* an empty desk */
	db_free(&db);
	unlink(path);
	free(path);
}

static void
test_empty(void)
{
	struct stats st;
	struct db *db;
	char *path = xasprintf("%s/empty.db", tmpdir), *err = NULL;
	int i;

	T_INTEQ(db_create(path, &err), 0);
	free(err);
	err = NULL;
	db = db_open(path, DB_RDONLY, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	if (db != NULL) {
		T_INTEQ(stats_compute(db, (time_t)NOW, 900, &st), DB_OK);
		T_INTEQ(st.raised, 0);
		T_INTEQ(st.nadmins, 0);
		for (i = 0; i < STATS_NPRIO; i++)
			T_INTEQ(st.prio[i].median_secs, -1);
		stats_clear(&st);
		db_free(&db);
	}
	unlink(path);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_percentile);
	T_RUN(test_percentile_vs_sort);
	T_RUN(test_duration);
	T_RUN(test_days_utc);
	T_RUN(test_days_dst);
	T_RUN(test_compute);
	T_RUN(test_empty);
	t_rmdir(tmpdir);
	return T_END();
}
