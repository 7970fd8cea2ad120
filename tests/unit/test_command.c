/*
 * test_command.c — command_parse_admin() and command_parse_control():
 * tables of real command mails (commands then a comment, CR LF, leading
 * blank lines, signatures, quoted text, NBSP from HTML mail), every
 * command with good, missing and bad arguments, strict dates and ticket
 * numbers, and hostile input (a 1 MB line, 10,000 command lines, binary,
 * invalid UTF-8) that must give bounded, well-formed entries. Parsers are
 * called on exact-length heap copies, so ASan sees any read past the end.
 *
 * Each parse is rendered as one line per entry, so a table row states the
 * whole result: "kind #number a1=… a2=… p=prio u=until l=a,b e=err".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "command.h"
#include "fields.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

/* The entries from first on, one line each. New string. */
static char *
render(const struct cmd_list *l, size_t first)
{
	struct buf b;
	const struct cmd *c;
	size_t i, j;

	buf_init(&b, 1 << 20);
	for (i = first; i < l->n; i++) {
		c = &l->v[i];
		if (i > first)
			(void)buf_addch(&b, '\n');
		(void)buf_addstr(&b, command_kind_name(c->kind));
		if (c->number != 0)
			(void)buf_printf(&b, " #%lld", c->number);
		if (c->arg1 != NULL)
			(void)buf_printf(&b, " a1=%s", c->arg1);
		if (c->arg2 != NULL)
			(void)buf_printf(&b, " a2=%s", c->arg2);
		if (c->prio != 0)
			(void)buf_printf(&b, " p=%s",
			    fields_priority_name(c->prio));
		if (c->until != 0)
			(void)buf_printf(&b, " u=%lld", c->until);
		for (j = 0; j < c->nlist; j++)
			(void)buf_printf(&b, "%s%s", j ? "," : " l=",
			    c->list[j]);
		if (c->err != NULL)
			(void)buf_printf(&b, " e=%s", c->err);
	}
	return buf_steal(&b, NULL);
}

/* Every entry well-formed: what a transcript writer may rely on. */
static int
entries_sane(const struct cmd_list *l)
{
	const struct cmd *c;
	size_t i, j, n;

	if (l->n > LIMIT_COMMANDS + 1)
		return 0;
	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		if (c->line == NULL ||
		    strlen(c->line) > LIMIT_COMMAND_LINE_BYTES + 3)
			return 0;
		if ((c->kind == CMD_ERROR || c->kind == CMD_UNKNOWN) !=
		    (c->err != NULL))
			return 0;
		n = strlen(c->line);
		for (j = 0; j < n; j++) {
			if ((unsigned char)c->line[j] < 0x20 &&
			    c->line[j] != '\t')
				return 0;
		}
		if (c->err != NULL && (strchr(c->err, '\n') ||
		    strlen(c->err) > 2 * LIMIT_QUOTED_BYTES + 100))
			return 0;
	}
	return 1;
}

static const struct {
	const char	*name, *body;
	int		 rc;
	const char	*want;	/* render() */
	const char	*rest;	/* body from *rest_off */
} admin_tab[] = {
	/* resolve */
	{ "resolve, comment", "/resolve\n\nThanks, fixed.\n", 0, "resolve",
	  "Thanks, fixed.\n" },
	{ "resolve note", "/resolve replaced the toner\n\nHi Bob,\n", 0,
	  "resolve a1=replaced the toner", "Hi Bob,\n" },
	{ "RESOLVE any case", "/RESOLVE done", 0, "resolve a1=done", "" },
	{ "resolve tabs trimmed", "/resolve\t fixed \t\n", 0,
	  "resolve a1=fixed", "" },
	{ "resolve NBSP", "/resolve\xc2\xa0" "fixed\xc2\xa0\n", 0,
	  "resolve a1=fixed", "" },
	{ "resolve utf-8 note", "/resolve na\xc3\xafve r\xc3\xa9sum\xc3\xa9 "
	  "\xe2\x9c\x93\n", 0, "resolve a1=na\xc3\xafve r\xc3\xa9sum\xc3\xa9 "
	  "\xe2\x9c\x93", "" },
	/* reject */
	{ "reject reason", "/reject duplicate of #41\n", 0,
	  "reject a1=duplicate of #41", "" },
	{ "reject without reason", "/reject\n", -1,
	  "error e=reject: a reason is required", "" },
	{ "reject spaces only", "/reject   \n", -1,
	  "error e=reject: a reason is required", "" },
	/* assign */
	{ "assign address", "/assign bob@corp.example\n", 0,
	  "assign a1=bob@corp.example", "" },
	{ "assign name", "/assign Bob Smith\n", 0, "assign a1=Bob Smith", "" },
	{ "assign angle", "/assign <alice@corp.example>", 0,
	  "assign a1=alice@corp.example", "" },
	{ "assign display name", "/assign Alice <alice@corp.example>", 0,
	  "assign a1=alice@corp.example", "" },
	{ "assign nobody", "/assign\n", -1,
	  "error e=assign: an address or name is required", "" },
	{ "assign bad address", "/assign a@b@c\n", -1,
	  "error e=assign: 'a@b@c' is not an address or name", "" },
	{ "assign subject tag", "/assign [@bob]\n", -1,
	  "error e=assign: '[@bob]' is not an address or name", "" },
	/* priority */
	{ "priority high", "/priority high\n", 0, "priority p=high", "" },
	{ "priority URGENT", "/Priority URGENT\n", 0, "priority p=high", "" },
	{ "priority p3", "/priority p3\n", 0, "priority p=low", "" },
	{ "priority medium", "/priority medium", 0, "priority p=medium", "" },
	{ "priority bad", "/priority whenever\n", -1,
	  "error e=priority: 'whenever' is not high, medium or low", "" },
	{ "priority two words", "/priority high low\n", -1,
	  "error e=priority: 'high low' is not high, medium or low", "" },
	{ "priority missing", "/priority\n", -1,
	  "error e=priority: high, medium or low is required", "" },
	/* category */
	{ "category cat/sub", "/category hardware/printer\n", 0,
	  "category a1=hardware a2=printer", "" },
	{ "category upper", "/category Network\n", 0, "category a1=network",
	  "" },
	{ "category spaced slash", "/category hardware / printer\n", 0,
	  "category a1=hardware a2=printer", "" },
	{ "category bad", "/category a b\n", -1,
	  "error e=category: 'a b' is not a category (cat or cat/sub)", "" },
	{ "category missing", "/category", -1,
	  "error e=category: a category is required", "" },
	/* internal, publish, reason */
	{ "internal", "/internal\nnote for admins\n", 0, "internal",
	  "note for admins\n" },
	{ "internal with text", "/internal note\n", -1,
	  "error e=internal: 'note' was not expected", "" },
	{ "publish", "/publish\n", 0, "publish", "" },
	{ "publish title", "/publish How to reset the VPN token\n", 0,
	  "publish a1=How to reset the VPN token", "" },
	{ "reason", "/reason vendor outage\n", 0, "reason a1=vendor outage",
	  "" },
	{ "reason missing", "/reason\n", -1,
	  "error e=reason: a text is required", "" },
	/* the knowledge base (issue 11) */
	{ "kb edit", "/kb edit\n\n# Reset the VPN token\n\nOpen the app.\n",
	  0, "kb edit", "# Reset the VPN token\n\nOpen the app.\n" },
	{ "KB EDIT any case", "/KB Edit\n", 0, "kb edit", "" },
	{ "kb withdraw", "/kb withdraw\n", 0, "kb withdraw", "" },
	{ "resolve publish kb edit", "/resolve\n/publish\n/kb edit\n\nx\n",
	  0, "resolve\npublish\nkb edit", "x\n" },
	{ "kb alone", "/kb\n", -1, "error e=kb: edit or withdraw is required",
	  "" },
	{ "kb other", "/kb delete\n", -1,
	  "error e=kb: 'delete' is not edit or withdraw", "" },
	{ "kb edit extra", "/kb edit now\n", -1,
	  "error e=kb: 'now' was not expected", "" },
	{ "kbedit one word", "/kbedit\n", -1,
	  "unknown e=unknown command '/kbedit'", "" },
	{ "solved is the requester's", "/solved\n", -1,
	  "unknown e=unknown command '/solved'", "" },
	/* unknown */
	{ "unknown", "/foo bar\n", -1, "unknown e=unknown command '/foo'", "" },
	{ "slash alone", "/\n", -1, "unknown e=unknown command '/'", "" },
	{ "slash space word", "/ resolve\n", -1,
	  "unknown e=unknown command '/'", "" },
	{ "double slash", "//resolve\n", -1,
	  "unknown e=unknown command '//resolve'", "" },
	{ "colon after name", "/resolve: done\n", -1,
	  "unknown e=unknown command '/resolve:'", "" },
	{ "a path", "/home/bob/file is full\n", -1,
	  "unknown e=unknown command '/home/bob/file'", "" },
	/* blocks */
	{ "resolve then publish", "/resolve\n/publish Toner swap\n\nDone.\n",
	  0, "resolve\npublish a1=Toner swap", "Done.\n" },
	{ "leading blank lines", "\n\n \n/resolve\n\ntext", 0, "resolve",
	  "text" },
	{ "text first", "Please see:\n/resolve\n", 0, "",
	  "Please see:\n/resolve\n" },
	{ "quoted command", "> /resolve\n", 0, "", "> /resolve\n" },
	{ "quote after", "/resolve\n> quoted\n", 0, "resolve", "> quoted\n" },
	{ "CRLF", "/resolve\r\n/priority low\r\n\r\nThanks\r\n", 0,
	  "resolve\npriority p=low", "Thanks\r\n" },
	{ "leading spaces", "  /resolve\n", 0, "resolve", "" },
	{ "text ends block", "/resolve\nText\n/reject no\n", 0, "resolve",
	  "Text\n/reject no\n" },
	{ "blank line ends block", "/resolve\n\n/reject no\n", 0, "resolve",
	  "/reject no\n" },
	{ "one bad spoils", "/resolve\n/foo\n/priority low\n", -1,
	  "resolve\nunknown e=unknown command '/foo'\npriority p=low", "" },
	{ "empty", "", 0, "", "" },
	{ "blank only", "\n\n\r\n", 0, "", "\n\n\r\n" },
	{ "no final newline", "/resolve", 0, "resolve", "" },
	{ "BOM", "\xef\xbb\xbf/resolve\nx", 0, "resolve", "x" },
	{ "signature after", "/resolve\n-- \nAlice\n", 0, "resolve",
	  "-- \nAlice\n" },
	/* lines that cannot be read */
	{ "control char", "/resolve fixed\x01\n", -1,
	  "error e=line holds a control character", "" },
	{ "invalid utf-8", "/resolve \xff\n", -1,
	  "error e=line is not valid UTF-8", "" },
	{ "overlong utf-8", "/resolve \xc0\xaf\n", -1,
	  "error e=line is not valid UTF-8", "" },
	{ "surrogate", "/resolve \xed\xa0\x80\n", -1,
	  "error e=line is not valid UTF-8", "" },
	{ "cut utf-8 at end", "/resolve caf\xc3", -1,
	  "error e=line is not valid UTF-8", "" },
	{ "CR inside", "/resolve a\rb\n", -1,
	  "error e=line holds a control character", "" },
	{ "unknown name quoted clean", "/fo\xc3\xb6\n", -1,
	  "unknown e=unknown command '/fo\xc3\xb6'", "" },
};

