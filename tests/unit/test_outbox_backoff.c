/*
 * test_outbox_backoff.c — outbox_backoff() and outbox_drain() against a
 * real database (mkdtemp) and a fake sink defined here: sink_send() below
 * replaces sink_smtp.c's (the linker takes ours, so sink_smtp.o is never
 * pulled from the archive) and answers from a script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "outbox.h"
#include "sink.h"
#include "t.h"
#include "xmalloc.h"

/* ---- the fake sink ---- */

struct sink {
	enum sink_result script[64];	/* answers in turn; then SINK_OK */
	size_t		 nscript, next;
	char		 sent[64][64];	/* rcpt_to of each call */
	size_t		 calls;
};

enum sink_result
sink_send(struct sink *s, const char *mail_from, const char *rcpt_to,
    const char *msg, size_t len, char *err, size_t errsz)
{
	enum sink_result r = SINK_OK;

	(void)mail_from;
	(void)msg;
	(void)len;
	if (s->calls < 64)
		snprintf(s->sent[s->calls], sizeof(s->sent[0]), "%s", rcpt_to);
	s->calls++;
	if (s->next < s->nscript)
		r = s->script[s->next++];
	snprintf(err, errsz, "%s", r == SINK_TEMP ? "421 try later" :
	    r == SINK_PERM ? "550 no such user" : "");
	return r;
}

/* ---- helpers ---- */

static char	 tmpdir[] = "/tmp/test_outbox.XXXXXX";
static int	 nfile;

static struct db *
fresh(void)
{
	char *err = NULL, *path;
	struct db *db;

	path = xasprintf("%s/db%d.sqlite", tmpdir, ++nfile);
	if (db_create(path, &err) != 0 ||
	    (db = db_open(path, 0, &err, NULL)) == NULL) {
		fprintf(stderr, "# %s\n", err);
		exit(2);
	}
	free(path);
	return db;
}

static long long
mkticket(struct db *db)
{
	struct db_ticket t = { "s", "b", 0, "low", 1, NULL, NULL };
	long long n = 0;

	T_INTEQ(db_person_get(db, "req@corp.example", NULL, 1, &t.requester_id),
	    DB_OK);
	T_INTEQ(db_ticket_add(db, &t, &n), DB_OK);
	return n;
}

static void
queue(struct db *db, long long ticket, const char *rcpt, time_t now)
{
	char id[128];

	snprintf(id, sizeof(id), "%s.%lld.%lld@desk", rcpt, ticket,
	    (long long)now);
	T_INTEQ(db_outbox_add(db, ticket, "ack", id, "it@corp.example", rcpt,
	    "Subject: x\r\n\r\nx\r\n", 16, now), DB_OK);
}

static size_t
due(struct db *db, time_t now, int all)
{
	struct db_outbox *rows;
	size_t n = 0;

	T_INTEQ(db_outbox_due(db, now, all, 0, 1000, &rows, &n), DB_OK);
	db_outbox_rows_free(rows, n);
	return n;
}

/* ---- tests ---- */

static void
test_backoff(void)
{
	static const struct {
		int n, secs;
	} tab[] = {
		{ 1, 30 }, { 2, 60 }, { 3, 120 }, { 4, 240 }, { 5, 480 },
		{ 6, 960 }, { 7, 1920 }, { 8, 3600 }, { 9, 3600 },
		{ 100, 3600 }, { 1000000, 3600 },
		/* out of range: the first step */
		{ 0, 30 }, { -5, 30 },
	};
	size_t i;
	int prev = 0;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (outbox_backoff(tab[i].n) != tab[i].secs) {
			fprintf(stderr, "# n = %d\n", tab[i].n);
			T_INTEQ(outbox_backoff(tab[i].n), tab[i].secs);
		}
	}
	/* never shrinks, never passes an hour */
	for (i = 1; i < 200; i++) {
		T_CHECK(outbox_backoff((int)i) >= prev);
		T_CHECK(outbox_backoff((int)i) <= 3600);
		prev = outbox_backoff((int)i);
	}
}

