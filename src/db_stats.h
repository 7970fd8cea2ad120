/*
 * db_stats.h — the SQL behind stats.c (db_stats.c): read-only queries,
 * each answered from an index (schema.sql, version 3). Strings handed to
 * a callback live only during the call. Return: DB_OK, DB_TEMP, DB_PERM.
 */
#ifndef TICKETD_DB_STATS_H
#define TICKETD_DB_STATS_H

#include <stddef.h>
#include <time.h>

struct db;

/* Tickets per (priority, status): fn once for each pair there is. */
int	db_stats_counts(struct db *, void (*fn)(const char *priority,
	    const char *status, long long n, void *), void *arg);

/*
 * The created_at (closed = 0) or closed_at (closed = 1) times at or after
 * since, into *v (caller frees), *n of them.
 */
int	db_stats_times(struct db *, int closed, time_t since, long long **v,
	    size_t *n);

/* Each ticket resolved by an admin at or after since (not by self-help:
 * those are counted apart, db_kb_self_help_count). */
struct db_stats_resolved {
	long long   assignee_id;	/* 0 = none */
	const char *priority;
	long long   closed_at;
	long long   secs;		/* closed_at - created_at */
	long long   due_at;		/* 0 = no SLA target */
};
int	db_stats_resolved(struct db *, time_t since,
	    void (*fn)(const struct db_stats_resolved *, void *), void *arg);
/* Tickets that missed their due time: breached by the SLA clock, closed
 * after it, or open past it at now. */
int	db_stats_breached(struct db *, time_t now, long long *n);

/*
 * The event log of the tickets created at or after since, by ticket, then
 * time: fn once per event with its ticket's fields. The actor's role is
 * their role now ("user", "admin", "root", "blocked"; NULL for the desk).
 */
struct db_stats_event {
	long long   ticket;
	long long   created_at;
	const char *priority;
	const char *category;		/* may be NULL */
	const char *status;
	long long   closed_at;		/* 0 = open */
	long long   due_at;		/* 0 = no target */
	long long   at;
	const char *kind;
	const char *actor;		/* address; NULL = the desk */
	const char *actor_role;
	const char *detail;		/* may be NULL */
};
int	db_stats_events(struct db *, time_t since,
	    void (*fn)(const struct db_stats_event *, void *), void *arg);

/* Each admin and root admin, by address. */
struct db_stats_admin {
	long long   id;
	const char *email;
	const char *name;		/* may be NULL */
	int	    root;
	int	    away;		/* away at now */
	long long   away_until;		/* when away: 0 = until back */
	long long   open;		/* status assigned, theirs */
	long long   last_seen;		/* their last mail or event */
};
int	db_stats_admins(struct db *, time_t now,
	    void (*fn)(const struct db_stats_admin *, void *), void *arg);

#endif
