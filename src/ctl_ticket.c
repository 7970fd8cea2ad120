/*
 * ctl_ticket.c — ticketctl ticket list | show: the desk as the admin's
 * command line shows it, as text for people (made safe for a terminal,
 * ctl_tty_text()) or, with --json, as the one JSON object shape documented
 * in ticketctl(8) under JSON OUTPUT. Change that shape only by adding
 * members, and document each one there.
 *
 *   ticket list [-n COUNT] [--status S] [--priority P] [--category C[/S]]
 *               [--admin ADDR|none] [--requester ADDR] [--json]
 *   ticket show [--full] [--json] NUMBER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "json.h"
#include "limits.h"
#include "xmalloc.h"

/*
 * JSON is written to stdout one element at a time (a ticket of a list, a
 * comment of a ticket); the largest one ticketd itself stores is a comment
 * of two 1 MiB texts, at most 6 bytes of JSON per byte.
 */
#define CTL_JSON_CHUNK_MAX	(64 * 1024 * 1024)

static const char *const statuses[] = { "open", "assigned", "resolved",
    "rejected", NULL };
static const char *const priorities[] = { "high", "medium", "low", NULL };

struct show {
	int		 json;
	int		 full;		/* comments: the whole mail's text */
	int		 heading;	/* the Attachments: line is due */
	int		 err;		/* the JSON went over its cap */
	char		*body;		/* the ticket's, for the text */
	struct buf	 b;
	struct json	 j;
};

static void
ticket_usage(void)
{
	fprintf(stderr,
	    "usage: ticketctl -c FILE ticket list [-n COUNT] [--status STATUS] "
	    "[--priority PRIORITY]\n"
	    "           [--category CATEGORY[/SUBCATEGORY]] "
	    "[--admin ADDRESS|none]\n"
	    "           [--requester ADDRESS] [--json]\n"
	    "       ticketctl -c FILE ticket show [--full] [--json] NUMBER\n");
}

static int
bad(const char *cmd, const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "ticketctl: ticket %s: ", cmd);
	if (opt != NULL)
		fprintf(stderr, "%s: ", opt);
	if (val != NULL) {
		fputc('"', stderr);
		ctl_put_text(stderr, val, 0);
		fputs("\" ", stderr);
	}
	fprintf(stderr, "%s\n", why);
	return EX_USAGE;
}

