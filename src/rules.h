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

/*
 * Is addr the desk's address or one of its sub-addresses ("it+42@…",
 * "it+control@…", any "it+…@…")? desk is the configured address. Local
 * part and domain compare without case. 1 or 0 (also for NULL).
 */
int	rules_is_desk_addr(const char *addr, const char *desk);

/*
 * Is the mail addressed to the desk: the desk's address or a sub-address
 * in To, Cc or Delivered-To/X-Original-To? 1 or 0.
 */
int	rules_to_desk(const struct mail *m, const char *desk);

/*
 * List mail and robot senders, from ONE table in rules.c (the same table
 * is in ticketd(8), LIST MAIL AND ROBOTS). Pure.
 *
 * rules_list_mail: does the mail come through a mailing list (a List-Id or
 * any List-* header, Mailing-List, X-Mailing-List, X-ML-Name, X-MLServer,
 * Mailman's, Sympa's, Google Groups', ListProc's headers, Precedence: list,
 * Sender: owner-…, …-request, …-owner, …-bounces, …@LISTSERV.…)? Reads
 * m->fields (any value counts, a malformed List-Id too). Returns 1 with a
 * static reason in *why ("a List-Id header (RFC 2919)"), else 0 and NULL.
 */
int	rules_list_mail(const struct mail *m, const char **why);

/*
 * rules_noreply_addr: does the address's local part say nobody reads
 * replies (no-reply, noreply, do-not-reply, donotreply, bounce…,
 * …-bounces, notifications…)? Returns 1 with a static reason in *why,
 * else 0 and NULL (also for NULL).
 */
int	rules_noreply_addr(const char *addr, const char **why);

/*
 * The list's own addresses from the headers that give them (List-Post,
 * List-Owner, List-Help mailto:, X-Mailing-List, Mailing-List, X-BeenThere,
 * Sender) into m->list_addrs (at most LIMIT_LIST_ADDRS, no duplicates).
 * Call it for list mail only.
 */
void	rules_list_addrs(struct mail *m);

/* The ticket title: the decoded subject, or "(no subject)". New string. */
char	*rules_title(const struct mail *);

/* The ticket's sub-address: it@corp.example, 42 → "it+42@corp.example". */
char	*rules_subaddress(const char *desk_addr, long long number);

/* "[IT #42] <title>". New string. */
char	*rules_tagged_subject(const char *tag, long long number,
	    const char *title);

#endif
