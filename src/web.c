/*
 * web.c — the libmicrohttpd adapter of the status page (see web.h):
 * routing, query parameters, keys, security headers, and the pool of
 * read-only database connections.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "config.h"
#include "db.h"
#include "db_web.h"
#include "json.h"
#include "log.h"
#include "web.h"
#include "web_pages.h"
#include "web_req.h"
#include "weblink.h"
#include "xmalloc.h"

#ifndef TICKETD_VERSION
#define TICKETD_VERSION "0.1"
#endif

/* Where nothing is loaded from anywhere but ourselves; no script at all. */
#define CSP_PAGE	"default-src 'none'; style-src 'self'; " \
			"img-src 'self'; form-action 'self'; " \
			"base-uri 'none'; frame-ancestors 'none'"
/* An attachment is data: nothing in it may run or load. */
#define CSP_FILE	"default-src 'none'; sandbox"

struct web {
	struct MHD_Daemon *mhd;
	const struct config *cfg;
	unsigned char	 secret[WEBLINK_SECRET_LEN];
	char		*prefix;
	struct web_site	 site;

	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct db	*db[WEB_THREADS];
	struct web_stats *stats;		/* the figures, shared */
	int		 busy[WEB_THREADS];
};

/*
 * How many connections the page may hold: WEB_CONN_LIMIT, within the
 * descriptor limit (raised towards its hard maximum first) less what the
 * mail loop keeps for IMAP, SMTP and SQLite, so that a crowd at the page
 * never starves the mail.
 */
static unsigned int
conn_limit(void)
{
	struct rlimit rl;
	rlim_t want = WEB_CONN_LIMIT + WEB_FD_RESERVE + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > want ? want : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 64;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return WEB_CONN_LIMIT;
	if (rl.rlim_cur <= WEB_FD_RESERVE + 64 + 16)
		return 16;
	return (unsigned int)(rl.rlim_cur - WEB_FD_RESERVE - 64);
}

/*
 * The database pool.
 */

static int
db_take(struct web *w)
{
	int i;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		for (i = 0; i < WEB_THREADS; i++)
			if (!w->busy[i])
				break;
		if (i < WEB_THREADS)
			break;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	w->busy[i] = 1;
	pthread_mutex_unlock(&w->mu);
	return i;
}

