/*
 * ctl_admin.c — ticketctl's commands for running the desk (see ctl.h):
 *
 *   check                  the configuration, the database, an IMAP and an
 *                          SMTP login, each step "ok" or "failed: why"
 *   backup FILE            a copy of the database (online backup API)
 *   restore [--force] FILE the database replaced by a backup
 *   import [--notify] --mbox FILE | --maildir DIR
 *                          an old mailbox replayed as if it had arrived
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "limits.h"
#include "log.h"
#include "pipeline.h"
#include "sink.h"
#include "source.h"
#include "source_file.h"
#include "weblink.h"
#include "xmalloc.h"

/* --- check --- */

static void
step(const char *what, int ok, const char *text)
{
	printf("%-10s %s%s%s\n", what, ok ? "ok" : "failed", text != NULL &&
	    *text != '\0' ? ": " : "", text != NULL ? text : "");
	fflush(stdout);
}

/* The database: there, a ticketd database, and writable by this user. */
static int
check_database(const struct config *cfg)
{
	struct db_copy_info info;
	char *errstr = NULL, *dir, *slash, msg[1024];
	int ok = 1;

	if (db_peek(cfg->helpdesk.database, &info, &errstr) == -1) {
		step("database", 0, errstr);
		free(errstr);
		return 1;
	}
	dir = xstrdup(cfg->helpdesk.database);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	/* ticketd writes the database, and its -wal and -shm beside it */
	if (access(cfg->helpdesk.database, R_OK | W_OK) == -1) {
		snprintf(msg, sizeof(msg), "%s: %s (for this user)",
		    cfg->helpdesk.database, strerror(errno));
		ok = 0;
	} else if (access(dir, W_OK | X_OK) == -1) {
		snprintf(msg, sizeof(msg), "%s: %s (ticketd makes its -wal and "
		    "-shm files there)", dir, strerror(errno));
		ok = 0;
	} else
		snprintf(msg, sizeof(msg), "%s, schema %d%s, %lld ticket(s), "
		    "%lld mail(s)", cfg->helpdesk.database, info.version,
		    info.version < DB_SCHEMA_VERSION ? " (ticketd migrates it "
		    "at its next start, after a copy)" : "", info.tickets,
		    info.mails);
	free(dir);
	step("database", ok, msg);
	return !ok;
}

int
ctl_check(const char *file, int argc, char *argv[])
{
	struct config cfg;
	struct source *src;
	struct sink *sink;
	unsigned char key[WEBLINK_SECRET_LEN];
	char *errstr = NULL, *line, *next, info[1024], err[8192];
	int failed = 0, rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: ticketctl -c FILE check\n");
		return EX_USAGE;
	}
	if (config_load(file, &cfg, &errstr) == -1) {
		step("config", 0, file);
		for (line = errstr; line != NULL; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			printf("  %s\n", line);
		}
		free(errstr);
		return 1;
	}
	config_apply_timezone(&cfg);
	step("config", 1, file);

	/* as ticketd -n: every template, the page's key when it exists */
	if (pipeline_check_templates(&cfg, err, sizeof(err)) == -1) {
		step("templates", 0, NULL);
		for (line = err; line != NULL; line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			printf("  %s\n", line);
		}
		failed = 1;
	} else
		step("templates", 1, cfg.helpdesk.templates != NULL ?
		    cfg.helpdesk.templates : "built in");
	if (cfg.web.listen[0] != '\0' &&
	    access(cfg.web.secret_file, F_OK) == 0) {
		rc = weblink_secret_load(cfg.web.secret_file, 0, key, err,
		    sizeof(err));
		explicit_bzero(key, sizeof(key));
		step("web", rc != -1, rc == -1 ? err : cfg.web.secret_file);
		failed |= rc == -1;
	}

	failed |= check_database(&cfg);

	src = source_imap_new(&cfg);
	rc = source_check(src, info, sizeof(info), err, sizeof(err));
	step("imap", rc == SOURCE_OK, rc == SOURCE_OK ? info : err);
	failed |= rc != SOURCE_OK;
	source_free(&src);

	sink = sink_smtp_new(&cfg);
	rc = sink_check(sink, info, sizeof(info), err, sizeof(err));
	step("smtp", rc == SINK_OK, rc == SINK_OK ? info : err);
	failed |= rc != SINK_OK;
	sink_free(&sink);

	config_clear(&cfg);
	return failed;
}

/* --- backup and restore --- */

static void
human_size(long long n, char *buf, size_t sz)
{
	if (n >= 10LL * 1024 * 1024)
		snprintf(buf, sz, "%lld MiB", n / (1024 * 1024));
	else if (n >= 10 * 1024)
		snprintf(buf, sz, "%lld KiB", n / 1024);
	else
		snprintf(buf, sz, "%lld bytes", n);
}

