/*
 * ticketctl.c — the admin's command line:
 *
 *   ticketctl -c FILE init              create the database
 *   ticketctl -c FILE ticket list [-n N] [--status S] … [--json]
 *   ticketctl -c FILE ticket show [--full] [--json] N   (ctl_ticket.c)
 *   ticketctl -c FILE attachment ID > FILE
 *   ticketctl -c FILE mail ID > FILE     a mail as it came
 *   ticketctl -c FILE outbox            notices not sent yet, and why
 *   ticketctl -c FILE user list | add EMAIL [ROLE] | role EMAIL ROLE |
 *                          grant EMAIL | revoke EMAIL | held |
 *                          release EMAIL
 *   ticketctl -c FILE kb list|show|publish|withdraw …     (ctl_kb.c)
 *   ticketctl -c FILE classify --train|--retrain|--evaluate|--guess …
 *   ticketctl -c FILE asset add|give|return|status|note|list|show|
 *                           import|export …              (ctl_asset.c)
 *   ticketctl -c FILE check | backup FILE | restore [--force] FILE |
 *                     import [--notify] --mbox FILE | --maildir DIR
 *                                       (ctl_admin.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "ctl.h"
#include "db.h"
#include "log.h"
#include "pipeline.h"
#include "weblink.h"
#include "xmalloc.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ticketctl -c FILE init\n"
	    "       ticketctl -c FILE ticket list [-n COUNT] [--status STATUS] "
	    "[--priority PRIORITY]\n"
	    "           [--category CATEGORY[/SUBCATEGORY]] "
	    "[--admin ADDRESS|none]\n"
	    "           [--requester ADDRESS] [--json]\n"
	    "       ticketctl -c FILE ticket show [--full] [--json] NUMBER\n"
	    "       ticketctl -c FILE attachment ID > FILE\n"
	    "       ticketctl -c FILE mail ID > FILE\n"
	    "       ticketctl -c FILE outbox\n"
	    "       ticketctl -c FILE user list\n"
	    "       ticketctl -c FILE user add EMAIL [user|admin|root]\n"
	    "       ticketctl -c FILE user role EMAIL user|admin|root|blocked\n"
	    "       ticketctl -c FILE user grant EMAIL\n"
	    "       ticketctl -c FILE user revoke EMAIL\n"
	    "       ticketctl -c FILE export --format xes|csv|json "
	    "[--since DATE]\n"
	    "       ticketctl -c FILE stats [--since DATE] [--json]\n"
	    "       ticketctl -c FILE user held\n"
	    "       ticketctl -c FILE user release EMAIL\n"
	    "       ticketctl -c FILE kb list [--all]\n"
	    "       ticketctl -c FILE kb show|withdraw ARTICLE\n"
	    "       ticketctl -c FILE kb publish TICKET [--title TITLE]\n"
	    "       ticketctl -c FILE classify --train FILE.tsv | --retrain |\n"
	    "           --evaluate FILE.tsv | --guess TEXT\n"
	    "       ticketctl -c FILE asset add TAG TYPE MODEL [serial=S] "
	    "[owner=EMAIL]\n"
	    "           [warranty=YYYY-MM-DD] [purchased=YYYY-MM-DD] "
	    "[status=STATUS]\n"
	    "       ticketctl -c FILE asset give TAG EMAIL | return TAG |\n"
	    "           status TAG in-use|in-stock|in-repair|retired | "
	    "note TAG TEXT\n"
	    "       ticketctl -c FILE asset list [--type TYPE] "
	    "[--status STATUS]\n"
	    "           [--owner EMAIL|none] [--warranty-days N] [--json]\n"
	    "       ticketctl -c FILE asset show [--json] TAG\n"
	    "       ticketctl -c FILE asset import [--dry-run] FILE.csv\n"
	    "       ticketctl -c FILE asset export > FILE.csv\n"
	    "       ticketctl -c FILE check\n"
	    "       ticketctl -c FILE backup FILE\n"
	    "       ticketctl -c FILE restore [--force] FILE\n"
	    "       ticketctl -c FILE import [--notify] --mbox FILE | "
	    "--maildir DIR\n");
	exit(status);
}

static void
print_outbox(const struct db_outbox_row *r, void *arg)
{
	char t[64];

	(void)arg;
	ctl_when(r->next_attempt_at, t, sizeof(t));
	printf("%lld\t#%lld\t%s\t", r->id, r->ticket_number, r->kind);
	ctl_put_text(stdout, r->rcpt_to, 0);
	printf("\t%s\tattempts %d\tnext %s\t", r->status, r->attempts, t);
	ctl_put_text(stdout, r->last_error, 0);
	putchar('\n');
}

static void
print_user(const struct db_user_row *r, void *arg)
{
	(void)arg;
	ctl_put_text(stdout, r->email, 0);
	printf("\t%s\t%s\t", r->role, r->granted ? "granted" : "-");
	ctl_put_text(stdout, r->skills != NULL ? r->skills : "-", 0);
	if (r->away_until == 0)
		printf("\taway");
	else if (r->away_until > 0) {
		char t[64];

		ctl_when(r->away_until, t, sizeof(t));
		printf("\taway until %s", t);
	} else
		printf("\t-");
	if (r->pending > 0)
		printf("\t%d access request(s) waiting", r->pending);
	putchar('\n');
}

static int
valid_role(const char *r, int blocked_ok)
{
	return strcmp(r, "user") == 0 || strcmp(r, "admin") == 0 ||
	    strcmp(r, "root") == 0 || (blocked_ok && strcmp(r, "blocked") == 0);
}

/* ticketctl user …: the same as a root admin's control mail would do. */
static void
print_flood(const struct db_flood_row *r, void *arg)
{
	char t[32];

	(void)arg;
	ctl_when(r->received_at, t, sizeof(t));
	printf("%lld\t%s\t%s\t", r->mail_id, r->email, t);
	ctl_put_text(stdout, r->subject, 0);
	putchar('\n');
}

