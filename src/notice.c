/*
 * notice.c — compose an outgoing notice as RFC 5322 bytes. Headers are
 * contracts: a fixed set in a fixed order, CR/LF in any value refused,
 * addresses only as plain addr-specs, non-ASCII as RFC 2047 encoded words
 * (each <= 75 chars, never splitting a UTF-8 sequence), lines folded at
 * whitespace to <= 78 chars where possible and never over 998. The body is
 * multipart/alternative, text/plain and text/html, both quoted-printable.
 * Pure apart from reading random bytes for Message-IDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "limits.h"
#include "log.h"
#include "notice.h"
#include "xmalloc.h"

#define LINE_SOFT	78	/* RFC 5322 2.1.1 SHOULD */
#define LINE_HARD	998	/* RFC 5322 2.1.1 MUST */
#define QP_LINE		76	/* RFC 2045 6.7 (5) */
/*
 * RFC 2047 allows 75 chars for one encoded-word; we write at most 69 so
 * that one still fits on the first line after "Subject: " (78).
 */
#define EW_MAX		69
#define EW_PREFIX	"=?UTF-8?"
/* "=?UTF-8?X?" + "?=" around the payload. */
#define EW_PAYLOAD	(EW_MAX - (sizeof(EW_PREFIX) - 1) - 2 - 2)
/* Longest run of a phrase or subject sent as it is, without encoding. */
#define WORD_PLAIN_MAX	76
/* Longest run of blanks sent as it is (a fold must fit after it). */
#define BLANKS_PLAIN_MAX	16
/* Most bytes of header values we take (subject, names, references). */
#define HEADERS_MAX	(1024 * 1024)

