/*
 * assign.h — choose the admin a new ticket goes to. Pure: no I/O, no
 * allocation; the caller loads the admins and stores the choice.
 *
 * Rules (DESIGN.md "Ticket workflow"), with the decisions this module made:
 * - A requested admin ("[@bob]", "Admin: bob@corp.example") who exists and
 *   is not away is chosen, even when their skills do not cover the
 *   category: the requester named a person, and an admin can reassign.
 * - A requested admin who is away, unknown or ambiguous is reported and
 *   the ticket is auto-assigned as if nothing had been requested.
 * - Auto-assignment: among the admins who are not away and whose skills
 *   cover the category, the one with the fewest open tickets; ties go to
 *   the least recently assigned (never assigned first), then to the lowest
 *   id, then to the earliest in the array — so the result is the same for
 *   the same input in any order of equal candidates' ids.
 * - When no admin present covers the category, the same order picks among
 *   all admins present (ASSIGN_FALLBACK). When every admin is away (or
 *   there are none), nobody is chosen and the ticket stays open.
 * - Coverage: an admin with no skills (nskills 0, or only NULL/empty
 *   entries) covers every category. A skill covers the category equal to
 *   it and that category's subcategories: "hardware" covers "hardware" and
 *   "hardware/printer"; "hardware/printer" covers "hardware/printer" (and
 *   "hardware/printer/…") but not "hardware". Compared case-insensitively,
 *   surrounding white space ignored. A NULL or empty category (an
 *   uncategorised ticket) is covered by everyone.
 * - A negative open_tickets counts as 0. `away` alone decides absence;
 *   away_until is only shown in the explanation.
 * - Supervisors (root admins not also listed as admins) are not in the
 *   rotation: they are chosen only when the requester names them. When
 *   only supervisors are present, nobody is chosen and the ticket stays
 *   open (the caller tells the root admins).
 */
#ifndef TICKETD_ASSIGN_H
#define TICKETD_ASSIGN_H

#include <stddef.h>

struct assign_admin {
	long long	 id;		/* database id; ties go to the lowest */
	const char	*email;		/* may be NULL: then never matched by name */
	int		 open_tickets;	/* tickets assigned and not closed */
	long long	 last_assigned;	/* time_t of the last assignment; 0 = never */
	int		 away;		/* non-zero: currently away */
	long long	 away_until;	/* time_t the absence ends; 0 = not known */
	const char *const *skills;	/* categories, nskills of them */
	size_t		 nskills;	/* 0: covers every category */
	int		 supervisor;	/* non-zero: only when requested */
};

enum assign_how {
	ASSIGN_NONE,		/* nobody chosen: every admin away, or none */
	ASSIGN_REQUESTED,	/* the requested admin */
	ASSIGN_AUTO,		/* auto, among those whose skills cover it */
	ASSIGN_FALLBACK		/* auto, nobody present covers it: among all */
};

enum assign_req {
	ASSIGN_REQ_NONE,	/* nothing was requested */
	ASSIGN_REQ_OK,		/* found, present, chosen */
	ASSIGN_REQ_AWAY,	/* found but away */
	ASSIGN_REQ_UNKNOWN,	/* matches no admin */
	ASSIGN_REQ_AMBIGUOUS	/* a local part that several admins share */
};

struct assign_result {
	enum assign_how	 how;
	size_t		 chosen;	/* index of the admin; unless ASSIGN_NONE */
	enum assign_req	 req;
	size_t		 requested;	/* index; for ASSIGN_REQ_OK, _AWAY */
};

/*
 * Find an admin by name: a whole address (case-insensitive), or a local
 * part ("bob" for bob@corp.example) when exactly one admin has it.
 * Surrounding white space, one leading "@" ("@bob" from "[@bob]") and
 * "Name <addr>" or "<addr>" forms are accepted. Returns ASSIGN_REQ_NONE
 * for a NULL or empty name, ASSIGN_REQ_OK with *idx set (idx may be NULL),
 * ASSIGN_REQ_UNKNOWN or ASSIGN_REQ_AMBIGUOUS (also for an address that two
 * entries share). Never returns ASSIGN_REQ_AWAY.
 */
enum assign_req assign_lookup(const struct assign_admin *admins, size_t n,
	    const char *name, size_t *idx);

/* 1 when the admin's skills cover the category (rules above), else 0. */
int	assign_covers(const struct assign_admin *admin, const char *category);

/*
 * Choose the assignee of a new ticket. admins: n candidates (NULL when n
 * is 0); category: the ticket's category or NULL; requested: the name the
 * requester asked for, or NULL. Fills *res (required) and returns 1 when
 * an admin was chosen (res->chosen), 0 when nobody was (res->how ==
 * ASSIGN_NONE; the ticket stays open). why (may be NULL when whysz is 0)
 * receives one line for the acknowledgement or the log, e.g. "bob@corp.
 * example is away until 2026-12-24; assigned to carol@corp.example
 * instead" (dates in UTC); names from the mail in it are reduced to
 * printable ASCII and cut; the line is cut to whysz - 1.
 */
int	assign_choose(const struct assign_admin *admins, size_t n,
	    const char *category, const char *requested,
	    struct assign_result *res, char *why, size_t whysz);

#endif
