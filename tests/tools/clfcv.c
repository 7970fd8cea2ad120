/*
 * clfcv — k-fold cross-validation of the category classifier on a
 * labelled TSV file (id, title, body, category), for `make bench`:
 *
 *   clfcv FILE.tsv [FOLDS]
 *
 * The rows are shuffled with a fixed seed and cut into FOLDS parts (10);
 * each part is guessed by a model trained on the others. Prints the
 * pooled accuracy, macro-F1, the majority-class baseline, the confusion
 * matrix, how the confidence threshold trades guesses for accuracy, the
 * time to train on the whole file and the time of one prediction.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier.h"

struct row {
	char	*text;
	size_t	 len;
	char	*cat;
};

/* Processor time of this process: what the work costs, whatever else
 * the machine runs meanwhile (wall time is printed beside it). */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n;

	if (fp == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = cap * 2 + 65536;
			p = realloc(p, cap + 1);
			if (p == NULL)
				abort();
		}
		n = fread(p + *len, 1, cap - *len, fp);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(fp);
	p[*len] = '\0';
	return p;
}

int
main(int argc, char *argv[])
{
	struct clf_trainer *t;
	struct clf_model *m;
	struct clf_eval e;
	struct clf_row r;
	struct clf_guess g;
	struct row *rows = NULL, tmp;
	char *data, *line, *nl;
	size_t len, n = 0, cap = 0, i, j, k, c, folds = 10, hit[10], cnt[10];
	uint64_t seed = 42;
	double t0, t1, c0, c1, acc = 0, f1 = 0, base;
	const char *maj;
	int *guess;
	double *conf;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: clfcv FILE.tsv [FOLDS]\n");
		return 2;
	}
	if (argc == 3)
		folds = (size_t)strtoul(argv[2], NULL, 10);
	if (folds < 2 || folds > 100)
		return 2;
	if ((data = slurp(argv[1], &len)) == NULL) {
		perror(argv[1]);
		return 1;
	}
	for (line = data; line < data + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (nl == NULL)
			nl = data + len;
		if (clf_tsv_row(line, (size_t)(nl - line), &r) == -1 ||
		    (r.id_len == 2 && memcmp(r.id, "id", 2) == 0))
			continue;
		if (n == cap) {
			cap = cap * 2 + 1024;
			rows = realloc(rows, cap * sizeof(*rows));
			if (rows == NULL)
				abort();
		}
		rows[n].len = r.title_len + 1 + r.body_len;
		rows[n].text = malloc(rows[n].len + 1);
		memcpy(rows[n].text, r.title, r.title_len);
		rows[n].text[r.title_len] = ' ';
		memcpy(rows[n].text + r.title_len + 1, r.body, r.body_len);
		rows[n].text[rows[n].len] = '\0';
		rows[n].cat = strndup(r.category, r.category_len);
		n++;
	}
	/* shuffle (fixed seed) */
	for (i = n; i > 1; i--) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (size_t)(seed % i);
		tmp = rows[i - 1];
		rows[i - 1] = rows[j];
		rows[j] = tmp;
	}
	guess = calloc(n, sizeof(*guess));
	conf = calloc(n, sizeof(*conf));
	printf("rows: %zu, folds: %zu\n", n, folds);
	memset(&e, 0, sizeof(e));
	for (k = 0; k < folds; k++) {
		struct clf_eval fe;

		t = clf_trainer_new();
		for (i = 0; i < n; i++)
			if (i % folds != k)
				clf_trainer_add(t, rows[i].text, rows[i].len,
				    rows[i].cat);
		m = clf_train(t);
		clf_trainer_free(&t);
		if (m == NULL)
			return 1;
		if (k == 0)
			clf_eval_init(&e, m);
		clf_eval_init(&fe, m);
		for (i = k; i < n; i += folds) {
			guess[i] = -1;
			if (clf_predict(m, rows[i].text, rows[i].len, &g) == 0) {
				for (c = 0; c < clf_model_nclasses(m); c++)
					if (strcmp(clf_model_class(m, c),
					    g.category) == 0)
						guess[i] = (int)c;
			}
			conf[i] = g.confidence;
			clf_eval_count(&fe, rows[i].cat, guess[i]);
			/* the pooled matrix in the first model's class order */
			for (c = 0; guess[i] >= 0 && c + 1 < e.nclasses; c++)
				if (strcmp(e.names[c], g.category) == 0)
					break;
			clf_eval_count(&e, rows[i].cat, guess[i] >= 0 ?
			    (int)c : -1);
			guess[i] = guess[i] >= 0 && strcmp(g.category,
			    rows[i].cat) == 0;
		}
		printf("fold %2zu: accuracy %.4f, macro-F1 %.4f\n", k + 1,
		    clf_eval_accuracy(&fe), clf_eval_macro_f1(&fe));
		acc += clf_eval_accuracy(&fe);
		f1 += clf_eval_macro_f1(&fe);
		clf_eval_clear(&fe);
		clf_model_free(&m);
	}
	base = clf_eval_majority(&e, &maj);
	printf("cross-validated accuracy: %.4f (mean of folds %.4f)\n",
	    clf_eval_accuracy(&e), acc / (double)folds);
	printf("cross-validated macro-F1: %.4f (mean of folds %.4f)\n",
	    clf_eval_macro_f1(&e), f1 / (double)folds);
	printf("majority-class baseline: %.4f (%s)\n", base, maj);
	printf("confusion matrix (rows: truth, columns: guess):\n");
	for (i = 0; i + 1 < e.nclasses; i++) {
		printf("  %-22s", e.names[i]);
		for (j = 0; j < e.nclasses; j++)
			printf(" %5zu", e.confusion[i * e.nclasses + j]);
		printf("\n");
	}
	printf("confidence threshold: share of tickets guessed, accuracy of "
	    "those guesses\n");
	memset(hit, 0, sizeof(hit));
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
		for (k = 0; k < 10; k++)
			if (conf[i] >= (double)k / 10) {
				cnt[k]++;
				hit[k] += (size_t)guess[i];
			}
	for (k = 0; k < 10; k++)
		printf("  >= %.1f: %5.1f %% guessed, %5.1f %% right\n",
		    (double)k / 10, 100.0 * (double)cnt[k] / (double)n,
		    cnt[k] > 0 ? 100.0 * (double)hit[k] / (double)cnt[k] : 0);
	/* the whole file: training time and one prediction's time */
	t0 = now_s();
	c0 = cpu_s();
	t = clf_trainer_new();
	for (i = 0; i < n; i++)
		clf_trainer_add(t, rows[i].text, rows[i].len, rows[i].cat);
	m = clf_train(t);
	t1 = now_s();
	c1 = cpu_s();
	printf("training on %zu tickets: %.2f s of processor time (%.2f s "
	    "wall clock), %zu features\n", n, c1 - c0, t1 - t0,
	    clf_model_nfeatures(m));
	t0 = now_s();
	c0 = cpu_s();
	for (i = 0; i < n; i++)
		clf_predict(m, rows[i].text, rows[i].len, &g);
	t1 = now_s();
	c1 = cpu_s();
	printf("one prediction: %.1f us of processor time (%.1f us wall "
	    "clock), the mean over %zu tickets\n", (c1 - c0) / (double)n * 1e6,
	    (t1 - t0) / (double)n * 1e6, n);
	clf_model_free(&m);
	clf_trainer_free(&t);
	clf_eval_clear(&e);
	for (i = 0; i < n; i++) {
		free(rows[i].text);
		free(rows[i].cat);
	}
	free(rows);
	free(guess);
	free(conf);
	free(data);
	return 0;
}
