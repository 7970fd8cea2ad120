/*
 * pipeline_impl.h — what pipeline.c (the batch and the per-mail flow),
 * notices.c (composing and queueing notices) and desk.c (the workflow on
 * a ticket) share; nobody else includes it (the public API is pipeline.h).
 */
#ifndef TICKETD_PIPELINE_IMPL_H
#define TICKETD_PIPELINE_IMPL_H

#include <stddef.h>
#include <time.h>

#include "db.h"
#include "mail.h"
#include "pipeline.h"
#include "template.h"

#define HOUR	3600

/* One mail on its way through take(). */
struct intake {
	struct pipeline		*pl;
	struct pipeline_mail	*pm;
	struct mail		 m;
	struct db_mail		 row;
	time_t			 now;
	long long		 sender;	/* people.id */
	long long		 mail_id;	/* mails.id once stored */
	int			 sender_verified;	/* trust: commands obeyed */
	const char		*auth_why;	/* why not, for the transcript */
	int			 quiet;		/* list mail or a robot sender: no
						 * ack, no access-denied, nothing
						 * sent to list_addrs or From */
	const char		*quiet_why;	/* static: the rule that said so */
	const char		*comment;	/* the reply's text below its
						 * commands, quotes stripped (for
						 * /publish and /kb edit) */
	char			 auth_buf[256];
	char			 vis[128];	/* the Message-ID, for logs */
};

/* What one notice says and to whom. */
struct outgoing {
	const char	*kind;		/* "ack", "assigned", … */
	const char	*tpl;
	const char	*to_addr;
	const char	*to_name;
	long long	 ticket;
	const char	*title;
	const char	*subject;	/* the whole subject; NULL: from title */
	const char	*reply_to;	/* NULL: it+N@ for a ticket, else none */
	int		 in_reply;	/* thread it under the mail taken in */
	const char	*auto_submitted;
	/* carry these images: of the ticket's first mail, or of a comment */
	int		 images;
	long long	 image_comment;
};

/* What a new ticket became, for its notices. */
struct newticket {
	long long	 number;
	char		*title;
	const char	*priority;
	char		*category;	/* "hardware/printer" or NULL */
	long long	 linked;
	char		*fields_note;	/* a refused category or priority */
	char		*assign_note;	/* to whom, or why not as asked */
	long long	 assignee;	/* people.id or 0 */
	long long	 due_at;	/* 0: no target */
	char		*assignee_addr;
	const char	*body;
	int		 guessed_pct;	/* the category was guessed, this sure;
					 * 0 = given by the requester or none */
};

/* ---- pipeline.c ---- */

/*
 * Store the mail taken in (or re-file the replayed one) with its
 * disposition; in->mail_id gets its id. DB_* result.
 */
int	pl_store_mail(struct intake *in, const char *disposition,
	    long long ticket, const char *note);
/* The mail's attachments and inline parts, on a ticket or a comment. */
int	pl_store_parts(struct intake *in, long long ticket, long long comment);
/* Replay email's pending requests of kind ("access", "flood") into tickets
 * (inside a transaction); *np gets how many tickets. */
int	pl_release_requests(struct pipeline *pl, const char *email,
	    const char *kind, time_t now, size_t *np);
/* Turn email's waiting access requests into tickets (inside a transaction). */
int	pl_grant_requests(struct pipeline *pl, const char *email, time_t now,
	    size_t *np);

/* ---- notices.c ---- */

/* Render, compose and queue a notice (unless the rate limit says no). */
int	pl_queue_notice(struct intake *in, const struct outgoing *o,
	    const struct template_var *vars, size_t nvars);
/* The acknowledgement of a new ticket. */
int	pl_queue_ack(struct intake *in, const struct newticket *t);
/* The assignment notice to the admin who got the ticket. */
int	pl_queue_assigned(struct intake *in, const struct newticket *t);
/* A notice about ticket ti to one address, with extra variables. */
int	pl_tell(struct intake *in, const struct db_ticket_info *ti,
	    const char *kind, const char *tpl, const char *to, int in_reply,
	    const struct template_var *extra, size_t nextra);
/* The same, carrying images (of the first mail, or of comment). */
int	pl_tell_with(struct intake *in, const struct db_ticket_info *ti,
	    const char *kind, const char *tpl, const char *to, int in_reply,
	    const struct template_var *extra, size_t nextra, int images,
	    long long comment);
/* The status page's desk-wide link, expiring a week from now (for
 * admins); NULL when there is no page. New string. */
char	*pl_desk_url(struct pipeline *pl, time_t now);
/* The report (totals, one line per admin) to the control mail's sender. */
int	pl_queue_report(struct intake *in);

/* ---- desk_sla.c ---- */

