/*
 * test_db_web.c — the web page's queries: search words into FTS5 (never
 * FTS5 syntax), the list's filters and pages, search over subjects, bodies
 * and comments with bm25 order and marked snippets, attachments scoped to
 * their ticket, the read-only seal (a write through the page's connection
 * fails), the totals the triggers keep, and a database migrated from
 * version 1 whose old tickets are found and counted and whose new comments
 * are indexed by the triggers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "db_web.h"
#include "xmalloc.h"

#include "t.h"

static char tmpdir[] = "/tmp/test_db_web.XXXXXX";
static int nfile;

static void
test_fts_query(void)
{
	static const struct {
		const char *in, *out;	/* out NULL: nothing to search */
	} cases[] = {
		{ "printer", "\"printer\"" },
		{ "  printer   jams ", "\"printer\" \"jams\"" },
		{ "print*", "\"print\"*" },
		{ "\"3rd floor\" jams", "\"3rd floor\" \"jams\"" },
		{ "\"open phrase", "\"open phrase\"" },
		{ "a\"b", "\"a\" \"b\"" },
		/* operators and syntax are plain words */
		{ "printer OR NOT scanner", "\"printer\" \"OR\" \"NOT\" \"scanner\"" },
		{ "C++ (x) col:y", "\"C++\" \"(x)\" \"col:y\"" },
		{ "NEAR(a b)", "\"NEAR(a\" \"b)\"" },
		{ "Grüße", "\"Grüße\"" },
		/* words without a letter or digit are dropped */
		{ "--- !!! *", NULL },
		{ "", NULL },
		{ "\"\"", NULL },
		{ "* a", "\"a\"" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *in = t_dup_n(cases[i].in, strlen(cases[i].in));

		s = db_web_fts_query(in, strlen(cases[i].in));
		free(in);
		if (cases[i].out == NULL)
			T_CHECK(s == NULL);
		else
			T_STREQ(s, cases[i].out);
		free(s);
	}
	/* at most DB_WEB_QUERY_TERMS words */
	s = db_web_fts_query("a b c d e f g h i j k l m n o p q r s", 37);
	T_STREQ(s, "\"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" \"i\" \"j\" "
	    "\"k\" \"l\" \"m\" \"n\" \"o\" \"p\"");
	free(s);
}

static char *
newpath(void)
{
	return xasprintf("%s/db%d.sqlite", tmpdir, ++nfile);
}

static void
exec_sql(const char *path, const char *q)
{
	sqlite3 *h = NULL;
	char *msg = NULL;

	T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	if (sqlite3_exec(h, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "# %s\n", msg);
		t_failed_now = 1;
	}
	sqlite3_free(msg);
	sqlite3_close(h);
}

/* One integer from a query on a connection of our own; -1 on error. */
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

/* ticket_counts (kept by triggers) says what counting says. */
static void
check_counts(const char *path)
{
	T_INTEQ(sql_int(path, "SELECT count(*) FROM (SELECT priority, status, "
	    "count(*) AS c FROM tickets GROUP BY 1, 2) g LEFT JOIN "
	    "ticket_counts t USING (priority, status) WHERE t.n IS NOT g.c"), 0);
	T_INTEQ(sql_int(path, "SELECT (SELECT ifnull(sum(n), 0) FROM "
	    "ticket_counts) - (SELECT count(*) FROM tickets)"), 0);
	T_INTEQ(sql_int(path, "SELECT count(*) FROM ticket_counts WHERE n < 0"),
	    0);
}

