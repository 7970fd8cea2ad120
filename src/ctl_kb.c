/*
 * ctl_kb.c — ticketctl's knowledge base and category classifier:
 *
 *   ticketctl -c FILE kb list [--all]
 *   ticketctl -c FILE kb show N
 *   ticketctl -c FILE kb publish N [--title TITLE]
 *   ticketctl -c FILE kb withdraw N
 *   ticketctl -c FILE classify --train FILE.tsv
 *   ticketctl -c FILE classify --retrain
 *   ticketctl -c FILE classify --evaluate FILE.tsv
 *   ticketctl -c FILE classify --guess TEXT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "classifier.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "db_classifier.h"
#include "db_kb.h"
#include "pipeline.h"
#include "xmalloc.h"

/* Largest training file read. */
#define TSV_MAX		(512L * 1024 * 1024)

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
print_row(const struct db_kb_row *r, void *arg)
{
	char t[64];

	(void)arg;
	ctl_when(r->updated_at, t, sizeof(t));
	printf("%lld\t%s\t#%lld\tv%d\t%s\t", r->id, r->status, r->ticket,
	    r->version, t);
	ctl_put_text(stdout, r->category != NULL ? r->category : "-", 0);
	putchar('\t');
	ctl_put_text(stdout, r->title, 0);
	putchar('\n');
}

static int
kb_show(struct db *db, long long id)
{
	struct db_kb_article a;
	char t[64];
	int rc;

	rc = db_kb_get(db, id, &a);
	if (rc == 1) {
		fprintf(stderr, "ticketctl: there is no article %lld\n", id);
		return 1;
	}
	if (rc != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		return 1;
	}
	printf("Article:  %lld (%s, version %d)\nTitle:    ", a.id, a.status,
	    a.version);
	ctl_put_text(stdout, a.title, 0);
	printf("\nTicket:   #%lld\nCategory: ", a.ticket);
	ctl_put_text(stdout, a.category != NULL ? a.category : "-", 0);
	ctl_when(a.updated_at, t, sizeof(t));
	printf("\nUpdated:  %s\n\n", t);
	ctl_put_text(stdout, a.body, CTL_TEXT_MULTILINE);
	putchar('\n');
	db_kb_article_clear(&a);
	return 0;
}

int
ctl_kb(const struct config *cfg, int argc, char *argv[])
{
	struct pipeline pl;
	struct db *db;
	const char *title = NULL;
	char err[512];
	long long n = 0, id;
	int rc = 0, all = 0;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		if (argc == 3 && strcmp(argv[2], "--all") == 0)
			all = 1;
		else if (argc != 2)
			return EX_USAGE;
		db = ctl_open_db(cfg);
		if (db_kb_each(db, NULL, NULL, all, 0, print_row, NULL) !=
		    DB_OK) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = 1;
		}
		db_free(&db);
		return rc;
	}
	if (argc < 3 || ctl_parse_number(argv[2], &n) == -1)
		return EX_USAGE;
	if (strcmp(argv[1], "show") == 0 && argc == 3) {
		db = ctl_open_db(cfg);
		rc = kb_show(db, n);
		db_free(&db);
		return rc;
	}
	if (strcmp(argv[1], "publish") == 0 && (argc == 3 || (argc == 5 &&
	    strcmp(argv[3], "--title") == 0))) {
		title = argc == 5 ? argv[4] : NULL;
		db = open_rw(cfg);
		if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "ticketctl: templates: %s\n", err);
			db_free(&db);
			return 1;
		}
		err[0] = '\0';
		rc = pipeline_kb_publish(&pl, n, title, clock_now(), &id, err,
		    sizeof(err));
		if (rc == DB_OK)
			printf("ticket #%lld is article %lld (the daemon mails "
			    "its notice to the admin who resolved it)\n", n, id);
		else if (rc == 1)
			fprintf(stderr, "ticketctl: #%lld: %s\n", n, err);
		else
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		pipeline_clear(&pl);
		db_free(&db);
		return rc != DB_OK;
	}
	if (strcmp(argv[1], "withdraw") == 0 && argc == 3) {
		struct db_kb_article a;

		db = open_rw(cfg);
		rc = db_kb_get(db, n, &a);
		if (rc == 1)
			fprintf(stderr, "ticketctl: there is no article %lld\n",
			    n);
		else if (rc == DB_OK) {
			if ((rc = db_begin(db)) == DB_OK &&
			    (rc = db_kb_set_status(db, n, "withdrawn",
			    clock_now())) == DB_OK &&
			    (rc = db_event_add(db, a.ticket, 0, "kb-withdrawn",
			    "by ticketctl", clock_now())) == DB_OK)
				rc = db_commit(db);
			else
				db_rollback(db);
			if (rc == DB_OK)
				printf("article %lld is withdrawn\n", n);
			db_kb_article_clear(&a);
		}
		if (rc < 0)
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		db_free(&db);
		return rc != DB_OK;
	}
	return EX_USAGE;
}

