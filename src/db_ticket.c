/*
 * db_ticket.c — the statements of intake and of the outbox, prepared once
 * and kept for the life of the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "hash.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "notice.h"
#include "xmalloc.h"
#include "zpack.h"

static const char *const stmt_sql[ST__COUNT] = {
	[ST_MAIL_KNOWN] = "SELECT disposition = 'failed' FROM mails "
	    "WHERE message_id = ?1",
	[ST_PERSON_GET] = "SELECT id, name FROM people WHERE email = ?1",
	[ST_PERSON_ADD] = "INSERT INTO people (email, name, created_at) "
	    "VALUES (?1, ?2, ?3)",
	[ST_PERSON_NAME] = "UPDATE people SET name = ?2 WHERE id = ?1",
	[ST_TICKET_ADD] = "INSERT INTO tickets (subject, body, requester_id, "
	    "priority, created_at, updated_at, category, subcategory) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
	[ST_MAIL_ADD] = "INSERT INTO mails (message_id, received_at, source, "
	    "uidvalidity, uid, from_addr, from_name, subject, size, raw, "
	    "disposition, ticket_number, note, raw_form) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_MSGID_ADD] = "INSERT OR IGNORE INTO ticket_msgids (message_id, "
	    "ticket_number) VALUES (?1, ?2)",
	[ST_EVENT_ADD] = "INSERT INTO events (ticket_number, at, actor_id, "
	    "kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_OUTBOX_ADD] = "INSERT INTO outbox (ticket_number, kind, message_id, "
	    "mail_from, rcpt_to, message, next_attempt_at, created_at, status, "
	    "last_error, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, "
	    "?10)",
	/*
	 * A notice waits while an older one to its recipient is pending.
	 * INDEXED BY: for ORDER BY id the planner would rather walk the whole
	 * table in rowid order, and reading each row's status means reading
	 * through its message (overflow pages): 39 MB for one --stdin run on
	 * a desk of 2,000 mails. The pending ones are few; sorting them is
	 * nothing.
	 */
	[ST_OUTBOX_DUE] = "SELECT id, ticket_number, kind, message_id, "
	    "mail_from, rcpt_to, message, attempts, form FROM outbox "
	    "INDEXED BY outbox_due "
	    "WHERE status = 'pending' AND next_attempt_at <= ?1 "
	    "AND lease_until <= ?1 AND (?3 IS NULL OR ticket_number = ?3 OR "
	    "(?3 = -1 AND ticket_number IS NULL) OR (?3 > 0 AND rcpt_to IN "
	    "(SELECT t.rcpt_to FROM outbox t WHERE t.status = 'pending' AND "
	    "t.ticket_number = ?3))) AND NOT EXISTS (SELECT 1 "
	    "FROM outbox o WHERE o.status = 'pending' AND "
	    "o.rcpt_to = outbox.rcpt_to AND o.id < outbox.id) "
	    "ORDER BY next_attempt_at, id LIMIT ?2",
	[ST_OUTBOX_DUE_ALL] = "SELECT id, ticket_number, kind, message_id, "
	    "mail_from, rcpt_to, message, attempts, form FROM outbox "
	    "INDEXED BY outbox_due "
	    "WHERE status = 'pending' AND lease_until <= ?1 "
	    "AND (?3 IS NULL OR ticket_number = ?3 OR "
	    "(?3 = -1 AND ticket_number IS NULL) OR (?3 > 0 AND rcpt_to IN "
	    "(SELECT t.rcpt_to FROM outbox t WHERE t.status = 'pending' AND "
	    "t.ticket_number = ?3))) AND NOT EXISTS (SELECT 1 "
	    "FROM outbox o WHERE o.status = 'pending' AND "
	    "o.rcpt_to = outbox.rcpt_to AND o.id < outbox.id) "
	    "ORDER BY id LIMIT ?2",
	[ST_OUTBOX_CLAIM] = "UPDATE outbox SET lease_until = ?3, "
	    "lease_holder = ?4 WHERE id = ?1 AND status = 'pending' AND "
	    "lease_until <= ?2",
	[ST_OUTBOX_SENT] = "UPDATE outbox SET status = 'sent', sent_at = ?2, "
	    "attempts = attempts + 1, last_error = NULL, lease_until = 0, "
	    "lease_holder = NULL WHERE id = ?1",
	[ST_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, "
	    "next_attempt_at = ?2, last_error = ?3, lease_until = 0, "
	    "lease_holder = NULL WHERE id = ?1",
	[ST_OUTBOX_FAILED] = "UPDATE outbox SET status = 'failed', "
	    "attempts = attempts + 1, last_error = ?2, lease_until = 0, "
	    "lease_holder = NULL WHERE id = ?1",
	[ST_OUTBOX_WAKE] = "UPDATE outbox SET next_attempt_at = ?1 WHERE "
	    "status = 'pending' AND next_attempt_at > ?1",
	[ST_OUTBOX_HOLDERS] = "SELECT DISTINCT lease_holder FROM outbox "
	    "WHERE status = 'pending' AND lease_until > ?1 AND "
	    "lease_holder IS NOT NULL",
	[ST_OUTBOX_UNCLAIM] = "UPDATE outbox SET lease_until = 0, "
	    "lease_holder = NULL WHERE id = ?1 AND status = 'pending' AND "
	    "lease_holder IS ?2",
	[ST_OUTBOX_RELEASE] = "UPDATE outbox SET lease_until = 0, "
	    "lease_holder = NULL WHERE status = 'pending' AND "
	    "lease_holder = ?1",
	[ST_OUTBOX_NEXT] = "SELECT min(max(next_attempt_at, lease_until)) "
	    "FROM outbox WHERE status = 'pending' AND NOT EXISTS (SELECT 1 "
	    "FROM outbox o WHERE o.status = 'pending' AND "
	    "o.rcpt_to = outbox.rcpt_to AND o.id < outbox.id)",
	[ST_TICKET_EXISTS] = "SELECT status FROM tickets WHERE number = ?1",
	[ST_TICKET_LINK] = "UPDATE tickets SET linked_to = ?2 WHERE number = ?1",
	[ST_TICKET_TOUCH] = "UPDATE tickets SET updated_at = ?2 WHERE number = ?1",
	[ST_MSGID_TICKET] = "SELECT ticket_number FROM ticket_msgids "
	    "WHERE message_id = ?1",
	[ST_PERSON_ADMIN] = "SELECT role IN ('admin', 'root') FROM people "
	    "WHERE id = ?1",
	[ST_PERSON_BOUNCING] = "SELECT bouncing_since IS NOT NULL FROM people "
	    "WHERE email = ?1",
	[ST_PERSON_SET_BOUNCING] = "UPDATE people SET bouncing_since = ?2 "
	    "WHERE email = ?1",
	[ST_PART_IS] = "SELECT 1 FROM participants WHERE ticket_number = ?1 "
	    "AND person_id = ?2",
	[ST_PART_ADD] = "INSERT OR IGNORE INTO participants (ticket_number, "
	    "person_id, role, added_at) VALUES (?1, ?2, ?3, ?4)",
	[ST_COMMENT_ADD] = "INSERT INTO comments (ticket_number, author_id, "
	    "mail_id, body, full_body, created_at, internal) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7)",
	[ST_BLOB_GET] = "SELECT id FROM blobs WHERE sha256 = ?1",
	[ST_BLOB_DATA] = "SELECT data FROM blobs WHERE id = ?1",
	[ST_BLOB_ADD] = "INSERT INTO blobs (sha256, size, data) "
	    "VALUES (?1, ?2, ?3)",
	[ST_ATTACH_ADD] = "INSERT INTO attachments (ticket_number, comment_id, "
	    "mail_id, blob_id, filename, media_type, content_id, size, is_image, "
	    "is_inline, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11)",
	[ST_OUTBOX_BOUNCED_GET] = "SELECT id, ticket_number, rcpt_to FROM outbox "
	    "WHERE message_id = ?1",
	[ST_OUTBOX_BOUNCED_SET] = "UPDATE outbox SET bounced_at = ?2, "
	    "bounce_reason = ?3 WHERE id = ?1",
	[ST_NOTICE_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM outbox "
	    "WHERE rcpt_to = ?1 AND created_at >= ?2 AND status IN "
	    "('pending', 'sent', 'failed') LIMIT ?3)",
	[ST_RCPT_INFO] = "SELECT bouncing_since IS NOT NULL, "
	    "role IN ('admin', 'root'), no_reply FROM people WHERE email = ?1",
};

sqlite3_stmt *
db_stmt(struct db *db, enum db_stmt id)
{
	sqlite3_stmt *st = db->st[id];

	if (db_txn_lost(db))
		return NULL;
	if (st == NULL) {
		if (sqlite3_prepare_v3(db->h, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			log_warnx("%s: prepare: %s", db->path,
			    sqlite3_errmsg(db->h));
			return NULL;
		}
		db->st[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind a possibly NULL text. */
static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_id(sqlite3_stmt *st, int i, long long v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Step a statement that returns no rows; reset it after. */
static int
run(struct db *db, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		db_failed(db);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_debug("%s: %s", db->path, db->lasterr);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

int
db_mail_known(struct db *db, const char *message_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, ST_MAIL_KNOWN)) == NULL)
		return DB_PERM;
	bind_text(st, 1, message_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = sqlite3_column_int(st, 0) ? 2 : 1;
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_person_get(struct db *db, const char *email, const char *name,
    time_t now, long long *id)
{
	sqlite3_stmt *st;
	int rc, has_name;

	if ((st = db_stmt(db, ST_PERSON_GET)) == NULL)
		return DB_PERM;
	bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		has_name = sqlite3_column_type(st, 1) != SQLITE_NULL;
		sqlite3_reset(st);
		if (has_name || name == NULL || *name == '\0')
			return DB_OK;
		if ((st = db_stmt(db, ST_PERSON_NAME)) == NULL)
			return DB_PERM;
		sqlite3_bind_int64(st, 1, *id);
		bind_text(st, 2, name);
		return run(db, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	if ((st = db_stmt(db, ST_PERSON_ADD)) == NULL)
		return DB_PERM;
	bind_text(st, 1, email);
	bind_text(st, 2, name != NULL && *name != '\0' ? name : NULL);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if ((rc = run(db, st)) != DB_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

int
db_ticket_add(struct db *db, const struct db_ticket *t, long long *number)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, ST_TICKET_ADD)) == NULL)
		return DB_PERM;
	bind_text(st, 1, t->subject);
	bind_text(st, 2, t->body);
	sqlite3_bind_int64(st, 3, t->requester_id);
	bind_text(st, 4, t->priority);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)t->created_at);
	bind_text(st, 6, t->category);
	bind_text(st, 7, t->subcategory);
	if ((rc = run(db, st)) != DB_OK)
		return rc;
	*number = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

static int	blob_put(struct db *, const char *, size_t, long long *);

/*
 * The base64 text of part pt as it lies in raw, as a reference to the blob
 * holding its bytes (notice.h), when writing those bytes out again gives
 * exactly that text: same line width, same line ends, the same line end
 * after the last line or none. Else nothing is added (0, and the caller
 * keeps the text as it is); -1 when the reference could not be written.
 */
static int
raw_ref(struct db *db, const char *raw, const struct mail_part *pt,
    struct buf *out, int *done)
{
	const char *sec = raw + pt->raw_off, *nl;
	size_t len = pt->raw_len, width;
	struct buf b;
	long long blob;
	int lf, eol, rc;

	*done = 0;
	if (pt->data == NULL || pt->size == 0 || len < 64)
		return 0;
	nl = memchr(sec, '\n', len);
	if (nl == NULL) {
		lf = 0;
		width = (len + 3) / 4 * 4;
	} else if (nl > sec && nl[-1] == '\r') {
		lf = 0;
		width = (size_t)(nl - 1 - sec);
	} else {
		lf = 1;
		width = (size_t)(nl - sec);
	}
	if (width < 4 || width % 4 != 0 || width > NOTICE_REF_WIDTH_MAX)
		return 0;
	buf_init(&b, len + 1);
	if (notice_base64_lines(&b, pt->data, pt->size, width, lf) == -1 ||
	    b.len > len || memcmp(b.data, sec, b.len) != 0) {
		buf_clear(&b);
		return 0;
	}
	if (b.len == len)
		eol = 0;
	else if (len - b.len == (lf ? 1u : 2u) &&
	    memcmp(sec + b.len, lf ? "\n" : "\r\n", len - b.len) == 0)
		eol = 1;
	else {
		buf_clear(&b);
		return 0;
	}
	buf_clear(&b);
	if ((rc = blob_put(db, pt->data, pt->size, &blob)) != DB_OK)
		return rc;
	if (buf_addch(out, '\0') == -1 || buf_printf(out, "B%lld:%zu:%zu:%d:%d",
	    blob, pt->size, width, lf, eol) == -1 || buf_addch(out, '\0') == -1)
		return DB_PERM;
	*done = 1;
	return DB_OK;
}

/*
 * The raw mail with the base64 text of its parts as references (ZPACK_REFS)
 * into *out, or nothing when no part could be kept so (*out empty).
 */
static int
raw_skeleton(struct db *db, const struct db_mail *m, struct buf *out)
{
	size_t i, at = 0, refs = 0;
	const struct mail_part *pt;
	int rc, done;

	/* a NUL would read as a reference: such a mail is kept as it is */
	if (memchr(m->raw, '\0', m->len) != NULL)
		return DB_OK;
	for (i = 0; i < m->nparts; i++) {
		pt = &m->parts[i];
		if (pt->raw_len == 0 || pt->raw_off < at ||
		    pt->raw_off > m->len || pt->raw_len > m->len - pt->raw_off)
			continue;	/* not in raw, or out of order */
		if (buf_add(out, m->raw + at, pt->raw_off - at) == -1)
			return DB_PERM;
		if ((rc = raw_ref(db, m->raw, pt, out, &done)) != DB_OK)
			return rc;
		if (!done && buf_add(out, m->raw + pt->raw_off,
		    pt->raw_len) == -1)
			return DB_PERM;
		refs += done;
		at = pt->raw_off + pt->raw_len;
	}
	if (refs == 0) {
		buf_reset(out);
		return DB_OK;
	}
	if (buf_add(out, m->raw + at, m->len - at) == -1)
		return DB_PERM;
	return DB_OK;
}

int
db_mail_add(struct db *db, const struct db_mail *m, long long *id)
{
	int rc, form = ZPACK_PLAIN;
	sqlite3_stmt *st;
	char *z;
	size_t zlen;
	const char *keep = m->raw;
	size_t keeplen = m->len;
	struct buf skel;

	/* attachments' base64 kept once, in blobs; the rest compressed */
	buf_init(&skel, (size_t)LIMIT_MAIL_BYTES_MAX + 1);
	if (m->nparts > 0 && (rc = raw_skeleton(db, m, &skel)) != DB_OK) {
		buf_clear(&skel);
		return rc;
	}
	if (skel.len > 0) {
		keep = skel.data;
		keeplen = skel.len;
		form = ZPACK_REFS;
	}
	if ((st = db_stmt(db, ST_MAIL_ADD)) == NULL) {
		buf_clear(&skel);
		return DB_PERM;
	}
	bind_text(st, 1, m->message_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)m->received_at);
	bind_text(st, 3, m->source);
	bind_id(st, 4, m->uidvalidity);
	bind_id(st, 5, m->uid);
	bind_text(st, 6, m->from_addr);
	bind_text(st, 7, m->from_name);
	bind_text(st, 8, m->subject);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)m->len);
	/* kept compressed when that makes it smaller (zpack.h) */
	if ((z = zpack(keep, keeplen, &zlen)) != NULL) {
		sqlite3_bind_blob64(st, 10, z, zlen, SQLITE_STATIC);
		form |= ZPACK_ZLIB;
	} else
		sqlite3_bind_blob64(st, 10, keep, keeplen, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, form);
	bind_text(st, 11, m->disposition);
	bind_id(st, 12, m->ticket_number);
	bind_text(st, 13, m->note);
	rc = run(db, st);
	free(z);
	buf_clear(&skel);
	if (rc == DB_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

int
db_msgid_add(struct db *db, const char *message_id, long long ticket)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_MSGID_ADD)) == NULL)
		return DB_PERM;
	bind_text(st, 1, message_id);
	sqlite3_bind_int64(st, 2, ticket);
	return run(db, st);
}

