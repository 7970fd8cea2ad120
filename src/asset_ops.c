/*
 * asset_ops.c — the registry's rules, for mail and ticketctl alike (see
 * asset_ops.h).
 *
 * Decisions:
 * - An owner must be someone the desk knows (they wrote to it, or a root
 *   admin added them) and whose access is not revoked: a device is never
 *   handed to a typo or to someone who left.
 * - Owner and status go together: an asset with an owner is not in
 *   stock, and one without is not in use; give and return set both.
 *   In repair and retired hold either way (a repair of someone's laptop).
 * - A refusal changes nothing; every change writes one event with the
 *   actor and the time, the owner after it where the owner changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asset_ops.h"
#include "db.h"
#include "xmalloc.h"

static void
when(long long t, char *buf, size_t sz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, sz, "?");
}

/* The owner named by addr: 1 and *id, 0 refused, <0 error. */
static int
owner_ok(const struct asset_ctx *x, const char *addr, long long *id,
    char *why, size_t whysz)
{
	const char *role;
	int rc;

	rc = db_asset_person(x->db, addr, id, &role);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		snprintf(why, whysz, "%s is not known to the desk (they write "
		    "to it first, or: ticketctl user add)", addr);
		return 0;
	}
	if (strcmp(role, "blocked") == 0) {
		snprintf(why, whysz, "%s may not use the desk (revoked)",
		    addr);
		return 0;
	}
	return 1;
}

/* Owner and status together (see the top). NULL, or why not. */
static const char *
status_clash(long long owner, const char *status)
{
	if (owner != 0 && strcmp(status, ASSET_ST_IN_STOCK) == 0)
		return "an asset with an owner is not in stock (asset return "
		    "takes it back)";
	if (owner == 0 && strcmp(status, ASSET_ST_IN_USE) == 0)
		return "an asset without an owner is not in use (asset give "
		    "hands it out)";
	return NULL;
}

/* Look tag up: 1 and *a, 0 unknown (why), <0. */
static int
find(const struct asset_ctx *x, const char *tag, struct db_asset *a,
    char *why, size_t whysz)
{
	int rc = db_asset_get(x->db, tag, a);

	if (rc == 1) {
		snprintf(why, whysz, "there is no asset %s", tag);
		return 0;
	}
	return rc < 0 ? rc : 1;
}

static int
op_add(const struct asset_ctx *x, const struct asset_cmd *c, char *why,
    size_t whysz)
{
	struct db_asset_new n;
	struct db_asset a;
	const char *type, *clash;
	long long owner = 0, id;
	int rc;

	rc = db_asset_get(x->db, c->tag, &a);
	db_asset_clear(&a);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		snprintf(why, whysz, "asset %s exists already", c->tag);
		return 0;
	}
	type = asset_type_find(x->types, c->type, strlen(c->type));
	if (type == NULL) {
		snprintf(why, whysz, "'%s' is not a type of [assets] types",
		    c->type);
		return 0;
	}
	if (c->owner != NULL && (rc = owner_ok(x, c->owner, &owner, why,
	    whysz)) != 1)
		return rc;
	memset(&n, 0, sizeof(n));
	n.tag = c->tag;
	n.type = type;
	n.model = c->model != NULL ? c->model : "";
	n.serial = c->serial;
	n.owner_id = owner;
	n.status = c->status != NULL ? c->status : owner != 0 ?
	    ASSET_ST_IN_USE : ASSET_ST_IN_STOCK;
	if ((clash = status_clash(owner, n.status)) != NULL) {
		snprintf(why, whysz, "%s", clash);
		return 0;
	}
	n.purchased = c->purchased[0] != '\0' ? c->purchased : NULL;
	n.warranty = c->warranty[0] != '\0' ? c->warranty : NULL;
	n.notes = c->note;
	rc = db_asset_add(x->db, &n, &x->who, x->now, &id);
	return rc == DB_OK ? 1 : rc;
}

