/*
 * web_pages.c — the status page's frame (see web_pages.h): replies, the
 * output helpers the pages share (web_impl.h), the layout around every
 * page, error pages, the dashboard and the stylesheet. The list is in
 * web_list.c, one ticket in web_ticket.c, the knowledge base in
 * web_kb.c, the machine-readable routes in web_api.c.
 *
 * Everything that comes from the database or the request is written with
 * the escaping functions of html.h (or json.h): the templates hold only
 * our markup, the C code builds the repeated rows, and a value never
 * reaches the output unescaped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_web.h"
#include "html.h"
#include "json.h"
#include "stats.h"
#include "svg.h"
#include "web_impl.h"
#include "web_pages.h"
#include "xmalloc.h"

/* Generated from templates/web/ by the Makefile (contrib/embed.sh). */
extern const char web_tpl_layout_html[];
extern const char web_tpl_dashboard_html[];
extern const char web_tpl_message_html[];
extern const char web_tpl_style_css[];

void
wp_raw(struct out *o, const char *s)
{
	if (!o->err && s != NULL && buf_addstr(o->b, s) == -1)
		o->err = 1;
}

void
wp_text(struct out *o, const char *s)
{
	if (!o->err && html_text(o->b, s) == -1)
		o->err = 1;
}

void
wp_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	/* only our own short formats come here: numbers, classes */
	if (n < 0 || (size_t)n >= sizeof(small) ||
	    buf_add(o->b, small, (size_t)n) == -1)
		o->err = 1;
}

void
wp_json(struct out *o, const char *s)
{
	if (!o->err && json_str(o->b, s) == -1)
		o->err = 1;
}

void
wp_key(struct out *o, const char *k)
{
	if (!o->err && json_key(o->b, k) == -1)
		o->err = 1;
}

/*
 * Replies.
 */

void
web_reply_init(struct web_reply *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, WEB_MAX_BODY_BYTES);
	r->status = 200;
	r->type = HTML_TYPE;
	r->cache = "no-store";
}

void
web_reply_clear(struct web_reply *r)
{
	buf_clear(&r->body);
	free(r->disposition);
	r->disposition = NULL;
}

const char *
web_arg(const struct web_ctx *ctx, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < ctx->nargs; i++) {
		if (strcmp(ctx->args[i].name, name) == 0) {
			if (len != NULL)
				*len = ctx->args[i].len;
			return ctx->args[i].value;
		}
	}
	return NULL;
}

/* A web_arg that is present and not empty, or NULL. */
const char *
wp_arg(const struct web_ctx *ctx, const char *name)
{
	const char *v = web_arg(ctx, name, NULL);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * Dates and links.
 */

const char *
wp_time(char *buf, size_t sz, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, sz, "-");
	return buf;
}

const char *
wp_iso(char *buf, size_t sz, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sz, "-");
	return buf;
}

/* "just now", "5m ago", "3h ago", "2d ago", or the date. */
const char *
wp_ago(char *buf, size_t sz, long long now, long long t)
{
	long long d = now - t;

	if (t <= 0)
		snprintf(buf, sz, "never");
	else if (d < 60)
		snprintf(buf, sz, "just now");
	else if (d < 3600)
		snprintf(buf, sz, "%lldm ago", d / 60);
	else if (d < 86400)
		snprintf(buf, sz, "%lldh ago", d / 3600);
	else if (d < 30 * 86400)
		snprintf(buf, sz, "%lldd ago", d / 86400);
	else
		wp_time(buf, sz, t);
	return buf;
}