int
db_event_add(struct db *db, long long ticket, long long actor,
    const char *kind, const char *detail, time_t at)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_EVENT_ADD)) == NULL)
		return DB_PERM;
	bind_id(st, 1, ticket);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at);
	bind_id(st, 3, actor);
	bind_text(st, 4, kind);
	bind_text(st, 5, detail);
	return run(db, st);
}

int
db_outbox_add(struct db *db, long long ticket, const char *kind,
    const char *message_id, const char *mail_from, const char *rcpt_to,
    const char *message, size_t len, time_t now)
{
	return db_outbox_add_as(db, ticket, kind, message_id, mail_from,
	    rcpt_to, message, len, now, "pending", NULL, NULL);
}

int
db_outbox_add_as(struct db *db, long long ticket, const char *kind,
    const char *message_id, const char *mail_from, const char *rcpt_to,
    const char *message, size_t len, time_t now, const char *status,
    const char *reason, long long *id)
{
	return db_outbox_add_refs(db, ticket, kind, message_id, mail_from,
	    rcpt_to, message, len, 0, now, status, reason, id);
}

int
db_outbox_add_refs(struct db *db, long long ticket, const char *kind,
    const char *message_id, const char *mail_from, const char *rcpt_to,
    const char *message, size_t len, int refs, time_t now,
    const char *status, const char *reason, long long *id)
{
	sqlite3_stmt *st;
	char *z;
	size_t zlen;
	int rc, form;

	if ((st = db_stmt(db, ST_OUTBOX_ADD)) == NULL)
		return DB_PERM;
	bind_text(st, 8, status);
	bind_text(st, 9, reason);
	bind_id(st, 1, ticket);
	bind_text(st, 2, kind);
	bind_text(st, 3, message_id);
	bind_text(st, 4, mail_from);
	bind_text(st, 5, rcpt_to);
	/* images by reference (notice_unref), the whole compressed */
	form = refs ? ZPACK_REFS : 0;
	if ((z = zpack_notice(message, len, &zlen)) != NULL) {
		sqlite3_bind_blob64(st, 6, z, zlen, SQLITE_STATIC);
		form |= ZPACK_ZLIB | ZPACK_DICT;
	} else
		sqlite3_bind_blob64(st, 6, message, len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	sqlite3_bind_int(st, 10, form);
	if ((rc = run(db, st)) == DB_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(db->h);
	free(z);
	return rc;
}

static char *
col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return xstrdup(s != NULL ? (const char *)s : "");
}

/* A blob's bytes for notice_unref(). */
static int
blob_data(void *arg, long long id, char **data, size_t *n, char *err,
    size_t errsz)
{
	struct db *db = arg;
	sqlite3_stmt *st;
	const void *p;
	int rc;

	*data = NULL;
	*n = 0;
	if ((st = db_stmt(db, ST_BLOB_DATA)) == NULL) {
		snprintf(err, errsz, "%s", db_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		*n = (size_t)sqlite3_column_bytes(st, 0);
		*data = xmalloc(*n + 1);
		if (*n > 0)
			memcpy(*data, p, *n);
	} else if (rc == SQLITE_DONE)
		snprintf(err, errsz, "image %lld is not in the database", id);
	else
		snprintf(err, errsz, "image %lld: %s", id,
		    sqlite3_errmsg(db->h));
	sqlite3_reset(st);
	return *data != NULL ? 0 : -1;
}

/*
 * A notice or mail as stored (outbox.form, mails.raw_form) back to its
 * bytes: a new buffer of *outlen bytes, or NULL with err filled.
 */
char *
db_unpack(struct db *db, const void *p, size_t len, int form, size_t *outlen,
    char *err, size_t errsz)
{
	char *z = NULL, *msg;

	if (p == NULL)
		p = "";
	if (form & ZPACK_ZLIB) {
		if ((z = zunpack(p, len, (size_t)LIMIT_MAIL_BYTES_MAX, &len,
		    err, errsz)) == NULL)
			return NULL;
		p = z;
	}
	if (form & ZPACK_REFS)
		msg = notice_unref(p, len, blob_data, db, outlen, err, errsz);
	else if (z != NULL) {
		*outlen = len;		/* zunpack's buffer is the answer */
		return z;
	} else {
		msg = xmalloc(len + 1);
		memcpy(msg, p, len);
		msg[len] = '\0';
		*outlen = len;
	}
	free(z);
	return msg;
}

int
db_outbox_due(struct db *db, time_t now, int all, long long ticket,
    size_t max, struct db_outbox **rowsp, size_t *np)
{
	sqlite3_stmt *st;
	struct db_outbox *rows, *r;
	size_t n = 0;
	const void *blob;
	char err[256];
	int rc;

	*rowsp = NULL;
	*np = 0;
	if ((st = db_stmt(db, all ? ST_OUTBOX_DUE_ALL : ST_OUTBOX_DUE)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	bind_id(st, 3, ticket);
	rows = xcalloc(max, sizeof(*rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->ticket_number = sqlite3_column_int64(st, 1);
		r->kind = col_strdup(st, 2);
		r->message_id = col_strdup(st, 3);
		r->mail_from = col_strdup(st, 4);
		r->rcpt_to = col_strdup(st, 5);
		blob = sqlite3_column_blob(st, 6);
		r->len = (size_t)sqlite3_column_bytes(st, 6);
		r->attempts = sqlite3_column_int(st, 7);
		r->message = db_unpack(db, blob, r->len, sqlite3_column_int(st,
		    8), &r->len, err, sizeof(err));
		if (r->message == NULL) {
			r->bad = xstrdup(err);
			r->message = xstrdup("");
			r->len = 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_outbox_rows_free(rows, n);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*rowsp = rows;
	*np = n;
	return DB_OK;
}

void
db_outbox_rows_free(struct db_outbox *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].kind);
		free(rows[i].message_id);
		free(rows[i].mail_from);
		free(rows[i].rcpt_to);
		free(rows[i].message);
		free(rows[i].bad);
	}
	free(rows);
}

int
db_outbox_claim(struct db *db, long long id, time_t now, int secs,
    const char *holder)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, ST_OUTBOX_CLAIM)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now + secs);
	bind_text(st, 4, holder);
	if ((rc = run(db, st)) != DB_OK)
		return rc;
	return sqlite3_changes(db->h) == 1;
}

int
db_outbox_claim_many(struct db *db, const long long *ids, size_t n,
    time_t now, int secs, const char *holder, int *got)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		got[i] = 0;
	/*
	 * A lease need not be on disk before the send: lost in a power
	 * failure, the notice is pending again and sent again, as it is
	 * when its holder dies; and the commit that marks it sent syncs the
	 * lease too. One fsync less before each notice goes out.
	 */
	if ((rc = db_begin_unsynced(db)) != DB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		rc = db_outbox_claim(db, ids[i], now, secs, holder);
		if (rc < 0) {
			db_rollback(db);
			return rc;
		}
		got[i] = rc;
	}
	if ((rc = db_commit(db)) != DB_OK)
		for (i = 0; i < n; i++)
			got[i] = 0;
	return rc;
}

