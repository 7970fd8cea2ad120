/*
 * test_csv.c — the RFC 4180 reader of ticketctl asset import, on good and
 * hostile input: quotes, doubled quotes, line ends inside quotes, CR LF
 * and LF, a BOM, blank lines, and every kind of bad record (a quote in an
 * unquoted field, text after a closing quote, an unclosed quote, a lone
 * CR, NUL, invalid UTF-8, too many fields, a field too long, too many
 * records), each with its line and the reader going on at the next line.
 * Every input is an exact-length heap copy, so ASan sees any read past
 * its end; a byte-at-a-time cut of each input must not crash either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "limits.h"
#include "t.h"
#include "xmalloc.h"

/* Read all of (p, len): records as "f1|f2;" and errors as "!LINE;". */
static char *
dump(const char *p, size_t len)
{
	struct csv_record r;
	struct csv c;
	struct buf b;
	char *copy = xmalloc(len > 0 ? len : 1), err[256];
	size_t i;
	int rc, guard = 0;

	memcpy(copy, p, len);
	buf_init(&b, 1 << 20);
	csv_init(&c, copy, len);
	while ((rc = csv_next(&c, &r, err, sizeof(err))) != 0 &&
	    guard++ < 1000) {
		if (rc == -1) {
			buf_printf(&b, "!%ld;", r.line);
			continue;
		}
		buf_printf(&b, "%ld:", r.line);
		for (i = 0; i < r.n; i++)
			buf_printf(&b, "%s%s", i > 0 ? "|" : "", r.f[i]);
		buf_addch(&b, ';');
		csv_record_clear(&r);
	}
	free(copy);
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b, NULL);
}

#define S(s)	s, sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} rows[] = {
	{ S(""), "" },
	{ S("a,b,c"), "1:a|b|c;" },
	{ S("a,b\r\nc,d\r\n"), "1:a|b;2:c|d;" },
	{ S("a,b\nc,d\n"), "1:a|b;2:c|d;" },
	{ S("\xef\xbb\xbftag,type\n"), "1:tag|type;" },
	{ S("\n\r\na\n\n\nb\n"), "3:a;6:b;" },
	{ S(",,\n"), "1:||;" },
	{ S("\"a,b\",\"c\"\"d\",\"\"\n"), "1:a,b|c\"d|;" },
	{ S("\"two\r\nlines\",x\r\nnext\r\n"), "1:two\r\nlines|x;3:next;" },
	{ S(" spaced , kept \n"), "1: spaced | kept ;" },
	{ S("gr\xc3\xbc\xc3\x9f" "e,\xe6\x89\x93\n"),
	    "1:gr\xc3\xbc\xc3\x9f" "e|\xe6\x89\x93;" },
	/* bad records, each named, the next line read */
	{ S("a\"b,c\nok\n"), "!1;2:ok;" },
	{ S("\"a\"b,c\nok\n"), "!1;2:ok;" },
	{ S("\"open,c\nok\n"), "!1;" },
	{ S("a\rb\nok\n"), "!1;2:ok;" },
	{ S("a,b\r"), "!1;" },
	{ S("a\0b\nok\n"), "!1;2:ok;" },
	{ S("\"a\0b\"\nok\n"), "!1;2:ok;" },
	{ S("\xff\xfe,x\nok\n"), "!1;2:ok;" },
	{ S("\xc3,x\nok\n"), "!1;2:ok;" },
	{ S("ok1\nbad\"\nok3\n\"x\"y\nok5"), "1:ok1;!2;3:ok3;!4;5:ok5;" },
};

static void
test_table(void)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = dump(rows[i].in, rows[i].len);
		if (strcmp(got, rows[i].want) != 0)
			fprintf(stderr, "# row %zu\n", i);
		T_STREQ(got, rows[i].want);
		free(got);
	}
}

static void
test_caps(void)
{
	struct buf b;
	char *got, want[64];
	size_t i;

	/* too many fields, then the next line */
	buf_init(&b, 1 << 20);
	for (i = 0; i <= LIMIT_CSV_FIELDS; i++)
		buf_addstr(&b, i > 0 ? ",x" : "x");
	buf_addstr(&b, "\nok\n");
	got = dump(b.data, b.len);
	T_STREQ(got, "!1;2:ok;");
	free(got);
	/* exactly the cap is fine */
	buf_reset(&b);
	for (i = 0; i < LIMIT_CSV_FIELDS; i++)
		buf_addstr(&b, i > 0 ? ",x" : "x");
	got = dump(b.data, b.len);
	T_CHECK(strncmp(got, "1:x|x", 5) == 0);
	free(got);
	/* a field too long, quoted or not */
	buf_reset(&b);
	for (i = 0; i <= LIMIT_CSV_FIELD_BYTES; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\nok\n\"");
	for (i = 0; i <= LIMIT_CSV_FIELD_BYTES; i++)
		buf_addch(&b, 'b');
	buf_addstr(&b, "\"\nok\n");
	got = dump(b.data, b.len);
	T_STREQ(got, "!1;2:ok;!3;4:ok;");
	free(got);
	/* too many records: one error, then the end */
	buf_reset(&b);
	for (i = 0; i < LIMIT_CSV_RECORDS + 5; i++)
		buf_addstr(&b, "x\n");
	{
		struct csv c;
		struct csv_record r;
		char err[128];
		size_t good = 0, bad = 0;
		int rc;

		csv_init(&c, b.data, b.len);
		while ((rc = csv_next(&c, &r, err, sizeof(err))) != 0) {
			if (rc == 1)
				good++;
			else
				bad++;
			csv_record_clear(&r);
		}
		T_INTEQ((long long)good, LIMIT_CSV_RECORDS);
		T_INTEQ((long long)bad, 1);
		snprintf(want, sizeof(want), "more than %d records",
		    LIMIT_CSV_RECORDS);
		T_STREQ(err, want);
	}
	buf_clear(&b);
}

/* Every prefix of every row: no crash, no read past the end. */
static void
test_cuts(void)
{
	size_t i, n;
	char *got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (n = 0; n <= rows[i].len; n++) {
			got = dump(rows[i].in, n);
			free(got);
		}
	T_CHECK(1);
}

static void
test_put(void)
{
	struct buf b;

	buf_init(&b, 4096);
	csv_put(&b, "plain");
	buf_addch(&b, ',');
	csv_put(&b, NULL);
	buf_addch(&b, ',');
	csv_put(&b, "a,b");
	buf_addch(&b, ',');
	csv_put(&b, "say \"hi\"");
	buf_addch(&b, ',');
	csv_put(&b, "two\nlines");
	buf_addch(&b, ',');
	csv_put(&b, " lead");
	T_STREQ(b.data, "plain,,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","
	    "\" lead\"");
	/* and it reads back as written */
	{
		char *got = dump(b.data, b.len);

		T_STREQ(got, "1:plain||a,b|say \"hi\"|two\nlines| lead;");
		free(got);
	}
	buf_clear(&b);
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_caps);
	T_RUN(test_cuts);
	T_RUN(test_put);
	return T_END();
}
