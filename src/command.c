/*
 * command.c — admin commands at the top of a reply, and a root admin's
 * control mail, parsed into struct cmd entries. Pure: no I/O. See
 * command.h for the contract and tests/unit/test_command.c for the table.
 *
 * Decisions:
 * - Strict syntax, because a command changes a ticket or a role and a
 *   mail is applied whole or not at all: a command line that is not valid
 *   UTF-8, holds a control character (other than a tab) or is longer than
 *   LIMIT_COMMAND_LINE_BYTES is a CMD_ERROR, never cut and applied. Extra
 *   words after the last argument are an error too ("/internal note": the
 *   note belongs below the commands), except for the free-text arguments
 *   (/resolve, /reject, /publish, /reason, reject).
 * - Lenient spacing: spaces, tabs and NBSP (which HTML mail turns into)
 *   separate words and are trimmed; leading spaces before '/' are fine.
 * - Priority words, category syntax and admin names are fields.c's, so a
 *   requester's "[P1]" and an admin's "/priority p1" mean the same.
 * - "away" takes "until DATE" or just "DATE"; the date must exist
 *   (2026-02-30 does not) and lie in 2000..2999. Whether it is in the
 *   past is for the caller, who knows the time.
 * - Every scan is linear in the input; at most LIMIT_COMMANDS + 1 entries
 *   are built, whatever the mail holds.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "fields.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

#define TICKET_NUMBER_MAX	1000000000000LL	/* 10^12, as thread.c */

enum arg {
	A_NONE,		/* nothing may follow */
	A_OPT_TEXT,	/* free text or nothing → arg1 */
	A_TEXT,		/* free text → arg1, required */
	A_ASSIGNEE,	/* address or name → arg1 */
	A_PRIO,		/* priority word → prio */
	A_CATEGORY,	/* cat[/sub] → arg1, arg2 */
	C_NUM_ADDR,	/* N address */
	C_NUM_TEXT,	/* N text... */
	C_ADDR_ROLE,	/* address user|admin|root */
	C_ADDR,		/* address */
	C_ADDR_SKILLS,	/* address cat, cat... */
	C_ADDR_DATE,	/* address [until] [date] */
};

struct spec {
	const char	*name;
	enum cmd_kind	 kind;
	enum arg	 arg;
	const char	*need;	/* error text when a required argument is
				 * missing */
};

static const struct spec admin_specs[] = {
	{ "resolve", CMD_RESOLVE, A_OPT_TEXT, NULL },
	{ "reject", CMD_REJECT, A_TEXT, "a reason is required" },
	{ "assign", CMD_ASSIGN, A_ASSIGNEE, "an address or name is required" },
	{ "priority", CMD_PRIORITY, A_PRIO, "high, medium or low is required" },
	{ "category", CMD_CATEGORY, A_CATEGORY, "a category is required" },
	{ "internal", CMD_INTERNAL, A_NONE, NULL },
	{ "publish", CMD_PUBLISH, A_OPT_TEXT, NULL },
	{ "reason", CMD_REASON, A_TEXT, "a text is required" },
};

static const struct spec control_specs[] = {
	{ "reassign", CMD_REASSIGN, C_NUM_ADDR, NULL },
	{ "reject", CMD_CTL_REJECT, C_NUM_TEXT, "a reason is required" },
	{ "role", CMD_ROLE, C_ADDR_ROLE, NULL },
	{ "grant", CMD_GRANT, C_ADDR, NULL },
	{ "revoke", CMD_REVOKE, C_ADDR, NULL },
	{ "skills", CMD_SKILLS, C_ADDR_SKILLS, NULL },
	{ "away", CMD_AWAY, C_ADDR_DATE, NULL },
	{ "back", CMD_BACK, C_ADDR, NULL },
	{ "report", CMD_REPORT, A_NONE, NULL },
};

static const char *const roles[] = { "user", "admin", "root" };

