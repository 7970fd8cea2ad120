/*
 * test_template.c — placeholder substitution, Markdown escaping, the
 * plain-text part, values exact in both parts, every template in every
 * context the code uses (pipeline_templates), template_check, loading.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "limits.h"
#include "pipeline.h"
#include "template.h"
#include "t.h"

static const struct template_var vars[] = {
	{ "name", "Bob" },
	{ "number", "42" },
	{ "empty", NULL },
	{ "self", "{{name}}" },
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))

static void
check_fill(const char *tpl, const char *want)
{
	char *got;

	got = template_fill(tpl, vars, NVARS, 0);
	T_STREQ(got, want);
	free(got);
}

static void
test_substitution(void)
{
	check_fill("Hi {{name}}, ticket #{{number}}.", "Hi Bob, ticket #42.");
	check_fill("{{name}}{{name}}", "BobBob");
	check_fill("", "");
	check_fill("no placeholders", "no placeholders");
	check_fill("[{{empty}}]", "[]");
	/* A value is inserted as it is, never expanded again. */
	check_fill("{{self}}", "{{name}}");
	check_fill("x\n{{number}}\n", "x\n42\n");
}

static void
test_spaces(void)
{
	check_fill("{{ name }}", "Bob");
	check_fill("{{  name}}", "Bob");
	check_fill("{{name   }}", "Bob");
	check_fill("{{\tname\t}}", "Bob");
	/* A line break is not a blank inside braces. */
	check_fill("{{\nname}}", "{{\nname}}");
}

static void
test_unknown(void)
{
	check_fill("{{nope}}", "{{nope}}");
	check_fill("{{ nope }} {{name}}", "{{ nope }} Bob");
	check_fill("{{}}", "{{}}");
	check_fill("{{ }}", "{{ }}");
	check_fill("{{na me}}", "{{na me}}");
	check_fill("{{NAME}}", "{{NAME}}");
}

static void
test_unterminated(void)
{
	check_fill("{{", "{{");
	check_fill("a {{name", "a {{name");
	check_fill("{{name}", "{{name}");
	check_fill("{{name }", "{{name }");
	check_fill("}}{{name}}}}", "}}Bob}}");
	check_fill("{{{name}}}", "{Bob}");
	check_fill("{{{{", "{{{{");
	check_fill("{", "{");
	check_fill("{{name}} {{", "Bob {{");
	check_fill("{{name{{name}}", "{{nameBob");
}

/* Fill of a large string of the given pattern repeated, in seconds. */
static double
time_fill(const char *pattern, size_t total, int md)
{
	size_t plen = strlen(pattern), i;
	char *tpl, *out;
	clock_t t0;

	tpl = malloc(total + 1);
	T_CHECK(tpl != NULL);
	if (tpl == NULL)
		return 1e9;
	for (i = 0; i < total; i++)
		tpl[i] = pattern[i % plen];
	tpl[total] = '\0';
	t0 = clock();
	out = template_fill(tpl, vars, NVARS, md);
	T_CHECK(out != NULL);
	free(out);
	free(tpl);
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static void
test_huge(void)
{
	const size_t big = 4 * 1024 * 1024;
	double t;
	char *tpl, *out;

	/* Patterns that would go quadratic with a naive "find }}" scan. */
	t = time_fill("{{", big, 0);
	T_CHECK(t < 2.0);
	t = time_fill("{{ ", big, 0);
	T_CHECK(t < 2.0);
	t = time_fill("{{aaaaaaaaaaaaaaaaaaaaaaaaaaa", big, 1);
	T_CHECK(t < 2.0);
	t = time_fill("{{name}}", big, 1);
	T_CHECK(t < 2.0);
	/* One unterminated placeholder with a huge name. */
	tpl = malloc(big + 3);
	T_CHECK(tpl != NULL);
	if (tpl == NULL)
		return;
	memcpy(tpl, "{{", 2);
	memset(tpl + 2, 'a', big);
	tpl[big + 2] = '\0';
	out = template_fill(tpl, vars, NVARS, 0);
	T_CHECK(out != NULL && strcmp(out, tpl) == 0);
	free(out);
	free(tpl);
}

/* The value as the parts show it: LF line ends, none at the very end. */
static char *
norm(const char *v)
{
	size_t n = strlen(v), i, j;
	char *s = malloc(n + 1);

	T_CHECK(s != NULL);
	if (s == NULL)
		abort();
	for (i = j = 0; i < n; i++) {
		if (v[i] == '\r' && v[i + 1] == '\n')
			continue;
		s[j++] = v[i] == '\r' ? '\n' : v[i];
	}
	while (j > 0 && s[j - 1] == '\n')
		j--;
	s[j] = '\0';
	return s;
}

/*
 * The text a reader sees in the HTML part: the body without tags, the
 * entities cmark writes decoded. New string.
 */
static char *
html_text(const char *html)
{
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#39;", "'" }, { "&nbsp;", " " },
	};
	const char *p = strstr(html, "<body");
	size_t n = strlen(html), j = 0, k;
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	p = p != NULL ? p : html;
	while (*p != '\0') {
		if (*p == '<') {
			while (*p != '\0' && *p != '>')
				p++;
			if (*p == '>')
				p++;
			continue;
		}
		if (*p == '&') {
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				if (strncmp(p, ents[k].ent, strlen(ents[k].ent)) == 0)
					break;
			if (k < sizeof(ents) / sizeof(ents[0])) {
				s[j++] = ents[k].ch[0];
				p += strlen(ents[k].ent);
				continue;
			}
		}
		s[j++] = *p++;
	}
	s[j] = '\0';
	return s;
}

