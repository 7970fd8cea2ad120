/*
 * db_asset.h — the SQL of the IT asset registry (db_asset.c): assets,
 * their history (asset_events), the device a ticket is about
 * (ticket_assets), and the lists of ticketctl, the mail and the page.
 * Reading calls work on a read-only connection (the page). Return:
 * DB_OK, DB_TEMP, DB_PERM, or 1 where it says "not found".
 */
#ifndef TICKETD_DB_ASSET_H
#define TICKETD_DB_ASSET_H

#include <stddef.h>
#include <time.h>

struct db;

/* One asset as stored; strings owned (db_asset_clear). */
struct db_asset {
	long long   id;
	char	   *tag;
	char	   *type;
	char	   *model;		/* "" = none */
	char	   *serial;		/* NULL = none */
	long long   owner_id;		/* 0 = in stock */
	char	   *owner;		/* address, NULL = none */
	char	   *owner_role;		/* "user", …, "blocked"; NULL = none */
	char	   *status;
	char	   *purchased;		/* "YYYY-MM-DD", NULL = none */
	char	   *warranty;		/* "YYYY-MM-DD", NULL = none */
	char	   *notes;		/* NULL = none */
	long long   created_at, updated_at;
	long long   tickets;		/* linked tickets, all time */
	long long   tickets_90d;	/* of them created in the last 90 days
					 * (db_asset_top only) */
};
void	db_asset_clear(struct db_asset *);

/* By tag (any case): 0 and *a, 1 when there is none, <0 error. */
int	db_asset_get(struct db *, const char *tag, struct db_asset *a);

/* By id: 0 and *a, 1 when there is none, <0 error. */
int	db_asset_by_id(struct db *, long long id, struct db_asset *a);

/* Who made a change: people.id (0: none, e.g. ticketctl) and a text. */
struct db_asset_actor {
	long long   id;
	const char *name;	/* address, or "ticketctl (USER)" */
};

struct db_asset_new {
	const char *tag;
	const char *type;
	const char *model;
	const char *serial;	/* NULL = none */
	long long   owner_id;	/* 0 = none */
	const char *status;
	const char *purchased;	/* NULL = none */
	const char *warranty;	/* NULL = none */
	const char *notes;	/* NULL = none */
};
/* Insert (the tag must be new), with an "added" event; *id gets its id. */
int	db_asset_add(struct db *, const struct db_asset_new *,
	    const struct db_asset_actor *, time_t now, long long *id);

/*
 * Set the columns of asset id from n (tag unchanged): the import's
 * update. Events are the caller's (db_asset_event).
 */
int	db_asset_update(struct db *, long long id, const struct db_asset_new *,
	    time_t now);
/* Set owner (0 = none) and status. */
int	db_asset_set_owner(struct db *, long long id, long long owner,
	    const char *status, time_t now);
int	db_asset_set_status(struct db *, long long id, const char *status,
	    time_t now);
/* Append a line to the notes. */
int	db_asset_add_note(struct db *, long long id, const char *line,
	    time_t now);
/* An event in the asset's history; owner: the owner after an added,
 * given or returned event (0: none), else 0. */
int	db_asset_event(struct db *, long long id,
	    const struct db_asset_actor *, const char *kind,
	    const char *detail, long long owner, time_t now);

/* A person by address: 0 and *id, *role (static), or 1 when unknown. */
int	db_asset_person(struct db *, const char *email, long long *id,
	    const char **role);

/* The list's filter; NULL/0 fields do not filter. */
struct db_asset_filter {
	const char *type;
	const char *status;
	const char *owner;		/* address; "none": in stock */
	const char *warranty_before;	/* "YYYY-MM-DD": warranty ends from
					 * warranty_from up to this day */
	const char *warranty_from;
	size_t	    limit;		/* 0: no limit */
};
/* Assets in tag order, with their ticket counts; cb's a is borrowed. */
int	db_asset_each(struct db *, const struct db_asset_filter *,
	    void (*cb)(const struct db_asset *a, void *), void *arg);

struct db_asset_event_row {
	long long   at;
	const char *actor;
	const char *kind;
	const char *detail;	/* NULL = none */
	int	    owner_change;
	const char *owner;	/* after the change; NULL = none */
};
/* An asset's history, oldest first. */
int	db_asset_history(struct db *, long long id,
	    void (*cb)(const struct db_asset_event_row *, void *), void *arg);

struct db_asset_ticket {
	long long   number;
	const char *subject;
	const char *status;
	const char *requester;
	const char *how;
	long long   created_at;
};
/* The tickets about an asset, newest first; except: a ticket to leave
 * out (0: none); at most max (0: all). */
int	db_asset_tickets(struct db *, long long id, long long except,
	    size_t max, void (*cb)(const struct db_asset_ticket *, void *),
	    void *arg);

/* Assets held by a person (by id), in tag order. */
int	db_asset_of_owner(struct db *, long long owner,
	    void (*cb)(const struct db_asset *a, void *), void *arg);

/*
 * The requester's assets of type that are not retired: *n how many, *id
 * the one when *n == 1.
 */
int	db_asset_owned_of_type(struct db *, long long owner, const char *type,
	    long long *id, size_t *n);

/* Link ticket to asset (replacing a link it had), how: see schema.sql. */
int	db_asset_link(struct db *, long long ticket, long long asset,
	    const char *how, time_t now);
/* The asset of a ticket: 0 and *a, 1 when none. */
int	db_asset_of_ticket(struct db *, long long ticket, struct db_asset *a,
	    char **how);

/* The assets with the most tickets created since since (at least one),
 * most first, at most max. */
int	db_asset_top(struct db *, long long since, size_t max,
	    void (*cb)(const struct db_asset *a, void *), void *arg);

#endif
