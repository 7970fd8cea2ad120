/*
 * notices.c — composing and queueing the notices of the pipeline: the
 * per-address rate limit, the threading headers, and the variables of
 * each kind of notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "db_kb.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "notice.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "rules.h"
#include "template.h"
#include "xmalloc.h"

/*
 * Where may a notice to rcpt go now? *status gets "pending" (send it),
 * "held" or "suppressed" (with why). Nothing goes to a list's or robot's
 * address, nor to one that bounces. Past max_notices_per_hour to one
 * address (two robots that slipped past the auto-reply checks must not
 * answer each other for ever) a notice is suppressed — unless the address
 * is an admin's: the desk's own people are never left out, their notices
 * are held and go out together in the next digest (pl_coalesce).
 * DB_* result.
 */
static int
notice_gate(struct intake *in, const struct outgoing *o, const char **status,
    char *why, size_t whysz)
{
	struct pipeline *pl = in->pl;
	const char *rcpt = o->to_addr, *robot;
	long long ticket = o->ticket;
	time_t now = in->now;
	struct db_rcpt r;
	char vis[128];
	int rc, count = 0;

	*status = "pending";
	why[0] = '\0';
	if (pl->import_quiet) {
		/* old mail replayed by ticketctl import: kept, never sent */
		*status = "suppressed";
		snprintf(why, whysz, "imported with ticketctl import (give "
		    "--notify to send notices)");
		return DB_OK;
	}
	if ((rc = db_rcpt_info(pl->db, rcpt, &r)) != DB_OK)
		return rc;
	log_vis(vis, sizeof(vis), rcpt);
	if (in->quiet && in->m.from_addr != NULL &&
	    strcasecmp(rcpt, in->m.from_addr) == 0) {
		/* RFC 3834: list mail and robots' mail get no answer */
		*status = "suppressed";
		snprintf(why, whysz, "never answered: %s", in->quiet_why);
	} else if (r.no_reply) {
		*status = "suppressed";
		snprintf(why, whysz, "a mailing list's or robot's address: "
		    "never answered");
	} else if (rules_noreply_addr(rcpt, &robot)) {
		*status = "suppressed";
		snprintf(why, whysz, "never answered: %s", robot);
	} else if (r.bouncing) {
		*status = "suppressed";
		snprintf(why, whysz, "the address bounces: no notices until it "
		    "writes again");
	}
	if (**status == 's') {
		log_info("ticket #%lld: no notice to %s: %s", ticket, vis, why);
		return DB_OK;
	}
	if ((rc = db_notice_count(pl->db, rcpt, now - HOUR,
	    pl->cfg->helpdesk.max_notices_per_hour, &count)) != DB_OK)
		return rc;
	if (count < pl->cfg->helpdesk.max_notices_per_hour)
		return DB_OK;
	if (r.staff) {
		*status = "held";
		snprintf(why, whysz, "%d notices in the last hour "
		    "(max_notices_per_hour): goes out in the next digest", count);
		log_info("ticket #%lld: notice to %s held for a digest (%d "
		    "in the last hour)", ticket, vis, count);
		return DB_OK;
	}
	*status = "suppressed";
	snprintf(why, whysz, "%d notices in the last hour "
	    "(max_notices_per_hour)", count);
	log_warnx("ticket #%lld: no notice to %s: %s", ticket, vis, why);
	return db_event_add(pl->db, ticket, 0, "notice-suppressed", rcpt, now);
}

/* "a.zip (31457280 bytes), b.iso (…)" of the parts that were dropped. */
static char *
dropped_list(const struct mail *m)
{
	struct buf b;
	size_t i;

	buf_init(&b, 4096);
	for (i = 0; i < m->nparts; i++) {
		if ((m->parts[i].flags & PART_F_DROPPED) == 0)
			continue;
		if (b.len > 0)
			buf_addstr(&b, ", ");
		buf_printf(&b, "%s (%zu bytes)", m->parts[i].filename,
		    m->parts[i].size);
	}
	return b.len > 0 ? buf_steal(&b, NULL) : (buf_clear(&b), NULL);
}

