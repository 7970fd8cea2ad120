/*
 * rules.h — the desk's decisions over a parsed mail, as pure functions: no
 * I/O, no database. The pipeline applies what they decide.
 */
#ifndef TICKETD_RULES_H
#define TICKETD_RULES_H

#include "config.h"
#include "mail.h"

enum rules_verdict {
	RULES_TICKET = 0,	/* a new ticket */
	RULES_FAILED,		/* nothing usable: keep it in the failed folder */
	RULES_LOOP		/* automatic mail (auto-reply, bounce, report, bulk)
				 * or our own come back: never a ticket, never
				 * answered */
};

/*
 * Classify a parsed mail; parse_rc is what mime_parse() returned. *why
 * gets a static reason for anything other than RULES_TICKET.
 */
enum rules_verdict rules_classify(const struct config *, const struct mail *,
	    int parse_rc, const char **why);

/* The ticket title: the decoded subject, or "(no subject)". New string. */
char	*rules_title(const struct mail *);

/* The ticket's sub-address: it@corp.example, 42 → "it+42@corp.example". */
char	*rules_subaddress(const char *desk_addr, long long number);

/* "[IT #42] <title>". New string. */
char	*rules_tagged_subject(const char *tag, long long number,
	    const char *title);

#endif
