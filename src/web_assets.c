/*
 * web_assets.c — IT assets on the status page (issue 15), for the desk
 * key only (an asset names its owner):
 *
 *   /assets            every asset with its ticket count; filters type=,
 *                      status=, owner= (an address, or "none" for the
 *                      ones in stock) and warranty=N (its warranty ends
 *                      within N days, 1..3650; the form offers 30)
 *   /a/TAG             one asset: its fields, tickets, owner history and
 *                      whole history
 *
 * and the dashboard's small table of the devices with the most tickets
 * in the last 90 days (tags linked for desk viewers only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "asset.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_asset.h"
#include "fields.h"
#include "html.h"
#include "web_impl.h"
#include "web_pages.h"
#include "xmalloc.h"

/* Generated from templates/web/ by the Makefile (contrib/embed.sh). */
extern const char web_tpl_assets_html[];
extern const char web_tpl_asset_html[];

/* Rows on the list, devices on the dashboard, tickets on an asset. */
#define ASSETS_MAX	2000
#define TOP_MAX		5
#define TOP_DAYS	90

static const char *const statuses[] = { ASSET_ST_IN_USE, ASSET_ST_IN_STOCK,
	ASSET_ST_IN_REPAIR, ASSET_ST_RETIRED };

/* The status as a pill; only our four values reach the class. */
static void
status_pill(struct out *o, const char *st)
{
	const char *cls = "s-rejected";

	if (st != NULL && strcmp(st, ASSET_ST_IN_USE) == 0)
		cls = "s-assigned";
	else if (st != NULL && strcmp(st, ASSET_ST_IN_STOCK) == 0)
		cls = "s-open";
	else if (st != NULL && strcmp(st, ASSET_ST_IN_REPAIR) == 0)
		cls = "p-medium";
	wp_printf(o, "<span class=\"pill %s\">", cls);
	wp_text(o, st != NULL ? st : "-");
	wp_raw(o, "</span>");
}

static void
asset_link(struct out *o, const struct web_ctx *ctx, const char *tag)
{
	char path[64];

	snprintf(path, sizeof(path), "/a/%s", tag);
	if (!ctx->desk) {
		wp_text(o, tag);
		return;
	}
	wp_raw(o, "<a class=\"mono\" ");
	wp_href(o, ctx, 1, path, NULL);
	wp_raw(o, ">");
	wp_text(o, tag);
	wp_raw(o, "</a>");
}

struct list {
	const struct web_ctx *ctx;
	struct out	 o;
	size_t		 n;
};

static void
row_cb(const struct db_asset *a, void *arg)
{
	struct list *l = arg;

	if (l->n++ == 0)
		wp_raw(&l->o, "<table><thead><tr><th>Tag</th><th>Type</th>"
		    "<th>Model</th><th>Status</th><th>Owner</th>"
		    "<th>Warranty until</th><th class=\"n\">Tickets</th>"
		    "</tr></thead><tbody>");
	wp_raw(&l->o, "<tr><td>");
	asset_link(&l->o, l->ctx, a->tag);
	wp_raw(&l->o, "</td><td>");
	wp_text(&l->o, a->type);
	wp_raw(&l->o, "</td><td>");
	wp_text(&l->o, a->model[0] != '\0' ? a->model : "-");
	wp_raw(&l->o, "</td><td>");
	status_pill(&l->o, a->status);
	wp_raw(&l->o, "</td><td>");
	wp_text(&l->o, a->owner != NULL ? a->owner : "in stock");
	wp_raw(&l->o, "</td><td class=\"when\">");
	wp_text(&l->o, a->warranty != NULL ? a->warranty : "-");
	wp_printf(&l->o, "</td><td class=\"n\">%lld</td></tr>\n", a->tickets);
}

static void
option(struct out *o, const char *value, const char *label, const char *sel)
{
	wp_raw(o, "<option value=\"");
	wp_text(o, value);
	wp_raw(o, sel != NULL && strcasecmp(sel, value) == 0 ? "\" selected>" :
	    "\">");
	wp_text(o, label);
	wp_raw(o, "</option>");
}

/* Local "YYYY-MM-DD" of t. */
static void
day(time_t t, char *buf, size_t sz)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, sz, "0000-00-00");
}

