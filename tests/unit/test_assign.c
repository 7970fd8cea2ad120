/*
 * test_assign.c — assign_choose(), assign_lookup(), assign_covers():
 * a roster of admins with skills, absences and loads; requested admins by
 * address, local part, "[@name]" and "Name <addr>" forms, away, unknown and
 * ambiguous; the fallback when nobody's skills cover the category; the
 * tie-breaks; hostile names; and 10,000 admins checked against a sorted
 * reference and in shuffled orders (determinism).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "t.h"
#include "xmalloc.h"

#define XMAS	1798070400LL	/* 2026-12-24 00:00:00 UTC */

static const char *const sk_network[] = { "network" };
static const char *const sk_hardware[] = { "hardware" };
static const char *const sk_printer_sw[] = { "hardware/printer", "software" };
static const char *const sk_security[] = { "security" };
static const char *const sk_empty[] = { NULL, "", "  " };

static const struct assign_admin roster[] = {
	{ 1, "alice@corp.example", 3, 100, 0, 0, sk_network, 1, 0 },
	{ 2, "bob@corp.example", 1, 200, 0, 0, sk_hardware, 1, 0 },
	{ 3, "carol@corp.example", 1, 150, 0, 0, sk_printer_sw, 2, 0 },
	{ 4, "dave@corp.example", 0, 0, 1, XMAS, sk_hardware, 1, 0 },
	{ 5, "erin@corp.example", 5, 50, 0, 0, NULL, 0, 0 },
	{ 6, "bob@it.corp.example", 9, 10, 0, 0, sk_security, 1, 0 },
	{ 7, "frank@corp.example", 4, 0, 0, 0, sk_empty, 3, 0 },
	{ 8, "grace@corp.example", 0, 0, 1, 0, sk_network, 1, 0 },
	{ 9, NULL, 7, 0, 0, 0, sk_security, 1, 0 },
};
#define NROSTER (sizeof(roster) / sizeof(roster[0]))