int
db_outbox_unclaim(struct db *db, const long long *ids, size_t n,
    const char *holder)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (n == 0)
		return DB_OK;
	if ((st = db_stmt(db, ST_OUTBOX_UNCLAIM)) == NULL)
		return DB_PERM;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		bind_text(st, 2, holder);
		if ((rc = run(db, st)) != DB_OK) {
			db_rollback(db);
			return rc;
		}
	}
	return db_commit(db);
}

int
db_outbox_wake(struct db *db, time_t now, int *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((st = db_stmt(db, ST_OUTBOX_WAKE)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if ((rc = run(db, st)) == DB_OK)
		*n = sqlite3_changes(db->h);
	return rc;
}

int
db_outbox_holders(struct db *db, time_t now, char ***holdersp, size_t *np)
{
	sqlite3_stmt *st;
	char **v = NULL;
	const unsigned char *s;
	size_t n = 0;
	int rc;

	*holdersp = NULL;
	*np = 0;
	if ((st = db_stmt(db, ST_OUTBOX_HOLDERS)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((s = sqlite3_column_text(st, 0)) == NULL)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup((const char *)s);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	*holdersp = v;
	*np = n;
	return DB_OK;
}

int
db_outbox_release(struct db *db, const char *holder, int *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((st = db_stmt(db, ST_OUTBOX_RELEASE)) == NULL)
		return DB_PERM;
	bind_text(st, 1, holder);
	if ((rc = run(db, st)) == DB_OK)
		*n = sqlite3_changes(db->h);
	return rc;
}

int
db_outbox_left(struct db *db, time_t now, int *pending, int *leased)
{
	sqlite3_stmt *st;
	int rc;

	*pending = *leased = 0;
	if ((rc = db_prepare(db, "SELECT count(*), ifnull(sum(lease_until > "
	    "?1), 0) FROM outbox WHERE status = 'pending'", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pending = sqlite3_column_int(st, 0);
		*leased = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

int
db_outbox_sent(struct db *db, long long id, time_t now)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_OUTBOX_SENT)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	return run(db, st);
}

int
db_outbox_retry(struct db *db, long long id, time_t next, const char *err)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_OUTBOX_RETRY)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
	bind_text(st, 3, err);
	return run(db, st);
}

int
db_outbox_failed(struct db *db, long long id, const char *err)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_OUTBOX_FAILED)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, err);
	return run(db, st);
}

int
db_outbox_next(struct db *db, time_t *when)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((st = db_stmt(db, ST_OUTBOX_NEXT)) == NULL)
		return DB_PERM;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*when = (time_t)sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	return found;
}

