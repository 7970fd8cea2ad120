/*
 * test_classifier.c — classifier.c on a small labelled fixture
 * (tests/unit/data/tickets_small.tsv, 36 tickets in 3 categories; never
 * ../shared): the words it reads, training and prediction, an update
 * (new examples change a guess after retraining), the stored model's
 * round trip and its refusal of damaged bytes, the TSV rows, the
 * measures (accuracy, macro-F1, majority baseline, confusion matrix).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classifier.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

static char *
data_file(const char *name, size_t *len)
{
	const char *slash = strrchr(__FILE__, '/');
	char *path, *buf;
	FILE *f;
	long n;

	path = xasprintf("%.*sdata/%s", slash != NULL ?
	    (int)(slash - __FILE__ + 1) : 0, __FILE__, name);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The fixture's rows into a trainer (skip: every skip-th row left out,
 * 0 none). */
static struct clf_trainer *
load(size_t skip)
{
	struct clf_trainer *t = clf_trainer_new();
	struct clf_row r;
	char *data, *line, *nl, cat[64];
	size_t len, i = 0;

	data = data_file("tickets_small.tsv", &len);
	T_CHECK(data != NULL);
	if (data == NULL)
		return t;
	for (line = data; line < data + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (nl == NULL)
			nl = data + len;
		if (clf_tsv_row(line, (size_t)(nl - line), &r) == -1 ||
		    memcmp(r.id, "id", 2) == 0)
			continue;
		if (skip > 0 && i++ % skip == 0)
			continue;
		snprintf(cat, sizeof(cat), "%.*s", (int)r.category_len,
		    r.category);
		clf_trainer_add(t, r.body, r.body_len, cat);
	}
	free(data);
	return t;
}

static const char *
guess(const struct clf_model *m, const char *text, double *conf)
{
	struct clf_guess g;

	if (clf_predict(m, text, strlen(text), &g) == -1)
		return NULL;
	if (conf != NULL)
		*conf = g.confidence;
	return g.category;
}

static void
collect(const char *w, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len > 0)
		buf_addch(b, ' ');
	buf_add(b, w, n);
}

static void
test_words(void)
{
	static const char text[] = "The VPN-Client of Bob's laptop: error "
	    "0x80 at 12345, a b \xc3\xa9t\xc3\xa9 it's";
	struct buf b;
	char *copy = t_dup_n(text, sizeof(text) - 1);

	buf_init(&b, 4096);
	clf_words(copy, sizeof(text) - 1, collect, &b);
	T_STREQ(b.data, "vpn client bob laptop error 0x80 \xc3\xa9t\xc3\xa9");
	buf_clear(&b);
	free(copy);
}

static void
test_train_predict(void)
{
	struct clf_trainer *t = load(0);
	struct clf_model *m;
	double conf = 0;

	T_INTEQ(clf_trainer_count(t), 36);
	T_INTEQ(clf_trainer_classes(t), 3);
	m = clf_train(t);
	T_CHECK(m != NULL);
	if (m == NULL) {
		clf_trainer_free(&t);
		return;
	}
	T_INTEQ(clf_model_nclasses(m), 3);
	T_INTEQ(clf_model_ntrain(m), 36);
	/* texts it never saw, in the words people write */
	T_STREQ(guess(m, "Hi, my laptop screen is black when docked.", &conf),
	    "hardware");
	T_STREQ(guess(m, "The VPN keeps dropping when I work from home",
	    NULL), "network");
	T_STREQ(guess(m, "Please reset my password, the account is locked",
	    NULL), "access");
	T_CHECK(conf > 0.34 && conf <= 1.0);
	T_CHECK(guess(m, "zzz qqq", NULL) == NULL);
	T_CHECK(guess(m, "", NULL) == NULL);
	clf_model_free(&m);
	T_CHECK(m == NULL);
	clf_trainer_free(&t);
	T_CHECK(t == NULL);
}

/* One class is no model; the cap on classes holds. */
static void
test_degenerate(void)
{
	struct clf_trainer *t = clf_trainer_new();
	char name[16];
	int i, rc = 0;

	T_CHECK(clf_train(t) == NULL);
	clf_trainer_add(t, "printer jam", 11, "hardware");
	clf_trainer_add(t, "printer toner", 13, "hardware");
	T_CHECK(clf_train(t) == NULL);
	for (i = 0; i < CLF_MAX_CLASSES + 5; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		rc = clf_trainer_add(t, "word", 4, name);
	}
	T_INTEQ(rc, -1);
	T_INTEQ(clf_trainer_classes(t), CLF_MAX_CLASSES);
	clf_trainer_free(&t);
}

