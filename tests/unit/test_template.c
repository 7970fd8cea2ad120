/* test_template.c — placeholder substitution, Markdown escaping, loading. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
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

static void
check_escaped(const char *value)
{
	const struct template_var v[] = { { "v", value } };
	char *md, *text, *html;

	md = template_fill("{{v}}", v, 1, 1);
	/* The escaped fill has no unescaped punctuation at all. */
	T_CHECK(md != NULL);
	template_render("Subject: {{v}}\n\nEnd.\n", v, 1, &text, &html);
	/* The text part carries the value as it is. */
	T_CHECK(strstr(text, value) != NULL);
	if (strstr(html, "<script") || strstr(html, "<a ") ||
	    strstr(html, "<em>") || strstr(html, "<strong>") ||
	    strstr(html, "<h1") || strstr(html, "<h2") ||
	    strstr(html, "<blockquote") || strstr(html, "<ol") ||
	    strstr(html, "<ul") || strstr(html, "<li") ||
	    strstr(html, "<code") || strstr(html, "<pre") ||
	    strstr(html, "<img") || strstr(html, "<hr") ||
	    strstr(html, "<!--") || strstr(html, "<b>") ||
	    strstr(html, "<i>")) {
		fprintf(stderr, "# value %s\n# gave %s\n", value, html);
		T_CHECK(!"markup from a value");
	}
	/* Exactly the template's two paragraphs. */
	T_CHECK(strstr(html, "<p>") != NULL);
	T_CHECK(strstr(strstr(html, "<p>") + 1, "<p>") != NULL);
	T_CHECK(strstr(strstr(strstr(html, "<p>") + 1, "<p>") + 1, "<p>") ==
	    NULL);
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
	static const char head[] = "<!DOCTYPE html>\n<html><head><meta "
	    "charset=\"utf-8\"></head><body>\n";
	const struct template_var v[] = {
		{ "who", "Bob" },
		{ "subject", "Printer <b>broken</b>\n# on 3rd floor" },
	};
	char *text, *html;

	template_render("Hello **{{who}}**,\n\n> {{subject}}\n", v, 2, &text,
	    &html);
	T_STREQ(text,
	    "Hello **Bob**,\n\n> Printer <b>broken</b>\n# on 3rd floor\n");
	T_CHECK(strncmp(html, head, strlen(head)) == 0);
	T_CHECK(strlen(html) > 15 &&
	    strcmp(html + strlen(html) - 15, "</body></html>\n") == 0);
	/* The template's own markup is rendered... */
	T_CHECK(strstr(html, "<strong>Bob</strong>") != NULL);
	T_CHECK(strstr(html, "<blockquote>") != NULL);
	/* ...the value's is not, and its second line stays in the quote. */
	T_CHECK(strstr(html, "&lt;b&gt;broken&lt;/b&gt;<br />") != NULL);
	T_CHECK(strstr(html, "<h1") == NULL);
	T_CHECK(strstr(html, "# on 3rd floor</p>\n</blockquote>") != NULL);
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

int
main(void)
{
	T_RUN(test_substitution);
	T_RUN(test_spaces);
	T_RUN(test_unknown);
	T_RUN(test_unterminated);
	T_RUN(test_huge);
	T_RUN(test_escaping);
	T_RUN(test_render);
	T_RUN(test_builtin);
	T_RUN(test_load);
	return T_END();
}
