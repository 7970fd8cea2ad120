/*
 * test_json.c — JSON text for scripts (json.c): every kind of hostile
 * string (quotes, backslashes, each C0 control, DEL, NUL inside, invalid
 * and cut UTF-8, overlong forms, surrogates, C1 and bidirectional
 * controls, U+2028/2029) comes out as valid JSON that means the same text;
 * nesting and commas; times in RFC 3339 UTC and null; the buf's cap and
 * the sticky error. Inputs are exact-length heap copies, so ASan sees any
 * read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "t.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define S(s)		s, sizeof(s) - 1

struct row {
	const char	*in;
	size_t		 len;
	const char	*want;	/* the quoted JSON string */
};

static const struct row quote_rows[] = {
	{ S(""), "\"\"" },
	{ S("plain text"), "\"plain text\"" },
	{ S("a \"quoted\" word"), "\"a \\\"quoted\\\" word\"" },
	{ S("C:\\path\\"), "\"C:\\\\path\\\\\"" },
	{ S("line\nnext\r\n\ttab"), "\"line\\nnext\\r\\n\\ttab\"" },
	{ S("\b\f"), "\"\\b\\f\"" },
	{ S("\x01\x1b[31m\x1f\x7f"), "\"\\u0001\\u001b[31m\\u001f\\u007f\"" },
	{ S("a\0b"), "\"a\\u0000b\"" },
	{ S("/ slash"), "\"/ slash\"" },
	/* valid UTF-8 stays as it is */
	{ S("Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93 \xf0\x9f\x98\x80"),
	  "\"Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93 \xf0\x9f\x98\x80\"" },
	/* invalid: a lone continuation, a bad lead, Latin-1 */
	{ S("\x80"), "\"\xef\xbf\xbd\"" },
	{ S("caf\xe9!"), "\"caf\xef\xbf\xbd!\"" },
	{ S("\xff\xfe"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* cut at the end: each byte replaced */
	{ S("x\xe2\x9c"), "\"x\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* overlong '/' and NUL, a surrogate, past U+10FFFF */
	{ S("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xc0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ S("\xf4\x90\x80\x80"),
	  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* a bad lead before a quote: the quote is still escaped */
	{ S("\xe2\""), "\"\xef\xbf\xbd\\\"\"" },
	/* C1 controls (U+009B is CSI), separators, bidi controls */
	{ S("\xc2\x9b" "2J\xc2\x80\xc2\x9f\xc2\xa0"),
	  "\"\\u009b2J\\u0080\\u009f\xc2\xa0\"" },
	{ S("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"" },
	{ S("\xe2\x80\xae" "cod.exe\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\xaa"),
	  "\"\\u202ecod.exe\\u2066\\u2069\\u202a\"" },
	/* neighbours of the escaped ranges stay raw */
	{ S("\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"),
	  "\"\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\"" },
};

static void
test_quote_table(void)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, 1 << 20);
	for (i = 0; i < NELEM(quote_rows); i++) {
		s = t_dup_n(quote_rows[i].in, quote_rows[i].len);
		buf_reset(&b);
		T_CHECK(json_quote(&b, s, quote_rows[i].len) == 0);
		if (b.data == NULL || strcmp(b.data, quote_rows[i].want) != 0)
			fprintf(stderr, "# row %zu\n", i);
		T_STREQ(b.data, quote_rows[i].want);
		free(s);
	}
	buf_clear(&b);
}

/* Every single byte value, alone: only ASCII 0x20..0x7e but '"' and '\\'
 * comes out raw; the output is always printable ASCII or U+FFFD. */
static void
test_quote_every_byte(void)
{
	struct buf b;
	unsigned char c;
	char *s;
	int i;

	buf_init(&b, 64);
	for (i = 0; i < 256; i++) {
		c = (unsigned char)i;
		s = t_dup_n((const char *)&c, 1);
		buf_reset(&b);
		T_CHECK(json_quote(&b, s, 1) == 0);
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
		    c != '<' && c != '>' && c != '&')
			T_INTEQ(b.len, 3);
		else if (c >= 0x80)
			T_STREQ(b.data, "\"\xef\xbf\xbd\"");
		else
			T_CHECK(b.len == 4 || b.len == 8);
		for (size_t k = 0; k < b.len; k++)
			T_CHECK((unsigned char)b.data[k] >= 0x20 &&
			    (unsigned char)b.data[k] != 0x7f);
		free(s);
	}
	buf_clear(&b);
}

/* JSON that lands in a page cannot open or close an HTML element. */
static void
test_html_safe(void)
{
	struct buf b;

	buf_init(&b, 256);
	T_CHECK(json_quote(&b, "</script><b>&amp;", 17) == 0);
	T_STREQ(b.data, "\"\\u003c/script\\u003e\\u003cb\\u003e"
	    "\\u0026amp;\"");
	buf_clear(&b);
}

static void
test_nesting_and_commas(void)
{
	struct json j;
	struct buf b;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_begin_object(&j, NULL);
	json_int(&j, "n", 42);
	json_int(&j, "neg", -9223372036854775807LL - 1);
	json_stringz(&j, "s", "x\"y");
	json_stringz(&j, "none", NULL);
	json_bool(&j, "t", 1);
	json_bool(&j, "f", 0);
	json_null(&j, "z");
	json_begin_array(&j, "empty");
	json_end_array(&j);
	json_begin_array(&j, "a");
	json_int(&j, NULL, 1);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_begin_object(&j, NULL);
	json_string(&j, "k", "ab", 1);
	json_string(&j, "e", NULL, 0);
	json_end_object(&j);
	json_end_array(&j);
	json_end_object(&j);
	T_CHECK(!json_error(&j));
	T_STREQ(b.data, "{\"n\":42,\"neg\":-9223372036854775808,"
	    "\"s\":\"x\\\"y\",\"none\":null,\"t\":true,\"f\":false,"
	    "\"z\":null,\"empty\":[],\"a\":[1,{},{\"k\":\"a\",\"e\":\"\"}]}");
	buf_clear(&b);
}

static void
test_time(void)
{
	struct json j;
	struct buf b;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_begin_array(&j, NULL);
	json_time(&j, NULL, 0, 1);
	json_time(&j, NULL, 1796068085LL, 1);
	json_time(&j, NULL, 1796068085LL, 0);
	json_time(&j, NULL, 253402300800LL, 1);	/* year 10000: null */
	json_time(&j, NULL, -62167219201LL, 1);	/* year -1: null */
	json_end_array(&j);
	T_CHECK(!json_error(&j));
	T_STREQ(b.data, "[\"1970-01-01T00:00:00Z\",\"2026-11-30T19:48:05Z\","
	    "null,null,null]");
	buf_clear(&b);
}

static void
test_cap_and_sticky_error(void)
{
	struct json j;
	struct buf b;
	size_t len;

	buf_init(&b, 10);
	json_init(&j, &b);
	json_begin_array(&j, NULL);
	json_stringz(&j, NULL, "12345");
	T_CHECK(!json_error(&j));
	json_stringz(&j, NULL, "6789");		/* ,"6789" passes 10 */
	T_CHECK(json_error(&j));
	len = b.len;
	json_int(&j, NULL, 1);
	json_end_array(&j);
	T_INTEQ(b.len, len);			/* nothing more written */
	T_CHECK(json_error(&j));
	buf_clear(&b);

	/* unpaired end, too deep */
	buf_init(&b, 4096);
	json_init(&j, &b);
	json_end_object(&j);
	T_CHECK(json_error(&j));
	json_init(&j, &b);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_begin_array(&j, NULL);
	T_CHECK(json_error(&j));
	buf_clear(&b);

	/* json_quote reports the cap itself */
	buf_init(&b, 4);
	T_INTEQ(json_quote(&b, "abcdef", 6), -1);
	buf_clear(&b);
}

int
main(void)
{
	T_RUN(test_quote_table);
	T_RUN(test_quote_every_byte);
	T_RUN(test_html_safe);
	T_RUN(test_nesting_and_commas);
	T_RUN(test_time);
	T_RUN(test_cap_and_sticky_error);
	return T_END();
}
