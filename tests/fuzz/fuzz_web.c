/*
 * fuzz_web.c — a request to the status page as far as no database is
 * needed: the path and query string ("PATH?QUERY", split and decoded as
 * libmicrohttpd does: '&', '=', '+' as space, %XX by MHD_http_unescape),
 * then web_req_arg() for each parameter, web_route(), web_req_check(),
 * web_key_syntax(), the list's filters (web_list_filter) with the search
 * turned into an FTS5 query (db_web_fts_query) that SQLite must accept,
 * and the escaping of what the page shows of it: html_escape,
 * html_snippet (the search marks), html_urlencode, html_fill,
 * web_disposition.
 *
 * Properties: a refused request says why; route numbers positive; no
 * search is ever FTS5 syntax (SQLite runs every query it makes); escaped
 * text holds no < > " ' (a snippet no tag but balanced <mark>s); a URL
 * value only unreserved bytes and %XX; a Content-Disposition no control
 * byte, backslash or third quote.
 */
#include <sqlite3.h>

#include <microhttpd.h>

#include "buf.h"
#include "db_web.h"
#include "html.h"
#include "web_pages.h"
#include "web_req.h"

#include "fuzz.h"

#define NPIECES		(WEB_MAX_ARGS + 4)

static sqlite3 *db;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* the search index as schema.sql makes it */
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(subject, "
	    "body, tokenize='porter unicode61 remove_diacritics 2'); "
	    "INSERT INTO t VALUES ('Printer jams', 'on the 3rd floor')",
	    NULL, NULL, NULL) != SQLITE_OK)
		abort();
	return 0;
}

/* SQLite takes the query: a row or none, never an error. */
static void
check_fts(const char *fts)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1",
	    -1, &st, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fprintf(stderr, "fts query '%s': %s\n", fts,
		    sqlite3_errmsg(db));
	fuzz_check(rc == SQLITE_ROW);
	sqlite3_finalize(st);
}

static void
check_escaped(struct buf *b, int marks)
{
	const char *p = b->data != NULL ? b->data : "";
	int open = 0;

	while (*p != '\0') {
		if (marks && strncmp(p, "<mark>", 6) == 0) {
			fuzz_check(!open);
			open = 1;
			p += 6;
			continue;
		}
		if (marks && strncmp(p, "</mark>", 7) == 0) {
			fuzz_check(open);
			open = 0;
			p += 7;
			continue;
		}
		fuzz_check(strchr("<>\"'\r", *p) == NULL);
		fuzz_check((unsigned char)*p >= 0x20 || *p == '\t' ||
		    *p == '\n');
		p++;
	}
	fuzz_check(!open);
}

static void
check_value(const char *v, size_t len)
{
	struct buf b;
	const char *p;
	char *d;
	size_t quotes = 0;
	struct html_var var = { "v", v, 0 };

	buf_init(&b, 1 << 20);
	fuzz_check(html_escape(&b, v, len) == 0);
	check_escaped(&b, 0);
	buf_reset(&b);
	fuzz_check(html_urlencode(&b, v) == 0);
	for (p = b.data != NULL ? b.data : ""; *p != '\0'; p++)
		fuzz_check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-._~%", *p) != NULL);
	buf_reset(&b);
	/* a plain value in a raw slot is escaped all the same */
	fuzz_check(html_fill(&b, "{{v}}{{&v}}", &var, 1) == 0);
	check_escaped(&b, 0);
	buf_clear(&b);

	d = web_disposition("attachment", v);
	fuzz_check(d != NULL);
	for (p = d; *p != '\0'; p++) {
		fuzz_check((unsigned char)*p >= 0x20 && *p != 0x7f &&
		    *p != '\\');
		quotes += *p == '"';
	}
	fuzz_check(quotes == 2);
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[NPIECES];
	size_t len[NPIECES], n, i, qlen, klen;
	char *path, *query, *key[NPIECES], *val[NPIECES], *eq, *fts, *p;
	const char *why = NULL, *k;
	struct web_req q;
	struct web_route rt;
	struct web_ctx ctx;
	struct db_web_filter f;
	struct buf b;
	int bad;

	p = memchr(data, '?', size);
	qlen = p != NULL ? size - (size_t)((const uint8_t *)p - data) - 1 : 0;
	path = fuzz_strndup(data, size - qlen - (p != NULL));
	query = fuzz_strndup(p != NULL ? (const uint8_t *)p + 1 : data, qlen);
	MHD_http_unescape(path);

	/* the query as libmicrohttpd splits and decodes it */
	memset(&q, 0, sizeof(q));
	n = fuzz_split((const uint8_t *)query, qlen, '&', piece, len,
	    NPIECES);
	bad = 0;
	for (i = 0; i < n; i++) {
		key[i] = fuzz_strndup(piece[i], len[i]);
		for (p = key[i]; *p != '\0'; p++)
			if (*p == '+')
				*p = ' ';
		val[i] = NULL;
		if ((eq = strchr(key[i], '=')) != NULL) {
			*eq = '\0';
			val[i] = eq + 1;
		}
		klen = MHD_http_unescape(key[i]);
		if (qlen == 0)
			continue;	/* no query: no parameter */
		if (!bad && web_req_arg(&q, key[i], klen, val[i], val[i] ==
		    NULL ? 0 : MHD_http_unescape(val[i])) == -1) {
			fuzz_check(q.bad && q.msg != NULL);
			bad = 1;
		}
	}
	fuzz_check(q.nargs <= WEB_MAX_ARGS);

	web_route(path, &rt);
	if (rt.page == WEB_PG_TICKET || rt.page == WEB_PG_TICKET_JSON ||
	    rt.page == WEB_PG_FILE)
		fuzz_check(rt.number > 0 && rt.bad == NULL);
	if (rt.page == WEB_PG_FILE)
		fuzz_check(rt.id > 0);
	if (!bad && web_req_check(&q, rt.args, &why) == -1)
		fuzz_check(why != NULL);

	memset(&ctx, 0, sizeof(ctx));
	ctx.args = q.args;
	ctx.nargs = q.nargs;
	if ((k = web_arg(&ctx, "k", &klen)) != NULL && web_key_syntax(k, klen))
		fuzz_check(klen >= 1 && klen <= WEB_KEY_MAX);
	why = NULL;
	if (web_list_filter(&ctx, &f, &fts, &why) == 0) {
		if (fts != NULL)
			check_fts(fts);
		fuzz_check(f.limit > 0 && f.offset >= 0);
	} else
		fuzz_check(why != NULL && fts == NULL);
	free(fts);

	for (i = 0; i < q.nargs; i++)
		check_value(q.args[i].value, q.args[i].len);
	/* any search straight to FTS5, also past the page's caps */
	if ((fts = db_web_fts_query((const char *)data, size)) != NULL) {
		if (memchr(data, 0, size) == NULL)
			check_fts(fts);
		free(fts);
	}

	/* the snippet marks, on the raw bytes */
	buf_init(&b, 1 << 22);
	fuzz_check(html_snippet(&b, (const char *)data, size) == 0);
	check_escaped(&b, 1);
	buf_clear(&b);

	for (i = 0; i < n; i++)
		free(key[i]);
	free(query);
	free(path);
	return 0;
}