/* Render, compose and queue a notice (unless the rate limit says no). */
int
pl_queue_notice(struct intake *in, const struct outgoing *o,
    const struct template_var *vars, size_t nvars)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	const struct mail *m = &in->m;
	struct notice n;
	char err[256], *text, *html, *subject, *reply_to, *msgid, *msg = NULL;
	char *first = NULL, *last = NULL;
	const char *refs[2];
	size_t len;
	int rc;
	struct db_image *img = NULL;
	struct notice_file *files = NULL;
	struct template_var *all;
	struct buf imgs;
	char **cids = NULL;
	size_t nimg = 0, i;
	const char *status;
	char why[256];

	if ((rc = notice_gate(in, o, &status, why, sizeof(why))) != DB_OK)
		return rc;
	/* a notice that never goes out is kept for the record, without images */
	if (o->images && *status != 's' && (rc = db_images(pl->db, o->ticket, o->image_comment,
	    LIMIT_NOTICE_IMAGE_BYTES, &img, &nimg)) != DB_OK)
		return rc;
	msgid = notice_message_id(cfg->helpdesk.address);
	/* issue 16: the images are parts of a multipart/related, shown as
	 * thumbnails by {{images}} (cid: URLs, nothing remote) */
	buf_init(&imgs, (size_t)LIMIT_MAIL_BYTES_MAX);
	if (nimg > 0) {
		files = xcalloc(nimg, sizeof(*files));
		cids = xcalloc(nimg, sizeof(*cids));
		for (i = 0; i < nimg; i++) {
			cids[i] = xasprintf("img%zu.%s", i + 1, msgid);
			files[i].filename = img[i].filename;
			files[i].media_type = img[i].media_type;
			files[i].blob_id = img[i].blob;	/* by reference */
			files[i].len = img[i].len;
			files[i].content_id = cids[i];
			buf_printf(&imgs, "%s" TEMPLATE_CELL_S "%s\n", cids[i],
			    img[i].filename != NULL ? img[i].filename : "");
		}
	}
	all = xcalloc(nvars + 1, sizeof(*all));
	if (nvars > 0)
		memcpy(all, vars, nvars * sizeof(*all));
	all[nvars] = (struct template_var){ "images", imgs.data };
	template_render(o->tpl, all, nvars + 1, &text, &html);
	free(all);
	buf_clear(&imgs);
	/* a notice about no ticket (access denied) has no tag to reply to */
	subject = o->subject != NULL ? xstrdup(o->subject) : o->ticket != 0 ?
	    rules_tagged_subject(cfg->helpdesk.tag, o->ticket, o->title) :
	    xasprintf("Re: %s", o->title);
	reply_to = o->reply_to != NULL ? xstrdup(o->reply_to) :
	    o->ticket != 0 ? rules_subaddress(cfg->helpdesk.address,
	    o->ticket) : NULL;
	memset(&n, 0, sizeof(n));
	n.from_addr = cfg->helpdesk.address;
	n.from_name = cfg->helpdesk.name;
	n.to_addr = o->to_addr;
	n.to_name = o->to_name;
	n.reply_to = reply_to;
	n.subject = subject;
	n.message_id = msgid;
	if (o->in_reply && (m->flags & MAIL_F_NO_MSGID) == 0 &&
	    strcasecmp(o->to_addr, m->from_addr) == 0) {
		/* an answer to the mail its recipient just sent */
		n.in_reply_to = m->message_id;
		refs[n.nrefs++] = m->message_id;
	} else if (o->ticket != 0) {
		/*
		 * Anyone else threads it under what they have: the ticket's
		 * first mail and the last notice they got about it.
		 */
		if ((rc = db_thread_ids(pl->db, o->ticket, o->to_addr, &first,
		    &last)) != DB_OK)
			goto out;
		if (first != NULL)
			refs[n.nrefs++] = first;
		if (last != NULL) {
			refs[n.nrefs++] = last;
			n.in_reply_to = last;
		} else
			n.in_reply_to = first;
	}
	n.references = n.nrefs > 0 ? refs : NULL;
	n.auto_submitted = o->auto_submitted;
	n.x_loop = cfg->helpdesk.address;
	n.text = text;
	n.html = html;
	n.date = in->now;
	n.files = files;
	n.nfiles = nimg;
	msg = notice_compose(&n, &len, err, sizeof(err));
	if (msg == NULL) {
		/* only an address we cannot write into a header gets here */
		log_warnx("ticket #%lld: %s notice not queued: %s", o->ticket,
		    o->kind, err);
		rc = DB_OK;
	} else {
		rc = db_outbox_add_refs(pl->db, o->ticket, o->kind, msgid,
		    cfg->smtp.from, o->to_addr, msg, len, nimg > 0, in->now,
		    status, why[0] != '\0' ? why : NULL, NULL);
		if (rc == DB_OK && o->ticket != 0)
			rc = db_msgid_add(pl->db, msgid, o->ticket);
	}