/* Why a command line cannot be read at all, or NULL when it can. */
static const char *
line_problem(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + len;
	size_t n;

	if (len > LIMIT_COMMAND_LINE_BYTES)
		return "line is too long";
	while (s < end) {
		n = lex_utf8_len(s, end);
		if (n == 0)
			return "line is not valid UTF-8";
		if (n == 1 && lex_is_ctl(*s) && *s != '\t')
			return "line holds a control character";
		s += n;
	}
	return NULL;
}

/*
 * The next word of [*p, end): returns its length with *w its start, and
 * moves *p past it and the spaces after; 0 at the end.
 */
static size_t
word(const char **p, const char *end, const char **w)
{
	const char *q;

	*p = lex_skip_sp(*p, end);
	*w = *p;
	q = *p;
	while (q < end && lex_sp_len(q, end) == 0)
		q++;
	*p = lex_skip_sp(q, end);
	return (size_t)(q - *w);
}

void
command_list_init(struct cmd_list *l)
{
	l->v = NULL;
	l->n = 0;
}

void
command_list_clear(struct cmd_list *l)
{
	size_t i, j;
	struct cmd *c;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		free(c->line);
		free(c->arg1);
		free(c->arg2);
		free(c->err);
		for (j = 0; j < c->nlist; j++)
			free(c->list[j]);
		free(c->list);
	}
	free(l->v);
	command_list_init(l);
}

/* Append an entry for the line [ls, le), kind CMD_ERROR until set. */
static struct cmd *
add(struct cmd_list *l, const char *ls, const char *le)
{
	struct cmd *c;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->kind = CMD_ERROR;
	c->line = lex_show(ls, (size_t)(le - ls), LIMIT_COMMAND_LINE_BYTES,
	    LEX_SHOW_TAB);
	return c;
}

/* Drop what an entry's arguments gave before one of them failed. */
static void
drop_args(struct cmd *c)
{
	size_t i;

	free(c->arg1);
	free(c->arg2);
	free(c->err);
	for (i = 0; i < c->nlist; i++)
		free(c->list[i]);
	free(c->list);
	c->arg1 = c->arg2 = c->err = NULL;
	c->list = NULL;
	c->nlist = 0;
	c->number = c->until = 0;
	c->prio = 0;
}

/* Make c a CMD_ERROR (or CMD_UNKNOWN) with "name: why", no arguments. */
static void
fail(struct cmd *c, enum cmd_kind kind, const char *name, const char *why)
{
	drop_args(c);
	c->kind = kind;
	if (name != NULL)
		c->err = xasprintf("%s: %s", name, why);
	else
		c->err = xstrdup(why);
}

/* Make c a CMD_ERROR "name: 'tok' why", no arguments. */
static void
fail_tok(struct cmd *c, const char *name, const char *tok, size_t n,
    const char *why)
{
	char *q;

	q = lex_show(tok, n, LIMIT_QUOTED_BYTES, LEX_SHOW_TAB);
	drop_args(c);
	c->kind = CMD_ERROR;
	c->err = xasprintf("%s: '%s' %s", name, q, why);
	free(q);
}

static const struct spec *
lookup(const struct spec *specs, size_t nspecs, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < nspecs; i++) {
		if (strlen(specs[i].name) == n &&
		    strncasecmp(specs[i].name, w, n) == 0)
			return &specs[i];
	}
	return NULL;
}