static const char hexdig[] = "0123456789ABCDEF";
static const char *const wday[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const month[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
out_add(struct buf *b, const void *p, size_t n)
{
	if (buf_add(b, p, n) == -1)
		fatalx("notice: output too large");
}

static void
out_str(struct buf *b, const char *s)
{
	out_add(b, s, strlen(s));
}

/*
 * One UTF-8 character at p (n > 0 bytes left): copies its bytes to out,
 * returns how many input bytes it took. A byte that does not start a
 * well-formed sequence (overlong, surrogate, > U+10FFFF, truncated) takes
 * one byte and comes out as U+FFFD, so what we write is always UTF-8.
 */
static size_t
utf8_char(const unsigned char *p, size_t n, unsigned char out[4],
    size_t *outlen)
{
	size_t need, i;
	unsigned int cp, min;

	if (p[0] < 0x80) {
		out[0] = p[0];
		*outlen = 1;
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (n < need + 1)
		goto bad;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	memcpy(out, p, need + 1);
	*outlen = need + 1;
	return need + 1;
bad:
	out[0] = 0xef;
	out[1] = 0xbf;
	out[2] = 0xbd;
	*outlen = 3;
	return 1;
}

/* ---- quoted-printable ------------------------------------------------ */

/*
 * Must the byte at p (left bytes from there to the line end) be written
 * as =XX at column col of an output line? last: it is the last byte before
 * a hard line break (or the end of the text).
 */
static int
qp_must_escape(const unsigned char *p, size_t left, size_t col, int last)
{
	unsigned char c = p[0];

	if (c == '=' || c >= 0x7f || (c < 0x20 && c != '\t'))
		return 1;
	if ((c == ' ' || c == '\t') && last)
		return 1;
	/* Kind to dumb SMTP stacks and mbox writers. */
	if (col == 0 && c == '.')
		return 1;
	if (col == 0 && c == 'F' && left >= 5 && memcmp(p, "From ", 5) == 0)
		return 1;
	return 0;
}

static void
qp_put(struct buf *b, unsigned char c, int esc)
{
	char e[3];

	if (!esc) {
		out_add(b, &c, 1);
		return;
	}
	e[0] = '=';
	e[1] = hexdig[c >> 4];
	e[2] = hexdig[c & 0x0f];
	out_add(b, e, 3);
}

/*
 * 1 when the line of n bytes goes out as it is: short enough for one
 * output line and nothing in it qp_must_escape() would escape (most
 * lines of a notice: the byte-wise path below cost more than composing).
 */
static int
qp_plain(const unsigned char *p, size_t n)
{
	size_t i;

	if (n > QP_LINE || (n > 0 && (p[0] == '.' || p[n - 1] == ' ' ||
	    p[n - 1] == '\t')) || (n >= 5 && memcmp(p, "From ", 5) == 0))
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] == '=' || p[i] >= 0x7f || (p[i] < 0x20 &&
		    p[i] != '\t'))
			return 0;
	return 1;
}

/* The columns bytes p[i..j) take from column col (qp_must_escape()). */
static size_t
qp_width(const unsigned char *p, size_t i, size_t j, size_t n, size_t col)
{
	size_t k, w = 0;

	for (k = i; k < j; k++)
		w += qp_must_escape(p + k, n - k, col + w, k == n - 1) ? 3 : 1;
	return w;
}

/*
 * Encode one line (no line break inside) of n bytes. Each output line is
 * made in line[] and added whole: a byte at a time into the buffer cost
 * more than the rest of a notice's composing (the HTML part's lines are
 * long and hold '=').
 */
static void
qp_line(struct buf *b, const unsigned char *p, size_t n)
{
	/* QP_LINE columns, or one escaped UTF-8 sequence (12) at column 0 */
	unsigned char line[QP_LINE + 16], tmp[4];
	size_t i, j, k, col = 0, glen, limit;

	if (qp_plain(p, n)) {
		if (n > 0)
			out_add(b, p, n);
		return;
	}
	for (i = 0; i < n; i = j) {
		/*
		 * Most bytes: printable ASCII that needs no escape where it
		 * stands (not '=', not at column 0, not white space ending
		 * the line) and fits before the soft break's column.
		 */
		if (col > 0 && col < QP_LINE - 1 && ((p[i] > ' ' &&
		    p[i] < 0x7f && p[i] != '=') || ((p[i] == ' ' ||
		    p[i] == '\t') && i + 1 < n))) {
			line[col++] = p[i];
			j = i + 1;
			continue;
		}
		/*
		 * A group is one byte, or a whole UTF-8 sequence, so that a
		 * character is never cut by a soft break.
		 */
		j = p[i] < 0x80 ? i + 1 : i + utf8_char(p + i, n - i, tmp,
		    &glen);
		/* The last group may use column 76; others leave room for
		 * the '=' of a soft break. */
		limit = j == n ? QP_LINE : QP_LINE - 1;
		if (col > 0 && col + qp_width(p, i, j, n, col) > limit) {
			out_add(b, line, col);
			out_add(b, "=\r\n", 3);
			col = 0;
		}
		for (k = i; k < j; k++) {
			if (qp_must_escape(p + k, n - k, col, k == n - 1)) {
				line[col++] = '=';
				line[col++] = (unsigned char)hexdig[p[k] >> 4];
				line[col++] = (unsigned char)hexdig[p[k] & 0x0f];
			} else
				line[col++] = p[k];
		}
	}
	if (col > 0)
		out_add(b, line, col);
}

static void
qp_encode(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *nl;
	size_t n = strlen(s), linelen;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL) {
			qp_line(b, p, n);
			break;
		}
		linelen = (size_t)(nl - p);
		/* CRLF in, CRLF out; a bare CR elsewhere is =0D. */
		qp_line(b, p, linelen > 0 && nl[-1] == '\r' ? linelen - 1 :
		    linelen);
		out_add(b, "\r\n", 2);
		n -= linelen + 1;
		p = nl + 1;
	}
}

char *
notice_qp(const char *utf8, size_t *len)
{
	struct buf b;

	buf_init(&b, SIZE_MAX / 2);
	qp_encode(&b, utf8 != NULL ? utf8 : "");
	return buf_steal(&b, len);
}

/* ---- RFC 2047 -------------------------------------------------------- */

/* Characters a Q encoded-word may carry as they are in any context. */
static int
q_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
q_width(const unsigned char *p, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		w += (q_literal(p[i]) || p[i] == ' ') ? 1 : 3;
	return w;
}

static void
q_put(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == ' ')
			out_add(b, "_", 1);
		else if (q_literal(p[i]))
			out_add(b, p + i, 1);
		else
			qp_put(b, p[i], 1);
	}
}