/*
 * s with every run of white space (space, tab, line end, no-break space)
 * made one space, none at either end: what a reader of the HTML part
 * can tell apart. New string.
 */
static char *
fold(const char *s)
{
	size_t n = strlen(s), j = 0, w;
	char *o = malloc(n + 1);
	int space = 0;

	if (o == NULL)
		abort();
	while (*s != '\0') {
		w = (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') ? 1 :
		    ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0) ?
		    2 : 0;
		if (w > 0) {
			space = j > 0;
			s += w;
			continue;
		}
		if (space)
			o[j++] = ' ';
		space = 0;
		o[j++] = *s++;
	}
	o[j] = '\0';
	return o;
}

/* The template's markup becomes readable text, the values stay as written. */
static void
test_plain(void)
{
	static const struct { const char *tpl, *want; } tab[] = {
		{ "Ticket **#1** is *yours* and __this__ _too_.\n",
		  "Ticket #1 is yours and this too.\n" },
		{ "Please quote **[IT #1]** when you write.\n",
		  "Please quote [IT #1] when you write.\n" },
		{ "Run `ticketctl show`.\n", "Run ticketctl show.\n" },
		{ "a\nb\n\n\nc\n", "a b\n\nc\n" },
		{ "line  \nbreak\\\nhere\n", "line\nbreak\nhere\n" },
		{ "> quoted\n> two\n\nafter\n", "> quoted two\n\nafter\n" },
		{ "> a\n>\n> b\n", "> a\n>\n> b\n" },
		{ "> > deep\n", "> > deep\n" },
		{ "- one\n- two\n", "- one\n- two\n" },
		{ "* one\n\n* two\n", "- one\n\n- two\n" },
		{ "3. three\n4. four\n", "3. three\n4. four\n" },
		{ "1) a\n2) b\n", "1) a\n2) b\n" },
		{ "- one\n  more\n- two\n", "- one more\n- two\n" },
		{ "- a\n  - b\n  - c\n- d\n", "- a\n  - b\n  - c\n- d\n" },
		{ "- > q\n", "- > q\n" },
		{ "10. ten\n    more\n", "10. ten more\n" },
		{ "See [the page](https://x.example/p).\n",
		  "See the page <https://x.example/p>.\n" },
		{ "<https://x.example/>\n", "https://x.example/\n" },
		{ "<it@corp.example>\n", "it@corp.example\n" },
		{ "[**bold** link](https://x.example/)\n",
		  "bold link <https://x.example/>\n" },
		{ "[x](javascript:alert(1))\n", "x\n" },
		{ "![logo](https://x.example/l.png)\n",
		  "logo <https://x.example/l.png>\n" },
		{ "# Heading\n\ntext\n", "Heading\n\ntext\n" },
		{ "Setext\n===\n", "Setext\n" },
		{ "a\n\n---\n\nb\n", "a\n\n----------\n\nb\n" },
		{ "```\ncode *x*\n  kept\n```\n", "code *x*\n  kept\n" },
		{ "    indented\n", "indented\n" },
		{ "<div>raw</div>\n\ntext <b>x</b>\n", "text x\n" },
		{ "\\*not emphasis\\*\n", "*not emphasis*\n" },
		{ "&amp; &copy;\n", "& \xc2\xa9\n" },
		{ "", "" },
		{ "\n\n", "" },
		{ "— desk\n", "— desk\n" },
	};
	size_t i;
	char *text, *html;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		template_render(tab[i].tpl, NULL, 0, &text, &html);
		if (strcmp(text, tab[i].want) != 0) {
			fprintf(stderr, "# plain of \"%s\"\n#  got:  \"%s\"\n"
			    "#  want: \"%s\"\n", tab[i].tpl, text, tab[i].want);
			t_failed_now = 1;
		}
		free(text);
		free(html);
	}
}

/*
 * Values arrive exactly as written, in both parts and wherever a template
 * puts them; multi-line ones in a paragraph.
 */