static int
cmd_user(const struct config *cfg, int argc, char *argv[])
{
	struct pipeline pl;
	struct db *db;
	const char *addr = argc >= 3 ? ctl_user_addr(argv[2]) : NULL;
	char *errstr = NULL, err[256];
	size_t n = 0;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		db = ctl_open_db(cfg);
		if (db_user_each(db, print_user, NULL) != DB_OK) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = 1;
		}
		db_free(&db);
		return rc;
	}
	if (argc == 2 && strcmp(argv[1], "held") == 0) {
		db = ctl_open_db(cfg);
		if (db_flood_each(db, print_flood, NULL) != DB_OK) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = 1;
		}
		db_free(&db);
		return rc;
	}
	if (argc < 3 || addr == NULL) {
		if (argc >= 3)
			fprintf(stderr, "ticketctl: %s: not a mail address\n",
			    argv[2]);
		usage(EX_USAGE);
	}
	db = db_open(cfg->helpdesk.database, 0, &errstr, NULL);
	if (db == NULL) {
		fprintf(stderr, "ticketctl: %s\n", errstr);
		free(errstr);
		return 1;
	}
	if ((strcmp(argv[1], "add") == 0 && (argc == 3 || (argc == 4 &&
	    valid_role(argv[3], 0)))) ||
	    (strcmp(argv[1], "role") == 0 && argc == 4 && valid_role(argv[3], 1))) {
		rc = db_user_role(db, addr, argc == 4 ? argv[3] : "user",
		    clock_now());
		if (rc == DB_OK)
			printf("%s is %s\n", addr, argc == 4 ? argv[3] : "user");
	} else if (strcmp(argv[1], "revoke") == 0 && argc == 3) {
		rc = db_user_revoke(db, addr, clock_now());
		if (rc == DB_OK)
			printf("%s is blocked: their mail is kept, never a "
			    "ticket\n", addr);
	} else if ((strcmp(argv[1], "grant") == 0 ||
	    strcmp(argv[1], "release") == 0) && argc == 3) {
		if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) == -1) {
			fprintf(stderr, "ticketctl: templates: %s\n", err);
			db_free(&db);
			return 1;
		}
		if (argv[1][0] == 'g') {
			rc = pipeline_grant(&pl, addr, clock_now(), &n);
			if (rc == DB_OK)
				printf("%s may use the desk; %zu waiting mail(s) "
				    "became tickets (the daemon sends their "
				    "notices)\n", addr, n);
		} else {
			rc = pipeline_release(&pl, addr, clock_now(), &n);
			if (rc == DB_OK)
				printf("%zu held mail(s) of %s became tickets "
				    "(the daemon sends their notices)\n", n,
				    addr);
		}
		pipeline_clear(&pl);
	} else {
		db_free(&db);
		usage(EX_USAGE);
	}
	if (rc != DB_OK)
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
	db_free(&db);
	return rc != DB_OK;
}

