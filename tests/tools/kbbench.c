/*
 * kbbench — how the suggestions' relevance floor (kb.h KB_SUGGEST_FLOOR)
 * was chosen, on a labelled TSV file (id, title, body, category), for
 * `make bench`:
 *
 *   kbbench FILE.tsv
 *
 * With the real code (kb_fts_query, db_kb_candidates over FTS5/bm25,
 * kb_relevance) on a temporary database: ARTICLES tickets of four
 * categories become articles (their text as problem and answer), then
 *   - "unrelated": QUERIES tickets of the other four categories, which no
 *     article is about, ask for suggestions: the share that would get any
 *     is the cost of a floor (a suggestion nobody needed);
 *   - "same ticket": the first half of an article's own ticket asks (the
 *     same question asked again): the share whose best suggestion is that
 *     article is what a floor must keep;
 *   - "same category": QUERIES other tickets of the articles' categories:
 *     the share that gets a suggestion, and how often its category is
 *     right (the labels are topics, so this is a loose measure).
 * Prints one line per floor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classifier.h"
#include "db.h"
#include "db_kb.h"
#include "kb.h"
#include "xmalloc.h"

#define ARTICLES	300
#define QUERIES		1000
#define NFLOORS		12

static const char *const kb_cats[] = { "Hardware", "Access", "Purchase",
    "Storage" };

struct row {
	char	*text;
	char	*cat;
	int	 in_kb;
};

static int
is_kb_cat(const char *c)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(c, kb_cats[i]) == 0)
			return 1;
	return 0;
}

/* The best suggestion for text: its article id and relevance (0, 0). */
static void
best(struct db *db, const char *text, long long *id, double *rel)
{
	struct db_kb_hit *h;
	size_t n, i;
	char *q, *at;
	double r;

	*id = 0;
	*rel = 0;
	if ((q = kb_fts_query(text, strlen(text))) == NULL)
		return;
	if (db_kb_candidates(db, q, KB_SUGGEST_CANDIDATES, &h, &n) != DB_OK) {
		free(q);
		return;
	}
	for (i = 0; i < n; i++) {
		at = xasprintf("%s\n%s", h[i].title, h[i].body);
		r = kb_relevance(text, strlen(text), at, strlen(at));
		free(at);
		if (r > *rel) {
			*rel = r;
			*id = h[i].id;
		}
	}
	db_kb_hits_free(h, n);
	free(q);
}

