/*
 * db_web.c — the web page's read-only queries (see db_web.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "db_web.h"
#include "log.h"
#include "xmalloc.h"

/* Bytes of an attachment read for the image check. */
#define HEAD_BYTES	16
/* Largest FTS5 query we build (the words are capped before). */
#define FTS_QUERY_MAX	4096
/* Each page connection: how much of the file to map, and its page cache. */
#define WEB_MMAP_BYTES	"268435456"	/* 256 MiB */
#define WEB_CACHE_KIB	"16384"		/* 16 MiB */

static int
prep(struct db *db, const char *sql, sqlite3_stmt **st)
{
	int rc;

	/* kept prepared (db_get): a page compiled more SQL than it ran */
	if ((rc = db_get(db, sql, st)) != DB_OK)
		log_warnx("%s: prepare: %s", db->path, sqlite3_errmsg(db->h));
	return rc;
}

static int
done(struct db *db, sqlite3_stmt *st, int rc)
{
	db_put(db, st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/*
 * Search words.
 */

static int
is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Append one term: "word" with " doubled, and * for a prefix. */
static void
add_term(struct buf *b, const char *p, size_t n, int prefix, int *nterms)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++)
		if (is_word_byte((unsigned char)p[i]))
			any = 1;
	if (!any || *nterms >= DB_WEB_QUERY_TERMS)
		return;
	if (*nterms > 0 && buf_addch(b, ' ') == -1)
		return;
	buf_addch(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			buf_addch(b, '"');
		buf_addch(b, p[i]);
	}
	buf_addch(b, '"');
	if (prefix)
		buf_addch(b, '*');
	(*nterms)++;
}

