/*
 * mime_header.c — a mail's header fields, as libetpan's IMF parser read
 * them, into struct mail: sender and recipient addresses (salvaged from the
 * raw text where the strict parser misread them), Subject, Message-ID,
 * In-Reply-To, References, Date and the fields that tell an automatic
 * reply or a loop (X-Loop, Auto-Submitted, Precedence, Return-Path…).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "charset.h"
#include "limits.h"
#include "mail.h"
#include "mime_impl.h"
#include "xmalloc.h"

#define MAX_REFS	100
#define MAX_RCPTS	LIMIT_RCPTS

/* ---- header values ---- */

/* Collapse all white space (and controls) to single spaces; trim. */
char *
mime_one_line(char *s, size_t max)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;
	int sp = 0;
	size_t cut;

	for (; *r != '\0'; r++) {
		if (*r < 0x20 || *r == 0x7f) {
			sp = 1;
			continue;
		}
		if (*r == ' ') {
			sp = 1;
			continue;
		}
		if (sp && w != (unsigned char *)s)
			*w++ = ' ';
		sp = 0;
		*w++ = *r;
	}
	*w = '\0';
	if (strlen(s) > max) {
		cut = max - 3;	/* room for "…" */
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(s + cut, "\xe2\x80\xa6", 4);
	}
	return s;
}

/* RFC 2047 decoding to UTF-8; raw 8-bit text read as UTF-8 or cp1252. */
char *
mime_decode_phrase(const char *raw, size_t max)
{
	char *dec = NULL, *s;
	size_t idx = 0;

	if (raw == NULL)
		return NULL;
	/* 8-bit header text: UTF-8 when valid (RFC 6532), else windows-1252 */
	if (mailmime_encoded_phrase_parse(charset_utf8_valid(raw, strlen(raw)) ?
	    "utf-8" : "windows-1252", raw, strlen(raw), &idx, "utf-8", &dec) ==
	    MAILIMF_NO_ERROR && dec != NULL) {
		s = charset_to_utf8(NULL, dec, strlen(dec), LIMIT_BODY_BYTES, NULL);
		free(dec);
	} else {
		free(dec);
		s = charset_to_utf8(NULL, raw, strlen(raw), LIMIT_BODY_BYTES, NULL);
	}
	return mime_one_line(s, max);
}

/* A plain addr-spec we are willing to store and answer, or NULL. */
char *
mime_clean_addr(const char *a)
{
	const unsigned char *p;
	char *s, *at;
	size_t len;

	if (a == NULL)
		return NULL;
	while (*a == ' ' || *a == '<')
		a++;
	len = strlen(a);
	while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '>'))
		len--;
	if (len == 0 || len > LIMIT_ADDR_BYTES)
		return NULL;
	for (p = (const unsigned char *)a; p < (const unsigned char *)a + len; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == '(' || *p == ')' || *p == ',' || *p == ';' ||
		    *p == '\\' || *p == '"')
			return NULL;
	s = xstrndup(a, len);
	at = strrchr(s, '@');
	if (at == NULL || at == s || at[1] == '\0') {
		free(s);
		return NULL;
	}
	for (at++; *at != '\0'; at++)
		*at = (char)tolower((unsigned char)*at);
	return s;
}

