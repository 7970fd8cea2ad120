/*
 * kb.c — the knowledge base's pure parts (see kb.h): personal data left
 * out of published text, an article's Markdown, the admin's edit, the
 * search words and the relevance of a suggestion.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classifier.h"
#include "command.h"
#include "kb.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

/* Largest text made (bodies are at most LIMIT_BODY_BYTES). */
#define KB_TEXT_MAX	(4 * (size_t)LIMIT_BODY_BYTES)

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_word(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

/*
 * A UTF-8 punctuation mark or space at p that ends a word although its
 * bytes are not ASCII: U+0080-U+00BF but the letters ª µ º (« » ¡ ¿,
 * the no-break space), U+2000-U+2BFF (quotes “ ” ‘ ’, dashes, arrows)
 * and U+3000-U+303F (CJK punctuation). Its length, or 0. Without it
 * «alice@example.com» or “Alice” was one word and kept.
 */
static size_t
punct_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = (size_t)(end - p);

	if (n >= 2 && u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0xbf &&
	    u[1] != 0xaa && u[1] != 0xb5 && u[1] != 0xba)
		return 2;
	if (n >= 3 && u[0] == 0xe2 && u[1] >= 0x80 && u[1] <= 0xaf &&
	    u[2] >= 0x80 && u[2] <= 0xbf)
		return 3;
	if (n >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] >= 0x80 &&
	    u[2] <= 0xbf)
		return 3;
	return 0;
}

/* A byte of a word at p: a word byte that starts no punct_len() mark. */
static int
word_at(const char *p, const char *end)
{
	return p < end && is_word((unsigned char)*p) && punct_len(p, end) == 0;
}

/*
 * Names: the words of the requester's name and address, each of two or
 * more bytes, lower-cased (ASCII). At most 16.
 */
struct names {
	char	*w[16];
	size_t	 n;
	const char *addr;	/* the requester's own address (rule 3) */
	size_t	 addrlen;
	size_t	 at;		/* where its '@' is */
};

/*
 * The requester's own address at p, in any case: its length, or 0.
 * Only a place with an '@' where the address has its own is compared
 * further, which keeps the scrub linear in the text: each '@' is tried
 * from one place, and a comparison stops at the first '@' before it.
 */
static size_t
own_addr_at(const struct names *nm, const char *p, const char *end)
{
	if (nm->addrlen == 0 || (size_t)(end - p) < nm->addrlen ||
	    p[nm->at] != '@')
		return 0;
	return lex_ci_eq(p, nm->addrlen, nm->addr, nm->addrlen) ?
	    nm->addrlen : 0;
}

static void
names_add(struct names *nm, const char *p, size_t n)
{
	size_t i;

	if (n < 2 || nm->n == 16)
		return;
	for (i = 0; i < nm->n; i++)
		if (strlen(nm->w[i]) == n && lex_ci_eq(nm->w[i], n, p, n))
			return;
	nm->w[nm->n] = xstrndup(p, n);
	for (i = 0; i < n; i++)
		nm->w[nm->n][i] = (char)lex_lower((unsigned char)p[i]);
	nm->n++;
}

/* The words of s up to stop (or its end): runs of word bytes. */
static void
names_from(struct names *nm, const char *s, const char *stop)
{
	const char *p = s, *w, *end;

	if (s == NULL)
		return;
	end = stop != NULL ? stop : s + strlen(s);
	while (p < end) {
		while (p < end && !word_at(p, end))
			p += punct_len(p, end) > 0 ? punct_len(p, end) : 1;
		w = p;
		while (word_at(p, end))
			p++;
		if (p > w)
			names_add(nm, w, (size_t)(p - w));
	}
}

/* Is [p, p + n) (at a word start) one of the names? Its length, or 0. */
static size_t
name_at(const struct names *nm, const char *p, const char *end)
{
	size_t i, n;

	for (i = 0; i < nm->n; i++) {
		n = strlen(nm->w[i]);
		if ((size_t)(end - p) >= n && lex_ci_eq(p, n, nm->w[i], n) &&
		    !word_at(p + n, end))
			return n;
	}
	return 0;
}

/*
 * Is the line [p, end) the requester's name alone ("Alice Smith",
 * "Smith, Alice.")? The words are all names, the rest spaces and
 * punctuation; one name at least. Such a line starts a signature.
 */
static int
name_line(const struct names *nm, const char *p, const char *end)
{
	size_t n;
	int any = 0;

	while (p < end) {
		if (is_word((unsigned char)*p)) {
			if ((n = name_at(nm, p, end)) == 0)
				return 0;
			any = 1;
			p += n;
		} else if (strchr(" \t.,-", *p) != NULL)
			p++;
		else
			return 0;
	}
	return any;
}

