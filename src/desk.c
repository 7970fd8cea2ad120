/*
 * desk.c — the workflow on a ticket: new tickets (fields, category,
 * automatic assignment), comments with admin /commands or requester
 * edits, the access check, and root admins' control mails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assign.h"
#include "buf.h"
#include "command.h"
#include "db_kb.h"
#include "fields.h"
#include "lex.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "quote.h"
#include "template.h"
#include "thread.h"
#include "xmalloc.h"

/* Same domain (after the last '@'), case-insensitively. */
static int
same_domain(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');

	return da != NULL && db != NULL && strcasecmp(da, db) == 0;
}

/* The desk itself, or one of its sub-addresses. */
static int
is_desk(const struct config *cfg, const char *addr)
{
	long long n;

	return strcasecmp(addr, cfg->helpdesk.address) == 0 ||
	    (cfg->smtp.from != NULL && strcasecmp(addr, cfg->smtp.from) == 0) ||
	    thread_subaddress(addr, cfg->helpdesk.address, &n) != 0;
}

/* Colleagues the sender put in Cc, from the sender's own domain. */
static int
add_cc(struct intake *in, long long ticket)
{
	const struct mail *m = &in->m;
	long long id;
	size_t i;
	int rc;

	for (i = 0; i < m->ncc; i++) {
		if (!same_domain(m->cc[i].addr, m->from_addr) ||
		    is_desk(in->pl->cfg, m->cc[i].addr) ||
		    strcasecmp(m->cc[i].addr, m->from_addr) == 0)
			continue;
		if ((rc = db_person_get(in->pl->db, m->cc[i].addr,
		    m->cc[i].name, in->now, &id)) != DB_OK ||
		    (rc = db_participant_add(in->pl->db, ticket, id, "cc",
		    in->now)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/*
 * The configured category a ticket asked for, "cat" or "cat/sub", or NULL
 * with a note listing the valid ones.
 */
static char *
check_category(const struct config *cfg, const struct fields *f, char **note)
{
	const struct config_category *c = NULL;
	struct buf b;
	size_t i, j;

	for (i = 0; f->category != NULL && i < cfg->ncategories; i++)
		if (strcmp(cfg->categories[i].name, f->category) == 0)
			c = &cfg->categories[i];
	if (c != NULL && f->subcategory == NULL)
		return xstrdup(c->name);
	for (j = 0; c != NULL && j < c->nsubs; j++)
		if (strcmp(c->subs[j], f->subcategory) == 0)
			return xasprintf("%s/%s", c->name, c->subs[j]);
	buf_init(&b, 8192);
	buf_printf(&b, "There is no category \"%s%s%s\"; the ticket has none.",
	    f->category != NULL ? f->category : f->bad_category,
	    f->subcategory != NULL ? "/" : "",
	    f->subcategory != NULL ? f->subcategory : "");
	if (cfg->ncategories > 0) {
		buf_addstr(&b, " The categories are:");
		for (i = 0; i < cfg->ncategories; i++) {
			buf_printf(&b, "%s %s", i > 0 ? ";" : "",
			    cfg->categories[i].name);
			for (j = 0; j < cfg->categories[i].nsubs; j++)
				buf_printf(&b, "%s %s", j > 0 ? "," : ":",
				    cfg->categories[i].subs[j]);
		}
		buf_addch(&b, '.');
	}
	*note = buf_steal(&b, NULL);
	return NULL;
}

/* Split "a, b c" into a NULL-free array of words (caller frees both). */
static char **
split_skills(const char *s, size_t *n, char **copy)
{
	char **v, *p;
	size_t cap = 8;

	*n = 0;
	*copy = NULL;
	if (s == NULL)
		return NULL;
	*copy = xstrdup(s);
	v = xcalloc(cap, sizeof(*v));
	for (p = *copy; *p != '\0'; ) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		if (*n == cap)
			v = xreallocarray(v, cap *= 2, sizeof(*v));
		v[(*n)++] = p;
		p += strcspn(p, ", \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	return v;
}

/* Is addr one of the addresses of a config list (comma/space separated)? */
static int
addr_listed(const char *list, const char *addr)
{
	const char *p = list;
	size_t n, al = strlen(addr);

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && n == al && strncasecmp(p, addr, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Nobody took the new ticket (every admin away, none, or assign = manual):
 * tell the root admins, whose queue it now is.
 */
static int
tell_roots(struct intake *in, const struct newticket *t, const char *why)
{
	struct db_ticket_info ti;
	struct db_admin *rows;
	struct template_var v[1];
	size_t i, n;
	int rc;

	if ((rc = db_admins(in->pl->db, in->now, &rows, &n)) != DB_OK)
		return rc;
	if ((rc = db_ticket_info(in->pl->db, t->number, &ti)) != DB_OK) {
		db_admins_free(rows, n);
		return rc;
	}
	v[0] = (struct template_var){ "why", why };
	for (i = 0; i < n && rc == DB_OK; i++)
		if (rows[i].root && !rows[i].away)
			rc = pl_tell(in, &ti, "unassigned", in->pl->tpl_unassigned,
			    rows[i].email, 0, v, 1);
	db_ticket_info_clear(&ti);
	db_admins_free(rows, n);
	return rc;
}

/*
 * assign = auto: the admin the requester asked for when they can take it,
 * else the least loaded admin whose skills cover the category and who is
 * not away. Root admins supervise: they are in the rotation only when
 * also listed in admins, else chosen only when asked for by name; when
 * nobody can take the ticket it stays open and the root admins are told.
 * Fills t->assignee, t->assignee_addr and t->assign_note.
 */
static int
auto_assign(struct intake *in, struct newticket *t, const char *category,
    const char *requested)
{
	struct db_admin *rows;
	struct assign_admin *cand;
	struct assign_result res;
	char why[512], **copies;
	size_t n, i;
	int rc;

	if ((rc = db_admins(in->pl->db, in->now, &rows, &n)) != DB_OK)
		return rc;
	cand = xcalloc(n, sizeof(*cand));
	copies = xcalloc(n, sizeof(*copies));
	for (i = 0; i < n; i++) {
		cand[i].id = rows[i].id;
		cand[i].email = rows[i].email;
		cand[i].open_tickets = rows[i].open_tickets;
		cand[i].last_assigned = rows[i].last_assigned;
		cand[i].away = rows[i].away;
		cand[i].away_until = rows[i].away_until;
		cand[i].skills = (const char *const *)split_skills(
		    rows[i].skills, &cand[i].nskills, &copies[i]);
		cand[i].supervisor = rows[i].root &&
		    !addr_listed(in->pl->cfg->helpdesk.admins, rows[i].email);
	}
	why[0] = '\0';
	if (assign_choose(cand, n, category, requested, &res, why,
	    sizeof(why)) == 1) {
		t->assignee = cand[res.chosen].id;
		t->assignee_addr = xstrdup(cand[res.chosen].email);
		rc = db_ticket_assign(in->pl->db, t->number, t->assignee,
		    in->now);
		if (rc == DB_OK)
			rc = db_event_add(in->pl->db, t->number, 0, "assigned",
			    t->assignee_addr, in->now);
		if (requested != NULL && res.req != ASSIGN_REQ_OK)
			t->assign_note = xasprintf("%s It is assigned to %s.",
			    why, t->assignee_addr);
		else
			t->assign_note = xasprintf("It is assigned to %s.",
			    t->assignee_addr);
		log_info("ticket #%lld assigned to %s", t->number,
		    t->assignee_addr);
	} else {
		t->assign_note = xasprintf("It waits for an admin to take it%s%s",
		    why[0] != '\0' ? ": " : ".", why);
		rc = tell_roots(in, t, why);
	}
	for (i = 0; i < n; i++) {
		free((void *)cand[i].skills);
		free(copies[i]);
	}
	free(copies);
	free(cand);
	db_admins_free(rows, n);
	return rc;
}

/*
 * A sender who opened max_new_tickets_per_hour tickets within the hour has
 * further new tickets held as a flood: stored, listed by ticketctl user
 * held, made tickets by ticketctl user release. Admins are never held.
 * The root admins hear of it once an hour per sender. 1 held, 0 not, <0.
 */
static int
flood_hold(struct intake *in)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	struct db_admin *rows;
	struct template_var v[4];
	struct outgoing o;
	char note[256], cap[32], vis[128], *subject;
	size_t i, n;
	int rc, opened, held;

	if (cfg->helpdesk.max_new_tickets_per_hour == 0 || pl->replay_mail != 0 ||
	    pl->import)
		return 0;
	if ((rc = db_tickets_opened(pl->db, in->sender, in->now - HOUR,
	    &opened)) != DB_OK)
		return rc;
	if (opened < cfg->helpdesk.max_new_tickets_per_hour)
		return 0;
	if ((rc = db_person_is_admin(pl->db, in->sender)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = db_held_count(pl->db, in->sender, in->now - HOUR,
	    &held)) != DB_OK)
		return rc;
	snprintf(note, sizeof(note), "held: %d new tickets from this sender "
	    "in the last hour (max_new_tickets_per_hour); ticketctl user "
	    "release makes it a ticket", opened);
	if ((rc = pl_store_mail(in, "ignored", 0, note)) != DB_OK ||
	    (rc = db_access_request(pl->db, in->mail_id, in->sender, "flood",
	    in->now)) != DB_OK ||
	    (rc = db_event_add(pl->db, 0, in->sender, "held", in->m.from_addr,
	    in->now)) != DB_OK)
		return rc;
	in->pm->outcome = PL_IGNORED;
	in->pm->stored = 1;
	log_warnx("mail from %s held: %d new tickets in the last hour "
	    "(max_new_tickets_per_hour), Message-ID <%s>",
	    log_vis(vis, sizeof(vis), in->m.from_addr), opened, in->vis);
	if (held > 0)
		return 1;
	/* the first of the hour: the root admins are told */
	if ((rc = db_admins(pl->db, in->now, &rows, &n)) != DB_OK)
		return rc;
	snprintf(cap, sizeof(cap), "%d", cfg->helpdesk.max_new_tickets_per_hour);
	v[0] = (struct template_var){ "sender", in->m.from_addr };
	v[1] = (struct template_var){ "max", cap };
	v[2] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	v[3] = (struct template_var){ "tag", cfg->helpdesk.tag };
	memset(&o, 0, sizeof(o));
	o.kind = "flood";
	o.tpl = pl->tpl_flood;
	o.title = "mails held";
	subject = xasprintf("[%s] New requests from %s held", cfg->helpdesk.tag,
	    in->m.from_addr);
	o.subject = subject;
	o.auto_submitted = "auto-generated";
	for (i = 0; i < n && rc == DB_OK; i++) {
		if (!rows[i].root)
			continue;
		o.to_addr = rows[i].email;
		rc = pl_queue_notice(in, &o, v, 4);
	}
	db_admins_free(rows, n);
	free(subject);
	return rc == DB_OK ? 1 : rc;
}

int
pl_new_ticket(struct intake *in, long long linked)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	struct pipeline_mail *pm = in->pm;
	struct db_ticket dt;
	struct newticket t;
	struct fields f;
	const char *subj = in->m.subject != NULL ? in->m.subject : "";
	const char *body = in->m.body != NULL ? in->m.body : "";
	char *tagless = NULL, *sub, addr[128];
	size_t rest = 0;
	int rc;

	if ((rc = flood_hold(in)) != 0)
		return rc < 0 ? rc : DB_OK;
	memset(&t, 0, sizeof(t));
	fields_init(&f);
	/* priority, category and admin: subject tags, then body pseudo-headers */
	fields_from_subject(subj, strlen(subj), cfg->categories,
	    cfg->ncategories, &f, &tagless);
	fields_from_body(body, strlen(body), &f, &rest);
	t.title = thread_clean_subject(tagless, cfg->helpdesk.tag);
	t.body = body + rest;
	t.linked = linked;
	t.priority = f.priority != FIELDS_PRIO_NONE ?
	    fields_priority_name(f.priority) : "low";
	if (f.category != NULL || f.bad_category != NULL)
		t.category = check_category(cfg, &f, &t.fields_note);
	else
		/* none named: the classifier's guess, when it is sure */
		t.category = pl_guess_category(pl, t.title, t.body,
		    &t.guessed_pct);
	if (f.bad_priority != NULL) {
		char *old = t.fields_note;

		t.fields_note = xasprintf("%s%sThere is no priority \"%s\" "
		    "(high, medium or low); the ticket has priority %s.",
		    old != NULL ? old : "", old != NULL ? " " : "",
		    f.bad_priority, t.priority);
		free(old);
	}
	memset(&dt, 0, sizeof(dt));
	dt.subject = t.title;
	dt.body = t.body;
	dt.requester_id = in->sender;
	dt.priority = t.priority;
	dt.created_at = in->now;
	sub = t.category != NULL ? strchr(t.category, '/') : NULL;
	if (sub != NULL)
		*sub = '\0';
	dt.category = t.category;
	dt.subcategory = sub != NULL ? sub + 1 : NULL;
	rc = db_ticket_add(pl->db, &dt, &pm->ticket);
	if (sub != NULL)
		*sub = '/';
	if (rc != DB_OK)
		goto done;
	t.number = pm->ticket;
	if (t.guessed_pct > 0 &&
	    (rc = db_ticket_category_guessed(pl->db, t.number)) != DB_OK)
		goto done;
	if ((rc = pl_sla_compute(pl, t.number, in->now, &t.due_at)) != DB_OK)
		goto done;
	if (linked != 0 &&
	    (rc = db_ticket_link(pl->db, pm->ticket, linked)) != DB_OK)
		goto done;
	if ((rc = pl_store_mail(in, "ticket", pm->ticket,
	    (in->m.flags & (MAIL_F_MIME_ERROR | MAIL_F_CHARSET_ERROR |
	    MAIL_F_TRUNCATED | MAIL_F_NOHEADERS)) ? "read in part: the mail "
	    "was malformed or too long; the raw mail is kept" : NULL)) != DB_OK ||
	    (rc = pl_store_parts(in, pm->ticket, 0)) != DB_OK ||
	    (rc = db_participant_add(pl->db, pm->ticket, in->sender,
	    "requester", in->now)) != DB_OK ||
	    (rc = add_cc(in, pm->ticket)) != DB_OK ||
	    (rc = db_event_add(pl->db, pm->ticket, in->sender, "created",
	    linked != 0 ? "linked to another ticket" : NULL, in->now)) != DB_OK)
		goto done;
	if ((in->m.flags & MAIL_F_NO_MSGID) == 0 &&
	    (rc = db_msgid_add(pl->db, in->m.message_id, pm->ticket)) != DB_OK)
		goto done;
	/* issue 15: the device it is about */
	if ((rc = pl_asset_new_ticket(in, &t, f.asset)) != DB_OK)
		goto done;
	if (cfg->helpdesk.assign == CFG_ASSIGN_AUTO)
		rc = auto_assign(in, &t, t.category, f.admin);
	else {
		t.assign_note = xstrdup("An IT admin will take it soon.");
		rc = tell_roots(in, &t, "assign = manual: a root admin "
		    "assigns every ticket");
	}
	if (rc != DB_OK || (rc = pl_queue_ack(in, &t)) != DB_OK ||
	    (t.assignee != 0 && (rc = pl_queue_assigned(in, &t)) != DB_OK))
		goto done;
	pm->outcome = PL_TICKET;
	pm->stored = 1;
	log_info("ticket #%lld created for %s%s, Message-ID <%s>", pm->ticket,
	    log_vis(addr, sizeof(addr), in->m.from_addr),
	    linked != 0 ? " (a stranger's reply to another ticket)" : "",
	    in->vis);
done:
	fields_clear(&f);
	free(tagless);
	free(t.title);
	free(t.category);
	free(t.fields_note);
	free(t.assign_note);
	free(t.assignee_addr);
	return rc;
}

static int
is_closed(const char *status)
{
	return strcmp(status, "resolved") == 0 ||
	    strcmp(status, "rejected") == 0;
}

/* The admin a /assign names: an address or a unique local part. */
static int
find_admin(struct intake *in, const char *name, long long *id, char **email,
    char *why, size_t whysz)
{
	struct db_admin *rows;
	struct assign_admin *cand;
	size_t n, i, idx;
	enum assign_req r;
	int rc;

	if ((rc = db_admins(in->pl->db, in->now, &rows, &n)) != DB_OK)
		return rc;
	cand = xcalloc(n, sizeof(*cand));
	for (i = 0; i < n; i++) {
		cand[i].id = rows[i].id;
		cand[i].email = rows[i].email;
	}
	r = assign_lookup(cand, n, name, &idx);
	rc = 0;
	if (r == ASSIGN_REQ_OK || r == ASSIGN_REQ_AWAY) {
		*id = rows[idx].id;
		*email = xstrdup(rows[idx].email);
		rc = 1;
	} else
		snprintf(why, whysz, r == ASSIGN_REQ_AMBIGUOUS ?
		    "'%s' names more than one admin" : "'%s' is not an admin",
		    name);
	free(cand);
	db_admins_free(rows, n);
	return rc;
}

/*
 * One admin command against ticket ti (kept up to date). 1 applied, 0
 * refused (why says it), <0 database error.
 */
static int
run_command(struct intake *in, struct db_ticket_info *ti, const struct cmd *c,
    int is_root, int *internal, char *why, size_t whysz)
{
	struct pipeline *pl = in->pl;
	struct template_var extra[2];
	struct fields f;
	char *cat = NULL, *note = NULL, *email = NULL, *desk;
	long long id = 0;
	int mine = ti->assignee_id == in->sender || is_root, rc = 1;

	switch (c->kind) {
	case CMD_RESOLVE:
	case CMD_REJECT:
	case CMD_ASSIGN:
		if (!mine) {
			snprintf(why, whysz, "only the assignee (%s) or a root "
			    "admin may do this", ti->assignee != NULL ?
			    ti->assignee : "nobody yet");
			return 0;
		}
		if (is_closed(ti->status)) {
			snprintf(why, whysz, "the ticket is %s already",
			    ti->status);
			return 0;
		}
		break;
	default:
		break;
	}
	switch (c->kind) {
	case CMD_RESOLVE:
	case CMD_REJECT:
		if ((rc = db_ticket_set(pl->db, ti->number, DB_SET_STATUS,
		    c->kind == CMD_RESOLVE ? "resolved" : "rejected",
		    in->now)) != DB_OK ||
		    (rc = db_event_add(pl->db, ti->number, in->sender,
		    c->kind == CMD_RESOLVE ? "resolved" : "rejected", c->arg1,
		    in->now)) != DB_OK)
			return rc;
		free(ti->status);
		ti->status = xstrdup(c->kind == CMD_RESOLVE ? "resolved" :
		    "rejected");
		extra[0] = (struct template_var){ "note", c->arg1 };
		extra[1] = (struct template_var){ "reason", c->arg1 };
		rc = pl_tell(in, ti, ti->status, c->kind == CMD_RESOLVE ?
		    pl->tpl_resolved : pl->tpl_rejected, ti->requester, 0,
		    extra, 2);
		return rc == DB_OK ? 1 : rc;
	case CMD_ASSIGN:
		rc = find_admin(in, c->arg1, &id, &email, why, whysz);
		if (rc != 1)
			return rc;
		if ((rc = db_ticket_assign(pl->db, ti->number, id,
		    in->now)) == DB_OK)
			rc = db_event_add(pl->db, ti->number, in->sender,
			    ti->assignee_id != 0 ? "reassigned" : "assigned",
			    email, in->now);
		if (rc == DB_OK) {
			free(ti->assignee);
			ti->assignee = email;
			ti->assignee_id = id;
			free(ti->status);
			ti->status = xstrdup("assigned");
			desk = pl_desk_url(pl, in->now);
			extra[0] = (struct template_var){ "body",
			    "See the ticket's history on its page, or with "
			    "ticketctl ticket show." };
			extra[1] = (struct template_var){ "desk_url", desk };
			rc = pl_tell_with(in, ti, "assigned", pl->tpl_reassigned,
			    email, 0, extra, 2, 1, 0);
			free(desk);
		} else
			free(email);
		return rc == DB_OK ? 1 : rc;
	case CMD_PRIORITY:
		if ((rc = db_ticket_set(pl->db, ti->number, DB_SET_PRIORITY,
		    fields_priority_name(c->prio), in->now)) != DB_OK ||
		    (rc = pl_sla_compute(pl, ti->number, in->now, NULL)) !=
		    DB_OK ||
		    (rc = db_event_add(pl->db, ti->number, in->sender,
		    "priority", fields_priority_name(c->prio), in->now)) != DB_OK)
			return rc;
		free(ti->priority);
		ti->priority = xstrdup(fields_priority_name(c->prio));
		return 1;
	case CMD_CATEGORY:
		fields_init(&f);
		f.category = xstrdup(c->arg1);
		f.subcategory = c->arg2 != NULL ? xstrdup(c->arg2) : NULL;
		cat = check_category(pl->cfg, &f, &note);
		fields_clear(&f);
		if (cat == NULL) {
			snprintf(why, whysz, "%s", note);
			free(note);
			return 0;
		}
		rc = db_ticket_set(pl->db, ti->number, DB_SET_CATEGORY, cat,
		    in->now);
		if (rc == DB_OK)
			rc = db_event_add(pl->db, ti->number, in->sender,
			    "category", cat, in->now);
		free(ti->category);
		ti->category = cat;
		return rc == DB_OK ? 1 : rc;
	case CMD_INTERNAL:
		*internal = 1;
		return 1;
	case CMD_PUBLISH:
		return pl_kb_publish(in, ti, c->arg1, why, whysz);
	case CMD_KB_EDIT:
		/* the Markdown below is the article, not a comment for all */
		*internal = 1;
		return pl_kb_edit(in, ti, why, whysz);
	case CMD_KB_WITHDRAW:
		return pl_kb_withdraw(in, ti, why, whysz);
	case CMD_REASON:
		rc = pl_sla_reason(in, ti, c->arg1);
		return rc == DB_OK ? 1 : rc;
	case CMD_ASSET_LINK:
		return pl_asset_link_cmd(in, ti, c->arg1, why, whysz);
	default:
		snprintf(why, whysz, "%s", c->err != NULL ? c->err :
		    "not a command for a ticket");
		return 0;
	}
}

/* The transcript's lines for what the parse skipped: before or at the end. */
static void
transcript_skips(struct buf *tr, const struct cmd_list *cl, int end)
{
	size_t i;

	for (i = 0; i < cl->nskip; i++)
		if (cl->skip[i].end == end)
			buf_printf(tr, "%s" TEMPLATE_CELL_S "%s\n", cl->skip[i].line,
			    cl->skip[i].why);
}

/*
 * An admin's /commands: applied whole or not at all (a savepoint), and
 * answered with a transcript, each line "ok" or why not.
 */
static int
commands(struct intake *in, struct db_ticket_info *ti,
    const struct cmd_list *cl, int *internal)
{
	struct pipeline *pl = in->pl;
	struct template_var extra[2];
	struct buf tr;
	char why[1024];
	size_t i;
	int rc = DB_OK, r, failed = 0, is_root, verified;

	is_root = db_person_is_root(pl->db, in->sender) == 1;
	/* take() decides, for either trust setting (issue 8) */
	verified = in->sender_verified;
	buf_init(&tr, 64 * 1024);
	transcript_skips(&tr, cl, 0);
	if ((rc = db_savepoint(pl->db)) != DB_OK)
		goto done;
	for (i = 0; i < cl->n; i++) {
		why[0] = '\0';
		if (!verified) {
			snprintf(why, sizeof(why), "not obeyed: %s",
			    in->auth_why);
			r = 0;
		} else if (failed)
			r = -10;
		else
			r = run_command(in, ti, &cl->v[i], is_root, internal,
			    why, sizeof(why));
		if (r < 0 && r != -10) {
			rc = r;
			db_rollback_savepoint(pl->db);
			goto done;
		}
		if (r == 0)
			failed = 1;
		buf_printf(&tr, "%s" TEMPLATE_CELL_S "%s\n", cl->v[i].line, r == 1 ? "ok" :
		    r == -10 ? "not applied" : why);
	}
	if (failed || !verified)
		db_rollback_savepoint(pl->db);
	else if ((rc = db_release(pl->db)) != DB_OK)
		goto done;
	extra[0] = (struct template_var){ "transcript", tr.data };
	extra[1] = (struct template_var){ "outcome", failed || !verified ?
	    "Nothing was applied: a mail's commands apply whole or not at all. "
	    "Your text was added to the ticket as a comment." :
	    "All applied." };
	rc = pl_tell(in, ti, "transcript", pl->tpl_transcript, in->m.from_addr,
	    1, extra, 2);
	log_info("ticket #%lld: %zu command(s) from %s %s", ti->number, cl->n,
	    in->m.from_addr, failed || !verified ? "refused" : "applied");
done:
	buf_clear(&tr);
	return rc;
}

/*
 * An admin's reply with a '/' command below its text (line): all of it is
 * a comment, as command.h says, and the admin is told so rather than left
 * to believe the command ran.
 */
static int
late_command(struct intake *in, struct db_ticket_info *ti, const char *line,
    size_t n)
{
	struct template_var extra[2];
	char *shown, *tr;
	int rc;

	shown = lex_show(line, n, LIMIT_QUOTED_BYTES, 0);
	tr = xasprintf("%s" TEMPLATE_CELL_S "not run: commands go at the very top of a reply, "
	    "above any other text (a greeting line may stand above them)\n",
	    shown);
	extra[0] = (struct template_var){ "transcript", tr };
	extra[1] = (struct template_var){ "outcome", "Nothing was applied. "
	    "Your text was added to the ticket as a comment." };
	rc = pl_tell(in, ti, "transcript", in->pl->tpl_transcript,
	    in->m.from_addr, 1, extra, 2);
	log_info("ticket #%lld: a command below the text from %s not run",
	    ti->number, in->m.from_addr);
	free(tr);
	free(shown);
	return rc;
}

/*
 * A requester's reply that carries priority/category/admin tags or
 * pseudo-headers: applied while the ticket is open, else refused with a
 * notice that says why and who to ask.
 */
static int
requester_edits(struct intake *in, struct db_ticket_info *ti,
    struct fields *f)
{
	struct pipeline *pl = in->pl;
	struct template_var extra[2];
	struct buf what;
	char *cat = NULL, *note = NULL, *who;
	int rc = DB_OK;

	buf_init(&what, 1024);
	if (f->priority != FIELDS_PRIO_NONE)
		buf_printf(&what, "priority %s", fields_priority_name(f->priority));
	if (f->category != NULL)
		buf_printf(&what, "%scategory %s%s%s", what.len ? ", " : "",
		    f->category, f->subcategory ? "/" : "",
		    f->subcategory ? f->subcategory : "");
	if (f->admin != NULL)
		buf_printf(&what, "%sadmin %s", what.len ? ", " : "", f->admin);
	if (what.len == 0)
		goto done;
	if (strcmp(ti->status, "open") != 0) {
		who = xasprintf("Ask %s to change it.", ti->assignee != NULL ?
		    ti->assignee : "the IT desk");
		extra[0] = (struct template_var){ "change", what.data };
		extra[1] = (struct template_var){ "who", who };
		rc = pl_tell(in, ti, "refused-change", pl->tpl_refused,
		    in->m.from_addr, 1, extra, 2);
		if (rc == DB_OK)
			rc = db_event_add(pl->db, ti->number, in->sender,
			    "change-refused", what.data, in->now);
		free(who);
		goto done;
	}
	if (f->priority != FIELDS_PRIO_NONE &&
	    ((rc = db_ticket_set(pl->db, ti->number, DB_SET_PRIORITY,
	    fields_priority_name(f->priority), in->now)) != DB_OK ||
	    (rc = pl_sla_compute(pl, ti->number, in->now, NULL)) != DB_OK ||
	    (rc = db_event_add(pl->db, ti->number, in->sender, "priority",
	    fields_priority_name(f->priority), in->now)) != DB_OK))
		goto done;
	if (f->category != NULL) {
		cat = check_category(pl->cfg, f, &note);
		if (cat != NULL && ((rc = db_ticket_set(pl->db, ti->number,
		    DB_SET_CATEGORY, cat, in->now)) != DB_OK ||
		    (rc = db_event_add(pl->db, ti->number, in->sender,
		    "category", cat, in->now)) != DB_OK))
			goto done;
	}
	if (f->admin != NULL && pl->cfg->helpdesk.assign == CFG_ASSIGN_AUTO) {
		struct newticket t;

		memset(&t, 0, sizeof(t));
		t.number = ti->number;
		t.title = ti->subject;
		t.priority = ti->priority;
		t.body = "";
		rc = auto_assign(in, &t, cat, f->admin);
		if (rc == DB_OK && t.assignee != 0)
			rc = pl_queue_assigned(in, &t);
		free(t.assign_note);
		free(t.assignee_addr);
	}
done:
	free(cat);
	free(note);
	buf_clear(&what);
	return rc;
}

/* Tell the ticket's other participants (admins only for /internal). */
static int
relay(struct intake *in, const struct db_ticket_info *ti, const char *text,
    int internal, long long comment)
{
	struct pipeline *pl = in->pl;
	struct db_participant *p;
	struct template_var extra[3];
	char author[512];
	size_t n, i;
	int rc;

	if ((rc = db_participants(pl->db, ti->number, &p, &n)) != DB_OK)
		return rc;
	snprintf(author, sizeof(author), "%s%s%s%s",
	    in->m.from_name != NULL ? in->m.from_name : "",
	    in->m.from_name != NULL ? " <" : "", in->m.from_addr,
	    in->m.from_name != NULL ? ">" : "");
	extra[0] = (struct template_var){ "author", author };
	extra[1] = (struct template_var){ "text", text };
	extra[2] = (struct template_var){ "internal_note", internal ?
	    "This is an internal note: only admins see it." : NULL };
	for (i = 0; i < n && rc == DB_OK; i++) {
		if (p[i].id == in->sender || (internal && !p[i].admin))
			continue;
		rc = pl_tell_with(in, ti, "comment", pl->tpl_comment,
		    p[i].email, 1, extra, 3, 1, comment);
	}
	db_participants_free(p, n);
	return rc;
}

int
pl_comment(struct intake *in, long long ticket, const char *how)
{
	struct pipeline *pl = in->pl;
	struct db_ticket_info ti;
	struct db_comment c;
	struct cmd_list cl;
	struct fields f;
	const char *text = in->m.body != NULL ? in->m.body : "";
	char *body = NULL, *tagless = NULL, addr[128];
	size_t rest = 0, late, nlate;
	long long id;
	int rc, admin, internal = 0;

	command_list_init(&cl);
	fields_init(&f);
	if ((rc = db_ticket_info(pl->db, ticket, &ti)) != 0) {
		rc = rc == 1 ? DB_PERM : rc;
		goto done;
	}
	if ((rc = pl_store_mail(in, "ticket", ticket, NULL)) != DB_OK)
		goto done;
	admin = db_person_is_admin(pl->db, in->sender);
	if (admin < 0) {
		rc = admin;
		goto done;
	}
	if (admin) {
		/* /commands at the top; the rest is the comment */
		command_parse_admin(text, strlen(text), &cl, &rest);
		text += rest;
		body = quote_strip(text, strlen(text));
		in->comment = body;
		if (cl.n > 0 && (rc = commands(in, &ti, &cl, &internal)) != DB_OK)
			goto done;
	} else {
		/* the requester's /solved (issue 11); other lines are text */
		if (ti.requester_id == in->sender &&
		    command_parse_requester(text, strlen(text), &cl,
		    &rest) == 0 && cl.n > 0) {
			text += rest;
			if ((rc = pl_kb_solved(in, &ti)) != DB_OK)
				goto done;
		}
		if (in->m.subject != NULL)
			fields_from_subject(in->m.subject, strlen(in->m.subject),
			    pl->cfg->categories, pl->cfg->ncategories, &f,
			    &tagless);
		fields_from_body(text, strlen(text), &f, &rest);
		text += rest;
		if ((rc = requester_edits(in, &ti, &f)) != DB_OK)
			goto done;
	}
	if (body == NULL)
		body = quote_strip(text, strlen(text));
	/* a command below the admin's own text (not in what they quote) */
	if (admin && cl.n == 0 && command_late(body, strlen(body), &late,
	    &nlate) && (rc = late_command(in, &ti, body + late, nlate)) != DB_OK)
		goto done;
	memset(&c, 0, sizeof(c));
	c.ticket_number = ticket;
	c.author_id = in->sender;
	c.mail_id = in->mail_id;
	c.body = body;
	c.full_body = in->m.body != NULL ? in->m.body : "";
	c.created_at = in->now;
	c.internal = internal;
	if ((rc = db_comment_add(pl->db, &c, &id)) != DB_OK ||
	    (rc = pl_store_parts(in, ticket, id)) != DB_OK ||
	    (rc = add_cc(in, ticket)) != DB_OK ||
	    (rc = db_ticket_touch(pl->db, ticket, in->now)) != DB_OK ||
	    (rc = db_event_add(pl->db, ticket, in->sender, internal ?
	    "internal-note" : "commented", how, in->now)) != DB_OK)
		goto done;
	if ((in->m.flags & MAIL_F_NO_MSGID) == 0 &&
	    (rc = db_msgid_add(pl->db, in->m.message_id, ticket)) != DB_OK)
		goto done;
	/* a mail of commands alone has nothing to tell the others */
	if (body[0] != '\0' &&
	    (rc = relay(in, &ti, body, internal, id)) != DB_OK)
		goto done;
	in->pm->ticket = ticket;
	in->pm->outcome = PL_COMMENT;
	in->pm->stored = 1;
	log_info("ticket #%lld: comment from %s (by %s), Message-ID <%s>",
	    ticket, log_vis(addr, sizeof(addr), in->m.from_addr), how, in->vis);
done:
	db_ticket_info_clear(&ti);
	command_list_clear(&cl);
	fields_clear(&f);
	free(tagless);
	free(body);
	return rc;
}

/* Is the domain of addr one of the comma/space separated list? */
static int
domain_listed(const char *list, const char *addr)
{
	const char *at = strrchr(addr, '@'), *p = list;
	size_t n, dl;

	if (at == NULL)
		return 0;
	at++;
	dl = strlen(at);
	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && n == dl && strncasecmp(p, at, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * May an access-denied notice answer this stranger? Not when the From
 * address may be forged (backscatter: the notice would go to an innocent
 * third party): under trust = authentication-results only a sender whose
 * From domain passed DMARC or aligned DKIM is answered; under trust = from
 * at most max_denied_per_hour such notices leave in all. 1 yes, 0 no, <0.
 */
static int
denied_allowed(struct intake *in)
{
	const struct config *cfg = in->pl->cfg;
	char vis[128];
	int rc, count;

	log_vis(vis, sizeof(vis), in->m.from_addr);
	if (cfg->helpdesk.trust != TRUST_FROM) {
		if (in->sender_verified)
			return 1;
		log_info("no access-denied notice to %s: the sender is not "
		    "authenticated (%s)", vis, in->auth_why != NULL ?
		    in->auth_why : "no reason");
		return 0;
	}
	if ((rc = db_notice_kind_count(in->pl->db, "access-denied",
	    in->now - HOUR, &count)) != DB_OK)
		return rc;
	if (count < cfg->helpdesk.max_denied_per_hour)
		return 1;
	log_warnx("no access-denied notice to %s: %d in the last hour "
	    "(max_denied_per_hour)", vis, count);
	return 0;
}

/*
 * May the sender use the desk? Admins, granted people and senders from
 * allow_domains (everyone, when it is not set) may; a blocked (revoked)
 * address never. Anyone else's mail is kept as an access request and
 * answered, at most once a day, with an access-denied notice.
 * 1 allowed, 0 held (the mail is stored), <0 error.
 */
int
pl_access_check(struct intake *in)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	struct db_access a;
	struct template_var v[6];
	struct outgoing o;
	char vis[128], *title, *name = NULL;
	int rc, allowed;

	if ((rc = db_access_get(pl->db, in->sender, &a)) != 0)
		return rc == 1 ? DB_PERM : rc;
	if (strcmp(a.role, "blocked") == 0) {
		free(a.role);
		rc = pl_store_mail(in, "ignored", 0, "blocked sender");
		if (rc == DB_OK) {
			in->pm->outcome = PL_IGNORED;
			in->pm->stored = 1;
			log_info("mail from blocked sender %s ignored, "
			    "Message-ID <%s>", log_vis(vis, sizeof(vis),
			    in->m.from_addr), in->vis);
		}
		return rc == DB_OK ? 0 : rc;
	}
	allowed = cfg->helpdesk.allow_domains == NULL || a.granted ||
	    strcmp(a.role, "admin") == 0 || strcmp(a.role, "root") == 0 ||
	    domain_listed(cfg->helpdesk.allow_domains, in->m.from_addr);
	if (allowed) {
		free(a.role);
		return 1;
	}
	if ((rc = pl_store_mail(in, "ignored", 0, "access request: the sender "
	    "is not in allow_domains")) != DB_OK ||
	    (rc = db_access_request(pl->db, in->mail_id, in->sender,
	    "access", in->now)) != DB_OK ||
	    (rc = db_event_add(pl->db, 0, in->sender, "access-request",
	    in->m.from_addr, in->now)) != DB_OK)
		goto done;
	in->pm->outcome = PL_IGNORED;
	in->pm->stored = 1;
	log_info("access request from %s kept, Message-ID <%s>",
	    log_vis(vis, sizeof(vis), in->m.from_addr), in->vis);
	if (a.denied_at != 0 && in->now - a.denied_at < 24 * HOUR)
		goto done;
	if (in->quiet) {
		log_info("no access-denied notice to %s: %s", vis,
		    in->quiet_why);
		goto done;
	}
	if ((rc = denied_allowed(in)) != 1)
		goto done;
	/* nor the stranger's name, which is their text as much */
	name = in->m.from_name != NULL && in->m.from_name[0] != '\0' ?
	    lex_show(in->m.from_name, strlen(in->m.from_name),
	    LIMIT_ECHO_SUBJECT_BYTES, 0) : NULL;
	v[0] = (struct template_var){ "requester_name",
	    name != NULL ? name : in->m.from_addr };
	v[1] = (struct template_var){ "requester", in->m.from_addr };
	v[2] = (struct template_var){ "domains", cfg->helpdesk.allow_domains };
	v[3] = (struct template_var){ "root_admins",
	    cfg->helpdesk.root_admins != NULL ? cfg->helpdesk.root_admins :
	    cfg->helpdesk.address };
	v[4] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	v[5] = (struct template_var){ "desk", cfg->helpdesk.address };
	memset(&o, 0, sizeof(o));
	o.kind = "access-denied";
	o.tpl = pl->tpl_denied;
	o.to_addr = in->m.from_addr;
	o.to_name = name;
	/* a stranger's words are not echoed at length to an address that
	 * may be forged */
	title = in->m.subject != NULL ? lex_show(in->m.subject,
	    strlen(in->m.subject), LIMIT_ECHO_SUBJECT_BYTES, 0) :
	    xstrdup("(no subject)");
	o.title = title;
	o.in_reply = 1;
	o.auto_submitted = "auto-replied";
	if ((rc = pl_queue_notice(in, &o, v, 6)) == DB_OK)
		rc = db_access_denied_now(pl->db, in->sender, in->now);
	free(title);
done:
	free(name);
	free(a.role);
	return rc == DB_OK ? 0 : rc;
}

/*
 * Is this a root admin's control mail: subject "control", also as a reply
 * ("Re: control", not a ticket's "Re: [IT #5] control"), or to
 * it+control@ (where a transcript's Reply-To points)?
 */
int
pl_is_control(struct intake *in)
{
	const struct mail *m = &in->m;
	const struct mail_addr *lists[3] = { m->to, m->cc, m->delivered_to };
	size_t counts[3] = { m->nto, m->ncc, m->ndelivered_to };
	const char *tag = in->pl->cfg->helpdesk.tag;
	size_t i, j;
	long long n;
	char *clean;
	int yes;

	if (m->subject != NULL && thread_subject_tag(m->subject, tag,
	    &n) == 0) {
		clean = thread_clean_subject(m->subject, tag);
		yes = strcasecmp(clean, "control") == 0;
		free(clean);
		if (yes)
			return 1;
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < counts[i]; j++)
			if (thread_subaddress(lists[i][j].addr,
			    in->pl->cfg->helpdesk.address, &n) ==
			    THREAD_SUB_CONTROL)
				return 1;
	return 0;
}

/* One line of a control mail. 1 applied, 0 refused (why), <0 error. */
static int
run_control(struct intake *in, const struct cmd *c, int *report,
    struct buf *shown, char *why, size_t whysz)
{
	struct pipeline *pl = in->pl;
	struct db_ticket_info ti;
	struct cmd tc;
	struct buf sk;
	size_t i, n;
	int rc, internal = 0;

	switch (c->kind) {
	case CMD_REASSIGN:
	case CMD_CTL_REJECT:
		rc = db_ticket_info(pl->db, c->number, &ti);
		if (rc == 1) {
			snprintf(why, whysz, "there is no ticket #%lld", c->number);
			return 0;
		}
		if (rc < 0)
			return rc;
		/* the same as the admin command, with root's rights */
		memset(&tc, 0, sizeof(tc));
		tc.kind = c->kind == CMD_REASSIGN ? CMD_ASSIGN : CMD_REJECT;
		tc.arg1 = c->arg1;
		tc.line = c->line;
		rc = run_command(in, &ti, &tc, 1, &internal, why, whysz);
		db_ticket_info_clear(&ti);
		return rc;
	case CMD_ROLE:
		rc = db_user_role(pl->db, c->arg1, c->arg2, in->now);
		if (rc == DB_OK)
			rc = db_event_add(pl->db, 0, in->sender, "role", c->line,
			    in->now);
		return rc == DB_OK ? 1 : rc;
	case CMD_GRANT:
		rc = pl_grant_requests(pl, c->arg1, in->now, &n);
		if (rc == DB_OK)
			rc = db_event_add(pl->db, 0, in->sender, "granted",
			    c->arg1, in->now);
		return rc == DB_OK ? 1 : rc;
	case CMD_REVOKE:
		rc = db_user_revoke(pl->db, c->arg1, in->now);
		if (rc == DB_OK)
			rc = db_event_add(pl->db, 0, in->sender, "revoked",
			    c->arg1, in->now);
		return rc == DB_OK ? 1 : rc;
	case CMD_SKILLS:
		buf_init(&sk, 4096);
		for (i = 0; i < c->nlist; i++)
			buf_printf(&sk, "%s%s", i > 0 ? ", " : "", c->list[i]);
		rc = db_user_skills(pl->db, c->arg1, sk.data);
		buf_clear(&sk);
		break;
	case CMD_AWAY:
	case CMD_BACK:
		rc = db_user_away(pl->db, c->arg1, c->until, c->kind == CMD_AWAY);
		break;
	case CMD_REPORT:
		*report = 1;
		return 1;
	case CMD_HELP:
		return 1;	/* mailed after the transcript */
	case CMD_ASSET:
	case CMD_ASSET_NOTE:
	case CMD_ASSETS:
		return pl_asset_control(in, c, shown, why, whysz);
	default:
		snprintf(why, whysz, "%s", c->err != NULL ? c->err :
		    "not a control command");
		return 0;
	}
	if (rc == 0)
		snprintf(why, whysz, "%s is not known to the desk", c->arg1);
	return rc;
}

/*
 * A root admin's control mail: one command a line between the greeting
 * and the sign-off (command.h), applied whole or not at all, answered
 * with a transcript that also names the lines skipped (and the report
 * when asked).
 */
int
pl_control(struct intake *in)
{
	struct pipeline *pl = in->pl;
	struct template_var v[3];
	struct outgoing o;
	struct cmd_list cl;
	struct buf tr, shown;
	const char *body = in->m.body != NULL ? in->m.body : "";
	const char *at;
	char why[1024], *reply_to = NULL;
	size_t i;
	int rc, r, failed = 0, report = 0, root, help = 0, admin;

	command_list_init(&cl);
	buf_init(&tr, 64 * 1024);
	buf_init(&shown, 512 * 1024);
	if ((rc = pl_store_mail(in, "ignored", 0, "control mail")) != DB_OK)
		goto done;
	root = db_person_is_root(pl->db, in->sender);
	if (root < 0) {
		rc = root;
		goto done;
	}
	/* issue 15: an admin may send "asset note" lines */
	admin = root ? 1 : db_person_is_admin(pl->db, in->sender);
	if (admin < 0) {
		rc = admin;
		goto done;
	}
	command_parse_control(body, strlen(body), &cl);
	transcript_skips(&tr, &cl, 0);
	if ((rc = db_savepoint(pl->db)) != DB_OK)
		goto done;
	for (i = 0; i < cl.n; i++) {
		why[0] = '\0';
		if (cl.v[i].kind == CMD_HELP) {
			/* for anyone who may use the desk: the manual */
			help = 1;
			r = failed ? -10 : 1;
		} else if (!root && !(admin &&
		    cl.v[i].kind == CMD_ASSET_NOTE)) {
			snprintf(why, sizeof(why), "only a root admin may send "
			    "control mails%s", admin ? " (an admin may send "
			    "\"asset note\")" : "");
			r = 0;
		} else if (!in->sender_verified) {
			snprintf(why, sizeof(why), "not obeyed: %s", in->auth_why);
			r = 0;
		} else if (failed)
			r = -10;
		else
			r = run_control(in, &cl.v[i], &report, &shown, why,
			    sizeof(why));
		if (r < 0 && r != -10) {
			rc = r;
			db_rollback_savepoint(pl->db);
			goto done;
		}
		if (r == 0)
			failed = 1;
		buf_printf(&tr, "%s" TEMPLATE_CELL_S "%s\n", cl.v[i].line, r == 1 ? "ok" :
		    r == -10 ? "not applied" : why);
	}
	transcript_skips(&tr, &cl, 1);
	if (cl.n == 0) {
		failed = 1;
		buf_addstr(&tr, "(no commands found)\n");
	}
	if (failed)
		db_rollback_savepoint(pl->db);
	else if ((rc = db_release(pl->db)) != DB_OK)
		goto done;
	/* what "asset show" and "assets" asked for */
	if (!failed && shown.len > 0)
		buf_printf(&tr, "\n%s", shown.data);
	v[0] = (struct template_var){ "transcript", tr.data };
	v[1] = (struct template_var){ "outcome", failed ? "Nothing was "
	    "applied: a control mail applies whole or not at all. Write one "
	    "command a line; text before the first command is ignored, and "
	    "a sign-off (\"thanks\"), a signature or quoted text ends the "
	    "commands." : "All applied." };
	v[2] = (struct template_var){ "desk_name", pl->cfg->helpdesk.name };
	memset(&o, 0, sizeof(o));
	o.kind = "transcript";
	o.tpl = pl->tpl_control;
	o.to_addr = in->m.from_addr;
	o.title = "control";
	/* a reply to the transcript is the next control mail */
	at = strrchr(pl->cfg->helpdesk.address, '@');
	reply_to = at != NULL ? xasprintf("%.*s+control%s",
	    (int)(at - pl->cfg->helpdesk.address), pl->cfg->helpdesk.address,
	    at) : NULL;
	o.reply_to = reply_to;
	o.in_reply = 1;
	o.auto_submitted = "auto-replied";
	if ((rc = pl_queue_notice(in, &o, v, 3)) != DB_OK)
		goto done;
	if (!failed && report && (rc = pl_queue_report(in)) != DB_OK)
		goto done;
	if (!failed && help && (rc = pl_queue_help(in)) != DB_OK)
		goto done;
	in->pm->outcome = PL_IGNORED;
	in->pm->stored = 1;
	log_info("control mail from %s: %zu command(s) %s", in->m.from_addr,
	    cl.n, failed ? "refused" : "applied");
done:
	free(reply_to);
	command_list_clear(&cl);
	buf_clear(&tr);
	buf_clear(&shown);
	return rc;
}

/*
 * A mail whose subject is "help" (and nothing else but spaces): the
 * sender gets ticketd-mail(7). Only senders who may use the desk get this
 * far (pl_access_check); list and robot mail is never answered, and the
 * notice gate's per-address rate limit holds (notices.c).
 */
int
pl_is_help(struct intake *in)
{
	const char *s = in->m.subject;
	size_t n;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 4 && strncasecmp(s, "help", 4) == 0;
}

int
pl_queue_help(struct intake *in)
{
	const struct config *cfg = in->pl->cfg;
	struct template_var v[4];
	struct outgoing o;

	v[0] = (struct template_var){ "requester_name",
	    in->m.from_name != NULL ? in->m.from_name : in->m.from_addr };
	v[1] = (struct template_var){ "desk", cfg->helpdesk.address };
	v[2] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	v[3] = (struct template_var){ "tag", cfg->helpdesk.tag };
	memset(&o, 0, sizeof(o));
	o.kind = "help";
	o.tpl = in->pl->tpl_help;
	o.to_addr = in->m.from_addr;
	o.to_name = in->m.from_name;
	o.title = "help";
	o.in_reply = 1;
	o.auto_submitted = "auto-replied";
	return pl_queue_notice(in, &o, v, 4);
}

int
pl_help(struct intake *in)
{
	char vis[128];
	int rc;

	if ((rc = pl_store_mail(in, "ignored", 0, "help request: "
	    "ticketd-mail(7) mailed back")) != DB_OK)
		return rc;
	if ((rc = pl_queue_help(in)) != DB_OK)
		return rc;
	in->pm->outcome = PL_IGNORED;
	in->pm->stored = 1;
	log_info("help request from %s, Message-ID <%s>",
	    log_vis(vis, sizeof(vis), in->m.from_addr), in->vis);
	return DB_OK;
}
