/*
 * test_db.c — the database in a mkdtemp(3) directory: create and open
 * (what is refused and why), read-only connections, exactly-once intake by
 * Message-ID, ticket numbers, savepoints, and the outbox's life cycle
 * (due, claim, sent, retry, failed, next, per-ticket filter). Setup the
 * module has no call for (user_version, deleting a row) uses sqlite3
 * directly.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "mail.h"
#include "mime.h"
#include "notice.h"
#include "t.h"
#include "xmalloc.h"
#include "zpack.h"

static char	 tmpdir[] = "/tmp/test_db.XXXXXX";
static int	 nfile;

/* A new path in tmpdir; caller frees. */
static char *
newpath(void)
{
	return xasprintf("%s/db%d.sqlite", tmpdir, ++nfile);
}

/* Run SQL on the file with a connection of our own; SQLite's rc. */
static int
sql(const char *path, const char *q)
{
	sqlite3 *h = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, q, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/* One integer from a query on our own connection; -1 on error. */
static long long
sql_int(const char *path, const char *q)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* A fresh database, opened read-write. */
static struct db *
fresh(char **pathp)
{
	char *err = NULL, *path = newpath();
	struct db *db;

	if (db_create(path, &err) != 0) {
		fprintf(stderr, "# db_create: %s\n", err);
		exit(2);
	}
	db = db_open(path, 0, &err, NULL);
	if (db == NULL) {
		fprintf(stderr, "# db_open: %s\n", err);
		exit(2);
	}
	*pathp = path;
	return db;
}

static long long
person(struct db *db, const char *email)
{
	long long id = 0;

	T_INTEQ(db_person_get(db, email, NULL, 1000, &id), DB_OK);
	return id;
}

static long long
ticket(struct db *db, long long requester, const char *subject)
{
	struct db_ticket t = { subject, "body", requester, "low", 1000, NULL, NULL };
	long long n = 0;

	T_INTEQ(db_ticket_add(db, &t, &n), DB_OK);
	return n;
}

static void
test_create(void)
{
	char *path = newpath(), *err = NULL;
	int fd;

	T_INTEQ(db_create(path, &err), 0);
	T_CHECK(err == NULL);
	T_INTEQ(sql_int(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM pragma_journal_mode "
	    "WHERE journal_mode = 'wal'"), 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('tickets', 'mails', 'outbox', 'people')"), 4);

	/* an existing database is never touched */
	T_INTEQ(db_create(path, &err), -1);
	T_CHECK(err != NULL && strstr(err, path) != NULL);
	free(err);
	err = NULL;
	T_INTEQ(sql_int(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	free(path);

	/* nor an existing empty file, which is left as it was */
	path = newpath();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	T_CHECK(fd != -1);
	close(fd);
	T_INTEQ(db_create(path, &err), -1);
	T_CHECK(err != NULL);
	free(err);
	err = NULL;
	{
		struct stat sb;

		T_INTEQ(stat(path, &sb), 0);
		T_INTEQ(sb.st_size, 0);
	}
	free(path);

	/* a directory that does not exist */
	path = xasprintf("%s/no/such/dir/db.sqlite", tmpdir);
	T_INTEQ(db_create(path, &err), -1);
	T_CHECK(err != NULL);
	free(err);
	free(path);
}

static void
test_open(void)
{
	const char *junk = "this is not a database, just some text that is "
	    "long enough to fill the first page header of one, and more.\n";
	char *path = newpath(), *err = NULL;
	struct db *db;
	int temp = -1, fd;

	/* missing: says what to do */
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db == NULL);
	T_CHECK(err != NULL && strstr(err, "ticketctl") != NULL);
	T_INTEQ(temp, 0);
	free(err);
	err = NULL;
	T_CHECK(access(path, F_OK) == -1);	/* and did not create it */

	/* an SQLite file that is not ours (user_version 0) */
	T_INTEQ(sql(path, "SELECT 1"), SQLITE_CANTOPEN);
	{
		sqlite3 *h;

		T_INTEQ(sqlite3_open(path, &h), SQLITE_OK);
		T_INTEQ(sqlite3_exec(h, "CREATE TABLE x (y)", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(h);
	}
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db == NULL);
	T_CHECK(err != NULL && strstr(err, "not a ticketd database") != NULL);
	free(err);
	err = NULL;
	free(path);

	/* an empty file is not a ticketd database either */
	path = newpath();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	close(fd);
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db == NULL);
	T_CHECK(err != NULL);
	free(err);
	err = NULL;
	free(path);

	/* a file that is not SQLite at all */
	path = newpath();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	T_INTEQ(write(fd, junk, strlen(junk)), (ssize_t)strlen(junk));
	close(fd);
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db == NULL);
	T_CHECK(err != NULL);
	free(err);
	err = NULL;
	free(path);

	/* a newer schema than this binary knows */
	path = newpath();
	T_INTEQ(db_create(path, &err), 0);
	T_INTEQ(sql(path, "PRAGMA user_version = 999"), SQLITE_OK);
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db == NULL);
	T_CHECK(err != NULL && strstr(err, "999") != NULL);
	T_INTEQ(temp, 0);
	free(err);
	err = NULL;
	db = db_open(path, DB_RDONLY, &err, &temp);
	T_CHECK(db == NULL);
	free(err);
	err = NULL;
	/* the current one opens, read-write and read-only */
	{
		char *q = xasprintf("PRAGMA user_version = %d", DB_SCHEMA_VERSION);

		T_INTEQ(sql(path, q), SQLITE_OK);
		free(q);
	}
	db = db_open(path, 0, &err, &temp);
	T_CHECK(db != NULL);
	T_CHECK(err == NULL);
	db_free(&db);
	T_CHECK(db == NULL);
	db_free(&db);			/* NULL-safe */
	db = db_open(path, DB_RDONLY, &err, &temp);
	T_CHECK(db != NULL);
	db_free(&db);
	free(path);
}

static void
test_readonly(void)
{
	char *path, *err = NULL;
	struct db *rw, *ro;
	long long id = 0;
	struct db_mail m;

	rw = fresh(&path);
	person(rw, "alice@corp.example");
	ro = db_open(path, DB_RDONLY, &err, NULL);
	T_CHECK(ro != NULL);
	if (ro == NULL)
		goto out;
	/* reading works */
	T_INTEQ(db_person_get(ro, "alice@corp.example", NULL, 1, &id), DB_OK);
	T_CHECK(id > 0);
	T_INTEQ(db_mail_known(ro, "nope@x"), 0);
	/* writing does not */
	T_CHECK(db_person_get(ro, "bob@corp.example", NULL, 1, &id) < 0);
	memset(&m, 0, sizeof(m));
	m.message_id = "ro@x";
	m.source = "stdin";
	m.raw = "x";
	m.len = 1;
	m.disposition = "failed";
	T_CHECK(db_mail_add(ro, &m, NULL) < 0);
	T_CHECK(db_begin(ro) < 0 || db_mail_add(ro, &m, NULL) < 0);
	db_rollback(ro);
	T_CHECK(db_outbox_add(ro, 0, "ack", "o@x", "a@x", "b@x", "m", 1, 1) < 0);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people"), 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM mails"), 0);
	db_free(&ro);
out:
	db_free(&rw);
	free(path);
}

static void
test_exactly_once(void)
{
	char *path;
	struct db *db;
	struct db_mail m;

	db = fresh(&path);
	memset(&m, 0, sizeof(m));
	m.message_id = "once@x.example";
	m.received_at = 1000;
	m.source = "imap";
	m.uidvalidity = 7;
	m.uid = 1;
	m.from_addr = "a@x.example";
	m.subject = "s";
	m.raw = "raw\0bytes";
	m.len = 9;
	m.disposition = "ticket";

	T_INTEQ(db_mail_known(db, "once@x.example"), 0);
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	T_INTEQ(db_mail_known(db, "once@x.example"), 1);
	/* the same Message-ID again: refused, permanently */
	m.uid = 2;
	T_INTEQ(db_mail_add(db, &m, NULL), DB_PERM);
	T_CHECK(db_errmsg(db) != NULL);
	T_INTEQ(db_mail_known(db, "once@x.example"), 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM mails"), 1);
	/* the raw bytes are kept whole, NUL included */
	T_INTEQ(sql_int(path, "SELECT length(raw) FROM mails"), 9);
	T_INTEQ(sql_int(path, "SELECT size FROM mails"), 9);

	/* a failed one says 2 */
	m.message_id = "sha256:00ff";
	m.disposition = "failed";
	m.note = "nothing readable";
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	T_INTEQ(db_mail_known(db, "sha256:00ff"), 2);
	T_INTEQ(db_mail_add(db, &m, NULL), DB_PERM);
	T_INTEQ(db_mail_known(db, "sha256:00ff"), 2);
	/* ids differ by case: not the same mail */
	T_INTEQ(db_mail_known(db, "ONCE@x.example"), 0);

	/* a bad disposition or source is a constraint error */
	m.message_id = "bad@x";
	m.disposition = "bogus";
	T_INTEQ(db_mail_add(db, &m, NULL), DB_PERM);
	T_INTEQ(db_mail_known(db, "bad@x"), 0);
	db_free(&db);
	free(path);
}

static void
test_people(void)
{
	char *path;
	struct db *db;
	long long a = 0, b = 0, c = 0;

	db = fresh(&path);
	T_INTEQ(db_person_get(db, "alice@corp.example", NULL, 1, &a), DB_OK);
	T_INTEQ(db_person_get(db, "Alice@Corp.Example", "Alice", 2, &b), DB_OK);
	T_INTEQ(a, b);	/* COLLATE NOCASE */
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people WHERE name = 'Alice'"),
	    1);
	/* an existing name is kept */
	T_INTEQ(db_person_get(db, "alice@corp.example", "Other", 3, &c), DB_OK);
	T_INTEQ(c, a);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people WHERE name = 'Alice'"),
	    1);
	T_INTEQ(db_person_get(db, "bob@corp.example", "", 4, &b), DB_OK);
	T_CHECK(b != a);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people WHERE name IS NULL"),
	    1);
	db_free(&db);
	free(path);
}

