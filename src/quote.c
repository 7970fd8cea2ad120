/*
 * quote.c — what a person wrote in a reply, without what the reply repeats.
 * Pure: no I/O. Line based; every line is looked at a bounded number of
 * times, so the work is linear in the text.
 *
 * Decisions:
 * - Line ends CR LF, LF and bare CR are all accepted; the result uses LF.
 * - A quote line is a line whose first byte is ">" (">", "> >", ">>",
 *   ">no space"). A single ">" line among the person's own lines is a
 *   quote too: there is no way to tell a lone quoted line from a deliberate
 *   one, and mail clients only write ">" at column 0 when quoting.
 *   An indented " > x" is not a quote.
 * - An attribution line ("On … wrote:", "Am … schrieb …:", "Le … a écrit
 *   :", "El … escribió:", "Il … ha scritto:", "Op … schreef …:", "Em …
 *   escreveu:", "Alice <a@x> wrote:", "… wrote on …") is dropped only when
 *   the next non-blank line is a quote line. When it is wrapped, the line
 *   before it goes too if it opens like an attribution (On/Am/Le/El/Il/Op/
 *   Em …) and holds a digit (the date). Lines over 1000 bytes are never
 *   attributions.
 * - These cut the text: it and everything after it go.
 *   "-----Original Message-----" and its translations (any number of
 *   dashes, 2 or more, spaces allowed);
 *   a header block: a "From:" line (Von, De, Da, Van, …) followed within
 *   12 lines by a "Sent:"/"Date:" line and a "Subject:" line (any of the
 *   languages, "*From:*" bold markup allowed), with a line of underscores
 *   and blank lines right before it;
 *   the signature separator: "-- " and also "--" alone (trailing white
 *   space ignored) — people type "--" by hand above their names, and a
 *   line of just two dashes is rare in a help request.
 * - A header block right after a forward's opening line ("----------
 *   Forwarded message ---------", "Begin forwarded message:", "--------
 *   Weitergeleitete Nachricht --------", …) is kept: a forward inside a
 *   reply is usually the point of the reply. Outlook writes forwards with
 *   the same header block as replies and no such line, so those are cut.
 * - mutt's old "* Alice <a@x> [2024-06-03 10:00]:" is an attribution.
 * - Mobile trailers ("Sent from my iPhone", "Von meinem iPhone gesendet",
 *   "Envoyé de mon iPhone", "Get Outlook for iOS", …) are dropped when
 *   they are the last line left.
 * - Kept lines are copied as they are. Leading and trailing blank lines
 *   go; blank lines around a dropped block become one blank line (none
 *   when there was none).
 *   A line of only spaces, tabs and no-break spaces is blank.
 * - If nothing but blank lines would be left, the whole text is returned
 *   (LF line ends, trailing blank lines trimmed).
 * - NUL bytes are copied like any other; the result then reads shorter as
 *   a C string. (mime.c hands over text without NULs.)
 * Memory: one small record per line, so O(lines) besides the result.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "quote.h"
#include "xmalloc.h"

#define ATTR_MAX_LINE	1000	/* longer lines are never attributions */
#define HDR_WINDOW	12	/* lines after "From:" to find the rest */

struct line {
	const unsigned char	*p;
	size_t			 len;
	int			 keep;
};

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Space, tab or a no-break space (C2 A0) at p[i]: its length, else 0. */
static size_t
sp_len(const unsigned char *p, size_t n, size_t i)
{
	if (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\f' ||
	    p[i] == '\v'))
		return 1;
	if (i + 1 < n && p[i] == 0xc2 && p[i + 1] == 0xa0)
		return 2;
	return 0;
}

static size_t
skip_sp(const unsigned char *p, size_t n, size_t i)
{
	size_t k;

	for (k = sp_len(p, n, i); k > 0; k = sp_len(p, n, i))
		i += k;
	return i;
}

/* Length without trailing spaces (ASCII space, tab, NBSP). */
static size_t
rtrim_len(const unsigned char *p, size_t n)
{
	for (;;) {
		if (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
		    p[n - 1] == '\f' || p[n - 1] == '\v'))
			n--;
		else if (n > 1 && p[n - 2] == 0xc2 && p[n - 1] == 0xa0)
			n -= 2;
		else
			return n;
	}
}