static void
test_admin_table(void)
{
	struct cmd_list l;
	size_t i, n, rest;
	char *copy, *got;
	int rc;

	for (i = 0; i < sizeof(admin_tab) / sizeof(admin_tab[0]); i++) {
		n = strlen(admin_tab[i].body);
		copy = t_dup_n(admin_tab[i].body, n);
		command_list_init(&l);
		rest = 99999;
		rc = command_parse_admin(copy, n, &l, &rest);
		got = render(&l, 0);
		if (rc != admin_tab[i].rc || strcmp(got, admin_tab[i].want) ||
		    rest > n || strcmp(admin_tab[i].body + rest,
		    admin_tab[i].rest) || !entries_sane(&l)) {
			fprintf(stderr, "# admin \"%s\": rc %d rest %zu\n#  "
			    "got:  %s\n#  want: %s\n", admin_tab[i].name, rc,
			    rest, got, admin_tab[i].want);
			t_failed_now = 1;
		}
		free(got);
		free(copy);
		command_list_clear(&l);
	}
}

static const struct {
	const char	*name, *body;
	int		 rc;
	const char	*want;
} ctl_tab[] = {
	/* reassign */
	{ "reassign", "reassign 42 bob@corp.example\n", 0,
	  "reassign #42 a1=bob@corp.example" },
	{ "reassign #N", "reassign #42 bob@corp.example", 0,
	  "reassign #42 a1=bob@corp.example" },
	{ "REASSIGN angle", "REASSIGN 42 <bob@corp.example>", 0,
	  "reassign #42 a1=bob@corp.example" },
	{ "reassign leading zeros", "reassign 007 a@x.example", 0,
	  "reassign #7 a1=a@x.example" },
	{ "reassign 4x", "reassign 4x bob@corp.example", -1,
	  "error e=reassign: '4x' is not a ticket number" },
	{ "reassign no address", "reassign 42", -1,
	  "error e=reassign: an address is required" },
	{ "reassign nothing", "reassign", -1,
	  "error e=reassign: a ticket number is required" },
	{ "reassign 0", "reassign 0 a@x.example", -1,
	  "error e=reassign: '0' is not a ticket number" },
	{ "reassign huge", "reassign 99999999999999999999 a@x.example", -1,
	  "error e=reassign: '99999999999999999999' is not a ticket number" },
	{ "reassign max", "reassign 1000000000000 a@x.example", 0,
	  "reassign #1000000000000 a1=a@x.example" },
	{ "reassign max+1", "reassign 1000000000001 a@x.example", -1,
	  "error e=reassign: '1000000000001' is not a ticket number" },
	{ "reassign negative", "reassign -5 a@x.example", -1,
	  "error e=reassign: '-5' is not a ticket number" },
	{ "reassign hash alone", "reassign # 5 a@x.example", -1,
	  "error e=reassign: '#' is not a ticket number" },
	{ "reassign name", "reassign 42 bob", -1,
	  "error e=reassign: 'bob' is not an address" },
	{ "reassign extra", "reassign 42 bob@corp.example now please", -1,
	  "error e=reassign: 'now please' was not "
	  "expected" },
	/* reject */
	{ "reject", "reject 42 duplicate of 41\n", 0,
	  "reject #42 a1=duplicate of 41" },
	{ "reject #N", "reject #42   spam  ", 0, "reject #42 a1=spam" },
	{ "reject no reason", "reject 42", -1,
	  "error e=reject: a reason is required" },
	{ "reject bad number", "reject forty-two spam", -1,
	  "error e=reject: 'forty-two' is not a ticket number" },
	/* role */
	{ "role admin", "role carol@corp.example admin", 0,
	  "role a1=carol@corp.example a2=admin" },
	{ "role ROOT", "role carol@corp.example ROOT", 0,
	  "role a1=carol@corp.example a2=root" },
	{ "role user", "Role carol@corp.example User", 0,
	  "role a1=carol@corp.example a2=user" },
	{ "role god", "role carol@corp.example god", -1,
	  "error e=role: 'god' is not admin, user or "
	  "root" },
	{ "role missing", "role carol@corp.example", -1,
	  "error e=role: admin, user or root is "
	  "required" },
	{ "role extra", "role carol@corp.example admin root", -1,
	  "error e=role: 'root' was not "
	  "expected" },
	/* grant, revoke, back */
	{ "grant", "grant dave@partner.example", 0,
	  "grant a1=dave@partner.example" },
	{ "revoke", "revoke dave@partner.example", 0,
	  "revoke a1=dave@partner.example" },
	{ "back", "back bob@corp.example", 0, "back a1=bob@corp.example" },
	{ "grant nobody", "grant", -1,
	  "error e=grant: an address is required" },
	{ "grant two words", "grant a b@c.example", -1,
	  "error e=grant: 'a' is not an address" },
	{ "grant double at", "grant a@@b.example", -1,
	  "error e=grant: 'a@@b.example' is not an address" },
	{ "grant double dot", "grant a@b..example", -1,
	  "error e=grant: 'a@b..example' is not an address" },
	{ "grant leading dot", "grant .a@b.example", -1,
	  "error e=grant: '.a@b.example' is not an address" },
	{ "grant localhost", "grant root@localhost", 0,
	  "grant a1=root@localhost" },
	{ "grant trailing comma", "grant dave@partner.example,", 0,
	  "grant a1=dave@partner.example" },
	/* skills */
	{ "skills", "skills bob@corp.example network, software", 0,
	  "skills a1=bob@corp.example l=network,software" },
	{ "skills dedupe", "skills bob@corp.example network,software,Network",
	  0, "skills a1=bob@corp.example l=network,software" },
	{ "skills sub and spaces",
	  "skills bob@corp.example Hardware/Printer  network", 0,
	  "skills a1=bob@corp.example l=hardware/printer,network" },
	{ "skills comma after address", "skills bob@corp.example, network", 0,
	  "skills a1=bob@corp.example l=network" },
	{ "skills none", "skills bob@corp.example", -1,
	  "error e=skills: at least one category is "
	  "required" },
	{ "skills commas only", "skills bob@corp.example , ,", -1,
	  "error e=skills: at least one category is "
	  "required" },
	{ "skills bad", "skills bob@corp.example net work!", -1,
	  "error e=skills: 'work!' is not a "
	  "category" },
	/* away */
	{ "away", "away bob@corp.example", 0, "away a1=bob@corp.example" },
	{ "away until", "away bob@corp.example until 2026-12-24", 0,
	  "away a1=bob@corp.example u=1798070400" },
	{ "away UNTIL", "away bob@corp.example UNTIL 2026-12-24", 0,
	  "away a1=bob@corp.example u=1798070400" },
	{ "away date only", "away bob@corp.example 2026-12-24", 0,
	  "away a1=bob@corp.example u=1798070400" },
	{ "away leap 2024", "away b@x.example until 2024-02-29", 0,
	  "away a1=b@x.example u=1709164800" },
	{ "away leap 2000", "away b@x.example until 2000-02-29", 0,
	  "away a1=b@x.example u=951782400" },
	{ "away first", "away b@x.example until 2000-01-01", 0,
	  "away a1=b@x.example u=946684800" },
	{ "away last", "away b@x.example until 2999-12-31", 0,
	  "away a1=b@x.example u=32503593600" },
	{ "away 2100-03-01", "away b@x.example until 2100-03-01", 0,
	  "away a1=b@x.example u=4107542400" },
	{ "away feb 30", "away b@x.example until 2026-02-30", -1,
	  "error e=away: '2026-02-30' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away no leap 2026", "away b@x.example until 2026-02-29", -1,
	  "error e=away: '2026-02-29' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away no leap 2100", "away b@x.example until 2100-02-29", -1,
	  "error e=away: '2100-02-29' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away apr 31", "away b@x.example until 2026-04-31", -1,
	  "error e=away: '2026-04-31' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away 1999", "away b@x.example until 1999-12-31", -1,
	  "error e=away: '1999-12-31' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away 3000", "away b@x.example until 3000-01-01", -1,
	  "error e=away: '3000-01-01' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away month 13", "away b@x.example until 2026-13-01", -1,
	  "error e=away: '2026-13-01' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away month 0", "away b@x.example until 2026-00-10", -1,
	  "error e=away: '2026-00-10' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away day 0", "away b@x.example until 2026-01-00", -1,
	  "error e=away: '2026-01-00' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away short", "away b@x.example until 2026-1-5", -1,
	  "error e=away: '2026-1-5' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away two-digit year", "away b@x.example until 26-12-24", -1,
	  "error e=away: '26-12-24' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away slashes", "away b@x.example until 2026/12/24", -1,
	  "error e=away: '2026/12/24' is not a date "
	  "(YYYY-MM-DD, 2000..2999)" },
	{ "away until alone", "away b@x.example until", -1,
	  "error e=away: a date (YYYY-MM-DD) is required "
	  "after 'until'" },
	{ "away extra", "away b@x.example until 2026-12-24 noon", -1,
	  "error e=away: 'noon' was not "
	  "expected" },
	/* report, unknown */
	{ "report", "report\n", 0, "report" },
	{ "REPORT", "REPORT", 0, "report" },
	{ "report now", "report now", -1,
	  "error e=report: 'now' was not expected" },
	{ "unknown", "reprot", -1, "unknown e=unknown command 'reprot'" },
	{ "admin command in control", "/resolve", -1,
	  "unknown e=unknown command '/resolve'" },
	/* whole mails */
	{ "mail with signature",
	  "reassign 42 a@x.example\nrole b@x.example admin\n\nreport\n-- \n"
	  "Root Admin\nreassign 1 x@y.example\n", 0,
	  "reassign #42 a1=a@x.example\nrole a1=b@x.example a2=admin\n"
	  "report" },
	{ "signature without space", "report\n--\nsig", 0, "report" },
	{ "quote stops", "report\n> reassign 1 a@b.example\nback a@b.example",
	  0, "report" },
	{ "CRLF", "grant a@x.example\r\nrevoke b@x.example\r\n", 0,
	  "grant a1=a@x.example\nrevoke a1=b@x.example" },
	{ "spaces and tabs", "  \treport  \t\n", 0, "report" },
	{ "NBSP between words", "grant\xc2\xa0" "a@x.example", 0,
	  "grant a1=a@x.example" },
	{ "BOM", "\xef\xbb\xbfreport", 0, "report" },
	{ "empty", "", 0, "" },
	{ "blank lines", "\n\n \r\n", 0, "" },
	{ "greeting", "Hi,\nreport\n", 0, "report" },
	{ "double dash word before", "--force\nreport", 0, "report" },
	{ "double dash word inside", "report\n--force", -1,
	  "report\nunknown e=unknown command '--force'" },
	{ "invalid utf-8", "grant \xff@x.example", -1,
	  "error e=line is not valid UTF-8" },
	{ "control char", "grant a@x.example\x1b[0m", -1,
	  "error e=line holds a control character" },
};

