/*
 * mime.c — walk libetpan's MIME tree of a raw mail into our struct mail.
 * The only file that includes libetpan's MIME and IMF parsers.
 *
 * Tolerant by design: a header that does not parse is skipped, a part that
 * does not decode contributes what it can, and flags record what went wrong
 * (see VIOLATIONS.md). The raw bytes are always kept by the caller.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "charset.h"
#include "hash.h"
#include "html2text.h"
#include "limits.h"
#include "mime.h"
#include "rfc2231.h"
#include "tnef.h"
#include "xmalloc.h"

#define MAX_REFS	100
#define MAX_RCPTS	LIMIT_RCPTS
#define PAD		8	/* NUL bytes behind the parsed copy */

/* ---- header values ---- */

/* Collapse all white space (and controls) to single spaces; trim. */
static char *
one_line(char *s, size_t max)
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
static char *
decode_phrase(const char *raw, size_t max)
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
	return one_line(s, max);
}

/* A plain addr-spec we are willing to store and answer, or NULL. */
static char *
clean_addr(const char *a)
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
static char *
clean_msgid(const char *id)
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
	m->from_addr = clean_addr(mb->mb_addr_spec);
	if (m->from_addr != NULL && mb->mb_display_name != NULL) {
		free(m->from_name);
		m->from_name = decode_phrase(mb->mb_display_name,
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
		char *a = clean_addr(tmp);

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
			char *a = clean_addr(tmp);

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
	return clean_addr(p);
}

/* Case-insensitive: does hay contain needle? */
static int
contains_ci(const char *hay, const char *needle)
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
static char *
raw_field(const char *p, size_t len, const char *name)
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
static void
check_from(struct mail *m, const char *raw, size_t len)
{
	char *v, *a, *lt;

	if ((v = raw_field(raw, len, "From")) == NULL)
		return;
	if (m->from_addr == NULL || !contains_ci(v, m->from_addr)) {
		a = salvage_addr(v);
		if (a != NULL) {
			free(m->from_addr);
			m->from_addr = a;
			free(m->from_name);
			m->from_name = NULL;
			lt = strrchr(v, '<');
			if (lt != NULL && lt > v) {
				*lt = '\0';
				m->from_name = decode_phrase(v, LIMIT_NAME_BYTES);
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

	if (*n >= MAX_RCPTS || (a = clean_addr(spec)) == NULL)
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
		(*list)[*n].name = decode_phrase(display, LIMIT_NAME_BYTES);
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

static void
headers(struct mail *m, const struct mailimf_fields *fields)
{
	clistiter *it, *jt;
	const struct mailimf_field *f;
	const struct mailimf_mailbox *sender = NULL, *reply = NULL;
	const struct mailimf_optional_field *of;
	const char *bad_from = NULL;

	if (fields == NULL || fields->fld_list == NULL ||
	    clist_begin(fields->fld_list) == NULL) {
		m->flags |= MAIL_F_NOHEADERS;
		return;
	}
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		switch (f->fld_type) {
		case MAILIMF_FIELD_FROM:
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
				m->subject = decode_phrase(
				    f->fld_data.fld_subject->sbj_value,
				    LIMIT_SUBJECT_BYTES);
			break;
		case MAILIMF_FIELD_MESSAGE_ID:
			if (m->message_id == NULL &&
			    f->fld_data.fld_message_id != NULL)
				m->message_id = clean_msgid(
				    f->fld_data.fld_message_id->mid_value);
			break;
		case MAILIMF_FIELD_IN_REPLY_TO:
			if (m->in_reply_to == NULL &&
			    f->fld_data.fld_in_reply_to != NULL &&
			    f->fld_data.fld_in_reply_to->mid_list != NULL &&
			    clist_begin(f->fld_data.fld_in_reply_to->mid_list) != NULL)
				m->in_reply_to = clean_msgid(clist_content(clist_begin(
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
				char *id = clean_msgid(clist_content(jt));

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
				    xstrdup("") : clean_addr(a);
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
				m->x_loop = one_line(xstrdup(of->fld_value),
				    LIMIT_ADDR_BYTES);
			else if (strcasecmp(of->fld_name, "Return-Path") == 0 &&
			    m->return_path == NULL)
				m->return_path = return_path(of->fld_value);
			else if (strcasecmp(of->fld_name, "Auto-Submitted") == 0 &&
			    m->auto_submitted == NULL)
				m->auto_submitted = one_line(xstrdup(of->fld_value),
				    LIMIT_NAME_BYTES);
			else if ((strcasecmp(of->fld_name, "Precedence") == 0 ||
			    strcasecmp(of->fld_name, "X-Precedence") == 0) &&
			    m->precedence == NULL)
				m->precedence = one_line(xstrdup(of->fld_value),
				    LIMIT_NAME_BYTES);
			else if (strcasecmp(of->fld_name, "X-Autoreply") == 0 ||
			    strcasecmp(of->fld_name, "X-Autorespond") == 0 ||
			    strcasecmp(of->fld_name,
			    "X-Auto-Response-Suppress") == 0)
				m->flags |= MAIL_F_AUTOREPLY_HDR;
			else if (strcasecmp(of->fld_name, "Subject") == 0 &&
			    m->subject == NULL)
				m->subject = decode_phrase(of->fld_value,
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
		m->reply_to = clean_addr(reply->mb_addr_spec);
		if (m->from_addr == NULL)
			take_mailbox(m, reply);
	}
}

/* ---- nesting, capped before libetpan sees it ---- */

struct nest {
	const char	*b;	/* boundary, pointing into the mail */
	size_t		 blen;
	int		 msgs;	/* message/rfc822 levels opened in this part */
};

/* p[0..len) starts with pfx, case-insensitive. */
static int
ci_prefix(const char *p, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len >= n && strncasecmp(p, pfx, n) == 0;
}

static int
nest_depth(const struct nest *st, size_t nb, int top_msgs)
{
	size_t k;
	int d = top_msgs;

	for (k = 0; k < nb; k++)
		d += 1 + st[k].msgs;
	return d;
}

/* The boundary parameter in a Content-Type value v[0..len), or NULL. */
static const char *
find_boundary(const char *v, size_t len, size_t *blen)
{
	size_t i, j;
	char q;

	for (i = 0; i + 8 < len; i++) {
		if (!ci_prefix(v + i, len - i, "boundary") ||
		    (i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' &&
		    v[i - 1] != '\t' && v[i - 1] != '\n'))
			continue;
		for (j = i + 8; j < len && (v[j] == ' ' || v[j] == '\t'); j++)
			;
		if (j >= len || v[j] != '=')
			continue;
		for (j++; j < len && (v[j] == ' ' || v[j] == '\t'); j++)
			;
		q = j < len && v[j] == '"' ? '"' : '\0';
		if (q != '\0')
			j++;
		for (i = j; i < len && (q != '\0' ? v[i] != '"' : (v[i] != ';' &&
		    v[i] != ' ' && v[i] != '\t')) && v[i] != '\r' && v[i] != '\n';
		    i++)
			;
		*blen = i - j;
		return *blen > 0 ? v + j : NULL;
	}
	return NULL;
}

/*
 * libetpan's parser recurses once per nesting level (some 30,000 nested
 * message/rfc822 parts overflow an 8 MB stack) and scans the rest of the
 * mail again for each nested multipart (10,000 levels take seconds). So,
 * before it sees a mail, the nesting is estimated in one pass from the
 * Content-Type lines and the boundary delimiters, and the mail is cut at
 * the start of the line that would open a level deeper than budget. A
 * Content-Type line quoted in a text only makes the estimate higher.
 * Returns the length to parse (VIOLATIONS.md).
 */
static size_t
depth_cut(const char *p, size_t len, int budget)
{
	struct nest st[LIMIT_MIME_DEPTH + 2];
	const char *nl, *v, *b;
	size_t i = 0, e, k, hend, vlen, blen, nb = 0;
	int top_msgs = 0;

	while (i < len) {
		nl = memchr(p + i, '\n', len - i);
		e = nl != NULL ? (size_t)(nl - p) : len;
		if (nb > 0 && e - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
			for (k = nb; k-- > 0;) {
				if (e - i - 2 < st[k].blen ||
				    memcmp(p + i + 2, st[k].b, st[k].blen) != 0)
					continue;
				if (e - i - 2 - st[k].blen >= 2 &&
				    p[i + 2 + st[k].blen] == '-' &&
				    p[i + 3 + st[k].blen] == '-')
					nb = k;		/* closed */
				else {
					nb = k + 1;	/* its next part */
					st[k].msgs = 0;
				}
				break;
			}
		} else if (ci_prefix(p + i, e - i, "content-type:")) {
			/* the field with its continuation lines */
			for (hend = e; hend + 1 < len && (p[hend + 1] == ' ' ||
			    p[hend + 1] == '\t');) {
				nl = memchr(p + hend + 1, '\n', len - hend - 1);
				hend = nl != NULL ? (size_t)(nl - p) : len;
			}
			v = p + i + 13;
			vlen = hend - (i + 13);
			while (vlen > 0 && (*v == ' ' || *v == '\t' || *v == '\r' ||
			    *v == '\n')) {
				v++;
				vlen--;
			}
			if (ci_prefix(v, vlen, "multipart/") &&
			    (b = find_boundary(v, vlen, &blen)) != NULL) {
				if (nest_depth(st, nb, top_msgs) + 1 > budget ||
				    nb >= LIMIT_MIME_DEPTH + 1)
					return i;
				st[nb].b = b;
				st[nb].blen = blen;
				st[nb].msgs = 0;
				nb++;
			} else if (ci_prefix(v, vlen, "message/rfc822") ||
			    (ci_prefix(v, vlen, "message/global") &&
			    (vlen == 14 || v[14] != '-'))) {
				if (nest_depth(st, nb, top_msgs) + 1 > budget)
					return i;
				if (nb == 0)
					top_msgs++;
				else
					st[nb - 1].msgs++;
			}
			e = hend;
		}
		i = e + 1;
	}
	return len;
}

/* ---- walking the tree ---- */

#define W_BODY		0x01	/* text parts join the body */
#define W_FWD		0x02	/* inside a forwarded message/rfc822 */

#define MAX_HTML_REFS	LIMIT_HTML_REFS
#define MAX_REF_BYTES	1024	/* longest src= value looked at */
#define MAX_DSN_BLOCKS	1000	/* field blocks read from a delivery-status */
#define MAX_PARAMS	64	/* parameters of one part looked at */
#define NAME_BYTES	255	/* longest stored file name */
#define RAW_NAME_BYTES	(64 * 1024)	/* file name decoded before the cut */
#define HTML_REF_MAX	(8 * 1024 * 1024)	/* HTML scanned for src= */

#define FWD_MARKER	"---------- Forwarded message ----------"
#define TNEF_MARKER	"---------- Outlook (winmail.dat) text ----------"

struct walk {
	struct mail	*m;
	struct buf	*out;
	struct buf	 tnef;	/* text of winmail.dat bodies */
	size_t		 max_att;
	size_t		 partcap;
	char		**refs;	/* src= values of HTML parts */
	size_t		 nrefs;
	int		 parts;
	int		 bounce;	/* a report or a bounce: returned message id wanted */
	int		 dsn_done;
	int		 rcpt_done;
};

static int
is_type(const struct mailmime *mm, int discrete, const char *sub)
{
	const struct mailmime_content *ct = mm->mm_content_type;

	if (ct == NULL || ct->ct_type == NULL ||
	    ct->ct_type->tp_type != MAILMIME_TYPE_DISCRETE_TYPE ||
	    ct->ct_type->tp_data.tp_discrete_type->dt_type != discrete)
		return 0;
	return sub == NULL || (ct->ct_subtype != NULL &&
	    strcasecmp(ct->ct_subtype, sub) == 0);
}

static int
is_multipart(const struct mailmime *mm, const char *sub)
{
	const struct mailmime_content *ct = mm->mm_content_type;

	return mm->mm_type == MAILMIME_MULTIPLE && ct != NULL &&
	    ct->ct_subtype != NULL && strcasecmp(ct->ct_subtype, sub) == 0;
}

/* The value of a Content-Type parameter, or NULL. */
static const char *
ct_param(const struct mailmime_content *ct, const char *name)
{
	clistiter *it;
	const struct mailmime_parameter *pa;

	if (ct == NULL || ct->ct_parameters == NULL)
		return NULL;
	for (it = clist_begin(ct->ct_parameters); it != NULL; it = clist_next(it)) {
		pa = clist_content(it);
		if (pa->pa_name != NULL && strcasecmp(pa->pa_name, name) == 0)
			return pa->pa_value;
	}
	return NULL;
}

static const struct mailmime_disposition *
disposition(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime_field *f;

	if (mm->mm_mime_fields == NULL)
		return NULL;
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION &&
		    f->fld_data.fld_disposition != NULL)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

/* MAILMIME_DISPOSITION_TYPE_*, or -1 when there is no disposition. */
static int
disposition_type(const struct mailmime *mm)
{
	const struct mailmime_disposition *d = disposition(mm);

	if (d == NULL || d->dsp_type == NULL)
		return -1;
	return d->dsp_type->dsp_type;
}

/* The Content-ID without <>, when it is one we can match; else NULL. */
static char *
part_cid(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime_field *f;
	const char *id;
	size_t len;
	char *tmp, *res;

	if (mm->mm_mime_fields == NULL)
		return NULL;
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILMIME_FIELD_ID || f->fld_data.fld_id == NULL)
			continue;
		id = f->fld_data.fld_id;
		while (*id == ' ' || *id == '\t' || *id == '<')
			id++;
		len = strlen(id);
		while (len > 0 && (id[len - 1] == ' ' || id[len - 1] == '\t' ||
		    id[len - 1] == '>'))
			len--;
		tmp = xstrndup(id, len);
		res = clean_msgid(tmp);
		free(tmp);
		return res;
	}
	return NULL;
}

/* "type/subtype" as declared, lower-case; application/octet-stream else. */
static char *
media_type(const struct mailmime_content *ct)
{
	const char *t = NULL;
	char *s, *q;
	int slash = 0;

	if (ct == NULL || ct->ct_type == NULL || ct->ct_subtype == NULL)
		return xstrdup("application/octet-stream");
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (ct->ct_type->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			t = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			t = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			t = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			t = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			t = "application";
			break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			t = ct->ct_type->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (ct->ct_type->tp_data.tp_composite_type != NULL) {
		switch (ct->ct_type->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			t = "message";
			break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			t = "multipart";
			break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			t = ct->ct_type->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	if (t == NULL || strlen(t) + strlen(ct->ct_subtype) > 126)
		return xstrdup("application/octet-stream");
	s = xasprintf("%s/%s", t, ct->ct_subtype);
	for (q = s; *q != '\0'; q++) {
		*q = (char)tolower((unsigned char)*q);
		if (*q == '/')
			slash++;
		else if (!isalnum((unsigned char)*q) &&
		    strchr("!#$&-^_.+", *q) == NULL)
			break;
	}
	if (*q != '\0' || slash != 1 || s[0] == '/' || q[-1] == '/') {
		free(s);
		return xstrdup("application/octet-stream");
	}
	return s;
}

/* ---- file names and types ---- */

static const struct {
	const char	*ext;
	const char	*type;
} exts[] = {
	{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
	{ "jpe", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
	{ "heic", "image/heic" }, { "heif", "image/heif" }, { "bmp", "image/bmp" },
	{ "tif", "image/tiff" }, { "tiff", "image/tiff" },
	{ "svg", "image/svg+xml" }, { "ico", "image/x-icon" },
	{ "pdf", "application/pdf" }, { "txt", "text/plain" },
	{ "log", "text/plain" }, { "csv", "text/csv" }, { "html", "text/html" },
	{ "htm", "text/html" }, { "ics", "text/calendar" }, { "vcf", "text/vcard" },
	{ "xml", "application/xml" }, { "json", "application/json" },
	{ "eml", "message/rfc822" }, { "msg", "application/vnd.ms-outlook" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "rtf", "application/rtf" }, { "zip", "application/zip" },
	{ "gz", "application/gzip" }, { "7z", "application/x-7z-compressed" },
	{ "rar", "application/vnd.rar" }, { "p7s", "application/pkcs7-signature" },
	{ "asc", "application/pgp-signature" }, { "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" }, { "mp4", "video/mp4" }, { "mov", "video/quicktime" },
};

/* The extension for a media type ("png"), or NULL. */
static const char *
ext_of_type(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcmp(exts[i].type, type) == 0)
			return exts[i].ext;
	return NULL;
}

/* The media type for a file name's extension, or NULL. */
static const char *
type_of_name(const char *name)
{
	const char *dot;
	size_t i;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL)
		return NULL;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(exts[i].ext, dot + 1) == 0)
			return exts[i].type;
	return NULL;
}

/* The image type the bytes' signature says, or NULL. */
static const char *
sniff_image(const char *data, size_t size)
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned dib;
	static const char *const heif[] = {
		"heic", "heix", "hevc", "hevx", "mif1", "msf1",
	};
	size_t i;

	if (p == NULL)
		return NULL;
	if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (size >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (size >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (size >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (size >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
		for (i = 0; i < sizeof(heif) / sizeof(heif[0]); i++)
			if (memcmp(p + 8, heif[i], 4) == 0)
				return "image/heic";
	/* "BM", and a DIB header size of a known version */
	if (size >= 26 && p[0] == 'B' && p[1] == 'M') {
		dib = (unsigned)p[14] | (unsigned)p[15] << 8 |
		    (unsigned)p[16] << 16 | (unsigned)p[17] << 24;
		if (dib == 12 || dib == 40 || dib == 52 || dib == 56 ||
		    dib == 64 || dib == 108 || dib == 124)
			return "image/bmp";
	}
	return NULL;
}

/* A media type for a file from a TNEF stream: declared, name, bytes. */
static char *
guess_type(const char *declared, const char *name, const char *data,
    size_t size)
{
	const char *t;
	char *s, *q;

	if (declared != NULL && strchr(declared, '/') != NULL &&
	    strlen(declared) < 128) {
		s = xstrdup(declared);
		for (q = s; *q != '\0'; q++) {
			*q = (char)tolower((unsigned char)*q);
			if (!isalnum((unsigned char)*q) &&
			    strchr("!#$&-^_.+/", *q) == NULL)
				break;
		}
		if (*q == '\0')
			return s;
		free(s);
	}
	if ((t = type_of_name(name)) != NULL)
		return xstrdup(t);
	if ((t = sniff_image(data, size)) != NULL)
		return xstrdup(t);
	if (data != NULL && size >= 5 && memcmp(data, "%PDF-", 5) == 0)
		return xstrdup("application/pdf");
	if (data != NULL && size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return xstrdup("application/zip");
	return xstrdup("application/octet-stream");
}

/* Bytes of a UTF-8 control or direction-changing character at p, or 0. */
static size_t
bad_char(const unsigned char *p)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;	/* C1 controls */
	if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8b && p[2] <= 0x8f) ||
	    (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;	/* zero width, LRM/RLM, embeddings, overrides */
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;	/* isolates */
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return 3;	/* BOM */
	return 0;
}

/*
 * A file name safe to show and store: no path, no controls or direction
 * overrides, no leading dots or spaces, at most NAME_BYTES at a UTF-8
 * boundary (the extension kept), never empty ("part-N.ext"). Takes name.
 */
static char *
clean_filename(char *name, const char *type, size_t n)
{
	const char *base, *ext;
	char *s, *w, *t;
	size_t len, keep, cut, b;

	if (name != NULL && !charset_utf8_valid(name, strlen(name))) {
		t = charset_to_utf8(NULL, name, strlen(name), RAW_NAME_BYTES, NULL);
		free(name);
		name = t;
	}
	s = NULL;
	if (name != NULL) {
		base = name;
		for (t = name; *t != '\0'; t++)
			if (*t == '/' || *t == '\\')
				base = t + 1;
		s = w = xmalloc(strlen(base) + 1);
		while (*base != '\0') {
			if ((b = bad_char((const unsigned char *)base)) > 0) {
				base += b;
				continue;
			}
			if (w == s && (*base == '.' || *base == ' ')) {
				base++;
				continue;
			}
			*w++ = *base++;
		}
		while (w > s && w[-1] == ' ')
			w--;
		*w = '\0';
		free(name);
		len = strlen(s);
		if (len > NAME_BYTES) {
			ext = strrchr(s, '.');
			keep = ext != NULL && strlen(ext) <= 16 ? strlen(ext) : 0;
			cut = NAME_BYTES - keep;
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
			if (keep > 0)
				memmove(s + cut, ext, keep + 1);
			else
				s[cut] = '\0';
		}
		if (s[0] != '\0')
			return s;
		free(s);
	}
	ext = ext_of_type(type);
	return xasprintf("part-%zu%s%s", n, ext != NULL ? "." : "",
	    ext != NULL ? ext : "");
}

/*
 * The file name of a part, decoded: filename (RFC 2231, else RFC 2047 or
 * raw 8-bit) from Content-Disposition, else name from Content-Type.
 * NULL when there is none.
 */
static char *
part_filename(const struct mailmime *mm)
{
	struct rfc2231_param pv[MAX_PARAMS];
	const struct mailmime_disposition *d = disposition(mm);
	const struct mailmime_disposition_parm *dp;
	const struct mailmime_parameter *pa;
	const char *plain_fn = NULL, *plain_name = NULL;
	clistiter *it;
	size_t n = 0;
	char *s;

	memset(pv, 0, sizeof(pv));
	if (d != NULL && d->dsp_parms != NULL)
		for (it = clist_begin(d->dsp_parms); it != NULL && n < MAX_PARAMS;
		    it = clist_next(it)) {
			dp = clist_content(it);
			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME) {
				if (plain_fn == NULL)
					plain_fn = dp->pa_data.pa_filename;
			} else if (dp->pa_type ==
			    MAILMIME_DISPOSITION_PARM_PARAMETER) {
				pv[n].name = dp->pa_data.pa_parameter->pa_name;
				pv[n++].value = dp->pa_data.pa_parameter->pa_value;
			}
		}
	if ((s = rfc2231_param(pv, n, "filename", RAW_NAME_BYTES, NULL)) != NULL &&
	    s[0] != '\0')
		return s;
	free(s);
	if (plain_fn != NULL && plain_fn[0] != '\0')
		return decode_phrase(plain_fn, RAW_NAME_BYTES);
	n = 0;
	if (mm->mm_content_type != NULL && mm->mm_content_type->ct_parameters)
		for (it = clist_begin(mm->mm_content_type->ct_parameters);
		    it != NULL && n < MAX_PARAMS; it = clist_next(it)) {
			pa = clist_content(it);
			pv[n].name = pa->pa_name;
			pv[n++].value = pa->pa_value;
			if (plain_name == NULL && pa->pa_name != NULL &&
			    strcasecmp(pa->pa_name, "name") == 0)
				plain_name = pa->pa_value;
		}
	if ((s = rfc2231_param(pv, n, "name", RAW_NAME_BYTES, NULL)) != NULL &&
	    s[0] != '\0')
		return s;
	free(s);
	if (plain_name != NULL && plain_name[0] != '\0')
		return decode_phrase(plain_name, RAW_NAME_BYTES);
	return NULL;
}

/*
 * Keep a part. Takes name, type, cid and data (data may be NULL only when
 * the caller already dropped it: size then says how big it was).
 */
static void
push_part(struct walk *w, char *name, char *type, char *cid, char *data,
    size_t size, int flags)
{
	struct mail *m = w->m;
	struct mail_part *pt;

	if (m->nparts >= LIMIT_MIME_PARTS) {
		m->flags |= MAIL_F_MIME_ERROR;
		free(name);
		free(type);
		free(cid);
		free(data);
		return;
	}
	if (m->nparts == w->partcap) {
		w->partcap = w->partcap == 0 ? 8 : w->partcap * 2;
		if (w->partcap > LIMIT_MIME_PARTS)
			w->partcap = LIMIT_MIME_PARTS;
		m->parts = xreallocarray(m->parts, w->partcap, sizeof(*m->parts));
	}
	pt = &m->parts[m->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->media_type = type;
	pt->content_id = cid;
	pt->size = size;
	pt->flags = flags;
	if (cid != NULL)
		pt->flags |= PART_F_INLINE;
	/*
	 * By the bytes; a declared image too short to judge counts, and so
	 * does one whose bytes are gone (a file dropped inside winmail.dat,
	 * typed by its name).
	 */
	if (sniff_image(data, size) != NULL || (strncmp(type, "image/", 6) == 0 &&
	    (data == NULL || size < 8)))
		pt->flags |= PART_F_IMAGE;
	pt->filename = clean_filename(name, type, m->nparts);
	if (size > w->max_att) {
		free(data);
		data = NULL;
		pt->flags |= PART_F_DROPPED;
		m->flags |= MAIL_F_DROPPED_PARTS;
	} else if (data == NULL)
		data = xstrdup("");
	pt->data = data;
}

/* ---- body text ---- */

static char *
data_bytes(const struct mailmime_data *d, int enc, size_t *len, int *flags)
{
	char *res = NULL, *copy;
	size_t idx = 0, rlen = 0;

	*len = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return NULL;
	if (!d->dt_encoded)
		return xstrndup(d->dt_data.dt_text.dt_data, *len =
		    d->dt_data.dt_text.dt_length);
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, enc, &res, &rlen) !=
	    MAILIMF_NO_ERROR || res == NULL) {
		*flags |= MAIL_F_MIME_ERROR;
		return xstrndup(d->dt_data.dt_text.dt_data, *len =
		    d->dt_data.dt_text.dt_length);
	}
	copy = xstrndup(res, rlen);
	*len = rlen;
	mmap_string_unref(res);
	return copy;
}

/* The decoded (transfer-encoding undone) bytes of a single part. */
static char *
part_bytes(const struct mailmime *mm, size_t *len, int *flags)
{
	return data_bytes(mm->mm_data.mm_single, mm->mm_mime_fields != NULL ?
	    mailmime_transfer_encoding_get(mm->mm_mime_fields) :
	    MAILMIME_MECHANISM_8BIT, len, flags);
}

/*
 * The decoded bytes with a line end added: libetpan's field parsers need
 * one after the last field, and a part's data ends without it.
 */
static char *
part_bytes_crlf(const struct mailmime *mm, size_t *len)
{
	char *raw, *res;
	int fl = 0;

	if ((raw = part_bytes(mm, len, &fl)) == NULL)
		return NULL;
	res = xmalloc(*len + 3);
	memcpy(res, raw, *len);
	memcpy(res + *len, "\r\n", 3);
	*len += 2;
	free(raw);
	return res;
}

/* One src= value of an HTML part (%XX decoded), kept when it may name a part. */
static void
add_ref(struct walk *w, const char *v, size_t len)
{
	char *r;
	size_t i, n = 0;
	int hi, lo;

	if (w->nrefs >= MAX_HTML_REFS || len == 0 || len > MAX_REF_BYTES)
		return;
	r = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (v[i] == '%' && i + 2 < len &&
		    (hi = isxdigit((unsigned char)v[i + 1]) ?
		    (isdigit((unsigned char)v[i + 1]) ? v[i + 1] - '0' :
		    (tolower((unsigned char)v[i + 1]) - 'a' + 10)) : -1) != -1 &&
		    isxdigit((unsigned char)v[i + 2])) {
			lo = isdigit((unsigned char)v[i + 2]) ? v[i + 2] - '0' :
			    tolower((unsigned char)v[i + 2]) - 'a' + 10;
			r[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			r[n++] = v[i];
	}
	r[n] = '\0';
	if (strncasecmp(r, "cid:", 4) == 0)
		memmove(r, r + 4, n - 3);
	else if (strpbrk(r, ":/\\") != NULL)
		r[0] = '\0';	/* a URL or a path: not a part of this mail */
	if (r[0] == '\0' || strchr(r, ' ') != NULL) {
		free(r);
		return;
	}
	if (w->refs == NULL)
		w->refs = xcalloc(MAX_HTML_REFS, sizeof(char *));
	w->refs[w->nrefs++] = r;
}

static void
ref_found(const char *value, void *arg)
{
	add_ref(arg, value, strlen(value));
}

/*
 * The src= (and background=) attribute values of an HTML text, read with
 * libxml2's HTML parser (html2text.c).
 */
static void
html_refs(struct walk *w, const char *h, size_t len)
{
	if (w->nrefs < MAX_HTML_REFS)
		html_image_refs(h, len, MAX_HTML_REFS - w->nrefs, ref_found, w);
}

static int
ref_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* PART_F_REFERENCED for each part the HTML named by cid: or bare name. */
static void
mark_refs(struct walk *w)
{
	struct mail_part *pt;
	const char *key;
	size_t i;

	if (w->nrefs == 0)
		return;
	qsort(w->refs, w->nrefs, sizeof(char *), ref_cmp);
	for (i = 0; i < w->m->nparts; i++) {
		pt = &w->m->parts[i];
		key = pt->content_id;
		if ((key != NULL && bsearch(&key, w->refs, w->nrefs,
		    sizeof(char *), ref_cmp) != NULL) ||
		    (key = pt->filename, bsearch(&key, w->refs, w->nrefs,
		    sizeof(char *), ref_cmp) != NULL))
			pt->flags |= PART_F_REFERENCED;
	}
}

/* Text of a text/plain or text/html part into the body (W_BODY). */
static void
add_text(struct walk *w, const struct mailmime *mm, int mode)
{
	char *raw, *utf8, *txt;
	size_t len, room;
	int cf = 0, html = is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html");

	if (!(mode & W_BODY) && !html)
		return;
	raw = part_bytes(mm, &len, &w->m->flags);
	if (raw == NULL)
		return;
	if (!(mode & W_BODY)) {
		/* an alternative not shown: only its references count */
		utf8 = charset_to_utf8(mailmime_content_charset_get(
		    mm->mm_content_type), raw, len, HTML_REF_MAX, NULL);
		free(raw);
		html_refs(w, utf8, strlen(utf8));
		free(utf8);
		return;
	}
	if (w->out->len > 0 && len > 0 && buf_addstr(w->out, "\n\n") == -1) {
		w->m->flags |= MAIL_F_TRUNCATED;
		free(raw);
		return;
	}
	room = w->out->max - w->out->len;
	utf8 = charset_to_utf8(mailmime_content_charset_get(mm->mm_content_type),
	    raw, len, html ? LIMIT_MAIL_BYTES_MAX : room, &cf);
	free(raw);
	if (html) {
		html_refs(w, utf8, strlen(utf8) < HTML_REF_MAX ? strlen(utf8) :
		    HTML_REF_MAX);
		txt = html2text(utf8, strlen(utf8), room);
		free(utf8);
		utf8 = txt;
	}
	if (cf & CHARSET_BAD)
		w->m->flags |= MAIL_F_CHARSET_ERROR;
	if (cf & CHARSET_TRUNC)
		w->m->flags |= MAIL_F_TRUNCATED;
	/* both conversions were capped at room, at a character boundary */
	if (buf_addstr(w->out, utf8) == -1)
		w->m->flags |= MAIL_F_TRUNCATED;
	free(utf8);
}

/* Only white space (or NULL). */
static int
blank_text(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Append s to b, cut at a UTF-8 boundary when it does not fit: -1 then. */
static int
add_cut(struct buf *b, const char *s)
{
	size_t n = strlen(s), room = b->max - b->len;

	if (n <= room)
		return buf_add(b, s, n);
	while (room > 0 && ((unsigned char)s[room] & 0xc0) == 0x80)
		room--;
	buf_add(b, s, room);
	return -1;
}

/* ---- reports ---- */

/* The address of "rfc822; addr" (a DSN recipient field). */
static char *
dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *t, *a;

	t = one_line(xstrdup(semi != NULL ? semi + 1 : v), LIMIT_ADDR_BYTES * 2);
	a = clean_addr(t);
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
		t = one_line(xstrdup(v), LIMIT_MSGID_BYTES + 1);
	id = clean_msgid(t);
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
static void
walk_dsn(struct walk *w, const struct mailmime *mm, int dsn)
{
	struct mailimf_fields *fields;
	size_t len, idx = 0, before;
	char *raw, *nl;
	int blocks = 0;

	if (w->dsn_done)
		return;
	w->dsn_done = 1;
	if ((raw = part_bytes_crlf(mm, &len)) == NULL)
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

static char *
fields_msgid(const struct mailimf_fields *fields)
{
	clistiter *it;
	const struct mailimf_field *f;

	if (fields == NULL || fields->fld_list == NULL)
		return NULL;
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILIMF_FIELD_MESSAGE_ID &&
		    f->fld_data.fld_message_id != NULL)
			return clean_msgid(f->fld_data.fld_message_id->mid_value);
	}
	return NULL;
}

static char *
fields_subject(const struct mailimf_fields *fields)
{
	clistiter *it;
	const struct mailimf_field *f;

	if (fields == NULL || fields->fld_list == NULL)
		return NULL;
	for (it = clist_begin(fields->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILIMF_FIELD_SUBJECT &&
		    f->fld_data.fld_subject != NULL)
			return decode_phrase(f->fld_data.fld_subject->sbj_value,
			    200);
	}
	return NULL;
}

/* text/rfc822-headers of a report: the returned mail's Message-ID. */
static void
walk_headers_part(struct walk *w, const struct mailmime *mm)
{
	struct mailimf_fields *fields = NULL;
	size_t len, idx = 0;
	char *raw;

	if (!w->bounce || w->m->report_msgid != NULL ||
	    (raw = part_bytes_crlf(mm, &len)) == NULL)
		return;
	/* the parser libetpan uses for a mail's own header (the full one leaks) */
	if (mailimf_envelope_and_optional_fields_parse(raw, len, &idx,
	    &fields) == MAILIMF_NO_ERROR && fields != NULL)
		w->m->report_msgid = fields_msgid(fields);
	if (fields != NULL)
		mailimf_fields_free(fields);
	free(raw);
}

/*
 * A bounce that is no multipart/report quotes the original headers in its
 * text: the first "Message-ID: <id>" line (after any > or spaces) gives
 * the id. VIOLATIONS.md.
 */
static char *
quoted_msgid(const char *body)
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
static int
looks_like_bounce(const struct mail *m)
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

/* ---- the walk ---- */

static void walk_part(struct walk *, const struct mailmime *, int depth,
    int mode);

/*
 * A message/rfc822 part: its text joins the body under a marker when it is
 * inline; its parts are PART_F_FORWARDED; as an attachment (or with a file
 * name) the .eml itself is kept too.
 */
static void
walk_message(struct walk *w, const struct mailmime *mm,
    const struct mailimf_fields *fields, const struct mailmime *inner,
    const char *raw, size_t rawlen, int depth, int mode)
{
	char *name, *subj, *p;
	int disp = disposition_type(mm);

	if (w->bounce && w->m->report_msgid == NULL)
		w->m->report_msgid = fields_msgid(fields);
	name = part_filename(mm);
	if (disp == MAILMIME_DISPOSITION_TYPE_ATTACHMENT || name != NULL) {
		if (name == NULL && (subj = fields_subject(fields)) != NULL) {
			/* a subject is no path: "a/b" stays one name */
			for (p = subj; *p != '\0'; p++)
				if (*p == '/' || *p == '\\')
					*p = '_';
			if (subj[0] != '\0')
				name = xasprintf("%s.eml", subj);
			free(subj);
		}
		push_part(w, name, xstrdup("message/rfc822"), part_cid(mm),
		    raw != NULL ? xstrndup(raw, rawlen) : NULL,
		    raw != NULL ? rawlen : 0, (mode & W_FWD ? PART_F_FORWARDED : 0) |
		    (disp == MAILMIME_DISPOSITION_TYPE_INLINE ? PART_F_INLINE : 0));
	}
	if (inner == NULL)
		return;
	if (disp != MAILMIME_DISPOSITION_TYPE_ATTACHMENT && (mode & W_BODY)) {
		if (w->out->len > 0)
			buf_addstr(w->out, "\n\n");
		buf_addstr(w->out, FWD_MARKER);
		walk_part(w, inner, depth + 1, mode | W_FWD);
	} else
		walk_part(w, inner, depth + 1, (mode & ~W_BODY) | W_FWD);
}

/* A message/rfc822 sent base64 or quoted-printable: decoded, parsed. */
static void
walk_encoded_message(struct walk *w, const struct mailmime *mm, int depth,
    int mode)
{
	struct mailmime *inner = NULL;
	char *data, *copy;
	size_t len, plen, idx = 0;

	if ((data = part_bytes(mm, &len, &w->m->flags)) == NULL)
		return;
	plen = depth_cut(data, len, LIMIT_MIME_DEPTH + 2 - depth);
	if (plen < len)
		w->m->flags |= MAIL_F_MIME_ERROR;
	copy = xmalloc(plen + PAD);
	memcpy(copy, data, plen);
	memset(copy + plen, 0, PAD);
	if (mailmime_parse(copy, plen, &idx, &inner) == MAILIMF_NO_ERROR &&
	    inner != NULL && inner->mm_type == MAILMIME_MESSAGE)
		walk_message(w, mm, inner->mm_data.mm_message.mm_fields,
		    inner->mm_data.mm_message.mm_msg_mime, data, len, depth, mode);
	else
		w->m->flags |= MAIL_F_MIME_ERROR;
	if (inner != NULL)
		mailmime_free(inner);
	free(copy);
	free(data);
}

/* winmail.dat: its files become parts, its text the body. 0 if unpacked. */
static int
walk_tnef(struct walk *w, const char *data, size_t len, int mode)
{
	struct tnef t;
	struct tnef_file *f;
	size_t i;

	if (tnef_parse(data, len, LIMIT_MIME_PARTS - w->m->nparts, w->max_att,
	    LIMIT_BODY_BYTES, &t) == -1)
		return -1;
	for (i = 0; i < t.nfiles; i++) {
		f = &t.files[i];
		push_part(w, f->name, guess_type(f->media_type, f->name, f->data,
		    f->size), f->content_id, f->data, f->size, PART_F_TNEF |
		    (mode & W_FWD ? PART_F_FORWARDED : 0));
		free(f->media_type);
		f->name = f->media_type = f->content_id = f->data = NULL;
	}
	if (t.html != NULL)
		html_refs(w, t.html, strlen(t.html));
	if (t.body != NULL && (mode & W_BODY) && !blank_text(t.body)) {
		if (w->tnef.len > 0)
			buf_addstr(&w->tnef, "\n\n");
		if (add_cut(&w->tnef, t.body) == -1)
			w->m->flags |= MAIL_F_TRUNCATED;
	}
	if (t.flags & TNEF_F_CHARSET)
		w->m->flags |= MAIL_F_CHARSET_ERROR;
	if (t.flags & TNEF_F_TRUNC)
		w->m->flags |= MAIL_F_TRUNCATED;
	if (t.flags & TNEF_F_TOOMANY)
		w->m->flags |= MAIL_F_MIME_ERROR;
	tnef_clear(&t);
	return 0;
}

static int
is_tnef(const struct mailmime *mm, const char *name)
{
	const char *base = name, *p;

	if (is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "ms-tnef") ||
	    is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "vnd.ms-tnef"))
		return 1;
	if (name == NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	return strcasecmp(base, "winmail.dat") == 0;
}

static void
walk_single(struct walk *w, const struct mailmime *mm, int depth, int mode)
{
	const struct mailmime_content *ct = mm->mm_content_type;
	const char *sub;
	char *name, *data, *cid;
	size_t len;
	int disp, flags;

	if (ct != NULL && ct->ct_type != NULL &&
	    ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		sub = ct->ct_subtype != NULL ? ct->ct_subtype : "";
		if (ct->ct_type->tp_data.tp_composite_type->ct_type !=
		    MAILMIME_COMPOSITE_TYPE_MESSAGE) {
			/* a multipart without a boundary comes as one part */
			w->m->flags |= MAIL_F_MIME_ERROR;
			add_text(w, mm, mode);
		} else if (strcasecmp(sub, "rfc822") == 0 ||
		    strcasecmp(sub, "global") == 0)
			walk_encoded_message(w, mm, depth, mode);
		else if (strcasecmp(sub, "delivery-status") == 0 ||
		    strcasecmp(sub, "global-delivery-status") == 0)
			walk_dsn(w, mm, 1);
		else if (strcasecmp(sub, "disposition-notification") == 0 ||
		    strcasecmp(sub, "global-disposition-notification") == 0)
			walk_dsn(w, mm, 0);
		else if (strcasecmp(sub, "partial") == 0) {
			w->m->flags |= MAIL_F_PARTIAL;
			add_text(w, mm, mode);
		}
		/* other message/ subtypes (feedback-report, external-body) */
		return;
	}
	if (is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "rfc822-headers"))
		walk_headers_part(w, mm);
	disp = disposition_type(mm);
	name = part_filename(mm);
	/*
	 * A detached signature with no name (PGP/MIME, S/MIME without
	 * smime.p7s) is the mail program's machinery, not something the
	 * sender attached: it stays in the raw mail only.
	 */
	if (name == NULL && disp != MAILMIME_DISPOSITION_TYPE_ATTACHMENT &&
	    (is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "pgp-signature") ||
	    is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION, "pkcs7-signature") ||
	    is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION,
	    "x-pkcs7-signature")))
		return;
	if (disp != MAILMIME_DISPOSITION_TYPE_ATTACHMENT && name == NULL) {
		if (ct == NULL ||
		    is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "plain") ||
		    is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html")) {
			add_text(w, mm, mode);
			return;
		}
		/* other text subtypes stay out, unless they have an id */
		if (is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, NULL)) {
			if ((cid = part_cid(mm)) == NULL)
				return;
			free(cid);
		}
	}
	data = part_bytes(mm, &len, &w->m->flags);
	if (data == NULL) {
		data = xstrdup("");
		len = 0;
	}
	if (is_tnef(mm, name) && walk_tnef(w, data, len, mode) == 0) {
		free(data);
		free(name);
		return;
	}
	flags = mode & W_FWD ? PART_F_FORWARDED : 0;
	if (disp == MAILMIME_DISPOSITION_TYPE_INLINE)
		flags |= PART_F_INLINE;
	push_part(w, name, media_type(ct), part_cid(mm), data, len, flags);
}

/* multipart/alternative: the text/plain child, else text/html, else the first. */
static const struct mailmime *
choose_alternative(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime *c, *plain = NULL, *html = NULL, *other = NULL;

	for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list); it != NULL;
	    it = clist_next(it)) {
		c = clist_content(it);
		if (plain == NULL && is_type(c, MAILMIME_DISCRETE_TYPE_TEXT, "plain"))
			plain = c;
		else if (html == NULL &&
		    is_type(c, MAILMIME_DISCRETE_TYPE_TEXT, "html"))
			html = c;
		else if (other == NULL && c->mm_type == MAILMIME_MULTIPLE)
			other = c;
	}
	return plain != NULL ? plain : html != NULL ? html : other;
}

static void
walk_part(struct walk *w, const struct mailmime *mm, int depth, int mode)
{
	const struct mailmime *chosen = NULL, *c;
	const struct mailmime_data *b;
	clistiter *it;

	if (depth > LIMIT_MIME_DEPTH || ++w->parts > LIMIT_MIME_PARTS) {
		w->m->flags |= MAIL_F_MIME_ERROR;
		return;
	}
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		walk_single(w, mm, depth, mode);
		break;
	case MAILMIME_MULTIPLE:
		if (is_multipart(mm, "alternative"))
			chosen = choose_alternative(mm);
		/* every alternative is walked for its parts; one gives text */
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it)) {
			c = clist_content(it);
			walk_part(w, c, depth + 1, chosen == NULL || c == chosen ?
			    mode : mode & ~W_BODY);
		}
		break;
	case MAILMIME_MESSAGE:
		b = mm->mm_body;
		walk_message(w, mm, mm->mm_data.mm_message.mm_fields,
		    mm->mm_data.mm_message.mm_msg_mime,
		    b != NULL && b->dt_type == MAILMIME_DATA_TEXT ?
		    b->dt_data.dt_text.dt_data : NULL,
		    b != NULL && b->dt_type == MAILMIME_DATA_TEXT ?
		    b->dt_data.dt_text.dt_length : 0, depth, mode);
		break;
	}
}

