/*
 * web_api.c — the machine-readable routes: /metrics (Prometheus text
 * format), /api/stats.json and /healthz. Open to whoever reaches the
 * port: figures only, no ticket content.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_web.h"
#include "html.h"
#include "json.h"
#include "metrics.h"
#include "stats.h"
#include "web_impl.h"
#include "web_pages.h"

void
web_page_metrics(struct web_ctx *ctx, struct web_reply *r)
{
	const struct stats *st;
	struct metrics m;
	struct out o;
	long long pending = 0, failed = 0, computed, last_ms, missed;
	int rc, p, s;

	rc = wp_stats(ctx, &st);
	if (rc == DB_OK)
		rc = db_web_outbox(ctx->db, &pending, &failed);
	if (rc != DB_OK) {
		r->status = rc == DB_TEMP ? 503 : 500;
		r->type = TEXT_TYPE;
		buf_addstr(&r->body, "database error\n");
		return;
	}
	metrics_read(&m);
	o.b = &r->body;
	o.err = 0;
	r->type = PROM_TYPE;
	wp_raw(&o, "# HELP ticketd_tickets Tickets by status and priority.\n"
	    "# TYPE ticketd_tickets gauge\n");
	for (p = 0; p < STATS_NPRIO; p++)
		for (s = 0; s < STATS_NSTATUS; s++)
			wp_printf(&o, "ticketd_tickets{status=\"%s\","
			    "priority=\"%s\"} %lld\n", stats_status_name(s),
			    stats_prio_name(p), st->by[p][s]);
	wp_printf(&o, "# HELP ticketd_outbox_pending Notices waiting to be "
	    "sent.\n# TYPE ticketd_outbox_pending gauge\n"
	    "ticketd_outbox_pending %lld\n", pending);
	wp_printf(&o, "# HELP ticketd_outbox_failed Notices given up on.\n"
	    "# TYPE ticketd_outbox_failed gauge\n"
	    "ticketd_outbox_failed %lld\n", failed);
	wp_raw(&o, "# HELP ticketd_mails_total Mails taken in since the start, "
	    "by outcome.\n# TYPE ticketd_mails_total counter\n");
	wp_printf(&o, "ticketd_mails_total{outcome=\"ticket\"} %llu\n"
	    "ticketd_mails_total{outcome=\"comment\"} %llu\n"
	    "ticketd_mails_total{outcome=\"duplicate\"} %llu\n"
	    "ticketd_mails_total{outcome=\"ignored\"} %llu\n"
	    "ticketd_mails_total{outcome=\"failed\"} %llu\n",
	    m.mails[0], m.mails[1], m.mails[2], m.mails[3], m.mails[4]);
	wp_printf(&o, "# HELP ticketd_parse_failures_total Mails nothing "
	    "usable could be read from (kept in the failed folder).\n"
	    "# TYPE ticketd_parse_failures_total counter\n"
	    "ticketd_parse_failures_total %llu\n", m.mails[4]);
	wp_printf(&o, "# HELP ticketd_imap_reconnects_total IMAP logins after "
	    "the first.\n# TYPE ticketd_imap_reconnects_total counter\n"
	    "ticketd_imap_reconnects_total %llu\n", m.imap_reconnects);
	wp_printf(&o, "# HELP ticketd_notices_sent_total Notices the SMTP "
	    "server took.\n# TYPE ticketd_notices_sent_total counter\n"
	    "ticketd_notices_sent_total %llu\n", m.notices_sent);
	wp_printf(&o, "# HELP ticketd_smtp_failures_total Notices the SMTP "
	    "server did not take, by kind of failure.\n"
	    "# TYPE ticketd_smtp_failures_total counter\n"
	    "ticketd_smtp_failures_total{kind=\"temporary\"} %llu\n"
	    "ticketd_smtp_failures_total{kind=\"permanent\"} %llu\n",
	    m.smtp_temp_failures, m.smtp_perm_failures);
	/* issue 9 (SLA): ticketd_sla_breached, once the clock exists */
	if (st->sla_known)
		wp_printf(&o, "# HELP ticketd_sla_breached Tickets past their "
		    "SLA target.\n# TYPE ticketd_sla_breached gauge\n"
		    "ticketd_sla_breached %lld\n", st->breached);
	wp_printf(&o, "# HELP ticketd_tickets_self_help Tickets closed by "
	    "their requester's /solved (self-help).\n# TYPE "
	    "ticketd_tickets_self_help gauge\nticketd_tickets_self_help "
	    "%lld\n", st->self_help);
	web_stats_info(ctx->site->stats, &computed, &last_ms, &missed);
	wp_printf(&o, "# HELP ticketd_web_figures_total Times the page's "
	    "figures (dashboard, these gauges) were computed.\n# TYPE "
	    "ticketd_web_figures_total counter\nticketd_web_figures_total "
	    "%lld\n", computed);
	wp_printf(&o, "# HELP ticketd_web_figures_seconds How long their last "
	    "computation took.\n# TYPE ticketd_web_figures_seconds gauge\n"
	    "ticketd_web_figures_seconds %lld.%03lld\n", last_ms / 1000,
	    last_ms % 1000);
	wp_printf(&o, "# HELP ticketd_web_figures_age_seconds Age of the "
	    "figures shown.\n# TYPE ticketd_web_figures_age_seconds gauge\n"
	    "ticketd_web_figures_age_seconds %lld\n", ctx->now >= st->now ?
	    (long long)(ctx->now - st->now) : 0LL);
	wp_printf(&o, "# HELP ticketd_web_figures_waits_missed_total Requests "
	    "that waited for new figures in vain (the wait ran out or their "
	    "computation failed) and were shown older ones.\n"
	    "# TYPE ticketd_web_figures_waits_missed_total counter\n"
	    "ticketd_web_figures_waits_missed_total %lld\n", missed);
	wp_printf(&o, "# HELP ticketd_start_time_seconds When the daemon "
	    "started.\n# TYPE ticketd_start_time_seconds gauge\n"
	    "ticketd_start_time_seconds %lld\n", (long long)m.started);
	if (o.err) {
		buf_reset(&r->body);
		r->status = 500;
	}
}