static void
test_exact(void)
{
	static const char *const values[] = {
		"a*b*c", "**not bold**", "_x_", "[x](y)", "![i](u)",
		"<http://x.example/>", "\\", "\\\\", "trailing\\", "\\*",
		"# not a heading", "## also not", "1. not a list", "1) nor this",
		"- no item", "+ no item", "* no item", "> not a quote", ">",
		">> x", "`code`", "``", "~~~", "```", "---", "***", "___", "===",
		"<b>bold</b>", "<script>x</script>", "<!-- c -->", "&amp;",
		"&copy;", "&#123;&#123;", "a & b", "\"quoted\" 'too'",
		"  two leading spaces", "trailing spaces  ", "\ttab", "tab\t",
		"a\tb", "    four spaces", "{{number}}", "{{", "}}",
		"50% off! (really?)", "a|b|c", "[IT #1]", "#1", "# ",
		"na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x99\x82", "\xc2\xa0nbsp",
		"mailto:a@b.example", "a@b.example", "http://x.example/?a=1&b=2",
		"", "x",
	};
	static const char *const multi[] = {
		"line one\nline two", "line one\r\n# heading\r\nmore",
		"a\n\nb", "a\n\n\n\nb", "a\n  \nb", "a\n> quote", "a\n1. list",
		"a\n- item", "a\n    code", "a\n```\nx\n```", "a\n---",
		"a\n===", "ends with newline\n", "ends with CRLF\r\n\r\n",
		"\nstarts with newline", "cr\ronly", "a\\\nb", "a  \nb",
		"reassign 1 a@x.example — ok\nrole b@x.example admin — ok\n",
	};
	static const char *const ctx[] = {
		"{{v}}\n", "Text {{v}} text.\n", "> {{v}}\n", "- {{v}}\n",
		"**{{v}}**\n", "Ticket **#{{v}}** is\n", "# {{v}}\n",
		"1. first\n2. {{v}}\n", "a\n\n{{v}}\n\nb\n",
	};
	struct template_var v[1];
	size_t i, j;
	char *text, *html, *want, *seen, *folded;
	const char *p;

	v[0].name = "v";
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		v[0].value = values[i];
		want = norm(values[i]);
		for (j = 0; j < sizeof(ctx) / sizeof(ctx[0]); j++) {
			template_render(ctx[j], v, 1, &text, &html);
			seen = html_text(html);
			folded = fold(seen);
			free(seen);
			seen = folded;
			folded = fold(want);
			if (strstr(text, want) == NULL ||
			    strstr(seen, folded) == NULL) {
				fprintf(stderr, "# value \"%s\" in \"%s\"\n#  "
				    "text: \"%s\"\n#  html: \"%s\"\n",
				    values[i], ctx[j], text, html);
				t_failed_now = 1;
			}
			free(seen);
			free(folded);
			free(text);
			free(html);
		}
		free(want);
	}
	for (i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		v[0].value = multi[i];
		want = norm(multi[i]);
		template_render("Before.\n\n{{v}}\n\nAfter.\n", v, 1, &text,
		    &html);
		seen = html_text(html);
		folded = fold(seen);
		free(seen);
		seen = folded;
		folded = fold(want);
		if (strstr(text, want) == NULL ||
		    strstr(seen, folded) == NULL ||
		    strstr(text, "After.") == NULL ||
		    strstr(html, ">After.</p>") == NULL) {
			fprintf(stderr, "# value \"%s\"\n#  text: \"%s\"\n#  "
			    "html: \"%s\"\n", multi[i], text, html);
			t_failed_now = 1;
		}
		free(seen);
		free(folded);
		free(text);
		free(html);
		/* in a quote every line of it keeps the quote's ">" */
		template_render("> {{v}}\n", v, 1, &text, &html);
		for (p = text; *p == '>'; p = strchr(p, '\n') + 1)
			;
		if (*p != '\0' || strstr(html, "border-left") == NULL) {
			fprintf(stderr, "# quoted \"%s\": \"%s\"\n", multi[i],
			    text);
			t_failed_now = 1;
		}
		free(text);
		free(html);
		free(want);
	}
}

/*
 * Every template in every context the code uses it in (one table:
 * pipeline_templates in pipeline.c) reads right: no "{{", no Markdown in
 * the text part, whatever the values.
 */
static void
test_contexts(void)
{
	static const char *const samples[] = {
		NULL, "", "x", "**#1** a*b* [l](u) `c` <b> {x} \\",
		"line\n# two\n> three\n",
	};
	const struct pipeline_template *t;
	struct template_var v[64];
	const char *tpl, *name;
	char err[512], *text, *html;
	size_t n, i, k;

	for (t = pipeline_templates; t->name != NULL; t++) {
		tpl = template_builtin(t->name);
		if (tpl == NULL) {
			fprintf(stderr, "# no templates/%s.md\n", t->name);
			t_failed_now = 1;
			continue;
		}
		err[0] = '\0';
		if (template_check(tpl, t->vars, err, sizeof(err)) != 0) {
			fprintf(stderr, "# %s.md: %s\n", t->name, err);
			t_failed_now = 1;
		}
		for (k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
			for (n = 0; t->vars[n] != NULL && n < 64; n++) {
				v[n].name = t->vars[n];
				v[n].value = samples[k];
			}
			template_render(tpl, v, n, &text, &html);
			if (strstr(text, "{{") != NULL ||
			    strstr(html, "{{") != NULL ||
			    (k < 3 && (strstr(text, "**") != NULL ||
			    strchr(text, '\\') != NULL ||
			    strchr(text, '`') != NULL))) {
				fprintf(stderr, "# %s.md with \"%s\":\n%s\n",
				    t->name, samples[k] ? samples[k] : "NULL",
				    text);
				t_failed_now = 1;
			}
			free(text);
			free(html);
		}
	}
	/* every compiled-in template is in the table */
	for (i = 0; (name = template_builtin_name(i)) != NULL; i++) {
		for (t = pipeline_templates; t->name != NULL; t++)
			if (strcmp(t->name, name) == 0)
				break;
		if (t->name == NULL) {
			fprintf(stderr, "# templates/%s.md is not in "
			    "pipeline_templates\n", name);
			t_failed_now = 1;
		}
	}
	/* and every row of it has one (checked above): as many of each */
	for (n = 0; pipeline_templates[n].name != NULL; n++)
		;
	T_INTEQ(i, n);
	T_CHECK(template_builtin_name(i + 5) == NULL);
}

