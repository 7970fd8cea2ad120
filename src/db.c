/*
 * db.c — open, create and migrate the database; transactions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/file.h>
#include <fcntl.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "file.h"
#include "log.h"
#include "xmalloc.h"

extern const char schema_sql[];		/* schema.sql, compiled in */

/*
 * Migrations: migrations[v - 1] brings a database at user_version v to
 * v + 1. schema.sql always describes the newest version; when it changes,
 * DB_SCHEMA_VERSION goes up and the step that makes an old database look
 * the same is added here. Each step runs in its own transaction.
 */
static const char *const migrations[] = {
	/* 1 → 2: replies as comments, participants, attachments, bounces */
	"ALTER TABLE people ADD COLUMN bouncing_since INTEGER;"
	"ALTER TABLE people ADD COLUMN role_set_at INTEGER;"
	"ALTER TABLE people ADD COLUMN skills TEXT;"
	"ALTER TABLE people ADD COLUMN away_until INTEGER;"
	"ALTER TABLE people ADD COLUMN last_assigned INTEGER;"
	"ALTER TABLE people ADD COLUMN granted INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE people ADD COLUMN denied_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN linked_to INTEGER "
	"    REFERENCES tickets(number);"
	"ALTER TABLE tickets ADD COLUMN assigned_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN handovers INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE tickets ADD COLUMN published INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE tickets ADD COLUMN kb_title TEXT;"
	"ALTER TABLE outbox ADD COLUMN bounced_at INTEGER;"
	"ALTER TABLE outbox ADD COLUMN bounce_reason TEXT;"
	"CREATE TABLE comments ("
	"    id INTEGER PRIMARY KEY,"
	"    ticket_number INTEGER NOT NULL REFERENCES tickets(number),"
	"    author_id INTEGER REFERENCES people(id),"
	"    mail_id INTEGER REFERENCES mails(id),"
	"    body TEXT NOT NULL, full_body TEXT NOT NULL,"
	"    internal INTEGER NOT NULL DEFAULT 0,"
	"    created_at INTEGER NOT NULL);"
	"CREATE INDEX comments_ticket ON comments(ticket_number);"
	"CREATE TABLE participants ("
	"    ticket_number INTEGER NOT NULL REFERENCES tickets(number),"
	"    person_id INTEGER NOT NULL REFERENCES people(id),"
	"    role TEXT NOT NULL CHECK (role IN ('requester', 'assignee', 'cc')),"
	"    added_at INTEGER NOT NULL,"
	"    PRIMARY KEY (ticket_number, person_id)) WITHOUT ROWID;"
	"CREATE INDEX participants_person ON participants(person_id);"
	"INSERT INTO participants (ticket_number, person_id, role, added_at)"
	"    SELECT number, requester_id, 'requester', created_at FROM tickets;"
	"CREATE TABLE blobs ("
	"    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
	"    size INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE TABLE attachments ("
	"    id INTEGER PRIMARY KEY,"
	"    ticket_number INTEGER NOT NULL REFERENCES tickets(number),"
	"    comment_id INTEGER REFERENCES comments(id),"
	"    mail_id INTEGER REFERENCES mails(id),"
	"    blob_id INTEGER REFERENCES blobs(id),"
	"    filename TEXT NOT NULL, media_type TEXT NOT NULL, content_id TEXT,"
	"    size INTEGER NOT NULL, is_image INTEGER NOT NULL DEFAULT 0,"
	"    is_inline INTEGER NOT NULL DEFAULT 0, note TEXT);"
	"CREATE INDEX attachments_ticket ON attachments(ticket_number);"
	"CREATE INDEX outbox_rcpt ON outbox(rcpt_to, created_at);"
	"CREATE TABLE access_requests ("
	"    id INTEGER PRIMARY KEY,"
	"    mail_id INTEGER NOT NULL REFERENCES mails(id),"
	"    person_id INTEGER NOT NULL REFERENCES people(id),"
	"    created_at INTEGER NOT NULL, granted_at INTEGER,"
	"    ticket_number INTEGER REFERENCES tickets(number));"
	"CREATE INDEX access_requests_person ON access_requests(person_id)",
	/*
	 * 2 → 3: list and robot addresses, suppressed/held/coalesced notices
	 * (SQLite cannot change a CHECK, so outbox is rebuilt), flood holds
	 */
	"ALTER TABLE people ADD COLUMN no_reply INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE access_requests ADD COLUMN kind TEXT NOT NULL "
	"    DEFAULT 'access' CHECK (kind IN ('access', 'flood'));"
	"CREATE TABLE outbox_v3 ("
	"    id INTEGER PRIMARY KEY,"
	"    ticket_number INTEGER REFERENCES tickets(number),"
	"    kind TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,"
	"    mail_from TEXT NOT NULL, rcpt_to TEXT NOT NULL,"
	"    message BLOB NOT NULL,"
	"    status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed', 'suppressed',"
	"        'held', 'coalesced')),"
	"    attempts INTEGER NOT NULL DEFAULT 0,"
	"    next_attempt_at INTEGER NOT NULL, last_error TEXT,"
	"    lease_until INTEGER NOT NULL DEFAULT 0,"
	"    created_at INTEGER NOT NULL, sent_at INTEGER,"
	"    bounced_at INTEGER, bounce_reason TEXT,"
	"    digest_id INTEGER REFERENCES outbox(id));"
	"INSERT INTO outbox_v3 (id, ticket_number, kind, message_id, mail_from,"
	"    rcpt_to, message, status, attempts, next_attempt_at, last_error,"
	"    lease_until, created_at, sent_at, bounced_at, bounce_reason)"
	"    SELECT id, ticket_number, kind, message_id, mail_from, rcpt_to,"
	"    message, status, attempts, next_attempt_at, last_error,"
	"    lease_until, created_at, sent_at, bounced_at, bounce_reason"
	"    FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v3 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(next_attempt_at)"
	"    WHERE status = 'pending';"
	"CREATE INDEX outbox_rcpt ON outbox(rcpt_to, created_at);"
	"CREATE INDEX outbox_held ON outbox(rcpt_to) WHERE status = 'held'",
	/* 3 → 4: the SLA clock (due times are filled in by the daemon) */
	"ALTER TABLE tickets ADD COLUMN due_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN warn_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN warned_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN breached_at INTEGER;"
	"ALTER TABLE tickets ADD COLUMN sla_reason TEXT;"
	"CREATE INDEX tickets_due ON tickets(due_at)"
	"    WHERE status IN ('open', 'assigned') AND breached_at IS NULL;"
	"CREATE TABLE desk_state (name TEXT PRIMARY KEY, value TEXT)"
	"    WITHOUT ROWID",

	/*
	 * 4 → 5: the web page's full-text search (FTS5 over tickets and
	 * comments) and the dashboard's totals (ticket_counts), both built
	 * here for the rows there are and kept current by triggers, and the
	 * dashboard's indexes. Self-contained: it reads only columns of
	 * version 2.
	 */
	"CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, body,"
	"    content='tickets', content_rowid='number',"
	"    tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE comments_fts USING fts5(body,"
	"    content='comments', content_rowid='id',"
	"    tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN"
	"    INSERT INTO tickets_fts (rowid, subject, body)"
	"    VALUES (new.number, new.subject, new.body); END;"
	"CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, body ON"
	"    tickets BEGIN"
	"    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)"
	"    VALUES ('delete', old.number, old.subject, old.body);"
	"    INSERT INTO tickets_fts (rowid, subject, body)"
	"    VALUES (new.number, new.subject, new.body); END;"
	"CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN"
	"    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)"
	"    VALUES ('delete', old.number, old.subject, old.body); END;"
	"CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN"
	"    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);"
	"    END;"
	"CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments"
	"    BEGIN"
	"    INSERT INTO comments_fts (comments_fts, rowid, body)"
	"    VALUES ('delete', old.id, old.body);"
	"    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);"
	"    END;"
	"CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN"
	"    INSERT INTO comments_fts (comments_fts, rowid, body)"
	"    VALUES ('delete', old.id, old.body); END;"
	"INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');"
	"INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');"
	"CREATE TABLE ticket_counts ("
	"    priority TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,"
	"    PRIMARY KEY (priority, status)) WITHOUT ROWID;"
	"CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN"
	"    INSERT INTO ticket_counts (priority, status, n)"
	"    VALUES (new.priority, new.status, 1)"
	"    ON CONFLICT (priority, status) DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER ticket_counts_update AFTER UPDATE OF priority, status"
	"    ON tickets WHEN old.priority != new.priority OR"
	"    old.status != new.status BEGIN"
	"    UPDATE ticket_counts SET n = n - 1"
	"    WHERE priority = old.priority AND status = old.status;"
	"    INSERT INTO ticket_counts (priority, status, n)"
	"    VALUES (new.priority, new.status, 1)"
	"    ON CONFLICT (priority, status) DO UPDATE SET n = n + 1; END;"
	"CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN"
	"    UPDATE ticket_counts SET n = n - 1"
	"    WHERE priority = old.priority AND status = old.status; END;"
	"INSERT INTO ticket_counts (priority, status, n)"
	"    SELECT priority, status, count(*) FROM tickets"
	"    GROUP BY priority, status;"
	"CREATE INDEX tickets_created ON tickets(created_at);"
	"CREATE INDEX tickets_closed ON tickets(closed_at, status, priority,\n"
	"\tassignee_id, created_at) WHERE closed_at IS NOT NULL;"
	"CREATE INDEX tickets_assignee ON tickets(assignee_id, status, closed_at,\n"
	"\tcreated_at);"
	"CREATE INDEX tickets_priority ON tickets(priority, status);"
	"CREATE INDEX tickets_category ON tickets(category, subcategory);"
	"CREATE INDEX events_actor ON events(actor_id, at);"
	"CREATE INDEX mails_from ON mails(from_addr COLLATE NOCASE, received_at);"
	"CREATE INDEX outbox_unsent ON outbox(status) WHERE status != 'sent'",

	/*
	 * 5 → 6: the holder of an outbox lease (a killed sender's leases are
	 * taken back at once) and the index that keeps each recipient's
	 * notices in order. Self-contained: only outbox columns of version 3.
	 */
	"ALTER TABLE outbox ADD COLUMN lease_holder TEXT;"
	"CREATE INDEX outbox_pending_rcpt ON outbox(rcpt_to, id)"
	"    WHERE status = 'pending'",

	/*
	 * 6 → 7: the knowledge base (articles, their versions and images,
	 * FTS5 over title and body kept by triggers), self-help and guessed
	 * categories on tickets, the classifier's examples and model. The
	 * articles are new, so there is nothing to rebuild.
	 */
	"ALTER TABLE tickets ADD COLUMN category_guessed INTEGER NOT NULL"
	"    DEFAULT 0;"
	"ALTER TABLE tickets ADD COLUMN self_help INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE articles ("
	"    id INTEGER PRIMARY KEY,"
	"    ticket_number INTEGER UNIQUE REFERENCES tickets(number),"
	"    title TEXT NOT NULL, problem TEXT NOT NULL, answer TEXT NOT NULL,"
	"    body TEXT NOT NULL, category TEXT,"
	"    status TEXT NOT NULL DEFAULT 'published'"
	"    CHECK (status IN ('published', 'withdrawn')),"
	"    author_id INTEGER REFERENCES people(id),"
	"    version INTEGER NOT NULL DEFAULT 1,"
	"    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX articles_status ON articles(status, category);"
	"CREATE TABLE article_versions ("
	"    article_id INTEGER NOT NULL REFERENCES articles(id),"
	"    version INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,"
	"    author_id INTEGER REFERENCES people(id),"
	"    created_at INTEGER NOT NULL,"
	"    PRIMARY KEY (article_id, version)) WITHOUT ROWID;"
	"CREATE TABLE article_images ("
	"    article_id INTEGER NOT NULL REFERENCES articles(id),"
	"    attachment_id INTEGER NOT NULL REFERENCES attachments(id),"
	"    PRIMARY KEY (article_id, attachment_id)) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE articles_fts USING fts5(title, body,"
	"    content='articles', content_rowid='id',"
	"    tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
	"    INSERT INTO articles_fts (rowid, title, body)"
	"    VALUES (new.id, new.title, new.body); END;"
	"CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON"
	"    articles BEGIN"
	"    INSERT INTO articles_fts (articles_fts, rowid, title, body)"
	"    VALUES ('delete', old.id, old.title, old.body);"
	"    INSERT INTO articles_fts (rowid, title, body)"
	"    VALUES (new.id, new.title, new.body); END;"
	"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN"
	"    INSERT INTO articles_fts (articles_fts, rowid, title, body)"
	"    VALUES ('delete', old.id, old.title, old.body); END;"
	"CREATE TABLE classifier_examples ("
	"    id INTEGER PRIMARY KEY, text TEXT NOT NULL,"
	"    category TEXT NOT NULL, added_at INTEGER NOT NULL);"
	"CREATE TABLE classifier_model ("
	"    id INTEGER PRIMARY KEY CHECK (id = 1),"
	"    trained_at INTEGER NOT NULL, examples INTEGER NOT NULL,"
	"    model BLOB NOT NULL)",

	/*
	 * 7 → 8: IT assets (issue 15): the registry, each asset's history
	 * and the device a ticket is about. All new tables.
	 */
	"CREATE TABLE assets ("
	"    id INTEGER PRIMARY KEY,"
	"    tag TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"    type TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', serial TEXT,"
	"    owner_id INTEGER REFERENCES people(id),"
	"    status TEXT NOT NULL DEFAULT 'in-stock'"
	"    CHECK (status IN ('in-use', 'in-stock', 'in-repair',"
	"        'retired')),"
	"    purchased TEXT, warranty_end TEXT, notes TEXT,"
	"    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX assets_owner ON assets(owner_id, type);"
	"CREATE INDEX assets_warranty ON assets(warranty_end);"
	"CREATE TABLE asset_events ("
	"    id INTEGER PRIMARY KEY,"
	"    asset_id INTEGER NOT NULL REFERENCES assets(id),"
	"    at INTEGER NOT NULL, actor_id INTEGER REFERENCES people(id),"
	"    actor TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT,"
	"    owner_id INTEGER REFERENCES people(id));"
	"CREATE INDEX asset_events_asset ON asset_events(asset_id, id);"
	"CREATE TABLE ticket_assets ("
	"    ticket_number INTEGER PRIMARY KEY REFERENCES tickets(number),"
	"    asset_id INTEGER NOT NULL REFERENCES assets(id),"
	"    how TEXT NOT NULL"
	"    CHECK (how IN ('header', 'subject', 'auto', 'admin',"
	"        'ticketctl')),"
	"    linked_at INTEGER NOT NULL);"
	"CREATE INDEX ticket_assets_asset ON ticket_assets(asset_id, "
	"ticket_number)",

	/*
	 * 8 → 9 (issue 13): the SLA sweep seeks the tickets whose warning
	 * is due instead of walking every open ticket; mails and notices are
	 * kept compressed, and notices keep their images as references
	 * (rows written before stay as they are: form 0).
	 */
	"ALTER TABLE mails ADD COLUMN raw_form INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN form INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX tickets_warn ON tickets(warn_at)\n"
	"\tWHERE status IN ('open', 'assigned') AND warned_at IS NULL AND "
	"breached_at IS NULL",

	/*
	 * 9 → 10 (issue 13): a notice's thread is found by seeking its
	 * ticket's notices to that recipient; before, every notice the
	 * recipient was ever sent was read, for each new notice.
	 */
	"CREATE INDEX outbox_ticket ON outbox(ticket_number, rcpt_to, id)",

	/*
	 * 10 → 11 (issue 13): each person's assigned tickets kept in
	 * people.assigned_n by triggers, counted once here; before, every
	 * new ticket's assignment counted every admin's tickets. The staff
	 * are found through an index, not by reading every requester.
	 */
	"CREATE INDEX people_staff ON people(role) WHERE role IN ('admin', "
	"'root');"
	"ALTER TABLE people ADD COLUMN assigned_n INTEGER NOT NULL DEFAULT 0;"
	"UPDATE people SET assigned_n = (SELECT count(*) FROM tickets t"
	"    WHERE t.assignee_id = people.id AND t.status = 'assigned');"
	"CREATE TRIGGER people_assigned_insert AFTER INSERT ON tickets"
	"    WHEN new.status = 'assigned' AND new.assignee_id IS NOT NULL BEGIN"
	"    UPDATE people SET assigned_n = assigned_n + 1"
	"    WHERE id = new.assignee_id; END;"
	"CREATE TRIGGER people_assigned_update AFTER UPDATE OF status,"
	"    assignee_id ON tickets WHEN (old.status = 'assigned') !="
	"    (new.status = 'assigned') OR old.assignee_id IS NOT"
	"    new.assignee_id BEGIN"
	"    UPDATE people SET assigned_n = assigned_n - 1"
	"    WHERE old.status = 'assigned' AND id = old.assignee_id;"
	"    UPDATE people SET assigned_n = assigned_n + 1"
	"    WHERE new.status = 'assigned' AND id = new.assignee_id; END;"
	"CREATE TRIGGER people_assigned_delete AFTER DELETE ON tickets"
	"    WHEN old.status = 'assigned' AND old.assignee_id IS NOT NULL BEGIN"
	"    UPDATE people SET assigned_n = assigned_n - 1"
	"    WHERE id = old.assignee_id; END",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    DB_SCHEMA_VERSION - 1, "one migration step per schema version");