static void
b64_put(struct buf *b, const unsigned char *p, size_t n)
{
	char o[4];
	unsigned int v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 0x3f];
		o[2] = b64[(v >> 6) & 0x3f];
		o[3] = b64[v & 0x3f];
		out_add(b, o, 4);
	}
	if (n - i == 1) {
		v = (unsigned int)p[i] << 16;
		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 0x3f];
		o[2] = o[3] = '=';
		out_add(b, o, 4);
	} else if (n - i == 2) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8;
		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 0x3f];
		o[2] = b64[(v >> 6) & 0x3f];
		o[3] = '=';
		out_add(b, o, 4);
	}
}

static void
ew_flush(struct buf *b, const unsigned char *p, size_t n, int useb,
    int *first)
{
	if (!*first)
		out_add(b, " ", 1);
	*first = 0;
	out_str(b, useb ? EW_PREFIX "B?" : EW_PREFIX "Q?");
	if (useb)
		b64_put(b, p, n);
	else
		q_put(b, p, n);
	out_add(b, "?=", 2);
}

/*
 * Append s[0..n) as encoded words separated by single spaces (which a
 * decoder drops between words). Q or B, whichever is shorter; words are
 * filled with whole UTF-8 characters only.
 */
static void
ew_encode(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char word[EW_PAYLOAD], ch[4];
	size_t i = 0, wlen = 0, wcost = 0, chlen, cost, qcost, maxb;
	int useb, first = 1;

	qcost = q_width(p, n);
	useb = qcost > (n + 2) / 3 * 4;
	maxb = EW_PAYLOAD / 4 * 3;	/* raw bytes that fit as base64 */
	while (i < n) {
		i += utf8_char(p + i, n - i, ch, &chlen);
		if (useb)
			cost = chlen;
		else
			cost = q_width(ch, chlen);
		if (wlen > 0 && (useb ? wlen + cost > maxb :
		    wcost + cost > EW_PAYLOAD)) {
			ew_flush(b, word, wlen, useb, &first);
			wlen = wcost = 0;
		}
		memcpy(word + wlen, ch, chlen);
		wlen += chlen;
		wcost += cost;
	}
	if (wlen > 0)
		ew_flush(b, word, wlen, useb, &first);
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Does a phrase or subject need encoded words: non-ASCII or control
 * bytes, "=?" (a decoder would take it for an encoded word), a run
 * without a space too long to fold, or a run of spaces too long to fold
 * after.
 */
static int
needs_ew(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0, blanks = 0;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x7f || p[i] < 0x20)
			return 1;
		if (p[i] == '=' && i + 1 < n && p[i + 1] == '?')
			return 1;
		run = p[i] == ' ' ? 0 : run + 1;
		blanks = p[i] == ' ' ? blanks + 1 : 0;
		if (run > WORD_PLAIN_MAX - 2 || blanks > BLANKS_PLAIN_MAX)
			return 1;
	}
	return 0;
}

/* Is there a run of more than BLANKS_PLAIN_MAX blanks in s? */
static int
long_blanks(const char *s)
{
	size_t blanks = 0;

	for (; *s != '\0'; s++) {
		blanks = (*s == ' ' || *s == '\t') ? blanks + 1 : 0;
		if (blanks > BLANKS_PLAIN_MAX)
			return 1;
	}
	return 0;
}

char *
notice_encode_phrase(const char *utf8)
{
	struct buf b;
	size_t i, n;
	int plain = 1;

	if (utf8 == NULL)
		utf8 = "";
	n = strlen(utf8);
	buf_init(&b, SIZE_MAX / 2);
	if (needs_ew(utf8, n)) {
		ew_encode(&b, utf8, n);
		return buf_steal(&b, NULL);
	}
	for (i = 0; i < n; i++)
		if (!is_atext((unsigned char)utf8[i]) && utf8[i] != ' ')
			plain = 0;
	if (n == 0 || utf8[0] == ' ' || utf8[n - 1] == ' ')
		plain = 0;
	if (plain)
		return xstrdup(utf8);
	out_add(&b, "\"", 1);
	for (i = 0; i < n; i++) {
		if (utf8[i] == '"' || utf8[i] == '\\')
			out_add(&b, "\\", 1);
		out_add(&b, utf8 + i, 1);
	}
	out_add(&b, "\"", 1);
	return buf_steal(&b, NULL);
}