/* Tickets, comments and attachments through the module's own calls. */
static char *
seed(void)
{
	char *path = newpath(), *err = NULL;
	struct db *db;
	struct db_ticket t;
	struct db_comment c;
	struct db_attachment a;
	long long alice = 0, bob = 0, n = 0, cid = 0;

	T_INTEQ(db_create(path, &err), 0);
	free(err);
	err = NULL;
	db = db_open(path, 0, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	T_INTEQ(db_person_get(db, "alice@corp.example", "Alice", 10, &alice),
	    DB_OK);
	T_INTEQ(db_person_get(db, "bob@corp.example", "Bob", 10, &bob), DB_OK);
	T_INTEQ(db_user_role(db, "bob@corp.example", "admin", 10), DB_OK);

	memset(&t, 0, sizeof(t));
	t.requester_id = alice;
	t.priority = "low";
	/* 1: the word in the body only */
	t.subject = "Office move";
	t.body = "Please move the printer to room 4.";
	t.created_at = 100;
	T_INTEQ(db_ticket_add(db, &t, &n), DB_OK);
	/* 2: the word in the subject: ranks first */
	t.subject = "Printer jams";
	t.body = "It <jams> on every page & beeps.";
	t.priority = "high";
	t.category = "hardware";
	t.subcategory = "printer";
	t.created_at = 200;
	T_INTEQ(db_ticket_add(db, &t, &n), DB_OK);
	/* 3: the word in a comment only */
	t.subject = "VPN drops";
	t.body = "Every hour.";
	t.priority = "medium";
	t.category = "network";
	t.subcategory = NULL;
	t.created_at = 300;
	T_INTEQ(db_ticket_add(db, &t, &n), DB_OK);
	T_INTEQ(db_ticket_assign(db, 3, bob, 300), DB_OK);
	memset(&c, 0, sizeof(c));
	c.ticket_number = 3;
	c.author_id = bob;
	c.body = "Maybe the printer driver again.";
	c.full_body = c.body;
	c.created_at = 310;
	T_INTEQ(db_comment_add(db, &c, &cid), DB_OK);
	c.body = "Internal: reinstall.";
	c.full_body = c.body;
	c.internal = 1;
	T_INTEQ(db_comment_add(db, &c, &cid), DB_OK);

	memset(&a, 0, sizeof(a));
	a.ticket_number = 2;
	a.filename = "jam.png";
	a.media_type = "image/png";
	a.data = "\x89PNG\r\n\x1a\nrest";
	a.size = 12;
	a.is_image = 1;
	T_INTEQ(db_attachment_add(db, &a), DB_OK);
	a.ticket_number = 3;
	a.comment_id = cid;
	a.filename = "secret.txt";
	a.media_type = "text/plain";
	a.data = "internal";
	a.size = 8;
	a.is_image = 0;
	T_INTEQ(db_attachment_add(db, &a), DB_OK);
	db_free(&db);
	check_counts(path);
	return path;
}

/* The totals follow every change of status and priority. */
static void
test_counts(void)
{
	char *path = seed(), *err = NULL;
	struct db *db;

	db = db_open(path, 0, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	if (db == NULL) {
		free(path);
		return;
	}
	T_INTEQ(db_ticket_set(db, 1, DB_SET_STATUS, "resolved", 400), DB_OK);
	check_counts(path);
	T_INTEQ(db_ticket_set(db, 1, DB_SET_PRIORITY, "high", 401), DB_OK);
	check_counts(path);
	T_INTEQ(db_ticket_set(db, 2, DB_SET_STATUS, "rejected", 402), DB_OK);
	T_INTEQ(db_ticket_set(db, 2, DB_SET_PRIORITY, "high", 403), DB_OK);
	check_counts(path);
	T_INTEQ(db_ticket_assign(db, 2, 2, 404), DB_OK);
	check_counts(path);
	T_INTEQ(sql_int(path, "SELECT n FROM ticket_counts WHERE priority = "
	    "'high' AND status = 'resolved'"), 1);
	exec_sql(path, "UPDATE tickets SET status = 'open', priority = 'low'");
	check_counts(path);
	T_INTEQ(sql_int(path, "SELECT n FROM ticket_counts WHERE priority = "
	    "'low' AND status = 'open'"), 3);
	db_free(&db);
	free(path);
}

struct rows {
	long long n[16];
	char	 *snip[16];
	size_t	  count;
};

static void
row_cb(const struct db_web_row *r, void *arg)
{
	struct rows *x = arg;

	if (x->count < 16) {
		x->n[x->count] = r->number;
		x->snip[x->count] = r->snippet != NULL ? xstrdup(r->snippet) :
		    NULL;
		x->count++;
	}
}

static void
rows_free(struct rows *x)
{
	size_t i;

	for (i = 0; i < x->count; i++)
		free(x->snip[i]);
	memset(x, 0, sizeof(*x));
}

static int
list(struct db *db, struct db_web_filter *f, struct rows *x, long long *total)
{
	rows_free(x);
	if (f->limit == 0)
		f->limit = 50;
	return db_web_list(db, f, row_cb, x, total);
}

static void
test_list_and_search(void)
{
	struct db_web_filter f;
	struct rows x;
	struct db *db;
	char *path = seed(), *err = NULL, *data = NULL, *name = NULL;
	long long total = 0;
	size_t len;
	int internal;

	memset(&x, 0, sizeof(x));
	db = db_open(path, DB_RDONLY, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	if (db == NULL)
		goto out;
	T_INTEQ(db_web_seal(db), DB_OK);

	/* all, newest first */
	memset(&f, 0, sizeof(f));
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 3);
	T_INTEQ(x.count, 3);
	T_INTEQ(x.n[0], 3);
	T_INTEQ(x.n[2], 1);
	T_CHECK(x.snip[0] == NULL);
	/* a page */
	f.limit = 1;
	f.offset = 1;
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 3);
	T_INTEQ(x.count, 1);
	T_INTEQ(x.n[0], 2);

	/* filters */
	memset(&f, 0, sizeof(f));
	f.status = "assigned";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	T_INTEQ(x.n[0], 3);
	f.status = "active";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 3);
	memset(&f, 0, sizeof(f));
	f.priority = "high";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	T_INTEQ(x.n[0], 2);
	memset(&f, 0, sizeof(f));
	f.category = "hardware/printer";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	f.category = "hardware/laptop";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 0);
	f.category = "network";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	memset(&f, 0, sizeof(f));
	f.admin = "BOB@corp.example";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	T_INTEQ(x.n[0], 3);
	f.admin = "none";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 2);
	f.admin = "nobody@corp.example";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 0);

	/* search: subject before body before comment; marks around it */
	memset(&f, 0, sizeof(f));
	f.fts = "\"printer\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 3);
	T_INTEQ(x.count, 3);
	T_INTEQ(x.n[0], 2);
	/* the snippet is from the body: the list shows the subject */
	T_CHECK(x.snip[0] != NULL && strstr(x.snip[0], "jams") != NULL);
	T_CHECK(x.snip[1] != NULL && x.snip[2] != NULL);
	T_CHECK((x.n[1] == 1 && x.n[2] == 3) || (x.n[1] == 3 && x.n[2] == 1));
	/* the comment's text is the snippet of ticket 3 */
	if (x.n[2] == 3)
		T_CHECK(strstr(x.snip[2], "driver") != NULL);
	/* stemming: "printers" finds "printer"; a prefix too */
	f.fts = "\"printers\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 3);
	f.fts = "\"reinst\"*";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);	/* internal notes are searched (desk key only) */
	/* search and a filter */
	f.fts = "\"printer\"";
	f.priority = "high";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	T_INTEQ(x.n[0], 2);
	/* nothing found */
	memset(&f, 0, sizeof(f));
	f.fts = "\"zebra\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 0);
	T_INTEQ(x.count, 0);

	/* an attachment belongs to its ticket only */
	T_INTEQ(db_web_attachment_data(db, 2, 1, &data, &len, &name,
	    &internal), DB_OK);
	T_INTEQ(len, 12);
	T_STREQ(name, "jam.png");
	T_INTEQ(internal, 0);
	free(data);
	free(name);
	T_INTEQ(db_web_attachment_data(db, 3, 1, &data, &len, &name,
	    &internal), 1);
	T_CHECK(data == NULL && name == NULL);
	T_INTEQ(db_web_attachment_data(db, 3, 2, &data, &len, &name,
	    &internal), DB_OK);
	T_INTEQ(internal, 1);		/* on an internal note */
	free(data);
	free(name);
	T_INTEQ(db_web_attachment_data(db, 3, 99, &data, &len, &name,
	    &internal), 1);

	/* the page's connection cannot write, whatever it is asked */
	{
		struct db_ticket t = { "x", "y", 1, "low", 1, NULL, NULL };
		long long n = 0;

		T_CHECK(db_ticket_add(db, &t, &n) != DB_OK);
		T_CHECK(db_event_add(db, 1, 0, "x", NULL, 1) != DB_OK);
	}
	T_INTEQ(db_web_ping(db), DB_OK);
	db_free(&db);
