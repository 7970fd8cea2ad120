/*
 * test_rules.c — the pure decisions in rules.c: classification of a parsed
 * mail (failed, loop, ticket), the title, the sub-address, the tagged
 * subject. The config and the mail are built by hand.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stdio.h>

#include "config.h"
#include "mail.h"
#include "mime.h"
#include "rules.h"
#include "t.h"
#include "xmalloc.h"

static struct config cfg;

static void
setup(const char *desk, const char *from)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.helpdesk.address = (char *)desk;
	cfg.helpdesk.tag = (char *)"IT";
	cfg.smtp.from = (char *)from;
}

static void
test_classify(void)
{
	struct mail m;
	const char *why;

	setup("it@corp.example", "it@corp.example");
	memset(&m, 0, sizeof(m));
	m.from_addr = (char *)"alice@corp.example";
	m.subject = (char *)"printer";

	why = "unset";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
	T_CHECK(why == NULL);

	/* mime_parse failed */
	T_INTEQ(rules_classify(&cfg, &m, -1, &why), RULES_FAILED);
	T_CHECK(why != NULL && *why != '\0');

	/* no sender address */
	m.from_addr = NULL;
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_FAILED);
	T_CHECK(why != NULL && *why != '\0');

	/* from the desk itself, in any case */
	m.from_addr = (char *)"it@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	T_CHECK(why != NULL);
	m.from_addr = (char *)"IT@Corp.Example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);

	/* from the [smtp] from address when it differs */
	setup("it@corp.example", "noreply@corp.example");
	m.from_addr = (char *)"NoReply@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	/* smtp.from unset (it defaults to the desk) */
	setup("it@corp.example", NULL);
	m.from_addr = (char *)"it@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	m.from_addr = (char *)"bob@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);

	/* a sub-address is the desk (issue 8); a look-alike is not */
	m.from_addr = (char *)"it+42@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	m.from_addr = (char *)"IT+Control@Corp.Example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	m.from_addr = (char *)"it+x@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	m.from_addr = (char *)"its+42@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
	m.from_addr = (char *)"it+42@other.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
	m.from_addr = (char *)"xit@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
	m.from_addr = (char *)"it@corp.example.evil";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
}

static void
test_xloop(void)
{
	static const struct {
		const char *xloop;
		enum rules_verdict want;
	} tab[] = {
		{ "it@corp.example", RULES_LOOP },
		{ "IT@CORP.EXAMPLE", RULES_LOOP },
		{ "<it@corp.example>", RULES_LOOP },
		{ "ticketd it@corp.example", RULES_LOOP },
		{ "it@corp.example other", RULES_LOOP },
		{ "other@corp.example", RULES_TICKET },
		{ "xit@corp.example", RULES_TICKET },
		{ "it@corp.example.org", RULES_TICKET },
		{ "", RULES_TICKET },
	};
	struct mail m;
	const char *why;
	size_t i;

	setup("it@corp.example", "it@corp.example");
	memset(&m, 0, sizeof(m));
	m.from_addr = (char *)"alice@corp.example";
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		m.x_loop = (char *)tab[i].xloop;
		if (rules_classify(&cfg, &m, 0, &why) != tab[i].want) {
			fprintf(stderr, "# X-Loop \"%s\"\n", tab[i].xloop);
			T_INTEQ(rules_classify(&cfg, &m, 0, &why), tab[i].want);
		}
		if (tab[i].want == RULES_LOOP)
			T_CHECK(why != NULL);
	}
	/* a failed parse wins over a loop: nothing usable */
	m.x_loop = (char *)"it@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, -1, &why), RULES_FAILED);
}

static void
test_title(void)
{
	struct mail m;
	char *s;

	memset(&m, 0, sizeof(m));
	s = rules_title(&m);
	T_STREQ(s, "(no subject)");
	free(s);
	m.subject = (char *)"";
	s = rules_title(&m);
	T_STREQ(s, "(no subject)");
	free(s);
	m.subject = (char *)"Printer \xe2\x80\x94 3rd floor";
	s = rules_title(&m);
	T_STREQ(s, "Printer \xe2\x80\x94 3rd floor");
	T_CHECK(s != m.subject);
	free(s);
}