/*
 * A mail address starting at p (a word start): its length, or 0. When
 * 0, *stop is where its local part's run of bytes ended: no address
 * starts before it either (the same run, the same '@' and domain), so
 * scrub_line() does not look again there; a text like "a.a.a.a…" would
 * otherwise be scanned once per word.
 */
static size_t
addr_scan(const char *p, const char *end, const char **stop)
{
	const char *q = p, *at = NULL;
	int dot = 0;

	while (q < end && (is_alnum((unsigned char)*q) ||
	    strchr("._%+-", *q) != NULL))
		q++;
	*stop = q;
	if (q == p || q == end || *q != '@')
		return 0;
	at = q++;
	while (q < end && (is_alnum((unsigned char)*q) || *q == '-' ||
	    *q == '.')) {
		if (*q == '.' && q + 1 < end &&
		    is_alnum((unsigned char)q[1]))
			dot = 1;
		q++;
	}
	while (q > at + 1 && q[-1] == '.')
		q--;
	return dot && q > at + 1 ? (size_t)(q - p) : 0;
}

/* addr_scan() that skips what an earlier try showed holds none (*none). */
static size_t
addr_memo(const char *p, const char *end, const char **none)
{
	const char *stop;
	size_t n;

	if (p < *none)
		return 0;
	if ((n = addr_scan(p, end, &stop)) == 0)
		*none = stop;
	return n;
}

/*
 * n bytes at p that a rule takes, or more: the requester's own address,
 * when it begins inside them, is taken whole with them (rule 3 goes
 * before the others: "a@b.cx@y.example" with x@y.example their own).
 */
static size_t
own_addr_within(const struct names *nm, const char *p, size_t n,
    const char *end)
{
	size_t i, m;

	for (i = 1; nm->addrlen > 0 && i < n; i++)
		if ((m = own_addr_at(nm, p + i, end)) > 0 && i + m > n)
			n = i + m;
	return n;
}

/*
 * The n bytes at p that a rule matched, replaced by its label: the bytes
 * taken, more when the requester's own address begins inside them (then
 * "[address]").
 */
static size_t
replace(struct buf *b, const struct names *nm, const char *p, size_t n,
    const char *end, const char *label)
{
	size_t m = own_addr_within(nm, p, n, end);

	buf_addstr(b, m > n ? "[address]" : label);
	return m;
}

/*
 * A phone number starting at p (rule 4): its length, or 0. The scan
 * ends past 15 digits or 8 bytes without one, so that a run like
 * "1 1 1 1…" or "((((…" is not read to its end from each of its bytes.
 */
static size_t
phone_at(const char *p, const char *end)
{
	const char *q = p, *last = p;
	size_t digits = 0;

	if (q < end && *q == '+')
		q++;
	for (; q < end; q++) {
		if (*q >= '0' && *q <= '9') {
			if (++digits > 15)
				return 0;
			last = q + 1;
		} else if (q - last >= 8)
			break;
		else if (*q == '.' && q + 1 < end && q[1] >= '0' &&
		    q[1] <= '9')
			return 0;	/* 10.0.0.1, 2.4.1 */
		else if (*q != ' ' && *q != '-' && *q != '/' && *q != '(' &&
		    *q != ')')
			break;
	}
	if (word_at(q, end) && last == q)
		return 0;	/* digits run into a word: "12345678abc" */
	if (digits < 7 || digits > 15)
		return 0;
	/* an ISO date, 2026-12-04 */
	if (last - p == 10 && p[4] == '-' && p[7] == '-')
		return 0;
	return (size_t)(last - p);
}

