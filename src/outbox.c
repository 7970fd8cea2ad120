/*
 * outbox.c — the transactional outbox's sender.
 */
#include <string.h>

#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"

#define BACKOFF_FIRST	30	/* seconds after the first failure */
#define BACKOFF_MAX	3600	/* never wait longer than an hour */
#define LEASE_SECS	600	/* how long a sender holds a notice */

int
outbox_backoff(int n)
{
	int s = BACKOFF_FIRST;

	while (--n > 0 && s < BACKOFF_MAX)
		s *= 2;
	return s < BACKOFF_MAX ? s : BACKOFF_MAX;
}

void
outbox_init(struct outbox *ob, struct db *db, struct sink *sink)
{
	memset(ob, 0, sizeof(*ob));
	ob->db = db;
	ob->sink = sink;
}

int
outbox_drain(struct outbox *ob, time_t now, int all, long long ticket,
    struct outbox_stats *st)
{
	struct db_outbox *rows;
	enum sink_result r;
	char err[512];
	size_t n, i;
	int rc, temp = 0;

	memset(st, 0, sizeof(*st));
	if (!all && now < ob->hold_until)
		return DB_OK;
	do {
		rc = db_outbox_due(ob->db, now, all, ticket, LIMIT_OUTBOX_BATCH,
		    &rows, &n);
		if (rc != DB_OK)
			return rc;
		for (i = 0; i < n && !temp && rc == DB_OK; i++) {
			rc = db_outbox_claim(ob->db, rows[i].id, now, LEASE_SECS);
			if (rc == 0) {
				rc = DB_OK;
				continue;	/* another sender has it */
			}
			if (rc < 0)
				break;
			err[0] = '\0';
			r = sink_send(ob->sink, rows[i].mail_from, rows[i].rcpt_to,
			    rows[i].message, rows[i].len, err, sizeof(err));
			metrics_notice((int)r);
			switch (r) {
			case SINK_OK:
				rc = db_outbox_sent(ob->db, rows[i].id, now);
				st->sent++;
				ob->fails = 0;
				log_info("ticket #%lld: %s notice sent to %s, "
				    "Message-ID <%s>", rows[i].ticket_number,
				    rows[i].kind, rows[i].rcpt_to,
				    rows[i].message_id);
				break;
			case SINK_TEMP:
				ob->fails++;
				rc = db_outbox_retry(ob->db, rows[i].id, now +
				    outbox_backoff(rows[i].attempts + 1), err);
				ob->hold_until = now + outbox_backoff(ob->fails);
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
		db_outbox_rows_free(rows, n);
	} while (rc == DB_OK && !temp && n == LIMIT_OUTBOX_BATCH);
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