/* init: the key of the web page's links, kept when it exists. */
static int
init_web_secret(const struct config *cfg)
{
	unsigned char key[WEBLINK_SECRET_LEN];
	char err[512];
	int rc;

	rc = weblink_secret_load(cfg->web.secret_file, 1, key, err,
	    sizeof(err));
	explicit_bzero(key, sizeof(key));
	if (rc == -1) {
		fprintf(stderr, "ticketctl: [web] secret_file: %s\n", err);
		return 1;
	}
	if (rc == 1)
		printf("created %s (the key of the web page's links)\n",
		    cfg->web.secret_file);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct db *db;
	const char *file = NULL;
	char *errstr = NULL;
	long long n;
	int ch, rc = 0;

	/* every file ticketctl makes is the desk's alone (db_create() sets
	 * the mode as well; this covers what SQLite or later code creates) */
	umask(077);
	xmalloc_keep_heap();
	log_init("ticketctl", 0, 0);
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (file == NULL || argc < 1)
		usage(EX_USAGE);
	/* check reports the configuration's errors as one of its steps */
	if (strcmp(argv[0], "check") == 0)
		return ctl_check(file, argc, argv);
	if (config_load(file, &cfg, &errstr) == -1) {
		fprintf(stderr, "%s\n", errstr);
		free(errstr);
		return EX_CONFIG;
	}
	config_apply_timezone(&cfg);

	if (strcmp(argv[0], "init") == 0 && argc == 1) {
		if (db_create(cfg.helpdesk.database, &errstr) == -1) {
			fprintf(stderr, "ticketctl: %s\n", errstr);
			free(errstr);
			rc = 1;
		} else {
			printf("created %s (schema version %d)\n",
			    cfg.helpdesk.database, DB_SCHEMA_VERSION);
			rc = init_web_secret(&cfg);
		}
	} else if (strcmp(argv[0], "ticket") == 0) {
		rc = ctl_ticket(&cfg, argc, argv);
	} else if (strcmp(argv[0], "export") == 0) {
		rc = ctl_export(&cfg, argc, argv);
	} else if (strcmp(argv[0], "stats") == 0) {
		rc = ctl_stats(&cfg, argc, argv);
	} else if (strcmp(argv[0], "kb") == 0) {
		if ((rc = ctl_kb(&cfg, argc, argv)) == EX_USAGE)
			usage(EX_USAGE);
	} else if (strcmp(argv[0], "classify") == 0) {
		if ((rc = ctl_classify(&cfg, argc, argv)) == EX_USAGE)
			usage(EX_USAGE);
	} else if (strcmp(argv[0], "asset") == 0) {
		if ((rc = ctl_asset(&cfg, argc, argv)) == EX_USAGE)
			usage(EX_USAGE);
	} else if (strcmp(argv[0], "backup") == 0) {
		rc = ctl_backup(&cfg, argc, argv);
	} else if (strcmp(argv[0], "restore") == 0) {
		rc = ctl_restore(&cfg, argc, argv);
	} else if (strcmp(argv[0], "import") == 0) {
		rc = ctl_import(&cfg, argc, argv);
	} else if (strcmp(argv[0], "attachment") == 0 && argc == 2) {
		char *data;
		size_t len;

		if (ctl_parse_number(argv[1], &n) == -1)
			usage(EX_USAGE);
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ticketctl: redirect the attachment to a "
			    "file: ticketctl attachment %lld > FILE\n", n);
			rc = EX_USAGE;
		} else {
			db = ctl_open_db(&cfg);
			rc = db_attachment_data(db, n, &data, &len);
			if (rc == 0 && fwrite(data, 1, len, stdout) != len)
				rc = -1;
			if (rc == 1)
				fprintf(stderr, "ticketctl: no stored attachment "
				    "%lld\n", n);
			else if (rc < 0)
				fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = rc != 0;
			free(data);
			db_free(&db);
		}
	} else if (strcmp(argv[0], "mail") == 0 && argc == 2) {
		char *raw = NULL;
		size_t len = 0;

		if (ctl_parse_number(argv[1], &n) == -1)
			usage(EX_USAGE);
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ticketctl: redirect the mail to a "
			    "file: ticketctl mail %lld > FILE\n", n);
			rc = EX_USAGE;
		} else {
			db = ctl_open_db(&cfg);
			rc = db_mail_raw(db, n, &raw, &len);
			if (rc == 0 && fwrite(raw, 1, len, stdout) != len)
				rc = -1;
			if (rc == 1)
				fprintf(stderr, "ticketctl: no mail %lld\n", n);
			else if (rc < 0)
				fprintf(stderr, "ticketctl: mail %lld cannot be "
				    "read back: %s\n", n, db_errmsg(db));
			rc = rc != 0;
			free(raw);
			db_free(&db);
		}
	} else if (strcmp(argv[0], "user") == 0 && argc >= 2) {
		rc = cmd_user(&cfg, argc, argv);
	} else if (strcmp(argv[0], "outbox") == 0 && argc == 1) {
		db = ctl_open_db(&cfg);
		if (db_outbox_each(db, print_outbox, NULL) != DB_OK) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = 1;
		}
		db_free(&db);
	} else
		usage(EX_USAGE);
	config_clear(&cfg);
	return rc;
}
