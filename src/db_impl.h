/*
 * db_impl.h — what db.c and db_ticket.c share; nobody else includes it.
 */
#ifndef TICKETD_DB_IMPL_H
#define TICKETD_DB_IMPL_H

#include <sqlite3.h>

enum db_stmt {
	ST_MAIL_KNOWN,
	ST_PERSON_GET,
	ST_PERSON_ADD,
	ST_PERSON_NAME,
	ST_TICKET_ADD,
	ST_MAIL_ADD,
	ST_MSGID_ADD,
	ST_EVENT_ADD,
	ST_OUTBOX_ADD,
	ST_OUTBOX_DUE,
	ST_OUTBOX_DUE_ALL,
	ST_OUTBOX_CLAIM,
	ST_OUTBOX_SENT,
	ST_OUTBOX_RETRY,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_NEXT,
	ST_OUTBOX_HOLDERS,
	ST_OUTBOX_WAKE,
	ST_OUTBOX_RELEASE,
	ST_OUTBOX_UNCLAIM,
	ST_TICKET_EXISTS,
	ST_TICKET_LINK,
	ST_TICKET_TOUCH,
	ST_MSGID_TICKET,
	ST_PERSON_ADMIN,
	ST_PERSON_BOUNCING,
	ST_PERSON_SET_BOUNCING,
	ST_PART_IS,
	ST_PART_ADD,
	ST_COMMENT_ADD,
	ST_BLOB_GET,
	ST_BLOB_DATA,
	ST_BLOB_ADD,
	ST_ATTACH_ADD,
	ST_OUTBOX_BOUNCED_GET,
	ST_OUTBOX_BOUNCED_SET,
	ST_NOTICE_COUNT,
	ST_RCPT_INFO,
	ST__COUNT
};

/* Statements of db_get(), kept prepared per connection (issue 13). */
#define DB_CACHE	48

struct db {
	sqlite3		*h;
	char		*path;
	sqlite3_stmt	*st[ST__COUNT];
	struct {
		sqlite3_stmt	*st;
		int		 busy;	/* handed out, not yet given back */
	}		 cache[DB_CACHE];
	unsigned	 cache_next;	/* the slot to reuse next when full */
	int		 txn;		/* 1 inside db_begin(); 2: SQLite ended it */
	int		 unsynced;	/* db_begin_unsynced(): FULL again after */
	char		 lasterr[160];	/* why the last statement failed */
	int		 locked;	/* DB_INUSE: lockfd holds a flock */
	int		 lockfd;
};

/*
 * Copy the database of connection src (schema "main") into the new file
 * dest (mode 0600; refused when it exists) with the online backup API, in
 * one step: one read transaction, so the copy is a consistent snapshot
 * and, in WAL mode, writers go on meanwhile. The copy is then checked
 * with PRAGMA quick_check. 0, or -1 with *errstr (dest is removed).
 * db_backup.c.
 */
int	db_backup_copy(sqlite3 *src, const char *dest, char **errstr);

/* Prepared statement for id, reset and with bindings cleared; NULL on error. */
sqlite3_stmt *db_stmt(struct db *, enum db_stmt);
/* Map an SQLite result code to DB_OK / DB_TEMP / DB_PERM. */
int	db_rc(int sqlite_rc);
/*
 * 1 when db_begin()'s transaction was rolled back by SQLite itself (disk
 * full, I/O error, out of memory): no statement may run until the caller
 * rolls back, or it would run on its own, outside the transaction, and
 * leave half a mail behind. Logged once.
 */
int	db_txn_lost(struct db *);
/* Remember why a statement failed (db_errmsg() tells it later). */
void	db_failed(struct db *);
/* Prepare a one-off statement (caller finalizes); DB_* result. */
int	db_prepare(struct db *, const char *sql, sqlite3_stmt **);
/* Step a bound one-off statement once and finalize it; DB_* result. */
int	db_finish(struct db *, sqlite3_stmt *);
/*
 * The statement of sql from the connection's cache, prepared on its first
 * use (compiling SQL cost more than running it on the ingest path): the
 * same text gives the same statement, reset and with bindings cleared.
 * Give it back with db_put(), never sqlite3_finalize(). A text already
 * handed out and not given back (nested use) gets a statement of its own,
 * which db_put() finalizes. DB_* result, *stp NULL on error.
 */
int	db_get(struct db *, const char *sql, sqlite3_stmt **stp);
/* Give back a statement of db_get() (reset; NULL is fine). */
void	db_put(struct db *, sqlite3_stmt *);
/* db_finish() for a statement of db_get(): step once, give it back. */
int	db_finish_put(struct db *, sqlite3_stmt *);

/*
 * Stored bytes of form (zpack.h: compressed, with references to blobs)
 * back to what was stored: a new NUL-terminated buffer of *outlen bytes,
 * or NULL with err filled (db_ticket.c).
 */
char	*db_unpack(struct db *, const void *p, size_t len, int form,
	    size_t *outlen, char *err, size_t errsz);

#endif