static const struct {
	const char	*category, *requested;
	int		 want;		/* return value */
	enum assign_how	 how;
	const char	*chosen;	/* email of the chosen admin */
	enum assign_req	 req;
	const char	*why;		/* the whole why line */
} tab[] = {
	/* --- auto --- */
	{ "hardware/printer", NULL, 1, ASSIGN_AUTO, "carol@corp.example",
	  ASSIGN_REQ_NONE, "assigned to carol@corp.example: fewest open "
	  "tickets among the admins covering hardware/printer" },
	{ "hardware", NULL, 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, "assigned to bob@corp.example: fewest open "
	  "tickets among the admins covering hardware" },
	{ "network", NULL, 1, ASSIGN_AUTO, "alice@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "security", NULL, 1, ASSIGN_AUTO, "frank@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "software", NULL, 1, ASSIGN_AUTO, "carol@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ NULL, NULL, 1, ASSIGN_AUTO, "carol@corp.example", ASSIGN_REQ_NONE,
	  "assigned to carol@corp.example: fewest open tickets among the "
	  "admins present" },
	{ "", NULL, 1, ASSIGN_AUTO, "carol@corp.example", ASSIGN_REQ_NONE,
	  NULL },
	{ "   ", NULL, 1, ASSIGN_AUTO, "carol@corp.example", ASSIGN_REQ_NONE,
	  NULL },
	{ "HARDWARE/Printer", NULL, 1, ASSIGN_AUTO, "carol@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ " hardware ", NULL, 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "hardware/printer/laser", NULL, 1, ASSIGN_AUTO,
	  "carol@corp.example", ASSIGN_REQ_NONE, NULL },
	{ "hardware/monitor", NULL, 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "hardwarex", NULL, 1, ASSIGN_AUTO, "frank@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "printer", NULL, 1, ASSIGN_AUTO, "frank@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	/* --- requested --- */
	{ "network", "bob@corp.example", 1, ASSIGN_REQUESTED,
	  "bob@corp.example", ASSIGN_REQ_OK,
	  "assigned to bob@corp.example as requested" },
	{ "hardware", "BOB@Corp.Example", 1, ASSIGN_REQUESTED,
	  "bob@corp.example", ASSIGN_REQ_OK, NULL },
	{ "hardware", "<bob@corp.example>", 1, ASSIGN_REQUESTED,
	  "bob@corp.example", ASSIGN_REQ_OK, NULL },
	{ "hardware", "Bob Builder <bob@corp.example>", 1, ASSIGN_REQUESTED,
	  "bob@corp.example", ASSIGN_REQ_OK, NULL },
	{ "hardware", "\"Builder, Bob\" < bob@it.corp.example >", 1,
	  ASSIGN_REQUESTED, "bob@it.corp.example", ASSIGN_REQ_OK, NULL },
	{ "hardware", "@carol", 1, ASSIGN_REQUESTED, "carol@corp.example",
	  ASSIGN_REQ_OK, NULL },
	{ "hardware", "  Carol\t", 1, ASSIGN_REQUESTED, "carol@corp.example",
	  ASSIGN_REQ_OK, NULL },
	{ "hardware", "@erin@corp.example", 1, ASSIGN_REQUESTED,
	  "erin@corp.example", ASSIGN_REQ_OK, NULL },
	{ NULL, "frank", 1, ASSIGN_REQUESTED, "frank@corp.example",
	  ASSIGN_REQ_OK, NULL },
	/* --- requested but not possible --- */
	{ "hardware/printer", "dave", 1, ASSIGN_AUTO, "carol@corp.example",
	  ASSIGN_REQ_AWAY, "dave@corp.example is away until 2026-12-24; "
	  "assigned to carol@corp.example instead" },
	{ "network", "grace@corp.example", 1, ASSIGN_AUTO,
	  "alice@corp.example", ASSIGN_REQ_AWAY, "grace@corp.example is "
	  "away; assigned to alice@corp.example instead" },
	{ "hardware", "bob", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_AMBIGUOUS, "\"bob\" matches several admins; assigned "
	  "to bob@corp.example instead" },
	{ "hardware", "zed", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_UNKNOWN, "no admin matches \"zed\"; assigned to "
	  "bob@corp.example instead" },
	{ "hardware", "alice@other.example", 1, ASSIGN_AUTO,
	  "bob@corp.example", ASSIGN_REQ_UNKNOWN, NULL },
	{ "hardware", "alice@", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_UNKNOWN, NULL },
	{ "hardware", "corp.example", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_UNKNOWN, NULL },
	{ "hardware", "ali", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_UNKNOWN, NULL },
	{ "hardware", "ev\x1b[1mil\xff", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_UNKNOWN, "no admin matches \"ev?[1mil?\"; assigned to "
	  "bob@corp.example instead" },
	/* --- nothing requested after all --- */
	{ "hardware", "", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "hardware", "  ", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "hardware", "@", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
	{ "hardware", "<>", 1, ASSIGN_AUTO, "bob@corp.example",
	  ASSIGN_REQ_NONE, NULL },
};

static const char *
email_of(const struct assign_admin *a, size_t n, const struct assign_result
    *r)
{
	if (r->how == ASSIGN_NONE || r->chosen >= n)
		return "(none)";
	return a[r->chosen].email != NULL ? a[r->chosen].email : "(null)";
}

static void
test_table(void)
{
	struct assign_result r;
	char why[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		rc = assign_choose(roster, NROSTER, tab[i].category,
		    tab[i].requested, &r, why, sizeof(why));
		if (rc != tab[i].want || r.how != tab[i].how ||
		    r.req != tab[i].req ||
		    strcmp(email_of(roster, NROSTER, &r), tab[i].chosen) != 0 ||
		    (tab[i].why != NULL && strcmp(why, tab[i].why) != 0)) {
			fprintf(stderr, "# case %zu (%s, %s): got %d how %d "
			    "req %d %s \"%s\"\n", i,
			    tab[i].category ? tab[i].category : "NULL",
			    tab[i].requested ? tab[i].requested : "NULL", rc,
			    (int)r.how, (int)r.req,
			    email_of(roster, NROSTER, &r), why);
			t_failed_now = 1;
		}
		/* why is optional and changes nothing */
		{
			struct assign_result r2;

			T_INTEQ(assign_choose(roster, NROSTER,
			    tab[i].category, tab[i].requested, &r2, NULL, 0),
			    rc);
			T_CHECK(memcmp(&r, &r2, sizeof(r)) == 0);
		}
	}
	T_CHECK(i >= 35);
}

static void
test_requested_index(void)
{
	struct assign_result r;

	assign_choose(roster, NROSTER, "hardware", "dave", &r, NULL, 0);
	T_INTEQ(r.req, ASSIGN_REQ_AWAY);
	T_INTEQ(r.requested, 3);
	assign_choose(roster, NROSTER, "network", "bob@corp.example", &r,
	    NULL, 0);
	T_INTEQ(r.requested, 1);
	T_INTEQ(r.chosen, 1);
}

static const char *const sk_sw[] = { "software" };

/* Nobody present covers the category; everybody away; nobody at all. */
static void
test_fallback_and_none(void)
{
	struct assign_admin a[] = {
		{ 10, "net@corp.example", 2, 5, 0, 0, sk_network, 1, 0 },
		{ 11, "sw@corp.example", 1, 9, 0, 0, sk_sw, 1, 0 },
		{ 12, "hw@corp.example", 0, 0, 1, XMAS, sk_hardware, 1, 0 },
	};
	struct assign_result r;
	char why[256];

	T_INTEQ(assign_choose(a, 3, "hardware/printer", NULL, &r, why,
	    sizeof(why)), 1);
	T_INTEQ(r.how, ASSIGN_FALLBACK);
	T_INTEQ(r.chosen, 1);
	T_STREQ(why, "no admin present covers hardware/printer; assigned to "
	    "sw@corp.example (fewest open tickets)");

	/* a request for the away specialist, then the fallback */
	T_INTEQ(assign_choose(a, 3, "hardware", "hw", &r, why, sizeof(why)),
	    1);
	T_INTEQ(r.how, ASSIGN_FALLBACK);
	T_INTEQ(r.req, ASSIGN_REQ_AWAY);
	T_STREQ(why, "hw@corp.example is away until 2026-12-24; assigned to "
	    "sw@corp.example instead");

	/* everyone away */
	a[0].away = a[1].away = 1;
	T_INTEQ(assign_choose(a, 3, "hardware", NULL, &r, why, sizeof(why)),
	    0);
	T_INTEQ(r.how, ASSIGN_NONE);
	T_STREQ(why, "every admin is away; the ticket stays open");
	T_INTEQ(assign_choose(a, 3, NULL, "hw@corp.example", &r, why,
	    sizeof(why)), 0);
	T_INTEQ(r.req, ASSIGN_REQ_AWAY);
	T_STREQ(why, "hw@corp.example is away until 2026-12-24; every admin "
	    "is away; the ticket stays open");
	T_INTEQ(assign_choose(a, 3, NULL, "nobody", &r, why, sizeof(why)), 0);
	T_STREQ(why, "no admin matches \"nobody\"; every admin is away; the "
	    "ticket stays open");

	/* no admins */
	T_INTEQ(assign_choose(NULL, 0, "hardware", "bob", &r, why,
	    sizeof(why)), 0);
	T_INTEQ(r.how, ASSIGN_NONE);
	T_INTEQ(r.req, ASSIGN_REQ_UNKNOWN);
	T_STREQ(why, "no admin matches \"bob\"; no admins; the ticket stays "
	    "open");
	T_INTEQ(assign_choose(NULL, 5, NULL, NULL, &r, why, sizeof(why)), 0);
	T_STREQ(why, "no admins; the ticket stays open");
	T_INTEQ(assign_choose(a, 0, NULL, NULL, &r, why, sizeof(why)), 0);

	/* why cut to its size */
	a[0].away = 0;
	T_INTEQ(assign_choose(a, 3, NULL, NULL, &r, why, 9), 1);
	T_STREQ(why, "assigned");
	T_INTEQ(assign_choose(a, 3, NULL, NULL, &r, why, 1), 1);
	T_STREQ(why, "");
}

/* The tie-breaks, one at a time. */
static void
test_ties(void)
{
	struct assign_admin a[4];
	struct assign_result r;
	size_t i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		a[i].id = 40 - (long long)i;
		a[i].open_tickets = 2;
		a[i].last_assigned = 1000;
	}
	/* all equal but the id: lowest id */
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 3);
	/* least recently assigned beats a lower id */
	a[1].last_assigned = 999;
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 1);
	/* never assigned (0) beats any time, also a negative one */
	a[2].last_assigned = -5;
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 2);
	a[0].last_assigned = 0;
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 0);
	/* fewer open tickets beats everything */
	a[3].open_tickets = 1;
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 3);
	/* a negative count is 0, not less */
	a[1].open_tickets = -7;
	a[2].open_tickets = 0;
	a[2].last_assigned = 0;
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 2);	/* both 0; a[2] never assigned */
	/* equal in everything, even the id: the earliest entry */
	memset(a, 0, sizeof(a));
	assign_choose(a, 4, NULL, NULL, &r, NULL, 0);
	T_INTEQ(r.chosen, 0);
	T_INTEQ(r.how, ASSIGN_AUTO);
}