#define BUSY_TIMEOUT_MS	5000
#define BUSY_STEP_MS	10
#define BUSY_STOP_MS	500	/* the wait once a stop is asked for */

static volatile sig_atomic_t *busy_stop_flag;

void
db_busy_stop(volatile sig_atomic_t *stop)
{
	busy_stop_flag = stop;
}

/*
 * SQLite's busy handler: 0 gives up (SQLITE_BUSY), else try again. As
 * sqlite3_busy_timeout(), but once a stop flag is set the wait is cut to
 * BUSY_STOP_MS: long enough for a moment's lock (a reader's WAL recovery
 * after a crash, a checkpoint), short enough that a lock another process
 * holds does not keep a stopping daemon for seconds.
 */
static int
busy_wait(void *arg, int count)
{
	struct timespec ts = { 0, BUSY_STEP_MS * 1000 * 1000 };
	long long waited = (long long)count * BUSY_STEP_MS;

	(void)arg;
	if (waited >= BUSY_TIMEOUT_MS)
		return 0;
	if (busy_stop_flag != NULL && *busy_stop_flag &&
	    waited >= BUSY_STOP_MS)
		return 0;
	nanosleep(&ts, NULL);		/* a signal ends it early: look again */
	return 1;
}

int
db_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		return DB_TEMP;
	default:
		return DB_PERM;
	}
}