static int
is_blank(const struct line *l)
{
	return skip_sp(l->p, l->len, 0) == l->len;
}

static int
is_quote(const struct line *l)
{
	return l->len > 0 && l->p[0] == '>';
}

/* Does p[i..n) start with w, ASCII case-insensitively? */
static int
ci_at(const unsigned char *p, size_t n, size_t i, const char *w)
{
	size_t k, wl = strlen(w);

	if (i > n || wl > n - i)
		return 0;
	for (k = 0; k < wl; k++)
		if (lower(p[i + k]) != lower((unsigned char)w[k]))
			return 0;
	return 1;
}

/* Does w occur in p[0..n) as a whole word (ASCII letters around it)? */
static int
ci_word_in(const unsigned char *p, size_t n, const char *w)
{
	size_t i, wl = strlen(w);

	for (i = 0; i + wl <= n; i++) {
		if (i > 0 && is_alpha(p[i - 1]))
			continue;
		if (!ci_at(p, n, i, w))
			continue;
		if (i + wl < n && is_alpha(p[i + wl]))
			continue;
		return 1;
	}
	return 0;
}

/* Ends with ":" or a full-width "：" (trailing spaces ignored)? */
static int
ends_colon(const unsigned char *p, size_t n)
{
	n = rtrim_len(p, n);
	if (n > 0 && p[n - 1] == ':')
		return 1;
	return n >= 3 && p[n - 3] == 0xef && p[n - 2] == 0xbc &&
	    p[n - 1] == 0x9a;
}

/* Verbs of attribution lines, as words. */
static const char *const attr_verbs[] = {
	"wrote", "writes", "schrieb", "a \xc3\xa9" "crit", "\xc3\xa9" "crit",
	"escribi\xc3\xb3", "ha scritto", "scritto", "schreef", "escreveu",
	"skrev", "kirjoitti", "napisa\xc5\x82", "\xe5\x86\x99\xe9\x81\x93",
	NULL
};

/* Words an attribution opens with (then a space). */
static const char *const attr_openers[] = {
	"on", "am", "le", "el", "il", "op", "em", "den", "w", "*", NULL
};

static int
has_verb(const unsigned char *p, size_t n)
{
	const char *const *v;

	for (v = attr_verbs; *v != NULL; v++)
		if (ci_word_in(p, n, *v))
			return 1;
	return 0;
}

/* One line that reads as an attribution by itself. */
static int
attr_line(const struct line *l)
{
	size_t n;

	if (l->len > ATTR_MAX_LINE || is_quote(l))
		return 0;
	if (ci_word_in(l->p, l->len, "wrote on"))
		return 1;
	if (!ends_colon(l->p, l->len))
		return 0;
	/* mutt's "* Alice <a@x> [2024-06-03 10:00]:" */
	n = rtrim_len(l->p, l->len);
	if (l->p[0] == '*' && l->len > 1 && l->p[1] == ' ' && n >= 2 &&
	    l->p[n - 2] == ']')
		return 1;
	return has_verb(l->p, l->len);
}

/* The first half of an attribution wrapped over two lines. */
static int
attr_opener(const struct line *l)
{
	const char *const *o;
	size_t i, k;
	int digit;

	if (l->len > ATTR_MAX_LINE || is_quote(l) || is_blank(l))
		return 0;
	i = skip_sp(l->p, l->len, 0);
	for (o = attr_openers; *o != NULL; o++) {
		k = strlen(*o);
		if (ci_at(l->p, l->len, i, *o) && sp_len(l->p, l->len, i + k))
			break;
	}
	if (*o == NULL)
		return 0;
	for (digit = 0, k = i; k < l->len; k++)
		if (l->p[k] >= '0' && l->p[k] <= '9')
			digit = 1;
	return digit;
}

/* The second half: ends with a colon; the verb may be in either half. */
static int
attr_pair(const struct line *a, const struct line *b)
{
	if (!attr_opener(a) || b->len > ATTR_MAX_LINE || is_quote(b) ||
	    is_blank(b))
		return 0;
	if (ci_word_in(b->p, b->len, "wrote on"))
		return 1;
	return ends_colon(b->p, b->len) &&
	    (has_verb(a->p, a->len) || has_verb(b->p, b->len));
}

