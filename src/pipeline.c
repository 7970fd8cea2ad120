/*
 * pipeline.c — parse → classify → thread → rules → database, one
 * transaction per batch and a savepoint per mail, so one odd mail never
 * costs the others. Notices are composed in notices.c, the workflow on a
 * ticket (new tickets, comments, commands, access, control) is desk.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "classifier.h"
#include "clock.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"
#include "mime.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "rules.h"
#include "template.h"
#include "thread.h"
#include "weblink.h"
#include "xmalloc.h"


/* Give every address of a config list (comma or space separated) a role. */
static int
seed_list(struct pipeline *pl, const char *list, const char *role, time_t now)
{
	char *copy, *p, *addr, vis[128];
	int rc = DB_OK, r;

	if (list == NULL)
		return DB_OK;
	copy = xstrdup(list);
	for (p = copy; rc == DB_OK && *p != '\0'; ) {
		p += strspn(p, ", \t");
		addr = p;
		p += strcspn(p, ", \t");
		if (*p != '\0')
			*p++ = '\0';
		if (*addr == '\0' || strchr(addr, '@') == NULL)
			continue;
		r = db_seed_role(pl->db, addr, role, now);
		if (r < 0)
			rc = r;
		else if (r == 1)
			log_info("%s is %s (from the configuration)",
			    log_vis(vis, sizeof(vis), addr), role);
	}
	free(copy);
	return rc;
}

static void
seed_roles(struct pipeline *pl, time_t now)
{
	int rc;

	if ((rc = db_begin(pl->db)) == DB_OK &&
	    (rc = seed_list(pl, pl->cfg->helpdesk.root_admins, "root",
	    now)) == DB_OK &&
	    (rc = seed_list(pl, pl->cfg->helpdesk.admins, "admin",
	    now)) == DB_OK)
		rc = db_commit(pl->db);
	if (rc != DB_OK) {
		db_rollback(pl->db);
		log_warnx("roles from the configuration not stored: %s",
		    db_errmsg(pl->db));
	}
}

/* The variables of every notice about a ticket (notices.c ticket_vars). */
#define TICKET_VARS	"number", "subject", "requester_name", "requester", \
	"tag", "desk_name", "desk", "assignee", "priority", "category", \
	"status", "due_note", "ticket_url", "facts"

/* What the code gives each template: notices.c and desk.c. */
static const char *const ack_vars[] = { "number", "subject",
	"requester_name", "requester", "tag", "desk_name", "desk",
	"dropped_note", "linked_note", "priority", "category", "fields_note",
	"assign_note", "due_note", "ticket_url", "category_note",
	"suggestions", "facts", NULL };
static const char *const assigned_vars[] = { "number", "subject",
	"requester_name", "requester", "tag", "desk_name", "priority",
	"category", "body", "attachments_note", "due_note", "ticket_url",
	"desk_url", "assets_note", "facts", "images", NULL };
static const char *const reassigned_vars[] = { TICKET_VARS, "body",
	"desk_url", "images", NULL };
static const char *const comment_vars[] = { TICKET_VARS, "author", "text",
	"internal_note", "images", NULL };
static const char *const closed_vars[] = { TICKET_VARS, "note", "reason",
	NULL };
static const char *const transcript_vars[] = { TICKET_VARS, "transcript",
	"outcome", NULL };
static const char *const control_vars[] = { "transcript", "outcome",
	"desk_name", NULL };
static const char *const refused_vars[] = { TICKET_VARS, "change", "who",
	NULL };
static const char *const denied_vars[] = { "requester_name", "requester",
	"domains", "root_admins", "desk_name", "desk", NULL };
static const char *const report_vars[] = { "totals", "admins", "desk_name",
	"day", "day_figures", "ages", "breaches", "desk_url", NULL };
static const char *const sla_vars[] = { TICKET_VARS, "due", NULL };
static const char *const escalation_vars[] = { TICKET_VARS, "due",
	"assignee_or_none", NULL };
static const char *const reason_vars[] = { TICKET_VARS, "reason", "due",
	NULL };
static const char *const unassigned_vars[] = { TICKET_VARS, "why", NULL };
static const char *const digest_vars[] = { "count", "list", "tag",
	"desk_name", NULL };
static const char *const flood_vars[] = { "sender", "max", "desk_name", "tag",
	NULL };