const char *
db_errmsg(struct db *db)
{
	if (db == NULL || db->h == NULL)
		return "no database";
	/* a later statement that went well no longer tells why */
	if (sqlite3_errcode(db->h) == SQLITE_OK && db->lasterr[0] != '\0')
		return db->lasterr;
	return sqlite3_errmsg(db->h);
}

void
db_failed(struct db *db)
{
	snprintf(db->lasterr, sizeof(db->lasterr), "%s",
	    sqlite3_errmsg(db->h));
}

int
db_txn_lost(struct db *db)
{
	if (db->txn == 0 || !sqlite3_get_autocommit(db->h))
		return 0;
	if (db->txn == 1) {
		log_warnx("%s: the transaction was rolled back by the database "
		    "(%s); nothing of it is kept", db->path, db->lasterr[0] !=
		    '\0' ? db->lasterr : sqlite3_errmsg(db->h));
		db->txn = 2;
	}
	return 1;
}

int
db_prepare(struct db *db, const char *sql, sqlite3_stmt **stp)
{
	int rc;

	if (db_txn_lost(db)) {
		*stp = NULL;
		return DB_TEMP;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, stp, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("%s: prepare: %s", db->path, sqlite3_errmsg(db->h));
		*stp = NULL;
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

int
db_finish(struct db *db, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		db_failed(db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_debug("%s: %s", db->path, db->lasterr);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

int
db_get(struct db *db, const char *sql, sqlite3_stmt **stp)
{
	sqlite3_stmt *st;
	const char *text;
	unsigned i, k;
	int rc;

	*stp = NULL;
	if (db_txn_lost(db))
		return DB_TEMP;
	for (i = 0; i < DB_CACHE; i++) {
		if ((st = db->cache[i].st) == NULL || db->cache[i].busy)
			continue;
		if ((text = sqlite3_sql(st)) != NULL && strcmp(text, sql) == 0) {
			db->cache[i].busy = 1;
			*stp = st;
			return DB_OK;
		}
	}
	if ((rc = db_prepare(db, sql, &st)) != DB_OK)
		return rc;
	*stp = st;
	/* a free slot, else the next one not handed out */
	for (k = 0; k < DB_CACHE && db->cache[k].st != NULL; k++)
		;
	if (k == DB_CACHE) {
		for (i = 0; i < DB_CACHE; i++) {
			k = (db->cache_next + i) % DB_CACHE;
			if (!db->cache[k].busy)
				break;
		}
		if (i == DB_CACHE)
			return DB_OK;	/* every one in use: not kept */
		sqlite3_finalize(db->cache[k].st);
		db->cache_next = (k + 1) % DB_CACHE;
	}
	db->cache[k].st = st;
	db->cache[k].busy = 1;
	return DB_OK;
}

void
db_put(struct db *db, sqlite3_stmt *st)
{
	unsigned i;

	if (st == NULL)
		return;
	for (i = 0; i < DB_CACHE; i++)
		if (db->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

int
db_finish_put(struct db *db, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		db_failed(db);
	db_put(db, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_debug("%s: %s", db->path, db->lasterr);
		return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
	}
	return DB_OK;
}

static int
exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		log_debug("sqlite: %s", msg != NULL ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int
user_version(sqlite3 *h, int *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
configure(sqlite3 *h)
{
	int rc;

	sqlite3_busy_handler(h, busy_wait, NULL);
	sqlite3_extended_result_codes(h, 1);
	rc = exec(h, "PRAGMA foreign_keys = ON");
	/*
	 * FULL, not NORMAL: in WAL mode NORMAL leaves a commit in the page
	 * cache until the next checkpoint, and a power loss after the UID
	 * MOVE (or after --stdin told the MTA the mail was taken) would then
	 * lose a ticket whose mail is already gone from the inbox. FULL
	 * syncs the WAL at each commit: one fsync per batch of mails.
	 */
	if (rc == SQLITE_OK)
		rc = exec(h, "PRAGMA synchronous = FULL");
	/*
	 * 16 MB of page cache, not SQLite's 2 MB: a backlog's batch writes
	 * raw mails, notices with their images and FTS pages, and the outbox
	 * drain reads those notices back; with 2 MB most of those pages were
	 * read again from the file (570,000 pread()s for 2,000 mails).
	 */
	if (rc == SQLITE_OK)
		rc = exec(h, "PRAGMA cache_size = -16384");
	return rc;
}

int
db_create(const char *path, char **errstr)
{
	sqlite3 *h = NULL;
	struct stat sb;
	char *sql;
	int fd, rc;

	if (lstat(path, &sb) == 0) {
		*errstr = xasprintf("%s: a database exists already; "
		    "ticketctl init never touches an existing one", path);
		return -1;
	}
	/*
	 * The file is made here, mode 0600 whatever the umask, and SQLite
	 * opens it empty: it gives the -wal and -shm it creates beside it
	 * the database file's mode, so they are private too.
	 */
	if ((fd = file_create_private(path)) == -1) {
		*errstr = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", path, h != NULL ?
		    sqlite3_errmsg(h) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((rc = configure(h)) != SQLITE_OK ||
	    (rc = exec(h, "PRAGMA journal_mode = WAL")) != SQLITE_OK ||
	    (rc = exec(h, "BEGIN")) != SQLITE_OK ||
	    (rc = exec(h, schema_sql)) != SQLITE_OK) {
		*errstr = xasprintf("%s: creating the schema: %s", path,
		    sqlite3_errmsg(h));
		goto fail;
	}
	sql = xasprintf("PRAGMA user_version = %d; COMMIT", DB_SCHEMA_VERSION);
	rc = exec(h, sql);
	free(sql);
	if (rc != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", path, sqlite3_errmsg(h));
		goto fail;
	}
	sqlite3_close(h);
	return 0;
fail:
	sqlite3_close(h);
	unlink(path);
	return -1;
}

/*
 * Bring the database from schema version from to DB_SCHEMA_VERSION: under
 * the write lock (BEGIN IMMEDIATE; another process that got there first
 * leaves nothing to do), a copy of the database as it is goes to
 * PATH.bak-vFROM-TIME (a second, read-only connection reads it: the write
 * lock lets readers in), then every step and the new user_version commit
 * in this one transaction. No copy, no migration.
 */
static int
migrate(struct db *db, int from, char **errstr)
{
	struct buf sql;
	sqlite3 *ro = NULL;
	char *copy = NULL, *tag, *e = NULL;
	int v, rc;

	if ((rc = exec(db->h, "BEGIN IMMEDIATE")) != SQLITE_OK) {
		*errstr = xasprintf("%s: migrating: %s", db->path,
		    sqlite3_errmsg(db->h));
		return db_rc(rc);
	}
	if ((rc = user_version(db->h, &v)) != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", db->path, sqlite3_errmsg(db->h));
		goto fail;
	}
	if (v >= DB_SCHEMA_VERSION) {
		exec(db->h, "COMMIT");
		return DB_OK;		/* another process migrated it */
	}
	from = v;
	tag = xasprintf("v%d", from);
	copy = db_backup_name(db->path, tag);
	free(tag);
	rc = sqlite3_open_v2(db->path, &ro, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK || db_backup_copy(ro, copy, &e) == -1) {
		*errstr = xasprintf("%s: schema %d not migrated: no copy of the "
		    "database could be kept before: %s", db->path, from,
		    e != NULL ? e : ro != NULL ? sqlite3_errmsg(ro) :
		    sqlite3_errstr(rc));
		free(e);
		sqlite3_close(ro);
		rc = SQLITE_CANTOPEN;	/* DB_TEMP: a full disk, say */
		goto fail;
	}
	sqlite3_close(ro);
	log_info("%s: kept a copy of the database at schema %d as %s",
	    db->path, from, copy);
	buf_init(&sql, 1024 * 1024);
	for (v = from; v < DB_SCHEMA_VERSION; v++) {
		if (migrations[v - 1] == NULL)
			fatalx("no migration from schema version %d", v);
		log_info("%s: migrating database schema %d -> %d",
		    db->path, v, v + 1);
		if (buf_printf(&sql, "%s;\n", migrations[v - 1]) == -1)
			fatalx("migration script too long");
	}
	if (buf_printf(&sql, "PRAGMA user_version = %d;", DB_SCHEMA_VERSION) ==
	    -1)
		fatalx("migration script too long");
	rc = exec(db->h, sql.data);
	buf_clear(&sql);
	if (rc != SQLITE_OK) {
		*errstr = xasprintf("%s: migrating schema %d -> %d: %s; nothing "
		    "changed (the copy %s is there too)", db->path, from,
		    DB_SCHEMA_VERSION, sqlite3_errmsg(db->h), copy);
		goto fail;
	}
	if ((rc = exec(db->h, "COMMIT")) != SQLITE_OK) {
		*errstr = xasprintf("%s: migrating: commit: %s", db->path,
		    sqlite3_errmsg(db->h));
		goto fail;
	}
	free(copy);
	return DB_OK;
fail:
	exec(db->h, "ROLLBACK");
	free(copy);
	return db_rc(rc) == DB_OK ? DB_PERM : db_rc(rc);
}

/*
 * A database made by an older ticketctl, or copied in, may be readable by
 * others, and SQLite gives its -wal and -shm the same mode: a read-write
 * open takes the group and other bits off all three.
 */
static void
make_private(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char *p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		p = xasprintf("%s%s", path, ext[i]);
		rc = file_make_private(p);
		if (rc == 1)
			log_info("%s: was readable by others; now only by its "
			    "owner", p);
		else if (rc == -1 && errno != ENOENT)
			log_warn("%s: cannot make it private", p);
		free(p);
	}
}

struct db *
db_open(const char *path, int flags, char **errstr, int *temp)
{
	struct db *db;
	struct stat sb;
	int rc, v = 0, t = 0;

	*errstr = NULL;
	if (stat(path, &sb) == -1) {
		*errstr = xasprintf("%s: %s; create it with "
		    "'ticketctl -c CONFIG init'", path, strerror(errno));
		t = errno != ENOENT;
		goto fail0;
	}
	if (!(flags & DB_RDONLY) && (sb.st_mode & 077) != 0)
		make_private(path);
	db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(path);
	if (flags & DB_INUSE) {
		/* see db_backup.c: "in use" for ticketctl restore */
		db->lockfd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
		if (db->lockfd == -1) {
			*errstr = xasprintf("%s: %s", path, strerror(errno));
			t = 1;
			goto fail;
		}
		db->locked = 1;
		if (flock(db->lockfd, LOCK_SH | LOCK_NB) == -1) {
			*errstr = xasprintf("%s: %s", path, errno ==
			    EWOULDBLOCK ? "ticketctl restore is replacing the "
			    "database; try again later" : strerror(errno));
			t = 1;
			goto fail;
		}
	}
	rc = sqlite3_open_v2(path, &db->h, (flags & DB_RDONLY) ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", path, db->h != NULL ?
		    sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		t = db_rc(rc) == DB_TEMP;
		goto fail;
	}
	if ((rc = configure(db->h)) != SQLITE_OK ||
	    (rc = user_version(db->h, &v)) != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", path, sqlite3_errmsg(db->h));
		t = db_rc(rc) == DB_TEMP;
		goto fail;
	}
	if (v == 0) {
		*errstr = xasprintf("%s: not a ticketd database (no schema "
		    "version); create one with 'ticketctl -c CONFIG init'", path);
		goto fail;
	}
	if (v > DB_SCHEMA_VERSION) {
		*errstr = xasprintf("%s: schema version %d is newer than this "
		    "ticketd (%d); run the newer ticketd or restore a backup",
		    path, v, DB_SCHEMA_VERSION);
		goto fail;
	}
	if (v < DB_SCHEMA_VERSION) {
		if (flags & DB_RDONLY) {
			*errstr = xasprintf("%s: schema version %d is older "
			    "than %d; start ticketd once to migrate it",
			    path, v, DB_SCHEMA_VERSION);
			goto fail;
		}
		rc = migrate(db, v, errstr);
		if (rc != DB_OK) {
			t = rc == DB_TEMP;
			goto fail;
		}
	}
	/*
	 * Each mail of a batch is a savepoint. Before a page is first
	 * changed under a savepoint, SQLite copies it to the sub-journal,
	 * which goes to a temporary file once it passes 64 kB; every mail
	 * touches pages the batch already changed (indexes, the full-text
	 * index, the outbox), so that file took two write()s per page per
	 * mail: 2.55 GB in 1.22 million writes for a 10,000-mail backlog
	 * whose database is 111 MB. In memory, the sub-journal is emptied at
	 * each RELEASE: the backlog then wrote 0.41 GB in 177,000 writes, at
	 * the same peak RSS. A savepoint's sub-journal then holds in memory
	 * every page that existed before its mail and that the mail changed:
	 * a few hundred kB, more for a mail that releases many held requests
	 * at once, emptied at its RELEASE. Only for connections that take
	 * mail (DB_INUSE: the daemon, --stdin, ticketctl import, all with
	 * per-mail savepoints), and only after any migration: a statement
	 * that rewrites a whole table in one transaction (a migration, the
	 * other ticketctl commands) keeps its journal in a file, not in
	 * memory. A speed-up only: if SQLite refuses it, say so and go on.
	 */
	if ((flags & DB_INUSE) &&
	    exec(db->h, "PRAGMA temp_store = MEMORY") != SQLITE_OK)
		log_warnx("%s: PRAGMA temp_store = MEMORY: %s", path,
		    sqlite3_errmsg(db->h));
	return db;
fail:
	db_free(&db);
fail0:
	if (temp != NULL)
		*temp = t;
	return NULL;
}

void
db_free(struct db **dbp)
{
	struct db *db = *dbp;
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(db->st[i]);
	for (i = 0; i < DB_CACHE; i++)
		sqlite3_finalize(db->cache[i].st);
	if (db->h != NULL && sqlite3_close(db->h) != SQLITE_OK)
		log_warnx("%s: close: %s", db->path, sqlite3_errmsg(db->h));
	/* only now: closing a descriptor of the file would drop SQLite's
	 * POSIX locks on it while its connection is open */
	if (db->locked)
		close(db->lockfd);
	free(db->path);
	free(db);
	*dbp = NULL;
}

/* After a db_begin_unsynced transaction: FULL, as db_open set it. */
static void
synced_again(struct db *db)
{
	if (!db->unsynced)
		return;
	db->unsynced = 0;
	if (exec(db->h, "PRAGMA synchronous = FULL") != SQLITE_OK)
		fatalx("%s: cannot set synchronous = FULL again: %s", db->path,
		    sqlite3_errmsg(db->h));
}

static int
begin(struct db *db)
{
	int rc;

	db->lasterr[0] = '\0';
	if ((rc = exec(db->h, "BEGIN IMMEDIATE")) != SQLITE_OK) {
		db_failed(db);
		return db_rc(rc);
	}
	db->txn = 1;
	return DB_OK;
}

int
db_begin(struct db *db)
{
	/* never an ordinary transaction at NORMAL, whatever ended the last */
	if (sqlite3_get_autocommit(db->h))
		synced_again(db);
	return begin(db);
}

int
db_commit(struct db *db)
{
	int rc;

	if (db_txn_lost(db)) {
		db->txn = 0;
		synced_again(db);	/* SQLite ended it: no transaction */
		return DB_TEMP;
	}
	db->txn = 0;
	rc = exec(db->h, "COMMIT");
	if (rc != SQLITE_OK) {
		db_failed(db);
		/*
		 * A COMMIT that failed on a full disk may have rolled back by
		 * itself; a ROLLBACK then would only replace the reason.
		 */
		if (!sqlite3_get_autocommit(db->h))
			exec(db->h, "ROLLBACK");
	}
	if (sqlite3_get_autocommit(db->h))
		synced_again(db);
	return db_rc(rc);
}

/*
 * SQLite takes a new safety level only between transactions: NORMAL
 * before this one begins (its commit writes the WAL, not synced; the next
 * FULL commit syncs it), FULL again once it has ended.
 */
int
db_begin_unsynced(struct db *db)
{
	int rc;

	if (exec(db->h, "PRAGMA synchronous = NORMAL") != SQLITE_OK)
		return begin(db);	/* synced, then: no harm */
	db->unsynced = 1;
	if ((rc = begin(db)) != DB_OK)
		synced_again(db);
	return rc;
}

void
db_rollback(struct db *db)
{
	db->txn = 0;
	if (sqlite3_errcode(db->h) != SQLITE_OK)
		db_failed(db);		/* keep the reason for the caller */
	if (!sqlite3_get_autocommit(db->h))
		exec(db->h, "ROLLBACK");
	if (sqlite3_get_autocommit(db->h))
		synced_again(db);
}

int
db_savepoint(struct db *db)
{
	if (db_txn_lost(db))
		return DB_TEMP;
	return db_rc(exec(db->h, "SAVEPOINT mail"));
}

int
db_release(struct db *db)
{
	int rc;

	if (db_txn_lost(db))
		return DB_TEMP;
	if ((rc = exec(db->h, "RELEASE mail")) != SQLITE_OK)
		db_failed(db);
	return db_rc(rc);
}

void
db_rollback_savepoint(struct db *db)
{
	if (db_txn_lost(db))
		return;			/* nothing left to roll back */
	if (sqlite3_errcode(db->h) != SQLITE_OK)
		db_failed(db);
	exec(db->h, "ROLLBACK TO mail; RELEASE mail");
}
