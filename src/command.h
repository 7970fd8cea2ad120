/*
 * command.h — the commands an admin writes at the top of a reply
 * ("/resolve fixed") and the lines of a root admin's control mail
 * ("reassign 42 bob@corp.example"), parsed into plain structs. Pure: no I/O,
 * no database. Whether the sender may run them, whether the ticket, user or
 * category exists, and whether a date is in the past is the caller's
 * business; command.c checks only the syntax.
 *
 * A mail's commands are applied whole or not at all: the parse functions
 * return -1 when any entry is CMD_ERROR or CMD_UNKNOWN, and the caller
 * answers with a transcript (each entry's line, then "ok" or its err).
 */
#ifndef TICKETD_COMMAND_H
#define TICKETD_COMMAND_H

#include <stddef.h>

enum cmd_kind {
	CMD_UNKNOWN = 0,	/* no such command; err says so */
	CMD_ERROR,		/* a known command used wrongly, or a line or
				 * count over a cap; err says why */
	/* admin commands, at the top of a reply ("/name args") */
	CMD_RESOLVE,		/* arg1: note or NULL */
	CMD_REJECT,		/* arg1: reason (required) */
	CMD_ASSIGN,		/* arg1: address or name (fields_parse_admin) */
	CMD_PRIORITY,		/* prio: FIELDS_PRIO_HIGH/MEDIUM/LOW */
	CMD_CATEGORY,		/* arg1: category, arg2: subcategory or NULL;
				 * lower-cased, not checked against config */
	CMD_INTERNAL,		/* no argument */
	CMD_PUBLISH,		/* arg1: title or NULL */
	CMD_REASON,		/* arg1: text (required) */
	/* control mail commands, one a line */
	CMD_REASSIGN,		/* number, arg1: address */
	CMD_CTL_REJECT,		/* number, arg1: reason (required) */
	CMD_ROLE,		/* arg1: address, arg2: "user", "admin" or
				 * "root" */
	CMD_GRANT,		/* arg1: address */
	CMD_REVOKE,		/* arg1: address */
	CMD_SKILLS,		/* arg1: address, list/nlist: 1..LIMIT_SKILLS
				 * categories, lower-cased, no duplicates,
				 * "cat" or "cat/sub" */
	CMD_AWAY,		/* arg1: address, until: 0 or the date */
	CMD_BACK,		/* arg1: address */
	CMD_REPORT		/* no argument */
};

struct cmd {
	enum cmd_kind	 kind;
	/*
	 * The line as written, for the transcript: without its line end and
	 * surrounding spaces; invalid UTF-8 and control bytes shown as '?';
	 * a line over LIMIT_COMMAND_LINE_BYTES is cut there and ends in
	 * "...". Never NULL.
	 */
	char		*line;
	char		*arg1;		/* see enum cmd_kind; NULL for
					 * CMD_ERROR and CMD_UNKNOWN */
	char		*arg2;
	long long	 number;	/* ticket number 1..10^12, else 0 */
	/* CMD_ERROR, CMD_UNKNOWN: why, one line, quoting at most
	 * LIMIT_QUOTED_BYTES of the input ("reassign: '4x' is not a
	 * ticket number"); else NULL */
	char		*err;
	char	       **list;		/* CMD_SKILLS */
	size_t		 nlist;
	int		 prio;		/* CMD_PRIORITY: FIELDS_PRIO_* */
	long long	 until;		/* CMD_AWAY: the date at 00:00 UTC as
					 * seconds since the epoch; 0: none */
};

/* The entries of one mail in the order written; owns every string. */
struct cmd_list {
	struct cmd	*v;
	size_t		 n;	/* at most LIMIT_COMMANDS + 1 per parse call */
};

void	command_list_init(struct cmd_list *);
/* Free every entry and string, and zero the list; NULL-safe. */
void	command_list_clear(struct cmd_list *);

/*
 * Parse the admin commands at the very top of a reply body (p, len; no NUL
 * needed; LF or CR LF line ends): after an optional UTF-8 BOM and blank
 * lines, each line whose first non-space byte is '/', until the first line
 * that is not one (a blank line, text, a ">" quote). A '/' line further
 * down is text. Command names compare case-insensitively. Past
 * LIMIT_COMMANDS commands one CMD_ERROR entry is added and the rest are
 * skipped (but still end the block).
 * Entries are appended to *list (init it first; entries already there are
 * kept, and neither counted nor looked at). *rest_off (if not NULL) gets
 * where the comment starts: 0 when there were no commands, else the first
 * non-blank line after them (len when none).
 * Returns 0 when every entry this call added is a valid command (also when
 * there are none), -1 when any is CMD_ERROR or CMD_UNKNOWN.
 */
int	command_parse_admin(const char *p, size_t len, struct cmd_list *list,
	    size_t *rest_off);

/*
 * Parse a root admin's control mail body (p, len; no NUL needed; LF or
 * CR LF line ends): after an optional UTF-8 BOM, each non-blank line is
 * one command, until the end, a signature line ("--" or "-- ") or a ">"
 * quoted line. Every other line counts, so a reply's attribution line
 * ("On Mon, ... wrote:") would be an unknown command: pass a reply's text
 * through quote_strip() first. Words are separated by spaces, tabs or
 * NBSP; command words compare case-insensitively. Ticket numbers are "42"
 * or "#42"; an address may be written "<a@b>" or with a trailing ',' or
 * ';' and must then be a plain addr-spec (fields_is_addr); "away" takes
 * "until YYYY-MM-DD" or just the date (a real calendar date, year
 * 2000..2999). Entries and the cap as for command_parse_admin.
 * Returns 0 when every entry this call added is a valid command (also when
 * there are none), -1 when any is CMD_ERROR or CMD_UNKNOWN.
 */
int	command_parse_control(const char *p, size_t len,
	    struct cmd_list *list);

/* "resolve", "reassign", …, "unknown", "error". Static string. */
const char *command_kind_name(enum cmd_kind);

#endif