static const char *const kb_article_vars[] = { TICKET_VARS, "article",
	"article_title", "article_url", "markdown", "version", "what", NULL };
static const char *const kb_solved_vars[] = { TICKET_VARS, NULL };
static const char *const help_vars[] = { "requester_name", "desk",
	"desk_name", "tag", NULL };

#define TPL(name, field, vars) \
	{ name, offsetof(struct pipeline, field), vars }

const struct pipeline_template pipeline_templates[] = {
	/* pl_queue_ack: a new ticket's requester */
	TPL("ack", tpl_ack, ack_vars),
	/* pl_queue_assigned: the admin a new ticket went to */
	TPL("assigned", tpl_assigned, assigned_vars),
	/* run_command /assign, control reassign: the admin it goes to now */
	TPL("reassigned", tpl_reassigned, reassigned_vars),
	/* relay: a comment to the ticket's other participants */
	TPL("comment", tpl_comment, comment_vars),
	/* run_command /resolve, /reject, control reject: the requester */
	TPL("resolved", tpl_resolved, closed_vars),
	TPL("rejected", tpl_rejected, closed_vars),
	/* commands: an admin's /commands on a ticket */
	TPL("transcript", tpl_transcript, transcript_vars),
	/* pl_control: a root admin's control mail, about no ticket */
	TPL("control", tpl_control, control_vars),
	/* requester_edits: a change that came too late */
	TPL("refused-change", tpl_refused, refused_vars),
	/* pl_access_check: a sender who may not use the desk, no ticket */
	TPL("access-denied", tpl_denied, denied_vars),
	/* pl_queue_report: the control mail's "report" */
	TPL("report", tpl_report, report_vars),
	/* tell_roots: a new ticket nobody could take, to the root admins */
	TPL("unassigned", tpl_unassigned, unassigned_vars),
	/* pl_coalesce: an admin's notices held over the rate limit */
	TPL("digest", tpl_digest, digest_vars),
	/* flood_hold: a sender's new requests held, to the root admins */
	TPL("flood", tpl_flood, flood_vars),
	/* pipeline_sla_tick: the assignee, at warn_at and at the due time */
	TPL("sla-warning", tpl_sla_warning, sla_vars),
	TPL("sla-breach", tpl_sla_breach, sla_vars),
	/* pipeline_sla_tick: the root admins, at the due time */
	TPL("sla-escalation", tpl_sla_escalation, escalation_vars),
	/* /reason: the root admins hear the admin's cause */
	TPL("sla-reason", tpl_sla_reason, reason_vars),
	/* desk_kb.c: /publish, /kb edit, ticketctl kb publish: the admin */
	TPL("kb-article", tpl_kb_article, kb_article_vars),
	/* desk_kb.c: the requester's /solved, to the assignee */
	TPL("kb-solved", tpl_kb_solved, kb_solved_vars),
	/* pl_help: a mail whose subject is "help", a control mail's "help" */
	TPL("help", tpl_help, help_vars),
	{ NULL, 0, NULL }
};

static char **
tpl_slot(struct pipeline *pl, const struct pipeline_template *t)
{
	return (char **)(void *)((char *)pl + t->off);
}

/*
 * Check template t's text; 0, or -1 with the problem in err as
 * "FILE:LINE: why" (FILE the override's path, or NAME.md for a built-in).
 */
static int
check_one(const struct config *cfg, const struct pipeline_template *t,
    const char *text, int builtin, char *err, size_t errsz)
{
	char why[512], *file;
	int line;

	if (template_check_line(text, t->vars, &line, why, sizeof(why)) == 0)
		return 0;
	file = builtin ? xasprintf("%s.md", t->name) :
	    xasprintf("%s/%s.md", cfg->helpdesk.templates, t->name);
	if (line > 0)
		snprintf(err, errsz, "%s:%d: %s", file, line, why);
	else
		snprintf(err, errsz, "%s: %s", file, why);
	free(file);
	return -1;
}

/* Is template t overridden, i.e. is it not the built-in text? */
static int
is_override(const struct pipeline_template *t, const char *text)
{
	const char *b = template_builtin(t->name);

	return b == NULL || strcmp(b, text) != 0;
}

/*
 * Load and check every template into pl; 0, or -1 with err. An override
 * that cannot be read or would show "{{" is refused with its file and
 * line in the log, and the built-in template is used (issue 16); ticketd
 * -n reports it as an error (pipeline_check_templates).
 */
