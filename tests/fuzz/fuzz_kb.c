/*
 * fuzz_kb.c — the knowledge base's article builder (kb.c) as desk_kb.c
 * and web_kb.c use it, with hostile ticket text: the input is
 * NUL-separated: the requester's display name, their address, the
 * ticket's body (the problem) and the answer.
 *
 *  - kb_scrub() of the problem and the answer, kb_markdown() of both and
 *    the article page's rendering (template_article_html, cmark safe);
 *  - the body as an admin's /kb edit: kb_split_edit(), and its rendering;
 *  - the body as a new ticket: kb_fts_query(), which SQLite's FTS5 must
 *    take as a query, and kb_relevance() against the answer.
 *
 * Properties (kb.h): scrubbed text has no blank line at either end; the
 * requester's address, when it is a plain one, never survives scrubbing;
 * a title is one line with no control byte; the HTML holds no script element or javascript:
 * link; a suggestion's query is never an FTS5 syntax error; relevance is
 * in 0..1.
 */
#include <math.h>

#include <sqlite3.h>

#include "kb.h"
#include "template.h"

#include "fuzz.h"

static sqlite3 *db;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* the articles' index as schema.sql makes it */
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, "
	    "body, tokenize='porter unicode61 remove_diacritics 2'); "
	    "INSERT INTO t VALUES ('Printer jams', 'on the 3rd floor')",
	    NULL, NULL, NULL) != SQLITE_OK)
		abort();
	return 0;
}

static int
ci_contains(const char *s, const char *needle)
{
	size_t i, n = strlen(needle);

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++) {
			char c = s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

static void
check_html(const char *md)
{
	char *html = template_article_html(md, strlen(md));

	fuzz_check(html != NULL);
	fuzz_check(!ci_contains(html, "<script"));
	fuzz_check(!ci_contains(html, "href=\"javascript:"));
	fuzz_check(!ci_contains(html, "src=\"javascript:"));
	free(html);
}

static void
check_scrubbed(const char *s, const char *addr)
{
	size_t n = strlen(s);

	fuzz_check(n == 0 || (s[0] != '\n' && s[n - 1] != '\n'));
	if (addr != NULL)
		fuzz_check(strstr(s, addr) == NULL);
}

/* The address when it is a plain one (letters, digits, ".-_+" then '@'
 * and a dotted domain of letters, digits and '-'), else NULL: one that
 * the scrubber must recognise wherever it stands. */
static const char *
plain_addr(const char *a)
{
	const char *at = strchr(a, '@'), *p;
	int dot = 0;

	if (at == NULL || at == a || at[1] == '\0')
		return NULL;
	for (p = a; p < at; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_+", *p) == NULL)
			return NULL;
	for (p = at + 1; *p != '\0'; p++) {
		if (*p == '.') {
			if (p[-1] == '.' || p[-1] == '@' || p[1] == '\0' ||
			    p[1] == '.')
				return NULL;
			dot = 1;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
		    "OPQRSTUVWXYZ0123456789-", *p) == NULL)
			return NULL;
	}
	return dot ? a : NULL;
}

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
		fprintf(stderr, "query %s: %s\n", fts, sqlite3_errmsg(db));
	fuzz_check(rc == SQLITE_ROW);
	sqlite3_finalize(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[4];
	size_t len[4], n, i;
	char *s[4], *problem, *answer, *md, *title, *body, *q;
	struct kb_person who;
	double r;

	n = fuzz_split(data, size, 0, piece, len, 4);
	for (i = 0; i < 4; i++)
		s[i] = i < n ? fuzz_strndup(piece[i], len[i]) : NULL;
	who.name = s[0] != NULL && s[0][0] != '\0' ? s[0] : NULL;
	who.addr = s[1] != NULL && s[1][0] != '\0' ? s[1] : NULL;

	problem = kb_scrub(s[2] != NULL ? s[2] : "", s[2] != NULL ?
	    strlen(s[2]) : 0, &who);
	answer = kb_scrub(s[3] != NULL ? s[3] : "", s[3] != NULL ?
	    strlen(s[3]) : 0, &who);
	fuzz_check(problem != NULL && answer != NULL);
	check_scrubbed(problem, who.addr != NULL ? plain_addr(who.addr) :
	    NULL);
	check_scrubbed(answer, who.addr != NULL ? plain_addr(who.addr) :
	    NULL);
	md = kb_markdown(problem, answer);
	check_html(md);
	free(md);

	if (s[2] != NULL) {
		if (kb_split_edit(s[2], strlen(s[2]), &title, &body) == 0) {
			fuzz_check(body != NULL && body[0] != '\0');
			for (q = title; q != NULL && *q != '\0'; q++)
				fuzz_check((unsigned char)*q >= 0x20 &&
				    *q != 0x7f);
			check_html(body);
			free(body);
			free(title);
		} else
			fuzz_check(title == NULL && body == NULL);

		if ((q = kb_fts_query(s[2], strlen(s[2]))) != NULL) {
			check_fts(q);
			free(q);
		}
		r = kb_relevance(s[2], strlen(s[2]), answer, strlen(answer));
		fuzz_check(!isnan(r) && r >= 0 && r <= 1.0 + 1e-9);
	}
	free(problem);
	free(answer);
	for (i = 0; i < 4; i++)
		free(s[i]);
	return 0;
}
