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

#define STR_(x)	#x
#define STR(x)	STR_(x)

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
/*
 * A placeholder for the renderer: TOK_OPEN, the variable's index in
 * decimal, TOK_CLOSE (U+E000 ... U+E001, private-use characters that
 * Markdown leaves alone). cmark parses the template with these in place of
 * the values, so no value is ever read as Markdown; the renderers put the
 * values in, escaped for HTML or as they are for text.
 */
#define TOK_OPEN	"\xee\x80\x80"
#define TOK_CLOSE	"\xee\x80\x81"
#define TOK_LEN		3

enum fill_mode { FILL_RAW, FILL_MD, FILL_TOKEN };

static char	*fill(const char *, const struct template_var *, size_t,
		    enum fill_mode);

char *
template_fill(const char *tpl, const struct template_var *vars, size_t nvars,
    int md_escape)
{
	return fill(tpl, vars, nvars, md_escape ? FILL_MD : FILL_RAW);
}

static char *
fill(const char *tpl, const struct template_var *vars, size_t nvars,
    enum fill_mode mode)
{
	char tok[32];
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
		if (var->value != NULL && mode == FILL_TOKEN) {
			snprintf(tok, sizeof(tok), "%s%zu%s", TOK_OPEN,
			    (size_t)(var - vars), TOK_CLOSE);
			out_add(&b, tok, strlen(tok));
		} else if (var->value != NULL && mode == FILL_MD)
			add_escaped(&b, var->value);
		else if (var->value != NULL)
			out_add(&b, var->value, strlen(var->value));
		p = q + 2;
	}
	return buf_steal(&b, NULL);
}

/*
 * The look of the HTML part: a single-column table at most 640 px wide,
 * every style inline (Outlook's Word engine, Gmail and Apple Mail ignore or
 * strip <style> blocks and classes), no script, nothing remote, one accent
 * colour, and every text colour set together with its background, so that
 * a client that inverts the colours for dark mode inverts both.
 */
#define ACCENT		"#1f6feb"
#define INK		"#1f2328"
#define MUTED		"#57606a"
#define PAPER		"#ffffff"
#define SHADE		"#f6f8fa"
#define PAGE		"#eef1f4"
#define RULE		"#d0d7de"
#define FONT		"-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
#define MONO		"Menlo,Consolas,'Courier New',monospace"
#define TEXT_COLS	72	/* the text part is wrapped here */
#define THUMB_PX	160	/* the width of an image's thumbnail */

static const char html_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"><meta name=\"color-scheme\" content=\"light\">"
    "<meta name=\"supported-color-schemes\" content=\"light\">"
    "</head>\n"
    "<body style=\"margin:0;padding:0;background-color:" PAGE ";color:"
    INK "\">\n"
    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
    "cellspacing=\"0\" border=\"0\" style=\"background-color:" PAGE "\">"
    "<tr><td align=\"center\" style=\"padding:16px 8px\">\n"
    "<table role=\"presentation\" width=\"640\" cellpadding=\"0\" "
    "cellspacing=\"0\" border=\"0\" style=\"width:100%;max-width:640px;"
    "background-color:" PAPER ";border-top:4px solid " ACCENT "\">"
    "<tr><td style=\"padding:20px 24px 8px 24px;font-family:" FONT ";"
    "font-size:15px;line-height:22px;color:" INK ";background-color:"
    PAPER ";text-align:left\">\n";
static const char html_tail[] =
    "</td></tr></table>\n</td></tr></table>\n</body></html>\n";

#define P_STYLE		"margin:0 0 14px 0"
#define TABLE_ATTRS	"role=\"presentation\" width=\"100%\" " \
	"cellpadding=\"0\" cellspacing=\"0\" border=\"0\""

enum kind { K_TEXT, K_FACTS, K_ROWS, K_IMAGES };

/* The values, line ends made LF and those at the very end dropped. */
struct vals {
	const struct template_var	*vars;
	char				**v;	/* NULL: none */
	enum kind			*kind;
	size_t				 n;
};

