/*
 * db_asset.c — the asset registry's SQL (see db_asset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_asset.h"
#include "db_impl.h"
#include "xmalloc.h"

#define ASSET_COLS \
	"a.id, a.tag, a.type, a.model, a.serial, ifnull(a.owner_id, 0), " \
	"p.email, p.role, a.status, a.purchased, a.warranty_end, a.notes, " \
	"a.created_at, a.updated_at, " \
	"(SELECT count(*) FROM ticket_assets x WHERE x.asset_id = a.id) "
#define ASSET_FROM \
	"FROM assets a LEFT JOIN people p ON p.id = a.owner_id "

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const char *s = col(st, i);

	return s != NULL ? xstrdup(s) : NULL;
}

static int
done(sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

/* done() for a statement of the connection's cache (db_get). */
static int
put_done(struct db *db, sqlite3_stmt *st, int rc)
{
	db_put(db, st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void
bind_id(sqlite3_stmt *st, int i, long long id)
{
	if (id <= 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, id);
}

/* The row of ASSET_COLS into *a (strings new). */
static void
read_row(sqlite3_stmt *st, struct db_asset *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	a->tag = dup_col(st, 1);
	a->type = dup_col(st, 2);
	a->model = dup_col(st, 3);
	if (a->model == NULL)
		a->model = xstrdup("");
	a->serial = dup_col(st, 4);
	a->owner_id = sqlite3_column_int64(st, 5);
	a->owner = dup_col(st, 6);
	a->owner_role = dup_col(st, 7);
	a->status = dup_col(st, 8);
	a->purchased = dup_col(st, 9);
	a->warranty = dup_col(st, 10);
	a->notes = dup_col(st, 11);
	a->created_at = sqlite3_column_int64(st, 12);
	a->updated_at = sqlite3_column_int64(st, 13);
	a->tickets = sqlite3_column_int64(st, 14);
}

void
db_asset_clear(struct db_asset *a)
{
	if (a == NULL)
		return;
	free(a->tag);
	free(a->type);
	free(a->model);
	free(a->serial);
	free(a->owner);
	free(a->owner_role);
	free(a->status);
	free(a->purchased);
	free(a->warranty);
	free(a->notes);
	memset(a, 0, sizeof(*a));
}

int
db_asset_get(struct db *db, const char *tag, struct db_asset *a)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(db, "SELECT " ASSET_COLS ASSET_FROM
	    "WHERE a.tag = ?1", &st)) != DB_OK)
		return rc;
	bind_text(st, 1, tag);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, a);
		sqlite3_finalize(st);
		return DB_OK;
	}
	rc = done(st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_asset_by_id(struct db *db, long long id, struct db_asset *a)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(db, "SELECT " ASSET_COLS ASSET_FROM
	    "WHERE a.id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, a);
		sqlite3_finalize(st);
		return DB_OK;
	}
	rc = done(st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_asset_event(struct db *db, long long id, const struct db_asset_actor *who,
    const char *kind, const char *detail, long long owner, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO asset_events (asset_id, at, "
	    "actor_id, actor, kind, detail, owner_id) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (long long)now);
	bind_id(st, 3, who->id);
	bind_text(st, 4, who->name);
	bind_text(st, 5, kind);
	bind_text(st, 6, detail);
	/* the owner after an added/given/returned event; else NULL */
	bind_id(st, 7, owner);
	return db_finish(db, st);
}

static void
bind_new(sqlite3_stmt *st, const struct db_asset_new *n)
{
	bind_text(st, 2, n->type);
	bind_text(st, 3, n->model != NULL ? n->model : "");
	bind_text(st, 4, n->serial);
	bind_id(st, 5, n->owner_id);
	bind_text(st, 6, n->status);
	bind_text(st, 7, n->purchased);
	bind_text(st, 8, n->warranty);
	bind_text(st, 9, n->notes);
}

int
db_asset_add(struct db *db, const struct db_asset_new *n,
    const struct db_asset_actor *who, time_t now, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO assets (tag, type, model, "
	    "serial, owner_id, status, purchased, warranty_end, notes, "
	    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?10)", &st)) != DB_OK)
		return rc;
	bind_text(st, 1, n->tag);
	bind_new(st, n);
	sqlite3_bind_int64(st, 10, (long long)now);
	if ((rc = db_finish(db, st)) != DB_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db->h);
	return db_asset_event(db, *id, who, "added", NULL, n->owner_id, now);
}

int
db_asset_update(struct db *db, long long id, const struct db_asset_new *n,
    time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE assets SET type = ?2, model = ?3, "
	    "serial = ?4, owner_id = ?5, status = ?6, purchased = ?7, "
	    "warranty_end = ?8, notes = ?9, updated_at = ?10 WHERE id = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_new(st, n);
	sqlite3_bind_int64(st, 10, (long long)now);
	return db_finish(db, st);
}

int
db_asset_set_owner(struct db *db, long long id, long long owner,
    const char *status, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE assets SET owner_id = ?2, status = "
	    "?3, updated_at = ?4 WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_id(st, 2, owner);
	bind_text(st, 3, status);
	sqlite3_bind_int64(st, 4, (long long)now);
	return db_finish(db, st);
}

int
db_asset_set_status(struct db *db, long long id, const char *status,
    time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE assets SET status = ?2, updated_at = "
	    "?3 WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, (long long)now);
	return db_finish(db, st);
}

int
db_asset_add_note(struct db *db, long long id, const char *line, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE assets SET notes = CASE WHEN notes "
	    "IS NULL OR notes = '' THEN ?2 ELSE notes || char(10) || ?2 END, "
	    "updated_at = ?3 WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, line);
	sqlite3_bind_int64(st, 3, (long long)now);
	return db_finish(db, st);
}

int
db_asset_person(struct db *db, const char *email, long long *id,
    const char **role)
{
	static const char *const roles[] = { "user", "admin", "root",
	    "blocked" };
	sqlite3_stmt *st;
	const char *r;
	size_t i;
	int rc;

	if ((rc = db_prepare(db, "SELECT id, role FROM people WHERE email = "
	    "?1", &st)) != DB_OK)
		return rc;
	bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = done(st, rc);
		return rc == DB_OK ? 1 : rc;
	}
	*id = sqlite3_column_int64(st, 0);
	r = col(st, 1);
	*role = "user";
	for (i = 0; r != NULL && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(r, roles[i]) == 0)
			*role = roles[i];
	sqlite3_finalize(st);
	return DB_OK;
}

/* Step st, a query of ASSET_COLS (+ column 15 when top), into cb. */
static int
each_row(struct db *cached, sqlite3_stmt *st, int top,
    void (*cb)(const struct db_asset *, void *), void *arg)
{
	struct db_asset a;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &a);
		if (top)
			a.tickets_90d = sqlite3_column_int64(st, 15);
		cb(&a, arg);
		db_asset_clear(&a);
	}
	return cached != NULL ? put_done(cached, st, rc) : done(st, rc);
}

