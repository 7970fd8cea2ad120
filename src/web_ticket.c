/*
 * web_ticket.c — one ticket (/t/N and /api/tickets/N.json) and its
 * attachments (/t/N/a/ID). The ticket's own key shows what its requester
 * and the people on it may see (no internal notes, no desk events); the
 * desk key shows everything.
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
#include "stats.h"
#include "web_impl.h"
#include "web_pages.h"
#include "xmalloc.h"

extern const char web_tpl_ticket_html[];

/* Longest file name offered as a download name. */
#define FILENAME_MAX_BYTES	100

struct tk {
	int		 found;
	long long	 number;
	char		*subject, *body, *status, *priority, *category;
	char		*subcategory, *requester, *requester_name;
	char		*assignee, *assignee_name, *kb_title, *sla_reason;
	long long	 created_at, updated_at, closed_at, assigned_at;
	long long	 linked_to, handovers, due_at, breached_at;
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
	k->due_at = t->due_at;
	k->breached_at = t->breached_at;
	k->sla_reason = dup0(t->sla_reason);
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
	free(k->sla_reason);
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
	int		 json;		/* every event, for a program */
};

static void
event_cb(const struct db_web_event *ev, void *arg)
{
	struct ev_ctx *c = arg;
	struct timeline *tl = c->tl;
	struct entry *e;

	/* the comment itself stands in the timeline, the first mail too */
	if (!c->json && (strcmp(ev->kind, "commented") == 0 ||
	    strcmp(ev->kind, "internal-note") == 0 ||
	    (strcmp(ev->kind, "created") == 0 && (ev->detail == NULL ||
	    ev->detail[0] == '\0'))))
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
	/* at the same second: the events (assigned, resolved) first */
	if (x->is_event != y->is_event)
		return y->is_event - x->is_event;
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
			wp_raw(o, "<div class=\"files\">");
		any = 1;
		snprintf(path, sizeof(path), "/t/%lld/a/%lld", number, a->id);
		wp_size(sz, sizeof(sz), a->size);
		if (a->image != NULL) {
			wp_raw(o, "<figure><a ");
			wp_href(o, ctx, 2, path, NULL);
			wp_raw(o, "><img ");
			wp_src(o, ctx, 2, path, NULL);
			wp_raw(o, " alt=\"");
			wp_text(o, a->filename);
			wp_raw(o, "\" loading=\"lazy\"></a><figcaption>");
			wp_text(o, a->filename);
			wp_raw(o, " · ");
			wp_text(o, sz);
			wp_raw(o, "</figcaption></figure>");
		} else if (a->kept) {
			wp_raw(o, "<a class=\"file\" ");
			wp_href(o, ctx, 2, path, NULL);
			wp_raw(o, " download>");
			wp_text(o, a->filename);
			wp_raw(o, " · ");
			wp_text(o, sz);
			wp_raw(o, "</a>");
		} else {
			wp_raw(o, "<span class=\"file\">");
			wp_text(o, a->filename);
			wp_raw(o, " · not kept");
			if (a->note != NULL) {
				wp_raw(o, ": ");
				wp_text(o, a->note);
			}
			wp_raw(o, "</span>");
		}
	}
	if (any)
		wp_raw(o, "</div>");
}