/*
 * An update: a category the model guessed wrongly is corrected by new
 * examples (an admin's /category on closed tickets); after retraining
 * the same words get the corrected category.
 */
static void
test_update(void)
{
	struct clf_trainer *t = load(0);
	struct clf_model *m = clf_train(t);
	const char *text = "the badge reader at the door rejects my badge";
	int i;

	T_CHECK(m != NULL);
	clf_model_free(&m);
	for (i = 0; i < 4; i++)
		clf_trainer_add(t, "badge reader door rejects badge card", 36,
		    "facilities");
	m = clf_train(t);
	T_STREQ(guess(m, text, NULL), "facilities");
	T_INTEQ(clf_model_nclasses(m), 4);
	clf_model_free(&m);
	clf_trainer_free(&t);
}

/* Stored and read back, the model guesses the same; damage is refused. */
static void
test_storage(void)
{
	struct clf_trainer *t = load(0);
	struct clf_model *m = clf_train(t), *m2;
	char err[128], *blob, *bad;
	const char *a, *b;
	double c1 = 0, c2 = 0;
	size_t len, cut;

	blob = clf_model_save(m, &len);
	m2 = clf_model_load(blob, len, err, sizeof(err));
	T_CHECK(m2 != NULL);
	if (m2 != NULL) {
		a = guess(m, "wifi is slow in the meeting room", &c1);
		b = guess(m2, "wifi is slow in the meeting room", &c2);
		T_STREQ(a, b);
		T_CHECK(c1 == c2);
		T_INTEQ(clf_model_nfeatures(m2), clf_model_nfeatures(m));
		clf_model_free(&m2);
	}
	/* every truncation is refused, never read past (ASan) */
	for (cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
		bad = t_dup_n(blob, cut);
		m2 = clf_model_load(bad, cut, err, sizeof(err));
		T_CHECK(m2 == NULL);
		clf_model_free(&m2);
		free(bad);
	}
	/* a huge feature count, a wrong magic, a trailing byte */
	bad = t_dup_n(blob, len);
	memset(bad + 8 + 4, 0xff, 4);	/* nclasses */
	T_CHECK(clf_model_load(bad, len, err, sizeof(err)) == NULL);
	memcpy(bad, blob, len);
	bad[0] = 'X';
	T_CHECK(clf_model_load(bad, len, err, sizeof(err)) == NULL);
	T_CHECK(strstr(err, "not a model") != NULL);
	free(bad);
	bad = xmalloc(len + 1);
	memcpy(bad, blob, len);
	bad[len] = 0;
	T_CHECK(clf_model_load(bad, len + 1, err, sizeof(err)) == NULL);
	free(bad);
	free(blob);
	clf_model_free(&m);
	clf_trainer_free(&t);
}

/* Where record i (of nfeat) of a stored model starts; the header's end
 * for i = 0, the biases' start for i = nfeat. */
static size_t
record_at(const char *blob, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)blob;
	size_t off = 12, k, n, c;

#define U32(o)	((size_t)u[o] | (size_t)u[(o) + 1] << 8 | \
		 (size_t)u[(o) + 2] << 16 | (size_t)u[(o) + 3] << 24)
	n = U32(off);
	off += 4;
	for (c = 0; c < n; c++)
		off += 4 + U32(off);
	off += 4;			/* nfeat */
	for (k = 0; k < i && off < len; k++)
		off += 4 + U32(off) + 4 + 4 * n;
#undef U32
	return off;
}

/*
 * A stored model is read in place (its terms are saved in order) and
 * guesses as the trained one does, text after text; saved again it is
 * the same bytes. One saved with its terms out of order (as a ticketd of
 * before wrote them) is still read, through a hash table, and guesses the
 * same; one with a term twice is refused either way.
 */
