/*
 * web_list.c — the ticket list and the search (/tickets and
 * /api/tickets.json): filters, FTS5 with bm25 ranking and highlighted
 * snippets, pages of WEB_PAGE_SIZE. Needs the desk key (web.c checks).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_web.h"
#include "html.h"
#include "json.h"
#include "lex.h"
#include "limits.h"
#include "stats.h"
#include "web_impl.h"
#include "web_pages.h"
#include "xmalloc.h"

extern const char web_tpl_tickets_html[];

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
		wp_raw(o, l->n > 0 ? ",\n{" : "\n{");
		wp_printf(o, "\"number\":%lld,", w->number);
		wp_key(o, "subject");
		wp_json(o, w->subject);
		wp_raw(o, ",");
		wp_key(o, "status");
		wp_json(o, w->status);
		wp_raw(o, ",");
		wp_key(o, "priority");
		wp_json(o, w->priority);
		wp_raw(o, ",");
		wp_key(o, "category");
		wp_json(o, w->category);
		wp_raw(o, ",");
		wp_key(o, "subcategory");
		wp_json(o, w->subcategory);
		wp_raw(o, ",");
		wp_key(o, "requester");
		wp_json(o, w->requester);
		wp_raw(o, ",");
		wp_key(o, "assignee");
		wp_json(o, w->assignee);
		wp_raw(o, ",");
		wp_key(o, "created_at");
		wp_json(o, wp_iso(t, sizeof(t), w->created_at));
		wp_raw(o, ",");
		wp_key(o, "updated_at");
		wp_json(o, wp_iso(t, sizeof(t), w->updated_at));
		if (w->snippet != NULL) {
			/* the marks as plain brackets: JSON is not HTML */
			char *s = xstrdup(w->snippet), *p;

			for (p = s; *p != '\0'; p++)
				if (*p == '\x01')
					*p = '[';
				else if (*p == '\x02')
					*p = ']';
			wp_raw(o, ",");
			wp_key(o, "snippet");
			wp_json(o, s);
			free(s);
		}
		wp_raw(o, "}");
		l->n++;
		return;
	}
	if (l->n == 0)
		wp_raw(o, "<table class=\"list\"><thead><tr>"
		    "<th class=\"n\">#</th><th>Subject</th><th>Status</th>"
		    "<th>Priority</th><th>Category</th><th>Admin</th>"
		    "<th>Updated</th></tr></thead><tbody>\n");
	wp_raw(o, "<tr><td class=\"n\">");
	wp_ticket_link(o, l->ctx, w->number, NULL);
	wp_raw(o, "</td><td class=\"subj\">");
	wp_ticket_link(o, l->ctx, w->number, w->subject);
	wp_raw(o, "<div class=\"who\">");
	wp_text(o, w->requester_name != NULL && w->requester_name[0] != '\0' ?
	    w->requester_name : w->requester);
	wp_raw(o, " · opened ");
	wp_text(o, wp_time(t, sizeof(t), w->created_at));
	wp_raw(o, "</div>");
	if (w->snippet != NULL) {
		wp_raw(o, "<div class=\"snip\">");
		if (!o->err && html_snippet(o->b, w->snippet,
		    strlen(w->snippet)) == -1)
			o->err = 1;
		wp_raw(o, "</div>");
	}
	wp_raw(o, "</td><td>");
	wp_pill(o, "s", w->status);
	wp_raw(o, "</td><td>");
	wp_pill(o, "p", w->priority);
	wp_raw(o, "</td><td>");
	if (w->category != NULL) {
		wp_text(o, w->category);
		if (w->subcategory != NULL) {
			wp_raw(o, "/");
			wp_text(o, w->subcategory);
		}
	} else
		wp_raw(o, "<span class=\"who\">-</span>");
	wp_raw(o, "</td><td>");
	if (w->assignee != NULL)
		wp_text(o, w->assignee);
	else
		wp_raw(o, "<span class=\"who\">-</span>");
	wp_raw(o, "</td><td class=\"when\">");
	wp_text(o, wp_ago(t, sizeof(t), (long long)l->ctx->now,
	    w->updated_at));
	wp_raw(o, "</td></tr>\n");
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

