/*
 * db_kb.h — the SQL of the knowledge base and of self-help (db_kb.c):
 * articles, their versions and images, the search of the page and the
 * suggestions of an acknowledgement, and the ticket flags of issue 11
 * (self_help, category_guessed). Reading calls work on a read-only
 * connection (the page). Return: DB_OK, DB_TEMP, DB_PERM, or 1 where it
 * says "not found".
 */
#ifndef TICKETD_DB_KB_H
#define TICKETD_DB_KB_H

#include <stddef.h>
#include <time.h>

struct db;

/* What an article is made from: the ticket and who is on it. */
struct db_kb_source {
	long long   number;
	char	   *subject;
	char	   *body;
	char	   *status;
	char	   *category;		/* "cat" or "cat/sub"; NULL = none */
	char	   *requester;		/* address */
	char	   *requester_name;	/* NULL = unknown */
	long long   resolver_id;	/* who resolved it (the last resolved
					 * event's actor, else the assignee);
					 * 0 = nobody */
	char	   *resolve_note;	/* the /resolve note; NULL = none */
};
/* 0 found, 1 no such ticket, <0 error. Clear with _clear. */
int	db_kb_source(struct db *, long long ticket, struct db_kb_source *);
void	db_kb_source_clear(struct db_kb_source *);

/*
 * The non-internal comments of author on ticket (quotes stripped when
 * stored), oldest first, joined by blank lines, into *text (caller
 * frees; "" when none).
 */
int	db_kb_comments(struct db *, long long ticket, long long author,
	    char **text);

/* The article of a ticket: 1 and *id, *status (static string) or 0. */
int	db_kb_of_ticket(struct db *, long long ticket, long long *id,
	    const char **status);

struct db_kb_new {
	long long   ticket;
	const char *title;
	const char *problem;
	const char *answer;
	const char *body;
	const char *category;		/* NULL = none */
	long long   author_id;
	time_t	    now;
};
/*
 * Make an article (version 1) with the ticket's images: those of its
 * first mail and of the author's non-internal comments whose bytes are
 * kept. *id gets the article's number.
 */
int	db_kb_add(struct db *, const struct db_kb_new *, long long *id);
/* A new version: title (NULL keeps it) and body by author. */
int	db_kb_edit(struct db *, long long id, const char *title,
	    const char *body, long long author, time_t now);
/* "published" or "withdrawn". */
int	db_kb_set_status(struct db *, long long id, const char *status,
	    time_t now);

struct db_kb_article {
	long long   id;
	long long   ticket;		/* 0 = none */
	char	   *title;
	char	   *problem;
	char	   *answer;
	char	   *body;
	char	   *category;		/* NULL = none */
	char	   *status;
	int	    version;
	long long   created_at, updated_at;
};
/* 0 found, 1 not, <0 error. Clear with _clear. */
int	db_kb_get(struct db *, long long id, struct db_kb_article *);
void	db_kb_article_clear(struct db_kb_article *);

/* A row of a list: strings live during the callback. */
struct db_kb_row {
	long long   id;
	long long   ticket;
	const char *title;
	const char *category;		/* NULL = none */
	const char *status;
	const char *snippet;		/* with a search: marked words (html.h
					 * marks); else NULL */
	int	    version;
	long long   updated_at;
	double	    score;		/* with a search: -bm25, higher better */
};
/*
 * Articles for fn: published ones only unless all; of one category (the
 * part before '/', case-insensitively) when category is not NULL; those
 * matching the FTS5 query fts (db_web_fts_query's syntax) when not NULL,
 * best first, else by category, then title. At most limit (0: all).
 */
int	db_kb_each(struct db *, const char *category, const char *fts, int all,
	    size_t limit, void (*fn)(const struct db_kb_row *, void *), void *arg);

/* The categories that published articles have, with their counts. */
int	db_kb_categories(struct db *, void (*fn)(const char *category,
	    long long n, void *), void *arg);

/*
 * Suggestion candidates: published articles that match fts (an OR of
 * words), best bm25 first (title counts twice), at most max, with their
 * title and body for the relevance check (kb.c). Caller frees with
 * db_kb_hits_free.
 */
struct db_kb_hit {
	long long   id;
	char	   *title;
	char	   *body;
	double	    bm25;		/* -bm25: higher is better */
};
int	db_kb_candidates(struct db *, const char *fts, size_t max,
	    struct db_kb_hit **rows, size_t *n);
void	db_kb_hits_free(struct db_kb_hit *, size_t);

/* The images of an article, in arrival order. */
struct db_kb_image {
	long long   attachment_id;
	const char *filename;
	const char *media_type;
	long long   size;
};
int	db_kb_images(struct db *, long long article,
	    void (*fn)(const struct db_kb_image *, void *), void *arg);
/* The bytes of one image of a published article: 0 (caller frees *data
 * and *filename), 1 not found, <0 error. */
int	db_kb_image_data(struct db *, long long article, long long attachment,
	    char **data, size_t *len, char **filename);

/* The ticket was closed by its requester's /solved. */
int	db_ticket_self_help(struct db *, long long ticket);
/* The ticket's category was guessed by the classifier. */
int	db_ticket_category_guessed(struct db *, long long ticket);
/* Tickets closed by self-help, in all. */
int	db_kb_self_help_count(struct db *, long long *n);

#endif
