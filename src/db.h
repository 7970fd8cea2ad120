/*
 * db.h — the SQLite database. db.c opens, creates and migrates; db_ticket.c
 * holds the statements of intake and the outbox. These are the only files
 * that include sqlite3.h.
 *
 * Return convention for int calls: DB_OK (0), DB_TEMP (-1: busy, locked,
 * I/O — try the same again later), DB_PERM (-2: constraint, corrupt, misuse).
 * db_errmsg() tells the last reason.
 */
#ifndef TICKETD_DB_H
#define TICKETD_DB_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#define DB_OK		0
#define DB_TEMP		(-1)
#define DB_PERM		(-2)

/* The schema version this binary writes; schema.sql is that version. */
#define DB_SCHEMA_VERSION	11

struct db;

/*
 * Create a new database at path from schema.sql: WAL, foreign keys,
 * user_version = DB_SCHEMA_VERSION. Refuses an existing file. 0 or -1 with
 * a message in *errstr (caller frees).
 */
int	db_create(const char *path, char **errstr);

#define DB_RDONLY	0x01	/* SQLITE_OPEN_READONLY (web page, reports) */
/*
 * ticketd: hold a shared flock(2) on the database file while it is open,
 * so that ticketctl restore can tell the database is in use. Refused
 * (temporary) while a restore holds the file.
 */
#define DB_INUSE	0x02

/*
 * Open an existing database; an older schema is migrated (all steps in one
 * transaction, after a copy of the database as it was is kept beside it:
 * PATH.bak-vN-YYYYMMDDTHHMMSSZ, mode 0600; no copy, no migration), a newer
 * one or a missing file refused with a message saying what to do. NULL on failure,
 * *errstr set (caller frees); *temp (may be NULL) says whether trying again
 * later may help (busy, locked, I/O).
 */
struct db *db_open(const char *path, int flags, char **errstr, int *temp);
void	db_free(struct db **);
const char *db_errmsg(struct db *);

/*
 * A busy database (another process writes) is waited for up to 5 seconds
 * a statement. While *stop is set (a signal handler's flag; NULL: never)
 * the wait ends at once and the statement fails as busy (DB_TEMP), so
 * that a stopping daemon is not held by someone else's lock. Every
 * connection of the process, opened before or after.
 */
void	db_busy_stop(volatile sig_atomic_t *stop);

/* --- copies (db_backup.c) --- */

/* What a database holds, for ticketctl's messages. */
struct db_copy_info {
	int		version;	/* schema (user_version) */
	long long	tickets, mails, attachments;
	long long	bytes;		/* size of the file */
};

/*
 * Look at the database at path read-only (no migration, no check of
 * every page): a ticketd database of schema 1..DB_SCHEMA_VERSION. 0 with
 * info, or -1 with *errstr (caller frees).
 */
int	db_peek(const char *path, struct db_copy_info *, char **errstr);

/*
 * Copy the database at path to dest (a new file, mode 0600; refused when
 * anything is there) with the online backup API, from a read-only
 * connection of its own, in one step: a consistent snapshot while ticketd
 * writes, which it never blocks. Any schema version this binary knows
 * (no migration). The copy is checked (PRAGMA quick_check); info
 * describes it. 0, or -1 with *errstr (caller frees; no partial copy is
 * left).
 */
int	db_backup(const char *path, const char *dest, struct db_copy_info *,
	    char **errstr);

/*
 * Replace the database at path with the backup from (checked first: a
 * ticketd database of schema 1..DB_SCHEMA_VERSION, quick_check ok), with
 * the online backup API, so that even a database in use ends up whole.
 * A database in use by a ticketd (DB_INUSE) is refused unless force; an
 * existing one is first copied to *saved (caller frees; NULL when there
 * was none). info describes the backup (an older schema is migrated at
 * ticketd's next start); *in_use says a ticketd had the database open.
 * 0, or -1 with *errstr (caller frees; the database is left as it was).
 */
int	db_restore(const char *path, const char *from, int force, char **saved,
	    struct db_copy_info *, int *in_use, char **errstr);

/* "PATH.bak-TAG-YYYYMMDDTHHMMSSZ" for a copy made now (UTC); new string. */
char	*db_backup_name(const char *path, const char *tag);

