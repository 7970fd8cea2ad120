/*
 * test_rules.c — the pure decisions in rules.c: classification of a parsed
 * mail (failed, loop, ticket), the title, the sub-address, the tagged
 * subject. The config and the mail are built by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mail.h"
#include "rules.h"
#include "t.h"

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

	/* a sub-address or a look-alike is not the desk */
	m.from_addr = (char *)"it+42@corp.example";
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

int
main(void)
{
	T_RUN(test_classify);
	T_RUN(test_xloop);
	T_RUN(test_title);
	T_RUN(test_subaddress);
	T_RUN(test_tagged_subject);
	return T_END();
}