out:
	free(msg);
	free(msgid);
	free(reply_to);
	free(subject);
	free(text);
	free(html);
	free(files);
	for (i = 0; cids != NULL && i < nimg; i++)
		free(cids[i]);
	free(cids);
	free(first);
	free(last);
	db_images_free(img, nimg);
	return rc;
}

/*
 * The link to ticket n's page for rcpt: opened with a desk key for the
 * desk's admins (who see internal notes there), else with the ticket's own
 * key. NULL when there is no page. New string.
 */
static char *
ticket_url(struct pipeline *pl, long long n, const char *rcpt, time_t now)
{
	struct db_rcpt r;

	if (!pl->have_web_key || n == 0)
		return NULL;
	if (rcpt != NULL && db_rcpt_info(pl->db, rcpt, &r) == DB_OK && r.staff)
		return web_ticket_desk_url(pl->cfg, pl->web_key, n,
		    now + WEBLINK_DESK_LIFETIME);
	return web_ticket_url(pl->cfg, pl->web_key, n);
}

char *
pl_desk_url(struct pipeline *pl, time_t now)
{
	if (!pl->have_web_key)
		return NULL;
	return web_desk_url(pl->cfg, pl->web_key, now + WEBLINK_DESK_LIFETIME);
}

/*
 * The ticket's facts for {{facts}} (issue 16): number, status, priority,
 * category, assignee and, while it is open, the due time; rows of
 * "Label" TEMPLATE_CELL "value". Into buf.
 */
static void
facts(const struct config *cfg, char *buf, size_t sz, long long number,
    const char *status, const char *priority, const char *category,
    const char *assignee, long long due_at, int open)
{
	char due[64];
	int n;

	n = snprintf(buf, sz, "Ticket" TEMPLATE_CELL_S "[%s #%lld]\n"
	    "Status" TEMPLATE_CELL_S "%s\nPriority" TEMPLATE_CELL_S "%s\n"
	    "Category" TEMPLATE_CELL_S "%s\nAssignee" TEMPLATE_CELL_S "%s\n",
	    cfg->helpdesk.tag, number, status, priority,
	    category != NULL && category[0] != '\0' ? category : "none",
	    assignee != NULL ? assignee : "nobody yet");
	if (n < 0 || (size_t)n >= sz || due_at <= 0 || !open)
		return;
	pl_format_time((time_t)due_at, due, sizeof(due));
	snprintf(buf + n, sz - (size_t)n, "Due" TEMPLATE_CELL_S "%s\n", due);
}

/* The due sentence of a ticket just made. */
static void
new_due_note(const struct newticket *t, char *buf, size_t sz)
{
	struct db_ticket_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.due_at = t->due_at;
	pl_due_note(&ti, buf, sz);
}