static int
op_give(const struct asset_ctx *x, const struct db_asset *a,
    const struct asset_cmd *c, char *why, size_t whysz)
{
	long long owner;
	char *from = NULL;
	int rc;

	if (strcmp(a->status, ASSET_ST_RETIRED) == 0) {
		snprintf(why, whysz, "%s is retired", a->tag);
		return 0;
	}
	if ((rc = owner_ok(x, c->owner, &owner, why, whysz)) != 1)
		return rc;
	if (owner == a->owner_id) {
		snprintf(why, whysz, "%s has %s already", c->owner, a->tag);
		return 0;
	}
	if (a->owner != NULL)
		from = xasprintf("from %s", a->owner);
	if ((rc = db_asset_set_owner(x->db, a->id, owner, ASSET_ST_IN_USE,
	    x->now)) == DB_OK)
		rc = db_asset_event(x->db, a->id, &x->who, "given", from,
		    owner, x->now);
	free(from);
	return rc == DB_OK ? 1 : rc;
}

static int
op_return(const struct asset_ctx *x, const struct db_asset *a, char *why,
    size_t whysz)
{
	char *from;
	int rc;

	if (a->owner_id == 0) {
		snprintf(why, whysz, "%s is in stock already (nobody has it)",
		    a->tag);
		return 0;
	}
	from = xasprintf("from %s", a->owner != NULL ? a->owner : "?");
	if ((rc = db_asset_set_owner(x->db, a->id, 0,
	    strcmp(a->status, ASSET_ST_RETIRED) == 0 ? ASSET_ST_RETIRED :
	    ASSET_ST_IN_STOCK, x->now)) == DB_OK)
		rc = db_asset_event(x->db, a->id, &x->who, "returned", from, 0,
		    x->now);
	free(from);
	return rc == DB_OK ? 1 : rc;
}

static int
op_status(const struct asset_ctx *x, const struct db_asset *a,
    const struct asset_cmd *c, char *why, size_t whysz)
{
	const char *clash;
	char *d;
	int rc;

	if (strcmp(a->status, c->status) == 0) {
		snprintf(why, whysz, "%s is %s already", a->tag, c->status);
		return 0;
	}
	if ((clash = status_clash(a->owner_id, c->status)) != NULL) {
		snprintf(why, whysz, "%s", clash);
		return 0;
	}
	d = xasprintf("%s -> %s", a->status, c->status);
	if ((rc = db_asset_set_status(x->db, a->id, c->status,
	    x->now)) == DB_OK)
		rc = db_asset_event(x->db, a->id, &x->who, "status", d, 0,
		    x->now);
	free(d);
	return rc == DB_OK ? 1 : rc;
}

static int
op_note(const struct asset_ctx *x, const struct db_asset *a,
    const struct asset_cmd *c)
{
	char day[32], *line;
	int rc;

	when(x->now, day, sizeof(day));
	day[10] = '\0';
	line = xasprintf("%s %s: %s", day, x->who.name, c->note);
	if ((rc = db_asset_add_note(x->db, a->id, line, x->now)) == DB_OK)
		rc = db_asset_event(x->db, a->id, &x->who, "note", c->note, 0,
		    x->now);
	free(line);
	return rc == DB_OK ? 1 : rc;
}

static void
held_cb(const struct db_asset *a, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "  %s  %s%s%s, %s", a->tag, a->type,
	    a->model[0] != '\0' ? ", " : "", a->model, a->status);
	if (a->warranty != NULL)
		buf_printf(b, ", warranty until %s", a->warranty);
	buf_printf(b, ", %lld ticket%s\n", a->tickets, a->tickets == 1 ? "" :
	    "s");
}

static int
op_list(const struct asset_ctx *x, const struct asset_cmd *c,
    struct buf *out, char *why, size_t whysz)
{
	const char *role;
	long long id;
	size_t before;
	int rc;

	rc = db_asset_person(x->db, c->owner, &id, &role);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		snprintf(why, whysz, "%s is not known to the desk", c->owner);
		return 0;
	}
	if (out == NULL)
		return 1;
	buf_printf(out, "Assets of %s:\n", c->owner);
	before = out->len;
	if ((rc = db_asset_of_owner(x->db, id, held_cb, out)) != DB_OK)
		return rc;
	if (out->len == before)
		buf_addstr(out, "  (none)\n");
	return 1;
}

int
asset_apply(const struct asset_ctx *x, const struct asset_cmd *c,
    struct buf *out, char *why, size_t whysz)
{
	struct db_asset a;
	int rc;