static void
test_covers(void)
{
	static const char *const s1[] = { "hardware", " Network " };
	static const char *const s2[] = { "hardware/printer" };
	static const char *const s3[] = { "hardware/" };
	struct assign_admin a;

	memset(&a, 0, sizeof(a));
	T_INTEQ(assign_covers(&a, "anything"), 1);
	a.skills = s1;
	a.nskills = 2;
	T_INTEQ(assign_covers(&a, NULL), 1);
	T_INTEQ(assign_covers(&a, ""), 1);
	T_INTEQ(assign_covers(&a, "hardware"), 1);
	T_INTEQ(assign_covers(&a, "hardware/printer"), 1);
	T_INTEQ(assign_covers(&a, "network"), 1);
	T_INTEQ(assign_covers(&a, "NETWORK/vpn"), 1);
	T_INTEQ(assign_covers(&a, "hardwar"), 0);
	T_INTEQ(assign_covers(&a, "hardware-x"), 0);
	T_INTEQ(assign_covers(&a, "software"), 0);
	T_INTEQ(assign_covers(&a, "/hardware"), 0);
	a.skills = s2;
	a.nskills = 1;
	T_INTEQ(assign_covers(&a, "hardware"), 0);
	T_INTEQ(assign_covers(&a, "hardware/printer"), 1);
	T_INTEQ(assign_covers(&a, "hardware/printers"), 0);
	a.skills = s3;
	T_INTEQ(assign_covers(&a, "hardware"), 0);
	T_INTEQ(assign_covers(&a, "hardware/"), 1);
	/* nskills given but skills NULL: no skills, covers all */
	a.skills = NULL;
	a.nskills = 3;
	T_INTEQ(assign_covers(&a, "hardware"), 1);
}