/* The acknowledgement of a new ticket. */
int
pl_queue_ack(struct intake *in, const struct newticket *t)
{
	const struct config *cfg = in->pl->cfg;
	const struct mail *m = &in->m;
	struct template_var vars[18];
	struct outgoing o;
	char num[32], *dropped, *dropped_note = NULL, *linked_note = NULL;
	char fact[1024];
	char due[160], guessed[256], *text, *suggestions = NULL, *url = NULL;
	int rc;

	dropped = dropped_list(m);
	if (dropped != NULL)
		dropped_note = xasprintf("These attachments were larger than "
		    "the desk accepts (%lld bytes each) and were not kept: %s. "
		    "Please send them another way, or smaller.",
		    cfg->helpdesk.max_attachment_bytes, dropped);
	if (t->linked != 0)
		linked_note = xasprintf("You wrote about ticket #%lld, which is "
		    "not yours, so this is a new ticket; it refers to #%lld.",
		    t->linked, t->linked);
	snprintf(num, sizeof(num), "%lld", t->number);
	vars[0] = (struct template_var){ "number", num };
	vars[1] = (struct template_var){ "subject", t->title };
	vars[2] = (struct template_var){ "requester_name",
	    m->from_name != NULL && *m->from_name != '\0' ?
	    m->from_name : m->from_addr };
	vars[3] = (struct template_var){ "requester", m->from_addr };
	vars[4] = (struct template_var){ "tag", cfg->helpdesk.tag };
	vars[5] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	vars[6] = (struct template_var){ "desk", cfg->helpdesk.address };
	vars[7] = (struct template_var){ "dropped_note", dropped_note };
	vars[8] = (struct template_var){ "linked_note", linked_note };
	vars[9] = (struct template_var){ "priority", t->priority };
	vars[10] = (struct template_var){ "category",
	    t->category != NULL ? t->category : "none" };
	vars[11] = (struct template_var){ "fields_note", t->fields_note };
	vars[12] = (struct template_var){ "assign_note", t->assign_note };
	new_due_note(t, due, sizeof(due));
	vars[13] = (struct template_var){ "due_note", due };
	url = ticket_url(in->pl, t->number, m->from_addr, in->now);
	vars[16] = (struct template_var){ "ticket_url", url };
	/* issue 11: a guessed category says so; matching articles */
	guessed[0] = '\0';
	if (t->guessed_pct > 0)
		snprintf(guessed, sizeof(guessed), "The category was guessed "
		    "from your words (%d%% sure); an admin changes it if it "
		    "is wrong.", t->guessed_pct);
	vars[14] = (struct template_var){ "category_note", guessed };
	text = xasprintf("%s\n%s", t->title, t->body != NULL ? t->body : "");
	rc = pl_kb_suggestions(in->pl, text, &suggestions);
	free(text);
	if (rc != DB_OK)
		goto out;
	vars[15] = (struct template_var){ "suggestions", suggestions };
	memset(&o, 0, sizeof(o));
	facts(cfg, fact, sizeof(fact), t->number, t->assignee != 0 ?
	    "assigned" : "open", t->priority, t->category, t->assignee_addr,
	    t->due_at, 1);
	vars[17] = (struct template_var){ "facts", fact };
	o.kind = "ack";
	o.tpl = in->pl->tpl_ack;
	o.to_addr = m->from_addr;
	o.to_name = m->from_name;
	o.ticket = t->number;
	o.title = t->title;
	o.in_reply = 1;
	o.auto_submitted = "auto-replied";
	rc = pl_queue_notice(in, &o, vars, 18);
out:
	free(url);
	free(suggestions);
	free(dropped);
	free(dropped_note);
	free(linked_note);
	return rc;
}

/* The assignment notice to the admin who got the ticket. */
int
pl_queue_assigned(struct intake *in, const struct newticket *t)
{
	const struct config *cfg = in->pl->cfg;
	const struct mail *m = &in->m;
	struct template_var vars[15];
	struct outgoing o;
	char num[32], due[160], *url, *desk, *assets, fact[1024];
	int rc;

	snprintf(num, sizeof(num), "%lld", t->number);
	/* issue 15: the requester's devices, and the one it is about */
	assets = pl_assets_note(in->pl, in->sender, t->number, m->from_addr,
	    in->now);
	new_due_note(t, due, sizeof(due));
	url = ticket_url(in->pl, t->number, t->assignee_addr, in->now);
	desk = pl_desk_url(in->pl, in->now);
	vars[0] = (struct template_var){ "number", num };
	vars[1] = (struct template_var){ "subject", t->title };
	vars[2] = (struct template_var){ "requester_name",
	    m->from_name != NULL && *m->from_name != '\0' ?
	    m->from_name : m->from_addr };
	vars[3] = (struct template_var){ "requester", m->from_addr };
	vars[4] = (struct template_var){ "tag", cfg->helpdesk.tag };
	vars[5] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	vars[6] = (struct template_var){ "priority", t->priority };
	vars[7] = (struct template_var){ "category",
	    t->category != NULL ? t->category : "none" };
	vars[8] = (struct template_var){ "body", t->body };
	vars[9] = (struct template_var){ "attachments_note",
	    m->nparts > 0 ? "The mail came with attachments: its images are "
	    "shown here, the rest by ticketctl ticket show." :
	    NULL };
	vars[10] = (struct template_var){ "due_note", due };
	vars[11] = (struct template_var){ "ticket_url", url };
	vars[12] = (struct template_var){ "desk_url", desk };
	vars[13] = (struct template_var){ "assets_note", assets };
	facts(cfg, fact, sizeof(fact), t->number, "assigned", t->priority,
	    t->category, t->assignee_addr, t->due_at, 1);
	vars[14] = (struct template_var){ "facts", fact };
	memset(&o, 0, sizeof(o));
	o.kind = "assigned";
	o.tpl = in->pl->tpl_assigned;
	o.to_addr = t->assignee_addr;
	o.ticket = t->number;
	o.title = t->title;
	o.auto_submitted = "auto-generated";
	o.images = 1;
	rc = pl_queue_notice(in, &o, vars, 15);
	free(url);
	free(desk);
	free(assets);
	return rc;
}