static void
test_subaddress(void)
{
	char *s;

	s = rules_subaddress("it@corp.example", 42);
	T_STREQ(s, "it+42@corp.example");
	free(s);
	s = rules_subaddress("it@corp.example", 1);
	T_STREQ(s, "it+1@corp.example");
	free(s);
	s = rules_subaddress("help.desk@sub.corp.example", 9007199254740993LL);
	T_STREQ(s, "help.desk+9007199254740993@sub.corp.example");
	free(s);
	/* the last '@' splits a quoted local part containing one */
	s = rules_subaddress("\"a@b\"@corp.example", 7);
	T_STREQ(s, "\"a@b\"+7@corp.example");
	free(s);
	s = rules_subaddress("localonly", 3);
	T_STREQ(s, "localonly+3");
	free(s);
}

static void
test_tagged_subject(void)
{
	char *s;

	s = rules_tagged_subject("IT", 42, "Printer on 3rd floor");
	T_STREQ(s, "[IT #42] Printer on 3rd floor");
	free(s);
	s = rules_tagged_subject("HELP", 1, "(no subject)");
	T_STREQ(s, "[HELP #1] (no subject)");
	free(s);
	s = rules_tagged_subject("IT", 7, "100% done %s %n");
	T_STREQ(s, "[IT #7] 100% done %s %n");
	free(s);
}

/* Every X-Loop counts, and the desk's sub-addresses are the desk. */
static void
test_xloop_all(void)
{
	char *loops[3] = { (char *)"list@lists.example.org",
	    (char *)"ticketd <it+42@corp.example>", NULL };
	struct mail m;
	const char *why;

	setup("it@corp.example", "it@corp.example");
	memset(&m, 0, sizeof(m));
	m.from_addr = (char *)"alice@corp.example";
	m.x_loop = loops[0];
	m.x_loops = loops;
	m.nx_loops = 2;
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	T_STREQ(why, "carries our own X-Loop header");
	loops[1] = (char *)"IT+Control@Corp.Example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
	loops[1] = (char *)"its+1@corp.example, it@corp.example.org";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_TICKET);
	/* the [smtp] from address and its sub-addresses too */
	setup("it@corp.example", "desk@corp.example");
	loops[1] = (char *)"desk+7@corp.example";
	T_INTEQ(rules_classify(&cfg, &m, 0, &why), RULES_LOOP);
}

static void
test_desk_addr(void)
{
	T_INTEQ(rules_is_desk_addr("it@corp.example", "it@corp.example"), 1);
	T_INTEQ(rules_is_desk_addr("It+9@CORP.example", "it@corp.example"), 1);
	T_INTEQ(rules_is_desk_addr("it+@corp.example", "it@corp.example"), 1);
	T_INTEQ(rules_is_desk_addr("itx@corp.example", "it@corp.example"), 0);
	T_INTEQ(rules_is_desk_addr("i@corp.example", "it@corp.example"), 0);
	T_INTEQ(rules_is_desk_addr("it@corp.example.x", "it@corp.example"), 0);
	T_INTEQ(rules_is_desk_addr("it", "it@corp.example"), 0);
	T_INTEQ(rules_is_desk_addr(NULL, "it@corp.example"), 0);
	T_INTEQ(rules_is_desk_addr("it@corp.example", NULL), 0);
}

