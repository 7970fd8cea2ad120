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

/*
 * A statement from the connection's cache (db_get: prepared once, not per
 * mail), given back with db_put(); DB_* result.
 */
static int
exec_stmt(struct db *db, const char *sql, sqlite3_stmt **stp)
{
	return db_get(db, sql, stp);	/* never outside the transaction */
}

/* Step a bound statement once and give it back; DB_* result. */
static int
finish(struct db *db, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	db_put(db, st);
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
	/* assigned_n: the triggers' count of their assigned tickets */
	if ((rc = exec_stmt(db, "SELECT p.id, p.email, p.assigned_n, "
	    "ifnull(p.last_assigned, 0), p.away_until IS NOT NULL AND "
	    "(p.away_until = 0 OR p.away_until > ?1), ifnull(p.away_until, 0), "
	    "p.skills, p.role = 'root' FROM people p "
	    "WHERE p.role IN ('admin', 'root') "
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
		r->root = sqlite3_column_int(st, 7);
	}
	db_put(db, st);
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

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

int
db_ticket_info(struct db *db, long long number, struct db_ticket_info *t)
{
	sqlite3_stmt *st;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = exec_stmt(db, "SELECT t.number, t.subject, t.status, "
	    "t.priority, t.category || ifnull('/' || t.subcategory, ''), "
	    "t.requester_id, r.email, ifnull(t.assignee_id, 0), a.email, "
	    "t.created_at, ifnull(t.closed_at, 0), ifnull(t.due_at, 0), "
	    "ifnull(t.breached_at, 0), t.sla_reason "
	    "FROM tickets t JOIN people r ON r.id = t.requester_id "
	    "LEFT JOIN people a ON a.id = t.assignee_id WHERE t.number = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->number = sqlite3_column_int64(st, 0);
		t->subject = dup_col(st, 1);
		t->status = dup_col(st, 2);
		t->priority = dup_col(st, 3);
		t->category = dup_col(st, 4);
		t->requester_id = sqlite3_column_int64(st, 5);
		t->requester = dup_col(st, 6);
		t->assignee_id = sqlite3_column_int64(st, 7);
		t->assignee = dup_col(st, 8);
		t->created_at = sqlite3_column_int64(st, 9);
		t->closed_at = sqlite3_column_int64(st, 10);
		t->due_at = sqlite3_column_int64(st, 11);
		t->breached_at = sqlite3_column_int64(st, 12);
		t->sla_reason = dup_col(st, 13);
		db_put(db, st);
		return 0;
	}
	db_put(db, st);
	if (rc == SQLITE_DONE)
		return 1;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

void
db_ticket_info_clear(struct db_ticket_info *t)
{
	free(t->subject);
	free(t->status);
	free(t->priority);
	free(t->category);
	free(t->requester);
	free(t->assignee);
	free(t->sla_reason);
	memset(t, 0, sizeof(*t));
}

int
db_ticket_set(struct db *db, long long number, int what, const char *value,
    time_t now)
{
	sqlite3_stmt *st;
	const char *sql, *slash;
	int rc;

	switch (what) {
	case DB_SET_PRIORITY:
		sql = "UPDATE tickets SET priority = ?2, updated_at = ?3 "
		    "WHERE number = ?1";
		break;
	case DB_SET_CATEGORY:
		/* a person set it: no longer the classifier's guess */
		sql = "UPDATE tickets SET category = ?2, subcategory = ?4, "
		    "category_guessed = 0, updated_at = ?3 WHERE number = ?1";
		break;
	case DB_SET_STATUS:
		sql = "UPDATE tickets SET status = ?2, updated_at = ?3, "
		    "closed_at = CASE WHEN ?2 IN ('resolved', 'rejected') "
		    "THEN ?3 ELSE NULL END WHERE number = ?1";
		break;
	default:
		return DB_PERM;
	}
	if ((rc = exec_stmt(db, sql, &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	slash = what == DB_SET_CATEGORY ? strchr(value, '/') : NULL;
	if (slash != NULL) {
		sqlite3_bind_text(st, 2, value, (int)(slash - value),
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, slash + 1, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return finish(db, st);
}

int
db_ticket_publish(struct db *db, long long number, const char *title)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = exec_stmt(db, "UPDATE tickets SET published = 1, "
	    "kb_title = ?2 WHERE number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	if (title != NULL)
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	return finish(db, st);
}

int
db_person_find(struct db *db, const char *email, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = exec_stmt(db, "SELECT id FROM people WHERE email = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	db_put(db, st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_participants(struct db *db, long long ticket, struct db_participant **rowsp,
    size_t *np)
{
	struct db_participant *rows = NULL, *r;
	sqlite3_stmt *st;
	size_t n = 0, cap = 0;
	int rc;

	*rowsp = NULL;
	*np = 0;
	if ((rc = exec_stmt(db, "SELECT p.id, p.email, p.name, p.role IN "
	    "('admin', 'root'), p.bouncing_since IS NOT NULL FROM participants x "
	    "JOIN people p ON p.id = x.person_id WHERE x.ticket_number = ?1 "
	    "ORDER BY x.added_at, p.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->email = dup_col(st, 1);
		r->name = dup_col(st, 2);
		r->admin = sqlite3_column_int(st, 3);
		r->bouncing = sqlite3_column_int(st, 4);
	}
	db_put(db, st);
	if (rc != SQLITE_DONE) {
		db_participants_free(rows, n);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rowsp = rows;
	*np = n;
	return DB_OK;
}

void
db_participants_free(struct db_participant *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].email);
		free(rows[i].name);
	}
	free(rows);
}

int
db_person_is_root(struct db *db, long long person)
{
	sqlite3_stmt *st;
	int rc, v = 0;

	if ((rc = exec_stmt(db, "SELECT role = 'root' FROM people WHERE id = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, person);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	db_put(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	return v != 0;
}

int
db_images(struct db *db, long long ticket, long long comment, size_t max_bytes,
    struct db_image **rowsp, size_t *np)
{
	struct db_image *rows = NULL, *r;
	sqlite3_stmt *st;
	size_t n = 0, cap = 0, total = 0, len;
	int rc;

	*rowsp = NULL;
	*np = 0;
	if ((rc = exec_stmt(db, "SELECT a.filename, a.media_type, b.id, "
	    "b.size FROM attachments a JOIN blobs b ON b.id = a.blob_id WHERE "
	    "a.ticket_number = ?1 AND a.is_image AND (a.comment_id = ?2 OR "
	    "(?2 IS NULL AND a.comment_id IS NULL)) ORDER BY a.id",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	if (comment != 0)
		sqlite3_bind_int64(st, 2, comment);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		len = (size_t)sqlite3_column_int64(st, 3);
		if (total + len > max_bytes)
			continue;
		total += len;
		if (n == cap)
			rows = xreallocarray(rows, cap = cap ? cap * 2 : 4,
			    sizeof(*rows));
		r = &rows[n++];
		r->filename = dup_col(st, 0);
		r->media_type = dup_col(st, 1);
		r->len = len;
		r->blob = sqlite3_column_int64(st, 2);
	}
	db_put(db, st);
	if (rc != SQLITE_DONE) {
		db_images_free(rows, n);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rowsp = rows;
	*np = n;
	return DB_OK;
}

void
db_images_free(struct db_image *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].filename);
		free(rows[i].media_type);
	}
	free(rows);
}

/* The text of the first column of a one-row query, or NULL. */
static int
one_text(struct db *db, const char *sql, long long ticket, const char *s,
    char **out)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((rc = exec_stmt(db, sql, &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	if (s != NULL)
		sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = dup_col(st, 0);
	db_put(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	return DB_OK;
}

int
db_thread_ids(struct db *db, long long ticket, const char *rcpt, char **first,
    char **last)
{
	int rc;

	*last = NULL;
	rc = one_text(db, "SELECT message_id FROM mails WHERE ticket_number = "
	    "?1 AND disposition = 'ticket' AND message_id NOT LIKE 'sha256:%' "
	    "ORDER BY id LIMIT 1", ticket, NULL, first);
	if (rc == DB_OK)
		rc = one_text(db, "SELECT message_id FROM outbox WHERE "
		    "ticket_number = ?1 AND rcpt_to = ?2 AND status IN "
		    "('pending', 'sent') ORDER BY id DESC LIMIT 1",
		    ticket, rcpt, last);
	return rc;
}