static void
test_check(void)
{
	static const char *const names[] = { "number", "desk_name", NULL };
	static const char *const none[] = { NULL };
	static const struct { const char *tpl; int rc; } tab[] = {
		{ "Ticket #{{number}}, {{ desk_name }}.\n", 0 },
		{ "{{number}}\n\n{{desk_name}}\n", 0 },
		{ "no placeholders\n", 0 },
		{ "{{{number}}}\n", 0 },	/* "{x}" */
		{ "{ {number} }\n", 0 },
		{ "Ticket #{{nmber}}\n", -1 },
		{ "Ticket #{{subject}}\n", -1 },
		{ "{{}}\n", -1 },
		{ "{{ }}\n", -1 },
		{ "{{na me}}\n", -1 },
		{ "a {{ b\n", -1 },
		{ "\\{\\{number}}\n", -1 },
		{ "&#123;&#123;\n", -1 },
		{ "`{{`\n", -1 },
		{ "[{{x}}](http://x.example/)\n", -1 },
	};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		err[0] = '\0';
		if (template_check(tab[i].tpl, names, err, sizeof(err)) !=
		    tab[i].rc || (tab[i].rc == -1 && err[0] == '\0')) {
			fprintf(stderr, "# check \"%s\": %s\n", tab[i].tpl, err);
			t_failed_now = 1;
		}
	}
	T_INTEQ(template_check("#{{nmber}} x\n", names, err, sizeof(err)), -1);
	T_STREQ(err, "line 1: \"{{nmber}}\" would show in the notice: its "
	    "placeholders are number, desk_name");
	T_INTEQ(template_check("{{number}}", none, err, sizeof(err)), -1);
	T_STREQ(err, "line 1: \"{{number}}\" would show in the notice: its "
	    "placeholders are (none)");
	T_INTEQ(template_check("plain", none, err, sizeof(err)), 0);
}

/*
 * A broken template is refused with the line it is broken on (issue 16,
 * point 4): the first unknown placeholder, or braces that are none.
 */
static void
test_check_line(void)
{
	static const char *const names[] = { "number", "desk_name", NULL };
	static const struct { const char *tpl; int line; } tab[] = {
		{ "Hello,\n\nticket {{number}}\nis {{nmber}}.\n", 4 },
		{ "a\n\\{\\{number}}\n", 2 },
		{ "{{number}} {{desk_name}}\n\n\n{{ x }}\n", 4 },
		{ "a\nb\n{\\{number}}\n", 3 },
		{ "&#123;&#123;\n", 0 },
		{ "ok\nstill ok\n\xee\x80\x80" "0\xee\x80\x81\n", 3 },
	};
	char err[512];
	size_t i;
	int line;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		line = -1;
		T_INTEQ(template_check_line(tab[i].tpl, names, &line, err,
		    sizeof(err)), -1);
		if (line != tab[i].line) {
			fprintf(stderr, "# \"%s\": line %d, want %d (%s)\n",
			    tab[i].tpl, line, tab[i].line, err);
			t_failed_now = 1;
		}
	}
	T_INTEQ(template_check_line("{{number}}\n", names, &line, err,
	    sizeof(err)), 0);
	T_INTEQ(line, 0);
}

/* Templates nested deep and values huge stay fast and bounded. */
static void
test_hostile(void)
{
	static const char *const units[] = { ">", "> ", "- ", "1. ", "*",
	    "[", "  - ", "> - 1. " };
	const size_t big = LIMIT_TEMPLATE_BYTES;
	struct template_var v[1];
	char *tpl, *text, *html, *val;
	clock_t t0;
	size_t i, j, ul;

	tpl = malloc(big + 8);
	T_CHECK(tpl != NULL);
	if (tpl == NULL)
		return;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		ul = strlen(units[i]);
		for (j = 0; j + ul <= big; j += ul)
			memcpy(tpl + j, units[i], ul);
		memcpy(tpl + j, "x\n", 3);
		t0 = clock();
		template_render(tpl, NULL, 0, &text, &html);
		T_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
		T_CHECK(strstr(text, "x") != NULL);
		/* the prefix of a line is bounded however deep the nesting */
		T_CHECK(strlen(text) < 40 * big);
		free(text);
		free(html);
	}
	free(tpl);
	/* a 1 MB value of markup */
	val = malloc(1024 * 1024 + 1);
	T_CHECK(val != NULL);
	if (val == NULL)
		return;
	for (i = 0; i < 1024 * 1024; i++)
		val[i] = "*_[]()<>#\\`\n  -"[i % 16];
	val[1024 * 1024] = '\0';
	v[0].name = "v";
	v[0].value = val;
	t0 = clock();
	template_render("> {{v}}\n", v, 1, &text, &html);
	T_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	T_CHECK(strstr(html, "<em>") == NULL && strstr(html, "<a ") == NULL);
	free(text);
	free(html);
	/* a 1 MB run of spaces inside a value: linear */
	memset(val, ' ', 1024 * 1024);
	val[0] = 'a';
	val[1024 * 1024 - 1] = 'b';
	t0 = clock();
	template_render("{{v}}\n", v, 1, &text, &html);
	T_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	T_INTEQ(strlen(text), 1024 * 1024 + 1);
	free(text);
	free(html);
	free(val);
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
check_escaped(const char *value)
{
	const struct template_var v[] = { { "v", value } };
	char *md, *text, *html, *want;

	md = template_fill("{{v}}", v, 1, 1);
	/* The escaped fill has no unescaped punctuation at all. */
	T_CHECK(md != NULL);
	template_render("Subject: {{v}}\n\nEnd.\n", v, 1, &text, &html);
	/* The text part carries the value as it is (LF line ends). */
	want = norm(value);
	T_CHECK(strstr(text, want) != NULL);
	free(want);
	if (strstr(html, "<script") || strstr(html, "<a ") ||
	    strstr(html, "<em>") || strstr(html, "<strong>") ||
	    strstr(html, "<h1") || strstr(html, "<h2") ||
	    strstr(html, "<blockquote") || strstr(html, "<ol") ||
	    count(html, "border-left") > 0 ||
	    strstr(html, "<ul") || strstr(html, "<li") ||
	    strstr(html, "<code") || strstr(html, "<pre") ||
	    strstr(html, "<img") || strstr(html, "<hr") ||
	    strstr(html, "<!--") || strstr(html, "<b>") ||
	    strstr(html, "<i>")) {
		fprintf(stderr, "# value %s\n# gave %s\n", value, html);
		T_CHECK(!"markup from a value");
	}
	/* Exactly the template's two paragraphs. */
	T_INTEQ(count(html, "<p "), 2);
	free(md);
	free(text);
	free(html);
}