static void
test_ticket_numbers(void)
{
	char *path;
	struct db *db;
	long long req, n;

	db = fresh(&path);
	req = person(db, "alice@corp.example");
	T_INTEQ(ticket(db, req, "one"), 1);
	T_INTEQ(ticket(db, req, "two"), 2);
	T_INTEQ(ticket(db, req, "three"), 3);

	/*
	 * A rolled-back ticket left no trace (sqlite_sequence rolls back too),
	 * so its number, never committed nor mailed, is handed out again.
	 */
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(ticket(db, req, "rolled back"), 4);
	db_rollback(db);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM tickets"), 3);
	n = ticket(db, req, "four");
	T_INTEQ(n, 4);

	/* a committed number is never reused, even when its row is gone */
	T_INTEQ(sql(path, "DELETE FROM tickets WHERE number = (SELECT "
	    "max(number) FROM tickets)"), SQLITE_OK);
	T_INTEQ(ticket(db, req, "after delete"), n + 1);

	/* a constraint error: no number handed out */
	{
		struct db_ticket t = { "s", "b", req, "urgent", 1, NULL, NULL };
		long long x = -7;

		T_INTEQ(db_ticket_add(db, &t, &x), DB_PERM);
		T_INTEQ(x, -7);
		t.priority = "high";
		t.requester_id = 999999;	/* no such person */
		T_INTEQ(db_ticket_add(db, &t, &x), DB_PERM);
	}
	db_free(&db);
	free(path);
}

static void
test_savepoint(void)
{
	char *path;
	struct db *db;
	long long req, n;
	struct db_mail m;

	db = fresh(&path);
	req = person(db, "alice@corp.example");
	memset(&m, 0, sizeof(m));
	m.source = "imap";
	m.raw = "r";
	m.len = 1;
	m.disposition = "ticket";

	T_INTEQ(db_begin(db), DB_OK);
	/* mail 1 goes through */
	T_INTEQ(db_savepoint(db), DB_OK);
	n = ticket(db, req, "kept");
	m.message_id = "kept@x";
	m.ticket_number = n;
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	T_INTEQ(db_release(db), DB_OK);
	/* mail 2 fails half-way and is undone */
	T_INTEQ(db_savepoint(db), DB_OK);
	n = ticket(db, req, "undone");
	m.message_id = "undone@x";
	m.ticket_number = n;
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	db_rollback_savepoint(db);
	/* mail 3 goes through after it */
	T_INTEQ(db_savepoint(db), DB_OK);
	m.message_id = "third@x";
	m.ticket_number = ticket(db, req, "third");
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	T_INTEQ(db_release(db), DB_OK);
	T_INTEQ(db_commit(db), DB_OK);

	T_INTEQ(sql_int(path, "SELECT count(*) FROM tickets"), 2);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM tickets WHERE subject = "
	    "'undone'"), 0);
	T_INTEQ(db_mail_known(db, "kept@x"), 1);
	T_INTEQ(db_mail_known(db, "undone@x"), 0);
	T_INTEQ(db_mail_known(db, "third@x"), 1);

	/* a whole transaction rolled back leaves nothing */
	T_INTEQ(db_begin(db), DB_OK);
	m.message_id = "gone@x";
	m.ticket_number = 0;
	T_INTEQ(db_mail_add(db, &m, NULL), DB_OK);
	db_rollback(db);
	T_INTEQ(db_mail_known(db, "gone@x"), 0);
	db_rollback(db);		/* outside a transaction: harmless */
	/* commit outside a transaction fails, and does no harm */
	T_CHECK(db_commit(db) != DB_OK);
	db_free(&db);
	free(path);
}

static int
add(struct db *db, long long t, const char *id, time_t now)
{
	return db_outbox_add(db, t, "ack", id, "it@corp.example",
	    "alice@corp.example", "Subject: x\r\n\r\nbody\0tail\r\n", 24, now);
}

/* A notice to its own recipient: "ID" goes to "ID.rcpt". */
static int
add_own(struct db *db, long long t, const char *id, time_t now)
{
	char rcpt[64];

	snprintf(rcpt, sizeof(rcpt), "%s.rcpt", id);
	return db_outbox_add(db, t, "ack", id, "it@corp.example", rcpt,
	    "x", 1, now);
}

static void
test_outbox(void)
{
	char *path;
	struct db *db;
	struct db_outbox *rows;
	size_t n;
	time_t when;
	long long req, t1, t2;

	db = fresh(&path);
	req = person(db, "alice@corp.example");
	t1 = ticket(db, req, "one");
	t2 = ticket(db, req, "two");

	T_INTEQ(db_outbox_next(db, &when), 0);
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);

	T_INTEQ(add(db, t1, "n1@desk", 1000), DB_OK);
	/* the same notice id twice is refused */
	T_INTEQ(add(db, t1, "n1@desk", 1000), DB_PERM);

	/* not due before its time, due at it */
	T_INTEQ(db_outbox_due(db, 999, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1) {
		T_INTEQ(rows[0].ticket_number, t1);
		T_STREQ(rows[0].kind, "ack");
		T_STREQ(rows[0].message_id, "n1@desk");
		T_STREQ(rows[0].mail_from, "it@corp.example");
		T_STREQ(rows[0].rcpt_to, "alice@corp.example");
		T_INTEQ(rows[0].len, 24);
		T_CHECK(memcmp(rows[0].message,
		    "Subject: x\r\n\r\nbody\0tail\r\n", 24) == 0);
		T_INTEQ(rows[0].attempts, 0);
		/* claim it: ours once, then held */
		T_INTEQ(db_outbox_claim(db, rows[0].id, 1000, 600, NULL), 1);
		T_INTEQ(db_outbox_claim(db, rows[0].id, 1000, 600, NULL), 0);
		T_INTEQ(db_outbox_claim(db, rows[0].id, 1599, 600, NULL), 0);
	}
	db_outbox_rows_free(rows, n);
	/* held: not due for another sender, not even with all */
	T_INTEQ(db_outbox_due(db, 1001, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 1001, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	/* the lease shows in next */
	T_INTEQ(db_outbox_next(db, &when), 1);
	T_INTEQ(when, 1600);
	/* sent: never due again */
	T_INTEQ(db_outbox_due(db, 5000, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1) {
		T_INTEQ(db_outbox_sent(db, rows[0].id, 1001), DB_OK);
		T_INTEQ(db_outbox_claim(db, rows[0].id, 9000, 600, NULL), 0);
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 99999, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_next(db, &when), 0);
	T_INTEQ(sql_int(path, "SELECT attempts FROM outbox"), 1);
	T_INTEQ(sql_int(path, "SELECT sent_at FROM outbox"), 1001);

	/* retry: not due before next_attempt_at, due with all */
	T_INTEQ(add(db, t2, "n2@desk", 2000), DB_OK);
	T_INTEQ(db_outbox_due(db, 2000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1) {
		T_INTEQ(db_outbox_claim(db, rows[0].id, 2000, 600, NULL), 1);
		T_INTEQ(db_outbox_retry(db, rows[0].id, 2060, "421 busy"),
		    DB_OK);
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_next(db, &when), 1);
	T_INTEQ(when, 2060);
	T_INTEQ(db_outbox_due(db, 2059, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 2001, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_INTEQ(rows[0].attempts, 1);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 2060, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	/* failed: never comes back, with or without all */
	if (n == 1)
		T_INTEQ(db_outbox_failed(db, rows[0].id, "550 no such user"),
		    DB_OK);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 999999, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 999999, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_next(db, &when), 0);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE status = "
	    "'failed' AND attempts = 2 AND last_error = '550 no such user'"), 1);
	db_free(&db);
	free(path);
}

static void
test_outbox_order_filter(void)
{
	char *path, id[32];
	struct db *db;
	struct db_outbox *rows;
	size_t n, i;
	time_t when;
	long long req, t1, t2;

	db = fresh(&path);
	req = person(db, "alice@corp.example");
	t1 = ticket(db, req, "one");
	t2 = ticket(db, req, "two");
	/* 3 for t1, 2 for t2, 1 without a ticket; the times out of order */
	T_INTEQ(add_own(db, t1, "a@d", 300), DB_OK);
	T_INTEQ(add_own(db, t2, "b@d", 100), DB_OK);
	T_INTEQ(add_own(db, t1, "c@d", 200), DB_OK);
	T_INTEQ(add_own(db, 0, "d@d", 150), DB_OK);
	T_INTEQ(add_own(db, t2, "e@d", 400), DB_OK);
	T_INTEQ(add_own(db, t1, "f@d", 250), DB_OK);

	T_INTEQ(db_outbox_next(db, &when), 1);
	T_INTEQ(when, 100);
	/* oldest first */
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 6);
	if (n == 6) {
		T_STREQ(rows[0].message_id, "b@d");
		T_STREQ(rows[1].message_id, "d@d");
		T_STREQ(rows[2].message_id, "c@d");
		T_STREQ(rows[5].message_id, "e@d");
		T_INTEQ(rows[1].ticket_number, 0);
	}
	db_outbox_rows_free(rows, n);
	/* max */
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 2, &rows, &n), DB_OK);
	T_INTEQ(n, 2);
	db_outbox_rows_free(rows, n);
	/* one ticket's only */
	T_INTEQ(db_outbox_due(db, 1000, 0, t1, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 3);
	for (i = 0; i < n; i++)
		T_INTEQ(rows[i].ticket_number, t1);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 220, 0, t1, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "c@d");
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 0, 1, t2, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 2);
	for (i = 0; i < n; i++)
		T_INTEQ(rows[i].ticket_number, t2);
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 1000, 1, 12345, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);

	/* many rows, batches */
	for (i = 0; i < 250; i++) {
		snprintf(id, sizeof(id), "bulk%zu@d", i);
		T_INTEQ(add_own(db, 0, id, 500), DB_OK);
	}
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 100, &rows, &n), DB_OK);
	T_INTEQ(n, 100);
	db_outbox_rows_free(rows, n);
	db_free(&db);
	free(path);
}

