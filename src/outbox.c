/*
 * outbox.c — the transactional outbox's sender.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lease.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "xmalloc.h"

#define BACKOFF_FIRST	30	/* seconds after the first failure */
#define BACKOFF_MAX	3600	/* never wait longer than an hour */
#define LEASE_SECS	600	/* how long a sender holds a notice */
/*
 * A drain leases a batch of notices in one transaction and sends them one
 * by one; it starts no send later than this after the lease was taken
 * (the rest go back and are leased again), so every send still begins
 * near the start of its LEASE_SECS.
 */
#define CLAIM_USE_SECS	60

static int
backoff(int first, int n)
{
	int s = first;

	while (--n > 0 && s < BACKOFF_MAX)
		s *= 2;
	return s < BACKOFF_MAX ? s : BACKOFF_MAX;
}

int
outbox_backoff(int n)
{
	return backoff(BACKOFF_FIRST, n);
}

void
outbox_init(struct outbox *ob, struct db *db, struct sink *sink)
{
	const char *s;
	char *end;
	long v;

	memset(ob, 0, sizeof(*ob));
	ob->db = db;
	ob->sink = sink;
	ob->first = BACKOFF_FIRST;
	if ((s = getenv("TICKETD_TEST_RETRY_SECS")) != NULL && *s != '\0') {
		v = strtol(s, &end, 10);
		if (*end == '\0' && v >= 1 && v <= BACKOFF_FIRST)
			ob->first = (int)v;
	}
}

static int
stopped(const struct outbox *ob)
{
	return ob->stop != NULL && *ob->stop;
}

/* Record the sends the database refused before; DB_OK when all are. */
static int
record_sent(struct outbox *ob, time_t now)
{
	int rc;

	while (ob->nunrecorded > 0) {
		rc = db_outbox_sent(ob->db, ob->unrecorded[0], now);
		if (rc != DB_OK)
			return rc;
		log_info("outbox: notice %lld recorded as sent",
		    ob->unrecorded[0]);
		ob->nunrecorded--;
		memmove(ob->unrecorded, ob->unrecorded + 1,
		    ob->nunrecorded * sizeof(ob->unrecorded[0]));
	}
	return DB_OK;
}

/* Free the leases of senders that are gone (killed): they go out now. */
static int
reclaim(struct outbox *ob, time_t now, struct outbox_stats *st)
{
	char **holders;
	size_t n, i;
	int rc, k;

	if ((rc = db_outbox_holders(ob->db, now, &holders, &n)) != DB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (rc == DB_OK && strcmp(holders[i], lease_self()) != 0 &&
		    lease_holder_gone(holders[i])) {
			rc = db_outbox_release(ob->db, holders[i], &k);
			if (rc == DB_OK && k > 0) {
				st->reclaimed += k;
				log_info("outbox: %d notice(s) leased by PID %ld, "
				    "which is gone, are free again", k,
				    lease_holder_pid(holders[i]));
			}
		}
		free(holders[i]);
	}
	free(holders);
	return rc;
}