static void
vals_init(struct vals *vs, const struct template_var *vars, size_t nvars)
{
	const char *p;
	size_t i, k, len;
	char *s;

	vs->vars = vars;
	vs->n = nvars;
	vs->v = xcalloc(nvars > 0 ? nvars : 1, sizeof(*vs->v));
	vs->kind = xcalloc(nvars > 0 ? nvars : 1, sizeof(*vs->kind));
	for (i = 0; i < nvars; i++) {
		if (vars[i].name == NULL)
			;
		else if (strcmp(vars[i].name, "facts") == 0)
			vs->kind[i] = K_FACTS;
		else if (strcmp(vars[i].name, "transcript") == 0)
			vs->kind[i] = K_ROWS;
		else if (strcmp(vars[i].name, "images") == 0)
			vs->kind[i] = K_IMAGES;
		if (vars[i].value == NULL)
			continue;
		p = vars[i].value;
		len = strlen(p);
		s = xmalloc(len + 1);
		for (k = 0; *p != '\0'; p++) {
			if (*p == '\r') {
				s[k++] = '\n';
				if (p[1] == '\n')
					p++;
			} else
				s[k++] = *p;
		}
		while (k > 0 && s[k - 1] == '\n')
			k--;
		s[k] = '\0';
		vs->v[i] = s;
	}
}

static void
vals_clear(struct vals *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i]);
	free(vs->v);
	free(vs->kind);
}

/*
 * Is p (n bytes left) a placeholder? Its index in *idx and its length
 * in *toklen when it is one of ours.
 */
static int
tok_at(const struct vals *vs, const char *p, size_t n, size_t *idx,
    size_t *toklen)
{
	size_t i = TOK_LEN, v = 0;

	if (n < 2 * TOK_LEN + 1 || memcmp(p, TOK_OPEN, TOK_LEN) != 0)
		return 0;
	while (i < n && p[i] >= '0' && p[i] <= '9' && i < 12) {
		v = v * 10 + (size_t)(p[i] - '0');
		i++;
	}
	if (i == TOK_LEN || n - i < TOK_LEN ||
	    memcmp(p + i, TOK_CLOSE, TOK_LEN) != 0 || v >= vs->n)
		return 0;
	*idx = v;
	*toklen = i + TOK_LEN;
	return 1;
}

/* A paragraph that is one placeholder and nothing else: its index. */
static int
block_value(const struct vals *vs, cmark_node *para, size_t *idx)
{
	cmark_node *c = cmark_node_first_child(para);
	const char *lit;
	size_t len;

	if (c == NULL || cmark_node_next(c) != NULL ||
	    cmark_node_get_type(c) != CMARK_NODE_TEXT)
		return 0;
	lit = cmark_node_get_literal(c);
	if (lit == NULL)
		return 0;
	return tok_at(vs, lit, strlen(lit), idx, &len) && len == strlen(lit);
}

/* The template's own text, with the values put in as they are. */
static char *
subst_raw(const struct vals *vs, const char *s)
{
	struct buf b;
	size_t n, i, idx, tl;

	if (s == NULL)
		return xstrdup("");
	buf_init(&b, TEMPLATE_OUT_MAX);
	n = strlen(s);
	for (i = 0; i < n; ) {
		if (tok_at(vs, s + i, n - i, &idx, &tl)) {
			if (vs->v[idx] != NULL)
				out_add(&b, vs->v[idx], strlen(vs->v[idx]));
			i += tl;
		} else
			out_add(&b, s + i++, 1);
	}
	if (b.data == NULL)
		out_add(&b, "", 0);
	return buf_steal(&b, NULL);
}

/* ---- HTML ------------------------------------------------------------ */

/*
 * Text escaped for HTML. nl: a line break becomes <br> (values), else it
 * stays a line break (the template's soft breaks). Spaces that HTML would
 * fold (a second one in a row, one at the start of a line) become
 * &nbsp;, so indented and aligned text keeps its shape.
 */
static void
html_esc(struct buf *b, const char *s, size_t n, int nl)
{
	size_t i;
	int prev_space = nl;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			out_add(b, "&amp;", 5);
			break;
		case '<':
			out_add(b, "&lt;", 4);
			break;
		case '>':
			out_add(b, "&gt;", 4);
			break;
		case '"':
			out_add(b, "&quot;", 6);
			break;
		case '\n':
			if (nl)
				out_add(b, "<br>\n", 5);
			else
				out_add(b, "\n", 1);
			prev_space = nl;
			continue;
		case ' ':
			if (prev_space && nl) {
				out_add(b, "&nbsp;", 6);
				prev_space = 0;
				continue;
			}
			out_add(b, " ", 1);
			prev_space = 1;
			continue;
		default:
			out_add(b, s + i, 1);
		}
		prev_space = 0;
	}
}

