/*
 * db_ctl.c — read-only queries for ticketctl: prepared statements only,
 * every value from the command line bound, never pasted into SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_impl.h"
#include "xmalloc.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
done(sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_read_begin(struct db *db)
{
	return db_rc(sqlite3_exec(db->h, "BEGIN DEFERRED", NULL, NULL, NULL));
}

void
db_read_end(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
}

#define TICKET_COLS "SELECT t.number, t.status, t.priority, t.category, " \
	"t.subcategory, r.email, r.name, a.email, a.name, t.subject, " \
	"t.created_at, t.updated_at, ifnull(t.assigned_at, 0), " \
	"ifnull(t.closed_at, 0), ifnull(t.linked_to, 0), t.handovers, t.body " \
	"FROM tickets t JOIN people r ON r.id = t.requester_id " \
	"LEFT JOIN people a ON a.id = t.assignee_id "

static void
ticket_row(sqlite3_stmt *st, struct db_ticket_row *r)
{
	memset(r, 0, sizeof(*r));
	r->number = sqlite3_column_int64(st, 0);
	r->status = col(st, 1);
	r->priority = col(st, 2);
	r->category = col(st, 3);
	r->subcategory = col(st, 4);
	r->requester = col(st, 5);
	r->requester_name = col(st, 6);
	r->assignee = col(st, 7);
	r->assignee_name = col(st, 8);
	r->subject = col(st, 9);
	r->created_at = sqlite3_column_int64(st, 10);
	r->updated_at = sqlite3_column_int64(st, 11);
	r->assigned_at = sqlite3_column_int64(st, 12);
	r->closed_at = sqlite3_column_int64(st, 13);
	r->linked_to = sqlite3_column_int64(st, 14);
	r->handovers = sqlite3_column_int(st, 15);
	r->body = col(st, 16);
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int
db_ticket_each(struct db *db, const struct db_ticket_filter *f,
    void (*fn)(const struct db_ticket_row *, void *), void *arg)
{
	static const struct db_ticket_filter all;
	struct db_ticket_row r;
	sqlite3_stmt *st;
	int rc;

	if (f == NULL)
		f = &all;
	/* people.email is COLLATE NOCASE: addresses match in any case */
	if (sqlite3_prepare_v2(db->h, TICKET_COLS
	    "WHERE (?1 IS NULL OR t.status = ?1) "
	    "AND (?2 IS NULL OR t.priority = ?2) "
	    "AND (?3 IS NULL OR t.category = ?3 COLLATE NOCASE) "
	    "AND (?4 IS NULL OR t.subcategory = ?4 COLLATE NOCASE) "
	    "AND (?5 IS NULL OR a.email = ?5) "
	    "AND (?6 = 0 OR t.assignee_id IS NULL) "
	    "AND (?7 IS NULL OR r.email = ?7) "
	    "ORDER BY t.number DESC LIMIT ?8", -1, &st, NULL) != SQLITE_OK)
		return DB_PERM;
	bind_opt(st, 1, f->status);
	bind_opt(st, 2, f->priority);
	bind_opt(st, 3, f->category);
	bind_opt(st, 4, f->category != NULL ? f->subcategory : NULL);
	bind_opt(st, 5, f->admin);
	sqlite3_bind_int(st, 6, f->unassigned != 0);
	bind_opt(st, 7, f->requester);
	sqlite3_bind_int(st, 8, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ticket_row(st, &r);
		r.body = NULL;
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_ticket_show(struct db *db, long long number,
    void (*fn)(const struct db_ticket_row *, void *), void *arg)
{
	struct db_ticket_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, TICKET_COLS "WHERE t.number = ?1", -1,
	    &st, NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ticket_row(st, &r);
		fn(&r, arg);
		sqlite3_finalize(st);
		return 0;
	}
	rc = done(st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_participant_each(struct db *db, long long ticket,
    void (*fn)(const struct db_participant_row *, void *), void *arg)
{
	struct db_participant_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT p.email, p.name, pa.role, "
	    "pa.added_at FROM participants pa JOIN people p "
	    "ON p.id = pa.person_id WHERE pa.ticket_number = ?1 "
	    "ORDER BY pa.added_at, CASE pa.role WHEN 'requester' THEN 0 "
	    "WHEN 'assignee' THEN 1 ELSE 2 END, p.email", -1, &st,
	    NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.email = col(st, 0);
		r.name = col(st, 1);
		r.role = col(st, 2);
		r.added_at = sqlite3_column_int64(st, 3);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_event_each(struct db *db, long long ticket,
    void (*fn)(const struct db_event_row *, void *), void *arg)
{
	struct db_event_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT e.id, e.at, e.kind, p.email, "
	    "p.name, e.detail FROM events e LEFT JOIN people p "
	    "ON p.id = e.actor_id WHERE e.ticket_number = ?1 "
	    "ORDER BY e.at, e.id", -1, &st, NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.at = sqlite3_column_int64(st, 1);
		r.kind = col(st, 2);
		r.actor = col(st, 3);
		r.actor_name = col(st, 4);
		r.detail = col(st, 5);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_outbox_each(struct db *db,
    void (*fn)(const struct db_outbox_row *, void *), void *arg)
{
	struct db_outbox_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT id, ticket_number, kind, rcpt_to, "
	    "status, attempts, next_attempt_at, last_error FROM outbox "
	    "WHERE status NOT IN ('sent', 'coalesced') ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return DB_PERM;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.ticket_number = sqlite3_column_int64(st, 1);
		r.kind = col(st, 2);
		r.rcpt_to = col(st, 3);
		r.status = col(st, 4);
		r.attempts = sqlite3_column_int(st, 5);
		r.next_attempt_at = sqlite3_column_int64(st, 6);
		r.last_error = col(st, 7);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_comment_each(struct db *db, long long ticket,
    void (*fn)(const struct db_comment_row *, void *), void *arg)
{
	struct db_comment_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT c.id, p.email, p.name, c.body, "
	    "c.full_body, c.created_at, c.internal FROM comments c "
	    "LEFT JOIN people p "
	    "ON p.id = c.author_id WHERE c.ticket_number = ?1 ORDER BY c.id",
	    -1, &st, NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		r.id = sqlite3_column_int64(st, 0);
		r.author = col(st, 1);
		r.author_name = col(st, 2);
		r.body = col(st, 3);
		r.full_body = col(st, 4);
		r.created_at = sqlite3_column_int64(st, 5);
		r.internal = sqlite3_column_int(st, 6) != 0;
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_attachment_each(struct db *db, long long ticket,
    void (*fn)(const struct db_attachment_row *, void *), void *arg)
{
	struct db_attachment_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT id, comment_id, filename, "
	    "media_type, size, is_image, is_inline, blob_id IS NOT NULL, note "
	    "FROM attachments WHERE ticket_number = ?1 ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		r.id = sqlite3_column_int64(st, 0);
		r.comment_id = sqlite3_column_int64(st, 1);
		r.filename = col(st, 2);
		r.media_type = col(st, 3);
		r.size = sqlite3_column_int64(st, 4);
		r.is_image = sqlite3_column_int(st, 5);
		r.is_inline = sqlite3_column_int(st, 6);
		r.kept = sqlite3_column_int(st, 7);
		r.note = col(st, 8);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_mail_each(struct db *db, long long ticket,
    void (*fn)(const struct db_mail_row *, void *), void *arg)
{
	struct db_mail_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT id, received_at, from_addr, "
	    "size FROM mails WHERE ticket_number = ?1 ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		r.id = sqlite3_column_int64(st, 0);
		r.received_at = sqlite3_column_int64(st, 1);
		r.from_addr = col(st, 2);
		r.size = sqlite3_column_int64(st, 3);
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_attachment_data(struct db *db, long long id, char **data, size_t *len)
{
	sqlite3_stmt *st;
	const void *p;
	int rc;

	*data = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT b.data FROM attachments a "
	    "JOIN blobs b ON b.id = a.blob_id WHERE a.id = ?1", -1, &st,
	    NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*data = xmalloc(*len + 1);
		if (*len > 0)
			memcpy(*data, p, *len);
		sqlite3_finalize(st);
		return 0;
	}
	rc = done(st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_export_each(struct db *db, long long since,
    int (*fn)(const struct db_export_row *, void *), void *arg)
{
	struct db_export_row r;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(db->h, "SELECT t.number, t.subject, t.priority, "
	    "t.category, t.subcategory, t.status, t.created_at, e.id, e.at, "
	    "e.kind, p.email, e.detail FROM tickets t JOIN events e ON "
	    "e.ticket_number = t.number LEFT JOIN people p ON p.id = "
	    "e.actor_id WHERE t.created_at >= ?1 ORDER BY t.number, e.at, e.id",
	    -1, &st, NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, since);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.ticket = sqlite3_column_int64(st, 0);
		r.subject = col(st, 1);
		r.priority = col(st, 2);
		r.category = col(st, 3);
		r.subcategory = col(st, 4);
		r.status = col(st, 5);
		r.created_at = sqlite3_column_int64(st, 6);
		r.event_id = sqlite3_column_int64(st, 7);
		r.at = sqlite3_column_int64(st, 8);
		r.kind = col(st, 9);
		r.actor = col(st, 10);
		r.detail = col(st, 11);
		stop = fn(&r, arg) != 0;
	}
	if (stop) {
		sqlite3_finalize(st);
		return DB_PERM;
	}
	return done(st, rc);
}
