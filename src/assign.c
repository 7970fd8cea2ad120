/*
 * assign.c — choose the admin a new ticket goes to (rules in assign.h).
 * Pure: no I/O, no allocation; one pass over the admins per question, so
 * linear in the number of admins times their skills.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assign.h"
#include "lex.h"
#include "limits.h"

#define VIS_MAX		80	/* most bytes of a name shown in why */
#define NAME_SZ		(VIS_MAX + 4)

struct span {
	const char	*p;
	size_t		 len;
};

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* s without surrounding white space; len 0 for NULL. */
static struct span
trim(const char *s)
{
	struct span r;

	r.p = s;
	r.len = 0;
	if (s == NULL)
		return r;
	while (is_space((unsigned char)*r.p))
		r.p++;
	r.len = strlen(r.p);
	while (r.len > 0 && is_space((unsigned char)r.p[r.len - 1]))
		r.len--;
	return r;
}

/* Printable ASCII copy for why: other bytes "?", long text cut with "...". */
static const char *
vis(char *dst, size_t dstsz, const char *p, size_t len)
{
	return lex_vis_ascii(dst, dstsz, p, len, VIS_MAX);
}

/* An admin's name for why: the address, or "admin #id" without one. */
static const char *
admin_name(char *dst, size_t dstsz, const struct assign_admin *a)
{
	if (a->email == NULL || a->email[0] == '\0') {
		snprintf(dst, dstsz, "admin #%lld", a->id);
		return dst;
	}
	return vis(dst, dstsz, a->email, strlen(a->email));
}

int
assign_covers(const struct assign_admin *a, const char *category)
{
	struct span c, s;
	size_t i, nreal = 0;

	c = trim(category);
	if (c.len == 0)
		return 1;
	for (i = 0; i < a->nskills && a->skills != NULL; i++) {
		s = trim(a->skills[i]);
		if (s.len == 0)
			continue;
		nreal++;
		if (lex_ci_eq(s.p, s.len, c.p, c.len))
			return 1;
		if (c.len > s.len && c.p[s.len] == '/' &&
		    lex_ci_eq(s.p, s.len, c.p, s.len))
			return 1;
	}
	return nreal == 0;
}

/* The local part of an address: everything before its last "@". */
static struct span
local_part(const char *email)
{
	struct span r;
	const char *at;

	r.p = email;
	at = strrchr(email, '@');
	r.len = at != NULL ? (size_t)(at - email) : strlen(email);
	return r;
}

enum assign_req
assign_lookup(const struct assign_admin *admins, size_t n, const char *name,
    size_t *idx)
{
	struct span nm, e, lp;
	const char *lt;
	size_t i, found = 0, nfound = 0;
	int whole;

	nm = trim(name);
	/* "Name <addr>" or "<addr>" */
	if (nm.len > 0 && nm.p[nm.len - 1] == '>') {
		lt = NULL;
		for (i = nm.len - 1; i > 0; i--)
			if (nm.p[i - 1] == '<') {
				lt = nm.p + i;
				break;
			}
		if (lt != NULL) {
			nm.len = (size_t)(nm.p + nm.len - 1 - lt);
			nm.p = lt;
		}
	}
	while (nm.len > 0 && is_space((unsigned char)nm.p[0])) {
		nm.p++;
		nm.len--;
	}
	while (nm.len > 0 && is_space((unsigned char)nm.p[nm.len - 1]))
		nm.len--;
	if (nm.len > 0 && nm.p[0] == '@') {
		nm.p++;
		nm.len--;
	}
	if (nm.len == 0)
		return ASSIGN_REQ_NONE;
	if (nm.len > LIMIT_ADDR_BYTES)
		return ASSIGN_REQ_UNKNOWN;
	whole = memchr(nm.p, '@', nm.len) != NULL;
	for (i = 0; i < n; i++) {
		if (admins[i].email == NULL)
			continue;
		if (whole) {
			e.p = admins[i].email;
			e.len = strlen(e.p);
			if (!lex_ci_eq(e.p, e.len, nm.p, nm.len))
				continue;
		} else {
			lp = local_part(admins[i].email);
			if (!lex_ci_eq(lp.p, lp.len, nm.p, nm.len))
				continue;
		}
		if (nfound++ == 0)
			found = i;
	}
	if (nfound == 0)
		return ASSIGN_REQ_UNKNOWN;
	if (nfound > 1)
		return ASSIGN_REQ_AMBIGUOUS;
	if (idx != NULL)
		*idx = found;
	return ASSIGN_REQ_OK;
}

