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
 *   and LIMIT_SKIPPED_LINES + 2 skip notes are built, whatever the mail
 *   holds.
 * - People write control mails like any mail (greeting, commands, "thanks",
 *   signature, quoted text): the commands are the lines from the first
 *   command to the first sign-off, signature or quote, as debbugs' control@
 *   server reads them. Inside that block every line still counts, so a typo
 *   refuses the mail whole; before it, a line that looks like a mistyped
 *   command is not taken for a greeting (near1()): a skipped first command
 *   must never let the others apply.
 * - A reply to a ticket is mostly text for a person, where a '/' line may
 *   be a path or an example: only a short greeting line ("Hi Alice,")
 *   followed by a real (or one-letter-off) command may stand before the
 *   commands. See command.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asset.h"
#include "command.h"
#include "fields.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

#define TICKET_NUMBER_MAX	1000000000000LL	/* 10^12, as thread.c */
#define NSPECS(a)		(sizeof(a) / sizeof((a)[0]))

enum arg {
	A_NONE,		/* nothing may follow */
	A_OPT_TEXT,	/* free text or nothing → arg1 */
	A_TEXT,		/* free text → arg1, required */
	A_ASSIGNEE,	/* address or name → arg1 */
	A_PRIO,		/* priority word → prio */
	A_CATEGORY,	/* cat[/sub] → arg1, arg2 */
	A_KB,		/* edit | withdraw → the kind */
	C_NUM_ADDR,	/* N address */
	C_NUM_TEXT,	/* N text... */
	C_ADDR_ROLE,	/* address user|admin|root */
	C_ADDR,		/* address */
	C_ADDR_SKILLS,	/* address cat, cat... */
	C_ADDR_DATE,	/* address [until] [date] */
	C_ASSET,	/* asset add|give|…: asset_cmd_parse() */
	A_TAG,		/* an asset tag → arg1 */
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
	{ "kb", CMD_KB_EDIT, A_KB, "edit or withdraw is required" },
	{ "asset", CMD_ASSET_LINK, A_TAG, "a tag is required" },
};

static const struct spec requester_specs[] = {
	{ "solved", CMD_SOLVED, A_NONE, NULL },
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
	{ "help", CMD_HELP, A_NONE, NULL },
	{ "asset", CMD_ASSET, C_ASSET, NULL },
	{ "assets", CMD_ASSETS, C_ADDR, NULL },
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
	l->skip = NULL;
	l->nskip = 0;
}