static void
test_lookup(void)
{
	size_t idx = 99;

	T_INTEQ(assign_lookup(roster, NROSTER, NULL, &idx), ASSIGN_REQ_NONE);
	T_INTEQ(idx, 99);
	T_INTEQ(assign_lookup(roster, NROSTER, "alice", &idx), ASSIGN_REQ_OK);
	T_INTEQ(idx, 0);
	T_INTEQ(assign_lookup(roster, NROSTER, "alice", NULL), ASSIGN_REQ_OK);
	T_INTEQ(assign_lookup(roster, NROSTER, "bob", &idx),
	    ASSIGN_REQ_AMBIGUOUS);
	T_INTEQ(assign_lookup(roster, NROSTER, "bob@it.corp.example", &idx),
	    ASSIGN_REQ_OK);
	T_INTEQ(idx, 5);
	T_INTEQ(assign_lookup(roster, NROSTER, "dave", &idx), ASSIGN_REQ_OK);
	T_INTEQ(idx, 3);	/* lookup does not care about away */
	T_INTEQ(assign_lookup(roster, NROSTER, "<carol@corp.example", &idx),
	    ASSIGN_REQ_UNKNOWN);
	T_INTEQ(assign_lookup(roster, NROSTER, "carol@corp.example>", &idx),
	    ASSIGN_REQ_UNKNOWN);
	T_INTEQ(assign_lookup(roster, NROSTER, "a <b> <carol@corp.example>",
	    &idx), ASSIGN_REQ_OK);
	T_INTEQ(idx, 2);
	T_INTEQ(assign_lookup(NULL, 0, "carol", &idx), ASSIGN_REQ_UNKNOWN);

	/* the same address twice: ambiguous, never a guess */
	{
		struct assign_admin d[2];

		memset(d, 0, sizeof(d));
		d[0].email = "x@corp.example";
		d[1].email = "X@CORP.EXAMPLE";
		T_INTEQ(assign_lookup(d, 2, "x@corp.example", &idx),
		    ASSIGN_REQ_AMBIGUOUS);
		d[1].email = "x";	/* no domain: local part is all */
		T_INTEQ(assign_lookup(d, 2, "x", &idx),
		    ASSIGN_REQ_AMBIGUOUS);
		T_INTEQ(assign_lookup(d, 2, "x@corp.example", &idx),
		    ASSIGN_REQ_OK);
		T_INTEQ(idx, 0);
	}
}

