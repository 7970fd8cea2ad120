/*
 * fields.h — the ticket fields a requester sets by mail: priority,
 * category/subcategory and admin choice, from subject tags ("[high]",
 * "[hardware/printer]", "[@bob]") and from pseudo-headers at the top of the
 * body ("Priority: high"). Pure: no I/O, no database. fields.c only
 * extracts; the caller checks the category against [categories] and the
 * admin against its users, and says what it refused.
 *
 * Precedence: call fields_from_subject() first, then fields_from_body() on
 * the same struct: a value the body gives replaces the subject's. Within
 * one call the first value wins and a later different one sets a
 * *_CONFLICT flag.
 */
#ifndef TICKETD_FIELDS_H
#define TICKETD_FIELDS_H

#include <stddef.h>

#include "config.h"

#define FIELDS_PRIO_NONE	0
#define FIELDS_PRIO_HIGH	1
#define FIELDS_PRIO_MEDIUM	2
#define FIELDS_PRIO_LOW		3

/* struct fields flags: two different values of a kind in one text … */
#define FIELDS_F_PRIO_CONFLICT	0x01
#define FIELDS_F_CAT_CONFLICT	0x02
#define FIELDS_F_ADMIN_CONFLICT	0x04
/* … a bad value ("Priority: whenever"), kept in bad_priority etc. */
#define FIELDS_F_BAD_PRIO	0x08
#define FIELDS_F_BAD_CAT	0x10
#define FIELDS_F_BAD_ADMIN	0x20

struct fields {
	int	 priority;	/* FIELDS_PRIO_* */
	char	*category;	/* lower-cased, or NULL */
	char	*subcategory;	/* lower-cased, or NULL (also NULL when no
				 * category) */
	char	*admin;		/* a name ("bob") or an address
				 * ("bob@corp.example") as written, or NULL */
	int	 flags;		/* FIELDS_F_* */
	/*
	 * The first bad value of each kind as written (for "unknown priority
	 * 'whenever'"): valid UTF-8, no control characters, at most
	 * LIMIT_QUOTED_BYTES plus "..." when cut. NULL when none. A bad value
	 * leaves the field as it was.
	 */
	char	*bad_priority;
	char	*bad_category;
	char	*bad_admin;
	/*
	 * issue 15: "Asset: TAG" (fields_from_body only), the value as
	 * written (shown safely like bad_*; the first one wins); the caller
	 * checks it is a tag of the registry. NULL when none.
	 */
	char	*asset;
};

/* Zero a struct fields (FIELDS_PRIO_NONE, all NULL). */
void	fields_init(struct fields *);
/* Free every string and zero the struct; NULL-safe. */
void	fields_clear(struct fields *);

/*
 * Read the tags from a subject (p, len; no NUL needed):
 *  - priority: [high] [medium] [low] [urgent]=high [P1]=high [P2]=medium
 *    [P3]=low, any case, no spaces inside the brackets;
 *  - category: [cat] or [cat/sub], any case, stored lower-cased, and only
 *    when cat names one of the ncats configured categories (cats may be
 *    NULL when ncats is 0): "[x86]", "[TCP/IP]" stay in the title. The
 *    subcategory is not checked here (the caller says "unknown
 *    subcategory");
 *  - admin: [@name] or [@address] ("[@bob]", "[@bob@corp.example]").
 * Anything else in brackets ("[IT #42]", "[URGENT!!]", "[ high ]") is left.
 * Found values go into *f as described at the top.
 * If title is not NULL, *title gets a new string: the subject without the
 * recognised tags, control characters and NBSP turned into spaces, runs
 * of spaces collapsed into one, trimmed; it may be "" (the caller then
 * substitutes "(no subject)"). Bytes >= 0x80 are copied unchanged.
 * Returns the number of tags recognised (0 when none).
 */
int	fields_from_subject(const char *p, size_t len,
	    const struct config_category *cats, size_t ncats,
	    struct fields *f, char **title);

/*
 * Read pseudo-headers from the top of a body (p, len; no NUL needed):
 * after an optional UTF-8 BOM and blank lines, every line of the form
 * "Key: value" with Key one of Priority, Category, Admin, Asset (any case; spaces
 * allowed before the key, around the colon, and NBSP as a space) until the
 * first line that is not one. A line with one of those keys is consumed
 * even when its value is bad; the bad value sets FIELDS_F_BAD_* and
 * bad_* and does not change the field. Values: priority words as in the
 * subject (without brackets); "cat" or "cat/sub" (letters, digits, '-',
 * '_'; spaces around '/' allowed); an address, "Name <address>" (the
 * address is kept), "@name" or a name (see fields_parse_admin).
 * *rest_off (if not NULL) gets the offset where the rest of the body
 * starts: 0 when no pseudo-header was found, else the first non-blank line
 * after them (len when there is none). LF and CR LF line ends.
 * Returns the number of pseudo-header lines consumed.
 */
int	fields_from_body(const char *p, size_t len, struct fields *f,
	    size_t *rest_off);

/* "high", "medium", "low", or "none" for anything else. Static string. */
const char *fields_priority_name(int prio);

/*
 * The building blocks, also used by command.c. Each takes (p, len), trims
 * spaces/tabs/NBSP around the value, and never relies on a NUL.
 */

/* high|urgent|p1 → HIGH, medium|p2 → MEDIUM, low|p3 → LOW (any case);
 * FIELDS_PRIO_NONE for anything else. */
int	fields_parse_priority(const char *p, size_t len);

/*
 * "cat" or "cat/sub" (names of 1..LIMIT_CATEGORY_BYTES letters, digits,
 * '-' or '_'; spaces around the '/' allowed). Returns 0 with *cat and *sub
 * new lower-cased strings (*sub NULL when absent), or -1 (nothing set).
 */
int	fields_parse_category(const char *p, size_t len, char **cat,
	    char **sub);

/*
 * An admin as a requester or an admin writes it: "bob@corp.example",
 * "<bob@corp.example>", "Bob Smith <bob@corp.example>" (the address is
 * returned), "@bob" (the '@' dropped), or a name ("bob", "Bob Smith":
 * valid UTF-8, no control characters, none of <>@,;:"[]()\/, inner spaces
 * collapsed, at most LIMIT_NAME_BYTES). New string, or NULL when it is
 * none of those.
 */
char	*fields_parse_admin(const char *p, size_t len);

/*
 * Is (p, len) exactly a plain addr-spec as we accept it: at most
 * LIMIT_ADDR_BYTES, one '@', a local part of atext and dots (no leading,
 * trailing or double dot), a domain of dot-separated non-empty labels of
 * letters, digits and '-', no spaces or control characters; bytes >= 0x80
 * (internationalised addresses) allowed when they are valid UTF-8.
 * Returns 1 or 0.
 */
int	fields_is_addr(const char *p, size_t len);

#endif
