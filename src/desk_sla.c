/*
 * desk_sla.c — the SLA clock on the desk's tickets (issue 9): a due time
 * for each ticket from its priority's target ([sla] high, medium, low),
 * counted in business hours when [sla] business_hours is set, recomputed
 * from creation when the priority changes; the sweep that warns the
 * assignee at warn_at and, at the due time, asks the assignee for the
 * cause and tells the root admins — once per ticket; and the admin's
 * /reason. The arithmetic is sla.c's; this file is the workflow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "sla.h"
#include "template.h"
#include "xmalloc.h"

/* Tickets looked at per sweep round (the sweep goes round until done). */
#define SWEEP_BATCH	200
#define SWEEP_ROUNDS	1000

/* The resolution target of a priority, in seconds of the clock; 0: none. */
static long long
target(const struct config *cfg, const char *priority)
{
	if (priority == NULL)
		return 0;
	if (strcmp(priority, "high") == 0)
		return cfg->sla.high;
	if (strcmp(priority, "medium") == 0)
		return cfg->sla.medium;
	if (strcmp(priority, "low") == 0)
		return cfg->sla.low;
	return 0;
}

static const struct sla_hours *
hours(const struct config *cfg)
{
	return cfg->sla.has_hours ? &cfg->sla.hours : NULL;
}

/* "Fri 2026-12-04 17:00 CET" in the desk's time zone. */
void
pl_format_time(time_t t, char *buf, size_t sz)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sz, "%a %Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, sz, "%lld", (long long)t);
}

void
pl_due_note(const struct db_ticket_info *ti, char *buf, size_t sz)
{
	char when[64];

	buf[0] = '\0';
	if (ti->due_at <= 0 || (ti->status != NULL &&
	    strcmp(ti->status, "rejected") == 0))
		return;
	pl_format_time((time_t)ti->due_at, when, sizeof(when));
	if (ti->closed_at > 0)
		snprintf(buf, sz, "It was due by %s: %s.", when,
		    ti->closed_at <= ti->due_at ? "met" : "missed");
	else if (ti->breached_at > 0)
		snprintf(buf, sz, "It was due by %s and is overdue.", when);
	else
		snprintf(buf, sz, "It is due to be resolved by %s.", when);
}

int
pl_sla_compute(struct pipeline *pl, long long ticket, time_t now,
    long long *due_out)
{
	const struct config *cfg = pl->cfg;
	struct db_ticket_info ti;
	long long secs, due = 0, warn = 0;
	time_t d;
	int rc;

	if ((rc = db_ticket_info(pl->db, ticket, &ti)) != 0)
		return rc == 1 ? DB_PERM : rc;
	secs = target(cfg, ti.priority);
	if (secs > 0) {
		d = sla_due((time_t)ti.created_at, secs, hours(cfg));
		if (d == (time_t)-1)
			log_warnx("ticket #%lld: no due time: business_hours "
			    "give no time to count %lld seconds in", ticket,
			    secs);
		else {
			due = (long long)d;
			if (cfg->sla.warn_pct > 0) {
				d = sla_due((time_t)ti.created_at,
				    secs * cfg->sla.warn_pct / 100, hours(cfg));
				warn = d != (time_t)-1 ? (long long)d : 0;
			}
		}
	}
	/* a clock that runs again can warn and breach again; one that has
	 * already run out keeps its breach (once per ticket) */
	rc = db_sla_set(pl->db, ticket, due, warn, due > (long long)now);
	if (due_out != NULL)
		*due_out = due;
	db_ticket_info_clear(&ti);
	return rc;
}

/* A mail-less intake for notices the clock sends. */
static void
clock_intake(struct intake *in, struct pipeline_mail *pm, struct pipeline *pl,
    time_t now)
{
	memset(in, 0, sizeof(*in));
	memset(pm, 0, sizeof(*pm));
	in->pl = pl;
	in->pm = pm;
	in->now = now;
}

/* Every root admin who is not away. */
static int
tell_roots(struct intake *in, const struct db_ticket_info *ti,
    const char *kind, const char *tpl, const struct template_var *v,
    size_t nv)
{
	struct db_admin *rows;
	size_t i, n;
	int rc;

	if ((rc = db_admins(in->pl->db, in->now, &rows, &n)) != DB_OK)
		return rc;
	for (i = 0; i < n && rc == DB_OK; i++)
		if (rows[i].root && !rows[i].away)
			rc = pl_tell(in, ti, kind, tpl, rows[i].email, 0, v, nv);
	db_admins_free(rows, n);
	return rc;
}

