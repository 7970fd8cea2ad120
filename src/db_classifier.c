/*
 * db_classifier.c — the classifier's examples and model (see
 * db_classifier.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_classifier.h"
#include "db_impl.h"
#include "xmalloc.h"

static int
done(sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DB_OK : db_rc(rc) == DB_OK ? DB_PERM :
	    db_rc(rc);
}

int
db_clf_example_add(struct db *db, const char *text, size_t len,
    const char *category, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (len > 0x7fffffff)
		return DB_PERM;
	if ((rc = db_prepare(db, "INSERT INTO classifier_examples (text, "
	    "category, added_at) VALUES (?1, ?2, ?3)", &st)) != DB_OK)
		return rc;
	sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	return db_finish(db, st);
}

int
db_clf_examples_clear(struct db *db, long long *n)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "DELETE FROM classifier_examples", &st)) !=
	    DB_OK)
		return rc;
	rc = db_finish(db, st);
	*n = rc == DB_OK ? sqlite3_changes(db->h) : 0;
	return rc;
}

int
db_clf_each(struct db *db, void (*fn)(const char *, size_t, const char *,
    void *), void *arg)
{
	sqlite3_stmt *st;
	const char *text, *cat;
	int rc;

	if ((rc = db_prepare(db, "SELECT text, category FROM "
	    "classifier_examples UNION ALL "
	    "SELECT subject || char(10) || body, category FROM tickets "
	    "WHERE status = 'resolved' AND category IS NOT NULL AND "
	    "category != '' AND category_guessed = 0", &st)) != DB_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(st, 0);
		cat = (const char *)sqlite3_column_text(st, 1);
		if (text == NULL || cat == NULL)
			continue;
		fn(text, (size_t)sqlite3_column_bytes(st, 0), cat, arg);
	}
	return done(st, rc);
}

int
db_clf_model_save(struct db *db, const char *model, size_t len,
    long long examples, time_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (len > 0x7fffffff)
		return DB_PERM;
	if ((rc = db_prepare(db, "INSERT OR REPLACE INTO classifier_model "
	    "(id, trained_at, examples, model) VALUES (1, ?1, ?2, ?3)",
	    &st)) != DB_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, examples);
	sqlite3_bind_blob(st, 3, model, (int)len, SQLITE_STATIC);
	return db_finish(db, st);
}

/*
 * The model's bytes are read with SQLite's incremental blob I/O, straight
 * into the caller's buffer: a 3.9 MB model read through sqlite3_column_blob
 * was first assembled in a buffer of SQLite's and then copied, and
 * ticketd --stdin reads it for every mail. Inside the caller's transaction
 * when there is one, so the times and the bytes are of one model.
 */
int
db_clf_model_load(struct db *db, char **model, size_t *len,
    long long *trained_at, long long *examples)
{
	sqlite3_stmt *st;
	sqlite3_blob *b = NULL;
	int rc, n;

	*model = NULL;
	*len = 0;
	if ((rc = db_prepare(db, "SELECT trained_at, examples FROM "
	    "classifier_model WHERE id = 1", &st)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = done(st, rc);
		return rc == DB_OK ? 1 : rc;
	}
	if (trained_at != NULL)
		*trained_at = sqlite3_column_int64(st, 0);
	if (examples != NULL)
		*examples = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if ((rc = sqlite3_blob_open(db->h, "main", "classifier_model", "model",
	    1, 0, &b)) != SQLITE_OK) {
		sqlite3_blob_close(b);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	n = sqlite3_blob_bytes(b);
	*len = n > 0 ? (size_t)n : 0;
	*model = xmalloc(*len + 1);
	if (*len > 0 && (rc = sqlite3_blob_read(b, *model, n, 0)) !=
	    SQLITE_OK) {
		sqlite3_blob_close(b);
		free(*model);
		*model = NULL;
		*len = 0;
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	sqlite3_blob_close(b);
	return DB_OK;
}

int
db_clf_model_time(struct db *db, long long *trained_at)
{
	sqlite3_stmt *st;
	int rc;

	*trained_at = 0;
	if ((rc = db_prepare(db, "SELECT trained_at FROM classifier_model "
	    "WHERE id = 1", &st)) != DB_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*trained_at = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	return done(st, rc);
}