static int
one_of(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/*
 * "cat" or "cat/sub", each part 1..LIMIT_CATEGORY_BYTES bytes without
 * control characters; cut at the slash only once it is known good (the
 * message about a bad one shows it whole).
 */
static int
split_category(char *v, struct db_ticket_filter *f)
{
	char *slash = strchr(v, '/'), *p;
	size_t catlen = slash != NULL ? (size_t)(slash - v) : strlen(v);

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	if (catlen == 0 || catlen > LIMIT_CATEGORY_BYTES)
		return -1;
	if (slash != NULL && (slash[1] == '\0' || strchr(slash + 1, '/') !=
	    NULL || strlen(slash + 1) > LIMIT_CATEGORY_BYTES))
		return -1;
	if (slash != NULL) {
		*slash = '\0';
		f->subcategory = slash + 1;
	}
	f->category = v;
	return 0;
}

#define IN_LIST	0x01
#define IN_SHOW	0x02

enum opt { O_JSON, O_FULL, O_COUNT, O_STATUS, O_PRIORITY, O_CATEGORY,
    O_ADMIN, O_REQUESTER };

static const struct {
	const char	*name;
	int		 value;		/* takes one */
	int		 where;
} opts[] = {
	[O_JSON] =	{ "--json",	 0, IN_LIST | IN_SHOW },
	[O_FULL] =	{ "--full",	 0, IN_SHOW },
	[O_COUNT] =	{ "-n",		 1, IN_LIST },
	[O_STATUS] =	{ "--status",	 1, IN_LIST },
	[O_PRIORITY] =	{ "--priority",	 1, IN_LIST },
	[O_CATEGORY] =	{ "--category",	 1, IN_LIST },
	[O_ADMIN] =	{ "--admin",	 1, IN_LIST },
	[O_REQUESTER] =	{ "--requester", 1, IN_LIST },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

/* A value for one option, checked; EX_USAGE after a message. */
static int
set_opt(const char *cmd, enum opt o, char *v, struct db_ticket_filter *f)
{
	const char *name = opts[o].name;
	long long n;

	switch (o) {
	case O_COUNT:
		if (v[0] == '#' || ctl_parse_number(v, &n) == -1 || n > 999999)
			return bad(cmd, name, v, "is not a count from 1 to "
			    "999999");
		f->limit = (int)n;
		break;
	case O_STATUS:
		if (!one_of(v, statuses))
			return bad(cmd, name, v, "is not open, assigned, "
			    "resolved or rejected");
		f->status = v;
		break;
	case O_PRIORITY:
		if (!one_of(v, priorities))
			return bad(cmd, name, v, "is not high, medium or low");
		f->priority = v;
		break;
	case O_CATEGORY:
		if (split_category(v, f) == -1)
			return bad(cmd, name, v, "is not CATEGORY or "
			    "CATEGORY/SUBCATEGORY");
		break;
	case O_ADMIN:
		if (strcmp(v, "none") == 0)
			f->unassigned = 1;
		else if ((f->admin = ctl_user_addr(v)) == NULL)
			return bad(cmd, name, v, "is not a mail address (or "
			    "none)");
		break;
	case O_REQUESTER:
		if ((f->requester = ctl_user_addr(v)) == NULL)
			return bad(cmd, name, v, "is not a mail address");
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The arguments after "ticket list" / "ticket show": options in any order,
 * before or after the number, "--name VALUE" or "--name=VALUE"; "--" ends
 * them. EX_USAGE after a message.
 */
static int
parse(const char *cmd, int argc, char *argv[], struct db_ticket_filter *f,
    int *json, int *full, long long *number)
{
	int where = strcmp(cmd, "list") == 0 ? IN_LIST : IN_SHOW;
	int i, rc, nomore = 0;
	unsigned int seen = 0;
	size_t o;
	char *a, *v;

	*json = *full = 0;
	*number = 0;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (nomore || a[0] != '-' || a[1] == '\0') {
			if (where == IN_LIST)
				return bad(cmd, NULL, a, "is not an option "
				    "(ticket list takes no number; -n COUNT "
				    "limits it)");
			if (*number != 0)
				return bad(cmd, NULL, a, "is one number too "
				    "many");
			if (ctl_parse_number(a, number) == -1)
				return bad(cmd, NULL, a, "is not a ticket "
				    "number");
			continue;
		}
		if (strcmp(a, "--") == 0) {
			nomore = 1;
			continue;
		}
		v = NULL;
		if (a[1] == '-' && (v = strchr(a, '=')) != NULL)
			*v++ = '\0';
		for (o = 0; o < NOPTS; o++)
			if (strcmp(a, opts[o].name) == 0)
				break;
		if (o == NOPTS || (opts[o].where & where) == 0)
			return bad(cmd, a, NULL, "is not an option of ticket "
			    "list or ticket show; see ticketctl(8)");
		if (seen & (1u << o))
			return bad(cmd, a, NULL, "is given twice");
		seen |= 1u << o;
		if (!opts[o].value) {
			if (v != NULL)
				return bad(cmd, a, NULL, "takes no value");
			*(o == O_JSON ? json : full) = 1;
			continue;
		}
		if (v == NULL) {
			if (i + 1 == argc)
				return bad(cmd, a, NULL, "needs a value");
			v = argv[++i];
		}
		if ((rc = set_opt(cmd, (enum opt)o, v, f)) != 0)
			return rc;
	}
	if (where == IN_SHOW && *number == 0)
		return bad(cmd, NULL, NULL, "needs a ticket number");
	return 0;
}

/* --- JSON ------------------------------------------------------------ */

/* Write what the buf holds; 0, or -1 when the JSON went over its cap. */
static int
flush(struct show *s)
{
	if (json_error(&s->j)) {
		s->err = 1;
		return -1;
	}
	if (s->b.len > 0)
		fwrite(s->b.data, 1, s->b.len, stdout);
	buf_reset(&s->b);
	return 0;
}

static void
j_person(struct json *j, const char *key, const char *email,
    const char *name)
{
	if (email == NULL) {
		json_null(j, key);
		return;
	}
	json_begin_object(j, key);
	json_stringz(j, "email", email);
	json_stringz(j, "name", name);
	json_end_object(j);
}

/* The members every ticket object has, in list and show alike. */
static void
j_ticket(struct json *j, const struct db_ticket_row *r)
{
	json_int(j, "number", r->number);
	json_stringz(j, "subject", r->subject);
	json_stringz(j, "status", r->status);
	json_stringz(j, "priority", r->priority);
	json_stringz(j, "category", r->category);
	json_stringz(j, "subcategory", r->category != NULL ?
	    r->subcategory : NULL);
	j_person(j, "requester", r->requester, r->requester_name);
	j_person(j, "assignee", r->assignee, r->assignee_name);
	json_time(j, "created_at", r->created_at, 1);
	json_time(j, "updated_at", r->updated_at, 1);
	json_time(j, "assigned_at", r->assigned_at, r->assigned_at != 0);
	json_time(j, "closed_at", r->closed_at, r->closed_at != 0);
	if (r->linked_to != 0)
		json_int(j, "linked_to", r->linked_to);
	else
		json_null(j, "linked_to");
	json_int(j, "handovers", r->handovers);
}

static void
j_list_ticket(const struct db_ticket_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	j_ticket(&s->j, r);
	/* what only ticket show fills in */
	json_null(&s->j, "body");
	json_null(&s->j, "participants");
	json_null(&s->j, "comments");
	json_null(&s->j, "attachments");
	json_null(&s->j, "history");
	json_end_object(&s->j);
	flush(s);
}

static void
j_show_ticket(const struct db_ticket_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	j_ticket(&s->j, r);
	json_stringz(&s->j, "body", r->body);
	flush(s);
}

static void
j_participant(const struct db_participant_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	json_stringz(&s->j, "email", r->email);
	json_stringz(&s->j, "name", r->name);
	json_stringz(&s->j, "role", r->role);
	json_time(&s->j, "added_at", r->added_at, 1);
	json_end_object(&s->j);
	flush(s);
}

static void
j_comment(const struct db_comment_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	json_int(&s->j, "id", r->id);
	j_person(&s->j, "author", r->author, r->author_name);
	json_bool(&s->j, "internal", r->internal);
	json_time(&s->j, "created_at", r->created_at, 1);
	json_stringz(&s->j, "body", r->body);
	json_stringz(&s->j, "full_body", r->full_body);
	json_end_object(&s->j);
	flush(s);
}

static void
j_attachment(const struct db_attachment_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	json_int(&s->j, "id", r->id);
	if (r->comment_id != 0)
		json_int(&s->j, "comment_id", r->comment_id);
	else
		json_null(&s->j, "comment_id");
	json_stringz(&s->j, "filename", r->filename);
	json_stringz(&s->j, "media_type", r->media_type);
	json_int(&s->j, "size", r->size);
	json_bool(&s->j, "image", r->is_image);
	json_bool(&s->j, "inline", r->is_inline);
	json_bool(&s->j, "kept", r->kept);
	json_stringz(&s->j, "note", r->note);
	json_end_object(&s->j);
	flush(s);
}

static void
j_event(const struct db_event_row *r, void *arg)
{
	struct show *s = arg;

	json_begin_object(&s->j, NULL);
	json_int(&s->j, "id", r->id);
	json_time(&s->j, "at", r->at, 1);
	json_stringz(&s->j, "kind", r->kind);
	j_person(&s->j, "actor", r->actor, r->actor_name);
	json_stringz(&s->j, "detail", r->detail);
	json_end_object(&s->j);
	flush(s);
}

/* --- text ------------------------------------------------------------ */

static void
t_list_ticket(const struct db_ticket_row *r, void *arg)
{
	(void)arg;
	printf("#%lld\t%s\t%s\t", r->number, r->status, r->priority);
	if (r->category != NULL) {
		ctl_put_text(stdout, r->category, 0);
		if (r->subcategory != NULL) {
			putchar('/');
			ctl_put_text(stdout, r->subcategory, 0);
		}
	} else
		putchar('-');
	putchar('\t');
	ctl_put_text(stdout, r->assignee != NULL ? r->assignee : "-", 0);
	putchar('\t');
	ctl_put_text(stdout, r->requester, 0);
	putchar('\t');
	ctl_put_text(stdout, r->subject, 0);
	putchar('\n');
}

static void
t_show_ticket(const struct db_ticket_row *r, void *arg)
{
	struct show *s = arg;
	char t[64];

	s->body = xstrdup(r->body != NULL ? r->body : "");
	printf("Ticket:    #%lld\nSubject:   ", r->number);
	ctl_put_text(stdout, r->subject, 0);
	printf("\nStatus:    %s\nPriority:  %s\nCategory:  ", r->status,
	    r->priority);
	if (r->category != NULL) {
		ctl_put_text(stdout, r->category, 0);
		if (r->subcategory != NULL) {
			putchar('/');
			ctl_put_text(stdout, r->subcategory, 0);
		}
	} else
		putchar('-');
	printf("\nRequester: ");
	ctl_put_person(stdout, r->requester, r->requester_name);
	printf("\nAssignee:  ");
	if (r->assignee != NULL)
		ctl_put_person(stdout, r->assignee, r->assignee_name);
	else
		putchar('-');
	ctl_when(r->created_at, t, sizeof(t));
	printf("\nCreated:   %s\n", t);
	ctl_when(r->updated_at, t, sizeof(t));
	printf("Updated:   %s\n", t);
	if (r->closed_at != 0) {
		ctl_when(r->closed_at, t, sizeof(t));
		printf("Closed:    %s\n", t);
	}
	if (r->linked_to != 0)
		printf("Refers to: #%lld\n", r->linked_to);
}

static void
t_participant(const struct db_participant_row *r, void *arg)
{
	int *first = arg;

	if (*first) {
		printf("Participants:\n");
		*first = 0;
	}
	printf("  %-10s ", r->role);
	ctl_put_person(stdout, r->email, r->name);
	putchar('\n');
}

static void
t_comment(const struct db_comment_row *r, void *arg)
{
	const struct show *s = arg;
	char t[64];

	ctl_when(r->created_at, t, sizeof(t));
	printf("\n--- %s %lld from ", r->internal ? "internal comment" :
	    "comment", r->id);
	ctl_put_text(stdout, r->author != NULL ? r->author : "(unknown)", 0);
	printf(", %s\n", t);
	ctl_put_text(stdout, s->full ? r->full_body : r->body,
	    CTL_TEXT_MULTILINE);
	putchar('\n');
}

static void
t_mail(const struct db_mail_row *r, void *arg)
{
	struct show *s = arg;
	char when[64];

	if (s->heading) {
		printf("\nMails as they came (save one with 'ticketctl mail "
		    "ID'):\n");
		s->heading = 0;
	}
	ctl_when(r->received_at, when, sizeof(when));
	printf("  %lld\t%s\t", r->id, when);
	ctl_put_text(stdout, r->from_addr != NULL ? r->from_addr : "-", 0);
	printf("\t%lld bytes\n", r->size);
}

static void
t_attachment(const struct db_attachment_row *r, void *arg)
{
	struct show *s = arg;

	if (s->heading) {
		printf("\nAttachments (save one with 'ticketctl attachment "
		    "ID'):\n");
		s->heading = 0;
	}
	printf("  %lld\t", r->id);
	ctl_put_text(stdout, r->filename, 0);
	putchar('\t');
	ctl_put_text(stdout, r->media_type, 0);
	printf("\t%lld bytes%s%s%s%s", r->size, r->is_image ? "\timage" : "",
	    r->is_inline ? "\tinline" : "",
	    r->comment_id != 0 ? "\tin a comment" : "",
	    r->kept ? "" : "\tNOT KEPT");
	if (r->note != NULL) {
		printf("\t(");
		ctl_put_text(stdout, r->note, 0);
		putchar(')');
	}
	putchar('\n');
}

static void
t_event(const struct db_event_row *r, void *arg)
{
	int *first = arg;
	char t[64];

	if (*first) {
		printf("\nHistory:\n");
		*first = 0;
	}
	ctl_when(r->at, t, sizeof(t));
	printf("  %s\t", t);
	ctl_put_text(stdout, r->kind, 0);
	putchar('\t');
	ctl_put_text(stdout, r->actor != NULL ? r->actor : "ticketd", 0);
	putchar('\t');
	ctl_put_text(stdout, r->detail, 0);
	putchar('\n');
}

/* --- the commands ---------------------------------------------------- */

static int
list(struct db *db, const struct db_ticket_filter *f, struct show *s)
{
	int rc;

	if (!s->json)
		return db_ticket_each(db, f, t_list_ticket, NULL);
	json_begin_array(&s->j, NULL);
	rc = db_ticket_each(db, f, j_list_ticket, s);
	json_end_array(&s->j);
	buf_addch(&s->b, '\n');
	flush(s);
	return rc;
}

/* 0 shown, 1 no such ticket, <0 database error. */
static int
show_json(struct db *db, long long n, struct show *s)
{
	int rc;

	if ((rc = db_ticket_show(db, n, j_show_ticket, s)) != 0)
		return rc;
	json_begin_array(&s->j, "participants");
	if ((rc = db_participant_each(db, n, j_participant, s)) != 0)
		return rc;
	json_end_array(&s->j);
	json_begin_array(&s->j, "comments");
	if ((rc = db_comment_each(db, n, j_comment, s)) != 0)
		return rc;
	json_end_array(&s->j);
	json_begin_array(&s->j, "attachments");
	if ((rc = db_attachment_each(db, n, j_attachment, s)) != 0)
		return rc;
	json_end_array(&s->j);
	json_begin_array(&s->j, "history");
	if ((rc = db_event_each(db, n, j_event, s)) != 0)
		return rc;
	json_end_array(&s->j);
	json_end_object(&s->j);
	buf_addch(&s->b, '\n');
	flush(s);
	return 0;
}

/* The head with the participants, the body, comments, attachments and
 * history: 0 shown, 1 no such ticket, <0 database error. */
static int
show_text(struct db *db, long long n, struct show *s)
{
	int rc, first = 1;

	if ((rc = db_ticket_show(db, n, t_show_ticket, s)) != 0 ||
	    (rc = db_participant_each(db, n, t_participant, &first)) != 0)
		return rc;
	putchar('\n');
	ctl_put_text(stdout, s->body, CTL_TEXT_MULTILINE);
	putchar('\n');
	s->heading = 1;
	first = 1;
	if ((rc = db_comment_each(db, n, t_comment, s)) != 0 ||
	    (rc = db_attachment_each(db, n, t_attachment, s)) != 0)
		return rc;
	s->heading = 1;
	if ((rc = db_mail_each(db, n, t_mail, s)) != 0 ||
	    (rc = db_event_each(db, n, t_event, &first)) != 0)
		return rc;
	return 0;
}

int
ctl_ticket(const struct config *cfg, int argc, char *argv[])
{
	struct db_ticket_filter f;
	struct show s;
	struct db *db;
	const char *cmd;
	long long n;
	int rc, json, full;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "show") != 0)) {
		ticket_usage();
		return EX_USAGE;
	}
	cmd = argv[1];
	memset(&f, 0, sizeof(f));
	if ((rc = parse(cmd, argc - 2, argv + 2, &f, &json, &full, &n)) != 0) {
		ticket_usage();
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.json = json;
	s.full = full;
	buf_init(&s.b, CTL_JSON_CHUNK_MAX);
	json_init(&s.j, &s.b);
	db = ctl_open_db(cfg);
	if ((rc = db_read_begin(db)) == DB_OK)
		rc = strcmp(cmd, "list") == 0 ? list(db, &f, &s) :
		    json ? show_json(db, n, &s) : show_text(db, n, &s);
	if (rc == 1)
		fprintf(stderr, "ticketctl: no ticket #%lld\n", n);
	else if (s.err) {
		fprintf(stderr, "ticketctl: a piece of the JSON output is "
		    "over %d MiB\n", CTL_JSON_CHUNK_MAX / (1024 * 1024));
		rc = -1;
	} else if (rc < 0)
		fprintf(stderr, "ticketctl: %s\n", db_errmsg(db));
	db_read_end(db);
	db_free(&db);
	free(s.body);
	buf_clear(&s.b);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("ticketctl: standard output");
		return 1;
	}
	return rc != 0;
}
