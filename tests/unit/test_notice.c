/*
 * test_notice.c — compose notices and read them back with a small RFC 5322
 * header reader, an RFC 2047 decoder and a quoted-printable decoder written
 * here, independent of src/notice.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "notice.h"
#include "t.h"

/* ---- helpers: growable string ---------------------------------------- */

struct str {
	char	*p;
	size_t	 len, cap;
};

static void
s_add(struct str *s, const void *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (s->p == NULL)
			abort();
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static char *
s_take(struct str *s)
{
	if (s->p == NULL)
		s_add(s, "", 0);
	return s->p;
}

static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, need, k;
	unsigned int cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			need = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			need = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			need = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* LF not after CR becomes CRLF: what the encoder promises for text. */
static char *
crlf(const char *in)
{
	struct str s = { 0 };
	size_t i;

	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			s_add(&s, "\r", 1);
		s_add(&s, in + i, 1);
	}
	return s_take(&s);
}

/* ---- quoted-printable decoder ---------------------------------------- */

/*
 * Strict RFC 2045 decoding of n bytes. Returns NULL on a malformed escape,
 * a line over 76 characters, a bare CR or LF, or trailing blanks before a
 * line break.
 */
static char *
qp_decode_x(const char *p, size_t n, int strict_end)
{
	struct str s = { 0 };
	size_t i, col = 0;
	int hi, lo;
	char c;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				goto bad;
			if (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
				goto bad;
			s_add(&s, "\r\n", 2);
			i++;
			col = 0;
			continue;
		}
		if (p[i] == '\n')
			goto bad;
		if (++col > 76)
			goto bad;
		if (p[i] != '=') {
			if ((unsigned char)p[i] >= 0x7f ||
			    ((unsigned char)p[i] < 0x20 && p[i] != '\t'))
				goto bad;
			s_add(&s, p + i, 1);
			continue;
		}
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
			i += 2;
			col = 0;
			continue;
		}
		if (i + 2 >= n)
			goto bad;
		hi = hexval(p[i + 1]);
		lo = hexval(p[i + 2]);
		/* We write upper case only. */
		if (hi < 0 || lo < 0 || (p[i + 1] >= 'a' && p[i + 1] <= 'f') ||
		    (p[i + 2] >= 'a' && p[i + 2] <= 'f'))
			goto bad;
		c = (char)(hi << 4 | lo);
		s_add(&s, &c, 1);
		i += 2;
		col += 2;
		if (col > 76)
			goto bad;
	}
	if (strict_end && n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		goto bad;
	return s_take(&s);
bad:
	free(s.p);
	return NULL;
}

static char *
qp_decode(const char *p, size_t n)
{
	return qp_decode_x(p, n, 1);
}

/* ---- RFC 2047 decoder ------------------------------------------------ */

static int
b64val(char c)
{
	const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *q;

	if (c == '\0')
		return -1;
	q = strchr(a, c);
	return q == NULL ? -1 : (int)(q - a);
}

static int ew_bad;	/* set when an encoded word breaks a rule */

/*
 * Decode one encoded word w[0..n) into s; 0 when it is not one. Checks:
 * <= 75 chars, UTF-8 charset, and that the word alone is valid UTF-8 (no
 * character split across words).
 */
static int
ew_decode(struct str *s, const char *w, size_t n)
{
	struct str d = { 0 };
	const char *t;
	size_t tn, i;
	unsigned int acc = 0;
	int bits = 0, v, enc;
	char c;

	if (n < 10 || w[0] != '=' || w[1] != '?' || w[n - 2] != '?' ||
	    w[n - 1] != '=')
		return 0;
	if (strncmp(w, "=?UTF-8?", 8) != 0 || (w[8] != 'B' && w[8] != 'Q') ||
	    w[9] != '?') {
		ew_bad = 1;
		return 0;
	}
	if (n > 75)
		ew_bad = 1;
	enc = w[8];
	t = w + 10;
	tn = n - 12;
	for (i = 0; i < tn; i++) {
		if (enc == 'Q') {
			if (t[i] == '_')
				s_add(&d, " ", 1);
			else if (t[i] == '=' && i + 2 < tn &&
			    hexval(t[i + 1]) >= 0 && hexval(t[i + 2]) >= 0) {
				c = (char)(hexval(t[i + 1]) << 4 |
				    hexval(t[i + 2]));
				s_add(&d, &c, 1);
				i += 2;
			} else if (t[i] == '?' || t[i] == '=' || t[i] == ' ' ||
			    (unsigned char)t[i] < 0x21 ||
			    (unsigned char)t[i] > 0x7e) {
				ew_bad = 1;
			} else
				s_add(&d, t + i, 1);
		} else {
			if (t[i] == '=')
				break;
			v = b64val(t[i]);
			if (v < 0) {
				ew_bad = 1;
				continue;
			}
			acc = acc << 6 | (unsigned int)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				c = (char)(acc >> bits & 0xff);
				s_add(&d, &c, 1);
			}
		}
	}
	if (d.len > 0 && !utf8_valid((unsigned char *)d.p, d.len))
		ew_bad = 1;
	if (d.len > 0)
		s_add(s, d.p, d.len);
	free(d.p);
	return 1;
}

