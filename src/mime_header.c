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

/* p[0..n) starts with pfx, case-insensitive. */
static int
ci_starts(const char *p, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);

	return n >= k && strncasecmp(p, pfx, k) == 0;
}

/* Does a NUL byte in this charset mean U+0000 (not a half of UTF-16)? */
static int
narrow_charset(const char *cs, size_t n)
{
	static const char *const wide[] = { "utf-16", "utf16", "utf-32",
	    "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4", NULL };
	size_t i;

	for (i = 0; wide[i] != NULL; i++)
		if (ci_starts(cs, n, wide[i]))
			return 0;
	return 1;
}

/*
 * libetpan's encoded-word decoder hands back a C string, so a NUL in a
 * word (=00 in a Q word, a zero byte in a B word) would end the text
 * there. Such words are rewritten first: in a Q word "=00" becomes "_" (a
 * space); a B word holding a zero byte becomes a Q word with every byte
 * escaped and the zero byte a "_". Words in UTF-16/32 are left alone (a
 * zero byte there is half a character). NULL when nothing changed.
 */
#define WSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

static char *
nul_free_words(const char *raw)
{
	struct buf b;
	const char *p = raw, *w, *q1, *text, *end, *t;
	char *dec;
	size_t declen, idx, i;
	int changed = 0;

	buf_init(&b, strlen(raw) * 3 + 16);
	/* one pass: an encoded word holds no white space, so no scan goes
	 * past the next space and the whole is linear */
	while ((w = strstr(p, "=?")) != NULL) {
		for (q1 = w + 2; *q1 != '\0' && *q1 != '?' && !WSP(*q1); q1++)
			;
		if (*q1 != '?' || q1[1] == '\0' || WSP(q1[1]) || q1[2] != '?') {
			buf_add(&b, p, (size_t)(q1 - p));
			p = q1;
			continue;
		}
		text = q1 + 3;
		for (end = text; *end != '\0' && !WSP(*end) &&
		    !(end[0] == '?' && end[1] == '='); end++)
			;
		if (*end != '?' || !narrow_charset(w + 2, (size_t)(q1 - w - 2))) {
			buf_add(&b, p, (size_t)(end - p));
			p = end;
			continue;
		}
		buf_add(&b, p, (size_t)(text - p));
		if (q1[1] == 'q' || q1[1] == 'Q') {
			for (t = text; t < end; t++) {
				if (end - t >= 3 && t[0] == '=' &&
				    t[1] == '0' && t[2] == '0') {
					buf_addch(&b, '_');
					t += 2;
					changed = 1;
				} else
					buf_addch(&b, *t);
			}
		} else if ((q1[1] == 'b' || q1[1] == 'B') &&
		    (idx = 0, mailmime_base64_body_parse(text,
		    (size_t)(end - text), &idx, &dec, &declen)) ==
		    MAILIMF_NO_ERROR) {
			if (memchr(dec, '\0', declen) != NULL) {
				/* "=?cs?B?" becomes "=?cs?Q?" */
				b.len -= 2;
				buf_addstr(&b, "Q?");
				for (i = 0; i < declen; i++)
					if (dec[i] == '\0')
						buf_addch(&b, '_');
					else
						buf_printf(&b, "=%02X",
						    (unsigned char)dec[i]);
				changed = 1;
			} else
				buf_add(&b, text, (size_t)(end - text));
			mmap_string_unref(dec);
		} else
			buf_add(&b, text, (size_t)(end - text));
		buf_addstr(&b, "?=");
		p = end + 2;
	}
	buf_addstr(&b, p);
	if (!changed) {
		buf_clear(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* RFC 2047 decoding to UTF-8; raw 8-bit text read as UTF-8 or cp1252. */
char *
mime_decode_phrase(const char *raw, size_t max)
{
	char *dec = NULL, *s, *fixed;
	size_t idx = 0;

	if (raw == NULL)
		return NULL;
	if ((fixed = nul_free_words(raw)) != NULL)
		raw = fixed;
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
	free(fixed);
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
	/* obs-route (RFC 5322 4.4): "@relay.example,@b.example:" is dropped */
	if (*a == '@' && (p = (const unsigned char *)strchr(a, ':')) != NULL)
		a = (const char *)p + 1;
	len = strlen(a);
	while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '>'))
		len--;
	if (len == 0 || len > LIMIT_ADDR_BYTES)
		return NULL;
	for (p = (const unsigned char *)a; p < (const unsigned char *)a + len; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == '(' || *p == ')' || *p == ',' || *p == ';' ||
		    *p == '\\' || *p == '"' || *p == ':')
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
 * quotes): take "<addr>" if there is one, else the first word with '@'
 * outside double quotes: a quoted string is a name or a quoted local part,
 * never an address ("bob@corp.example"@evil.example is not bob's).
 * Listed in VIOLATIONS.md.
 */
static char *
salvage_addr(const char *v)
{
	const char *lt, *gt, *p, *q;
	int quoted = 0;

	if ((lt = strrchr(v, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		char *tmp = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		char *a = mime_clean_addr(tmp);

		free(tmp);
		if (a != NULL)
			return a;
	}
	for (p = v; *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == '"' || *p == ',') {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != ',' &&
		    *q != '"'; q++)
			;
		/* a word touching a quote belongs to the quoted string */
		if (q > p && !quoted && *q != '"' && (p == v || p[-1] != '"') &&
		    memchr(p, '@', (size_t)(q - p)) != NULL) {
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
			m->flags &= ~MAIL_F_FROM_FALLBACK;
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
			else if (strcasecmp(of->fld_name, "Return-Path") == 0 &&
			    m->return_path == NULL)
				m->return_path = return_path(of->fld_value);
			else if (strcasecmp(of->fld_name, "Auto-Submitted") == 0 &&
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
	/* identity is From, and only From (VIOLATIONS.md): flag the others */
	if (m->from_addr == NULL) {
		take_mailbox(m, sender);
		if (m->from_addr != NULL)
			m->flags |= MAIL_F_FROM_FALLBACK;
	}
	if (reply != NULL) {
		m->reply_to = mime_clean_addr(reply->mb_addr_spec);
		if (m->from_addr == NULL) {
			take_mailbox(m, reply);
			if (m->from_addr != NULL)
				m->flags |= MAIL_F_FROM_FALLBACK;
		}
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

/* ---- the header block as written: order, trace fields, From ---- */

/*
 * Fields a receiving MTA, its filters or the delivery agent put at the top
 * of a mail (authres.h): while only these stand above an
 * Authentication-Results field, it is in the MTA's block.
 */
static int
trace_field(const char *name, size_t n)
{
	static const char *const exact[] = { "Received", "Return-Path",
	    "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-From",
	    "X-Envelope-To", "Authentication-Results", NULL };
	static const char *const prefix[] = { "ARC-", "X-Spam", "X-Virus",
	    "X-Amavis", "X-Rspamd", "X-Spamd", "X-Greylist", NULL };
	size_t i;

	for (i = 0; exact[i] != NULL; i++)
		if (n == strlen(exact[i]) && strncasecmp(name, exact[i], n) == 0)
			return 1;
	for (i = 0; prefix[i] != NULL; i++)
		if (ci_starts(name, n, prefix[i]))
			return 1;
	return 0;
}

/* Skip a comment at v[*i] == '('; -1 when it never ends. */
static int
skip_comment(const char *v, size_t *i)
{
	size_t depth = 0;

	do {
		switch (v[*i]) {
		case '\0':
			return -1;
		case '(':
			depth++;
			break;
		case ')':
			depth--;
			break;
		case '\\':
			if (v[*i + 1] != '\0')
				(*i)++;
			break;
		default:
			break;
		}
		(*i)++;
	} while (depth > 0);
	return 0;
}

/*
 * Is the From value v exactly one mailbox: an addr-spec alone, or a
 * display name of words (no "@" outside quotes) and one <addr-spec>,
 * comments anywhere? Our own reading, so that the rule does not depend on
 * which forms libetpan parses (issue 8). Returns NULL and the address in
 * *addr (caller frees), or a static reason.
 */
static const char *
one_mailbox(const char *v, char **addr)
{
	struct buf clean;	/* v without comments */
	size_t i, lt = 0, gt = 0, nangle = 0, words = 0, at_out = 0;
	int word = 0, in_angle = 0, closed = 0;
	const char *why = NULL;
	char *c, *spec;

	*addr = NULL;
	buf_init(&clean, strlen(v) + 1);
	for (i = 0; v[i] != '\0' && why == NULL; ) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '(') {
			if (skip_comment(v, &i) == -1)
				why = "an unterminated comment";
			word = 0;
			buf_addch(&clean, ' ');
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			word = 0;
			buf_addch(&clean, ' ');
			i++;
			continue;
		}
		if (closed) {
			why = ch == '<' ? "more than one <address>" :
			    ch == ',' || ch == ';' ? "more than one address" :
			    "text after the <address>";
			break;
		}
		if (ch == '"') {
			buf_addch(&clean, '"');
			for (i++; v[i] != '\0' && v[i] != '"'; i++) {
				if (v[i] == '\\' && v[i + 1] != '\0')
					buf_addch(&clean, v[i++]);
				buf_addch(&clean, v[i]);
			}
			if (v[i] == '\0') {
				why = "an unterminated quoted string";
				break;
			}
			buf_addch(&clean, '"');
			i++;
			if (!in_angle && !word) {
				words++;
				word = 1;
			}
			continue;
		}
		if (ch == '<') {
			if (in_angle || nangle > 0) {
				why = "more than one <address>";
				break;
			}
			nangle++;
			in_angle = 1;
			word = 0;
			lt = clean.len;
		} else if (ch == '>') {
			if (!in_angle) {
				why = "a stray \">\"";
				break;
			}
			in_angle = 0;
			closed = 1;
			gt = clean.len;
		} else if (ch == ',' || ch == ';') {
			why = in_angle ? "a source route" :
			    "more than one address";
			break;
		} else if (ch == ':') {
			why = in_angle ? "a source route" : "a group";
			break;
		} else if (!in_angle) {
			if (ch == '@')
				at_out++;
			if (!word) {
				words++;
				word = 1;
			}
		}
		buf_addch(&clean, (char)ch);
		i++;
	}
	if (why == NULL && in_angle)
		why = "an unclosed <address>";
	buf_addch(&clean, '\0');
	c = clean.data;
	if (why == NULL && nangle == 1) {
		if (at_out > 0)
			why = "an address outside the <address>";
		else {
			spec = xstrndup(c + lt + 1, gt - lt - 1);
			*addr = mime_clean_addr(spec);
			free(spec);
		}
	} else if (why == NULL) {
		if (words == 0)
			why = "no address";
		else if (at_out > 1)
			why = "more than one address";
		else if (words > 1)
			why = "words around the address";
		else
			*addr = mime_clean_addr(c);
	}
	if (why == NULL && *addr == NULL)
		why = "no plain address";
	buf_clear(&clean);
	return why;
}

/* Keep one field of the walk: name n bytes, unfolded value in v. */
static void
keep_field(struct mail *m, const char *name, size_t n, const char *v,
    int top, size_t received)
{
	struct mail_field *f;
	struct mail_authres *a;

	if (n == 22 && strncasecmp(name, "Authentication-Results", n) == 0 &&
	    m->nauthres < LIMIT_AUTHRES_HEADERS) {
		if (m->authres == NULL)
			m->authres = xcalloc(LIMIT_AUTHRES_HEADERS,
			    sizeof(*m->authres));
		a = &m->authres[m->nauthres++];
		a->value = xstrndup(v, strnlen(v, LIMIT_AUTHRES_BYTES + 1));
		a->top = top;
		a->received = received;
	}
	if (n == 6 && strncasecmp(name, "X-Loop", n) == 0 &&
	    m->nx_loops < LIMIT_XLOOP_HEADERS) {
		if (m->x_loops == NULL)
			m->x_loops = xcalloc(LIMIT_XLOOP_HEADERS, sizeof(char *));
		m->x_loops[m->nx_loops++] = mime_one_line(xstrndup(v,
		    strnlen(v, LIMIT_FIELD_BYTES * 4)), LIMIT_ADDR_BYTES);
		if (m->x_loop == NULL)
			m->x_loop = xstrdup(m->x_loops[0]);
	}
	if (m->nfields < LIMIT_HEADER_FIELDS) {
		if (m->fields == NULL)
			m->fields = xcalloc(LIMIT_HEADER_FIELDS, sizeof(*m->fields));
		f = &m->fields[m->nfields++];
		f->name = xstrndup(name, n);
		f->value = mime_one_line(xstrndup(v, strnlen(v,
		    LIMIT_FIELD_BYTES * 4)), LIMIT_FIELD_BYTES);
	}
}

/*
 * Walk the raw header block p[0..len) once, in order: every field into
 * m->fields, each Authentication-Results with its place (authres.h), every
 * X-Loop, and the From rule (MAIL_F_MULTI_FROM unless there is exactly one
 * From field holding exactly one mailbox, the one m->from_addr names).
 * Lines that are no field end the MTA's block and are otherwise skipped.
 */
void
mime_raw_header(struct mail *m, const char *p, size_t len)
{
	struct buf v;
	size_t i = 0, j, n, received = 0, nfrom = 0;
	const char *name, *why = NULL;
	char *from = NULL, *addr;
	int top = 1;

	buf_init(&v, LIMIT_AUTHRES_BYTES + 2);
	while (i < len && p[i] != '\n' && !(p[i] == '\r' && i + 1 < len &&
	    p[i + 1] == '\n')) {
		/* the name: printable, up to ":" (white space before it ok) */
		name = p + i;
		for (j = i; j < len && p[j] > 0x20 && p[j] < 0x7f && p[j] != ':';
		    j++)
			;
		n = j - i;
		while (j < len && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (n == 0 || j >= len || p[j] != ':') {
			top = 0;	/* no field: skip the line */
			while (i < len && p[i] != '\n')
				i++;
			i++;
			continue;
		}
		buf_reset(&v);
		for (j++; j < len; j++) {
			if (p[j] == '\r')
				continue;
			if (p[j] == '\n') {
				if (j + 1 < len && (p[j + 1] == ' ' ||
				    p[j + 1] == '\t'))
					continue;	/* folded */
				break;
			}
			if (v.len <= LIMIT_AUTHRES_BYTES)
				buf_addch(&v, p[j] == '\0' ? ' ' : p[j]);
		}
		i = j + 1;
		buf_addch(&v, '\0');
		keep_field(m, name, n, v.data, top, received);
		if (n == 4 && strncasecmp(name, "From", 4) == 0 &&
		    nfrom++ == 0)
			from = xstrdup(v.data);
		if (n == 8 && strncasecmp(name, "Received", 8) == 0)
			received++;
		if (!trace_field(name, n))
			top = 0;
	}
	buf_clear(&v);
	if (nfrom > 1)
		why = "more than one From field";
	else if (from != NULL) {
		why = one_mailbox(from, &addr);
		if (why == NULL && (m->from_addr == NULL ||
		    strcasecmp(addr, m->from_addr) != 0))
			why = "the From line reads two ways";
		free(addr);
	}
	free(from);
	if (why != NULL) {
		m->flags |= MAIL_F_MULTI_FROM;
		m->from_why = why;
	}
}
