/*
 * test_fields.c — fields_from_subject(), fields_from_body() and their
 * building blocks: tables of real subjects and bodies (tags anywhere, any
 * case, CR LF, NBSP, UTF-8), near misses that must stay text ("[x86]",
 * "[URGENT!!]", "[IT #42]"), conflicts, bad values, the subject/body
 * precedence, and hostile input (1 MB lines, 100,000 pseudo-headers,
 * bracket storms, binary, invalid UTF-8) that must finish within bounds.
 * Every parser is called on an exact-length heap copy, so ASan sees any
 * read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

#define H	FIELDS_PRIO_HIGH
#define M	FIELDS_PRIO_MEDIUM
#define L	FIELDS_PRIO_LOW
#define N	FIELDS_PRIO_NONE

static char *subs_hw[] = { "laptop", "printer", "monitor" };
static char *subs_sw[] = { "office", "vpn" };
static char *subs_net[] = { "wifi", "vpn" };
static const struct config_category cats[] = {
	{ "hardware", subs_hw, 3 },
	{ "software", subs_sw, 2 },
	{ "network", subs_net, 2 },
	{ "access", NULL, 0 },
};
#define NCATS	(sizeof(cats) / sizeof(cats[0]))

static int
subj_n(const char *p, size_t len, const struct config_category *c,
    size_t nc, struct fields *f, char **title)
{
	char *copy;
	int rc;

	copy = t_dup_n(p, len);
	rc = fields_from_subject(copy, len, c, nc, f, title);
	free(copy);
	return rc;
}

static int
body_n(const char *p, size_t len, struct fields *f, size_t *rest)
{
	char *copy;
	int rc;

	copy = t_dup_n(p, len);
	rc = fields_from_body(copy, len, f, rest);
	free(copy);
	return rc;
}

static const struct {
	const char	*name, *subject, *title;
	int		 found, prio;
	const char	*cat, *sub, *admin;
	int		 flags;
} subj_tab[] = {
	/* priority tags, any case, anywhere */
	{ "high first", "[high] Printer broken", "Printer broken",
	  1, H, NULL, NULL, NULL, 0 },
	{ "HIGH last", "Printer broken [HIGH]", "Printer broken",
	  1, H, NULL, NULL, NULL, 0 },
	{ "urgent is high", "[Urgent] VPN down", "VPN down",
	  1, H, NULL, NULL, NULL, 0 },
	{ "p1", "[p1] Mail server down", "Mail server down",
	  1, H, NULL, NULL, NULL, 0 },
	{ "P2", "[P2] New mouse", "New mouse", 1, M, NULL, NULL, NULL, 0 },
	{ "P3", "[P3] Desk lamp", "Desk lamp", 1, L, NULL, NULL, NULL, 0 },
	{ "medium", "[medium] Slow laptop", "Slow laptop",
	  1, M, NULL, NULL, NULL, 0 },
	{ "LoW", "[LoW] Wallpaper", "Wallpaper", 1, L, NULL, NULL, NULL, 0 },
	{ "middle of subject", "Paper [high] jam", "Paper jam",
	  1, H, NULL, NULL, NULL, 0 },
	{ "glued to words", "Printer[low]broken", "Printer broken",
	  1, L, NULL, NULL, NULL, 0 },
	{ "glued start", "[HIGH]Printer", "Printer", 1, H, NULL, NULL, NULL,
	  0 },
	{ "only a tag", "[high]", "", 1, H, NULL, NULL, NULL, 0 },
	/* categories (configured: hardware, software, network, access) */
	{ "cat/sub", "[hardware/printer] Toner empty", "Toner empty",
	  1, N, "hardware", "printer", NULL, 0 },
	{ "cat/sub upper", "[Hardware/Printer] Toner", "Toner",
	  1, N, "hardware", "printer", NULL, 0 },
	{ "cat only", "[hardware] Monitor flickers", "Monitor flickers",
	  1, N, "hardware", NULL, NULL, 0 },
	{ "cat without subs", "[access] New badge", "New badge",
	  1, N, "access", NULL, NULL, 0 },
	{ "unknown sub still taken", "[hardware/toaster] Toast", "Toast",
	  1, N, "hardware", "toaster", NULL, 0 },
	{ "sub alone is not a cat", "[printer] jam", "[printer] jam",
	  0, N, NULL, NULL, NULL, 0 },
	{ "three levels", "[hardware/printer/x] y", "[hardware/printer/x] y",
	  0, N, NULL, NULL, NULL, 0 },
	{ "x86 stays", "[x86] build fails", "[x86] build fails",
	  0, N, NULL, NULL, NULL, 0 },
	{ "TCP/IP stays", "[TCP/IP] stack", "[TCP/IP] stack",
	  0, N, NULL, NULL, NULL, 0 },
	{ "spaces around slash stay", "[hardware / printer] x",
	  "[hardware / printer] x", 0, N, NULL, NULL, NULL, 0 },
	/* admin choice */
	{ "admin name", "[@bob] Need help", "Need help",
	  1, N, NULL, NULL, "bob", 0 },
	{ "admin address", "[@bob@corp.example] help", "help",
	  1, N, NULL, NULL, "bob@corp.example", 0 },
	{ "admin dotted", "[@bob.smith] x", "x", 1, N, NULL, NULL,
	  "bob.smith", 0 },
	{ "admin utf-8", "[@j\xc3\xb6rg] Drucker", "Drucker",
	  1, N, NULL, NULL, "j\xc3\xb6rg", 0 },
	{ "admin empty", "[@] x", "[@] x", 0, N, NULL, NULL, NULL, 0 },
	{ "admin double at", "[@@bob] x", "[@@bob] x", 0, N, NULL, NULL,
	  NULL, 0 },
	{ "admin bad address", "[@bob@] x", "[@bob@] x", 0, N, NULL, NULL,
	  NULL, 0 },
	{ "admin with space", "[@bob smith] x", "[@bob smith] x",
	  0, N, NULL, NULL, NULL, 0 },
	{ "admin list", "[@bob,carol] x", "[@bob,carol] x",
	  0, N, NULL, NULL, NULL, 0 },
	{ "admin angle", "[@<bob@x.example>] x", "[@<bob@x.example>] x",
	  0, N, NULL, NULL, NULL, 0 },
	/* all together */
	{ "all three", "[high][hardware/printer][@alice] Paper jam",
	  "Paper jam", 3, H, "hardware", "printer", "alice", 0 },
	{ "all three spread", "Paper [@alice] jam [P2] on 3rd [hardware]",
	  "Paper jam on 3rd", 3, M, "hardware", NULL, "alice", 0 },
	/* other bracketed text stays */
	{ "ticket tag stays", "Re: [IT #42] Printer [high]",
	  "Re: [IT #42] Printer", 1, H, NULL, NULL, NULL, 0 },
	{ "URGENT!! stays", "[URGENT!!] server down", "[URGENT!!] server down",
	  0, N, NULL, NULL, NULL, 0 },
	{ "inner spaces stay", "[ high ] spaced", "[ high ] spaced",
	  0, N, NULL, NULL, NULL, 0 },
	{ "left space stays", "[ high] x", "[ high] x", 0, N, NULL, NULL,
	  NULL, 0 },
	{ "nbsp inside stays", "[\xc2\xa0high] x", "[ high] x",
	  0, N, NULL, NULL, NULL, 0 },
	{ "P4 stays", "[P4] x", "[P4] x", 0, N, NULL, NULL, NULL, 0 },
	{ "p1x stays", "[p1x] x", "[p1x] x", 0, N, NULL, NULL, NULL, 0 },
	{ "highest stays", "[highest] x", "[highest] x", 0, N, NULL, NULL,
	  NULL, 0 },
	{ "empty brackets", "[] x", "[] x", 0, N, NULL, NULL, NULL, 0 },
	{ "unclosed", "[high x", "[high x", 0, N, NULL, NULL, NULL, 0 },
	{ "unopened", "high] x", "high] x", 0, N, NULL, NULL, NULL, 0 },
	{ "double brackets", "[[high]] x", "[ ] x", 1, H, NULL, NULL, NULL,
	  0 },
	{ "urgent before ticket tag", "[urgent] [IT #7] x", "[IT #7] x",
	  1, H, NULL, NULL, NULL, 0 },
	/* conflicts: the first wins */
	{ "prio conflict", "[high] [low] x", "x", 2, H, NULL, NULL, NULL,
	  FIELDS_F_PRIO_CONFLICT },
	{ "same prio twice", "[high] x [urgent] [P1]", "x", 3, H, NULL, NULL,
	  NULL, 0 },
	{ "cat conflict", "[hardware] [software] x", "x", 2, N, "hardware",
	  NULL, NULL, FIELDS_F_CAT_CONFLICT },
	{ "sub conflict", "[network/vpn] [network/wifi] x", "x", 2, N,
	  "network", "vpn", NULL, FIELDS_F_CAT_CONFLICT },
	{ "same cat twice", "[hardware/printer] [HARDWARE/printer] x", "x", 2,
	  N, "hardware", "printer", NULL, 0 },
	{ "admin conflict", "[@bob] [@carol] x", "x", 2, N, NULL, NULL, "bob",
	  FIELDS_F_ADMIN_CONFLICT },
	{ "admin same any case", "[@bob] [@Bob] x", "x", 2, N, NULL, NULL,
	  "bob", 0 },
	{ "all conflicts", "[high][low][hardware][access][@a][@b] x", "x", 6,
	  H, "hardware", NULL, "a", FIELDS_F_PRIO_CONFLICT |
	  FIELDS_F_CAT_CONFLICT | FIELDS_F_ADMIN_CONFLICT },
	/* whitespace and control characters */
	{ "empty", "", "", 0, N, NULL, NULL, NULL, 0 },
	{ "spaces collapse", "   lots   of    space  ", "lots of space",
	  0, N, NULL, NULL, NULL, 0 },
	{ "tab", "tab\there", "tab here", 0, N, NULL, NULL, NULL, 0 },
	{ "CR LF inside", "[high]\r\n x", "x", 1, H, NULL, NULL, NULL, 0 },
	{ "nbsp collapses", "[high]\xc2\xa0x\xc2\xa0\xc2\xa0y", "x y",
	  1, H, NULL, NULL, NULL, 0 },
	{ "DEL", "a\x7f" "b", "a b", 0, N, NULL, NULL, NULL, 0 },
	/* other scripts */
	{ "french", "[medium] R\xc3\xa9seau en panne", "R\xc3\xa9seau en panne",
	  1, M, NULL, NULL, NULL, 0 },
	{ "chinese", "[Low] \xe6\x89\x93\xe5\x8d\xb0\xe6\x9c\xba",
	  "\xe6\x89\x93\xe5\x8d\xb0\xe6\x9c\xba", 1, L, NULL, NULL, NULL, 0 },
	{ "invalid utf-8 copied", "\xff\xfe [high] x", "\xff\xfe x",
	  1, H, NULL, NULL, NULL, 0 },
};