int
ctl_backup(const struct config *cfg, int argc, char *argv[])
{
	struct db_copy_info info;
	char *errstr = NULL, size[32];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ticketctl -c FILE backup FILE\n");
		return EX_USAGE;
	}
	if (db_backup(cfg->helpdesk.database, argv[1], &info, &errstr) == -1) {
		fprintf(stderr, "ticketctl: backup: %s\n", errstr);
		free(errstr);
		return 1;
	}
	human_size(info.bytes, size, sizeof(size));
	printf("%s: backup of %s (schema %d): %lld ticket(s), %lld mail(s), "
	    "%lld attachment(s), %s, checked\n", argv[1],
	    cfg->helpdesk.database, info.version, info.tickets, info.mails,
	    info.attachments, size);
	return 0;
}

int
ctl_restore(const struct config *cfg, int argc, char *argv[])
{
	struct db_copy_info info;
	const char *from = NULL;
	char *errstr = NULL, *saved = NULL;
	int i, force = 0, in_use = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (argv[i][0] != '-' && from == NULL)
			from = argv[i];
		else
			from = NULL, i = argc + 1;
	}
	if (from == NULL || i > argc) {
		fprintf(stderr, "usage: ticketctl -c FILE restore [--force] "
		    "FILE\n");
		return EX_USAGE;
	}
	if (db_restore(cfg->helpdesk.database, from, force, &saved, &info,
	    &in_use, &errstr) == -1) {
		fprintf(stderr, "ticketctl: restore: %s\n", errstr);
		free(errstr);
		return 1;
	}
	printf("%s: restored from %s (schema %d): %lld ticket(s), %lld "
	    "mail(s), %lld attachment(s)\n", cfg->helpdesk.database, from,
	    info.version, info.tickets, info.mails, info.attachments);
	if (saved != NULL)
		printf("the database as it was is kept as %s\n", saved);
	if (info.version < DB_SCHEMA_VERSION)
		printf("schema %d is older than %d: ticketd migrates it at its "
		    "next start\n", info.version, DB_SCHEMA_VERSION);
	if (in_use)
		printf("a running ticketd had the database open (--force): "
		    "restart it\n");
	free(saved);
	return 0;
}

/* --- import --- */

struct progress {
	int		 tty;
	size_t		 total;
	struct timespec	 start;
	long long	 last_ms;	/* when it was drawn last */
};

static long long
since_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* "\r 1200/5000 mails (24%)  812/s  ETA 0:05 " on a terminal only. */
static void
progress_draw(struct progress *p, size_t done, int last)
{
	long long ms = since_ms(&p->start), eta;
	double rate;

	if (!p->tty || (!last && ms - p->last_ms < 100 && done < p->total))
		return;
	p->last_ms = ms;
	rate = ms > 0 ? (double)done * 1000.0 / (double)ms : 0.0;
	eta = rate > 0.0 ? (long long)((double)(p->total - done) / rate) : 0;
	fprintf(stderr, "\r  %zu/%zu mails (%zu%%)  %.0f/s  ETA %lld:%02lld ",
	    done, p->total, p->total > 0 ? done * 100 / p->total : 100, rate,
	    eta / 60, eta % 60);
	if (last)
		fputs("\r\033[K", stderr);	/* the summary follows */
	fflush(stderr);
}

struct tally {
	size_t	outcome[5];	/* enum pipeline_outcome */
	size_t	too_big;
	size_t	unread;		/* could not be read from the file */
	size_t	unstored;	/* the database could not keep them */
};

/* One batch in one transaction; busy databases are waited for. */
static int
import_batch(struct pipeline *pl, struct pipeline_mail *pm, size_t n,
    struct tally *t)
{
	size_t i;
	int rc, tries;

	for (tries = 0; ; tries++) {
		rc = pipeline_run(pl, pm, n, clock_now());
		if (rc != DB_TEMP || tries >= 10)
			break;
		sleep(1);
	}
	if (rc != DB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (!pm[i].stored)
			t->unstored++;
		else
			t->outcome[pm[i].outcome]++;
	}
	return DB_OK;
}