/*
 * Training files.
 */

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *p = NULL;
	size_t cap = 0, n;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = cap * 2 + 65536;
			if (cap > (size_t)TSV_MAX + 65536) {
				fclose(fp);
				free(p);
				errno = EFBIG;
				return NULL;
			}
			p = xreallocarray(p, cap + 1, 1);
		}
		n = fread(p + *len, 1, cap - *len, fp);
		if (n == 0)
			break;
		*len += n;
	}
	if (ferror(fp)) {
		fclose(fp);
		free(p);
		return NULL;
	}
	fclose(fp);
	if (p == NULL)
		p = xmalloc(1);
	p[*len] = '\0';
	return p;
}

/*
 * Each labelled row of a TSV file: fn(text, len, category). Returns the
 * count of rows, or -1 (a message said why). The header is skipped; a
 * broken line (clf_tsv_row) is counted in *bad.
 */
static long
each_row(const char *path, void (*fn)(const char *, size_t, const char *,
    void *), void *arg, long *bad)
{
	struct clf_row r;
	char *data, *line, *nl, *text, *cat;
	size_t len;
	long n = 0;

	*bad = 0;
	if ((data = slurp(path, &len)) == NULL) {
		fprintf(stderr, "ticketctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (line = data; line < data + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (nl == NULL)
			nl = data + len;
		if (nl == line)
			continue;
		if (clf_tsv_row(line, (size_t)(nl - line), &r) == -1) {
			(*bad)++;
			continue;
		}
		if (n == 0 && r.id_len == 2 && memcmp(r.id, "id", 2) == 0 &&
		    r.category_len == 8 && memcmp(r.category, "category", 8) ==
		    0)
			continue;	/* the header */
		text = xasprintf("%.*s\n%.*s", (int)r.title_len, r.title,
		    (int)r.body_len, r.body);
		cat = xstrndup(r.category, r.category_len);
		fn(text, strlen(text), cat, arg);
		free(text);
		free(cat);
		n++;
	}
	free(data);
	return n;
}

struct store {
	struct db	*db;
	time_t		 now;
	int		 rc;
};

static void
store_row(const char *text, size_t len, const char *cat, void *arg)
{
	struct store *s = arg;

	if (s->rc == DB_OK)
		s->rc = db_clf_example_add(s->db, text, len, cat, s->now);
}

struct evalrow {
	struct clf_eval	*e;
	const struct clf_model *m;
};

static void
eval_row(const char *text, size_t len, const char *cat, void *arg)
{
	struct evalrow *er = arg;

	clf_eval_add(er->e, er->m, text, len, cat);
}

static int
train(const struct config *cfg, const char *file)
{
	struct pipeline pl;
	struct store s;
	struct db *db;
	struct timespec t0, t1;
	char err[512];
	long long old = 0;
	long rows = 0, bad = 0;
	size_t n;
	int rc;

	db = open_rw(cfg);
	if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) == -1) {
		fprintf(stderr, "ticketctl: templates: %s\n", err);
		db_free(&db);
		return 1;
	}
	rc = DB_OK;
	if (file != NULL) {
		/* the file's rows replace those of an earlier file */
		memset(&s, 0, sizeof(s));
		s.db = db;
		s.now = clock_now();
		if ((rc = db_begin(db)) == DB_OK &&
		    (rc = db_clf_examples_clear(db, &old)) == DB_OK) {
			rows = each_row(file, store_row, &s, &bad);
			rc = rows < 0 ? DB_PERM : s.rc;
		}
		if (rc == DB_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		if (rows < 0)
			goto done;
		if (rc == DB_OK)
			printf("%ld labelled tickets read from %s%s", rows, file,
			    old > 0 ? " (replacing the last file's)" : "");
		if (rc == DB_OK && bad > 0)
			printf("; %ld broken lines left out (not four "
			    "columns, a NUL byte, an empty or bad category)",
			    bad);
		if (rc == DB_OK)
			printf("\n");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc == DB_OK)
		rc = pipeline_retrain(&pl, clock_now(), &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == DB_OK && n == 0)
		printf("nothing to train: the examples need two categories or "
		    "more\n");
	else if (rc == DB_OK)
		printf("trained on %zu tickets (the file's and the desk's "
		    "resolved ones) in %.2f s\n", n,
		    (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
done:
	if (rc != DB_OK && rows >= 0)
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
	pipeline_clear(&pl);
	db_free(&db);
	return rc != DB_OK || rows < 0;
}

static struct clf_model *
load_model(struct db *db)
{
	struct clf_model *m;
	char *blob, err[160];
	size_t len;
	int rc;

	rc = db_clf_model_load(db, &blob, &len, NULL, NULL);
	if (rc == 1) {
		fprintf(stderr, "ticketctl: no model yet: train one with "
		    "ticketctl classify --train FILE.tsv\n");
		return NULL;
	}
	if (rc != DB_OK) {
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
		return NULL;
	}
	m = clf_model_load(blob, len, err, sizeof(err));
	free(blob);
	if (m == NULL)
		fprintf(stderr, "ticketctl: %s\n", err);
	return m;
}

static int
evaluate(const struct config *cfg, const char *file)
{
	struct clf_model *m;
	struct clf_eval e;
	struct evalrow er;
	struct db *db;
	const char *maj;
	double base;
	long bad;
	size_t i, j;

	db = ctl_open_db(cfg);
	m = load_model(db);
	db_free(&db);
	if (m == NULL)
		return 1;
	clf_eval_init(&e, m);
	er.e = &e;
	er.m = m;
	if (each_row(file, eval_row, &er, &bad) < 0) {
		clf_eval_clear(&e);
		clf_model_free(&m);
		return 1;
	}
	base = clf_eval_majority(&e, &maj);
	printf("tickets:   %zu\naccuracy:  %.4f\nmacro-F1:  %.4f\n"
	    "majority:  %.4f (always %s)\n", e.n, clf_eval_accuracy(&e),
	    clf_eval_macro_f1(&e), base, maj);
	printf("confusion matrix (rows: the file's category, columns: the "
	    "guess):\n%-24s", "");
	for (j = 0; j < e.nclasses; j++)
		printf(" %6.6s", e.names[j]);
	putchar('\n');
	for (i = 0; i < e.nclasses; i++) {
		if (e.truth_count[i] == 0)
			continue;
		printf("%-24.24s", e.names[i]);
		for (j = 0; j < e.nclasses; j++)
			printf(" %6zu", e.confusion[i * e.nclasses + j]);
		putchar('\n');
	}
	clf_eval_clear(&e);
	clf_model_free(&m);
	return 0;
}

static int
guess(const struct config *cfg, const char *text)
{
	struct clf_model *m;
	struct clf_guess g;
	struct db *db;

	db = ctl_open_db(cfg);
	m = load_model(db);
	db_free(&db);
	if (m == NULL)
		return 1;
	if (clf_predict(m, text, strlen(text), &g) == -1)
		printf("(no guess: none of these words is known)\n");
	else
		printf("%s\t%.2f\n", g.category, g.confidence);
	clf_model_free(&m);
	return 0;
}

int
ctl_classify(const struct config *cfg, int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "--train") == 0)
		return train(cfg, argv[2]);
	if (argc == 2 && strcmp(argv[1], "--retrain") == 0)
		return train(cfg, NULL);
	if (argc == 3 && strcmp(argv[1], "--evaluate") == 0)
		return evaluate(cfg, argv[2]);
	if (argc == 3 && strcmp(argv[1], "--guess") == 0)
		return guess(cfg, argv[2]);
	return EX_USAGE;
}
