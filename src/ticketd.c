/*
 * ticketd.c — the daemon: the only place that knows the whole pipeline.
 *
 *   ticketd -c FILE            drain the mailbox, then IDLE (or poll) and
 *                              send notices, until SIGTERM/SIGINT
 *   ticketd -c FILE --once     drain the mailbox and the outbox, then exit
 *   ticketd -c FILE --stdin    one mail from standard input (MTA pipe mode)
 *   ticketd -c FILE -n         check the configuration and exit
 */
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "clock.h"
#include "db.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "pipeline.h"
#include "sink.h"
#include "source.h"
#include "web.h"
#include "weblink.h"
#include "xmalloc.h"

#ifndef TICKETD_VERSION
#define TICKETD_VERSION "0.1"
#endif

#define RECONNECT_FIRST	1	/* seconds */
#define RECONNECT_MAX	300
#define DB_RETRY_MAX	30	/* a full or locked database: look again soon */
#define ONCE_WAIT_EXTRA	10	/* --once waits a live sender's send + this */
/*
 * One IDLE round at most (RFC 2177 allows 29 minutes): a short round keeps
 * NAT and firewall state fresh, and every round that ends well is a poll
 * that /healthz can show.
 */
#define IDLE_MAX_MS	(5 * 60 * 1000)

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t reload_flag;
static volatile int stop_int;	/* what source_wait() watches */
static int hup_reloads;		/* daemon mode: SIGHUP reloads, not stops */

static void
on_signal(int sig)
{
	if (sig == SIGHUP && hup_reloads)
		reload_flag = 1;
	else
		stop_flag = 1;
	stop_int = 1;		/* either way, end the wait for mail */
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ticketd -c FILE [-sv] [--once | --stdin | -n]\n"
	    "  -c FILE    configuration file (see ticketd.conf(5))\n"
	    "  --once     drain the mailbox and the outbox, then exit\n"
	    "  --stdin    take one mail from standard input (MTA pipe mode)\n"
	    "  -n         check the configuration and exit\n"
	    "  -s         log to syslog instead of standard error\n"
	    "  -v         verbose (debug) logging\n"
	    "  -V         print the version and exit\n");
	exit(status);
}

/* Sleep up to secs, waking early on a signal. */
static void
nap(int secs)
{
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	int i;

	for (i = 0; i < secs * 4 && !stop_flag && !reload_flag; i++)
		nanosleep(&ts, NULL);
}

/*
 * Started as root with [helpdesk] user: become that user, its group and
 * its supplementary groups, for good. Nothing happens without the key, or
 * when not started as root. 0, or -1 (logged).
 */