/* "-----Original Message-----" and its translations. */
static const char *const orig_phrases[] = {
	"original message", "urspr\xc3\xbcngliche nachricht",
	"original-nachricht", "message d'origine",
	"message d\xe2\x80\x99origine",
	"message original", "mensaje original", "messaggio originale",
	"oorspronkelijk bericht", "mensagem original", "oprindelig meddelelse",
	"opprinnelig melding", "ursprungligt meddelande",
	"alkuper\xc3\xa4inen viesti", "wiadomo\xc5\x9b\xc4\x87 oryginalna",
	NULL
};

static int
orig_line(const struct line *l)
{
	const char *const *ph;
	const unsigned char *p = l->p;
	size_t n, i, d;

	n = rtrim_len(p, l->len);
	i = skip_sp(p, n, 0);
	for (d = i; d < n && p[d] == '-'; d++)
		;
	if (d - i < 2)
		return 0;
	i = skip_sp(p, n, d);
	for (ph = orig_phrases; *ph != NULL; ph++)
		if (ci_at(p, n, i, *ph))
			break;
	if (*ph == NULL)
		return 0;
	i = skip_sp(p, n, i + strlen(*ph));
	for (d = i; d < n && p[d] == '-'; d++)
		;
	return d - i >= 2 && d == n;
}

/* A forward's opening line; the header block after it is kept. */
static const char *const fwd_phrases[] = {
	"forwarded message", "begin forwarded message",
	"weitergeleitete nachricht", "anfang der weitergeleiteten nachricht",
	"message transf\xc3\xa9r\xc3\xa9",
	"d\xc3\xa9" "but du message r\xc3\xa9" "exp\xc3\xa9" "di\xc3\xa9",
	"mensaje reenviado", "messaggio inoltrato",
	"inizio messaggio inoltrato", "doorgestuurd bericht",
	"begin doorgestuurd bericht", "mensagem encaminhada",
	"in\xc3\xad" "cio da mensagem reencaminhada", NULL
};

static int
fwd_line(const struct line *l)
{
	const char *const *ph;
	const unsigned char *p = l->p;
	size_t n, i;

	n = rtrim_len(p, l->len);
	if (n > 100)
		return 0;
	i = skip_sp(p, n, 0);
	while (i < n && (p[i] == '-' || p[i] == ' '))
		i++;
	for (ph = fwd_phrases; *ph != NULL; ph++)
		if (ci_at(p, n, i, *ph))
			return 1;
	return 0;
}

static int
sig_line(const struct line *l)
{
	return rtrim_len(l->p, l->len) == 2 && l->p[0] == '-' && l->p[1] == '-';
}

static int
underscore_line(const struct line *l)
{
	size_t n, i;

	n = rtrim_len(l->p, l->len);
	i = skip_sp(l->p, n, 0);
	if (n - i < 10)
		return 0;
	for (; i < n; i++)
		if (l->p[i] != '_')
			return 0;
	return 1;
}

enum hdr { HDR_NONE, HDR_FROM, HDR_DATE, HDR_SUBJECT, HDR_OTHER };

static const struct {
	const char	*word;
	enum hdr	 kind;
} hdr_words[] = {
	{ "from", HDR_FROM }, { "von", HDR_FROM }, { "de", HDR_FROM },
	{ "da", HDR_FROM }, { "van", HDR_FROM }, { "fr\xc3\xa5n", HDR_FROM },
	{ "fra", HDR_FROM }, { "od", HDR_FROM },
	{ "l\xc3\xa4hett\xc3\xa4j\xc3\xa4", HDR_FROM },
	{ "sent", HDR_DATE }, { "date", HDR_DATE }, { "gesendet", HDR_DATE },
	{ "datum", HDR_DATE }, { "envoy\xc3\xa9", HDR_DATE },
	{ "enviado", HDR_DATE }, { "enviada", HDR_DATE }, { "fecha", HDR_DATE },
	{ "inviato", HDR_DATE }, { "data", HDR_DATE },
	{ "verzonden", HDR_DATE }, { "skickat", HDR_DATE },
	{ "sendt", HDR_DATE }, { "wys\xc5\x82""ano", HDR_DATE },
	{ "l\xc3\xa4hetetty", HDR_DATE },
	{ "subject", HDR_SUBJECT }, { "betreff", HDR_SUBJECT },
	{ "objet", HDR_SUBJECT }, { "asunto", HDR_SUBJECT },
	{ "oggetto", HDR_SUBJECT }, { "onderwerp", HDR_SUBJECT },
	{ "assunto", HDR_SUBJECT }, { "\xc3\xa4mne", HDR_SUBJECT },
	{ "emne", HDR_SUBJECT }, { "temat", HDR_SUBJECT },
	{ "aihe", HDR_SUBJECT },
	{ "to", HDR_OTHER }, { "an", HDR_OTHER }, { "\xc3\xa0", HDR_OTHER },
	{ "\xc3\x80", HDR_OTHER }, { "a", HDR_OTHER }, { "para", HDR_OTHER },
	{ "aan", HDR_OTHER }, { "cc", HDR_OTHER }, { "bcc", HDR_OTHER },
	{ "kopie", HDR_OTHER }, { "cci", HDR_OTHER },
};

