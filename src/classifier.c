/*
 * classifier.c — a linear SVM over TF-IDF word unigrams and bigrams that
 * guesses a ticket's category (see classifier.h). Pure: no I/O.
 *
 * Decisions:
 * - A vocabulary, not hashed features: the terms are kept with the model
 *   (db_classifier.c stores it in SQLite), so nothing collides and the
 *   model says which words it weighs. Terms seen in fewer than CLF_MIN_DF
 *   texts are dropped, which keeps it a few MB for 21,000 tickets.
 * - The dual coordinate-descent solver finds the exact optimum of the
 *   L2-regularised squared-hinge SVM in a few passes (no learning rate to
 *   tune, unlike SGD/Pegasos); the pass order comes from a fixed-seed
 *   generator, so the same examples give the same model.
 * - Every count and length read from a stored model is checked against
 *   the bytes there are.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "classifier.h"
#include "limits.h"
#include "xmalloc.h"

#define MAGIC		"TKDCLF1"	/* 8 bytes with its NUL */
#define MAX_PASSES	200		/* solver passes per class */
#define EPS		0.1		/* projected-gradient stopping width */
#define MAX_TERM	128		/* longest word read (longer: cut) */

/*
 * English stop words: function words that say nothing about the
 * category. The training set had them removed already; live mail has
 * them, so they go here too.
 */
static const char *const stopwords[] = {
	"a", "about", "above", "after", "again", "all", "am", "an", "and",
	"any", "are", "as", "at", "be", "been", "before", "being", "below",
	"between", "both", "but", "by", "can", "could", "did", "do", "does",
	"doing", "down", "during", "each", "few", "for", "from", "further",
	"had", "has", "have", "having", "he", "her", "here", "hers",
	"herself", "him", "himself", "his", "how", "i", "if", "in", "into",
	"is", "it", "its", "itself", "just", "me", "more", "most", "my",
	"myself", "no", "nor", "not", "now", "of", "off", "on", "once",
	"only", "or", "other", "our", "ours", "ourselves", "out", "over",
	"own", "same", "she", "should", "so", "some", "such", "than", "that",
	"the", "their", "theirs", "them", "themselves", "then", "there",
	"these", "they", "this", "those", "through", "to", "too", "under",
	"until", "up", "very", "was", "we", "were", "what", "when", "where",
	"which", "while", "who", "whom", "why", "will", "with", "would",
	"you", "your", "yours", "yourself", "yourselves",
};

/*
 * Terms: an open-addressing hash table over an arena of bytes.
 */

struct term {
	size_t		 off;	/* in the arena */
	uint32_t	 len;
	uint32_t	 hash;
	uint32_t	 df;
};

struct vocab {
	char		*arena;
	size_t		 alen, acap;
	struct term	*terms;
	size_t		 n, cap;
	struct slot {
		uint32_t hash;
		uint32_t idx;	/* term index + 1; 0 = empty */
	}		*slots;
	size_t		 nslots;	/* a power of two */
};

static uint32_t
hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static void
vocab_init(struct vocab *v)
{
	memset(v, 0, sizeof(*v));
	v->nslots = 1024;
	v->slots = xcalloc(v->nslots, sizeof(*v->slots));
}

static void
vocab_clear(struct vocab *v)
{
	free(v->arena);
	free(v->terms);
	free(v->slots);
	memset(v, 0, sizeof(*v));
}

static void
vocab_grow(struct vocab *v)
{
	struct slot *s;
	size_t ns = v->nslots * 2, i, j;

	s = xcalloc(ns, sizeof(*s));
	for (i = 0; i < v->n; i++) {
		j = v->terms[i].hash & (ns - 1);
		while (s[j].idx != 0)
			j = (j + 1) & (ns - 1);
		s[j].hash = v->terms[i].hash;
		s[j].idx = (uint32_t)i + 1;
	}
	free(v->slots);
	v->slots = s;
	v->nslots = ns;
}

/*
 * Room for n terms of `bytes` bytes in all, made at once: a stored model
 * says how many it has, and growing to 75,000 terms one doubling at a
 * time rehashed them all seven times and copied the arena as often.
 */
static void
vocab_reserve(struct vocab *v, size_t n, size_t bytes)
{
	size_t ns = v->nslots;

	while (ns < 2 * n + 2)
		ns *= 2;
	if (ns != v->nslots) {
		free(v->slots);
		v->slots = xcalloc(ns, sizeof(*v->slots));
		v->nslots = ns;
	}
	if (n > v->cap) {
		v->terms = xreallocarray(v->terms, n, sizeof(*v->terms));
		v->cap = n;
	}
	if (bytes > v->acap) {
		v->arena = realloc(v->arena, bytes);
		if (v->arena == NULL)
			abort();
		v->acap = bytes;
	}
}