static void
test_noreply(void)
{
	static const struct {
		const char *addr;
		const char *why;	/* NULL: a person */
	} tab[] = {
		{ "no-reply@x.example", "no-reply" },
		{ "No-Reply+abc@x.example", "no-reply" },
		{ "noreply@x.example", "noreply" },
		{ "noreply-billing@x.example", "noreply" },
		{ "noreply.github@x.example", "noreply" },
		{ "no_reply@x.example", "no_reply" },
		{ "do-not-reply@x.example", "do-not-reply" },
		{ "DoNotReply@x.example", "donotreply" },
		{ "do_not_reply@x.example", "do_not_reply" },
		{ "bounce@x.example", "bounce" },
		{ "bounces+123-it=corp.example@x.example", "bounce" },
		{ "bounce-77@x.example", "bounce" },
		{ "users-bounces@x.example", "bounces" },
		{ "notifications@x.example", "notifications" },
		{ "notification@x.example", "notification" },
		{ "notifications-noreply@x.example", "notifications" },
		{ "bouncer@x.example", NULL },
		{ "noreplyguy@x.example", NULL },
		{ "alice.noreply@x.example", NULL },
		{ "notify-me-later@x.example", NULL },
		{ "replyto@x.example", NULL },
		{ "bob@no-reply.example", NULL },
		{ "no-reply", NULL },
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		int got = rules_noreply_addr(tab[i].addr, &why);

		if (got != (tab[i].why != NULL) || (got &&
		    strstr(why, tab[i].why) == NULL)) {
			fprintf(stderr, "# %s: got %d %s\n", tab[i].addr, got,
			    why != NULL ? why : "(null)");
			t_failed_now = 1;
		}
	}
	T_INTEQ(rules_noreply_addr(NULL, &why), 0);
	T_CHECK(why == NULL);
}

/* A mail's header fields by hand, for the list table. */
static void
list_case(const char *name, const char *value, const char *want)
{
	struct mail_field f[2];
	struct mail m;
	const char *why;
	int got;

	memset(&m, 0, sizeof(m));
	f[0].name = (char *)"Subject";
	f[0].value = (char *)"hello";
	f[1].name = (char *)name;
	f[1].value = (char *)value;
	m.fields = f;
	m.nfields = 2;
	got = rules_list_mail(&m, &why);
	if (got != (want != NULL) || (got && strstr(why, want) == NULL)) {
		fprintf(stderr, "# %s: %s: got %d %s\n", name, value, got,
		    why != NULL ? why : "(null)");
		t_failed_now = 1;
	}
}

static void
test_list_table(void)
{
	list_case("List-Id", "<a.lists.example>", "List-Id");
	list_case("list-id", "no brackets at all", "List-Id");
	list_case("List-Id", "", "List-Id");
	list_case("List-Unsubscribe", "<mailto:x@y>", "List-*");
	list_case("List-Post", "NO", "List-*");
	list_case("Mailing-List", "contact a-help@x; run by ezmlm",
	    "Mailing-List");
	list_case("X-Mailing-List", "<a@x> archive/latest/1", "X-Mailing-List");
	list_case("X-ML-Name", "it-users", "fml");
	list_case("X-MLServer", "fml [fml 4.0]", "fml");
	list_case("X-Mailman-Version", "2.1.29", "Mailman");
	list_case("X-BeenThere", "a@x", "Mailman");
	list_case("X-Google-Group-Id", "1", "Google");
	list_case("Precedence", "list", "Precedence: list");
	list_case("Precedence", "bulk", NULL);
	list_case("Sender", "owner-a@x", "owner-");
	list_case("Sender", "A List <a-request@x>", "-request");
	list_case("Sender", "a-owner@x", "-owner");
	list_case("Sender", "a-bounces@x", "-bounces");
	list_case("Sender", "A <A@LISTSERV.X.EDU>", "Listserv");
	list_case("Sender", "alice@x", NULL);
	list_case("Sender", "owner-@x", NULL);
	list_case("Listing", "x", NULL);
	list_case("X-List", "x", NULL);
	list_case("Reply-To", "list-request@x", NULL);
}