static int
drop_privileges(const struct config *cfg)
{
	struct passwd *pw;

	if (cfg->helpdesk.user == NULL || geteuid() != 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(cfg->helpdesk.user)) == NULL) {
		log_warnx("[helpdesk] user %s: no such user", cfg->helpdesk.user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_warnx("[helpdesk] user %s is root", cfg->helpdesk.user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || /* as root: real, effective, saved */
	    setuid(pw->pw_uid) == -1) {
		log_warn("cannot become user %s", cfg->helpdesk.user);
		return -1;
	}
	if (setuid(0) != -1 || geteuid() == 0 || getegid() == 0)
		fatalx("root could be taken back after becoming %s",
		    cfg->helpdesk.user);
	log_info("running as user %s (uid %u, gid %u)", pw->pw_name,
	    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	return 0;
}

/*
 * Before a drop to [helpdesk] user: the database must be that user's, or
 * the daemon could not write it once it is no longer root. 0, or -1.
 */
static int
check_owner(const struct config *cfg)
{
	struct passwd *pw;
	struct stat sb;

	if (cfg->helpdesk.user == NULL || geteuid() != 0 ||
	    (pw = getpwnam(cfg->helpdesk.user)) == NULL ||
	    stat(cfg->helpdesk.database, &sb) == -1 ||
	    sb.st_uid == pw->pw_uid)
		return 0;
	log_warnx("%s belongs to uid %u, not to [helpdesk] user %s, who could "
	    "not write it: chown %s it (and its -wal and -shm), or run "
	    "ticketctl init as that user", cfg->helpdesk.database,
	    (unsigned)sb.st_uid, cfg->helpdesk.user, cfg->helpdesk.user);
	return -1;
}

/* ---- MTA pipe mode ---- */

static int
run_stdin(const struct config *cfg)
{
	struct db *db;
	struct sink *sink = NULL;
	struct pipeline pl;
	struct pipeline_mail pm;
	struct outbox ob;
	struct outbox_stats st;
	struct buf in;
	char chunk[65536], err[256], *errstr = NULL;
	ssize_t r;
	time_t next;
	int rc, temp = 0;

	if (check_owner(cfg) == -1 || drop_privileges(cfg) == -1)
		return EX_TEMPFAIL;	/* the MTA keeps the mail */
	buf_init(&in, (size_t)cfg->helpdesk.max_mail_bytes);
	for (;;) {
		r = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR && !stop_flag)
				continue;
			log_warn("reading the mail from standard input");
			buf_clear(&in);
			return EX_TEMPFAIL;
		}
		if (buf_add(&in, chunk, (size_t)r) == -1) {
			log_warnx("the mail is larger than max_mail_bytes (%lld "
			    "bytes); refused", cfg->helpdesk.max_mail_bytes);
			buf_clear(&in);
			return EX_DATAERR;	/* the MTA bounces it: too big */
		}
	}
	db = db_open(cfg->helpdesk.database, DB_INUSE, &errstr, &temp);
	if (db == NULL) {
		log_warnx("%s", errstr);
		free(errstr);
		buf_clear(&in);
		return EX_TEMPFAIL;	/* the MTA keeps the mail and retries */
	}
	if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) == -1) {
		log_warnx("templates: %s", err);
		rc = EX_TEMPFAIL;
		goto done;
	}
	memset(&pm, 0, sizeof(pm));
	pm.raw = in.data != NULL ? in.data : "";
	pm.len = in.len;
	if (pipeline_run(&pl, &pm, 1, clock_now()) != DB_OK) {
		rc = EX_TEMPFAIL;
		goto done;
	}
	if (!pm.stored) {
		/* never exit 0 for a mail we did not keep: the MTA retries */
		rc = EX_TEMPFAIL;
		goto done;
	}
	rc = EX_OK;
	if (pipeline_sla_tick(&pl, clock_now(), NULL) != DB_OK)
		log_warnx("sla: %s; the daemon will do it", db_errmsg(db));
	if (pipeline_coalesce(&pl, clock_now(), &next) != DB_OK)
		log_warnx("digests: %s; the daemon will send them",
		    db_errmsg(db));
	sink = sink_smtp_new(cfg);
	outbox_init(&ob, db, sink);
	ob.stop = &stop_flag;
	/* this mail's ticket's notices, and those about no ticket (access
	 * denied, transcripts, digests): the daemon sends the rest */
	if (outbox_drain(&ob, clock_now(), 1, pm.ticket != 0 ? pm.ticket :
	    OUTBOX_NO_TICKET, &st) != DB_OK ||
	    (pm.ticket != 0 && outbox_drain(&ob, clock_now(), 1,
	    OUTBOX_NO_TICKET, &st) != DB_OK))
		log_warnx("outbox: %s; the daemon will send the notices "
		    "later", db_errmsg(db));
	db_busy_stop(NULL);	/* a send made is worth the wait to record */
	outbox_flush(&ob, clock_now());
done:
	pipeline_clear(&pl);
	sink_free(&sink);
	db_free(&db);
	buf_clear(&in);
	return rc;
}

/* ---- IMAP mode ---- */

struct daemon {
	const struct config *cfg;
	struct config	*loaded;	/* cfg when a SIGHUP loaded it, else NULL */
	struct db	*db;
	struct source	*src;
	struct sink	*sink;
	struct outbox	 ob;
	struct pipeline	 pl;
	int		 once;
	int		 connected;
	time_t		 coalesce_at;	/* next digest check; 0 = at once */
	time_t		 sla_at;	/* next SLA sweep; 0 = at once */
	char		 dberr[160];	/* why the last batch was not taken */
};