/* Transactions (BEGIN IMMEDIATE) and savepoints inside them. */
int	db_begin(struct db *);
int	db_commit(struct db *);
/*
 * db_begin for a transaction whose commit does not wait for the disk: for
 * one that a power failure may undo, because undone it is worked out or
 * done again from what is synced, and the next synced commit syncs it
 * too. An outbox lease (the notice is pending and sent again, as one
 * leased by a process that died is); the SLA sweep and the digests,
 * whose notices a power loss between their send and the synced "sent"
 * mark makes again and sends a second time, under a new Message-ID.
 * Never for mails. db_commit or db_rollback ends it as usual, and any
 * later db_begin is synced whatever happened.
 */
int	db_begin_unsynced(struct db *);
void	db_rollback(struct db *);
int	db_savepoint(struct db *);
int	db_release(struct db *);
void	db_rollback_savepoint(struct db *);

/* --- intake (db_ticket.c) --- */

/*
 * Whether a mail with this message_id was taken in already: 0 no, 1 yes,
 * 2 yes and it went to the failed folder; <0 error.
 */
int	db_mail_known(struct db *, const char *message_id);

/* Find or add a person by address; fills *id. Keeps an existing name. */
int	db_person_get(struct db *, const char *email, const char *name,
	    time_t now, long long *id);

struct db_ticket {
	const char *subject;
	const char *body;
	long long   requester_id;
	const char *priority;	/* "low" */
	time_t	    created_at;
	const char *category;		/* NULL = none */
	const char *subcategory;	/* NULL = none */
};
/* Insert a ticket (status open); fills *number. */
int	db_ticket_add(struct db *, const struct db_ticket *, long long *number);

struct mail_part;
struct db_mail {
	const char *message_id;
	time_t	    received_at;
	const char *source;		/* "imap" or "stdin" */
	long long   uidvalidity;	/* 0 when not from IMAP */
	long long   uid;
	const char *from_addr;
	const char *from_name;
	const char *subject;
	const char *raw;
	size_t	    len;
	const char *disposition;	/* "ticket" or "failed" */
	long long   ticket_number;	/* 0 = none */
	const char *note;
	/*
	 * The parts mime_parse() found in raw (may be NULL): the base64 text
	 * of each one lying in raw (raw_off, raw_len) is kept as a reference
	 * to its blob, when writing it back gives the very same bytes.
	 */
	const struct mail_part *parts;
	size_t	    nparts;
};
/* Store a mail; *id (may be NULL) gets its row id. */
int	db_mail_add(struct db *, const struct db_mail *, long long *id);

/* 1 when ticket number exists (and *status, may be NULL, points to a
 * static "open"/"assigned"/"resolved"/"rejected"), 0 when not, <0 error. */
int	db_ticket_exists(struct db *, long long number, const char **status);
/* Set linked_to of a ticket (opened by a stranger's reply to another). */
int	db_ticket_link(struct db *, long long number, long long linked_to);
/* Bump updated_at. */
int	db_ticket_touch(struct db *, long long number, time_t now);
/* The ticket a Message-ID belongs to: 1 and *number, 0 when unknown. */
int	db_msgid_ticket(struct db *, const char *message_id, long long *number);

/* 1 when the person is an admin or root admin, 0 if not, <0 error. */
int	db_person_is_admin(struct db *, long long person);
/* 1 when the person is a root admin, 0 if not, <0 error. */
int	db_person_is_root(struct db *, long long person);
/* 1 when a notice to this address bounced since they last wrote. */
int	db_person_bouncing(struct db *, const char *email);
/* Mark an address bouncing (since now) or, with now == 0, not any more. */
int	db_person_set_bouncing(struct db *, const char *email, time_t now);

/* Participants: 1 when on the ticket, 0 if not; add is a no-op if on it. */
int	db_participant_is(struct db *, long long ticket, long long person);
int	db_participant_add(struct db *, long long ticket, long long person,
	    const char *role, time_t now);

struct db_comment {
	long long   ticket_number;
	long long   author_id;
	long long   mail_id;
	const char *body;	/* stripped of quotes and signature */
	const char *full_body;
	time_t	    created_at;
	int	    internal;	/* /internal: admins only */
};
int	db_comment_add(struct db *, const struct db_comment *, long long *id);

