/*
 * test_web_req.c — the request checks of the status page, pure since
 * they left web.c's libmicrohttpd callbacks: parameters (count, names,
 * NUL bytes, length, duplicates), routes and their numbers, which
 * parameters a route takes, the syntax of a key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_req.h"

#include "t.h"

static void
test_args(void)
{
	struct web_req q;
	char name[16];
	int i;

	memset(&q, 0, sizeof(q));
	T_INTEQ(web_req_arg(&q, "k", 1, "abc", 3), 0);
	T_INTEQ(web_req_arg(&q, "q", 1, NULL, 0), 0);	/* "?q" */
	T_INTEQ(q.nargs, 2);
	T_STREQ(q.args[1].value, "");
	T_INTEQ(q.args[1].len, 0);
	/* given twice: refused, and so is everything after */
	T_INTEQ(web_req_arg(&q, "k", 1, "x", 1), -1);
	T_CHECK(q.bad && q.msg != NULL && strstr(q.msg, "twice") != NULL);
	T_INTEQ(web_req_arg(&q, "page", 4, "1", 1), -1);
	T_INTEQ(q.nargs, 2);

	/* a NUL decoded from %00, in a name or a value */
	memset(&q, 0, sizeof(q));
	T_INTEQ(web_req_arg(&q, "k\0x", 3, "v", 1), -1);
	memset(&q, 0, sizeof(q));
	T_INTEQ(web_req_arg(&q, "k", 1, "a\0b", 3), -1);
	T_CHECK(strstr(q.msg, "NUL") != NULL);
	/* no name, a long name, a long value */
	memset(&q, 0, sizeof(q));
	T_INTEQ(web_req_arg(&q, "", 0, "v", 1), -1);
	memset(&q, 0, sizeof(q));
	T_INTEQ(web_req_arg(&q, "abcdefghijklmnopq", 17, "v", 1), -1);
	memset(&q, 0, sizeof(q));
	{
		char *big = calloc(1, WEB_MAX_ARG_BYTES + 2);

		memset(big, 'a', WEB_MAX_ARG_BYTES + 1);
		T_INTEQ(web_req_arg(&q, "q", 1, big, WEB_MAX_ARG_BYTES), 0);
		T_INTEQ(web_req_arg(&q, "k", 1, big, WEB_MAX_ARG_BYTES + 1),
		    -1);
		free(big);
	}
	/* too many */
	memset(&q, 0, sizeof(q));
	for (i = 0; i < WEB_MAX_ARGS; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		/* names are borrowed: keep them alive */
		T_INTEQ(web_req_arg(&q, strdup(name), strlen(name), "", 0), 0);
	}
	T_INTEQ(web_req_arg(&q, "z", 1, "", 0), -1);
	T_CHECK(strstr(q.msg, "Too many") != NULL);
	for (i = 0; i < WEB_MAX_ARGS; i++)
		free((char *)q.args[i].name);
}

static void
test_route(void)
{
	static const struct {
		const char	*url;
		enum web_page_id page;
		int		 bad;
		long long	 number, id;
	} cases[] = {
		{ "/", WEB_PG_DASH, 0, 0, 0 },
		{ "/tickets", WEB_PG_TICKETS, 0, 0, 0 },
		{ "/api/tickets.json", WEB_PG_TICKETS_JSON, 0, 0, 0 },
		{ "/t/42", WEB_PG_TICKET, 0, 42, 0 },
		{ "/t/42/a/7", WEB_PG_FILE, 0, 42, 7 },
		{ "/api/tickets/42.json", WEB_PG_TICKET_JSON, 0, 42, 0 },
		{ "/t/999999999999999999", WEB_PG_TICKET, 0,
		    999999999999999999LL, 0 },
		/* not numbers: 400 */
		{ "/t/042", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/0", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/4x", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/1000000000000000000", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/42/a/07", WEB_PG_NONE, 1, 0, 0 },
		{ "/t/42/a/7/x", WEB_PG_NONE, 1, 0, 0 },
		{ "/api/tickets/-1.json", WEB_PG_NONE, 1, 0, 0 },
		/* no such page: 404 */
		{ "/t/42/b/7", WEB_PG_NONE, 0, 0, 0 },
		{ "/api/tickets/42.xml", WEB_PG_NONE, 0, 0, 0 },
		{ "/tickets/", WEB_PG_NONE, 0, 0, 0 },
		{ "/../etc/passwd", WEB_PG_NONE, 0, 0, 0 },
		{ "", WEB_PG_NONE, 0, 0, 0 },
	};
	struct web_route rt;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		web_route(cases[i].url, &rt);
		if (rt.page != cases[i].page || (rt.bad != NULL) !=
		    cases[i].bad || (cases[i].page != WEB_PG_NONE &&
		    (rt.number != cases[i].number || rt.id != cases[i].id))) {
			fprintf(stderr, "# route '%s': page %d bad %s\n",
			    cases[i].url, (int)rt.page,
			    rt.bad ? rt.bad : "-");
			T_CHECK(0);
		}
	}
	web_route("/tickets", &rt);
	T_INTEQ(rt.need, WEB_DESK);
	T_INTEQ(rt.args, WEB_ARGS_LIST);
	web_route("/t/1", &rt);
	T_INTEQ(rt.need, WEB_TICKET);
	T_INTEQ(rt.args, WEB_ARGS_KEY);
	web_route("/metrics", &rt);
	T_INTEQ(rt.need, WEB_OPEN);
}

static void
test_check(void)
{
	struct web_req q;
	const char *why = NULL;

	memset(&q, 0, sizeof(q));
	web_req_arg(&q, "k", 1, "x", 1);
	T_INTEQ(web_req_check(&q, WEB_ARGS_KEY, &why), 0);
	web_req_arg(&q, "status", 6, "open", 4);
	T_INTEQ(web_req_check(&q, WEB_ARGS_LIST, &why), 0);
	T_INTEQ(web_req_check(&q, WEB_ARGS_KEY, &why), -1);
	T_CHECK(why != NULL);
	web_req_arg(&q, "x", 1, "1", 1);
	T_INTEQ(web_req_check(&q, WEB_ARGS_LIST, &why), -1);
}

static void
test_key_syntax(void)
{
	T_INTEQ(web_key_syntax("AbC-_.09", 8), 1);
	T_INTEQ(web_key_syntax("1767225600.AbCdEfGhIjKlMnOpQrStUv", 33), 1);
	T_INTEQ(web_key_syntax("", 0), 0);
	T_INTEQ(web_key_syntax("a b", 3), 0);
	T_INTEQ(web_key_syntax("a%2F", 4), 0);
	T_INTEQ(web_key_syntax("a\"", 2), 0);
	T_INTEQ(web_key_syntax("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa", 64), 1);
	T_INTEQ(web_key_syntax("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaa", 65), 0);
}

int
main(void)
{
	T_RUN(test_args);
	T_RUN(test_route);
	T_RUN(test_check);
	T_RUN(test_key_syntax);
	return T_END();
}
