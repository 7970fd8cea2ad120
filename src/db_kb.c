/*
 * db_kb.c — the knowledge base's SQL (see db_kb.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "db_kb.h"
#include "xmalloc.h"

/* Largest answer text gathered from an admin's comments. */
#define ANSWER_MAX	(1024 * 1024)

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

int
db_kb_source(struct db *db, long long ticket, struct db_kb_source *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = db_prepare(db, "SELECT t.number, t.subject, t.body, "
	    "t.status, t.category || ifnull('/' || t.subcategory, ''), "
	    "r.email, r.name, "
	    "ifnull((SELECT actor_id FROM events WHERE ticket_number = "
	    "t.number AND kind = 'resolved' ORDER BY id DESC LIMIT 1), "
	    "ifnull(t.assignee_id, 0)), "
	    "(SELECT detail FROM events WHERE ticket_number = t.number AND "
	    "kind = 'resolved' ORDER BY id DESC LIMIT 1) "
	    "FROM tickets t JOIN people r ON r.id = t.requester_id "
	    "WHERE t.number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = done(st, rc);
		return rc == DB_OK ? 1 : rc;
	}
	s->number = sqlite3_column_int64(st, 0);
	s->subject = dup_col(st, 1);
	s->body = dup_col(st, 2);
	s->status = dup_col(st, 3);
	s->category = dup_col(st, 4);
	s->requester = dup_col(st, 5);
	s->requester_name = dup_col(st, 6);
	s->resolver_id = sqlite3_column_int64(st, 7);
	s->resolve_note = dup_col(st, 8);
	sqlite3_finalize(st);
	return DB_OK;
}

void
db_kb_source_clear(struct db_kb_source *s)
{
	free(s->subject);
	free(s->body);
	free(s->status);
	free(s->category);
	free(s->requester);
	free(s->requester_name);
	free(s->resolve_note);
	memset(s, 0, sizeof(*s));
}

