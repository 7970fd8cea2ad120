/*
 * desk_asset.c — IT assets in the mail workflow (issue 15): the device a
 * new ticket is about (the requester's "Asset: TAG" line, a "[TAG]" in
 * the subject, or the automatic link by category), an admin's /asset TAG,
 * the "asset …" and "assets EMAIL" lines of a control mail, and the
 * assignment notice's paragraph on the requester's devices.
 *
 * Decisions:
 * - A requester may name any device of the registry (a shared printer
 *   too); an unknown tag in the Asset: line is said in the
 *   acknowledgement, never guessed at. A "[WORD]" in the subject links
 *   only when it is a registered tag, so "[urgent]" or "[x86]" never do.
 * - The automatic link needs exactly one device of the mapped type that
 *   is not retired: with two laptops the desk does not guess which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asset.h"
#include "asset_ops.h"
#include "buf.h"
#include "command.h"
#include "db_asset.h"
#include "fields.h"
#include "log.h"
#include "pipeline_impl.h"
#include "xmalloc.h"

/* Earlier tickets of the linked device named in the assignment notice. */
#define NOTE_TICKETS	10
/* Devices of the requester named in it. */
#define NOTE_DEVICES	20

static int
link(struct intake *in, long long ticket, const struct db_asset *a,
    const char *how)
{
	char *d;
	int rc;

	if ((rc = db_asset_link(in->pl->db, ticket, a->id, how,
	    in->now)) != DB_OK)
		return rc;
	d = xasprintf("%s (%s)", a->tag, how);
	rc = db_event_add(in->pl->db, ticket, in->sender, "asset", d,
	    in->now);
	free(d);
	if (rc == DB_OK)
		log_info("ticket #%lld: about asset %s (%s)", ticket, a->tag,
		    how);
	return rc;
}

/* Add a sentence to the acknowledgement's note on the fields. */
static void
add_note(struct newticket *t, const char *text)
{
	char *old = t->fields_note;

	t->fields_note = xasprintf("%s%s%s", old != NULL ? old : "",
	    old != NULL ? " " : "", text);
	free(old);
}

int
pl_asset_new_ticket(struct intake *in, struct newticket *t,
    const char *asset_line)
{
	struct pipeline *pl = in->pl;
	const struct config *cfg = pl->cfg;
	char tags[ASSET_SUBJECT_TAGS][ASSET_TAG_MAX + 1], tag[ASSET_TAG_MAX + 1];
	char *cat = NULL, *sub, *msg;
	const char *type, *subj = in->m.subject != NULL ? in->m.subject : "";
	struct db_asset a;
	size_t n, i, count;
	long long id;
	int rc;

	/* the requester's Asset: line */
	if (asset_line != NULL) {
		if (asset_tag_parse(asset_line, strlen(asset_line), tag) == 0) {
			rc = db_asset_get(pl->db, tag, &a);
			if (rc == 0) {
				rc = link(in, t->number, &a, "header");
				db_asset_clear(&a);
				return rc;
			}
			if (rc < 0)
				return rc;
		}
		msg = xasprintf("There is no device \"%s\" in the registry, "
		    "so the ticket names none (the tag is on its sticker, "
		    "e.g. LAP-0042).", asset_line);
		add_note(t, msg);
		free(msg);
	}
	/* [TAG] in the subject: the first registered one */
	n = asset_subject_tags(subj, strlen(subj), tags, ASSET_SUBJECT_TAGS);
	for (i = 0; i < n; i++) {
		rc = db_asset_get(pl->db, tags[i], &a);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			rc = link(in, t->number, &a, "subject");
			db_asset_clear(&a);
			return rc;
		}
	}
	/* the category's type, when the requester has exactly one */
	if (t->category == NULL || cfg->assets.nlinks == 0)
		return DB_OK;
	cat = xstrdup(t->category);
	sub = strchr(cat, '/');
	if (sub != NULL)
		*sub++ = '\0';
	type = asset_link_type(cfg->assets.links, cfg->assets.nlinks, cat,
	    sub);
	rc = DB_OK;
	if (type != NULL && (rc = db_asset_owned_of_type(pl->db, in->sender,
	    type, &id, &count)) == DB_OK && count == 1 &&
	    (rc = db_asset_by_id(pl->db, id, &a)) == DB_OK) {
		rc = link(in, t->number, &a, "auto");
		db_asset_clear(&a);
	}
	free(cat);
	return rc;
}