/* The common variables of a ticket's notices. */
static size_t
ticket_vars(struct intake *in, const struct db_ticket_info *ti, char *num,
    size_t numsz, char *due, size_t duesz, const char *url,
    struct template_var *v, char *fact, size_t factsz)
{
	const struct config *cfg = in->pl->cfg;

	struct db_ticket_info when = *ti;

	snprintf(num, numsz, "%lld", ti->number);
	/* a ticket closed by the mail in hand was read before it closed */
	if (when.closed_at == 0 && (strcmp(ti->status, "resolved") == 0 ||
	    strcmp(ti->status, "rejected") == 0))
		when.closed_at = in->now;
	pl_due_note(&when, due, duesz);
	v[0] = (struct template_var){ "number", num };
	v[1] = (struct template_var){ "subject", ti->subject };
	v[2] = (struct template_var){ "requester_name", ti->requester };
	v[3] = (struct template_var){ "requester", ti->requester };
	v[4] = (struct template_var){ "tag", cfg->helpdesk.tag };
	v[5] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	v[6] = (struct template_var){ "desk", cfg->helpdesk.address };
	v[7] = (struct template_var){ "assignee",
	    ti->assignee != NULL ? ti->assignee : "the IT desk" };
	v[8] = (struct template_var){ "priority", ti->priority };
	v[9] = (struct template_var){ "category",
	    ti->category != NULL && ti->category[0] != '\0' ?
	    ti->category : "none" };
	v[10] = (struct template_var){ "status", ti->status };
	v[11] = (struct template_var){ "due_note", due };
	v[12] = (struct template_var){ "ticket_url", url };
	facts(cfg, fact, factsz, ti->number, ti->status, ti->priority,
	    ti->category, ti->assignee, ti->due_at, when.closed_at == 0);
	v[13] = (struct template_var){ "facts", fact };
	return 14;
}

/* A notice about ticket ti to one address, with extra variables. */
int
pl_tell(struct intake *in, const struct db_ticket_info *ti,
    const char *kind, const char *tpl, const char *to, int in_reply,
    const struct template_var *extra, size_t nextra)
{
	return pl_tell_with(in, ti, kind, tpl, to, in_reply, extra, nextra, 0,
	    0);
}

/* The same, carrying images (of the first mail, or of comment). */
int
pl_tell_with(struct intake *in, const struct db_ticket_info *ti,
    const char *kind, const char *tpl, const char *to, int in_reply,
    const struct template_var *extra, size_t nextra, int images,
    long long comment)
{
	struct template_var v[24];
	struct outgoing o;
	char num[32], due[160], *url, fact[1024];
	size_t n, i;
	int rc;

	url = ticket_url(in->pl, ti->number, to, in->now);
	n = ticket_vars(in, ti, num, sizeof(num), due, sizeof(due), url, v,
	    fact, sizeof(fact));
	for (i = 0; i < nextra && n < 24; i++)
		v[n++] = extra[i];
	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.tpl = tpl;
	o.to_addr = to;
	o.ticket = ti->number;
	o.title = ti->subject;
	o.in_reply = in_reply;
	o.auto_submitted = "auto-generated";
	o.images = images;
	o.image_comment = comment;
	rc = pl_queue_notice(in, &o, v, n);
	free(url);
	return rc;
}

/* Local midnight of the day t is in, days later (or earlier). */
static time_t
day_start(time_t t, int days)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return t - t % 86400;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* The report's figures: the report command and the daily digest. */
struct report {
	struct buf	 totals, day, ages, breaches, admins;
	char		 dayname[32];
	char		*desk_url;
};