/*
 * Fetch and take in one batch. Returns the number of mails handled (0 when
 * the mailbox is empty), or SOURCE_TEMP/SOURCE_PERM, or -3 for a database
 * that is busy or failing (the batch stays in the mailbox).
 */
static int
intake_batch(struct daemon *d)
{
	struct source_mail *sm = NULL;
	struct pipeline_mail *pm;
	uint32_t *done, *failed;
	size_t n = 0, np = 0, nd = 0, nf = 0, i;
	char err[512];
	int rc;

	rc = source_fetch(d->src, LIMIT_INTAKE_BATCH,
	    d->cfg->helpdesk.max_mail_bytes, &sm, &n, err, sizeof(err));
	if (rc != SOURCE_OK) {
		log_warnx("imap: fetch: %s", err);
		return rc;
	}
	if (n == 0) {
		free(sm);
		return 0;
	}
	pm = xcalloc(n, sizeof(*pm));
	done = xcalloc(n, sizeof(*done));
	failed = xcalloc(n, sizeof(*failed));
	for (i = 0; i < n; i++) {
		if (sm[i].data == NULL) {
			log_warnx("mail UID %u is %zu bytes, over max_mail_bytes "
			    "(%lld); moved to %s", sm[i].uid, sm[i].size,
			    d->cfg->helpdesk.max_mail_bytes, d->cfg->imap.failed);
			failed[nf++] = sm[i].uid;
			continue;
		}
		pm[np].raw = sm[i].data;
		pm[np].len = sm[i].len;
		pm[np].uid = sm[i].uid;
		np++;
	}
	d->pl.uidvalidity = source_uidvalidity(d->src);
	/* the batch's three or four lines per mail go out together */
	log_hold();
	if (np > 0 && pipeline_run(&d->pl, pm, np, clock_now()) != DB_OK) {
		log_release();
		/* why, before the outbox's statements make SQLite forget it */
		snprintf(d->dberr, sizeof(d->dberr), "%s", db_errmsg(d->db));
		rc = -3;
		goto out;
	}
	log_release();
	d->sla_at = 0;		/* new tickets may be due before the next sweep */
	for (i = 0; i < np; i++) {
		if (pm[i].outcome == PL_FAILED)
			failed[nf++] = pm[i].uid;
		else
			done[nd++] = pm[i].uid;
	}
	/* only now, with everything committed, do the mails leave the inbox */
	rc = SOURCE_OK;
	if (nd > 0)
		rc = source_move(d->src, done, nd, d->cfg->imap.processed, err,
		    sizeof(err));
	if (rc == SOURCE_OK && nf > 0)
		rc = source_move(d->src, failed, nf, d->cfg->imap.failed, err,
		    sizeof(err));
	if (rc != SOURCE_OK)
		log_warnx("imap: move: %s", err);
	else {
		log_debug("batch of %zu: %zu processed, %zu failed", n, nd, nf);
		rc = (int)n;
	}
out:
	for (i = 0; i < n; i++)
		free(sm[i].data);
	free(sm);
	free(pm);
	free(done);
	free(failed);
	return rc;
}

static void
drain_outbox(struct daemon *d, int all)
{
	struct outbox_stats st;
	time_t now = clock_now();

	if (stop_flag)
		return;		/* stopping: not one more notice */
	/* the SLA clock: warnings, breaches, the daily digest */
	if (now >= d->sla_at &&
	    pipeline_sla_tick(&d->pl, now, &d->sla_at) != DB_OK) {
		log_warnx("sla: %s", db_errmsg(d->db));
		d->sla_at = now + 60;
	}
	/* held notices of admins over the rate limit go out as digests */
	if (now >= d->coalesce_at &&
	    pipeline_coalesce(&d->pl, now, &d->coalesce_at) != DB_OK) {
		log_warnx("digests: %s", db_errmsg(d->db));
		d->coalesce_at = now + 60;
	}
	if (outbox_drain(&d->ob, clock_now(), all, 0, &st) != DB_OK)
		log_warnx("outbox: %s", db_errmsg(d->db));
	else if (st.sent + st.retry + st.failed > 0)
		log_debug("outbox: %d sent, %d to retry, %d failed", st.sent,
		    st.retry, st.failed);
}

