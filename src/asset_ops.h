/*
 * asset_ops.h — the registry's rules (issue 15), the same for a root
 * admin's control mail (desk_asset.c) and ticketctl (ctl_asset.c): a
 * parsed asset_cmd checked against the configuration and the database and
 * applied, each change with an event; an asset and a person's assets
 * described as text; one row of a CSV import checked and applied.
 *
 * Return convention: 1 done, 0 refused (why says it, one line), <0 a
 * database error (DB_TEMP, DB_PERM). Run inside the caller's transaction
 * (a control mail's savepoint, ticketctl's BEGIN), which is rolled back
 * when anything is refused.
 */
#ifndef TICKETD_ASSET_OPS_H
#define TICKETD_ASSET_OPS_H

#include <stddef.h>
#include <time.h>

#include "asset.h"
#include "buf.h"
#include "db_asset.h"

struct db;

struct asset_ctx {
	struct db		*db;
	char *const		*types;		/* [assets] types */
	struct db_asset_actor	 who;
	time_t			 now;
};

/*
 * Apply an "asset add|give|return|status|note|show" or "assets EMAIL"
 * command. Refusals: an unknown tag (give, return, status, note, show), a
 * tag that exists (add), a type not in [assets] types, an owner the desk
 * does not know or whose access is revoked, a retired asset given, a
 * return of an asset in stock, a status it has already, in-use without an
 * owner, in-stock with one. show and assets append their text to out
 * (may be NULL).
 */
int	asset_apply(const struct asset_ctx *, const struct asset_cmd *,
	    struct buf *out, char *why, size_t whysz);

/*
 * The asset tag as text: its fields, its owner history and its tickets
 * (the newest first, at most max_tickets; 0: all). 1, 0 unknown tag, <0.
 */
int	asset_describe(struct db *, const char *tag, size_t max_tickets,
	    struct buf *out, char *why, size_t whysz);

/* The columns a CSV file has besides tag and type: an update changes
 * only those (an empty cell clears the field). */
#define ASSET_COL_MODEL		0x01
#define ASSET_COL_SERIAL	0x02
#define ASSET_COL_OWNER		0x04
#define ASSET_COL_STATUS	0x08
#define ASSET_COL_PURCHASED	0x10
#define ASSET_COL_WARRANTY	0x20
#define ASSET_COL_NOTES		0x40

/* A CSV row of an import: what would happen. */
enum asset_plan { ASSET_PLAN_NEW, ASSET_PLAN_CHANGE, ASSET_PLAN_SAME };

/*
 * One import row (c->op ASSET_OP_ADD with c->note the notes column, NULL
 * when the file has none): checked as "asset add" is, except that an
 * existing tag is an update of the columns in cols (without a status
 * column, the status stays unless the owner changes). *plan says what applying it does, and
 * changes (may be NULL; caller frees) names the changed fields. With
 * apply, it is done. 1 fine, 0 refused (why), <0 error.
 */
int	asset_import_row(const struct asset_ctx *, const struct asset_cmd *c,
	    unsigned cols, int apply, enum asset_plan *plan, char **changes,
	    char *why, size_t whysz);

#endif