static void
report_clear(struct report *r)
{
	buf_clear(&r->totals);
	buf_clear(&r->day);
	buf_clear(&r->ages);
	buf_clear(&r->breaches);
	buf_clear(&r->admins);
	free(r->desk_url);
	r->desk_url = NULL;
}

static int
report_build(struct pipeline *pl, time_t now, struct report *rp)
{
	static const char *const prio[3] = { "high", "medium", "low" };
	struct db_report r;
	struct db_report_admin *a;
	struct db_report_breach *b = NULL;
	time_t today = day_start(now, 0), yday = day_start(now, -1);
	struct tm tm;
	long long selfhelp = 0;
	char due[64];
	size_t n, nb = 0, i;
	int rc, p;

	memset(rp, 0, sizeof(*rp));
	rp->desk_url = pl_desk_url(pl, now);
	buf_init(&rp->totals, 4096);
	buf_init(&rp->day, 4096);
	buf_init(&rp->ages, 4096);
	buf_init(&rp->breaches, 256 * 1024);
	buf_init(&rp->admins, 64 * 1024);
	if ((rc = db_report(pl->db, &r, &a, &n)) != DB_OK)
		return rc;
	if ((rc = db_report_day(pl->db, yday, today, now, &r)) != DB_OK ||
	    (rc = db_report_breaches(pl->db, yday, now, LIMIT_REPORT_BREACHES,
	    &b, &nb)) != DB_OK)
		goto done;
	if (localtime_r(&yday, &tm) == NULL ||
	    strftime(rp->dayname, sizeof(rp->dayname), "%a %Y-%m-%d", &tm) == 0)
		snprintf(rp->dayname, sizeof(rp->dayname), "yesterday");
	if ((rc = db_kb_self_help_count(pl->db, &selfhelp)) != DB_OK)
		goto done;
	buf_printf(&rp->totals, "open %d, assigned %d, resolved %d (%lld of "
	    "them by self-help: /solved), rejected %d; overdue now: %d; "
	    "access requests waiting: %d", r.open, r.assigned, r.resolved,
	    selfhelp, r.rejected, r.overdue, r.requests);
	buf_printf(&rp->day, "%d opened, %d closed, %d missed their due time",
	    r.opened_day, r.closed_day, r.breached_day);
	for (p = 0; p < 3; p++)
		buf_printf(&rp->ages, "%s: %d under a day, %d 1-3 days, %d 3-7 "
		    "days, %d older\n", prio[p], r.age[p][0], r.age[p][1],
		    r.age[p][2], r.age[p][3]);
	for (i = 0; i < nb; i++) {
		pl_format_time((time_t)b[i].due_at, due, sizeof(due));
		buf_printf(&rp->breaches, "[%s #%lld] %s, %s, due %s%s: %s%s\n",
		    pl->cfg->helpdesk.tag, b[i].number, b[i].priority,
		    b[i].assignee != NULL ? b[i].assignee : "unassigned", due,
		    b[i].open ? "" : " (closed since)",
		    b[i].reason != NULL ? "reason: " : "no reason given yet",
		    b[i].reason != NULL ? b[i].reason : "");
	}
	for (i = 0; i < n; i++) {
		if (a[i].median_secs < 0)
			buf_printf(&rp->admins, "%s: %d, %d, -\n", a[i].email,
			    a[i].open, a[i].resolved);
		else
			buf_printf(&rp->admins, "%s: %d, %d, %lldh %02lldm\n",
			    a[i].email, a[i].open, a[i].resolved,
			    a[i].median_secs / 3600, a[i].median_secs / 60 % 60);
	}
done:
	db_report_free(a, n);
	db_report_breaches_free(b, nb);
	return rc;
}

static size_t
report_vars(struct pipeline *pl, struct report *rp, struct template_var *v)
{
	v[0] = (struct template_var){ "totals", rp->totals.data };
	v[1] = (struct template_var){ "admins", rp->admins.len > 0 ?
	    rp->admins.data : "(no admins)" };
	v[2] = (struct template_var){ "desk_name", pl->cfg->helpdesk.name };
	v[3] = (struct template_var){ "day", rp->dayname };
	v[4] = (struct template_var){ "day_figures", rp->day.data };
	v[5] = (struct template_var){ "ages", rp->ages.data };
	v[6] = (struct template_var){ "breaches", rp->breaches.len > 0 ?
	    rp->breaches.data : "(none)" };
	v[7] = (struct template_var){ "desk_url", rp->desk_url };
	return 8;
}