/* Is a a better choice than b? (fewest open, least recent, lowest id) */
static int
better(const struct assign_admin *a, const struct assign_admin *b)
{
	int ao = a->open_tickets < 0 ? 0 : a->open_tickets;
	int bo = b->open_tickets < 0 ? 0 : b->open_tickets;

	if (ao != bo)
		return ao < bo;
	if (a->last_assigned != b->last_assigned) {
		if (a->last_assigned == 0)
			return 1;
		if (b->last_assigned == 0)
			return 0;
		return a->last_assigned < b->last_assigned;
	}
	return a->id < b->id;
}

/* Best admin present (covering the category when skilled); 0 when none. */
static int
pick(const struct assign_admin *admins, size_t n, const char *category,
    int skilled, size_t *out)
{
	size_t i, best = 0;
	int have = 0;

	for (i = 0; i < n; i++) {
		if (admins[i].away || admins[i].supervisor)
			continue;
		if (skilled && !assign_covers(&admins[i], category))
			continue;
		if (!have || better(&admins[i], &admins[best])) {
			best = i;
			have = 1;
		}
	}
	if (have)
		*out = best;
	return have;
}

/* "bob@corp.example is away until 2026-12-24" and the like, into dst. */
static void
request_clause(char *dst, size_t dstsz, const struct assign_admin *admins,
    const struct assign_result *res, const char *requested)
{
	char nm[NAME_SZ], date[32];
	struct span r;
	struct tm tm;
	time_t t;
	const struct assign_admin *a;

	dst[0] = '\0';
	r = trim(requested);
	switch (res->req) {
	case ASSIGN_REQ_AWAY:
		a = &admins[res->requested];
		date[0] = '\0';
		t = (time_t)a->away_until;
		if (a->away_until > 0 && gmtime_r(&t, &tm) != NULL) {
			if (strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
				date[0] = '\0';
		}
		snprintf(dst, dstsz, "%s is away%s%s", admin_name(nm,
		    sizeof(nm), a), date[0] != '\0' ? " until " : "", date);
		break;
	case ASSIGN_REQ_UNKNOWN:
		snprintf(dst, dstsz, "no admin matches \"%s\"",
		    vis(nm, sizeof(nm), r.p, r.len));
		break;
	case ASSIGN_REQ_AMBIGUOUS:
		snprintf(dst, dstsz, "\"%s\" matches several admins",
		    vis(nm, sizeof(nm), r.p, r.len));
		break;
	default:
		break;
	}
}

int
assign_choose(const struct assign_admin *admins, size_t n,
    const char *category, const char *requested, struct assign_result *res,
    char *why, size_t whysz)
{
	char nm[NAME_SZ], cat[NAME_SZ], pre[256];
	struct span c;
	size_t idx = 0, i, rotation = 0;

	assert(res != NULL);
	memset(res, 0, sizeof(*res));
	res->how = ASSIGN_NONE;
	if (admins == NULL)
		n = 0;
	c = trim(category);
	vis(cat, sizeof(cat), c.p, c.len);

	res->req = assign_lookup(admins, n, requested, &idx);
	if (res->req == ASSIGN_REQ_OK) {
		res->requested = idx;
		if (admins[idx].away)
			res->req = ASSIGN_REQ_AWAY;
		else {
			res->how = ASSIGN_REQUESTED;
			res->chosen = idx;
		}
	}
	if (res->how == ASSIGN_NONE) {
		if (pick(admins, n, category, 1, &res->chosen))
			res->how = ASSIGN_AUTO;
		else if (pick(admins, n, category, 0, &res->chosen))
			res->how = ASSIGN_FALLBACK;
	}
	if (why == NULL || whysz == 0)
		return res->how != ASSIGN_NONE;

	request_clause(pre, sizeof(pre), admins, res, requested);
	switch (res->how) {
	case ASSIGN_REQUESTED:
		snprintf(why, whysz, "assigned to %s as requested",
		    admin_name(nm, sizeof(nm), &admins[res->chosen]));
		break;
	case ASSIGN_AUTO:
	case ASSIGN_FALLBACK:
		admin_name(nm, sizeof(nm), &admins[res->chosen]);
		if (pre[0] != '\0')
			snprintf(why, whysz, "%s; assigned to %s instead", pre,
			    nm);
		else if (res->how == ASSIGN_FALLBACK)
			snprintf(why, whysz, "no admin present covers %s; "
			    "assigned to %s (fewest open tickets)", cat, nm);
		else if (c.len > 0)
			snprintf(why, whysz, "assigned to %s: fewest open "
			    "tickets among the admins covering %s", nm, cat);
		else
			snprintf(why, whysz, "assigned to %s: fewest open "
			    "tickets among the admins present", nm);
		break;
	default:
		for (i = 0; i < n; i++)
			if (!admins[i].supervisor)
				rotation++;
		snprintf(why, whysz, "%s%s%s; the ticket stays open", pre,
		    pre[0] != '\0' ? "; " : "",
		    rotation == 0 ? "no admins" : "every admin is away");
		break;
	}
	return res->how != ASSIGN_NONE;
}