static void
test_drain_ok(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	long long t;
	int i;

	memset(&sk, 0, sizeof(sk));
	outbox_init(&ob, db, &sk);
	t = mkticket(db);
	queue(db, t, "a@x", 100);
	queue(db, t, "b@x", 101);
	queue(db, 0, "c@x", 500);
	T_INTEQ(outbox_drain(&ob, 200, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 2);
	T_INTEQ(st.retry + st.failed, 0);
	T_INTEQ(sk.calls, 2);
	T_STREQ(sk.sent[0], "a@x");
	T_STREQ(sk.sent[1], "b@x");
	/* sent once only */
	T_INTEQ(outbox_drain(&ob, 300, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 0);
	T_INTEQ(sk.calls, 2);
	/* all: the one not yet due too */
	T_INTEQ(outbox_drain(&ob, 300, 1, 0, &st), DB_OK);
	T_INTEQ(st.sent, 1);
	T_INTEQ(sk.calls, 3);
	T_INTEQ(due(db, 99999, 1), 0);

	/* more than one batch (LIMIT_OUTBOX_BATCH) in one drain */
	for (i = 0; i < 150; i++) {
		char rcpt[32];

		snprintf(rcpt, sizeof(rcpt), "bulk%d@x", i);
		queue(db, 0, rcpt, 1000);
	}
	T_INTEQ(outbox_drain(&ob, 1000, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 150);
	T_INTEQ(due(db, 99999, 1), 0);
	db_free(&db);
}

static void
test_drain_temp(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	time_t when;

	memset(&sk, 0, sizeof(sk));
	sk.script[0] = SINK_TEMP;
	sk.script[1] = SINK_TEMP;
	sk.nscript = 2;
	outbox_init(&ob, db, &sk);
	queue(db, 0, "a@x", 100);
	queue(db, 0, "b@x", 100);

	/* the first temporary failure stops the drain */
	T_INTEQ(outbox_drain(&ob, 100, 0, 0, &st), DB_OK);
	T_INTEQ(st.retry, 1);
	T_INTEQ(st.sent, 0);
	T_INTEQ(sk.calls, 1);
	T_INTEQ(ob.fails, 1);
	T_INTEQ(ob.hold_until, 100 + 30);
	/* held off: nothing tried before hold_until */
	T_INTEQ(outbox_drain(&ob, 110, 0, 0, &st), DB_OK);
	T_INTEQ(sk.calls, 1);
	T_INTEQ(outbox_next(&ob, &when), 1);
	T_INTEQ(when, 130);
	/* the row that failed waits for its own backoff */
	T_INTEQ(due(db, 129, 0), 1);		/* b@x only */
	T_INTEQ(due(db, 130, 0), 2);
	/* second failure: longer hold */
	T_INTEQ(outbox_drain(&ob, 130, 0, 0, &st), DB_OK);
	T_INTEQ(st.retry, 1);
	T_INTEQ(ob.fails, 2);
	T_INTEQ(ob.hold_until, 130 + 60);
	/* the server is back: everything goes, the counter resets */
	T_INTEQ(outbox_drain(&ob, 200, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 2);
	T_INTEQ(ob.fails, 0);
	T_INTEQ(due(db, 99999, 1), 0);
	T_INTEQ(outbox_next(&ob, &when), 0);
	db_free(&db);
}

static void
test_drain_perm(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;

	memset(&sk, 0, sizeof(sk));
	sk.script[0] = SINK_PERM;
	sk.nscript = 1;
	outbox_init(&ob, db, &sk);
	queue(db, 0, "bad@x", 100);
	queue(db, 0, "good@x", 101);
	/* a permanent failure is recorded and the drain goes on */
	T_INTEQ(outbox_drain(&ob, 200, 0, 0, &st), DB_OK);
	T_INTEQ(st.failed, 1);
	T_INTEQ(st.sent, 1);
	T_INTEQ(sk.calls, 2);
	T_INTEQ(ob.hold_until, 0);
	/* and it never comes back */
	T_INTEQ(outbox_drain(&ob, 99999, 1, 0, &st), DB_OK);
	T_INTEQ(sk.calls, 2);
	db_free(&db);
}

static void
test_drain_ticket_and_lease(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	struct db_outbox *rows;
	size_t n;
	long long t1, t2;

	memset(&sk, 0, sizeof(sk));
	outbox_init(&ob, db, &sk);
	t1 = mkticket(db);
	t2 = mkticket(db);
	queue(db, t1, "one@x", 100);
	queue(db, t2, "two@x", 100);
	queue(db, t2, "held@x", 100);
	/* another sender holds "held@x" */
	T_INTEQ(db_outbox_due(db, 100, 0, t2, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 2);
	if (n == 2)
		T_INTEQ(db_outbox_claim(db, rows[1].id, 100, 600), 1);
	db_outbox_rows_free(rows, n);
	/* only ticket t2's, and not the held one */
	T_INTEQ(outbox_drain(&ob, 150, 1, t2, &st), DB_OK);
	T_INTEQ(st.sent, 1);
	T_INTEQ(sk.calls, 1);
	T_STREQ(sk.sent[0], "two@x");
	/* after the lease, it is free again */
	T_INTEQ(outbox_drain(&ob, 700, 0, t2, &st), DB_OK);
	T_INTEQ(st.sent, 1);
	T_STREQ(sk.sent[1], "held@x");
	T_INTEQ(outbox_drain(&ob, 700, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 1);
	T_STREQ(sk.sent[2], "one@x");
	db_free(&db);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	T_RUN(test_backoff);
	T_RUN(test_drain_ok);
	T_RUN(test_drain_temp);
	T_RUN(test_drain_perm);
	T_RUN(test_drain_ticket_and_lease);
	t_rmdir(tmpdir);
	return T_END();
}