/* The report (the desk's figures) to the control mail's sender. */
int
pl_queue_report(struct intake *in)
{
	struct template_var v[9];
	struct report rp;
	struct outgoing o;
	size_t nv;
	int rc;

	if ((rc = report_build(in->pl, in->now, &rp)) == DB_OK) {
		nv = report_vars(in->pl, &rp, v);
		memset(&o, 0, sizeof(o));
		o.kind = "report";
		o.tpl = in->pl->tpl_report;
		o.to_addr = in->m.from_addr;
		o.title = "report";
		o.in_reply = 1;
		o.auto_submitted = "auto-replied";
		rc = pl_queue_notice(in, &o, v, nv);
	}
	report_clear(&rp);
	return rc;
}

/* Today's digest instant: local midnight + digest_at minutes. */
static time_t
digest_time(const struct config *cfg, time_t now, int days)
{
	struct tm tm;
	time_t t = now;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	tm.tm_hour = tm.tm_sec = 0;
	tm.tm_min = cfg->sla.digest_min;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* "2026-12-04": the local day of t. */
static void
day_name(time_t t, char *buf, size_t sz)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, sz, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(buf, sz, "%lld", (long long)t / 86400);
}

int
pl_daily_digest(struct pipeline *pl, time_t now)
{
	const struct config *cfg = pl->cfg;
	struct intake in;
	struct pipeline_mail pm;
	struct db_admin *rows;
	struct template_var v[9];
	struct report rp;
	struct outgoing o;
	char today[32], *last = NULL, *subject;
	size_t i, n, nv;
	int rc;

	if (cfg->sla.digest_min < 0 || now < digest_time(cfg, now, 0))
		return DB_OK;
	day_name(now, today, sizeof(today));
	if ((rc = db_state_get(pl->db, "digest_day", &last)) != DB_OK)
		return rc;
	if (last != NULL && strcmp(last, today) == 0) {
		free(last);
		return DB_OK;
	}
	free(last);
	if ((rc = db_state_set(pl->db, "digest_day", today)) != DB_OK)
		return rc;
	if ((rc = report_build(pl, now, &rp)) != DB_OK) {
		report_clear(&rp);
		return rc;
	}
	nv = report_vars(pl, &rp, v);
	memset(&in, 0, sizeof(in));
	memset(&pm, 0, sizeof(pm));
	in.pl = pl;
	in.pm = &pm;
	in.now = now;
	subject = xasprintf("[%s] Daily digest: %s", cfg->helpdesk.tag,
	    rp.dayname);
	memset(&o, 0, sizeof(o));
	o.kind = "daily-digest";
	o.tpl = pl->tpl_report;
	o.title = "daily digest";
	o.subject = subject;
	o.auto_submitted = "auto-generated";
	if ((rc = db_admins(pl->db, now, &rows, &n)) == DB_OK) {
		for (i = 0; i < n && rc == DB_OK; i++) {
			if (!rows[i].root)
				continue;
			o.to_addr = rows[i].email;
			rc = pl_queue_notice(&in, &o, v, nv);
		}
		db_admins_free(rows, n);
	}
	log_info("daily digest for %s queued for the root admins", rp.dayname);
	free(subject);
	report_clear(&rp);
	return rc;
}

void
pl_digest_next(struct pipeline *pl, time_t now, time_t *next)
{
	time_t t;

	if (pl->cfg->sla.digest_min < 0)
		return;
	t = digest_time(pl->cfg, now, 0);
	if (t <= now)
		t = digest_time(pl->cfg, now, 1);
	if (t > 0 && (*next == 0 || t < *next))
		*next = t;
}

/* "[IT #12] high: Printer on fire (assigned to you)", one line per notice. */
static void
digest_line(struct buf *b, const char *tag, const struct db_held *h)
{
	static const struct { const char *kind, *what; } kinds[] = {
		{ "assigned", "assigned to you" },
		{ "comment", "a new comment" },
		{ "resolved", "resolved" },
		{ "rejected", "rejected" },
		{ "unassigned", "has no admin" },
		{ "transcript", "your commands' transcript" },
		{ "report", "the report" },
	};
	const char *what = h->kind;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, h->kind) == 0)
			what = kinds[i].what;
	if (h->ticket_number != 0)
		buf_printf(b, "[%s #%lld] %s: %s (%s)\n", tag, h->ticket_number,
		    h->priority, h->subject, what);
	else
		buf_printf(b, "%s\n", what);
}