static void
test_subject_table(void)
{
	struct fields f;
	char *title;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(subj_tab) / sizeof(subj_tab[0]); i++) {
		fields_init(&f);
		title = NULL;
		rc = subj_n(subj_tab[i].subject, strlen(subj_tab[i].subject),
		    cats, NCATS, &f, &title);
		if (rc != subj_tab[i].found ||
		    f.priority != subj_tab[i].prio ||
		    f.flags != subj_tab[i].flags ||
		    title == NULL || strcmp(title, subj_tab[i].title) != 0 ||
		    (subj_tab[i].cat == NULL) != (f.category == NULL) ||
		    (f.category && strcmp(f.category, subj_tab[i].cat)) ||
		    (subj_tab[i].sub == NULL) != (f.subcategory == NULL) ||
		    (f.subcategory && strcmp(f.subcategory, subj_tab[i].sub)) ||
		    (subj_tab[i].admin == NULL) != (f.admin == NULL) ||
		    (f.admin && strcmp(f.admin, subj_tab[i].admin))) {
			fprintf(stderr, "# subject \"%s\": rc %d prio %d flags "
			    "%d title \"%s\" cat %s sub %s admin %s\n",
			    subj_tab[i].name, rc, f.priority, f.flags,
			    title ? title : "(null)",
			    f.category ? f.category : "-",
			    f.subcategory ? f.subcategory : "-",
			    f.admin ? f.admin : "-");
			t_failed_now = 1;
		}
		T_CHECK(f.bad_priority == NULL && f.bad_category == NULL &&
		    f.bad_admin == NULL);
		free(title);
		fields_clear(&f);
	}
}