struct db_attachment {
	long long   ticket_number;
	long long   comment_id;	/* 0: the ticket's first mail */
	long long   mail_id;
	const char *filename;
	const char *media_type;
	const char *content_id;	/* may be NULL */
	const char *data;	/* NULL: not kept (note says why) */
	size_t	    size;
	int	    is_image;
	int	    is_inline;
	const char *note;
};
/* Store an attachment; its bytes go into blobs once per SHA-256. */
int	db_attachment_add(struct db *, const struct db_attachment *);

/*
 * A bounce came back for the notice with this Message-ID: record it.
 * 1 and *ticket / *rcpt (caller frees) when the notice is ours, 0 if not.
 */
int	db_outbox_bounced(struct db *, const char *message_id, const char *reason,
	    time_t now, long long *ticket, char **rcpt);
/*
 * Notices queued to an address since a time (for the rate limit), counted
 * up to max: the count stops there, so an address with many held notices
 * costs no more than one at the limit.
 */
int	db_notice_count(struct db *, const char *rcpt, time_t since, int max,
	    int *count);

/* Remember a Message-ID (received or sent) as belonging to a ticket. */
int	db_msgid_add(struct db *, const char *message_id, long long ticket);

int	db_event_add(struct db *, long long ticket, long long actor,
	    const char *kind, const char *detail, time_t at);

/* --- outbox (db_ticket.c) --- */

struct db_outbox {
	long long   id;
	long long   ticket_number;	/* 0 = none */
	char	   *kind;
	char	   *message_id;
	char	   *mail_from;
	char	   *rcpt_to;
	char	   *message;
	size_t	    len;
	int	    attempts;
	char	   *bad;		/* non-NULL: the stored notice cannot be
					 * read back (why); message is "" */
};

/* Queue a notice (status pending, due now). Strings are copied by SQLite. */
int	db_outbox_add(struct db *, long long ticket, const char *kind,
	    const char *message_id, const char *mail_from, const char *rcpt_to,
	    const char *message, size_t len, time_t now);
/*
 * The same with a status: "pending", or "suppressed" (never sent; reason
 * says why) or "held" (an admin's notice over the rate limit, for the next
 * digest). *id (may be NULL) gets the row's id.
 */
int	db_outbox_add_as(struct db *, long long ticket, const char *kind,
	    const char *message_id, const char *mail_from, const char *rcpt_to,
	    const char *message, size_t len, time_t now, const char *status,
	    const char *reason, long long *id);
/* The same for a message whose images are references (refs: notice_unref). */
int	db_outbox_add_refs(struct db *, long long ticket, const char *kind,
	    const char *message_id, const char *mail_from, const char *rcpt_to,
	    const char *message, size_t len, int refs, time_t now,
	    const char *status, const char *reason, long long *id);

/* What the desk knows of a recipient; all 0 for an unknown address. */
struct db_rcpt {
	int	bouncing;	/* a notice bounced; none until they write */
	int	staff;		/* an admin or root admin */
	int	no_reply;	/* a list's or a robot's address */
};
int	db_rcpt_info(struct db *, const char *email, struct db_rcpt *);
/*
 * Mark email a list's or robot's address (on: created when unknown; never
 * an admin's or root admin's, nor of one whose mail the desk took as a
 * ticket or comment), or a person again (on = 0: they wrote).
 */
int	db_person_no_reply(struct db *, const char *email, int on, time_t now);

/* Held notices (status held) of one recipient, for a digest. */
struct db_held {
	long long   id;
	long long   ticket_number;	/* 0 = none */
	char	   *kind;
	char	   *priority;		/* of the ticket; "" when none */
	char	   *subject;		/* of the ticket; "" when none */
};
/*
 * Recipients with held notices whose last digest (kind "digest") was
 * created before not_after, or who never had one: *rcpts (caller frees
 * each and the array) and *n. *next gets the earliest time a recipient
 * with held notices becomes due (last digest + interval), 0 when none.
 */
int	db_held_due(struct db *, time_t not_after, long long interval,
	    char ***rcpts, size_t *n, time_t *next);
/* The held notices of rcpt, oldest first (at most max). */
int	db_held_list(struct db *, const char *rcpt, size_t max,
	    struct db_held **rows, size_t *n);
void	db_held_free(struct db_held *, size_t);
/* ---- the SLA clock (db_sla.c) ---- */

/* Set a ticket's due and warning times (0: none); when reset, forget an
 * earlier warning and breach (the priority changed). */