static void
html_str(struct buf *b, const char *s)
{
	out_add(b, s, strlen(s));
}

/* Template text with values: the template's part as is, values escaped. */
static void
html_text(const struct vals *vs, struct buf *b, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i = 0, j, idx, tl;

	while (i < n) {
		for (j = i; j < n && !tok_at(vs, s + j, n - j, &idx, &tl); j++)
			;
		html_esc(b, s + i, j - i, 0);
		if (j == n)
			break;
		if (vs->v[idx] != NULL)
			html_esc(b, vs->v[idx], strlen(vs->v[idx]), 1);
		i = j + tl;
	}
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

/* An attribute value: bytes outside printable ASCII percent-encoded. */
static void
html_url(struct buf *b, const char *u)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char pct[3];

	for (p = (const unsigned char *)u; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == '`') {
			pct[0] = '%';
			pct[1] = hex[*p >> 4];
			pct[2] = hex[*p & 15];
			out_add(b, pct, 3);
		} else if (*p == '&')
			out_add(b, "&amp;", 5);
		else if (*p == '"')
			out_add(b, "&quot;", 6);
		else if (*p == '\'')
			out_add(b, "&#39;", 5);
		else
			out_add(b, p, 1);
	}
}

/* Next line of s (LF-separated) from *pos: [*ls, *le); 0 at the end. */
static int
next_line(const char *s, size_t *pos, const char **ls, const char **le)
{
	const char *nl;

	if (s[*pos] == '\0')
		return 0;
	*ls = s + *pos;
	nl = strchr(*ls, '\n');
	*le = nl != NULL ? nl : *ls + strlen(*ls);
	*pos = (size_t)(*le - s) + (nl != NULL ? 1 : 0);
	return 1;
}

static int
blank_line(const char *ls, const char *le)
{
	for (; ls < le; ls++)
		if (*ls != ' ' && *ls != '\t')
			return 0;
	return 1;
}

/* A value that is a paragraph of its own: its paragraphs as <p>. */
static void
html_paragraphs(struct buf *b, const char *v)
{
	const char *ls, *le;
	size_t pos = 0;
	int open = 0;

	while (next_line(v, &pos, &ls, &le)) {
		if (blank_line(ls, le)) {
			if (open)
				html_str(b, "</p>\n");
			open = 0;
			continue;
		}
		if (!open)
			html_str(b, "<p style=\"" P_STYLE "\">");
		else
			html_str(b, "<br>\n");
		open = 1;
		html_esc(b, ls, (size_t)(le - ls), 1);
	}
	if (open)
		html_str(b, "</p>\n");
}

/* One cell of a row: [ls, le) up to TEMPLATE_CELL, or all of it. */
static const char *
cell_end(const char *ls, const char *le)
{
	const char *c = memchr(ls, TEMPLATE_CELL, (size_t)(le - ls));

	return c != NULL ? c : le;
}

/* The ticket's facts: label and value, a compact shaded table. */
static void
html_facts(struct buf *b, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0;

	html_str(b, "<table " TABLE_ATTRS " style=\"margin:0 0 18px 0;"
	    "border-collapse:collapse;background-color:" SHADE ";color:" INK
	    ";border-left:4px solid " ACCENT "\">\n");
	while (next_line(v, &pos, &ls, &le)) {
		c = cell_end(ls, le);
		html_str(b, "<tr><td valign=\"top\" style=\"padding:3px 12px;"
		    "width:96px;font-size:13px;color:" MUTED ";background-color:"
		    SHADE ";white-space:nowrap\">");
		html_esc(b, ls, (size_t)(c - ls), 1);
		html_str(b, "</td><td valign=\"top\" style=\"padding:3px 12px;"
		    "font-size:14px;font-weight:bold;color:" INK
		    ";background-color:" SHADE "\">");
		if (c < le)
			html_esc(b, c + 1, (size_t)(le - c - 1), 1);
		html_str(b, "</td></tr>\n");
	}
	html_str(b, "</table>\n");
}

