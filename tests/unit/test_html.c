/*
 * test_html.c — HTML escaping (every special character, broken UTF-8,
 * control characters), search snippets whose marks become <mark> while
 * their text stays escaped, URL encoding, and the template fill that
 * escapes unless both sides say "built HTML".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"

#include "t.h"

static char *
esc(const char *p, size_t len)
{
	struct buf b;
	char *copy = t_dup_n(p, len), *s;

	buf_init(&b, 1 << 20);
	T_INTEQ(html_escape(&b, copy, len), 0);
	free(copy);
	s = buf_steal(&b, NULL);
	return s != NULL ? s : strdup("");
}

static void
test_escape(void)
{
	static const struct {
		const char *in;
		size_t	    len;	/* 0: strlen */
		const char *out;
	} cases[] = {
		{ "plain text", 0, "plain text" },
		{ "<script>alert(1)</script>", 0,
		    "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", 0, "a &amp; b" },
		{ "\"quoted\" 'single'", 0, "&quot;quoted&quot; &#39;single&#39;" },
		{ "\"><img src=x onerror=alert(1)>", 0,
		    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
		{ "&amp;", 0, "&amp;amp;" },
		/* tab and newline kept, CR dropped */
		{ "a\tb\r\nc", 0, "a\tb\nc" },
		/* NUL, other C0 controls, DEL: U+FFFD */
		{ "a\0b", 3, "a\xef\xbf\xbd" "b" },
		{ "\x01\x02\x1b[31m", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "[31m" },
		{ "x\x7fy", 0, "x\xef\xbf\xbdy" },
		/* UTF-8 kept; C1 controls (U+0080..U+009F) replaced */
		{ "Grüße, Bruno — ✓ 漢字 😀", 0, "Grüße, Bruno — ✓ 漢字 😀" },
		{ "\xc2\x85", 0, "\xef\xbf\xbd" },
		{ "\xc2\xa0", 0, "\xc2\xa0" },
		/* broken UTF-8: each bad byte replaced, the rest kept */
		{ "a\xff" "b", 0, "a\xef\xbf\xbd" "b" },
		{ "\xc3", 0, "\xef\xbf\xbd" },
		{ "\xc0\xbc", 0, "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong < */
		{ "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },
		{ "", 0, "" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = esc(cases[i].in, cases[i].len ? cases[i].len :
		    strlen(cases[i].in));
		T_STREQ(s, cases[i].out);
		free(s);
	}
}

static void
test_text_null_and_full(void)
{
	struct buf b;

	buf_init(&b, 8);
	T_INTEQ(html_text(&b, NULL), 0);
	T_INTEQ((int)b.len, 0);
	T_INTEQ(html_text(&b, "<<"), 0);	/* 8 bytes: fits */
	T_INTEQ(html_text(&b, "<"), -1);	/* past the maximum */
	buf_clear(&b);
}

static char *
snip(const char *s)
{
	struct buf b;
	char *out;

	buf_init(&b, 1 << 20);
	T_INTEQ(html_snippet(&b, s, strlen(s)), 0);
	out = buf_steal(&b, NULL);
	return out != NULL ? out : strdup("");
}

static void
test_snippet(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "the \x01printer\x02 jams", "the <mark>printer</mark> jams" },
		/* the text between the marks is escaped like any other */
		{ "\x01<script>\x02 & \x01\"x\"\x02",
		    "<mark>&lt;script&gt;</mark> &amp; <mark>&quot;x&quot;</mark>" },
		/* a stray close is dropped; an open one is closed */
		{ "a\x02 b", "a b" },
		{ "\x01open", "<mark>open</mark>" },
		{ "\x01\x01twice\x02\x02", "<mark>twice</mark>" },
		/* a literal tag never becomes markup */
		{ "<mark>not ours</mark>", "&lt;mark&gt;not ours&lt;/mark&gt;" },
		{ "", "" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = snip(cases[i].in);
		T_STREQ(s, cases[i].out);
		free(s);
	}
	/* outside a snippet the marks are control characters */
	s = esc("\x01x\x02", 3);
	T_STREQ(s, "\xef\xbf\xbdx\xef\xbf\xbd");
	free(s);
}

static void
test_urlencode(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 1024);
	T_INTEQ(html_urlencode(&b, "a b&c=d/é~._-"), 0);
	s = buf_steal(&b, NULL);
	T_STREQ(s, "a%20b%26c%3Dd%2F%C3%A9~._-");
	free(s);
}

static char *
fill(const char *tpl, const struct html_var *v, size_t n, int *rc)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	*rc = html_fill(&b, tpl, v, n);
	s = buf_steal(&b, NULL);
	return s != NULL ? s : strdup("");
}

static void
test_fill(void)
{
	const struct html_var v[] = {
		{ "name", "<b>Bob</b> & co", 0 },
		{ "rows", "<tr><td>1</td></tr>", 1 },
		{ "none", NULL, 0 },
	};
	char *s;
	int rc;

	/* escaped by default */
	s = fill("<p>{{name}}</p>", v, 3, &rc);
	T_INTEQ(rc, 0);
	T_STREQ(s, "<p>&lt;b&gt;Bob&lt;/b&gt; &amp; co</p>");
	free(s);
	/* a fragment only where both the template and the code say so */
	s = fill("<table>{{&rows}}</table>", v, 3, &rc);
	T_STREQ(s, "<table><tr><td>1</td></tr></table>");
	free(s);
	s = fill("<p>{{rows}}</p>", v, 3, &rc);
	T_STREQ(s, "<p>&lt;tr&gt;&lt;td&gt;1&lt;/td&gt;&lt;/tr&gt;</p>");
	free(s);
	s = fill("<p>{{&name}}</p>", v, 3, &rc);
	T_STREQ(s, "<p>&lt;b&gt;Bob&lt;/b&gt; &amp; co</p>");
	free(s);
	/* NULL is empty; text without placeholders passes */
	s = fill("[{{none}}] {single} }} x", v, 3, &rc);
	T_INTEQ(rc, 0);
	T_STREQ(s, "[] {single} }} x");
	free(s);
	/* a value is never read as a template */
	{
		const struct html_var w[] = { { "a", "{{b}}", 0 },
		    { "b", "<x>", 0 } };

		s = fill("{{a}}", w, 2, &rc);
		T_STREQ(s, "{{b}}");
		free(s);
	}
	/* an unknown name or an open placeholder is a bug: -2 */
	s = fill("{{nope}}", v, 3, &rc);
	T_INTEQ(rc, -2);
	free(s);
	s = fill("{{name", v, 3, &rc);
	T_INTEQ(rc, -2);
	free(s);
	/* out of room: -1 */
	{
		struct buf b;

		buf_init(&b, 10);
		T_INTEQ(html_fill(&b, "0123456789{{name}}", v, 3), -1);
		buf_clear(&b);
	}
}

static void
test_printf(void)
{
	struct buf b;
	char *s, big[600];

	buf_init(&b, 4096);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_INTEQ(html_printf(&b, "%d <%s>", 7, "a&b"), 0);
	T_INTEQ(html_printf(&b, "%s", big), 0);
	s = buf_steal(&b, NULL);
	T_CHECK(strncmp(s, "7 &lt;a&amp;b&gt;xxx", 20) == 0);
	T_INTEQ(strlen(s), 17 + sizeof(big) - 1);
	free(s);
}

int
main(void)
{
	T_RUN(test_escape);
	T_RUN(test_text_null_and_full);
	T_RUN(test_snippet);
	T_RUN(test_urlencode);
	T_RUN(test_fill);
	T_RUN(test_printf);
	return T_END();
}