int	db_sla_set(struct db *, long long ticket, long long due, long long warn,
	    int reset);
enum db_sla_what {
	DB_SLA_COMPUTE,		/* open, due time never computed */
	DB_SLA_WARN,		/* warn_at passed, not warned yet */
	DB_SLA_BREACH		/* due_at passed, not breached yet */
};
struct db_sla_due {
	long long	 ticket;
	enum db_sla_what what;
};
/* Open tickets whose clock needs the daemon at now (at most max). */
int	db_sla_due(struct db *, time_t now, size_t max, struct db_sla_due **rows,
	    size_t *n);
/* Mark a ticket warned or breached at now. */
int	db_sla_mark(struct db *, long long ticket, enum db_sla_what, time_t now);
/* The next time an open ticket's clock needs the daemon: 1 and *when, or
 * 0 when none does. */
int	db_sla_next(struct db *, time_t *when);
/* Store the admin's /reason for a breach. */
int	db_sla_reason(struct db *, long long ticket, const char *reason);
/* desk_state: a value by name (*value NULL when unset; caller frees). */
int	db_state_get(struct db *, const char *name, char **value);
int	db_state_set(struct db *, const char *name, const char *value);

/* Notices of kind queued or sent (not suppressed) since then, to anyone. */
int	db_notice_kind_count(struct db *, const char *kind, time_t since,
	    int *count);
/* Mark held notices of rcpt with id <= upto as coalesced into digest. */
int	db_held_coalesce(struct db *, const char *rcpt, long long upto,
	    long long digest);


/*
 * Up to max pending rows due at now (all pending rows when all != 0; only
 * those of one ticket when ticket > 0, with the older ones to its
 * recipients that they wait for; only those of no ticket when ticket is
 * -1), oldest first, not held by another sender, and only the oldest
 * pending one of each recipient (a person gets their notices in the order
 * they were written). *rows is a new array; free with db_outbox_rows_free.
 */
int	db_outbox_due(struct db *, time_t now, int all, long long ticket,
	    size_t max, struct db_outbox **rows, size_t *n);
/*
 * Hold a row for this sender (holder: lease.h, may be NULL) until now +
 * secs: 1 when it is ours to send, 0 when another sender holds it or it is
 * no longer pending.
 */
int	db_outbox_claim(struct db *, long long id, time_t now, int secs,
	    const char *holder);
/*
 * db_outbox_claim for each of ids in one transaction (one sync to disk
 * for the lot): got[i] is 1 when ids[i] is ours to send. A lease need not
 * survive a crash (the leases of a sender that is gone are freed), so one
 * commit for many costs nothing in durability.
 */
int	db_outbox_claim_many(struct db *, const long long *ids, size_t n,
	    time_t now, int secs, const char *holder, int *got);
/* Give back the leases of ids that holder took and did not use. */
int	db_outbox_unclaim(struct db *, const long long *ids, size_t n,
	    const char *holder);
/* The server is back: every pending row waiting for a retry is due now. */
int	db_outbox_wake(struct db *, time_t now, int *n);
/* The holders of the pending rows' leases running at now (caller frees
 * each and the array). */
int	db_outbox_holders(struct db *, time_t now, char ***holders, size_t *n);
/* Free every lease of holder (it is gone); *n gets how many there were. */
int	db_outbox_release(struct db *, const char *holder, int *n);
/* Pending notices, and how many of them another sender holds at now. */
int	db_outbox_left(struct db *, time_t now, int *pending, int *leased);
void	db_outbox_rows_free(struct db_outbox *, size_t);
int	db_outbox_sent(struct db *, long long id, time_t now);
int	db_outbox_retry(struct db *, long long id, time_t next, const char *err);
int	db_outbox_failed(struct db *, long long id, const char *err);
/* When the next pending row may be sent (its schedule and any lease):
 * 1 and *when, or 0 when nothing is pending. */
int	db_outbox_next(struct db *, time_t *when);

/* --- roles and assignment (db_desk.c) --- */

/*
 * Seed a role from the config: the person is created with it, or given it
 * when their role was never set before (by seeding or a command): the
 * database stays the truth afterwards. 1 when something changed, 0 not.
 */
int	db_seed_role(struct db *, const char *email, const char *role,
	    time_t now);