static void
test_escaping(void)
{
	const char *bad[] = {
		"<script>alert(1)</script>",
		"[x](http://evil) <script>",
		"[link](http://evil.example/)",
		"![img](http://evil.example/x.png)",
		"<http://evil.example/>",
		"<b>bold</b> <i>it</i>",
		"<!-- comment -->",
		"*emphasis* and **strong** and _under_ __dunder__",
		"# heading",
		"line one\n# heading",
		"line one\r\n## heading\r\nmore",
		"> quote",
		"a\n> quote",
		"1. list",
		"a\n1. list\n2. more",
		"a\n- item\n* item\n+ item",
		"`code` and ``more``",
		"a\n```\nfenced\n```",
		"a\n~~~\nfenced",
		"a\n\n    indented code",
		"    indented code",
		"a\n===",
		"a\n---",
		"a\n***",
		"a\n\n\n<div>block</div>",
		"[ref]: http://evil.example/\n[ref]",
		"\\<script>",
		"&lt;script&gt;",
		"trailing backslash\\",
		"a\n\nb\n\n# h",
	};
	size_t i;
	const struct template_var v[] = { { "v", "a & b" } };
	char *text, *html;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_escaped(bad[i]);

	/* An entity in a value shows as written. */
	template_render("{{v}}", v, 1, &text, &html);
	T_CHECK(strstr(html, "a &amp; b") != NULL);
	free(text);
	free(html);
}

static void
test_render(void)
{
	static const char head[] = "<!DOCTYPE html>\n<html lang=\"en\">"
	    "<head><meta charset=\"utf-8\">";
	const struct template_var v[] = {
		{ "who", "Bob" },
		{ "subject", "Printer <b>broken</b>\n# on 3rd floor" },
	};
	char *text, *html;

	template_render("Hello **{{who}}**,\n\n> {{subject}}\n", v, 2, &text,
	    &html);
	T_STREQ(text,
	    "Hello Bob,\n\n> Printer <b>broken</b>\n> # on 3rd floor\n");
	T_CHECK(strncmp(html, head, strlen(head)) == 0);
	T_CHECK(strlen(html) > 15 &&
	    strcmp(html + strlen(html) - 15, "</body></html>\n") == 0);
	/* The template's own markup is rendered... */
	T_CHECK(strstr(html, "<strong>Bob</strong>") != NULL);
	T_INTEQ(count(html, "border-left:4px solid"), 1);
	/* ...the value's is not, and its second line stays in the quote. */
	T_CHECK(strstr(html, "&lt;b&gt;broken&lt;/b&gt;<br>") != NULL);
	T_CHECK(strstr(html, "<h1") == NULL);
	T_CHECK(strstr(html, "# on 3rd floor</p>\n</td></tr></table>") !=
	    NULL);
	free(text);
	free(html);

	/* Raw HTML written in a template is not passed through either. */
	template_render("<script>x</script>\n\n[a](javascript:alert(1))", NULL,
	    0, &text, &html);
	T_CHECK(strstr(html, "<script") == NULL);
	T_CHECK(strstr(html, "javascript:") == NULL);
	free(text);
	free(html);
}

static void
test_builtin(void)
{
	const char *ack;

	ack = template_builtin("ack");
	T_CHECK(ack != NULL);
	T_CHECK(ack != NULL && strstr(ack, "{{number}}") != NULL);
	T_CHECK(template_builtin("no-such-template") == NULL);
	T_CHECK(template_builtin("") == NULL);
	T_CHECK(template_builtin(NULL) == NULL);
}

