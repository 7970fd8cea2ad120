/*
 * fields.c — priority, category and admin choice from a subject's tags and
 * a body's pseudo-headers. Pure: no I/O. See fields.h for the contract and
 * tests/unit/test_fields.c for the table.
 *
 * Decisions:
 * - Subject tags are only the exact forms: no spaces inside the brackets,
 *   a known priority word, "@" and a name or address, or a configured
 *   category. "[ high ]", "[URGENT!!]", "[x86]" stay in the title, because
 *   a person may have meant them as text.
 * - A bare category tag needs the configuration, a pseudo-header does not:
 *   "Category:" says what it is, so a bad one is reported, not ignored.
 * - A pseudo-header line is consumed even with a bad value, so that
 *   "Priority: whenever" is answered ("unknown priority") rather than left
 *   in the ticket's text as if it had been understood.
 * - Every scan is linear: a '[' looks forward only to the next '[' or ']'
 *   and at most a tag's longest length.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fields.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

/* Longest thing between brackets that can be a tag: "@" + an address. */
#define TAG_MAX		(LIMIT_ADDR_BYTES + 1)

static const struct {
	const char	*word;
	int		 prio;
} prio_words[] = {
	{ "high", FIELDS_PRIO_HIGH },
	{ "urgent", FIELDS_PRIO_HIGH },
	{ "p1", FIELDS_PRIO_HIGH },
	{ "medium", FIELDS_PRIO_MEDIUM },
	{ "p2", FIELDS_PRIO_MEDIUM },
	{ "low", FIELDS_PRIO_LOW },
	{ "p3", FIELDS_PRIO_LOW },
};

enum key {
	KEY_NONE = 0,
	KEY_PRIORITY,
	KEY_CATEGORY,
	KEY_ADMIN,
	KEY_ASSET
};

/* What one call has seen, for "first wins, later different conflicts". */
struct seen {
	int	prio, cat, admin;
};

/*
 * A quotable copy of untrusted text (lex_show): unlike command.c, a tab
 * becomes '?' too.
 */
static char *
quoted(const char *p, size_t len)
{
	return lex_show(p, len, LIMIT_QUOTED_BYTES, 0);
}

static char *
lower_dup(const char *p, size_t len)
{
	char *s;
	size_t i;

	s = xstrndup(p, len);
	for (i = 0; i < len; i++)
		s[i] = (char)lex_lower((unsigned char)s[i]);
	return s;
}

int
fields_parse_priority(const char *p, size_t len)
{
	const char *end = p + len;
	size_t i, n;

	lex_trim(&p, &end);
	n = (size_t)(end - p);
	for (i = 0; i < sizeof(prio_words) / sizeof(prio_words[0]); i++) {
		if (strlen(prio_words[i].word) == n &&
		    strncasecmp(p, prio_words[i].word, n) == 0)
			return prio_words[i].prio;
	}
	return FIELDS_PRIO_NONE;
}

const char *
fields_priority_name(int prio)
{
	switch (prio) {
	case FIELDS_PRIO_HIGH:
		return "high";
	case FIELDS_PRIO_MEDIUM:
		return "medium";
	case FIELDS_PRIO_LOW:
		return "low";
	default:
		return "none";
	}
}

static int
is_catch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of the category name at [p, end), 0 when none or too long. */
static size_t
cat_name(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && is_catch((unsigned char)p[n]))
		n++;
	return n <= LIMIT_CATEGORY_BYTES ? n : 0;
}

int
fields_parse_category(const char *p, size_t len, char **cat, char **sub)
{
	const char *end = p + len, *c, *s;
	size_t cn, sn = 0;

	lex_trim(&p, &end);
	c = p;
	cn = cat_name(p, end);
	if (cn == 0)
		return -1;
	p = lex_skip_sp(p + cn, end);
	s = NULL;
	if (p < end && *p == '/') {
		p = lex_skip_sp(p + 1, end);
		s = p;
		sn = cat_name(p, end);
		if (sn == 0)
			return -1;
		p += sn;
	}
	if (p != end)
		return -1;
	*cat = lower_dup(c, cn);
	*sub = s != NULL ? lower_dup(s, sn) : NULL;
	return 0;
}

/* RFC 5322 atext, plus bytes >= 0x80 (checked as UTF-8 by the caller). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_domainch(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* Dot-separated non-empty runs of chars accepted by ok(). */
static int
dot_atoms(const unsigned char *s, size_t n, int (*ok)(unsigned char))
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
		} else if (!ok(s[i]))
			return 0;
	}
	return 1;
}

static int
valid_utf8(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + len;
	size_t n;

	while (s < end) {
		n = lex_utf8_len(s, end);
		if (n == 0)
			return 0;
		s += n;
	}
	return 1;
}

