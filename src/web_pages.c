/*
 * web_pages.c — the status page's pages (see web_pages.h): the dashboard,
 * the ticket list and search, one ticket, attachments, the knowledge base,
 * /metrics, the JSON API, health, the stylesheet and error pages.
 *
 * Everything that comes from the database or the request is written with
 * the escaping functions of html.h (or json.h): the templates hold only
 * our markup, the C code below builds the repeated rows, and a value never
 * reaches the output unescaped.
 */
#include <ctype.h>
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
#include "lex.h"
#include "limits.h"
#include "metrics.h"
#include "stats.h"
#include "svg.h"
#include "web_pages.h"
#include "weblink.h"
#include "xmalloc.h"

/* Generated from templates/web/ by the Makefile (contrib/embed.sh). */
extern const char web_tpl_layout_html[];
extern const char web_tpl_dashboard_html[];
extern const char web_tpl_tickets_html[];
extern const char web_tpl_ticket_html[];
extern const char web_tpl_kb_html[];
extern const char web_tpl_message_html[];
extern const char web_tpl_style_css[];

#define HTML_TYPE	"text/html; charset=utf-8"
#define JSON_TYPE	"application/json"
#define TEXT_TYPE	"text/plain; charset=utf-8"
#define PROM_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* Longest file name shown or offered as a download name. */
#define FILENAME_MAX_BYTES	100

/*
 * Output with a sticky error: once a write does not fit, the rest are
 * no-ops and the page answers 500 instead of a cut one.
 */
struct out {
	struct buf	*b;
	int		 err;
};

static void
o_raw(struct out *o, const char *s)
{
	if (!o->err && s != NULL && buf_addstr(o->b, s) == -1)
		o->err = 1;
}

static void
o_text(struct out *o, const char *s)
{
	if (!o->err && html_text(o->b, s) == -1)
		o->err = 1;
}

static void __attribute__((format(printf, 2, 3)))
o_printf(struct out *o, const char *fmt, ...)
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

static void
o_json(struct out *o, const char *s)
{
	if (!o->err && json_str(o->b, s) == -1)
		o->err = 1;
}

static void
o_key(struct out *o, const char *k)
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
static const char *
arg_set(const struct web_ctx *ctx, const char *name)
{
	const char *v = web_arg(ctx, name, NULL);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * Dates and links.
 */

static const char *
fmt_time(char *buf, size_t sz, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, sz, "-");
	return buf;
}

static const char *
fmt_iso(char *buf, size_t sz, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sz, "-");
	return buf;
}

/* "just now", "5m ago", "3h ago", "2d ago", or the date. */
static const char *
fmt_ago(char *buf, size_t sz, long long now, long long t)
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
		fmt_time(buf, sz, t);
	return buf;
}

static const char *
fmt_size(char *buf, size_t sz, long long n)
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
o_urlv(struct out *o, const struct web_ctx *ctx, const char *attr,
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
	o_raw(o, attr);
	o_raw(o, "=\"");
	if (!o->err && html_escape(o->b, u.data, u.len) == -1)
		o->err = 1;
	o_raw(o, "\"");
	buf_clear(&u);
}

static void
o_href(struct out *o, const struct web_ctx *ctx, int carry_key,
    const char *path, ...)
{
	va_list ap;

	va_start(ap, path);
	o_urlv(o, ctx, "href", carry_key, path, ap);
	va_end(ap);
}

static void
o_src(struct out *o, const struct web_ctx *ctx, int carry_key,
    const char *path, ...)
{
	va_list ap;

	va_start(ap, path);
	o_urlv(o, ctx, "src", carry_key, path, ap);
	va_end(ap);
}

/* <a href="/t/N?k=…">#N</a>, keyed for desk viewers. */
static void
o_ticket_link(struct out *o, const struct web_ctx *ctx, long long n,
    const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/t/%lld", n);
	o_raw(o, "<a ");
	o_href(o, ctx, 1, path, NULL);
	o_raw(o, ">");
	if (text != NULL)
		o_text(o, text);
	else
		o_printf(o, "#%lld", n);
	o_raw(o, "</a>");
}

static void
o_pill(struct out *o, const char *kind, const char *v)
{
	const char *safe = "x";

	/* our own values only reach the class; anything else is escaped */
	if (v != NULL && (stats_status_index(v) >= 0 ||
	    stats_prio_index(v) >= 0))
		safe = v;
	o_printf(o, "<span class=\"pill %s-%s\">", kind, safe);
	o_text(o, v != NULL ? v : "-");
	o_raw(o, "</span>");
}

/* "Name <addr>" as text: the name when known, the address muted. */
static void
o_person(struct out *o, const char *addr, const char *name)
{
	if (addr == NULL) {
		o_raw(o, "<span class=\"who\">the desk</span>");
		return;
	}
	if (name != NULL && name[0] != '\0') {
		o_text(o, name);
		o_raw(o, " <span class=\"who\">");
		o_text(o, addr);
		o_raw(o, "</span>");
	} else
		o_text(o, addr);
}

/*
 * The layout around every HTML page.
 */

static void
nav_link(struct out *o, const struct web_ctx *ctx, const char *path,
    const char *label, int on)
{
	o_raw(o, "<a ");
	o_href(o, ctx, 1, path, NULL);
	o_raw(o, on ? " class=\"on\">" : ">");
	o_text(o, label);
	o_raw(o, "</a>");
}

enum nav { NAV_NONE, NAV_DASH, NAV_TICKETS, NAV_KB };

static void
render(struct web_ctx *ctx, struct web_reply *r, const char *title,
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
	o.b = &notice;
	if (ctx->bad_key)
		o_raw(&o, "<div class=\"notice\"><p>This link is not valid "
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
	fmt_time(when, sizeof(when), ctx->now);
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

		render(ctx, r, title, NAV_NONE, web_tpl_message_html, v,
		    sizeof(v) / sizeof(v[0]));
	}
	if (r->status == 200)
		r->status = status;
}

static void
db_failed(struct web_ctx *ctx, struct web_reply *r, int rc)
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
		o_printf(o, "<a class=\"tile t-%s\" ", cls);
		o_href(o, ctx, 1, "/tickets", "status", status, NULL);
		o_raw(o, ">");
	} else
		o_printf(o, "<div class=\"tile t-%s\">", cls);
	o_printf(o, "<b>%lld</b><span>", n);
	o_text(o, label);
	o_raw(o, ctx->desk ? "</span></a>\n" : "</span></div>\n");
}

