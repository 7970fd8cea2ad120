/*
 * db_outbox.c — held notices and the digests that carry them: an admin
 * over max_notices_per_hour is never left out, their notices wait here
 * and go out together (issue 7).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_impl.h"
#include "xmalloc.h"

int
db_held_due(struct db *db, time_t not_after, long long interval,
    char ***rcptsp, size_t *np, time_t *next)
{
	sqlite3_stmt *st;
	char **rcpts = NULL;
	const unsigned char *s;
	size_t n = 0, cap = 0;
	long long last, due;
	int rc;

	*rcptsp = NULL;
	*np = 0;
	*next = 0;
	if ((rc = db_prepare(db, "SELECT h.rcpt_to, (SELECT max(d.created_at) "
	    "FROM outbox d WHERE d.kind = 'digest' AND d.rcpt_to = h.rcpt_to) "
	    "FROM (SELECT DISTINCT rcpt_to FROM outbox WHERE status = 'held') h "
	    "ORDER BY h.rcpt_to", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s = sqlite3_column_text(st, 0);
		if (s == NULL)
			continue;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			last = sqlite3_column_int64(st, 1);
			due = last + interval;
			if (due > (long long)not_after) {
				if (*next == 0 || due < (long long)*next)
					*next = (time_t)due;
				continue;
			}
		}
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			rcpts = xreallocarray(rcpts, cap, sizeof(*rcpts));
		}
		rcpts[n++] = xstrdup((const char *)s);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		while (n > 0)
			free(rcpts[--n]);
		free(rcpts);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rcptsp = rcpts;
	*np = n;
	return DB_OK;
}

static char *
text_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s != NULL ? (const char *)s : "");
}

int
db_held_list(struct db *db, const char *rcpt, size_t max,
    struct db_held **rowsp, size_t *np)
{
	sqlite3_stmt *st;
	struct db_held *rows = NULL, *r;
	size_t n = 0, cap = 0;
	int rc;

	*rowsp = NULL;
	*np = 0;
	if ((rc = db_prepare(db, "SELECT o.id, ifnull(o.ticket_number, 0), "
	    "o.kind, t.priority, t.subject FROM outbox o LEFT JOIN tickets t "
	    "ON t.number = o.ticket_number WHERE o.rcpt_to = ?1 AND "
	    "o.status = 'held' ORDER BY o.id LIMIT ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->ticket_number = sqlite3_column_int64(st, 1);
		r->kind = text_col(st, 2);
		r->priority = text_col(st, 3);
		r->subject = text_col(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_held_free(rows, n);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rowsp = rows;
	*np = n;
	return DB_OK;
}

void
db_held_free(struct db_held *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].kind);
		free(rows[i].priority);
		free(rows[i].subject);
	}
	free(rows);
}

int
db_held_coalesce(struct db *db, const char *rcpt, long long upto,
    long long digest)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE outbox SET status = 'coalesced', "
	    "digest_id = ?3 WHERE rcpt_to = ?1 AND status = 'held' AND "
	    "id <= ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(st, 3, digest);
	return db_finish(db, st);
}

int
db_notice_kind_count(struct db *db, const char *kind, time_t since,
    int *count)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	if ((rc = db_prepare(db, "SELECT count(*) FROM outbox WHERE kind = ?1 "
	    "AND created_at >= ?2 AND status IN ('pending', 'sent', 'failed')",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

int
db_person_no_reply(struct db *db, const char *email, int on, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (on) {
		if ((rc = db_get(db, "INSERT OR IGNORE INTO people (email, "
		    "created_at) VALUES (?1, ?2)", &st)) != DB_OK)
			return rc;
		sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
		if ((rc = db_finish_put(db, st)) != DB_OK)
			return rc;
	}
	/*
	 * Anyone can write List-Post: or Sender: into a mail: an admin, and
	 * someone who wrote to the desk as a person (a ticket or a comment
	 * of theirs), is never marked by another's mail.
	 */
	if ((rc = db_get(db, "UPDATE people SET no_reply = ?2 WHERE email = "
	    "?1 AND no_reply != ?2 AND (?2 = 0 OR (role NOT IN ('admin', "
	    "'root') AND NOT EXISTS (SELECT 1 FROM mails m WHERE m.from_addr "
	    "= people.email COLLATE NOCASE AND m.disposition = 'ticket')))",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, on != 0);
	return db_finish_put(db, st);
}
