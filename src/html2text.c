/*
 * html2text.c — HTML to plain text with libxml2, walked without recursion.
 *
 * Quoted mail comes out as "> "-prefixed lines ("> > " when nested), so
 * quote_strip() can drop it from a comment while the whole text still
 * shows it. Quote containers: every <blockquote> (Apple Mail's and
 * Thunderbird's type="cite", Gmail's class="gmail_quote"), <div
 * class="gmail_quote"> (with its "gmail_attr" attribution inside),
 * <div class="moz-cite-prefix"> (Thunderbird's attribution), <div
 * class="yahoo_quoted">. Gmail's blockquote directly under its quote div
 * (no other quote between them) adds no second level, so a Gmail reply
 * reads "> On … wrote:" / "> text" like its plain-text part. Outlook on
 * the web marks where the quoted mail starts with <div id="appendonsend">
 * and <div id="divRplyFwdMsg"> (after an <hr>, which has no text): from
 * either on, everything to the end of the document is quoted one level
 * deeper. Blank lines between quoted lines are ">" lines; a blank line
 * between quoted and unquoted text is empty. Levels past QUOTE_LEVEL_MAX
 * are shown at that level.
 *
 * Thunderbird's signature (class="moz-signature", a <pre> whose line
 * breaks this converter does not keep) starts with a "--" line of its
 * own, so quote_strip() finds it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "buf.h"
#include "html2text.h"
#include "limits.h"
#include "xmalloc.h"

/* deeper quotes are shown at this level (a line's prefix stays short) */
#define QUOTE_LEVEL_MAX	LIMIT_QUOTE_LEVEL

/* an open quote element: the level it added, its kind */
#define Q_LEVEL		0x01
#define Q_GMAIL_DIV	0x02

struct qopen {
	const xmlNode	*node;
	unsigned char	 kind;
};

struct out {
	struct buf	 b;
	int		 nl;	/* line ends owed before the next text */
	int		 space;	/* a space is owed before the next word */
	int		 bol;	/* the next text starts a line */
	int		 depth;	/* quote level of text now */
	int		 line_depth;	/* quote level of the last line written */
	int		 rest;	/* 1 from Outlook's reply header to the end */
	int		 sigdash;	/* swallow a "--" word: already written */
	struct qopen	*qstack;	/* one entry per open quote element */
	size_t		 qlen, qcap;
};

static int
name_is(const xmlNode *n, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcasecmp((const char *)n->name, *names) == 0)
			return 1;
	return 0;
}

static const char *const skip_tags[] = { "script", "style", "head", "title",
	"noscript", "template", NULL };
static const char *const block_tags[] = { "p", "div", "table", "tr", "ul",
	"ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
	"blockquote", "section", "article", "header", "footer", "hr", "li",
	"address", "center", "form", "fieldset", NULL };

static void
newline(struct out *o, int want)
{
	if (o->b.len == 0 && o->nl == 0)
		return;
	if (o->nl < want)
		o->nl = want;
	o->space = 0;
}

/* "> " per level; for a blank line without the last space. */
static void
add_prefix(struct out *o, int level, int blank)
{
	int i;

	for (i = 0; i < level; i++)
		buf_add(&o->b, blank && i == level - 1 ? ">" : "> ",
		    blank && i == level - 1 ? 1 : 2);
}

/*
 * Write s[0..n) as text: first the line ends owed (blank lines between
 * two quoted lines are quoted at the lower level), then the quote prefix
 * if a line starts. The prefix and the text go in whole or not at all.
 */
