/*
 * web_kb.c — the knowledge base on the status page, open to everyone who
 * reaches it (the articles are meant for all employees; no key):
 *
 *   /kb                 published articles by category; ?q= searches them
 *                       (FTS5, bm25, highlighted snippets), ?category=
 *                       shows one category
 *   /kb/N               article N: its Markdown rendered by cmark in safe
 *                       mode (template_article_html: raw HTML dropped),
 *                       its images below
 *   /kb/N/img/ID        an image of a published article, only a safe
 *                       raster image inline, anything else a download
 *
 * A withdrawn article is 404, like one that never was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "db.h"
#include "db_kb.h"
#include "db_web.h"
#include "html.h"
#include "template.h"
#include "web_impl.h"
#include "web_pages.h"
#include "xmalloc.h"

/* Generated from templates/web/ by the Makefile (contrib/embed.sh). */
extern const char web_tpl_kb_html[];
extern const char web_tpl_article_html[];

/* Articles shown on one list page. */
#define KB_LIST_MAX	500

struct kbl {
	const struct web_ctx *ctx;
	struct out	 o;
	int		 n;
	int		 search;
	char		*cat;		/* the heading last written */
};

static void
article_link(struct out *o, const struct web_ctx *ctx, long long id,
    const char *title)
{
	char path[64];

	snprintf(path, sizeof(path), "/kb/%lld", id);
	wp_raw(o, "<a ");
	wp_href(o, ctx, 0, path, NULL);
	wp_raw(o, ">");
	wp_text(o, title);
	wp_raw(o, "</a>");
}

/* The top level of a category: "hardware/printer" → "hardware". */
static char *
top(const char *cat)
{
	const char *slash;

	if (cat == NULL || cat[0] == '\0')
		return xstrdup("other");
	slash = strchr(cat, '/');
	return slash != NULL ? xstrndup(cat, (size_t)(slash - cat)) :
	    xstrdup(cat);
}

static void
row_cb(const struct db_kb_row *a, void *arg)
{
	struct kbl *k = arg;
	char t[64], *c;

	if (!k->search) {
		/* by category: a heading where the category changes */
		c = top(a->category);
		if (k->cat == NULL || strcasecmp(k->cat, c) != 0) {
			if (k->cat != NULL)
				wp_raw(&k->o, "</ul></div>\n");
			wp_raw(&k->o, "<div class=\"card\"><h2>");
			wp_text(&k->o, c);
			wp_raw(&k->o, "</h2><ul class=\"kb\">");
			free(k->cat);
			k->cat = c;
		} else
			free(c);
	} else if (k->n == 0)
		wp_raw(&k->o, "<div class=\"card\"><ul class=\"kb\">");
	k->n++;
	wp_raw(&k->o, "<li>");
	article_link(&k->o, k->ctx, a->id, a->title);
	if (a->category != NULL) {
		wp_raw(&k->o, " <span class=\"pill\">");
		wp_text(&k->o, a->category);
		wp_raw(&k->o, "</span>");
	}
	wp_raw(&k->o, " <span class=\"who\">");
	wp_text(&k->o, wp_time(t, sizeof(t), a->updated_at));
	wp_raw(&k->o, "</span>");
	if (a->snippet != NULL) {
		wp_raw(&k->o, "<br><span class=\"snip\">");
		if (!k->o.err && html_snippet(k->o.b, a->snippet,
		    strlen(a->snippet)) == -1)
			k->o.err = 1;
		wp_raw(&k->o, "</span>");
	}
	wp_raw(&k->o, "</li>\n");
}

struct cats {
	struct out	 o;
	const char	*sel;
};

static void
cat_cb(const char *c, long long n, void *arg)
{
	struct cats *cs = arg;

	wp_raw(&cs->o, "<option value=\"");
	wp_text(&cs->o, c);
	wp_raw(&cs->o, cs->sel != NULL && strcasecmp(cs->sel, c) == 0 ?
	    "\" selected>" : "\">");
	wp_text(&cs->o, c);
	wp_printf(&cs->o, " (%lld)</option>", n);
}

