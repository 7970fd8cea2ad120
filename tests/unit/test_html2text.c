/*
 * test_html2text.c — html2text(): block structure to line breaks, lists,
 * links, hidden elements, entities, broken HTML, deep nesting, the output
 * cap. Inputs are handed over in exact-length heap buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "html2text.h"
#include "t.h"
#include "xmalloc.h"

/* a literal and its length, NUL bytes included */
#define S(x)	(x), sizeof(x) - 1

/* html2text on an exact-length heap copy of p[0..len). */
static char *
h2t_n(const char *p, size_t len, size_t max)
{
	char *copy, *s;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, p, len);
	s = html2text(copy, len, max);
	free(copy);
	return s;
}

static char *
h2t(const char *p)
{
	return h2t_n(p, strlen(p), 100000);
}

static void
test_table(void)
{
	static const struct {
		const char *html, *want;
	} tab[] = {
		{ "", "" },
		{ "plain text, no tags", "plain text, no tags" },
		{ "<p>one</p><p>two</p>", "one\n\ntwo" },
		{ "a<br>b<br/>c<BR>d", "a\nb\nc\nd" },
		{ "<ul><li>x</li><li>y</li></ul>after", "- x\n- y\n\nafter" },
		{ "<ol><li>first<li>second</ol>", "- first\n- second" },
		{ "<p>see <a href=\"https://x\">text</a> now</p>",
		  "see text <https://x> now" },
		{ "<a href=\"mailto:a@b.example\">mail me</a>", "mail me" },
		{ "<a href=\"#top\">top</a>", "top" },
		{ "<a>no href</a>", "no href" },
		{ "<script>bad()</script><style>p{}</style>"
		  "<!-- comment -->visible", "visible" },
		{ "<html><head><title>T</title><meta charset=utf-8></head>"
		  "<body>B</body></html>", "B" },
		{ "<noscript>n</noscript><template>t</template>ok", "ok" },
		{ "&amp; &eacute; &#x263A; &#9786; &lt;tag&gt;",
		  "& \xc3\xa9 \xe2\x98\xba \xe2\x98\xba <tag>" },
		{ "<h1>Title</h1>text<hr>more", "Title\n\ntext\n\nmore" },
		{ "<div>a</div><div>b</div>", "a\nb" },
		{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
		  "a b\n\nc" },
		{ "  lots   of\n\n  white\tspace  ", "lots of white space" },
		{ "<p>caf\xc3\xa9</p>", "caf\xc3\xa9" },
		/* a meta charset does not override: the input is UTF-8 */
		{ "<meta charset=iso-8859-1><p>caf\xc3\xa9</p>", "caf\xc3\xa9" },
		{ "<pre>pre\ntext</pre>", "pre text" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		s = h2t(tab[i].html);
		if (strcmp(s, tab[i].want) != 0) {
			fprintf(stderr, "# case %zu\n", i);
			T_STREQ(s, tab[i].want);
		}
		free(s);
	}
}

/* Unclosed tags, stray end tags, garbage: no crash, the text stays. */
static void
test_malformed(void)
{
	static const char *const tab[] = {
		"<div>unclosed <b>bold <i>it</div></span></div> tail",
		"</div></div></p>stray end tags",
		"<p<p<p>>>broken< tags",
		"<a href=\"javascript:alert(1)\">js",
		"<a href='https://x",
		"<!-- never closed comment",
		"<script>never closed script",
		"<![CDATA[cdata]]>",
		"<?xml version=\"1.0\"?><x:y>ns</x:y>",
		"&#0; &#xFFFFFF; &#xD800; &bogus; &amp",
		"<table><td><td><tr><li><li></table>cells",
		"<",
		">",
		"&",
		"<br",
		"<img src=x onerror=alert(1)>",
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		s = h2t(tab[i]);
		if (s == NULL || !charset_utf8_valid(s, strlen(s))) {
			fprintf(stderr, "# case %zu\n", i);
			T_CHECK(0);
		}
		free(s);
	}
	s = h2t(tab[0]);
	T_CHECK(strstr(s, "unclosed") != NULL && strstr(s, "tail") != NULL);
	free(s);
	s = h2t(tab[1]);
	T_CHECK(strstr(s, "stray end tags") != NULL);
	free(s);
	s = h2t(tab[6]);
	T_CHECK(strstr(s, "never closed script") == NULL);
	free(s);
	/*
	 * NUL bytes and invalid UTF-8 inside (outside the contract, which
	 * is UTF-8 in; mime.c only passes charset_to_utf8 output): no crash,
	 * no NUL cuts the text short.
	 */
	s = h2t_n(S("<p>a\0b</p>c\xff\xfe<p>d</p>"), 1000);
	T_CHECK(s != NULL && strchr(s, 'a') != NULL && strchr(s, 'd') != NULL);
	free(s);
}

static void
test_deep_nesting(void)
{
	static const char *const tags[] = { "div", "b", "li", "table", "a" };
	size_t depth = 10000, i, k, len;
	char *p, *s;

	for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
		p = xmalloc(depth * 16 + 64);
		len = 0;
		memcpy(p, "<p>start</p>", 12);
		len = 12;
		for (i = 0; i < depth; i++)
			len += (size_t)snprintf(p + len, 16, "<%s>", tags[k]);
		memcpy(p + len, "deep", 4);
		len += 4;
		for (i = 0; i < depth; i++)
			len += (size_t)snprintf(p + len, 16, "</%s>", tags[k]);
		s = h2t_n(p, len, 1000000);
		T_CHECK(s != NULL && strstr(s, "start") != NULL);
		T_CHECK(s != NULL && charset_utf8_valid(s, strlen(s)));
		free(s);
		free(p);
	}
}

/* The output never passes max, and what is kept is whole characters. */
static void
test_cap(void)
{
	const char *para = "<p>\xc3\xa9t\xc3\xa9</p>";
	const char *link = "<a href=\"https://example.org/very/long/link\">t</a>";
	size_t n = 100000, i, len = 0, max;
	char *p, *s;

	p = xmalloc(n * strlen(para) + 16);
	for (i = 0; i < n; i++) {
		memcpy(p + len, para, strlen(para));
		len += strlen(para);
	}
	for (max = 0; max < 40; max++) {
		s = h2t_n(p, len, max);
		T_CHECK(strlen(s) <= max);
		T_CHECK(charset_utf8_valid(s, strlen(s)));
		free(s);
	}
	s = h2t_n(p, len, 1000);
	T_CHECK(strlen(s) <= 1000 && strlen(s) > 900);
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	free(s);
	/* one long word over the cap */
	len = 0;
	for (i = 0; i < n; i++)
		p[len++] = 'w';
	s = h2t_n(p, len, 50);
	T_CHECK(strlen(s) <= 50);
	free(s);
	/* a long link */
	s = h2t_n(link, strlen(link), 10);
	T_CHECK(strlen(s) <= 10);
	free(s);
	free(p);
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_malformed);
	T_RUN(test_deep_nesting);
	T_RUN(test_cap);
	return T_END();
}