char *
mime_hash_id(const char *raw, size_t len)
{
	char hex[HASH_HEX_LEN + 1];

	hash_sha256_hex(raw, len, hex);
	return xasprintf("sha256:%s", hex);
}

/*
 * Lines before the first header that are no header: an mbox "From "
 * line (mbox files, MTA pipes) and lines of white space only.
 */
static size_t
skip_preamble(const char *p, size_t len)
{
	const char *nl;
	size_t off = 0, i;
	int lines;

	for (lines = 0; lines < 8 && off < len; lines++) {
		nl = memchr(p + off, '\n', len - off);
		if (nl == NULL)
			break;
		if (len - off >= 5 && memcmp(p + off, "From ", 5) == 0) {
			off = (size_t)(nl - p) + 1;
			continue;
		}
		for (i = off; p + i < nl && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i == off || !(p + i == nl || (p[i] == '\r' && p + i + 1 == nl)))
			break;
		off = (size_t)(nl - p) + 1;
	}
	return off;
}

/* a and b hold the same text, white space aside. */
static int
same_text(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}

/*
 * The winmail.dat text: the body when there is no other, else after it
 * under a marker (unless it only repeats the text already there).
 */
static void
merge_tnef(struct walk *w)
{
	char *t;

	if (w->tnef.len == 0)
		return;
	t = buf_steal(&w->tnef, NULL);
	if (blank_text(w->out->data))
		buf_reset(w->out);
	else if (same_text(w->out->data, t)) {
		free(t);
		return;
	} else if (buf_addstr(w->out, "\n\n" TNEF_MARKER "\n") == -1) {
		w->m->flags |= MAIL_F_TRUNCATED;
		free(t);
		return;
	}
	if (add_cut(w->out, t) == -1)
		w->m->flags |= MAIL_F_TRUNCATED;
	free(t);
}