/* "42" or "#42", 1..10^12, leading zeros allowed. 0 or -1. */
static int
parse_number(const char *p, size_t n, long long *out)
{
	long long v = 0;
	size_t i;

	if (n > 0 && *p == '#') {
		p++;
		n--;
	}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
		if (v > TICKET_NUMBER_MAX)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

/*
 * An address as written loosely — "<a@b>", a trailing ',' or ';' — as a new
 * plain addr-spec string, or NULL.
 */
static char *
parse_addr(const char *p, size_t n)
{
	if (n > 0 && (p[n - 1] == ',' || p[n - 1] == ';'))
		n--;
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
		p++;
		n -= 2;
	}
	if (!fields_is_addr(p, n))
		return NULL;
	return xstrndup(p, n);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a valid proleptic Gregorian date, y >= 0. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Strictly "YYYY-MM-DD", a real date in 2000..2999: 0 and *t, or -1. */
static int
parse_date(const char *p, size_t n, long long *t)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d, max;
	size_t i;

	if (n != 10 || p[4] != '-' || p[7] != '-')
		return -1;
	for (i = 0; i < n; i++) {
		if (i != 4 && i != 7 && (p[i] < '0' || p[i] > '9'))
			return -1;
	}
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
	    (p[3] - '0');
	m = (p[5] - '0') * 10 + (p[6] - '0');
	d = (p[8] - '0') * 10 + (p[9] - '0');
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1)
		return -1;
	max = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d > max)
		return -1;
	*t = days_from_civil(y, m, d) * 86400LL;
	return 0;
}

/* The address word at *p into c->arg1; 0, or -1 with c failed. */
static int
want_addr(struct cmd *c, const char *name, const char **p, const char *end)
{
	const char *w;
	size_t n;

	n = word(p, end, &w);
	if (n == 0) {
		fail(c, CMD_ERROR, name, "an address is required");
		return -1;
	}
	c->arg1 = parse_addr(w, n);
	if (c->arg1 == NULL) {
		fail_tok(c, name, w, n, "is not an address");
		return -1;
	}
	return 0;
}

/* The ticket number word at *p into c->number; 0, or -1 with c failed. */
static int
want_number(struct cmd *c, const char *name, const char **p, const char *end)
{
	const char *w;
	size_t n;

	n = word(p, end, &w);
	if (n == 0) {
		fail(c, CMD_ERROR, name, "a ticket number is required");
		return -1;
	}
	if (parse_number(w, n, &c->number) == -1) {
		fail_tok(c, name, w, n, "is not a ticket number");
		return -1;
	}
	return 0;
}

/* Nothing may be left at *p; 0, or -1 with c failed. */
static int
want_end(struct cmd *c, const char *name, const char *p, const char *end)
{
	const char *w;
	size_t n;

	n = word(&p, end, &w);
	if (n == 0)
		return 0;
	fail_tok(c, name, w, (size_t)(end - w), "was not expected");
	return -1;
}