int
ctl_import(const struct config *cfg, int argc, char *argv[])
{
	struct source_file *sf = NULL;
	struct pipeline pl;
	struct pipeline_mail *pm = NULL;
	struct progress prog;
	struct tally t;
	struct db *db = NULL;
	const char *mbox = NULL, *maildir = NULL;
	char err[1024], where[512], *errstr = NULL;
	char **bufs = NULL;
	size_t n, i, nb = 0, bytes = 0, len;
	int notify = 0, rc = 1, r, dbrc = DB_OK, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--notify") == 0)
			notify = 1;
		else if (strcmp(argv[a], "--mbox") == 0 && a + 1 < argc &&
		    mbox == NULL && maildir == NULL)
			mbox = argv[++a];
		else if (strcmp(argv[a], "--maildir") == 0 && a + 1 < argc &&
		    mbox == NULL && maildir == NULL)
			maildir = argv[++a];
		else
			break;
	}
	if (a < argc || (mbox == NULL && maildir == NULL)) {
		fprintf(stderr, "usage: ticketctl -c FILE import [--notify] "
		    "--mbox FILE | --maildir DIR\n");
		return EX_USAGE;
	}
	sf = mbox != NULL ? source_file_mbox(mbox, err, sizeof(err)) :
	    source_file_maildir(maildir, err, sizeof(err));
	if (sf == NULL) {
		fprintf(stderr, "ticketctl: import: %s\n", err);
		return 1;
	}
	db = db_open(cfg->helpdesk.database, DB_INUSE, &errstr, NULL);
	if (db == NULL) {
		fprintf(stderr, "ticketctl: %s\n", errstr);
		free(errstr);
		source_file_free(&sf);
		return 1;
	}
	if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) == -1) {
		fprintf(stderr, "ticketctl: templates: %s\n", err);
		db_free(&db);
		source_file_free(&sf);
		return 1;
	}
	pl.import = 1;
	pl.import_quiet = !notify;

	memset(&t, 0, sizeof(t));
	memset(&prog, 0, sizeof(prog));
	n = source_file_count(sf);
	prog.tty = isatty(STDERR_FILENO);
	prog.total = n;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	pm = xcalloc(LIMIT_INTAKE_BATCH, sizeof(*pm));
	bufs = xcalloc(LIMIT_INTAKE_BATCH, sizeof(*bufs));
	for (i = 0; i < n; i++) {
		r = source_file_get(sf, i, cfg->helpdesk.max_mail_bytes,
		    &bufs[nb], &len, err, sizeof(err));
		if (r != 0) {
			source_file_where(sf, i, where, sizeof(where));
			if (prog.tty)
				fputs("\r\033[K", stderr);
			if (r == 1) {
				fprintf(stderr, "ticketctl: %s: %zu bytes, over "
				    "max_mail_bytes (%lld); not imported\n",
				    where, len, cfg->helpdesk.max_mail_bytes);
				t.too_big++;
			} else {
				fprintf(stderr, "ticketctl: %s: %s\n", where,
				    err);
				t.unread++;
			}
			continue;
		}
		memset(&pm[nb], 0, sizeof(pm[nb]));
		pm[nb].raw = bufs[nb];
		pm[nb].len = len;
		nb++;
		bytes += len;
		if (nb == LIMIT_INTAKE_BATCH || bytes >= LIMIT_INTAKE_BATCH_BYTES ||
		    i + 1 == n) {
			dbrc = import_batch(&pl, pm, nb, &t);
			while (nb > 0)
				free(bufs[--nb]);
			bytes = 0;
			if (dbrc != DB_OK)
				break;
		}
		progress_draw(&prog, i + 1, 0);
	}
	while (nb > 0) {
		if (dbrc == DB_OK)
			dbrc = import_batch(&pl, pm, nb, &t);
		while (nb > 0)
			free(bufs[--nb]);
	}
	progress_draw(&prog, i < n ? i : n, 1);
	if (dbrc != DB_OK)
		fprintf(stderr, "ticketctl: import stopped at mail %zu of %zu: "
		    "%s (the mails before it are in; run the same import "
		    "again to go on)\n", i + 1, n, db_errmsg(db));

	printf("%s: %zu mail(s) read in %.1f s: %zu new ticket(s), %zu "
	    "threaded into tickets, %zu already there, %zu not tickets "
	    "(automatic, control, help or access requests), %zu kept as "
	    "failed\n", mbox != NULL ? mbox : maildir, n,
	    (double)since_ms(&prog.start) / 1000.0, t.outcome[PL_TICKET],
	    t.outcome[PL_COMMENT], t.outcome[PL_DUPLICATE],
	    t.outcome[PL_IGNORED], t.outcome[PL_FAILED]);
	if (t.too_big + t.unread + t.unstored > 0)
		printf("not imported: %zu over max_mail_bytes, %zu unreadable, "
		    "%zu not stored\n", t.too_big, t.unread, t.unstored);
	printf("%s\n", notify ? "notices are queued: the daemon sends them" :
	    "no notices were sent (they are kept as suppressed; --notify "
	    "sends them)");
	rc = dbrc == DB_OK && t.too_big + t.unread + t.unstored == 0 ? 0 : 1;

	free(pm);
	free(bufs);
	pipeline_clear(&pl);
	db_free(&db);
	source_file_free(&sf);
	return rc;
}