/* Hostile names: huge, binary, only brackets. Must finish, never match. */
static void
test_hostile_names(void)
{
	char *big, why[256];
	struct assign_result r;
	size_t i;

	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'a', 1024 * 1024);
	big[1024 * 1024] = '\0';
	T_INTEQ(assign_choose(roster, NROSTER, "hardware", big, &r, why,
	    sizeof(why)), 1);
	T_INTEQ(r.req, ASSIGN_REQ_UNKNOWN);
	T_CHECK(strlen(why) < 200);
	T_CHECK(strstr(why, "...") != NULL);
	/* "bob@corp.example" padded far past any address */
	memset(big, ' ', 1024 * 1024);
	memcpy(big + 500000, "bob@corp.example", 16);
	T_INTEQ(assign_lookup(roster, NROSTER, big, NULL), ASSIGN_REQ_OK);
	memset(big, '<', 1024 * 1024);
	big[1024 * 1024 - 1] = '>';
	T_INTEQ(assign_lookup(roster, NROSTER, big, NULL), ASSIGN_REQ_NONE);
	for (i = 0; i < 1024 * 1024; i++)
		big[i] = (char)(1 + (i * 7919) % 255);
	T_INTEQ(assign_lookup(roster, NROSTER, big, NULL),
	    ASSIGN_REQ_UNKNOWN);
	/* a huge category: covered only by the skill-less */
	T_INTEQ(assign_choose(roster, NROSTER, big, NULL, &r, why,
	    sizeof(why)), 1);
	T_STREQ(roster[r.chosen].email, "frank@corp.example");
	for (i = 0; why[i] != '\0'; i++)
		T_CHECK(why[i] >= 0x20 && why[i] < 0x7f);
	free(big);
}

/* --- 10,000 admins against a reference, in shuffled orders --- */

#define BIG	10000

static const char *const cats[] = {
	"hardware", "hardware/printer", "network", "software", "security",
	"accounts",
};
static const char *const *const skillsets[] = {
	sk_network, sk_hardware, sk_printer_sw, sk_security, sk_sw, NULL,
};
static const size_t nskillsets[] = { 1, 1, 2, 1, 1, 0 };

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long
rnd(unsigned long mod)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)(rng % mod);
}