/* "skills ADDR cat, cat …": the list after the address. */
static void
want_skills(struct cmd *c, const char *name, const char *p, const char *end)
{
	const char *w;
	char *cat, *sub, *s;
	size_t n, i;

	while (p < end) {
		p = lex_skip_sp(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		w = p;
		while (p < end && *p != ',' && lex_sp_len(p, end) == 0)
			p++;
		n = (size_t)(p - w);
		if (n == 0)
			break;
		if (fields_parse_category(w, n, &cat, &sub) == -1) {
			fail_tok(c, name, w, n, "is not a category");
			return;
		}
		s = sub != NULL ? xasprintf("%s/%s", cat, sub) : xstrdup(cat);
		free(cat);
		free(sub);
		for (i = 0; i < c->nlist; i++) {
			if (strcmp(c->list[i], s) == 0)
				break;
		}
		if (i < c->nlist) {
			free(s);
			continue;
		}
		if (c->nlist == LIMIT_SKILLS) {
			free(s);
			fail(c, CMD_ERROR, name, "too many categories");
			return;
		}
		c->list = xreallocarray(c->list, c->nlist + 1,
		    sizeof(*c->list));
		c->list[c->nlist++] = s;
	}
	if (c->nlist == 0) {
		fail(c, CMD_ERROR, name, "at least one category is required");
		return;
	}
	c->kind = CMD_SKILLS;
}

/* Fill c from the arguments [p, end) of the command spec s. */
static void
parse_args(struct cmd *c, const struct spec *s, const char *p, const char *end)
{
	const char *w;
	size_t n, i;

	lex_trim(&p, &end);
	switch (s->arg) {
	case A_NONE:
		if (want_end(c, s->name, p, end) == -1)
			return;
		break;
	case A_OPT_TEXT:
		if (p < end)
			c->arg1 = xstrndup(p, (size_t)(end - p));
		break;
	case A_TEXT:
		if (p == end) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		c->arg1 = xstrndup(p, (size_t)(end - p));
		break;
	case A_ASSIGNEE:
		if (p == end) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		c->arg1 = fields_parse_admin(p, (size_t)(end - p));
		if (c->arg1 == NULL) {
			fail_tok(c, s->name, p, (size_t)(end - p),
			    "is not an address or name");
			return;
		}
		break;
	case A_PRIO:
		if (p == end) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		c->prio = fields_parse_priority(p, (size_t)(end - p));
		if (c->prio == FIELDS_PRIO_NONE) {
			fail_tok(c, s->name, p, (size_t)(end - p),
			    "is not high, medium or low");
			return;
		}
		break;
	case A_CATEGORY:
		if (p == end) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		if (fields_parse_category(p, (size_t)(end - p), &c->arg1,
		    &c->arg2) == -1) {
			fail_tok(c, s->name, p, (size_t)(end - p),
			    "is not a category (cat or cat/sub)");
			return;
		}
		break;
	case C_NUM_ADDR:
		if (want_number(c, s->name, &p, end) == -1 ||
		    want_addr(c, s->name, &p, end) == -1 ||
		    want_end(c, s->name, p, end) == -1)
			return;
		break;
	case C_NUM_TEXT:
		if (want_number(c, s->name, &p, end) == -1)
			return;
		p = lex_skip_sp(p, end);
		if (p == end) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		c->arg1 = xstrndup(p, (size_t)(end - p));
		break;
	case C_ADDR_ROLE:
		if (want_addr(c, s->name, &p, end) == -1)
			return;
		n = word(&p, end, &w);
		if (n == 0) {
			fail(c, CMD_ERROR, s->name,
			    "admin, user or root is required");
			return;
		}
		for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
			if (strlen(roles[i]) == n &&
			    strncasecmp(roles[i], w, n) == 0)
				break;
		}
		if (i == sizeof(roles) / sizeof(roles[0])) {
			fail_tok(c, s->name, w, n,
			    "is not admin, user or root");
			return;
		}
		c->arg2 = xstrdup(roles[i]);
		if (want_end(c, s->name, p, end) == -1)
			return;
		break;
	case C_ADDR:
		if (want_addr(c, s->name, &p, end) == -1 ||
		    want_end(c, s->name, p, end) == -1)
			return;
		break;
	case C_ADDR_SKILLS:
		if (want_addr(c, s->name, &p, end) == -1)
			return;
		want_skills(c, s->name, p, end);
		return;
	case C_ADDR_DATE:
		if (want_addr(c, s->name, &p, end) == -1)
			return;
		n = word(&p, end, &w);
		if (n == 5 && strncasecmp(w, "until", 5) == 0) {
			n = word(&p, end, &w);
			if (n == 0) {
				fail(c, CMD_ERROR, s->name,
				    "a date (YYYY-MM-DD) is required after "
				    "'until'");
				return;
			}
		}
		if (n > 0 && parse_date(w, n, &c->until) == -1) {
			fail_tok(c, s->name, w, n,
			    "is not a date (YYYY-MM-DD, 2000..2999)");
			return;
		}
		if (want_end(c, s->name, p, end) == -1)
			return;
		break;
	}
	c->kind = s->kind;
}

/* One parse call: which commands, where its entries start, the cap. */
struct pstate {
	int	 admin;		/* admin commands, else control */
	size_t	 first;		/* the call's first entry in the list */
	int	 over;		/* the cap's error entry was added */
};

/*
 * One command line [ls, le) (trimmed, not blank): an entry in *l, unless
 * the cap was passed before.
 */
