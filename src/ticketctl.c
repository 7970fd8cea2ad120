/*
 * ticketctl.c — the admin's command line:
 *
 *   ticketctl -c FILE init              create the database
 *   ticketctl -c FILE ticket list [-n N]
 *   ticketctl -c FILE ticket show [--full] N
 *   ticketctl -c FILE attachment ID > FILE
 *   ticketctl -c FILE outbox            notices not sent yet, and why
 *   ticketctl -c FILE user list | add EMAIL [ROLE] | role EMAIL ROLE |
 *                          grant EMAIL | revoke EMAIL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
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
	    "       ticketctl -c FILE ticket list [-n COUNT]\n"
	    "       ticketctl -c FILE ticket show [--full] NUMBER\n"
	    "       ticketctl -c FILE attachment ID > FILE\n"
	    "       ticketctl -c FILE outbox\n"
	    "       ticketctl -c FILE user list\n"
	    "       ticketctl -c FILE user add EMAIL [user|admin|root]\n"
	    "       ticketctl -c FILE user role EMAIL user|admin|root|blocked\n"
	    "       ticketctl -c FILE user grant EMAIL\n"
	    "       ticketctl -c FILE user revoke EMAIL\n");
	exit(status);
}

static int
parse_number(const char *s, long long *v)
{
	char *end;

	if (*s == '#')
		s++;
	*v = strtoll(s, &end, 10);
	return *s == '\0' || *end != '\0' || *v <= 0 ? -1 : 0;
}

static void
when(long long t, char *buf, size_t sz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, sz, "%lld", t);
}

/*
 * Text from mail onto the terminal: control bytes (ESC sequences included)
 * become '?', CR is dropped; newlines are kept only where multiline is set.
 */
static void
put_text(const char *s, int multiline)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if ((*p == '\n' && multiline) || (*p == '\t' && multiline))
			putchar(*p);
		else if (*p < 0x20 || *p == 0x7f)
			putchar('?');
		else
			putchar(*p);
	}
}

static void
print_line(const struct db_ticket_row *r, void *arg)
{
	(void)arg;
	printf("#%lld\t%s\t%s\t", r->number, r->status, r->priority);
	put_text(r->requester, 0);
	putchar('\t');
	put_text(r->subject, 0);
	putchar('\n');
}

static void
print_full(const struct db_ticket_row *r, void *arg)
{
	char t[64];

	(void)arg;
	when(r->created_at, t, sizeof(t));
	printf("Ticket:    #%lld\nSubject:   ", r->number);
	put_text(r->subject, 0);
	printf("\nStatus:    %s\nPriority:  %s\nRequester: ", r->status,
	    r->priority);
	if (r->requester_name != NULL) {
		put_text(r->requester_name, 0);
		printf(" <");
	}
	put_text(r->requester, 0);
	printf("%s\nCreated:   %s\n", r->requester_name != NULL ? ">" : "", t);
	if (r->linked_to != 0)
		printf("Refers to: #%lld\n", r->linked_to);
	putchar('\n');
	put_text(r->body, 1);
	putchar('\n');
}

static void
print_comment(const struct db_comment_row *r, void *arg)
{
	const int *full = arg;
	char t[64];

	when(r->created_at, t, sizeof(t));
	printf("\n--- comment %lld from ", r->id);
	put_text(r->author != NULL ? r->author : "(unknown)", 0);
	printf(", %s\n", t);
	put_text(*full ? r->full_body : r->body, 1);
	putchar('\n');
}

static void
print_attachment(const struct db_attachment_row *r, void *arg)
{
	int *first = arg;

	if (*first) {
		printf("\nAttachments (save one with 'ticketctl attachment ID'):\n");
		*first = 0;
	}
	printf("  %lld\t", r->id);
	put_text(r->filename, 0);
	printf("\t%s\t%lld bytes%s%s%s%s", r->media_type, r->size,
	    r->is_image ? "\timage" : "", r->is_inline ? "\tinline" : "",
	    r->comment_id != 0 ? "\tin a comment" : "",
	    r->kept ? "" : "\tNOT KEPT");
	if (r->note != NULL) {
		printf("\t(");
		put_text(r->note, 0);
		putchar(')');
	}
	putchar('\n');
}

static void
print_outbox(const struct db_outbox_row *r, void *arg)
{
	char t[64];

	(void)arg;
	when(r->next_attempt_at, t, sizeof(t));
	printf("%lld\t#%lld\t%s\t", r->id, r->ticket_number, r->kind);
	put_text(r->rcpt_to, 0);
	printf("\t%s\tattempts %d\tnext %s\t", r->status, r->attempts, t);
	put_text(r->last_error, 0);
	putchar('\n');
}

static struct db *open_db(const struct config *);