static void
test_control_table(void)
{
	struct cmd_list l;
	size_t i, n;
	char *copy, *got;
	int rc;

	for (i = 0; i < sizeof(ctl_tab) / sizeof(ctl_tab[0]); i++) {
		n = strlen(ctl_tab[i].body);
		copy = t_dup_n(ctl_tab[i].body, n);
		command_list_init(&l);
		rc = command_parse_control(copy, n, &l);
		got = render(&l, 0);
		if (rc != ctl_tab[i].rc || strcmp(got, ctl_tab[i].want) ||
		    !entries_sane(&l)) {
			fprintf(stderr, "# control \"%s\": rc %d\n#  got:  %s\n"
			    "#  want: %s\n", ctl_tab[i].name, rc, got,
			    ctl_tab[i].want);
			t_failed_now = 1;
		}
		free(got);
		free(copy);
		command_list_clear(&l);
	}
}

/* The line kept for the transcript: as written, trimmed, made showable. */
static void
test_lines(void)
{
	struct cmd_list l;
	const char *b = "  /Resolve  replaced toner \r\n/priority\tLOW\n"
	    "/foo \xff\n\ncomment";
	const char *c = "  reassign #42 <a@x.example>  \r\n";

	command_list_init(&l);
	T_INTEQ(command_parse_admin(b, strlen(b), &l, NULL), -1);
	T_INTEQ(l.n, 3);
	T_STREQ(l.v[0].line, "/Resolve  replaced toner");
	T_STREQ(l.v[0].arg1, "replaced toner");
	T_STREQ(l.v[1].line, "/priority\tLOW");
	T_STREQ(l.v[2].line, "/foo ?");
	T_INTEQ(l.v[2].kind, CMD_ERROR);
	command_list_clear(&l);
	T_INTEQ(command_parse_control(c, strlen(c), &l), 0);
	T_INTEQ(l.n, 1);
	T_STREQ(l.v[0].line, "reassign #42 <a@x.example>");
	command_list_clear(&l);
	command_list_clear(NULL);
}

