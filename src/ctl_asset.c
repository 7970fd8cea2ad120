/*
 * ctl_asset.c — ticketctl's IT asset registry (issue 15):
 *
 *   ticketctl -c FILE asset add TAG TYPE MODEL [serial=S] [owner=EMAIL]
 *                               [warranty=DATE] [purchased=DATE]
 *                               [status=STATUS]
 *   ticketctl -c FILE asset give TAG EMAIL | return TAG |
 *                           status TAG STATUS | note TAG TEXT…
 *   ticketctl -c FILE asset list [--type T] [--status S]
 *                           [--owner EMAIL|none] [--warranty-days N] [--json]
 *   ticketctl -c FILE asset show [--json] TAG
 *   ticketctl -c FILE asset import [--dry-run] FILE.csv
 *   ticketctl -c FILE asset export > FILE.csv
 *
 * The same rules as the control mail (asset_ops.c); the actor of the
 * events is "ticketctl (USER)". An import checks every row first and
 * writes nothing when any is bad.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "asset.h"
#include "asset_ops.h"
#include "clock.h"
#include "config.h"
#include "csv.h"
#include "ctl.h"
#include "db.h"
#include "db_asset.h"
#include "json.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

static struct db *
open_rw(const struct config *cfg)
{
	struct db *db;
	char *errstr = NULL;

	db = db_open(cfg->helpdesk.database, 0, &errstr, NULL);
	if (db == NULL) {
		fprintf(stderr, "ticketctl: %s\n", errstr);
		free(errstr);
		exit(1);
	}
	return db;
}

static void
ctx_init(struct asset_ctx *x, const struct config *cfg, struct db *db,
    char *name, size_t namesz)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(name, namesz, "ticketctl (%s)", pw != NULL ? pw->pw_name :
	    "?");
	memset(x, 0, sizeof(*x));
	x->db = db;
	x->types = cfg->assets.types;
	x->who.id = 0;
	x->who.name = name;
	x->now = clock_now();
}

static int
tag_arg(const char *s, char *tag)
{
	if (asset_tag_parse(s, strlen(s), tag) == -1) {
		fprintf(stderr, "ticketctl: '%s' is not an asset tag (letters, "
		    "digits, '-', '_', '.', e.g. LAP-0042)\n", s);
		return -1;
	}
	return 0;
}

/* add/give/return/status/note: argv after "asset". */
static int
change(const struct config *cfg, int argc, char *argv[])
{
	struct asset_cmd c;
	struct asset_ctx x;
	struct buf note;
	struct db *db;
	const char *eq;
	char err[512], why[1024], name[128];
	int i, rc;

	asset_cmd_init(&c);
	if (argc < 2 || tag_arg(argv[1], c.tag) == -1)
		return EX_USAGE;
	if (strcmp(argv[0], "add") == 0 && argc >= 4) {
		c.op = ASSET_OP_ADD;
		c.type = xstrdup(argv[2]);
		for (i = 0; c.type[i] != '\0'; i++)
			if (c.type[i] >= 'A' && c.type[i] <= 'Z')
				c.type[i] = (char)(c.type[i] + 32);
		if (!asset_text_ok(argv[3], strlen(argv[3]), ASSET_MODEL_MAX,
		    0)) {
			fprintf(stderr, "ticketctl: not a model: control "
			    "characters, or longer than %d bytes\n",
			    ASSET_MODEL_MAX);
			goto fail;
		}
		c.model = xstrdup(strcmp(argv[3], "-") == 0 ? "" : argv[3]);
		for (i = 4; i < argc; i++) {
			eq = strchr(argv[i], '=');
			if (eq == NULL) {
				fprintf(stderr, "ticketctl: '%s': expected "
				    "key=value\n", argv[i]);
				goto fail;
			}
			if (asset_cmd_set(&c, argv[i], (size_t)(eq - argv[i]),
			    eq + 1, strlen(eq + 1), err, sizeof(err)) == -1) {
				fprintf(stderr, "ticketctl: %s\n", err);
				goto fail;
			}
		}
	} else if (strcmp(argv[0], "give") == 0 && argc == 3) {
		if (asset_cmd_set(&c, "owner", 5, argv[2], strlen(argv[2]),
		    err, sizeof(err)) == -1) {
			fprintf(stderr, "ticketctl: %s\n", err);
			goto fail;
		}
		c.op = ASSET_OP_GIVE;
	} else if (strcmp(argv[0], "return") == 0 && argc == 2) {
		c.op = ASSET_OP_RETURN;
	} else if (strcmp(argv[0], "status") == 0 && argc == 3) {
		c.op = ASSET_OP_STATUS;
		if ((c.status = asset_status_parse(argv[2], strlen(argv[2]))) ==
		    NULL) {
			fprintf(stderr, "ticketctl: '%s' is not in-use, "
			    "in-stock, in-repair or retired\n", argv[2]);
			goto fail;
		}
	} else if (strcmp(argv[0], "note") == 0 && argc >= 3) {
		c.op = ASSET_OP_NOTE;
		buf_init(&note, ASSET_NOTE_MAX + 1);
		for (i = 2; i < argc; i++)
			buf_printf(&note, "%s%s", i > 2 ? " " : "", argv[i]);
		if (note.data == NULL || !asset_text_ok(note.data, note.len,
		    ASSET_NOTE_MAX, 0)) {
			buf_clear(&note);
			fprintf(stderr, "ticketctl: a note is one line of at "
			    "most %d bytes\n", ASSET_NOTE_MAX);
			goto fail;
		}
		c.note = buf_steal(&note, NULL);
		buf_clear(&note);
	} else
		goto usage;
	db = open_rw(cfg);
	ctx_init(&x, cfg, db, name, sizeof(name));
	why[0] = '\0';
	if ((rc = db_begin(db)) == DB_OK) {
		rc = asset_apply(&x, &c, NULL, why, sizeof(why));
		if (rc == 1)
			rc = db_commit(db) == DB_OK ? 1 : -1;
		else
			db_rollback(db);
	}
	if (rc == 1)
		printf("asset %s %s: ok\n", c.tag, asset_op_name(c.op));
	else if (rc == 0)
		fprintf(stderr, "ticketctl: asset %s: %s\n", asset_op_name(c.op),
		    why);
	else
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
	db_free(&db);
	asset_cmd_clear(&c);
	return rc == 1 ? 0 : 1;
usage:
	asset_cmd_clear(&c);
	return EX_USAGE;
fail:
	asset_cmd_clear(&c);
	return 1;
}