static void
admin_table(struct out *o, const struct web_ctx *ctx, const struct stats *st)
{
	char t[64], d[64];
	size_t i;

	if (st->nadmins == 0) {
		o_raw(o, "<p class=\"empty\">No admins yet: name them in "
		    "[helpdesk] admins of the configuration.</p>");
		return;
	}
	o_raw(o, "<table><thead><tr><th>Admin</th><th>Presence</th>"
	    "<th class=\"n\">Open</th><th class=\"n\">Resolved 7d</th>"
	    "<th class=\"n\">Resolved 30d</th>"
	    "<th class=\"n\">Median resolution</th>");
	/* issue 9 (SLA): the column appears once the figure exists */
	if (st->sla_known)
		o_raw(o, "<th class=\"n\">SLA met</th>");
	o_raw(o, "<th>Last seen</th></tr></thead><tbody>\n");
	for (i = 0; i < st->nadmins; i++) {
		const struct stats_admin *a = &st->admins[i];

		o_raw(o, "<tr><td>");
		o_person(o, a->email, a->name);
		if (a->root)
			o_raw(o, " <span class=\"pill\">root</span>");
		o_raw(o, "</td><td>");
		if (a->away) {
			o_raw(o, "<span class=\"dot away\"></span>away");
			if (a->away_until > 0) {
				o_raw(o, " until ");
				o_text(o, fmt_time(t, sizeof(t),
				    a->away_until));
			}
		} else if (a->online)
			o_raw(o, "<span class=\"dot on\"></span>online");
		else
			o_raw(o, "<span class=\"dot\"></span>offline");
		o_printf(o, "</td><td class=\"n\">%lld</td><td class=\"n\">"
		    "%lld</td><td class=\"n\">%lld</td><td class=\"n\">",
		    a->open, a->resolved_7d, a->resolved_30d);
		o_text(o, stats_duration(d, sizeof(d), a->median_secs));
		o_raw(o, "</td>");
		if (st->sla_known) {
			if (a->sla_met_pct >= 0)
				o_printf(o, "<td class=\"n\">%d%%</td>",
				    a->sla_met_pct);
			else
				o_raw(o, "<td class=\"n\">-</td>");
		}
		o_raw(o, "<td class=\"when\">");
		o_text(o, fmt_ago(t, sizeof(t), (long long)ctx->now,
		    a->last_seen));
		o_raw(o, "</td></tr>\n");
	}
	o_raw(o, "</tbody></table>");
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
	struct stats st;
	struct buf tiles, admins, daily, byprio;
	struct out o;
	char summary[256], window[32];
	int rc;

	rc = stats_compute(ctx->db, ctx->now,
	    ctx->site->cfg->web.online_window, &st);
	if (rc != DB_OK) {
		db_failed(ctx, r, rc);
		return;
	}
	buf_init(&tiles, 65536);
	buf_init(&admins, WEB_MAX_BODY_BYTES);
	buf_init(&daily, 1024 * 1024);
	buf_init(&byprio, 65536);
	o.err = 0;
	o.b = &tiles;
	tile(&o, ctx, "raised", "Raised", st.raised, NULL);
	tile(&o, ctx, "open", "Open", st.by_status[STATS_OPEN], "open");
	tile(&o, ctx, "assigned", "Assigned", st.by_status[STATS_ASSIGNED],
	    "assigned");
	tile(&o, ctx, "resolved", "Resolved", st.by_status[STATS_RESOLVED],
	    "resolved");
	tile(&o, ctx, "rejected", "Rejected", st.by_status[STATS_REJECTED],
	    "rejected");
	/* issue 9 (SLA): breached tickets, once the SLA clock counts them */
	if (st.sla_known)
		tile(&o, ctx, "breached", "Breached", st.breached, NULL);
	o.b = &admins;
	admin_table(&o, ctx, &st);
	if (daily_chart(&daily, &st) == -1 || prio_chart(&byprio, &st) == -1)
		o.err = 1;
	snprintf(summary, sizeof(summary), "%lld tickets raised, %lld "
	    "waiting for an answer", st.raised, st.by_status[STATS_OPEN] +
	    st.by_status[STATS_ASSIGNED]);
	stats_duration(window, sizeof(window), st.online_window);
	if (!o.err) {
		const struct html_var v[] = {
			{ "summary", summary, 0 },
			{ "tiles", tiles.data, 1 },
			{ "admins", admins.data, 1 },
			{ "window", window, 0 },
			{ "daily", daily.data, 1 },
			{ "byprio", byprio.data, 1 },
		};

		render(ctx, r, "Dashboard", NAV_DASH, web_tpl_dashboard_html,
		    v, sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The dashboard is too large.");
	buf_clear(&tiles);
	buf_clear(&admins);
	buf_clear(&daily);
	buf_clear(&byprio);
	stats_clear(&st);
}

/*
 * The list and the search.
 */

struct list {
	const struct web_ctx *ctx;
	struct out	 o;
	int		 json;
	int		 n;
};

static void
list_row(const struct db_web_row *w, void *arg)
{
	struct list *l = arg;
	struct out *o = &l->o;
	char t[64];

	if (l->json) {
		o_raw(o, l->n > 0 ? ",\n{" : "\n{");
		o_printf(o, "\"number\":%lld,", w->number);
		o_key(o, "subject");
		o_json(o, w->subject);
		o_raw(o, ",");
		o_key(o, "status");
		o_json(o, w->status);
		o_raw(o, ",");
		o_key(o, "priority");
		o_json(o, w->priority);
		o_raw(o, ",");
		o_key(o, "category");
		o_json(o, w->category);
		o_raw(o, ",");
		o_key(o, "subcategory");
		o_json(o, w->subcategory);
		o_raw(o, ",");
		o_key(o, "requester");
		o_json(o, w->requester);
		o_raw(o, ",");
		o_key(o, "assignee");
		o_json(o, w->assignee);
		o_raw(o, ",");
		o_key(o, "created_at");
		o_json(o, fmt_iso(t, sizeof(t), w->created_at));
		o_raw(o, ",");
		o_key(o, "updated_at");
		o_json(o, fmt_iso(t, sizeof(t), w->updated_at));
		if (w->snippet != NULL) {
			/* the marks as plain brackets: JSON is not HTML */
			char *s = xstrdup(w->snippet), *p;

			for (p = s; *p != '\0'; p++)
				if (*p == '\x01')
					*p = '[';
				else if (*p == '\x02')
					*p = ']';
			o_raw(o, ",");
			o_key(o, "snippet");
			o_json(o, s);
			free(s);
		}
		o_raw(o, "}");
		l->n++;
		return;
	}
	if (l->n == 0)
		o_raw(o, "<table class=\"list\"><thead><tr>"
		    "<th class=\"n\">#</th><th>Subject</th><th>Status</th>"
		    "<th>Priority</th><th>Category</th><th>Admin</th>"
		    "<th>Updated</th></tr></thead><tbody>\n");
	o_raw(o, "<tr><td class=\"n\">");
	o_ticket_link(o, l->ctx, w->number, NULL);
	o_raw(o, "</td><td class=\"subj\">");
	o_ticket_link(o, l->ctx, w->number, w->subject);
	o_raw(o, "<div class=\"who\">");
	o_text(o, w->requester_name != NULL && w->requester_name[0] != '\0' ?
	    w->requester_name : w->requester);
	o_raw(o, " · opened ");
	o_text(o, fmt_time(t, sizeof(t), w->created_at));
	o_raw(o, "</div>");
	if (w->snippet != NULL) {
		o_raw(o, "<div class=\"snip\">");
		if (!o->err && html_snippet(o->b, w->snippet,
		    strlen(w->snippet)) == -1)
			o->err = 1;
		o_raw(o, "</div>");
	}
	o_raw(o, "</td><td>");
	o_pill(o, "s", w->status);
	o_raw(o, "</td><td>");
	o_pill(o, "p", w->priority);
	o_raw(o, "</td><td>");
	if (w->category != NULL) {
		o_text(o, w->category);
		if (w->subcategory != NULL) {
			o_raw(o, "/");
			o_text(o, w->subcategory);
		}
	} else
		o_raw(o, "<span class=\"who\">-</span>");
	o_raw(o, "</td><td>");
	if (w->assignee != NULL)
		o_text(o, w->assignee);
	else
		o_raw(o, "<span class=\"who\">-</span>");
	o_raw(o, "</td><td class=\"when\">");
	o_text(o, fmt_ago(t, sizeof(t), (long long)l->ctx->now,
	    w->updated_at));
	o_raw(o, "</td></tr>\n");
	l->n++;
}

static int
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LIMIT_CATEGORY_BYTES)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

/* The list's query parameters: 0, or -1 with why. */
static int
list_filter(const struct web_ctx *ctx, struct db_web_filter *f, char **fts,
    const char **why)
{
	const char *v, *slash;
	size_t len, i;
	long long page = 1;

	memset(f, 0, sizeof(*f));
	*fts = NULL;
	if ((v = arg_set(ctx, "status")) != NULL) {
		if (stats_status_index(v) < 0 && strcmp(v, "active") != 0) {
			*why = "status is open, assigned, resolved, rejected "
			    "or active";
			return -1;
		}
		f->status = v;
	}
	if ((v = arg_set(ctx, "priority")) != NULL) {
		if (stats_prio_index(v) < 0) {
			*why = "priority is high, medium or low";
			return -1;
		}
		f->priority = v;
	}
	if ((v = arg_set(ctx, "category")) != NULL) {
		slash = strchr(v, '/');
		len = strlen(v);
		if (slash != NULL ? !valid_name(v, (size_t)(slash - v)) ||
		    !valid_name(slash + 1, len - (size_t)(slash - v) - 1) :
		    !valid_name(v, len)) {
			*why = "category is a name like hardware or "
			    "hardware/printer";
			return -1;
		}
		f->category = v;
	}
	if ((v = arg_set(ctx, "admin")) != NULL) {
		len = strlen(v);
		if (strcmp(v, "none") != 0 && (strchr(v, '@') == NULL ||
		    len > LIMIT_ADDR_BYTES)) {
			*why = "admin is an address, or none";
			return -1;
		}
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f) {
				*why = "admin is an address, or none";
				return -1;
			}
		f->admin = v;
	}
	if ((v = arg_set(ctx, "page")) != NULL) {
		page = 0;
		for (i = 0; v[i] != '\0'; i++) {
			if (!isdigit((unsigned char)v[i]) || i >= 5) {
				page = 0;
				break;
			}
			page = page * 10 + (v[i] - '0');
		}
		if (page < 1 || page > WEB_MAX_PAGE) {
			*why = "page is a number from 1 to 10000";
			return -1;
		}
	}
	if ((v = web_arg(ctx, "q", &len)) != NULL && len > 0) {
		if (len > WEB_MAX_QUERY_BYTES) {
			*why = "the search is too long (200 bytes at most)";
			return -1;
		}
		for (i = 0; i < len; ) {
			size_t n = lex_utf8_len((const unsigned char *)v + i,
			    (const unsigned char *)v + len);

			if (n == 0 || (n == 1 && lex_is_ctl((unsigned char)
			    v[i]) && v[i] != '\t')) {
				*why = "the search holds a byte that is not "
				    "text";
				return -1;
			}
			i += n;
		}
		*fts = db_web_fts_query(v, len);
		f->fts = *fts;
	}
	f->limit = WEB_PAGE_SIZE;
	f->offset = (int)((page - 1) * WEB_PAGE_SIZE);
	return 0;
}