/* The index of term (p, n), or -1; with add, a new one is made. */
static long
vocab_find(struct vocab *v, const char *p, size_t n, int add)
{
	uint32_t h = hash_bytes(p, n);
	struct term *t;
	size_t j = h & (v->nslots - 1);

	while (v->slots[j].idx != 0) {
		if (v->slots[j].hash == h) {
			t = &v->terms[v->slots[j].idx - 1];
			if (t->len == n && memcmp(v->arena + t->off, p, n) == 0)
				return (long)v->slots[j].idx - 1;
		}
		j = (j + 1) & (v->nslots - 1);
	}
	if (!add)
		return -1;
	if (v->alen + n > v->acap) {
		v->acap = v->acap * 2 + n + 4096;
		v->arena = realloc(v->arena, v->acap);
		if (v->arena == NULL)
			abort();
	}
	memcpy(v->arena + v->alen, p, n);
	if (v->n == v->cap) {
		v->cap = v->cap * 2 + 1024;
		v->terms = xreallocarray(v->terms, v->cap, sizeof(*v->terms));
	}
	t = &v->terms[v->n];
	t->off = v->alen;
	t->len = (uint32_t)n;
	t->hash = h;
	t->df = 0;
	v->alen += n;
	v->slots[j].hash = h;
	v->slots[j].idx = (uint32_t)++v->n;
	if (v->n * 2 > v->nslots)
		vocab_grow(v);
	return (long)v->n - 1;
}

/*
 * Words.
 */

static int
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80;
}

