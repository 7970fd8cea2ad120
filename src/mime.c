/*
 * mime.c — walk libetpan's MIME tree of a raw mail into our struct mail.
 * With mime_header.c (header fields), mime_part.c (attachments and inline
 * parts) and mime_report.c (delivery reports, bounces), the only files that
 * include libetpan's MIME and IMF parsers; mime_impl.h is what they share.
 * Here: mime_parse(), the nesting pre-scan, the walk of the tree and the
 * body text.
 *
 * Tolerant by design: a header that does not parse is skipped, a part that
 * does not decode contributes what it can, and flags record what went wrong
 * (see VIOLATIONS.md). The raw bytes are always kept by the caller.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "charset.h"
#include "hash.h"
#include "html2text.h"
#include "limits.h"
#include "mime.h"
#include "mime_impl.h"
#include "xmalloc.h"

#define PAD		8	/* NUL bytes behind the parsed copy */
#define HTML_REF_MAX	(8 * 1024 * 1024)	/* HTML scanned for src= */

#define FWD_MARKER	"---------- Forwarded message ----------"

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

/* ---- content types ---- */

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

/* ---- body text ---- */

/* Text of a text/plain or text/html part into the body (W_BODY). */
static void
add_text(struct walk *w, const struct mailmime *mm, int mode)
{
	char *raw, *utf8, *txt;
	size_t len, room;
	int cf = 0, html = mime_is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT,
	    "html");

	if (!(mode & W_BODY) && !html)
		return;
	raw = mime_part_bytes(mm, &len, &w->m->flags);
	if (raw == NULL)
		return;
	if (!(mode & W_BODY)) {
		/* an alternative not shown: only its references count */
		utf8 = charset_to_utf8(mailmime_content_charset_get(
		    mm->mm_content_type), raw, len, HTML_REF_MAX, NULL);
		free(raw);
		mime_html_refs(w, utf8, strlen(utf8));
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
		mime_html_refs(w, utf8, strlen(utf8) < HTML_REF_MAX ?
		    strlen(utf8) : HTML_REF_MAX);
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
	int disp = mime_disposition_type(mm);

	if (w->bounce && w->m->report_msgid == NULL)
		w->m->report_msgid = mime_fields_msgid(fields);
	name = mime_part_filename(mm);
	if (disp == MAILMIME_DISPOSITION_TYPE_ATTACHMENT || name != NULL) {
		if (name == NULL &&
		    (subj = mime_fields_subject(fields)) != NULL) {
			/* a subject is no path: "a/b" stays one name */
			for (p = subj; *p != '\0'; p++)
				if (*p == '/' || *p == '\\')
					*p = '_';
			if (subj[0] != '\0')
				name = xasprintf("%s.eml", subj);
			free(subj);
		}
		mime_push_part(w, name, xstrdup("message/rfc822"),
		    mime_part_cid(mm),
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

	if ((data = mime_part_bytes(mm, &len, &w->m->flags)) == NULL)
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

static void	raw_place(const struct walk *, const struct mailmime *,
		    struct mail_part *);

static void
walk_single(struct walk *w, const struct mailmime *mm, int depth, int mode)
{
	const struct mailmime_content *ct = mm->mm_content_type;
	const char *sub;
	char *name, *data, *cid;
	size_t len, n;
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
			mime_walk_dsn(w, mm, 1);
		else if (strcasecmp(sub, "disposition-notification") == 0 ||
		    strcasecmp(sub, "global-disposition-notification") == 0)
			mime_walk_dsn(w, mm, 0);
		else if (strcasecmp(sub, "partial") == 0) {
			w->m->flags |= MAIL_F_PARTIAL;
			add_text(w, mm, mode);
		}
		/* other message/ subtypes (feedback-report, external-body) */
		return;
	}
	if (mime_is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "rfc822-headers"))
		mime_walk_headers_part(w, mm);
	disp = mime_disposition_type(mm);
	name = mime_part_filename(mm);
	/*
	 * A detached signature with no name (PGP/MIME, S/MIME without
	 * smime.p7s) is the mail program's machinery, not something the
	 * sender attached: it stays in the raw mail only.
	 */
	if (name == NULL && disp != MAILMIME_DISPOSITION_TYPE_ATTACHMENT &&
	    (mime_is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION,
	    "pgp-signature") ||
	    mime_is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION,
	    "pkcs7-signature") ||
	    mime_is_type(mm, MAILMIME_DISCRETE_TYPE_APPLICATION,
	    "x-pkcs7-signature")))
		return;
	if (disp != MAILMIME_DISPOSITION_TYPE_ATTACHMENT && name == NULL) {
		if (ct == NULL ||
		    mime_is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "plain") ||
		    mime_is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, "html")) {
			add_text(w, mm, mode);
			return;
		}
		/* other text subtypes stay out, unless they have an id */
		if (mime_is_type(mm, MAILMIME_DISCRETE_TYPE_TEXT, NULL)) {
			if ((cid = mime_part_cid(mm)) == NULL)
				return;
			free(cid);
		}
	}
	data = mime_part_bytes(mm, &len, &w->m->flags);
	if (data == NULL) {
		data = xstrdup("");
		len = 0;
	}
	if (mime_is_tnef(mm, name) && mime_walk_tnef(w, data, len, mode) == 0) {
		free(data);
		free(name);
		return;
	}
	flags = mode & W_FWD ? PART_F_FORWARDED : 0;
	if (disp == MAILMIME_DISPOSITION_TYPE_INLINE)
		flags |= PART_F_INLINE;
	n = w->m->nparts;
	mime_push_part(w, name, mime_media_type(ct), mime_part_cid(mm), data,
	    len, flags);
	if (w->m->nparts > n)
		raw_place(w, mm, &w->m->parts[n]);
}