char *
db_web_fts_query(const char *p, size_t len)
{
	struct buf b;
	size_t i = 0, s;
	int nterms = 0;

	buf_init(&b, FTS_QUERY_MAX);
	while (i < len) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
		    p[i] == '\n') {
			i++;
			continue;
		}
		if (p[i] == '"') {
			/* a phrase, up to the next quote (or the end) */
			s = ++i;
			while (i < len && p[i] != '"')
				i++;
			add_term(&b, p + s, i - s, 0, &nterms);
			if (i < len)
				i++;
			continue;
		}
		s = i;
		while (i < len && p[i] != ' ' && p[i] != '\t' &&
		    p[i] != '\r' && p[i] != '\n' && p[i] != '"')
			i++;
		if (i - s > 1 && p[i - 1] == '*')
			add_term(&b, p + s, i - s - 1, 1, &nterms);
		else
			add_term(&b, p + s, i - s, 0, &nterms);
	}
	if (nterms == 0 || b.data == NULL) {
		buf_clear(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/*
 * The list.
 */

#define LIST_COLS \
	"t.number, t.subject, t.status, t.priority, t.category, " \
	"t.subcategory, r.email, r.name, a.email, t.created_at, " \
	"t.updated_at, ifnull(t.closed_at, 0)"
#define LIST_JOIN \
	" JOIN people r ON r.id = t.requester_id" \
	" LEFT JOIN people a ON a.id = t.assignee_id"
/*
 * Best match per ticket, from its text and its comments' (bm25: lower is
 * better; a match in the subject counts four times one in the body). Only
 * the ranks here: snippets are made for the page's rows alone (snip()), as
 * making one for every match of a common word costs seconds.
 */
#define HITS \
	"WITH hits(number, score) AS (" \
	" SELECT rowid, bm25(tickets_fts, 4.0, 1.0)" \
	"  FROM tickets_fts WHERE tickets_fts MATCH ?1" \
	" UNION ALL" \
	" SELECT c.ticket_number, bm25(comments_fts)" \
	"  FROM comments_fts JOIN comments c ON c.id = comments_fts.rowid" \
	"  WHERE comments_fts MATCH ?1)," \
	" best AS (SELECT number, min(score) AS score FROM hits" \
	"  GROUP BY number) "
#define SNIP_ARGS	"char(1), char(2), '\xe2\x80\xa6', 24"

/* The WHERE of a filter; parameters ?2..?6 (?1 is the search). */
static void
where(struct buf *b, const struct db_web_filter *f)
{
	buf_addstr(b, " WHERE 1");
	if (f->status != NULL && strcmp(f->status, "active") == 0)
		buf_addstr(b, " AND t.status IN ('open', 'assigned')");
	else if (f->status != NULL)
		buf_addstr(b, " AND t.status = ?2");
	if (f->priority != NULL)
		buf_addstr(b, " AND t.priority = ?3");
	if (f->category != NULL) {
		buf_addstr(b, " AND t.category = ?4");
		if (strchr(f->category, '/') != NULL)
			buf_addstr(b, " AND t.subcategory = ?5");
	}
	if (f->admin != NULL && strcmp(f->admin, "none") == 0)
		buf_addstr(b, " AND t.assignee_id IS NULL");
	else if (f->admin != NULL)
		buf_addstr(b, " AND t.assignee_id = (SELECT id FROM people "
		    "WHERE email = ?6 COLLATE NOCASE)");
}

static void
bind_filter(sqlite3_stmt *st, const struct db_web_filter *f, char **cat)
{
	const char *slash;

	*cat = NULL;
	if (f->fts != NULL)
		sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
	if (f->status != NULL && strcmp(f->status, "active") != 0)
		sqlite3_bind_text(st, 2, f->status, -1, SQLITE_STATIC);
	if (f->priority != NULL)
		sqlite3_bind_text(st, 3, f->priority, -1, SQLITE_STATIC);
	if (f->category != NULL) {
		slash = strchr(f->category, '/');
		if (slash != NULL) {
			*cat = xstrndup(f->category,
			    (size_t)(slash - f->category));
			sqlite3_bind_text(st, 4, *cat, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, slash + 1, -1, SQLITE_STATIC);
		} else
			sqlite3_bind_text(st, 4, f->category, -1,
			    SQLITE_STATIC);
	}
	if (f->admin != NULL && strcmp(f->admin, "none") != 0)
		sqlite3_bind_text(st, 6, f->admin, -1, SQLITE_STATIC);
}

static int
list_count(struct db *db, const struct db_web_filter *f, long long *total)
{
	struct buf q;
	sqlite3_stmt *st;
	char *cat;
	int rc;

	buf_init(&q, 8192);
	if (f->fts != NULL)
		buf_addstr(&q, HITS "SELECT count(*) FROM best JOIN tickets t "
		    "ON t.number = best.number");
	else
		buf_addstr(&q, "SELECT count(*) FROM tickets t");
	where(&q, f);
	rc = prep(db, q.data, &st);
	buf_clear(&q);
	if (rc != DB_OK)
		return rc;
	bind_filter(st, f, &cat);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*total = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	free(cat);
	return done(db, st, rc);
}

/*
 * The snippet of ticket n for the search: from its body where the words
 * are in its text (FTS5 seeks the one row), else from the first of its
 * comments that has them. New string or NULL.
 */
static char *
snip(struct db *db, const char *fts, long long n)
{
	sqlite3_stmt *st;
	const char *s;
	char *out = NULL;

	if (prep(db, "SELECT snippet(tickets_fts, 1, " SNIP_ARGS ") FROM "
	    "tickets_fts WHERE tickets_fts MATCH ?1 AND rowid = ?2",
	    &st) != DB_OK)
		return NULL;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_step(st) == SQLITE_ROW && (s = col(st, 0)) != NULL)
		out = xstrdup(s);
	db_put(db, st);
	if (out != NULL)
		return out;
	/* each comment of the ticket (a few) against the index */
	if (prep(db, "SELECT (SELECT snippet(comments_fts, 0, " SNIP_ARGS ") "
	    "FROM comments_fts WHERE comments_fts MATCH ?1 AND "
	    "comments_fts.rowid = c.id) AS s FROM comments c WHERE "
	    "c.ticket_number = ?2 AND s IS NOT NULL ORDER BY c.id LIMIT 1",
	    &st) != DB_OK)
		return NULL;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_step(st) == SQLITE_ROW && (s = col(st, 0)) != NULL)
		out = xstrdup(s);
	db_put(db, st);
	return out;
}

