/*
 * html2text.c — HTML to plain text with libxml2, walked without recursion.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "buf.h"
#include "html2text.h"
#include "xmalloc.h"

struct out {
	struct buf	 b;
	int		 nl;	/* newlines at the end of the output */
	int		 space;	/* a space is owed before the next word */
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
	if (o->b.len == 0)
		return;
	while (o->nl < want) {
		buf_addch(&o->b, '\n');
		o->nl++;
	}
	o->space = 0;
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
		if (o->space && o->nl == 0 && o->b.len > 0)
			buf_addch(&o->b, ' ');
		buf_add(&o->b, p, start);
		o->nl = 0;
		o->space = 0;
		p += start;
	}
}

static void
enter(struct out *o, const xmlNode *n)
{
	if (strcasecmp((const char *)n->name, "br") == 0) {
		buf_addch(&o->b, '\n');
		o->nl++;
		o->space = 0;
	} else if (strcasecmp((const char *)n->name, "li") == 0) {
		newline(o, 1);
		buf_addstr(&o->b, "- ");
		o->nl = 0;
	} else if (strcasecmp((const char *)n->name, "td") == 0 ||
	    strcasecmp((const char *)n->name, "th") == 0)
		o->space = 1;
	else if (name_is(n, block_tags))
		newline(o, strcasecmp((const char *)n->name, "div") == 0 ? 1 : 2);
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
	end = o.b.len;
	while (end > 0 && (o.b.data[end - 1] == '\n' || o.b.data[end - 1] == ' '))
		end--;
	s = xstrndup(o.b.data != NULL ? o.b.data : "", end);
	buf_clear(&o.b);
	return s;
}