/* The list and export's rows. */
struct rows {
	struct json	 j;
	struct buf	 b;
	int		 json;
	int		 csv;
	size_t		 n;
};

static void
json_asset(struct json *j, const char *key, const struct db_asset *a)
{
	json_begin_object(j, key);
	json_stringz(j, "tag", a->tag);
	json_stringz(j, "type", a->type);
	json_stringz(j, "model", a->model);
	json_stringz(j, "serial", a->serial);
	json_stringz(j, "owner", a->owner);
	json_stringz(j, "status", a->status);
	json_stringz(j, "purchased", a->purchased);
	json_stringz(j, "warranty", a->warranty);
	json_stringz(j, "notes", a->notes);
	json_int(j, "tickets", a->tickets);
	json_time(j, "created_at", a->created_at, 1);
	json_time(j, "updated_at", a->updated_at, 1);
	json_end_object(j);
}

static void
row_cb(const struct db_asset *a, void *arg)
{
	struct rows *r = arg;

	r->n++;
	if (r->json) {
		json_asset(&r->j, NULL, a);
		return;
	}
	if (r->csv) {
		csv_put(&r->b, a->tag);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->type);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->model);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->serial);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->owner);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->status);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->purchased);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->warranty);
		buf_addch(&r->b, ',');
		csv_put(&r->b, a->notes);
		buf_addstr(&r->b, "\r\n");
		return;
	}
	ctl_put_text(stdout, a->tag, 0);
	putchar('\t');
	ctl_put_text(stdout, a->type, 0);
	putchar('\t');
	ctl_put_text(stdout, a->model[0] != '\0' ? a->model : "-", 0);
	printf("\t%s\t", a->status);
	ctl_put_text(stdout, a->owner != NULL ? a->owner : "-", 0);
	printf("\twarranty %s\t%lld ticket%s\n", a->warranty != NULL ?
	    a->warranty : "-", a->tickets, a->tickets == 1 ? "" : "s");
}