/*
 * A person gets their notices in the order they were written: only the
 * oldest pending one of each recipient is due, also with all, also when
 * it waits for a retry, and the next time to look says so.
 */
static void
test_outbox_per_recipient(void)
{
	char *path;
	struct db *db;
	struct db_outbox *rows;
	size_t n;
	time_t when;
	long long req, t1, first = 0;

	db = fresh(&path);
	req = person(db, "alice@corp.example");
	t1 = ticket(db, req, "one");
	T_INTEQ(add(db, t1, "a1@d", 100), DB_OK);
	T_INTEQ(add(db, t1, "a2@d", 100), DB_OK);
	T_INTEQ(add(db, 0, "a3@d", 50), DB_OK);	/* written last, due first */
	T_INTEQ(add_own(db, t1, "b1@d", 100), DB_OK);
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 2);
	if (n == 2) {
		T_STREQ(rows[0].message_id, "a1@d");
		T_STREQ(rows[1].message_id, "b1@d");
		first = rows[0].id;
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_due(db, 1000, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 2);
	db_outbox_rows_free(rows, n);
	/* one ticket's notices wait for an older one of another ticket */
	T_INTEQ(db_outbox_due(db, 1000, 1, -1, 10, &rows,
	    &n), DB_OK);
	T_INTEQ(n, 0);
	db_outbox_rows_free(rows, n);
	/* the first fails for now: the two after it wait for its retry */
	T_INTEQ(db_outbox_claim(db, first, 1000, 600, NULL), 1);
	T_INTEQ(db_outbox_retry(db, first, 1500, "421 later"), DB_OK);
	T_INTEQ(db_outbox_due(db, 1000, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "b1@d");
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_sent(db, first + 3, 1000), DB_OK);	/* b1 */
	T_INTEQ(db_outbox_next(db, &when), 1);
	T_INTEQ(when, 1500);		/* not 50 or 100: those wait */
	T_INTEQ(db_outbox_due(db, 1500, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "a1@d");
	db_outbox_rows_free(rows, n);
	/* sent: the next one in line */
	T_INTEQ(db_outbox_sent(db, first, 1500), DB_OK);
	T_INTEQ(db_outbox_due(db, 1500, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "a2@d");
	db_outbox_rows_free(rows, n);
	/* a failed one no longer holds the others back */
	T_INTEQ(db_outbox_failed(db, first + 1, "550 no"), DB_OK);
	T_INTEQ(db_outbox_due(db, 1500, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "a3@d");
	db_outbox_rows_free(rows, n);
	db_free(&db);
	free(path);
}

/*
 * The holder of a lease is recorded, listed while the lease runs, and
 * freed by name; a lease without a holder (an older ticketd) is never
 * listed and runs to its end.
 */
static void
test_outbox_holders(void)
{
	char *path, **h;
	struct db *db;
	struct db_outbox *rows;
	size_t n, nh, i;
	int k, pending, leased;

	db = fresh(&path);
	T_INTEQ(add_own(db, 0, "h1@d", 100), DB_OK);
	T_INTEQ(add_own(db, 0, "h2@d", 100), DB_OK);
	T_INTEQ(add_own(db, 0, "h3@d", 100), DB_OK);
	T_INTEQ(db_outbox_due(db, 100, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 3);
	if (n == 3) {
		T_INTEQ(db_outbox_claim(db, rows[0].id, 100, 600, "gone 1"), 1);
		T_INTEQ(db_outbox_claim(db, rows[1].id, 100, 600, "alive 2"),
		    1);
		T_INTEQ(db_outbox_claim(db, rows[2].id, 100, 600, NULL), 1);
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(db_outbox_holders(db, 100, &h, &nh), DB_OK);
	T_INTEQ(nh, 2);
	for (i = 0; i < nh; i++)
		free(h[i]);
	free(h);
	T_INTEQ(db_outbox_left(db, 100, &pending, &leased), DB_OK);
	T_INTEQ(pending, 3);
	T_INTEQ(leased, 3);
	T_INTEQ(db_outbox_release(db, "gone 1", &k), DB_OK);
	T_INTEQ(k, 1);
	T_INTEQ(db_outbox_release(db, "gone 1", &k), DB_OK);
	T_INTEQ(k, 0);
	T_INTEQ(db_outbox_due(db, 101, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_STREQ(rows[0].message_id, "h1@d");
	db_outbox_rows_free(rows, n);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "lease_holder IS NULL AND lease_until = 0"), 1);
	/* once a lease ran out, its holder is no longer listed */
	T_INTEQ(db_outbox_holders(db, 700, &h, &nh), DB_OK);
	T_INTEQ(nh, 0);
	free(h);
	T_INTEQ(db_outbox_left(db, 700, &pending, &leased), DB_OK);
	T_INTEQ(leased, 0);
	/* sent: the holder is cleared with the lease */
	T_INTEQ(db_outbox_due(db, 700, 0, 0, 10, &rows, &n), DB_OK);
	for (i = 0; i < n; i++) {
		T_INTEQ(db_outbox_claim(db, rows[i].id, 700, 600, "x 1"), 1);
		T_INTEQ(db_outbox_sent(db, rows[i].id, 700), DB_OK);
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "lease_holder IS NOT NULL"), 0);
	db_free(&db);
	free(path);
}

/*
 * A drain leases its batch in one transaction and gives back what it did
 * not send: another sender's lease is neither taken nor given back.
 */
static void
test_outbox_claim_many(void)
{
	char *path;
	struct db *db;
	struct db_outbox *rows;
	long long ids[3];
	size_t n, i;
	int got[3];

	db = fresh(&path);
	T_INTEQ(add_own(db, 0, "m1@d", 100), DB_OK);
	T_INTEQ(add_own(db, 0, "m2@d", 100), DB_OK);
	T_INTEQ(add_own(db, 0, "m3@d", 100), DB_OK);
	T_INTEQ(db_outbox_due(db, 100, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 3);
	for (i = 0; i < n && i < 3; i++)
		ids[i] = rows[i].id;
	db_outbox_rows_free(rows, n);
	if (n != 3)
		goto out;
	T_INTEQ(db_outbox_claim(db, ids[1], 100, 600, "other 1"), 1);
	T_INTEQ(db_outbox_claim_many(db, ids, 3, 100, 600, "me 2", got),
	    DB_OK);
	T_INTEQ(got[0], 1);
	T_INTEQ(got[1], 0);
	T_INTEQ(got[2], 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "lease_holder = 'me 2' AND lease_until = 700"), 2);
	/* the first is sent; the other two are given back */
	T_INTEQ(db_outbox_sent(db, ids[0], 100), DB_OK);
	T_INTEQ(db_outbox_unclaim(db, ids + 1, 2, "me 2"), DB_OK);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "lease_holder = 'other 1' AND lease_until = 700"), 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "status = 'pending' AND lease_holder IS NULL AND "
	    "lease_until = 0"), 1);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM outbox WHERE "
	    "status = 'sent'"), 1);
	T_INTEQ(db_outbox_unclaim(db, ids, 0, "me 2"), DB_OK);