int
db_asset_each(struct db *db, const struct db_asset_filter *f,
    void (*cb)(const struct db_asset *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT " ASSET_COLS ASSET_FROM
	    "WHERE (?1 IS NULL OR a.type = ?1) "
	    "AND (?2 IS NULL OR a.status = ?2) "
	    "AND (?3 IS NULL OR (?3 = 'none' AND a.owner_id IS NULL) OR "
	    "p.email = ?3 COLLATE NOCASE) "
	    "AND (?4 IS NULL OR (a.warranty_end IS NOT NULL AND "
	    "a.warranty_end >= ?5 AND a.warranty_end <= ?4)) "
	    "ORDER BY a.tag LIMIT ?6", &st)) != DB_OK)
		return rc;
	bind_text(st, 1, f->type);
	bind_text(st, 2, f->status);
	bind_text(st, 3, f->owner);
	bind_text(st, 4, f->warranty_before);
	bind_text(st, 5, f->warranty_from != NULL ? f->warranty_from : "");
	sqlite3_bind_int64(st, 6, f->limit > 0 ? (long long)f->limit : -1);
	return each_row(NULL, st, 0, cb, arg);
}

int
db_asset_history(struct db *db, long long id,
    void (*cb)(const struct db_asset_event_row *, void *), void *arg)
{
	struct db_asset_event_row r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT e.at, e.actor, e.kind, e.detail, "
	    "e.kind IN ('added', 'given', 'returned'), p.email "
	    "FROM asset_events e LEFT JOIN people p ON p.id = e.owner_id "
	    "WHERE e.asset_id = ?1 ORDER BY e.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.at = sqlite3_column_int64(st, 0);
		r.actor = col(st, 1);
		r.kind = col(st, 2);
		r.detail = col(st, 3);
		r.owner_change = sqlite3_column_int(st, 4);
		r.owner = col(st, 5);
		cb(&r, arg);
	}
	return done(st, rc);
}