struct db_admin {
	long long   id;
	char	   *email;
	int	    open_tickets;	/* assigned to them and not closed */
	long long   last_assigned;	/* 0 = never */
	int	    away;		/* away now */
	long long   away_until;		/* 0 = until back, or not away */
	char	   *skills;		/* as stored, NULL = all categories */
	int	    root;		/* a root admin */
};
/* Every admin and root admin, for assignment at time now. */
int	db_admins(struct db *, time_t now, struct db_admin **rows, size_t *n);
void	db_admins_free(struct db_admin *, size_t);

/*
 * Assign a ticket to an admin: status assigned, assigned_at, a handover
 * counted when it had another assignee, the admin's last_assigned, and the
 * admin on the ticket as its assignee.
 */
int	db_ticket_assign(struct db *, long long ticket, long long admin,
	    time_t now);

struct db_ticket_info {
	long long   number;
	char	   *subject;
	char	   *status;
	char	   *priority;
	char	   *category;		/* NULL = none */
	long long   requester_id;
	char	   *requester;
	long long   assignee_id;	/* 0 = none */
	char	   *assignee;		/* NULL = none */
	long long   created_at;
	long long   closed_at;		/* 0 = open */
	long long   due_at;		/* 0 = no target (or not computed) */
	long long   breached_at;	/* 0 = not breached */
	char	   *sla_reason;		/* NULL = none given */
};
/* The ticket's state: 0 found, 1 not found, <0 error. Clear with _clear. */
int	db_ticket_info(struct db *, long long number, struct db_ticket_info *);
void	db_ticket_info_clear(struct db_ticket_info *);

#define DB_SET_PRIORITY	1
#define DB_SET_CATEGORY	2	/* value "cat" or "cat/sub" */
#define DB_SET_STATUS	3	/* resolved/rejected also set closed_at */
int	db_ticket_set(struct db *, long long number, int what,
	    const char *value, time_t now);
/* /publish: offer the ticket to the knowledge base under title (may be NULL). */
int	db_ticket_publish(struct db *, long long number, const char *title);
/* A person's id by address: 1 found, 0 not, <0 error. */
int	db_person_find(struct db *, const char *email, long long *id);

struct db_participant {
	long long   id;
	char	   *email;
	char	   *name;		/* may be NULL */
	int	    admin;		/* admin or root */
	int	    bouncing;
};
int	db_participants(struct db *, long long ticket,
	    struct db_participant **rows, size_t *n);
void	db_participants_free(struct db_participant *, size_t);

struct db_image {
	char	*filename;
	char	*media_type;
	long long blob;		/* blobs.id: the bytes stay in the database */
	size_t	 len;
};
/*
 * The stored images of a ticket's first mail (comment 0) or of a comment,
 * at most max_bytes of them in all, for a notice to carry.
 */
int	db_images(struct db *, long long ticket, long long comment,
	    size_t max_bytes, struct db_image **rows, size_t *n);
void	db_images_free(struct db_image *, size_t);

/*
 * For threading a notice in its recipient's client: the Message-ID of the
 * ticket's first mail, and of the last notice sent to rcpt about it.
 * Each may come back NULL (caller frees).
 */
int	db_thread_ids(struct db *, long long ticket, const char *rcpt,
	    char **first, char **last);

/* --- access (db_access.c) --- */

struct db_access {
	char	   *role;	/* user, admin, root, blocked */
	int	    granted;
	long long   denied_at;	/* last access-denied notice, 0 = never */
};
/* A person's access state: 0 found, 1 not found, <0 error. Free role. */
int	db_access_get(struct db *, long long person, struct db_access *);
int	db_access_denied_now(struct db *, long long person, time_t now);
/*
 * Keep a mail as a request of person: kind "access" (a sender outside
 * allow_domains, turned into a ticket by a grant) or "flood" (a sender
 * over max_new_tickets_per_hour, turned into a ticket by a release).
 */
int	db_access_request(struct db *, long long mail, long long person,
	    const char *kind, time_t now);
/* The mails of a person's pending requests of kind, oldest first. */
int	db_access_pending(struct db *, const char *email, const char *kind,
	    long long **mails, size_t *n);
/* Mails held as a flood and not released yet, oldest first. */
struct db_flood_row {
	long long   mail_id;
	const char *email;		/* the sender */
	long long   received_at;
	const char *subject;		/* "" when none */
};
int	db_flood_each(struct db *, void (*fn)(const struct db_flood_row *,
	    void *), void *arg);