int
fields_is_addr(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	const char *at;

	if (len == 0 || len > LIMIT_ADDR_BYTES)
		return 0;
	at = memchr(p, '@', len);
	if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - p) - 1))
		return 0;
	if (!dot_atoms(s, (size_t)(at - p), is_atext))
		return 0;
	if (!dot_atoms((const unsigned char *)at + 1,
	    len - (size_t)(at - p) - 1, is_domainch))
		return 0;
	return valid_utf8(p, len);
}

char *
fields_parse_admin(const char *p, size_t len)
{
	const char *end = p + len, *lt, *q;
	struct buf b;
	size_t n;
	int space;

	lex_trim(&p, &end);
	if (p == end)
		return NULL;
	/* "Name <addr>" or "<addr>": the address only */
	if (end[-1] == '>') {
		lt = memchr(p, '<', (size_t)(end - p));
		if (lt == NULL)
			return NULL;
		q = lt + 1;
		if (!fields_is_addr(q, (size_t)(end - 1 - q)))
			return NULL;
		/* lt is the first '<'; the display name holds no '>' either */
		if (memchr(p, '>', (size_t)(lt - p)) != NULL)
			return NULL;
		return xstrndup(q, (size_t)(end - 1 - q));
	}
	if (*p == '@') {
		p++;
		if (p == end || *p == '@')
			return NULL;
	}
	if (memchr(p, '@', (size_t)(end - p)) != NULL) {
		if (!fields_is_addr(p, (size_t)(end - p)))
			return NULL;
		return xstrndup(p, (size_t)(end - p));
	}
	/* a name */
	if ((size_t)(end - p) > LIMIT_NAME_BYTES ||
	    !valid_utf8(p, (size_t)(end - p)))
		return NULL;
	buf_init(&b, LIMIT_NAME_BYTES + 1);
	space = 0;
	while (p < end) {
		n = lex_sp_len(p, end);
		if (n > 0) {
			space = 1;
			p += n;
			continue;
		}
		if (lex_is_ctl((unsigned char)*p) ||
		    strchr("<>@,;:\"[]()\\/", *p) != NULL) {
			buf_clear(&b);
			return NULL;
		}
		if (space)
			(void)buf_addch(&b, ' ');
		space = 0;
		(void)buf_addch(&b, *p);
		p++;
	}
	return buf_steal(&b, NULL);
}

void
fields_init(struct fields *f)
{
	memset(f, 0, sizeof(*f));
}

void
fields_clear(struct fields *f)
{
	if (f == NULL)
		return;
	free(f->category);
	free(f->subcategory);
	free(f->admin);
	free(f->bad_priority);
	free(f->bad_category);
	free(f->bad_admin);
	free(f->asset);
	fields_init(f);
}

/* Record a priority found in this call. */
static void
set_prio(struct fields *f, struct seen *seen, int prio)
{
	if (seen->prio) {
		if (f->priority != prio)
			f->flags |= FIELDS_F_PRIO_CONFLICT;
		return;
	}
	seen->prio = 1;
	f->priority = prio;
}

static int
streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Record a category found in this call; takes cat and sub. */
static void
set_cat(struct fields *f, struct seen *seen, char *cat, char *sub)
{
	if (seen->cat) {
		if (!streq_null(f->category, cat) ||
		    !streq_null(f->subcategory, sub))
			f->flags |= FIELDS_F_CAT_CONFLICT;
		free(cat);
		free(sub);
		return;
	}
	seen->cat = 1;
	free(f->category);
	free(f->subcategory);
	f->category = cat;
	f->subcategory = sub;
}

/* Record an admin found in this call; takes admin. */
static void
set_admin(struct fields *f, struct seen *seen, char *admin)
{
	if (seen->admin) {
		if (strcasecmp(f->admin, admin) != 0)
			f->flags |= FIELDS_F_ADMIN_CONFLICT;
		free(admin);
		return;
	}
	seen->admin = 1;
	free(f->admin);
	f->admin = admin;
}

