/*
 * test_html2text.c — html2text(): block structure to line breaks, lists,
 * links, hidden elements, entities, broken HTML, deep nesting, the output
 * cap; quoted mail as "> " lines, from the HTML that Gmail, Apple Mail,
 * Thunderbird, Outlook (web and desktop) and Yahoo write, checked through
 * quote_strip(). Inputs are handed over in exact-length heap buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "html2text.h"
#include "quote.h"
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

/*
 * Quote containers as "> " lines; nesting; blank lines inside quotes.
 * (Bare text like the "x" here is put in a <p> by libxml2's parser.)
 */
static void
test_quote_markup(void)
{
	static const struct {
		const char *html, *want;
	} tab[] = {
		{ "<p>answer</p><blockquote><p>q</p><blockquote>deeper"
		  "</blockquote></blockquote><p>more</p>",
		  "answer\n\n> q\n>\n> > deeper\n\nmore" },
		{ "<blockquote>a<br>b</blockquote>", "> a\n> b" },
		{ "<blockquote><p>a</p><p>b</p></blockquote>", "> a\n>\n> b" },
		{ "<blockquote><blockquote><p>a</p><p>b</p></blockquote>"
		  "</blockquote>", "> > a\n> >\n> > b" },
		{ "<blockquote><ul><li>x</li><li>y</li></ul></blockquote>",
		  "> - x\n> - y" },
		{ "<blockquote>see <a href=\"https://x\">this</a></blockquote>",
		  "> see this <https://x>" },
		{ "x<div class=\"moz-cite-prefix\">On 3 Jun, A wrote:</div>"
		  "<blockquote type=\"cite\">q</blockquote>",
		  "x\n\n> On 3 Jun, A wrote:\n>\n> q" },
		{ "x<div class=\"yahoo_quoted\">q</div>y", "x\n\n> q\ny" },
		{ "x<div class=\"other gmail_quote\"><div class=\"gmail_attr\">"
		  "A wrote:</div><blockquote class=\"gmail_quote\">q"
		  "</blockquote></div>", "x\n\n> A wrote:\n>\n> q" },
		/* a Gmail quote inside a Gmail quote is one level deeper */
		{ "<div class=\"gmail_quote\"><blockquote class=\"gmail_quote\">"
		  "q1<div class=\"gmail_quote\"><blockquote class=\"gmail_quote\">"
		  "q2</blockquote></div></blockquote></div>", "> q1\n>\n> > q2" },
		{ "x<div id=\"appendonsend\"></div><hr><div>a</div><p>b</p>",
		  "x\n\n> a\n>\n> b" },
		{ "x<hr><div id=\"divRplyFwdMsg\"><b>From:</b> A</div>"
		  "<div>b</div><blockquote>c</blockquote>",
		  "x\n\n> From: A\n> b\n>\n> > c" },
		{ "<div class=\"gmail_quoted\">not a quote</div>",
		  "not a quote" },
		{ "<div id=\"divRplyFwdMsgX\">not a quote</div>", "not a quote" },
		{ "<p>hi</p><pre class=\"moz-signature\" cols=\"72\">-- \nBob"
		  "</pre>", "hi\n\n--\nBob" },
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

/*
 * Replies as the clients write them: the full text shows the quote as
 * "> " lines, and quote_strip() leaves only what the person wrote.
 */
static void
test_clients(void)
{
	static const struct {
		const char *client, *html, *shown, *mine;
	} tab[] = {
		{ "gmail",
		  "<div dir=\"ltr\">Thanks, the printer works again.<div><br>"
		  "</div><div>Bob</div></div><br><div class=\"gmail_quote "
		  "gmail_quote_container\"><div dir=\"ltr\" class=\"gmail_attr\">"
		  "On Mon, Jun 3, 2024 at 10:00\xe2\x80\xaf" "AM IT Help Desk &lt;"
		  "<a href=\"mailto:it@corp.example\">it@corp.example</a>&gt; "
		  "wrote:<br></div><blockquote class=\"gmail_quote\" style=\""
		  "margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,"
		  "204);padding-left:1ex\"><div dir=\"ltr\">Hello Bob,<div><br>"
		  "</div><div>please switch it off and on again.</div></div>"
		  "</blockquote></div>\r\n",
		  "> please switch it off and on again.",
		  "Thanks, the printer works again.\n\nBob" },
		{ "gmail with signature",
		  "<div dir=\"ltr\">Still broken.<br clear=\"all\"><div><br>"
		  "</div><span class=\"gmail_signature_prefix\">-- </span><br>"
		  "<div dir=\"ltr\" class=\"gmail_signature\">Bob Example<br>"
		  "Accounting</div></div><br><div class=\"gmail_quote\"><div "
		  "dir=\"ltr\" class=\"gmail_attr\">Am Mo., 3. Juni 2024 um "
		  "10:00 Uhr schrieb IT &lt;<a href=\"mailto:it@corp.example\">"
		  "it@corp.example</a>&gt;:<br></div><blockquote class=\""
		  "gmail_quote\"><div dir=\"ltr\">Bitte neu starten.</div>"
		  "</blockquote></div>",
		  "> Bitte neu starten.",
		  "Still broken." },
		{ "apple mail macos",
		  "<html><head><meta http-equiv=\"content-type\" content=\"text/"
		  "html; charset=utf-8\"></head><body style=\"overflow-wrap: "
		  "break-word; -webkit-nbsp-mode: space; line-break: after-"
		  "white-space;\">Works now, thanks!<br id=\"lineBreakAtBeginning"
		  "OfMessage\"><div><br><blockquote type=\"cite\"><div>On 3 Jun "
		  "2024, at 10:00, IT Help Desk &lt;it@corp.example&gt; wrote:"
		  "</div><br class=\"Apple-interchange-newline\"><div><div>Hello "
		  "Bob,</div><div><br></div><div>please restart.</div></div>"
		  "</blockquote></div><br></body></html>",
		  "> please restart.",
		  "Works now, thanks!" },
		{ "apple mail ios",
		  "<html><head><meta http-equiv=\"content-type\" content=\"text/"
		  "html; charset=utf-8\"></head><body dir=\"auto\">Danke!<br><br>"
		  "<div dir=\"ltr\">Von meinem iPhone gesendet</div><div dir=\""
		  "ltr\"><br><blockquote type=\"cite\">Am 03.06.2024 um 10:00 "
		  "schrieb IT Help Desk &lt;it@corp.example&gt;:<br><br>"
		  "</blockquote></div><blockquote type=\"cite\"><div dir=\"ltr\">"
		  "\xef\xbb\xbf<div>Hallo Bob,</div><div>Ticket 42 ist gel"
		  "\xc3\xb6st.</div></div></blockquote></body></html>",
		  "> Ticket 42 ist gel\xc3\xb6st.",
		  "Danke!" },
		{ "thunderbird",
		  "<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\""
		  "Content-Type\" content=\"text/html; charset=UTF-8\">\n  "
		  "</head>\n  <body>\n    <p>Merci, \xc3\xa7" "a marche.</p>\n"
		  "    <p>Bob<br>\n    </p>\n    <div class=\"moz-cite-prefix\">"
		  "Le 03/06/2024 \xc3\xa0 10:00, IT Help Desk a\n      \xc3\xa9"
		  "crit&nbsp;:<br>\n    </div>\n    <blockquote type=\"cite\" "
		  "cite=\"mid:n42.1@corp.example\">\n      <p>Bonjour Bob,</p>\n"
		  "      <blockquote type=\"cite\">older</blockquote>\n      "
		  "<p>red\xc3\xa9marrez.</p>\n    </blockquote>\n    <br>\n    "
		  "<pre class=\"moz-signature\" cols=\"72\">-- \nBob Example\n"
		  "Comptabilit\xc3\xa9</pre>\n  </body>\n</html>\n",
		  "> > older",
		  "Merci, \xc3\xa7" "a marche.\n\nBob" },
		{ "outlook web",
		  "<html><head><meta http-equiv=\"Content-Type\" content=\"text/"
		  "html; charset=iso-8859-1\"><style type=\"text/css\" style=\""
		  "display:none;\"> P {margin-top:0;margin-bottom:0;} </style>"
		  "</head><body dir=\"ltr\"><div class=\"elementToProof\" style="
		  "\"font-family: Aptos, Calibri, Helvetica, sans-serif; font-"
		  "size: 12pt; color: rgb(0, 0, 0);\">Done, thanks.</div><div "
		  "class=\"elementToProof\"><br></div><div id=\"appendonsend\">"
		  "</div><hr style=\"display:inline-block;width:98%\" tabindex="
		  "\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\""
		  "Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000"
		  "\"><b>From:</b> IT Help Desk &lt;it@corp.example&gt;<br><b>"
		  "Sent:</b> Monday, June 3, 2024 10:00<br><b>To:</b> Bob &lt;"
		  "bob@corp.example&gt;<br><b>Subject:</b> [IT #42] Printer"
		  "</font><div>&nbsp;</div></div><div><p>Hello Bob,</p><p>please "
		  "restart.</p></div></body></html>",
		  "> please restart.",
		  "Done, thanks." },
		{ "outlook web, divRplyFwdMsg only",
		  "<div>Erledigt.</div><hr style=\"display:inline-block;width:98%"
		  "\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><font><b>Von:</b> IT"
		  "<br><b>Gesendet:</b> Montag<br><b>An:</b> Bob<br><b>Betreff:"
		  "</b> Drucker</font></div><div>Hallo</div>",
		  "> Hallo",
		  "Erledigt." },
		{ "outlook desktop",
		  "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:"
		  "schemas-microsoft-com:office:office\"><head><meta http-equiv="
		  "\"Content-Type\" content=\"text/html; charset=utf-8\"><style>"
		  "<!-- p.MsoNormal {margin:0cm;} --></style></head><body lang="
		  "\"DE\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:"
		  "break-word\"><div class=\"WordSection1\"><p class=\"MsoNormal\""
		  ">Erledigt, danke.<o:p></o:p></p><p class=\"MsoNormal\"><o:p>"
		  "&nbsp;</o:p></p><div><div style=\"border:none;border-top:solid "
		  "#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\"><p class=\"MsoNormal"
		  "\"><b>Von:</b> IT Help Desk &lt;it@corp.example&gt; <br><b>"
		  "Gesendet:</b> Montag, 3. Juni 2024 10:00<br><b>An:</b> Bob "
		  "&lt;bob@corp.example&gt;<br><b>Betreff:</b> [IT #42] Drucker"
		  "<o:p></o:p></p></div></div><p class=\"MsoNormal\"><o:p>&nbsp;"
		  "</o:p></p><p class=\"MsoNormal\">Hallo Bob,<o:p></o:p></p>"
		  "</div></body></html>",
		  "Hallo Bob,",
		  "Erledigt, danke." },
		{ "yahoo",
		  "<html><head></head><body><div class=\"ydp1a2b3c4dyahoo-style-"
		  "wrap\" style=\"font-family:Helvetica Neue, Helvetica, Arial, "
		  "sans-serif;font-size:13px;\"><div dir=\"ltr\" data-setdir=\""
		  "false\">Thanks!</div></div><div id=\"yahoo_quoted_1234567890\" "
		  "class=\"yahoo_quoted\"><div style=\"font-family:'Helvetica "
		  "Neue', Helvetica, Arial, sans-serif;font-size:13px;color:"
		  "#26282a;\"><div>On Monday, June 3, 2024 at 10:00:00 AM GMT+2, "
		  "IT Help Desk &lt;it@corp.example&gt; wrote:</div><div><br>"
		  "</div><div><br></div><div><div dir=\"ltr\">Hello Bob</div>"
		  "</div></div></div></body></html>",
		  "> Hello Bob",
		  "Thanks!" },
		{ "inline answers",
		  "<blockquote>Which printer?</blockquote><p>3rd floor</p>"
		  "<blockquote>Which model?</blockquote><p>HP LaserJet</p>",
		  "> Which model?",
		  "3rd floor\n\nHP LaserJet" },
	};
	size_t i;
	char *s, *q;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		s = h2t(tab[i].html);
		if (strstr(s, tab[i].shown) == NULL) {
			fprintf(stderr, "# %s: full text lacks \"%s\":\n%s\n",
			    tab[i].client, tab[i].shown, s);
			T_CHECK(0);
		}
		q = quote_strip(s, strlen(s));
		if (strcmp(q, tab[i].mine) != 0) {
			fprintf(stderr, "# %s; full text:\n%s\n", tab[i].client,
			    s);
			T_STREQ(q, tab[i].mine);
		}
		free(q);
		free(s);
	}
}

/* Deep quotes: the prefix stops growing; the cap still holds. */
static void
test_quote_deep(void)
{
	size_t depth = 5000, i, len, max;
	char *p, *s, *line;

	p = xmalloc(depth * 32 + 64);
	len = 0;
	for (i = 0; i < depth; i++)
		len += (size_t)snprintf(p + len, 32, "<blockquote>q%zu", i);
	for (i = 0; i < depth; i++)
		len += (size_t)snprintf(p + len, 32, "</blockquote>");
	s = h2t_n(p, len, 1000000);
	T_CHECK(strncmp(s, "> q0", 4) == 0);
	for (line = s; line != NULL; line = strchr(line, '\n')) {
		line += line[0] == '\n';
		T_CHECK(strncmp(line, "> > > > > > > > > > > > > > > > "
		    "> > > > > > > > > > > > > > > > > ", 66) != 0);
		if (t_failed_now)
			break;
	}
	free(s);
	for (max = 0; max < 200; max += 7) {
		s = h2t_n(p, len, max);
		T_CHECK(strlen(s) <= max);
		free(s);
	}
	free(p);
}

int
main(void)
{
	T_RUN(test_table);
	T_RUN(test_malformed);
	T_RUN(test_deep_nesting);
	T_RUN_HEAVY(test_cap);
	T_RUN(test_quote_markup);
	T_RUN(test_clients);
	T_RUN(test_quote_deep);
	return T_END();
}
