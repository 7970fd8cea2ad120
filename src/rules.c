/*
 * rules.c — pure decisions of the ticket workflow.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"
#include "xmalloc.h"

/* Does the header value name addr (e.g. "it@corp.example" or "<it@…>")? */
static int
names_addr(const char *value, const char *addr)
{
	size_t n = strlen(addr);
	const char *p;
	int before, after;

	if (value == NULL || n == 0)
		return 0;
	for (p = value; *p != '\0'; p++) {
		if (strncasecmp(p, addr, n) != 0)
			continue;
		before = p == value || p[-1] == '<' || p[-1] == ' ';
		after = p[n] == '\0' || p[n] == '>' || p[n] == ' ';
		if (before && after)
			return 1;
	}
	return 0;
}

enum rules_verdict
rules_classify(const struct config *cfg, const struct mail *m, int parse_rc,
    const char **why)
{
	*why = NULL;
	if (parse_rc != 0) {
		*why = "nothing readable in the mail";
		return RULES_FAILED;
	}
	if (m->from_addr == NULL) {
		*why = "no sender address to answer";
		return RULES_FAILED;
	}
	if (names_addr(m->x_loop, cfg->helpdesk.address)) {
		*why = "carries our own X-Loop header";
		return RULES_LOOP;
	}
	if (strcasecmp(m->from_addr, cfg->helpdesk.address) == 0 ||
	    (cfg->smtp.from != NULL &&
	    strcasecmp(m->from_addr, cfg->smtp.from) == 0)) {
		*why = "sent from the desk's own address";
		return RULES_LOOP;
	}
	return RULES_TICKET;
}

char *
rules_title(const struct mail *m)
{
	if (m->subject == NULL || m->subject[0] == '\0')
		return xstrdup("(no subject)");
	return xstrdup(m->subject);
}

char *
rules_subaddress(const char *desk, long long number)
{
	const char *at = strrchr(desk, '@');

	if (at == NULL)
		return xasprintf("%s+%lld", desk, number);
	return xasprintf("%.*s+%lld%s", (int)(at - desk), desk, number, at);
}

char *
rules_tagged_subject(const char *tag, long long number, const char *title)
{
	return xasprintf("[%s #%lld] %s", tag, number, title);
}