/* Without configured categories no bare tag is a category. */
static void
test_subject_no_categories(void)
{
	struct fields f;
	char *title;

	fields_init(&f);
	T_INTEQ(subj_n("[hardware] [high] x", 19, NULL, 0, &f, &title), 1);
	T_STREQ(title, "[hardware] x");
	T_CHECK(f.category == NULL);
	T_INTEQ(f.priority, H);
	free(title);
	fields_clear(&f);
}

/* A NUL in the subject is a control character, not the end. */
static void
test_subject_nul(void)
{
	struct fields f;
	char *title;

	fields_init(&f);
	T_INTEQ(subj_n("a\0b [high] c", 12, cats, NCATS, &f, &title), 1);
	T_STREQ(title, "a b c");
	T_INTEQ(f.priority, H);
	free(title);
	/* title NULL: fields only */
	T_INTEQ(subj_n("[low]", 5, cats, NCATS, &f, NULL), 1);
	T_INTEQ(f.priority, L);
	fields_clear(&f);
	fields_clear(NULL);
}

static const struct {
	const char	*name, *body;
	int		 found, prio;
	const char	*cat, *sub, *admin;
	int		 flags;
	const char	*bad_p, *bad_c, *bad_a;
	const char	*rest;	/* the body from *rest_off */
} body_tab[] = {
	{ "priority then text", "Priority: high\n\nPrinter broken\n", 1, H,
	  NULL, NULL, NULL, 0, NULL, NULL, NULL, "Printer broken\n" },
	{ "no space, lower key", "priority:high\nbody", 1, H, NULL, NULL,
	  NULL, 0, NULL, NULL, NULL, "body" },
	{ "upper key, spaces, CRLF", "PRIORITY :  Urgent  \r\nbody\r\n", 1, H,
	  NULL, NULL, NULL, 0, NULL, NULL, NULL, "body\r\n" },
	{ "all three", "Category: hardware/printer\nAdmin: bob@corp.example\n"
	  "Priority: P2\n\nThe printer jams.\n", 3, M, "hardware", "printer",
	  "bob@corp.example", 0, NULL, NULL, NULL, "The printer jams.\n" },
	{ "blank lines first", "\n\n  \nPriority: low\nText", 1, L, NULL,
	  NULL, NULL, 0, NULL, NULL, NULL, "Text" },
	{ "not at the top", "Hello\nPriority: high\n", 0, N, NULL, NULL, NULL,
	  0, NULL, NULL, NULL, "Hello\nPriority: high\n" },
	{ "blank lines then text", "\n\nHello\n", 0, N, NULL, NULL, NULL,
	  0, NULL, NULL, NULL, "\n\nHello\n" },
	{ "bad priority", "Priority: whenever\nText", 1, N, NULL, NULL, NULL,
	  FIELDS_F_BAD_PRIO, "whenever", NULL, NULL, "Text" },
	{ "bad category", "Category: a b c\nText", 1, N, NULL, NULL, NULL,
	  FIELDS_F_BAD_CAT, NULL, "a b c", NULL, "Text" },
	{ "bad admin", "Admin: <x@\nText", 1, N, NULL, NULL, NULL,
	  FIELDS_F_BAD_ADMIN, NULL, NULL, "<x@", "Text" },
	{ "admin display name", "Admin: Bob Smith <bob@corp.example>\n", 1,
	  N, NULL, NULL, "bob@corp.example", 0, NULL, NULL, NULL, "" },
	{ "admin name collapsed", "Admin: Bob   Smith\n", 1, N, NULL, NULL,
	  "Bob Smith", 0, NULL, NULL, NULL, "" },
	{ "admin at-name", "Admin: @bob\n", 1, N, NULL, NULL, "bob", 0,
	  NULL, NULL, NULL, "" },
	{ "admin two addresses", "Admin: bob@corp.example, carol@corp.example",
	  1, N, NULL, NULL, NULL, FIELDS_F_BAD_ADMIN, NULL, NULL,
	  "bob@corp.example, carol@corp.example", "" },
	{ "admin control char", "Admin: bo\x01" "b\nx", 1, N, NULL, NULL,
	  NULL, FIELDS_F_BAD_ADMIN, NULL, NULL, "bo?b", "x" },
	{ "priority conflict", "Priority: high\nPriority: low\n", 2, H, NULL,
	  NULL, NULL, FIELDS_F_PRIO_CONFLICT, NULL, NULL, NULL, "" },
	{ "category spaces around slash", "Priority: high\r\nCategory: "
	  "Network / WiFi\r\n\r\nMy wifi drops.\r\n", 2, H, "network", "wifi",
	  NULL, 0, NULL, NULL, NULL, "My wifi drops.\r\n" },
	{ "empty priority", "Priority:\nText", 1, N, NULL, NULL, NULL,
	  FIELDS_F_BAD_PRIO, "", NULL, NULL, "Text" },
	{ "priority with words", "Priority: high please\n", 1, N, NULL, NULL,
	  NULL, FIELDS_F_BAD_PRIO, "high please", NULL, NULL, "" },
	{ "unknown key", "Prio: high\nx", 0, N, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, "Prio: high\nx" },
	{ "no colon", "Priority high\nx", 0, N, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, "Priority high\nx" },
	{ "key prefix only", "Priorityx: high\n", 0, N, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL, "Priorityx: high\n" },
	{ "quoted", "> Priority: high\n", 0, N, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, "> Priority: high\n" },
	{ "no final newline", "Priority: high", 1, H, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL, "" },
	{ "trailing blank lines", "Priority: high\n\n\n", 1, H, NULL, NULL,
	  NULL, 0, NULL, NULL, NULL, "" },
	{ "BOM", "\xef\xbb\xbfPriority: low\nx", 1, L, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL, "x" },
	{ "NBSP after colon", "Priority:\xc2\xa0high\xc2\xa0\nx", 1, H, NULL,
	  NULL, NULL, 0, NULL, NULL, NULL, "x" },
	{ "leading spaces", "  Priority: high\nx", 1, H, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL, "x" },
	{ "tab before colon", "Category\t:\thardware\nx", 1, N, "hardware",
	  NULL, NULL, 0, NULL, NULL, NULL, "x" },
	{ "category slash no sub", "Category: hardware/\n", 1, N, NULL, NULL,
	  NULL, FIELDS_F_BAD_CAT, NULL, "hardware/", NULL, "" },
	{ "category no cat", "Category: /printer\n", 1, N, NULL, NULL, NULL,
	  FIELDS_F_BAD_CAT, NULL, "/printer", NULL, "" },
	{ "category three levels", "Category: a/b/c\n", 1, N, NULL, NULL,
	  NULL, FIELDS_F_BAD_CAT, NULL, "a/b/c", NULL, "" },
	{ "category not configured is kept", "Category: x86\n", 1, N, "x86",
	  NULL, NULL, 0, NULL, NULL, NULL, "" },
	{ "no blank line after", "Priority: high\nAdmin: bob\nThanks", 2, H,
	  NULL, NULL, "bob", 0, NULL, NULL, NULL, "Thanks" },
	{ "first bad kept", "Priority: whenever\nPriority: soon\n", 2, N,
	  NULL, NULL, NULL, FIELDS_F_BAD_PRIO, "whenever", NULL, NULL, "" },
	{ "bad then good", "Priority: whenever\nPriority: low\nx", 2, L, NULL,
	  NULL, NULL, FIELDS_F_BAD_PRIO, "whenever", NULL, NULL, "x" },
	{ "bad invalid utf-8", "Priority: \xff\xfe\nx", 1, N, NULL, NULL,
	  NULL, FIELDS_F_BAD_PRIO, "??", NULL, NULL, "x" },
	{ "empty body", "", 0, N, NULL, NULL, NULL, 0, NULL, NULL, NULL, "" },
	{ "only blank lines", "\n\r\n \n", 0, N, NULL, NULL, NULL, 0, NULL,
	  NULL, NULL, "\n\r\n \n" },
	{ "signature right after", "Priority: high\n--\nsig", 1, H, NULL, NULL,
	  NULL, 0, NULL, NULL, NULL, "--\nsig" },
	{ "CR only line end", "Priority: high\r", 1, H, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL, "" },
	{ "blank line inside ends block", "Priority: high\n\nCategory: "
	  "hardware\n", 1, H, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  "Category: hardware\n" },
	{ "utf-8 admin name", "Admin: J\xc3\xb6rg M\xc3\xbcller\n", 1, N,
	  NULL, NULL, "J\xc3\xb6rg M\xc3\xbcller", 0, NULL, NULL, NULL, "" },
	{ "admin angle only", "Admin: <alice@corp.example>\nx", 1, N, NULL,
	  NULL, "alice@corp.example", 0, NULL, NULL, NULL, "x" },
	{ "admin conflict", "Admin: bob\nAdmin: carol\n", 2, N, NULL, NULL,
	  "bob", FIELDS_F_ADMIN_CONFLICT, NULL, NULL, NULL, "" },
	{ "category conflict", "Category: hardware\nCategory: network\n", 2,
	  N, "hardware", NULL, NULL, FIELDS_F_CAT_CONFLICT, NULL, NULL, NULL,
	  "" },
	{ "all bad", "Priority: x\nCategory: y z\nAdmin: a@\n", 3, N, NULL,
	  NULL, NULL, FIELDS_F_BAD_PRIO | FIELDS_F_BAD_CAT |
	  FIELDS_F_BAD_ADMIN, "x", "y z", "a@", "" },
};

