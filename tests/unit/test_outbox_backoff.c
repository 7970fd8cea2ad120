/*
 * test_outbox_backoff.c — outbox_backoff() and outbox_drain() against a
 * real database (mkdtemp) and a fake sink defined here: sink_send() below
 * replaces sink_smtp.c's (the linker takes ours, so sink_smtp.o is never
 * pulled from the archive) and answers from a script. Also: the leases of
 * a killed sender are taken back at once, a live one's are not; a stop
 * ends the drain between two notices; a recipient's notices keep their
 * order through a server outage.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "lease.h"
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
	volatile sig_atomic_t *stop;	/* set after stop_after calls */
	size_t		 stop_after;
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
	if (s->stop != NULL && s->calls == s->stop_after)
		*s->stop = 1;		/* a SIGTERM during this send */
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

/*
 * A stored notice that cannot be read back (its image reference points at
 * nothing, v9) is never sent in part: it fails for good, says why, and
 * the next one goes out.
 */
static void
test_drain_unreadable(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;

	memset(&sk, 0, sizeof(sk));
	outbox_init(&ob, db, &sk);
	T_INTEQ(db_outbox_add_refs(db, 0, "assigned", "bad.1@desk",
	    "it@corp.example", "bad@x", "Subject: x\r\n\r\n\0B999:10\0\r\n",
	    25, 1, 100, "pending", NULL, NULL), DB_OK);
	queue(db, 0, "good@x", 101);
	T_INTEQ(outbox_drain(&ob, 200, 0, 0, &st), DB_OK);
	T_INTEQ(st.failed, 1);
	T_INTEQ(st.sent, 1);
	T_INTEQ(sk.calls, 1);
	T_STREQ(sk.sent[0], "good@x");
	T_INTEQ(due(db, 99999, 1), 0);
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
		T_INTEQ(db_outbox_claim(db, rows[1].id, 100, 600, NULL), 1);
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

/* The holder string of a child of ours; it waits (stay) or ends. */
static pid_t
holder_child(char *out, size_t outsz, int stay)
{
	int fds[2];
	pid_t pid;
	ssize_t n;

	if (pipe(fds) == -1)
		abort();
	if ((pid = fork()) == 0) {
		const char *me = lease_self();

		(void)!write(fds[1], me, strlen(me));
		if (stay)
			pause();
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return pid;
}

/* Issue 12 (a): a killed sender's lease is free at once, a live one's not. */
static void
test_drain_reclaims_gone_holder(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	struct db_outbox *rows;
	char dead[LEASE_HOLDER_MAX], live[LEASE_HOLDER_MAX];
	pid_t dpid, lpid;
	size_t n;
	int w;

	memset(&sk, 0, sizeof(sk));
	outbox_init(&ob, db, &sk);
	queue(db, 0, "killed@x", 100);
	queue(db, 0, "running@x", 100);
	queue(db, 0, "free@x", 100);
	dpid = holder_child(dead, sizeof(dead), 0);
	waitpid(dpid, &w, 0);
	lpid = holder_child(live, sizeof(live), 1);
	T_INTEQ(db_outbox_due(db, 100, 0, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 3);
	if (n == 3) {
		T_INTEQ(db_outbox_claim(db, rows[0].id, 100, 600, dead), 1);
		T_INTEQ(db_outbox_claim(db, rows[1].id, 100, 600, live), 1);
	}
	db_outbox_rows_free(rows, n);
	/* a minute later, well inside both leases */
	T_INTEQ(outbox_drain(&ob, 160, 0, 0, &st), DB_OK);
	T_INTEQ(st.reclaimed, 1);
	T_INTEQ(st.sent, 2);
	T_INTEQ(sk.calls, 2);
	T_STREQ(sk.sent[0], "killed@x");
	T_STREQ(sk.sent[1], "free@x");
	/* --once: the live sender's notice is left, and said so */
	{
		int pending, leased;

		T_INTEQ(outbox_left(&ob, 160, &pending, &leased), DB_OK);
		T_INTEQ(pending, 1);
		T_INTEQ(leased, 1);
	}
	/* the live sender is killed: its notice goes too */
	kill(lpid, SIGKILL);
	waitpid(lpid, &w, 0);
	T_INTEQ(outbox_drain(&ob, 170, 0, 0, &st), DB_OK);
	T_INTEQ(st.reclaimed, 1);
	T_INTEQ(st.sent, 1);
	T_STREQ(sk.sent[2], "running@x");
	T_INTEQ(due(db, 99999, 1), 0);
	db_free(&db);
}

/* Issue 12 (c): a stop ends the drain between two notices. */
static void
test_drain_stops_between_notices(void)
{
	static volatile sig_atomic_t stop;
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	int i, pending, leased;

	memset(&sk, 0, sizeof(sk));
	outbox_init(&ob, db, &sk);
	for (i = 0; i < 250; i++) {
		char rcpt[32];

		snprintf(rcpt, sizeof(rcpt), "r%d@x", i);
		queue(db, 0, rcpt, 100);
	}
	stop = 0;
	ob.stop = &stop;
	sk.stop = &stop;
	sk.stop_after = 3;
	/* the send in hand ends and is recorded; nothing after it starts */
	T_INTEQ(outbox_drain(&ob, 100, 1, 0, &st), DB_OK);
	T_INTEQ(st.sent, 3);
	T_INTEQ(sk.calls, 3);
	T_INTEQ(outbox_left(&ob, 100, &pending, &leased), DB_OK);
	T_INTEQ(pending, 247);
	T_INTEQ(leased, 0);
	T_INTEQ(outbox_drain(&ob, 100, 1, 0, &st), DB_OK);
	T_INTEQ(sk.calls, 3);
	/* the next run sends the rest */
	stop = 0;
	sk.stop = NULL;
	T_INTEQ(outbox_drain(&ob, 100, 1, 0, &st), DB_OK);
	T_INTEQ(st.sent, 247);
	db_free(&db);
}

/* Issue 12 point 2: an outage keeps each recipient's order. */
static void
test_drain_order_through_outage(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;

	memset(&sk, 0, sizeof(sk));
	sk.script[0] = SINK_TEMP;
	sk.nscript = 1;
	outbox_init(&ob, db, &sk);
	queue(db, 0, "a@x", 100);
	/* down: a@x's first notice waits 30 s */
	T_INTEQ(outbox_drain(&ob, 100, 0, 0, &st), DB_OK);
	T_INTEQ(st.retry, 1);
	/* two more for a@x, one for b@x, due before the retry */
	queue(db, 0, "a@x", 105);
	queue(db, 0, "b@x", 106);
	queue(db, 0, "a@x", 107);
	T_INTEQ(outbox_drain(&ob, 130, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 4);
	/* b@x first (due first), then a@x's three (in the order written:
	 * test_db.c test_outbox_per_recipient) */
	T_STREQ(sk.sent[1], "b@x");
	T_STREQ(sk.sent[2], "a@x");
	T_STREQ(sk.sent[3], "a@x");
	T_STREQ(sk.sent[4], "a@x");
	T_INTEQ(due(db, 99999, 1), 0);
	db_free(&db);
}

/* The first send that works after an outage makes every retry due. */
static void
test_drain_wakes_retries(void)
{
	struct db *db = fresh();
	struct sink sk;
	struct outbox ob;
	struct outbox_stats st;
	struct db_outbox *rows;
	size_t n;

	memset(&sk, 0, sizeof(sk));
	sk.script[0] = SINK_TEMP;
	sk.nscript = 1;
	outbox_init(&ob, db, &sk);
	queue(db, 0, "long@x", 100);
	T_INTEQ(outbox_drain(&ob, 100, 0, 0, &st), DB_OK);
	T_INTEQ(st.retry, 1);
	/* as after many failures: its next try is far away */
	T_INTEQ(db_outbox_due(db, 100, 1, 0, 10, &rows, &n), DB_OK);
	T_INTEQ(n, 1);
	if (n == 1)
		T_INTEQ(db_outbox_retry(db, rows[0].id, 5000, "421"), DB_OK);
	db_outbox_rows_free(rows, n);
	queue(db, 0, "new@x", 120);
	/* the server is back: new@x goes, and long@x with it */
	T_INTEQ(outbox_drain(&ob, 130, 0, 0, &st), DB_OK);
	T_INTEQ(st.sent, 2);
	T_STREQ(sk.sent[1], "new@x");
	T_STREQ(sk.sent[2], "long@x");
	T_INTEQ(due(db, 99999, 1), 0);
	db_free(&db);
}

/* TICKETD_TEST_RETRY_SECS shortens the first step (tests only). */
static void
test_retry_env(void)
{
	struct outbox ob;

	setenv("TICKETD_TEST_RETRY_SECS", "2", 1);
	outbox_init(&ob, NULL, NULL);
	T_INTEQ(ob.first, 2);
	setenv("TICKETD_TEST_RETRY_SECS", "0", 1);
	outbox_init(&ob, NULL, NULL);
	T_INTEQ(ob.first, 30);
	setenv("TICKETD_TEST_RETRY_SECS", "3600", 1);
	outbox_init(&ob, NULL, NULL);
	T_INTEQ(ob.first, 30);
	unsetenv("TICKETD_TEST_RETRY_SECS");
	outbox_init(&ob, NULL, NULL);
	T_INTEQ(ob.first, 30);
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
	T_RUN(test_drain_unreadable);
	T_RUN(test_drain_ticket_and_lease);
	T_RUN(test_drain_reclaims_gone_holder);
	T_RUN(test_drain_stops_between_notices);
	T_RUN(test_drain_order_through_outage);
	T_RUN(test_drain_wakes_retries);
	T_RUN(test_retry_env);
	t_rmdir(tmpdir);
	return T_END();
}