/* How many mails of person were held as a flood since then. */
int	db_held_count(struct db *, long long person, time_t since, int *count);
/* How many tickets person opened since then. */
int	db_tickets_opened(struct db *, long long person, time_t since,
	    int *count);
int	db_access_granted(struct db *, long long mail, long long ticket,
	    time_t now);
/* grant: granted = 1 (a blocked person becomes a user); revoke: role
 * blocked, granted = 0; role: any of user/admin/root/blocked. Create the
 * person when new. */
int	db_user_grant(struct db *, const char *email, time_t now);
int	db_user_revoke(struct db *, const char *email, time_t now);
int	db_user_role(struct db *, const char *email, const char *role,
	    time_t now);

struct db_user_row {
	const char *email;
	const char *name;
	const char *role;
	int	    granted;
	const char *skills;
	long long   away_until;	/* -1 = not away */
	int	    pending;	/* access requests waiting */
};
/* skills: "network, software" (NULL = covers everything); away: until a
 * time (0 = until back), back: not away. The person must exist: 1 done,
 * 0 no such person, <0 error. */
int	db_user_skills(struct db *, const char *email, const char *skills);
int	db_user_away(struct db *, const char *email, long long until, int away);

struct db_report {
	int	 open, assigned, resolved, rejected;
	int	 requests;		/* access requests waiting */
	/* within [day_start, day_end) (yesterday, in the desk's zone) */
	int	 opened_day, closed_day, breached_day;
	/* open tickets (open or assigned) by priority (high, medium, low)
	 * and age at now: < 1 day, 1–3 days, 3–7 days, over 7 days */
	int	 age[3][4];
	int	 overdue;		/* open and past their due time */
};
/* A breach to report: open and overdue, or breached within the day. */
struct db_report_breach {
	long long number;
	char	*priority;
	char	*subject;
	char	*assignee;		/* NULL = none */
	long long due_at;
	char	*reason;		/* NULL = none given yet */
	int	 open;
};
struct db_report_admin {
	long long id;
	char	*email;
	int	 open;			/* assigned to them now */
	int	 resolved;
	long long median_secs;		/* resolution time; -1 = none yet */
};
int	db_report(struct db *, struct db_report *, struct db_report_admin **,
	    size_t *n);
void	db_report_free(struct db_report_admin *, size_t);
/* The day's figures of r (day_start..day_end, ages at now). */
int	db_report_day(struct db *, time_t day_start, time_t day_end, time_t now,
	    struct db_report *r);
/* The breaches to report (at most max), most urgent first. */
int	db_report_breaches(struct db *, time_t day_start, time_t now,
	    size_t max, struct db_report_breach **rows, size_t *n);
void	db_report_breaches_free(struct db_report_breach *, size_t);

int	db_user_each(struct db *, void (*fn)(const struct db_user_row *, void *),
	    void *arg);

/* The raw bytes of a stored mail (caller frees): 0, 1 not found, <0 err. */
int	db_mail_raw(struct db *, long long mail, char **raw, size_t *len);
/* Re-file a stored mail (a granted access request becomes a ticket). */
int	db_mail_refile(struct db *, long long mail, const char *disposition,
	    long long ticket, const char *note);

/* --- reading for ticketctl (db_ctl.c) --- */

/*
 * Read what follows from one snapshot of the database (a deferred read
 * transaction, fine on a read-only connection), so that a ticket and its
 * comments, participants and history agree while ticketd writes.
 */
int	db_read_begin(struct db *);
void	db_read_end(struct db *);

struct db_ticket_row {
	long long   number;
	const char *status;
	const char *priority;
	const char *category;		/* NULL = none */
	const char *subcategory;	/* NULL = none */
	const char *requester;		/* address */
	const char *requester_name;	/* may be NULL */
	const char *assignee;		/* address, NULL = none */
	const char *assignee_name;	/* may be NULL */
	const char *subject;
	const char *body;		/* only for db_ticket_show */
	long long   created_at;
	long long   updated_at;
	long long   assigned_at;	/* 0 = never assigned */
	long long   closed_at;		/* 0 = not closed */
	long long   linked_to;		/* 0 = none */
	int	    handovers;
};