static int
write_file(const char *path, const char *data, size_t len)
{
	int fd;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void
test_load(void)
{
	char dir[] = "/tmp/test_template.XXXXXX", path[256], err[256];
	char *s, *big;

	T_CHECK(mkdtemp(dir) != NULL);

	/* No dir, or no file in it: the builtin. */
	s = template_load(NULL, "ack", err, sizeof(err));
	T_CHECK(s != NULL && template_builtin("ack") != NULL &&
	    strcmp(s, template_builtin("ack")) == 0);
	free(s);
	s = template_load(dir, "ack", err, sizeof(err));
	T_CHECK(s != NULL && strcmp(s, template_builtin("ack")) == 0);
	free(s);

	/* A file overrides. */
	snprintf(path, sizeof(path), "%s/ack.md", dir);
	T_INTEQ(write_file(path, "local {{number}}\n", 17), 0);
	s = template_load(dir, "ack", err, sizeof(err));
	T_STREQ(s, "local {{number}}\n");
	free(s);

	/* A file with no builtin behind it. */
	snprintf(path, sizeof(path), "%s/extra.md", dir);
	T_INTEQ(write_file(path, "extra", 5), 0);
	s = template_load(dir, "extra", err, sizeof(err));
	T_STREQ(s, "extra");
	free(s);

	/* Neither. */
	err[0] = '\0';
	s = template_load(dir, "nothing", err, sizeof(err));
	T_CHECK(s == NULL && err[0] != '\0');

	/* Names that could leave the directory. */
	err[0] = '\0';
	s = template_load(dir, "../x", err, sizeof(err));
	T_CHECK(s == NULL && err[0] != '\0');
	s = template_load(dir, "a/b", err, sizeof(err));
	T_CHECK(s == NULL);
	s = template_load(dir, ".hidden", err, sizeof(err));
	T_CHECK(s == NULL);
	s = template_load(dir, "", err, sizeof(err));
	T_CHECK(s == NULL);
	s = template_load(NULL, "../ack", err, sizeof(err));
	T_CHECK(s == NULL);

	/* At the cap: fine; one byte over: refused, never cut. */
	big = malloc((size_t)LIMIT_TEMPLATE_BYTES + 1);
	T_CHECK(big != NULL);
	if (big != NULL) {
		memset(big, 'x', (size_t)LIMIT_TEMPLATE_BYTES + 1);
		snprintf(path, sizeof(path), "%s/big.md", dir);
		T_INTEQ(write_file(path, big, LIMIT_TEMPLATE_BYTES), 0);
		s = template_load(dir, "big", err, sizeof(err));
		T_CHECK(s != NULL && strlen(s) == LIMIT_TEMPLATE_BYTES);
		free(s);
		T_INTEQ(write_file(path, big,
		    (size_t)LIMIT_TEMPLATE_BYTES + 1), 0);
		err[0] = '\0';
		s = template_load(dir, "big", err, sizeof(err));
		T_CHECK(s == NULL && err[0] != '\0');
		/* An oversized override does not fall back silently. */
		snprintf(path, sizeof(path), "%s/ack.md", dir);
		T_INTEQ(write_file(path, big,
		    (size_t)LIMIT_TEMPLATE_BYTES + 1), 0);
		s = template_load(dir, "ack", err, sizeof(err));
		T_CHECK(s == NULL);
		unlink(path);
		snprintf(path, sizeof(path), "%s/big.md", dir);
		unlink(path);
		free(big);
	}

	/* A directory where the file should be. */
	snprintf(path, sizeof(path), "%s/sub.md", dir);
	T_INTEQ(mkdir(path, 0700), 0);
	s = template_load(dir, "sub", err, sizeof(err));
	T_CHECK(s == NULL);
	rmdir(path);

	snprintf(path, sizeof(path), "%s/extra.md", dir);
	unlink(path);
	T_INTEQ(rmdir(dir), 0);
}

/* A link whose address is a value: a link when set, no line when empty. */
static void
test_link_value(void)
{
	const char *tpl = "Hello.\n\n[See the ticket]({{url}})\n\nBye.\n";
	struct template_var v[1] = { { "url", "https://it.example/t/4?k=a_b-C" } };
	char *text, *html;

	template_render(tpl, v, 1, &text, &html);
	T_CHECK(strstr(html, "<a href=\"https://it.example/t/4?k=a_b-C\" "
	    "style=\"color:#1f6feb;text-decoration:underline\">"
	    "See the ticket</a>") != NULL);
	T_CHECK(strstr(text, "See the ticket <https://it.example/t/4?k=a_b-C>")
	    != NULL);
	free(text);
	free(html);
	v[0].value = NULL;
	template_render(tpl, v, 1, &text, &html);
	T_STREQ(text, "Hello.\n\nBye.\n");
	T_CHECK(strstr(html, "<a") == NULL);
	free(text);
	free(html);
	/* an address that tries to end the link early stays one address */
	v[0].value = "https://x.example/) [evil](https://evil.example";
	template_render(tpl, v, 1, &text, &html);
	T_CHECK(strstr(html, "href=\"https://evil.example") == NULL);
	free(text);
	free(html);
}

/*
 * A knowledge-base article (issue 11): Markdown rendered, raw HTML and
 * unsafe links dropped by cmark's safe mode, invalid UTF-8 replaced.
 */
static void
test_article_html(void)
{
	static const char md[] = "## Answer\n\n1. Open **VPN**.\n\n"
	    "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
	    "[a](javascript:alert(3)) [b](https://corp.example/x)\n\n"
	    "bad \xff byte\n";
	char *copy = t_dup_n(md, sizeof(md) - 1), *html;

	html = template_article_html(copy, sizeof(md) - 1);
	T_CHECK(strstr(html, "<h2>Answer</h2>") != NULL);
	T_CHECK(strstr(html, "<strong>VPN</strong>") != NULL);
	T_CHECK(strstr(html, "<ol>") != NULL);
	T_CHECK(strstr(html, "<script") == NULL);
	T_CHECK(strstr(html, "onerror") == NULL);
	T_CHECK(strstr(html, "javascript:") == NULL);
	T_CHECK(strstr(html, "raw HTML omitted") != NULL);
	T_CHECK(strstr(html, "href=\"https://corp.example/x\"") != NULL);
	T_CHECK(strstr(html, "\xff") == NULL);
	free(html);
	free(copy);
	html = template_article_html("", 0);
	T_STREQ(html, "");
	free(html);
}

/* Append the text of node and its descendants (libxml2's tree). */
static void
xml_text(xmlNode *node, char **out, size_t *len)
{
	xmlNode *c;
	xmlChar *t;
	size_t n;

	for (c = node; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE) {
			t = xmlNodeGetContent(c);
			n = t != NULL ? strlen((char *)t) : 0;
			*out = realloc(*out, *len + n + 2);
			if (*out == NULL)
				abort();
			memcpy(*out + *len, t, n);
			*len += n;
			(*out)[*len] = '\0';
			xmlFree(t);
		} else if (c->type == XML_ELEMENT_NODE) {
			/* a line break or a cell ends a word, as on screen */
			if (strcmp((const char *)c->name, "br") == 0 ||
			    strcmp((const char *)c->name, "td") == 0 ||
			    strcmp((const char *)c->name, "p") == 0) {
				*out = realloc(*out, *len + 2);
				if (*out == NULL)
					abort();
				(*out)[(*len)++] = ' ';
				(*out)[*len] = '\0';
			}
			xml_text(c->children, out, len);
		}
	}
}