out:
	rows_free(&x);
	free(path);
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
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

/*
 * A version-1 database with a ticket: migrated, its ticket is found by
 * the search (the index was built for the rows there were), and a comment
 * added afterwards is found too (the triggers).
 */
static void
test_migrated(void)
{
	struct db_web_filter f;
	struct db_comment c;
	struct rows x;
	struct db *db;
	char *v1 = data_file("schema_v1.sql"), *path = newpath(), *err = NULL;
	long long total = 0, id = 0;
	sqlite3 *h = NULL;

	memset(&x, 0, sizeof(x));
	T_CHECK(v1 != NULL);
	if (v1 == NULL)
		goto out;
	T_INTEQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	T_INTEQ(sqlite3_exec(h, v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	exec_sql(path, "PRAGMA user_version = 1;"
	    "INSERT INTO people (email, name, created_at) VALUES "
	    " ('a@corp.example', 'A', 10);"
	    "INSERT INTO tickets (subject, body, requester_id, created_at,"
	    " updated_at) VALUES ('Scanner offline', 'since the update', 1,"
	    " 10, 10);");
	db = db_open(path, 0, &err, NULL);
	free(err);
	T_CHECK(db != NULL);
	if (db == NULL)
		goto out;
	/* the totals were counted for the rows there were */
	check_counts(path);
	T_INTEQ(sql_int(path, "SELECT n FROM ticket_counts"), 1);
	memset(&f, 0, sizeof(f));
	f.fts = "\"scanner\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	memset(&c, 0, sizeof(c));
	c.ticket_number = 1;
	c.author_id = 1;
	c.body = "The firmware fixed it.";
	c.full_body = c.body;
	c.created_at = 20;
	T_INTEQ(db_comment_add(db, &c, &id), DB_OK);
	f.fts = "\"firmware\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	T_INTEQ(x.n[0], 1);
	/* a changed subject is found under its new words only */
	exec_sql(path, "UPDATE tickets SET subject = 'Plotter offline'");
	f.fts = "\"scanner\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 0);
	f.fts = "\"plotter\"";
	T_INTEQ(list(db, &f, &x, &total), DB_OK);
	T_INTEQ(total, 1);
	db_free(&db);
out:
	rows_free(&x);
	free(v1);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_fts_query);
	T_RUN(test_list_and_search);
	T_RUN(test_counts);
	T_RUN(test_migrated);
	t_rmdir(tmpdir);
	return T_END();
}
