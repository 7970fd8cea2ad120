/*
 * test_asset.c — the asset registry's pure part (asset.c) by table: tag
 * syntax, dates, statuses, [assets] types and link, the category → type
 * lookup, the [TAG] tags of a subject, and the "asset …" command with
 * each refusal; also the control mail's and admin's asset lines through
 * command.c, and the /a/TAG route (web_req.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset.h"
#include "command.h"
#include "t.h"
#include "web_req.h"
#include "xmalloc.h"

#define S_LINE	"asset add LAP-1 toaster! T14\n"

static int
tag(const char *s, char *out)
{
	size_t n = strlen(s);
	char *copy = xmalloc(n > 0 ? n : 1);
	int rc;

	memcpy(copy, s, n);
	rc = asset_tag_parse(copy, n, out);
	free(copy);
	return rc;
}

static void
test_tags(void)
{
	static const char *const good[][2] = {
		{ "LAP-0042", "LAP-0042" }, { "lap-0042", "LAP-0042" },
		{ "a1", "A1" }, { "PRN_3.b", "PRN_3.B" },
		{ "12345678901234567890123456789012",
		    "12345678901234567890123456789012" },
	};
	static const char *const bad[] = {
		"", "A", "-LAP", "LAP-", "LAP 42", "LAP/42", "[LAP]", "LAP#1",
		"L\xc3\xa4P-1", "123456789012345678901234567890123", "A\nB",
		".AB", "AB.",
	};
	char out[ASSET_TAG_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		T_INTEQ(tag(good[i][0], out), 0);
		T_STREQ(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tag(bad[i], out) != -1)
			fprintf(stderr, "# %s\n", bad[i]);
		T_INTEQ(tag(bad[i], out), -1);
	}
}

static void
test_dates_statuses(void)
{
	char d[11];

	T_INTEQ(asset_date_parse("2024-02-29", 10, d), 0);
	T_STREQ(d, "2024-02-29");
	T_INTEQ(asset_date_parse("2025-02-29", 10, d), -1);
	T_INTEQ(asset_date_parse("2026-02-30", 10, d), -1);
	T_INTEQ(asset_date_parse("2026-13-01", 10, d), -1);
	T_INTEQ(asset_date_parse("1969-12-31", 10, d), -1);
	T_INTEQ(asset_date_parse("2026-1-01", 9, d), -1);
	T_INTEQ(asset_date_parse("31.12.2025", 10, d), -1);
	T_INTEQ(asset_date_parse("2026-12-01T", 11, d), -1);
	T_STREQ(asset_status_parse("In-Repair", 9), "in-repair");
	T_STREQ(asset_status_parse("in use", 6), "in-use");
	T_STREQ(asset_status_parse("in_stock", 8), "in-stock");
	T_CHECK(asset_status_parse("broken", 6) == NULL);
	T_CHECK(asset_status_parse("", 0) == NULL);
}

static void
test_config(void)
{
	struct asset_link *l;
	char **t, err[256];
	size_t n;

	T_INTEQ(asset_types_parse(ASSET_TYPES_DEFAULT, &t, err, sizeof(err)),
	    0);
	T_STREQ(t[0], "laptop");
	T_STREQ(t[6], "other");
	T_CHECK(t[7] == NULL);
	T_STREQ(asset_type_find(t, "LAPTOP", 6), "laptop");
	T_CHECK(asset_type_find(t, "toaster", 7) == NULL);
	T_INTEQ(asset_links_parse("hardware/laptop: laptop, hardware: monitor,"
	    " network :laptop", t, &l, &n, err, sizeof(err)), 0);
	T_INTEQ((long long)n, 3);
	T_STREQ(asset_link_type(l, n, "hardware", "laptop"), "laptop");
	T_STREQ(asset_link_type(l, n, "Hardware", "printer"), "monitor");
	T_STREQ(asset_link_type(l, n, "hardware", NULL), "monitor");
	T_STREQ(asset_link_type(l, n, "network", "vpn"), "laptop");
	T_CHECK(asset_link_type(l, n, "access", NULL) == NULL);
	T_CHECK(asset_link_type(l, n, NULL, NULL) == NULL);
	asset_links_free(l, n);
	T_INTEQ(asset_links_parse("hardware: toaster", t, &l, &n, err,
	    sizeof(err)), -1);
	T_STREQ(err, "type \"toaster\" is not in [assets] types");
	T_INTEQ(asset_links_parse("hardware laptop", t, &l, &n, err,
	    sizeof(err)), -1);
	T_INTEQ(asset_links_parse("a: laptop, A: phone", t, &l, &n, err,
	    sizeof(err)), -1);
	T_INTEQ(asset_links_parse("a/b/c: laptop", t, &l, &n, err,
	    sizeof(err)), -1);
	T_INTEQ(asset_links_parse("", t, &l, &n, err, sizeof(err)), 0);
	T_INTEQ((long long)n, 0);
	asset_types_free(t);
	T_INTEQ(asset_types_parse("laptop, Laptop", &t, err, sizeof(err)), -1);
	T_INTEQ(asset_types_parse(" , ", &t, err, sizeof(err)), -1);
	T_INTEQ(asset_types_parse("lap top!", &t, err, sizeof(err)), -1);
}

static void
test_subject(void)
{
	char out[ASSET_SUBJECT_TAGS][ASSET_TAG_MAX + 1];
	const char *s = "Re: [IT #5] [lap-0042] [hardware/laptop] [@bob] "
	    "[LAP-0042] [MON-7] [ x ] [P1] [a][b][cc][dd]";

	T_INTEQ((long long)asset_subject_tags(s, strlen(s), out, 4), 4);
	T_STREQ(out[0], "LAP-0042");
	T_STREQ(out[1], "MON-7");
	T_STREQ(out[2], "P1");
	T_STREQ(out[3], "CC");
	T_INTEQ((long long)asset_subject_tags("[", 1, out, 4), 0);
	T_INTEQ((long long)asset_subject_tags("[ab", 3, out, 4), 0);
}

static int
cmd(const char *s, struct asset_cmd *c, char *err, size_t errsz)
{
	asset_cmd_clear(c);
	return asset_cmd_parse(s, strlen(s), c, err, errsz);
}

static void
test_command(void)
{
	static const char *const bad[][2] = {
		{ "", "add, give, return, status, note or show is required" },
		{ "buy LAP-1", "'buy' is not add" },
		{ "add", "a tag is required" },
		{ "add LAP", "a type is required" },
		{ "add LAP-1 laptop", "a model is required" },
		{ "add LAP-1 laptop serial=x", "is not a model" },
		{ "add LAP-1 laptop \"T14 serial=x", "not closed" },
		{ "add LAP-1 laptop \"T14\"serial=x", "a space is missing" },
		{ "add LAP-1 laptop T14 serial=a serial=b", "given twice" },
		{ "add LAP-1 laptop T14 colour=red", "'colour' is not a key" },
		{ "add LAP-1 laptop T14 extra", "was not expected" },
		{ "add LAP-1 laptop T14 owner=bob", "is not an address" },
		{ "add LAP-1 laptop T14 warranty=2026-02-30", "is not a date" },
		{ "add LAP-1 laptop T14 status=lost", "is not in-use" },
		{ "add LAP-1 lap/top T14", "is not a type" },
		{ "give LAP-1", "an address is required" },
		{ "give LAP-1 bob", "is not an address" },
		{ "give LAP-1 a@b.example c@d.example", "was not expected" },
		{ "return LAP-1 now", "was not expected" },
		{ "status LAP-1", "is required" },
		{ "status LAP-1 fine", "is not in-use" },
		{ "note LAP-1", "a text is required" },
		{ "show bad/tag", "is not a tag" },
	};
	struct asset_cmd c;
	char err[256];
	size_t i;

	asset_cmd_init(&c);
	T_INTEQ(cmd("add lap-0042 Laptop \"ThinkPad T14\" serial=PF-1 "
	    "owner=<a@corp.example> warranty=2027-03-01 purchased=2024-01-10 "
	    "status=in-repair", &c, err, sizeof(err)), 0);
	T_INTEQ(c.op, ASSET_OP_ADD);
	T_STREQ(c.tag, "LAP-0042");
	T_STREQ(c.type, "laptop");
	T_STREQ(c.model, "ThinkPad T14");
	T_STREQ(c.serial, "PF-1");
	T_STREQ(c.owner, "a@corp.example");
	T_STREQ(c.warranty, "2027-03-01");
	T_STREQ(c.purchased, "2024-01-10");
	T_STREQ(c.status, "in-repair");
	T_INTEQ(cmd("add MON-1 monitor - serial=\"A B\"", &c, err,
	    sizeof(err)), 0);
	T_STREQ(c.model, "");
	T_STREQ(c.serial, "A B");
	T_INTEQ(cmd("GIVE mon-1 b@corp.example,", &c, err, sizeof(err)), 0);
	T_STREQ(c.owner, "b@corp.example");
	T_INTEQ(cmd("status MON-1 in use", &c, err, sizeof(err)), -1);
	T_INTEQ(cmd("status MON-1 retired", &c, err, sizeof(err)), 0);
	T_STREQ(c.status, "retired");
	T_INTEQ(cmd("note MON-1   dead pixel, top left  ", &c, err,
	    sizeof(err)), 0);
	T_STREQ(c.note, "dead pixel, top left");
	T_INTEQ(cmd("show MON-1", &c, err, sizeof(err)), 0);
	T_INTEQ(c.op, ASSET_OP_SHOW);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_INTEQ(cmd(bad[i][0], &c, err, sizeof(err)), -1);
		if (strstr(err, bad[i][1]) == NULL)
			fprintf(stderr, "# %s: %s\n", bad[i][0], err);
		T_CHECK(strstr(err, bad[i][1]) != NULL);
	}
	asset_cmd_clear(&c);
}

/* The lines through command.c: control mail and admin reply. */
static void
test_command_lines(void)
{
	static const char mail[] =
	    "Hi,\n\nasset add LAP-1 laptop \"T14\"\nasset note lap-1 fan noisy\n"
	    "assets a@corp.example\n/asset x\nthanks\n";
	struct cmd_list l;
	size_t rest;

	command_list_init(&l);
	T_INTEQ(command_parse_control(mail, sizeof(mail) - 1, &l), -1);
	T_INTEQ((long long)l.n, 4);
	T_INTEQ(l.v[0].kind, CMD_ASSET);
	T_STREQ(l.v[0].arg1, "LAP-1");
	T_INTEQ(l.v[1].kind, CMD_ASSET_NOTE);
	T_STREQ(l.v[1].arg1, "LAP-1");
	T_STREQ(l.v[1].arg2, "fan noisy");
	T_INTEQ(l.v[2].kind, CMD_ASSETS);
	T_STREQ(l.v[2].arg1, "a@corp.example");
	T_INTEQ(l.v[3].kind, CMD_UNKNOWN);
	command_list_clear(&l);
	T_INTEQ(command_parse_control(S_LINE, strlen(S_LINE), &l), -1);
	T_INTEQ(l.v[0].kind, CMD_ERROR);
	T_CHECK(strstr(l.v[0].err, "asset: 'toaster!' is not a type") != NULL);
	command_list_clear(&l);
	T_INTEQ(command_parse_admin("/asset mon-7\n\ntext", 18, &l, &rest), 0);
	T_INTEQ(l.v[0].kind, CMD_ASSET_LINK);
	T_STREQ(l.v[0].arg1, "MON-7");
	command_list_clear(&l);
	T_INTEQ(command_parse_admin("/asset\n", 7, &l, &rest), -1);
	T_INTEQ(command_parse_admin("/asset a b\n", 11, &l, &rest), -1);
	command_list_clear(&l);
}

static void
test_route(void)
{
	struct web_route rt;

	web_route("/a/LAP-0042", &rt);
	T_INTEQ(rt.page, WEB_PG_ASSET);
	T_INTEQ(rt.need, WEB_DESK);
	T_STREQ(rt.tag, "LAP-0042");
	web_route("/a/bad tag", &rt);
	T_CHECK(rt.bad != NULL);
	web_route("/a/", &rt);
	T_CHECK(rt.bad != NULL);
	web_route("/assets", &rt);
	T_INTEQ(rt.page, WEB_PG_ASSETS);
	T_INTEQ(rt.need, WEB_DESK);
	T_INTEQ(rt.args, WEB_ARGS_ASSETS);
}

int
main(void)
{
	T_RUN(test_tags);
	T_RUN(test_dates_statuses);
	T_RUN(test_config);
	T_RUN(test_subject);
	T_RUN(test_command);
	T_RUN(test_command_lines);
	T_RUN(test_route);
	return T_END();
}