/* A Message-ID we can key on: printable, no spaces, not too long. */
char *
mime_clean_msgid(const char *id)
{
	const unsigned char *p;
	size_t len;

	if (id == NULL)
		return NULL;
	len = strlen(id);
	if (len == 0 || len > LIMIT_MSGID_BYTES)
		return NULL;
	for (p = (const unsigned char *)id; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>')
			return NULL;
	return xstrdup(id);
}

static time_t
date_of(const struct mailimf_date_time *d)
{
	struct tm tm;
	time_t t;
	int off;

	if (d == NULL || d->dt_year < 1970 || d->dt_year > 9999 ||
	    d->dt_month < 1 || d->dt_month > 12 || d->dt_day < 1 ||
	    d->dt_day > 31 || d->dt_hour < 0 || d->dt_hour > 23 ||
	    d->dt_min < 0 || d->dt_min > 59 || d->dt_sec < 0 || d->dt_sec > 60 ||
	    d->dt_zone < -9959 || d->dt_zone > 9959)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->dt_year - 1900;
	tm.tm_mon = d->dt_month - 1;
	tm.tm_mday = d->dt_day;
	tm.tm_hour = d->dt_hour;
	tm.tm_min = d->dt_min;
	tm.tm_sec = d->dt_sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	off = (d->dt_zone / 100) * 3600 + (d->dt_zone % 100) * 60;
	return t - off;
}

static void
take_mailbox(struct mail *m, const struct mailimf_mailbox *mb)
{
	if (mb == NULL || m->from_addr != NULL)
		return;
	m->from_addr = mime_clean_addr(mb->mb_addr_spec);
	if (m->from_addr != NULL && mb->mb_display_name != NULL) {
		free(m->from_name);
		m->from_name = mime_decode_phrase(mb->mb_display_name,
		    LIMIT_NAME_BYTES);
	}
}

static const struct mailimf_mailbox *
first_mailbox(const struct mailimf_address_list *al)
{
	clistiter *it;
	const struct mailimf_address *a;

	if (al == NULL || al->ad_list == NULL)
		return NULL;
	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		a = clist_content(it);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			return a->ad_data.ad_mailbox;
		if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
		    a->ad_data.ad_group->grp_mb_list != NULL &&
		    clist_begin(a->ad_data.ad_group->grp_mb_list->mb_list) != NULL)
			return clist_content(clist_begin(
			    a->ad_data.ad_group->grp_mb_list->mb_list));
	}
	return NULL;
}

/*
 * A From header libetpan could not parse (bare words with '@', stray
 * quotes): take "<addr>" if there is one, else the first word with '@'.
 * Listed in VIOLATIONS.md.
 */
static char *
salvage_addr(const char *v)
{
	const char *lt, *gt, *p, *q;

	if ((lt = strrchr(v, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		char *tmp = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		char *a = mime_clean_addr(tmp);

		free(tmp);
		if (a != NULL)
			return a;
	}
	for (p = v; *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == '"' || *p == ',')
			p++;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != ',' &&
		    *q != '"'; q++)
			;
		if (q > p && memchr(p, '@', (size_t)(q - p)) != NULL) {
			char *tmp = xstrndup(p, (size_t)(q - p));
			char *a = mime_clean_addr(tmp);

			free(tmp);
			if (a != NULL)
				return a;
		}
	}
	return NULL;
}

/* Return-Path: <addr> → addr; <> → "" (a bounce); junk → NULL. */
static char *
return_path(const char *v)
{
	const char *p = v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "<>", 2) == 0)
		return xstrdup("");
	return mime_clean_addr(p);
}

/* Case-insensitive: does hay contain needle? */
int
mime_contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * The unfolded value of the first header field called name in the raw
 * header block, or NULL. Only for salvaging what libetpan's strict parser
 * misread (VIOLATIONS.md); capped at LIMIT_ADDR_BYTES * 4.
 */
char *
mime_raw_field(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name), i = 0, j;
	struct buf b;

	while (i < len) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < len &&
		    p[i + 1] == '\n'))
			return NULL;	/* end of the header block */
		if (len - i > n && strncasecmp(p + i, name, n) == 0 &&
		    p[i + n] == ':')
			break;
		while (i < len && p[i] != '\n')
			i++;
		i++;
	}
	if (i >= len)
		return NULL;
	buf_init(&b, LIMIT_ADDR_BYTES * 4);
	for (j = i + n + 1; j < len; j++) {
		if (p[j] == '\r')
			continue;
		if (p[j] == '\n') {
			if (j + 1 < len && (p[j + 1] == ' ' || p[j + 1] == '\t'))
				continue;	/* folded */
			break;
		}
		if (buf_addch(&b, p[j]) == -1)
			break;
	}
	return buf_steal(&b, NULL);
}

/*
 * libetpan joins bare words into one address ("Jan Kowalski jan@x.it"
 * becomes "JanKowalskijan@x.it") and stops at an unquoted comma ("Doe,
 * John <john@x>"): when the address it found is not in the header as
 * written, take the address from the header text.
 */