static int
warn_or_breach(struct intake *in, long long ticket, enum db_sla_what what)
{
	struct pipeline *pl = in->pl;
	struct db_ticket_info ti;
	struct template_var v[2];
	char due[64];
	int rc;

	if ((rc = db_ticket_info(pl->db, ticket, &ti)) != 0)
		return rc == 1 ? DB_PERM : rc;
	if ((rc = db_sla_mark(pl->db, ticket, what, in->now)) != DB_OK)
		goto done;
	pl_format_time((time_t)ti.due_at, due, sizeof(due));
	v[0] = (struct template_var){ "due", due };
	if (what == DB_SLA_WARN) {
		rc = db_event_add(pl->db, ticket, 0, "sla-warning", due, in->now);
		if (rc == DB_OK && ti.assignee != NULL)
			rc = pl_tell(in, &ti, "sla-warning", pl->tpl_sla_warning,
			    ti.assignee, 0, v, 1);
		log_info("ticket #%lld: due at %s; %s warned", ticket, due,
		    ti.assignee != NULL ? "its admin" : "nobody to be");
		goto done;
	}
	ti.breached_at = in->now;
	v[1] = (struct template_var){ "assignee_or_none", ti.assignee != NULL ?
	    ti.assignee : "nobody (the ticket is open)" };
	rc = db_event_add(pl->db, ticket, 0, "sla-breach", due, in->now);
	if (rc == DB_OK && ti.assignee != NULL)
		rc = pl_tell(in, &ti, "sla-breach", pl->tpl_sla_breach,
		    ti.assignee, 0, v, 1);
	if (rc == DB_OK)
		rc = tell_roots(in, &ti, "sla-escalation",
		    pl->tpl_sla_escalation, v, 2);
	log_warnx("ticket #%lld: missed its due time %s (%s)", ticket, due,
	    ti.assignee != NULL ? "its admin is asked why" : "unassigned");
done:
	db_ticket_info_clear(&ti);
	return rc;
}

int
pipeline_sla_tick(struct pipeline *pl, time_t now, time_t *next)
{
	struct intake in;
	struct pipeline_mail pm;
	struct db_sla_due *rows;
	size_t n, i, round;
	time_t unused;
	int rc, timer = next != NULL;

	if (next == NULL)
		next = &unused;
	*next = 0;
	clock_intake(&in, &pm, pl, now);
	/*
	 * Not synced: everything here is worked out again from the tickets
	 * by the next sweep if a power failure loses it (a due time not
	 * stored is computed, a warning or breach not marked is found due),
	 * and the commit marking its notices sent syncs it with them.
	 */
	if ((rc = db_begin_unsynced(pl->db)) != DB_OK)
		return rc;
	for (round = 0; round < SWEEP_ROUNDS; round++) {
		if ((rc = db_sla_due(pl->db, now, SWEEP_BATCH, &rows, &n)) !=
		    DB_OK)
			break;
		for (i = 0; i < n && rc == DB_OK; i++)
			rc = rows[i].what == DB_SLA_COMPUTE ?
			    pl_sla_compute(pl, rows[i].ticket, now, NULL) :
			    warn_or_breach(&in, rows[i].ticket, rows[i].what);
		free(rows);
		if (rc != DB_OK || n == 0)
			break;
	}
	if (rc == DB_OK)
		rc = pl_daily_digest(pl, now);
	if (rc != DB_OK) {
		db_rollback(pl->db);
		return rc;
	}
	if ((rc = db_commit(pl->db)) != DB_OK)
		return rc;
	/* the next due or warning time: only for a timer */
	if (timer && db_sla_next(pl->db, next) < 0)
		*next = now + 60;
	if (timer)
		pl_digest_next(pl, now, next);
	/* issue 11: the classifier's nightly training, in its own time */
	return pipeline_retrain_tick(pl, now, next);
}

int
pl_sla_reason(struct intake *in, const struct db_ticket_info *ti,
    const char *reason)
{
	struct pipeline *pl = in->pl;
	struct template_var v[2];
	struct db_ticket_info t;
	char due[64];
	int rc;

	if ((rc = db_sla_reason(pl->db, ti->number, reason)) != DB_OK ||
	    (rc = db_event_add(pl->db, ti->number, in->sender, "sla-reason",
	    reason, in->now)) != DB_OK)
		return rc;
	if ((rc = db_ticket_info(pl->db, ti->number, &t)) != 0)
		return rc == 1 ? DB_PERM : rc;
	due[0] = '\0';
	if (t.due_at > 0)
		pl_format_time((time_t)t.due_at, due, sizeof(due));
	v[0] = (struct template_var){ "reason", reason };
	v[1] = (struct template_var){ "due", due[0] != '\0' ? due : "(none)" };
	rc = tell_roots(in, &t, "sla-reason", pl->tpl_sla_reason, v, 2);
	db_ticket_info_clear(&t);
	return rc;
}