/*
 * Unstructured text (Subject): words that are printable ASCII stay as
 * they are; each run of words that are not is written as encoded words,
 * the blanks between those words encoded with them.
 */
static char *
encode_text(const char *s)
{
	const char *p = s, *ws, *w, *run, *runend;
	struct buf b;
	size_t wl;

	buf_init(&b, SIZE_MAX / 2);
	/* Blanks too many to fold after: the whole text as encoded words. */
	if (long_blanks(s)) {
		ew_encode(&b, s, strlen(s));
		return buf_steal(&b, NULL);
	}
	while (*p != '\0') {
		ws = p;
		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		wl = (size_t)(p - w);
		if (wl == 0 || !needs_ew(w, wl)) {
			out_add(&b, ws, (size_t)(p - ws));
			continue;
		}
		out_add(&b, ws, (size_t)(w - ws));
		run = w;
		runend = p;
		/* Take following words into the run while they need it. */
		for (;;) {
			ws = p;
			while (*p == ' ' || *p == '\t')
				p++;
			w = p;
			while (*p != '\0' && *p != ' ' && *p != '\t')
				p++;
			wl = (size_t)(p - w);
			if (wl == 0 || !needs_ew(w, wl)) {
				p = ws;
				break;
			}
			runend = p;
		}
		ew_encode(&b, run, (size_t)(runend - run));
	}
	return buf_steal(&b, NULL);
}

/* ---- headers --------------------------------------------------------- */

/*
 * Append "Name: value" folded: a line is broken before a blank where it
 * would pass 78 characters, and (only to stay under 998) right after the
 * colon. Never before trailing blanks, so no line is blank-only.
 */
static void
hdr_add(struct buf *b, const char *name, const char *value)
{
	const char *p = value, *seg, *w;
	size_t linelen, seglen;
	int words = 0;

	out_str(b, name);
	out_add(b, ":", 1);
	linelen = strlen(name) + 1;
	while (*p != '\0') {
		seg = p;
		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		seglen = (size_t)(p - seg);
		if (w == seg)
			seglen++;	/* the blank we put after the colon */
		if (p != w && linelen + seglen > LINE_SOFT &&
		    (words > 0 || linelen + seglen > LINE_HARD)) {
			out_add(b, "\r\n", 2);
			linelen = 0;
		}
		if (w == seg)
			out_add(b, " ", 1);
		out_add(b, seg, (size_t)(p - seg));
		linelen += seglen;
		if (p != w)
			words++;
	}
	out_add(b, "\r\n", 2);
}

static int
has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* A plain addr-spec: dot-atom "@" (dot-atom or [literal]), ASCII only. */
static int
addr_ok(const char *a)
{
	const char *at, *p;
	size_t n;

	if (a == NULL)
		return 0;
	n = strlen(a);
	if (n == 0 || n > LIMIT_ADDR_BYTES)
		return 0;
	at = strchr(a, '@');
	if (at == NULL || at == a || strchr(at + 1, '@') != NULL ||
	    at[1] == '\0')
		return 0;
	/* local part: dot-atom */
	if (a[0] == '.' || at[-1] == '.')
		return 0;
	for (p = a; p < at; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)*p))
			return 0;
	}
	p = at + 1;
	if (*p == '[') {
		if (a[n - 1] != ']' || n - (size_t)(p - a) < 3)
			return 0;
		for (p++; p < a + n - 1; p++)
			if (*p <= 0x20 || *p >= 0x7f || *p == '[' ||
			    *p == ']' || *p == '\\')
				return 0;
		return 1;
	}
	if (*p == '.' || a[n - 1] == '.')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return 0;
		} else if (!((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return 0;
	}
	return 1;
}

/* A msg-id without <>: printable ASCII, no blanks, no <>, bounded. */
static int
msgid_ok(const char *id)
{
	size_t i, n;

	if (id == NULL)
		return 0;
	n = strlen(id);
	if (n == 0 || n > LIMIT_MSGID_BYTES)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 ||
		    (unsigned char)id[i] >= 0x7f || id[i] == '<' ||
		    id[i] == '>')
			return 0;
	return 1;
}