static void
o_options(struct out *o, const char *any, const char *const *vals,
    size_t n, const char *cur)
{
	size_t i;

	o_raw(o, "<option value=\"\">");
	o_text(o, any);
	o_raw(o, "</option>");
	for (i = 0; i < n; i++) {
		o_raw(o, "<option value=\"");
		o_text(o, vals[i]);
		o_raw(o, cur != NULL && strcmp(cur, vals[i]) == 0 ?
		    "\" selected>" : "\">");
		o_text(o, vals[i]);
		o_raw(o, "</option>");
	}
}

struct names {
	char	**v;
	size_t	  n;
};

static void
name_cb(const char *email, void *arg)
{
	struct names *nm = arg;

	nm->v = xreallocarray(nm->v, nm->n + 1, sizeof(*nm->v));
	nm->v[nm->n++] = xstrdup(email);
}

static void
names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static void
page_link(struct out *o, const struct web_ctx *ctx, const char *label,
    long long page, const char *q)
{
	char p[32];

	snprintf(p, sizeof(p), "%lld", page);
	o_raw(o, "<a ");
	o_href(o, ctx, 1, "/tickets", "q", q, "status", arg_set(ctx, "status"),
	    "priority", arg_set(ctx, "priority"), "category",
	    arg_set(ctx, "category"), "admin", arg_set(ctx, "admin"), "page",
	    page > 1 ? p : NULL, NULL);
	o_raw(o, ">");
	o_text(o, label);
	o_raw(o, "</a>");
}