/* The file's text from tests/unit/data/lists/. */
static char *
fixture(const char *name, size_t *len)
{
	const char *slash = strrchr(__FILE__, '/');
	char *path, *buf;
	FILE *f;
	long n;

	path = xasprintf("%.*sdata/lists/%s", slash != NULL ?
	    (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Each list manager's and robot's header set (data/lists/README). */
static void
test_fixtures(void)
{
	static const struct {
		const char *file;
		const char *list;	/* reason substring, NULL: no list */
		const char *robot;	/* reason substring, NULL: no robot */
		int to_desk;
		const char *list_addr;	/* one of the list's addresses */
	} tab[] = {
		{ "mailman2.eml", "List-Id", NULL, 0, "users@lists.example.org" },
		{ "mailman3.eml", "List-Id", NULL, 1, "users-owner@lists.example.org" },
		{ "sympa.eml", "List-Id", NULL, 0, "helpdesk-users@lists.example.edu" },
		{ "googlegroups.eml", "List-Id", NULL, 1, "it-staff@googlegroups.com" },
		{ "listserv.eml", "Listserv", NULL, 0, "ITMGRS@LISTSERV.EXAMPLE.EDU" },
		{ "ezmlm.eml", "Mailing-List", NULL, 0, "announce-help@lists.example.org" },
		{ "fml.eml", "fml", NULL, 0, NULL },
		{ "majordomo.eml", "owner-", NULL, 0, "owner-it-announce@lists.example.com" },
		{ "malformed-listid.eml", "List-Id", NULL, 1, NULL },
		{ "via-list.eml", "List-Id", NULL, 1, "users@lists.example.org" },
		{ "robot-no-reply.eml", NULL, "no-reply", 1, NULL },
		{ "robot-noreply.eml", NULL, "noreply", 1, NULL },
		{ "robot-do-not-reply.eml", NULL, "do-not-reply", 1, NULL },
		{ "robot-donotreply.eml", NULL, "donotreply", 1, NULL },
		{ "robot-bounce.eml", NULL, "bounce", 1, NULL },
		{ "robot-notifications.eml", NULL, "notifications", 1, NULL },
		{ "robot-cloud-json.eml", NULL, "no-reply", 1, NULL },
	};
	struct mail m;
	const char *why;
	char *raw;
	size_t i, j, len;
	int got, found;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		raw = fixture(tab[i].file, &len);
		if (raw == NULL) {
			fprintf(stderr, "# %s missing\n", tab[i].file);
			t_failed_now = 1;
			continue;
		}
		T_INTEQ(mime_parse(raw, len, NULL, &m), 0);
		got = rules_list_mail(&m, &why);
		if (got != (tab[i].list != NULL) || (got &&
		    strstr(why, tab[i].list) == NULL)) {
			fprintf(stderr, "# %s: list %d %s\n", tab[i].file, got,
			    why != NULL ? why : "(null)");
			t_failed_now = 1;
		}
		got = rules_noreply_addr(m.from_addr, &why);
		if (got != (tab[i].robot != NULL) || (got &&
		    strstr(why, tab[i].robot) == NULL)) {
			fprintf(stderr, "# %s: robot %d %s\n", tab[i].file, got,
			    why != NULL ? why : "(null)");
			t_failed_now = 1;
		}
		if (rules_to_desk(&m, "it@corp.example") != tab[i].to_desk) {
			fprintf(stderr, "# %s: to desk\n", tab[i].file);
			t_failed_now = 1;
		}
		if (tab[i].list != NULL) {
			rules_list_addrs(&m);
			for (j = 0; j < m.nlist_addrs; j++)
				T_CHECK(rules_noreply_addr(m.list_addrs[j],
				    &why) == 0 || strstr(m.list_addrs[j],
				    "bounces") != NULL);
		}
		if (tab[i].list_addr != NULL) {
			for (found = 0, j = 0; j < m.nlist_addrs; j++)
				found |= strcasecmp(m.list_addrs[j],
				    tab[i].list_addr) == 0;
			if (!found) {
				fprintf(stderr, "# %s: %s not among the list's "
				    "%zu addresses\n", tab[i].file,
				    tab[i].list_addr, m.nlist_addrs);
				t_failed_now = 1;
			}
		}
		mail_clear(&m);
		free(raw);
	}
}

int
main(void)
{
	T_RUN(test_classify);
	T_RUN(test_xloop);
	T_RUN(test_xloop_all);
	T_RUN(test_desk_addr);
	T_RUN(test_noreply);
	T_RUN(test_list_table);
	T_RUN(test_fixtures);
	T_RUN(test_title);
	T_RUN(test_subaddress);
	T_RUN(test_tagged_subject);
	return T_END();
}