int
mime_parse(const char *raw, size_t len, const struct mime_opts *opts,
    struct mail *m)
{
	struct mailmime *mime = NULL, *top;
	struct walk w;
	struct buf out;
	size_t idx = 0, off = 0, plen, i;
	const char *rt;
	char *copy, *from;

	memset(m, 0, sizeof(*m));
	buf_init(&out, LIMIT_BODY_BYTES);
	/*
	 * libetpan's decoders read up to two bytes past a cut quoted-printable
	 * escape at the very end: parse a copy with NUL padding behind it.
	 */
	copy = xmalloc(len + PAD);
	memcpy(copy, raw, len);
	memset(copy + len, 0, PAD);
	raw = copy;
	if (len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		off = 3;	/* a UTF-8 BOM before the first header */
	off += skip_preamble(raw + off, len - off);
	plen = depth_cut(raw + off, len - off, LIMIT_MIME_DEPTH + 2);
	if (plen < len - off)
		m->flags |= MAIL_F_MIME_ERROR;
	if (mailmime_parse(raw + off, plen, &idx, &mime) !=
	    MAILIMF_NO_ERROR || mime == NULL) {
		m->flags |= MAIL_F_NOHEADERS | MAIL_F_MIME_ERROR;
		m->body = charset_to_utf8(NULL, raw, len, LIMIT_BODY_BYTES, NULL);
	} else {
		memset(&w, 0, sizeof(w));
		w.m = m;
		w.out = &out;
		buf_init(&w.tnef, LIMIT_BODY_BYTES);
		w.max_att = LIMIT_ATTACHMENT_BYTES_DEFAULT;
		if (opts != NULL && opts->max_attachment_bytes > 0)
			w.max_att = (size_t)(opts->max_attachment_bytes <
			    LIMIT_MAIL_BYTES_MAX ? opts->max_attachment_bytes :
			    LIMIT_MAIL_BYTES_MAX);
		top = mime;
		if (mime->mm_type == MAILMIME_MESSAGE) {
			headers(m, mime->mm_data.mm_message.mm_fields);
			check_from(m, raw + off, plen);
			top = mime->mm_data.mm_message.mm_msg_mime;
		} else
			m->flags |= MAIL_F_NOHEADERS;
		if (top != NULL && is_multipart(top, "report")) {
			m->flags |= MAIL_F_REPORT;
			rt = ct_param(top->mm_content_type, "report-type");
			if (rt != NULL && (strcasecmp(rt, "delivery-status") == 0 ||
			    strcasecmp(rt, "global-delivery-status") == 0))
				m->flags |= MAIL_F_REPORT_DSN;
		}
		w.bounce = (m->flags & MAIL_F_REPORT) || looks_like_bounce(m);
		if (!w.bounce && (from = raw_field(raw + off, plen, "From")) != NULL) {
			/* "From: MAILER-DAEMON <>" leaves no address to look at */
			w.bounce = contains_ci(from, "mailer-daemon") ||
			    contains_ci(from, "postmaster");
			free(from);
		}
		if (top != NULL)
			walk_part(&w, top, 0, W_BODY);
		mailmime_free(mime);
		mark_refs(&w);
		merge_tnef(&w);
		for (i = 0; i < w.nrefs; i++)
			free(w.refs[i]);
		free(w.refs);
		buf_clear(&w.tnef);
		m->body = buf_steal(&out, NULL);
		if (w.bounce && m->report_msgid == NULL)
			m->report_msgid = quoted_msgid(m->body);
	}
	if (m->message_id == NULL) {
		m->message_id = mime_hash_id(raw, len);
		m->flags |= MAIL_F_NO_MSGID;
	}
	free(copy);
	if (m->subject != NULL && strlen(m->subject) >= LIMIT_SUBJECT_BYTES - 3)
		m->flags |= MAIL_F_TRUNCATED;
	if (m->from_addr == NULL && (m->body == NULL || m->body[0] == '\0') &&
	    (m->subject == NULL || m->subject[0] == '\0'))
		return -1;
	return 0;
}