/* One line with rules 3-5 applied, appended to b. */
static void
scrub_line(struct buf *b, const char *p, const char *end,
    const struct names *nm)
{
	const char *none = p;	/* no address starts before it */
	size_t n, m;
	int at_word;

	while (p < end) {
		if ((n = own_addr_at(nm, p, end)) > 0) {
			/* the whole of a longer address it begins */
			if (word_at(p, end) && (m = addr_memo(p, end,
			    &none)) > n)
				n = m;
			p += replace(b, nm, p, n, end, "[address]");
			continue;
		}
		if ((n = punct_len(p, end)) > 0) {
			buf_add(b, p, n);	/* a mark, whole */
			p += n;
			continue;
		}
		at_word = word_at(p, end);
		if (at_word && (n = addr_memo(p, end, &none)) > 0) {
			p += replace(b, nm, p, n, end, "[address]");
			continue;
		}
		if (((*p >= '0' && *p <= '9') || *p == '+' || *p == '(') &&
		    (n = phone_at(p, end)) > 0) {
			p += replace(b, nm, p, n, end, "[phone]");
			continue;
		}
		if (at_word && (n = name_at(nm, p, end)) > 0) {
			p += replace(b, nm, p, n, end, "[name]");
			continue;
		}
		if (at_word) {
			/* copy the whole word: no match starts inside one */
			const char *w = p;

			while (word_at(p, end) && *p != '@') {
				p++;
				if (own_addr_at(nm, p, end) > 0)
					break;	/* "xalice@corp.example" */
				/* an address right after a non-ASCII
				 * letter ("éjo@x.org") is still one */
				if ((unsigned char)p[-1] >= 0x80 && p < end &&
				    (unsigned char)*p < 0x80 &&
				    addr_memo(p, end, &none) > 0)
					break;
			}
			if (p < end && *p == '@') {
				/* "bob@" not an address: copy and go on */
				p++;
			}
			buf_add(b, w, (size_t)(p - w));
			continue;
		}
		buf_addch(b, *p++);
	}
}

char *
kb_scrub(const char *p, size_t len, const struct kb_person *who)
{
	struct names nm;
	struct buf b;
	const char *ls, *le, *at;
	size_t pos = 0, i, start;
	int first = 1;
	char *out;

	memset(&nm, 0, sizeof(nm));
	names_from(&nm, who->name, NULL);
	if (who->addr != NULL && (at = strchr(who->addr, '@')) != NULL) {
		names_from(&nm, who->addr, at);
		if (at > who->addr && at[1] != '\0') {
			nm.addr = who->addr;
			nm.addrlen = strlen(who->addr);
			nm.at = (size_t)(at - who->addr);
		}
	}
	buf_init(&b, KB_TEXT_MAX);
	while (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (ls == le) {
			if (!first)
				buf_addch(&b, '\n');
			continue;
		}
		if (first && command_is_greeting(ls, le)) {
			first = 0;
			continue;	/* rule 1 */
		}
		if (command_is_signoff(ls, le) || (le - ls == 2 &&
		    ls[0] == '-' && ls[1] == '-') ||
		    (!first && name_line(&nm, ls, le)))
			break;		/* rule 2 */
		first = 0;
		/* keep the line's indentation (lists, code) */
		lex_next_line(p, len, &start, &ls, &le);
		while (le > ls && (le[-1] == ' ' || le[-1] == '\t' ||
		    le[-1] == '\r'))
			le--;
		scrub_line(&b, ls, le, &nm);
		buf_addch(&b, '\n');
	}
	for (i = 0; i < nm.n; i++)
		free(nm.w[i]);
	/* no blank lines at the ends */
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	if (b.data != NULL)
		b.data[b.len] = '\0';
	out = b.data != NULL ? buf_steal(&b, NULL) : xstrdup("");
	start = strspn(out, "\n");
	if (start > 0)
		memmove(out, out + start, strlen(out + start) + 1);
	return out;
}

/* How many bytes of s (n long) to keep within max: all, else up to a line
 * end in the last quarter, else up to a UTF-8 character's start. */
