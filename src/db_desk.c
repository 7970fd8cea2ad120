/*
 * db_desk.c — roles and assignment: who the admins are, how loaded, and
 * handing a ticket to one of them.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_impl.h"
#include "log.h"
#include "xmalloc.h"

/* Prepare a statement; DB_* result. */
static int
exec_stmt(struct db *db, const char *sql, sqlite3_stmt **stp)
{
	if (sqlite3_prepare_v2(db->h, sql, -1, stp, NULL) != SQLITE_OK) {
		log_warnx("%s: prepare: %s", db->path, sqlite3_errmsg(db->h));
		return DB_PERM;
	}
	return DB_OK;
}

/* Step a bound statement once and finalize it; DB_* result. */
static int
finish(struct db *db, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_debug("%s: %s", db->path, sqlite3_errmsg(db->h));
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

int
db_seed_role(struct db *db, const char *email, const char *role, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = exec_stmt(db, "INSERT INTO people (email, role, created_at, "
	    "role_set_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (email) DO "
	    "UPDATE SET role = ?2, role_set_at = ?3 WHERE role_set_at IS NULL",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if ((rc = finish(db, st)) != DB_OK)
		return rc;
	return sqlite3_changes(db->h) > 0;
}

int
db_admins(struct db *db, time_t now, struct db_admin **rowsp, size_t *np)
{
	struct db_admin *rows = NULL, *r;
	sqlite3_stmt *st;
	const unsigned char *s;
	size_t n = 0, cap = 0;
	int rc;

	*rowsp = NULL;
	*np = 0;
	if ((rc = exec_stmt(db, "SELECT p.id, p.email, (SELECT count(*) FROM "
	    "tickets t WHERE t.assignee_id = p.id AND t.status = 'assigned'), "
	    "ifnull(p.last_assigned, 0), p.away_until IS NOT NULL AND "
	    "(p.away_until = 0 OR p.away_until > ?1), ifnull(p.away_until, 0), "
	    "p.skills FROM people p WHERE p.role IN ('admin', 'root') "
	    "ORDER BY p.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		s = sqlite3_column_text(st, 1);
		r->email = xstrdup(s != NULL ? (const char *)s : "");
		r->open_tickets = sqlite3_column_int(st, 2);
		r->last_assigned = sqlite3_column_int64(st, 3);
		r->away = sqlite3_column_int(st, 4);
		r->away_until = r->away ? sqlite3_column_int64(st, 5) : 0;
		s = sqlite3_column_text(st, 6);
		r->skills = s != NULL ? xstrdup((const char *)s) : NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_admins_free(rows, n);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rowsp = rows;
	*np = n;
	return DB_OK;
}

void
db_admins_free(struct db_admin *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].email);
		free(rows[i].skills);
	}
	free(rows);
}

int
db_ticket_assign(struct db *db, long long ticket, long long admin, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = exec_stmt(db, "UPDATE tickets SET handovers = handovers + "
	    "(assignee_id IS NOT NULL AND assignee_id != ?2), assignee_id = ?2, "
	    "status = 'assigned', assigned_at = ?3, updated_at = ?3 "
	    "WHERE number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, admin);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if ((rc = finish(db, st)) != DB_OK)
		return rc;
	if ((rc = exec_stmt(db, "UPDATE people SET last_assigned = ?2 "
	    "WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, admin);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if ((rc = finish(db, st)) != DB_OK)
		return rc;
	return db_participant_add(db, ticket, admin, "assignee", now);
}