/* Entries already in the list are kept and do not count. */
static void
test_append(void)
{
	struct cmd_list l;
	char *got;

	command_list_init(&l);
	T_INTEQ(command_parse_control("reprot", 6, &l), -1);
	T_INTEQ(command_parse_admin("/resolve", 8, &l, NULL), 0);
	T_INTEQ(l.n, 2);
	got = render(&l, 0);
	T_STREQ(got, "unknown e=unknown command 'reprot'\nresolve");
	free(got);
	command_list_clear(&l);
	T_INTEQ(l.n, 0);
	T_CHECK(l.v == NULL);
}

/* The requester's /solved: alone, after a greeting, any case; nothing
 * else is a requester's command; text stays text. */
static void
test_requester(void)
{
	static const struct {
		const char	*body;
		int		 rc;
		const char	*want, *rest;
	} tab[] = {
		{ "/solved\n\nThe article fixed it.\n", 0, "solved",
		  "The article fixed it.\n" },
		{ "/SOLVED", 0, "solved", "" },
		{ "Hi,\n\n/solved\n", 0, "solved", "" },
		{ "  /solved  \n", 0, "solved", "" },
		{ "/solved thanks\n", -1,
		  "error e=solved: 'thanks' was not expected", "" },
		{ "/resolve\n", -1, "unknown e=unknown command '/resolve'", "" },
		{ "/solved\n/priority high\n", -1,
		  "solved\nunknown e=unknown command '/priority'", "" },
		{ "It is solved now.\n/solved\n", 0, "",
		  "It is solved now.\n/solved\n" },
		{ "> /solved\n", 0, "", "> /solved\n" },
		{ "", 0, "", "" },
	};
	struct cmd_list l;
	size_t i, n, rest;
	char *copy, *got;
	int rc;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		n = strlen(tab[i].body);
		copy = t_dup_n(tab[i].body, n);
		command_list_init(&l);
		rest = 99999;
		rc = command_parse_requester(copy, n, &l, &rest);
		got = render(&l, 0);
		if (rc != tab[i].rc || strcmp(got, tab[i].want) != 0 ||
		    rest > n || strcmp(tab[i].body + rest, tab[i].rest) != 0) {
			fprintf(stderr, "# requester row %zu: rc %d, got '%s', "
			    "rest '%s'\n", i, rc, got, rest <= n ?
			    tab[i].body + rest : "?");
			T_CHECK(0);
		}
		T_CHECK(entries_sane(&l));
		free(got);
		free(copy);
		command_list_clear(&l);
	}
}

/* The lines kb.c drops as personal: greetings and sign-offs. */
static void
test_greeting_signoff(void)
{
	static const char *const greet[] = { "Hi Alice,", "Hello team",
	    "Dear IT desk,", "Good morning all!" };
	static const char *const notgreet[] = { "Hi Alice, the printer is "
	    "broken.", "Printer broken", "" };
	static const char *const signoff[] = { "Thanks,", "Best regards",
	    "Kind regards, Alice", "Cheers", "Thank you very much!" };
	static const char *const notsignoff[] = { "Thanksgiving menu",
	    "Regardless of that", "" };
	size_t i;

	for (i = 0; i < sizeof(greet) / sizeof(greet[0]); i++)
		T_CHECK(command_is_greeting(greet[i], greet[i] +
		    strlen(greet[i])));
	for (i = 0; i < sizeof(notgreet) / sizeof(notgreet[0]); i++)
		T_CHECK(!command_is_greeting(notgreet[i], notgreet[i] +
		    strlen(notgreet[i])));
	for (i = 0; i < sizeof(signoff) / sizeof(signoff[0]); i++)
		T_CHECK(command_is_signoff(signoff[i], signoff[i] +
		    strlen(signoff[i])));
	for (i = 0; i < sizeof(notsignoff) / sizeof(notsignoff[0]); i++)
		T_CHECK(!command_is_signoff(notsignoff[i], notsignoff[i] +
		    strlen(notsignoff[i])));
}

static void
test_kind_names(void)
{
	T_STREQ(command_kind_name(CMD_KB_EDIT), "kb edit");
	T_STREQ(command_kind_name(CMD_KB_WITHDRAW), "kb withdraw");
	T_STREQ(command_kind_name(CMD_SOLVED), "solved");
	T_STREQ(command_kind_name(CMD_UNKNOWN), "unknown");
	T_STREQ(command_kind_name(CMD_ERROR), "error");
	T_STREQ(command_kind_name(CMD_CTL_REJECT), "reject");
	T_STREQ(command_kind_name(CMD_REPORT), "report");
	T_STREQ(command_kind_name((enum cmd_kind)999), "unknown");
}

/* n lines of `line` (with its line end), then `tail`, in a heap copy. */
static char *
repeat(const char *line, size_t n, const char *tail, size_t *lenp)
{
	size_t ll = strlen(line), tl = strlen(tail), i;
	char *s;

	s = xmalloc(ll * n + tl + 1);
	for (i = 0; i < n; i++)
		memcpy(s + i * ll, line, ll);
	memcpy(s + n * ll, tail, tl);
	s[n * ll + tl] = '\0';	/* for the test's strcmp; not passed on */
	*lenp = ll * n + tl;
	return s;
}