void
web_page_tickets(struct web_ctx *ctx, struct web_reply *r, int json)
{
	static const char *const status[] = { "active", "open", "assigned",
	    "resolved", "rejected" };
	static const char *const prio[] = { "high", "medium", "low" };
	const struct config *cfg = ctx->site->cfg;
	struct db_web_filter f;
	struct list l;
	struct buf rows, hidden, sel[4], pages;
	struct names admins, cats;
	struct out o;
	const char *why = NULL, *q;
	char *fts = NULL, count[128], action[512];
	long long total = 0, npages, page;
	size_t i, j;
	int rc;

	if (list_filter(ctx, &f, &fts, &why) == -1) {
		if (json) {
			r->status = 400;
			r->type = JSON_TYPE;
			buf_addstr(&r->body, "{\"error\":");
			json_str(&r->body, why);
			buf_addstr(&r->body, "}\n");
		} else
			web_page_error(ctx, r, 400, why);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.ctx = ctx;
	l.json = json;
	buf_init(&rows, WEB_MAX_BODY_BYTES);
	l.o.b = json ? &r->body : &rows;
	if (json)
		o_raw(&l.o, "{\"tickets\":[");
	rc = db_web_list(ctx->db, &f, list_row, &l, &total);
	if (rc != DB_OK) {
		buf_clear(&rows);
		free(fts);
		buf_reset(&r->body);
		if (rc == DB_PERM && f.fts != NULL)
			web_page_error(ctx, r, 400, "This search cannot be "
			    "run; try other words.");
		else
			db_failed(ctx, r, rc);
		return;
	}
	page = f.offset / WEB_PAGE_SIZE + 1;
	npages = (total + WEB_PAGE_SIZE - 1) / WEB_PAGE_SIZE;
	if (json) {
		o_printf(&l.o, "\n],\"total\":%lld,\"page\":%lld,\"pages\":%lld"
		    ",\"page_size\":%d}\n", total, page, npages,
		    WEB_PAGE_SIZE);
		r->type = JSON_TYPE;
		if (l.o.err) {
			buf_reset(&r->body);
			r->status = 500;
		}
		buf_clear(&rows);
		free(fts);
		return;
	}
	if (l.n == 0)
		o_raw(&l.o, "<p class=\"empty\">No tickets match.</p>");
	else
		o_raw(&l.o, "</tbody></table>");

	/* the filter form */
	memset(&admins, 0, sizeof(admins));
	memset(&cats, 0, sizeof(cats));
	/* on an error the filter offers whom it got */
	(void)db_web_admins(ctx->db, name_cb, &admins);
	name_cb("none", &admins);
	for (i = 0; i < cfg->ncategories; i++) {
		name_cb(cfg->categories[i].name, &cats);
		for (j = 0; j < cfg->categories[i].nsubs; j++) {
			char *s = xasprintf("%s/%s", cfg->categories[i].name,
			    cfg->categories[i].subs[j]);

			name_cb(s, &cats);
			free(s);
		}
	}
	buf_init(&hidden, 4096);
	buf_init(&pages, 65536);
	o.err = l.o.err;
	o.b = &hidden;
	if (ctx->key != NULL) {
		o_raw(&o, "<input type=\"hidden\" name=\"k\" value=\"");
		o_text(&o, ctx->key);
		o_raw(&o, "\">");
	}
	for (i = 0; i < 4; i++)
		buf_init(&sel[i], 1024 * 1024);
	o.b = &sel[0];
	o_options(&o, "Any status", status, 5, arg_set(ctx, "status"));
	o.b = &sel[1];
	o_options(&o, "Any priority", prio, 3, arg_set(ctx, "priority"));
	o.b = &sel[2];
	o_options(&o, "Any category", (const char *const *)cats.v, cats.n,
	    arg_set(ctx, "category"));
	o.b = &sel[3];
	o_options(&o, "Any admin", (const char *const *)admins.v, admins.n,
	    arg_set(ctx, "admin"));

	q = web_arg(ctx, "q", NULL);
	o.b = &pages;
	if (npages > 1) {
		if (page > 1)
			page_link(&o, ctx, "\xe2\x80\xb9 Newer", page - 1, q);
		o_printf(&o, "<span>Page %lld of %lld</span>", page, npages);
		if (page < npages)
			page_link(&o, ctx, "Older \xe2\x80\xba", page + 1, q);
	}
	if (f.fts != NULL)
		snprintf(count, sizeof(count), "%lld %s match the search, best "
		    "first", total, total == 1 ? "ticket" : "tickets");
	else
		snprintf(count, sizeof(count), "%lld %s, newest first", total,
		    total == 1 ? "ticket" : "tickets");
	snprintf(action, sizeof(action), "%s/tickets", ctx->site->prefix);
	if (!o.err) {
		const struct html_var v[] = {
			{ "count", count, 0 },
			{ "action", action, 0 },
			{ "hidden", hidden.data, 1 },
			{ "q", q, 0 },
			{ "status", sel[0].data, 1 },
			{ "priority", sel[1].data, 1 },
			{ "category", sel[2].data, 1 },
			{ "admin", sel[3].data, 1 },
			{ "rows", rows.data, 1 },
			{ "pages", pages.data, 1 },
		};

		render(ctx, r, "Tickets", NAV_TICKETS, web_tpl_tickets_html,
		    v, sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The list is too large.");
	for (i = 0; i < 4; i++)
		buf_clear(&sel[i]);
	buf_clear(&hidden);
	buf_clear(&pages);
	buf_clear(&rows);
	names_free(&admins);
	names_free(&cats);
	free(fts);
}

/*
 * One ticket.
 */

struct tk {
	int		 found;
	long long	 number;
	char		*subject, *body, *status, *priority, *category;
	char		*subcategory, *requester, *requester_name;
	char		*assignee, *assignee_name, *kb_title;
	long long	 created_at, updated_at, closed_at, assigned_at;
	long long	 linked_to, handovers;
	int		 published;
};

static char *
dup0(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
ticket_cb(const struct db_web_ticket *t, void *arg)
{
	struct tk *k = arg;

	k->found = 1;
	k->number = t->number;
	k->subject = dup0(t->subject);
	k->body = dup0(t->body);
	k->status = dup0(t->status);
	k->priority = dup0(t->priority);
	k->category = dup0(t->category);
	k->subcategory = dup0(t->subcategory);
	k->requester = dup0(t->requester);
	k->requester_name = dup0(t->requester_name);
	k->assignee = dup0(t->assignee);
	k->assignee_name = dup0(t->assignee_name);
	k->kb_title = dup0(t->kb_title);
	k->created_at = t->created_at;
	k->updated_at = t->updated_at;
	k->closed_at = t->closed_at;
	k->assigned_at = t->assigned_at;
	k->linked_to = t->linked_to;
	k->handovers = t->handovers;
	k->published = t->published;
}

static void
tk_clear(struct tk *k)
{
	free(k->subject);
	free(k->body);
	free(k->status);
	free(k->priority);
	free(k->category);
	free(k->subcategory);
	free(k->requester);
	free(k->requester_name);
	free(k->assignee);
	free(k->assignee_name);
	free(k->kb_title);
}

/* A timeline entry: a comment or an event, copied out of the database. */
struct entry {
	int		 is_event;
	long long	 id, at;
	char		*who, *who_name, *kind, *text;
	int		 admin, internal;
};

struct timeline {
	struct entry	*v;
	size_t		 n;
};

static void
comment_cb(const struct db_web_comment *c, void *arg)
{
	struct timeline *tl = arg;
	struct entry *e;

	tl->v = xreallocarray(tl->v, tl->n + 1, sizeof(*tl->v));
	e = &tl->v[tl->n++];
	memset(e, 0, sizeof(*e));
	e->id = c->id;
	e->at = c->created_at;
	e->who = dup0(c->author);
	e->who_name = dup0(c->author_name);
	e->text = dup0(c->body);
	e->admin = c->author_admin;
	e->internal = c->internal;
}

/*
 * Events shown to whoever holds the ticket's own key (its requester and
 * the people on it); the desk key shows every event.
 */
static int
event_public(const char *kind)
{
	static const char *const pub[] = { "created", "assigned",
	    "reassigned", "resolved", "rejected", "priority", "category",
	    "published", "change-refused", NULL };
	size_t i;

	for (i = 0; pub[i] != NULL; i++)
		if (strcmp(kind, pub[i]) == 0)
			return 1;
	return 0;
}

struct ev_ctx {
	struct timeline	*tl;
	int		 desk;
};

static void
event_cb(const struct db_web_event *ev, void *arg)
{
	struct ev_ctx *c = arg;
	struct timeline *tl = c->tl;
	struct entry *e;

	/* the comment itself stands in the timeline */
	if (strcmp(ev->kind, "commented") == 0 ||
	    strcmp(ev->kind, "internal-note") == 0)
		return;
	if (!c->desk && !event_public(ev->kind))
		return;
	tl->v = xreallocarray(tl->v, tl->n + 1, sizeof(*tl->v));
	e = &tl->v[tl->n++];
	memset(e, 0, sizeof(*e));
	e->is_event = 1;
	e->id = ev->id;
	e->at = ev->at;
	e->who = dup0(ev->actor);
	e->kind = xstrdup(ev->kind);
	e->text = dup0(ev->detail);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	/* at the same second: the event (e.g. resolved) after the comment */
	if (x->is_event != y->is_event)
		return x->is_event - y->is_event;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void
timeline_free(struct timeline *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++) {
		free(tl->v[i].who);
		free(tl->v[i].who_name);
		free(tl->v[i].kind);
		free(tl->v[i].text);
	}
	free(tl->v);
}

struct att {
	long long	 id, comment_id, size;
	int		 internal, kept;
	char		*filename, *note;
	const char	*image;		/* its type by its bytes, or NULL */
};

struct atts {
	struct att	*v;
	size_t		 n;
	int		 desk;
};

static void
att_cb(const struct db_web_attachment *a, void *arg)
{
	struct atts *as = arg;
	struct att *x;

	if (a->internal && !as->desk)
		return;
	as->v = xreallocarray(as->v, as->n + 1, sizeof(*as->v));
	x = &as->v[as->n++];
	memset(x, 0, sizeof(*x));
	x->id = a->id;
	x->comment_id = a->comment_id;
	x->size = a->size;
	x->internal = a->internal;
	x->kept = a->kept;
	x->filename = xstrdup(a->filename != NULL ? a->filename : "");
	x->note = dup0(a->note);
	x->image = a->kept ? web_image_type(a->head, a->headlen) : NULL;
}

static void
atts_free(struct atts *as)
{
	size_t i;

	for (i = 0; i < as->n; i++) {
		free(as->v[i].filename);
		free(as->v[i].note);
	}
	free(as->v);
}

/* The attachments of one message (comment_id 0: the first mail). */
static void
o_files(struct out *o, const struct web_ctx *ctx, long long number,
    const struct atts *as, long long comment_id)
{
	char path[96], sz[32];
	size_t i;
	int any = 0;

	for (i = 0; i < as->n; i++) {
		const struct att *a = &as->v[i];

		if (a->comment_id != comment_id)
			continue;
		if (!any)
			o_raw(o, "<div class=\"files\">");
		any = 1;
		snprintf(path, sizeof(path), "/t/%lld/a/%lld", number, a->id);
		fmt_size(sz, sizeof(sz), a->size);
		if (a->image != NULL) {
			o_raw(o, "<figure><a ");
			o_href(o, ctx, 2, path, NULL);
			o_raw(o, "><img ");
			o_src(o, ctx, 2, path, NULL);
			o_raw(o, " alt=\"");
			o_text(o, a->filename);
			o_raw(o, "\" loading=\"lazy\"></a><figcaption>");
			o_text(o, a->filename);
			o_raw(o, " · ");
			o_text(o, sz);
			o_raw(o, "</figcaption></figure>");
		} else if (a->kept) {
			o_raw(o, "<a class=\"file\" ");
			o_href(o, ctx, 2, path, NULL);
			o_raw(o, " download>");
			o_text(o, a->filename);
			o_raw(o, " · ");
			o_text(o, sz);
			o_raw(o, "</a>");
		} else {
			o_raw(o, "<span class=\"file\">");
			o_text(o, a->filename);
			o_raw(o, " · not kept");
			if (a->note != NULL) {
				o_raw(o, ": ");
				o_text(o, a->note);
			}
			o_raw(o, "</span>");
		}
	}
	if (any)
		o_raw(o, "</div>");
}

static void
o_event(struct out *o, const struct entry *e)
{
	const char *k = e->kind;
	char t[64];

	o_raw(o, "<div class=\"event\"><b>");
	if (e->who != NULL)
		o_text(o, e->who);
	else
		o_raw(o, "The desk");
	o_raw(o, "</b> ");
	if (strcmp(k, "created") == 0)
		o_raw(o, "opened the ticket");
	else if (strcmp(k, "assigned") == 0 || strcmp(k, "reassigned") == 0) {
		o_text(o, k);
		o_raw(o, " it to ");
		o_text(o, e->text);
	} else if (strcmp(k, "resolved") == 0)
		o_raw(o, "resolved it");
	else if (strcmp(k, "rejected") == 0)
		o_raw(o, "rejected it");
	else if (strcmp(k, "priority") == 0) {
		o_raw(o, "set the priority to ");
		o_text(o, e->text);
	} else if (strcmp(k, "category") == 0) {
		o_raw(o, "filed it under ");
		o_text(o, e->text);
	} else if (strcmp(k, "published") == 0)
		o_raw(o, "published it to the knowledge base");
	else if (strcmp(k, "change-refused") == 0) {
		o_raw(o, "asked for a change that was refused: ");
		o_text(o, e->text);
	} else if (strcmp(k, "sla-reason") == 0)
		o_raw(o, "gave the reason for the SLA breach");
	else if (strcmp(k, "notice-suppressed") == 0) {
		o_raw(o, "held back a notice to ");
		o_text(o, e->text);
	} else if (strcmp(k, "bounced") == 0) {
		o_raw(o, "saw a notice bounce from ");
		o_text(o, e->text);
	} else {
		o_text(o, k);
	}
	/* notes that belong to the action, not already said above */
	if (e->text != NULL && e->text[0] != '\0' &&
	    (strcmp(k, "resolved") == 0 || strcmp(k, "rejected") == 0 ||
	    strcmp(k, "published") == 0 || strcmp(k, "sla-reason") == 0 ||
	    strcmp(k, "created") == 0)) {
		o_raw(o, ": ");
		o_text(o, e->text);
	}
	o_raw(o, " · <time>");
	o_text(o, fmt_time(t, sizeof(t), e->at));
	o_raw(o, "</time></div>\n");
}

static void
o_field(struct out *o, const char *name)
{
	o_raw(o, "<dt>");
	o_text(o, name);
	o_raw(o, "</dt><dd>");
}

static void
ticket_html(struct web_ctx *ctx, struct web_reply *r, const struct tk *k,
    struct timeline *tl, const struct atts *as)
{
	struct buf crumbs, badges, fields, line;
	struct out o;
	char t[64], num[32];
	size_t i;

	buf_init(&crumbs, 8192);
	buf_init(&badges, 8192);
	buf_init(&fields, 1024 * 1024);
	buf_init(&line, WEB_MAX_BODY_BYTES);
	o.err = 0;

	o.b = &crumbs;
	o_raw(&o, "<a ");
	o_href(&o, ctx, 1, "/", NULL);
	o_raw(&o, ">Dashboard</a>");
	if (ctx->desk) {
		o_raw(&o, " \xe2\x80\xba <a ");
		o_href(&o, ctx, 1, "/tickets", NULL);
		o_raw(&o, ">Tickets</a>");
	}
	o_printf(&o, " \xe2\x80\xba #%lld", k->number);

	o.b = &badges;
	o_pill(&o, "s", k->status);
	o_raw(&o, " ");
	o_pill(&o, "p", k->priority);

	o.b = &fields;
	o_field(&o, "Status");
	o_text(&o, k->status);
	o_raw(&o, "</dd>");
	o_field(&o, "Priority");
	o_text(&o, k->priority);
	o_raw(&o, "</dd>");
	o_field(&o, "Category");
	if (k->category != NULL) {
		o_text(&o, k->category);
		if (k->subcategory != NULL) {
			o_raw(&o, "/");
			o_text(&o, k->subcategory);
		}
	} else
		o_raw(&o, "-");
	o_raw(&o, "</dd>");
	o_field(&o, "Requester");
	o_person(&o, k->requester, k->requester_name);
	o_raw(&o, "</dd>");
	o_field(&o, "Admin");
	if (k->assignee != NULL)
		o_person(&o, k->assignee, k->assignee_name);
	else
		o_raw(&o, "not assigned yet");
	o_raw(&o, "</dd>");
	o_field(&o, "Opened");
	o_text(&o, fmt_time(t, sizeof(t), k->created_at));
	o_raw(&o, "</dd>");
	o_field(&o, "Updated");
	o_text(&o, fmt_time(t, sizeof(t), k->updated_at));
	o_raw(&o, "</dd>");
	if (k->closed_at > 0) {
		o_field(&o, "Closed");
		o_text(&o, fmt_time(t, sizeof(t), k->closed_at));
		o_raw(&o, "</dd>");
	}
	/* issue 9 (SLA): the due time and the clock go here */
	if (ctx->desk && k->handovers > 0) {
		o_field(&o, "Handovers");
		o_printf(&o, "%lld", k->handovers);
		o_raw(&o, "</dd>");
	}
	if (k->linked_to > 0) {
		o_field(&o, "Refers to");
		if (ctx->desk)
			o_ticket_link(&o, ctx, k->linked_to, NULL);
		else
			o_printf(&o, "#%lld", k->linked_to);
		o_raw(&o, "</dd>");
	}
	if (k->published) {
		o_field(&o, "Knowledge base");
		o_text(&o, k->kb_title != NULL && k->kb_title[0] != '\0' ?
		    k->kb_title : "published");
		o_raw(&o, "</dd>");
	}

	/* the first mail, then comments and events in order */
	o.b = &line;
	o_raw(&o, "<article class=\"msg first\"><header><b>");
	o_person(&o, k->requester, k->requester_name);
	o_raw(&o, "</b><time>");
	o_text(&o, fmt_time(t, sizeof(t), k->created_at));
	o_raw(&o, "</time></header><div class=\"body\">");
	o_text(&o, k->body);
	o_raw(&o, "</div>");
	o_files(&o, ctx, k->number, as, 0);
	o_raw(&o, "</article>\n");
	qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (e->is_event) {
			o_event(&o, e);
			continue;
		}
		o_printf(&o, "<article class=\"msg%s%s\" id=\"c%lld\">"
		    "<header><b>", e->admin ? " admin" : "",
		    e->internal ? " int" : "", e->id);
		o_person(&o, e->who, e->who_name);
		o_raw(&o, "</b>");
		if (e->internal)
			o_raw(&o, " <span class=\"pill internal\">internal "
			    "note</span>");
		o_raw(&o, "<time>");
		o_text(&o, fmt_time(t, sizeof(t), e->at));
		o_raw(&o, "</time></header><div class=\"body\">");
		o_text(&o, e->text);
		o_raw(&o, "</div>");
		o_files(&o, ctx, k->number, as, e->id);
		o_raw(&o, "</article>\n");
	}
	snprintf(num, sizeof(num), "%lld", k->number);
	if (!o.err) {
		char *title = xasprintf("#%lld %s", k->number, k->subject);
		const struct html_var v[] = {
			{ "crumbs", crumbs.data, 1 },
			{ "number", num, 0 },
			{ "subject", k->subject, 0 },
			{ "badges", badges.data, 1 },
			{ "timeline", line.data, 1 },
			{ "fields", fields.data, 1 },
		};

		render(ctx, r, title, NAV_NONE, web_tpl_ticket_html, v,
		    sizeof(v) / sizeof(v[0]));
		free(title);
	} else
		web_page_error(ctx, r, 500, "This ticket is too large to show "
		    "here; ticketctl ticket show reads it.");
	buf_clear(&crumbs);
	buf_clear(&badges);
	buf_clear(&fields);
	buf_clear(&line);
}

static void
ticket_json(struct web_reply *r, const struct tk *k,
    struct timeline *tl, const struct atts *as)
{
	struct out o;
	char t[64];
	size_t i, nc = 0, ne = 0;

	o.b = &r->body;
	o.err = 0;
	r->type = JSON_TYPE;
	o_printf(&o, "{\"number\":%lld,", k->number);
	o_key(&o, "subject");
	o_json(&o, k->subject);
	o_raw(&o, ",");
	o_key(&o, "status");
	o_json(&o, k->status);
	o_raw(&o, ",");
	o_key(&o, "priority");
	o_json(&o, k->priority);
	o_raw(&o, ",");
	o_key(&o, "category");
	o_json(&o, k->category);
	o_raw(&o, ",");
	o_key(&o, "subcategory");
	o_json(&o, k->subcategory);
	o_raw(&o, ",");
	o_key(&o, "requester");
	o_json(&o, k->requester);
	o_raw(&o, ",");
	o_key(&o, "assignee");
	o_json(&o, k->assignee);
	o_raw(&o, ",");
	o_key(&o, "created_at");
	o_json(&o, fmt_iso(t, sizeof(t), k->created_at));
	o_raw(&o, ",");
	o_key(&o, "updated_at");
	o_json(&o, fmt_iso(t, sizeof(t), k->updated_at));
	o_raw(&o, ",");
	o_key(&o, "closed_at");
	o_json(&o, k->closed_at > 0 ? fmt_iso(t, sizeof(t), k->closed_at) :
	    NULL);
	o_raw(&o, ",");
	o_key(&o, "body");
	o_json(&o, k->body);
	o_raw(&o, ",\"comments\":[");
	qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (e->is_event)
			continue;
		o_raw(&o, nc++ > 0 ? ",{" : "{");
		o_printf(&o, "\"id\":%lld,", e->id);
		o_key(&o, "author");
		o_json(&o, e->who);
		o_raw(&o, ",");
		o_key(&o, "at");
		o_json(&o, fmt_iso(t, sizeof(t), e->at));
		o_printf(&o, ",\"internal\":%s,", e->internal ? "true" :
		    "false");
		o_key(&o, "body");
		o_json(&o, e->text);
		o_raw(&o, "}");
	}
	o_raw(&o, "],\"events\":[");
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (!e->is_event)
			continue;
		o_raw(&o, ne++ > 0 ? ",{" : "{");
		o_key(&o, "at");
		o_json(&o, fmt_iso(t, sizeof(t), e->at));
		o_raw(&o, ",");
		o_key(&o, "actor");
		o_json(&o, e->who);
		o_raw(&o, ",");
		o_key(&o, "kind");
		o_json(&o, e->kind);
		o_raw(&o, ",");
		o_key(&o, "detail");
		o_json(&o, e->text);
		o_raw(&o, "}");
	}
	o_raw(&o, "],\"attachments\":[");
	for (i = 0; i < as->n; i++) {
		const struct att *a = &as->v[i];

		o_raw(&o, i > 0 ? ",{" : "{");
		o_printf(&o, "\"id\":%lld,\"comment\":%lld,\"size\":%lld,",
		    a->id, a->comment_id, a->size);
		o_key(&o, "filename");
		o_json(&o, a->filename);
		o_raw(&o, ",");
		o_key(&o, "image");
		o_json(&o, a->image);
		o_printf(&o, ",\"kept\":%s}", a->kept ? "true" : "false");
	}
	o_raw(&o, "]}\n");
	if (o.err) {
		buf_reset(&r->body);
		r->status = 500;
	}
}

void
web_page_ticket(struct web_ctx *ctx, long long number, struct web_reply *r,
    int json)
{
	struct tk k;
	struct timeline tl;
	struct ev_ctx ec;
	struct atts as;
	int rc;

	memset(&k, 0, sizeof(k));
	memset(&tl, 0, sizeof(tl));
	memset(&as, 0, sizeof(as));
	as.desk = ctx->desk;
	ec.tl = &tl;
	ec.desk = ctx->desk;
	rc = db_web_ticket(ctx->db, number, ticket_cb, &k);
	if (rc == DB_OK)
		rc = db_web_comments(ctx->db, number, ctx->desk, comment_cb,
		    &tl);
	if (rc == DB_OK)
		rc = db_web_events(ctx->db, number, event_cb, &ec);
	if (rc == DB_OK)
		rc = db_web_attachments(ctx->db, number, att_cb, &as);
	if (rc == 1) {
		if (json) {
			r->status = 404;
			r->type = JSON_TYPE;
			buf_addstr(&r->body, "{\"error\":\"no such ticket\"}\n");
		} else
			web_page_error(ctx, r, 404, "There is no such ticket.");
	} else if (rc != DB_OK)
		db_failed(ctx, r, rc);
	else if (json)
		ticket_json(r, &k, &tl, &as);
	else
		ticket_html(ctx, r, &k, &tl, &as);
	tk_clear(&k);
	timeline_free(&tl);
	atts_free(&as);
}

/*
 * Attachments.
 */

const char *
web_image_type(const unsigned char *p, size_t len)
{
	if (p == NULL)
		return NULL;
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

/* RFC 8187 attr-char: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~ */
static int
attr_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

char *
web_disposition(const char *type, const char *filename)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p, *base, *end;
	struct buf b, ascii;
	size_t n, i;
	int plain = 1;

	if (filename == NULL)
		filename = "";
	/* the last path component, from either kind of separator */
	base = (const unsigned char *)filename;
	for (p = base; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	end = base + strlen((const char *)base);
	/* cut at a character boundary to at most FILENAME_MAX_BYTES */
	for (p = base; p < end; p += n) {
		n = lex_utf8_len(p, end);
		if (n == 0)
			n = 1;
		if ((size_t)(p - base) + n > FILENAME_MAX_BYTES)
			break;
	}
	end = p;
	while (base < end && *base == '.')
		base++;

	buf_init(&ascii, 4 * FILENAME_MAX_BYTES);
	for (p = base; p < end; p++) {
		if (*p >= 0x80 || *p < 0x20 || *p == 0x7f)
			plain = 0;
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ||
		    *p == ';' || *p == '%')
			buf_addch(&ascii, '_');
		else
			buf_addch(&ascii, (char)*p);
	}
	buf_init(&b, 16 * FILENAME_MAX_BYTES);
	buf_addstr(&b, type);
	buf_addstr(&b, "; filename=\"");
	if (ascii.len == 0)
		buf_addstr(&b, "attachment");
	else
		buf_add(&b, ascii.data, ascii.len);
	buf_addch(&b, '"');
	if (!plain && base < end) {
		buf_addstr(&b, "; filename*=UTF-8''");
		for (p = base; p < end; p += n) {
			n = lex_utf8_len(p, end);
			if (n == 0 || (n == 1 && lex_is_ctl(*p))) {
				buf_addstr(&b, "_");	/* not text: dropped */
				n = 1;
				continue;
			}
			for (i = 0; i < n; i++) {
				if (attr_char(p[i]))
					buf_addch(&b, (char)p[i]);
				else {
					buf_addch(&b, '%');
					buf_addch(&b, hex[p[i] >> 4]);
					buf_addch(&b, hex[p[i] & 15]);
				}
			}
		}
	}
	buf_clear(&ascii);
	return buf_steal(&b, NULL);
}

void
web_page_attachment(struct web_ctx *ctx, long long number, long long id,
    struct web_reply *r)
{
	const char *type;
	char *data = NULL, *name = NULL;
	size_t len = 0;
	int rc, internal = 0;

	rc = db_web_attachment_data(ctx->db, number, id, &data, &len, &name,
	    &internal);
	if (rc == DB_OK && internal && !ctx->desk)
		rc = 1;		/* an internal note's file: not for this key */
	if (rc == 1) {
		web_page_error(ctx, r, 404, "There is no such attachment.");
		goto done;
	}
	if (rc != DB_OK) {
		db_failed(ctx, r, rc);
		goto done;
	}
	type = web_image_type((const unsigned char *)data, len);
	buf_reset(&r->body);
	if (buf_add(&r->body, data, len) == -1) {
		web_page_error(ctx, r, 500, "The attachment is too large to "
		    "serve here; ticketctl attachment saves it.");
		goto done;
	}
	/* a safe raster image by its bytes is shown; anything else (SVG,
	 * HTML, PDF, unknown) is only ever a download */
	r->type = type != NULL ? type : "application/octet-stream";
	r->disposition = web_disposition(type != NULL ? "inline" :
	    "attachment", name);
	r->cache = "private, max-age=3600";
done:
	free(data);
	free(name);
}

/*
 * The knowledge base.
 */

struct kbl {
	const struct web_ctx *ctx;
	struct out	 o;
	int		 n;
};

static void
kb_cb(const struct db_web_article *a, void *arg)
{
	struct kbl *k = arg;
	char t[64];

	if (k->n++ == 0)
		o_raw(&k->o, "<div class=\"card\"><ul class=\"kb\">");
	o_raw(&k->o, "<li>");
	/* the article page comes with the knowledge-base issue (/kb/N) */
	o_text(&k->o, a->title);
	if (a->category != NULL) {
		o_raw(&k->o, " <span class=\"pill\">");
		o_text(&k->o, a->category);
		o_raw(&k->o, "</span>");
	}
	o_raw(&k->o, " <span class=\"who\">");
	o_text(&k->o, fmt_time(t, sizeof(t), a->closed_at));
	o_raw(&k->o, "</span></li>\n");
}

void
web_page_kb(struct web_ctx *ctx, struct web_reply *r)
{
	struct buf list;
	struct kbl k;
	int rc;

	buf_init(&list, WEB_MAX_BODY_BYTES);
	memset(&k, 0, sizeof(k));
	k.ctx = ctx;
	k.o.b = &list;
	rc = db_web_kb(ctx->db, kb_cb, &k);
	if (rc != DB_OK) {
		buf_clear(&list);
		db_failed(ctx, r, rc);
		return;
	}
	if (k.n == 0)
		o_raw(&k.o, "<p class=\"empty card\">Nothing published yet. "
		    "An admin publishes a solved ticket with /publish.</p>");
	else
		o_raw(&k.o, "</ul></div>");
	if (!k.o.err) {
		const struct html_var v[] = {
			{ "articles", list.data, 1 },
		};

		render(ctx, r, "Knowledge base", NAV_KB, web_tpl_kb_html, v,
		    1);
	} else
		web_page_error(ctx, r, 500, "The list is too large.");
	buf_clear(&list);
}

/*
 * Machine-readable: /metrics, /api/stats.json, /healthz.
 */

void
web_page_metrics(struct web_ctx *ctx, struct web_reply *r)
{
	struct stats st;
	struct metrics m;
	struct out o;
	long long pending = 0, failed = 0;
	int rc, p, s;

	rc = stats_compute(ctx->db, ctx->now,
	    ctx->site->cfg->web.online_window, &st);
	if (rc == DB_OK)
		rc = db_web_outbox(ctx->db, &pending, &failed);
	if (rc != DB_OK) {
		stats_clear(&st);
		r->status = rc == DB_TEMP ? 503 : 500;
		r->type = TEXT_TYPE;
		buf_addstr(&r->body, "database error\n");
		return;
	}
	metrics_read(&m);
	o.b = &r->body;
	o.err = 0;
	r->type = PROM_TYPE;
	o_raw(&o, "# HELP ticketd_tickets Tickets by status and priority.\n"
	    "# TYPE ticketd_tickets gauge\n");
	for (p = 0; p < STATS_NPRIO; p++)
		for (s = 0; s < STATS_NSTATUS; s++)
			o_printf(&o, "ticketd_tickets{status=\"%s\","
			    "priority=\"%s\"} %lld\n", stats_status_name(s),
			    stats_prio_name(p), st.by[p][s]);
	o_printf(&o, "# HELP ticketd_outbox_pending Notices waiting to be "
	    "sent.\n# TYPE ticketd_outbox_pending gauge\n"
	    "ticketd_outbox_pending %lld\n", pending);
	o_printf(&o, "# HELP ticketd_outbox_failed Notices given up on.\n"
	    "# TYPE ticketd_outbox_failed gauge\n"
	    "ticketd_outbox_failed %lld\n", failed);
	o_raw(&o, "# HELP ticketd_mails_total Mails taken in since the start, "
	    "by outcome.\n# TYPE ticketd_mails_total counter\n");
	o_printf(&o, "ticketd_mails_total{outcome=\"ticket\"} %llu\n"
	    "ticketd_mails_total{outcome=\"comment\"} %llu\n"
	    "ticketd_mails_total{outcome=\"duplicate\"} %llu\n"
	    "ticketd_mails_total{outcome=\"ignored\"} %llu\n"
	    "ticketd_mails_total{outcome=\"failed\"} %llu\n",
	    m.mails[0], m.mails[1], m.mails[2], m.mails[3], m.mails[4]);
	o_printf(&o, "# HELP ticketd_parse_failures_total Mails nothing usable "
	    "could be read from (kept in the failed folder).\n"
	    "# TYPE ticketd_parse_failures_total counter\n"
	    "ticketd_parse_failures_total %llu\n", m.mails[4]);
	o_printf(&o, "# HELP ticketd_imap_reconnects_total IMAP logins after "
	    "the first.\n# TYPE ticketd_imap_reconnects_total counter\n"
	    "ticketd_imap_reconnects_total %llu\n", m.imap_reconnects);
	o_printf(&o, "# HELP ticketd_notices_sent_total Notices the SMTP "
	    "server took.\n# TYPE ticketd_notices_sent_total counter\n"
	    "ticketd_notices_sent_total %llu\n", m.notices_sent);
	o_printf(&o, "# HELP ticketd_smtp_failures_total Notices the SMTP "
	    "server did not take, by kind of failure.\n"
	    "# TYPE ticketd_smtp_failures_total counter\n"
	    "ticketd_smtp_failures_total{kind=\"temporary\"} %llu\n"
	    "ticketd_smtp_failures_total{kind=\"permanent\"} %llu\n",
	    m.smtp_temp_failures, m.smtp_perm_failures);
	/* issue 9 (SLA): ticketd_sla_breached, once the clock exists */
	if (st.sla_known)
		o_printf(&o, "# HELP ticketd_sla_breached Tickets past their "
		    "SLA target.\n# TYPE ticketd_sla_breached gauge\n"
		    "ticketd_sla_breached %lld\n", st.breached);
	o_printf(&o, "# HELP ticketd_start_time_seconds When the daemon "
	    "started.\n# TYPE ticketd_start_time_seconds gauge\n"
	    "ticketd_start_time_seconds %lld\n", (long long)m.started);
	if (o.err) {
		buf_reset(&r->body);
		r->status = 500;
	}
	stats_clear(&st);
}

void
web_page_stats_json(struct web_ctx *ctx, struct web_reply *r)
{
	struct stats st;
	struct out o;
	char t[64];
	size_t i;
	int rc, p, s;

	rc = stats_compute(ctx->db, ctx->now,
	    ctx->site->cfg->web.online_window, &st);
	if (rc != DB_OK) {
		r->status = rc == DB_TEMP ? 503 : 500;
		r->type = JSON_TYPE;
		buf_addstr(&r->body, "{\"error\":\"database\"}\n");
		return;
	}
	o.b = &r->body;
	o.err = 0;
	r->type = JSON_TYPE;
	o_raw(&o, "{");
	o_key(&o, "generated_at");
	o_json(&o, fmt_iso(t, sizeof(t), ctx->now));
	o_printf(&o, ",\"raised\":%lld,\"by_status\":{", st.raised);
	for (s = 0; s < STATS_NSTATUS; s++)
		o_printf(&o, "%s\"%s\":%lld", s > 0 ? "," : "",
		    stats_status_name(s), st.by_status[s]);
	o_raw(&o, "},\"by_priority\":{");
	for (p = 0; p < STATS_NPRIO; p++) {
		o_printf(&o, "%s\"%s\":{", p > 0 ? "," : "",
		    stats_prio_name(p));
		for (s = 0; s < STATS_NSTATUS; s++)
			o_printf(&o, "%s\"%s\":%lld", s > 0 ? "," : "",
			    stats_status_name(s), st.by[p][s]);
		o_raw(&o, "}");
	}
	/* null until the SLA clock (issue 9) counts breaches */
	if (st.sla_known)
		o_printf(&o, "},\"breached\":%lld", st.breached);
	else
		o_raw(&o, "},\"breached\":null");
	o_raw(&o, ",\"days\":[");
	for (i = 0; i < STATS_DAYS; i++) {
		struct tm tm;
		char day[16];

		if (localtime_r(&st.day_start[i], &tm) == NULL ||
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
			snprintf(day, sizeof(day), "?");
		o_printf(&o, "%s{\"day\":\"%s\",\"opened\":%lld,\"closed\":"
		    "%lld}", i > 0 ? "," : "", day, st.opened[i],
		    st.closed[i]);
	}
	o_raw(&o, "],\"resolution_30d\":{");
	for (p = 0; p < STATS_NPRIO; p++)
		o_printf(&o, "%s\"%s\":{\"resolved\":%lld,\"median_secs\":"
		    "%lld,\"p90_secs\":%lld}", p > 0 ? "," : "",
		    stats_prio_name(p), st.prio[p].resolved,
		    st.prio[p].median_secs, st.prio[p].p90_secs);
	o_raw(&o, "},\"admins\":[");
	for (i = 0; i < st.nadmins; i++) {
		const struct stats_admin *a = &st.admins[i];

		o_raw(&o, i > 0 ? ",{" : "{");
		o_key(&o, "email");
		o_json(&o, a->email);
		o_raw(&o, ",");
		o_key(&o, "name");
		o_json(&o, a->name);
		o_printf(&o, ",\"root\":%s,\"online\":%s,\"away\":%s,"
		    "\"open\":%lld,\"resolved_7d\":%lld,\"resolved_30d\":%lld,"
		    "\"median_secs\":%lld,", a->root ? "true" : "false",
		    a->online ? "true" : "false", a->away ? "true" : "false",
		    a->open, a->resolved_7d, a->resolved_30d, a->median_secs);
		o_key(&o, "last_seen");
		o_json(&o, a->last_seen > 0 ? fmt_iso(t, sizeof(t),
		    a->last_seen) : NULL);
		o_raw(&o, "}");
	}
	o_raw(&o, "]}\n");
	if (o.err) {
		buf_reset(&r->body);
		r->status = 500;
	}
	stats_clear(&st);
}

void
web_page_healthz(struct web_ctx *ctx, struct web_reply *r)
{
	r->type = TEXT_TYPE;
	if (db_web_ping(ctx->db) != DB_OK) {
		r->status = 503;
		buf_addstr(&r->body, "database not answering\n");
		return;
	}
	buf_addstr(&r->body, "ok\n");
}

void
web_page_style(struct web_reply *r)
{
	r->type = "text/css; charset=utf-8";
	r->cache = "public, max-age=3600";
	buf_addstr(&r->body, web_tpl_style_css);
}