static const struct assign_admin *ref_a;

static int
ref_cmp(const void *x, const void *y)
{
	const struct assign_admin *a = &ref_a[*(const size_t *)x];
	const struct assign_admin *b = &ref_a[*(const size_t *)y];
	long long la = a->last_assigned, lb = b->last_assigned;

	if (a->open_tickets != b->open_tickets)
		return a->open_tickets < b->open_tickets ? -1 : 1;
	if (la != lb) {
		if (la == 0 || lb == 0)
			return la == 0 ? -1 : 1;
		return la < lb ? -1 : 1;
	}
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* The reference: sort the eligible, take the first. -1 when none. */
static long long
reference(const struct assign_admin *a, size_t n, const char *cat,
    enum assign_how *how)
{
	size_t *idx, k = 0, i;
	long long id = -1;
	int pass;

	idx = xcalloc(n, sizeof(*idx));
	ref_a = a;
	for (pass = 0; pass < 2 && k == 0; pass++) {
		for (i = 0; i < n; i++)
			if (!a[i].away && (pass == 1 ||
			    assign_covers(&a[i], cat)))
				idx[k++] = i;
		*how = pass == 0 ? ASSIGN_AUTO : ASSIGN_FALLBACK;
	}
	if (k > 0) {
		qsort(idx, k, sizeof(*idx), ref_cmp);
		id = a[idx[0]].id;
	} else
		*how = ASSIGN_NONE;
	free(idx);
	return id;
}

static void
test_big(void)
{
	struct assign_admin *a;
	struct assign_result r;
	char (*emails)[32], why[256];
	enum assign_how rhow;
	size_t i, j, c, round;
	long long want;

	a = xcalloc(BIG, sizeof(*a));
	emails = xcalloc(BIG, sizeof(*emails));
	for (i = 0; i < BIG; i++) {
		snprintf(emails[i], sizeof(emails[i]), "admin%zu@corp.example",
		    i);
		a[i].id = (long long)i + 1;
		a[i].email = emails[i];
		a[i].open_tickets = (int)rnd(40);
		a[i].last_assigned = rnd(5) == 0 ? 0 : 1700000000 +
		    (long long)rnd(1000);
		a[i].away = rnd(10) < 7;
		j = rnd(6);
		/* few skill-less admins, so the fallback is reachable */
		if (j == 5 && rnd(50) != 0)
			j = rnd(5);
		a[i].skills = skillsets[j];
		a[i].nskills = nskillsets[j];
	}
	for (round = 0; round < 20; round++) {
		for (c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
			want = reference(a, BIG, cats[c], &rhow);
			T_INTEQ(assign_choose(a, BIG, cats[c], NULL, &r, why,
			    sizeof(why)), want != -1);
			T_INTEQ(r.how, rhow);
			if (want != -1)
				T_INTEQ(a[r.chosen].id, want);
		}
		/* a lookup by local part and by address at the far end */
		T_INTEQ(assign_lookup(a, BIG, "admin9999", &j), ASSIGN_REQ_OK);
		T_STREQ(a[j].email, "admin9999@corp.example");
		T_INTEQ(assign_lookup(a, BIG, "ADMIN0@corp.example", &j),
		    ASSIGN_REQ_OK);
		T_STREQ(a[j].email, "admin0@corp.example");
		/* shuffle and make ties likelier for the next round */
		for (i = BIG - 1; i > 0; i--) {
			struct assign_admin t;

			j = rnd(i + 1);
			t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		for (i = 0; i < BIG; i++)
			if (rnd(4) == 0)
				a[i].open_tickets = (int)rnd(3);
	}
	/* the skill-less away: nobody covers "accounts", the fallback */
	for (i = 0; i < BIG; i++)
		if (a[i].nskills == 0)
			a[i].away = 1;
	want = reference(a, BIG, "accounts", &rhow);
	T_INTEQ(rhow, ASSIGN_FALLBACK);
	T_INTEQ(assign_choose(a, BIG, "accounts", NULL, &r, why,
	    sizeof(why)), 1);
	T_INTEQ(r.how, ASSIGN_FALLBACK);
	T_INTEQ(a[r.chosen].id, want);
	/* everyone away */
	for (i = 0; i < BIG; i++)
		a[i].away = 1;
	T_INTEQ(assign_choose(a, BIG, "hardware", "admin5", &r, why,
	    sizeof(why)), 0);
	T_INTEQ(r.req, ASSIGN_REQ_AWAY);
	free(emails);
	free(a);
}

/* Same admins in any order, same choice (ties broken by id). */
static void
test_determinism(void)
{
	struct assign_admin a[12], b[12];
	struct assign_result r;
	size_t i, j, k, perm;
	long long first = -1;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 12; i++) {
		a[i].id = 100 + (long long)(i * 7 % 12);
		a[i].open_tickets = 1;
		a[i].last_assigned = i % 3 == 0 ? 0 : 500;
		a[i].away = i == 4;
	}
	for (perm = 0; perm < 200; perm++) {
		memcpy(b, a, sizeof(b));
		for (k = 11; k > 0; k--) {
			struct assign_admin t;

			j = rnd(k + 1);
			t = b[k];
			b[k] = b[j];
			b[j] = t;
		}
		T_INTEQ(assign_choose(b, 12, "x", NULL, &r, NULL, 0), 1);
		if (first == -1)
			first = b[r.chosen].id;
		T_INTEQ(b[r.chosen].id, first);
	}
	/* ids of last_assigned == 0 admins: 100, 109, 106, 103 → 100 */
	T_INTEQ(first, 100);
}

/*
 * Root admins supervise (issue 7): a supervisor with no load is never
 * auto-chosen, is chosen when named, and a desk of only supervisors
 * leaves the ticket open with "no admins".
 */
static void
test_supervisors(void)
{
	struct assign_admin a[] = {
		{ 1, "root@corp.example", 0, 0, 0, 0, NULL, 0, 1 },
		{ 2, "bob@corp.example", 7, 100, 0, 0, NULL, 0, 0 },
		{ 3, "carol@corp.example", 9, 50, 0, 0, sk_hardware, 1, 0 },
	};
	struct assign_result r;
	char why[256];

	T_INTEQ(assign_choose(a, 3, NULL, NULL, &r, why, sizeof(why)), 1);
	T_STREQ(a[r.chosen].email, "bob@corp.example");
	/* carol covers hardware but has more load than bob, who covers all */
	T_INTEQ(assign_choose(a, 3, "hardware", NULL, &r, why, sizeof(why)), 1);
	T_INTEQ(r.how, ASSIGN_AUTO);
	T_STREQ(a[r.chosen].email, "bob@corp.example");
	T_INTEQ(assign_choose(a, 3, NULL, "root", &r, why, sizeof(why)), 1);
	T_INTEQ(r.how, ASSIGN_REQUESTED);
	T_STREQ(a[r.chosen].email, "root@corp.example");
	/* the others away: nobody, and the ticket stays open */
	a[1].away = a[2].away = 1;
	T_INTEQ(assign_choose(a, 3, NULL, NULL, &r, why, sizeof(why)), 0);
	T_INTEQ(r.how, ASSIGN_NONE);
	T_STREQ(why, "every admin is away; the ticket stays open");
	T_INTEQ(assign_choose(a, 1, NULL, NULL, &r, why, sizeof(why)), 0);
	T_STREQ(why, "no admins; the ticket stays open");
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_requested_index);
	T_RUN(test_fallback_and_none);
	T_RUN(test_ties);
	T_RUN(test_covers);
	T_RUN(test_lookup);
	T_RUN(test_hostile_names);
	T_RUN(test_big);
	T_RUN(test_determinism);
	T_RUN(test_supervisors);
	return T_END();
}
