/*
 * asset.h — the IT asset registry's pure part (issue 15): the syntax of
 * tags, dates and statuses, the [assets] configuration (types and the
 * category → type map of automatic linking), the "asset …" control-mail
 * command and ticketctl's arguments, and the [TAG] tags of a subject.
 * No I/O, no database: asset_ops.c applies a parsed command to the
 * database, desk_asset.c links tickets, ctl_asset.c is ticketctl's part.
 */
#ifndef TICKETD_ASSET_H
#define TICKETD_ASSET_H

#include <stddef.h>

/* Longest tag, type, model, serial and note. */
#define ASSET_TAG_MAX		32
#define ASSET_TYPE_MAX		32
#define ASSET_MODEL_MAX		200
#define ASSET_SERIAL_MAX	100
#define ASSET_NOTE_MAX		1000
/* Most types in [assets] types, most pairs in [assets] link. */
#define ASSET_TYPES_MAX		64
#define ASSET_LINKS_MAX		256
/* "[TAG]" tags of one subject looked up. */
#define ASSET_SUBJECT_TAGS	4

/* The default [assets] types. */
#define ASSET_TYPES_DEFAULT \
	"laptop, desktop, monitor, phone, printer, licence, other"

/*
 * A tag as written ("lap-0042", "LAP-0042"): 2..ASSET_TAG_MAX bytes of
 * ASCII letters, digits, '-', '_' and '.', starting with a letter or a
 * digit and ending with a letter or digit. Tags compare without regard to
 * case and are stored upper-cased: out (ASSET_TAG_MAX + 1 bytes) gets
 * that form. 0, or -1 when p is not a tag.
 */
int	asset_tag_parse(const char *p, size_t len, char *out);

/*
 * A date "YYYY-MM-DD" that exists, year 1970..2999: 0 with out (11 bytes)
 * the same text, or -1.
 */
int	asset_date_parse(const char *p, size_t len, char *out);

/* The statuses, as stored and written in commands. */
#define ASSET_ST_IN_USE		"in-use"
#define ASSET_ST_IN_STOCK	"in-stock"
#define ASSET_ST_IN_REPAIR	"in-repair"
#define ASSET_ST_RETIRED	"retired"
/*
 * "in-use", "in-stock", "in-repair" or "retired" (any case; "in use" with
 * a space or "in_use" too): the stored form (static), or NULL.
 */
const char *asset_status_parse(const char *p, size_t len);

/*
 * [assets] types: a list separated by commas or spaces of
 * 1..ASSET_TYPE_MAX lower-case letters, digits, '-' or '_' (written in any
 * case), no duplicates, 1..ASSET_TYPES_MAX of them. 0 with *types (a new
 * NULL-terminated array, free with asset_types_free), or -1 with why in
 * err.
 */
int	asset_types_parse(const char *s, char ***types, char *err,
	    size_t errsz);
void	asset_types_free(char **types);
/* Is type (any case) one of types? The stored (lower-case) name, or NULL. */
const char *asset_type_find(char *const *types, const char *p, size_t len);

/* One pair of [assets] link: tickets of category (cat or cat/sub) link to
 * the requester's one asset of type. */
struct asset_link {
	char	*category;	/* lower-cased "hardware" or "hardware/laptop" */
	char	*type;		/* lower-cased */
};
/*
 * [assets] link: "cat[/sub]: type" pairs separated by commas, e.g.
 * "hardware/laptop: laptop, hardware/monitor: monitor, network: laptop";
 * each category at most once. When types is not NULL every type must be
 * one of them. 0 with *v, *n (free with asset_links_free), or -1 with
 * why in err. An empty string is no pairs.
 */
int	asset_links_parse(const char *s, char *const *types,
	    struct asset_link **v, size_t *n, char *err, size_t errsz);
void	asset_links_free(struct asset_link *v, size_t n);
/*
 * The type a ticket of category (may be NULL) and subcategory (may be
 * NULL) maps to: the pair for "cat/sub" first, then the one for "cat";
 * NULL when none. Borrowed.
 */
const char *asset_link_type(const struct asset_link *v, size_t n,
	    const char *category, const char *subcategory);

/*
 * The "[TAG]" tags of a subject (p, len), in order, at most max (each
 * out[i] ASSET_TAG_MAX + 1 bytes, upper-cased). Brackets whose inside is
 * not a tag ("[IT #42]", "[hardware/printer]", "[@bob]") are passed over.
 * Returns how many.
 */
size_t	asset_subject_tags(const char *p, size_t len,
	    char (*out)[ASSET_TAG_MAX + 1], size_t max);

enum asset_op {
	ASSET_OP_NONE = 0,
	ASSET_OP_ADD,		/* tag type model [key=value …] */
	ASSET_OP_GIVE,		/* tag owner */
	ASSET_OP_RETURN,	/* tag */
	ASSET_OP_STATUS,	/* tag status */
	ASSET_OP_NOTE,		/* tag text */
	ASSET_OP_SHOW,		/* tag */
	ASSET_OP_LIST		/* "assets EMAIL": owner */
};

/* One parsed command; owns its strings. */
struct asset_cmd {
	enum asset_op	 op;
	char		 tag[ASSET_TAG_MAX + 1];
	char		*type;		/* ADD: lower-cased, not checked
					 * against the configured types */
	char		*model;		/* ADD: "" when "-" */
	char		*serial;	/* ADD: NULL = none */
	char		*owner;		/* ADD (NULL = in stock), GIVE, LIST:
					 * a plain address */
	const char	*status;	/* STATUS, ADD (NULL = by owner):
					 * static */
	char		 warranty[11];	/* ADD: "" = none */
	char		 purchased[11];	/* ADD: "" = none */
	char		*note;		/* NOTE: the text */
};

void	asset_cmd_init(struct asset_cmd *);
void	asset_cmd_clear(struct asset_cmd *);

/*
 * The words after "asset" in a control mail (p, len; one line, valid
 * UTF-8 without control characters, as command.c checks it first):
 *
 *   add TAG TYPE MODEL [serial=S] [owner=EMAIL] [warranty=YYYY-MM-DD]
 *       [purchased=YYYY-MM-DD] [status=STATUS]
 *   give TAG EMAIL | return TAG | status TAG STATUS | note TAG TEXT |
 *   show TAG
 *
 * MODEL is one word or "words in double quotes" ("-" for none); a value
 * may be quoted too. Sub-command and key names in any case. 0 with *c
 * filled (init it first), or -1 with a one-line reason in err (quoting at
 * most LIMIT_QUOTED_BYTES of the input).
 */
int	asset_cmd_parse(const char *p, size_t len, struct asset_cmd *c,
	    char *err, size_t errsz);

/*
 * One key=value of "asset add" (also ticketctl's arguments and a CSV
 * column): serial, owner, warranty, purchased, status. 0, or -1 with err.
 */
int	asset_cmd_set(struct asset_cmd *c, const char *key, size_t klen,
	    const char *val, size_t vlen, char *err, size_t errsz);

/*
 * Free text of a model, a serial or a note: valid UTF-8, no control
 * characters (with multiline, LF and tab are fine), at most max bytes.
 * 1 or 0.
 */
int	asset_text_ok(const char *p, size_t len, size_t max, int multiline);

/* "add", "give", …: the op's name (static). */
const char *asset_op_name(enum asset_op);

#endif
