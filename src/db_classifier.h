/*
 * db_classifier.h — the category classifier's storage (db_classifier.c):
 * labelled texts from training files, the desk's own resolved tickets as
 * examples, and the trained model (classifier.c's bytes) in one row.
 * Return: DB_OK, DB_TEMP, DB_PERM, or 1 where it says "none".
 */
#ifndef TICKETD_DB_CLASSIFIER_H
#define TICKETD_DB_CLASSIFIER_H

#include <stddef.h>
#include <time.h>

struct db;

/* Keep a labelled text from a training file. */
int	db_clf_example_add(struct db *, const char *text, size_t len,
	    const char *category, time_t now);
/* Forget the texts from training files (ticketctl classify --train
 * --replace). *n gets how many there were. */
int	db_clf_examples_clear(struct db *, long long *n);

/*
 * Every example for fn: the texts from training files, then each resolved
 * ticket whose category a person gave or confirmed (not the classifier's
 * guess), as its subject and body, labelled with the category's top
 * level. Strings live during the call.
 */
int	db_clf_each(struct db *, void (*fn)(const char *text, size_t len,
	    const char *category, void *), void *arg);

/* Store a trained model (replacing the last). */
int	db_clf_model_save(struct db *, const char *model, size_t len,
	    long long examples, time_t now);
/*
 * The stored model: 0 and *model (caller frees), *len, *trained_at and
 * *examples (either may be NULL); 1 when none has been trained.
 */
int	db_clf_model_load(struct db *, char **model, size_t *len,
	    long long *trained_at, long long *examples);
/* When the stored model was trained (0: none), cheap: to see whether the
 * one in memory is still the newest. */
int	db_clf_model_time(struct db *, long long *trained_at);

#endif
