/*
 * pipeline.c — parse → classify → thread → rules → database, one
 * transaction per batch and a savepoint per mail, so one odd mail never
 * costs the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mail.h"
#include "mime.h"
#include "notice.h"
#include "pipeline.h"
#include "quote.h"
#include "rules.h"
#include "template.h"
#include "thread.h"
#include "xmalloc.h"

#define HOUR	3600

int
pipeline_init(struct pipeline *pl, const struct config *cfg, struct db *db,
    const char *source, char *err, size_t errsz)
{
	memset(pl, 0, sizeof(*pl));
	pl->cfg = cfg;
	pl->db = db;
	pl->source = source;
	pl->tpl_ack = template_load(cfg->helpdesk.templates, "ack", err, errsz);
	return pl->tpl_ack == NULL ? -1 : 0;
}

void
pipeline_clear(struct pipeline *pl)
{
	free(pl->tpl_ack);
	pl->tpl_ack = NULL;
}

/* One mail on its way through take(). */
struct intake {
	struct pipeline		*pl;
	struct pipeline_mail	*pm;
	struct mail		 m;
	struct db_mail		 row;
	time_t			 now;
	long long		 sender;	/* people.id */
	long long		 mail_id;	/* mails.id once stored */
	char			 vis[128];	/* the Message-ID, for logs */
};

/*
 * May a notice go to rcpt now? Not while their address bounces, and not
 * more than max_notices_per_hour to one address (two robots that slipped
 * past the auto-reply checks cannot answer each other for ever).
 */
static int
notice_allowed(struct pipeline *pl, const char *rcpt, long long ticket,
    time_t now)
{
	int rc, count = 0;

	rc = db_person_bouncing(pl->db, rcpt);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		log_info("ticket #%lld: no notice to %s: their address bounces",
		    ticket, rcpt);
		return 0;
	}
	if ((rc = db_notice_count(pl->db, rcpt, now - HOUR, &count)) != DB_OK)
		return rc;
	if (count >= pl->cfg->helpdesk.max_notices_per_hour) {
		log_warnx("ticket #%lld: no notice to %s: %d notices in the last "
		    "hour (max_notices_per_hour)", ticket, rcpt, count);
		return db_event_add(pl->db, ticket, 0, "notice-suppressed",
		    rcpt, now) == DB_OK ? 0 : DB_TEMP;
	}
	return 1;
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