static void
test_caps(void)
{
	struct cmd_list l;
	size_t len, rest;
	char *s;

	/* exactly LIMIT_COMMANDS is fine */
	command_list_init(&l);
	s = repeat("/resolve\r\n", LIMIT_COMMANDS, "\r\nok", &len);
	T_INTEQ(command_parse_admin(s, len, &l, &rest), 0);
	T_INTEQ(l.n, LIMIT_COMMANDS);
	T_STREQ(s + rest, "ok");
	free(s);
	command_list_clear(&l);
	/* 10,000 command lines: LIMIT_COMMANDS entries and one error, and the
	 * comment still found after all of them */
	s = repeat("/priority high\n", 10000, "\nThe comment.", &len);
	T_INTEQ(command_parse_admin(s, len, &l, &rest), -1);
	T_INTEQ(l.n, LIMIT_COMMANDS + 1);
	T_INTEQ(l.v[LIMIT_COMMANDS - 1].kind, CMD_PRIORITY);
	T_INTEQ(l.v[LIMIT_COMMANDS].kind, CMD_ERROR);
	T_STREQ(l.v[LIMIT_COMMANDS].err, "more than 50 commands in one mail");
	T_STREQ(s + rest, "The comment.");
	T_CHECK(entries_sane(&l));
	free(s);
	command_list_clear(&l);
	/* 10,000 control lines */
	s = repeat("grant a@x.example\n", 10000, "", &len);
	T_INTEQ(command_parse_control(s, len, &l), -1);
	T_INTEQ(l.n, LIMIT_COMMANDS + 1);
	T_INTEQ(l.v[LIMIT_COMMANDS].kind, CMD_ERROR);
	free(s);
	command_list_clear(&l);
	/* 10,000 bad lines still stop at the cap */
	s = repeat("/x\n", 10000, "", &len);
	T_INTEQ(command_parse_admin(s, len, &l, &rest), -1);
	T_INTEQ(l.n, LIMIT_COMMANDS + 1);
	T_INTEQ(rest, len);
	free(s);
	command_list_clear(&l);
	/* 1 MB of slashes on separate lines is 512 Ki commands */
	s = repeat("/\n", 512 * 1024, "", &len);
	T_INTEQ(command_parse_admin(s, len, &l, &rest), -1);
	T_INTEQ(l.n, LIMIT_COMMANDS + 1);
	free(s);
	command_list_clear(&l);
	/* skills: LIMIT_SKILLS categories fine, one more is an error */
	{
		struct buf b;
		int i;

		buf_init(&b, 1 << 16);
		(void)buf_addstr(&b, "skills a@x.example");
		for (i = 0; i < LIMIT_SKILLS; i++)
			(void)buf_printf(&b, " c%d", i);
		T_INTEQ(command_parse_control(b.data, b.len, &l), 0);
		T_INTEQ(l.v[0].nlist, LIMIT_SKILLS);
		command_list_clear(&l);
		(void)buf_addstr(&b, ", one-more");
		T_INTEQ(command_parse_control(b.data, b.len, &l), -1);
		T_STREQ(l.v[0].err, "skills: too many categories");
		command_list_clear(&l);
		buf_clear(&b);
	}
}

/* The skip notes of a list, one line each: "B line | why" or "E …". */
static char *
render_skips(const struct cmd_list *l)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < l->nskip; i++)
		(void)buf_printf(&b, "%s%s %s | %s", i > 0 ? "\n" : "",
		    l->skip[i].end ? "E" : "B", l->skip[i].line,
		    l->skip[i].why);
	return buf_steal(&b, NULL);
}

/* A reply whose commands follow a greeting, and replies that stay text. */
static const struct {
	const char	*name, *body;
	int		 rc;
	const char	*want, *rest, *skips;
} greet_tab[] = {
	{ "greeting, command, comment",
	  "Hi Alice,\n/resolve\n\nThe toner is replaced.\n", 0, "resolve",
	  "The toner is replaced.\n",
	  "B Hi Alice, | ignored: a greeting before the commands" },
	{ "greeting, blank line", "Hello,\n\n/resolve done\n", 0,
	  "resolve a1=done", "", "B Hello, | ignored: a greeting before the "
	  "commands" },
	{ "good morning", "Good morning all!\n/priority high\n/internal\nx", 0,
	  "priority p=high\ninternal", "x",
	  "B Good morning all! | ignored: a greeting before the commands" },
	{ "dear", "  Dear Bob  \n/assign carol\n", 0, "assign a1=carol", "",
	  "B Dear Bob | ignored: a greeting before the commands" },
	{ "HI upper case", "HI\n/resolve", 0, "resolve", "",
	  "B HI | ignored: a greeting before the commands" },
	{ "hallo", "Hallo Team,\n/resolve", 0, "resolve", "",
	  "B Hallo Team, | ignored: a greeting before the commands" },
	{ "BOM and CRLF", "\xef\xbb\xbfHi,\r\n\r\n/resolve\r\n\r\nThanks\r\n",
	  0, "resolve", "Thanks\r\n",
	  "B Hi, | ignored: a greeting before the commands" },
	{ "NBSP greeting", "Hi\xc2\xa0" "Alice,\xc2\xa0\n/resolve", 0,
	  "resolve", "", "B Hi\xc2\xa0" "Alice, | ignored: a greeting before "
	  "the commands" },
	/* a typo after a greeting is still answered */
	{ "greeting, typo", "Hi,\n/reslove\n\ntext\n", -1,
	  "unknown e=unknown command '/reslove'", "text\n",
	  "B Hi, | ignored: a greeting before the commands" },
	{ "greeting, bad argument", "Hi,\n/priority whenever\n", -1,
	  "error e=priority: 'whenever' is not high, medium or low", "",
	  "B Hi, | ignored: a greeting before the commands" },
	/* text, not commands: the reply is the comment, whole */
	{ "greeting, path", "Hi,\n/etc/hosts is broken\n", 0, "",
	  "Hi,\n/etc/hosts is broken\n", "" },
	{ "sentence", "Hi Alice, I fixed it.\n/resolve\n", 0, "",
	  "Hi Alice, I fixed it.\n/resolve\n", "" },
	{ "two lines", "Hi Alice,\nthanks for waiting.\n/resolve\n", 0, "",
	  "Hi Alice,\nthanks for waiting.\n/resolve\n", "" },
	{ "an example", "If it happens again, write:\n/priority high\n", 0, "",
	  "If it happens again, write:\n/priority high\n", "" },
	{ "greeting, text", "Hi Alice,\nIt works now.\n", 0, "",
	  "Hi Alice,\nIt works now.\n", "" },
	{ "greeting, quote", "Hi,\n> /resolve\n", 0, "", "Hi,\n> /resolve\n",
	  "" },
	{ "greeting, nothing", "Hi,\n", 0, "", "Hi,\n", "" },
	{ "greeting, blank, nothing", "Hi,\n\n\n", 0, "", "Hi,\n\n\n", "" },
	{ "six words", "Hi Alice and Bob and Carol,\n/resolve\n", 0, "",
	  "Hi Alice and Bob and Carol,\n/resolve\n", "" },
	{ "good news", "Good news:\n/resolve\n", 0, "",
	  "Good news:\n/resolve\n", "" },
	{ "hijack", "Hijack\n/resolve\n", 0, "", "Hijack\n/resolve\n", "" },
	{ "two greetings", "Hi,\nHello,\n/resolve\n", 0, "",
	  "Hi,\nHello,\n/resolve\n", "" },
	{ "long greeting line", "Hi xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n/resolve", 0, "",
	  "Hi xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxx\n/resolve", "" },
};