void
web_page_kb(struct web_ctx *ctx, struct web_reply *r)
{
	const char *q = wp_arg(ctx, "q"), *cat = wp_arg(ctx, "category");
	struct buf list, cats;
	struct cats cs;
	struct kbl k;
	char *fts = NULL, count[128], action[512];
	int rc;

	if (q != NULL && strlen(q) > WEB_MAX_QUERY_BYTES) {
		web_page_error(ctx, r, 400, "The search is too long.");
		return;
	}
	if (cat != NULL && strlen(cat) > 64) {
		web_page_error(ctx, r, 400, "That is not a category.");
		return;
	}
	if (q != NULL)
		fts = db_web_fts_query(q, strlen(q));
	buf_init(&list, WEB_MAX_BODY_BYTES);
	buf_init(&cats, 256 * 1024);
	memset(&k, 0, sizeof(k));
	k.ctx = ctx;
	k.o.b = &list;
	k.search = fts != NULL;
	memset(&cs, 0, sizeof(cs));
	cs.o.b = &cats;
	cs.sel = cat;
	wp_raw(&cs.o, "<option value=\"\">All categories</option>");
	rc = db_kb_categories(ctx->db, cat_cb, &cs);
	if (rc == DB_OK && (q == NULL || fts != NULL))
		rc = db_kb_each(ctx->db, cat, fts, 0, KB_LIST_MAX, row_cb, &k);
	free(fts);
	free(k.cat);
	if (rc != DB_OK) {
		buf_clear(&list);
		buf_clear(&cats);
		wp_db_failed(ctx, r, rc);
		return;
	}
	if (k.n == 0)
		wp_raw(&k.o, q != NULL || cat != NULL ? "<p class=\"empty "
		    "card\">No answer matches.</p>" : "<p class=\"empty "
		    "card\">Nothing published yet. An admin publishes a "
		    "solved ticket with /publish.</p>");
	else
		wp_raw(&k.o, "</ul></div>");
	if (q != NULL)
		snprintf(count, sizeof(count), "%d answer%s match%s", k.n,
		    k.n == 1 ? "" : "s", k.n == 1 ? "es" : "");
	else
		snprintf(count, sizeof(count), "Answers the IT desk published "
		    "from solved tickets: %d", k.n);
	snprintf(action, sizeof(action), "%s/kb", ctx->site->prefix);
	if (!k.o.err && !cs.o.err) {
		const struct html_var v[] = {
			{ "count", count, 0 },
			{ "action", action, 0 },
			{ "q", q != NULL ? q : "", 0 },
			{ "categories", cats.data, 1 },
			{ "articles", list.data, 1 },
		};

		wp_render(ctx, r, "Knowledge base", NAV_KB, web_tpl_kb_html, v,
		    sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The list is too large.");
	buf_clear(&list);
	buf_clear(&cats);
}

struct imgs {
	const struct web_ctx *ctx;
	long long	 id;
	struct out	 o;
	int		 n;
};

static void
img_cb(const struct db_kb_image *im, void *arg)
{
	struct imgs *g = arg;
	char path[96];

	if (g->n++ == 0)
		wp_raw(&g->o, "<div class=\"card images\">");
	snprintf(path, sizeof(path), "/kb/%lld/img/%lld", g->id,
	    im->attachment_id);
	wp_raw(&g->o, "<figure><img ");
	wp_src(&g->o, g->ctx, 0, path, NULL);
	wp_raw(&g->o, " alt=\"");
	wp_text(&g->o, im->filename);
	wp_raw(&g->o, "\" loading=\"lazy\"><figcaption>");
	wp_text(&g->o, im->filename);
	wp_raw(&g->o, "</figcaption></figure>");
}

void
web_page_article(struct web_ctx *ctx, long long id, struct web_reply *r)
{
	struct db_kb_article a;
	struct buf imgs;
	struct imgs g;
	char *html, meta[512], upd[64], back[512];
	int rc;

	rc = db_kb_get(ctx->db, id, &a);
	if (rc == 1 || (rc == DB_OK && strcmp(a.status, "published") != 0)) {
		if (rc == DB_OK)
			db_kb_article_clear(&a);
		web_page_error(ctx, r, 404, "There is no such article.");
		return;
	}
	if (rc != DB_OK) {
		wp_db_failed(ctx, r, rc);
		return;
	}
	buf_init(&imgs, WEB_MAX_BODY_BYTES);
	memset(&g, 0, sizeof(g));
	g.ctx = ctx;
	g.id = id;
	g.o.b = &imgs;
	if ((rc = db_kb_images(ctx->db, id, img_cb, &g)) != DB_OK) {
		buf_clear(&imgs);
		db_kb_article_clear(&a);
		wp_db_failed(ctx, r, rc);
		return;
	}
	if (g.n > 0)
		wp_raw(&g.o, "</div>");
	html = template_article_html(a.body, strlen(a.body));
	snprintf(meta, sizeof(meta), "Article %lld%s%s · version %d · "
	    "updated %s", a.id, a.category != NULL ? " · " : "",
	    a.category != NULL ? a.category : "", a.version,
	    wp_time(upd, sizeof(upd), a.updated_at));
	snprintf(back, sizeof(back), "%s/kb", ctx->site->prefix);
	if (!g.o.err) {
		const struct html_var v[] = {
			{ "title", a.title, 0 },
			{ "meta", meta, 0 },
			{ "body", html, 1 },
			{ "images", imgs.data, 1 },
			{ "back", back, 0 },
		};

		wp_render(ctx, r, a.title, NAV_KB, web_tpl_article_html, v,
		    sizeof(v) / sizeof(v[0]));
	} else
		web_page_error(ctx, r, 500, "The article is too large.");
	free(html);
	buf_clear(&imgs);
	db_kb_article_clear(&a);
}

void
web_page_kb_image(struct web_ctx *ctx, long long id, long long img,
    struct web_reply *r)
{
	const char *type;
	char *data = NULL, *name = NULL;
	size_t len = 0;
	int rc;

	rc = db_kb_image_data(ctx->db, id, img, &data, &len, &name);
	if (rc == 1) {
		web_page_error(ctx, r, 404, "There is no such image.");
		return;
	}
	if (rc != DB_OK) {
		wp_db_failed(ctx, r, rc);
		return;
	}
	type = web_image_type((const unsigned char *)data, len);
	buf_reset(&r->body);
	if (buf_add(&r->body, data, len) == -1)
		web_page_error(ctx, r, 500, "The image is too large.");
	else {
		/* only a safe raster image is shown; the rest downloads */
		r->type = type != NULL ? type : "application/octet-stream";
		r->disposition = web_disposition(type != NULL ? "inline" :
		    "attachment", name);
		r->cache = "public, max-age=3600";
	}
	free(data);
	free(name);
}