static int
is_stopword(const char *w, size_t n)
{
	size_t lo = 0, hi = sizeof(stopwords) / sizeof(stopwords[0]), mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strncmp(stopwords[mid], w, n);
		if (c == 0 && stopwords[mid][n] != '\0')
			c = 1;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
clf_words(const char *p, size_t len, void (*fn)(const char *, size_t, void *),
    void *arg)
{
	char w[MAX_TERM];
	size_t i = 0, n, words = 0, k;
	int digits;

	while (i < len && words < LIMIT_CLASSIFIER_WORDS) {
		while (i < len && !is_word_byte((unsigned char)p[i]))
			i++;
		n = 0;
		digits = 1;
		while (i < len && is_word_byte((unsigned char)p[i])) {
			if (n < MAX_TERM) {
				unsigned char c = (unsigned char)p[i];

				if (c >= 'A' && c <= 'Z')
					c = (unsigned char)(c - 'A' + 'a');
				if (c < '0' || c > '9')
					digits = 0;
				w[n++] = (char)c;
			}
			i++;
		}
		if (n == 0)
			continue;
		words++;
		/* a cut multi-byte character at the end is dropped */
		k = n;
		while (k > 0 && n == MAX_TERM && ((unsigned char)w[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && n == MAX_TERM && (unsigned char)w[k - 1] >= 0xc0)
			k--;
		n = k;
		if (n < 2 || digits || is_stopword(w, n))
			continue;
		fn(w, n, arg);
	}
}

/*
 * The features of a text: its words and pairs of neighbours, as term
 * indexes of a vocabulary (new ones added when add is set; unknown ones
 * left out otherwise), sorted, with their counts.
 */
struct clf_model;
static long	sorted_find(const struct clf_model *, const char *, size_t);

struct feats {
	struct vocab	*v;
	const struct clf_model *sorted;	/* else v: a model read in place */
	int		 add;
	long		*ids;
	size_t		 n, cap;
	char		 prev[MAX_TERM];
	size_t		 prevn;
};

static void
feats_push(struct feats *f, long id)
{
	if (id < 0)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap * 2 + 64;
		f->ids = xreallocarray(f->ids, f->cap, sizeof(*f->ids));
	}
	f->ids[f->n++] = id;
}

/* The term's feature in the model or vocabulary being used, or -1. */
static long
feats_find(struct feats *f, const char *p, size_t n)
{
	if (f->sorted != NULL)
		return sorted_find(f->sorted, p, n);
	return vocab_find(f->v, p, n, f->add);
}

static void
feats_word(const char *w, size_t n, void *arg)
{
	struct feats *f = arg;
	char pair[2 * MAX_TERM + 1];

	feats_push(f, feats_find(f, w, n));
	if (f->prevn > 0) {
		memcpy(pair, f->prev, f->prevn);
		pair[f->prevn] = ' ';
		memcpy(pair + f->prevn + 1, w, n);
		feats_push(f, feats_find(f, pair, f->prevn + 1 + n));
	}
	memcpy(f->prev, w, n);
	f->prevn = n;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Sort ids and fold repeats: ids[0..*nu) unique, tf[] their counts. */
static void
feats_fold(struct feats *f, uint32_t **tf, size_t *nu)
{
	size_t i, u = 0;

	if (f->n > 1)
		qsort(f->ids, f->n, sizeof(*f->ids), cmp_long);
	*tf = xcalloc(f->n > 0 ? f->n : 1, sizeof(**tf));
	for (i = 0; i < f->n; i++) {
		if (u > 0 && f->ids[u - 1] == f->ids[i]) {
			(*tf)[u - 1]++;
			continue;
		}
		f->ids[u] = f->ids[i];
		(*tf)[u++] = 1;
	}
	*nu = u;
}

/*
 * The trainer: each example's features (unique term ids with counts) in
 * one array, the classes by name.
 */

struct clf_trainer {
	struct vocab	 v;
	long		*ids;		/* all examples' terms, one after another */
	uint32_t	*tf;
	size_t		 nids, capids;
	size_t		*start;		/* example i: ids[start[i]..start[i+1]) */
	int		*label;
	size_t		 n, cap;
	char		*classes[CLF_MAX_CLASSES];
	size_t		 nclasses;
};

struct clf_trainer *
clf_trainer_new(void)
{
	struct clf_trainer *t;

	t = xcalloc(1, sizeof(*t));
	vocab_init(&t->v);
	t->cap = 1024;
	t->start = xcalloc(t->cap + 1, sizeof(*t->start));
	t->label = xcalloc(t->cap, sizeof(*t->label));
	return t;
}

void
clf_trainer_free(struct clf_trainer **tp)
{
	struct clf_trainer *t = *tp;
	size_t i;

	if (t == NULL)
		return;
	vocab_clear(&t->v);
	free(t->ids);
	free(t->tf);
	free(t->start);
	free(t->label);
	for (i = 0; i < t->nclasses; i++)
		free(t->classes[i]);
	free(t);
	*tp = NULL;
}

int
clf_trainer_add(struct clf_trainer *t, const char *p, size_t len,
    const char *category)
{
	struct feats f;
	uint32_t *tf;
	size_t i, nu, c;

	for (c = 0; c < t->nclasses; c++)
		if (strcmp(t->classes[c], category) == 0)
			break;
	if (c == t->nclasses) {
		if (t->nclasses == CLF_MAX_CLASSES)
			return -1;
		t->classes[t->nclasses++] = xstrdup(category);
	}
	memset(&f, 0, sizeof(f));
	f.v = &t->v;
	f.add = 1;
	clf_words(p, len, feats_word, &f);
	feats_fold(&f, &tf, &nu);
	if (t->n == t->cap) {
		t->cap *= 2;
		t->start = xreallocarray(t->start, t->cap + 1,
		    sizeof(*t->start));
		t->label = xreallocarray(t->label, t->cap, sizeof(*t->label));
	}
	if (t->nids + nu > t->capids) {
		t->capids = (t->capids + nu) * 2;
		t->ids = xreallocarray(t->ids, t->capids, sizeof(*t->ids));
		t->tf = xreallocarray(t->tf, t->capids, sizeof(*t->tf));
	}
	for (i = 0; i < nu; i++) {
		t->ids[t->nids + i] = f.ids[i];
		t->tf[t->nids + i] = tf[i];
		t->v.terms[f.ids[i]].df++;
	}
	t->start[t->n] = t->nids;
	t->nids += nu;
	t->label[t->n++] = (int)c;
	t->start[t->n] = t->nids;
	free(f.ids);
	free(tf);
	return 0;
}

size_t
clf_trainer_count(const struct clf_trainer *t)
{
	return t->n;
}

size_t
clf_trainer_classes(const struct clf_trainer *t)
{
	return t->nclasses;
}

/*
 * The model.
 */

struct clf_model {
	struct vocab	 v;		/* df holds nothing here */
	float		*idf;		/* [nfeat] */
	float		*w;		/* [nfeat * nclasses], feature-major */
	/*
	 * Or, for a stored model whose terms are in order (clf_model_save
	 * writes them so): its bytes, read where they are. rec[i] is where
	 * feature i's record starts (u32 length, term, idf, weights); a
	 * term is found by binary search, and v, idf and w stay empty.
	 */
	char		*blob;
	size_t		 bloblen;
	uint32_t	*rec;
	size_t		 nrec;
	float		*bias;		/* [nclasses] */
	char		*classes[CLF_MAX_CLASSES];
	size_t		 nclasses;
	size_t		 ntrain;
};

void
clf_model_free(struct clf_model **mp)
{
	struct clf_model *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	vocab_clear(&m->v);
	free(m->idf);
	free(m->w);
	free(m->blob);
	free(m->rec);
	free(m->bias);
	for (i = 0; i < m->nclasses; i++)
		free(m->classes[i]);
	free(m);
	*mp = NULL;
}

size_t
clf_model_nclasses(const struct clf_model *m)
{
	return m->nclasses;
}

const char *
clf_model_class(const struct clf_model *m, size_t i)
{
	return i < m->nclasses ? m->classes[i] : NULL;
}

int
clf_model_in_place(const struct clf_model *m)
{
	return m->rec != NULL;
}

size_t
clf_model_nfeatures(const struct clf_model *m)
{
	return m->rec != NULL ? m->nrec : m->v.n;
}

size_t
clf_model_ntrain(const struct clf_model *m)
{
	return m->ntrain;
}

/* A small fixed-seed generator for the solver's pass order. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * One class against the rest: the dual coordinate descent of the
 * L2-loss SVM over the rows (rowptr, col, val) with a bias feature of 1.
 * w gets [nfeat] weights (stride stride), *b the bias.
 */
static void
solve(size_t n, const size_t *rowptr, const uint32_t *col, const float *val,
    const int *label, int cls, size_t nfeat, double *w, double *b)
{
	double *alpha, *qd, diag = 0.5 / CLF_C, g, pg, pgmax, pgmin, old, d;
	size_t *order, i, j, k, pass;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int y;

	alpha = xcalloc(n, sizeof(*alpha));
	qd = xcalloc(n, sizeof(*qd));
	order = xcalloc(n, sizeof(*order));
	memset(w, 0, nfeat * sizeof(*w));
	*b = 0;
	for (i = 0; i < n; i++) {
		qd[i] = diag + 1.0;	/* the bias feature */
		for (k = rowptr[i]; k < rowptr[i + 1]; k++)
			qd[i] += (double)val[k] * val[k];
		order[i] = i;
	}
	for (pass = 0; pass < MAX_PASSES; pass++) {
		for (i = n; i > 1; i--) {
			j = (size_t)(next_rand(&seed) % i);
			k = order[i - 1];
			order[i - 1] = order[j];
			order[j] = k;
		}
		pgmax = -HUGE_VAL;
		pgmin = HUGE_VAL;
		for (j = 0; j < n; j++) {
			i = order[j];
			y = label[i] == cls ? 1 : -1;
			g = *b;
			for (k = rowptr[i]; k < rowptr[i + 1]; k++)
				g += w[col[k]] * val[k];
			g = g * y - 1 + diag * alpha[i];
			pg = alpha[i] == 0 && g > 0 ? 0 : g;
			if (pg > pgmax)
				pgmax = pg;
			if (pg < pgmin)
				pgmin = pg;
			if (fabs(pg) < 1e-12)
				continue;
			old = alpha[i];
			alpha[i] = old - g / qd[i];
			if (alpha[i] < 0)
				alpha[i] = 0;
			d = (alpha[i] - old) * y;
			if (d == 0)
				continue;
			for (k = rowptr[i]; k < rowptr[i + 1]; k++)
				w[col[k]] += d * val[k];
			*b += d;
		}
		if (pgmax - pgmin < EPS)
			break;
	}
	free(alpha);
	free(qd);
	free(order);
}

/* tf times idf, scaled to unit length, in place. */
static void
weigh(const uint32_t *tf, const uint32_t *col, float *val, size_t n,
    const float *idf)
{
	double norm = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		val[k] = (float)((double)tf[k] * idf[col[k]]);
		norm += (double)val[k] * val[k];
	}
	if (norm <= 0)
		return;
	norm = sqrt(norm);
	for (k = 0; k < n; k++)
		val[k] = (float)(val[k] / norm);
}

struct clf_model *
clf_train(const struct clf_trainer *t)
{
	struct clf_model *m;
	long *map;
	size_t *rowptr, nfeat = 0, i, k, nnz = 0, c, f;
	uint32_t *col, *tf;
	float *val;
	double *w, b;
	const struct term *tm;

	if (t->nclasses < 2)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	vocab_init(&m->v);
	map = xcalloc(t->v.n > 0 ? t->v.n : 1, sizeof(*map));
	for (i = 0; i < t->v.n; i++) {
		tm = &t->v.terms[i];
		map[i] = -1;
		if (tm->df < CLF_MIN_DF)
			continue;
		map[i] = vocab_find(&m->v, t->v.arena + tm->off, tm->len, 1);
	}
	nfeat = m->v.n;
	m->idf = xcalloc(nfeat > 0 ? nfeat : 1, sizeof(*m->idf));
	for (i = 0; i < t->v.n; i++)
		if (map[i] >= 0)
			m->idf[map[i]] = (float)(log((1.0 + (double)t->n) /
			    (1.0 + t->v.terms[i].df)) + 1.0);
	/* the rows, with the kept features only */
	rowptr = xcalloc(t->n + 1, sizeof(*rowptr));
	for (i = 0; i < t->nids; i++)
		if (map[t->ids[i]] >= 0)
			nnz++;
	col = xcalloc(nnz > 0 ? nnz : 1, sizeof(*col));
	tf = xcalloc(nnz > 0 ? nnz : 1, sizeof(*tf));
	val = xcalloc(nnz > 0 ? nnz : 1, sizeof(*val));
	nnz = 0;
	for (i = 0; i < t->n; i++) {
		rowptr[i] = nnz;
		for (k = t->start[i]; k < t->start[i + 1]; k++) {
			if (map[t->ids[k]] < 0)
				continue;
			col[nnz] = (uint32_t)map[t->ids[k]];
			tf[nnz++] = t->tf[k];
		}
		weigh(tf + rowptr[i], col + rowptr[i], val + rowptr[i],
		    nnz - rowptr[i], m->idf);
	}
	rowptr[t->n] = nnz;
	m->nclasses = t->nclasses;
	for (c = 0; c < t->nclasses; c++)
		m->classes[c] = xstrdup(t->classes[c]);
	m->w = xcalloc(nfeat * m->nclasses + 1, sizeof(*m->w));
	m->bias = xcalloc(m->nclasses, sizeof(*m->bias));
	w = xcalloc(nfeat + 1, sizeof(*w));
	for (c = 0; c < m->nclasses; c++) {
		solve(t->n, rowptr, col, val, t->label, (int)c, nfeat, w, &b);
		for (f = 0; f < nfeat; f++)
			m->w[f * m->nclasses + c] = (float)w[f];
		m->bias[c] = (float)b;
	}
	m->ntrain = t->n;
	free(w);
	free(map);
	free(rowptr);
	free(col);
	free(tf);
	free(val);
	return m;
}

/* A little-endian u32 or float32 at p (a model read in place). */
static uint32_t
le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
}

static float
lef32(const char *p)
{
	uint32_t v = le32(p);
	float f;

	memcpy(&f, &v, 4);
	return f;
}

/* Terms in the order of a stored model: bytes, then the shorter first. */
static int
term_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	if (d != 0)
		return d;
	return alen < blen ? -1 : alen > blen;
}

