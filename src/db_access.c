/*
 * db_access.c — who may open tickets: grants, revocations, access requests
 * from senders outside allow_domains, and ticketctl's user list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_impl.h"
#include "log.h"
#include "xmalloc.h"

/* A statement from the connection's cache (db_get), given back with db_put. */
static int
prep(struct db *db, const char *sql, sqlite3_stmt **st)
{
	return db_get(db, sql, st);	/* never outside the transaction */
}

/* Step once and give it back: DB_OK for a row or done. */
static int
once(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	db_put(db, st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return DB_OK;
	log_debug("%s: %s", db->path, sqlite3_errmsg(db->h));
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_access_get(struct db *db, long long person, struct db_access *a)
{
	sqlite3_stmt *st;
	const unsigned char *s;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = prep(db, "SELECT role, granted, ifnull(denied_at, 0) FROM "
	    "people WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s = sqlite3_column_text(st, 0);
		a->role = xstrdup(s != NULL ? (const char *)s : "user");
		a->granted = sqlite3_column_int(st, 1);
		a->denied_at = sqlite3_column_int64(st, 2);
	}
	db_put(db, st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_access_denied_now(struct db *db, long long person, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "UPDATE people SET denied_at = ?2 WHERE id = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	return once(db, st);
}

int
db_access_request(struct db *db, long long mail, long long person,
    const char *kind, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "INSERT INTO access_requests (mail_id, person_id, "
	    "created_at, kind) VALUES (?1, ?2, ?3, ?4)", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mail);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	return once(db, st);
}

int
db_held_count(struct db *db, long long person, time_t since, int *count)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	if ((rc = prep(db, "SELECT count(*) FROM access_requests WHERE "
	    "person_id = ?1 AND kind = 'flood' AND created_at >= ?2", &st)) !=
	    DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	db_put(db, st);
	return rc == SQLITE_ROW ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

int
db_tickets_opened(struct db *db, long long person, time_t since, int *count)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	if ((rc = prep(db, "SELECT count(*) FROM tickets WHERE requester_id = "
	    "?1 AND created_at >= ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	db_put(db, st);
	return rc == SQLITE_ROW ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

int
db_access_pending(struct db *db, const char *email, const char *kind,
    long long **mailsp, size_t *np)
{
	sqlite3_stmt *st;
	long long *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*mailsp = NULL;
	*np = 0;
	if ((rc = prep(db, "SELECT a.mail_id FROM access_requests a JOIN people "
	    "p ON p.id = a.person_id WHERE p.email = ?1 AND a.granted_at IS "
	    "NULL AND a.kind = ?2 ORDER BY a.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (n == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 8, sizeof(*v));
		v[n++] = sqlite3_column_int64(st, 0);
	}
	db_put(db, st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*mailsp = v;
	*np = n;
	return DB_OK;
}

int
db_access_granted(struct db *db, long long mail, long long ticket, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "UPDATE access_requests SET granted_at = ?2, "
	    "ticket_number = ?3 WHERE mail_id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mail);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (ticket != 0)
		sqlite3_bind_int64(st, 3, ticket);
	return once(db, st);
}

static int
user_set(struct db *db, const char *sql, const char *email, const char *role,
    time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, sql, &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (role != NULL)
		sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
	return once(db, st);
}

int
db_user_grant(struct db *db, const char *email, time_t now)
{
	return user_set(db, "INSERT INTO people (email, created_at, granted) "
	    "VALUES (?1, ?2, 1) ON CONFLICT (email) DO UPDATE SET granted = 1, "
	    "role = CASE role WHEN 'blocked' THEN 'user' ELSE role END, "
	    "role_set_at = CASE role WHEN 'blocked' THEN ?2 ELSE role_set_at "
	    "END", email, NULL, now);
}

int
db_user_revoke(struct db *db, const char *email, time_t now)
{
	return user_set(db, "INSERT INTO people (email, created_at, role, "
	    "role_set_at) VALUES (?1, ?2, 'blocked', ?2) ON CONFLICT (email) DO "
	    "UPDATE SET granted = 0, role = 'blocked', role_set_at = ?2", email,
	    NULL, now);
}

int
db_user_role(struct db *db, const char *email, const char *role, time_t now)
{
	return user_set(db, "INSERT INTO people (email, created_at, role, "
	    "role_set_at) VALUES (?1, ?2, ?3, ?2) ON CONFLICT (email) DO "
	    "UPDATE SET role = ?3, role_set_at = ?2", email, role, now);
}

int
db_user_each(struct db *db, void (*fn)(const struct db_user_row *, void *),
    void *arg)
{
	struct db_user_row r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT p.email, p.name, p.role, p.granted, "
	    "p.skills, ifnull(p.away_until, -1), (SELECT count(*) FROM "
	    "access_requests a WHERE a.person_id = p.id AND a.granted_at IS "
	    "NULL) FROM people p ORDER BY p.role = 'user', p.email",
	    &st)) != DB_OK)
		return rc;
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		r.email = (const char *)sqlite3_column_text(st, 0);
		r.name = (const char *)sqlite3_column_text(st, 1);
		r.role = (const char *)sqlite3_column_text(st, 2);
		r.granted = sqlite3_column_int(st, 3);
		r.skills = (const char *)sqlite3_column_text(st, 4);
		r.away_until = sqlite3_column_int64(st, 5);
		r.pending = sqlite3_column_int(st, 6);
		fn(&r, arg);
	}
	db_put(db, st);
	return rc == SQLITE_DONE ? DB_OK :
	    db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_mail_raw(struct db *db, long long mail, char **raw, size_t *len)
{
	sqlite3_stmt *st;
	const void *p;
	char err[256];
	size_t n;
	int rc;

	*raw = NULL;
	*len = 0;
	if ((rc = prep(db, "SELECT raw, raw_form FROM mails WHERE id = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mail);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		*raw = db_unpack(db, p, n, sqlite3_column_int(st, 1), len, err,
		    sizeof(err));
		if (*raw == NULL) {
			log_warnx("mail %lld: the stored mail cannot be read: "
			    "%s", mail, err);
			rc = SQLITE_CORRUPT;
		}
	}
	db_put(db, st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_mail_refile(struct db *db, long long mail, const char *disposition,
    long long ticket, const char *note)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "UPDATE mails SET disposition = ?2, ticket_number = "
	    "?3, note = ?4 WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mail);
	sqlite3_bind_text(st, 2, disposition, -1, SQLITE_STATIC);
	if (ticket != 0)
		sqlite3_bind_int64(st, 3, ticket);
	if (note != NULL)
		sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	return once(db, st);
}

static int
changed_one(struct db *db, sqlite3_stmt *st)
{
	int rc = once(db, st);

	return rc != DB_OK ? rc : sqlite3_changes(db->h) > 0;
}

int
db_user_skills(struct db *db, const char *email, const char *skills)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "UPDATE people SET skills = ?2 WHERE email = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (skills != NULL)
		sqlite3_bind_text(st, 2, skills, -1, SQLITE_STATIC);
	return changed_one(db, st);
}

int
db_user_away(struct db *db, const char *email, long long until, int away)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "UPDATE people SET away_until = ?2 WHERE email = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if (away)
		sqlite3_bind_int64(st, 2, until);
	return changed_one(db, st);
}

int
db_report(struct db *db, struct db_report *r, struct db_report_admin **rowsp,
    size_t *np)
{
	struct db_report_admin *rows = NULL, *x;
	sqlite3_stmt *st;
	const unsigned char *s;
	size_t n = 0, cap = 0, i;
	int rc;

	memset(r, 0, sizeof(*r));
	*rowsp = NULL;
	*np = 0;
	if ((rc = prep(db, "SELECT (SELECT count(*) FROM tickets WHERE status = "
	    "'open'), (SELECT count(*) FROM tickets WHERE status = 'assigned'), "
	    "(SELECT count(*) FROM tickets WHERE status = 'resolved'), "
	    "(SELECT count(*) FROM tickets WHERE status = 'rejected'), "
	    "(SELECT count(*) FROM access_requests WHERE granted_at IS NULL)",
	    &st)) != DB_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->open = sqlite3_column_int(st, 0);
		r->assigned = sqlite3_column_int(st, 1);
		r->resolved = sqlite3_column_int(st, 2);
		r->rejected = sqlite3_column_int(st, 3);
		r->requests = sqlite3_column_int(st, 4);
	}
	db_put(db, st);
	if ((rc = prep(db, "SELECT p.email, p.assigned_n, "
	    "(SELECT count(*) FROM tickets t WHERE t.assignee_id = p.id AND "
	    "t.status = 'resolved'), p.id FROM people p WHERE p.role IN "
	    "('admin', 'root') ORDER BY p.email", &st)) != DB_OK)
		return rc;
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (n == cap)
			rows = xreallocarray(rows, cap = cap ? cap * 2 : 8,
			    sizeof(*rows));
		x = &rows[n++];
		s = sqlite3_column_text(st, 0);
		x->email = xstrdup(s != NULL ? (const char *)s : "");
		x->open = sqlite3_column_int(st, 1);
		x->resolved = sqlite3_column_int(st, 2);
		x->median_secs = -1;
		x->id = sqlite3_column_int64(st, 3);
	}
	db_put(db, st);
	if (rc != SQLITE_DONE)
		goto fail;
	/*
	 * Median resolution time: each admin's times in order; the middle one
	 * is at (count - 1) / 2 (the lower middle for an even count).
	 */
	for (i = 0; i < n; i++) {
		if (rows[i].resolved == 0)
			continue;
		if ((rc = prep(db, "SELECT closed_at - created_at FROM tickets "
		    "WHERE assignee_id = ?1 AND status = 'resolved' ORDER BY 1 "
		    "LIMIT 1 OFFSET ?2", &st)) != DB_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, rows[i].id);
		sqlite3_bind_int(st, 2, (rows[i].resolved - 1) / 2);
		if (sqlite3_step(st) == SQLITE_ROW)
			rows[i].median_secs = sqlite3_column_int64(st, 0);
		db_put(db, st);
	}
	rc = SQLITE_DONE;
	*rowsp = rows;
	*np = n;
	return DB_OK;
fail:
	db_report_free(rows, n);
	return rc < 0 ? rc : db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

void
db_report_free(struct db_report_admin *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(rows[i].email);
	free(rows);
}

int
db_flood_each(struct db *db, void (*fn)(const struct db_flood_row *, void *),
    void *arg)
{
	struct db_flood_row r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT a.mail_id, p.email, m.received_at, "
	    "ifnull(m.subject, '') FROM access_requests a JOIN people p ON "
	    "p.id = a.person_id JOIN mails m ON m.id = a.mail_id WHERE "
	    "a.kind = 'flood' AND a.granted_at IS NULL ORDER BY a.id",
	    &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.mail_id = sqlite3_column_int64(st, 0);
		r.email = (const char *)sqlite3_column_text(st, 1);
		r.received_at = sqlite3_column_int64(st, 2);
		r.subject = (const char *)sqlite3_column_text(st, 3);
		if (r.email == NULL || r.subject == NULL)
			continue;
		fn(&r, arg);
	}
	db_put(db, st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}