int
db_web_list(struct db *db, const struct db_web_filter *f,
    void (*fn)(const struct db_web_row *, void *), void *arg,
    long long *total)
{
	struct db_web_row r;
	struct buf q;
	sqlite3_stmt *st;
	char *cat, *sn;
	int rc, rows = 0;

	*total = 0;
	buf_init(&q, 8192);
	if (f->fts != NULL) {
		/*
		 * The page's numbers first, ranked, with the total as a
		 * window over every match (one pass over the matches); the
		 * people and the snippets only for those.
		 */
		if (f->status == NULL && f->priority == NULL &&
		    f->category == NULL && f->admin == NULL)
			/* no filter: the ranks alone, no ticket read */
			buf_addstr(&q, HITS ", page AS (SELECT best.number AS "
			    "number, best.score AS score, count(*) OVER () AS "
			    "total FROM best");
		else {
			buf_addstr(&q, HITS ", page AS (SELECT t.number AS "
			    "number, best.score AS score, count(*) OVER () AS "
			    "total FROM best JOIN tickets t ON t.number = "
			    "best.number");
			where(&q, f);
		}
		buf_addstr(&q, " ORDER BY best.score, best.number DESC "
		    "LIMIT ?7 OFFSET ?8) SELECT " LIST_COLS ", page.total "
		    "FROM page JOIN tickets t ON t.number = page.number"
		    LIST_JOIN " ORDER BY page.score, t.number DESC");
	} else {
		/* the total from an index (list_count), the page by number */
		if ((rc = list_count(db, f, total)) != DB_OK) {
			buf_clear(&q);
			return rc;
		}
		buf_addstr(&q, "SELECT " LIST_COLS ", -1 FROM tickets t"
		    LIST_JOIN);
		where(&q, f);
		buf_addstr(&q, " ORDER BY t.number DESC LIMIT ?7 OFFSET ?8");
	}
	rc = prep(db, q.data, &st);
	buf_clear(&q);
	if (rc != DB_OK)
		return rc;
	bind_filter(st, f, &cat);
	sqlite3_bind_int(st, 7, f->limit);
	sqlite3_bind_int(st, 8, f->offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.number = sqlite3_column_int64(st, 0);
		r.subject = col(st, 1);
		r.status = col(st, 2);
		r.priority = col(st, 3);
		r.category = col(st, 4);
		r.subcategory = col(st, 5);
		r.requester = col(st, 6);
		r.requester_name = col(st, 7);
		r.assignee = col(st, 8);
		r.created_at = sqlite3_column_int64(st, 9);
		r.updated_at = sqlite3_column_int64(st, 10);
		r.closed_at = sqlite3_column_int64(st, 11);
		if (f->fts != NULL)
			*total = sqlite3_column_int64(st, 12);
		sn = f->fts != NULL ? snip(db, f->fts, r.number) : NULL;
		r.snippet = sn;
		fn(&r, arg);
		free(sn);
		rows++;
	}
	free(cat);
	rc = done(db, st, rc);
	/* a search past its last page: no row told the total */
	if (rc == DB_OK && rows == 0 && f->fts != NULL)
		rc = list_count(db, f, total);
	return rc;
}

/*
 * One ticket.
 */