void
command_list_clear(struct cmd_list *l)
{
	size_t i, j;
	struct cmd *c;

	if (l == NULL)
		return;
	for (i = 0; i < l->nskip; i++) {
		free(l->skip[i].line);
		free(l->skip[i].why);
	}
	free(l->skip);
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

/* "asset …": checked by asset.c; CMD_ASSET or CMD_ASSET_NOTE. 0 or -1. */
static int
parse_asset(struct cmd *c, const char *name, const char *p, const char *end)
{
	struct asset_cmd ac;
	char err[256];

	asset_cmd_init(&ac);
	if (asset_cmd_parse(p, (size_t)(end - p), &ac, err, sizeof(err)) ==
	    -1) {
		asset_cmd_clear(&ac);
		fail(c, CMD_ERROR, name, err);
		return -1;
	}
	c->arg1 = xstrdup(ac.tag);
	if (ac.op == ASSET_OP_NOTE) {
		c->kind = CMD_ASSET_NOTE;
		c->arg2 = xstrdup(ac.note);
	} else
		c->kind = CMD_ASSET;
	asset_cmd_clear(&ac);
	return 0;
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
	case A_KB:
		n = word(&p, end, &w);
		if (n == 0) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		if (n == 4 && strncasecmp(w, "edit", 4) == 0)
			c->kind = CMD_KB_EDIT;
		else if (n == 8 && strncasecmp(w, "withdraw", 8) == 0)
			c->kind = CMD_KB_WITHDRAW;
		else {
			fail_tok(c, s->name, w, n, "is not edit or withdraw");
			return;
		}
		if (want_end(c, s->name, p, end) == -1)
			return;
		return;
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
	case C_ASSET:
		if (parse_asset(c, s->name, p, end) == -1)
			return;
		return;
	case A_TAG:
		n = word(&p, end, &w);
		if (n == 0) {
			fail(c, CMD_ERROR, s->name, s->need);
			return;
		}
		c->arg1 = xmalloc(ASSET_TAG_MAX + 1);
		if (asset_tag_parse(w, n, c->arg1) == -1) {
			fail_tok(c, s->name, w, n, "is not an asset tag");
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
	int	 admin;		/* '/' commands (admin or requester), else
				 * control */
	const struct spec *specs;	/* with admin: which */
	size_t	 nspecs;
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
		specs = ps->specs;
		nspecs = ps->nspecs;
		p++;	/* the '/' */
	} else {
		specs = control_specs;
		nspecs = NSPECS(control_specs);
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

/* Append a skip note for the line [ls, le); why is taken over. */
static void
add_skip(struct cmd_list *l, const char *ls, const char *le, char *why,
    int end)
{
	struct cmd_skip *s;

	l->skip = xreallocarray(l->skip, l->nskip + 1, sizeof(*l->skip));
	s = &l->skip[l->nskip++];
	s->line = lex_show(ls, (size_t)(le - ls), LIMIT_QUOTED_BYTES,
	    LEX_SHOW_TAB);
	s->why = why;
	s->end = end;
}

/* A byte that continues a word: ASCII letters and digits, and UTF-8. */
static int
is_word_byte(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;

	if (lex_sp_len(p, end) > 0)
		return 0;	/* NBSP is a space, not a letter */
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/*
 * Does [p, end) open with the words of phrase (lower case; ASCII letters
 * compare in any case, one space stands for any run of spaces), as whole
 * words? The position after them, or NULL.
 */
static const char *
match_words(const char *p, const char *end, const char *phrase)
{
	const char *f;

	for (f = phrase; *f != '\0'; f++) {
		if (*f == ' ') {
			if (lex_sp_len(p, end) == 0)
				return NULL;
			p = lex_skip_sp(p, end);
			continue;
		}
		if (p == end || lex_lower((unsigned char)*p) != (unsigned char)*f)
			return NULL;
		p++;
	}
	if (p < end && is_word_byte(p, end))
		return NULL;	/* "thanksgiving", "hijack" */
	return p;
}

/*
 * Are a and b (ASCII case-insensitively) equal or one edit apart: one
 * letter added, dropped, changed, or two neighbours swapped?
 */
static int
near1(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0;

	if (an > bn + 1 || bn > an + 1)
		return 0;
	while (i < an && i < bn && lex_lower((unsigned char)a[i]) ==
	    lex_lower((unsigned char)b[i]))
		i++;
	if (i == an && i == bn)
		return 1;
	if (an == bn) {
		if (lex_ci_eq(a + i + 1, an - i - 1, b + i + 1, bn - i - 1))
			return 1;	/* changed */
		return i + 1 < an &&
		    lex_lower((unsigned char)a[i]) ==
		    lex_lower((unsigned char)b[i + 1]) &&
		    lex_lower((unsigned char)a[i + 1]) ==
		    lex_lower((unsigned char)b[i]) &&
		    lex_ci_eq(a + i + 2, an - i - 2, b + i + 2, bn - i - 2);
	}
	if (an > bn)
		return lex_ci_eq(a + i + 1, an - i - 1, b + i, bn - i);
	return lex_ci_eq(a + i, an - i, b + i + 1, bn - i - 1);
}

/* Is the word [w, w + n) one edit off (or equal to) a name of specs? */
static int
near_spec(const struct spec *specs, size_t nspecs, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < nspecs; i++) {
		if (near1(w, n, specs[i].name, strlen(specs[i].name)))
			return 1;
	}
	return 0;
}

/* A word that reads as a command's argument: an address or "#42", "42,". */
static int
is_arg_like(const char *w, size_t n)
{
	size_t i;

	if (memchr(w, '@', n) != NULL)
		return 1;
	if (n > 0 && *w == '#') {
		w++;
		n--;
	}
	while (n > 0 && strchr(",.;:", w[n - 1]) != NULL)
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return 0;
	}
	return 1;
}

/*
 * Before the first command of a control mail: does the line [ls, le)
 * (trimmed, not blank) start the commands? A command name does; so does
 * what looks like a mistyped one (see command.h), which then fails as an
 * unknown command instead of passing for a greeting.
 */
static int
control_start(const char *ls, const char *le)
{
	const char *p = ls, *w, *a;
	size_t n, an;
	int named = 0, addr = 0;

	if (*ls == '/')
		return 1;
	n = word(&p, le, &w);
	if (lookup(control_specs, NSPECS(control_specs), w, n) != NULL)
		return 1;
	if (near_spec(control_specs, NSPECS(control_specs), w, n) ||
	    near_spec(admin_specs, NSPECS(admin_specs), w, n)) {
		/* "reprot", "assign 42 bob@…" (the admin's word) */
		if (p == le)
			return w[n - 1] != ',';	/* but not "Grant," */
		while ((an = word(&p, le, &a)) > 0) {
			if (is_arg_like(a, an))
				return 1;
		}
		return 0;
	}
	/* "Please reassign 42 to bob@…": a command asked for in words */
	while ((an = word(&p, le, &a)) > 0) {
		if (lookup(control_specs, NSPECS(control_specs), a, an) != NULL ||
		    lookup(admin_specs, NSPECS(admin_specs), a, an) != NULL)
			named = 1;
		if (memchr(a, '@', an) != NULL)
			addr = 1;
	}
	return named && addr;
}

/* How a sign-off may go on after its words. */
enum tail {
	T_ALONE,	/* only trailing punctuation */
	T_COMMA,	/* or a comma and anything: "Best, Alice" */
	T_ANY		/* or anything: "Thank you very much!" */
};

/*
 * Sign-offs that end a control mail's commands: debbugs' (thank, thanks,
 * thankyou, thank you, quit, stop, kthxbye; "--" is the signature) and
 * what people write in the languages quote.c knows.
 */
static const struct {
	const char	*words;
	enum tail	 tail;
} signoffs[] = {
	{ "stop", T_ALONE }, { "quit", T_ALONE }, { "kthxbye", T_ALONE },
	{ "thank", T_ANY }, { "thanks", T_ANY }, { "thankyou", T_ANY },
	{ "thank you", T_ANY }, { "many thanks", T_ANY }, { "thx", T_ANY },
	{ "cheers", T_COMMA }, { "regards", T_COMMA },
	{ "best regards", T_COMMA }, { "kind regards", T_COMMA },
	{ "warm regards", T_COMMA }, { "warmest regards", T_COMMA },
	{ "with best regards", T_COMMA }, { "with kind regards", T_COMMA },
	{ "best", T_COMMA }, { "best wishes", T_COMMA },
	{ "all the best", T_COMMA }, { "sincerely", T_COMMA },
	{ "yours sincerely", T_COMMA }, { "yours truly", T_COMMA },
	{ "yours", T_COMMA }, { "br", T_COMMA }, { "bye", T_COMMA },
	{ "goodbye", T_COMMA },
	/* de */
	{ "danke", T_ANY }, { "vielen dank", T_ANY }, { "gru\xc3\x9f", T_COMMA },
	{ "gr\xc3\xbc\xc3\x9f" "e", T_COMMA },
	{ "viele gr\xc3\xbc\xc3\x9f" "e", T_COMMA },
	{ "beste gr\xc3\xbc\xc3\x9f" "e", T_COMMA },
	{ "freundliche gr\xc3\xbc\xc3\x9f" "e", T_COMMA },
	{ "mit freundlichen gr\xc3\xbc\xc3\x9f" "en", T_COMMA },
	{ "mfg", T_COMMA }, { "lg", T_COMMA }, { "vg", T_COMMA },
	/* fr */
	{ "merci", T_ANY }, { "cordialement", T_COMMA },
	{ "bien cordialement", T_COMMA },
	/* es */
	{ "gracias", T_ANY }, { "saludos", T_COMMA }, { "un saludo", T_COMMA },
	{ "atentamente", T_COMMA },
	/* it */
	{ "grazie", T_ANY }, { "saluti", T_COMMA },
	{ "cordiali saluti", T_COMMA },
	/* nl */
	{ "bedankt", T_ANY }, { "dank je", T_ANY }, { "dank u", T_ANY },
	{ "groeten", T_COMMA }, { "met vriendelijke groet", T_COMMA },
	/* pt */
	{ "obrigado", T_ANY }, { "obrigada", T_ANY },
	{ "atenciosamente", T_COMMA }, { "abra\xc3\xa7os", T_COMMA },
};

/* Only spaces and closing punctuation (". , ! ; : - ~ )", "…") left? */
static int
only_trail(const char *p, const char *end)
{
	while (p < end) {
		if (lex_sp_len(p, end) > 0)
			p = lex_skip_sp(p, end);
		else if (memchr(".,!;:-~)", *p, 8) != NULL)
			p++;
		else if (end - p >= 3 && memcmp(p, "\xe2\x80\xa6", 3) == 0)
			p += 3;
		else
			return 0;
	}
	return 1;
}

/* Is [ls, le) (trimmed, not blank) a sign-off line? */
static int
is_signoff(const char *ls, const char *le)
{
	const char *q;
	size_t i;

	for (i = 0; i < NSPECS(signoffs); i++) {
		q = match_words(ls, le, signoffs[i].words);
		if (q == NULL)
			continue;
		if (only_trail(q, le) || signoffs[i].tail == T_ANY)
			return 1;
		q = lex_skip_sp(q, le);
		if (signoffs[i].tail == T_COMMA && q < le && *q == ',')
			return 1;
	}
	return 0;
}

/* At least 5 c at the start of [ls, le); whole: and nothing else. */
static int
run_of(const char *ls, const char *le, char c, int whole)
{
	const char *p = ls;

	while (p < le && *p == c)
		p++;
	return p - ls >= 5 && (!whole || p == le);
}

/*
 * Does the line [ls, le) (trimmed, not blank; the next line starts at
 * next) end a control mail's commands? Why, or NULL.
 */
static const char *
end_of_commands(const char *p, size_t len, size_t next, const char *ls,
    const char *le)
{
	const char *q = ls, *w, *ns, *ne;
	size_t n;

	if (*ls == '>')
		return "quoted text";
	if (le - ls == 2 && ls[0] == '-' && ls[1] == '-')
		return "a signature";
	if (run_of(ls, le, '-', 0) || run_of(ls, le, '_', 1))
		return "a quoted mail";
	if (is_signoff(ls, le))
		return "a sign-off";
	if (le[-1] != ':')
		return NULL;
	/* "On Mon, 1 Jun 2026, Bob wrote:" right above a quote */
	n = word(&q, le, &w);
	if (lookup(control_specs, NSPECS(control_specs), w, n) != NULL)
		return NULL;
	next = lex_skip_blank_lines(p, len, next);
	if (next == len)
		return NULL;
	lex_next_line(p, len, &next, &ns, &ne);
	lex_trim(&ns, &ne);
	return ns < ne && *ns == '>' ? "quoted text" : NULL;
}

/*
 * The note for the line [ls, le) that ended the commands, counting the
 * non-blank lines after it (from pos) and the commands among them.
 */
static void
add_end(struct cmd_list *l, const char *p, size_t len, size_t pos,
    const char *ls, const char *le, const char *why)
{
	const char *s, *e, *q, *w;
	size_t lines = 0, cmds = 0, n;
	char *text;

	while (pos < len) {
		lex_next_line(p, len, &pos, &s, &e);
		lex_trim(&s, &e);
		if (s == e)
			continue;
		lines++;
		q = s;
		n = word(&q, e, &w);
		if (*s != '>' && lookup(control_specs, NSPECS(control_specs),
		    w, n) != NULL)
			cmds++;
	}
	if (lines == 0)
		text = xasprintf("end of the commands (%s)", why);
	else if (cmds == 0)
		text = xasprintf("end of the commands (%s); %zu more line%s "
		    "not read", why, lines, lines == 1 ? "" : "s");
	else
		text = xasprintf("end of the commands (%s); %zu more line%s "
		    "not read, %zu of them %s, not run", why, lines,
		    lines == 1 ? "" : "s", cmds, cmds == 1 ? "a command" :
		    "commands");
	add_skip(l, ls, le, text, 1);
}

/* The note that counts the greeting lines past LIMIT_SKIPPED_LINES. */
static void
more_before(struct cmd_list *l, size_t *before)
{
	static const char dots[] = "...";

	if (*before > LIMIT_SKIPPED_LINES)
		add_skip(l, dots, dots + 3, xasprintf("and %zu more lines "
		    "before the first command, ignored",
		    *before - LIMIT_SKIPPED_LINES), 0);
	*before = 0;
}

/* Words a greeting line opens with, before an admin's commands. */
static const char *const greetings[] = {
	"hi", "hello", "hey", "hiya", "howdy", "dear", "greetings",
	"morning", "good morning", "good afternoon", "good evening",
	"good day",
	"hallo", "moin", "servus", "guten morgen", "guten tag", "liebe",
	"lieber", "bonjour", "bonsoir", "salut", "hola", "buenos d\xc3\xad" "as",
	"buenas tardes", "ciao", "buongiorno", "hoi", "goedemorgen",
	"ol\xc3\xa1", "bom dia", "hej",
};

/*
 * A greeting line (trimmed, not blank): opens with a greeting word, at
 * most 5 words, no punctuation but at its end ("Hi Alice,"; not "Hi
 * Alice, I fixed it.").
 */
static int
is_greeting(const char *ls, const char *le)
{
	const char *e = le, *p, *w;
	size_t i, words = 0;

	if ((size_t)(le - ls) > LIMIT_QUOTED_BYTES)
		return 0;
	for (;;) {
		if (e > ls && memchr(",!.:;", e[-1], 5) != NULL)
			e--;
		else if (e > ls && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		else if (e - ls >= 2 && (unsigned char)e[-2] == 0xc2 &&
		    (unsigned char)e[-1] == 0xa0)
			e -= 2;
		else
			break;
	}
	for (p = ls; p < e; p++) {
		if (memchr(",.!?;:", *p, 6) != NULL)
			return 0;
	}
	for (p = ls; word(&p, e, &w) > 0; )
		words++;
	if (words == 0 || words > 5)
		return 0;
	for (i = 0; i < NSPECS(greetings); i++) {
		if (match_words(ls, e, greetings[i]) != NULL)
			return 1;
	}
	return 0;
}

/* After a greeting: "/name" with a command's name of specs, or one off. */
static int
admin_start(const struct pstate *ps, const char *ls, const char *le)
{
	const char *p = ls + 1;

	if (ls == le || *ls != '/')
		return 0;
	while (p < le && lex_sp_len(p, le) == 0)
		p++;
	return p > ls + 1 && near_spec(ps->specs, ps->nspecs, ls + 1,
	    (size_t)(p - ls - 1));
}

int
command_late(const char *p, size_t len, size_t *off, size_t *n)
{
	const char *ls, *le, *q;
	size_t pos = 0;

	while (pos < len) {
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (le - ls == 2 && ls[0] == '-' && ls[1] == '-')
			return 0;	/* a signature ("-- " trimmed) */
		if (ls == le || *ls != '/')
			continue;
		for (q = ls + 1; q < le && lex_sp_len(q, le) == 0; q++)
			;
		if (q > ls + 1 && lookup(admin_specs, NSPECS(admin_specs),
		    ls + 1, (size_t)(q - ls - 1)) != NULL) {
			*off = (size_t)(ls - p);
			*n = (size_t)(le - ls);
			return 1;
		}
	}
	return 0;
}

int
command_is_greeting(const char *ls, const char *le)
{
	return ls < le && is_greeting(ls, le);
}

int
command_is_signoff(const char *ls, const char *le)
{
	return ls < le && is_signoff(ls, le);
}

static int
parse_slash(const struct spec *specs, size_t nspecs, const char *p,
    size_t len, struct cmd_list *list, size_t *rest_off)
{
	struct pstate ps = { 1, specs, nspecs, list->n, 0 };
	const char *ls, *le, *gs, *ge;
	size_t pos, start, next;
	int found = 0;

	pos = lex_skip_blank_lines(p, len, skip_bom(p, len));
	/* one greeting line, when a command follows it */
	if (pos < len) {
		next = pos;
		lex_next_line(p, len, &next, &gs, &ge);
		lex_trim(&gs, &ge);
		if (*gs != '/' && is_greeting(gs, ge)) {
			start = next = lex_skip_blank_lines(p, len, next);
			if (next < len) {
				lex_next_line(p, len, &next, &ls, &le);
				lex_trim(&ls, &le);
				if (admin_start(&ps, ls, le)) {
					add_skip(list, gs, ge, xstrdup("ignored: "
					    "a greeting before the commands"), 0);
					pos = start;
				}
			}
		}
	}
	while (pos < len) {
		start = pos;
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (ls == le || *ls != '/') {
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
command_parse_admin(const char *p, size_t len, struct cmd_list *list,
    size_t *rest_off)
{
	return parse_slash(admin_specs, NSPECS(admin_specs), p, len, list,
	    rest_off);
}

int
command_parse_requester(const char *p, size_t len, struct cmd_list *list,
    size_t *rest_off)
{
	return parse_slash(requester_specs, NSPECS(requester_specs), p, len,
	    list, rest_off);
}

int
command_parse_control(const char *p, size_t len, struct cmd_list *list)
{
	struct pstate ps = { 0, NULL, 0, list->n, 0 };
	const char *ls, *le, *why;
	size_t pos, before = 0;
	int started = 0;

	pos = skip_bom(p, len);
	while (pos < len) {
		lex_next_line(p, len, &pos, &ls, &le);
		lex_trim(&ls, &le);
		if (ls == le)
			continue;
		why = end_of_commands(p, len, pos, ls, le);
		if (why != NULL) {
			more_before(list, &before);
			add_end(list, p, len, pos, ls, le, why);
			break;
		}
		if (!started) {
			if (!control_start(ls, le)) {
				if (++before <= LIMIT_SKIPPED_LINES)
					add_skip(list, ls, le, xstrdup("ignored: "
					    "text before the first command"), 0);
				continue;
			}
			more_before(list, &before);
			started = 1;
		}
		command_line(list, &ps, ls, le);
	}
	more_before(list, &before);
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
	case CMD_KB_EDIT:
		return "kb edit";
	case CMD_KB_WITHDRAW:
		return "kb withdraw";
	case CMD_SOLVED:
		return "solved";
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
	case CMD_HELP:
		return "help";
	case CMD_ASSET:
	case CMD_ASSET_NOTE:
	case CMD_ASSET_LINK:
		return "asset";
	case CMD_ASSETS:
		return "assets";
	}
	return "unknown";
}