static void
test_body_table(void)
{
	struct fields f;
	size_t i, rest;
	int rc, ok;
	const char *body;

	for (i = 0; i < sizeof(body_tab) / sizeof(body_tab[0]); i++) {
		fields_init(&f);
		body = body_tab[i].body;
		rest = 12345;
		rc = body_n(body, strlen(body), &f, &rest);
#define SAME(a, b) (((a) == NULL && (b) == NULL) || \
	((a) != NULL && (b) != NULL && strcmp((a), (b)) == 0))
		ok = rc == body_tab[i].found &&
		    f.priority == body_tab[i].prio &&
		    f.flags == body_tab[i].flags &&
		    SAME(f.category, body_tab[i].cat) &&
		    SAME(f.subcategory, body_tab[i].sub) &&
		    SAME(f.admin, body_tab[i].admin) &&
		    SAME(f.bad_priority, body_tab[i].bad_p) &&
		    SAME(f.bad_category, body_tab[i].bad_c) &&
		    SAME(f.bad_admin, body_tab[i].bad_a) &&
		    rest <= strlen(body) &&
		    strcmp(body + rest, body_tab[i].rest) == 0;
#undef SAME
		if (!ok) {
			fprintf(stderr, "# body \"%s\": rc %d prio %d flags %d "
			    "cat %s sub %s admin %s bad %s/%s/%s rest %zu\n",
			    body_tab[i].name, rc, f.priority, f.flags,
			    f.category ? f.category : "-",
			    f.subcategory ? f.subcategory : "-",
			    f.admin ? f.admin : "-",
			    f.bad_priority ? f.bad_priority : "-",
			    f.bad_category ? f.bad_category : "-",
			    f.bad_admin ? f.bad_admin : "-", rest);
			t_failed_now = 1;
		}
		fields_clear(&f);
	}
}

