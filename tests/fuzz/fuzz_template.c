/*
 * fuzz_template.c — the notice renderer (template.c: placeholder
 * substitution, Markdown escaping, cmark, the plain-text writer) with
 * hostile templates and hostile values. The input is NUL-separated: the
 * first piece a mode byte and a template, the others values.
 *
 *  - mode even: the template is the fuzzer's (a file in the templates
 *    directory can be anything), with variables name, number, subject,
 *    body and url: template_fill (both escapings), template_render,
 *    template_check;
 *  - mode odd: a compiled-in notice template, chosen by the mode byte,
 *    with the variables the code gives it (pipeline_templates) set to the
 *    values, made valid UTF-8 as mime_parse() hands them out.
 *
 * Properties (template.h): both parts come out; the HTML part never holds
 * a script element or a javascript: link (cmark without
 * CMARK_OPT_UNSAFE); values cannot add markup, so with a compiled-in
 * template the HTML has exactly the tags it has with harmless values.
 */
#include "charset.h"
#include "pipeline.h"
#include "template.h"

#include "fuzz.h"

#define NVAL	8

static int
ci_contains(const char *s, const char *needle)
{
	size_t i, n = strlen(needle);

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++) {
			char c = s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

static size_t
count_byte(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
check_html(const char *html)
{
	fuzz_check(html != NULL);
	fuzz_check(!ci_contains(html, "<script"));
	fuzz_check(!ci_contains(html, "href=\"javascript:"));
	fuzz_check(!ci_contains(html, "src=\"javascript:"));
}

static size_t
ntemplates(void)
{
	size_t n = 0;

	while (pipeline_templates[n].name != NULL)
		n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "name", "number", "subject",
	    "body", "url", NULL };
	const uint8_t *piece[NVAL + 1];
	size_t len[NVAL + 1], n, i, nv;
	struct template_var vars[16];
	char *val[NVAL], *tpl, *text, *html, *text0, *html0, err[256];
	const struct pipeline_template *pt;
	const char *builtin;
	unsigned mode;

	if (size == 0)
		return 0;
	mode = data[0];
	n = fuzz_split(data + 1, size - 1, 0, piece, len, NVAL + 1);
	for (i = 1; i < n; i++)
		val[i - 1] = fuzz_strndup(piece[i], len[i]);
	nv = n - 1;

	if ((mode & 1) == 0) {
		tpl = fuzz_strndup(piece[0], len[0]);
		for (i = 0; names[i] != NULL; i++) {
			vars[i].name = names[i];
			vars[i].value = i < nv ? val[i] : NULL;
		}
		free(template_fill(tpl, vars, i, 0));
		free(template_fill(tpl, vars, i, 1));
		template_render(tpl, vars, i, &text, &html);
		fuzz_check(text != NULL);
		check_html(html);
		free(text);
		free(html);
		template_check(tpl, names, err, sizeof(err));
		fuzz_check(strlen(err) < sizeof(err));
		free(tpl);
	} else {
		pt = &pipeline_templates[(mode >> 1) % ntemplates()];
		builtin = template_builtin(pt->name);
		fuzz_check(builtin != NULL);
		for (i = 0; i < nv; i++) {
			char *u = charset_to_utf8(NULL, val[i], strlen(val[i]),
			    64 * 1024, NULL);

			free(val[i]);
			val[i] = u;
		}
		/* harmless values first, for the tags the template has */
		for (i = 0; pt->vars[i] != NULL && i < 16; i++) {
			vars[i].name = pt->vars[i];
			vars[i].value = "x";
		}
		template_render(builtin, vars, i, &text0, &html0);
		for (i = 0; pt->vars[i] != NULL && i < 16; i++)
			vars[i].value = nv > 0 ? val[i % nv] : NULL;
		template_render(builtin, vars, i, &text, &html);
		fuzz_check(text != NULL);
		check_html(html);
		/* a one-line value adds no element: every '<' in the HTML
		 * is the template's (a value's '<' is "&lt;"); a value with
		 * blank lines may open paragraphs, and one with TEMPLATE_CELL
		 * may split a row of {{facts}} or {{transcript}} in two cells
		 * (ticketd's own structure: lex_show() keeps control
		 * characters out of every line a mail puts there) */
		for (i = 0; i < nv &&
		    strpbrk(val[i], "\r\n" TEMPLATE_CELL_S) == NULL; i++)
			;
		if (nv > 0 && i == nv)
			fuzz_check(count_byte(html, '<') <=
			    count_byte(html0, '<'));
		free(text0);
		free(html0);
		free(text);
		free(html);
	}
	for (i = 0; i < nv; i++)
		free(val[i]);
	return 0;
}