/* The text of the HTML part's <body>, by libxml2's HTML parser. */
static char *
html_parsed_text(const char *html)
{
	htmlDocPtr doc;
	xmlNode *root, *body;
	char *out = NULL;
	size_t len = 0;

	doc = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	T_CHECK(doc != NULL);
	if (doc == NULL)
		return strdup("");
	root = xmlDocGetRootElement(doc);
	for (body = root != NULL ? root->children : NULL; body != NULL;
	    body = body->next)
		if (body->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)body->name, "body") == 0)
			break;
	xml_text(body != NULL ? body->children : NULL, &out, &len);
	xmlFreeDoc(doc);
	return out != NULL ? out : strdup("");
}

/* The text part with one level of "> " taken off the quoted lines. */
static char *
unquote(const char *text)
{
	size_t n = strlen(text), j = 0;
	char *o = malloc(n + 1);
	int bol = 1;

	if (o == NULL)
		abort();
	while (*text != '\0') {
		if (bol && text[0] == '>' && text[1] == ' ')
			text += 2;
		else if (bol && text[0] == '>' && (text[1] == '\n' ||
		    text[1] == '\0'))
			text += 1;
		if (*text == '\0')
			break;
		bol = *text == '\n';
		o[j++] = *text++;
	}
	o[j] = '\0';
	return o;
}

/*
 * Issue 16, point 1: the requester's words arrive exactly. Each body of
 * the table goes into each context a notice puts words in (a quote of its
 * own, a line of text, a paragraph); the text a reader gets from each part
 * (libxml2's HTML parser for the HTML part, the quote marks taken off the
 * text part), white space folded, is the original between the template's
 * markers, no character more or less. The old renderer failed it on the
 * trailing backslash and on the blank line between paragraphs.
 */
static void
test_words_exact(void)
{
	static const char *const bodies[] = {
		"Hi,\nthe printer is broken.\n\nThanks,\nAlice\\",
		"Alice\\\n",
		"ends in two backslashes \\\\",
		"* _ # > \\ [ ] ( ) < & ` and ``backticks``",
		"*not emphasis* _nor this_ **nor** __this__",
		"1. not a list\n2. still not",
		"- not an item\n+ nor\n* nor",
		"# not a heading\n## nor",
		"> not a quote\n>> nor",
		"<b>not bold</b> <script>alert(1)</script> &amp; &lt;",
		"[a](http://evil.example/) ![i](http://evil.example/i.png)",
		"trailing spaces   \nand a tab\t\nand more  ",
		"first paragraph\n\nsecond paragraph\n\n\n\nthird",
		"a line that is long, much longer than seventy-two columns, so "
		"that the text part has to wrap it somewhere in the middle of "
		"it, and then it goes on for a while longer still",
		"aVeryLongWordWithoutAnySpaceThatGoesOnAndOnPastTheEndOfTheLine"
		"AndFurtherStill",
		"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\xa2\xd7\x95\xd7\x9c"
		"\xd7\x9d (right to left) \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8"
		"\xd8\xa7",
		"combining: e\xcc\x81 a\xcc\x8a n\xcc\x83 \xe2\x80\x8f" "rlm",
		"\xe6\x89\x93\xe5\x8d\xb0\xe6\x9c\xba\xe5\x8d\xa1\xe7\xba"
		"\xb8 \xf0\x9f\x96\xa8",
		"CRLF\r\nlines\r\n\r\nand a paragraph\r\n",
		"    indented like code\n\tand a tab",
		"```\nfenced\n```",
		"---\n***\n===",
		"{{body}} {{number}} }} {{",
		"\\",
		"line with a \\\nbackslash at its end",
	};
	static const struct { const char *tpl; int quoted; } ctx[] = {
		{ "BEGIN\n\n> {{v}}\n\nEND\n", 1 },
		{ "BEGIN\n\n{{v}}\n\nEND\n", 0 },
		{ "BEGIN {{v}} END\n", 0 },
		{ "> **BEGIN**\n>\n> {{v}}\n\nEND\n", 1 },
	};
	struct template_var v[1];
	char *text, *html, *seen, *got, *want, *plain, *q;
	size_t i, j;

	v[0].name = "v";
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		v[0].value = bodies[i];
		q = malloc(strlen(bodies[i]) + 16);
		if (q == NULL)
			abort();
		snprintf(q, strlen(bodies[i]) + 16, "BEGIN %s END", bodies[i]);
		want = fold(q);
		free(q);
		for (j = 0; j < sizeof(ctx) / sizeof(ctx[0]); j++) {
			template_render(ctx[j].tpl, v, 1, &text, &html);
			seen = html_parsed_text(html);
			got = fold(seen);
			if (strcmp(got, want) != 0) {
				fprintf(stderr, "# HTML of \"%s\" in \"%s\":\n"
				    "#  got:  \"%s\"\n#  want: \"%s\"\n",
				    bodies[i], ctx[j].tpl, got, want);
				t_failed_now = 1;
			}
			free(got);
			free(seen);
			plain = ctx[j].quoted ? unquote(text) : strdup(text);
			got = fold(plain);
			if (strcmp(got, want) != 0) {
				fprintf(stderr, "# text of \"%s\" in \"%s\":\n"
				    "#  got:  \"%s\"\n#  want: \"%s\"\n",
				    bodies[i], ctx[j].tpl, got, want);
				t_failed_now = 1;
			}
			free(got);
			free(plain);
			free(text);
			free(html);
		}
		free(want);
	}
	/* paragraphs stay paragraphs: <p> each, a blank line each */
	v[0].value = "first paragraph\n\nsecond\r\n\r\nthird\n \nfourth";
	template_render("BEGIN\n\n{{v}}\n\nEND\n", v, 1, &text, &html);
	T_INTEQ(count(html, "<p "), 6);
	T_INTEQ(count(html, "<br"), 0);
	T_STREQ(text, "BEGIN\n\nfirst paragraph\n\nsecond\n\nthird\n \n"
	    "fourth\n\nEND\n");
	free(text);
	free(html);
}