/* One digest to rcpt with its held notices (at most LIMIT_DIGEST_ITEMS). */
static int
coalesce_one(struct pipeline *pl, const char *rcpt, time_t now)
{
	const struct config *cfg = pl->cfg;
	struct db_held *h;
	struct template_var v[4];
	struct notice n;
	struct buf list;
	char count[32], err[256], *text, *html, *subject, *msgid, *msg;
	size_t nh, i, len, assigned = 0;
	long long id;
	int rc;

	if ((rc = db_held_list(pl->db, rcpt, LIMIT_DIGEST_ITEMS, &h,
	    &nh)) != DB_OK || nh == 0)
		return rc;
	buf_init(&list, (size_t)LIMIT_DIGEST_ITEMS * 2048);
	for (i = 0; i < nh; i++) {
		digest_line(&list, cfg->helpdesk.tag, &h[i]);
		if (strcmp(h[i].kind, "assigned") == 0)
			assigned++;
	}
	snprintf(count, sizeof(count), "%zu", nh);
	v[0] = (struct template_var){ "count", count };
	v[1] = (struct template_var){ "list", list.data };
	v[2] = (struct template_var){ "tag", cfg->helpdesk.tag };
	v[3] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	template_render(pl->tpl_digest, v, 4, &text, &html);
	subject = assigned == nh ? xasprintf("[%s] %zu new ticket%s assigned "
	    "to you", cfg->helpdesk.tag, nh, nh == 1 ? "" : "s") :
	    xasprintf("[%s] %zu notices for you", cfg->helpdesk.tag, nh);
	msgid = notice_message_id(cfg->helpdesk.address);
	memset(&n, 0, sizeof(n));
	n.from_addr = cfg->helpdesk.address;
	n.from_name = cfg->helpdesk.name;
	n.to_addr = rcpt;
	n.subject = subject;
	n.message_id = msgid;
	n.auto_submitted = "auto-generated";
	n.x_loop = cfg->helpdesk.address;
	n.text = text;
	n.html = html;
	n.date = now;
	msg = notice_compose(&n, &len, err, sizeof(err));
	if (msg == NULL) {
		/* the held rows stay held; they are listed by ticketctl outbox */
		log_warnx("digest to %s not queued: %s", rcpt, err);
		rc = DB_OK;
	} else if ((rc = db_outbox_add_as(pl->db, 0, "digest", msgid,
	    cfg->smtp.from, rcpt, msg, len, now, "pending", NULL,
	    &id)) == DB_OK &&
	    (rc = db_held_coalesce(pl->db, rcpt, h[nh - 1].id, id)) == DB_OK)
		log_info("digest of %zu held notices queued for %s", nh, rcpt);
	free(msg);
	free(msgid);
	free(subject);
	free(text);
	free(html);
	buf_clear(&list);
	db_held_free(h, nh);
	return rc;
}

int
pipeline_coalesce(struct pipeline *pl, time_t now, time_t *next)
{
	char **rcpts;
	size_t n, i;
	int rc;

	*next = 0;
	/*
	 * Not synced: lost in a power failure, the held notices are simply
	 * held still and coalesced again; the commit marking the digest
	 * sent syncs it with it.
	 */
	if ((rc = db_begin_unsynced(pl->db)) != DB_OK)
		return rc;
	rc = db_held_due(pl->db, now, pl->cfg->helpdesk.admin_digest_interval,
	    &rcpts, &n, next);
	for (i = 0; rc == DB_OK && i < n; i++)
		rc = coalesce_one(pl, rcpts[i], now);
	for (i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
	if (rc == DB_OK && n > 0) {
		/* what is still held (over the cap, or new) waits an interval */
		if (*next == 0 || now + pl->cfg->helpdesk.admin_digest_interval <
		    *next)
			*next = now + pl->cfg->helpdesk.admin_digest_interval;
	}
	if (rc != DB_OK) {
		db_rollback(pl->db);
		return rc;
	}
	return db_commit(pl->db);
}