/* A transcript: command and result, two columns. */
static void
html_rows(struct buf *b, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0;

	html_str(b, "<table " TABLE_ATTRS " style=\"margin:0 0 14px 0;"
	    "border-collapse:collapse;color:" INK ";background-color:" PAPER
	    "\">\n<tr><th align=\"left\" style=\"padding:4px 8px;"
	    "font-size:12px;color:" MUTED ";background-color:" PAPER
	    ";border-bottom:1px solid " RULE "\">Command</th>"
	    "<th align=\"left\" style=\"padding:4px 8px;font-size:12px;color:"
	    MUTED ";background-color:" PAPER ";border-bottom:1px solid " RULE
	    "\">Result</th></tr>\n");
	while (next_line(v, &pos, &ls, &le)) {
		if (blank_line(ls, le))
			continue;
		c = cell_end(ls, le);
		html_str(b, "<tr><td valign=\"top\" style=\"padding:4px 8px;"
		    "font-family:" MONO ";font-size:13px;color:" INK
		    ";background-color:" SHADE ";border-bottom:1px solid " RULE
		    "\"");
		if (c == le)
			html_str(b, " colspan=\"2\"");
		html_str(b, ">");
		html_esc(b, ls, (size_t)(c - ls), 1);
		html_str(b, "</td>");
		if (c < le) {
			html_str(b, "<td valign=\"top\" style=\"padding:4px 8px;"
			    "font-size:14px;color:" INK ";background-color:"
			    PAPER ";border-bottom:1px solid " RULE "\">");
			html_esc(b, c + 1, (size_t)(le - c - 1), 1);
			html_str(b, "</td>");
		}
		html_str(b, "</tr>\n");
	}
	html_str(b, "</table>\n");
}

/* A content ID as it may stand in a cid: URL (RFC 2392): plain ASCII. */
static int
cid_ok(const char *p, const char *e)
{
	if (p == e)
		return 0;
	for (; p < e; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(".-_@", *p) != NULL))
			return 0;
	return 1;
}

/* Images of the ticket: thumbnails of the parts the mail carries. */
static void
html_images(struct buf *b, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0;

	html_str(b, "<p style=\"" P_STYLE "\">");
	while (next_line(v, &pos, &ls, &le)) {
		c = cell_end(ls, le);
		if (c == le || !cid_ok(ls, c))
			continue;
		html_str(b, "<img src=\"cid:");
		out_add(b, ls, (size_t)(c - ls));
		html_str(b, "\" alt=\"");
		html_esc(b, c + 1, (size_t)(le - c - 1), 0);
		html_str(b, "\" width=\"" STR(THUMB_PX) "\" style=\"width:"
		    STR(THUMB_PX) "px;max-width:100%;height:auto;"
		    "border:1px solid " RULE ";margin:0 8px 8px 0;"
		    "vertical-align:top\">\n");
	}
	html_str(b, "</p>\n");
}

/* A value that is a paragraph of its own, by its kind. */
static void
html_block(const struct vals *vs, struct buf *b, size_t idx)
{
	const char *v = vs->v[idx] != NULL ? vs->v[idx] : "";

	switch (vs->kind[idx]) {
	case K_FACTS:
		html_facts(b, v);
		break;
	case K_ROWS:
		html_rows(b, v);
		break;
	case K_IMAGES:
		html_images(b, v);
		break;
	default:
		html_paragraphs(b, v);
	}
}

/* Is node a paragraph cmark would write without <p> (a tight list's)? */
static int
tight_para(cmark_node *node)
{
	cmark_node *item = cmark_node_parent(node), *list;

	if (item == NULL || cmark_node_get_type(item) != CMARK_NODE_ITEM)
		return 0;
	list = cmark_node_parent(item);
	return list != NULL && cmark_node_get_list_tight(list);
}

