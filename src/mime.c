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
#include "xmalloc.h"

#define MAX_REFS	100
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
	    d->dt_day > 31)
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

/* ---- body text ---- */

struct walk {
	struct mail	*m;
	struct buf	*out;
	int		 parts;
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

static int
is_attachment(const struct mailmime *mm)
{
	clistiter *it;
	const struct mailmime_field *f;
	const struct mailmime_disposition *d;

	if (mm->mm_mime_fields == NULL)
		return 0;
	for (it = clist_begin(mm->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILMIME_FIELD_DISPOSITION)
			continue;
		d = f->fld_data.fld_disposition;
		if (d != NULL && d->dsp_type != NULL &&
		    d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return 1;
	}
	return 0;
}

/* The decoded (transfer-encoding undone) bytes of a single part. */
static char *
part_bytes(const struct mailmime *mm, size_t *len, int *flags)
{
	const struct mailmime_data *d = mm->mm_data.mm_single;
	char *res = NULL, *copy;
	size_t idx = 0, rlen = 0;
	int enc;

	*len = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
		return NULL;
	if (!d->dt_encoded)
		return xstrndup(d->dt_data.dt_text.dt_data, *len =
		    d->dt_data.dt_text.dt_length);
	enc = mm->mm_mime_fields != NULL ?
	    mailmime_transfer_encoding_get(mm->mm_mime_fields) :
	    MAILMIME_MECHANISM_8BIT;
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

static void
add_text(struct walk *w, const struct mailmime *mm)
{
	char *raw, *utf8, *txt;
	size_t len, room;
	int cf = 0;

	raw = part_bytes(mm, &len, &w->m->flags);
	if (raw == NULL)
		return;
	if (w->out->len > 0 && len > 0 && buf_addstr(w->out, "\n\n") == -1) {
		w->m->flags |= MAIL_F_TRUNCATED;
		free(raw);
		return;
	}
	room = w->out->max - w->out->len;
	utf8 = charset_to_utf8(mailmime_content_charset_get(mm->mm_content_type),
	    raw, len, is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html") ?
	    LIMIT_MAIL_BYTES_MAX : room, &cf);
	free(raw);
	if (is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html")) {
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

static void walk_part(struct walk *, const struct mailmime *, int depth);

/* multipart/alternative: the text/plain child, else text/html, else the first. */
static void
walk_alternative(struct walk *w, const struct mailmime *mm, int depth)
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
	c = plain != NULL ? plain : html != NULL ? html : other;
	if (c != NULL)
		walk_part(w, c, depth + 1);
}

static void
walk_part(struct walk *w, const struct mailmime *mm, int depth)
{
	clistiter *it;

	if (depth > LIMIT_MIME_DEPTH || ++w->parts > LIMIT_MIME_PARTS) {
		w->m->flags |= MAIL_F_MIME_ERROR;
		return;
	}
	switch (mm->mm_type) {
	case MAILMIME_SINGLE:
		if (is_attachment(mm))
			return;
		/* a multipart without a boundary comes as one part: read it */
		if (mm->mm_content_type == NULL ||
		    is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "plain") ||
		    is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html") ||
		    (mm->mm_content_type->ct_type != NULL &&
		    mm->mm_content_type->ct_type->tp_type ==
		    MAILMIME_TYPE_COMPOSITE_TYPE)) {
			if (mm->mm_content_type != NULL &&
			    mm->mm_content_type->ct_type != NULL &&
			    mm->mm_content_type->ct_type->tp_type ==
			    MAILMIME_TYPE_COMPOSITE_TYPE)
				w->m->flags |= MAIL_F_MIME_ERROR;
			add_text(w, mm);
		}
		break;
	case MAILMIME_MULTIPLE:
		if (is_multipart(mm, "alternative")) {
			walk_alternative(w, mm, depth);
			break;
		}
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			walk_part(w, clist_content(it), depth + 1);
		break;
	case MAILMIME_MESSAGE:
		/* a forwarded mail's text follows the sender's own */
		if (mm->mm_data.mm_message.mm_msg_mime == NULL || is_attachment(mm))
			break;
		if (w->out->len > 0)
			buf_addstr(w->out, "\n\n");
		buf_addstr(w->out, "---------- Forwarded message ----------");
		walk_part(w, mm->mm_data.mm_message.mm_msg_mime, depth + 1);
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

int
mime_parse(const char *raw, size_t len, const struct mime_opts *opts,
    struct mail *m)
{
	struct mailmime *mime = NULL;
	struct walk w;
	struct buf out;
	size_t idx = 0, off = 0;
	char *copy;

	(void)opts;	/* attachments: issue 3 */
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
	if (mailmime_parse(raw + off, len - off, &idx, &mime) !=
	    MAILIMF_NO_ERROR || mime == NULL) {
		m->flags |= MAIL_F_NOHEADERS | MAIL_F_MIME_ERROR;
		m->body = charset_to_utf8(NULL, raw, len, LIMIT_BODY_BYTES, NULL);
	} else {
		if (mime->mm_type == MAILMIME_MESSAGE) {
			headers(m, mime->mm_data.mm_message.mm_fields);
			check_from(m, raw + off, len - off);
		} else
			m->flags |= MAIL_F_NOHEADERS;
		if (mime->mm_type == MAILMIME_MESSAGE &&
		    mime->mm_data.mm_message.mm_msg_mime != NULL &&
		    is_multipart(mime->mm_data.mm_message.mm_msg_mime, "report"))
			m->flags |= MAIL_F_REPORT;
		w.m = m;
		w.out = &out;
		w.parts = 0;
		if (mime->mm_type == MAILMIME_MESSAGE) {
			if (mime->mm_data.mm_message.mm_msg_mime != NULL)
				walk_part(&w, mime->mm_data.mm_message.mm_msg_mime, 0);
		} else
			walk_part(&w, mime, 0);
		mailmime_free(mime);
		m->body = buf_steal(&out, NULL);
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
