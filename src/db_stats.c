/*
 * db_stats.c — read-only queries for the desk's figures (stats.c).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_impl.h"
#include "db_stats.h"
#include "log.h"
#include "xmalloc.h"

/* Most times read for one chart: far more than a year of a big desk. */
#define TIMES_MAX	(10 * 1000 * 1000)

static int
prep(struct db *db, const char *sql, sqlite3_stmt **st)
{
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("%s: prepare: %s", db->path, sqlite3_errmsg(db->h));
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

static int
done(sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
db_stats_counts(struct db *db, void (*fn)(const char *, const char *,
    long long, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	/* kept by triggers (schema.sql): read, not counted */
	if ((rc = prep(db, "SELECT priority, status, n FROM ticket_counts "
	    "WHERE n != 0", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(col(st, 0), col(st, 1), sqlite3_column_int64(st, 2), arg);
	return done(st, rc);
}

int
db_stats_times(struct db *db, int closed, time_t since, long long **vp,
    size_t *np)
{
	sqlite3_stmt *st;
	long long *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	if ((rc = prep(db, closed ? "SELECT closed_at FROM tickets WHERE "
	    "closed_at IS NOT NULL AND closed_at >= ?1" : "SELECT created_at "
	    "FROM tickets WHERE created_at >= ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == TIMES_MAX)
			continue;	/* a chart needs no more */
		if (n == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 256,
			    sizeof(*v));
		v[n++] = sqlite3_column_int64(st, 0);
	}
	rc = done(st, rc);
	if (rc != DB_OK) {
		free(v);
		return rc;
	}
	*vp = v;
	*np = n;
	return DB_OK;
}

int
db_stats_resolved(struct db *db, time_t since,
    void (*fn)(const struct db_stats_resolved *, void *), void *arg)
{
	struct db_stats_resolved r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT ifnull(assignee_id, 0), priority, "
	    "closed_at, closed_at - created_at, ifnull(due_at, 0) FROM tickets "
	    "WHERE closed_at IS NOT NULL AND closed_at >= ?1 AND "
	    "status = 'resolved' AND self_help = 0", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.assignee_id = sqlite3_column_int64(st, 0);
		r.priority = col(st, 1);
		r.closed_at = sqlite3_column_int64(st, 2);
		r.secs = sqlite3_column_int64(st, 3);
		r.due_at = sqlite3_column_int64(st, 4);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_stats_admins(struct db *db, time_t now,
    void (*fn)(const struct db_stats_admin *, void *), void *arg)
{
	struct db_stats_admin a;
	sqlite3_stmt *st;
	long long m, e;
	int rc;

	/* the staff through people_staff; each subquery is one index seek
	 * (mails_from, events_actor); the load is kept by triggers */
	if ((rc = prep(db, "SELECT p.id, p.email, p.name, p.role = 'root', "
	    "p.away_until IS NOT NULL AND (p.away_until = 0 OR "
	    "p.away_until > ?1), ifnull(p.away_until, 0), "
	    "p.assigned_n, "
	    "ifnull((SELECT max(m.received_at) FROM mails m WHERE "
	    "m.from_addr = p.email COLLATE NOCASE), 0), "
	    "ifnull((SELECT max(e.at) FROM events e WHERE "
	    "e.actor_id = p.id), 0) "
	    "FROM people p WHERE p.role IN ('admin', 'root') "
	    "ORDER BY p.email", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(st, 0);
		a.email = col(st, 1);
		a.name = col(st, 2);
		a.root = sqlite3_column_int(st, 3);
		a.away = sqlite3_column_int(st, 4);
		a.away_until = a.away ? sqlite3_column_int64(st, 5) : 0;
		a.open = sqlite3_column_int64(st, 6);
		m = sqlite3_column_int64(st, 7);
		e = sqlite3_column_int64(st, 8);
		a.last_seen = m > e ? m : e;
		fn(&a, arg);
	}
	return done(st, rc);
}

int
db_stats_breached(struct db *db, time_t now, long long *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((rc = prep(db, "SELECT count(*) FROM tickets WHERE due_at > 0 AND "
	    "(breached_at IS NOT NULL OR closed_at > due_at OR "
	    "(closed_at IS NULL AND due_at <= ?1))", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return done(st, rc);
}

int
db_stats_events(struct db *db, time_t since,
    void (*fn)(const struct db_stats_event *, void *), void *arg)
{
	struct db_stats_event e;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT t.number, t.created_at, t.priority, "
	    "t.category, t.status, ifnull(t.closed_at, 0), ifnull(t.due_at, 0), "
	    "e.at, e.kind, p.email, p.role, e.detail FROM tickets t JOIN events "
	    "e ON e.ticket_number = t.number LEFT JOIN people p ON p.id = "
	    "e.actor_id WHERE t.created_at >= ?1 ORDER BY t.number, e.at, e.id",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.ticket = sqlite3_column_int64(st, 0);
		e.created_at = sqlite3_column_int64(st, 1);
		e.priority = col(st, 2);
		e.category = col(st, 3);
		e.status = col(st, 4);
		e.closed_at = sqlite3_column_int64(st, 5);
		e.due_at = sqlite3_column_int64(st, 6);
		e.at = sqlite3_column_int64(st, 7);
		e.kind = col(st, 8);
		e.actor = col(st, 9);
		e.actor_role = col(st, 10);
		e.detail = col(st, 11);
		fn(&e, arg);
	}
	return done(st, rc);
}