/* "Fri 2026-12-04 17:00 CET": t in the desk's time zone. */
void	pl_format_time(time_t t, char *buf, size_t sz);
/* One sentence on the ticket's due time ("" when it has none). */
void	pl_due_note(const struct db_ticket_info *ti, char *buf, size_t sz);
/*
 * (Re)compute a ticket's due and warning times from its creation and
 * priority; a clock that runs again (due after now) may warn and breach
 * again. *due (may be NULL) gets the due time, 0 for none. DB_* result.
 */
int	pl_sla_compute(struct pipeline *pl, long long ticket, time_t now,
	    long long *due);
/* Store an admin's /reason for a breach and tell the root admins. */
int	pl_sla_reason(struct intake *in, const struct db_ticket_info *ti,
	    const char *reason);

/* ---- notices.c: the report and the daily digest ---- */

/* The daily digest to the root admins, once a local day at digest_at. */
int	pl_daily_digest(struct pipeline *pl, time_t now);
/* Lower *next (0: none yet) to the next digest time, when digests are on. */
void	pl_digest_next(struct pipeline *pl, time_t now, time_t *next);

/* ---- desk_kb.c: the knowledge base, self-help, the classifier ---- */

/*
 * /publish [title] on ticket ti (resolved): the article and its notice to
 * the sender. 1 done, 0 refused (why), <0 error.
 */
int	pl_kb_publish(struct intake *in, const struct db_ticket_info *ti,
	    const char *title, char *why, size_t whysz);
/* /kb edit (the new Markdown is in->comment) and /kb withdraw. */
int	pl_kb_edit(struct intake *in, const struct db_ticket_info *ti,
	    char *why, size_t whysz);
int	pl_kb_withdraw(struct intake *in, const struct db_ticket_info *ti,
	    char *why, size_t whysz);
/* The requester's /solved on ti (kept up to date). DB_* result. */
int	pl_kb_solved(struct intake *in, struct db_ticket_info *ti);
/*
 * The suggestions of an acknowledgement for a ticket's text: up to
 * [helpdesk] suggestions articles over the relevance floor, as lines for
 * the ack's {{suggestions}} (NULL when none; caller frees).
 */
int	pl_kb_suggestions(struct pipeline *pl, const char *text, char **out);
/*
 * The classifier's category for a new ticket that names none: a
 * configured category ("cat") when the model is sure enough
 * (guess_confidence), else NULL. *pct gets how sure. Never fails: a
 * database error only means no guess.
 */
char	*pl_guess_category(struct pipeline *pl, const char *title,
	    const char *body, int *pct);
/* Load the stored model into pl (at start, and when a newer one is
 * stored). */
void	pl_model_refresh(struct pipeline *pl);

/* ---- desk_asset.c: IT assets (issue 15) ---- */

struct cmd;
struct buf;
/*
 * The device new ticket t is about: the requester's Asset: line
 * (asset_line, as written, or NULL), else a registered [TAG] of the
 * subject, else the requester's only device of the type [assets] link
 * maps t's category to. An unknown Asset: tag adds a sentence to
 * t->fields_note. DB_* result.
 */
int	pl_asset_new_ticket(struct intake *in, struct newticket *t,
	    const char *asset_line);
/* An admin's /asset TAG on ti: 1 linked, 0 refused (why), <0 error. */
int	pl_asset_link_cmd(struct intake *in, const struct db_ticket_info *ti,
	    const char *tag, char *why, size_t whysz);
/* A control mail's "asset …" or "assets EMAIL": as asset_apply(); show
 * and assets append their text to out. */
int	pl_asset_control(struct intake *in, const struct cmd *c,
	    struct buf *out, char *why, size_t whysz);
/* The assignment notice's {{assets_note}}: the requester's devices and,
 * for the ticket's device, its warranty and earlier tickets. New string;
 * NULL when the requester holds none and none is linked (the line goes),
 * or on a database error. */
char	*pl_assets_note(struct pipeline *pl, long long requester,
	    long long ticket, const char *requester_addr, time_t now);

/* ---- desk.c ---- */

/* A new ticket from the mail; linked: the ticket a stranger replied to. */
int	pl_new_ticket(struct intake *in, long long linked);
/* The mail as a comment on ticket (how: what matched it). */
int	pl_comment(struct intake *in, long long ticket, const char *how);
/* May the sender use the desk? 1 allowed, 0 held (stored), <0 error. */
int	pl_access_check(struct intake *in);
/* Is this a root admin's control mail (subject "control" or it+control@)? */
int	pl_is_control(struct intake *in);
/* A root admin's control mail, applied whole or not at all. DB_* result. */
int	pl_control(struct intake *in);
/* Is this a request for the manual (the subject is "help")? */
int	pl_is_help(struct intake *in);
/* Store it and mail ticketd-mail(7) back (notices.c's gate applies). */
int	pl_help(struct intake *in);
/* Queue the help notice to the mail's sender. DB_* result. */
int	pl_queue_help(struct intake *in);

#endif