/*
 * Decode unstructured text: encoded words decoded, blanks between two
 * adjacent encoded words dropped, everything else kept.
 */
static char *
decode_text(const char *v)
{
	struct str s = { 0 };
	const char *p = v, *ws, *w;
	int prev_ew = 0, this_ew;
	struct str tmp;

	while (*p != '\0') {
		ws = p;
		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		tmp = (struct str){ 0 };
		this_ew = p > w && ew_decode(&tmp, w, (size_t)(p - w));
		if (!(this_ew && prev_ew))
			s_add(&s, ws, (size_t)(w - ws));
		if (this_ew) {
			if (tmp.len > 0)
				s_add(&s, tmp.p, tmp.len);
		} else
			s_add(&s, w, (size_t)(p - w));
		free(tmp.p);
		if (p > w)
			prev_ew = this_ew;
	}
	return s_take(&s);
}

/* A phrase: a quoted-string, or atoms and encoded words. */
static char *
decode_phrase(const char *v)
{
	struct str s = { 0 };
	size_t n = strlen(v), i;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		for (i = 1; i < n - 1; i++) {
			if (v[i] == '\\')
				i++;
			else if (v[i] == '"')
				ew_bad = 1;	/* unescaped quote inside */
			s_add(&s, v + i, 1);
		}
		return s_take(&s);
	}
	for (i = 0; i < n; i++)
		if (strchr("()<>[]:;@\\,.\"", v[i]) != NULL)
			ew_bad = 1;	/* a special outside quotes */
	return decode_text(v);
}

/* ---- message reader -------------------------------------------------- */

#define MAXHDR 64

struct msg {
	char	*name[MAXHDR];
	char	*value[MAXHDR];	/* unfolded, leading blanks stripped */
	size_t	 nhdr;
	const char *body;	/* into the composed bytes */
	size_t	 bodylen;
	size_t	 maxhdrline;	/* longest header line */
	int	 ok;		/* structure checks passed */
};

static void
msg_free(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->nhdr; i++) {
		free(m->name[i]);
		free(m->value[i]);
	}
	m->nhdr = 0;
}

/* Every line ends CRLF, no bare CR or LF, none over 998. */
static int
lines_ok(const char *p, size_t n)
{
	size_t i, col = 0;

	if (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n')
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				return 0;
			i++;
			col = 0;
			continue;
		}
		if (p[i] == '\n' || p[i] == '\0')
			return 0;
		if (++col > 998)
			return 0;
	}
	return 1;
}

static int
msg_parse(struct msg *m, const char *p, size_t n)
{
	const char *end, *line, *nl, *colon;
	struct str v;
	size_t ll, i, k;

	memset(m, 0, sizeof(*m));
	if (!lines_ok(p, n))
		return -1;
	end = strstr(p, "\r\n\r\n");
	if (end == NULL)
		return -1;
	m->body = end + 4;
	m->bodylen = n - (size_t)(m->body - p);
	line = p;
	while (line < end + 2) {
		nl = strstr(line, "\r\n");
		ll = (size_t)(nl - line);
		if (ll > m->maxhdrline)
			m->maxhdrline = ll;
		if (line[0] == ' ' || line[0] == '\t') {
			/* continuation: must have some non-blank */
			if (m->nhdr == 0 || strspn(line, " \t") >= ll)
				return -1;
			v = (struct str){ m->value[m->nhdr - 1],
			    strlen(m->value[m->nhdr - 1]), 0 };
			v.cap = v.len + 1;
			s_add(&v, line, ll);
			m->value[m->nhdr - 1] = v.p;
		} else {
			colon = memchr(line, ':', ll);
			if (colon == NULL || m->nhdr == MAXHDR)
				return -1;
			m->name[m->nhdr] = strndup(line, (size_t)(colon - line));
			colon++;
			while (colon < nl && (*colon == ' ' || *colon == '\t'))
				colon++;
			m->value[m->nhdr] = strndup(colon, (size_t)(nl - colon));
			m->nhdr++;
		}
		line = nl + 2;
	}
	/* A value that began on a continuation line. */
	for (i = 0; i < m->nhdr; i++) {
		k = strspn(m->value[i], " \t");
		memmove(m->value[i], m->value[i] + k,
		    strlen(m->value[i] + k) + 1);
	}
	m->ok = 1;
	return 0;
}