/* An Auto-Submitted value: a keyword, perhaps with parameters, ASCII. */
static int
token_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static char *
mailbox(const char *name, const char *addr)
{
	char *phrase, *s;

	if (name == NULL || name[0] == '\0')
		return xstrdup(addr);
	phrase = notice_encode_phrase(name);
	s = xasprintf("%s <%s>", phrase, addr);
	free(phrase);
	return s;
}

/* A boundary QP output can never hold: QP writes '=' only before hex or
 * a line break, never before '_'. Derived from the message, so composing
 * the same notice twice gives the same bytes. */
static void
make_boundary(char *dst, size_t dstsz, const struct notice *n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)n->message_id; *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= (uint64_t)n->date;
	h *= 0x100000001b3ULL;
	snprintf(dst, dstsz, "=_ticketd_%016llx", (unsigned long long)h);
}

static int
check(const struct notice *n, char *err, size_t errsz)
{
	const char *what = NULL;
	size_t i, hsize = 0, bsize;

	if (has_crlf(n->from_name))
		what = "From name holds CR or LF";
	else if (has_crlf(n->to_name))
		what = "To name holds CR or LF";
	else if (has_crlf(n->subject))
		what = "Subject holds CR or LF";
	else if (!addr_ok(n->from_addr))
		what = "From is not a plain address";
	else if (!addr_ok(n->to_addr))
		what = "To is not a plain address";
	else if (n->reply_to != NULL && !addr_ok(n->reply_to))
		what = "Reply-To is not a plain address";
	else if (n->x_loop != NULL && !addr_ok(n->x_loop))
		what = "X-Loop is not a plain address";
	else if (!msgid_ok(n->message_id))
		what = "bad Message-ID";
	else if (n->in_reply_to != NULL && !msgid_ok(n->in_reply_to))
		what = "bad In-Reply-To";
	else if (n->auto_submitted != NULL && !token_ok(n->auto_submitted))
		what = "bad Auto-Submitted";
	else if (n->nrefs > 0 && n->references == NULL)
		what = "References missing";
	for (i = 0; what == NULL && i < n->nrefs; i++) {
		if (!msgid_ok(n->references[i]))
			what = "bad References entry";
		else
			hsize += strlen(n->references[i]) + 3;
	}
	if (what == NULL) {
		hsize += n->subject != NULL ? strlen(n->subject) : 0;
		hsize += n->from_name != NULL ? strlen(n->from_name) : 0;
		hsize += n->to_name != NULL ? strlen(n->to_name) : 0;
		bsize = (n->text != NULL ? strlen(n->text) : 0) +
		    (n->html != NULL ? strlen(n->html) : 0);
		if (hsize > HEADERS_MAX)
			what = "header values too large";
		/* QP writes at most 4 bytes for one (=XX and soft breaks). */
		else if (bsize > (size_t)LIMIT_MAIL_BYTES_MAX / 4 - hsize * 4 -
		    4096)
			what = "body too large";
	}
	if (what == NULL)
		return 0;
	snprintf(err, errsz, "%s", what);
	return -1;
}

/* Every header line ends in CRLF and is at most 998 characters. */
static int
lines_ok(const char *p, size_t n)
{
	const char *nl;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL || nl == p || nl[-1] != '\r' ||
		    (size_t)(nl - p) - 1 > LINE_HARD)
			return 0;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return 1;
}

/*
 * A file name as a MIME parameter: a quoted-string when it is plain ASCII,
 * else RFC 2231 UTF-8 percent-encoding.
 */
static void
param_name(struct buf *b, const char *key, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int plain = 1;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			plain = 0;
	if (plain && strlen(name) < 200) {
		buf_printf(b, ";\r\n\t%s=\"%s\"", key, name);
		return;
	}
	buf_printf(b, ";\r\n\t%s*=UTF-8''", key);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_')
			buf_addch(b, (char)*p);
		else {
			buf_addch(b, '%');
			buf_addch(b, hex[*p >> 4]);
			buf_addch(b, hex[*p & 15]);
		}
	}
}