	switch (c->op) {
	case ASSET_OP_ADD:
		return op_add(x, c, why, whysz);
	case ASSET_OP_LIST:
		return op_list(x, c, out, why, whysz);
	case ASSET_OP_SHOW:
		if (out == NULL)
			return 1;
		return asset_describe(x->db, c->tag, 0, out, why, whysz);
	case ASSET_OP_NONE:
		snprintf(why, whysz, "no asset command");
		return 0;
	default:
		break;
	}
	if ((rc = find(x, c->tag, &a, why, whysz)) != 1)
		return rc;
	switch (c->op) {
	case ASSET_OP_GIVE:
		rc = op_give(x, &a, c, why, whysz);
		break;
	case ASSET_OP_RETURN:
		rc = op_return(x, &a, why, whysz);
		break;
	case ASSET_OP_STATUS:
		rc = op_status(x, &a, c, why, whysz);
		break;
	case ASSET_OP_NOTE:
		rc = op_note(x, &a, c);
		break;
	default:
		rc = 0;
		break;
	}
	db_asset_clear(&a);
	return rc;
}

struct desc {
	struct buf	*b;
	size_t		 n;
};

static void
hist_cb(const struct db_asset_event_row *r, void *arg)
{
	struct desc *d = arg;
	char t[64];

	when(r->at, t, sizeof(t));
	buf_printf(d->b, "  %s  %s by %s", t, r->kind, r->actor);
	if (r->owner_change)
		buf_printf(d->b, "; owner: %s", r->owner != NULL ? r->owner :
		    "none (in stock)");
	if (r->detail != NULL)
		buf_printf(d->b, " (%s)", r->detail);
	buf_addch(d->b, '\n');
	d->n++;
}

static void
ticket_cb(const struct db_asset_ticket *t, void *arg)
{
	struct desc *d = arg;
	char w[64];

	when(t->created_at, w, sizeof(w));
	w[10] = '\0';
	buf_printf(d->b, "  #%lld %s (%s, %s, from %s)\n", t->number,
	    t->subject, t->status, w, t->requester);
	d->n++;
}

int
asset_describe(struct db *db, const char *tag, size_t max_tickets,
    struct buf *out, char *why, size_t whysz)
{
	struct db_asset a;
	struct desc d;
	int rc;

	rc = db_asset_get(db, tag, &a);
	if (rc == 1) {
		snprintf(why, whysz, "there is no asset %s", tag);
		return 0;
	}
	if (rc < 0)
		return rc;
	buf_printf(out, "Asset %s: %s%s%s\n", a.tag, a.type,
	    a.model[0] != '\0' ? ", " : "", a.model);
	buf_printf(out, "Status: %s; owner: %s\n", a.status, a.owner != NULL ?
	    a.owner : "none (in stock)");
	buf_printf(out, "Serial: %s; purchased: %s; warranty until: %s\n",
	    a.serial != NULL ? a.serial : "-",
	    a.purchased != NULL ? a.purchased : "-",
	    a.warranty != NULL ? a.warranty : "-");
	if (a.notes != NULL && a.notes[0] != '\0')
		buf_printf(out, "Notes:\n%s\n", a.notes);
	buf_addstr(out, "History:\n");
	d.b = out;
	d.n = 0;
	if ((rc = db_asset_history(db, a.id, hist_cb, &d)) != DB_OK)
		goto done;
	buf_printf(out, "Tickets (%lld):\n", a.tickets);
	d.n = 0;
	if ((rc = db_asset_tickets(db, a.id, 0, max_tickets, ticket_cb,
	    &d)) != DB_OK)
		goto done;
	if (d.n == 0)
		buf_addstr(out, "  (none)\n");
	rc = 1;
done:
	db_asset_clear(&a);
	return rc;
}

/* Append "name: old -> new" to ch when the two differ. */
static void
diff(struct buf *ch, const char *name, const char *old, const char *new)
{
	if (old == NULL)
		old = "";
	if (new == NULL)
		new = "";
	if (strcmp(old, new) == 0)
		return;
	buf_printf(ch, "%s%s: %s -> %s", ch->len > 0 ? "; " : "", name,
	    old[0] != '\0' ? old : "-", new[0] != '\0' ? new : "-");
}

