/*
 * mime_report.c — delivery status and disposition notifications
 * (RFC 3464, RFC 8098) and bounces: the failed recipient, the action, and
 * the Message-ID of the returned mail, from the report's fields, its
 * text/rfc822-headers or message/rfc822 part, or failing those the
 * "Message-ID:" line a plain-text bounce quotes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "limits.h"
#include "mail.h"
#include "mime_impl.h"
#include "xmalloc.h"

#define MAX_DSN_BLOCKS	1000	/* field blocks read from a delivery-status */

/* The address of "rfc822; addr" (a DSN recipient field). */
static char *
dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *t, *a;

	t = mime_one_line(xstrdup(semi != NULL ? semi + 1 : v), LIMIT_ADDR_BYTES * 2);
	a = mime_clean_addr(t);
	free(t);
	return a;
}

/* The first word of an Action field, lower-case: "failed". */
static char *
dsn_action(const char *v)
{
	char w[33];
	size_t n = 0;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	while (n < sizeof(w) - 1 && isalpha((unsigned char)*v))
		w[n++] = (char)tolower((unsigned char)*v++);
	w[n] = '\0';
	return n > 0 ? xstrdup(w) : NULL;
}

/* An id written <id> (or bare) in a header-like field: clean, or NULL. */
static char *
bracket_id(const char *v)
{
	const char *lt, *gt;
	char *t, *id;

	if ((lt = strchr(v, '<')) != NULL && (gt = strchr(lt, '>')) != NULL)
		t = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		t = mime_one_line(xstrdup(v), LIMIT_MSGID_BYTES + 1);
	id = mime_clean_msgid(t);
	free(t);
	return id;
}

/* One block of DSN fields (per message, or per recipient). */
static void
dsn_block(struct walk *w, const struct mailimf_fields *fields)
{
	const struct mailimf_optional_field *of;
	const struct mailimf_field *f;
	clistiter *it;
	char *fin = NULL, *orig = NULL, *act = NULL;

	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD ||
		    (of = f->fld_data.fld_optional_field) == NULL ||
		    of->fld_name == NULL || of->fld_value == NULL)
			continue;
		if (strcasecmp(of->fld_name, "Final-Recipient") == 0 && fin == NULL)
			fin = dsn_addr(of->fld_value);
		else if (strcasecmp(of->fld_name, "Original-Recipient") == 0 &&
		    orig == NULL)
			orig = dsn_addr(of->fld_value);
		else if (strcasecmp(of->fld_name, "Action") == 0 && act == NULL)
			act = dsn_action(of->fld_value);
		else if (strcasecmp(of->fld_name, "Original-Message-ID") == 0 &&
		    w->m->report_msgid == NULL)
			w->m->report_msgid = bracket_id(of->fld_value);
	}
	/* the first recipient block is the one that counts */
	if (!w->rcpt_done && (fin != NULL || orig != NULL || act != NULL)) {
		w->rcpt_done = 1;
		w->m->report_rcpt = fin != NULL ? fin : orig;
		w->m->report_action = act;
		if (fin != NULL)
			free(orig);
		return;
	}
	free(fin);
	free(orig);
	free(act);
}

/*
 * message/delivery-status (and an MDN's message/disposition-notification):
 * blocks of header-like fields separated by blank lines, each read with
 * libetpan's field parser. A missing blank line just makes one block.
 */