/* Render, compose and queue the acknowledgement of a new ticket. */
static int
queue_ack(struct intake *in, long long number, const char *title,
    long long linked)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	const struct mail *m = &in->m;
	struct template_var vars[9];
	struct notice n;
	char num[32], err[256], *text, *html, *subject, *reply_to, *msgid, *msg;
	char *dropped, *dropped_note = NULL, *linked_note = NULL;
	const char *refs[1];
	size_t len;
	int rc;

	if ((rc = notice_allowed(pl, m->from_addr, number, in->now)) != 1)
		return rc;
	dropped = dropped_list(m);
	if (dropped != NULL)
		dropped_note = xasprintf("These attachments were larger than "
		    "the desk accepts (%lld bytes each) and were not kept: %s. "
		    "Please send them another way, or smaller.",
		    cfg->helpdesk.max_attachment_bytes, dropped);
	if (linked != 0)
		linked_note = xasprintf("You wrote about ticket #%lld, which is "
		    "not yours, so this is a new ticket; it refers to #%lld.",
		    linked, linked);
	snprintf(num, sizeof(num), "%lld", number);
	vars[0] = (struct template_var){ "number", num };
	vars[1] = (struct template_var){ "subject", title };
	vars[2] = (struct template_var){ "requester_name",
	    m->from_name != NULL && *m->from_name != '\0' ?
	    m->from_name : m->from_addr };
	vars[3] = (struct template_var){ "requester", m->from_addr };
	vars[4] = (struct template_var){ "tag", cfg->helpdesk.tag };
	vars[5] = (struct template_var){ "desk_name", cfg->helpdesk.name };
	vars[6] = (struct template_var){ "desk", cfg->helpdesk.address };
	vars[7] = (struct template_var){ "dropped_note", dropped_note };
	vars[8] = (struct template_var){ "linked_note", linked_note };
	template_render(pl->tpl_ack, vars, 9, &text, &html);

	subject = rules_tagged_subject(cfg->helpdesk.tag, number, title);
	reply_to = rules_subaddress(cfg->helpdesk.address, number);
	msgid = notice_message_id(cfg->helpdesk.address);
	memset(&n, 0, sizeof(n));
	n.from_addr = cfg->helpdesk.address;
	n.from_name = cfg->helpdesk.name;
	n.to_addr = m->from_addr;
	n.to_name = m->from_name;
	n.reply_to = reply_to;
	n.subject = subject;
	n.message_id = msgid;
	if ((m->flags & MAIL_F_NO_MSGID) == 0) {
		n.in_reply_to = m->message_id;
		refs[0] = m->message_id;
		n.references = refs;
		n.nrefs = 1;
	}
	n.auto_submitted = "auto-replied";
	n.x_loop = cfg->helpdesk.address;
	n.text = text;
	n.html = html;
	n.date = in->now;
	msg = notice_compose(&n, &len, err, sizeof(err));
	if (msg == NULL) {
		/* only an address we cannot write into a header gets here */
		log_warnx("ticket #%lld: acknowledgement not queued: %s",
		    number, err);
		rc = DB_OK;
	} else {
		rc = db_outbox_add(pl->db, number, "ack", msgid,
		    cfg->smtp.from, m->from_addr, msg, len, in->now);
		if (rc == DB_OK)
			rc = db_msgid_add(pl->db, msgid, number);
	}
	free(msg);
	free(msgid);
	free(reply_to);
	free(subject);
	free(text);
	free(html);
	free(dropped);
	free(dropped_note);
	free(linked_note);
	return rc;
}

static int
store_mail(struct intake *in, const char *disposition, long long ticket,
    const char *note)
{
	in->row.disposition = disposition;
	in->row.ticket_number = ticket;
	in->row.note = note;
	return db_mail_add(in->pl->db, &in->row, &in->mail_id);
}

/* The mail's attachments and inline parts, on a ticket or a comment. */
static int
store_parts(struct intake *in, long long ticket, long long comment)
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

static int
new_ticket(struct intake *in, long long linked)
{
	struct pipeline *pl = in->pl;
	struct pipeline_mail *pm = in->pm;
	struct db_ticket t;
	char *title, addr[128];
	int rc;

	title = thread_clean_subject(in->m.subject != NULL ? in->m.subject : "",
	    pl->cfg->helpdesk.tag);
	memset(&t, 0, sizeof(t));
	t.subject = title;
	t.body = in->m.body != NULL ? in->m.body : "";
	t.requester_id = in->sender;
	t.priority = "low";
	t.created_at = in->now;
	if ((rc = db_ticket_add(pl->db, &t, &pm->ticket)) != DB_OK)
		goto done;
	if (linked != 0 &&
	    (rc = db_ticket_link(pl->db, pm->ticket, linked)) != DB_OK)
		goto done;
	if ((rc = store_mail(in, "ticket", pm->ticket,
	    (in->m.flags & (MAIL_F_MIME_ERROR | MAIL_F_CHARSET_ERROR |
	    MAIL_F_TRUNCATED | MAIL_F_NOHEADERS)) ? "read in part: the mail "
	    "was malformed or too long; the raw mail is kept" : NULL)) != DB_OK ||
	    (rc = store_parts(in, pm->ticket, 0)) != DB_OK ||
	    (rc = db_participant_add(pl->db, pm->ticket, in->sender,
	    "requester", in->now)) != DB_OK ||
	    (rc = add_cc(in, pm->ticket)) != DB_OK ||
	    (rc = db_event_add(pl->db, pm->ticket, in->sender, "created",
	    linked != 0 ? "linked to another ticket" : NULL, in->now)) != DB_OK)
		goto done;
	if ((in->m.flags & MAIL_F_NO_MSGID) == 0 &&
	    (rc = db_msgid_add(pl->db, in->m.message_id, pm->ticket)) != DB_OK)
		goto done;
	if ((rc = queue_ack(in, pm->ticket, title, linked)) != DB_OK)
		goto done;
	pm->outcome = PL_TICKET;
	pm->stored = 1;
	log_info("ticket #%lld created for %s%s, Message-ID <%s>", pm->ticket,
	    log_vis(addr, sizeof(addr), in->m.from_addr),
	    linked != 0 ? " (a stranger's reply to another ticket)" : "",
	    in->vis);
done:
	free(title);
	return rc;
}