/* How long to wait for mail before the outbox needs us, in ms. */
static int
wait_ms(struct daemon *d)
{
	time_t now = clock_now(), when;
	long long ms;

	ms = d->cfg->imap.idle && source_has_idle(d->src) ? IDLE_MAX_MS :
	    (long long)d->cfg->imap.poll_interval * 1000;
	if (outbox_next(&d->ob, &when) == 1 && (when - now) * 1000LL < ms)
		ms = (when - now) * 1000LL;
	if (d->coalesce_at != 0 && (d->coalesce_at - now) * 1000LL < ms)
		ms = (d->coalesce_at - now) * 1000LL;
	if (d->sla_at != 0 && (d->sla_at - now) * 1000LL < ms)
		ms = (d->sla_at - now) * 1000LL;
	/* still due right after a drain: the database is failing; don't spin */
	return ms < 1000 ? 1000 : (int)ms;
}

/*
 * --once: every pending notice goes out. The drain takes back the leases
 * of senders that are gone; a notice that a sender still running holds
 * (the daemon, a --stdin run) is waited for while that sender sends it, at
 * most [smtp] timeout and a few seconds. Then say what is left.
 */
static void
once_outbox(struct daemon *d)
{
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	struct outbox_stats st;
	time_t until = time(NULL) + d->cfg->smtp.timeout + ONCE_WAIT_EXTRA;
	int pending = 0, leased = 0, temp;

	temp = d->ob.fails > 0;		/* the server is down: no second try */
	for (;;) {
		if (!temp) {
			if (outbox_drain(&d->ob, clock_now(), 1, 0, &st) !=
			    DB_OK) {
				log_warnx("outbox: %s", db_errmsg(d->db));
				return;
			}
			temp = st.retry > 0;
		}
		if (outbox_left(&d->ob, clock_now(), &pending, &leased) !=
		    DB_OK) {
			log_warnx("outbox: %s", db_errmsg(d->db));
			return;
		}
		if (leased == 0 || temp || stop_flag || time(NULL) >= until)
			break;
		nanosleep(&ts, NULL);
	}
	if (pending == 0)
		log_debug("outbox: every notice is sent");
	else
		log_warnx("outbox: %d notice(s) left: %d held by another "
		    "sender that is still running, which sends them; %d to "
		    "be tried again later%s (ticketctl outbox lists them)",
		    pending, leased, pending - leased,
		    stop_flag ? ", stopped by a signal" : "");
}

/* A key the daemon reads only at start: say that a new value waits. */
static void
restart_only(const char *key, const char *was, const char *now)
{
	if (was == NULL)
		was = "";
	if (now == NULL)
		now = "";
	if (strcmp(was, now) != 0)
		log_warnx("SIGHUP: %s changed; the new value takes effect when "
		    "ticketd is restarted", key);
}

/*
 * SIGHUP: read the configuration file and the templates again. A file
 * with errors, or a template that does not load, is refused and the
 * running configuration stays, with a log line for each problem. Otherwise
 * the IMAP connection is made again with the new settings, notices go out
 * through the new SMTP settings and with the new templates, and the roles
 * of root_admins and admins are seeded again. The database, the status
 * page, [sla] timezone and [helpdesk] user stay as they started.
 */