static void
test_admin_greeting(void)
{
	struct cmd_list l;
	size_t i, n, rest;
	char *copy, *got, *sk;
	int rc;

	for (i = 0; i < sizeof(greet_tab) / sizeof(greet_tab[0]); i++) {
		n = strlen(greet_tab[i].body);
		copy = t_dup_n(greet_tab[i].body, n);
		command_list_init(&l);
		rest = 99999;
		rc = command_parse_admin(copy, n, &l, &rest);
		got = render(&l, 0);
		sk = render_skips(&l);
		if (rc != greet_tab[i].rc || strcmp(got, greet_tab[i].want) ||
		    rest > n || strcmp(greet_tab[i].body + rest,
		    greet_tab[i].rest) || strcmp(sk, greet_tab[i].skips) ||
		    !entries_sane(&l)) {
			fprintf(stderr, "# greeting \"%s\": rc %d rest %zu\n#  "
			    "got:  %s\n#  want: %s\n#  skips: %s\n",
			    greet_tab[i].name, rc, rest, got, greet_tab[i].want,
			    sk);
			t_failed_now = 1;
		}
		free(sk);
		free(got);
		free(copy);
		command_list_clear(&l);
	}
}

/* Control mails as people write them: greeting, commands, sign-off. */
static const struct {
	const char	*name, *body;
	int		 rc;
	const char	*want, *skips;
} mail_tab[] = {
	{ "greeting, commands, thanks, signature",
	  "Hi team,\n\nreassign 1 carol@corp.example\n"
	  "role dan@corp.example admin\n\nThanks!\n-- \nRoot Admin\n"
	  "IT department\n", 0,
	  "reassign #1 a1=carol@corp.example\nrole a1=dan@corp.example a2=admin",
	  "B Hi team, | ignored: text before the first command\n"
	  "E Thanks! | end of the commands (a sign-off); 3 more lines not read" },
	{ "the same with a typo in the middle",
	  "Hi team,\n\nreassign 1 carol@corp.example\n"
	  "rol dan@corp.example admin\nreport\n\nThanks!\n-- \nRoot Admin\n", -1,
	  "reassign #1 a1=carol@corp.example\nunknown e=unknown command 'rol'\n"
	  "report",
	  "B Hi team, | ignored: text before the first command\n"
	  "E Thanks! | end of the commands (a sign-off); 2 more lines not read" },
	{ "a remark among the commands",
	  "report\nand please hurry\nthanks\n", -1,
	  "report\nunknown e=unknown command 'and'",
	  "E thanks | end of the commands (a sign-off)" },
	{ "two greeting lines",
	  "Hello desk,\nplease apply these:\ngrant a@x.example\n", 0,
	  "grant a1=a@x.example",
	  "B Hello desk, | ignored: text before the first command\n"
	  "B please apply these: | ignored: text before the first command" },
	/* a typo in the first command is never taken for a greeting */
	{ "typo in the first command",
	  "Hi,\nreasign 1 carol@corp.example\nreport\nthanks\n", -1,
	  "unknown e=unknown command 'reasign'\nreport",
	  "B Hi, | ignored: text before the first command\n"
	  "E thanks | end of the commands (a sign-off)" },
	{ "swapped letters", "grnat a@x.example\nreport", -1,
	  "unknown e=unknown command 'grnat'\nreport", "" },
	{ "typo alone", "reprot\nthanks", -1,
	  "unknown e=unknown command 'reprot'",
	  "E thanks | end of the commands (a sign-off)" },
	{ "command with a colon", "Report:\n", -1,
	  "unknown e=unknown command 'Report:'", "" },
	{ "near word with a number", "Reports for #42 below\nreport\n", -1,
	  "unknown e=unknown command 'Reports'\nreport", "" },
	{ "admin command", "Hi,\n/resolve\n", -1,
	  "unknown e=unknown command '/resolve'",
	  "B Hi, | ignored: text before the first command" },
	/* a command meant, in another form: never a greeting either */
	{ "the admin's word for a control command",
	  "Hi,\nassign 1 carol@corp.example\nreject 2 duplicate\nthanks\n", -1,
	  "unknown e=unknown command 'assign'\nreject #2 a1=duplicate",
	  "B Hi, | ignored: text before the first command\n"
	  "E thanks | end of the commands (a sign-off)" },
	{ "a command in a sentence",
	  "Please reassign 1 to carol@corp.example\nreport\n", -1,
	  "unknown e=unknown command 'Please'\nreport", "" },
	{ "a command word in a greeting without an address",
	  "Hi, back from holidays with 3 things:\nreport\n", 0, "report",
	  "B Hi, back from holidays with 3 things: | ignored: text before the "
	  "first command" },
	{ "a name like a command", "Grant,\nreport\n", 0, "report",
	  "B Grant, | ignored: text before the first command" },
	{ "near word without arguments", "Roles below:\nrole a@x.example user",
	  0, "role a1=a@x.example a2=user",
	  "B Roles below: | ignored: text before the first command" },
	/* hostile and odd */
	{ "only a greeting", "Hello desk,\n", 0, "",
	  "B Hello desk, | ignored: text before the first command" },
	{ "only a sign-off", "thanks\n", 0, "",
	  "E thanks | end of the commands (a sign-off)" },
	{ "a command after the sign-off",
	  "report\nthanks\nreassign 1 a@x.example\n", 0, "report",
	  "E thanks | end of the commands (a sign-off); 1 more line not read, "
	  "1 of them a command, not run" },
	{ "sign-off before the commands", "Thanks!\nreport\ngrant a@x.example\n",
	  0, "", "E Thanks! | end of the commands (a sign-off); 2 more lines "
	  "not read, 2 of them commands, not run" },
	{ "CRLF, BOM, NBSP",
	  "\xef\xbb\xbfHi\xc2\xa0team,\r\ngrant\xc2\xa0" "a@x.example\r\n"
	  "Thanks\xc2\xa0!\xc2\xa0\r\n-- \r\nRoot\r\n", 0,
	  "grant a1=a@x.example",
	  "B Hi\xc2\xa0team, | ignored: text before the first command\n"
	  "E Thanks\xc2\xa0! | end of the commands (a sign-off); 2 more lines "
	  "not read" },
	{ "signature", "report\n--\nRoot\nreport\n", 0, "report",
	  "E -- | end of the commands (a signature); 2 more lines not read, "
	  "1 of them a command, not run" },
	{ "quote", "report\n\n> reassign 1 a@x.example\n> thanks\n", 0,
	  "report", "E > reassign 1 a@x.example | end of the commands (quoted "
	  "text); 1 more line not read" },
	{ "attribution", "report\n\nOn Mon, 1 Jun 2026 at 10:00, Bob "
	  "<b@x.example> wrote:\n\n> reassign 1 a@x.example\n", 0, "report",
	  "E On Mon, 1 Jun 2026 at 10:00, Bob <b@x.example> wrote: | end of "
	  "the commands (quoted text); 1 more line not read" },
	{ "a line ending in a colon is no attribution without a quote",
	  "report\nnote:\n", -1, "report\nunknown e=unknown command 'note:'",
	  "" },
	{ "quote first", "> old text\n\nreport\n", 0, "",
	  "E > old text | end of the commands (quoted text); 1 more line not "
	  "read, 1 of them a command, not run" },
	{ "outlook original message",
	  "report\n-----Original Message-----\nFrom: IT\nreport\n", 0, "report",
	  "E -----Original Message----- | end of the commands (a quoted mail); "
	  "2 more lines not read, 1 of them a command, not run" },
	{ "outlook underscores",
	  "report\n________________________________\nFrom: IT desk\n", 0,
	  "report", "E ________________________________ | end of the commands "
	  "(a quoted mail); 1 more line not read" },
	{ "forward line", "report\n---------- Forwarded message ---------\n",
	  0, "report", "E ---------- Forwarded message --------- | end of the "
	  "commands (a quoted mail)" },
	{ "underscores in a word", "report\n_____x\n", -1,
	  "report\nunknown e=unknown command '_____x'", "" },
};