void
mime_check_from(struct mail *m, const char *raw, size_t len)
{
	char *v, *a, *lt;

	if ((v = mime_raw_field(raw, len, "From")) == NULL)
		return;
	if (m->from_addr == NULL || !mime_contains_ci(v, m->from_addr)) {
		a = salvage_addr(v);
		if (a != NULL) {
			free(m->from_addr);
			m->from_addr = a;
			free(m->from_name);
			m->from_name = NULL;
			lt = strrchr(v, '<');
			if (lt != NULL && lt > v) {
				*lt = '\0';
				m->from_name = mime_decode_phrase(v, LIMIT_NAME_BYTES);
				if (m->from_name[0] == '\0') {
					free(m->from_name);
					m->from_name = NULL;
				}
			}
		}
	}
	free(v);
}

/* ---- recipients ---- */

/* Add addr (and its display name) to a list: cleaned, no duplicates. */
static void
add_rcpt(struct mail_addr **list, size_t *n, const char *spec,
    const char *display)
{
	char *a;
	size_t i;

	if (*n >= MAX_RCPTS || (a = mime_clean_addr(spec)) == NULL)
		return;
	if (!charset_utf8_valid(a, strlen(a))) {
		free(a);	/* raw 8-bit that is no UTF-8: not an address */
		return;
	}
	for (i = 0; i < *n; i++)
		if (strcasecmp((*list)[i].addr, a) == 0) {
			free(a);
			return;
		}
	if (*list == NULL)
		*list = xcalloc(MAX_RCPTS, sizeof(**list));
	(*list)[*n].addr = a;
	(*list)[*n].name = NULL;
	if (display != NULL) {
		(*list)[*n].name = mime_decode_phrase(display,
		    LIMIT_NAME_BYTES);
		if ((*list)[*n].name[0] == '\0') {
			free((*list)[*n].name);
			(*list)[*n].name = NULL;
		}
	}
	(*n)++;
}

/* Every mailbox of an address list, groups flattened. */
static void
add_rcpts(struct mail_addr **list, size_t *n, const struct mailimf_address_list *al)
{
	clistiter *it, *jt;
	const struct mailimf_address *a;
	const struct mailimf_mailbox *mb;
	const struct mailimf_group *g;

	if (al == NULL || al->ad_list == NULL)
		return;
	for (it = clist_begin(al->ad_list); it != NULL && *n < MAX_RCPTS;
	    it = clist_next(it)) {
		a = clist_content(it);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			mb = a->ad_data.ad_mailbox;
			add_rcpt(list, n, mb->mb_addr_spec, mb->mb_display_name);
			continue;
		}
		g = a->ad_data.ad_group;
		if (a->ad_type != MAILIMF_ADDRESS_GROUP || g == NULL ||
		    g->grp_mb_list == NULL)
			continue;
		for (jt = clist_begin(g->grp_mb_list->mb_list); jt != NULL &&
		    *n < MAX_RCPTS; jt = clist_next(jt)) {
			mb = clist_content(jt);
			add_rcpt(list, n, mb->mb_addr_spec, mb->mb_display_name);
		}
	}
}

/*
 * A To or Cc header libetpan could not parse (a stray comma, bare words):
 * each comma-separated piece outside quotes gives the address salvaged from
 * it, as for From (VIOLATIONS.md). At most MAX_RCPTS pieces are looked at.
 */
static void
salvage_rcpts(struct mail_addr **list, size_t *n, const char *v)
{
	const char *p, *start;
	char *piece, *a;
	int quoted = 0, angle = 0, pieces = 0;

	for (p = start = v; pieces < MAX_RCPTS * 4; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<')
			angle = 1;
		else if (*p == '>')
			angle = 0;
		if (*p != '\0' && (*p != ',' || quoted || angle))
			continue;
		pieces++;
		if (p - start > 0 && (size_t)(p - start) <= LIMIT_ADDR_BYTES * 4) {
			piece = xstrndup(start, (size_t)(p - start));
			if ((a = salvage_addr(piece)) != NULL) {
				add_rcpt(list, n, a, NULL);
				free(a);
			}
			free(piece);
		}
		if (*p == '\0')
			break;
		start = p + 1;
	}
}