/* Subject first, then the body: the body's values win. */
static void
test_precedence(void)
{
	struct fields f;
	char *title;
	size_t rest;
	const char *s = "[high] [hardware/printer] [@bob] Jam";
	const char *b = "Priority: low\nCategory: software/office\n"
	    "Admin: carol@corp.example\n\nText";

	fields_init(&f);
	T_INTEQ(subj_n(s, strlen(s), cats, NCATS, &f, &title), 3);
	T_STREQ(title, "Jam");
	free(title);
	T_INTEQ(body_n(b, strlen(b), &f, &rest), 3);
	T_INTEQ(f.priority, L);
	T_STREQ(f.category, "software");
	T_STREQ(f.subcategory, "office");
	T_STREQ(f.admin, "carol@corp.example");
	T_INTEQ(f.flags, 0);	/* an override is not a conflict */
	T_STREQ(b + rest, "Text");
	fields_clear(&f);

	/* a body category without sub replaces cat and sub */
	fields_init(&f);
	T_INTEQ(subj_n(s, strlen(s), cats, NCATS, &f, NULL), 3);
	T_INTEQ(body_n("Category: network\n", 18, &f, NULL), 1);
	T_STREQ(f.category, "network");
	T_CHECK(f.subcategory == NULL);
	T_INTEQ(f.priority, H);
	T_STREQ(f.admin, "bob");
	fields_clear(&f);

	/* a bad body value keeps the subject's value */
	fields_init(&f);
	T_INTEQ(subj_n(s, strlen(s), cats, NCATS, &f, NULL), 3);
	T_INTEQ(body_n("Priority: asap\n", 15, &f, NULL), 1);
	T_INTEQ(f.priority, H);
	T_INTEQ(f.flags, FIELDS_F_BAD_PRIO);
	T_STREQ(f.bad_priority, "asap");
	fields_clear(&f);
}

