/*
 * template.h — notices are Markdown files with {{placeholders}}, rendered
 * to a text part (the Markdown as written, values as they are) and an HTML
 * part (libcmark, without CMARK_OPT_UNSAFE; every value is Markdown-escaped
 * before cmark sees it, so a value can neither inject markup nor HTML).
 * template.c is the only file that includes cmark.
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
 * Find template NAME ("ack" → ack.md): the file in dir (may be NULL) if it
 * exists, else the compiled-in one. Returns a new string (caller frees), or
 * NULL with a reason in err when there is neither or the file is unreadable
 * or bigger than LIMIT_TEMPLATE_BYTES.
 */
char	*template_load(const char *dir, const char *name, char *err, size_t errsz);

/*
 * Substitute {{name}} (optional spaces inside the braces) in tpl. Unknown
 * placeholders are left as written. A placeholder alone on its line whose
 * value is empty or NULL removes the line (and a blank line after it), so
 * optional paragraphs leave no gap. md_escape: escape values for Markdown.
 * Returns a new string. Pure.
 */
char	*template_fill(const char *tpl, const struct template_var *vars,
	    size_t nvars, int md_escape);

/*
 * Render: *text gets the filled Markdown, *html the cmark HTML of the
 * escaped fill, wrapped in a minimal <html><body>. Both new strings.
 */
void	template_render(const char *tpl, const struct template_var *vars,
	    size_t nvars, char **text, char **html);

/* The compiled-in template NAME, or NULL. */
const char *template_builtin(const char *name);

#endif