static const char *
msg_get(const struct msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nhdr; i++)
		if (strcasecmp(m->name[i], name) == 0)
			return m->value[i];
	return NULL;
}

/*
 * Split the multipart body into its two parts and decode them. Checks
 * part headers, the boundary and that the QP is strict.
 */
static int
msg_parts(const struct msg *m, char **text, char **html)
{
	const char *ct, *bq, *p, *q, *end, *h;
	char bnd[128], delim[140];
	size_t blen;
	int i;

	*text = *html = NULL;
	ct = msg_get(m, "Content-Type");
	if (ct == NULL || strncmp(ct, "multipart/alternative;", 22) != 0)
		return -1;
	bq = strstr(ct, "boundary=\"");
	if (bq == NULL)
		return -1;
	bq += 10;
	q = strchr(bq, '"');
	if (q == NULL || (size_t)(q - bq) >= sizeof(bnd) || q == bq)
		return -1;
	blen = (size_t)(q - bq);
	memcpy(bnd, bq, blen);
	bnd[blen] = '\0';
	if (strstr(bnd, "=_") == NULL)
		return -1;
	snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
	/* No preamble: the body opens with the first delimiter. */
	if (strncmp(m->body, delim + 2, strlen(delim) - 2) != 0)
		return -1;
	p = m->body + strlen(delim) - 2;
	for (i = 0; i < 2; i++) {
		if (strncmp(p, "\r\n", 2) != 0)
			return -1;
		p += 2;
		h = i == 0 ? "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n" :
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
		if (strncmp(p, h, strlen(h)) != 0)
			return -1;
		p += strlen(h);
		end = strstr(p, delim);
		if (end == NULL)
			return -1;
		if (i == 0)
			*text = qp_decode(p, (size_t)(end - p));
		else
			*html = qp_decode(p, (size_t)(end - p));
		p = end + strlen(delim);
	}
	if (strcmp(p, "--\r\n") != 0 || *text == NULL || *html == NULL)
		return -1;
	return 0;
}

/* ---- fixtures -------------------------------------------------------- */

static const char *refs3[] = {
	"orig.1@client.example", "1700000000.aaaa@corp.example",
	"1700000100.bbbb@corp.example",
};

static struct notice
base(void)
{
	struct notice n;

	memset(&n, 0, sizeof(n));
	n.from_addr = "it@corp.example";
	n.from_name = "IT help desk";
	n.to_addr = "alice@corp.example";
	n.to_name = "Alice Example";
	n.reply_to = "it+42@corp.example";
	n.subject = "[IT #42] Printer on 3rd floor";
	n.message_id = "1700000200.0123456789abcdef@corp.example";
	n.in_reply_to = "orig.1@client.example";
	n.references = refs3;
	n.nrefs = 3;
	n.auto_submitted = "auto-replied";
	n.x_loop = "it@corp.example";
	n.text = "Hello Alice,\n\nwe have opened ticket #42.\n";
	n.html = "<p>Hello Alice,</p>\n<p>we have opened ticket #42.</p>\n";
	n.date = 1700000000;
	return n;
}

/*
 * Compose n, parse it back, check the structure, and compare what a
 * reader gets with what went in. Returns the parsed message (caller
 * frees with msg_free) and the raw bytes in *raw.
 */