static const struct {
	const char	*text;
	int		 prio;
} prio_tab[] = {
	{ "high", H }, { "HIGH", H }, { "Urgent", H }, { "p1", H }, { "P1", H },
	{ "medium", M }, { "P2", M }, { "low", L }, { "p3", L },
	{ "  low\t", L }, { "\xc2\xa0" "low\xc2\xa0", L },
	{ "", N }, { "hi", N }, { "highh", N }, { "p0", N }, { "p4", N },
	{ "normal", N }, { "high low", N }, { "[high]", N }, { "l o w", N },
};

static void
test_priority(void)
{
	size_t i;
	char *c;

	for (i = 0; i < sizeof(prio_tab) / sizeof(prio_tab[0]); i++) {
		c = t_dup_n(prio_tab[i].text, strlen(prio_tab[i].text));
		if (fields_parse_priority(c, strlen(prio_tab[i].text)) !=
		    prio_tab[i].prio) {
			fprintf(stderr, "# priority \"%s\"\n",
			    prio_tab[i].text);
			t_failed_now = 1;
		}
		free(c);
	}
	T_STREQ(fields_priority_name(H), "high");
	T_STREQ(fields_priority_name(M), "medium");
	T_STREQ(fields_priority_name(L), "low");
	T_STREQ(fields_priority_name(N), "none");
	T_STREQ(fields_priority_name(42), "none");
}

static const struct {
	const char	*text, *cat, *sub;	/* cat NULL: -1 */
} cat_tab[] = {
	{ "hardware", "hardware", NULL },
	{ "Hardware/Printer", "hardware", "printer" },
	{ " network / wifi ", "network", "wifi" },
	{ "my-cat_2/sub-1", "my-cat_2", "sub-1" },
	{ "", NULL, NULL },
	{ "/", NULL, NULL },
	{ "a/", NULL, NULL },
	{ "/b", NULL, NULL },
	{ "a/b/c", NULL, NULL },
	{ "a b", NULL, NULL },
	{ "a.b", NULL, NULL },
	{ "caf\xc3\xa9", NULL, NULL },
	{ "a//b", NULL, NULL },
	/* 64 bytes is fine, 65 is not */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  NULL, NULL },
};

static void
test_category(void)
{
	size_t i, n;
	char *c, *cat, *sub;
	int rc;

	for (i = 0; i < sizeof(cat_tab) / sizeof(cat_tab[0]); i++) {
		n = strlen(cat_tab[i].text);
		c = t_dup_n(cat_tab[i].text, n);
		cat = sub = NULL;
		rc = fields_parse_category(c, n, &cat, &sub);
		if (cat_tab[i].cat == NULL) {
			T_INTEQ(rc, -1);
			T_CHECK(cat == NULL && sub == NULL);
		} else {
			T_INTEQ(rc, 0);
			T_STREQ(cat, cat_tab[i].cat);
			if (cat_tab[i].sub == NULL)
				T_CHECK(sub == NULL);
			else
				T_STREQ(sub, cat_tab[i].sub);
		}
		free(c);
		free(cat);
		free(sub);
	}
}