/* Sign-offs as people write them: each ends the commands. */
static const char *const signoff_yes[] = {
	"thanks", "Thanks", "THANKS!!", "thank you", "Thank You.",
	"thank  you", "thank\tyou", "thankyou", "thank", "Thanks, Alice",
	"Thank you very much!", "Thanks a lot", "thanks in advance",
	"Many thanks,", "thx", "Regards,", "Best regards", "best  regards,",
	"Kind regards,", "Warm regards", "Cheers!", "Cheers, Bob", "Best,",
	"best", "Best wishes,", "All the best", "Sincerely,", "Bye!", "BR,",
	"quit", "stop", "Stop.", "QUIT", "kthxbye", "Thanks \xe2\x80\xa6",
	"Thanks :-)", "Danke!", "Danke sch\xc3\xb6n", "Viele Gr\xc3\xbc\xc3\x9f" "e",
	"Mit freundlichen Gr\xc3\xbc\xc3\x9f" "en", "MfG", "Merci beaucoup",
	"Cordialement,", "Saludos", "Gracias!", "Grazie mille",
	"Cordiali saluti", "Met vriendelijke groet,", "Bedankt!",
	"Obrigado!", "Atenciosamente,",
};

/* Lines that start like one and are not: inside the commands, refused. */
static const char *const signoff_no[] = {
	"Thanksgiving", "Stop the queue", "quit, please", "Best practice",
	"Cheers Bob", "Regards Bob", "bestest", "thankful", "stopped",
	"Regardless", "byebye",
};

static void
test_control_mails(void)
{
	struct cmd_list l;
	size_t i, n;
	char *copy, *got, *sk, *body;
	int rc;

	for (i = 0; i < sizeof(mail_tab) / sizeof(mail_tab[0]); i++) {
		n = strlen(mail_tab[i].body);
		copy = t_dup_n(mail_tab[i].body, n);
		command_list_init(&l);
		rc = command_parse_control(copy, n, &l);
		got = render(&l, 0);
		sk = render_skips(&l);
		if (rc != mail_tab[i].rc || strcmp(got, mail_tab[i].want) ||
		    strcmp(sk, mail_tab[i].skips) || !entries_sane(&l)) {
			fprintf(stderr, "# mail \"%s\": rc %d\n#  got:  %s\n"
			    "#  want: %s\n#  skips: %s\n#  want:  %s\n",
			    mail_tab[i].name, rc, got, mail_tab[i].want, sk,
			    mail_tab[i].skips);
			t_failed_now = 1;
		}
		free(sk);
		free(got);
		free(copy);
		command_list_clear(&l);
	}
	for (i = 0; i < sizeof(signoff_yes) / sizeof(signoff_yes[0]); i++) {
		body = xasprintf("report\n%s\nreassign 1 a@x.example\n",
		    signoff_yes[i]);
		n = strlen(body);
		copy = t_dup_n(body, n);
		command_list_init(&l);
		rc = command_parse_control(copy, n, &l);
		if (rc != 0 || l.n != 1 || l.nskip != 1 || !l.skip[0].end) {
			fprintf(stderr, "# sign-off \"%s\" not taken\n",
			    signoff_yes[i]);
			t_failed_now = 1;
		}
		command_list_clear(&l);
		free(copy);
		free(body);
	}
	for (i = 0; i < sizeof(signoff_no) / sizeof(signoff_no[0]); i++) {
		body = xasprintf("report\n%s\n", signoff_no[i]);
		n = strlen(body);
		copy = t_dup_n(body, n);
		command_list_init(&l);
		rc = command_parse_control(copy, n, &l);
		if (rc != -1 || l.n != 2 || l.nskip != 0) {
			fprintf(stderr, "# \"%s\" taken for a sign-off\n",
			    signoff_no[i]);
			t_failed_now = 1;
		}
		command_list_clear(&l);
		free(copy);
		free(body);
	}
}

/* Hostile mails: many and long lines around the commands stay bounded. */
static void
test_control_hostile(void)
{
	const size_t big = 1024 * 1024;
	struct cmd_list l;
	size_t len, i;
	char *s;

	/* 10,000 greeting lines: LIMIT_SKIPPED_LINES notes and a count */
	command_list_init(&l);
	s = repeat("Hello there\r\n", 10000, "report\r\nthanks\r\n", &len);
	T_INTEQ(command_parse_control(s, len, &l), 0);
	T_INTEQ(l.n, 1);
	T_INTEQ(l.nskip, LIMIT_SKIPPED_LINES + 2);
	T_STREQ(l.skip[LIMIT_SKIPPED_LINES].line, "...");
	T_STREQ(l.skip[LIMIT_SKIPPED_LINES].why,
	    "and 9990 more lines before the first command, ignored");
	T_CHECK(l.skip[LIMIT_SKIPPED_LINES + 1].end);
	free(s);
	command_list_clear(&l);
	/* only greeting lines */
	s = repeat("Hello there\n", 10000, "", &len);
	T_INTEQ(command_parse_control(s, len, &l), 0);
	T_INTEQ(l.n, 0);
	T_INTEQ(l.nskip, LIMIT_SKIPPED_LINES + 1);
	free(s);
	command_list_clear(&l);
	/* 10,000 commands after the sign-off: counted, none run (the
	 * sign-off is written over the first one's "reassign") */
	s = repeat("reassign 1 a@x.example\n", 10000, "", &len);
	memcpy(s, "thanks!\n", 8);
	T_INTEQ(command_parse_control(s, len, &l), 0);
	T_INTEQ(l.n, 0);
	T_INTEQ(l.nskip, 1);
	T_STREQ(l.skip[0].why, "end of the commands (a sign-off); 10000 more "
	    "lines not read, 9999 of them commands, not run");
	free(s);
	command_list_clear(&l);
	/* 10,000 sign-offs */
	s = repeat("thanks\n", 10000, "", &len);
	T_INTEQ(command_parse_control(s, len, &l), 0);
	T_INTEQ(l.nskip, 1);
	free(s);
	command_list_clear(&l);
	/* a 1 MB greeting line is shown cut */
	s = xmalloc(big + 8);
	memset(s, 'x', big);
	memcpy(s, "Hello ", 6);
	memcpy(s + big, "\nreport\n", 8);
	T_INTEQ(command_parse_control(s, big + 8, &l), 0);
	T_INTEQ(l.n, 1);
	T_INTEQ(l.nskip, 1);
	T_INTEQ(strlen(l.skip[0].line), LIMIT_QUOTED_BYTES + 3);
	command_list_clear(&l);
	/* a 1 MB word (too long to be one letter off a command), and a 1 MB
	 * sign-off line */
	memset(s, 'r', big);
	T_INTEQ(command_parse_control(s, big + 8, &l), 0);
	T_INTEQ(l.n, 1);
	command_list_clear(&l);
	memcpy(s, "thanks ", 7);
	T_INTEQ(command_parse_control(s, big + 8, &l), 0);
	T_INTEQ(l.n, 0);
	T_INTEQ(l.nskip, 1);
	T_CHECK(strlen(l.skip[0].line) <= LIMIT_QUOTED_BYTES + 3);
	command_list_clear(&l);
	/* a 1 MB greeting in a reply: not a greeting, so all text */
	memcpy(s, "Hi ", 3);
	memcpy(s + big, "\n/resol\n", 8);
	T_INTEQ(command_parse_admin(s, big + 8, &l, &len), 0);
	T_INTEQ(l.n, 0);
	T_INTEQ(len, 0);
	command_list_clear(&l);
	/* every byte value after a greeting stays sane */
	for (i = 0; i < 256; i++) {
		s[0] = 'H';
		s[1] = 'i';
		s[2] = '\n';
		s[3] = '/';
		s[4] = (char)i;
		(void)command_parse_admin(s, 5, &l, &len);
		T_CHECK(entries_sane(&l));
		command_list_clear(&l);
		memcpy(s, "thanks", 6);
		s[6] = (char)i;
		(void)command_parse_control(s, 7, &l);
		T_CHECK(entries_sane(&l));
		command_list_clear(&l);
	}
	free(s);
}

