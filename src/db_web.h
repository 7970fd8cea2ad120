/*
 * db_web.h — the web page's read-only queries (db_web.c). The page opens
 * the database with DB_RDONLY (SQLITE_OPEN_READONLY and query_only), so
 * none of these could write even by mistake.
 *
 * Strings handed to a callback live only during the call. Return: DB_OK,
 * DB_TEMP, DB_PERM; "1" where a function says so for "not found".
 */
#ifndef TICKETD_DB_WEB_H
#define TICKETD_DB_WEB_H

#include <stddef.h>
#include <time.h>

struct db;

/* Most words of a search query turned into FTS5 terms. */
#define DB_WEB_QUERY_TERMS	16

/*
 * A user's search words (p, len) as an FTS5 query: each word or "quoted
 * phrase" becomes an FTS5 string (so no word is ever FTS5 syntax), a word
 * ending in '*' a prefix query, all of them required. Words without a
 * letter or digit are dropped; at most DB_WEB_QUERY_TERMS are kept.
 * Returns a new string, or NULL when nothing is left to search for. Pure.
 */
char	*db_web_fts_query(const char *p, size_t len);

struct db_web_filter {
	const char *status;	/* NULL = any; "active": open or assigned */
	const char *priority;
	const char *category;	/* "hardware" or "hardware/printer" */
	const char *admin;	/* an address, or "none" for unassigned */
	const char *fts;	/* from db_web_fts_query(), NULL = no search */
	int	    limit;
	int	    offset;
};

struct db_web_row {
	long long   number;
	const char *subject;
	const char *status;
	const char *priority;
	const char *category;		/* may be NULL */
	const char *subcategory;	/* may be NULL */
	const char *requester;
	const char *requester_name;	/* may be NULL */
	const char *assignee;		/* may be NULL */
	long long   created_at;
	long long   updated_at;
	long long   closed_at;		/* 0 = open */
	const char *snippet;		/* search: marks \x01 \x02 */
};

/*
 * The tickets that pass the filter, newest first (best match first with
 * a search), limit from offset; *total gets how many pass in all.
 */
int	db_web_list(struct db *, const struct db_web_filter *,
	    void (*fn)(const struct db_web_row *, void *), void *arg,
	    long long *total);

struct db_web_ticket {
	long long   number;
	const char *subject;
	const char *body;
	const char *status;
	const char *priority;
	const char *category;
	const char *subcategory;
	const char *requester;
	const char *requester_name;
	const char *assignee;
	const char *assignee_name;
	long long   created_at, updated_at, closed_at, assigned_at;
	long long   linked_to;
	long long   handovers;
	int	    published;
	const char *kb_title;
	long long   due_at;		/* 0: no SLA target */
	long long   breached_at;	/* 0: not breached */
	const char *sla_reason;		/* may be NULL */
};
/* One ticket to fn: DB_OK, 1 when there is none, or an error. */
int	db_web_ticket(struct db *, long long number,
	    void (*fn)(const struct db_web_ticket *, void *), void *arg);

struct db_web_comment {
	long long   id;
	const char *author;		/* may be NULL */
	const char *author_name;	/* may be NULL */
	int	    author_admin;
	const char *body;
	int	    internal;
	long long   created_at;
};
/* Comments of a ticket, oldest first; internal ones only with internal. */
int	db_web_comments(struct db *, long long ticket, int internal,
	    void (*fn)(const struct db_web_comment *, void *), void *arg);

struct db_web_event {
	long long   id;
	long long   at;
	const char *actor;		/* may be NULL (the desk itself) */
	const char *kind;
	const char *detail;		/* may be NULL */
};
int	db_web_events(struct db *, long long ticket,
	    void (*fn)(const struct db_web_event *, void *), void *arg);

struct db_web_attachment {
	long long   id;
	long long   comment_id;		/* 0: the first mail */
	int	    internal;		/* on an internal comment */
	const char *filename;
	const char *media_type;		/* as the mail declared it */
	long long   size;
	int	    kept;
	const char *note;
	const unsigned char *head;	/* first bytes, for the image check */
	size_t	    headlen;
};
int	db_web_attachments(struct db *, long long ticket,
	    void (*fn)(const struct db_web_attachment *, void *), void *arg);

/*
 * The bytes of attachment id of ticket (another ticket's id is not
 * found): DB_OK and *data (caller frees), *filename (caller frees),
 * *internal; 1 when there is none or its bytes were not kept.
 */
int	db_web_attachment_data(struct db *, long long ticket, long long id,
	    char **data, size_t *len, char **filename, int *internal);

struct db_web_article {
	long long   number;
	const char *title;
	const char *category;
	long long   closed_at;
};
/* The tickets offered to the knowledge base (/publish), newest first. */
int	db_web_kb(struct db *, void (*fn)(const struct db_web_article *,
	    void *), void *arg);

/* Addresses of admins and root admins, for the list's filter. */
int	db_web_admins(struct db *, void (*fn)(const char *email, void *),
	    void *arg);

/* Notices waiting to be sent, and given up on. */
int	db_web_outbox(struct db *, long long *pending, long long *failed);

/* PRAGMA data_version of this connection: changes when another one
 * commits (so cached figures are stale). */
int	db_web_data_version(struct db *, long long *);

/* The database answers: DB_OK, or the error. */
int	db_web_ping(struct db *);

/*
 * Belt and braces for a connection opened with DB_RDONLY: PRAGMA
 * query_only, and check that SQLite itself holds it read-only. DB_OK, or
 * DB_PERM when it could write. Also sizes the connection for reading
 * (memory-mapped file, a larger page cache).
 */
int	db_web_seal(struct db *);

#endif