/* Step a one-row query: 1 and the first column as int64, 0 for no row. */
static int
one_int(struct db *db, sqlite3_stmt *st, long long *v)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (v != NULL)
			*v = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	log_debug("%s: %s", db->path, sqlite3_errmsg(db->h));
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_ticket_exists(struct db *db, long long number, const char **status)
{
	static const char *const states[] = { "open", "assigned", "resolved",
	    "rejected" };
	sqlite3_stmt *st;
	const unsigned char *s;
	size_t i;
	int rc;

	if ((st = db_stmt(db, ST_TICKET_EXISTS)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s = sqlite3_column_text(st, 0);
		if (status != NULL) {
			*status = states[0];
			for (i = 0; s != NULL && i < 4; i++)
				if (strcmp((const char *)s, states[i]) == 0)
					*status = states[i];
		}
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

int
db_ticket_link(struct db *db, long long number, long long linked_to)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_TICKET_LINK)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, linked_to);
	return run(db, st);
}

int
db_ticket_touch(struct db *db, long long number, time_t now)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_TICKET_TOUCH)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, number);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	return run(db, st);
}

int
db_msgid_ticket(struct db *db, const char *message_id, long long *number)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_MSGID_TICKET)) == NULL)
		return DB_PERM;
	bind_text(st, 1, message_id);
	return one_int(db, st, number);
}