static void
o_event(struct out *o, const struct entry *e)
{
	const char *k = e->kind;
	char t[64];

	wp_raw(o, "<div class=\"event\"><b>");
	if (e->who != NULL)
		wp_text(o, e->who);
	else
		wp_raw(o, "The desk");
	wp_raw(o, "</b> ");
	if (strcmp(k, "created") == 0)
		wp_raw(o, "opened the ticket");
	else if (strcmp(k, "assigned") == 0 || strcmp(k, "reassigned") == 0) {
		wp_text(o, k);
		wp_raw(o, " it to ");
		wp_text(o, e->text);
	} else if (strcmp(k, "resolved") == 0)
		wp_raw(o, "resolved it");
	else if (strcmp(k, "rejected") == 0)
		wp_raw(o, "rejected it");
	else if (strcmp(k, "priority") == 0) {
		wp_raw(o, "set the priority to ");
		wp_text(o, e->text);
	} else if (strcmp(k, "category") == 0) {
		wp_raw(o, "filed it under ");
		wp_text(o, e->text);
	} else if (strcmp(k, "published") == 0)
		wp_raw(o, "published it to the knowledge base");
	else if (strcmp(k, "change-refused") == 0) {
		wp_raw(o, "asked for a change that was refused: ");
		wp_text(o, e->text);
	} else if (strcmp(k, "sla-reason") == 0)
		wp_raw(o, "gave the reason for the SLA breach");
	else if (strcmp(k, "sla-warning") == 0) {
		wp_raw(o, "warned its admin: due ");
		wp_text(o, e->text);
	} else if (strcmp(k, "sla-breach") == 0) {
		wp_raw(o, "marked it overdue: it was due ");
		wp_text(o, e->text);
	}
	else if (strcmp(k, "notice-suppressed") == 0) {
		wp_raw(o, "held back a notice to ");
		wp_text(o, e->text);
	} else if (strcmp(k, "bounced") == 0) {
		wp_raw(o, "saw a notice bounce from ");
		wp_text(o, e->text);
	} else {
		wp_text(o, k);
	}
	/* notes that belong to the action, not already said above */
	if (e->text != NULL && e->text[0] != '\0' &&
	    (strcmp(k, "resolved") == 0 || strcmp(k, "rejected") == 0 ||
	    strcmp(k, "published") == 0 || strcmp(k, "sla-reason") == 0 ||
	    strcmp(k, "created") == 0)) {
		wp_raw(o, ": ");
		wp_text(o, e->text);
	}
	wp_raw(o, " · <time>");
	wp_text(o, wp_time(t, sizeof(t), e->at));
	wp_raw(o, "</time></div>\n");
}

static void
o_field(struct out *o, const char *name)
{
	wp_raw(o, "<dt>");
	wp_text(o, name);
	wp_raw(o, "</dt><dd>");
}

static void
ticket_html(struct web_ctx *ctx, struct web_reply *r, const struct tk *k,
    struct timeline *tl, const struct atts *as)
{
	struct buf crumbs, badges, fields, line;
	struct out o;
	char t[64], num[32], d[48];
	size_t i;

	buf_init(&crumbs, 8192);
	buf_init(&badges, 8192);
	buf_init(&fields, 1024 * 1024);
	buf_init(&line, WEB_MAX_BODY_BYTES);
	o.err = 0;

	o.b = &crumbs;
	wp_raw(&o, "<a ");
	wp_href(&o, ctx, 1, "/", NULL);
	wp_raw(&o, ">Dashboard</a>");
	if (ctx->desk) {
		wp_raw(&o, " \xe2\x80\xba <a ");
		wp_href(&o, ctx, 1, "/tickets", NULL);
		wp_raw(&o, ">Tickets</a>");
	}
	wp_printf(&o, " \xe2\x80\xba #%lld", k->number);

	o.b = &badges;
	wp_pill(&o, "s", k->status);
	wp_raw(&o, " ");
	wp_pill(&o, "p", k->priority);