int
pl_asset_link_cmd(struct intake *in, const struct db_ticket_info *ti,
    const char *tag, char *why, size_t whysz)
{
	struct db_asset a;
	int rc;

	rc = db_asset_get(in->pl->db, tag, &a);
	if (rc == 1) {
		snprintf(why, whysz, "there is no asset %s", tag);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = link(in, ti->number, &a, "admin");
	db_asset_clear(&a);
	return rc == DB_OK ? 1 : rc;
}

int
pl_asset_control(struct intake *in, const struct cmd *c, struct buf *out,
    char *why, size_t whysz)
{
	struct asset_ctx x;
	struct asset_cmd ac;
	const char *p = c->line;
	char err[256];
	int rc;

	asset_cmd_init(&ac);
	if (c->kind == CMD_ASSETS) {
		ac.op = ASSET_OP_LIST;
		ac.owner = xstrdup(c->arg1);
	} else {
		/* command.c checked the line; its values, once more */
		while (*p == ' ' || *p == '\t')
			p++;
		p += strlen("asset");
		if (asset_cmd_parse(p, strlen(p), &ac, err, sizeof(err)) ==
		    -1) {
			snprintf(why, whysz, "asset: %s", err);
			asset_cmd_clear(&ac);
			return 0;
		}
	}
	memset(&x, 0, sizeof(x));
	x.db = in->pl->db;
	x.types = in->pl->cfg->assets.types;
	x.who.id = in->sender;
	x.who.name = in->m.from_addr;
	x.now = in->now;
	rc = asset_apply(&x, &ac, out, why, whysz);
	if (rc == 1 && out != NULL && (ac.op == ASSET_OP_SHOW ||
	    ac.op == ASSET_OP_LIST))
		buf_addch(out, '\n');
	asset_cmd_clear(&ac);
	return rc;
}

/* The notice's paragraph. */
struct note {
	struct buf	 b;
	size_t		 n;
};

static void
device_cb(const struct db_asset *a, void *arg)
{
	struct note *nt = arg;

	if (nt->n++ >= NOTE_DEVICES)
		return;
	buf_printf(&nt->b, "%s%s (%s", nt->n > 1 ? ", " : "", a->tag,
	    a->type);
	if (a->model[0] != '\0')
		buf_printf(&nt->b, ", %s", a->model);
	if (strcmp(a->status, ASSET_ST_IN_USE) != 0)
		buf_printf(&nt->b, ", %s", a->status);
	buf_addch(&nt->b, ')');
}

static void
earlier_cb(const struct db_asset_ticket *t, void *arg)
{
	struct note *nt = arg;

	buf_printf(&nt->b, "%s#%lld %s (%s)", nt->n++ > 0 ? "; " : "",
	    t->number, t->subject, t->status);
}

static const char *
how_text(const char *how)
{
	if (how == NULL)
		return "linked";
	if (strcmp(how, "header") == 0)
		return "named in the Asset: line";
	if (strcmp(how, "subject") == 0)
		return "named in the subject";
	if (strcmp(how, "auto") == 0)
		return "the requester's only device of the ticket's category";
	if (strcmp(how, "admin") == 0)
		return "linked by an admin";
	return "linked";
}

char *
pl_assets_note(struct pipeline *pl, long long requester, long long ticket,
    const char *requester_addr, time_t now)
{
	struct db_asset a;
	struct note nt;
	struct tm tm;
	char today[16], *how = NULL, *out = NULL;
	size_t before, devices;
	int rc, linked;

	buf_init(&nt.b, 64 * 1024);
	nt.n = 0;
	buf_printf(&nt.b, "Devices of %s: ", requester_addr);
	before = nt.b.len;
	if (db_asset_of_owner(pl->db, requester, device_cb, &nt) != DB_OK)
		goto done;
	if (nt.n > NOTE_DEVICES)
		buf_printf(&nt.b, " and %zu more", nt.n - NOTE_DEVICES);
	devices = nt.n;
	if (nt.b.len == before)
		buf_addstr(&nt.b, "none in the registry");
	buf_addstr(&nt.b, ".");
	rc = db_asset_of_ticket(pl->db, ticket, &a, &how);
	if (rc < 0)
		goto done;
	linked = rc == 0;
	/* a desk without assets says nothing */
	if (!linked && devices == 0)
		goto done;
	if (linked) {
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(today, sizeof(today), "%Y-%m-%d", &tm) == 0)
			today[0] = '\0';
		buf_printf(&nt.b, "\nThis ticket is about %s (%s%s%s; %s). ",
		    a.tag, a.type, a.model[0] != '\0' ? ", " : "", a.model,
		    how_text(how));
		if (a.warranty == NULL)
			buf_addstr(&nt.b, "Warranty: not recorded.");
		else if (strcmp(a.warranty, today) >= 0)
			buf_printf(&nt.b, "Warranty: valid until %s.",
			    a.warranty);
		else
			buf_printf(&nt.b, "Warranty: ended on %s.", a.warranty);
		buf_addstr(&nt.b, "\nEarlier tickets about it: ");
		nt.n = 0;
		before = nt.b.len;
		rc = db_asset_tickets(pl->db, a.id, ticket, NOTE_TICKETS,
		    earlier_cb, &nt);
		if (nt.b.len == before)
			buf_addstr(&nt.b, "none");
		buf_addstr(&nt.b, ".");
		db_asset_clear(&a);
		if (rc != DB_OK)
			goto done;
	}
	out = buf_steal(&nt.b, NULL);
done:
	free(how);
	buf_clear(&nt.b);
	return out;
}