static void
test_long_lines(void)
{
	const size_t big = 1024 * 1024;
	struct cmd_list l;
	size_t rest, n;
	char *s;

	/* /resolve with a 1 MB note: an error, the line cut for the
	 * transcript, the comment after it found */
	s = xmalloc(big);
	memset(s, 'n', big);
	memcpy(s, "/resolve ", 9);
	memcpy(s + big - 10, "\n\ncomment", 9);
	command_list_init(&l);
	T_INTEQ(command_parse_admin(s, big - 1, &l, &rest), -1);
	T_INTEQ(l.n, 1);
	T_INTEQ(l.v[0].kind, CMD_ERROR);
	T_STREQ(l.v[0].err, "line is too long");
	T_CHECK(l.v[0].arg1 == NULL);
	n = strlen(l.v[0].line);
	T_INTEQ(n, LIMIT_COMMAND_LINE_BYTES + 3);
	T_CHECK(strcmp(l.v[0].line + n - 3, "...") == 0);
	T_INTEQ(rest, big - 8);
	command_list_clear(&l);
	/* exactly LIMIT_COMMAND_LINE_BYTES is fine */
	T_INTEQ(command_parse_admin(s, LIMIT_COMMAND_LINE_BYTES, &l, &rest),
	    0);
	T_INTEQ(l.v[0].kind, CMD_RESOLVE);
	T_INTEQ(strlen(l.v[0].arg1), LIMIT_COMMAND_LINE_BYTES - 9);
	command_list_clear(&l);
	T_INTEQ(command_parse_admin(s, LIMIT_COMMAND_LINE_BYTES + 1, &l,
	    &rest), -1);
	command_list_clear(&l);
	/* a 1 MB control line, and a 1 MB text line */
	memcpy(s, "report   ", 9);
	T_INTEQ(command_parse_control(s, big, &l), -1);
	T_INTEQ(l.n, 2);	/* the long line, then "comment" */
	T_STREQ(l.v[0].err, "line is too long");
	command_list_clear(&l);
	memset(s, 'x', big);
	T_INTEQ(command_parse_admin(s, big, &l, &rest), 0);
	T_INTEQ(l.n, 0);
	T_INTEQ(rest, 0);
	/* a 1 MB unknown command name and a 1 MB address: quoted short */
	memset(s, 'a', big);
	s[0] = '/';
	T_INTEQ(command_parse_admin(s, LIMIT_COMMAND_LINE_BYTES, &l, NULL), -1);
	T_INTEQ(l.v[0].kind, CMD_UNKNOWN);
	T_CHECK(strlen(l.v[0].err) < LIMIT_QUOTED_BYTES + 40);
	command_list_clear(&l);
	memcpy(s, "grant ", 6);
	T_INTEQ(command_parse_control(s, LIMIT_COMMAND_LINE_BYTES, &l), -1);
	T_CHECK(strlen(l.v[0].err) < LIMIT_QUOTED_BYTES + 40);
	command_list_clear(&l);
	free(s);
}

static void
test_binary(void)
{
	const size_t big = 1024 * 1024;
	struct cmd_list l;
	size_t i, rest;
	unsigned int seed = 4242;
	char *s;
	int round;

	s = xmalloc(big);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < big; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (char)((seed >> 16) % 255 + 1);	/* no NUL */
			if ((seed >> 8) % (round * 8 + 5) == 0)
				s[i] = '\n';
			else if (round >= 2 && (seed >> 4) % 7 == 0)
				s[i] = "/ #@-\r"[(seed >> 12) % 6];
		}
		if (round == 1)
			s[0] = '/';
		command_list_init(&l);
		(void)command_parse_admin(s, big, &l, &rest);
		T_CHECK(rest <= big);
		T_CHECK(entries_sane(&l));
		command_list_clear(&l);
		(void)command_parse_control(s, big, &l);
		T_CHECK(entries_sane(&l));
		command_list_clear(&l);
	}
	free(s);
}

/*
 * An admin's command below other text is not run (the reply is text); the
 * caller finds it to say so instead of staying silent.
 */
static void
test_admin_late(void)
{
	static const struct {
		const char	*body;
		const char	*want;	/* the line found, or NULL */
	} tab[] = {
		{ "Fixed the drum.\n/resolve\n", "/resolve" },
		{ "Hi Alice, I fixed it.\n\n  /Resolve new drum  \r\nBob\n",
		  "/Resolve new drum" },
		{ "If it happens again, write:\n/priority high\n",
		  "/priority high" },
		{ "See /etc/hosts\n/etc/hosts is fine\n", NULL },
		{ "text\n/resolved\n", NULL },		/* not a name */
		{ "text\n> /resolve\n", NULL },		/* quoted */
		{ "text\n-- \n/resolve\n", NULL },	/* a signature */
		{ "", NULL },
		{ "/", NULL },
		{ "no line end /reject", NULL },
		{ "x\n/reject", "/reject" },
	};
	size_t i, off, n;
	int rc;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		size_t len = strlen(tab[i].body);
		char *copy = t_dup_n(tab[i].body, len);

		off = n = 99;
		rc = command_late(copy, len, &off, &n);
		if (tab[i].want == NULL)
			T_INTEQ(rc, 0);
		else {
			T_INTEQ(rc, 1);
			T_CHECK(rc == 1 && n == strlen(tab[i].want) &&
			    memcmp(copy + off, tab[i].want, n) == 0);
		}
		free(copy);
	}
}

int
main(void)
{
	T_RUN(test_admin_table);
	T_RUN(test_control_table);
	T_RUN(test_admin_greeting);
	T_RUN(test_admin_late);
	T_RUN(test_control_mails);
	T_RUN(test_control_hostile);
	T_RUN(test_lines);
	T_RUN(test_append);
	T_RUN(test_kind_names);
	T_RUN(test_requester);
	T_RUN(test_greeting_signoff);
	T_RUN(test_caps);
	T_RUN(test_long_lines);
	T_RUN(test_binary);
	return T_END();
}