int
main(int argc, char *argv[])
{
	static const double floors[NFLOORS] = { 0.0, 0.04, 0.06, 0.08, 0.10,
	    0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.50 };
	/* the floors printed; KB_SUGGEST_FLOOR is one of them */
	struct row *rows = NULL;
	struct clf_row r;
	struct db_kb_new a;
	struct db *db;
	char path[] = "/tmp/kbbench.XXXXXX", dbpath[64], *err = NULL;
	char *data, *line, *nl, *half;
	size_t len = 0, cap = 0, n = 0, i, k, na = 0, nu = 0, nc = 0;
	long long *art_row, id;
	double rel, *un, *self, *same;
	int *self_hit, *same_right, fd;
	FILE *fp;
	uint64_t seed = 7;

	if (argc != 2) {
		fprintf(stderr, "usage: kbbench FILE.tsv\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	data = NULL;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap * 2 + 65536;
			data = xreallocarray(data, cap + 1, 1);
		}
		k = fread(data + len, 1, cap - len, fp);
		if (k == 0)
			break;
		len += k;
	}
	fclose(fp);
	data[len] = '\0';
	for (line = data; line < data + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (nl == NULL)
			nl = data + len;
		if (clf_tsv_row(line, (size_t)(nl - line), &r) == -1 ||
		    memcmp(r.id, "id", 2) == 0)
			continue;
		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		rows[n].text = xstrndup(r.body, r.body_len);
		rows[n].cat = xstrndup(r.category, r.category_len);
		rows[n].in_kb = 0;
		n++;
	}
	free(data);
	/* a fixed shuffle */
	for (i = n; i > 1; i--) {
		struct row t;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		k = (size_t)(seed % i);
		t = rows[i - 1];
		rows[i - 1] = rows[k];
		rows[k] = t;
	}
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	unlink(path);
	if (mkdir(path, 0700) == -1)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/kb.sqlite", path);
	if (db_create(dbpath, &err) == -1 ||
	    (db = db_open(dbpath, 0, &err, NULL)) == NULL) {
		fprintf(stderr, "kbbench: %s\n", err);
		return 1;
	}
	art_row = xcalloc(ARTICLES + 1, sizeof(*art_row));
	db_begin(db);
	for (i = 0; i < n && na < ARTICLES; i++) {
		if (!is_kb_cat(rows[i].cat) || strlen(rows[i].text) < 80)
			continue;
		memset(&a, 0, sizeof(a));
		a.title = "";
		a.problem = rows[i].text;
		a.answer = "";
		a.body = rows[i].text;
		a.category = rows[i].cat;
		if (db_kb_add(db, &a, &id) != DB_OK)
			return 1;
		art_row[na++] = (long long)i;
		rows[i].in_kb = 1;
	}
	db_commit(db);
	un = xcalloc(QUERIES, sizeof(*un));
	same = xcalloc(QUERIES, sizeof(*same));
	same_right = xcalloc(QUERIES, sizeof(*same_right));
	self = xcalloc(ARTICLES, sizeof(*self));
	self_hit = xcalloc(ARTICLES, sizeof(*self_hit));
	for (i = 0; i < n && (nu < QUERIES || nc < QUERIES); i++) {
		if (rows[i].in_kb)
			continue;
		best(db, rows[i].text, &id, &rel);
		if (!is_kb_cat(rows[i].cat) && nu < QUERIES)
			un[nu++] = rel;
		else if (is_kb_cat(rows[i].cat) && nc < QUERIES) {
			same[nc] = rel;
			same_right[nc++] = id > 0 && strcmp(rows[art_row[id - 1]].cat,
			    rows[i].cat) == 0;
		}
	}
	for (k = 0; k < na; k++) {
		const char *t = rows[art_row[k]].text;

		half = xstrndup(t, strlen(t) / 2);
		best(db, half, &id, &rel);
		self[k] = rel;
		self_hit[k] = id == (long long)k + 1;
		free(half);
	}
	printf("%zu articles (categories Hardware, Access, Purchase, Storage); "
	    "%zu unrelated and %zu same-category tickets ask\n", na, nu, nc);
	printf("floor  unrelated-suggested  same-ticket-found  "
	    "same-category-suggested  (right category)\n");
	for (k = 0; k < NFLOORS; k++) {
		size_t u = 0, s = 0, c = 0, cr = 0;

		for (i = 0; i < nu; i++)
			u += un[i] >= floors[k] && un[i] > 0;
		for (i = 0; i < na; i++)
			s += self_hit[i] && self[i] >= floors[k];
		for (i = 0; i < nc; i++)
			if (same[i] >= floors[k] && same[i] > 0) {
				c++;
				cr += (size_t)same_right[i];
			}
		printf("%5.2f  %18.1f%%  %16.1f%%  %22.1f%%  %14.1f%%%s\n",
		    floors[k], 100.0 * (double)u / (double)(nu ? nu : 1),
		    100.0 * (double)s / (double)(na ? na : 1),
		    100.0 * (double)c / (double)(nc ? nc : 1),
		    100.0 * (double)cr / (double)(c ? c : 1),
		    floors[k] == KB_SUGGEST_FLOOR ? "   <- KB_SUGGEST_FLOOR" : "");
	}
	db_free(&db);
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/kb.sqlite-wal", path);
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/kb.sqlite-shm", path);
	unlink(dbpath);
	rmdir(path);
	for (i = 0; i < n; i++) {
		free(rows[i].text);
		free(rows[i].cat);
	}
	free(rows);
	free(art_row);
	free(un);
	free(same);
	free(same_right);
	free(self);
	free(self_hit);
	return 0;
}