/* The server is back after an outage: what waits for a retry goes now. */
static int
wake(struct outbox *ob, time_t now)
{
	int rc, n;

	ob->hold_until = 0;
	rc = db_outbox_wake(ob->db, now, &n);
	if (rc == DB_OK && n > 0)
		log_info("outbox: the SMTP server takes mail again; %d "
		    "notice(s) waiting for a retry go now", n);
	return rc;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Give back the leases taken in a batch and not used (got[i] still 1). */
static void
unclaim(struct outbox *ob, long long *ids, const int *got, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (got[i])
			ids[k++] = ids[i];
	if (k > 0 && db_outbox_unclaim(ob->db, ids, k, lease_self()) != DB_OK)
		log_warnx("outbox: %zu notice(s) stay leased to this process "
		    "for up to %d s: %s", k, LEASE_SECS, db_errmsg(ob->db));
}

int
outbox_drain(struct outbox *ob, time_t now, int all, long long ticket,
    struct outbox_stats *st)
{
	struct db_outbox *rows;
	struct timespec t0;
	enum sink_result r;
	char err[512];
	long long *ids;
	size_t n, i;
	int rc, temp = 0, progress, *got;

	memset(st, 0, sizeof(*st));
	if ((rc = record_sent(ob, now)) != DB_OK ||
	    (rc = reclaim(ob, now, st)) != DB_OK)
		return rc;
	if (!all && now < ob->hold_until)
		return DB_OK;
	do {
		progress = 0;
		if (stopped(ob))
			break;
		rc = db_outbox_due(ob->db, now, all, ticket, LIMIT_OUTBOX_BATCH,
		    &rows, &n);
		if (rc != DB_OK)
			return rc;
		/*
		 * One transaction leases the whole batch: a lease is not
		 * durable state (a crashed sender's are freed), so this saves
		 * a sync to disk per notice. Each one is still recorded as
		 * sent in its own commit, right after the server's 250.
		 */
		ids = xcalloc(n + 1, sizeof(*ids));
		got = xcalloc(n + 1, sizeof(*got));
		for (i = 0; i < n; i++)
			ids[i] = rows[i].id;
		rc = db_outbox_claim_many(ob->db, ids, n, now, LEASE_SECS,
		    lease_self(), got);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n && !temp && rc == DB_OK && !stopped(ob); i++) {
			if (!got[i])
				continue;	/* another sender has it */
			if (progress > 0 && elapsed(&t0) >= CLAIM_USE_SECS)
				break;		/* lease the rest afresh */
			got[i] = 0;		/* used: never given back */
			progress++;
			err[0] = '\0';
			if (rows[i].bad != NULL) {
				/* never a half notice: it fails, and says why */
				snprintf(err, sizeof(err), "the stored notice "
				    "cannot be read: %s", rows[i].bad);
				r = SINK_PERM;
			} else
				r = sink_send(ob->sink, rows[i].mail_from,
				    rows[i].rcpt_to, rows[i].message,
				    rows[i].len, err, sizeof(err));
			metrics_notice((int)r);
			switch (r) {
			case SINK_OK:
				rc = db_outbox_sent(ob->db, rows[i].id, now);
				st->sent++;
				if (ob->fails > 0 && rc == DB_OK)
					rc = wake(ob, now);
				ob->fails = 0;
				log_info("ticket #%lld: %s notice sent to %s, "
				    "Message-ID <%s>", rows[i].ticket_number,
				    rows[i].kind, rows[i].rcpt_to,
				    rows[i].message_id);
				if (rc != DB_OK && ob->nunrecorded <
				    OUTBOX_UNRECORDED_MAX) {
					/* still leased to us: nobody sends it */
					ob->unrecorded[ob->nunrecorded++] =
					    rows[i].id;
					log_warnx("outbox: notice %lld was sent "
					    "but the database could not record "
					    "it (%s); trying again",
					    rows[i].id, db_errmsg(ob->db));
				}
				break;
			case SINK_TEMP:
				ob->fails++;
				rc = db_outbox_retry(ob->db, rows[i].id, now +
				    backoff(ob->first, rows[i].attempts + 1),
				    err);
				ob->hold_until = now + backoff(ob->first,
				    ob->fails);
				st->retry++;
				temp = 1;
				log_warnx("ticket #%lld: %s notice to %s not sent, "
				    "will retry: %s", rows[i].ticket_number,
				    rows[i].kind, rows[i].rcpt_to, err);
				break;
			case SINK_PERM:
				rc = db_outbox_failed(ob->db, rows[i].id, err);
				st->failed++;
				log_warnx("ticket #%lld: %s notice to %s failed "
				    "permanently: %s", rows[i].ticket_number,
				    rows[i].kind, rows[i].rcpt_to, err);
				break;
			}
		}
		unclaim(ob, ids, got, n);
		free(ids);
		free(got);
		db_outbox_rows_free(rows, n);
	} while (rc == DB_OK && !temp && progress > 0);
	return rc;
}

int
outbox_next(struct outbox *ob, time_t *when)
{
	int rc;

	rc = db_outbox_next(ob->db, when);
	if (rc == 1 && *when < ob->hold_until)
		*when = ob->hold_until;
	return rc;
}

int
outbox_left(struct outbox *ob, time_t now, int *pending, int *leased)
{
	return db_outbox_left(ob->db, now, pending, leased);
}

size_t
outbox_flush(struct outbox *ob, time_t now)
{
	if (ob->nunrecorded > 0 && record_sent(ob, now) != DB_OK)
		log_warnx("outbox: %zu notice(s) were sent but could not be "
		    "recorded (%s); they go out again on the next start",
		    ob->nunrecorded, db_errmsg(ob->db));
	return ob->nunrecorded;
}