static void
command_line(struct cmd_list *l, struct pstate *ps, const char *ls,
    const char *le)
{
	const struct spec *specs, *s;
	size_t nspecs, n;
	const char *p, *w, *why;
	struct cmd *c;
	char *q;

	if (ps->over)
		return;
	c = add(l, ls, le);
	if (l->n - ps->first > LIMIT_COMMANDS) {
		ps->over = 1;
		free(c->err);
		c->err = xasprintf("more than %d commands in one mail",
		    LIMIT_COMMANDS);
		return;
	}
	why = line_problem(ls, (size_t)(le - ls));
	if (why != NULL) {
		fail(c, CMD_ERROR, NULL, why);
		return;
	}
	p = ls;
	if (ps->admin) {
		specs = admin_specs;
		nspecs = sizeof(admin_specs) / sizeof(admin_specs[0]);
		p++;	/* the '/' */
	} else {
		specs = control_specs;
		nspecs = sizeof(control_specs) / sizeof(control_specs[0]);
	}
	w = p;
	while (p < le && lex_sp_len(p, le) == 0)
		p++;
	n = (size_t)(p - w);
	s = lookup(specs, nspecs, w, n);
	if (s == NULL) {
		q = lex_show(w, n, LIMIT_QUOTED_BYTES, LEX_SHOW_TAB);
		free(c->err);
		c->kind = CMD_UNKNOWN;
		c->err = xasprintf("unknown command '%s%s'",
		    ps->admin ? "/" : "", q);
		free(q);
		return;
	}
	parse_args(c, s, p, le);
}

static size_t
skip_bom(const char *p, size_t len)
{
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		return 3;
	return 0;
}

/* 0 when the entries from first on are all commands, else -1. */
static int
list_ok(const struct cmd_list *l, size_t first)
{
	size_t i;

	for (i = first; i < l->n; i++) {
		if (l->v[i].kind == CMD_ERROR || l->v[i].kind == CMD_UNKNOWN)
			return -1;
	}
	return 0;
}

int
command_parse_admin(const char *p, size_t len, struct cmd_list *list,
    size_t *rest_off)
{
	struct pstate ps = { 1, list->n, 0 };
	const char *ls, *le;
	size_t pos, start;
	int found = 0;

	pos = skip_bom(p, len);
	while (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (ls == le) {
			if (found == 0)
				continue;
			pos = start;
			break;
		}
		if (*ls != '/') {
			pos = start;
			break;
		}
		found++;
		command_line(list, &ps, ls, le);
	}
	if (rest_off != NULL) {
		if (found == 0)
			*rest_off = 0;
		else
			*rest_off = lex_skip_blank_lines(p, len, pos);
	}
	return list_ok(list, ps.first);
}

int
command_parse_control(const char *p, size_t len, struct cmd_list *list)
{
	struct pstate ps = { 0, list->n, 0 };
	const char *ls, *le;
	size_t pos;

	pos = skip_bom(p, len);
	while (pos < len) {
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (ls == le)
			continue;
		if (*ls == '>')
			break;
		if (le - ls == 2 && ls[0] == '-' && ls[1] == '-')
			break;
		command_line(list, &ps, ls, le);
	}
	return list_ok(list, ps.first);
}

const char *
command_kind_name(enum cmd_kind k)
{
	switch (k) {
	case CMD_UNKNOWN:
		return "unknown";
	case CMD_ERROR:
		return "error";
	case CMD_RESOLVE:
		return "resolve";
	case CMD_REJECT:
		return "reject";
	case CMD_ASSIGN:
		return "assign";
	case CMD_PRIORITY:
		return "priority";
	case CMD_CATEGORY:
		return "category";
	case CMD_INTERNAL:
		return "internal";
	case CMD_PUBLISH:
		return "publish";
	case CMD_REASON:
		return "reason";
	case CMD_REASSIGN:
		return "reassign";
	case CMD_CTL_REJECT:
		return "reject";
	case CMD_ROLE:
		return "role";
	case CMD_GRANT:
		return "grant";
	case CMD_REVOKE:
		return "revoke";
	case CMD_SKILLS:
		return "skills";
	case CMD_AWAY:
		return "away";
	case CMD_BACK:
		return "back";
	case CMD_REPORT:
		return "report";
	}
	return "unknown";
}