int
db_web_ticket(struct db *db, long long number,
    void (*fn)(const struct db_web_ticket *, void *), void *arg)
{
	struct db_web_ticket t;
	sqlite3_stmt *st;
	int rc, found = 0;

	if ((rc = prep(db, "SELECT t.number, t.subject, t.body, t.status, "
	    "t.priority, t.category, t.subcategory, r.email, r.name, a.email, "
	    "a.name, t.created_at, t.updated_at, ifnull(t.closed_at, 0), "
	    "ifnull(t.assigned_at, 0), ifnull(t.linked_to, 0), t.handovers, "
	    "t.published, t.kb_title, ifnull(t.due_at, 0), "
	    "ifnull(t.breached_at, 0), t.sla_reason FROM tickets t" LIST_JOIN
	    " WHERE t.number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		t.number = sqlite3_column_int64(st, 0);
		t.subject = col(st, 1);
		t.body = col(st, 2);
		t.status = col(st, 3);
		t.priority = col(st, 4);
		t.category = col(st, 5);
		t.subcategory = col(st, 6);
		t.requester = col(st, 7);
		t.requester_name = col(st, 8);
		t.assignee = col(st, 9);
		t.assignee_name = col(st, 10);
		t.created_at = sqlite3_column_int64(st, 11);
		t.updated_at = sqlite3_column_int64(st, 12);
		t.closed_at = sqlite3_column_int64(st, 13);
		t.assigned_at = sqlite3_column_int64(st, 14);
		t.linked_to = sqlite3_column_int64(st, 15);
		t.handovers = sqlite3_column_int64(st, 16);
		t.published = sqlite3_column_int(st, 17);
		t.kb_title = col(st, 18);
		t.due_at = sqlite3_column_int64(st, 19);
		t.breached_at = sqlite3_column_int64(st, 20);
		t.sla_reason = col(st, 21);
		fn(&t, arg);
		found = 1;
	}
	rc = done(db, st, rc);
	return rc == DB_OK && !found ? 1 : rc;
}

int
db_web_comments(struct db *db, long long ticket, int internal,
    void (*fn)(const struct db_web_comment *, void *), void *arg)
{
	struct db_web_comment c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT c.id, p.email, p.name, "
	    "ifnull(p.role IN ('admin', 'root'), 0), c.body, c.internal, "
	    "c.created_at FROM comments c LEFT JOIN people p ON "
	    "p.id = c.author_id WHERE c.ticket_number = ?1 AND "
	    "(?2 OR c.internal = 0) ORDER BY c.created_at, c.id",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int(st, 2, internal != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.id = sqlite3_column_int64(st, 0);
		c.author = col(st, 1);
		c.author_name = col(st, 2);
		c.author_admin = sqlite3_column_int(st, 3);
		c.body = col(st, 4);
		c.internal = sqlite3_column_int(st, 5);
		c.created_at = sqlite3_column_int64(st, 6);
		fn(&c, arg);
	}
	return done(db, st, rc);
}

int
db_web_events(struct db *db, long long ticket,
    void (*fn)(const struct db_web_event *, void *), void *arg)
{
	struct db_web_event e;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT e.id, e.at, p.email, e.kind, e.detail "
	    "FROM events e LEFT JOIN people p ON p.id = e.actor_id "
	    "WHERE e.ticket_number = ?1 ORDER BY e.at, e.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.actor = col(st, 2);
		e.kind = col(st, 3);
		e.detail = col(st, 4);
		if (e.kind != NULL)
			fn(&e, arg);
	}
	return done(db, st, rc);
}

int
db_web_attachments(struct db *db, long long ticket,
    void (*fn)(const struct db_web_attachment *, void *), void *arg)
{
	struct db_web_attachment a;
	sqlite3_stmt *st;
	int rc, n;

	if ((rc = prep(db, "SELECT a.id, ifnull(a.comment_id, 0), "
	    "ifnull(c.internal, 0), a.filename, a.media_type, a.size, "
	    "a.blob_id IS NOT NULL, a.note, substr(b.data, 1, ?2) "
	    "FROM attachments a LEFT JOIN blobs b ON b.id = a.blob_id "
	    "LEFT JOIN comments c ON c.id = a.comment_id "
	    "WHERE a.ticket_number = ?1 ORDER BY a.id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int(st, 2, HEAD_BYTES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(st, 0);
		a.comment_id = sqlite3_column_int64(st, 1);
		a.internal = sqlite3_column_int(st, 2);
		a.filename = col(st, 3);
		a.media_type = col(st, 4);
		a.size = sqlite3_column_int64(st, 5);
		a.kept = sqlite3_column_int(st, 6);
		a.note = col(st, 7);
		a.head = sqlite3_column_blob(st, 8);
		n = sqlite3_column_bytes(st, 8);
		a.headlen = a.head != NULL && n > 0 ? (size_t)n : 0;
		fn(&a, arg);
	}
	return done(db, st, rc);
}

int
db_web_attachment_data(struct db *db, long long ticket, long long id,
    char **data, size_t *len, char **filename, int *internal)
{
	sqlite3_stmt *st;
	const void *p;
	const char *name;
	int rc, n;

	*data = NULL;
	*filename = NULL;
	*len = 0;
	*internal = 0;
	if ((rc = prep(db, "SELECT b.data, a.filename, ifnull(c.internal, 0) "
	    "FROM attachments a JOIN blobs b ON b.id = a.blob_id "
	    "LEFT JOIN comments c ON c.id = a.comment_id "
	    "WHERE a.id = ?1 AND a.ticket_number = ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ticket);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		n = sqlite3_column_bytes(st, 0);
		name = col(st, 1);
		*len = n > 0 ? (size_t)n : 0;
		*data = xmalloc(*len + 1);
		if (*len > 0)
			memcpy(*data, p, *len);
		*filename = xstrdup(name != NULL ? name : "");
		*internal = sqlite3_column_int(st, 2);
		db_put(db, st);
		return DB_OK;
	}
	rc = done(db, st, rc);
	return rc == DB_OK ? 1 : rc;
}

int
db_web_kb(struct db *db, void (*fn)(const struct db_web_article *, void *),
    void *arg)
{
	struct db_web_article a;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT number, ifnull(nullif(kb_title, ''), "
	    "subject), category, ifnull(closed_at, 0) FROM tickets "
	    "WHERE published != 0 ORDER BY number DESC", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.number = sqlite3_column_int64(st, 0);
		a.title = col(st, 1);
		a.category = col(st, 2);
		a.closed_at = sqlite3_column_int64(st, 3);
		fn(&a, arg);
	}
	return done(db, st, rc);
}

int
db_web_admins(struct db *db, void (*fn)(const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT email FROM people WHERE role IN "
	    "('admin', 'root') ORDER BY email", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (col(st, 0) != NULL)
			fn(col(st, 0), arg);
	return done(db, st, rc);
}

int
db_web_outbox(struct db *db, long long *pending, long long *failed)
{
	sqlite3_stmt *st;
	int rc;

	*pending = *failed = 0;
	/* the WHERE of the partial index outbox_unsent, word for word */
	if ((rc = prep(db, "SELECT status, count(*) FROM outbox WHERE "
	    "status != 'sent' GROUP BY status", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (col(st, 0) == NULL)
			continue;
		if (strcmp(col(st, 0), "pending") == 0)
			*pending = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "failed") == 0)
			*failed = sqlite3_column_int64(st, 1);
	}
	return done(db, st, rc);
}

int
db_web_data_version(struct db *db, long long *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "PRAGMA data_version", &st)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return done(db, st, rc);
}

int
db_web_ping(struct db *db)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(db, "SELECT count(*) FROM sqlite_master", &st)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	return done(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

int
db_web_seal(struct db *db)
{
	if (sqlite3_exec(db->h, "PRAGMA query_only = 1", NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_db_readonly(db->h, "main") != 1)
		return DB_PERM;
	/*
	 * A page reads the same indexes again and again: map the file (read
	 * only) instead of copying pages in, and keep more of them. Both are
	 * hints SQLite may lower; they cannot fail the page.
	 */
	sqlite3_exec(db->h, "PRAGMA mmap_size = " WEB_MMAP_BYTES "; "
	    "PRAGMA cache_size = -" WEB_CACHE_KIB, NULL, NULL, NULL);
	return DB_OK;
}