int
db_kb_comments(struct db *db, long long ticket, long long author, char **text)
{
	sqlite3_stmt *st;
	struct buf b;
	const char *body;
	int rc;

	*text = NULL;
	if ((rc = db_prepare(db, "SELECT body FROM comments WHERE "
	    "ticket_number = ?1 AND author_id = ?2 AND internal = 0 "
	    "ORDER BY id", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	sqlite3_bind_int64(st, 2, author);
	buf_init(&b, ANSWER_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		body = col(st, 0);
		if (body == NULL || body[0] == '\0')
			continue;
		if (b.len > 0)
			buf_addstr(&b, "\n\n");
		buf_addstr(&b, body);
	}
	rc = done(st, rc);
	if (rc != DB_OK) {
		buf_clear(&b);
		return rc;
	}
	*text = b.data != NULL ? buf_steal(&b, NULL) : xstrdup("");
	return DB_OK;
}

int
db_kb_of_ticket(struct db *db, long long ticket, long long *id,
    const char **status)
{
	sqlite3_stmt *st;
	const char *s;
	int rc;

	if ((rc = db_prepare(db, "SELECT id, status FROM articles WHERE "
	    "ticket_number = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		s = col(st, 1);
		*status = s != NULL && strcmp(s, "withdrawn") == 0 ?
		    "withdrawn" : "published";
		sqlite3_finalize(st);
		return 1;
	}
	rc = done(st, rc);
	return rc == DB_OK ? 0 : rc;
}

static int
add_version(struct db *db, long long id, long long author, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO article_versions (article_id, "
	    "version, title, body, author_id, created_at) SELECT id, version, "
	    "title, body, nullif(?2, 0), ?3 FROM articles WHERE id = ?1",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, author);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	return db_finish(db, st);
}

int
db_kb_add(struct db *db, const struct db_kb_new *a, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO articles (ticket_number, title, "
	    "problem, answer, body, category, author_id, created_at, "
	    "updated_at) VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, nullif(?7, 0), ?8, "
	    "?8)", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->ticket);
	sqlite3_bind_text(st, 2, a->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->problem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->body, -1, SQLITE_STATIC);
	if (a->category != NULL && a->category[0] != '\0')
		sqlite3_bind_text(st, 6, a->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, a->author_id);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)a->now);
	if ((rc = db_finish(db, st)) != DB_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db->h);
	if ((rc = add_version(db, *id, a->author_id, a->now)) != DB_OK)
		return rc;
	/* the images that belong: the first mail's and the author's */
	if ((rc = db_prepare(db, "INSERT INTO article_images (article_id, "
	    "attachment_id) SELECT ?1, a.id FROM attachments a "
	    "LEFT JOIN comments c ON c.id = a.comment_id "
	    "WHERE a.ticket_number = ?2 AND a.is_image AND "
	    "a.blob_id IS NOT NULL AND (a.comment_id IS NULL OR "
	    "(c.author_id = ?3 AND c.internal = 0))", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int64(st, 2, a->ticket);
	sqlite3_bind_int64(st, 3, a->author_id);
	return db_finish(db, st);
}

int
db_kb_edit(struct db *db, long long id, const char *title, const char *body,
    long long author, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE articles SET title = ifnull(?2, "
	    "title), body = ?3, version = version + 1, updated_at = ?4 "
	    "WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if (title != NULL)
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if ((rc = db_finish(db, st)) != DB_OK)
		return rc;
	return add_version(db, id, author, now);
}

int
db_kb_set_status(struct db *db, long long id, const char *status, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "UPDATE articles SET status = ?2, "
	    "updated_at = ?3 WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	return db_finish(db, st);
}

int
db_kb_get(struct db *db, long long id, struct db_kb_article *a)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(db, "SELECT id, ifnull(ticket_number, 0), title, "
	    "problem, answer, body, category, status, version, created_at, "
	    "updated_at FROM articles WHERE id = ?1", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = done(st, rc);
		return rc == DB_OK ? 1 : rc;
	}
	a->id = sqlite3_column_int64(st, 0);
	a->ticket = sqlite3_column_int64(st, 1);
	a->title = dup_col(st, 2);
	a->problem = dup_col(st, 3);
	a->answer = dup_col(st, 4);
	a->body = dup_col(st, 5);
	a->category = dup_col(st, 6);
	a->status = dup_col(st, 7);
	a->version = sqlite3_column_int(st, 8);
	a->created_at = sqlite3_column_int64(st, 9);
	a->updated_at = sqlite3_column_int64(st, 10);
	sqlite3_finalize(st);
	return DB_OK;
}

void
db_kb_article_clear(struct db_kb_article *a)
{
	free(a->title);
	free(a->problem);
	free(a->answer);
	free(a->body);
	free(a->category);
	free(a->status);
	memset(a, 0, sizeof(*a));
}

int
db_kb_each(struct db *db, const char *category, const char *fts, int all,
    size_t limit, void (*fn)(const struct db_kb_row *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct db_kb_row r;
	char *sql;
	int rc;

	/* the category's top level: "hardware" or "hardware/printer"
	 * (compared as a prefix, not by LIKE: a '%' or '_' in the
	 * category asked for is a character, not a wildcard) */
	sql = xasprintf("SELECT a.id, ifnull(a.ticket_number, 0), a.title, "
	    "a.category, a.status, a.version, a.updated_at, %s FROM %s "
	    "WHERE (?1 OR a.status = 'published') AND (?2 IS NULL OR "
	    "lower(a.category) = lower(?2) OR substr(lower(a.category), 1, "
	    "length(?2) + 1) = lower(?2) || '/') %s ORDER BY %s LIMIT ?4",
	    fts != NULL ? "snippet(articles_fts, 1, '\x01', '\x02', "
	    "' ... ', 16), -bm25(articles_fts, 2.0, 1.0)" : "NULL, 0",
	    fts != NULL ? "articles_fts JOIN articles a ON a.id = "
	    "articles_fts.rowid" : "articles a",
	    fts != NULL ? "AND articles_fts MATCH ?3" : "",
	    fts != NULL ? "bm25(articles_fts, 2.0, 1.0)" :
	    "lower(ifnull(a.category, '~')), lower(a.title), a.id");
	rc = db_prepare(db, sql, &st);
	free(sql);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int(st, 1, all != 0);
	if (category != NULL)
		sqlite3_bind_text(st, 2, category, -1, SQLITE_STATIC);
	if (fts != NULL)
		sqlite3_bind_text(st, 3, fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit > 0 ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.ticket = sqlite3_column_int64(st, 1);
		r.title = col(st, 2);
		r.category = col(st, 3);
		r.status = col(st, 4);
		r.version = sqlite3_column_int(st, 5);
		r.updated_at = sqlite3_column_int64(st, 6);
		r.snippet = col(st, 7);
		r.score = sqlite3_column_double(st, 8);
		if (r.title == NULL)
			r.title = "";
		fn(&r, arg);
	}
	return done(st, rc);
}

int
db_kb_categories(struct db *db, void (*fn)(const char *, long long, void *),
    void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT lower(CASE WHEN instr(category, '/') "
	    "THEN substr(category, 1, instr(category, '/') - 1) ELSE category "
	    "END) AS c, count(*) FROM articles WHERE status = 'published' AND "
	    "category IS NOT NULL GROUP BY c ORDER BY c", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (col(st, 0) != NULL)
			fn(col(st, 0), sqlite3_column_int64(st, 1), arg);
	return done(st, rc);
}

int
db_kb_candidates(struct db *db, const char *fts, size_t max,
    struct db_kb_hit **rows, size_t *n)
{
	sqlite3_stmt *st;
	struct db_kb_hit *r;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = db_get(db, "SELECT a.id, a.title, a.body, "
	    "-bm25(articles_fts, 2.0, 1.0) FROM articles_fts JOIN articles a "
	    "ON a.id = articles_fts.rowid WHERE articles_fts MATCH ?1 AND "
	    "a.status = 'published' ORDER BY bm25(articles_fts, 2.0, 1.0) "
	    "LIMIT ?2", &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	*rows = xcalloc(max > 0 ? max : 1, sizeof(**rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		r = &(*rows)[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		r->title = xstrdup(col(st, 1) != NULL ? col(st, 1) : "");
		r->body = xstrdup(col(st, 2) != NULL ? col(st, 2) : "");
		r->bm25 = sqlite3_column_double(st, 3);
	}
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	db_put(db, st);		/* the statement is kept prepared */
	rc = rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
	if (rc != DB_OK) {
		db_kb_hits_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

void
db_kb_hits_free(struct db_kb_hit *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].title);
		free(rows[i].body);
	}
	free(rows);
}

int
db_kb_images(struct db *db, long long article,
    void (*fn)(const struct db_kb_image *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct db_kb_image im;
	int rc;

	if ((rc = db_prepare(db, "SELECT a.id, a.filename, a.media_type, "
	    "a.size FROM article_images i JOIN attachments a ON "
	    "a.id = i.attachment_id WHERE i.article_id = ?1 ORDER BY a.id",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, article);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		im.attachment_id = sqlite3_column_int64(st, 0);
		im.filename = col(st, 1) != NULL ? col(st, 1) : "";
		im.media_type = col(st, 2) != NULL ? col(st, 2) : "";
		im.size = sqlite3_column_int64(st, 3);
		fn(&im, arg);
	}
	return done(st, rc);
}

int
db_kb_image_data(struct db *db, long long article, long long attachment,
    char **data, size_t *len, char **filename)
{
	sqlite3_stmt *st;
	const void *p;
	int rc, n;

	*data = NULL;
	*filename = NULL;
	*len = 0;
	if ((rc = db_prepare(db, "SELECT b.data, a.filename FROM "
	    "article_images i JOIN articles r ON r.id = i.article_id "
	    "JOIN attachments a ON a.id = i.attachment_id "
	    "JOIN blobs b ON b.id = a.blob_id WHERE i.article_id = ?1 AND "
	    "i.attachment_id = ?2 AND r.status = 'published'", &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, article);
	sqlite3_bind_int64(st, 2, attachment);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = done(st, rc);
		return rc == DB_OK ? 1 : rc;
	}
	p = sqlite3_column_blob(st, 0);
	n = sqlite3_column_bytes(st, 0);
	*len = n > 0 ? (size_t)n : 0;
	*data = xmalloc(*len + 1);
	if (*len > 0)
		memcpy(*data, p, *len);
	*filename = xstrdup(col(st, 1) != NULL ? col(st, 1) : "");
	sqlite3_finalize(st);
	return DB_OK;
}

static int
set_flag(struct db *db, const char *sql, long long ticket)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, sql, &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, ticket);
	return db_finish(db, st);
}

int
db_ticket_self_help(struct db *db, long long ticket)
{
	return set_flag(db, "UPDATE tickets SET self_help = 1 WHERE "
	    "number = ?1", ticket);
}

int
db_ticket_category_guessed(struct db *db, long long ticket)
{
	return set_flag(db, "UPDATE tickets SET category_guessed = 1 WHERE "
	    "number = ?1", ticket);
}

int
db_kb_self_help_count(struct db *db, long long *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if ((rc = db_prepare(db, "SELECT count(*) FROM tickets WHERE "
	    "self_help != 0", &st)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return done(st, rc);
}
