/*
 * template.c — notice templates: Markdown with {{placeholders}}; values
 * are Markdown-escaped into it, libcmark parses it once (without
 * CMARK_OPT_UNSAFE), and the tree becomes the HTML part (cmark) and the
 * plain-text part (plain_render() below: cmark has no plain renderer, and
 * its commonmark renderer would write the markup back). The only file
 * that includes cmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>

#include "buf.h"
#include "lex.h"
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

const char *
template_builtin_name(size_t i)
{
	size_t n;

	for (n = 0; n < i && template_builtins[n].name != NULL; n++)
		;
	return template_builtins[n].name;
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

/* Cut b back to len bytes (len <= b->len), still NUL-terminated. */
static void
out_cut(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
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
 * Append a value escaped for CommonMark, so that cmark gives it back as
 * written: every ASCII punctuation character gets a backslash (so no
 * emphasis, link, autolink, entity, HTML, code span, heading, list, quote,
 * fence or thematic break can start from it); a line break becomes a hard
 * line break ("\" + newline) so the value stays inside its paragraph;
 * spaces and tabs at the start or end of a value line, which Markdown
 * would drop (or read as an indented code block), become the character
 * references "&#32;" and "&#9;". Line breaks at the very end are dropped:
 * before a blank line they would show as a literal "\". Inside a
 * template's code span the backslashes would show: templates put values
 * in plain text only.
 */
static void
add_escaped(struct buf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v, *end, *q;
	size_t n = strlen(v);
	int linestart = 1, keep;
	char esc[2];

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	end = p + n;
	esc[0] = '\\';
	for (; p < end; p++) {
		if (*p == '\r' || *p == '\n') {
			if (p[0] == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			out_add(b, "\\\n", 2);
			linestart = 1;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			for (q = p; q < end && (*q == ' ' || *q == '\t'); q++)
				;
			keep = linestart || q == end || *q == '\r' ||
			    *q == '\n';
			for (; p < q; p++) {
				if (!keep)
					out_add(b, p, 1);
				else if (*p == ' ')
					out_add(b, "&#32;", 5);
				else
					out_add(b, "&#9;", 4);
			}
			p--;
			continue;
		}
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
		if ((var->value == NULL || var->value[0] == '\0') &&
		    b.len >= 2 && b.data[b.len - 2] == ']' &&
		    b.data[b.len - 1] == '(') {
			/*
			 * A link to an empty address ("[the ticket]({{url}})"
			 * when there is no page) takes its whole line with it,
			 * and the blank line after it, as above.
			 */
			while (b.len > 0 && b.data[b.len - 1] != '\n')
				b.len--;
			if (b.data != NULL)
				b.data[b.len] = '\0';
			while (*q != '\0' && *q != '\n')
				q++;
			p = *q == '\n' ? q + 1 : q;
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

/*
 * The text/plain part: cmark's tree of the filled template written out as
 * plain text for people who read mail as text. Emphasis and code markers
 * go, block quotes keep "> " before each line (as mail quotes), list items
 * get "- " or "1. " and their further lines are indented to match, a link
 * is its text followed by " <url>" (unless the text is the address), an
 * image its description and address, a thematic break a line of dashes,
 * raw HTML nothing (as in the HTML part). Paragraphs are separated by a
 * blank line and keep the template's line breaks. The tree is walked with
 * cmark's iterator, not recursion, so a deeply nested template costs no
 * stack; quotes and items nested deeper than PLAIN_DEPTH add no further
 * prefix.
 */
#define PLAIN_DEPTH	16

struct plain {
	struct buf	 b;
	struct {
		char	 indent[32];	/* "> " or as many spaces as the marker */
		char	 marker[32];	/* "- ", "12. ": an item's first line */
		int	 pending;	/* the marker is not written yet */
	} seg[PLAIN_DEPTH];
	int		 depth;		/* containers entered; > PLAIN_DEPTH ok */
	int		 bol;		/* at the beginning of a line */
	int		 sep;		/* before the next block: 0, 1 (new
					 * line) or 2 (a blank line) */
	size_t		 link_at;	/* where the current link's text began */
};

/* Write the prefixes of the line now starting: quotes, markers, indents. */
static void
plain_prefix(struct plain *pl, int blank)
{
	int i, n = pl->depth < PLAIN_DEPTH ? pl->depth : PLAIN_DEPTH;
	size_t start = pl->b.len;

	for (i = 0; i < n; i++) {
		if (pl->seg[i].pending && !blank) {
			out_add(&pl->b, pl->seg[i].marker,
			    strlen(pl->seg[i].marker));
			pl->seg[i].pending = 0;
		} else
			out_add(&pl->b, pl->seg[i].indent,
			    strlen(pl->seg[i].indent));
	}
	while (blank && pl->b.len > start && pl->b.data[pl->b.len - 1] == ' ')
		out_cut(&pl->b, pl->b.len - 1);
}

/* Text, with the prefixes at the start of each line. */
static void
plain_put(struct plain *pl, const char *s, size_t n)
{
	const char *nl;
	size_t k;

	while (n > 0) {
		nl = memchr(s, '\n', n);
		k = nl != NULL ? (size_t)(nl - s) : n;
		if (k > 0) {
			if (pl->bol)
				plain_prefix(pl, 0);
			out_add(&pl->b, s, k);
			pl->bol = 0;
		}
		if (nl == NULL)
			break;
		if (pl->bol && k == 0)
			plain_prefix(pl, 1);
		out_add(&pl->b, "\n", 1);
		pl->bol = 1;
		s += k + 1;
		n -= k + 1;
	}
}

static void
plain_str(struct plain *pl, const char *s)
{
	if (s != NULL)
		plain_put(pl, s, strlen(s));
}

static void
plain_newline(struct plain *pl)
{
	if (!pl->bol) {
		out_add(&pl->b, "\n", 1);
		pl->bol = 1;
	}
}

/* Before a block: the blank line that separates it from the one before. */
static void
plain_block(struct plain *pl)
{
	plain_newline(pl);
	if (pl->sep == 2 && pl->b.len > 0) {
		plain_prefix(pl, 1);
		out_add(&pl->b, "\n", 1);
	}
	pl->sep = 0;
}

/* After a block: a blank line follows, unless it is in a tight list. */
static void
plain_block_end(struct plain *pl, cmark_node *node)
{
	cmark_node *up = cmark_node_parent(node);

	plain_newline(pl);
	pl->sep = 2;
	if (cmark_node_get_type(node) == CMARK_NODE_ITEM && up != NULL &&
	    cmark_node_get_list_tight(up))
		pl->sep = 1;
	else if (up != NULL && cmark_node_get_type(up) == CMARK_NODE_ITEM &&
	    cmark_node_parent(up) != NULL &&
	    cmark_node_get_list_tight(cmark_node_parent(up)))
		pl->sep = 1;
}

static void
plain_push(struct plain *pl, const char *indent, const char *marker)
{
	if (pl->depth < PLAIN_DEPTH) {
		snprintf(pl->seg[pl->depth].indent,
		    sizeof(pl->seg[pl->depth].indent), "%s", indent);
		snprintf(pl->seg[pl->depth].marker,
		    sizeof(pl->seg[pl->depth].marker), "%s", marker);
		pl->seg[pl->depth].pending = marker[0] != '\0';
	}
	pl->depth++;
}

/* An item's marker: "- ", or its number in an ordered list. */
static void
plain_item(struct plain *pl, cmark_node *item)
{
	cmark_node *list = cmark_node_parent(item), *c;
	char marker[32], indent[32];
	long long num;
	size_t w;

	if (list != NULL &&
	    cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
		num = cmark_node_get_list_start(list);
		for (c = cmark_node_previous(item); c != NULL;
		    c = cmark_node_previous(c))
			num++;
		snprintf(marker, sizeof(marker), "%lld%c ", num,
		    cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ?
		    ')' : '.');
	} else
		snprintf(marker, sizeof(marker), "- ");
	w = strlen(marker);
	memset(indent, ' ', w);
	indent[w] = '\0';
	plain_push(pl, indent, marker);
}

/* A URL cmark's HTML renderer would not link (safe mode): not shown. */
static int
url_unsafe(const char *url)
{
	static const char *const bad[] = { "javascript:", "vbscript:",
	    "file:", "data:" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strncasecmp(url, bad[i], strlen(bad[i])) == 0)
			return 1;
	return 0;
}

/* After a link's or image's text: " <url>", unless the text says it. */
static void
plain_link_end(struct plain *pl, cmark_node *node)
{
	const char *url = cmark_node_get_url(node), *t;
	size_t n;

	if (url == NULL || url[0] == '\0' || url_unsafe(url))
		return;
	t = pl->b.data != NULL ? pl->b.data + pl->link_at : "";
	n = pl->b.len - pl->link_at;
	if ((strlen(url) == n && memcmp(url, t, n) == 0) ||
	    (strncmp(url, "mailto:", 7) == 0 && strlen(url + 7) == n &&
	    memcmp(url + 7, t, n) == 0))
		return;
	plain_str(pl, " <");
	plain_str(pl, url);
	plain_str(pl, ">");
}

/* The plain text of a parsed document. New string. */
static char *
plain_render(cmark_node *doc)
{
	struct plain pl;
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *node;
	const char *lit;
	size_t n;
	int enter;

	memset(&pl, 0, sizeof(pl));
	buf_init(&pl.b, TEMPLATE_OUT_MAX);
	pl.bol = 1;
	it = cmark_iter_new(doc);
	if (it == NULL)
		fatalx("template: cmark_iter_new failed");
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		enter = ev == CMARK_EVENT_ENTER;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
		case CMARK_NODE_LIST:
			if (enter)
				plain_block(&pl);
			else
				plain_block_end(&pl, node);
			break;
		case CMARK_NODE_BLOCK_QUOTE:
			if (enter) {
				plain_block(&pl);
				plain_push(&pl, "> ", "");
			} else {
				plain_newline(&pl);
				pl.depth--;
				plain_block_end(&pl, node);
			}
			break;
		case CMARK_NODE_ITEM:
			if (enter) {
				plain_block(&pl);
				plain_item(&pl, node);
			} else {
				plain_newline(&pl);
				pl.depth--;
				plain_block_end(&pl, node);
			}
			break;
		case CMARK_NODE_CODE_BLOCK:
			plain_block(&pl);
			lit = cmark_node_get_literal(node);
			n = lit != NULL ? strlen(lit) : 0;
			if (n > 0 && lit[n - 1] == '\n')
				n--;
			plain_put(&pl, lit != NULL ? lit : "", n);
			plain_block_end(&pl, node);
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			plain_block(&pl);
			plain_str(&pl, "----------");
			plain_block_end(&pl, node);
			break;
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			plain_str(&pl, cmark_node_get_literal(node));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			plain_put(&pl, "\n", 1);
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE:
			if (enter)
				pl.link_at = pl.b.len;
			else
				plain_link_end(&pl, node);
			break;
		default:
			/* document, emphasis, strong: their children only;
			 * raw HTML: nothing (the HTML part omits it too) */
			break;
		}
	}
	cmark_iter_free(it);
	/* one line end at the end, no blank lines */
	while (pl.b.len > 0 && pl.b.data[pl.b.len - 1] == '\n')
		out_cut(&pl.b, pl.b.len - 1);
	if (pl.b.len > 0)
		out_add(&pl.b, "\n", 1);
	return buf_steal(&pl.b, NULL);
}

void
template_render(const char *tpl, const struct template_var *vars,
    size_t nvars, char **text, char **html)
{
	cmark_node *doc;
	char *md, *body;

	md = template_fill(tpl, vars, nvars, 1);
	/* CMARK_OPT_DEFAULT is safe mode: raw HTML and javascript: URLs out. */
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	free(md);
	if (doc == NULL)
		fatalx("template: cmark_parse_document failed");
	body = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	if (body == NULL)
		fatalx("template: cmark_render_html failed");
	*text = plain_render(doc);
	cmark_node_free(doc);
	*html = xasprintf("%s%s%s", html_head, body, html_tail);
	cmark_get_default_mem_allocator()->free(body);
}

int
template_check(const char *tpl, const char *const *names, char *err,
    size_t errsz)
{
	struct template_var *v;
	struct buf list;
	char *text, *html, shown[64];
	const char *at, *e;
	size_t n, i;
	int pass, rc = 0;

	for (n = 0; names[n] != NULL; n++)
		;
	v = xcalloc(n > 0 ? n : 1, sizeof(*v));
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		/* every value set, then every value empty */
		for (i = 0; i < n; i++) {
			v[i].name = names[i];
			v[i].value = pass == 0 ? "x" : NULL;
		}
		template_render(tpl, v, n, &text, &html);
		at = strstr(text, "{{");
		if (at == NULL)
			at = strstr(html, "{{");
		if (at != NULL) {
			for (e = at; *e != '\0' && *e != '\n' && e - at < 40;
			    e++)
				if (e > at + 1 && e[-1] == '}' && e[0] == '}') {
					e++;
					break;
				}
			lex_vis_ascii(shown, sizeof(shown), at, (size_t)(e - at),
			    40);
			buf_init(&list, 4096);
			for (i = 0; i < n; i++)
				buf_printf(&list, "%s%s", i > 0 ? ", " : "",
				    names[i]);
			snprintf(err, errsz, "\"%s\" would show in the notice: "
			    "its placeholders are %s", shown,
			    list.len > 0 ? list.data : "(none)");
			buf_clear(&list);
			rc = -1;
		}
		free(text);
		free(html);
	}
	free(v);
	return rc;
}

char *
template_article_html(const char *p, size_t len)
{
	char *html, *out;

	/* CMARK_OPT_DEFAULT is safe mode: raw HTML and unsafe links out */
	html = cmark_markdown_to_html(p, len, CMARK_OPT_DEFAULT |
	    CMARK_OPT_VALIDATE_UTF8);
	if (html == NULL)
		fatalx("template: cmark_markdown_to_html failed");
	out = xstrdup(html);
	cmark_get_default_mem_allocator()->free(html);
	return out;
}