#define CSV_HEADER \
	"tag,type,model,serial,owner,status,purchased,warranty,notes\r\n"

static int
list(const struct config *cfg, int argc, char *argv[], int export)
{
	struct db_asset_filter f;
	struct rows r;
	struct db *db;
	struct tm tm;
	time_t now = clock_now(), until;
	char from[16], to[16];
	long days;
	int i, rc;

	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	r.csv = export;
	for (i = 1; i < argc && !export; i++) {
		if (strcmp(argv[i], "--json") == 0)
			r.json = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--type") == 0)
			f.type = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--status") == 0) {
			f.status = asset_status_parse(argv[i + 1],
			    strlen(argv[i + 1]));
			if (f.status == NULL) {
				fprintf(stderr, "ticketctl: '%s' is not a "
				    "status\n", argv[i + 1]);
				return EX_USAGE;
			}
			i++;
		} else if (i + 1 < argc && strcmp(argv[i], "--owner") == 0)
			f.owner = argv[++i];
		else if (i + 1 < argc &&
		    strcmp(argv[i], "--warranty-days") == 0) {
			char *end;

			errno = 0;
			days = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[i + 1] ||
			    days < 0 || days > 36500) {
				fprintf(stderr, "ticketctl: --warranty-days: "
				    "0..36500\n");
				return EX_USAGE;
			}
			until = now + (time_t)days * 86400;
			if (localtime_r(&now, &tm) == NULL ||
			    strftime(from, sizeof(from), "%Y-%m-%d", &tm) == 0 ||
			    localtime_r(&until, &tm) == NULL ||
			    strftime(to, sizeof(to), "%Y-%m-%d", &tm) == 0)
				return 1;
			f.warranty_from = from;
			f.warranty_before = to;
			i++;
		} else
			return EX_USAGE;
	}
	if (export && argc != 1)
		return EX_USAGE;
	db = ctl_open_db(cfg);
	buf_init(&r.b, 1024L * 1024 * 1024);
	if (r.json) {
		json_init(&r.j, &r.b);
		json_begin_array(&r.j, NULL);
	}
	if (export)
		buf_addstr(&r.b, CSV_HEADER);
	rc = db_asset_each(db, &f, row_cb, &r);
	if (r.json)
		json_end_array(&r.j);
	if (rc != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		rc = 1;
	} else if (r.json && json_error(&r.j)) {
		fprintf(stderr, "ticketctl: the list is too large\n");
		rc = 1;
	} else {
		if (r.b.len > 0)
			fwrite(r.b.data, 1, r.b.len, stdout);
		if (r.json)
			putchar('\n');
		rc = 0;
	}
	buf_clear(&r.b);
	db_free(&db);
	return rc;
}

static void
hist_json(const struct db_asset_event_row *e, void *arg)
{
	struct json *j = arg;

	json_begin_object(j, NULL);
	json_time(j, "at", e->at, 1);
	json_stringz(j, "actor", e->actor);
	json_stringz(j, "kind", e->kind);
	json_stringz(j, "detail", e->detail);
	if (e->owner_change)
		json_stringz(j, "owner", e->owner);
	json_end_object(j);
}

static void
ticket_json(const struct db_asset_ticket *t, void *arg)
{
	struct json *j = arg;

	json_begin_object(j, NULL);
	json_int(j, "number", t->number);
	json_stringz(j, "subject", t->subject);
	json_stringz(j, "status", t->status);
	json_stringz(j, "requester", t->requester);
	json_stringz(j, "linked_by", t->how);
	json_time(j, "created_at", t->created_at, 1);
	json_end_object(j);
}