/* The feature of term (p, n) in a model read in place, or -1. */
static long
sorted_find(const struct clf_model *m, const char *p, size_t n)
{
	size_t lo = 0, hi = m->nrec, mid;
	const char *r;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = m->blob + m->rec[mid];
		d = term_cmp(r + 4, le32(r), p, n);
		if (d == 0)
			return (long)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Feature i's idf and weights [nclasses], wherever the model keeps them. */
static float
feature(const struct clf_model *m, size_t i, float *w)
{
	const char *r;
	size_t c;

	if (m->rec == NULL) {
		for (c = 0; c < m->nclasses; c++)
			w[c] = m->w[i * m->nclasses + c];
		return m->idf[i];
	}
	r = m->blob + m->rec[i];
	r += 4 + le32(r);
	for (c = 0; c < m->nclasses; c++)
		w[c] = lef32(r + 4 + 4 * c);
	return lef32(r);
}

/* The class scores of a text into scores[nclasses]; -1 if no known word. */
static int
scores_of(const struct clf_model *m, const char *p, size_t len, double *scores)
{
	struct feats f;
	uint32_t *tf, *col;
	float *val, *idf, *w;
	size_t nu, k, c, nc = m->nclasses;

	memset(&f, 0, sizeof(f));
	f.v = (struct vocab *)&m->v;	/* not added to: add = 0 */
	f.sorted = m->rec != NULL ? m : NULL;
	clf_words(p, len, feats_word, &f);
	feats_fold(&f, &tf, &nu);
	for (c = 0; c < nc; c++)
		scores[c] = m->bias[c];
	if (nu == 0) {
		free(f.ids);
		free(tf);
		return -1;
	}
	/* the text's features: k-th with idf[k] and weights w[k * nc ..] */
	col = xcalloc(nu, sizeof(*col));
	val = xcalloc(nu, sizeof(*val));
	idf = xcalloc(nu, sizeof(*idf));
	w = xcalloc(nu * nc, sizeof(*w));
	for (k = 0; k < nu; k++) {
		col[k] = (uint32_t)k;
		idf[k] = feature(m, (size_t)f.ids[k], w + k * nc);
	}
	weigh(tf, col, val, nu, idf);
	for (k = 0; k < nu; k++)
		for (c = 0; c < nc; c++)
			scores[c] += (double)val[k] * w[k * nc + c];
	free(col);
	free(val);
	free(idf);
	free(w);
	free(f.ids);
	free(tf);
	return 0;
}

static int
predict_index(const struct clf_model *m, const char *p, size_t len,
    double *confidence, double *score)
{
	double s[CLF_MAX_CLASSES], sum = 0;
	size_t c, best = 0;

	*confidence = 0;
	*score = 0;
	if (scores_of(m, p, len, s) == -1)
		return -1;
	for (c = 1; c < m->nclasses; c++)
		if (s[c] > s[best])
			best = c;
	for (c = 0; c < m->nclasses; c++)
		sum += exp((s[c] - s[best]) * CLF_SOFTMAX_SCALE);
	*confidence = 1.0 / sum;
	*score = s[best];
	return (int)best;
}

int
clf_predict(const struct clf_model *m, const char *p, size_t len,
    struct clf_guess *g)
{
	int i;

	i = predict_index(m, p, len, &g->confidence, &g->score);
	g->category = i >= 0 ? m->classes[i] : NULL;
	return i >= 0 ? 0 : -1;
}

/*
 * Storage: "TKDCLF1\0", then little-endian u32 counts and float32 values:
 * ntrain, nclasses, each class (u32 length, bytes), nfeat, each feature
 * (u32 length, bytes, idf, nclasses weights), nclasses biases.
 */

struct wbuf {
	char	*p;
	size_t	 len, cap;
};

static void
wadd(struct wbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->cap + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
wu32(struct wbuf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	wadd(b, x, 4);
}

static void
wf32(struct wbuf *b, float f)
{
	uint32_t v;

	memcpy(&v, &f, 4);
	wu32(b, v);
}

struct sterm {
	const char	*p;
	uint32_t	 len;
	size_t		 i;
};

static int
sterm_cmp(const void *a, const void *b)
{
	const struct sterm *x = a, *y = b;

	return term_cmp(x->p, x->len, y->p, y->len);
}

/*
 * The terms are written in order (term_cmp), so that the model is read in
 * place when loaded (load_in_place); the format is the same, and a
 * ticketd of before reads it too.
 */
char *
clf_model_save(const struct clf_model *m, size_t *len)
{
	struct wbuf b = { NULL, 0, 0 };
	const struct term *t;
	struct sterm *order;
	size_t i, j, c;

	if (m->rec != NULL) {
		*len = m->bloblen;
		b.p = xmalloc(m->bloblen > 0 ? m->bloblen : 1);
		memcpy(b.p, m->blob, m->bloblen);
		return b.p;
	}
	order = xcalloc(m->v.n > 0 ? m->v.n : 1, sizeof(*order));
	for (i = 0; i < m->v.n; i++) {
		t = &m->v.terms[i];
		order[i].p = m->v.arena + t->off;
		order[i].len = t->len;
		order[i].i = i;
	}
	qsort(order, m->v.n, sizeof(*order), sterm_cmp);
	wadd(&b, MAGIC, 8);
	wu32(&b, (uint32_t)m->ntrain);
	wu32(&b, (uint32_t)m->nclasses);
	for (c = 0; c < m->nclasses; c++) {
		wu32(&b, (uint32_t)strlen(m->classes[c]));
		wadd(&b, m->classes[c], strlen(m->classes[c]));
	}
	wu32(&b, (uint32_t)m->v.n);
	for (j = 0; j < m->v.n; j++) {
		i = order[j].i;
		wu32(&b, order[j].len);
		wadd(&b, order[j].p, order[j].len);
		wf32(&b, m->idf[i]);
		for (c = 0; c < m->nclasses; c++)
			wf32(&b, m->w[i * m->nclasses + c]);
	}
	free(order);
	for (c = 0; c < m->nclasses; c++)
		wf32(&b, m->bias[c]);
	*len = b.len;
	return b.p;
}

struct rbuf {
	const unsigned char *p;
	size_t	 len, off;
	int	 bad;
};

static uint32_t
ru32(struct rbuf *r)
{
	uint32_t v;

	if (r->bad || r->len - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	v = le32((const char *)r->p + r->off);
	r->off += 4;
	return v;
}

static float
rf32(struct rbuf *r)
{
	uint32_t v = ru32(r);
	float f;

	memcpy(&f, &v, 4);
	if (!isfinite(f)) {
		r->bad = 1;
		return 0;
	}
	return f;
}

/* n bytes at the read position, or NULL (and bad) when there are fewer. */
static const char *
rbytes(struct rbuf *r, size_t n)
{
	const char *p;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	p = (const char *)r->p + r->off;
	r->off += n;
	return p;
}

static struct clf_model *load(const void *, size_t, char *, char *,
		    size_t);

/*
 * A stored model whose terms are in order is read where it is: each
 * record checked (lengths, finite values) and its place noted, the bytes
 * kept. For the 21,000 tickets' model (74,685 terms, 3.9 MB) that is
 * about 2 ms where building its hash table took 15, and ticketd --stdin
 * loads the model for every mail. 1 when m is complete, 0 when the terms
 * are out of order (r is left where it was), -1 when the bytes are bad.
 */
static int
load_in_place(struct clf_model *m, struct rbuf *r, const void *p, size_t len,
    uint32_t nfeat, char **own)
{
	size_t start = r->off, n = m->nclasses, prevn = 0;
	const char *s, *prev = NULL;
	uint32_t i, c;

	if (len > UINT32_MAX)
		return 0;
	m->rec = xcalloc(nfeat > 0 ? nfeat : 1, sizeof(*m->rec));
	for (i = 0; i < nfeat; i++) {
		m->rec[i] = (uint32_t)r->off;
		c = ru32(r);
		if (c == 0 || c > 2 * MAX_TERM + 1 || (s = rbytes(r, c)) == NULL)
			goto bad;
		if (prev != NULL && term_cmp(prev, prevn, s, c) >= 0) {
			free(m->rec);	/* out of order, or a term twice */
			m->rec = NULL;
			r->off = start;
			return 0;
		}
		prev = s;
		prevn = c;
		for (c = 0; c <= n; c++)	/* idf and the weights */
			(void)rf32(r);
	}
	m->bias = xcalloc(n, sizeof(*m->bias));
	for (c = 0; c < n; c++)
		m->bias[c] = rf32(r);
	if (r->bad || r->off != len)
		goto bad;
	m->nrec = nfeat;
	if (*own != NULL) {
		m->blob = *own;		/* the caller's bytes, kept */
		*own = NULL;
	} else {
		m->blob = xmalloc(len > 0 ? len : 1);
		memcpy(m->blob, p, len);
	}
	m->bloblen = len;
	return 1;
bad:
	free(m->rec);
	m->rec = NULL;
	return -1;
}

struct clf_model *
clf_model_load(const void *p, size_t len, char *err, size_t errsz)
{
	return load(p, len, NULL, err, errsz);
}

struct clf_model *
clf_model_adopt(char *p, size_t len, char *err, size_t errsz)
{
	return load(p, len, p, err, errsz);
}

/* own: p itself when the model may keep it (else it is freed here). */
static struct clf_model *
load(const void *p, size_t len, char *own, char *err, size_t errsz)
{
	struct rbuf r = { p, len, 0, 0 };
	struct clf_model *m;
	const char *s;
	uint32_t n, nfeat, i, c;
	long id;

	if (len < 8 || memcmp(p, MAGIC, 8) != 0) {
		snprintf(err, errsz, "not a model of this ticketd");
		free(own);
		return NULL;
	}
	r.off = 8;
	m = xcalloc(1, sizeof(*m));
	vocab_init(&m->v);
	m->ntrain = ru32(&r);
	n = ru32(&r);
	if (r.bad || n < 2 || n > CLF_MAX_CLASSES)
		goto bad;
	for (c = 0; c < n; c++) {
		i = ru32(&r);
		if ((s = rbytes(&r, i)) == NULL || i == 0 || memchr(s, '\0', i))
			goto bad;
		m->classes[m->nclasses++] = xstrndup(s, i);
	}
	nfeat = ru32(&r);
	/* each feature takes at least 4 + 1 + 4 + 4 * n bytes */
	if (r.bad || nfeat > (len - r.off) / (9 + 4 * (size_t)n))
		goto bad;
	switch (load_in_place(m, &r, p, len, nfeat, &own)) {
	case 1:
		return m;
	case -1:
		goto bad;
	}
	/* terms out of order (saved by an older ticketd): a hash table */
	/* an empty vocabulary: terms at most all the bytes left */
	vocab_reserve(&m->v, nfeat, len - r.off - (size_t)nfeat *
	    (8 + 4 * (size_t)n));
	m->idf = xcalloc(nfeat + 1, sizeof(*m->idf));
	m->w = xcalloc((size_t)nfeat * n + 1, sizeof(*m->w));
	m->bias = xcalloc(n, sizeof(*m->bias));
	for (i = 0; i < nfeat; i++) {
		c = ru32(&r);
		if (c == 0 || c > 2 * MAX_TERM + 1 || (s = rbytes(&r, c)) == NULL)
			goto bad;
		id = vocab_find(&m->v, s, c, 1);
		if (id != (long)i)
			goto bad;	/* a term twice */
		m->idf[i] = rf32(&r);
		for (c = 0; c < n; c++)
			m->w[(size_t)i * n + c] = rf32(&r);
	}
	for (c = 0; c < n; c++)
		m->bias[c] = rf32(&r);
	if (r.bad || r.off != len)
		goto bad;
	free(own);
	return m;
bad:
	snprintf(err, errsz, "the stored model is damaged (at byte %zu of %zu)",
	    r.off, len);
	clf_model_free(&m);
	free(own);
	return NULL;
}

/*
 * Training files.
 */

int
clf_tsv_row(const char *p, size_t len, struct clf_row *row)
{
	const char *f[4], *end = p + len, *q;
	size_t fl[4], i = 0;

	if (len > 0 && p[len - 1] == '\r')
		end--;
	q = p;
	while (i < 4) {
		const char *tab = memchr(q, '\t', (size_t)(end - q));

		f[i] = q;
		if (tab == NULL) {
			fl[i++] = (size_t)(end - q);
			break;
		}
		fl[i++] = (size_t)(tab - q);
		q = tab + 1;
		if (i == 4)
			return -1;	/* a fifth column */
	}
	/* a NUL would cut the category short as a C string, to "" when it
	 * comes first: a model with an empty class name does not load */
	if (i != 4 || fl[3] == 0 || memchr(f[3], '\0', fl[3]) != NULL)
		return -1;
	/* a NUL anywhere, or a category that could not be one: a broken
	 * row (a category is a name the desk shows and compares) */
	if (memchr(p, '\0', (size_t)(end - p)) != NULL ||
	    fl[3] > LIMIT_CATEGORY_BYTES ||
	    !charset_utf8_valid(f[3], fl[3]))
		return -1;
	for (i = 0; i < fl[3]; i++)
		if ((unsigned char)f[3][i] < 0x20 || f[3][i] == 0x7f)
			return -1;
	row->id = f[0];
	row->id_len = fl[0];
	row->title = f[1];
	row->title_len = fl[1];
	row->body = f[2];
	row->body_len = fl[2];
	row->category = f[3];
	row->category_len = fl[3];
	return 0;
}

/*
 * Measuring.
 */

void
clf_eval_init(struct clf_eval *e, const struct clf_model *m)
{
	size_t c;

	memset(e, 0, sizeof(*e));
	e->nclasses = m->nclasses + 1;
	e->names = xcalloc(e->nclasses, sizeof(*e->names));
	for (c = 0; c < m->nclasses; c++)
		e->names[c] = xstrdup(m->classes[c]);
	e->names[m->nclasses] = xstrdup("(other)");
	e->confusion = xcalloc(e->nclasses * e->nclasses,
	    sizeof(*e->confusion));
	e->truth_count = xcalloc(e->nclasses, sizeof(*e->truth_count));
}

void
clf_eval_count(struct clf_eval *e, const char *truth, int guess)
{
	size_t t, g;

	for (t = 0; t + 1 < e->nclasses; t++)
		if (strcmp(e->names[t], truth) == 0)
			break;
	g = guess >= 0 && (size_t)guess + 1 < e->nclasses ? (size_t)guess :
	    e->nclasses - 1;
	e->confusion[t * e->nclasses + g]++;
	e->truth_count[t]++;
	e->n++;
	if (t == g && t + 1 < e->nclasses)
		e->correct++;
}

void
clf_eval_add(struct clf_eval *e, const struct clf_model *m, const char *p,
    size_t len, const char *truth)
{
	double conf, score;

	clf_eval_count(e, truth, predict_index(m, p, len, &conf, &score));
}

double
clf_eval_accuracy(const struct clf_eval *e)
{
	return e->n > 0 ? (double)e->correct / (double)e->n : 0;
}

double
clf_eval_macro_f1(const struct clf_eval *e)
{
	size_t c, k, tp, fp, fn, used = 0;
	double sum = 0, prec, rec;

	for (c = 0; c < e->nclasses; c++) {
		tp = e->confusion[c * e->nclasses + c];
		fp = fn = 0;
		for (k = 0; k < e->nclasses; k++) {
			if (k == c)
				continue;
			fp += e->confusion[k * e->nclasses + c];
			fn += e->confusion[c * e->nclasses + k];
		}
		if (tp + fp + fn == 0)
			continue;	/* neither truth nor guess */
		used++;
		prec = tp + fp > 0 ? (double)tp / (double)(tp + fp) : 0;
		rec = tp + fn > 0 ? (double)tp / (double)(tp + fn) : 0;
		if (prec + rec > 0)
			sum += 2 * prec * rec / (prec + rec);
	}
	return used > 0 ? sum / (double)used : 0;
}

double
clf_eval_majority(const struct clf_eval *e, const char **name)
{
	size_t c, best = 0;

	for (c = 1; c < e->nclasses; c++)
		if (e->truth_count[c] > e->truth_count[best])
			best = c;
	*name = e->names[best];
	return e->n > 0 ? (double)e->truth_count[best] / (double)e->n : 0;
}

void
clf_eval_clear(struct clf_eval *e)
{
	size_t c;

	for (c = 0; c < e->nclasses; c++)
		free(e->names[c]);
	free(e->names);
	free(e->confusion);
	free(e->truth_count);
	memset(e, 0, sizeof(*e));
}