/*
 * Issue 16, point 2: the text part is wrapped at 72 columns (a word
 * longer than that stays whole, quote marks repeat), the HTML part has
 * its paragraphs, no <style> or <script>, a 640 px table.
 */
static void
test_layout(void)
{
	const struct template_var v[] = {
		{ "body", "word word word word word word word word word word "
		    "word word word word word word word word word word word\n\n"
		    "second \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" },
		{ "facts", "Ticket" TEMPLATE_CELL_S "[IT #7]\nStatus"
		    TEMPLATE_CELL_S "open" },
		{ "transcript", "/priority high" TEMPLATE_CELL_S "ok\n"
		    "(no commands found)" },
		{ "images", "img1.a@b" TEMPLATE_CELL_S "photo.png\n"
		    "bad\"id" TEMPLATE_CELL_S "x.png" },
	};
	const char *tpl = "{{facts}}\n\nThe words:\n\n> {{body}}\n\n"
	    "{{transcript}}\n\n{{images}}\n\n— desk\n";
	char *text, *html, *line, *copy, *save = NULL;

	template_render(tpl, v, 4, &text, &html);
	T_CHECK(strncmp(text, "Ticket:  [IT #7]\nStatus:  open\n\n", 32) == 0);
	copy = strdup(text);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		T_CHECK(strlen(line) <= 72);
	free(copy);
	T_CHECK(strstr(text, "> word word") != NULL);
	T_CHECK(strstr(text, "\n> word") != NULL);
	T_CHECK(strstr(text, "\n>\n> second") != NULL);
	T_CHECK(strstr(text, "/priority high \xe2\x80\x94 ok\n"
	    "(no commands found)\n") != NULL);
	T_CHECK(strstr(text, "photo.png") != NULL);
	T_CHECK(strstr(text, "x.png") == NULL);
	T_CHECK(strstr(html, "<style") == NULL);
	T_CHECK(strstr(html, "<script") == NULL);
	T_CHECK(strstr(html, "class=") == NULL);
	T_CHECK(strstr(html, "width=\"640\"") != NULL);
	T_CHECK(strstr(html, "max-width:640px") != NULL);
	T_CHECK(strstr(html, "<img src=\"cid:img1.a@b\" alt=\"photo.png\"")
	    != NULL);
	T_INTEQ(count(html, "<img "), 1);
	T_CHECK(strstr(html, ">Command</th>") != NULL);
	T_CHECK(strstr(html, ">/priority high</td><td") != NULL);
	T_CHECK(strstr(html, " colspan=\"2\">(no commands found)</td>") !=
	    NULL);
	T_CHECK(strstr(html, ">[IT #7]</td>") != NULL);
	T_INTEQ(count(html, "<p style=\"margin:0 0 14px 0\">word"), 1);
	T_INTEQ(count(html, "<p style=\"margin:0 0 14px 0\">second"), 1);
	free(text);
	free(html);
}

int
main(void)
{
	T_RUN(test_substitution);
	T_RUN(test_link_value);
	T_RUN(test_spaces);
	T_RUN(test_unknown);
	T_RUN(test_unterminated);
	T_RUN_HEAVY(test_huge);
	T_RUN(test_escaping);
	T_RUN(test_render);
	T_RUN(test_plain);
	T_RUN(test_exact);
	T_RUN(test_words_exact);
	T_RUN(test_layout);
	T_RUN(test_contexts);
	T_RUN(test_check);
	T_RUN(test_check_line);
	T_RUN(test_hostile);
	T_RUN(test_builtin);
	T_RUN(test_load);
	T_RUN(test_article_html);
	return T_END();
}