const char *
wp_size(char *buf, size_t sz, long long n)
{
	if (n < 1024)
		snprintf(buf, sz, "%lld B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, sz, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, sz, "%.1f MiB", (double)n / (1024 * 1024));
	return buf;
}

/*
 * attr="URL" for path with query pairs (name, value, …, NULL): the prefix
 * of base_url before it and the key after (carry_key: 1 the desk key
 * when there is one, 2 whatever valid key the request had). Empty values
 * are left out; the whole URL is escaped for the attribute.
 */
static void
wp_urlv(struct out *o, const struct web_ctx *ctx, const char *attr,
    int carry_key, const char *path, va_list ap)
{
	struct buf u;
	const char *n, *v;
	int first = 1;

	buf_init(&u, 8192);
	buf_addstr(&u, ctx->site->prefix);
	buf_addstr(&u, path);
	while ((n = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL || v[0] == '\0')
			continue;
		buf_addch(&u, first ? '?' : '&');
		first = 0;
		buf_addstr(&u, n);
		buf_addch(&u, '=');
		html_urlencode(&u, v);
	}
	if (ctx->key != NULL && (carry_key == 2 ||
	    (carry_key == 1 && ctx->desk))) {
		buf_addch(&u, first ? '?' : '&');
		buf_addstr(&u, "k=");
		html_urlencode(&u, ctx->key);
	}
	wp_raw(o, attr);
	wp_raw(o, "=\"");
	if (!o->err && html_escape(o->b, u.data, u.len) == -1)
		o->err = 1;
	wp_raw(o, "\"");
	buf_clear(&u);
}

void
wp_href(struct out *o, const struct web_ctx *ctx, int carry_key,
    const char *path, ...)
{
	va_list ap;

	va_start(ap, path);
	wp_urlv(o, ctx, "href", carry_key, path, ap);
	va_end(ap);
}

void
wp_src(struct out *o, const struct web_ctx *ctx, int carry_key,
    const char *path, ...)
{
	va_list ap;

	va_start(ap, path);
	wp_urlv(o, ctx, "src", carry_key, path, ap);
	va_end(ap);
}

/* <a href="/t/N?k=…">#N</a>, keyed for desk viewers. */
void
wp_ticket_link(struct out *o, const struct web_ctx *ctx, long long n,
    const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/t/%lld", n);
	wp_raw(o, "<a ");
	wp_href(o, ctx, 1, path, NULL);
	wp_raw(o, ">");
	if (text != NULL)
		wp_text(o, text);
	else
		wp_printf(o, "#%lld", n);
	wp_raw(o, "</a>");
}

void
wp_pill(struct out *o, const char *kind, const char *v)
{
	const char *safe = "x";

	/* our own values only reach the class; anything else is escaped */
	if (v != NULL && (stats_status_index(v) >= 0 ||
	    stats_prio_index(v) >= 0))
		safe = v;
	wp_printf(o, "<span class=\"pill %s-%s\">", kind, safe);
	wp_text(o, v != NULL ? v : "-");
	wp_raw(o, "</span>");
}

/* "Name <addr>" as text: the name when known, the address muted. */
void
wp_person(struct out *o, const char *addr, const char *name)
{
	if (addr == NULL) {
		wp_raw(o, "<span class=\"who\">the desk</span>");
		return;
	}
	if (name != NULL && name[0] != '\0') {
		wp_text(o, name);
		wp_raw(o, " <span class=\"who\">");
		wp_text(o, addr);
		wp_raw(o, "</span>");
	} else
		wp_text(o, addr);
}

/*
 * The layout around every HTML page.
 */

static void
nav_link(struct out *o, const struct web_ctx *ctx, const char *path,
    const char *label, int on)
{
	wp_raw(o, "<a ");
	wp_href(o, ctx, 1, path, NULL);
	wp_raw(o, on ? " class=\"on\">" : ">");
	wp_text(o, label);
	wp_raw(o, "</a>");
}

void
wp_render(struct web_ctx *ctx, struct web_reply *r, const char *title,
    enum nav on, const char *tpl, const struct html_var *vars, size_t n)
{
	struct buf content, nav, notice, home;
	struct out o;
	char gen[96], when[64], tz[16];
	struct tm tm;
	int rc;

	buf_init(&content, WEB_MAX_BODY_BYTES);
	buf_init(&nav, 4096);
	buf_init(&notice, 4096);
	buf_init(&home, 4096);
	rc = html_fill(&content, tpl, vars, n);

	o.b = &nav;
	o.err = 0;
	nav_link(&o, ctx, "/", "Dashboard", on == NAV_DASH);
	if (ctx->desk)
		nav_link(&o, ctx, "/tickets", "Tickets", on == NAV_TICKETS);
	nav_link(&o, ctx, "/kb", "Knowledge base", on == NAV_KB);
	if (ctx->desk)
		nav_link(&o, ctx, "/assets", "Assets", on == NAV_ASSETS);
	o.b = &notice;
	if (ctx->bad_key)
		wp_raw(&o, "<div class=\"notice\"><p>This link is not valid "
		    "(it may have expired). The figures are open to all; "
		    "ticket pages need the link from a recent notice.</p>"
		    "</div>");
	o.b = &home;
	buf_addstr(&home, ctx->site->prefix);
	buf_addstr(&home, "/");
	if (ctx->desk && ctx->key != NULL) {
		buf_addstr(&home, "?k=");
		html_urlencode(&home, ctx->key);
	}

	tz[0] = '\0';
	if (localtime_r(&ctx->now, &tm) == NULL ||
	    strftime(tz, sizeof(tz), "%Z", &tm) == 0)
		tz[0] = '\0';
	wp_time(when, sizeof(when), ctx->now);
	snprintf(gen, sizeof(gen), "%s %s", when, tz);

	if (rc == 0) {
		const struct html_var lv[] = {
			{ "title", title, 0 },
			{ "desk", ctx->site->cfg->helpdesk.name, 0 },
			{ "prefix", ctx->site->prefix, 0 },
			{ "home", home.data, 0 },
			{ "nav", nav.data, 1 },
			{ "notice", notice.data, 1 },
			{ "content", content.data, 1 },
			{ "version", ctx->site->version, 0 },
			{ "generated", gen, 0 },
		};

		buf_reset(&r->body);
		rc = html_fill(&r->body, web_tpl_layout_html, lv,
		    sizeof(lv) / sizeof(lv[0]));
	}
	if (rc != 0 || o.err) {
		buf_reset(&r->body);
		r->status = 500;
		buf_addstr(&r->body, rc == -2 ? "template error\n" :
		    "this page is too large to show; use ticketctl\n");
		r->type = TEXT_TYPE;
	} else
		r->type = HTML_TYPE;
	buf_clear(&content);
	buf_clear(&nav);
	buf_clear(&notice);
	buf_clear(&home);
}

void
web_page_error(struct web_ctx *ctx, struct web_reply *r, int status,
    const char *text)
{
	const char *title;
	char home[512];

	switch (status) {
	case 400:
		title = "Bad request";
		break;
	case 403:
		title = "This page needs a key";
		break;
	case 404:
		title = "Not found";
		break;
	case 503:
		title = "Not available";
		break;
	default:
		title = "Something went wrong";
		break;
	}
	snprintf(home, sizeof(home), "%s/", ctx->site->prefix);
	{
		const struct html_var v[] = {
			{ "title", title, 0 },
			{ "text", text, 0 },
			{ "home", home, 0 },
		};

		wp_render(ctx, r, title, NAV_NONE, web_tpl_message_html, v,
		    sizeof(v) / sizeof(v[0]));
	}
	if (r->status == 200)
		r->status = status;
}

int
wp_stats(struct web_ctx *ctx, const struct stats **out)
{
	int rc;

	if (ctx->snap == NULL && (rc = web_stats_get(ctx->site->stats,
	    ctx->site->cfg->web.online_window, &ctx->snap)) != DB_OK)
		return rc;
	*out = &ctx->snap->st;
	return DB_OK;
}

void
wp_db_failed(struct web_ctx *ctx, struct web_reply *r, int rc)
{
	web_page_error(ctx, r, rc == DB_TEMP ? 503 : 500, rc == DB_TEMP ?
	    "The database is busy; try again in a moment." :
	    "The database could not answer this request.");
}

/*
 * The dashboard.
 */

static void
tile(struct out *o, const struct web_ctx *ctx, const char *cls,
    const char *label, long long n, const char *status)
{
	if (ctx->desk) {
		wp_printf(o, "<a class=\"tile t-%s\" ", cls);
		wp_href(o, ctx, 1, "/tickets", "status", status, NULL);
		wp_raw(o, ">");
	} else
		wp_printf(o, "<div class=\"tile t-%s\">", cls);
	wp_printf(o, "<b>%lld</b><span>", n);
	wp_text(o, label);
	wp_raw(o, ctx->desk ? "</span></a>\n" : "</span></div>\n");
}

static void
admin_table(struct out *o, const struct web_ctx *ctx, const struct stats *st)
{
	char t[64], d[64];
	size_t i;

	if (st->nadmins == 0) {
		wp_raw(o, "<p class=\"empty\">No admins yet: name them in "
		    "[helpdesk] admins of the configuration.</p>");
		return;
	}
	wp_raw(o, "<table><thead><tr><th>Admin</th><th>Presence</th>"
	    "<th class=\"n\">Open</th><th class=\"n\">Resolved 7d</th>"
	    "<th class=\"n\">Resolved 30d</th>"
	    "<th class=\"n\">Median resolution</th>");
	if (st->sla_known)
		wp_raw(o, "<th class=\"n\">SLA met</th>");
	wp_raw(o, "<th class=\"n\">First response</th>"
	    "<th class=\"n\" title=\"tickets this admin handed to others / "
	    "took over from others, the last 30 days\">Handed on / taken "
	    "over</th>");
	wp_raw(o, "<th>Last seen</th></tr></thead><tbody>\n");
	for (i = 0; i < st->nadmins; i++) {
		const struct stats_admin *a = &st->admins[i];

		wp_raw(o, "<tr><td>");
		wp_person(o, a->email, a->name);
		if (a->root)
			wp_raw(o, " <span class=\"pill\">root</span>");
		wp_raw(o, "</td><td>");
		if (a->away) {
			wp_raw(o, "<span class=\"dot away\"></span>away");
			if (a->away_until > 0) {
				wp_raw(o, " until ");
				wp_text(o, wp_time(t, sizeof(t),
				    a->away_until));
			}
		} else if (a->online)
			wp_raw(o, "<span class=\"dot on\"></span>online");
		else
			wp_raw(o, "<span class=\"dot\"></span>offline");
		wp_printf(o, "</td><td class=\"n\">%lld</td><td class=\"n\">"
		    "%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
		    a->open, a->resolved_7d, a->resolved_30d);
		wp_text(o, stats_duration(d, sizeof(d), a->median_secs));
		wp_raw(o, "</td>");
		if (st->sla_known) {
			if (a->sla_met_pct >= 0)
				wp_printf(o, "<td class=\"n\">%d%%</td>",
				    a->sla_met_pct);
			else
				wp_raw(o, "<td class=\"n\">-</td>");
		}
		wp_raw(o, "<td class=\"n\">");
		wp_text(o, stats_duration(d, sizeof(d),
		    a->first_response_secs));
		wp_printf(o, "</td><td class=\"n\">%lld / %lld</td>",
		    a->given, a->received);
		wp_raw(o, "<td class=\"when\">");
		wp_text(o, wp_ago(t, sizeof(t), (long long)ctx->now,
		    a->last_seen));
		wp_raw(o, "</td></tr>\n");
	}
	wp_raw(o, "</tbody></table>");
	(void)ctx;
}

static int
daily_chart(struct buf *b, const struct stats *st)
{
	char labels[STATS_DAYS][16];
	const char *lp[STATS_DAYS];
	struct svg_daily d;
	struct tm tm;
	size_t i;

	for (i = 0; i < STATS_DAYS; i++) {
		if (localtime_r(&st->day_start[i], &tm) == NULL ||
		    strftime(labels[i], sizeof(labels[i]), "%b %d", &tm) == 0)
			snprintf(labels[i], sizeof(labels[i]), "?");
		lp[i] = labels[i];
	}
	memset(&d, 0, sizeof(d));
	d.n = STATS_DAYS;
	d.a = st->opened;
	d.b = st->closed;
	d.labels = lp;
	d.a_name = "opened";
	d.b_name = "closed";
	d.title = "Tickets opened and closed per day, the last 30 days";
	d.label_every = 7;
	return svg_daily(b, &d);
}

static int
prio_chart(struct buf *b, const struct stats *st)
{
	struct svg_hbar rows[STATS_NPRIO];
	char text[STATS_NPRIO][128], m[32], p[32];
	int i;

	for (i = 0; i < STATS_NPRIO; i++) {
		const struct stats_priority *sp = &st->prio[i];

		if (sp->resolved == 0)
			snprintf(text[i], sizeof(text[i]), "none resolved");
		else
			snprintf(text[i], sizeof(text[i]), "median %s · 90%% "
			    "in %s · %lld resolved", stats_duration(m,
			    sizeof(m), sp->median_secs), stats_duration(p,
			    sizeof(p), sp->p90_secs), sp->resolved);
		rows[i].label = stats_prio_name(i);
		rows[i].cls = stats_prio_name(i);
		rows[i].value = sp->median_secs;
		rows[i].value2 = sp->p90_secs;
		rows[i].text = text[i];
	}
	return svg_hbars(b, rows, STATS_NPRIO,
	    "Resolution time by priority, the last 30 days");
}

void
web_page_dashboard(struct web_ctx *ctx, struct web_reply *r)
{
	const struct stats *st;
	struct buf tiles, admins, daily, byprio, devices;
	struct out o;
	const char *viewer;
	char summary[256], window[32];
	int rc;

	rc = wp_stats(ctx, &st);
	if (rc != DB_OK) {
		wp_db_failed(ctx, r, rc);
		return;
	}
	/* drawn a moment ago for this viewer from the same figures */
	viewer = ctx->desk && ctx->key != NULL ? ctx->key : "";
	if (!ctx->bad_key && web_stats_page(ctx->site->stats, ctx->snap,
	    viewer, ctx->now, &r->body))
		return;
	buf_init(&tiles, 65536);
	buf_init(&admins, WEB_MAX_BODY_BYTES);
	buf_init(&daily, 1024 * 1024);
	buf_init(&byprio, 65536);
	buf_init(&devices, 65536);
	o.err = 0;
	o.b = &tiles;
	tile(&o, ctx, "raised", "Raised", st->raised, NULL);
	tile(&o, ctx, "open", "Open", st->by_status[STATS_OPEN], "open");
	tile(&o, ctx, "assigned", "Assigned", st->by_status[STATS_ASSIGNED],
	    "assigned");
	tile(&o, ctx, "resolved", "Resolved", st->by_status[STATS_RESOLVED],
	    "resolved");
	tile(&o, ctx, "rejected", "Rejected", st->by_status[STATS_REJECTED],
	    "rejected");
	/* issue 9 (SLA): breached tickets, once the SLA clock counts them */
	if (st->sla_known)
		tile(&o, ctx, "breached", "Breached", st->breached, NULL);
	/* issue 11: closed by the requester with /solved */
	tile(&o, ctx, "resolved", "Self-help", st->self_help, NULL);
	o.b = &admins;
	admin_table(&o, ctx, st);
	if (daily_chart(&daily, st) == -1 || prio_chart(&byprio, st) == -1 ||
	    web_assets_top(ctx, &devices) == -1)
		o.err = 1;
	snprintf(summary, sizeof(summary), "%lld tickets raised, %lld "
	    "waiting for an answer", st->raised, st->by_status[STATS_OPEN] +
	    st->by_status[STATS_ASSIGNED]);
	stats_duration(window, sizeof(window), st->online_window);
	if (!o.err) {
		const struct html_var v[] = {
			{ "summary", summary, 0 },
			{ "tiles", tiles.data, 1 },
			{ "admins", admins.data, 1 },
			{ "window", window, 0 },
			{ "daily", daily.data, 1 },
			{ "byprio", byprio.data, 1 },
			{ "devices", devices.data, 1 },
		};

		wp_render(ctx, r, "Dashboard", NAV_DASH, web_tpl_dashboard_html,
		    v, sizeof(v) / sizeof(v[0]));
		if (r->status == 200 && !ctx->bad_key)
			web_stats_page_keep(ctx->site->stats, ctx->snap,
			    viewer, ctx->now, &r->body);
	} else
		web_page_error(ctx, r, 500, "The dashboard is too large.");
	buf_clear(&tiles);
	buf_clear(&admins);
	buf_clear(&daily);
	buf_clear(&byprio);
	buf_clear(&devices);
}

void
web_page_style(struct web_reply *r)
{
	r->type = "text/css; charset=utf-8";
	r->cache = "public, max-age=3600";
	buf_addstr(&r->body, web_tpl_style_css);
}