/* Which tickets db_ticket_each() gives; every NULL/0 member matches all. */
struct db_ticket_filter {
	const char *status;		/* open, assigned, resolved, rejected */
	const char *priority;		/* high, medium, low */
	const char *category;		/* case-insensitive */
	const char *subcategory;	/* only with category */
	const char *admin;		/* the assignee's address */
	int	    unassigned;		/* only tickets without an assignee */
	const char *requester;		/* the requester's address */
	int	    limit;		/* the newest limit of them; 0 = all */
};

/* Call fn for each ticket that matches (filter may be NULL), newest first;
 * body is NULL. Strings are valid during fn. */
int	db_ticket_each(struct db *, const struct db_ticket_filter *,
	    void (*fn)(const struct db_ticket_row *, void *), void *arg);
/* Fill one ticket (strings valid during fn); 0 found, 1 not found, <0 err. */
int	db_ticket_show(struct db *, long long number,
	    void (*fn)(const struct db_ticket_row *, void *), void *arg);

struct db_comment_row {
	long long   id;
	const char *author;		/* address, may be NULL */
	const char *author_name;	/* may be NULL */
	const char *body;
	const char *full_body;
	long long   created_at;
	int	    internal;		/* /internal: for admins only */
};
/* Call fn for each comment of a ticket, oldest first. */
int	db_comment_each(struct db *, long long ticket,
	    void (*fn)(const struct db_comment_row *, void *), void *arg);

struct db_participant_row {
	const char *email;
	const char *name;		/* may be NULL */
	const char *role;		/* requester, assignee, cc */
	long long   added_at;
};
/* Call fn for each person on a ticket, in the order they joined it. */
int	db_participant_each(struct db *, long long ticket,
	    void (*fn)(const struct db_participant_row *, void *), void *arg);

struct db_event_row {
	long long   id;
	long long   at;
	const char *kind;		/* created, assigned, commented, … */
	const char *actor;		/* address; NULL = ticketd itself */
	const char *actor_name;		/* may be NULL */
	const char *detail;		/* may be NULL */
};
/* One event of the event log, with its ticket's fields (exports). */
struct db_export_row {
	long long   ticket;
	const char *subject;
	const char *priority;
	const char *category;		/* may be NULL */
	const char *subcategory;	/* may be NULL */
	const char *status;
	long long   created_at;
	long long   event_id;
	long long   at;
	const char *kind;
	const char *actor;		/* NULL: the desk itself */
	const char *detail;		/* may be NULL */
};
/*
 * Call fn for every event of every ticket created at or after since, by
 * ticket, then time. fn returns non-zero to stop (the result is then
 * DB_PERM).
 */
int	db_export_each(struct db *, long long since,
	    int (*fn)(const struct db_export_row *, void *), void *arg);
/* Call fn for each event of a ticket, oldest first. */
int	db_event_each(struct db *, long long ticket,
	    void (*fn)(const struct db_event_row *, void *), void *arg);

struct db_attachment_row {
	long long   id;
	long long   comment_id;		/* 0: the first mail */
	const char *filename;
	const char *media_type;
	long long   size;
	int	    is_image;
	int	    is_inline;
	int	    kept;		/* the bytes are stored */
	const char *note;		/* may be NULL */
};
/* Call fn for each attachment of a ticket, in arrival order. */
int	db_attachment_each(struct db *, long long ticket,
	    void (*fn)(const struct db_attachment_row *, void *), void *arg);
/* A ticket's mails as they came (the first and each reply), by mails.id. */
struct db_mail_row {
	long long   id;
	long long   received_at;
	const char *from_addr;		/* may be NULL */
	long long   size;
};
int	db_mail_each(struct db *, long long ticket,
	    void (*fn)(const struct db_mail_row *, void *), void *arg);
/* The bytes of attachment id into *data (caller frees): 0, 1 not found/not kept. */
int	db_attachment_data(struct db *, long long id, char **data, size_t *len);

struct db_outbox_row {
	long long   id;
	long long   ticket_number;
	const char *kind;
	const char *rcpt_to;
	const char *status;
	int	    attempts;
	long long   next_attempt_at;
	const char *last_error;		/* may be NULL */
};

/* Call fn for each notice not yet sent (pending or failed), oldest first. */
int	db_outbox_each(struct db *,
	    void (*fn)(const struct db_outbox_row *, void *), void *arg);

#endif