	o.b = &fields;
	o_field(&o, "Status");
	wp_text(&o, k->status);
	wp_raw(&o, "</dd>");
	o_field(&o, "Priority");
	wp_text(&o, k->priority);
	wp_raw(&o, "</dd>");
	o_field(&o, "Category");
	if (k->category != NULL) {
		wp_text(&o, k->category);
		if (k->subcategory != NULL) {
			wp_raw(&o, "/");
			wp_text(&o, k->subcategory);
		}
	} else
		wp_raw(&o, "-");
	wp_raw(&o, "</dd>");
	o_field(&o, "Requester");
	wp_person(&o, k->requester, k->requester_name);
	wp_raw(&o, "</dd>");
	o_field(&o, "Admin");
	if (k->assignee != NULL)
		wp_person(&o, k->assignee, k->assignee_name);
	else
		wp_raw(&o, "not assigned yet");
	wp_raw(&o, "</dd>");
	o_field(&o, "Opened");
	wp_text(&o, wp_time(t, sizeof(t), k->created_at));
	wp_raw(&o, "</dd>");
	o_field(&o, "Updated");
	wp_text(&o, wp_time(t, sizeof(t), k->updated_at));
	wp_raw(&o, "</dd>");
	if (k->closed_at > 0) {
		o_field(&o, "Closed");
		wp_text(&o, wp_time(t, sizeof(t), k->closed_at));
		wp_raw(&o, "</dd>");
	}
	/* the SLA clock: when it is due, and how that stands */
	if (k->due_at > 0) {
		o_field(&o, "Due");
		wp_text(&o, wp_time(t, sizeof(t), k->due_at));
		if (strcmp(k->status, "rejected") == 0)
			;
		else if (k->closed_at > 0)
			wp_raw(&o, k->closed_at <= k->due_at ?
			    " <span class=\"sla ok\">met</span>" :
			    " <span class=\"sla late\">missed</span>");
		else if (k->due_at <= (long long)ctx->now)
			wp_raw(&o, " <span class=\"sla late\">overdue</span>");
		else {
			wp_raw(&o, " <span class=\"sla\">");
			wp_text(&o, stats_duration(d, sizeof(d),
			    k->due_at - (long long)ctx->now));
			wp_raw(&o, " left</span>");
		}
		wp_raw(&o, "</dd>");
	}
	if (ctx->desk && k->sla_reason != NULL) {
		o_field(&o, "Cause of delay");
		wp_text(&o, k->sla_reason);
		wp_raw(&o, "</dd>");
	}
	if (ctx->desk && k->handovers > 0) {
		o_field(&o, "Handovers");
		wp_printf(&o, "%lld", k->handovers);
		wp_raw(&o, "</dd>");
	}
	if (k->linked_to > 0) {
		o_field(&o, "Refers to");
		if (ctx->desk)
			wp_ticket_link(&o, ctx, k->linked_to, NULL);
		else
			wp_printf(&o, "#%lld", k->linked_to);
		wp_raw(&o, "</dd>");
	}
	if (k->published) {
		o_field(&o, "Knowledge base");
		wp_text(&o, k->kb_title != NULL && k->kb_title[0] != '\0' ?
		    k->kb_title : "published");
		wp_raw(&o, "</dd>");
	}

	/* the first mail, then comments and events in order */
	o.b = &line;
	wp_raw(&o, "<article class=\"msg first\"><header><b>");
	wp_person(&o, k->requester, k->requester_name);
	wp_raw(&o, "</b><time>");
	wp_text(&o, wp_time(t, sizeof(t), k->created_at));
	wp_raw(&o, "</time></header><div class=\"body\">");
	wp_text(&o, k->body);
	wp_raw(&o, "</div>");
	o_files(&o, ctx, k->number, as, 0);
	wp_raw(&o, "</article>\n");
	qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (e->is_event) {
			o_event(&o, e);
			continue;
		}
		wp_printf(&o, "<article class=\"msg%s%s\" id=\"c%lld\">"
		    "<header><span><b>", e->admin ? " admin" : "",
		    e->internal ? " int" : "", e->id);
		wp_person(&o, e->who, e->who_name);
		wp_raw(&o, "</b>");
		if (e->internal)
			wp_raw(&o, "<span class=\"pill internal\">internal "
			    "note</span>");
		wp_raw(&o, "</span><time>");
		wp_text(&o, wp_time(t, sizeof(t), e->at));
		wp_raw(&o, "</time></header><div class=\"body\">");
		wp_text(&o, e->text);
		wp_raw(&o, "</div>");
		o_files(&o, ctx, k->number, as, e->id);
		wp_raw(&o, "</article>\n");
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