static void
emit(struct out *o, const char *s, size_t n)
{
	int level, blank;

	level = o->depth + o->rest;
	if (level > QUOTE_LEVEL_MAX)
		level = QUOTE_LEVEL_MAX;
	if (o->nl > 0) {
		buf_addch(&o->b, '\n');
		blank = o->line_depth < level ? o->line_depth : level;
		for (; o->nl > 1; o->nl--) {
			add_prefix(o, blank, 1);
			buf_addch(&o->b, '\n');
		}
		o->nl = 0;
		o->bol = 1;
	}
	if (o->bol) {
		if (n > o->b.max || o->b.len > o->b.max - n ||
		    (size_t)level * 2 > o->b.max - o->b.len - n)
			return;
		add_prefix(o, level, 0);
		o->bol = 0;
		o->line_depth = level;
	}
	buf_add(&o->b, s, n);
}

static void
text(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start;

	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f') {
			o->space = 1;
			p++;
			continue;
		}
		start = 0;
		while (p[start] != '\0' && p[start] != ' ' && p[start] != '\t' &&
		    p[start] != '\n' && p[start] != '\r' && p[start] != '\f')
			start++;
		if (o->sigdash) {
			o->sigdash = 0;
			if (start == 2 && p[0] == '-' && p[1] == '-') {
				p += start;
				continue;
			}
		}
		if (o->space && o->nl == 0 && !o->bol)
			buf_addch(&o->b, ' ');
		emit(o, (const char *)p, start);
		o->space = 0;
		p += start;
	}
}

/* Does the attribute hold word as one of its space-separated tokens? */
static int
attr_has(const xmlNode *n, const char *attr, const char *word)
{
	xmlChar *v;
	const char *p;
	size_t wl = strlen(word), k;
	int found = 0;

	v = xmlGetProp(n, (const xmlChar *)attr);
	if (v == NULL)
		return 0;
	for (p = (const char *)v; *p != '\0' && !found; p += k) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f')
			p++;
		for (k = 0; p[k] != '\0' && p[k] != ' ' && p[k] != '\t' &&
		    p[k] != '\n' && p[k] != '\r' && p[k] != '\f'; k++)
			;
		if (k == wl && strncasecmp(p, word, wl) == 0)
			found = 1;
	}
	xmlFree(v);
	return found;
}

/*
 * Is n a quote container? Returns its stack entry (Q_* bits, at least
 * one set) or 0.
 */
static unsigned char
quote_kind(const struct out *o, const xmlNode *n)
{
	if (strcasecmp((const char *)n->name, "blockquote") == 0) {
		if (o->qlen > 0 && (o->qstack[o->qlen - 1].kind & Q_GMAIL_DIV) &&
		    attr_has(n, "class", "gmail_quote"))
			return Q_GMAIL_DIV;	/* no second level */
		return Q_LEVEL;
	}
	if (strcasecmp((const char *)n->name, "div") != 0)
		return 0;
	if (attr_has(n, "class", "gmail_quote"))
		return Q_LEVEL | Q_GMAIL_DIV;
	if (attr_has(n, "class", "moz-cite-prefix") ||
	    attr_has(n, "class", "yahoo_quoted"))
		return Q_LEVEL;
	return 0;
}

static int
is_quote_elem(const xmlNode *n)
{
	return strcasecmp((const char *)n->name, "blockquote") == 0 ||
	    strcasecmp((const char *)n->name, "div") == 0;
}