void
mime_walk_dsn(struct walk *w, const struct mailmime *mm, int dsn)
{
	struct mailimf_fields *fields;
	size_t len, idx = 0, before;
	char *raw, *nl;
	int blocks = 0;

	if (w->dsn_done)
		return;
	w->dsn_done = 1;
	if ((raw = mime_part_bytes_crlf(mm, &len)) == NULL)
		return;
	while (idx < len && blocks++ < MAX_DSN_BLOCKS) {
		before = idx;
		fields = NULL;
		if (mailimf_optional_fields_parse(raw, len, &idx, &fields) ==
		    MAILIMF_NO_ERROR && fields != NULL) {
			if (dsn && fields->fld_list != NULL &&
			    clist_begin(fields->fld_list) != NULL)
				w->m->flags |= MAIL_F_REPORT_DSN;
			dsn_block(w, fields);
		}
		if (fields != NULL)
			mailimf_fields_free(fields);
		if (idx <= before || idx > len) {
			/* not a field: skip the line */
			nl = memchr(raw + before, '\n', len - before);
			idx = nl != NULL ? (size_t)(nl - raw) + 1 : len;
		}
		while (idx < len && (raw[idx] == '\r' || raw[idx] == '\n' ||
		    raw[idx] == ' ' || raw[idx] == '\t'))
			idx++;
	}
	free(raw);
}

char *
mime_fields_msgid(const struct mailimf_fields *fields)
{
	clistiter *it;
	const struct mailimf_field *f;

	if (fields == NULL || fields->fld_list == NULL)
		return NULL;
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILIMF_FIELD_MESSAGE_ID &&
		    f->fld_data.fld_message_id != NULL)
			return mime_clean_msgid(f->fld_data.fld_message_id->mid_value);
	}
	return NULL;
}

/* text/rfc822-headers of a report: the returned mail's Message-ID. */
void
mime_walk_headers_part(struct walk *w, const struct mailmime *mm)
{
	struct mailimf_fields *fields = NULL;
	size_t len, idx = 0;
	char *raw;

	if (!w->bounce || w->m->report_msgid != NULL ||
	    (raw = mime_part_bytes_crlf(mm, &len)) == NULL)
		return;
	/* the parser libetpan uses for a mail's own header (the full one leaks) */
	if (mailimf_envelope_and_optional_fields_parse(raw, len, &idx,
	    &fields) == MAILIMF_NO_ERROR && fields != NULL)
		w->m->report_msgid = mime_fields_msgid(fields);
	if (fields != NULL)
		mailimf_fields_free(fields);
	free(raw);
}

/*
 * A bounce that is no multipart/report quotes the original headers in its
 * text: the first "Message-ID: <id>" line (after any > or spaces) gives
 * the id. VIOLATIONS.md.
 */
char *
mime_quoted_msgid(const char *body)
{
	const char *p = body, *q, *e;
	char *t, *id;

	while (p != NULL && *p != '\0') {
		for (q = p; *q == ' ' || *q == '\t' || *q == '>'; q++)
			;
		if (strncasecmp(q, "message-id:", 11) == 0) {
			for (q += 11; *q == ' ' || *q == '\t' || *q == '\r' ||
			    *q == '\n'; q++)
				;
			for (e = q; *e != '\0' && *e != '\r' && *e != '\n' &&
			    e - q <= LIMIT_MSGID_BYTES + 2; e++)
				;
			t = xstrndup(q, (size_t)(e - q));
			id = bracket_id(t);
			free(t);
			if (id != NULL && strchr(id, '@') != NULL)
				return id;
			free(id);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* From MAILER-DAEMON, postmaster and the like, or Return-Path <>. */
int
mime_looks_like_bounce(const struct mail *m)
{
	static const char *const daemons[] = {
		"mailer-daemon", "mailer_daemon", "maildaemon", "mail-daemon",
		"postmaster", "mail.delivery.system", "mail_delivery_system",
		"mdaemon", "double-bounce",
	};
	const char *at;
	size_t i, n;

	if (m->return_path != NULL && m->return_path[0] == '\0')
		return 1;
	if (m->from_addr == NULL || (at = strrchr(m->from_addr, '@')) == NULL)
		return 0;
	n = (size_t)(at - m->from_addr);
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		if (strlen(daemons[i]) == n &&
		    strncasecmp(m->from_addr, daemons[i], n) == 0)
			return 1;
	return 0;
}