int
db_asset_tickets(struct db *db, long long id, long long except, size_t max,
    void (*cb)(const struct db_asset_ticket *, void *), void *arg)
{
	struct db_asset_ticket t;
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT t.number, t.subject, t.status, "
	    "r.email, x.how, t.created_at FROM ticket_assets x "
	    "JOIN tickets t ON t.number = x.ticket_number "
	    "JOIN people r ON r.id = t.requester_id "
	    "WHERE x.asset_id = ?1 AND t.number != ?2 "
	    "ORDER BY t.number DESC LIMIT ?3", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, except);
	sqlite3_bind_int64(st, 3, max > 0 ? (long long)max : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.number = sqlite3_column_int64(st, 0);
		t.subject = col(st, 1);
		t.status = col(st, 2);
		t.requester = col(st, 3);
		t.how = col(st, 4);
		t.created_at = sqlite3_column_int64(st, 5);
		cb(&t, arg);
	}
	return done(st, rc);
}

int
db_asset_of_owner(struct db *db, long long owner,
    void (*cb)(const struct db_asset *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	/* kept prepared: every assignment notice asks (pl_assets_note) */
	if ((rc = db_get(db, "SELECT " ASSET_COLS ASSET_FROM
	    "WHERE a.owner_id = ?1 ORDER BY a.tag", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, owner);
	return each_row(db, st, 0, cb, arg);
}

int
db_asset_owned_of_type(struct db *db, long long owner, const char *type,
    long long *id, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	*id = 0;
	if ((rc = db_prepare(db, "SELECT id FROM assets WHERE owner_id = ?1 "
	    "AND type = ?2 AND status != 'retired' ORDER BY id LIMIT 2",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, owner);
	bind_text(st, 2, type);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == 0)
			*id = sqlite3_column_int64(st, 0);
		(*n)++;
	}
	return done(st, rc);
}

int
db_asset_link(struct db *db, long long ticket, long long asset,
    const char *how, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO ticket_assets (ticket_number, "
	    "asset_id, how, linked_at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (ticket_number) DO UPDATE SET asset_id = ?2, "
	    "how = ?3, linked_at = ?4", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, asset);
	bind_text(st, 3, how);
	sqlite3_bind_int64(st, 4, (long long)now);
	return db_finish(db, st);
}

int
db_asset_of_ticket(struct db *db, long long ticket, struct db_asset *a,
    char **how)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if (how != NULL)
		*how = NULL;
	/* kept prepared: every assignment notice asks (pl_assets_note) */
	if ((rc = db_get(db, "SELECT " ASSET_COLS ", x.how " ASSET_FROM
	    "JOIN ticket_assets x ON x.asset_id = a.id "
	    "WHERE x.ticket_number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, a);
		if (how != NULL)
			*how = dup_col(st, 15);
		db_put(db, st);
		return DB_OK;
	}
	rc = put_done(db, st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_asset_top(struct db *db, long long since, size_t max,
    void (*cb)(const struct db_asset *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT " ASSET_COLS ", c.n " ASSET_FROM
	    "JOIN (SELECT x.asset_id AS id, count(*) AS n FROM ticket_assets x "
	    /* from the links, not the tickets: with statistics SQLite
	     * would walk every recent ticket to find the few with a
	     * device (10 ms on 100,000); CROSS JOIN keeps this order */
	    "CROSS JOIN tickets t ON t.number = x.ticket_number "
	    "WHERE t.created_at >= ?1 GROUP BY x.asset_id) c ON c.id = a.id "
	    "ORDER BY c.n DESC, a.tag LIMIT ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, (long long)max);
	return each_row(NULL, st, 1, cb, arg);
}