		wp_render(ctx, r, title, NAV_NONE, web_tpl_ticket_html, v,
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
	wp_printf(&o, "{\"number\":%lld,", k->number);
	wp_key(&o, "subject");
	wp_json(&o, k->subject);
	wp_raw(&o, ",");
	wp_key(&o, "status");
	wp_json(&o, k->status);
	wp_raw(&o, ",");
	wp_key(&o, "priority");
	wp_json(&o, k->priority);
	wp_raw(&o, ",");
	wp_key(&o, "category");
	wp_json(&o, k->category);
	wp_raw(&o, ",");
	wp_key(&o, "subcategory");
	wp_json(&o, k->subcategory);
	wp_raw(&o, ",");
	wp_key(&o, "requester");
	wp_json(&o, k->requester);
	wp_raw(&o, ",");
	wp_key(&o, "assignee");
	wp_json(&o, k->assignee);
	wp_raw(&o, ",");
	wp_key(&o, "created_at");
	wp_json(&o, wp_iso(t, sizeof(t), k->created_at));
	wp_raw(&o, ",");
	wp_key(&o, "updated_at");
	wp_json(&o, wp_iso(t, sizeof(t), k->updated_at));
	wp_raw(&o, ",");
	wp_key(&o, "closed_at");
	wp_json(&o, k->closed_at > 0 ? wp_iso(t, sizeof(t), k->closed_at) :
	    NULL);
	wp_raw(&o, ",");
	wp_key(&o, "due_at");
	wp_json(&o, k->due_at > 0 ? wp_iso(t, sizeof(t), k->due_at) : NULL);
	wp_raw(&o, ",");
	wp_key(&o, "breached_at");
	wp_json(&o, k->breached_at > 0 ? wp_iso(t, sizeof(t), k->breached_at) :
	    NULL);
	wp_raw(&o, ",");
	wp_key(&o, "sla_reason");
	wp_json(&o, k->sla_reason);
	wp_raw(&o, ",");
	wp_key(&o, "body");
	wp_json(&o, k->body);
	wp_raw(&o, ",\"comments\":[");
	qsort(tl->v, tl->n, sizeof(*tl->v), entry_cmp);
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (e->is_event)
			continue;
		wp_raw(&o, nc++ > 0 ? ",{" : "{");
		wp_printf(&o, "\"id\":%lld,", e->id);
		wp_key(&o, "author");
		wp_json(&o, e->who);
		wp_raw(&o, ",");
		wp_key(&o, "at");
		wp_json(&o, wp_iso(t, sizeof(t), e->at));
		wp_printf(&o, ",\"internal\":%s,", e->internal ? "true" :
		    "false");
		wp_key(&o, "body");
		wp_json(&o, e->text);
		wp_raw(&o, "}");
	}
	wp_raw(&o, "],\"events\":[");
	for (i = 0; i < tl->n; i++) {
		const struct entry *e = &tl->v[i];

		if (!e->is_event)
			continue;
		wp_raw(&o, ne++ > 0 ? ",{" : "{");
		wp_key(&o, "at");
		wp_json(&o, wp_iso(t, sizeof(t), e->at));
		wp_raw(&o, ",");
		wp_key(&o, "actor");
		wp_json(&o, e->who);
		wp_raw(&o, ",");
		wp_key(&o, "kind");
		wp_json(&o, e->kind);
		wp_raw(&o, ",");
		wp_key(&o, "detail");
		wp_json(&o, e->text);
		wp_raw(&o, "}");
	}
	wp_raw(&o, "],\"attachments\":[");
	for (i = 0; i < as->n; i++) {
		const struct att *a = &as->v[i];

		wp_raw(&o, i > 0 ? ",{" : "{");
		wp_printf(&o, "\"id\":%lld,\"comment\":%lld,\"size\":%lld,",
		    a->id, a->comment_id, a->size);
		wp_key(&o, "filename");
		wp_json(&o, a->filename);
		wp_raw(&o, ",");
		wp_key(&o, "image");
		wp_json(&o, a->image);
		wp_printf(&o, ",\"kept\":%s}", a->kept ? "true" : "false");
	}
	wp_raw(&o, "]}\n");
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
	ec.json = json;
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
			buf_addstr(&r->body,
			    "{\"error\":\"no such ticket\"}\n");
		} else
			web_page_error(ctx, r, 404, "There is no such ticket.");
	} else if (rc != DB_OK)
		wp_db_failed(ctx, r, rc);
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
		/* a name the fallback cannot carry as it is gets filename* */
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ||
		    *p == ';' || *p == '%') {
			buf_addch(&ascii, '_');
			plain = 0;
		} else
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
		wp_db_failed(ctx, r, rc);
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

