/*
 * db_ctl.c — read-only queries for ticketctl.
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

static void
ticket_row(sqlite3_stmt *st, struct db_ticket_row *r)
{
	memset(r, 0, sizeof(*r));
	r->number = sqlite3_column_int64(st, 0);
	r->status = col(st, 1);
	r->priority = col(st, 2);
	r->requester = col(st, 3);
	r->requester_name = col(st, 4);
	r->subject = col(st, 5);
	r->created_at = sqlite3_column_int64(st, 6);
	r->body = col(st, 7);
	r->linked_to = sqlite3_column_int64(st, 8);
}

#define TICKET_COLS "SELECT t.number, t.status, t.priority, p.email, p.name, " \
	"t.subject, t.created_at, t.body, t.linked_to FROM tickets t " \
	"JOIN people p ON p.id = t.requester_id "

int
db_ticket_each(struct db *db, int limit,
    void (*fn)(const struct db_ticket_row *, void *), void *arg)
{
	struct db_ticket_row r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, TICKET_COLS "ORDER BY t.number DESC "
	    "LIMIT ?1", -1, &st, NULL) != SQLITE_OK)
		return DB_PERM;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
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

	if (sqlite3_prepare_v2(db->h, "SELECT c.id, p.email, c.body, "
	    "c.full_body, c.created_at FROM comments c LEFT JOIN people p "
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
		r.body = col(st, 2);
		r.full_body = col(st, 3);
		r.created_at = sqlite3_column_int64(st, 4);
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
