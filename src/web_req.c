/*
 * web_req.c — the query parameters, routes and key syntax of a request to
 * the status page (see web_req.h). Pure; web.c feeds it.
 */
#include <string.h>

#include "asset.h"
#include "web_req.h"

static int
refuse(struct web_req *q, const char *msg)
{
	q->bad = 1;
	q->msg = msg;
	return -1;
}

int
web_req_arg(struct web_req *q, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	size_t i;

	if (q->bad)
		return -1;
	if (q->nargs == WEB_MAX_ARGS)
		return refuse(q, "Too many query parameters.");
	if (key == NULL || key_size == 0 || key_size > WEB_ARG_NAME_MAX ||
	    memchr(key, '\0', key_size) != NULL)
		return refuse(q, "A query parameter has no name, or a bad one.");
	if (value == NULL) {
		value = "";
		value_size = 0;
	}
	if (memchr(value, '\0', value_size) != NULL)
		return refuse(q, "A query parameter holds a NUL byte.");
	if (value_size > WEB_MAX_ARG_BYTES)
		return refuse(q, "A query parameter is too long.");
	for (i = 0; i < q->nargs; i++)
		if (strcmp(q->args[i].name, key) == 0)
			return refuse(q, "A query parameter is given twice.");
	q->args[q->nargs].name = key;
	q->args[q->nargs].value = value;
	q->args[q->nargs].len = value_size;
	q->nargs++;
	return 0;
}

int
web_req_check(const struct web_req *q, enum web_route_args ra,
    const char **why)
{
	static const char *const list[] = { "k", "q", "status", "priority",
	    "category", "admin", "page", NULL };
	static const char *const assets[] = { "k", "type", "status", "owner",
	    "warranty", NULL };
	size_t i, j;
	int ok;

	for (i = 0; i < q->nargs; i++) {
		ok = 0;
		/* issue 15: the asset list's filters */
		for (j = 0; ra == WEB_ARGS_ASSETS && assets[j] != NULL; j++)
			if (strcmp(q->args[i].name, assets[j]) == 0)
				ok = 1;
		if (ra == WEB_ARGS_ASSETS) {
			if (!ok) {
				*why = "This page has no such query parameter.";
				return -1;
			}
			continue;
		}
		for (j = 0; list[j] != NULL && !ok; j++)
			if (strcmp(q->args[i].name, list[j]) == 0 &&
			    (j == 0 || ra == WEB_ARGS_LIST ||
			    (ra == WEB_ARGS_KB && (j == 1 || j == 4))))
				ok = 1;
		if (!ok) {
			*why = "This page has no such query parameter.";
			return -1;
		}
	}
	return 0;
}

static int
key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int
web_key_syntax(const char *k, size_t len)
{
	size_t i;

	if (len == 0 || len > WEB_KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!key_char((unsigned char)k[i]))
			return 0;
	return 1;
}

/*
 * A positive decimal number without a leading zero, at most 18 digits,
 * from s up to one of the stop bytes (or the end): 0 and *n, *end; -1.
 */
static int
parse_number(const char *s, const char *stop, long long *n, const char **end)
{
	long long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 18)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || s[0] == '0' || (s[i] != '\0' &&
	    strchr(stop, s[i]) == NULL))
		return -1;
	*n = v;
	*end = s + i;
	return 0;
}

void
web_route(const char *url, struct web_route *rt)
{
	static const struct {
		const char		*path;
		enum web_page_id	 page;
		enum web_need		 need;
		enum web_route_args	 args;
	} fixed[] = {
		{ "/", WEB_PG_DASH, WEB_OPEN, WEB_ARGS_KEY },
		{ "/style.css", WEB_PG_STYLE, WEB_OPEN, WEB_ARGS_KEY },
		{ "/tickets", WEB_PG_TICKETS, WEB_DESK, WEB_ARGS_LIST },
		{ "/api/tickets.json", WEB_PG_TICKETS_JSON, WEB_DESK,
		    WEB_ARGS_LIST },
		{ "/kb", WEB_PG_KB, WEB_OPEN, WEB_ARGS_KB },
		{ "/metrics", WEB_PG_METRICS, WEB_OPEN, WEB_ARGS_KEY },
		{ "/healthz", WEB_PG_HEALTH, WEB_OPEN, WEB_ARGS_KEY },
		{ "/api/stats.json", WEB_PG_STATS_JSON, WEB_OPEN,
		    WEB_ARGS_KEY },
		{ "/assets", WEB_PG_ASSETS, WEB_DESK, WEB_ARGS_ASSETS },
	};
	char tag[ASSET_TAG_MAX + 1];
	const char *end;
	size_t i;

	memset(rt, 0, sizeof(*rt));
	rt->args = WEB_ARGS_KEY;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(url, fixed[i].path) == 0) {
			rt->page = fixed[i].page;
			rt->need = fixed[i].need;
			rt->args = fixed[i].args;
			return;
		}
	}
	if (strncmp(url, "/t/", 3) == 0) {
		rt->need = WEB_TICKET;
		if (parse_number(url + 3, "/", &rt->number, &end) == -1) {
			rt->bad = "That is not a ticket number.";
			return;
		}
		if (*end == '\0') {
			rt->page = WEB_PG_TICKET;
			return;
		}
		if (strncmp(end, "/a/", 3) != 0)
			return;		/* 404 */
		if (parse_number(end + 3, "", &rt->id, &end) == -1) {
			rt->bad = "That is not an attachment number.";
			return;
		}
		rt->page = WEB_PG_FILE;
		return;
	}
	/* issue 11: /kb/N and /kb/N/img/ID, open to all */
	if (strncmp(url, "/kb/", 4) == 0) {
		if (parse_number(url + 4, "/", &rt->number, &end) == -1) {
			rt->bad = "That is not an article number.";
			return;
		}
		if (*end == '\0') {
			rt->page = WEB_PG_ARTICLE;
			return;
		}
		if (strncmp(end, "/img/", 5) != 0)
			return;		/* 404 */
		if (parse_number(end + 5, "", &rt->id, &end) == -1) {
			rt->bad = "That is not an image number.";
			return;
		}
		rt->page = WEB_PG_KB_IMG;
		return;
	}
	/* issue 15: /a/TAG, for the desk key */
	if (strncmp(url, "/a/", 3) == 0) {
		rt->need = WEB_DESK;
		if (asset_tag_parse(url + 3, strlen(url + 3), tag) == -1) {
			rt->bad = "That is not an asset tag.";
			return;
		}
		rt->tag = url + 3;
		rt->page = WEB_PG_ASSET;
		return;
	}
	if (strncmp(url, "/api/tickets/", 13) == 0) {
		rt->need = WEB_TICKET;
		if (parse_number(url + 13, ".", &rt->number, &end) == -1) {
			rt->bad = "That is not a ticket number.";
			return;
		}
		if (strcmp(end, ".json") == 0)
			rt->page = WEB_PG_TICKET_JSON;
		return;
	}
}