static void
db_give(struct web *w, int i)
{
	pthread_mutex_lock(&w->mu);
	w->busy[i] = 0;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/*
 * The request.
 */

/* One query parameter, decoded by libmicrohttpd (see web_req_arg). */
static enum MHD_Result
arg_cb(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	(void)kind;
	return web_req_arg(cls, key, key_size, value, value_size) == 0 ?
	    MHD_YES : MHD_NO;
}

/*
 * Responses.
 */

static enum MHD_Result
send_reply(struct MHD_Connection *c, struct web_reply *r, int allow,
    int file)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *body;

	body = buf_steal(&r->body, &len);
	if (body == NULL) {
		body = xstrdup("");
		len = 0;
	}
	resp = MHD_create_response_from_buffer_with_free_callback(len, body,
	    free);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, "Content-Security-Policy",
	    file ? CSP_FILE : CSP_PAGE);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    r->cache != NULL ? r->cache : "no-store");
	if (r->disposition != NULL)
		MHD_add_response_header(resp,
		    MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	ret = MHD_queue_response(c, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A short plain-text answer (before any database work). */
static enum MHD_Result
send_text(struct MHD_Connection *c, int status, const char *text, int allow)
{
	struct web_reply r;
	enum MHD_Result ret;

	web_reply_init(&r);
	r.status = status;
	r.type = "text/plain; charset=utf-8";
	buf_addstr(&r.body, text);
	buf_addch(&r.body, '\n');
	ret = send_reply(c, &r, allow, 0);
	web_reply_clear(&r);
	return ret;
}

/*
 * A refusal: an error page for people, {"error": …} under /api/. The text
 * is ours, never the request's.
 */
static enum MHD_Result
refuse(struct MHD_Connection *c, struct web_ctx *ctx, int status,
    const char *text, int json)
{
	struct web_reply r;
	enum MHD_Result ret;

	web_reply_init(&r);
	if (json) {
		r.type = "application/json";
		buf_addstr(&r.body, "{\"error\":");
		json_str(&r.body, text);
		buf_addstr(&r.body, "}\n");
	} else
		web_page_error(ctx, &r, status, text);
	r.status = status;
	ret = send_reply(c, &r, 0, 0);
	web_reply_clear(&r);
	return ret;
}

/*
 * Routing.
 */

/* The key k= against what the route needs; fills ctx. 1 allowed, 0 not. */
static int
check_key(struct web *w, struct web_ctx *ctx, const struct web_route *rt)
{
	const char *k;
	size_t len;
	int ok;

	k = web_arg(ctx, "k", &len);
	if (k == NULL || len == 0)
		return rt->need == WEB_OPEN;
	ok = web_key_syntax(k, len);
	if (ok && weblink_desk_ok(w->secret, k, len, ctx->now)) {
		ctx->desk = 1;
		ctx->key = k;
		return 1;
	}
	if (ok && rt->need == WEB_TICKET &&
	    weblink_ticket_ok(w->secret, rt->number, k, len)) {
		ctx->ticket = rt->number;
		ctx->key = k;
		return 1;
	}
	ctx->bad_key = 1;
	return rt->need == WEB_OPEN;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct web *w = cls;
	struct web_ctx ctx;
	struct web_reply r;
	struct web_route rt;
	struct web_req q;
	enum MHD_Result ret;
	const char *why = NULL;
	char vis[256];
	int slot, json;

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "this page is "
		    "read-only: GET and HEAD only", 1);
	/*
	 * The first call has only the headers: answering then would make
	 * libmicrohttpd close the connection (it cannot know the request has
	 * no body). Answer on the next one, and drop any body a GET carries.
	 */
	if (*con_cls == NULL) {
		*con_cls = w;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.site = &w->site;
	ctx.now = time(NULL);
	json = strncmp(url, "/api/", 5) == 0;
	memset(&q, 0, sizeof(q));
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, arg_cb, &q);
	if (q.bad)
		return refuse(c, &ctx, MHD_HTTP_BAD_REQUEST, q.msg, json);
	web_route(url, &rt);
	if (rt.bad != NULL)
		return refuse(c, &ctx, MHD_HTTP_BAD_REQUEST, rt.bad, json);
	if (rt.page == WEB_PG_NONE)
		return refuse(c, &ctx, MHD_HTTP_NOT_FOUND, "There is no such "
		    "page.", json);
	if (web_req_check(&q, rt.args, &why) == -1)
		return refuse(c, &ctx, MHD_HTTP_BAD_REQUEST, why, json);
	ctx.args = q.args;
	ctx.nargs = q.nargs;
	/* the same answer whatever the ticket: it tells nothing about it */
	if (!check_key(w, &ctx, &rt)) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.site = &w->site;
		ctx.now = time(NULL);
		return refuse(c, &ctx, MHD_HTTP_FORBIDDEN, "Forbidden: open "
		    "this page with the link from a notice. Its key is "
		    "missing, wrong or has expired.", json);
	}

	web_reply_init(&r);
	if (rt.page == WEB_PG_STYLE) {
		web_page_style(&r);
		ret = send_reply(c, &r, 0, 0);
		web_reply_clear(&r);
		return ret;
	}
	slot = db_take(w);
	ctx.db = w->db[slot];
	switch (rt.page) {
	case WEB_PG_DASH:
		web_page_dashboard(&ctx, &r);
		break;
	case WEB_PG_TICKETS:
	case WEB_PG_TICKETS_JSON:
		web_page_tickets(&ctx, &r, rt.page == WEB_PG_TICKETS_JSON);
		break;
	case WEB_PG_TICKET:
	case WEB_PG_TICKET_JSON:
		web_page_ticket(&ctx, rt.number, &r,
		    rt.page == WEB_PG_TICKET_JSON);
		break;
	case WEB_PG_FILE:
		web_page_attachment(&ctx, rt.number, rt.id, &r);
		break;
	case WEB_PG_KB:
		web_page_kb(&ctx, &r);
		break;
	case WEB_PG_ARTICLE:
		web_page_article(&ctx, rt.number, &r);
		break;
	case WEB_PG_KB_IMG:
		web_page_kb_image(&ctx, rt.number, rt.id, &r);
		break;
	case WEB_PG_METRICS:
		web_page_metrics(&ctx, &r);
		break;
	case WEB_PG_HEALTH:
		web_page_healthz(&ctx, &r);
		break;
	case WEB_PG_STATS_JSON:
		web_page_stats_json(&ctx, &r);
		break;
	case WEB_PG_ASSETS:
		web_page_assets(&ctx, &r);
		break;
	case WEB_PG_ASSET:
		web_page_asset(&ctx, rt.tag, &r);
		break;
	default:
		web_page_error(&ctx, &r, 404, "There is no such page.");
		break;
	}
	web_stats_put(w->stats, &ctx.snap);
	db_give(w, slot);
	log_vis(vis, sizeof(vis), url);
	log_debug("web: %s %s %d", method, vis, r.status);
	ret = send_reply(c, &r, 0, (rt.page == WEB_PG_FILE ||
	    rt.page == WEB_PG_KB_IMG) && r.status == 200);
	web_reply_clear(&r);
	return ret;
}