static void
reload(struct daemon *d)
{
	struct config *cfg;
	struct pipeline pl;
	char *errstr = NULL, *line, *next, err[512];

	reload_flag = 0;
	stop_int = stop_flag;
	log_info("SIGHUP: reading %s again", d->cfg->path);
	cfg = xcalloc(1, sizeof(*cfg));
	if (config_load(d->cfg->path, cfg, &errstr) == -1) {
		for (line = errstr; line != NULL && *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			log_warnx("SIGHUP: %s", line);
		}
		free(errstr);
		free(cfg);
		log_warnx("SIGHUP: the new configuration is refused; the "
		    "running one stays in force");
		return;
	}
	if (pipeline_init(&pl, cfg, d->db, "imap", err, sizeof(err)) == -1) {
		log_warnx("SIGHUP: templates: %s", err);
		log_warnx("SIGHUP: the new configuration is refused; the "
		    "running one stays in force");
		config_clear(cfg);
		free(cfg);
		return;
	}
	restart_only("[helpdesk] database", d->cfg->helpdesk.database,
	    cfg->helpdesk.database);
	restart_only("[helpdesk] user", d->cfg->helpdesk.user,
	    cfg->helpdesk.user);
	restart_only("[sla] timezone", d->cfg->sla.timezone,
	    cfg->sla.timezone);
	restart_only("[web] listen", d->cfg->web.listen, cfg->web.listen);
	restart_only("[web] secret_file", d->cfg->web.secret_file,
	    cfg->web.secret_file);

	pipeline_clear(&d->pl);
	d->pl = pl;
	source_close(d->src);
	source_free(&d->src);
	d->connected = 0;
	d->src = source_imap_new(cfg);
	sink_free(&d->sink);
	d->sink = sink_smtp_new(cfg);
	d->ob.sink = d->sink;
	if (d->loaded != NULL) {
		config_clear(d->loaded);
		free(d->loaded);
	}
	d->loaded = cfg;
	d->cfg = cfg;
	d->sla_at = 0;
	d->coalesce_at = 0;
	log_info("SIGHUP: configuration and templates reloaded");
}

static int
run_imap(struct daemon *d)
{
	char err[512];
	int rc, backoff = RECONNECT_FIRST, status = EX_OK;

	while (!stop_flag) {
		if (reload_flag) {
			reload(d);
			continue;
		}
		if (!d->connected) {
			rc = source_connect(d->src, err, sizeof(err));
			if (rc != SOURCE_OK) {
				log_warnx("imap: %s%s", err, d->once ? "" :
				    rc == SOURCE_PERM ? "; will try again"
				    " (fix the configuration)" : "; will retry");
				if (d->once) {
					status = rc == SOURCE_TEMP ? EX_TEMPFAIL : 1;
					break;
				}
				drain_outbox(d, 0);
				nap(rc == SOURCE_PERM ? RECONNECT_MAX : backoff);
				backoff = backoff * 2 > RECONNECT_MAX ?
				    RECONNECT_MAX : backoff * 2;
				continue;
			}
			d->connected = 1;
			log_info("imap: connected to %s, mailbox %s%s",
			    d->cfg->imap.srv.host, d->cfg->imap.mailbox,
			    source_has_idle(d->src) && d->cfg->imap.idle ?
			    " (IDLE)" : "");
			backoff = RECONNECT_FIRST;
		}
		/* drain the mailbox in batches */
		rc = 0;
		while (!stop_flag && !reload_flag) {
			rc = intake_batch(d);
			if (rc <= 0)
				break;
		}
		if (rc == -3) {
			/* the database is busy or failing: keep the mail, wait */
			drain_outbox(d, 0);
			if (d->once) {
				status = EX_TEMPFAIL;
				break;
			}
			log_warnx("intake paused: the database cannot take mail "
			    "(%s); the mail stays in the mailbox, next try in "
			    "%d s", d->dberr, backoff);
			nap(backoff);
			backoff = backoff * 2 > DB_RETRY_MAX ? DB_RETRY_MAX :
			    backoff * 2;
			continue;
		}
		if (rc < 0) {
			source_close(d->src);
			d->connected = 0;
			if (d->once) {
				status = EX_TEMPFAIL;
				break;
			}
			continue;
		}
		metrics_polled(time(NULL));	/* the mailbox is drained */
		drain_outbox(d, d->once);
		if (d->once || stop_flag)
			break;
		rc = source_wait(d->src, wait_ms(d), &stop_int, err, sizeof(err));
		if (rc >= 0)
			metrics_polled(time(NULL));
		if (rc == 0)
			xmalloc_trim();	/* a whole wait without mail */
		if (rc < 0) {
			log_warnx("imap: connection lost: %s; reconnecting", err);
			source_close(d->src);
			d->connected = 0;
			nap(backoff);
			backoff = backoff * 2 > RECONNECT_MAX ? RECONNECT_MAX :
			    backoff * 2;
		}
	}
	source_close(d->src);
	if (d->once)
		once_outbox(d);		/* the notices still go out */
	db_busy_stop(NULL);	/* a send made is worth the wait to record */
	outbox_flush(&d->ob, clock_now());
	return status;
}

