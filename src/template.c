/*
 * template.c — notice templates: Markdown with {{placeholders}}, rendered
 * to text (values as they are) and to HTML through libcmark (values
 * Markdown-escaped first, cmark without CMARK_OPT_UNSAFE). The only file
 * that includes cmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>

#include "buf.h"
#include "limits.h"
#include "log.h"
#include "template.h"
#include "xmalloc.h"

/* Generated from templates/NAME.md by contrib/embed-templates.sh. */
struct template_builtin {
	const char	*name;
	const char	*text;
};
extern const struct template_builtin template_builtins[];

/* Output of a fill may not grow past this; beyond it is a broken invariant. */
#define TEMPLATE_OUT_MAX	((size_t)SIZE_MAX / 4)

static const char html_head[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n";
static const char html_tail[] = "</body></html>\n";

const char *
template_builtin(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; template_builtins[i].name != NULL; i++)
		if (strcmp(template_builtins[i].name, name) == 0)
			return template_builtins[i].text;
	return NULL;
}

/* A template name is a plain file name stem: no '/', no leading '.'. */
static int
name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] == '/' || (unsigned char)name[i] < 0x20)
			return 0;
	}
	return 1;
}

/*
 * Read dir/name.md. Returns the text, or NULL with *missing set when the
 * file does not exist (the caller falls back to the builtin), or NULL with
 * a reason in err when it exists but cannot be used.
 */
static char *
load_file(const char *dir, const char *name, int *missing, char *err,
    size_t errsz)
{
	char *path, *text = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	*missing = 0;
	path = xasprintf("%s/%s.md", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			*missing = 1;
		else
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > LIMIT_TEMPLATE_BYTES) {
		snprintf(err, errsz, "%s: larger than %d bytes", path,
		    LIMIT_TEMPLATE_BYTES);
		goto fail;
	}
	/* Read up to one byte past the cap: the file may grow meanwhile. */
	text = xmalloc((size_t)LIMIT_TEMPLATE_BYTES + 2);
	for (;;) {
		n = read(fd, text + len, (size_t)LIMIT_TEMPLATE_BYTES + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > LIMIT_TEMPLATE_BYTES) {
			snprintf(err, errsz, "%s: larger than %d bytes", path,
			    LIMIT_TEMPLATE_BYTES);
			goto fail;
		}
	}
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errsz, "%s: contains a NUL byte", path);
		goto fail;
	}
	close(fd);
	free(path);
	return text;
fail:
	free(text);
	close(fd);
	free(path);
	return NULL;
}

char *
template_load(const char *dir, const char *name, char *err, size_t errsz)
{
	const char *builtin;
	char *text;
	int missing;

	if (!name_ok(name)) {
		snprintf(err, errsz, "bad template name");
		return NULL;
	}
	if (dir != NULL && dir[0] != '\0') {
		text = load_file(dir, name, &missing, err, errsz);
		if (text != NULL)
			return text;
		if (!missing)
			return NULL;
	}
	builtin = template_builtin(name);
	if (builtin == NULL) {
		snprintf(err, errsz, "no template \"%s\"", name);
		return NULL;
	}
	return xstrdup(builtin);
}

static void
out_add(struct buf *b, const void *p, size_t n)
{
	if (buf_add(b, p, n) == -1)
		fatalx("template: output too large");
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static int
is_ascii_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
	    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/*
 * Append a value escaped for CommonMark: every ASCII punctuation character
 * gets a backslash (so no emphasis, link, autolink, entity, HTML, code span,
 * heading, list, quote, fence or thematic break can start from it); a line
 * break becomes a hard line break ("\" + newline) so the value stays inside
 * its paragraph; whitespace at the start of each value line is dropped so
 * it cannot open an indented code block. Inside a template's code span the
 * backslashes would show: templates put values in plain text only.
 */
static void
add_escaped(struct buf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	int linestart = 1;
	char esc[2];

	esc[0] = '\\';
	for (; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			if (p[0] == '\r' && p[1] == '\n')
				p++;
			out_add(b, "\\\n", 2);
			linestart = 1;
			continue;
		}
		if (linestart && (*p == ' ' || *p == '\t'))
			continue;
		linestart = 0;
		if (is_ascii_punct(*p)) {
			esc[1] = (char)*p;
			out_add(b, esc, 2);
		} else
			out_add(b, p, 1);
	}
}

static const struct template_var *
find_var(const struct template_var *vars, size_t nvars, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < nvars; i++) {
		if (vars[i].name != NULL && strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return &vars[i];
	}
	return NULL;
}

/*
 * One pass over tpl. A placeholder is "{{", optional blanks, a name of
 * [A-Za-z0-9_.-], optional blanks, "}}". The scan after "{{" stops at the
 * first character that does not fit, and that character is never '{', so
 * the work stays linear in the input. Values are inserted as they are and
 * never scanned again.
 */
char *
template_fill(const char *tpl, const struct template_var *vars, size_t nvars,
    int md_escape)
{
	const struct template_var *var;
	const char *p, *q, *name;
	size_t namelen;
	struct buf b;

	buf_init(&b, TEMPLATE_OUT_MAX);
	p = tpl;
	while (*p != '\0') {
		/* Not strstr(): sanitizers make each call O(strlen). */
		q = p;
		while (*q != '\0' && !(q[0] == '{' && q[1] == '{'))
			q++;
		out_add(&b, p, (size_t)(q - p));
		if (*q == '\0')
			break;
		p = q;
		q += 2;
		while (*q == ' ' || *q == '\t')
			q++;
		name = q;
		while (is_name_char(*q))
			q++;
		namelen = (size_t)(q - name);
		while (*q == ' ' || *q == '\t')
			q++;
		var = NULL;
		if (namelen > 0 && q[0] == '}' && q[1] == '}')
			var = find_var(vars, nvars, name, namelen);
		if (var == NULL) {
			/* Not ours: keep one '{' and look again after it. */
			out_add(&b, p, 1);
			p++;
			continue;
		}
		if ((var->value == NULL || var->value[0] == '\0') &&
		    (p == tpl || p[-1] == '\n') &&
		    (q[2] == '\n' || q[2] == '\0')) {
			/*
			 * An empty placeholder alone on its line takes the line
			 * with it, and the blank line after it when one is
			 * already written: optional paragraphs leave no gap.
			 */
			p = q[2] == '\n' ? q + 3 : q + 2;
			if (*p == '\n' && b.len >= 2 &&
			    b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
				p++;
			continue;
		}
		if (var->value != NULL) {
			if (md_escape)
				add_escaped(&b, var->value);
			else
				out_add(&b, var->value, strlen(var->value));
		}
		p = q + 2;
	}
	return buf_steal(&b, NULL);
}

void
template_render(const char *tpl, const struct template_var *vars,
    size_t nvars, char **text, char **html)
{
	char *md, *body;

	*text = template_fill(tpl, vars, nvars, 0);
	md = template_fill(tpl, vars, nvars, 1);
	/* CMARK_OPT_DEFAULT is safe mode: raw HTML and javascript: URLs out. */
	body = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT);
	free(md);
	if (body == NULL)
		fatalx("template: cmark_markdown_to_html failed");
	*html = xasprintf("%s%s%s", html_head, body, html_tail);
	cmark_get_default_mem_allocator()->free(body);
}