static const struct {
	const char	*text;
	int		 ok;
} addr_tab[] = {
	{ "bob@corp.example", 1 },
	{ "Bob.Smith+it@corp.example", 1 },
	{ "root@localhost", 1 },
	{ "o'brien@corp.example", 1 },
	{ "j\xc3\xb6rg@m\xc3\xbcller.example", 1 },
	{ "x@a-b.example", 1 },
	{ "", 0 },
	{ "bob", 0 },
	{ "@corp.example", 0 },
	{ "bob@", 0 },
	{ "a@b@c", 0 },
	{ "a b@c.example", 0 },
	{ ".a@c.example", 0 },
	{ "a.@c.example", 0 },
	{ "a..b@c.example", 0 },
	{ "a@c..example", 0 },
	{ "a@.c", 0 },
	{ "a@c.", 0 },
	{ "\"a b\"@c.example", 0 },
	{ "<a@c.example>", 0 },
	{ "a@c_d.example", 0 },
	{ "a\x01@c.example", 0 },
	{ "a@c.example\n", 0 },
	{ "\xff@c.example", 0 },
	{ "a@[127.0.0.1]", 0 },
};

static void
test_addr(void)
{
	char big[LIMIT_ADDR_BYTES + 2], *c;
	size_t i, n;

	for (i = 0; i < sizeof(addr_tab) / sizeof(addr_tab[0]); i++) {
		n = strlen(addr_tab[i].text);
		c = t_dup_n(addr_tab[i].text, n);
		if (fields_is_addr(c, n) != addr_tab[i].ok) {
			fprintf(stderr, "# addr \"%s\"\n", addr_tab[i].text);
			t_failed_now = 1;
		}
		free(c);
	}
	/* 320 bytes is an address, 321 is not */
	memset(big, 'a', sizeof(big));
	memcpy(big + LIMIT_ADDR_BYTES - 10, "@x.example", 10);
	T_INTEQ(fields_is_addr(big, LIMIT_ADDR_BYTES), 1);
	memset(big, 'a', sizeof(big));
	memcpy(big + LIMIT_ADDR_BYTES + 1 - 10, "@x.example", 10);
	T_INTEQ(fields_is_addr(big, LIMIT_ADDR_BYTES + 1), 0);
	/* a NUL is not the end */
	T_INTEQ(fields_is_addr("a\0b@c.example", 13), 0);
}

static const struct {
	const char	*text, *want;	/* want NULL: not an admin */
} admin_tab[] = {
	{ "bob", "bob" },
	{ "@bob", "bob" },
	{ " Bob  Smith ", "Bob Smith" },
	{ "bob@corp.example", "bob@corp.example" },
	{ "@bob@corp.example", "bob@corp.example" },
	{ "<bob@corp.example>", "bob@corp.example" },
	{ "\"Bob Smith\" <bob@corp.example>", "bob@corp.example" },
	{ "O'Brien", "O'Brien" },
	{ "", NULL },
	{ "@", NULL },
	{ "@@bob", NULL },
	{ "<bob>", NULL },
	{ "a <b <c@d.example>", NULL },
	{ "bob@", NULL },
	{ "bob, carol", NULL },
	{ "bob;", NULL },
	{ "[bob]", NULL },
	{ "bob/carol", NULL },
	{ "\xc3\x28", NULL },
	{ "bo\tb", "bo b" },
};

static void
test_admin(void)
{
	size_t i, n;
	char *c, *got, big[LIMIT_NAME_BYTES + 1];

	for (i = 0; i < sizeof(admin_tab) / sizeof(admin_tab[0]); i++) {
		n = strlen(admin_tab[i].text);
		c = t_dup_n(admin_tab[i].text, n);
		got = fields_parse_admin(c, n);
		if (admin_tab[i].want == NULL) {
			if (got != NULL) {
				fprintf(stderr, "# admin \"%s\" gave \"%s\"\n",
				    admin_tab[i].text, got);
				t_failed_now = 1;
			}
		} else
			T_STREQ(got, admin_tab[i].want);
		free(got);
		free(c);
	}
	memset(big, 'b', sizeof(big));
	got = fields_parse_admin(big, LIMIT_NAME_BYTES);
	T_CHECK(got != NULL && strlen(got) == LIMIT_NAME_BYTES);
	free(got);
	T_CHECK(fields_parse_admin(big, LIMIT_NAME_BYTES + 1) == NULL);
}

/* A title never holds a control character and is never longer. */
static int
title_sane(const char *t, size_t inlen)
{
	size_t i, n = strlen(t);

	if (n > inlen)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return 0;
	}
	return n == 0 || (t[0] != ' ' && t[n - 1] != ' ');
}