static int
roundtrip(const struct notice *n, struct msg *m, char **raw)
{
	char err[256], *text, *html, *want, *dec;
	size_t len;
	int rc = 0;

	err[0] = '\0';
	*raw = notice_compose(n, &len, err, sizeof(err));
	if (*raw == NULL) {
		fprintf(stderr, "# compose failed: %s\n", err);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	T_INTEQ(strlen(*raw), len);
	if (msg_parse(m, *raw, len) == -1) {
		fprintf(stderr, "# unparseable:\n%s\n", *raw);
		return -1;
	}
	ew_bad = 0;
	dec = decode_text(msg_get(m, "Subject") ? msg_get(m, "Subject") : "");
	T_STREQ(dec, n->subject);
	T_CHECK(!ew_bad);
	if (strcmp(dec, n->subject) != 0)
		rc = -1;
	free(dec);
	if (msg_parts(m, &text, &html) == -1) {
		fprintf(stderr, "# bad parts:\n%s\n", *raw);
		T_CHECK(!"parts");
		rc = -1;
	} else {
		want = crlf(n->text != NULL ? n->text : "");
		T_STREQ(text, want);
		free(want);
		want = crlf(n->html != NULL ? n->html : "");
		T_STREQ(html, want);
		free(want);
	}
	free(text);
	free(html);
	return rc;
}

/* ---- tests ----------------------------------------------------------- */

static void
check_qp(const char *in, const char *want)
{
	char *got;
	size_t len;

	got = notice_qp(in, &len);
	T_STREQ(got, want);
	T_INTEQ(len, strlen(want));
	free(got);
}

static void
test_qp_vectors(void)
{
	check_qp("", "");
	check_qp("hello", "hello");
	check_qp("a=b", "a=3Db");
	check_qp("x \n", "x=20\r\n");
	check_qp("x\t\ny", "x=09\r\ny");
	check_qp("x  ", "x =20");
	check_qp("a\r\nb", "a\r\nb");
	check_qp("a\nb\n", "a\r\nb\r\n");
	check_qp("a\rb", "a=0Db");
	check_qp("\xc3\xa9t\xc3\xa9", "=C3=A9t=C3=A9");
	check_qp(".\n..x", "=2E\r\n=2E.x");
	check_qp("From me\nFrom", "=46rom me\r\nFrom");
	check_qp("tab\there", "tab\there");
	check_qp("\x7f\x01", "=7F=01");
	/* 76 characters fit on one line, 77 need a soft break. */
	check_qp("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	check_qp("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\naa");
	/* An escape is never cut by a soft break. */
	check_qp("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n=3Db");
	{
		char *e = notice_qp(NULL, NULL);

		T_STREQ(e, "");
		free(e);
	}
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Encoded output: lines <= 76, CRLF only, no UTF-8 character cut. */
static void
check_qp_shape(const char *in)
{
	char *out, *dec, *want;
	size_t len, i, start = 0;

	out = notice_qp(in, &len);
	dec = qp_decode(out, len);
	want = crlf(in);
	T_CHECK(dec != NULL);
	T_CHECK(dec != NULL && strcmp(dec, want) == 0);
	/* Soft breaks fall between characters when the input is UTF-8. */
	if (utf8_valid((const unsigned char *)in, strlen(in))) {
		for (i = 0; i + 2 < len; i++) {
			if (out[i] == '=' && out[i + 1] == '\r') {
				char *seg = qp_decode_x(out + start,
				    i - start, 0);

				T_CHECK(seg != NULL && utf8_valid(
				    (unsigned char *)seg, strlen(seg)));
				free(seg);
				start = i + 3;
			}
		}
	}
	free(out);
	free(dec);
	free(want);
}

static void
test_qp_random(void)
{
	static const char *const pieces[] = {
		"a", "b", " ", "\t", "=", ".", "From ", "\n", "\r\n", "\r",
		"\xc3\xa4", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "?", "_", "x",
		"\xff", "\x80", "\x01",
	};
	char buf[4096];
	size_t len, i, k, pl;
	int round, utf8only;

	for (round = 0; round < 3000; round++) {
		utf8only = round % 2;
		len = 0;
		k = rnd() % 400;
		for (i = 0; i < k; i++) {
			const char *pc = pieces[rnd() % (sizeof(pieces) /
			    sizeof(pieces[0]) - (utf8only ? 3 : 0))];

			pl = strlen(pc);
			if (len + pl >= sizeof(buf))
				break;
			memcpy(buf + len, pc, pl);
			len += pl;
		}
		buf[len] = '\0';
		check_qp_shape(buf);
	}
	/* Long lines of one kind each. */
	memset(buf, 'x', 1000);
	buf[1000] = '\0';
	check_qp_shape(buf);
	for (i = 0; i + 2 < 1000; i += 2)
		memcpy(buf + i, "\xc3\xa4", 2);
	buf[i] = '\0';
	check_qp_shape(buf);
	memset(buf, '=', 1000);
	buf[1000] = '\0';
	check_qp_shape(buf);
	memset(buf, ' ', 1000);
	buf[1000] = '\0';
	check_qp_shape(buf);
}

static void
check_phrase(const char *in, const char *want)
{
	char *got, *dec;

	got = notice_encode_phrase(in);
	if (want != NULL)
		T_STREQ(got, want);
	ew_bad = 0;
	dec = decode_phrase(got);
	T_STREQ(dec, in);
	T_CHECK(!ew_bad);
	free(dec);
	free(got);
}

static void
test_phrase(void)
{
	check_phrase("IT help desk", "IT help desk");
	check_phrase("Bob", "Bob");
	check_phrase("Doe, John", "\"Doe, John\"");
	check_phrase("J. Smith", "\"J. Smith\"");
	check_phrase("Say \"hi\" \\o/", "\"Say \\\"hi\\\" \\\\o/\"");
	check_phrase("<admin@corp.example>", "\"<admin@corp.example>\"");
	check_phrase(" lead", "\" lead\"");
	check_phrase("J\xc3\xbcrgen M\xc3\xbcller", NULL);
	check_phrase("\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", NULL);
	check_phrase("\xf0\x9f\x98\x80 Happy", NULL);
	/* Looks like an encoded word: must come back literally. */
	check_phrase("=?UTF-8?Q?evil?=", NULL);
	check_phrase("a\tb", NULL);
}

static void
test_message_id(void)
{
	char *a, *b;
	const char *dot, *at;
	size_t i;

	a = notice_message_id("it@corp.example");
	b = notice_message_id("it@corp.example");
	T_CHECK(strcmp(a, b) != 0);
	dot = strchr(a, '.');
	at = strchr(a, '@');
	T_CHECK(dot != NULL && at != NULL && at - dot == 17);
	for (i = 0; a + i < dot; i++)
		T_CHECK(a[i] >= '0' && a[i] <= '9');
	for (i = 1; dot != NULL && dot + i < at; i++)
		T_CHECK(hexval(dot[i]) >= 0);
	T_STREQ(at, "@corp.example");
	T_CHECK(strchr(a, '<') == NULL && strchr(a, '>') == NULL);
	free(a);
	free(b);
	a = notice_message_id("nodomain");
	T_CHECK(strlen(a) > 10 &&
	    strcmp(a + strlen(a) - 10, "@localhost") == 0);
	free(a);
	a = notice_message_id("\"a@b\"@last.example");
	T_CHECK(strstr(a, "@last.example") != NULL);
	free(a);
	a = notice_message_id("x@bad domain\r\n");
	T_CHECK(strstr(a, "@localhost") != NULL);
	free(a);
}

static void
test_compose(void)
{
	static const char *const order[] = {
		"Date", "From", "To", "Reply-To", "Subject", "Message-ID",
		"In-Reply-To", "References", "Auto-Submitted",
		"X-Auto-Response-Suppress", "Precedence", "X-Loop",
		"MIME-Version", "Content-Type",
	};
	struct notice n = base();
	struct msg m;
	char *raw, *again, err[128];
	size_t i, len;

	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_INTEQ(m.nhdr, sizeof(order) / sizeof(order[0]));
	for (i = 0; i < m.nhdr && i < sizeof(order) / sizeof(order[0]); i++)
		T_STREQ(m.name[i], order[i]);
	T_CHECK(m.maxhdrline <= 78);
	T_STREQ(msg_get(&m, "Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
	T_STREQ(msg_get(&m, "From"), "IT help desk <it@corp.example>");
	T_STREQ(msg_get(&m, "To"), "Alice Example <alice@corp.example>");
	T_STREQ(msg_get(&m, "Reply-To"), "it+42@corp.example");
	T_STREQ(msg_get(&m, "Subject"), "[IT #42] Printer on 3rd floor");
	T_STREQ(msg_get(&m, "Message-ID"),
	    "<1700000200.0123456789abcdef@corp.example>");
	T_STREQ(msg_get(&m, "In-Reply-To"), "<orig.1@client.example>");
	T_STREQ(msg_get(&m, "References"), "<orig.1@client.example> "
	    "<1700000000.aaaa@corp.example> <1700000100.bbbb@corp.example>");
	T_STREQ(msg_get(&m, "Auto-Submitted"), "auto-replied");
	T_STREQ(msg_get(&m, "X-Auto-Response-Suppress"), "All");
	T_STREQ(msg_get(&m, "Precedence"), "bulk");
	T_STREQ(msg_get(&m, "X-Loop"), "it@corp.example");
	T_STREQ(msg_get(&m, "MIME-Version"), "1.0");
	/* Same input, same bytes. */
	again = notice_compose(&n, &len, err, sizeof(err));
	T_CHECK(again != NULL && strcmp(again, raw) == 0);
	free(again);
	free(raw);
	msg_free(&m);

	/* Optional headers left out; no names. */
	n.reply_to = NULL;
	n.in_reply_to = NULL;
	n.references = NULL;
	n.nrefs = 0;
	n.from_name = NULL;
	n.to_name = "";
	n.date = 0;
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_INTEQ(m.nhdr, sizeof(order) / sizeof(order[0]) - 3);
	T_CHECK(msg_get(&m, "Reply-To") == NULL);
	T_CHECK(msg_get(&m, "In-Reply-To") == NULL);
	T_CHECK(msg_get(&m, "References") == NULL);
	T_STREQ(msg_get(&m, "From"), "it@corp.example");
	T_STREQ(msg_get(&m, "To"), "alice@corp.example");
	T_STREQ(msg_get(&m, "Date"), "Thu, 01 Jan 1970 00:00:00 +0000");
	free(raw);
	msg_free(&m);
}

/* Every encoded word in the raw header block is at most 75 chars. */
static void
check_ew_lengths(const char *raw)
{
	const char *p = raw, *end = strstr(raw, "\r\n\r\n"), *q;

	while ((p = strstr(p, "=?")) != NULL && p < end) {
		/* past the "?" of "=?UTF-8?Q?" */
		q = strstr(p + 10, "?=");
		T_CHECK(q != NULL && q + 2 - p <= 75);
		p = q != NULL ? q + 2 : end;
	}
}

static void
test_i18n(void)
{
	static const char *const subjects[] = {
		"[IT #42] Drucker im 3. Stock defekt \xe2\x80\x93 gr\xc3\xb6\xc3\x9f"
		    "er Stau, \xc3\xbc" "berall Papier",
		"[IT #7] \xe3\x83\x97\xe3\x83\xaa\xe3\x83\xb3\xe3\x82\xbf\xe3\x83"
		    "\xbc\xe3\x81\x8c\xe5\x8b\x95\xe3\x81\x8d\xe3\x81\xbe\xe3\x81"
		    "\x9b\xe3\x82\x93\xe3\x80\x82\xe4\xb8\x89\xe9\x9a\x8e\xe3\x81"
		    "\xae\xe3\x83\x97\xe3\x83\xaa\xe3\x83\xb3\xe3\x82\xbf\xe3\x83"
		    "\xbc\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe8\x87\xb3\xe6\x80"
		    "\xa5\xe5\xaf\xbe\xe5\xbf\x9c\xe3\x82\x92\xe3\x81\x8a\xe9\xa1"
		    "\x98\xe3\x81\x84\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99",
		"[IT #9] \xf0\x9f\x96\xa8\xef\xb8\x8f\xf0\x9f\x94\xa5\xf0\x9f\x98"
		    "\xb1 printer on fire \xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f"
		    "\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0"
		    "\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5\xf0\x9f\x94\xa5",
		"caf\xc3\xa9  double  spaces \xc3\xa9  and_under=score?",
		"=?UTF-8?B?ZXZpbA==?= literal",
	};
	struct notice n = base();
	struct msg m;
	char *raw;
	size_t i;

	n.from_name = "IT-Service \xc3\x9c" "berall";
	n.to_name = "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e";
	n.text = "Gr\xc3\xbc\xc3\x9f" "e,\n\xe3\x81\x93\xe3\x82\x93\xe3\x81"
	    "\xab\xe3\x81\xa1\xe3\x81\xaf \xf0\x9f\x98\x80\n"
	    "= lines with trailing blanks   \n.\nFrom here\n";
	n.html = "<p>Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x98\x80</p>";
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		n.subject = subjects[i];
		T_INTEQ(roundtrip(&n, &m, &raw), 0);
		T_CHECK(m.maxhdrline <= 78);
		check_ew_lengths(raw);
		/* Only ASCII goes on the wire. */
		for (size_t k = 0; raw != NULL && raw[k] != '\0'; k++)
			T_CHECK((unsigned char)raw[k] < 0x80);
		if (m.ok) {
			char *fromdec, *todec, *lt;

			ew_bad = 0;
			lt = strrchr(msg_get(&m, "From"), '<');
			T_CHECK(lt != NULL && lt > msg_get(&m, "From"));
			lt[-1] = '\0';
			fromdec = decode_phrase(msg_get(&m, "From"));
			T_STREQ(fromdec, n.from_name);
			lt = strrchr(msg_get(&m, "To"), '<');
			T_CHECK(lt != NULL);
			T_STREQ(lt, "<alice@corp.example>");
			lt[-1] = '\0';
			todec = decode_phrase(msg_get(&m, "To"));
			T_STREQ(todec, n.to_name);
			T_CHECK(!ew_bad);
			free(fromdec);
			free(todec);
		}
		/* Plain ASCII words of a mixed subject stay readable. */
		if (i == 0)
			T_CHECK(strstr(raw, "Subject: [IT #42] Drucker") != NULL);
		free(raw);
		msg_free(&m);
	}
}

static void
check_refused(const struct notice *n, const char *what)
{
	char err[256], *raw;
	size_t len = 7;

	err[0] = '\0';
	raw = notice_compose(n, &len, err, sizeof(err));
	if (raw != NULL)
		fprintf(stderr, "# not refused: %s\n", what);
	T_CHECK(raw == NULL);
	T_CHECK(err[0] != '\0');
	free(raw);
}

static void
test_refuse(void)
{
	static const char *const badaddr[] = {
		"", "bob", "@corp.example", "bob@", "Bob <bob@corp.example>",
		"<bob@corp.example>", "bob @corp.example", "bob@corp.example ",
		"\"bob\"@corp.example", "bob@corp.example\r\nBcc: x@y",
		"bob@corp.example\n", "bo\tb@corp.example", "a@b@corp.example",
		"bob@corp..example", ".bob@corp.example", "bob.@corp.example",
		"b\303\266b@corp.example", "bob@corp.example,eve@evil.example",
		"bob@corp.example;", "bob(c)@corp.example", "bob\\@corp.example",
		"bob@[1.2.3.4", "bob@\x7f",
	};
	static const char *const badref[] = {
		"a@b\r\nBcc: x", "with space@x", "<a@b>", "", "a@b\n",
	};
	struct notice n;
	char longaddr[400], *longid;
	const char *refs[2];
	size_t i;

	n = base();
	n.subject = "Hi\r\nBcc: victim@evil.example";
	check_refused(&n, "subject CRLF");
	n.subject = "Hi\nBcc: victim@evil.example";
	check_refused(&n, "subject LF");
	n.subject = "Hi\r";
	check_refused(&n, "subject CR");
	n = base();
	n.from_name = "IT\r\nBcc: x@evil.example";
	check_refused(&n, "from name");
	n = base();
	n.to_name = "Alice\n";
	check_refused(&n, "to name");
	for (i = 0; i < sizeof(badaddr) / sizeof(badaddr[0]); i++) {
		n = base();
		n.to_addr = badaddr[i];
		check_refused(&n, badaddr[i]);
		n = base();
		n.from_addr = badaddr[i];
		check_refused(&n, badaddr[i]);
		n = base();
		n.reply_to = badaddr[i];
		check_refused(&n, badaddr[i]);
		n = base();
		n.x_loop = badaddr[i];
		check_refused(&n, badaddr[i]);
	}
	n = base();
	n.to_addr = NULL;
	check_refused(&n, "NULL to");
	/* 320 bytes is the most. */
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 320 - 13, "@corp.example", 14);
	n = base();
	n.to_addr = longaddr;
	{
		struct msg m;
		char *raw;

		T_INTEQ(roundtrip(&n, &m, &raw), 0);
		free(raw);
		msg_free(&m);
	}
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 321 - 13, "@corp.example", 14);
	n.to_addr = longaddr;
	check_refused(&n, "321-byte address");

	for (i = 0; i < sizeof(badref) / sizeof(badref[0]); i++) {
		n = base();
		n.message_id = badref[i];
		check_refused(&n, "message-id");
		n = base();
		n.in_reply_to = badref[i];
		check_refused(&n, "in-reply-to");
		n = base();
		refs[0] = "ok@x";
		refs[1] = badref[i];
		n.references = refs;
		n.nrefs = 2;
		check_refused(&n, "references");
	}
	n = base();
	n.message_id = NULL;
	check_refused(&n, "no message-id");
	n = base();
	n.auto_submitted = "auto-replied\r\nBcc: x";
	check_refused(&n, "auto-submitted");
	longid = malloc(LIMIT_MSGID_BYTES + 2);
	if (longid != NULL) {
		memset(longid, 'x', LIMIT_MSGID_BYTES + 1);
		longid[LIMIT_MSGID_BYTES + 1] = '\0';
		n = base();
		n.in_reply_to = longid;
		check_refused(&n, "long in-reply-to");
		free(longid);
	}
}

static void
test_long(void)
{
	struct notice n = base();
	struct msg m;
	char *subj, *raw, *id, *name;
	const char *refs[40];
	char refbuf[40][48];
	size_t i, k;

	subj = malloc(5001);
	if (subj == NULL)
		return;
	/* ASCII words: folded at spaces, not encoded. */
	for (i = 0, k = 0; i < 5000; i++) {
		if (k == 0) {
			k = 1 + rnd() % 30;
			subj[i] = ' ';
		} else {
			subj[i] = (char)('a' + rnd() % 26);
			k--;
		}
	}
	subj[0] = 'S';
	subj[4999] = 'E';
	subj[5000] = '\0';
	n.subject = subj;
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_CHECK(m.maxhdrline <= 78);
	T_CHECK(raw != NULL && strstr(raw, "=?") == NULL);
	free(raw);
	msg_free(&m);

	/* One 5000-char word: cannot fold, so encoded words. */
	memset(subj, 'w', 5000);
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_CHECK(m.maxhdrline <= 78);
	free(raw);
	msg_free(&m);

	/* 2500 two-byte characters. */
	for (i = 0; i + 1 < 5000; i += 2)
		memcpy(subj + i, "\xc3\xa4", 2);
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_CHECK(m.maxhdrline <= 78);
	check_ew_lengths(raw);
	free(raw);
	msg_free(&m);

	/* A long run of blanks between two words. */
	memset(subj, ' ', 5000);
	subj[0] = 'a';
	subj[4999] = 'b';
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_CHECK(m.maxhdrline <= 998);
	free(raw);
	msg_free(&m);
	free(subj);

	/* Long display names: quoted, and one word too long to fold. */
	name = malloc(301);
	if (name != NULL) {
		for (i = 0; i < 300; i++)
			name[i] = i % 9 == 8 ? ' ' : (i % 5 == 0 ? ',' : 'n');
		name[300] = '\0';
		n = base();
		n.to_name = name;
		T_INTEQ(roundtrip(&n, &m, &raw), 0);
		T_CHECK(m.maxhdrline <= 998);
		free(raw);
		msg_free(&m);
		memset(name, 'N', 300);
		T_INTEQ(roundtrip(&n, &m, &raw), 0);
		T_CHECK(m.maxhdrline <= 78);
		free(raw);
		msg_free(&m);
		free(name);
	}

	/* Many references: folded, all there. */
	n = base();
	for (i = 0; i < 40; i++) {
		snprintf(refbuf[i], sizeof(refbuf[i]), "%zu.%08zx@corp.example",
		    1700000000 + i, i * 2654435761u);
		refs[i] = refbuf[i];
	}
	n.references = refs;
	n.nrefs = 40;
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	T_CHECK(m.maxhdrline <= 78);
	{
		const char *r = msg_get(&m, "References");

		for (i = 0; r != NULL && i < 40; i++) {
			char want[64];

			snprintf(want, sizeof(want), "<%s>", refs[i]);
			T_CHECK(strstr(r, want) != NULL);
		}
	}
	free(raw);
	msg_free(&m);

	/* The longest Message-ID we take still fits in 998. */
	id = malloc(LIMIT_MSGID_BYTES + 1);
	if (id != NULL) {
		memset(id, 'i', LIMIT_MSGID_BYTES);
		id[LIMIT_MSGID_BYTES - 10] = '@';
		id[LIMIT_MSGID_BYTES] = '\0';
		n = base();
		n.message_id = id;
		n.in_reply_to = id;
		refs[0] = id;
		refs[1] = id;
		n.references = refs;
		n.nrefs = 2;
		T_INTEQ(roundtrip(&n, &m, &raw), 0);
		T_CHECK(m.maxhdrline <= 998);
		k = strlen(msg_get(&m, "Message-ID"));
		T_INTEQ(k, LIMIT_MSGID_BYTES + 2);
		free(raw);
		msg_free(&m);
		free(id);
	}
}

static void
test_empty(void)
{
	struct notice n = base();
	struct msg m;
	char *raw;

	n.text = "";
	n.html = "";
	n.subject = "";
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	free(raw);
	msg_free(&m);
	n.text = NULL;
	n.html = NULL;
	n.subject = NULL;
	{
		char err[64];
		size_t len;

		raw = notice_compose(&n, &len, err, sizeof(err));
		T_CHECK(raw != NULL);
		T_CHECK(raw != NULL && msg_parse(&m, raw, len) == 0);
		free(raw);
		msg_free(&m);
	}
	/* A body without a final line break keeps that. */
	n = base();
	n.text = "no newline at end";
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	free(raw);
	msg_free(&m);
}

static void
test_names_with_specials(void)
{
	struct notice n = base();
	struct msg m;
	char *raw, *lt, *dec;

	n.to_name = "Doe, \"Johnny\" J. (IT) \\ <x>";
	T_INTEQ(roundtrip(&n, &m, &raw), 0);
	if (m.ok) {
		lt = strrchr(msg_get(&m, "To"), '<');
		T_CHECK(lt != NULL);
		T_STREQ(lt, "<alice@corp.example>");
		lt[-1] = '\0';
		ew_bad = 0;
		dec = decode_phrase(msg_get(&m, "To"));
		T_STREQ(dec, n.to_name);
		T_CHECK(!ew_bad);
		T_STREQ(msg_get(&m, "To"),
		    "\"Doe, \\\"Johnny\\\" J. (IT) \\\\ <x>\"");
		free(dec);
	}
	free(raw);
	msg_free(&m);
}

int
main(void)
{
	T_RUN(test_qp_vectors);
	T_RUN(test_qp_random);
	T_RUN(test_phrase);
	T_RUN(test_message_id);
	T_RUN(test_compose);
	T_RUN(test_i18n);
	T_RUN(test_refuse);
	T_RUN(test_long);
	T_RUN(test_empty);
	T_RUN(test_names_with_specials);
	return T_END();
}