static void
test_in_place(void)
{
	static const char *const texts[] = {
	    "wifi is slow in the meeting room", "printer jam on floor 3",
	    "cannot log in after the password reset", "new laptop please",
	    "vpn drops every ten minutes", "outlook does not start",
	    "the badge reader rejects my card", "zzz qqq", "",
	    "monitor flickers and the docking station is warm" };
	struct clf_trainer *t = load(0);
	struct clf_model *m = clf_train(t), *m2, *m3;
	char err[128], *blob, *blob2, *swapped, *twice;
	const char *a, *b;
	double c1, c2;
	size_t len, len2, r0, r1, r2, i, n;

	T_CHECK(m != NULL);
	if (m == NULL)
		return;
	T_INTEQ(clf_model_in_place(m), 0);	/* trained: a hash table */
	blob = clf_model_save(m, &len);
	m2 = clf_model_load(blob, len, err, sizeof(err));
	T_CHECK(m2 != NULL && clf_model_in_place(m2));
	if (m2 == NULL)
		return;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		c1 = c2 = -1;
		a = guess(m, texts[i], &c1);
		b = guess(m2, texts[i], &c2);
		T_CHECK((a == NULL) == (b == NULL));
		if (a != NULL && b != NULL) {
			T_STREQ(a, b);
			T_CHECK(c1 - c2 < 1e-6 && c2 - c1 < 1e-6);
		}
	}
	blob2 = clf_model_save(m2, &len2);
	T_INTEQ((long long)len2, (long long)len);
	T_CHECK(len2 == len && memcmp(blob, blob2, len) == 0);
	/* adopted, the bytes become the model's (ASan: none leak) */
	m3 = clf_model_adopt(blob2, len2, err, sizeof(err));
	T_CHECK(m3 != NULL && clf_model_in_place(m3));
	if (m3 != NULL) {
		a = guess(m2, texts[0], &c1);
		b = guess(m3, texts[0], &c2);
		T_CHECK(a != NULL && b != NULL && strcmp(a, b) == 0 &&
		    c1 == c2);
	}
	clf_model_free(&m3);
	blob2 = t_dup_n(blob, len / 2);		/* damaged: refused, freed */
	T_CHECK(clf_model_adopt(blob2, len / 2, err, sizeof(err)) == NULL);
	blob2 = t_dup_n(blob, 4);		/* not a model: freed */
	T_CHECK(clf_model_adopt(blob2, 4, err, sizeof(err)) == NULL);

	/* the first two terms swapped: out of order, read through a hash */
	n = clf_model_nfeatures(m);
	T_CHECK(n > 3);
	r0 = record_at(blob, len, 0);
	r1 = record_at(blob, len, 1);
	r2 = record_at(blob, len, 2);
	swapped = xmalloc(len);
	memcpy(swapped, blob, r0);
	memcpy(swapped + r0, blob + r1, r2 - r1);
	memcpy(swapped + r0 + (r2 - r1), blob + r0, r1 - r0);
	memcpy(swapped + r2, blob + r2, len - r2);
	m3 = clf_model_load(swapped, len, err, sizeof(err));
	T_CHECK(m3 != NULL && !clf_model_in_place(m3));
	for (i = 0; m3 != NULL && i < sizeof(texts) / sizeof(texts[0]); i++) {
		c1 = c2 = -1;
		a = guess(m2, texts[i], &c1);
		b = guess(m3, texts[i], &c2);
		T_CHECK((a == NULL) == (b == NULL));
		if (a != NULL && b != NULL) {
			T_STREQ(a, b);
			T_CHECK(c1 - c2 < 1e-6 && c2 - c1 < 1e-6);
		}
	}
	clf_model_free(&m3);
	free(swapped);

	/* the first term twice (in place of the second): refused */
	twice = xmalloc(len + (r1 - r0));
	memcpy(twice, blob, r1);
	memcpy(twice + r1, blob + r0, r1 - r0);
	memcpy(twice + r1 + (r1 - r0), blob + r2, len - r2);
	m3 = clf_model_load(twice, r1 + (r1 - r0) + (len - r2), err,
	    sizeof(err));
	T_CHECK(m3 == NULL);
	T_CHECK(strstr(err, "damaged") != NULL);
	clf_model_free(&m3);
	free(twice);

	free(blob);
	clf_model_free(&m2);
	clf_model_free(&m);
	clf_trainer_free(&t);
}

/* a row given as a literal, its length from sizeof (NULs count) */
#define ROW(s)	clf_tsv_row(s, sizeof(s) - 1, &r)