static int
known_category(const struct config_category *cats, size_t ncats,
    const char *name)
{
	size_t i;

	for (i = 0; i < ncats; i++) {
		if (cats[i].name != NULL && strcasecmp(cats[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Is [p, p+n) (between the brackets) a tag? If so record it and return 1.
 */
static int
subject_tag(const char *p, size_t n, const struct config_category *cats,
    size_t ncats, struct fields *f, struct seen *seen)
{
	char *cat, *sub, *admin;
	size_t i;
	int prio;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f ||
		    p[i] == '<' || p[i] == '>')
			return 0;
		/* NBSP counts as a space too: "[ high ]" in any form is text */
		if ((unsigned char)p[i] == 0xc2 && i + 1 < n &&
		    (unsigned char)p[i + 1] == 0xa0)
			return 0;
	}
	if (p[0] == '@') {
		if (n < 2 || p[1] == '@')
			return 0;
		admin = fields_parse_admin(p, n);
		if (admin == NULL)
			return 0;
		set_admin(f, seen, admin);
		return 1;
	}
	prio = fields_parse_priority(p, n);
	if (prio != FIELDS_PRIO_NONE) {
		set_prio(f, seen, prio);
		return 1;
	}
	if (fields_parse_category(p, n, &cat, &sub) == -1)
		return 0;
	if (!known_category(cats, ncats, cat)) {
		free(cat);
		free(sub);
		return 0;
	}
	set_cat(f, seen, cat, sub);
	return 1;
}

int
fields_from_subject(const char *p, size_t len,
    const struct config_category *cats, size_t ncats, struct fields *f,
    char **title)
{
	struct seen seen = { 0, 0, 0 };
	struct buf b;
	size_t i, j, lim;
	int found = 0, space = 0;
	unsigned char c;

	buf_init(&b, len + 1);
	i = 0;
	while (i < len) {
		if (p[i] == '[') {
			lim = len - i - 1;
			if (lim > TAG_MAX + 1)
				lim = TAG_MAX + 1;
			for (j = 0; j < lim; j++) {
				if (p[i + 1 + j] == ']' || p[i + 1 + j] == '[')
					break;
			}
			if (j < lim && p[i + 1 + j] == ']' && j <= TAG_MAX &&
			    subject_tag(p + i + 1, j, cats, ncats, f, &seen)) {
				found++;
				space = 1;
				i += j + 2;
				continue;
			}
		}
		c = (unsigned char)p[i];
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)p[i + 1] == 0xa0) {
			space = 1;	/* NBSP */
			i += 2;
			continue;
		}
		if (c == ' ' || lex_is_ctl(c)) {
			space = 1;
		} else {
			if (space && b.len > 0)
				(void)buf_addch(&b, ' ');
			space = 0;
			(void)buf_addch(&b, (char)c);
		}
		i++;
	}
	if (title != NULL)
		*title = buf_steal(&b, NULL);
	else
		buf_clear(&b);
	return found;
}

/* The key of a pseudo-header line, with its value in [*val, *vend). */
static enum key
pseudo_header(const char *p, const char *end, const char **val,
    const char **vend)
{
	static const struct {
		const char	*name;
		enum key	 key;
	} keys[] = {
		{ "priority", KEY_PRIORITY },
		{ "category", KEY_CATEGORY },
		{ "admin", KEY_ADMIN },
		{ "asset", KEY_ASSET },
	};
	size_t i, n;

	p = lex_skip_sp(p, end);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = strlen(keys[i].name);
		if ((size_t)(end - p) < n || strncasecmp(p, keys[i].name, n))
			continue;
		p = lex_skip_sp(p + n, end);
		if (p == end || *p != ':')
			return KEY_NONE;
		p++;
		*val = p;
		*vend = end;
		lex_trim(val, vend);
		return keys[i].key;
	}
	return KEY_NONE;
}

static int
blank(const char *p, const char *end)
{
	return lex_skip_sp(p, end) == end;
}

int
fields_from_body(const char *p, size_t len, struct fields *f,
    size_t *rest_off)
{
	struct seen seen = { 0, 0, 0 };
	const char *ls, *le, *val, *vend;
	char *cat, *sub, *admin;
	size_t pos = 0, start;
	enum key key;
	int found = 0, prio;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		if (blank(ls, le)) {
			if (found == 0)
				continue;
			pos = start;
			break;
		}
		key = pseudo_header(ls, le, &val, &vend);
		if (key == KEY_NONE) {
			pos = start;
			break;
		}
		found++;
		switch (key) {
		case KEY_PRIORITY:
			prio = fields_parse_priority(val, (size_t)(vend - val));
			if (prio != FIELDS_PRIO_NONE)
				set_prio(f, &seen, prio);
			else {
				f->flags |= FIELDS_F_BAD_PRIO;
				if (f->bad_priority == NULL)
					f->bad_priority = quoted(val,
					    (size_t)(vend - val));
			}
			break;
		case KEY_CATEGORY:
			if (fields_parse_category(val, (size_t)(vend - val),
			    &cat, &sub) == 0)
				set_cat(f, &seen, cat, sub);
			else {
				f->flags |= FIELDS_F_BAD_CAT;
				if (f->bad_category == NULL)
					f->bad_category = quoted(val,
					    (size_t)(vend - val));
			}
			break;
		case KEY_ADMIN:
			admin = fields_parse_admin(val, (size_t)(vend - val));
			if (admin != NULL)
				set_admin(f, &seen, admin);
			else {
				f->flags |= FIELDS_F_BAD_ADMIN;
				if (f->bad_admin == NULL)
					f->bad_admin = quoted(val,
					    (size_t)(vend - val));
			}
			break;
		case KEY_ASSET:
			if (f->asset == NULL && vend > val)
				f->asset = quoted(val, (size_t)(vend - val));
			break;
		default:
			break;
		}
	}
	if (rest_off != NULL) {
		if (found == 0)
			*rest_off = 0;
		else {
			/* skip the blank lines after the pseudo-headers */
			*rest_off = lex_skip_blank_lines(p, len, pos);
		}
	}
	return found;
}