/* "From: …", "*Von:* …", "Envoyé : …": which header line is this? */
static enum hdr
hdr_kind(const struct line *l)
{
	const unsigned char *p = l->p;
	size_t n = l->len, i, j, k;

	i = skip_sp(p, n, 0);
	if (i < n && p[i] == '*')
		i++;
	for (k = 0; k < sizeof(hdr_words) / sizeof(hdr_words[0]); k++) {
		if (!ci_at(p, n, i, hdr_words[k].word))
			continue;
		j = i + strlen(hdr_words[k].word);
		if (j < n && p[j] == '*')
			j++;
		j = skip_sp(p, n, j);
		if (j < n && p[j] == ':')
			return hdr_words[k].kind;
		if (j + 2 < n && p[j] == 0xef && p[j + 1] == 0xbc &&
		    p[j + 2] == 0x9a)
			return hdr_words[k].kind;
	}
	return HDR_NONE;
}

/* Does a header block start at line i (of n lines)? */
static int
hdr_block(const struct line *lines, size_t n, size_t i)
{
	size_t j;
	int date = 0, subject = 0;

	if (hdr_kind(&lines[i]) != HDR_FROM)
		return 0;
	for (j = i + 1; j < n && j <= i + HDR_WINDOW; j++) {
		switch (hdr_kind(&lines[j])) {
		case HDR_DATE:
			date = 1;
			break;
		case HDR_SUBJECT:
			subject = 1;
			break;
		default:
			break;
		}
		if (date && subject)
			return 1;
	}
	return 0;
}

/* Trailers of mobile clients, matched at the start of the last line. */
static const char *const trailers[] = {
	"sent from my ", "sent from outlook", "sent from mail for windows",
	"sent from yahoo mail", "sent from samsung", "sent with proton",
	"get outlook for ", "gesendet von meinem ", "gesendet von outlook",
	"envoy\xc3\xa9 de mon ", "envoy\xc3\xa9 depuis ", "enviado desde mi ",
	"enviado do meu ", "enviado de meu ", "enviado desde outlook",
	"inviato da ", "verstuurd vanaf mijn ", "verzonden vanaf mijn ",
	"verzonden met ", "skickat fr\xc3\xa5n min ", "sendt fra min ",
	NULL
};

static int
trailer_line(const unsigned char *p, size_t n)
{
	const char *const *t;
	size_t i;

	n = rtrim_len(p, n);
	i = skip_sp(p, n, 0);
	if (n - i > 120)
		return 0;
	for (t = trailers; *t != NULL; t++)
		if (ci_at(p, n, i, *t))
			return 1;
	/* "Von meinem iPhone gesendet" */
	if (ci_at(p, n, i, "von meinem ") && n - i >= 8 + 11 &&
	    ci_at(p, n, n - 8, "gesendet"))
		return 1;
	return 0;
}