static void
test_hostile_subject(void)
{
	const size_t big = 1024 * 1024;
	struct fields f;
	char *s, *title;
	size_t i;
	unsigned int seed = 12345;

	/* a bracket storm: every '[' stops at the next one */
	s = xmalloc(big);
	memset(s, '[', big);
	fields_init(&f);
	T_INTEQ(subj_n(s, big, cats, NCATS, &f, &title), 0);
	T_INTEQ(strlen(title), big);
	free(title);
	/* '[' then 1 MB without a ']' */
	memset(s, 'a', big);
	s[0] = '[';
	T_INTEQ(subj_n(s, big, cats, NCATS, &f, &title), 0);
	T_INTEQ(strlen(title), big);
	free(title);
	/* an admin tag longer than an address */
	s[1] = '@';
	s[big - 1] = ']';
	T_INTEQ(subj_n(s, big, cats, NCATS, &f, &title), 0);
	free(title);
	/* 1 MB of "[high][low]": all tags, one conflict flag */
	for (i = 0; i + 11 <= big; i += 11)
		memcpy(s + i, "[high][low]", 11);
	T_INTEQ(subj_n(s, i, cats, NCATS, &f, &title), (int)(i / 11 * 2));
	T_STREQ(title, "");
	T_INTEQ(f.priority, H);
	T_INTEQ(f.flags, FIELDS_F_PRIO_CONFLICT);
	free(title);
	fields_clear(&f);
	/* 1 MB of "[@bob]": each admin is allocated and freed */
	for (i = 0; i + 6 <= big; i += 6)
		memcpy(s + i, "[@bob]", 6);
	fields_init(&f);
	T_INTEQ(subj_n(s, i, cats, NCATS, &f, &title), (int)(i / 6));
	T_STREQ(f.admin, "bob");
	free(title);
	fields_clear(&f);
	/* binary without NUL, and with brackets mixed in */
	for (i = 0; i < big; i++) {
		seed = seed * 1103515245u + 12345u;
		s[i] = (char)((seed >> 16) % 255 + 1);
		if ((seed >> 8) % 17 == 0)
			s[i] = "[]@/h"[(seed >> 4) % 5];
	}
	fields_init(&f);
	(void)subj_n(s, big, cats, NCATS, &f, &title);
	T_CHECK(title_sane(title, big));
	free(title);
	fields_clear(&f);
	free(s);
}

static void
test_hostile_body(void)
{
	const size_t big = 1024 * 1024;
	struct fields f;
	char *s;
	size_t i, rest;
	unsigned int seed = 777;

	s = xmalloc(big);
	/* one 1 MB pseudo-header: bad value, quoted text cut */
	memset(s, 'x', big);
	memcpy(s, "Priority: ", 10);
	fields_init(&f);
	T_INTEQ(body_n(s, big, &f, &rest), 1);
	T_INTEQ(rest, big);
	T_INTEQ(f.flags, FIELDS_F_BAD_PRIO);
	T_CHECK(f.bad_priority != NULL &&
	    strlen(f.bad_priority) <= LIMIT_QUOTED_BYTES + 3);
	T_CHECK(f.bad_priority != NULL && strcmp(f.bad_priority +
	    strlen(f.bad_priority) - 3, "...") == 0);
	fields_clear(&f);
	/* 1 MB admin and category values */
	memcpy(s, "Admin:    ", 10);
	T_INTEQ(body_n(s, big, &f, &rest), 1);
	T_INTEQ(f.flags, FIELDS_F_BAD_ADMIN);
	fields_clear(&f);
	memcpy(s, "Category: ", 10);
	T_INTEQ(body_n(s, big, &f, &rest), 1);
	T_INTEQ(f.flags, FIELDS_F_BAD_CAT);
	fields_clear(&f);
	/* a 1 MB first line that is text */
	memset(s, 'y', big);
	T_INTEQ(body_n(s, big, &f, &rest), 0);
	T_INTEQ(rest, 0);
	/* ~100,000 pseudo-header lines, then text */
	for (i = 0; i + 10 <= big - 4; i += 10)
		memcpy(s + i, "Admin: b\r\n", 10);
	memcpy(s + i, "Text", 4);
	T_INTEQ(body_n(s, i + 4, &f, &rest), (int)(i / 10));
	T_STREQ(f.admin, "b");
	T_INTEQ(rest, i);
	fields_clear(&f);
	/* 1 MB of blank lines */
	memset(s, '\n', big);
	T_INTEQ(body_n(s, big, &f, &rest), 0);
	T_INTEQ(rest, 0);
	/* binary without NUL; sometimes starting with a key */
	for (i = 0; i < big; i++) {
		seed = seed * 1103515245u + 12345u;
		s[i] = (char)((seed >> 16) % 255 + 1);
		if ((seed >> 8) % 13 == 0)
			s[i] = '\n';
	}
	T_CHECK(body_n(s, big, &f, &rest) >= 0 && rest <= big);
	fields_clear(&f);
	memcpy(s, "Priority: ", 10);
	T_CHECK(body_n(s, big, &f, &rest) >= 1 && rest <= big);
	T_CHECK(f.bad_priority == NULL ||
	    strlen(f.bad_priority) <= LIMIT_QUOTED_BYTES + 3);
	fields_clear(&f);
	free(s);
}

int
main(void)
{
	T_RUN(test_subject_table);
	T_RUN(test_subject_no_categories);
	T_RUN(test_subject_nul);
	T_RUN(test_body_table);
	T_RUN(test_precedence);
	T_RUN(test_priority);
	T_RUN(test_category);
	T_RUN(test_addr);
	T_RUN(test_admin);
	T_RUN(test_hostile_subject);
	T_RUN(test_hostile_body);
	return T_END();
}
