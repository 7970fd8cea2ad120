/*
 * kb.h — the knowledge base's pure parts: an article's text from a
 * resolved ticket with the requester's personal data left out, the
 * admin's edit, the words a search or a suggestion looks for, and the
 * relevance floor of suggestions. No I/O, no database (desk_kb.c does
 * the workflow, db_kb.c the SQL).
 *
 * Personal data left out of published text (kb_scrub), rule by rule:
 *   1. a greeting line at the top ("Hi team,", "Dear Alice,") is dropped;
 *   2. a sign-off ("Thanks,", "Best regards, Alice"), a signature
 *      separator ("--") or a line that is the requester's name alone
 *      (not the first line) and every line after it are dropped: the
 *      name, title, phone and postal address of a signature go with it;
 *   3. mail addresses (x@y.z) become "[address]", and so does the
 *      requester's own address wherever it stands, in any case, even
 *      when it is not of that form ("x@y.--ample") or runs on from a word;
 *   4. phone numbers — 7 to 15 digits in one run of digits, spaces, '-',
 *      '/', '(' and ')', optionally after a '+' — become "[phone]"; a run
 *      with a '.' (an IP address, a version) or an ISO date is kept;
 *   5. the requester's name — their display name, each word of it, and
 *      each part of their address's local part ("alice.smith") of two or
 *      more letters — becomes "[name]" as a whole word, in any case.
 * A word is a run of ASCII letters and digits and non-ASCII bytes; the
 * UTF-8 punctuation « » “ ” ‘ ’ ¡ ¿, dashes, arrows and the no-break
 * space end one (so «alice@example.com» and “Alice” are found).
 * A postal address written in the body outside a signature is not
 * recognised (ticketd(8) CAVEATS): the admin edits or withdraws.
 */
#ifndef TICKETD_KB_H
#define TICKETD_KB_H

#include <stddef.h>

#include "limits.h"

/* Most articles an acknowledgement names. */
#define KB_SUGGEST_MAX		3
/*
 * The relevance floor of a suggestion: the cosine similarity of the
 * ticket's and the article's sets of words (kb_relevance). An article
 * under it is not suggested however well FTS5 ranks it among the others.
 * Chosen with tests/tools/kbbench on the 21,000 labelled tickets (make
 * bench): 300 tickets of four categories as articles; at 0.30 the first
 * half of an article's own ticket (the question asked again) still gets
 * it as the best suggestion 99.3 % of the time, while tickets of the
 * four other categories get any suggestion 28 % of the time instead of
 * 100 % without a floor (16 % at 0.35, 9 % at 0.40, where real questions
 * worded differently start to lose their answer).
 */
#define KB_SUGGEST_FLOOR	0.30
/* FTS5 candidates looked at for the floor. */
#define KB_SUGGEST_CANDIDATES	10
/* Words of a ticket a suggestion's search uses (the first ones). */
#define KB_QUERY_WORDS		32

/* Whose data is left out. */
struct kb_person {
	const char *name;	/* display name, NULL when unknown */
	const char *addr;	/* mail address, NULL when unknown */
};

/* Text (p, len) with the requester's personal data left out (rules
 * above). New string, LF line ends, no blank lines at the ends. */
char	*kb_scrub(const char *p, size_t len, const struct kb_person *);

/*
 * An article's Markdown: "## Problem" and the problem, "## Answer" and
 * the answer (or a line saying there is none yet). New string of at most
 * LIMIT_ARTICLE_BYTES: a problem or an answer longer than KB_PART_BYTES
 * is cut (at a line end when one is near) and says so.
 */
#define KB_PART_BYTES	((LIMIT_ARTICLE_BYTES - 512) / 2)
char	*kb_markdown(const char *problem, const char *answer);

/*
 * An admin's new Markdown for /kb edit: a first line "# Title" sets the
 * title (*title, new string, else NULL; cut to LIMIT_SUBJECT_BYTES; a
 * control byte in it becomes a space) and is taken out of the body (*body,
 * new string, trimmed of blank lines at the ends). Returns 0, or -1 when
 * no body is left (nothing to publish). The caller refuses a body longer
 * than LIMIT_ARTICLE_BYTES.
 */
int	kb_split_edit(const char *p, size_t len, char **title, char **body);

/*
 * The FTS5 query of a suggestion: the first KB_QUERY_WORDS distinct words
 * of the text (classifier.c's words: lower-cased, no stop words), each
 * quoted, joined by OR. New string, or NULL when the text has none.
 */
char	*kb_fts_query(const char *p, size_t len);

/*
 * How much a ticket's text and an article's share: the cosine of their
 * sets of words (classifier.c's words less filler such as "please",
 * "help", "problem"; a plural 's' taken off), 0..1.
 */
double	kb_relevance(const char *ticket, size_t tlen, const char *article,
	    size_t alen);

#endif