out:
	db_free(&db);
	free(path);
}

/*
 * A transaction that SQLite rolled back by itself (as it may on a full
 * disk or an I/O error) is not continued outside: no statement runs in
 * autocommit mode until the caller rolls back, so no half mail is kept.
 */
static void
test_lost_transaction(void)
{
	char *path;
	struct db *db;
	long long id = 0;

	db = fresh(&path);
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(db_savepoint(db), DB_OK);
	T_INTEQ(db_person_get(db, "one@corp.example", NULL, 1, &id), DB_OK);
	/* what SQLite does after SQLITE_FULL in some statements */
	T_INTEQ(sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	T_CHECK(db_person_get(db, "two@corp.example", NULL, 1, &id) != DB_OK);
	T_INTEQ(db_savepoint(db), DB_TEMP);
	T_INTEQ(db_release(db), DB_TEMP);
	db_rollback_savepoint(db);
	T_INTEQ(db_commit(db), DB_TEMP);
	db_rollback(db);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people"), 0);
	/* and the next transaction works */
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(db_person_get(db, "three@corp.example", NULL, 1, &id), DB_OK);
	T_INTEQ(db_commit(db), DB_OK);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM people"), 1);
	db_free(&db);
	free(path);
}

/* Every column and index of the schema, as one string; caller frees. */
static char *
shape(const char *path)
{
	static const char q[] =
	    "SELECT group_concat(x, '|') FROM ("
	    " SELECT m.name || '.' || p.cid || '.' || p.name || '.' || p.type ||"
	    "  '.' || p.\"notnull\" || '.' || ifnull(p.dflt_value, '-') || '.' ||"
	    "  p.pk AS x FROM sqlite_master m, pragma_table_info(m.name) p"
	    "  WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
	    " UNION ALL"
	    " SELECT 'index ' || m.name || ' on ' || m.tbl_name || '(' ||"
	    "  (SELECT group_concat(name) FROM pragma_index_info(m.name)) || ')'"
	    "  || ifnull(substr(m.sql, instr(m.sql, 'WHERE')), '')"
	    "  FROM sqlite_master m WHERE m.type = 'index' AND m.sql IS NOT NULL"
	    " UNION ALL"
	    " SELECT 'trigger ' || m.name || ' on ' || m.tbl_name"
	    "  FROM sqlite_master m WHERE m.type = 'trigger'"
	    " ORDER BY 1)";
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *s = NULL;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return s != NULL ? s : xstrdup("");
}

/* The text of a file next to this source file (tests/unit/data/…). */
static char *
data_file(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	char *path, *buf;
	FILE *f;
	long n;

	path = xasprintf("%.*sdata/%s", slash != NULL ?
	    (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

/*
 * A database made by the first release (schema version 1, kept in
 * tests/unit/data/schema_v1.sql) is migrated in place: its rows stay, and
 * its shape ends up the same as a new database's from schema.sql.
 */
static void
test_migrate_v1(void)
{
	char *v1, *old = newpath(), *path = NULL, *err = NULL, *a, *b;
	struct db *db;

	v1 = data_file("schema_v1.sql");
	T_CHECK(v1 != NULL);
	if (v1 == NULL)
		return;
	{
		sqlite3 *h = NULL;

		T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
		T_INTEQ(sqlite3_exec(h, v1, NULL, NULL, NULL), SQLITE_OK);
		T_INTEQ(sqlite3_exec(h, "PRAGMA user_version = 1;"
		    "INSERT INTO people (email, name, created_at) VALUES "
		    " ('a@corp.example', 'A', 10);"
		    "INSERT INTO tickets (subject, body, requester_id, created_at,"
		    " updated_at) VALUES ('old one', 'text', 1, 10, 10);"
		    "INSERT INTO mails (message_id, received_at, source, size, raw,"
		    " disposition, ticket_number) VALUES ('m1@x', 10, 'imap', 3,"
		    " X'616263', 'ticket', 1);"
		    "INSERT INTO outbox (ticket_number, kind, message_id, mail_from,"
		    " rcpt_to, message, next_attempt_at, created_at) VALUES"
		    " (1, 'ack', 'n1@x', 'it@x', 'a@corp.example', X'00', 10, 10);",
		    NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	err = NULL;
	T_CHECK(db != NULL && db_ticket_exists(db, 1, NULL) == 1);
	T_CHECK(db != NULL && db_mail_known(db, "m1@x") == 1);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM participants WHERE "
	    "ticket_number = 1 AND person_id = 1 AND role = 'requester'"), 1);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM outbox"), 1);
	/* a copy of the database as it was, before the migration, mode 0600 */
	{
		glob_t g;
		struct stat sb;
		char *pat = xasprintf("%s.bak-v1-*Z", old);

		T_INTEQ(glob(pat, 0, NULL, &g), 0);
		T_INTEQ(g.gl_pathc, 1);
		if (g.gl_pathc == 1) {
			T_INTEQ(stat(g.gl_pathv[0], &sb), 0);
			T_INTEQ(sb.st_mode & 0777, 0600);
			T_INTEQ(sql_int(g.gl_pathv[0], "PRAGMA user_version"), 1);
			T_INTEQ(sql_int(g.gl_pathv[0], "SELECT count(*) FROM "
			    "tickets"), 1);
		}
		globfree(&g);
		free(pat);
	}
	/* a second open finds nothing left to do, and makes no copy */
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	db_free(&db);
	free(err);
	{
		glob_t g;
		char *pat = xasprintf("%s.bak-*", old);

		T_INTEQ(glob(pat, 0, NULL, &g), 0);
		T_INTEQ(g.gl_pathc, 1);
		globfree(&g);
		free(pat);
	}

	db = fresh(&path);
	db_free(&db);
	a = shape(old);
	b = shape(path);
	T_STREQ(a, b);
	free(a);
	free(b);
	free(v1);
	free(old);
	free(path);
}

/*
 * A version-2 database (tests/unit/data/schema_v2.sql, the schema as it
 * was) keeps its notices through the outbox rebuild of version 3, and the
 * new statuses and columns work on it.
 */
static void
test_migrate_v2(void)
{
	char *v2, *old = newpath(), *path = NULL, *err = NULL, *a, *b;
	struct db *db;
	sqlite3 *h = NULL;

	v2 = data_file("schema_v2.sql");
	T_CHECK(v2 != NULL);
	if (v2 == NULL)
		return;
	T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, v2, NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, "PRAGMA user_version = 2;"
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at) VALUES ('old one', 'text', 1, 10, 10);"
	    "INSERT INTO mails (message_id, received_at, source, size, raw,"
	    " disposition, ticket_number) VALUES ('m1@x', 10, 'imap', 3,"
	    " X'616263', 'ignored', NULL);"
	    "INSERT INTO access_requests (mail_id, person_id, created_at)"
	    " VALUES (1, 1, 10);"
	    "INSERT INTO outbox (ticket_number, kind, message_id, mail_from,"
	    " rcpt_to, message, status, attempts, next_attempt_at, last_error,"
	    " created_at, sent_at) VALUES"
	    " (1, 'ack', 'n1@x', 'it@x', 'a@corp.example', X'00', 'sent', 1,"
	    "  10, NULL, 10, 11),"
	    " (1, 'assigned', 'n2@x', 'it@x', 'b@corp.example', X'01',"
	    "  'failed', 3, 10, '550 no', 10, NULL);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM outbox WHERE id = 1 AND "
	    "status = 'sent' AND sent_at = 11 AND message_id = 'n1@x'"), 1);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM outbox WHERE id = 2 AND "
	    "status = 'failed' AND last_error = '550 no' AND attempts = 3"), 1);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM access_requests WHERE "
	    "kind = 'access'"), 1);
	T_INTEQ(sql_int(old, "SELECT no_reply FROM people WHERE id = 1"), 0);
	/* the new statuses are allowed, and a digest can own a held notice */
	h = NULL;
	T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, "PRAGMA foreign_keys = ON;"
	    "UPDATE outbox SET status = 'held' WHERE id = 2;"
	    "UPDATE outbox SET status = 'coalesced', digest_id = 1 WHERE id = 2;"
	    "UPDATE outbox SET status = 'suppressed' WHERE id = 1;",
	    NULL, NULL, NULL), SQLITE_OK);
	T_CHECK(sqlite3_exec(h, "UPDATE outbox SET status = 'lost'", NULL, NULL,
	    NULL) != SQLITE_OK);
	sqlite3_close(h);

	db = fresh(&path);
	db_free(&db);
	a = shape(old);
	b = shape(path);
	T_STREQ(a, b);
	free(a);
	free(b);
	free(v2);
	free(old);
	free(path);
}