static void
enter(struct out *o, const xmlNode *n)
{
	unsigned char q;

	if (strcasecmp((const char *)n->name, "br") == 0) {
		o->nl++;
		o->space = 0;
	} else if (strcasecmp((const char *)n->name, "li") == 0) {
		newline(o, 1);
		emit(o, "- ", 2);
	} else if (strcasecmp((const char *)n->name, "td") == 0 ||
	    strcasecmp((const char *)n->name, "th") == 0)
		o->space = 1;
	else if (name_is(n, block_tags))
		newline(o, strcasecmp((const char *)n->name, "div") == 0 ? 1 : 2);
	if (attr_has(n, "class", "moz-signature")) {
		/* Thunderbird's signature: "-- " on a line of its own */
		newline(o, 1);
		emit(o, "--", 2);
		newline(o, 1);
		o->sigdash = 1;
	}
	if (!is_quote_elem(n))
		return;
	if (strcasecmp((const char *)n->name, "div") == 0 &&
	    (attr_has(n, "id", "divRplyFwdMsg") ||
	    attr_has(n, "id", "appendonsend")))
		o->rest = 1;
	q = quote_kind(o, n);
	if (q == 0)
		return;
	if (o->qlen == o->qcap) {
		o->qcap = o->qcap == 0 ? 16 : o->qcap * 2;
		o->qstack = xreallocarray(o->qstack, o->qcap,
		    sizeof(*o->qstack));
	}
	o->qstack[o->qlen].node = n;
	o->qstack[o->qlen].kind = q;
	o->qlen++;
	if (q & Q_LEVEL)
		o->depth++;
}

static void
leave(struct out *o, const xmlNode *n)
{
	xmlChar *href;

	if (strcasecmp((const char *)n->name, "a") == 0) {
		href = xmlGetProp(n, (const xmlChar *)"href");
		if (href != NULL && strncasecmp((char *)href, "mailto:", 7) != 0 &&
		    href[0] != '#' && href[0] != '\0') {
			o->space = 1;
			text(o, "<");
			o->space = 0;
			text(o, (const char *)href);
			text(o, ">");
		}
		xmlFree(href);
	} else if (name_is(n, block_tags))
		newline(o, strcasecmp((const char *)n->name, "div") == 0 ||
		    strcasecmp((const char *)n->name, "li") == 0 ? 1 : 2);
	if (o->qlen > 0 && o->qstack[o->qlen - 1].node == n) {
		if (o->qstack[o->qlen - 1].kind & Q_LEVEL)
			o->depth--;
		o->qlen--;
	}
}

char *
html2text(const char *html, size_t len, size_t max)
{
	struct out o;
	htmlDocPtr doc;
	xmlNode *n, *root;
	char *s;
	size_t end;

	memset(&o, 0, sizeof(o));
	buf_init(&o.b, max);
	o.bol = 1;
	if (len > INT_MAX)
		len = INT_MAX;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |
	    HTML_PARSE_NOBLANKS);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	for (n = root; n != NULL; ) {
		if (n->type == XML_ELEMENT_NODE && !name_is(n, skip_tags)) {
			enter(&o, n);
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
			leave(&o, n);
		} else if (n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE)
			text(&o, (const char *)n->content);
		/* next sibling, or climb to a parent's */
		while (n != root && n->next == NULL) {
			n = n->parent;
			if (n->type == XML_ELEMENT_NODE)
				leave(&o, n);
		}
		n = n == root ? NULL : n->next;
	}
	xmlFreeDoc(doc);
	free(o.qstack);
	end = o.b.len;
	while (end > 0 && (o.b.data[end - 1] == '\n' || o.b.data[end - 1] == ' '))
		end--;
	s = xstrndup(o.b.data != NULL ? o.b.data : "", end);
	buf_clear(&o.b);
	return s;
}

size_t
html_image_refs(const char *html, size_t len, size_t max,
    void (*fn)(const char *value, void *arg), void *arg)
{
	static const char *const attrs[] = { "src", "background" };
	htmlDocPtr doc;
	xmlNode *n, *root;
	xmlChar *v;
	size_t found = 0, i;

	if (len > INT_MAX)
		len = INT_MAX;
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	for (n = root; n != NULL && found < max; ) {
		if (n->type == XML_ELEMENT_NODE) {
			for (i = 0; i < 2 && found < max; i++) {
				v = xmlGetProp(n, (const xmlChar *)attrs[i]);
				if (v != NULL) {
					fn((const char *)v, arg);
					found++;
					xmlFree(v);
				}
			}
			if (n->children != NULL) {
				n = n->children;
				continue;
			}
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
	xmlFreeDoc(doc);
	return found;
}