/* Split into lines at LF, CR LF or CR. */
static struct line *
split(const unsigned char *p, size_t len, size_t *np)
{
	struct line *lines;
	size_t i, n, start;

	for (n = 1, i = 0; i < len; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == len ||
		    p[i + 1] != '\n')))
			n++;
	lines = xreallocarray(NULL, n, sizeof(*lines));
	for (n = 0, start = 0, i = 0; i <= len; i++) {
		if (i < len && p[i] != '\n' && p[i] != '\r')
			continue;
		lines[n].p = p + start;
		lines[n].len = i - start;
		lines[n].keep = 1;
		n++;
		if (i < len && p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	/* a final line end does not start another (empty) line */
	if (n > 1 && lines[n - 1].len == 0 && len > 0)
		n--;
	*np = n;
	return lines;
}

/*
 * Copy kept lines [0, n) to b, without leading and trailing blank lines.
 * A run of blank and dropped lines between two kept lines becomes one
 * empty line when it held a dropped line and a blank one, nothing when it
 * held no blank line, and stays as it is when nothing in it was dropped.
 * Returns 1 if a non-blank line was kept.
 */
static int
emit(struct buf *b, const struct line *lines, size_t n)
{
	size_t i, j, k, first, last;
	int dropped, blank;

	for (first = 0; first < n; first++)
		if (lines[first].keep && !is_blank(&lines[first]))
			break;
	for (last = n; last > first; last--)
		if (lines[last - 1].keep && !is_blank(&lines[last - 1]))
			break;
	for (i = first; i < last; i = j) {
		if (lines[i].keep && !is_blank(&lines[i])) {
			if (i > first)
				buf_addch(b, '\n');
			buf_add(b, lines[i].p, lines[i].len);
			j = i + 1;
			continue;
		}
		dropped = blank = 0;
		for (j = i; j < last && !(lines[j].keep &&
		    !is_blank(&lines[j])); j++) {
			if (lines[j].keep)
				blank = 1;
			else
				dropped = 1;
		}
		if (dropped) {
			if (blank)
				buf_addch(b, '\n');
			continue;
		}
		for (k = i; k < j; k++) {
			buf_addch(b, '\n');
			buf_add(b, lines[k].p, lines[k].len);
		}
	}
	return first < last;
}

char *
quote_strip(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	struct line *lines;
	struct buf b;
	size_t n, i, j, cut, last;

	if (text == NULL) {
		p = (const unsigned char *)"";
		len = 0;
	}
	lines = split(p, len, &n);

	/* the first cut: signature, original message, header block */
	for (cut = 0; cut < n; cut++) {
		if (is_quote(&lines[cut]))
			continue;
		if (sig_line(&lines[cut]) || orig_line(&lines[cut]))
			break;
		if (hdr_block(lines, n, cut)) {
			for (j = cut; j > 0 && is_blank(&lines[j - 1]); j--)
				;
			if (j > 0 && fwd_line(&lines[j - 1]))
				continue;
			if (j > 0 && underscore_line(&lines[j - 1]))
				cut = j - 1;
			break;
		}
	}
	for (i = cut; i < n; i++)
		lines[i].keep = 0;

	/* quote lines, and the attribution before each quote block */
	for (i = 0; i < cut; i++) {
		if (!is_quote(&lines[i]))
			continue;
		lines[i].keep = 0;
		if (i > 0 && is_quote(&lines[i - 1]))
			continue;
		for (j = i; j > 0 && is_blank(&lines[j - 1]); j--)
			;
		if (j == 0 || !lines[j - 1].keep)
			continue;
		j--;
		if (attr_line(&lines[j])) {
			lines[j].keep = 0;
			if (j > 0 && lines[j - 1].keep &&
			    attr_pair(&lines[j - 1], &lines[j]))
				lines[j - 1].keep = 0;
		} else if (j > 0 && lines[j - 1].keep &&
		    attr_pair(&lines[j - 1], &lines[j])) {
			lines[j].keep = 0;
			lines[j - 1].keep = 0;
		}
	}

	/* trailers at the end, then write out */
	buf_init(&b, len + 2);
	for (i = n; ; i--) {
		while (i > 0 && (!lines[i - 1].keep || is_blank(&lines[i - 1])))
			i--;
		if (i == 0 || !trailer_line(lines[i - 1].p, lines[i - 1].len))
			break;
		lines[i - 1].keep = 0;
	}
	if (!emit(&b, lines, n)) {
		/* nothing left: the whole text, trailing blank lines trimmed */
		buf_reset(&b);
		for (last = n; last > 0 && is_blank(&lines[last - 1]); last--)
			;
		for (i = 0; i < last; i++) {
			if (i > 0)
				buf_addch(&b, '\n');
			buf_add(&b, lines[i].p, lines[i].len);
		}
	}
	free(lines);
	return buf_steal(&b, NULL);
}
