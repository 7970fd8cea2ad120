/*
 * web_req.h — the pure part of reading a request to the status page: the
 * query parameters libmicrohttpd hands out (one at a time, decoded), the
 * route a path names, which parameters a route takes, and the syntax of a
 * key. No libmicrohttpd, no I/O: web.c calls these from its callbacks, and
 * the unit tests and tests/fuzz/fuzz_web.c call them directly.
 */
#ifndef TICKETD_WEB_REQ_H
#define TICKETD_WEB_REQ_H

#include <stddef.h>

#include "web_pages.h"

/* Longest parameter name, and longest key read from k= (a desk key is
 * about 33 characters). */
#define WEB_ARG_NAME_MAX	16
#define WEB_KEY_MAX		64

/* The query of one request; names and values are borrowed. */
struct web_req {
	struct web_arg	 args[WEB_MAX_ARGS];
	size_t		 nargs;
	int		 bad;		/* 400: why in msg */
	const char	*msg;
};

/*
 * Add one decoded parameter (key, key_size; value, value_size; value NULL
 * for a name without '='; both as libmicrohttpd gives them, NUL-terminated
 * after their size). Refused, with q->bad and q->msg set, and every later
 * call refused too: more than WEB_MAX_ARGS, an empty or over-long name or
 * one holding a NUL, a value holding a NUL or longer than
 * WEB_MAX_ARG_BYTES, a name given twice. Returns 0, or -1 when refused.
 */
int	web_req_arg(struct web_req *q, const char *key, size_t key_size,
	    const char *value, size_t value_size);

enum web_page_id {
	WEB_PG_NONE, WEB_PG_DASH, WEB_PG_STYLE, WEB_PG_TICKETS,
	WEB_PG_TICKETS_JSON, WEB_PG_TICKET, WEB_PG_TICKET_JSON, WEB_PG_FILE,
	WEB_PG_KB, WEB_PG_METRICS, WEB_PG_HEALTH, WEB_PG_STATS_JSON,
	WEB_PG_ARTICLE, WEB_PG_KB_IMG,
	WEB_PG_ASSETS, WEB_PG_ASSET	/* issue 15: /assets, /a/TAG */
};

/* The access a page needs. */
enum web_need { WEB_OPEN, WEB_DESK, WEB_TICKET };

/* The parameters a route lets through: the key alone, the list's, or the
 * knowledge base's (k, q, category). */
enum web_route_args { WEB_ARGS_KEY, WEB_ARGS_LIST, WEB_ARGS_KB,
	WEB_ARGS_ASSETS };	/* k, type, status, owner, warranty */

struct web_route {
	enum web_page_id	 page;	/* WEB_PG_NONE: 404 */
	enum web_need		 need;
	enum web_route_args	 args;
	long long		 number, id;	/* /t/N, /t/N/a/ID, /kb/N/img/ID */
	const char		*tag;	/* /a/TAG: a tag (asset.h), borrowed
					 * from the path */
	const char		*bad;	/* 400 with this text (static) */
};

/*
 * The route of a path (NUL-terminated, as libmicrohttpd gives it: without
 * the query, percent-decoded). Ticket and attachment numbers are positive
 * decimals without a leading zero, at most 18 digits.
 */
void	web_route(const char *url, struct web_route *rt);

/* Only the parameters the route knows: 0, or -1 with a static *why. */
int	web_req_check(const struct web_req *q, enum web_route_args ra,
	    const char **why);

/* Whether k[0..len) can be a key at all: 1..WEB_KEY_MAX characters of
 * A-Z a-z 0-9 - _ . (what weblink.h's keys are made of). 1 or 0. */
int	web_key_syntax(const char *k, size_t len);

#endif