static void
print_user(const struct db_user_row *r, void *arg)
{
	(void)arg;
	put_text(r->email, 0);
	printf("\t%s\t%s\t", r->role, r->granted ? "granted" : "-");
	put_text(r->skills != NULL ? r->skills : "-", 0);
	if (r->away_until == 0)
		printf("\taway");
	else if (r->away_until > 0) {
		char t[64];

		when(r->away_until, t, sizeof(t));
		printf("\taway until %s", t);
	} else
		printf("\t-");
	if (r->pending > 0)
		printf("\t%d access request(s) waiting", r->pending);
	putchar('\n');
}

/* A plain address, lower-case domain; NULL when it is not one. */
static const char *
user_addr(char *s)
{
	char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 320)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';')
			return NULL;
	for (p = at; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static int
valid_role(const char *r, int blocked_ok)
{
	return strcmp(r, "user") == 0 || strcmp(r, "admin") == 0 ||
	    strcmp(r, "root") == 0 || (blocked_ok && strcmp(r, "blocked") == 0);
}

/* ticketctl user …: the same as a root admin's control mail would do. */
static int
cmd_user(const struct config *cfg, int argc, char *argv[])
{
	struct pipeline pl;
	struct db *db;
	const char *addr = argc >= 3 ? user_addr(argv[2]) : NULL;
	char *errstr = NULL, err[256];
	size_t n = 0;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		db = open_db(cfg);
		if (db_user_each(db, print_user, NULL) != DB_OK) {
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
		    time(NULL));
		if (rc == DB_OK)
			printf("%s is %s\n", addr, argc == 4 ? argv[3] : "user");
	} else if (strcmp(argv[1], "revoke") == 0 && argc == 3) {
		rc = db_user_revoke(db, addr, time(NULL));
		if (rc == DB_OK)
			printf("%s is blocked: their mail is kept, never a "
			    "ticket\n", addr);
	} else if (strcmp(argv[1], "grant") == 0 && argc == 3) {
		if (pipeline_init(&pl, cfg, db, "stdin", err, sizeof(err)) == -1) {
			fprintf(stderr, "ticketctl: templates: %s\n", err);
			db_free(&db);
			return 1;
		}
		rc = pipeline_grant(&pl, addr, time(NULL), &n);
		pipeline_clear(&pl);
		if (rc == DB_OK)
			printf("%s may use the desk; %zu waiting mail(s) became "
			    "tickets (the daemon sends their notices)\n", addr, n);
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

static struct db *
open_db(const struct config *cfg)
{
	struct db *db;
	char *errstr = NULL;

	db = db_open(cfg->helpdesk.database, DB_RDONLY, &errstr, NULL);
	if (db == NULL) {
		fprintf(stderr, "ticketctl: %s\n", errstr);
		free(errstr);
		exit(1);
	}
	return db;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct db *db;
	const char *file = NULL;
	char *errstr = NULL;
	long long n;
	int ch, rc = 0, limit = 0;

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
	if (config_load(file, &cfg, &errstr) == -1) {
		fprintf(stderr, "%s\n", errstr);
		free(errstr);
		return EX_CONFIG;
	}

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
	} else if (strcmp(argv[0], "ticket") == 0 && argc >= 2 &&
	    strcmp(argv[1], "list") == 0) {
		if (argc == 4 && strcmp(argv[2], "-n") == 0 &&
		    parse_number(argv[3], &n) == 0 && n < 1000000)
			limit = (int)n;
		else if (argc != 2)
			usage(EX_USAGE);
		db = open_db(&cfg);
		if (db_ticket_each(db, limit, print_line, NULL) != DB_OK) {
			fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = 1;
		}
		db_free(&db);
	} else if (strcmp(argv[0], "ticket") == 0 && (argc == 3 || (argc == 4 &&
	    strcmp(argv[2], "--full") == 0)) && strcmp(argv[1], "show") == 0) {
		int full = argc == 4, first = 1;

		if (parse_number(argv[argc - 1], &n) == -1) {
			fprintf(stderr, "ticketctl: %s: not a ticket number\n",
			    argv[argc - 1]);
			rc = EX_USAGE;
		} else {
			db = open_db(&cfg);
			rc = db_ticket_show(db, n, print_full, NULL);
			if (rc == 0 && (db_comment_each(db, n, print_comment,
			    &full) != DB_OK || db_attachment_each(db, n,
			    print_attachment, &first) != DB_OK))
				rc = -1;
			if (rc == 1)
				fprintf(stderr, "ticketctl: no ticket #%lld\n", n);
			else if (rc < 0)
				fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
			rc = rc != 0;
			db_free(&db);
		}
	} else if (strcmp(argv[0], "attachment") == 0 && argc == 2) {
		char *data;
		size_t len;

		if (parse_number(argv[1], &n) == -1)
			usage(EX_USAGE);
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ticketctl: redirect the attachment to a "
			    "file: ticketctl attachment %lld > FILE\n", n);
			rc = EX_USAGE;
		} else {
			db = open_db(&cfg);
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
	} else if (strcmp(argv[0], "user") == 0 && argc >= 2) {
		rc = cmd_user(&cfg, argc, argv);
	} else if (strcmp(argv[0], "outbox") == 0 && argc == 1) {
		db = open_db(&cfg);
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