/*
 * A database made from a fixture of an old schema (tests/unit/data/NAME),
 * at user_version version, with rows (SQL) added: its path (new string),
 * or NULL when the fixture cannot be read.
 */
static char *
old_database(const char *fixture, int version, const char *rows)
{
	char *sql, *old, pragma[64];
	sqlite3 *h = NULL;

	sql = data_file(fixture);
	T_CHECK(sql != NULL);
	if (sql == NULL)
		return NULL;
	old = newpath();
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", version);
	T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, pragma, NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	free(sql);
	return old;
}

/* A migrated database has the very shape of a new one. */
static void
same_shape_as_new(const char *old)
{
	char *path = NULL, *a, *b;
	struct db *db;

	db = fresh(&path);
	db_free(&db);
	a = shape(old);
	b = shape(path);
	T_STREQ(a, b);
	free(a);
	free(b);
	free(path);
}

/*
 * A version-5 database (tests/unit/data/schema_v5.sql, the schema as it
 * was) with a notice leased by a ticketd of then: migrated, the lease has
 * no holder (it runs to its end, as it would have), and the holder column
 * and the recipients' index work.
 */
static void
test_migrate_v5(void)
{
	char *old, *err = NULL, **h;
	struct db *db;
	struct db_outbox *rows;
	size_t n, nh;

	old = old_database("schema_v5.sql", 5,
	    "INSERT INTO outbox (kind, message_id, mail_from, rcpt_to, message,"
	    " next_attempt_at, created_at, lease_until) VALUES"
	    " ('ack', 'n1@x', 'it@x', 'a@corp.example', X'00', 10, 10, 610),"
	    " ('ack', 'n2@x', 'it@x', 'a@corp.example', X'00', 10, 10, 0);");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	if (db != NULL) {
		T_INTEQ(db_outbox_holders(db, 20, &h, &nh), DB_OK);
		T_INTEQ(nh, 0);
		free(h);
		/* n2 waits behind the leased n1, to the same address */
		T_INTEQ(db_outbox_due(db, 20, 1, 0, 10, &rows, &n), DB_OK);
		T_INTEQ(n, 0);
		db_outbox_rows_free(rows, n);
		T_INTEQ(db_outbox_due(db, 610, 0, 0, 10, &rows, &n), DB_OK);
		T_INTEQ(n, 1);
		if (n == 1)
			T_INTEQ(db_outbox_claim(db, rows[0].id, 610, 600,
			    "h 1"), 1);
		db_outbox_rows_free(rows, n);
	}
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM outbox WHERE "
	    "message_id = 'n1@x' AND lease_holder = 'h 1'"), 1);

	same_shape_as_new(old);
	free(old);
}

/*
 * A version-6 database (tests/unit/data/schema_v6.sql, the schema before
 * the knowledge base) gains the articles, their search and the classifier
 * tables; its tickets stay, and an article added after is found by FTS5.
 */
static void
test_migrate_v6(void)
{
	char *old, *err = NULL;
	struct db *db;
	sqlite3 *h = NULL;

	old = old_database("schema_v6.sql", 6,
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at, status, category) VALUES ('printer jam', 'paper', 1,"
	    " 10, 10, 'resolved', 'hardware');");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM tickets WHERE "
	    "category_guessed = 0 AND self_help = 0"), 1);
	h = NULL;
	T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, "PRAGMA foreign_keys = ON;"
	    "INSERT INTO articles (ticket_number, title, problem, answer, body,"
	    " created_at, updated_at) VALUES (1, 'Printer jams', 'p', 'a',"
	    " 'Open tray two and pull the paper out.', 20, 20);",
	    NULL, NULL, NULL), SQLITE_OK);
	/* one article per ticket, and only the two statuses */
	T_CHECK(sqlite3_exec(h, "INSERT INTO articles (ticket_number, title,"
	    " problem, answer, body, created_at, updated_at) VALUES (1, 't',"
	    " 'p', 'a', 'b', 1, 1)", NULL, NULL, NULL) != SQLITE_OK);
	T_CHECK(sqlite3_exec(h, "UPDATE articles SET status = 'draft'", NULL,
	    NULL, NULL) != SQLITE_OK);
	sqlite3_close(h);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM articles_fts WHERE "
	    "articles_fts MATCH 'tray'"), 1);

	same_shape_as_new(old);
	free(old);
}

/* 7 → 8 (issue 15): the asset tables, added to a desk with tickets */
static void
test_migrate_v7(void)
{
	char *old, *err = NULL;
	struct db *db;
	sqlite3 *h = NULL;

	old = old_database("schema_v7.sql", 7,
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at) VALUES ('battery', 'drains', 1, 10, 10);");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM tickets"), 1);
	h = NULL;
	T_INTEQ(sqlite3_open_v2(old, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, "PRAGMA foreign_keys = ON;"
	    "INSERT INTO assets (tag, type, owner_id, status, created_at,"
	    " updated_at) VALUES ('LAP-1', 'laptop', 1, 'in-use', 20, 20);"
	    "INSERT INTO asset_events (asset_id, at, actor, kind) VALUES"
	    " (1, 20, 'ticketctl (root)', 'added');"
	    "INSERT INTO ticket_assets (ticket_number, asset_id, how, linked_at)"
	    " VALUES (1, 1, 'auto', 20);", NULL, NULL, NULL), SQLITE_OK);
	/* tags are unique in any case, statuses and links checked, one
	 * device per ticket */
	T_CHECK(sqlite3_exec(h, "INSERT INTO assets (tag, type, created_at,"
	    " updated_at) VALUES ('lap-1', 'laptop', 1, 1)", NULL, NULL,
	    NULL) != SQLITE_OK);
	T_CHECK(sqlite3_exec(h, "UPDATE assets SET status = 'lost'", NULL,
	    NULL, NULL) != SQLITE_OK);
	T_CHECK(sqlite3_exec(h, "INSERT INTO ticket_assets VALUES (1, 1,"
	    " 'admin', 30)", NULL, NULL, NULL) != SQLITE_OK);
	T_CHECK(sqlite3_exec(h, "UPDATE ticket_assets SET how = 'guess'",
	    NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(h);

	same_shape_as_new(old);
	free(old);
}

/* 8 → 9 (issue 13): the SLA sweep's index, added to a desk with tickets */
static void
test_migrate_v8(void)
{
	char *old, *err = NULL;
	struct db *db;

	old = old_database("schema_v8.sql", 8,
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at, due_at, warn_at) VALUES ('battery', 'drains', 1, 10,"
	    " 10, 500, 400);");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'tickets_warn'"), 1);
	same_shape_as_new(old);
	free(old);
}

/* 9 → 10: the notices' thread index, on a database with notices in it. */
static void
test_migrate_v9(void)
{
	char *old, *err = NULL;
	struct db *db;

	old = old_database("schema_v9.sql", 9,
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at) VALUES ('battery', 'drains', 1, 10, 10);"
	    "INSERT INTO outbox (ticket_number, kind, message_id, mail_from,"
	    " rcpt_to, message, next_attempt_at, created_at, status) VALUES"
	    " (1, 'ack', '<n1@desk>', 'it@corp.example', 'a@corp.example',"
	    " 'x', 10, 10, 'sent');");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'outbox_ticket'"), 1);
	T_INTEQ(sql_int(old, "SELECT count(*) FROM outbox INDEXED BY "
	    "outbox_ticket WHERE ticket_number = 1 AND rcpt_to = "
	    "'a@corp.example'"), 1);
	same_shape_as_new(old);
	free(old);
}