/* libmicrohttpd's own format (clang wants the attribute to allow it) */
static void	mhd_log(void *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warnx("web: %s", msg);
}

/* host:port or [v6]:port (checked by config.c) into its parts. */
static int
split_listen(const char *v, char **host, char **port)
{
	const char *colon, *close;

	if (v[0] == '[') {
		close = strchr(v, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		*host = xstrndup(v + 1, (size_t)(close - v - 1));
		*port = xstrdup(close + 2);
		return 0;
	}
	colon = strrchr(v, ':');
	if (colon == NULL)
		return -1;
	*host = xstrndup(v, (size_t)(colon - v));
	*port = xstrdup(colon + 1);
	return 0;
}

/* The path part of base_url ("" or "/desk", no trailing slash). */
static char *
url_prefix(const char *base)
{
	const char *p;
	size_t n;

	if (base == NULL || (p = strstr(base, "://")) == NULL)
		return xstrdup("");
	p = strchr(p + 3, '/');
	if (p == NULL)
		return xstrdup("");
	n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

struct web *
web_start(const struct config *cfg,
    const unsigned char secret[WEBLINK_SECRET_LEN], char *err, size_t errsz)
{
	struct addrinfo hints, *ai = NULL;
	sigset_t block, old;
	struct web *w;
	char *host = NULL, *port = NULL, *errstr = NULL;
	unsigned int flags;
	int i, rc;

	w = xcalloc(1, sizeof(*w));
	w->cfg = cfg;
	memcpy(w->secret, secret, WEBLINK_SECRET_LEN);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->prefix = url_prefix(cfg->web.base_url);
	w->site.cfg = cfg;
	w->site.secret = w->secret;
	w->site.prefix = w->prefix;
	w->site.version = TICKETD_VERSION;

	for (i = 0; i < WEB_THREADS; i++) {
		w->db[i] = db_open(cfg->helpdesk.database, DB_RDONLY, &errstr,
		    NULL);
		if (w->db[i] == NULL) {
			snprintf(err, errsz, "%s", errstr);
			free(errstr);
			goto fail;
		}
		if (db_web_seal(w->db[i]) != DB_OK) {
			snprintf(err, errsz, "%s: cannot make the page's "
			    "connection read-only", cfg->helpdesk.database);
			goto fail;
		}
	}

	w->stats = web_stats_start(cfg->helpdesk.database,
	    cfg->web.online_window, err, errsz);
	if (w->stats == NULL)
		goto fail;
	w->site.stats = w->stats;

	if (split_listen(cfg->web.listen, &host, &port) == -1) {
		snprintf(err, errsz, "listen: bad address");
		goto fail;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errsz, "listen %s: %s", cfg->web.listen,
		    gai_strerror(rc));
		goto fail;
	}
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * The page's threads inherit a mask that blocks the stop signals, so
	 * they always reach the main thread and interrupt what it waits on.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, w,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)WEB_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, conn_limit(),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)WEB_CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)WEB_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	freeaddrinfo(ai);
	if (w->mhd == NULL) {
		snprintf(err, errsz, "cannot listen on %s (in use, or not an "
		    "address of this host)", cfg->web.listen);
		goto fail;
	}
	if (cfg->web.base_url == NULL && (strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0))
		log_warnx("web: [web] base_url is not set and listen is a "
		    "wildcard address: notices carry no link to the page; set "
		    "base_url to the page's address");
	else if (cfg->web.base_url == NULL && (strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0))
		log_warnx("web: [web] base_url is not set: links in notices "
		    "point at http://%s, which only this machine opens; set "
		    "base_url to the address people use (a proxy's)",
		    cfg->web.listen);
	free(host);
	free(port);
	return w;
fail:
	free(host);
	free(port);
	web_stop(&w);
	return NULL;
}

void
web_stop(struct web **wp)
{
	struct web *w = *wp;
	int i;

	if (w == NULL)
		return;
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	web_stats_stop(&w->stats);
	for (i = 0; i < WEB_THREADS; i++) {
		db_free(&w->db[i]);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	explicit_bzero(w->secret, sizeof(w->secret));
	free(w->prefix);
	free(w);
	*wp = NULL;
}