static int
show(const struct config *cfg, int argc, char *argv[])
{
	struct db_asset a;
	struct json j;
	struct buf b;
	struct db *db;
	char tag[ASSET_TAG_MAX + 1], why[256];
	int json = 0, rc;

	if (argc == 3 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 2)
		return EX_USAGE;
	if (tag_arg(argv[argc - 1], tag) == -1)
		return EX_USAGE;
	db = ctl_open_db(cfg);
	buf_init(&b, 256L * 1024 * 1024);
	if (!json) {
		rc = asset_describe(db, tag, 0, &b, why, sizeof(why));
		goto out;
	}
	rc = db_asset_get(db, tag, &a);
	if (rc == 1) {
		snprintf(why, sizeof(why), "there is no asset %s", tag);
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	json_init(&j, &b);
	json_begin_object(&j, NULL);
	json_asset(&j, "asset", &a);
	json_begin_array(&j, "history");
	rc = db_asset_history(db, a.id, hist_json, &j);
	json_end_array(&j);
	json_begin_array(&j, "tickets");
	if (rc == DB_OK)
		rc = db_asset_tickets(db, a.id, 0, 0, ticket_json, &j);
	json_end_array(&j);
	json_end_object(&j);
	buf_addch(&b, '\n');
	db_asset_clear(&a);
	rc = rc == DB_OK && !json_error(&j) ? 1 : rc == DB_OK ? DB_PERM : rc;
out:
	if (rc == 1) {
		/* the text comes from mail: made safe for a terminal */
		struct buf t;

		buf_init(&t, 512L * 1024 * 1024);
		if (b.len > 0 && ctl_tty_text(&t, b.data, b.len,
		    CTL_TEXT_MULTILINE) == 0 && t.len > 0)
			fwrite(t.data, 1, t.len, stdout);
		buf_clear(&t);
	} else if (rc == 0)
		fprintf(stderr, "ticketctl: %s\n", why);
	else
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
	buf_clear(&b);
	db_free(&db);
	return rc == 1 ? 0 : 1;
}

/* The file whole, at most LIMIT_CSV_BYTES; NULL with errno. */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp;
	char *p;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	p = xmalloc((size_t)LIMIT_CSV_BYTES + 2);
	n = fread(p, 1, (size_t)LIMIT_CSV_BYTES + 1, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(p);
		errno = EIO;
		return NULL;
	}
	fclose(fp);
	if (n > (size_t)LIMIT_CSV_BYTES) {
		free(p);
		errno = EFBIG;
		return NULL;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

enum col { COL_TAG, COL_TYPE, COL_MODEL, COL_SERIAL, COL_OWNER, COL_STATUS,
	COL_PURCHASED, COL_WARRANTY, COL_NOTES, COL_N };
static const char *const col_names[COL_N] = { "tag", "type", "model",
	"serial", "owner", "status", "purchased", "warranty", "notes" };

/* One good row, kept for the second pass. */
struct irow {
	long		 line;
	struct asset_cmd c;
};

/* A data record into c: 0, or -1 with why. */
static int
read_row(struct csv_record *r, const int *col, size_t ncols,
    struct asset_cmd *c, char *why, size_t whysz)
{
	const char *v;
	size_t i, vl;

	if (r->n != ncols) {
		snprintf(why, whysz, "%zu field%s, the header has %zu", r->n,
		    r->n == 1 ? "" : "s", ncols);
		return -1;
	}
	c->op = ASSET_OP_ADD;
	for (i = 0; i < ncols; i++) {
		v = r->f[i];
		vl = strlen(v);
		switch (col[i]) {
		case COL_TAG:
			if (asset_tag_parse(v, vl, c->tag) == -1) {
				snprintf(why, whysz, "tag: '%.40s' is not a tag",
				    v);
				return -1;
			}
			break;
		case COL_TYPE:
			if (vl == 0 || !asset_text_ok(v, vl, ASSET_TYPE_MAX,
			    0)) {
				snprintf(why, whysz, "type: a type is required");
				return -1;
			}
			c->type = xstrdup(v);
			for (char *q = c->type; *q != '\0'; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			break;
		case COL_MODEL:
			if (!asset_text_ok(v, vl, ASSET_MODEL_MAX, 0)) {
				snprintf(why, whysz, "model: control characters "
				    "or longer than %d bytes", ASSET_MODEL_MAX);
				return -1;
			}
			c->model = xstrdup(v);
			break;
		case COL_NOTES:
			/* a multi-line field's CR LF is a line end */
			{
				char *w = r->f[i], *q;

				for (q = w; *q != '\0'; q++)
					if (!(q[0] == '\r' && q[1] == '\n'))
						*w++ = *q;
				*w = '\0';
				vl = strlen(v);
			}
			if (!asset_text_ok(v, vl, 16 * ASSET_NOTE_MAX, 1)) {
				snprintf(why, whysz, "notes: control characters "
				    "or longer than %d bytes",
				    16 * ASSET_NOTE_MAX);
				return -1;
			}
			c->note = vl > 0 ? xstrdup(v) : NULL;
			break;
		default:
			if (vl > 0 && asset_cmd_set(c, col_names[col[i]],
			    strlen(col_names[col[i]]), v, vl, why,
			    whysz) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

static int
import(const struct config *cfg, int argc, char *argv[])
{
	struct csv_record rec;
	struct asset_ctx x;
	struct irow *rows = NULL;
	struct csv cv;
	struct db *db = NULL;
	enum asset_plan plan;
	const char *path;
	char *data, err[512], why[1024], name[128], *changes;
	int col[LIMIT_CSV_FIELDS], dry = 0, r, rc = 1;
	unsigned cols = 0;
	size_t len, ncols = 0, nrows = 0, nbad = 0, i, j, k, added = 0,
	    changed = 0, same = 0;

	if (argc == 3 && strcmp(argv[1], "--dry-run") == 0)
		dry = 1;
	else if (argc != 2)
		return EX_USAGE;
	path = argv[argc - 1];
	if ((data = read_all(path, &len)) == NULL) {
		fprintf(stderr, "ticketctl: %s: %s\n", path, errno == EFBIG ?
		    "larger than 16 MiB" : strerror(errno));
		return 1;
	}
	csv_init(&cv, data, len);
	/* the header row */
	r = csv_next(&cv, &rec, err, sizeof(err));
	if (r != 1) {
		fprintf(stderr, "ticketctl: %s:%ld: %s\n", path, rec.line,
		    r == 0 ? "empty file: a header row is required (" CSV_HEADER
		    ")" : err);
		csv_record_clear(&rec);
		free(data);
		return 1;
	}
	ncols = rec.n;
	for (i = 0; i < rec.n; i++) {
		const char *h = rec.f[i], *he = h + strlen(h);

		lex_trim(&h, &he);
		for (k = 0; k < COL_N; k++)
			if (strlen(col_names[k]) == (size_t)(he - h) &&
			    strncasecmp(col_names[k], h, (size_t)(he - h)) == 0)
				break;
		for (j = 0; j < i && k < COL_N; j++)
			if (col[j] == (int)k)
				k = COL_N + 1;
		if (k >= COL_N) {
			fprintf(stderr, "ticketctl: %s:%ld: column '%.40s' is "
			    "%s (tag, type, model, serial, owner, status, "
			    "purchased, warranty, notes)\n", path, rec.line,
			    rec.f[i], k == COL_N ? "not known" : "given twice");
			csv_record_clear(&rec);
			free(data);
			return 1;
		}
		col[i] = (int)k;
		if (k >= COL_MODEL)
			cols |= 1u << (k - COL_MODEL);
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < ncols; i++)
			if (col[i] == (int)k)
				break;
		if (i == ncols) {
			fprintf(stderr, "ticketctl: %s:%ld: the header has no "
			    "'%s' column\n", path, rec.line, col_names[k]);
			csv_record_clear(&rec);
			free(data);
			return 1;
		}
	}
	csv_record_clear(&rec);

	db = open_rw(cfg);
	ctx_init(&x, cfg, db, name, sizeof(name));
	/* pass 1: every row checked, nothing written */
	for (;;) {
		r = csv_next(&cv, &rec, err, sizeof(err));
		if (r == 0)
			break;
		if (r == -1) {
			fprintf(stderr, "%s:%ld: %s\n", path, rec.line, err);
			nbad++;
			continue;
		}
		rows = xreallocarray(rows, nrows + 1, sizeof(*rows));
		rows[nrows].line = rec.line;
		asset_cmd_init(&rows[nrows].c);
		if (read_row(&rec, col, ncols, &rows[nrows].c, why,
		    sizeof(why)) == -1)
			goto bad_row;
		for (i = 0; i < nrows; i++)
			if (strcmp(rows[i].c.tag, rows[nrows].c.tag) == 0)
				break;
		if (i < nrows) {
			snprintf(why, sizeof(why), "tag %s is on line %ld "
			    "already", rows[i].c.tag, rows[i].line);
			goto bad_row;
		}
		r = asset_import_row(&x, &rows[nrows].c, cols, 0, &plan, NULL,
		    why, sizeof(why));
		if (r < 0) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			asset_cmd_clear(&rows[nrows].c);
			csv_record_clear(&rec);
			goto done;
		}
		if (r == 0)
			goto bad_row;
		nrows++;
		csv_record_clear(&rec);
		continue;
bad_row:
		fprintf(stderr, "%s:%ld: %s\n", path, rows[nrows].line, why);
		asset_cmd_clear(&rows[nrows].c);
		csv_record_clear(&rec);
		nbad++;
	}
	if (nbad > 0) {
		fprintf(stderr, "ticketctl: %s: %zu bad row%s; nothing was "
		    "imported\n", path, nbad, nbad == 1 ? "" : "s");
		goto done;
	}
	/* pass 2: the rows, in one transaction (or, dry, what they do) */
	if (!dry && (r = db_begin(db)) != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		goto done;
	}
	for (i = 0; i < nrows; i++) {
		r = asset_import_row(&x, &rows[i].c, cols, !dry, &plan,
		    &changes, why, sizeof(why));
		if (r != 1) {
			if (r == 0)
				fprintf(stderr, "%s:%ld: %s\n", path,
				    rows[i].line, why);
			else
				fprintf(stderr, "ticketctl: %s\n",
				    db_errmsg(db));
			free(changes);
			if (!dry)
				db_rollback(db);
			goto done;
		}
		if (plan == ASSET_PLAN_NEW)
			added++;
		else if (plan == ASSET_PLAN_CHANGE)
			changed++;
		else
			same++;
		if (dry || plan != ASSET_PLAN_SAME) {
			printf("%s:%ld: %s %s", path, rows[i].line,
			    rows[i].c.tag, plan == ASSET_PLAN_NEW ? "new" :
			    plan == ASSET_PLAN_CHANGE ? "changed" : "unchanged");
			if (changes != NULL) {
				printf(" (");
				ctl_put_text(stdout, changes, 0);
				printf(")");
			}
			putchar('\n');
		}
		free(changes);
	}
	if (!dry && db_commit(db) != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		goto done;
	}
	printf("%s%zu added, %zu changed, %zu unchanged\n", dry ?
	    "dry run, nothing written: " : "", added, changed, same);
	rc = 0;
done:
	for (i = 0; i < nrows; i++)
		asset_cmd_clear(&rows[i].c);
	free(rows);
	db_free(&db);
	free(data);
	return rc;
}

int
ctl_asset(const struct config *cfg, int argc, char *argv[])
{
	if (argc < 2)
		return EX_USAGE;
	argc--;
	argv++;
	if (strcmp(argv[0], "list") == 0)
		return list(cfg, argc, argv, 0);
	if (strcmp(argv[0], "export") == 0)
		return list(cfg, argc, argv, 1);
	if (strcmp(argv[0], "show") == 0)
		return show(cfg, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return import(cfg, argc, argv);
	return change(cfg, argc, argv);
}