/* ---- the status page ---- */

/* -n: a secret file that exists must be usable (missing is made at start). */
static int
check_web_secret(const struct config *cfg)
{
	unsigned char key[WEBLINK_SECRET_LEN];
	char err[512];

	if (cfg->web.listen[0] == '\0' ||
	    access(cfg->web.secret_file, F_OK) == -1)
		return 0;
	if (weblink_secret_load(cfg->web.secret_file, 0, key, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: [web] secret_file: %s\n", cfg->path, err);
		return -1;
	}
	explicit_bzero(key, sizeof(key));
	return 0;
}

/* A file made as root before the drop to [helpdesk] user becomes theirs. */
static void
give_to_user(const struct config *cfg, const char *path)
{
	struct passwd *pw;

	if (cfg->helpdesk.user == NULL || geteuid() != 0 ||
	    (pw = getpwnam(cfg->helpdesk.user)) == NULL)
		return;
	if (lchown(path, pw->pw_uid, pw->pw_gid) == -1)
		log_warn("%s: chown %s", path, cfg->helpdesk.user);
}

/*
 * -n, after the file itself: the secret file and every template, each
 * problem on its own line. 0 or 1.
 */
static int
check_more(const struct config *cfg)
{
	char err[8192], *line, *next;
	int status = 0;

	if (check_web_secret(cfg) == -1)
		status = 1;
	if (pipeline_check_templates(cfg, err, sizeof(err)) == -1) {
		for (line = err; line != NULL; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			fprintf(stderr, "%s: templates: %s\n", cfg->path, line);
		}
		status = 1;
	}
	return status;
}

/*
 * Start the page unless [web] listen is empty. A secret file we cannot
 * use is a configuration error (-1); a page that cannot listen is logged
 * and the desk runs without it: mail matters more.
 */
static int
start_web(const struct config *cfg, struct web **web)
{
	unsigned char key[WEBLINK_SECRET_LEN];
	char err[512];
	int rc;

	*web = NULL;
	if (cfg->web.listen[0] == '\0')
		return 0;
	rc = weblink_secret_load(cfg->web.secret_file, 1, key, err,
	    sizeof(err));
	if (rc == -1) {
		log_warnx("%s: [web] secret_file: %s", cfg->path, err);
		return -1;
	}
	if (rc == 1) {
		log_info("web: created the key of the page's links in %s",
		    cfg->web.secret_file);
		give_to_user(cfg, cfg->web.secret_file);
	}
	*web = web_start(cfg, key, err, sizeof(err));
	explicit_bzero(key, sizeof(key));
	if (*web == NULL)
		log_warnx("web: %s; running without the status page", err);
	else
		log_info("web: status page on http://%s/", cfg->web.listen);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "stdin", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct config cfg;
	struct daemon d;
	struct web *web = NULL;
	const char *file = NULL;
	char *errstr = NULL, err[256];
	int ch, once = 0, from_stdin = 0, check = 0, use_syslog = 0;
	int verbose = 0, status, temp = 0;

	/* every file ticketd makes (the database's -wal and -shm, anything
	 * later) is the desk's alone, whatever umask it was started with */
	umask(077);
	xmalloc_keep_heap();
	while ((ch = getopt_long(argc, argv, "c:nsvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'O':
			once = 1;
			break;
		case 'I':
			from_stdin = 1;
			break;
		case 'V':
			printf("ticketd %s\n", TICKETD_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(from_stdin ? EX_TEMPFAIL : EX_USAGE);
		}
	}
	if (optind != argc || file == NULL || once + from_stdin + check > 1)
		usage(from_stdin ? EX_TEMPFAIL : EX_USAGE);
	log_init("ticketd", use_syslog, verbose);
	hup_reloads = !once && !from_stdin && !check;
	signals();
	/* stopping: another process's lock is not waited for (except below) */
	db_busy_stop(&stop_flag);

	if (config_load(file, &cfg, &errstr) == -1) {
		fprintf(stderr, "%s\n", errstr);
		free(errstr);
		/* in pipe mode the MTA keeps the mail until the file is fixed */
		return from_stdin ? EX_TEMPFAIL : check ? 1 : EX_CONFIG;
	}
	config_apply_timezone(&cfg);
	if (check) {
		status = check_more(&cfg);
		if (status == 0)
			printf("%s: configuration OK\n", file);
		config_clear(&cfg);
		return status;
	}
	if (cfg.helpdesk.trust == TRUST_FROM)
		log_warnx("trust = from: the From header decides who is an "
		    "admin, and it is easy to forge; use trust = "
		    "authentication-results outside a lab");
	if (cfg.sla.business_hours != NULL && cfg.sla.timezone == NULL)
		log_warnx("[sla] business_hours without [sla] timezone: read "
		    "in %s, the zone of this process; set timezone to the "
		    "office's", tzname[0]);
	if (from_stdin) {
		status = run_stdin(&cfg);
		config_clear(&cfg);
		return status;
	}

	if (check_owner(&cfg) == -1 || (once && drop_privileges(&cfg) == -1)) {
		config_clear(&cfg);
		return EX_CONFIG;
	}
	if (!once && geteuid() == 0 && cfg.helpdesk.user == NULL)
		log_warnx("running as root: set [helpdesk] user to the account "
		    "ticketd should run as");
	memset(&d, 0, sizeof(d));
	d.cfg = &cfg;
	d.once = once;
	d.db = db_open(cfg.helpdesk.database, DB_INUSE, &errstr, &temp);
	if (d.db == NULL) {
		log_warnx("%s", errstr);
		free(errstr);
		config_clear(&cfg);
		return temp ? EX_TEMPFAIL : 1;
	}
	if (pipeline_init(&d.pl, &cfg, d.db, "imap", err, sizeof(err)) == -1) {
		log_warnx("templates: %s", err);
		db_free(&d.db);
		config_clear(&cfg);
		return 1;
	}
	/* the page binds its port, then root is given up (--once: above) */
	if (!once && (start_web(&cfg, &web) == -1 ||
	    drop_privileges(&cfg) == -1)) {
		web_stop(&web);
		pipeline_clear(&d.pl);
		db_free(&d.db);
		config_clear(&cfg);
		return EX_CONFIG;
	}
	d.src = source_imap_new(&cfg);
	d.sink = sink_smtp_new(&cfg);
	outbox_init(&d.ob, d.db, d.sink);
	d.ob.stop = &stop_flag;
	metrics_start(time(NULL));
	/* /healthz: stale after twice the longest wait between two polls
	 * (an IDLE round or poll_interval) plus two network timeouts */
	metrics_poll_window(2LL * (cfg.imap.idle ? IDLE_MAX_MS / 1000 :
	    cfg.imap.poll_interval) + 2LL * cfg.imap.timeout);
	log_info("ticketd %s starting%s", TICKETD_VERSION, once ? " (--once)" : "");

	status = run_imap(&d);

	log_info("ticketd stopping");
	web_stop(&web);
	source_free(&d.src);
	sink_free(&d.sink);
	pipeline_clear(&d.pl);
	db_free(&d.db);
	if (d.loaded != NULL) {
		config_clear(d.loaded);
		free(d.loaded);
	}
	config_clear(&cfg);
	return status;
}