static char *
html_render(const struct vals *vs, cmark_node *doc)
{
	struct buf b;
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *node;
	char *url;
	size_t idx;
	int enter, level;

	buf_init(&b, TEMPLATE_OUT_MAX);
	html_str(&b, html_head);
	it = cmark_iter_new(doc);
	if (it == NULL)
		fatalx("template: cmark_iter_new failed");
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		enter = ev == CMARK_EVENT_ENTER;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_PARAGRAPH:
			if (block_value(vs, node, &idx)) {
				if (enter) {
					html_block(vs, &b, idx);
					cmark_iter_reset(it, node,
					    CMARK_EVENT_EXIT);
				}
			} else if (tight_para(node)) {
				/* the item holds it */
			} else if (enter)
				html_str(&b, "<p style=\"" P_STYLE "\">");
			else
				html_str(&b, "</p>\n");
			break;
		case CMARK_NODE_HEADING:
			level = cmark_node_get_heading_level(node);
			if (level < 1 || level > 6)
				level = 1;
			if (enter)
				buf_printf(&b, "<h%d style=\"margin:0 0 12px 0;"
				    "font-size:%dpx;line-height:1.3;color:" INK
				    "\">", level, level <= 1 ? 20 : level == 2 ?
				    18 : 16);
			else
				buf_printf(&b, "</h%d>\n", level);
			break;
		case CMARK_NODE_BLOCK_QUOTE:
			/* a table, not <blockquote>: clients fold those away
			 * as quoted text, and Outlook draws no border on it */
			if (enter)
				html_str(&b, "<table " TABLE_ATTRS " style=\""
				    "margin:0 0 14px 0;border-collapse:collapse\">"
				    "<tr><td style=\"padding:12px 14px 0 14px;"
				    "border-left:4px solid " ACCENT ";"
				    "background-color:" SHADE ";color:" INK
				    "\">\n");
			else
				html_str(&b, "</td></tr></table>\n");
			break;
		case CMARK_NODE_LIST:
			if (cmark_node_get_list_type(node) ==
			    CMARK_ORDERED_LIST) {
				if (enter)
					buf_printf(&b, "<ol start=\"%d\" "
					    "style=\"margin:0 0 14px 0;"
					    "padding-left:24px\">\n",
					    cmark_node_get_list_start(node));
				else
					html_str(&b, "</ol>\n");
			} else if (enter)
				html_str(&b, "<ul style=\"margin:0 0 14px 0;"
				    "padding-left:24px\">\n");
			else
				html_str(&b, "</ul>\n");
			break;
		case CMARK_NODE_ITEM:
			html_str(&b, enter ? "<li style=\"margin:0 0 4px 0\">" :
			    "</li>\n");
			break;
		case CMARK_NODE_CODE_BLOCK:
			html_str(&b, "<pre style=\"margin:0 0 14px 0;"
			    "padding:10px 12px;font-family:" MONO ";"
			    "font-size:12px;line-height:17px;color:" INK ";"
			    "background-color:" SHADE ";white-space:pre-wrap;"
			    "word-wrap:break-word\">");
			url = subst_raw(vs, cmark_node_get_literal(node));
			html_esc(&b, url, strlen(url), 0);
			free(url);
			html_str(&b, "</pre>\n");
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			html_str(&b, "<hr style=\"border:0;border-top:1px solid "
			    RULE ";margin:16px 0\">\n");
			break;
		case CMARK_NODE_TEXT:
			html_text(vs, &b, cmark_node_get_literal(node));
			break;
		case CMARK_NODE_CODE:
			html_str(&b, "<code style=\"font-family:" MONO ";"
			    "font-size:13px;color:" INK ";background-color:"
			    SHADE ";padding:0 3px\">");
			html_text(vs, &b, cmark_node_get_literal(node));
			html_str(&b, "</code>");
			break;
		case CMARK_NODE_SOFTBREAK:
			html_str(&b, "\n");
			break;
		case CMARK_NODE_LINEBREAK:
			html_str(&b, "<br>\n");
			break;
		case CMARK_NODE_EMPH:
			html_str(&b, enter ? "<em>" : "</em>");
			break;
		case CMARK_NODE_STRONG:
			html_str(&b, enter ? "<strong>" : "</strong>");
			break;
		case CMARK_NODE_LINK:
			url = subst_raw(vs, cmark_node_get_url(node));
			if (url[0] != '\0' && !url_unsafe(url)) {
				if (enter) {
					html_str(&b, "<a href=\"");
					html_url(&b, url);
					html_str(&b, "\" style=\"color:" ACCENT
					    ";text-decoration:underline\">");
				} else
					html_str(&b, "</a>");
			}
			free(url);
			break;
		default:
			/*
			 * document: its children; an image in a template: its
			 * description only (nothing remote); raw HTML: nothing
			 * (safe mode, as in the text part)
			 */
			break;
		}
	}
	cmark_iter_free(it);
	html_str(&b, html_tail);
	return buf_steal(&b, NULL);
}

/* ---- plain text ------------------------------------------------------ */

/*
 * The text/plain part: cmark's tree of the filled template written out as
 * plain text for people who read mail as text. Emphasis and code markers
 * go, block quotes keep "> " before each line (as mail quotes), list items
 * get "- " or "1. " and their further lines are indented to match, a link
 * is its text followed by " <url>" (unless the text is the address), an
 * image its description and address, a thematic break a line of dashes,
 * raw HTML nothing (as in the HTML part). Paragraphs are separated by a
 * blank line and filled again (the template's soft line breaks are
 * spaces, a value's line breaks stay); lines longer than
 * TEXT_COLS are wrapped at a space (a word longer than that stays whole),
 * but for code blocks and tables. The tree is walked with cmark's
 * iterator, not recursion, so a deeply nested template costs no stack;
 * quotes and items nested deeper than PLAIN_DEPTH add no further prefix.
 */
