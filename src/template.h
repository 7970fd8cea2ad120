/*
 * template.h — notices are Markdown files with {{placeholders}}. cmark
 * parses the template once (without CMARK_OPT_UNSAFE) with each placeholder
 * standing in for its value, and the tree is written out twice: as HTML
 * for the text/html part (a 640 px single-column layout, inline styles
 * only) and as plain text for the text/plain part (no "**", no
 * backslashes; quotes keep "> ", lists "- "/"1. ", links read "text <url>",
 * wrapped at 72 columns). The values go in only then: HTML-escaped into
 * the one, as they are into the other. A value is never Markdown, so it can
 * add neither markup nor HTML, and reads in both parts exactly as written
 * (line ends become LF; line ends at its very end go). A value alone in its
 * paragraph keeps its paragraphs. template.c is the only file that
 * includes cmark.
 *
 * Templates are compiled into the binary from templates/NAME.md; a file of the
 * same name in the configured [helpdesk] templates directory overrides one.
 */
#ifndef TICKETD_TEMPLATE_H
#define TICKETD_TEMPLATE_H

#include <stddef.h>

struct template_var {
	const char *name;	/* "number" for {{number}} */
	const char *value;	/* UTF-8; NULL renders as "" */
};

/*
 * Three placeholders carry values of structure, one row a line, the cells
 * of a row separated by TEMPLATE_CELL (a control character, which
 * lex_show() never lets into a quoted command line). When such a value is
 * alone in its paragraph:
 * {{facts}}       "Label<CELL>value" rows: the ticket's facts, a shaded
 *                 two-column table; in text "Label:  value", aligned.
 * {{transcript}}  "command<CELL>result" rows: a two-column table (a row
 *                 without a cell spans both); in text "command — result".
 * {{images}}      "content-id<CELL>file name" rows: thumbnails
 *                 <img src="cid:..."> of the parts the notice carries
 *                 (notice_file.content_id); in text their names.
 * Elsewhere in a line such a value shows as its text.
 */
#define TEMPLATE_CELL	'\x1f'
#define TEMPLATE_CELL_S	"\x1f"

/*
 * Find template NAME ("ack" → ack.md): the file in dir (may be NULL) if it
 * exists, else the compiled-in one. Returns a new string (caller frees), or
 * NULL with a reason in err when there is neither or the file is unreadable
 * or bigger than LIMIT_TEMPLATE_BYTES.
 */
char	*template_load(const char *dir, const char *name, char *err, size_t errsz);

/*
 * Substitute {{name}} (optional spaces inside the braces) in tpl. Unknown
 * placeholders are left as written (template_check() refuses a template
 * that has any). A placeholder alone on its line whose value is empty or
 * NULL removes the line (and a blank line after it), so optional
 * paragraphs leave no gap; so does an empty value that is a link's address
 * ("[the ticket's page]({{ticket_url}})": no page, no line). md_escape:
 * escape values for Markdown so that cmark reads them back as written (a
 * link's address too). Returns a new string. Pure.
 */
char	*template_fill(const char *tpl, const struct template_var *vars,
	    size_t nvars, int md_escape);

/*
 * Render the template: *text gets the plain text (see above: the
 * template's markup written out as text, wrapped at 72 columns, each value
 * exactly as written), *html a whole HTML document: the template's markup
 * with inline styles inside the 640 px layout table, each value escaped.
 * Both new strings.
 */
void	template_render(const char *tpl, const struct template_var *vars,
	    size_t nvars, char **text, char **html);

/*
 * Does tpl read right where the code gives it the variables names
 * (NULL-terminated)? It is rendered with every one of them set, then with
 * every one empty; 0 when neither part shows "{{" then, else -1 with err
 * quoting what would show — an unknown placeholder ("{{nmber}}"), braces
 * that are no placeholder, or a "{{" written "\{\{" — and listing names.
 */
int	template_check(const char *tpl, const char *const *names, char *err,
	    size_t errsz);

/*
 * The same, with the line of tpl (from 1) the problem is on in *line (0
 * when it cannot be told) and err without it; template_check() puts
 * "line N: " before err. A template holding U+E000 or U+E001 (the
 * renderer's own placeholder characters) is refused too.
 */
int	template_check_line(const char *tpl, const char *const *names,
	    int *line, char *err, size_t errsz);

/*
 * A knowledge-base article's Markdown (p, len) as an HTML fragment, by
 * cmark in safe mode (CMARK_OPT_DEFAULT, never CMARK_OPT_UNSAFE): raw
 * HTML is dropped ("<!-- raw HTML omitted -->") and javascript:, vbscript:,
 * file: and data: links (but for images) are emptied. Invalid UTF-8 is
 * replaced (CMARK_OPT_VALIDATE_UTF8). New string.
 */
char	*template_article_html(const char *p, size_t len);

/* The compiled-in template NAME, or NULL. */
const char *template_builtin(const char *name);

/* The name of the i-th compiled-in template ("ack"), NULL past the last. */
const char *template_builtin_name(size_t i);

#endif