static size_t
cut_len(const char *s, size_t n, size_t max)
{
	size_t k;

	if (n <= max)
		return n;
	for (k = max; k > max - max / 4; k--)
		if (s[k - 1] == '\n')
			return k - 1;	/* the line end goes too */
	k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

char *
kb_markdown(const char *problem, const char *answer)
{
	const char *cut = "\n\n(The rest is left out: an article is kept "
	    "short.)";
	size_t pl, al, pk, ak;

	if (problem == NULL || problem[0] == '\0')
		problem = "(no description)";
	if (answer == NULL || answer[0] == '\0')
		answer = "(no answer was written on the ticket yet: an admin "
		    "adds it with /kb edit)";
	pl = strlen(problem);
	al = strlen(answer);
	pk = cut_len(problem, pl, KB_PART_BYTES);
	ak = cut_len(answer, al, KB_PART_BYTES);
	return xasprintf("## Problem\n\n%.*s%s\n\n## Answer\n\n%.*s%s\n",
	    (int)pk, problem, pk < pl ? cut : "", (int)ak, answer,
	    ak < al ? cut : "");
}

int
kb_split_edit(const char *p, size_t len, char **title, char **body)
{
	const char *ls, *le, *t;
	size_t pos, start, end;

	*title = NULL;
	*body = NULL;
	pos = lex_skip_blank_lines(p, len, 0);
	if (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (le - ls > 2 && ls[0] == '#' && ls[1] == ' ') {
			t = ls + 2;
			while (t < le && (*t == ' ' || *t == '\t'))
				t++;
			while (le > t && (le[-1] == '#' || le[-1] == ' ' ||
			    le[-1] == '\t' || le[-1] == '\r'))
				le--;
			if (le > t) {
				char *c;

				*title = xstrndup(t, cut_len(t, (size_t)(le - t),
				    LIMIT_SUBJECT_BYTES));
				/* a title is one line of text: a stray CR
				 * or other control byte becomes a space */
				for (c = *title; *c != '\0'; c++)
					if ((unsigned char)*c < 0x20 ||
					    *c == 0x7f)
						*c = ' ';
			}
		} else
			pos = start;
	}
	pos = lex_skip_blank_lines(p, len, pos);
	end = len;
	while (end > pos && (p[end - 1] == '\n' || p[end - 1] == '\r' ||
	    p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	if (end <= pos) {
		free(*title);
		*title = NULL;
		return -1;
	}
	*body = xstrndup(p + pos, end - pos);
	return 0;
}

/*
 * Word sets.
 */

struct wset {
	char	**w;
	size_t	  n, cap;
	size_t	  limit;	/* 0: none */
};

/*
 * Words of every request that say nothing about its subject, on top of
 * the classifier's stop words: greetings, politeness, "need help with
 * an issue", and the words every article has (its headings, the marks
 * kb_scrub leaves). Sorted.
 */
static const char *const filler[] = {
	"able", "address", "also", "answer", "attached", "best", "could",
	"dear", "do", "get", "hello", "help", "hi", "issue", "kind",
	"kindly", "know", "let", "like", "many", "much", "name", "need",
	"needed", "one", "phone", "please", "problem", "regards", "see",
	"team", "thank", "thanks", "today", "us", "want", "would",
};

static int
is_filler(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(filler) / sizeof(filler[0]); i++)
		if (strlen(filler[i]) == n && memcmp(filler[i], w, n) == 0)
			return 1;
	return 0;
}

static void
wset_add(const char *w, size_t n, void *arg)
{
	struct wset *s = arg;
	size_t i;

	if (is_filler(w, n))
		return;
	/* a plural 's' off, so "printers" meets "printer" */
	if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's')
		n--;
	if (s->limit > 0 && s->n >= s->limit)
		return;
	for (i = 0; i < s->n; i++)
		if (strlen(s->w[i]) == n && memcmp(s->w[i], w, n) == 0)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap * 2 + 32;
		s->w = xreallocarray(s->w, s->cap, sizeof(*s->w));
	}
	s->w[s->n++] = xstrndup(w, n);
}

static void
wset_clear(struct wset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->w[i]);
	free(s->w);
	memset(s, 0, sizeof(*s));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
kb_fts_query(const char *p, size_t len)
{
	struct wset s;
	struct buf b;
	size_t i;
	char *q;

	memset(&s, 0, sizeof(s));
	s.limit = KB_QUERY_WORDS;
	clf_words(p, len, wset_add, &s);
	if (s.n == 0) {
		wset_clear(&s);
		return NULL;
	}
	buf_init(&b, 64 * 1024);
	for (i = 0; i < s.n; i++)
		/* the words hold no '"': letters, digits, UTF-8 */
		buf_printf(&b, "%s\"%s\"", i > 0 ? " OR " : "", s.w[i]);
	q = buf_steal(&b, NULL);
	wset_clear(&s);
	return q;
}

double
kb_relevance(const char *ticket, size_t tlen, const char *article,
    size_t alen)
{
	struct wset a, b;
	size_t i, j = 0, common = 0;
	int c;
	double r;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* a long ticket counts as its first KB_QUERY_WORDS * 4 words */
	a.limit = KB_QUERY_WORDS * 4;
	clf_words(ticket, tlen, wset_add, &a);
	clf_words(article, alen, wset_add, &b);
	if (a.n == 0 || b.n == 0) {
		wset_clear(&a);
		wset_clear(&b);
		return 0;
	}
	qsort(a.w, a.n, sizeof(*a.w), cmp_str);
	qsort(b.w, b.n, sizeof(*b.w), cmp_str);
	for (i = 0; i < a.n && j < b.n; ) {
		c = strcmp(a.w[i], b.w[j]);
		if (c == 0) {
			common++;
			i++;
			j++;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	r = (double)common / sqrt((double)a.n * (double)b.n);
	wset_clear(&a);
	wset_clear(&b);
	return r;
}
