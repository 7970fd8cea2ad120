/*
 * pipeline.h — one batch of raw mails through parse, classify and rules
 * into the database, in one transaction: tickets, mails, events and the
 * outbox rows of their notices commit together or not at all. The caller
 * moves the mails out of the inbox only after pipeline_run() returned DB_OK.
 */
#ifndef TICKETD_PIPELINE_H
#define TICKETD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "weblink.h"

enum pipeline_outcome {
	PL_TICKET = 0,	/* a new ticket was made → processed folder */
	PL_COMMENT,	/* a reply threaded into its ticket → processed */
	PL_DUPLICATE,	/* taken in before (same Message-ID) → processed */
	PL_IGNORED,	/* never a ticket, never answered (loop) → processed */
	PL_FAILED	/* nothing usable, kept with a reason → failed folder */
};

struct clf_model;

struct pipeline_mail {
	const char	*raw;		/* the mail's bytes (not NUL-terminated) */
	size_t		 len;
	uint32_t	 uid;		/* IMAP UID, 0 for stdin */
	/* results: */
	enum pipeline_outcome outcome;
	long long	 ticket;	/* the ticket made, or 0 */
	int		 stored;	/* its bytes are in the database (now or before) */
};

struct pipeline {
	const struct config *cfg;
	struct db	*db;
	const char	*source;	/* "imap" or "stdin" */
	uint32_t	 uidvalidity;
	/* the notice templates, loaded by pipeline_init (pipeline_templates) */
	char		*tpl_ack, *tpl_assigned, *tpl_reassigned, *tpl_comment;
	char		*tpl_resolved, *tpl_rejected, *tpl_transcript;
	char		*tpl_control, *tpl_refused, *tpl_denied, *tpl_report;
	char		*tpl_unassigned, *tpl_digest, *tpl_flood;
	char		*tpl_sla_warning, *tpl_sla_breach, *tpl_sla_escalation;
	char		*tpl_sla_reason, *tpl_help;
	char		*tpl_kb_article, *tpl_kb_solved;
	long long	 replay_mail;	/* pipeline_replay: re-file this stored mail */
	/* ticketctl import: old mail, no flood cap; quiet: its notices are
	 * stored as suppressed, never sent (without --notify) */
	int		 import;
	int		 import_quiet;
	/* the status page's key, for links in notices (when have_web_key) */
	unsigned char	 web_key[WEBLINK_SECRET_LEN];
	int		 have_web_key;
	/* issue 11: the category classifier's model (NULL: none trained),
	 * and when it was trained, to see a newer one in the database */
	struct clf_model *model;
	long long	 model_at;
};

/*
 * The notice templates, one a context: templates/NAME.md, the field of
 * struct pipeline it is loaded into (offsetof), and the variables the code
 * gives it (NULL-terminated), the one table of them. pipeline_init()
 * refuses a template, built in or from [helpdesk] templates, that would
 * show a "{{" with those (template_check). A new notice, or a template
 * used where its variables differ, gets a row of its own here, and a case
 * in tests/integration/test_templates.py, which sends every one.
 * Ends with a row whose name is NULL.
 */
struct pipeline_template {
	const char		*name;
	size_t			 off;
	const char *const	*vars;
};
extern const struct pipeline_template pipeline_templates[];

/*
 * Load the templates and seed the roles of [helpdesk] root_admins and
 * admins (only people whose role was never set: the database stays the
 * truth). 0, or -1 with a reason in err.
 */
int	pipeline_init(struct pipeline *, const struct config *, struct db *,
	    const char *source, char *err, size_t errsz);
void	pipeline_clear(struct pipeline *);

/*
 * Load and check every template as pipeline_init() does, without a
 * database (ticketd -n). 0, or -1 with every problem in err, one a line.
 */
int	pipeline_check_templates(const struct config *, char *err,
	    size_t errsz);

/*
 * Take n mails in one transaction at time now. DB_OK: committed, every
 * mail's outcome set. DB_TEMP/DB_PERM: nothing committed (busy database,
 * I/O error) — leave the mails where they are and try again later.
 */
int	pipeline_run(struct pipeline *, struct pipeline_mail *, size_t n,
	    time_t now);

/*
 * The SLA clock's sweep at now, in one transaction: due times not yet
 * computed are filled in; an open ticket past its warning time warns its
 * admin, one past its due time asks its admin for the cause and tells the
 * root admins (each once per ticket); the daily digest goes out when its
 * time has come. *next gets when to call again (0: nothing pending);
 * next NULL (ticketd --stdin, which keeps no timer) skips finding it.
 */
int	pipeline_sla_tick(struct pipeline *, time_t now, time_t *next);

/*
 * Send held notices: every admin with notices held over the rate limit
 * whose last digest is admin_digest_interval old (or who never had one)
 * gets one digest naming each, queued in the outbox, in one transaction.
 * *next gets when to call again (0: nothing held). DB_* result.
 */
int	pipeline_coalesce(struct pipeline *, time_t now, time_t *next);

/*
 * The knowledge base (desk_kb.c), for ticketctl kb publish: make an
 * article of resolved ticket number under title (NULL: its subject) and
 * mail its notice to the admin who resolved it, in one transaction.
 * DB_OK with *id; 1 when refused (why says it); or the database's error.
 */
int	pipeline_kb_publish(struct pipeline *, long long number,
	    const char *title, time_t now, long long *id, char *why,
	    size_t whysz);

/*
 * Train the category classifier on every example (training files and the
 * desk's resolved tickets) and store the model; the pipeline uses it from
 * then on. *n gets how many examples. DB_OK (also when there are fewer
 * than two categories to learn: *n is then 0), or the database's error.
 */
int	pipeline_retrain(struct pipeline *, time_t now, size_t *n);

/*
 * The nightly retraining: at [helpdesk] retrain_at once a local day, when
 * tickets were resolved since the last training. *next is lowered to the
 * next such time. DB_* result.
 */
int	pipeline_retrain_tick(struct pipeline *, time_t now, time_t *next);

/*
 * Turn the pending access requests of email (just granted) into tickets,
 * in one transaction. *n gets how many. DB_OK or the error.
 */
int	pipeline_grant(struct pipeline *, const char *email, time_t now,
	    size_t *n);

/*
 * Release the mails of email held as a flood (over max_new_tickets_per_hour)
 * into tickets, in one transaction. *n gets how many. DB_OK or the error.
 */
int	pipeline_release(struct pipeline *, const char *email, time_t now,
	    size_t *n);

#endif
