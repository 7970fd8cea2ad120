/*
 * fuzz_tsv.c — the classifier's readers (classifier.c): a training file
 * as `ticketctl kb train|eval --file` reads it (ctl_kb.c's each_row:
 * lines, clf_tsv_row(), the header skipped), trained into a model that is
 * saved, loaded back and asked for each row's guess; and, when the input
 * starts with the model's magic ("TKDCLF1\0"), the input as a stored
 * model (clf_model_load: a damaged blob must be refused, never read
 * past).
 *
 * Properties (classifier.h): a row's four fields lie inside its line, the
 * first three hold no tab and the category is not empty; a model loads
 * back from its own bytes and saves to the same bytes; a guess is one of
 * the model's classes with a confidence in 0..1; a model that loads saves
 * to exactly the bytes it came from.
 */
#include <math.h>

#include "classifier.h"

#include "fuzz.h"

#define MAGIC		"TKDCLF1"	/* 8 bytes with its NUL */

static void
check_guess(const struct clf_model *m, const char *p, size_t len)
{
	struct clf_guess g;
	size_t c;

	if (clf_predict(m, p, len, &g) == 0) {
		fuzz_check(g.category != NULL);
		for (c = 0; c < clf_model_nclasses(m); c++)
			if (strcmp(clf_model_class(m, c), g.category) == 0)
				break;
		fuzz_check(c < clf_model_nclasses(m));
		fuzz_check(!isnan(g.confidence) && g.confidence >= 0 &&
		    g.confidence <= 1.0 + 1e-9);
	} else
		fuzz_check(g.category == NULL);
}

/* Loaded from p, the model must save to p again; returns it or NULL. */
static struct clf_model *
load_same(const char *p, size_t len)
{
	struct clf_model *m;
	char err[256], *again;
	size_t alen;

	err[0] = '\0';
	if ((m = clf_model_load(p, len, err, sizeof(err))) == NULL) {
		fuzz_check(err[0] != '\0');
		return NULL;
	}
	again = clf_model_save(m, &alen);
	fuzz_check(again != NULL && alen == len &&
	    memcmp(again, p, len) == 0);
	free(again);
	return m;
}

static void
model(const uint8_t *data, size_t size)
{
	struct clf_model *m;
	char *copy = fuzz_dup(data, size);

	if ((m = load_same(copy, size)) != NULL) {
		check_guess(m, "printer vpn password mail", 25);
		clf_model_free(&m);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clf_trainer *t;
	struct clf_model *m, *m2;
	struct clf_row r;
	const char *line, *nl, *end;
	char *text, *cat, *blob, *in;
	size_t blen, i;
	long n = 0;

	if (size >= 8 && memcmp(data, MAGIC, 8) == 0) {
		model(data, size);
		return 0;
	}
	in = fuzz_dup(data, size);
	end = in + size;
	t = clf_trainer_new();
	for (line = in; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		if (nl == line)
			continue;
		if (clf_tsv_row(line, (size_t)(nl - line), &r) == -1)
			continue;
		fuzz_check(r.id == line);
		fuzz_check(r.category + r.category_len <= nl);
		fuzz_check(r.category_len > 0);
		fuzz_check(memchr(r.id, '\t', r.id_len) == NULL);
		fuzz_check(memchr(r.title, '\t', r.title_len) == NULL);
		fuzz_check(memchr(r.body, '\t', r.body_len) == NULL);
		fuzz_check(memchr(r.category, '\t', r.category_len) == NULL);
		fuzz_check(r.title == r.id + r.id_len + 1 &&
		    r.body == r.title + r.title_len + 1 &&
		    r.category == r.body + r.body_len + 1);
		if (n == 0 && r.id_len == 2 && memcmp(r.id, "id", 2) == 0 &&
		    r.category_len == 8 && memcmp(r.category, "category", 8) ==
		    0)
			continue;	/* the header */
		/* as ctl_kb.c: title, a line end, body */
		text = malloc(r.title_len + r.body_len + 2);
		cat = fuzz_strndup((const uint8_t *)r.category,
		    r.category_len);
		if (text == NULL)
			abort();
		memcpy(text, r.title, r.title_len);
		text[r.title_len] = '\n';
		memcpy(text + r.title_len + 1, r.body, r.body_len);
		text[r.title_len + 1 + r.body_len] = '\0';
		/* a category is a C string: one with a NUL is cut there */
		clf_trainer_add(t, text, strlen(text), cat);
		free(text);
		free(cat);
		n++;
	}
	fuzz_check(clf_trainer_count(t) <= (size_t)n);
	if ((m = clf_train(t)) != NULL) {
		fuzz_check(clf_model_nclasses(m) >= 2);
		blob = clf_model_save(m, &blen);
		fuzz_check(blob != NULL);
		m2 = load_same(blob, blen);
		fuzz_check(m2 != NULL);
		fuzz_check(clf_model_nclasses(m2) == clf_model_nclasses(m));
		for (i = 0; i < clf_model_nclasses(m); i++)
			fuzz_check(strcmp(clf_model_class(m, i),
			    clf_model_class(m2, i)) == 0);
		check_guess(m2, in, size);
		check_guess(m, in, size);
		clf_model_free(&m2);
		free(blob);
		clf_model_free(&m);
	} else
		fuzz_check(clf_trainer_classes(t) < 2);
	clf_trainer_free(&t);
	free(in);
	return 0;
}