void
web_page_stats_json(struct web_ctx *ctx, struct web_reply *r)
{
	const struct stats *st;
	struct out o;
	char t[64];
	size_t i;
	int rc, p, s;

	rc = wp_stats(ctx, &st);
	if (rc != DB_OK) {
		r->status = rc == DB_TEMP ? 503 : 500;
		r->type = JSON_TYPE;
		buf_addstr(&r->body, "{\"error\":\"database\"}\n");
		return;
	}
	o.b = &r->body;
	o.err = 0;
	r->type = JSON_TYPE;
	wp_raw(&o, "{");
	wp_key(&o, "generated_at");
	wp_json(&o, wp_iso(t, sizeof(t), ctx->now));
	wp_printf(&o, ",\"raised\":%lld,\"by_status\":{", st->raised);
	for (s = 0; s < STATS_NSTATUS; s++)
		wp_printf(&o, "%s\"%s\":%lld", s > 0 ? "," : "",
		    stats_status_name(s), st->by_status[s]);
	wp_raw(&o, "},\"by_priority\":{");
	for (p = 0; p < STATS_NPRIO; p++) {
		wp_printf(&o, "%s\"%s\":{", p > 0 ? "," : "",
		    stats_prio_name(p));
		for (s = 0; s < STATS_NSTATUS; s++)
			wp_printf(&o, "%s\"%s\":%lld", s > 0 ? "," : "",
			    stats_status_name(s), st->by[p][s]);
		wp_raw(&o, "}");
	}
	/* null until the SLA clock (issue 9) counts breaches */
	if (st->sla_known)
		wp_printf(&o, "},\"breached\":%lld", st->breached);
	else
		wp_raw(&o, "},\"breached\":null");
	wp_printf(&o, ",\"self_help\":%lld", st->self_help);
	wp_raw(&o, ",\"days\":[");
	for (i = 0; i < STATS_DAYS; i++) {
		struct tm tm;
		char day[16];

		if (localtime_r(&st->day_start[i], &tm) == NULL ||
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
			snprintf(day, sizeof(day), "?");
		wp_printf(&o, "%s{\"day\":\"%s\",\"opened\":%lld,\"closed\":"
		    "%lld}", i > 0 ? "," : "", day, st->opened[i],
		    st->closed[i]);
	}
	wp_raw(&o, "],\"resolution_30d\":{");
	for (p = 0; p < STATS_NPRIO; p++)
		wp_printf(&o, "%s\"%s\":{\"resolved\":%lld,\"median_secs\":"
		    "%lld,\"p90_secs\":%lld}", p > 0 ? "," : "",
		    stats_prio_name(p), st->prio[p].resolved,
		    st->prio[p].median_secs, st->prio[p].p90_secs);
	wp_raw(&o, "},\"admins\":[");
	for (i = 0; i < st->nadmins; i++) {
		const struct stats_admin *a = &st->admins[i];

		wp_raw(&o, i > 0 ? ",{" : "{");
		wp_key(&o, "email");
		wp_json(&o, a->email);
		wp_raw(&o, ",");
		wp_key(&o, "name");
		wp_json(&o, a->name);
		wp_printf(&o, ",\"root\":%s,\"online\":%s,\"away\":%s,"
		    "\"open\":%lld,\"resolved_7d\":%lld,\"resolved_30d\":%lld,"
		    "\"median_secs\":%lld,", a->root ? "true" : "false",
		    a->online ? "true" : "false", a->away ? "true" : "false",
		    a->open, a->resolved_7d, a->resolved_30d, a->median_secs);
		if (a->sla_met_pct >= 0)
			wp_printf(&o, "\"sla_met_pct\":%d,", a->sla_met_pct);
		else
			wp_raw(&o, "\"sla_met_pct\":null,");
		wp_printf(&o, "\"handovers_given\":%lld,\"handovers_received\":"
		    "%lld,", a->given, a->received);
		if (a->first_response_secs >= 0)
			wp_printf(&o, "\"first_response_secs\":%lld,",
			    a->first_response_secs);
		else
			wp_raw(&o, "\"first_response_secs\":null,");
		wp_key(&o, "last_seen");
		wp_json(&o, a->last_seen > 0 ? wp_iso(t, sizeof(t),
		    a->last_seen) : NULL);
		wp_raw(&o, "}");
	}
	wp_raw(&o, "]}\n");
	if (o.err) {
		buf_reset(&r->body);
		r->status = 500;
	}
}

/*
 * /healthz, for a monitor: 200 while the database answers and the mail
 * loop had a good answer from the mailbox within its window (ticketd sets
 * it: twice [imap] poll_interval, or twice the 5 minutes of an IDLE round,
 * plus twice [imap] timeout); 503 when the database does not
 * answer or the loop is stale. The first line is "ok" or why not; then
 * the last poll and the outbox's depth, "key: value" a line. Real time,
 * not TICKETD_NOW: the loop's own clock.
 */
void
web_page_healthz(struct web_ctx *ctx, struct web_reply *r)
{
	struct metrics m;
	long long pending = 0, failed = 0, age = -1;
	time_t now = time(NULL);
	char t[64];
	int stale = 0;

	r->type = TEXT_TYPE;
	if (db_web_ping(ctx->db) != DB_OK ||
	    db_web_outbox(ctx->db, &pending, &failed) != DB_OK) {
		r->status = 503;
		buf_addstr(&r->body, "database not answering\n");
		return;
	}
	metrics_read(&m);
	if (m.last_poll > 0)
		age = now - m.last_poll;
	if (m.poll_window > 0 && (m.last_poll > 0 ? age > m.poll_window :
	    now - m.started > m.poll_window))
		stale = 1;
	if (stale) {
		r->status = 503;
		buf_printf(&r->body, "stale: no good answer from the mailbox "
		    "for %lld s (allowed %lld s)\n", m.last_poll > 0 ? age :
		    (long long)(now - m.started), m.poll_window);
	} else
		buf_addstr(&r->body, "ok\n");
	if (m.last_poll > 0)
		buf_printf(&r->body, "last_poll: %s (%lld s ago)\n",
		    wp_iso(t, sizeof(t), m.last_poll), age);
	else
		buf_addstr(&r->body, "last_poll: none yet\n");
	buf_printf(&r->body, "poll_window: %lld s\n", m.poll_window);
	buf_printf(&r->body, "outbox_pending: %lld\noutbox_failed: %lld\n",
	    pending, failed);
}