#define PLAIN_DEPTH	16

struct plain {
	struct buf	 b;
	const struct vals *vs;
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
	size_t		 col;		/* columns on the current line */
	size_t		 brk;		/* a space to break the line at, or 0 */
	int		 word;		/* the line has more than its prefix */
	int		 nowrap;	/* code and tables: lines as they are */
};

/* The columns a UTF-8 character takes: 0 for combining marks, 2 wide. */
static size_t
char_width(const unsigned char *p, size_t n, size_t *len)
{
	unsigned long c;

	if (p[0] < 0x80 || n < 2) {
		*len = 1;
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*len = 2;
		c = ((unsigned long)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	} else if ((p[0] & 0xf0) == 0xe0 && n >= 3) {
		*len = 3;
		c = ((unsigned long)(p[0] & 0x0f) << 12) |
		    ((unsigned long)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
	} else if ((p[0] & 0xf8) == 0xf0 && n >= 4) {
		*len = 4;
		c = ((unsigned long)(p[0] & 0x07) << 18) |
		    ((unsigned long)(p[1] & 0x3f) << 12) |
		    ((unsigned long)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	} else {
		*len = 1;
		return 1;
	}
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

static void
plain_nl(struct plain *pl)
{
	out_add(&pl->b, "\n", 1);
	pl->col = 0;
	pl->brk = 0;
	pl->word = 0;
}

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
	pl->col += pl->b.len - start;
}

/*
 * Text of one line (no LF), wrapped: past TEXT_COLS the last space of the
 * line becomes a line break, and the rest goes on under the prefixes.
 */
static void
plain_words(struct plain *pl, const char *s, size_t k)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + k;
	char *tail;
	size_t len, w, tlen, i;

	if (pl->nowrap) {
		out_add(&pl->b, s, k);
		return;
	}
	while (p < end) {
		w = char_width(p, (size_t)(end - p), &len);
		if (*p == ' ' && pl->word)
			pl->brk = pl->b.len;
		else if (*p != ' ')
			pl->word = 1;
		out_add(&pl->b, p, len);
		pl->col += w;
		p += len;
		if (pl->col <= TEXT_COLS || pl->brk == 0)
			continue;
		/* break at the space: what follows it starts a new line */
		tlen = pl->b.len - pl->brk - 1;
		tail = xmalloc(tlen + 1);
		memcpy(tail, pl->b.data + pl->brk + 1, tlen);
		out_cut(&pl->b, pl->brk);
		plain_nl(pl);
		plain_prefix(pl, 0);
		out_add(&pl->b, tail, tlen);
		for (i = 0; i < tlen; i += len)
			pl->col += char_width((unsigned char *)tail + i,
			    tlen - i, &len);
		pl->word = 1;
		free(tail);
	}
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
			plain_words(pl, s, k);
			pl->bol = 0;
		}
		if (nl == NULL)
			break;
		if (pl->bol && k == 0)
			plain_prefix(pl, 1);
		plain_nl(pl);
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

/* Template text: its own part as it is, the values put in raw. */
static void
plain_text(struct plain *pl, const char *s)
{
	char *t = subst_raw(pl->vs, s);

	plain_str(pl, t);
	free(t);
}

static void
plain_newline(struct plain *pl)
{
	if (!pl->bol) {
		plain_nl(pl);
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
		plain_nl(pl);
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

/* After a link's or image's text: " <url>", unless the text says it. */
static void
plain_link_end(struct plain *pl, cmark_node *node)
{
	char *url = subst_raw(pl->vs, cmark_node_get_url(node));
	const char *t;
	size_t n;

	if (url[0] == '\0' || url_unsafe(url))
		goto done;
	t = pl->b.data != NULL ? pl->b.data + pl->link_at : "";
	n = pl->b.len - pl->link_at;
	if ((strlen(url) == n && memcmp(url, t, n) == 0) ||
	    (strncmp(url, "mailto:", 7) == 0 && strlen(url + 7) == n &&
	    memcmp(url + 7, t, n) == 0))
		goto done;
	plain_str(pl, " <");
	plain_str(pl, url);
	plain_str(pl, ">");
done:
	free(url);
}

/* Display columns of [p, e). */
static size_t
cols(const char *p, const char *e)
{
	size_t w = 0, len;

	while (p < e) {
		w += char_width((const unsigned char *)p, (size_t)(e - p),
		    &len);
		p += len;
	}
	return w;
}

/* The facts as aligned lines, "Status:    open". */
static void
plain_facts(struct plain *pl, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0, w, wmax = 0;

	while (next_line(v, &pos, &ls, &le)) {
		w = cols(ls, cell_end(ls, le));
		if (w > wmax)
			wmax = w;
	}
	pos = 0;
	while (next_line(v, &pos, &ls, &le)) {
		c = cell_end(ls, le);
		plain_put(pl, ls, (size_t)(c - ls));
		if (c < le) {
			plain_put(pl, ":", 1);
			for (w = cols(ls, c); w < wmax + 2; w++)
				plain_put(pl, " ", 1);
			plain_put(pl, c + 1, (size_t)(le - c - 1));
		}
		plain_put(pl, "\n", 1);
	}
}

/* A transcript: "command — result", a line each. */
static void
plain_rows(struct plain *pl, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0;

	while (next_line(v, &pos, &ls, &le)) {
		c = cell_end(ls, le);
		plain_put(pl, ls, (size_t)(c - ls));
		if (c < le) {
			plain_str(pl, " \xe2\x80\x94 ");
			plain_put(pl, c + 1, (size_t)(le - c - 1));
		}
		plain_put(pl, "\n", 1);
	}
}

/* The images: their names (the HTML part shows them). */
static void
plain_images(struct plain *pl, const char *v)
{
	const char *ls, *le, *c;
	size_t pos = 0;
	int n = 0;

	while (next_line(v, &pos, &ls, &le)) {
		c = cell_end(ls, le);
		if (c == le || !cid_ok(ls, c))
			continue;
		plain_str(pl, n++ == 0 ? "Pictures (shown in the HTML part): " :
		    ", ");
		plain_put(pl, c + 1, (size_t)(le - c - 1));
	}
}

static void
plain_block_value(struct plain *pl, size_t idx)
{
	const char *v = pl->vs->v[idx] != NULL ? pl->vs->v[idx] : "";

	switch (pl->vs->kind[idx]) {
	case K_FACTS:
		pl->nowrap = 1;
		plain_facts(pl, v);
		pl->nowrap = 0;
		break;
	case K_ROWS:
		plain_rows(pl, v);
		break;
	case K_IMAGES:
		plain_images(pl, v);
		break;
	default:
		plain_str(pl, v);
	}
}

/* The plain text of a parsed document. New string. */
static char *
plain_render(const struct vals *vs, cmark_node *doc)
{
	struct plain pl;
	cmark_iter *it;
	cmark_event_type ev;
	cmark_node *node;
	char *lit;
	size_t n, idx;
	int enter;

	memset(&pl, 0, sizeof(pl));
	buf_init(&pl.b, TEMPLATE_OUT_MAX);
	pl.vs = vs;
	pl.bol = 1;
	it = cmark_iter_new(doc);
	if (it == NULL)
		fatalx("template: cmark_iter_new failed");
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		enter = ev == CMARK_EVENT_ENTER;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_PARAGRAPH:
			if (enter)
				plain_block(&pl);
			if (enter && block_value(vs, node, &idx)) {
				/* its exit is skipped: the block ends here */
				plain_block_value(&pl, idx);
				cmark_iter_reset(it, node, CMARK_EVENT_EXIT);
				plain_block_end(&pl, node);
			} else if (!enter)
				plain_block_end(&pl, node);
			break;
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
			lit = subst_raw(vs, cmark_node_get_literal(node));
			n = strlen(lit);
			if (n > 0 && lit[n - 1] == '\n')
				n--;
			pl.nowrap = 1;
			plain_put(&pl, lit, n);
			pl.nowrap = 0;
			free(lit);
			plain_block_end(&pl, node);
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			plain_block(&pl);
			plain_str(&pl, "----------");
			plain_block_end(&pl, node);
			break;
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			plain_text(&pl, cmark_node_get_literal(node));
			break;
		case CMARK_NODE_SOFTBREAK:
			/* the paragraph is filled again to TEXT_COLS */
			plain_put(&pl, " ", 1);
			break;
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

/* The template with any placeholder character of its own made U+FFFD. */
static char *
defang(const char *tpl)
{
	struct buf b;
	const char *p;

	buf_init(&b, TEMPLATE_OUT_MAX);
	for (p = tpl; *p != '\0'; p++) {
		if (strncmp(p, TOK_OPEN, TOK_LEN) == 0 ||
		    strncmp(p, TOK_CLOSE, TOK_LEN) == 0) {
			out_add(&b, "\xef\xbf\xbd", 3);
			p += TOK_LEN - 1;
		} else
			out_add(&b, p, 1);
	}
	if (b.data == NULL)
		out_add(&b, "", 0);
	return buf_steal(&b, NULL);
}

void
template_render(const char *tpl, const struct template_var *vars,
    size_t nvars, char **text, char **html)
{
	struct template_var *tv;
	struct vals vs;
	cmark_node *doc;
	char *md, *safe;
	size_t i;

	vals_init(&vs, vars, nvars);
	/* the fill sees the values as the renderers will (LF, no end) */
	tv = xcalloc(nvars > 0 ? nvars : 1, sizeof(*tv));
	for (i = 0; i < nvars; i++) {
		tv[i] = vars[i];
		tv[i].value = vs.v[i];
	}
	safe = defang(tpl);
	md = fill(safe, tv, nvars, FILL_TOKEN);
	free(safe);
	free(tv);
	/* CMARK_OPT_DEFAULT is safe mode: raw HTML and javascript: URLs out. */
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	free(md);
	if (doc == NULL)
		fatalx("template: cmark_parse_document failed");
	*html = html_render(&vs, doc);
	*text = plain_render(&vs, doc);
	cmark_node_free(doc);
	vals_clear(&vs);
}

/* The line of tpl (from 1) that holds offset off. */
static int
line_of(const char *tpl, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off && tpl[i] != '\0'; i++)
		if (tpl[i] == '\n')
			line++;
	return line;
}

static int
known(const char *const *names, const char *name, size_t len)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return 1;
	return 0;
}

/*
 * Where in tpl is what would show as "{{": an unknown placeholder, or two
 * braces that are no placeholder (with backslashes between or before
 * them). The line, or 0 when none is found.
 */
static int
find_braces(const char *tpl, const char *const *names)
{
	const char *p, *q, *name;
	size_t namelen;

	for (p = tpl; *p != '\0'; p++) {
		if (strncmp(p, TOK_OPEN, TOK_LEN) == 0 ||
		    strncmp(p, TOK_CLOSE, TOK_LEN) == 0)
			return line_of(tpl, (size_t)(p - tpl));
		if (*p != '{')
			continue;
		q = p + 1;
		while (*q == '\\')
			q++;
		if (*q != '{')
			continue;
		if (q == p + 1) {
			/* "{{": a placeholder we know? */
			q += 1;
			while (*q == ' ' || *q == '\t')
				q++;
			name = q;
			while (is_name_char(*q))
				q++;
			namelen = (size_t)(q - name);
			while (*q == ' ' || *q == '\t')
				q++;
			if (namelen > 0 && q[0] == '}' && q[1] == '}' &&
			    known(names, name, namelen)) {
				p = q + 1;
				continue;
			}
		}
		return line_of(tpl, (size_t)(p - tpl));
	}
	return 0;
}

int
template_check_line(const char *tpl, const char *const *names, int *line,
    char *err, size_t errsz)
{
	struct template_var *v;
	struct buf list;
	char *text, *html, shown[64];
	const char *at, *e;
	size_t n, i;
	int pass, rc = 0;

	*line = 0;
	for (n = 0; names[n] != NULL; n++)
		;
	if (strstr(tpl, TOK_OPEN) != NULL || strstr(tpl, TOK_CLOSE) != NULL) {
		*line = find_braces(tpl, names);
		snprintf(err, errsz, "holds U+E000 or U+E001, which the desk "
		    "keeps for its placeholders");
		return -1;
	}
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
			*line = find_braces(tpl, names);
			rc = -1;
		}
		free(text);
		free(html);
	}
	free(v);
	return rc;
}

int
template_check(const char *tpl, const char *const *names, char *err,
    size_t errsz)
{
	char why[512];
	int line;

	if (template_check_line(tpl, names, &line, why, sizeof(why)) == 0)
		return 0;
	if (line > 0)
		snprintf(err, errsz, "line %d: %s", line, why);
	else
		snprintf(err, errsz, "%s", why);
	return -1;
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
