/*
 * web_pages.h — the pages of the status page, rendered from the
 * templates in templates/web/ (html.h) with data from db_web.c and
 * stats.c. No libmicrohttpd here: web.c parses the request, checks the
 * key, picks the page, and turns a struct web_reply into a response.
 *
 * Every page function fills *reply (status, type, body) and returns 0;
 * errors become an error page in the reply.
 */
#ifndef TICKETD_WEB_PAGES_H
#define TICKETD_WEB_PAGES_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "stats.h"
#include "web_stats.h"

struct config;
struct db;

/* Query parameters: at most this many, each value at most this long. */
#define WEB_MAX_ARGS		16
#define WEB_MAX_ARG_BYTES	320
/* Longest search query. */
#define WEB_MAX_QUERY_BYTES	200
/* Tickets on one page of the list, and the last page one may ask for. */
#define WEB_PAGE_SIZE		50
#define WEB_MAX_PAGE		10000
/* Largest page or JSON answer built (a bug or a monster ticket beyond). */
#define WEB_MAX_BODY_BYTES	(16 * 1024 * 1024)

/* What stays the same for every request (set up once by web.c). */
struct web_site {
	const struct config *cfg;
	const unsigned char *secret;	/* WEBLINK_SECRET_LEN bytes */
	const char	*prefix;	/* path of base_url: "" or "/desk" */
	const char	*version;
	struct web_stats *stats;	/* the figures, shared (web_stats.h) */
};

struct web_arg {
	const char	*name;
	const char	*value;		/* decoded; may hold any byte */
	size_t		 len;
};

/* One request, as web.c checked it. */
struct web_ctx {
	const struct web_site *site;
	struct db	*db;		/* read-only */
	struct web_snap	*snap;		/* the figures taken, or NULL (web.c
					 * puts them back after the page) */
	time_t		 now;
	const struct web_arg *args;	/* the query, names unique */
	size_t		 nargs;
	/* access, from the key (k=) */
	int		 desk;		/* a valid desk key */
	long long	 ticket;	/* what a ticket key opens, or 0 */
	const char	*key;		/* the valid key, to carry in links */
	int		 bad_key;	/* a key was given and is no good */
};

struct web_reply {
	int		 status;	/* 200, 400, 403, 404, 500, 503 */
	const char	*type;		/* Content-Type */
	struct buf	 body;		/* max WEB_MAX_BODY_BYTES */
	char		*disposition;	/* Content-Disposition, or NULL */
	const char	*cache;		/* Cache-Control */
};

void	web_reply_init(struct web_reply *);
void	web_reply_clear(struct web_reply *);

/* The value of query parameter name (len in *len), or NULL. */
const char *web_arg(const struct web_ctx *, const char *name, size_t *len);

void	web_page_dashboard(struct web_ctx *, struct web_reply *);
/* The list and search (json: /api/tickets.json). Needs the desk key. */
void	web_page_tickets(struct web_ctx *, struct web_reply *, int json);
/* One ticket (json: /api/tickets/N.json). Needs its key or the desk's. */
void	web_page_ticket(struct web_ctx *, long long number,
	    struct web_reply *, int json);
/* An attachment's bytes: safe images inline, anything else a download. */
void	web_page_attachment(struct web_ctx *, long long number,
	    long long id, struct web_reply *);
/* The knowledge base (web_kb.c), open to all: the list and search, one
 * article (404 when withdrawn), an image of an article. */
void	web_page_kb(struct web_ctx *, struct web_reply *);
void	web_page_article(struct web_ctx *, long long id, struct web_reply *);
void	web_page_kb_image(struct web_ctx *, long long id, long long img,
	    struct web_reply *);
/* IT assets (web_assets.c), for the desk key: the list with its filters
 * (type, status, owner, warranty = days until it ends), one asset by
 * tag. */
void	web_page_assets(struct web_ctx *, struct web_reply *);
void	web_page_asset(struct web_ctx *, const char *tag, struct web_reply *);
/* The dashboard's devices with the most tickets in 90 days: HTML onto b
 * ("" when there are none). 0, or -1 when it does not fit. */
int	web_assets_top(struct web_ctx *, struct buf *b);
void	web_page_metrics(struct web_ctx *, struct web_reply *);
void	web_page_stats_json(struct web_ctx *, struct web_reply *);
void	web_page_healthz(struct web_ctx *, struct web_reply *);
void	web_page_style(struct web_reply *);
/* An HTML error page (status 4xx/5xx) with a short text. */
void	web_page_error(struct web_ctx *, struct web_reply *, int status,
	    const char *text);

/*
 * Pure helpers, exposed for the tests.
 */

/*
 * The type of an image by its first bytes: "image/png", "image/jpeg",
 * "image/gif" or "image/webp" — the raster formats a browser shows
 * without running anything — or NULL for anything else (SVG, HTML, …).
 */
const char *web_image_type(const unsigned char *p, size_t len);

/*
 * A Content-Disposition value (RFC 6266) for filename: type ("inline" or
 * "attachment"), an ASCII filename="…" with anything unsafe replaced by
 * '_' (no quotes, backslashes, slashes, control characters; no leading
 * dot; at most 100 bytes; "attachment" when nothing is left), and, when
 * the name is not plain ASCII, filename*=UTF-8''… percent-encoded (RFC
 * 8187). The name is cut to its last path component first. New string.
 */
char	*web_disposition(const char *type, const char *filename);

/*
 * The list's query parameters (status, priority, category, admin, page,
 * q) checked and turned into *f (its strings borrowed from ctx->args, but
 * f->fts, which is also put in *fts for the caller to free). 0, or -1
 * with a static *why (the page answers 400).
 */
struct db_web_filter;
int	web_list_filter(const struct web_ctx *ctx, struct db_web_filter *f,
	    char **fts, const char **why);

#endif