void
web_page_assets(struct web_ctx *ctx, struct web_reply *r)
{
	const struct config *cfg = ctx->site->cfg;
	const char *type = wp_arg(ctx, "type"), *status = wp_arg(ctx, "status");
	const char *owner = wp_arg(ctx, "owner"), *war = wp_arg(ctx, "warranty");
	struct db_asset_filter f;
	struct buf rows, hidden, types, sts, wsel;
	struct list l;
	struct out o;
	char count[128], action[512], from[16], to[16], *end;
	long days = 0;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.limit = ASSETS_MAX;
	if (type != NULL && (f.type = asset_type_find(cfg->assets.types, type,
	    strlen(type))) == NULL) {
		web_page_error(ctx, r, 400, "That is not a type of asset.");
		return;
	}
	if (status != NULL && (f.status = asset_status_parse(status,
	    strlen(status))) == NULL) {
		web_page_error(ctx, r, 400, "That is not a status of an asset.");
		return;
	}
	if (owner != NULL && strcasecmp(owner, "none") != 0 &&
	    !fields_is_addr(owner, strlen(owner))) {
		web_page_error(ctx, r, 400, "That is not an address.");
		return;
	}
	f.owner = owner != NULL && strcasecmp(owner, "none") == 0 ? "none" :
	    owner;
	if (war != NULL) {
		days = strtol(war, &end, 10);
		if (*end != '\0' || war[0] < '1' || war[0] > '9' ||
		    strlen(war) > 4 || days < 1 || days > 3650) {
			web_page_error(ctx, r, 400, "warranty is a number of "
			    "days, 1 to 3650.");
			return;
		}
		day(ctx->now, from, sizeof(from));
		day(ctx->now + (time_t)days * 86400, to, sizeof(to));
		f.warranty_from = from;
		f.warranty_before = to;
	}
	buf_init(&rows, WEB_MAX_BODY_BYTES);
	buf_init(&hidden, 4096);
	buf_init(&types, 65536);
	buf_init(&sts, 4096);
	buf_init(&wsel, 4096);
	memset(&l, 0, sizeof(l));
	l.ctx = ctx;
	l.o.b = &rows;
	rc = db_asset_each(ctx->db, &f, row_cb, &l);
	if (rc != DB_OK) {
		wp_db_failed(ctx, r, rc);
		goto done;
	}
	if (l.n == 0)
		wp_raw(&l.o, "<p class=\"empty\">No asset matches.</p>");
	else
		wp_raw(&l.o, "</tbody></table>");
	o.err = l.o.err;
	o.b = &hidden;
	if (ctx->key != NULL) {
		wp_raw(&o, "<input type=\"hidden\" name=\"k\" value=\"");
		wp_text(&o, ctx->key);
		wp_raw(&o, "\">");
	}
	o.b = &types;
	option(&o, "", "All types", NULL);
	for (i = 0; cfg->assets.types != NULL && cfg->assets.types[i] != NULL;
	    i++)
		option(&o, cfg->assets.types[i], cfg->assets.types[i], f.type);
	o.b = &sts;
	option(&o, "", "Any status", NULL);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		option(&o, statuses[i], statuses[i], f.status);
	o.b = &wsel;
	option(&o, "", "Any warranty", NULL);
	option(&o, "30", "Warranty ends in 30 days", war);
	if (war != NULL && strcmp(war, "30") != 0)
		option(&o, war, war, war);
	snprintf(count, sizeof(count), "%zu asset%s%s", l.n, l.n == 1 ? "" :
	    "s", type != NULL || status != NULL || owner != NULL ||
	    war != NULL ? " match" : "");
	snprintf(action, sizeof(action), "%s/assets", ctx->site->prefix);
	if (!o.err) {
		const struct html_var v[] = {
			{ "count", count, 0 },
			{ "action", action, 0 },
			{ "hidden", hidden.data, 1 },
			{ "types", types.data, 1 },
			{ "statuses", sts.data, 1 },
			{ "owner", owner != NULL ? owner : "", 0 },
			{ "warranty", wsel.data, 1 },
			{ "rows", rows.data, 1 },
		};

		wp_render(ctx, r, "Assets", NAV_ASSETS, web_tpl_assets_html, v,
		    sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The list is too large.");
done:
	buf_clear(&rows);
	buf_clear(&hidden);
	buf_clear(&types);
	buf_clear(&sts);
	buf_clear(&wsel);
}

struct page {
	const struct web_ctx *ctx;
	struct out	 owners, history, tickets;
	size_t		 nowners, nhistory, ntickets;
};

static void
hist_cb(const struct db_asset_event_row *e, void *arg)
{
	struct page *p = arg;
	char t[64];

	wp_time(t, sizeof(t), e->at);
	if (p->nhistory++ == 0)
		wp_raw(&p->history, "<table><thead><tr><th>When</th><th>What"
		    "</th><th>By</th><th>Detail</th></tr></thead><tbody>");
	wp_raw(&p->history, "<tr><td class=\"when\">");
	wp_text(&p->history, t);
	wp_raw(&p->history, "</td><td>");
	wp_text(&p->history, e->kind);
	wp_raw(&p->history, "</td><td>");
	wp_text(&p->history, e->actor);
	wp_raw(&p->history, "</td><td>");
	wp_text(&p->history, e->detail != NULL ? e->detail : "");
	wp_raw(&p->history, "</td></tr>\n");
	if (!e->owner_change)
		return;
	if (p->nowners++ == 0)
		wp_raw(&p->owners, "<table><thead><tr><th>From</th><th>Owner"
		    "</th><th>By</th></tr></thead><tbody>");
	wp_raw(&p->owners, "<tr><td class=\"when\">");
	wp_text(&p->owners, t);
	wp_raw(&p->owners, "</td><td>");
	wp_text(&p->owners, e->owner != NULL ? e->owner : "in stock");
	wp_raw(&p->owners, "</td><td>");
	wp_text(&p->owners, e->actor);
	wp_raw(&p->owners, "</td></tr>\n");
}

static void
ticket_cb(const struct db_asset_ticket *t, void *arg)
{
	struct page *p = arg;
	char w[64];

	if (p->ntickets++ == 0)
		wp_raw(&p->tickets, "<table><thead><tr><th>#</th><th>Subject"
		    "</th><th>Status</th><th>From</th><th>Opened</th></tr>"
		    "</thead><tbody>");
	wp_raw(&p->tickets, "<tr><td class=\"n\">");
	wp_ticket_link(&p->tickets, p->ctx, t->number, NULL);
	wp_raw(&p->tickets, "</td><td class=\"subj\">");
	wp_ticket_link(&p->tickets, p->ctx, t->number, t->subject);
	wp_raw(&p->tickets, "</td><td>");
	wp_pill(&p->tickets, "s", t->status);
	wp_raw(&p->tickets, "</td><td>");
	wp_text(&p->tickets, t->requester);
	wp_raw(&p->tickets, "</td><td class=\"when\">");
	wp_text(&p->tickets, wp_time(w, sizeof(w), t->created_at));
	wp_raw(&p->tickets, "</td></tr>\n");
}

static void
field(struct out *o, const char *name, const char *value)
{
	wp_raw(o, "<dt>");
	wp_text(o, name);
	wp_raw(o, "</dt><dd>");
	wp_text(o, value != NULL && value[0] != '\0' ? value : "-");
	wp_raw(o, "</dd>");
}

void
web_page_asset(struct web_ctx *ctx, const char *tag, struct web_reply *r)
{
	struct db_asset a;
	struct page p;
	struct buf owners, history, tickets, fields, st, back;
	struct out o;
	char canon[ASSET_TAG_MAX + 1], today[16], *what, *warranty;
	int rc;

	if (asset_tag_parse(tag, strlen(tag), canon) == -1) {
		web_page_error(ctx, r, 400, "That is not an asset tag.");
		return;
	}
	rc = db_asset_get(ctx->db, canon, &a);
	if (rc == 1) {
		web_page_error(ctx, r, 404, "There is no such asset.");
		return;
	}
	if (rc < 0) {
		wp_db_failed(ctx, r, rc);
		return;
	}
	buf_init(&owners, WEB_MAX_BODY_BYTES);
	buf_init(&history, WEB_MAX_BODY_BYTES);
	buf_init(&tickets, WEB_MAX_BODY_BYTES);
	buf_init(&fields, 65536);
	buf_init(&st, 4096);
	buf_init(&back, 4096);
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.owners.b = &owners;
	p.history.b = &history;
	p.tickets.b = &tickets;
	rc = db_asset_history(ctx->db, a.id, hist_cb, &p);
	if (rc == DB_OK)
		rc = db_asset_tickets(ctx->db, a.id, 0, 0, ticket_cb, &p);
	if (rc != DB_OK) {
		wp_db_failed(ctx, r, rc);
		goto done;
	}
	wp_raw(&p.owners, p.nowners > 0 ? "</tbody></table>" :
	    "<p class=\"empty\">No owner yet.</p>");
	wp_raw(&p.history, p.nhistory > 0 ? "</tbody></table>" :
	    "<p class=\"empty\">No history.</p>");
	wp_raw(&p.tickets, p.ntickets > 0 ? "</tbody></table>" :
	    "<p class=\"empty\">No ticket is about this asset.</p>");
	day(ctx->now, today, sizeof(today));
	warranty = a.warranty == NULL ? xstrdup("not recorded") :
	    xasprintf("%s (%s)", a.warranty, strcmp(a.warranty, today) >= 0 ?
	    "valid" : "ended");
	o.err = p.owners.err || p.history.err || p.tickets.err;
	o.b = &fields;
	wp_raw(&o, "<dl>");
	field(&o, "Tag", a.tag);
	field(&o, "Type", a.type);
	field(&o, "Model", a.model);
	field(&o, "Serial", a.serial);
	field(&o, "Owner", a.owner != NULL ? a.owner : "none (in stock)");
	field(&o, "Status", a.status);
	field(&o, "Purchased", a.purchased);
	field(&o, "Warranty until", warranty);
	field(&o, "Notes", a.notes);
	wp_raw(&o, "</dl>");
	o.b = &st;
	status_pill(&o, a.status);
	wp_printf(&o, " · %lld ticket%s", a.tickets, a.tickets == 1 ? "" :
	    "s");
	o.b = &back;
	buf_addstr(&back, ctx->site->prefix);
	buf_addstr(&back, "/assets");
	if (ctx->key != NULL) {
		buf_addstr(&back, "?k=");
		html_urlencode(&back, ctx->key);
	}
	what = xasprintf("%s%s%s", a.type, a.model[0] != '\0' ? " · " : "",
	    a.model);
	if (!o.err) {
		const struct html_var v[] = {
			{ "back", back.data, 0 },
			{ "tag", a.tag, 0 },
			{ "what", what, 0 },
			{ "status", st.data, 1 },
			{ "tickets", tickets.data, 1 },
			{ "owners", owners.data, 1 },
			{ "history", history.data, 1 },
			{ "fields", fields.data, 1 },
		};

		wp_render(ctx, r, a.tag, NAV_ASSETS, web_tpl_asset_html, v,
		    sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The asset's page is too large.");
	free(what);
	free(warranty);
done:
	db_asset_clear(&a);
	buf_clear(&owners);
	buf_clear(&history);
	buf_clear(&tickets);
	buf_clear(&fields);
	buf_clear(&st);
	buf_clear(&back);
}

static void
top_cb(const struct db_asset *a, void *arg)
{
	struct list *l = arg;

	if (l->n++ == 0)
		wp_raw(&l->o, "<section class=\"card\"><h2>Devices with the "
		    "most tickets</h2><div class=\"scroll\"><table><thead><tr>"
		    "<th>Device</th><th>Type</th><th>Model</th>"
		    "<th class=\"n\">Tickets, 90 days</th></tr></thead><tbody>");
	wp_raw(&l->o, "<tr><td>");
	asset_link(&l->o, l->ctx, a->tag);
	wp_raw(&l->o, "</td><td>");
	wp_text(&l->o, a->type);
	wp_raw(&l->o, "</td><td>");
	wp_text(&l->o, a->model[0] != '\0' ? a->model : "-");
	wp_printf(&l->o, "</td><td class=\"n\">%lld</td></tr>\n",
	    a->tickets_90d);
}

int
web_assets_top(struct web_ctx *ctx, struct buf *b)
{
	struct list l;

	memset(&l, 0, sizeof(l));
	l.ctx = ctx;
	l.o.b = b;
	/* a database error leaves the section out, not the dashboard */
	if (db_asset_top(ctx->db, (long long)ctx->now - TOP_DAYS * 86400LL,
	    TOP_MAX, top_cb, &l) != DB_OK) {
		buf_reset(b);
		return 0;
	}
	if (l.n > 0)
		wp_raw(&l.o, "</tbody></table></div><p class=\"hint\">Tickets "
		    "opened in the last 90 days about each device.</p>"
		    "</section>");
	return l.o.err ? -1 : 0;
}