int
asset_import_row(const struct asset_ctx *x, const struct asset_cmd *c,
    unsigned cols, int apply, enum asset_plan *plan, char **changes,
    char *why, size_t whysz)
{
	struct db_asset_new n;
	struct db_asset a;
	struct buf ch;
	const char *type, *clash;
	long long owner = 0, id;
	int rc, exists, owner_moved;

	if (changes != NULL)
		*changes = NULL;
	type = asset_type_find(x->types, c->type, strlen(c->type));
	if (type == NULL) {
		snprintf(why, whysz, "'%s' is not a type of [assets] types",
		    c->type);
		return 0;
	}
	if (c->owner != NULL && (rc = owner_ok(x, c->owner, &owner, why,
	    whysz)) != 1)
		return rc;
	rc = db_asset_get(x->db, c->tag, &a);
	if (rc < 0)
		return rc;
	exists = rc == 0;
	memset(&n, 0, sizeof(n));
	n.tag = c->tag;
	n.type = type;
	n.model = c->model != NULL ? c->model : "";
	n.serial = c->serial;
	n.owner_id = owner;
	n.status = c->status != NULL ? c->status : owner != 0 ?
	    ASSET_ST_IN_USE : ASSET_ST_IN_STOCK;
	n.purchased = c->purchased[0] != '\0' ? c->purchased : NULL;
	n.warranty = c->warranty[0] != '\0' ? c->warranty : NULL;
	n.notes = c->note;
	if (exists) {
		/* an update: the columns the file does not have stay */
		if (!(cols & ASSET_COL_OWNER))
			owner = n.owner_id = a.owner_id;
		if (!(cols & ASSET_COL_MODEL))
			n.model = a.model;
		if (!(cols & ASSET_COL_SERIAL))
			n.serial = a.serial;
		if (!(cols & ASSET_COL_PURCHASED))
			n.purchased = a.purchased;
		if (!(cols & ASSET_COL_WARRANTY))
			n.warranty = a.warranty;
		if (!(cols & ASSET_COL_NOTES))
			n.notes = a.notes;
		if (!(cols & ASSET_COL_STATUS) && owner == a.owner_id)
			n.status = a.status;
		else if (!(cols & ASSET_COL_STATUS))
			n.status = owner != 0 ? ASSET_ST_IN_USE :
			    ASSET_ST_IN_STOCK;
	}
	if ((clash = status_clash(owner, n.status)) != NULL) {
		snprintf(why, whysz, "%s", clash);
		db_asset_clear(&a);
		return 0;
	}
	if (!exists) {
		*plan = ASSET_PLAN_NEW;
		rc = apply ? db_asset_add(x->db, &n, &x->who, x->now, &id) :
		    DB_OK;
		return rc == DB_OK ? 1 : rc;
	}
	buf_init(&ch, 64 * 1024);
	diff(&ch, "type", a.type, n.type);
	diff(&ch, "model", a.model, n.model);
	diff(&ch, "serial", a.serial, n.serial);
	diff(&ch, "status", a.status, n.status);
	diff(&ch, "purchased", a.purchased, n.purchased);
	diff(&ch, "warranty", a.warranty, n.warranty);
	diff(&ch, "notes", a.notes, n.notes);
	owner_moved = a.owner_id != owner;
	if (owner_moved)
		diff(&ch, "owner", a.owner, owner != 0 ? c->owner : NULL);
	*plan = ch.len > 0 ? ASSET_PLAN_CHANGE : ASSET_PLAN_SAME;
	rc = DB_OK;
	if (apply && *plan == ASSET_PLAN_CHANGE) {
		rc = db_asset_update(x->db, a.id, &n, x->now);
		if (rc == DB_OK && owner_moved)
			rc = db_asset_event(x->db, a.id, &x->who, owner != 0 ?
			    "given" : "returned", "import", owner, x->now);
		if (rc == DB_OK)
			rc = db_asset_event(x->db, a.id, &x->who, "changed",
			    ch.data, 0, x->now);
	}
	if (changes != NULL && ch.len > 0)
		*changes = buf_steal(&ch, NULL);
	buf_clear(&ch);
	db_asset_clear(&a);
	return rc == DB_OK ? 1 : rc;
}
