/*
 * pipeline.c — parse → classify → rules → database, one transaction per
 * batch and a savepoint per mail, so one odd mail never costs the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mail.h"
#include "mime.h"
#include "notice.h"
#include "pipeline.h"
#include "rules.h"
#include "template.h"
#include "xmalloc.h"

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

/* Render, compose and queue the acknowledgement of a new ticket. */
static int
queue_ack(struct pipeline *pl, const struct mail *m, long long number,
    const char *title, time_t now)
{
	const struct config *cfg = pl->cfg;
	struct template_var vars[7];
	struct notice n;
	char num[32], err[256], *text, *html, *subject, *reply_to, *msgid, *msg;
	const char *refs[1];
	size_t len;
	int rc;

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
	template_render(pl->tpl_ack, vars, 7, &text, &html);

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
	n.date = now;
	msg = notice_compose(&n, &len, err, sizeof(err));
	if (msg == NULL) {
		/* only an address we cannot write into a header gets here */
		log_warnx("ticket #%lld: acknowledgement not queued: %s",
		    number, err);
		rc = DB_OK;
	} else {
		rc = db_outbox_add(pl->db, number, "ack", msgid,
		    cfg->smtp.from, m->from_addr, msg, len, now);
		if (rc == DB_OK)
			rc = db_msgid_add(pl->db, msgid, number);
	}
	free(msg);
	free(msgid);
	free(reply_to);
	free(subject);
	free(text);
	free(html);
	return rc;
}

/* One mail inside the batch's transaction. DB_* result. */
static int
take(struct pipeline *pl, struct pipeline_mail *pm, time_t now)
{
	struct mail m;
	struct mime_opts opts;
	struct db_mail row;
	struct db_ticket t;
	enum rules_verdict v;
	const char *why;
	char *title = NULL, vis[128], addr[128];
	long long requester;
	int prc, rc, known;

	pm->ticket = 0;
	pm->stored = 0;
	opts.max_attachment_bytes = pl->cfg->helpdesk.max_attachment_bytes;
	prc = mime_parse(pm->raw, pm->len, &opts, &m);
	known = db_mail_known(pl->db, m.message_id);
	if (known < 0) {
		rc = known;
		goto done;
	}
	if (known > 0) {
		pm->stored = 1;
		pm->outcome = known == 2 ? PL_FAILED : PL_DUPLICATE;
		log_info("duplicate of a mail taken in before, Message-ID <%s>",
		    log_vis(vis, sizeof(vis), m.message_id));
		rc = DB_OK;
		goto done;
	}
	memset(&row, 0, sizeof(row));
	row.message_id = m.message_id;
	row.received_at = now;
	row.source = pl->source;
	row.uidvalidity = pm->uid != 0 ? pl->uidvalidity : 0;
	row.uid = pm->uid;
	row.from_addr = m.from_addr;
	row.from_name = m.from_name;
	row.subject = m.subject;
	row.raw = pm->raw;
	row.len = pm->len;

	v = rules_classify(pl->cfg, &m, prc, &why);
	if (v != RULES_TICKET) {
		pm->outcome = v == RULES_FAILED ? PL_FAILED : PL_IGNORED;
		row.disposition = v == RULES_FAILED ? "failed" : "ignored";
		row.note = why;
		rc = db_mail_add(pl->db, &row);
		pm->stored = rc == DB_OK;
		log_info("mail not made a ticket (%s), Message-ID <%s>", why,
		    log_vis(vis, sizeof(vis), m.message_id));
		goto done;
	}

	title = rules_title(&m);
	rc = db_person_get(pl->db, m.from_addr, m.from_name, now, &requester);
	if (rc != DB_OK)
		goto done;
	memset(&t, 0, sizeof(t));
	t.subject = title;
	t.body = m.body != NULL ? m.body : "";
	t.requester_id = requester;
	t.priority = "low";
	t.created_at = now;
	if ((rc = db_ticket_add(pl->db, &t, &pm->ticket)) != DB_OK)
		goto done;
	row.disposition = "ticket";
	row.ticket_number = pm->ticket;
	if (m.flags & (MAIL_F_MIME_ERROR | MAIL_F_CHARSET_ERROR |
	    MAIL_F_TRUNCATED | MAIL_F_NOHEADERS))
		row.note = "read in part: the mail was malformed or too long; "
		    "the raw mail is kept";
	if ((rc = db_mail_add(pl->db, &row)) != DB_OK ||
	    (rc = db_event_add(pl->db, pm->ticket, requester, "created", NULL,
	    now)) != DB_OK)
		goto done;
	if ((m.flags & MAIL_F_NO_MSGID) == 0 &&
	    (rc = db_msgid_add(pl->db, m.message_id, pm->ticket)) != DB_OK)
		goto done;
	if ((rc = queue_ack(pl, &m, pm->ticket, title, now)) != DB_OK)
		goto done;
	pm->outcome = PL_TICKET;
	pm->stored = 1;
	log_info("ticket #%lld created for %s, Message-ID <%s>", pm->ticket,
	    log_vis(addr, sizeof(addr), m.from_addr),
	    log_vis(vis, sizeof(vis), m.message_id));
done:
	free(title);
	mail_clear(&m);
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
		rc = db_mail_add(pl->db, &row);
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
