/*
 * classifier.h — guessing a ticket's category from its words. Pure: no
 * I/O, no database (db_classifier.c stores the examples and the model).
 *
 * The model is a linear support vector machine, one class against the
 * rest, over TF-IDF weights of word unigrams and bigrams:
 *
 *   text      lower-cased; words are runs of ASCII letters and digits and
 *             of non-ASCII UTF-8 bytes; one-letter words, words of digits
 *             only and English stop words are left out; at most
 *             LIMIT_CLASSIFIER_WORDS words of a text are read
 *   features  every word and every pair of neighbouring words; the
 *             vocabulary is the features that occur in at least
 *             CLF_MIN_DF training texts
 *   weights   the term's count in the text times the smoothed
 *             inverse document frequency ln((1 + N) / (1 + df)) + 1, the
 *             vector scaled to unit length, plus a bias feature of 1
 *   training  L2-regularised squared-hinge-loss SVM solved exactly in its
 *             dual by coordinate descent (Hsieh et al., ICML 2008, as
 *             liblinear's solver 1), C = CLF_C, in a fixed order
 *             (deterministic)
 *   guess     the class with the highest score; its confidence is the
 *             softmax of the scores times CLF_SOFTMAX_SCALE
 *
 * Ownership: _new/_free pairs; strings returned as const are borrowed
 * from the model.
 */
#ifndef TICKETD_CLASSIFIER_H
#define TICKETD_CLASSIFIER_H

#include <stddef.h>

/* Fewest training texts a feature must occur in to be kept. */
#define CLF_MIN_DF		2
/* The SVM's cost of a margin error (liblinear's -c). */
#define CLF_C			0.5
/* The scale of the scores before the softmax that gives a confidence. */
#define CLF_SOFTMAX_SCALE	4.0
/* Most classes a model has (categories of a desk). */
#define CLF_MAX_CLASSES		256

struct clf_trainer;
struct clf_model;

/* A new, empty set of training examples. */
struct clf_trainer *clf_trainer_new(void);
void	clf_trainer_free(struct clf_trainer **);

/*
 * Add one labelled text (p, len; no NUL needed) of category (a
 * NUL-terminated name, compared exactly). Returns 0, or -1 when the
 * category would be the CLF_MAX_CLASSES + 1-th (the example is left out).
 */
int	clf_trainer_add(struct clf_trainer *, const char *p, size_t len,
	    const char *category);
/* How many examples and classes it holds. */
size_t	clf_trainer_count(const struct clf_trainer *);
size_t	clf_trainer_classes(const struct clf_trainer *);

/*
 * Train a model on every example. NULL when there are fewer than two
 * classes (there is nothing to tell apart). The trainer is not changed.
 */
struct clf_model *clf_train(const struct clf_trainer *);
void	clf_model_free(struct clf_model **);

struct clf_guess {
	const char *category;	/* borrowed from the model */
	double	    confidence;	/* 0..1 */
	double	    score;	/* the winning SVM score */
};
/*
 * The model's guess for text (p, len). Returns 0, or -1 when the text
 * holds no word the model knows (g->category is then NULL, confidence 0).
 */
int	clf_predict(const struct clf_model *, const char *p, size_t len,
	    struct clf_guess *g);

/* The model's classes (in a fixed order), and how many texts it saw. */
size_t	clf_model_nclasses(const struct clf_model *);
const char *clf_model_class(const struct clf_model *, size_t i);
size_t	clf_model_nfeatures(const struct clf_model *);
size_t	clf_model_ntrain(const struct clf_model *);
/* 1 when a loaded model is read where its bytes are (terms in order). */
int	clf_model_in_place(const struct clf_model *);

/*
 * The model as bytes to store (caller frees), and back. clf_model_load
 * checks every length and count against the bytes it has (a damaged blob
 * is refused, never read past): NULL with a reason in err.
 */
char	*clf_model_save(const struct clf_model *, size_t *len);
struct clf_model *clf_model_load(const void *p, size_t len, char *err,
	    size_t errsz);
/*
 * clf_model_load of p (from malloc), which it takes: the model keeps the
 * bytes when it reads them in place, else they are freed here.
 */
struct clf_model *clf_model_adopt(char *p, size_t len, char *err,
	    size_t errsz);

/*
 * One line of a training file (p, len without its line end): the
 * tab-separated columns id, title, body, category. The fields point into
 * p. Returns 0, or -1 when the line is broken: not exactly four columns,
 * a NUL byte anywhere, or a category that is empty, longer than
 * LIMIT_CATEGORY_BYTES, not UTF-8 or holds a control character. A header
 * line ("id\ttitle\tbody\tcategory")
 * parses like any other: the caller skips it.
 */
struct clf_row {
	const char *id, *title, *body, *category;
	size_t	    id_len, title_len, body_len, category_len;
};
int	clf_tsv_row(const char *p, size_t len, struct clf_row *);

/*
 * Measuring a model: a confusion matrix over the classes of the model
 * plus one row/column for labels it does not know.
 */
struct clf_eval {
	size_t	    nclasses;		/* the model's, plus one "other" */
	char	  **names;		/* [nclasses]; the last is "(other)" */
	size_t	   *confusion;		/* [truth * nclasses + guess] */
	size_t	    n, correct;
	size_t	   *truth_count;	/* per class, for the baseline */
};
void	clf_eval_init(struct clf_eval *, const struct clf_model *);
/* Count one labelled text: the model's guess for it against truth. */
void	clf_eval_add(struct clf_eval *, const struct clf_model *,
	    const char *p, size_t len, const char *truth);
/* Count a guess already made (index into the model's classes, or -1). */
void	clf_eval_count(struct clf_eval *, const char *truth, int guess);
double	clf_eval_accuracy(const struct clf_eval *);
/* The mean of the per-class F1 over the classes that occur as truth or
 * guess. */
double	clf_eval_macro_f1(const struct clf_eval *);
/* The accuracy of always guessing the most frequent true class, and it. */
double	clf_eval_majority(const struct clf_eval *, const char **name);
void	clf_eval_clear(struct clf_eval *);

/*
 * The words of a text as the model reads them, for the tests: calls fn
 * for each kept word (lower-cased, not NUL-terminated). Pure.
 */
void	clf_words(const char *p, size_t len,
	    void (*fn)(const char *w, size_t n, void *), void *arg);

#endif