int
db_person_is_admin(struct db *db, long long person)
{
	sqlite3_stmt *st;
	long long v = 0;
	int rc;

	if ((st = db_stmt(db, ST_PERSON_ADMIN)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, person);
	rc = one_int(db, st, &v);
	return rc < 0 ? rc : rc == 1 && v != 0;
}

int
db_person_bouncing(struct db *db, const char *email)
{
	sqlite3_stmt *st;
	long long v = 0;
	int rc;

	if ((st = db_stmt(db, ST_PERSON_BOUNCING)) == NULL)
		return DB_PERM;
	bind_text(st, 1, email);
	rc = one_int(db, st, &v);
	return rc < 0 ? rc : rc == 1 && v != 0;
}

int
db_person_set_bouncing(struct db *db, const char *email, time_t now)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_PERSON_SET_BOUNCING)) == NULL)
		return DB_PERM;
	bind_text(st, 1, email);
	bind_id(st, 2, (long long)now);
	return run(db, st);
}

int
db_participant_is(struct db *db, long long ticket, long long person)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_PART_IS)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, person);
	return one_int(db, st, NULL);
}

int
db_participant_add(struct db *db, long long ticket, long long person,
    const char *role, time_t now)
{
	sqlite3_stmt *st;

	if ((st = db_stmt(db, ST_PART_ADD)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, person);
	bind_text(st, 3, role);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	return run(db, st);
}

int
db_comment_add(struct db *db, const struct db_comment *c, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_stmt(db, ST_COMMENT_ADD)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, c->ticket_number);
	bind_id(st, 2, c->author_id);
	bind_id(st, 3, c->mail_id);
	bind_text(st, 4, c->body);
	bind_text(st, 5, c->full_body);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->created_at);
	sqlite3_bind_int(st, 7, c->internal != 0);
	rc = run(db, st);
	if (rc == DB_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

/* The blob row of these bytes, added when new. */
static int
blob_put(struct db *db, const char *data, size_t len, long long *id)
{
	char hex[HASH_HEX_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	hash_sha256_hex(data, len, hex);
	if ((st = db_stmt(db, ST_BLOB_GET)) == NULL)
		return DB_PERM;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	rc = one_int(db, st, id);
	if (rc != 0)
		return rc == 1 ? DB_OK : rc;
	if ((st = db_stmt(db, ST_BLOB_ADD)) == NULL)
		return DB_PERM;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_blob64(st, 3, data, len, SQLITE_STATIC);
	if ((rc = run(db, st)) != DB_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db->h);
	return DB_OK;
}

int
db_attachment_add(struct db *db, const struct db_attachment *a)
{
	sqlite3_stmt *st;
	long long blob = 0;
	int rc;

	if (a->data != NULL && (rc = blob_put(db, a->data, a->size, &blob)) !=
	    DB_OK)
		return rc;
	if ((st = db_stmt(db, ST_ATTACH_ADD)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, a->ticket_number);
	bind_id(st, 2, a->comment_id);
	bind_id(st, 3, a->mail_id);
	bind_id(st, 4, blob);
	bind_text(st, 5, a->filename);
	bind_text(st, 6, a->media_type);
	bind_text(st, 7, a->content_id);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)a->size);
	sqlite3_bind_int(st, 9, a->is_image != 0);
	sqlite3_bind_int(st, 10, a->is_inline != 0);
	bind_text(st, 11, a->note);
	return run(db, st);
}

int
db_outbox_bounced(struct db *db, const char *message_id, const char *reason,
    time_t now, long long *ticket, char **rcpt)
{
	sqlite3_stmt *st;
	long long id;
	int rc;

	*rcpt = NULL;
	*ticket = 0;
	if ((st = db_stmt(db, ST_OUTBOX_BOUNCED_GET)) == NULL)
		return DB_PERM;
	bind_text(st, 1, message_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 :
		    db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	id = sqlite3_column_int64(st, 0);
	*ticket = sqlite3_column_int64(st, 1);
	*rcpt = col_strdup(st, 2);
	sqlite3_reset(st);
	if ((st = db_stmt(db, ST_OUTBOX_BOUNCED_SET)) == NULL)
		return DB_PERM;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	bind_text(st, 3, reason);
	if ((rc = run(db, st)) != DB_OK) {
		free(*rcpt);
		*rcpt = NULL;
		return rc;
	}
	return 1;
}

int
db_notice_count(struct db *db, const char *rcpt, time_t since, int max,
    int *count)
{
	sqlite3_stmt *st;
	long long v = 0;
	int rc;

	if ((st = db_stmt(db, ST_NOTICE_COUNT)) == NULL)
		return DB_PERM;
	bind_text(st, 1, rcpt);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int(st, 3, max);
	rc = one_int(db, st, &v);
	*count = (int)v;
	return rc < 0 ? rc : DB_OK;
}

int
db_rcpt_info(struct db *db, const char *email, struct db_rcpt *r)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((st = db_stmt(db, ST_RCPT_INFO)) == NULL)
		return DB_PERM;
	bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->bouncing = sqlite3_column_int(st, 0);
		r->staff = sqlite3_column_int(st, 1);
		r->no_reply = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	return DB_OK;
}