/* PRAGMA synchronous on the connection itself: 2 is FULL, 1 NORMAL. */
static int
synchronous(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA synchronous", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A transaction begun with db_begin_unsynced commits at NORMAL, and every
 * transaction after it, committed or rolled back, is FULL again: a lease
 * never leaves the mails that follow it unsynced.
 */
static void
test_unsynced_then_full(void)
{
	char *path = NULL;
	struct db *db;

	db = fresh(&path);
	T_INTEQ(synchronous(db), 2);
	T_INTEQ(db_begin_unsynced(db), DB_OK);
	T_INTEQ(synchronous(db), 1);
	T_INTEQ(sqlite3_exec(db->h, "INSERT INTO desk_state (name, value) "
	    "VALUES ('x', '1')", NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(db_commit(db), DB_OK);
	T_INTEQ(synchronous(db), 2);
	T_INTEQ(db_begin_unsynced(db), DB_OK);
	db_rollback(db);
	T_INTEQ(synchronous(db), 2);
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(synchronous(db), 2);
	T_INTEQ(db_commit(db), DB_OK);
	/* SQLite ended it by itself (an I/O error, a full disk): FULL too */
	T_INTEQ(db_begin_unsynced(db), DB_OK);
	T_INTEQ(sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(db_commit(db), DB_TEMP);
	T_INTEQ(synchronous(db), 2);
	/* and a begin never starts at NORMAL, whatever came before */
	db->unsynced = 1;
	T_INTEQ(sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL), SQLITE_OK);
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(synchronous(db), 2);
	T_INTEQ(db_commit(db), DB_OK);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM desk_state WHERE name = "
	    "'x'"), 1);
	db_free(&db);
	free(path);
}

/* One integer a statement gives on the connection itself, or -1. */
static int
pragma_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Mails of a batch are savepoints in one transaction, and each changes
 * pages the batch has changed already. On ticketd's connection (DB_INUSE)
 * their sub-journal stays in memory:
 * before the commit, 20 savepoints that each rewrite 1 MB of rows write
 * nothing to any file (on a temporary file it was over 20 MB).
 */
static void
test_savepoints_write_nothing(void)
{
	char *path = NULL, *err = NULL;
	struct db *db;
	long long before, after;
	int i;

	db = fresh(&path);
	T_INTEQ(pragma_int(db, "PRAGMA temp_store"), 0);	/* ticketctl's */
	db_free(&db);
	db = db_open(path, DB_INUSE, &err, NULL);
	T_CHECK(db != NULL);
	if (db == NULL) {
		free(err);
		free(path);
		return;
	}
	T_INTEQ(pragma_int(db, "PRAGMA temp_store"), 2);	/* MEMORY */
	T_INTEQ(sqlite3_exec(db->h, "CREATE TABLE pad (id INTEGER PRIMARY "
	    "KEY, v BLOB); INSERT INTO pad (v) SELECT zeroblob(1000) FROM "
	    "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 1000) SELECT i FROM n)", NULL, NULL, NULL), SQLITE_OK);
	T_INTEQ(db_begin(db), DB_OK);
	T_INTEQ(sqlite3_exec(db->h, "UPDATE pad SET v = randomblob(1000)",
	    NULL, NULL, NULL), SQLITE_OK);
	before = t_proc_io("wchar");
	for (i = 0; i < 20; i++) {
		T_INTEQ(db_savepoint(db), DB_OK);
		T_INTEQ(sqlite3_exec(db->h, "UPDATE pad SET v = "
		    "randomblob(1000)", NULL, NULL, NULL), SQLITE_OK);
		T_INTEQ(db_release(db), DB_OK);
	}
	after = t_proc_io("wchar");
	T_CHECK(before >= 0 && after - before < 64 * 1024);
	T_INTEQ(db_commit(db), DB_OK);
	db_free(&db);
	free(path);
}

/* People whose assigned_n is not the count of their assigned tickets. */
static const char assigned_wrong[] = "SELECT count(*) FROM people p "
    "WHERE assigned_n != (SELECT count(*) FROM tickets t "
    "WHERE t.assignee_id = p.id AND t.status = 'assigned')";

/*
 * A version-10 database (tests/unit/data/schema_v10.sql) with tickets
 * assigned, resolved and open: migrated, each person's assigned_n is the
 * count of their assigned tickets, and the triggers keep it so.
 */
static void
test_migrate_v10(void)
{
	char *old, *err = NULL;
	struct db *db;

	old = old_database("schema_v10.sql", 10,
	    "INSERT INTO people (email, role, created_at) VALUES "
	    " ('a@corp.example', 'admin', 10), ('b@corp.example', 'admin', 10),"
	    " ('u@corp.example', 'user', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, assignee_id,"
	    " status, created_at, updated_at) VALUES"
	    " ('1', 'x', 3, 1, 'assigned', 10, 10),"
	    " ('2', 'x', 3, 1, 'assigned', 10, 10),"
	    " ('3', 'x', 3, 1, 'assigned', 10, 10),"
	    " ('4', 'x', 3, 2, 'assigned', 10, 10),"
	    " ('5', 'x', 3, 1, 'resolved', 10, 10),"
	    " ('6', 'x', 3, NULL, 'open', 10, 10);");
	if (old == NULL)
		return;
	db = db_open(old, 0, &err, NULL);
	T_CHECK(db != NULL);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	db_free(&db);
	T_INTEQ(sql_int(old, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	T_INTEQ(sql_int(old, "SELECT assigned_n FROM people WHERE id = 1"), 3);
	T_INTEQ(sql_int(old, "SELECT assigned_n FROM people WHERE id = 2"), 1);
	T_INTEQ(sql_int(old, "SELECT assigned_n FROM people WHERE id = 3"), 0);
	T_INTEQ(sql(old, "UPDATE tickets SET status = 'resolved' "
	    "WHERE number = 1; UPDATE tickets SET assignee_id = 2, "
	    "status = 'assigned' WHERE number = 6"), SQLITE_OK);
	T_INTEQ(sql_int(old, "SELECT assigned_n FROM people WHERE id = 1"), 2);
	T_INTEQ(sql_int(old, "SELECT assigned_n FROM people WHERE id = 2"), 2);
	T_INTEQ(sql_int(old, assigned_wrong), 0);
	same_shape_as_new(old);
	free(old);
}

/*
 * people.assigned_n stays the count of each person's assigned tickets
 * through 3,000 random inserts, assignments, reassignments, status
 * changes (to and from 'assigned', and to the same status), deletes, and
 * updates that set the same values again; and db_admins reads it.
 */
static void
test_assigned_n(void)
{
	static const char *const status[] = { "open", "assigned", "resolved",
	    "rejected" };
	char *path = NULL, *q, *err = NULL;
	struct db *db;
	struct db_admin *rows;
	size_t n, i;
	unsigned seed = 11;
	long long a[4];
	int k, bad = 0;

	db = fresh(&path);
	a[0] = person(db, "a1@corp.example");
	a[1] = person(db, "a2@corp.example");
	a[2] = person(db, "a3@corp.example");
	a[3] = person(db, "u@corp.example");
	db_free(&db);
	T_INTEQ(sql(path, "UPDATE people SET role = 'admin' WHERE email "
	    "LIKE 'a%'"), SQLITE_OK);
	for (k = 0; k < 3000; k++) {
		unsigned r = (unsigned)rand_r(&seed);
		const char *st = status[(r >> 4) % 4];
		long long who = a[(r >> 8) % 3];
		long long num = 1 + (long long)((r >> 12) % 200);

		switch (r % 6) {
		case 0:
		case 1:		/* a quarter of them with no assignee */
			if ((r >> 20) % 4 == 0)
				q = xasprintf("INSERT INTO tickets (subject, "
				    "body, requester_id, status, created_at, "
				    "updated_at) VALUES ('s', 'b', %lld, '%s', "
				    "1, 1)", a[3], st);
			else
				q = xasprintf("INSERT INTO tickets (subject, "
				    "body, requester_id, assignee_id, status, "
				    "created_at, updated_at) VALUES ('s', 'b', "
				    "%lld, %lld, '%s', 1, 1)", a[3], who, st);
			break;
		case 2:
			q = xasprintf("UPDATE tickets SET status = '%s' "
			    "WHERE number = %lld", st, num);
			break;
		case 3:
			q = xasprintf("UPDATE tickets SET assignee_id = %lld, "
			    "status = '%s' WHERE number = %lld", who, st, num);
			break;
		case 4:
			q = xasprintf("UPDATE tickets SET assignee_id = "
			    "assignee_id, status = status WHERE number = %lld",
			    num);
			break;
		default:
			q = xasprintf("DELETE FROM tickets WHERE number = %lld",
			    num);
			break;
		}
		if (sql(path, q) != SQLITE_OK) {
			fprintf(stderr, "# failed: %s\n", q);
			bad++;
		}
		free(q);
		if (k % 250 == 249 && sql_int(path, assigned_wrong) != 0) {
			fprintf(stderr, "# assigned_n wrong after %d steps\n",
			    k + 1);
			bad++;
			break;
		}
	}
	T_INTEQ(bad, 0);
	T_CHECK(sql_int(path, "SELECT count(*) FROM tickets WHERE status = "
	    "'assigned' AND assignee_id IS NOT NULL") > 20);
	db = db_open(path, 0, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	if (db == NULL)
		return;
	T_INTEQ(db_admins(db, 1000, &rows, &n), DB_OK);
	T_INTEQ((long long)n, 3);
	for (i = 0; i < n; i++) {
		q = xasprintf("SELECT count(*) FROM tickets WHERE assignee_id "
		    "= %lld AND status = 'assigned'", rows[i].id);
		T_INTEQ(rows[i].open_tickets, sql_int(path, q));
		free(q);
	}
	db_admins_free(rows, n);
	db_free(&db);
	free(path);
}

/*
 * The SLA sweep's seeks find what a walk over every open ticket finds:
 * 600 tickets in every state the clock can leave them (never computed, no
 * target, due and warning ahead, passed, done, closed), the sweep against
 * the one query that walks them all.
 */
static void
test_sla_sweep(void)
{
	static const char *const status[] = { "open", "assigned", "resolved",
	    "rejected" };
	static const char walk[] = "SELECT group_concat(number || ':' || what) "
	    "FROM (SELECT number, CASE WHEN due_at IS NULL THEN 0 "
	    "WHEN due_at > 0 AND due_at <= 1000 AND breached_at IS NULL "
	    "THEN 2 ELSE 1 END AS what FROM tickets WHERE status IN ('open', "
	    "'assigned') AND (due_at IS NULL OR (due_at > 0 AND due_at <= 1000 "
	    "AND breached_at IS NULL) OR (warn_at > 0 AND warn_at <= 1000 AND "
	    "warned_at IS NULL AND breached_at IS NULL)) ORDER BY number)";
	char *path = NULL, *err = NULL, *want;
	struct buf got;
	struct db_sla_due *rows;
	struct db *db;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	size_t n, i;
	unsigned seed = 13;
	int k;

	buf_init(&got, 1 << 20);
	db = fresh(&path);
	db_free(&db);
	T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, "INSERT INTO people (email, name, created_at) "
	    "VALUES ('a@corp.example', 'A', 1); BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_prepare_v2(h, "INSERT INTO tickets (subject, body, "
	    "requester_id, status, created_at, updated_at, due_at, warn_at, "
	    "warned_at, breached_at) VALUES ('s', 'b', 1, ?1, 1, 1, ?2, ?3, "
	    "?4, ?5)", -1, &st, NULL), SQLITE_OK);
	for (k = 0; k < 600; k++) {
		/* due and warning: never computed, none, passed, ahead */
		long long due = 0, warn = 0;
		int kind = rand_r(&seed) % 4;

		sqlite3_bind_text(st, 1, status[rand_r(&seed) % 4], -1,
		    SQLITE_STATIC);
		if (kind == 0) {
			for (i = 2; i <= 5; i++)
				sqlite3_bind_null(st, (int)i);
		} else {
			due = kind == 1 ? 0 : 500 + rand_r(&seed) % 1000;
			warn = kind == 1 ? 0 : due - 100 - rand_r(&seed) % 300;
			sqlite3_bind_int64(st, 2, due);
			sqlite3_bind_int64(st, 3, warn);
			if (warn > 0 && warn <= 1000 && rand_r(&seed) % 2)
				sqlite3_bind_int64(st, 4, warn + 1);
			else
				sqlite3_bind_null(st, 4);
			if (due > 0 && due <= 1000 && rand_r(&seed) % 2)
				sqlite3_bind_int64(st, 5, due + 1);
			else
				sqlite3_bind_null(st, 5);
		}
		T_INTEQ(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	T_INTEQ(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	db = db_open(path, 0, &err, NULL);
	T_CHECK(db != NULL);
	free(err);
	if (db != NULL) {
		T_INTEQ(db_sla_due(db, 1000, 10000, &rows, &n), DB_OK);
		for (i = 0; i < n; i++)
			buf_printf(&got, "%s%lld:%d", i > 0 ? "," : "",
			    rows[i].ticket, (int)rows[i].what);
		free(rows);
		T_CHECK(n > 100);	/* every kind is there */
		/* and a batch is the first of them */
		T_INTEQ(db_sla_due(db, 1000, 7, &rows, &n), DB_OK);
		T_INTEQ(n, 7);
		free(rows);
		db_free(&db);
	}
	h = NULL;
	T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	T_INTEQ(sqlite3_prepare_v2(h, walk, -1, &st, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_step(st), SQLITE_ROW);
	want = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	T_STREQ(got.len > 0 ? got.data : "", want);
	free(want);
	buf_clear(&got);
	free(path);
}

/*
 * v9 (issue 13): a mail is kept compressed when that is smaller, and read
 * back byte for byte, NUL and 8-bit bytes included; a damaged one is an
 * error, never other bytes.
 */
static void
test_packed_mail(void)
{
	struct db_mail m = { 0 };
	struct db *db;
	char *path, *raw, *back = NULL;
	size_t i, n = 0;
	long long id = 0, small = 0;

	db = fresh(&path);
	raw = xmalloc(8000);
	for (i = 0; i < 8000; i++)
		raw[i] = "Subject: vpn\r\nIt drops at 9.\r\n\0\xe9"[i % 33];
	m.message_id = "packed@x.example";
	m.received_at = 1000;
	m.source = "stdin";
	m.raw = raw;
	m.len = 8000;
	m.disposition = "ticket";
	T_INTEQ(db_mail_add(db, &m, &id), DB_OK);
	m.message_id = "small@x.example";
	m.raw = "Subject: x\r\n\r\nhi\r\n";
	m.len = 18;
	T_INTEQ(db_mail_add(db, &m, &small), DB_OK);
	T_INTEQ(sql_int(path, "SELECT raw_form FROM mails WHERE message_id = "
	    "'packed@x.example'"), ZPACK_ZLIB);
	T_CHECK(sql_int(path, "SELECT length(raw) FROM mails WHERE "
	    "message_id = 'packed@x.example'") < 1000);
	T_INTEQ(sql_int(path, "SELECT size FROM mails WHERE message_id = "
	    "'packed@x.example'"), 8000);
	T_INTEQ(sql_int(path, "SELECT raw_form FROM mails WHERE message_id = "
	    "'small@x.example'"), ZPACK_PLAIN);
	T_INTEQ(db_mail_raw(db, id, &back, &n), 0);
	T_INTEQ(n, 8000);
	T_CHECK(back != NULL && memcmp(back, raw, 8000) == 0);
	free(back);
	T_INTEQ(db_mail_raw(db, small, &back, &n), 0);
	T_CHECK(back != NULL && n == 18 && memcmp(back, m.raw, 18) == 0);
	free(back);
	/* damaged on disk: an error, and no bytes */
	T_INTEQ(sql(path, "UPDATE mails SET raw = substr(raw, 1, 40) WHERE "
	    "message_id = 'packed@x.example'"), SQLITE_OK);
	back = NULL;
	T_CHECK(db_mail_raw(db, id, &back, &n) < 0);
	T_CHECK(back == NULL);
	free(back);
	db_free(&db);
	free(raw);
	free(path);
}

/*
 * v9 (issue 13): a notice with images is kept with references to the
 * blobs and compressed, and comes out of the outbox as the very message
 * notice_compose() writes with the images in it; a damaged one comes out
 * marked bad, with why.
 */
static void
test_packed_notice(void)
{
	struct notice_file f = { "shot.png", "image/png", NULL, 0,
	    "img1.n@corp.example", 0 };
	struct notice nt;
	struct db_outbox *rows;
	struct db *db;
	char *path, *img, *eager, *byref, err[256];
	size_t i, elen, rlen, n;
	long long t, blob;

	db = fresh(&path);
	t = ticket(db, person(db, "alice@corp.example"), "screen");
	img = xmalloc(30000);
	for (i = 0; i < 30000; i++)
		img[i] = (char)(i * 31 >> 3);
	T_INTEQ(sql(path, "INSERT INTO blobs (sha256, size, data) VALUES "
	    "('x', 30000, zeroblob(30000))"), SQLITE_OK);
	blob = sql_int(path, "SELECT id FROM blobs WHERE sha256 = 'x'");
	{
		sqlite3 *h = NULL;
		sqlite3_stmt *st = NULL;

		T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
		    SQLITE_OK);
		T_INTEQ(sqlite3_prepare_v2(h, "UPDATE blobs SET data = ?1",
		    -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_blob(st, 1, img, 30000, SQLITE_STATIC);
		T_INTEQ(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
	memset(&nt, 0, sizeof(nt));
	nt.from_addr = "it@corp.example";
	nt.to_addr = "alice@corp.example";
	nt.subject = "[IT #1] screen";
	nt.message_id = "n@corp.example";
	nt.text = "Your screen.";
	nt.html = "<p>Your screen.</p>";
	nt.date = 1800000000;
	nt.files = &f;
	nt.nfiles = 1;
	f.data = img;
	f.len = 30000;
	eager = notice_compose(&nt, &elen, err, sizeof(err));
	f.data = NULL;
	f.blob_id = blob;
	byref = notice_compose(&nt, &rlen, err, sizeof(err));
	T_CHECK(eager != NULL && byref != NULL);
	if (eager == NULL || byref == NULL)
		goto out;
	T_INTEQ(db_outbox_add_refs(db, t, "assigned", "n@corp.example",
	    "it@corp.example", "alice@corp.example", byref, rlen, 1, 1000,
	    "pending", NULL, NULL), DB_OK);
	T_INTEQ(sql_int(path, "SELECT form FROM outbox"),
	    ZPACK_ZLIB | ZPACK_REFS | ZPACK_DICT);
	/* the image is in the database once: the notice is small */
	T_CHECK(sql_int(path, "SELECT length(message) FROM outbox") < 2000);
	T_INTEQ(db_outbox_due(db, 1000, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1) {
		T_CHECK(rows[0].bad == NULL);
		T_INTEQ(rows[0].len, elen);
		T_CHECK(rows[0].len == elen &&
		    memcmp(rows[0].message, eager, elen) == 0);
	}
	db_outbox_rows_free(rows, n);

	/* the image gone (it never is), or the row damaged: bad, and why */
	T_INTEQ(sql(path, "UPDATE blobs SET id = id + 100"), SQLITE_OK);
	T_INTEQ(db_outbox_due(db, 1000, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1) {
		T_CHECK(rows[0].bad != NULL &&
		    strstr(rows[0].bad, "not in the database") != NULL);
		T_INTEQ(rows[0].len, 0);
	}
	db_outbox_rows_free(rows, n);
	T_INTEQ(sql(path, "UPDATE outbox SET message = substr(message, 1, "
	    "length(message) / 2)"), SQLITE_OK);
	T_INTEQ(db_outbox_due(db, 1000, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_CHECK(rows[0].bad != NULL &&
		    strstr(rows[0].bad, "zlib") != NULL);
	db_outbox_rows_free(rows, n);
out:
	free(eager);
	free(byref);
	free(img);
	db_free(&db);
	free(path);
}

/* Read a whole file; NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		p = xmalloc((size_t)n + 1);
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else
			*len = (size_t)n;
	}
	fclose(f);
	return p;
}

/*
 * Store raw as the pipeline does (parsed, its parts' places given) and read
 * it back: the same bytes. The stored form into *form; 1 when kept the
 * same, 0 (and a message) when not.
 */
static int
store_and_read(struct db *db, const char *what, const char *raw, size_t len,
    int *form, const char *path)
{
	static int k;
	struct db_mail m = { 0 };
	struct mail ml;
	char id[64], q[128], *back = NULL;
	size_t n = 0;
	long long mid = 0;
	int ok;

	mime_parse(raw, len, NULL, &ml);
	snprintf(id, sizeof(id), "kept-%d@x.example", ++k);
	m.message_id = id;
	m.received_at = 1000;
	m.source = "stdin";
	m.raw = raw;
	m.len = len;
	m.disposition = "ticket";
	m.parts = ml.parts;
	m.nparts = ml.nparts;
	T_INTEQ(db_mail_add(db, &m, &mid), DB_OK);
	mail_clear(&ml);
	snprintf(q, sizeof(q), "SELECT raw_form FROM mails WHERE id = %lld",
	    mid);
	*form = (int)sql_int(path, q);
	ok = db_mail_raw(db, mid, &back, &n) == 0 && n == len &&
	    memcmp(back, raw, len) == 0;
	if (!ok)
		fprintf(stderr, "# %s: not read back the same (%zu of %zu "
		    "bytes)\n", what, n, len);
	free(back);
	return ok;
}

/* A mail with one image part, its base64 written as asked. */
static char *
image_mail(const char *img, size_t imglen, size_t width, int lf, int eol,
    int broken, size_t *len)
{
	struct buf b;
	const char *nl = lf ? "\n" : "\r\n";
	size_t i;

	buf_init(&b, 1 << 24);
	buf_printf(&b, "From: a@corp.example%sSubject: screen%sMessage-ID: "
	    "<i@x>%sMIME-Version: 1.0%sContent-Type: multipart/mixed; "
	    "boundary=\"BB\"%s%s--BB%sContent-Type: text/plain%s%sIt "
	    "flickers.%s--BB%sContent-Type: image/png; name=\"s.png\"%s"
	    "Content-Transfer-Encoding: base64%s%s", nl, nl, nl, nl, nl, nl,
	    nl, nl, nl, nl, nl, nl, nl, nl);
	i = b.len;
	notice_base64_lines(&b, img, imglen, width, lf);
	if (broken) {		/* one line a character short */
		memmove(b.data + i + 100, b.data + i + 101, b.len - i - 101);
		b.len--;
	}
	if (eol)
		buf_addstr(&b, nl);
	buf_printf(&b, "%s--BB--%s", eol ? "" : nl, nl);
	return buf_steal(&b, len);
}

/*
 * v9 (issue 13): an attachment's base64 in the stored mail is a reference
 * to the blob with its bytes, when writing them out again gives the very
 * same text; the mail always reads back byte for byte. Then every mail of
 * the corpora (tests/corpus, ../shared/corpus when there).
 */
static void
test_raw_kept_once(void)
{
	static const struct {
		size_t width;
		int lf, eol, broken, refs;
	} v[] = {
		{ 76, 0, 1, 0, 1 }, { 76, 1, 1, 0, 1 }, { 72, 0, 0, 0, 1 },
		{ 64, 1, 0, 0, 1 }, { 76, 0, 1, 1, 0 }, { 100000, 0, 1, 0, 1 },
	};
	struct db *db;
	char *path, *img, *raw, q[256];
	size_t i, len, n = 0, same = 0, refs = 0;
	glob_t g;
	int form;
	unsigned seed = 99;

	db = fresh(&path);
	img = xmalloc(20000);
	for (i = 0; i < 20000; i++)
		img[i] = (char)(rand_r(&seed) & 0xff);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		raw = image_mail(img, 20000 - i, v[i].width, v[i].lf, v[i].eol,
		    v[i].broken, &len);
		snprintf(q, sizeof(q), "variant %zu", i);
		T_CHECK(store_and_read(db, q, raw, len, &form, path));
		if (form != (v[i].refs ? ZPACK_REFS | ZPACK_ZLIB :
		    ZPACK_ZLIB)) {
			fprintf(stderr, "# variant %zu: form %d\n", i, form);
			T_CHECK(0);
		}
		if (v[i].refs)		/* the image is in the row no more */
			T_CHECK(sql_int(path, "SELECT length(raw) FROM mails "
			    "ORDER BY id DESC LIMIT 1") < 2000);
		free(raw);
	}
	/*
	 * A NUL in the mail (it happens: binary junk in a text part) would
	 * read back as a reference: such a mail keeps its base64 as it is.
	 */
	raw = image_mail(img, 20000, 76, 0, 1, 0, &len);
	memcpy(strstr(raw, "It flickers"), "It\0flick", 9);
	T_CHECK(store_and_read(db, "a mail with a NUL", raw, len, &form,
	    path));
	T_INTEQ(form, ZPACK_ZLIB);
	free(raw);
	/* the same image twice is one blob */
	T_CHECK(sql_int(path, "SELECT count(*) FROM blobs") <=
	    (long long)(sizeof(v) / sizeof(v[0])));

	/* every mail of the corpora */
	memset(&g, 0, sizeof(g));
	glob("tests/corpus/*.eml", 0, NULL, &g);
	glob("../shared/corpus/*/*.eml", GLOB_APPEND, NULL, &g);
	glob("../shared/corpus/*/*/*.eml", GLOB_APPEND, NULL, &g);
	for (i = 0; i < g.gl_pathc; i++) {
		if ((raw = slurp(g.gl_pathv[i], &len)) == NULL)
			continue;
		n++;
		same += store_and_read(db, g.gl_pathv[i], raw, len, &form,
		    path);
		refs += (form & ZPACK_REFS) != 0;
		free(raw);
	}
	globfree(&g);
	fprintf(stderr, "# %zu corpus mails read back the same, %zu of them "
	    "with their attachments kept once\n", same, refs);
	T_INTEQ(same, n);
	T_CHECK(n >= 1);
	free(img);
	db_free(&db);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_create);
	T_RUN(test_open);
	T_RUN(test_readonly);
	T_RUN(test_exactly_once);
	T_RUN(test_people);
	T_RUN(test_ticket_numbers);
	T_RUN(test_savepoint);
	T_RUN(test_outbox);
	T_RUN(test_outbox_order_filter);
	T_RUN(test_outbox_per_recipient);
	T_RUN(test_outbox_holders);
	T_RUN(test_outbox_claim_many);
	T_RUN(test_lost_transaction);
	T_RUN(test_migrate_v1);
	T_RUN(test_migrate_v2);
	T_RUN(test_migrate_v5);
	T_RUN(test_migrate_v6);
	T_RUN(test_migrate_v7);
	T_RUN(test_migrate_v8);
	T_RUN(test_migrate_v9);
	T_RUN(test_migrate_v10);
	T_RUN(test_assigned_n);
	T_RUN(test_sla_sweep);
	T_RUN(test_packed_mail);
	T_RUN(test_packed_notice);
	T_RUN(test_raw_kept_once);
	T_RUN(test_unsynced_then_full);
	T_RUN(test_savepoints_write_nothing);
	t_rmdir(tmpdir);
	return T_END();
}