/* The list's query parameters (see web_pages.h). */
int
web_list_filter(const struct web_ctx *ctx, struct db_web_filter *f,
    char **fts, const char **why)
{
	const char *v, *slash;
	size_t len, i;
	long long page = 1;

	memset(f, 0, sizeof(*f));
	*fts = NULL;
	if ((v = wp_arg(ctx, "status")) != NULL) {
		if (stats_status_index(v) < 0 && strcmp(v, "active") != 0) {
			*why = "status is open, assigned, resolved, rejected "
			    "or active";
			return -1;
		}
		f->status = v;
	}
	if ((v = wp_arg(ctx, "priority")) != NULL) {
		if (stats_prio_index(v) < 0) {
			*why = "priority is high, medium or low";
			return -1;
		}
		f->priority = v;
	}
	if ((v = wp_arg(ctx, "category")) != NULL) {
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
	if ((v = wp_arg(ctx, "admin")) != NULL) {
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
	if ((v = wp_arg(ctx, "page")) != NULL) {
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

	wp_raw(o, "<option value=\"\">");
	wp_text(o, any);
	wp_raw(o, "</option>");
	for (i = 0; i < n; i++) {
		wp_raw(o, "<option value=\"");
		wp_text(o, vals[i]);
		wp_raw(o, cur != NULL && strcmp(cur, vals[i]) == 0 ?
		    "\" selected>" : "\">");
		wp_text(o, vals[i]);
		wp_raw(o, "</option>");
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
	wp_raw(o, "<a ");
	wp_href(o, ctx, 1, "/tickets", "q", q, "status", wp_arg(ctx, "status"),
	    "priority", wp_arg(ctx, "priority"), "category",
	    wp_arg(ctx, "category"), "admin", wp_arg(ctx, "admin"), "page",
	    page > 1 ? p : NULL, NULL);
	wp_raw(o, ">");
	wp_text(o, label);
	wp_raw(o, "</a>");
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

	if (web_list_filter(ctx, &f, &fts, &why) == -1) {
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
		wp_raw(&l.o, "{\"tickets\":[");
	rc = db_web_list(ctx->db, &f, list_row, &l, &total);
	if (rc != DB_OK) {
		buf_clear(&rows);
		free(fts);
		buf_reset(&r->body);
		if (json) {
			r->status = rc == DB_TEMP ? 503 : rc == DB_PERM &&
			    f.fts != NULL ? 400 : 500;
			r->type = JSON_TYPE;
			buf_addstr(&r->body, "{\"error\":\"database\"}\n");
		} else if (rc == DB_PERM && f.fts != NULL)
			web_page_error(ctx, r, 400, "This search cannot be "
			    "run; try other words.");
		else
			wp_db_failed(ctx, r, rc);
		return;
	}
	page = f.offset / WEB_PAGE_SIZE + 1;
	npages = (total + WEB_PAGE_SIZE - 1) / WEB_PAGE_SIZE;
	if (json) {
		wp_printf(&l.o, "\n],\"total\":%lld,\"page\":%lld,"
		    "\"pages\":%lld"
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
		wp_raw(&l.o, "<p class=\"empty\">No tickets match.</p>");
	else
		wp_raw(&l.o, "</tbody></table>");

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
		wp_raw(&o, "<input type=\"hidden\" name=\"k\" value=\"");
		wp_text(&o, ctx->key);
		wp_raw(&o, "\">");
	}
	for (i = 0; i < 4; i++)
		buf_init(&sel[i], 1024 * 1024);
	o.b = &sel[0];
	o_options(&o, "Any status", status, 5, wp_arg(ctx, "status"));
	o.b = &sel[1];
	o_options(&o, "Any priority", prio, 3, wp_arg(ctx, "priority"));
	o.b = &sel[2];
	o_options(&o, "Any category", (const char *const *)cats.v, cats.n,
	    wp_arg(ctx, "category"));
	o.b = &sel[3];
	o_options(&o, "Any admin", (const char *const *)admins.v, admins.n,
	    wp_arg(ctx, "admin"));

	q = web_arg(ctx, "q", NULL);
	o.b = &pages;
	if (npages > 1) {
		if (page > 1)
			page_link(&o, ctx, "\xe2\x80\xb9 Newer", page - 1, q);
		wp_printf(&o, "<span>Page %lld of %lld</span>", page, npages);
		if (page < npages)
			page_link(&o, ctx, "Older \xe2\x80\xba", page + 1, q);
	}
	if (f.fts != NULL)
		snprintf(count, sizeof(count), "%lld %s the search, best "
		    "first", total, total == 1 ? "ticket matches" :
		    "tickets match");
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

		wp_render(ctx, r, "Tickets", NAV_TICKETS, web_tpl_tickets_html,
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

