/*
 * fuzz_command.c — the command parser of command mails: an admin's reply
 * ("/resolve fixed", command_parse_admin) and a root admin's control mail
 * ("reassign 42 bob@corp.example", command_parse_control), on the same
 * bytes.
 *
 * Properties (command.h): at most LIMIT_COMMANDS + 1 entries and
 * LIMIT_SKIPPED_LINES + 2 skips per call; every line and reason valid
 * UTF-8 without control bytes but tabs; an error or unknown entry has err and no
 * arguments, and makes the call return -1; numbers and lists in range;
 * the comment starts inside the body.
 */
#include "charset.h"
#include "command.h"
#include "fields.h"
#include "limits.h"

#include "fuzz.h"

static void
check_line(const char *s, size_t max)
{
	size_t i, len;

	fuzz_check(s != NULL);
	len = strlen(s);
	fuzz_check(len <= max);
	fuzz_check(charset_utf8_valid(s, len));
	/* lex_show(…, LEX_SHOW_TAB): tabs are kept */
	for (i = 0; i < len; i++)
		fuzz_check(((unsigned char)s[i] >= 0x20 || s[i] == '\t') &&
		    s[i] != 0x7f);
}

static void
check_list(const struct cmd_list *l, int rc)
{
	const struct cmd *c;
	size_t i, j;
	int bad = 0;

	fuzz_check(l->n <= LIMIT_COMMANDS + 1);
	fuzz_check(l->nskip <= LIMIT_SKIPPED_LINES + 2);
	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		/* the line, cut at the cap, plus "..." */
		check_line(c->line, LIMIT_COMMAND_LINE_BYTES + 3);
		fuzz_check(c->number >= 0 && c->number <= 1000000000000LL);
		if (c->kind == CMD_ERROR || c->kind == CMD_UNKNOWN) {
			bad = 1;
			fuzz_check(c->err != NULL && c->arg1 == NULL &&
			    c->arg2 == NULL);
			check_line(c->err, 4096);
			continue;
		}
		fuzz_check(c->err == NULL);
		fuzz_check(command_kind_name(c->kind) != NULL);
		if (c->kind == CMD_PRIORITY)
			fuzz_check(c->prio >= FIELDS_PRIO_HIGH &&
			    c->prio <= FIELDS_PRIO_LOW);
		if (c->kind == CMD_REJECT || c->kind == CMD_REASON ||
		    c->kind == CMD_CTL_REJECT || c->kind == CMD_ASSIGN ||
		    c->kind == CMD_REASSIGN || c->kind == CMD_ROLE ||
		    c->kind == CMD_GRANT || c->kind == CMD_REVOKE ||
		    c->kind == CMD_SKILLS || c->kind == CMD_AWAY ||
		    c->kind == CMD_BACK)
			fuzz_check(c->arg1 != NULL);
		if (c->arg1 != NULL)
			fuzz_check(charset_utf8_valid(c->arg1,
			    strlen(c->arg1)));
		if (c->arg2 != NULL)
			fuzz_check(charset_utf8_valid(c->arg2,
			    strlen(c->arg2)));
		if (c->kind == CMD_SKILLS) {
			fuzz_check(c->nlist >= 1 && c->nlist <= LIMIT_SKILLS);
			for (j = 0; j < c->nlist; j++)
				fuzz_check(c->list[j] != NULL);
		}
		if (c->kind == CMD_REASSIGN || c->kind == CMD_CTL_REJECT)
			fuzz_check(c->number >= 1);
	}
	for (i = 0; i < l->nskip; i++) {
		check_line(l->skip[i].line, LIMIT_QUOTED_BYTES + 3);
		check_line(l->skip[i].why, 4096);
	}
	fuzz_check(rc == (bad ? -1 : 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_list l;
	size_t rest;
	char *p;
	int rc;

	p = fuzz_dup(data, size);
	command_list_init(&l);
	rc = command_parse_admin(p, size, &l, &rest);
	fuzz_check(rest <= size);
	check_list(&l, rc);
	command_list_clear(&l);

	command_list_init(&l);
	rc = command_parse_control(p, size, &l);
	check_list(&l, rc);
	command_list_clear(&l);
	free(p);
	return 0;
}