void
mime_headers(struct mail *m, const struct mailimf_fields *fields)
{
	clistiter *it, *jt;
	const struct mailimf_field *f;
	const struct mailimf_mailbox *sender = NULL, *reply = NULL;
	const struct mailimf_optional_field *of;
	const char *bad_from = NULL;
	int nfrom = 0;

	if (fields == NULL || fields->fld_list == NULL ||
	    clist_begin(fields->fld_list) == NULL) {
		m->flags |= MAIL_F_NOHEADERS;
		return;
	}
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		switch (f->fld_type) {
		case MAILIMF_FIELD_FROM:
			if (++nfrom > 1)
				m->flags |= MAIL_F_MULTI_FROM;
			if (f->fld_data.fld_from != NULL &&
			    f->fld_data.fld_from->frm_mb_list != NULL &&
			    clist_count(f->fld_data.fld_from->frm_mb_list->mb_list)
			    > 1)
				m->flags |= MAIL_F_MULTI_FROM;
			if (m->from_addr == NULL && f->fld_data.fld_from != NULL &&
			    f->fld_data.fld_from->frm_mb_list != NULL &&
			    clist_begin(f->fld_data.fld_from->frm_mb_list->mb_list)
			    != NULL)
				take_mailbox(m, clist_content(clist_begin(
				    f->fld_data.fld_from->frm_mb_list->mb_list)));
			break;
		case MAILIMF_FIELD_SENDER:
			if (f->fld_data.fld_sender != NULL)
				sender = f->fld_data.fld_sender->snd_mb;
			break;
		case MAILIMF_FIELD_REPLY_TO:
			if (reply == NULL && f->fld_data.fld_reply_to != NULL)
				reply = first_mailbox(
				    f->fld_data.fld_reply_to->rt_addr_list);
			break;
		case MAILIMF_FIELD_SUBJECT:
			if (m->subject == NULL && f->fld_data.fld_subject != NULL)
				m->subject = mime_decode_phrase(
				    f->fld_data.fld_subject->sbj_value,
				    LIMIT_SUBJECT_BYTES);
			break;
		case MAILIMF_FIELD_MESSAGE_ID:
			if (m->message_id == NULL &&
			    f->fld_data.fld_message_id != NULL)
				m->message_id = mime_clean_msgid(
				    f->fld_data.fld_message_id->mid_value);
			break;
		case MAILIMF_FIELD_IN_REPLY_TO:
			if (m->in_reply_to == NULL &&
			    f->fld_data.fld_in_reply_to != NULL &&
			    f->fld_data.fld_in_reply_to->mid_list != NULL &&
			    clist_begin(f->fld_data.fld_in_reply_to->mid_list) != NULL)
				m->in_reply_to = mime_clean_msgid(clist_content(clist_begin(
				    f->fld_data.fld_in_reply_to->mid_list)));
			break;
		case MAILIMF_FIELD_REFERENCES:
			if (m->references != NULL ||
			    f->fld_data.fld_references == NULL ||
			    f->fld_data.fld_references->mid_list == NULL)
				break;
			m->references = xcalloc(MAX_REFS, sizeof(char *));
			for (jt = clist_begin(f->fld_data.fld_references->mid_list);
			    jt != NULL && m->nrefs < MAX_REFS; jt = clist_next(jt)) {
				char *id = mime_clean_msgid(clist_content(jt));

				if (id != NULL)
					m->references[m->nrefs++] = id;
			}
			break;
		case MAILIMF_FIELD_TO:
			if (f->fld_data.fld_to != NULL)
				add_rcpts(&m->to, &m->nto,
				    f->fld_data.fld_to->to_addr_list);
			break;
		case MAILIMF_FIELD_CC:
			if (f->fld_data.fld_cc != NULL)
				add_rcpts(&m->cc, &m->ncc,
				    f->fld_data.fld_cc->cc_addr_list);
			break;
		case MAILIMF_FIELD_ORIG_DATE:
			if (m->date == 0 && f->fld_data.fld_orig_date != NULL)
				m->date = date_of(
				    f->fld_data.fld_orig_date->dt_date_time);
			break;
		case MAILIMF_FIELD_RETURN_PATH:
			if (m->return_path == NULL &&
			    f->fld_data.fld_return_path != NULL) {
				const char *a = f->fld_data.fld_return_path->
				    ret_path->pt_addr_spec;

				m->return_path = a == NULL || *a == '\0' ?
				    xstrdup("") : mime_clean_addr(a);
			}
			break;
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			of = f->fld_data.fld_optional_field;
			if (of == NULL)
				break;
			if (strcasecmp(of->fld_name, "From") == 0)
				bad_from = of->fld_value;
			else if (strcasecmp(of->fld_name, "X-Loop") == 0 &&
			    m->x_loop == NULL)
				m->x_loop = mime_one_line(
				    xstrdup(of->fld_value), LIMIT_ADDR_BYTES);
			else if (strcasecmp(of->fld_name, "Return-Path") == 0 &&
			    m->return_path == NULL)
				m->return_path = return_path(of->fld_value);
			else if (strcasecmp(of->fld_name,
			    "Authentication-Results") == 0 &&
			    m->nauthres < LIMIT_AUTHRES_HEADERS) {
				if (m->authres == NULL)
					m->authres = xcalloc(LIMIT_AUTHRES_HEADERS,
					    sizeof(char *));
				m->authres[m->nauthres++] = xstrndup(of->fld_value,
				    strnlen(of->fld_value,
				    LIMIT_AUTHRES_BYTES + 1));
			} else if (strcasecmp(of->fld_name, "Auto-Submitted") == 0 &&
			    m->auto_submitted == NULL)
				m->auto_submitted = mime_one_line(xstrdup(of->fld_value),
				    LIMIT_NAME_BYTES);
			else if ((strcasecmp(of->fld_name, "Precedence") == 0 ||
			    strcasecmp(of->fld_name, "X-Precedence") == 0) &&
			    m->precedence == NULL)
				m->precedence = mime_one_line(
				    xstrdup(of->fld_value), LIMIT_NAME_BYTES);
			else if (strcasecmp(of->fld_name, "X-Autoreply") == 0 ||
			    strcasecmp(of->fld_name, "X-Autorespond") == 0 ||
			    strcasecmp(of->fld_name,
			    "X-Auto-Response-Suppress") == 0)
				m->flags |= MAIL_F_AUTOREPLY_HDR;
			else if (strcasecmp(of->fld_name, "Subject") == 0 &&
			    m->subject == NULL)
				m->subject = mime_decode_phrase(of->fld_value,
				    LIMIT_SUBJECT_BYTES);
			else if (strcasecmp(of->fld_name, "To") == 0)
				salvage_rcpts(&m->to, &m->nto, of->fld_value);
			else if (strcasecmp(of->fld_name, "Cc") == 0)
				salvage_rcpts(&m->cc, &m->ncc, of->fld_value);
			else if (strcasecmp(of->fld_name, "Delivered-To") == 0 ||
			    strcasecmp(of->fld_name, "X-Original-To") == 0 ||
			    strcasecmp(of->fld_name, "Envelope-To") == 0)
				salvage_rcpts(&m->delivered_to,
				    &m->ndelivered_to, of->fld_value);
			break;
		default:
			break;
		}
	}
	if (m->from_addr == NULL && bad_from != NULL)
		m->from_addr = salvage_addr(bad_from);
	if (m->from_addr == NULL)
		take_mailbox(m, sender);
	if (reply != NULL) {
		m->reply_to = mime_clean_addr(reply->mb_addr_spec);
		if (m->from_addr == NULL)
			take_mailbox(m, reply);
	}
}

char *
mime_fields_subject(const struct mailimf_fields *fields)
{
	clistiter *it;
	const struct mailimf_field *f;

	if (fields == NULL || fields->fld_list == NULL)
		return NULL;
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILIMF_FIELD_SUBJECT &&
		    f->fld_data.fld_subject != NULL)
			return mime_decode_phrase(
			    f->fld_data.fld_subject->sbj_value, 200);
	}
	return NULL;
}