static int
load_templates(struct pipeline *pl, const struct config *cfg, char *err,
    size_t errsz)
{
	const struct pipeline_template *t;
	char why[768];
	char **slot;

	for (t = pipeline_templates; t->name != NULL; t++) {
		slot = tpl_slot(pl, t);
		*slot = template_load(cfg->helpdesk.templates, t->name, why,
		    sizeof(why));
		/*
		 * A built-in text is checked by the unit tests (test_template:
		 * test_contexts), not at each start: checking all of them
		 * rendered each one and was a quarter of a --stdin run.
		 */
		if (*slot != NULL && (!is_override(t, *slot) ||
		    check_one(cfg, t, *slot, 0, why, sizeof(why)) == 0))
			continue;
		free(*slot);
		*slot = NULL;
		if (template_builtin(t->name) == NULL) {
			snprintf(err, errsz, "%s", why);
			return -1;
		}
		log_warnx("template refused: %s; the built-in %s.md is used",
		    why, t->name);
		*slot = xstrdup(template_builtin(t->name));
	}
	return 0;
}

/*
 * The key of the status page's links, for the links in notices: made when
 * missing (as the page does), none when there is no page; a key that
 * cannot be read leaves the notices without links and says why.
 */
static void
load_web_key(struct pipeline *pl)
{
	char *base, msg[512];

	if ((base = weblink_base(pl->cfg)) == NULL ||
	    pl->cfg->web.secret_file == NULL) {
		free(base);
		return;
	}
	free(base);
	if (weblink_secret_load(pl->cfg->web.secret_file, 1, pl->web_key, msg,
	    sizeof(msg)) == -1) {
		log_warnx("[web] secret_file: %s; notices go without links to "
		    "the status page", msg);
		return;
	}
	pl->have_web_key = 1;
}

int
pipeline_init(struct pipeline *pl, const struct config *cfg, struct db *db,
    const char *source, char *err, size_t errsz)
{
	memset(pl, 0, sizeof(*pl));
	pl->cfg = cfg;
	pl->db = db;
	pl->source = source;
	if (load_templates(pl, cfg, err, errsz) == -1) {
		pipeline_clear(pl);
		return -1;
	}
	load_web_key(pl);
	seed_roles(pl, clock_now());
	pl_model_refresh(pl);
	return 0;
}

void
pipeline_clear(struct pipeline *pl)
{
	const struct pipeline_template *t;
	char **slot;

	for (t = pipeline_templates; t->name != NULL; t++) {
		slot = tpl_slot(pl, t);
		free(*slot);
		*slot = NULL;
	}
	explicit_bzero(pl->web_key, sizeof(pl->web_key));
	pl->have_web_key = 0;
	clf_model_free(&pl->model);
}

int
pipeline_check_templates(const struct config *cfg, char *err, size_t errsz)
{
	const struct pipeline_template *t;
	char one[600], why[512], *text;
	size_t o = 0;
	int rc = 0;

	if (errsz > 0)
		err[0] = '\0';
	/* every template, so that -n lists every problem at once */
	for (t = pipeline_templates; t->name != NULL; t++) {
		text = template_load(cfg->helpdesk.templates, t->name, one,
		    sizeof(one));
		if (text != NULL && check_one(cfg, t, text,
		    !is_override(t, text), why, sizeof(why)) == -1)
			snprintf(one, sizeof(one), "%s", why);
		else if (text != NULL) {
			free(text);
			continue;
		}
		free(text);
		if (o < errsz)
			o += (size_t)snprintf(err + o, errsz - o, "%s%s",
			    rc == -1 ? "\n" : "", one);
		rc = -1;
	}
	return rc;
}

int
pl_store_mail(struct intake *in, const char *disposition, long long ticket,
    const char *note)
{
	if (in->pl->replay_mail != 0) {
		in->mail_id = in->pl->replay_mail;
		return db_mail_refile(in->pl->db, in->mail_id, disposition,
		    ticket, note);
	}
	in->row.disposition = disposition;
	in->row.ticket_number = ticket;
	in->row.note = note;
	return db_mail_add(in->pl->db, &in->row, &in->mail_id);
}

