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
 * Lines the parse skipped on purpose (a greeting before the commands, the
 * sign-off, signature or quote that ended them) are listed too, each with
 * why (struct cmd_skip), so that the transcript can say so.
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
	CMD_KB_EDIT,		/* "/kb edit": the text below is the article's
				 * new Markdown; no argument */
	CMD_KB_WITHDRAW,	/* "/kb withdraw": no argument */
	/* the requester's command, at the top of their reply */
	CMD_SOLVED,		/* "/solved": no argument */
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
	CMD_REPORT,		/* no argument */
	CMD_HELP,		/* no argument: ticketd-mail(7) mailed back */
	/* issue 15: IT assets (asset.h parses the words; the caller parses
	 * line again with asset_cmd_parse() for the values) */
	CMD_ASSET,		/* "asset add|give|return|status|show TAG …":
				 * arg1: the tag, upper-cased */
	CMD_ASSET_NOTE,		/* "asset note TAG text" (admins too): arg1:
				 * the tag, arg2: the text */
	CMD_ASSETS,		/* "assets EMAIL": arg1: the address */
	CMD_ASSET_LINK		/* admin "/asset TAG": arg1: the tag */
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

/*
 * A line that was not read as a command on purpose, for the transcript.
 * The lines before the first command come first (end 0), then the line
 * that ended the commands (end 1), at most one per parse call.
 */
struct cmd_skip {
	/* The line as written, shown like cmd.line but cut at
	 * LIMIT_QUOTED_BYTES; "..." for the count of further greeting lines.
	 * Never NULL. */
	char		*line;
	/* Why, one line: "ignored: text before the first command", "end of
	 * the commands (a sign-off); 3 more lines not read (1 of them a
	 * command: not run)". Never NULL. */
	char		*why;
	int		 end;	/* 0: before the commands; 1: their end */
};

/* The entries of one mail in the order written; owns every string. */
struct cmd_list {
	struct cmd	*v;
	size_t		 n;	/* at most LIMIT_COMMANDS + 1 per parse call */
	struct cmd_skip	*skip;	/* at most LIMIT_SKIPPED_LINES + 2 per call */
	size_t		 nskip;
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
 *
 * A greeting may stand before the commands: one line (blank lines around
 * it are fine) that opens with a greeting word ("Hi", "Hello", "Hey",
 * "Dear", "Good morning", "Hallo", "Bonjour", ...; see greetings[] in
 * command.c), has at most 5 words and no punctuation but at its end
 * ("Hi Alice,", "Good morning all!"), and is followed by a '/' line that
 * names an admin command or is one letter off one ("/resolve", "/reslove").
 * It gets a cmd_skip entry and is not part of the comment. Anything else
 * before a '/' line makes the whole reply text, as it always was: "Hi
 * Alice, I fixed it." (a sentence, not a greeting), two lines of text,
 * or a greeting followed by "/etc/hosts" (a path, not a command). So a
 * reply that explains "if it happens again, write:" above "/priority high"
 * never changes the ticket.
 *
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
 * An admin's reply whose commands are not at its top is all text (see
 * command_parse_admin); to tell the admin so, find the first line of p
 * (len; no NUL needed) that is a '/' command by its exact name ("/resolve
 * fixed", not "/etc/hosts" or "/resolved"), skipping quoted lines ('>')
 * and stopping at a signature ("--", "-- "). Returns 1 with the trimmed
 * line at p + *off, *n bytes; 0 when there is none.
 */
int	command_late(const char *p, size_t len, size_t *off, size_t *n);

/*
 * Parse a root admin's control mail body (p, len; no NUL needed; LF or
 * CR LF line ends) the way people write mail:
 *
 * - The commands start at the first line that is a command: its first word
 *   is a command name (any case). The lines before it are a greeting and
 *   are skipped ("Hi,", "Please apply these:"), each with a cmd_skip entry
 *   (the first LIMIT_SKIPPED_LINES, then one that counts the rest) —
 *   unless one looks like a mistyped command, which then starts the
 *   commands as an unknown one and so refuses the mail: a line starting
 *   with '/', or whose first word is one letter off a command name or an
 *   admin command's name ("reasign", "reprot", "report:", "assign") and
 *   which is either that word alone (not ending in ',') or holds an
 *   address or a ticket number ("reasign 42 bob@corp.example"), or one
 *   that has a command name as a later word and holds an address ("Please
 *   reassign 42 to bob@corp.example"). A typo in the first command, or a
 *   command written another way, never lets the others apply.
 * - The commands end at the first line that is a sign-off, a signature or
 *   quoted text, wherever it stands (also before any command); that line
 *   and everything after it are not read, and one cmd_skip entry (end 1)
 *   names it, counts the non-blank lines after it and how many of those
 *   start with a command name (they are not run). The end is:
 *   - a sign-off as debbugs' control@ server takes them (thank, thanks,
 *     thankyou, thank you, quit, stop, kthxbye) and as people write them
 *     (thx, many thanks, cheers, regards, best regards, kind regards, best,
 *     best wishes, all the best, sincerely, bye, and a few in de, fr, es,
 *     it, nl, pt: danke, merci, gracias, grazie, bedankt, obrigado, grüße,
 *     cordialement, ...; see signoffs[] in command.c), in any case, alone
 *     on the line with any trailing ". , ! ; : - ~ )" — or followed by a
 *     comma and anything ("Thanks, Alice"; not for quit and stop), and
 *     the thanks words followed by anything ("Thank you very much!");
 *   - a signature separator, "--" or "-- ";
 *   - quoted text: a line starting with ">", the line before it when that
 *     ends in ':' ("On Mon, 1 Jun 2026, Bob wrote:"), a line of 5 or more
 *     '-' ("-----Original Message-----", "---------- Forwarded message")
 *     or of 5 or more '_' (Outlook's line above a quoted header block).
 * - Inside the commands every non-blank line counts: a line that is not a
 *   command (a typo, a remark) is CMD_UNKNOWN and refuses the whole mail.
 *
 * Words are separated by spaces, tabs or NBSP; command words compare
 * case-insensitively. Ticket numbers are "42" or "#42"; an address may be
 * written "<a@b>" or with a trailing ',' or ';' and must then be a plain
 * addr-spec (fields_is_addr); "away" takes "until YYYY-MM-DD" or just the
 * date (a real calendar date, year 2000..2999). Entries and the cap as for
 * command_parse_admin. A mail without any command gets no entries: the
 * caller decides (pl_control refuses it).
 * Returns 0 when every entry this call added is a valid command (also when
 * there are none), -1 when any is CMD_ERROR or CMD_UNKNOWN.
 */
int	command_parse_control(const char *p, size_t len,
	    struct cmd_list *list);

/*
 * The requester's command at the top of a reply: "/solved" (the ticket is
 * solved, by the knowledge base or otherwise). The same rules as
 * command_parse_admin (a greeting line may stand before it), with
 * "/solved" the only command: any other '/' line in the block is
 * CMD_UNKNOWN. Returns as command_parse_admin.
 */
int	command_parse_requester(const char *p, size_t len,
	    struct cmd_list *list, size_t *rest_off);

/*
 * Lines as people write them, for kb.c's removal of personal data: a
 * greeting line ("Hi Alice,"; see command_parse_admin) and a sign-off
 * line ("Thanks, Bob", "Best regards"; see command_parse_control). The
 * line is [ls, le), trimmed and not blank.
 */
int	command_is_greeting(const char *ls, const char *le);
int	command_is_signoff(const char *ls, const char *le);

/* "resolve", "reassign", …, "unknown", "error". Static string. */
const char *command_kind_name(enum cmd_kind);

#endif