/* A Content-ID we can write as it is: "<" id ">" of plain characters. */
static int
cid_ok(const char *id)
{
	if (id == NULL || id[0] == '\0' || strlen(id) > 200)
		return 0;
	for (; *id != '\0'; id++)
		if (!isalnum((unsigned char)*id) && strchr(".-_@", *id) == NULL)
			return 0;
	return 1;
}

/*
 * One file as a base64 part: of the multipart/related, inline with its
 * Content-ID, when it has one, else an attachment of the multipart/mixed.
 * 0, or -1 when too big.
 */
static int
add_file(struct buf *b, const char *boundary, const struct notice_file *f)
{
	const char *type = f->media_type;
	size_t i;

	/* only a plain type/subtype goes into the header */
	for (i = 0; type[i] != '\0'; i++)
		if (!isalnum((unsigned char)type[i]) && strchr("/.+-", type[i]) ==
		    NULL)
			type = "application/octet-stream";
	if (buf_printf(b, "\r\n--%s\r\nContent-Type: %s", boundary, type) == -1)
		return -1;
	param_name(b, "name", f->filename);
	if (cid_ok(f->content_id)) {
		buf_printf(b, "\r\nContent-ID: <%s>", f->content_id);
		buf_addstr(b, "\r\nContent-Disposition: inline");
	} else
		buf_addstr(b, "\r\nContent-Disposition: attachment");
	param_name(b, "filename", f->filename);
	if (buf_addstr(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n") == -1)
		return -1;
	if (f->data == NULL && f->blob_id > 0) {
		if (buf_addch(b, '\0') == -1 || buf_printf(b, "B%lld:%zu",
		    f->blob_id, f->len) == -1 || buf_addch(b, '\0') == -1)
			return -1;
	} else if (notice_base64(b, f->data, f->len) == -1)
		return -1;
	return buf_addstr(b, "\r\n");
}

int
notice_base64(struct buf *b, const void *data, size_t len)
{
	return notice_base64_lines(b, data, len, 76, 0);
}

int
notice_base64_lines(struct buf *b, const void *data, size_t len,
    size_t width, int lf)
{
	const unsigned char *p = data;
	size_t i, col = 0;
	char q[4];

	for (i = 0; i < len; i += 3) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[((p[i] & 3) << 4) | (i + 1 < len ? p[i + 1] >> 4 : 0)];
		q[2] = i + 1 < len ? b64[((p[i + 1] & 15) << 2) |
		    (i + 2 < len ? p[i + 2] >> 6 : 0)] : '=';
		q[3] = i + 2 < len ? b64[p[i + 2] & 63] : '=';
		if (buf_add(b, q, 4) == -1)
			return -1;
		col += 4;
		if (col == width && i + 3 < len) {
			if (buf_addstr(b, lf ? "\n" : "\r\n") == -1)
				return -1;
			col = 0;
		}
	}
	return 0;
}

char *
notice_unref(const char *msg, size_t len,
    int (*get)(void *, long long, char **, size_t *, char *, size_t),
    void *arg, size_t *outlen, char *err, size_t errsz)
{
	const char *p = msg, *end = msg + len, *nul, *close, *s;
	char *data, *stop;
	long long id;
	unsigned long long want, f[3] = { 76, 0, 0 };
	size_t n, k;
	struct buf b;

	buf_init(&b, (size_t)LIMIT_MAIL_BYTES_MAX);
	while ((nul = memchr(p, '\0', (size_t)(end - p))) != NULL) {
		if (buf_add(&b, p, (size_t)(nul - p)) == -1)
			goto big;
		close = memchr(nul + 1, '\0', (size_t)(end - nul - 1));
		errno = 0;
		if (close == NULL || close - nul > NOTICE_REF_MAX ||
		    nul[1] != 'B' || !isdigit((unsigned char)nul[2]) ||
		    (id = strtoll(nul + 2, &stop, 10)) <= 0 || *stop != ':' ||
		    !isdigit((unsigned char)stop[1]))
			goto damaged;
		want = strtoull(stop + 1, &stop, 10);
		/* a mail's: :width:lf:eol (notice_compose's: 76, CRLF, none) */
		f[0] = 76;
		f[1] = f[2] = 0;
		for (k = 0; k < 3 && stop != close; k++) {
			s = stop + 1;
			if (*stop != ':' || !isdigit((unsigned char)*s))
				goto damaged;
			f[k] = strtoull(s, &stop, 10);
		}
		if (stop != close || errno != 0 || (k != 0 && k != 3) ||
		    f[0] < 4 || f[0] % 4 != 0 || f[0] > NOTICE_REF_WIDTH_MAX ||
		    f[1] > 1 || f[2] > 1)
			goto damaged;
		if (get(arg, id, &data, &n, err, errsz) == -1) {
			buf_clear(&b);
			return NULL;
		}
		if (n != want) {
			snprintf(err, errsz, "image %lld has %zu bytes, not "
			    "%llu", id, n, want);
			free(data);
			buf_clear(&b);
			return NULL;
		}
		if (notice_base64_lines(&b, data, n, (size_t)f[0],
		    (int)f[1]) == -1 || (f[2] && buf_addstr(&b, f[1] ? "\n" :
		    "\r\n") == -1)) {
			free(data);
			goto big;
		}
		free(data);
		p = close + 1;
	}
	if (buf_add(&b, p, (size_t)(end - p)) == -1)
		goto big;
	return buf_steal(&b, outlen);
damaged:
	snprintf(err, errsz, "a damaged image reference at byte %zu",
	    (size_t)(nul - msg));
	buf_clear(&b);
	return NULL;
big:
	snprintf(err, errsz, "message larger than %lld bytes",
	    (long long)LIMIT_MAIL_BYTES_MAX);
	buf_clear(&b);
	return NULL;
}

char *
notice_compose(const struct notice *n, size_t *len, char *err, size_t errsz)
{
	char date[64], boundary[64], mixed[80], related[80], *s, *v;
	struct buf b, refs;
	struct tm tm;
	size_t i, hdrlen, nrel = 0, nmix = 0;

	if (check(n, err, errsz) == -1)
		return NULL;
	if (gmtime_r(&n->date, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1900) {
		snprintf(err, errsz, "bad date");
		return NULL;
	}
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wday[tm.tm_wday], tm.tm_mday, month[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	make_boundary(boundary, sizeof(boundary), n);

	buf_init(&b, (size_t)LIMIT_MAIL_BYTES_MAX);
	hdr_add(&b, "Date", date);
	s = mailbox(n->from_name, n->from_addr);
	hdr_add(&b, "From", s);
	free(s);
	s = mailbox(n->to_name, n->to_addr);
	hdr_add(&b, "To", s);
	free(s);
	if (n->reply_to != NULL)
		hdr_add(&b, "Reply-To", n->reply_to);
	s = encode_text(n->subject != NULL ? n->subject : "");
	hdr_add(&b, "Subject", s);
	free(s);
	s = xasprintf("<%s>", n->message_id);
	hdr_add(&b, "Message-ID", s);
	free(s);
	if (n->in_reply_to != NULL) {
		s = xasprintf("<%s>", n->in_reply_to);
		hdr_add(&b, "In-Reply-To", s);
		free(s);
	}
	if (n->nrefs > 0) {
		buf_init(&refs, SIZE_MAX / 2);
		for (i = 0; i < n->nrefs; i++) {
			if (i > 0)
				out_add(&refs, " ", 1);
			out_add(&refs, "<", 1);
			out_str(&refs, n->references[i]);
			out_add(&refs, ">", 1);
		}
		v = buf_steal(&refs, NULL);
		hdr_add(&b, "References", v);
		free(v);
	}
	hdr_add(&b, "Auto-Submitted", n->auto_submitted != NULL ?
	    n->auto_submitted : "auto-generated");
	hdr_add(&b, "X-Auto-Response-Suppress", "All");
	hdr_add(&b, "Precedence", "bulk");
	hdr_add(&b, "X-Loop", n->x_loop != NULL ? n->x_loop : n->from_addr);
	hdr_add(&b, "MIME-Version", "1.0");
	for (i = 0; i < n->nfiles; i++) {
		if (cid_ok(n->files[i].content_id))
			nrel++;
		else
			nmix++;
	}
	/* no boundary is a prefix of another */
	snprintf(mixed, sizeof(mixed), "=_ticketdM_%s", boundary + 10);
	snprintf(related, sizeof(related), "=_ticketdR_%s", boundary + 10);
	if (nmix > 0)
		s = xasprintf("multipart/mixed; boundary=\"%s\"", mixed);
	else
		s = xasprintf("multipart/alternative; boundary=\"%s\"", boundary);
	hdr_add(&b, "Content-Type", s);
	free(s);
	hdrlen = b.len;
	if (!lines_ok(b.data, hdrlen)) {
		snprintf(err, errsz, "a header line would pass %d bytes",
		    LINE_HARD);
		buf_clear(&b);
		return NULL;
	}

	if (nmix > 0 && buf_printf(&b, "\r\n--%s\r\n"
	    "Content-Type: multipart/alternative; boundary=\"%s\"\r\n",
	    mixed, boundary) == -1)
		goto fail;
	/*
	 * Each part ends with an extra CRLF: the one before a boundary
	 * belongs to the boundary, so the content keeps its own last line
	 * break (or lack of one).
	 */
	if (buf_printf(&b, "\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	    boundary) == -1)
		goto fail;
	qp_encode(&b, n->text != NULL ? n->text : "");
	/* the HTML and the images it shows: a multipart/related (RFC 2387) */
	if (nrel > 0 && buf_printf(&b, "\r\n--%s\r\n"
	    "Content-Type: multipart/related; type=\"text/html\";\r\n"
	    "\tboundary=\"%s\"\r\n", boundary, related) == -1)
		goto fail;
	if (buf_printf(&b, "\r\n--%s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	    nrel > 0 ? related : boundary) == -1)
		goto fail;
	qp_encode(&b, n->html != NULL ? n->html : "");
	for (i = 0; i < n->nfiles; i++)
		if (cid_ok(n->files[i].content_id) &&
		    add_file(&b, related, &n->files[i]) == -1)
			goto fail;
	if (nrel > 0 && buf_printf(&b, "\r\n--%s--\r\n", related) == -1)
		goto fail;
	if (buf_printf(&b, "\r\n--%s--\r\n", boundary) == -1)
		goto fail;
	for (i = 0; i < n->nfiles; i++)
		if (!cid_ok(n->files[i].content_id) &&
		    add_file(&b, mixed, &n->files[i]) == -1)
			goto fail;
	if (nmix > 0 && buf_printf(&b, "\r\n--%s--\r\n", mixed) == -1)
		goto fail;
	return buf_steal(&b, len);
fail:
	snprintf(err, errsz, "message larger than %lld bytes",
	    (long long)LIMIT_MAIL_BYTES_MAX);
	buf_clear(&b);
	return NULL;
}

/* ---- Message-ID ------------------------------------------------------ */

static void
random_bytes(unsigned char *p, size_t n)
{
	ssize_t r;
	size_t got = 0;
	int fd;

	while (got < n) {
		r = getrandom(p + got, n - got, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		fatal("notice: no random bytes: /dev/urandom");
	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			fatal("notice: no random bytes: read /dev/urandom");
		got += (size_t)r;
	}
	close(fd);
}

/* A domain we can put in a msg-id as it is. */
static int
domain_ok(const char *d)
{
	if (*d == '\0')
		return 0;
	for (; *d != '\0'; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
		    (*d >= '0' && *d <= '9') || *d == '.' || *d == '-' ||
		    *d == '[' || *d == ']' || *d == ':' || *d == '_'))
			return 0;
	return 1;
}

char *
notice_message_id(const char *desk_addr)
{
	unsigned char rnd[8];
	char hex[17];
	const char *at, *domain = "localhost";
	size_t i;

	at = desk_addr != NULL ? strrchr(desk_addr, '@') : NULL;
	if (at != NULL && domain_ok(at + 1) &&
	    strlen(at + 1) < LIMIT_MSGID_BYTES - 40)
		domain = at + 1;
	random_bytes(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 0x0f];
	}
	hex[16] = '\0';
	return xasprintf("%lld.%s@%s", (long long)time(NULL), hex, domain);
}