static int
comment(struct intake *in, long long ticket, const char *how)
{
	struct pipeline *pl = in->pl;
	struct db_comment c;
	char *body, addr[128];
	long long id;
	int rc;

	body = quote_strip(in->m.body != NULL ? in->m.body : "",
	    in->m.body != NULL ? strlen(in->m.body) : 0);
	if ((rc = store_mail(in, "ticket", ticket, NULL)) != DB_OK)
		goto done;
	memset(&c, 0, sizeof(c));
	c.ticket_number = ticket;
	c.author_id = in->sender;
	c.mail_id = in->mail_id;
	c.body = body;
	c.full_body = in->m.body != NULL ? in->m.body : "";
	c.created_at = in->now;
	if ((rc = db_comment_add(pl->db, &c, &id)) != DB_OK ||
	    (rc = store_parts(in, ticket, id)) != DB_OK ||
	    (rc = add_cc(in, ticket)) != DB_OK ||
	    (rc = db_ticket_touch(pl->db, ticket, in->now)) != DB_OK ||
	    (rc = db_event_add(pl->db, ticket, in->sender, "commented", how,
	    in->now)) != DB_OK)
		goto done;
	if ((in->m.flags & MAIL_F_NO_MSGID) == 0 &&
	    (rc = db_msgid_add(pl->db, in->m.message_id, ticket)) != DB_OK)
		goto done;
	in->pm->ticket = ticket;
	in->pm->outcome = PL_COMMENT;
	in->pm->stored = 1;
	log_info("ticket #%lld: comment from %s (by %s), Message-ID <%s>",
	    ticket, log_vis(addr, sizeof(addr), in->m.from_addr), how, in->vis);
done:
	free(body);
	return rc;
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
	rc = store_mail(in, "ignored", ticket, note);
	if (rc == DB_OK) {
		in->pm->outcome = PL_IGNORED;
		in->pm->stored = 1;
		log_info("mail not made a ticket (%s), Message-ID <%s>", why,
		    in->vis);
	}
	return rc;
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
	known = db_mail_known(pl->db, in.m.message_id);
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

	v = rules_classify(pl->cfg, &in.m, prc, &why);
	if (v == RULES_LOOP) {
		rc = automatic(&in, why);
		goto done;
	}
	if (v == RULES_FAILED) {
		rc = store_mail(&in, "failed", 0, why);
		pm->outcome = PL_FAILED;
		pm->stored = rc == DB_OK;
		log_info("mail not made a ticket (%s), Message-ID <%s>", why,
		    in.vis);
		goto done;
	}

	if ((rc = db_person_get(pl->db, in.m.from_addr, in.m.from_name, now,
	    &in.sender)) != DB_OK ||
	    (rc = db_person_set_bouncing(pl->db, in.m.from_addr, 0)) != DB_OK)
		goto done;
	rc = find_ticket(&in, &ticket, &trusted, &how);
	if (rc < 0)
		goto done;
	if (rc == 0) {
		rc = new_ticket(&in, 0);
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
		if (ok == 0)
			ok = db_person_is_admin(pl->db, in.sender);
		if (ok < 0) {
			rc = ok;
			goto done;
		}
	}
	/* someone who merely knows a number cannot write into a stranger's ticket */
	rc = ok ? comment(&in, ticket, how) : new_ticket(&in, ticket);
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
	return DB_OK;
fail:
	log_warnx("database: %s; the batch is left in the mailbox",
	    db_errmsg(pl->db));
	db_rollback(pl->db);
	return rc;
}
