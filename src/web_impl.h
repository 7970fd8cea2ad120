/*
 * web_impl.h — what the page files share (web_pages.c, web_list.c,
 * web_ticket.c, web_api.c); nobody else includes it.
 */
#ifndef TICKETD_WEB_IMPL_H
#define TICKETD_WEB_IMPL_H

#include <stddef.h>

#include "buf.h"
#include "html.h"
#include "web_pages.h"

#define HTML_TYPE	"text/html; charset=utf-8"
#define JSON_TYPE	"application/json"
#define TEXT_TYPE	"text/plain; charset=utf-8"
#define PROM_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Output with a sticky error: once a write does not fit, the rest are
 * no-ops and the page answers 500 instead of a cut one.
 */
struct out {
	struct buf	*b;
	int		 err;
};

void	wp_raw(struct out *, const char *);		/* our markup */
void	wp_text(struct out *, const char *);		/* escaped text */
void	wp_printf(struct out *, const char *, ...)	/* our markup */
	    __attribute__((format(printf, 2, 3)));
void	wp_json(struct out *, const char *);		/* a JSON string */
void	wp_key(struct out *, const char *);		/* "key": */

/* A query parameter that is present and not empty, or NULL. */
const char *wp_arg(const struct web_ctx *, const char *name);

/* Local "2026-03-14 09:12", UTC ISO 8601, "5m ago", "1.2 MiB". */
const char *wp_time(char *, size_t, long long);
const char *wp_iso(char *, size_t, long long);
const char *wp_ago(char *, size_t, long long now, long long t);
const char *wp_size(char *, size_t, long long);

/*
 * href="URL" / src="URL" for path with query pairs (name, value, …, NULL)
 * behind base_url's path; carry_key 1 adds the desk key when the request
 * has one, 2 whatever valid key it has. Empty values are left out.
 */
void	wp_href(struct out *, const struct web_ctx *, int carry_key,
	    const char *path, ...);
void	wp_src(struct out *, const struct web_ctx *, int carry_key,
	    const char *path, ...);
/* <a> to ticket n (keyed for desk viewers), text or "#n". */
void	wp_ticket_link(struct out *, const struct web_ctx *, long long n,
	    const char *text);
/* A status ("s") or priority ("p") pill. */
void	wp_pill(struct out *, const char *kind, const char *value);
/* A name with its address muted, the address alone, or "the desk". */
void	wp_person(struct out *, const char *addr, const char *name);

enum nav { NAV_NONE, NAV_DASH, NAV_TICKETS, NAV_KB, NAV_ASSETS };

/* Fill tpl with vars into the layout as the reply (500 on overflow). */
void	wp_render(struct web_ctx *, struct web_reply *, const char *title,
	    enum nav, const char *tpl, const struct html_var *, size_t);
/* The desk's figures, shared by every request (web_stats.h): taken into
 * ctx->snap, which web.c puts back after the page; do not clear them.
 * DB_OK or the database's error. */
int	wp_stats(struct web_ctx *, const struct stats **);

/* The error page for a database error rc (DB_TEMP: 503). */
void	wp_db_failed(struct web_ctx *, struct web_reply *, int rc);

#endif