static void
test_tsv(void)
{
	struct clf_row r;

	T_INTEQ(clf_tsv_row("7\tTitle\tsome body\tHardware", 26, &r), 0);
	T_CHECK(r.id_len == 1 && r.title_len == 5 && r.body_len == 9 &&
	    r.category_len == 8 && memcmp(r.category, "Hardware", 8) == 0);
	T_INTEQ(clf_tsv_row("7\t\tbody\tAccess\r", 15, &r), 0);
	T_INTEQ(r.category_len, 6);
	T_INTEQ(clf_tsv_row("7\tt\tbody", 8, &r), -1);
	T_INTEQ(clf_tsv_row("7\tt\tb\tc\td", 9, &r), -1);
	T_INTEQ(clf_tsv_row("7\tt\tb\t", 6, &r), -1);
	T_INTEQ(clf_tsv_row("", 0, &r), -1);
	/* broken rows of a hostile file: refused, never read past */
	T_INTEQ(ROW("7\tt\tb\0dy\tAccess"), -1);
	T_INTEQ(ROW("7\tt\tbody\tAcc\0ss"), -1);
	T_INTEQ(ROW("7\tt\tbody\t\xff\xfe"), -1);
	T_INTEQ(ROW("7\tt\tbody\t\x1b[31mred"), -1);
	T_INTEQ(ROW("7\tt\tbody\t\r"), -1);
	T_INTEQ(ROW("\t\t\t\t"), -1);
	T_INTEQ(ROW("\t\t\tx"), 0);
	T_INTEQ(ROW("7\tt\tbody\tHR Support"), 0);
	T_INTEQ(ROW("7\tt\tbody\tGr\xc3\xbc\x6e"), 0);
	{
		char line[8 + LIMIT_CATEGORY_BYTES + 2], *p;
		size_t n;

		memcpy(line, "7\tt\tb\t", 6);
		memset(line + 6, 'c', LIMIT_CATEGORY_BYTES + 1);
		n = 6 + LIMIT_CATEGORY_BYTES;
		p = t_dup_n(line, n);
		T_INTEQ(clf_tsv_row(p, n, &r), 0);
		free(p);
		p = t_dup_n(line, n + 1);
		T_INTEQ(clf_tsv_row(p, n + 1, &r), -1);
		free(p);
	}
}

/* Held-out rows of the fixture: the measures agree with the matrix. */
static void
test_eval(void)
{
	struct clf_trainer *t = load(4);	/* every 4th row held out */
	struct clf_model *m = clf_train(t);
	struct clf_eval e;
	const char *maj;
	size_t i, j, sum = 0, diag = 0;

	T_CHECK(m != NULL);
	if (m == NULL)
		return;
	clf_eval_init(&e, m);
	clf_eval_add(&e, m, "printer paper jam in tray", 25, "hardware");
	clf_eval_add(&e, m, "wifi drops all the time", 23, "network");
	clf_eval_add(&e, m, "account locked password", 23, "access");
	clf_eval_add(&e, m, "monitor flickers", 16, "hardware");
	clf_eval_add(&e, m, "coffee machine broken", 21, "kitchen");
	T_INTEQ(e.n, 5);
	for (i = 0; i < e.nclasses; i++)
		for (j = 0; j < e.nclasses; j++) {
			sum += e.confusion[i * e.nclasses + j];
			if (i == j && i + 1 < e.nclasses)
				diag += e.confusion[i * e.nclasses + j];
		}
	T_INTEQ(sum, 5);
	T_INTEQ(diag, e.correct);
	/* the kitchen's row can only be wrong: at most 4 of 5 */
	T_CHECK(e.correct >= 3 && e.correct <= 4);
	T_CHECK(clf_eval_accuracy(&e) == (double)e.correct / 5);
	T_CHECK(clf_eval_macro_f1(&e) > 0 && clf_eval_macro_f1(&e) <= 1);
	T_CHECK(clf_eval_majority(&e, &maj) > 0.39);
	T_STREQ(maj, "hardware");
	clf_eval_clear(&e);
	clf_model_free(&m);
	clf_trainer_free(&t);
}

int
main(void)
{
	T_RUN(test_words);
	T_RUN(test_train_predict);
	T_RUN(test_degenerate);
	T_RUN(test_update);
	T_RUN(test_storage);
	T_RUN(test_in_place);
	T_RUN(test_tsv);
	T_RUN(test_eval);
	return T_END();
}