/* The mail's attachments and inline parts, on a ticket or a comment. */
int
pl_store_parts(struct intake *in, long long ticket, long long comment)
{
	struct db_attachment a;
	const struct mail_part *p;
	size_t i;
	int rc;

	for (i = 0; i < in->m.nparts; i++) {
		p = &in->m.parts[i];
		memset(&a, 0, sizeof(a));
		a.ticket_number = ticket;
		a.comment_id = comment;
		a.mail_id = in->mail_id;
		a.filename = p->filename;
		a.media_type = p->media_type;
		a.content_id = p->content_id;
		a.data = (p->flags & PART_F_DROPPED) ? NULL : p->data;
		a.size = p->size;
		a.is_image = (p->flags & PART_F_IMAGE) != 0;
		a.is_inline = (p->flags & PART_F_INLINE) != 0;
		a.note = (p->flags & PART_F_DROPPED) ?
		    "dropped: larger than max_attachment_bytes" :
		    (p->flags & PART_F_TNEF) ? "from winmail.dat" :
		    (p->flags & PART_F_FORWARDED) ? "from a forwarded mail" : NULL;
		if (a.data == NULL && (p->flags & PART_F_DROPPED) == 0)
			a.data = "";	/* an empty part */
		if ((rc = db_attachment_add(in->pl->db, &a)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/*
 * Which ticket is this mail about? In DESIGN.md's order: the subject tag,
 * then In-Reply-To/References against every Message-ID the desk received
 * or sent for a ticket, then the sub-address it+N@. *trusted says whether
 * the match itself vouches for the sender (References do: only someone
 * who got the mail can quote its id; a number in a subject does not).
 * Returns 1 with *ticket, 0 for a new ticket, <0 error.
 */
static int
find_ticket(struct intake *in, long long *ticket, int *trusted,
    const char **how)
{
	const struct mail *m = &in->m;
	const struct mail_addr *lists[3] = { m->to, m->cc, m->delivered_to };
	size_t counts[3] = { m->nto, m->ncc, m->ndelivered_to };
	size_t i, j;
	long long n;
	int rc;

	*trusted = 0;
	if (m->subject != NULL &&
	    thread_subject_tag(m->subject, in->pl->cfg->helpdesk.tag, &n)) {
		/* a tag naming no ticket of ours starts a new one */
		rc = db_ticket_exists(in->pl->db, n, NULL);
		if (rc == 1) {
			*ticket = n;
			*how = "subject tag";
		}
		return rc;
	}
	if (m->in_reply_to != NULL) {
		rc = db_msgid_ticket(in->pl->db, m->in_reply_to, ticket);
		if (rc != 0) {
			*trusted = 1;
			*how = "In-Reply-To";
			return rc;
		}
	}
	for (i = m->nrefs; i-- > 0; ) {
		rc = db_msgid_ticket(in->pl->db, m->references[i], ticket);
		if (rc != 0) {
			*trusted = 1;
			*how = "References";
			return rc;
		}
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < counts[i]; j++) {
			if (thread_subaddress(lists[i][j].addr,
			    in->pl->cfg->helpdesk.address, &n) !=
			    THREAD_SUB_TICKET)
				continue;
			rc = db_ticket_exists(in->pl->db, n, NULL);
			if (rc != 0) {
				*ticket = n;
				*how = "sub-address";
				return rc;
			}
		}
	return 0;
}

/*
 * Automatic mail is never a ticket and never answered; a bounce of one of
 * our notices is recorded against it and its recipient marked bouncing.
 */
static int
automatic(struct intake *in, const char *why)
{
	struct pipeline *pl = in->pl;
	const struct mail *m = &in->m;
	char note[512], *rcpt = NULL, vis[128];
	long long ticket = 0;
	int rc, failed;

	snprintf(note, sizeof(note), "not a ticket: %s", why);
	failed = m->report_action == NULL ||
	    strcmp(m->report_action, "failed") == 0;
	if (m->report_msgid != NULL && failed) {
		rc = db_outbox_bounced(pl->db, m->report_msgid, why, in->now,
		    &ticket, &rcpt);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			snprintf(note, sizeof(note), "bounce of our notice <%s> "
			    "to %s", m->report_msgid, rcpt);
			if ((rc = db_person_set_bouncing(pl->db, rcpt,
			    in->now)) != DB_OK ||
			    (rc = db_event_add(pl->db, ticket, 0, "bounced", rcpt,
			    in->now)) != DB_OK) {
				free(rcpt);
				return rc;
			}
			log_info("ticket #%lld: the notice to %s bounced; no "
			    "more notices to that address until it writes "
			    "again", ticket, log_vis(vis, sizeof(vis), rcpt));
		}
		free(rcpt);
	}
	rc = pl_store_mail(in, "ignored", ticket, note);
	if (rc == DB_OK) {
		in->pm->outcome = PL_IGNORED;
		in->pm->stored = 1;
		log_info("mail not made a ticket (%s), Message-ID <%s>", why,
		    in->vis);
	}
	return rc;
}

/*
 * May the mail's commands be obeyed (DESIGN: trust)? Identity is From and
 * only From, one mailbox of it (issue 8): a mail whose From is unclear or
 * missing is never an admin's command, under either trust setting. Then
 * trust = from believes From; trust = authentication-results asks the
 * receiving server's own Authentication-Results (authres.h).
 */
static void
trust(struct intake *in)
{
	const struct config *cfg = in->pl->cfg;
	struct authres_field f[LIMIT_AUTHRES_HEADERS];
	const struct mail *m = &in->m;
	const char *dom;
	size_t i;

	in->sender_verified = 0;
	if (m->flags & MAIL_F_FROM_FALLBACK) {
		in->auth_why = "the mail has no usable From address (it was "
		    "taken from Sender: or Reply-To:, which vouch for nobody)";
		return;
	}
	if (m->flags & MAIL_F_MULTI_FROM) {
		snprintf(in->auth_buf, sizeof(in->auth_buf), "the From line is "
		    "not exactly one mailbox (%s)", m->from_why != NULL ?
		    m->from_why : "more than one address");
		in->auth_why = in->auth_buf;
		return;
	}
	if (cfg->helpdesk.trust == TRUST_FROM) {
		in->sender_verified = 1;
		return;
	}
	for (i = 0; i < m->nauthres && i < LIMIT_AUTHRES_HEADERS; i++) {
		f[i].value = m->authres[i].value;
		f[i].top = m->authres[i].top;
		f[i].received = m->authres[i].received;
	}
	dom = strrchr(m->from_addr, '@');
	in->sender_verified = authres_verified_at(f, i,
	    cfg->helpdesk.authserv_id, dom != NULL ? dom + 1 : "",
	    in->auth_buf, sizeof(in->auth_buf)) == 1;
	in->auth_why = in->auth_buf;
}

/* One mail inside the batch's transaction. DB_* result. */
static int
take(struct pipeline *pl, struct pipeline_mail *pm, time_t now)
{
	struct intake in;
	struct mime_opts opts;
	enum rules_verdict v;
	const char *why, *how = NULL;
	long long ticket = 0;
	size_t i;
	int prc, rc, known, trusted, ok;

	memset(&in, 0, sizeof(in));
	in.pl = pl;
	in.pm = pm;
	in.now = now;
	pm->ticket = 0;
	pm->stored = 0;
	opts.max_attachment_bytes = pl->cfg->helpdesk.max_attachment_bytes;
	prc = mime_parse(pm->raw, pm->len, &opts, &in.m);
	log_vis(in.vis, sizeof(in.vis), in.m.message_id);
	known = pl->replay_mail != 0 ? 0 : db_mail_known(pl->db,
	    in.m.message_id);
	if (known < 0) {
		rc = known;
		goto done;
	}
	if (known > 0) {
		pm->stored = 1;
		pm->outcome = known == 2 ? PL_FAILED : PL_DUPLICATE;
		log_info("duplicate of a mail taken in before, Message-ID <%s>",
		    in.vis);
		rc = DB_OK;
		goto done;
	}
	in.row.message_id = in.m.message_id;
	in.row.received_at = now;
	in.row.source = pl->source;
	in.row.uidvalidity = pm->uid != 0 ? pl->uidvalidity : 0;
	in.row.uid = pm->uid;
	in.row.from_addr = in.m.from_addr;
	in.row.from_name = in.m.from_name;
	in.row.subject = in.m.subject;
	in.row.raw = pm->raw;
	in.row.len = pm->len;
	in.row.parts = in.m.parts;	/* their base64 kept once */
	in.row.nparts = in.m.nparts;

	v = rules_classify(pl->cfg, &in.m, prc, &why);
	if (v == RULES_LOOP) {
		rc = automatic(&in, why);
		goto done;
	}
	if (v == RULES_FAILED) {
		rc = pl_store_mail(&in, "failed", 0, why);
		pm->outcome = PL_FAILED;
		pm->stored = rc == DB_OK;
		log_info("mail not made a ticket (%s), Message-ID <%s>", why,
		    in.vis);
		goto done;
	}
	/*
	 * List mail is never answered (RFC 3834): it is a ticket only when a
	 * person wrote it to the desk, and then a quiet one; robots' mail
	 * the same (issue 7).
	 */
	if (rules_list_mail(&in.m, &why)) {
		in.m.flags |= MAIL_F_LIST;
		in.m.list_why = why;
		rules_list_addrs(&in.m);
		if (!rules_to_desk(&in.m, pl->cfg->helpdesk.address)) {
			rc = automatic(&in, why);
			goto done;
		}
		in.quiet = 1;
		in.quiet_why = why;
	} else if (rules_noreply_addr(in.m.from_addr, &why)) {
		in.quiet = 1;
		in.quiet_why = why;
	}
	trust(&in);
	if ((rc = db_person_get(pl->db, in.m.from_addr, in.m.from_name, now,
	    &in.sender)) != DB_OK ||
	    (rc = db_person_set_bouncing(pl->db, in.m.from_addr, 0)) != DB_OK)
		goto done;
	/*
	 * A list's own addresses get no notice, whatever they are on; an
	 * address that writes as a person is one again (as with bouncing: a
	 * forged List-Post cannot silence anyone for longer than that).
	 */
	for (i = 0; i < in.m.nlist_addrs; i++)
		if ((rc = db_person_no_reply(pl->db, in.m.list_addrs[i], 1,
		    now)) != DB_OK)
			goto done;
	if (!in.quiet && (rc = db_person_no_reply(pl->db, in.m.from_addr, 0,
	    now)) != DB_OK)
		goto done;
	if (pl->replay_mail == 0) {
		rc = pl_access_check(&in);
		if (rc != 1)
			goto done;	/* held as an access request, or an error */
	}
	if (pl->replay_mail == 0 && pl_is_control(&in)) {
		rc = pl_control(&in);
		goto done;
	}
	if (pl->replay_mail == 0 && pl_is_help(&in)) {
		rc = pl_help(&in);
		goto done;
	}
	rc = find_ticket(&in, &ticket, &trusted, &how);
	if (rc < 0)
		goto done;
	if (rc == 0) {
		rc = pl_new_ticket(&in, 0);
		goto done;
	}
	if (trusted) {
		/* they quoted a mail of the ticket: they are on it now */
		if ((rc = db_participant_add(pl->db, ticket, in.sender, "cc",
		    now)) != DB_OK)
			goto done;
		ok = 1;
	} else {
		ok = db_participant_is(pl->db, ticket, in.sender);
		/* an unclear or borrowed From is nobody's admin identity */
		if (ok == 0 && !(in.m.flags & (MAIL_F_MULTI_FROM |
		    MAIL_F_FROM_FALLBACK)))
			ok = db_person_is_admin(pl->db, in.sender);
		if (ok < 0) {
			rc = ok;
			goto done;
		}
	}
	/* someone who merely knows a number cannot write into a stranger's ticket */
	rc = ok ? pl_comment(&in, ticket, how) : pl_new_ticket(&in, ticket);
done:
	mail_clear(&in.m);
	return rc;
}

/*
 * A mail the rules could not store (a database constraint or bug): keep
 * its raw bytes as a failed mail so nothing is lost. When even that fails
 * the mail is not stored (the caller keeps it elsewhere).
 */
static int
keep_failed(struct pipeline *pl, struct pipeline_mail *pm, time_t now)
{
	struct db_mail row;
	char why[300], *id;
	int rc;

	snprintf(why, sizeof(why), "not taken in: %s", db_errmsg(pl->db));
	log_warnx("mail %s%u: %s", pm->uid != 0 ? "UID " : "", pm->uid, why);
	pm->outcome = PL_FAILED;
	pm->ticket = 0;
	pm->stored = 0;
	id = mime_hash_id(pm->raw, pm->len);
	memset(&row, 0, sizeof(row));
	row.message_id = id;
	row.received_at = now;
	row.source = pl->source;
	row.uidvalidity = pm->uid != 0 ? pl->uidvalidity : 0;
	row.uid = pm->uid;
	row.raw = pm->raw;
	row.len = pm->len;
	row.disposition = "failed";
	row.note = why;
	if ((rc = db_savepoint(pl->db)) == DB_OK) {
		rc = db_mail_add(pl->db, &row, NULL);
		if (rc == DB_OK)
			rc = db_release(pl->db);
		else
			db_rollback_savepoint(pl->db);
	}
	free(id);
	pm->stored = rc == DB_OK;
	return rc == DB_TEMP ? DB_TEMP : DB_OK;
}

int
pipeline_run(struct pipeline *pl, struct pipeline_mail *mails, size_t n,
    time_t now)
{
	size_t i;
	int rc;

	if ((rc = db_begin(pl->db)) != DB_OK) {
		log_warnx("database: %s", db_errmsg(pl->db));
		return rc;
	}
	for (i = 0; i < n; i++) {
		if ((rc = db_savepoint(pl->db)) != DB_OK)
			goto fail;
		rc = take(pl, &mails[i], now);
		if (rc == DB_TEMP) {
			db_rollback_savepoint(pl->db);
			goto fail;
		}
		if (rc != DB_OK) {
			db_rollback_savepoint(pl->db);
			rc = keep_failed(pl, &mails[i], now);
			if (rc == DB_TEMP)
				goto fail;
			continue;
		}
		if ((rc = db_release(pl->db)) != DB_OK)
			goto fail;
	}
	if ((rc = db_commit(pl->db)) != DB_OK) {
		log_warnx("database commit: %s", db_errmsg(pl->db));
		return rc;
	}
	log_debug("database: %zu mail(s) committed", n);
	for (i = 0; i < n; i++)
		metrics_mail((int)mails[i].outcome);
	return DB_OK;
fail:
	log_warnx("database: %s; the batch is left in the mailbox",
	    db_errmsg(pl->db));
	db_rollback(pl->db);
	return rc;
}

/* Replay email's pending requests of kind into tickets (in a transaction). */
int
pl_release_requests(struct pipeline *pl, const char *email, const char *kind,
    time_t now, size_t *np)
{
	struct pipeline_mail pm;
	long long *mails, keep = pl->replay_mail;
	size_t n, i;
	char *raw;
	int rc;

	*np = 0;
	if ((rc = db_access_pending(pl->db, email, kind, &mails, &n)) != DB_OK)
		return rc;
	for (i = 0; i < n && rc == DB_OK; i++) {
		memset(&pm, 0, sizeof(pm));
		rc = db_mail_raw(pl->db, mails[i], &raw, &pm.len);
		if (rc != 0) {
			rc = rc == 1 ? DB_PERM : rc;
			break;
		}
		pm.raw = raw;
		pl->replay_mail = mails[i];
		rc = take(pl, &pm, now);
		pl->replay_mail = keep;
		if (rc == DB_OK)
			rc = db_access_granted(pl->db, mails[i], pm.ticket, now);
		if (rc == DB_OK && pm.ticket != 0)
			(*np)++;
		free(raw);
	}
	free(mails);
	return rc;
}

/* Turn email's waiting access requests into tickets (inside a transaction). */
int
pl_grant_requests(struct pipeline *pl, const char *email, time_t now,
    size_t *np)
{
	int rc;

	*np = 0;
	if ((rc = db_user_grant(pl->db, email, now)) != DB_OK)
		return rc;
	return pl_release_requests(pl, email, "access", now, np);
}

/* One of the two in its own transaction. */
static int
replay(struct pipeline *pl, const char *email, int grant, time_t now,
    size_t *np)
{
	int rc;

	if ((rc = db_begin(pl->db)) != DB_OK)
		return rc;
	rc = grant ? pl_grant_requests(pl, email, now, np) :
	    pl_release_requests(pl, email, "flood", now, np);
	if (rc != DB_OK) {
		db_rollback(pl->db);
		return rc;
	}
	return db_commit(pl->db);
}

int
pipeline_grant(struct pipeline *pl, const char *email, time_t now, size_t *np)
{
	return replay(pl, email, 1, now, np);
}

int
pipeline_release(struct pipeline *pl, const char *email, time_t now,
    size_t *np)
{
	return replay(pl, email, 0, now, np);
}