/*
 * Where a base64 part's text lies in the raw mail, when it lies there in
 * one piece (not inside a decoded forward).
 */
static void
raw_place(const struct walk *w, const struct mailmime *mm,
    struct mail_part *pt)
{
	const struct mailmime_data *d = mm->mm_data.mm_single;
	uintptr_t p, base = (uintptr_t)w->base;

	if (pt->data == NULL || d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    !d->dt_encoded || d->dt_encoding != MAILMIME_MECHANISM_BASE64 ||
	    w->base == NULL || d->dt_data.dt_text.dt_data == NULL)
		return;
	p = (uintptr_t)d->dt_data.dt_text.dt_data;
	if (p < base || p - base > w->baselen ||
	    d->dt_data.dt_text.dt_length > w->baselen - (p - base))
		return;
	pt->raw_off = (size_t)(p - base);
	pt->raw_len = d->dt_data.dt_text.dt_length;
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
		if (plain == NULL && mime_is_type(c, MAILMIME_DISCRETE_TYPE_TEXT, "plain"))
			plain = c;
		else if (html == NULL &&
		    mime_is_type(c, MAILMIME_DISCRETE_TYPE_TEXT, "html"))
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
		w.base = copy;
		w.baselen = len;
		buf_init(&w.tnef, LIMIT_BODY_BYTES);
		w.max_att = LIMIT_ATTACHMENT_BYTES_DEFAULT;
		if (opts != NULL && opts->max_attachment_bytes > 0)
			w.max_att = (size_t)(opts->max_attachment_bytes <
			    LIMIT_MAIL_BYTES_MAX ? opts->max_attachment_bytes :
			    LIMIT_MAIL_BYTES_MAX);
		top = mime;
		if (mime->mm_type == MAILMIME_MESSAGE) {
			mime_headers(m, mime->mm_data.mm_message.mm_fields);
			mime_check_from(m, raw + off, plen);
			mime_raw_header(m, raw + off, plen);
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
		w.bounce = (m->flags & MAIL_F_REPORT) || mime_looks_like_bounce(m);
		if (!w.bounce &&
		    (from = mime_raw_field(raw + off, plen, "From")) != NULL) {
			/* "From: MAILER-DAEMON <>" leaves no address to look at */
			w.bounce = mime_contains_ci(from, "mailer-daemon") ||
			    mime_contains_ci(from, "postmaster");
			free(from);
		}
		if (top != NULL)
			walk_part(&w, top, 0, W_BODY);
		mailmime_free(mime);
		mime_mark_refs(&w);
		mime_merge_tnef(&w);
		for (i = 0; i < w.nrefs; i++)
			free(w.refs[i]);
		free(w.refs);
		buf_clear(&w.tnef);
		m->body = buf_steal(&out, NULL);
		if (w.bounce && m->report_msgid == NULL)
			m->report_msgid = mime_quoted_msgid(m->body);
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
