/*
 * desk_kb.c — the workflow of the knowledge base and the first level of
 * self-help (issue 11): /publish makes an article of a resolved ticket
 * and mails the admin its Markdown; a reply with /kb edit replaces it,
 * /kb withdraw takes it off; a new ticket's acknowledgement names the
 * articles that match it; the requester's /solved closes their ticket
 * as solved by self-help; the category classifier guesses a new
 * ticket's category and is retrained nightly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "classifier.h"
#include "db_classifier.h"
#include "db_kb.h"
#include "kb.h"
#include "log.h"
#include "pipeline.h"
#include "pipeline_impl.h"
#include "template.h"
#include "weblink.h"
#include "xmalloc.h"

/*
 * The article's notice to an admin: its number, link and Markdown, and
 * how to edit or withdraw it by replying.
 */
static int
article_notice(struct intake *in, const struct db_ticket_info *ti,
    long long id, const char *to, const char *what)
{
	struct pipeline *pl = in->pl;
	struct db_kb_article a;
	struct template_var v[6];
	char num[32], ver[32], *url;
	int rc;

	if ((rc = db_kb_get(pl->db, id, &a)) != DB_OK)
		return rc == 1 ? DB_PERM : rc;
	snprintf(num, sizeof(num), "%lld", id);
	snprintf(ver, sizeof(ver), "%d", a.version);
	url = web_kb_url(pl->cfg, id);
	v[0] = (struct template_var){ "article", num };
	v[1] = (struct template_var){ "article_title", a.title };
	v[2] = (struct template_var){ "article_url", url };
	v[3] = (struct template_var){ "markdown", a.body };
	v[4] = (struct template_var){ "version", ver };
	v[5] = (struct template_var){ "what", what };
	rc = pl_tell(in, ti, "kb-article", pl->tpl_kb_article, to, 0, v, 6);
	free(url);
	db_kb_article_clear(&a);
	return rc;
}

/* The article of resolved ticket number; the notice goes to notify (NULL:
 * the resolving admin). 1 done (*id), 0 refused (why), <0 error. */
static int
publish(struct intake *in, const struct db_ticket_info *ti,
    const char *title, const char *notify, long long *id, char *why,
    size_t whysz)
{
	struct pipeline *pl = in->pl;
	struct db_kb_source src;
	struct kb_person who;
	struct db_kb_new a;
	struct buf ans;
	const char *status;
	char *comments = NULL, *problem = NULL, *answer = NULL, *body = NULL;
	char *t = NULL, *to = NULL, detail[64];
	long long author;
	int rc;

	if (strcmp(ti->status, "resolved") != 0) {
		snprintf(why, whysz, "only a resolved ticket can be published "
		    "(put /resolve first)");
		return 0;
	}
	rc = db_kb_of_ticket(pl->db, ti->number, id, &status);
	if (rc < 0)
		return rc;
	if (rc == 1 && strcmp(status, "published") == 0) {
		snprintf(why, whysz, "it is article %lld already: reply to "
		    "that article's notice with /kb edit to change it", *id);
		return 0;
	}
	if (rc == 1) {
		/* withdrawn before: published again as it was */
		snprintf(detail, sizeof(detail), "article %lld", *id);
		if ((rc = db_kb_set_status(pl->db, *id, "published",
		    in->now)) != DB_OK ||
		    (rc = db_event_add(pl->db, ti->number, in->sender,
		    "published", detail, in->now)) != DB_OK)
			return rc;
		if (notify != NULL)
			rc = article_notice(in, ti, *id, notify,
			    "is published again");
		return rc == DB_OK ? 1 : rc;
	}
	if ((rc = db_kb_source(pl->db, ti->number, &src)) != DB_OK)
		return rc == 1 ? DB_PERM : rc;
	author = src.resolver_id != 0 ? src.resolver_id : in->sender;
	if ((rc = db_kb_comments(pl->db, ti->number, author, &comments)) !=
	    DB_OK)
		goto done;
	buf_init(&ans, 4 * 1024 * 1024);
	if (src.resolve_note != NULL && src.resolve_note[0] != '\0')
		buf_addstr(&ans, src.resolve_note);
	if (comments[0] != '\0') {
		if (ans.len > 0)
			buf_addstr(&ans, "\n\n");
		buf_addstr(&ans, comments);
	}
	/* the text of the mail that says /publish, when its sender
	 * resolved the ticket: it is not stored as a comment yet */
	if (in->comment != NULL && in->comment[0] != '\0' &&
	    in->sender == author) {
		if (ans.len > 0)
			buf_addstr(&ans, "\n\n");
		buf_addstr(&ans, in->comment);
	}
	who.name = src.requester_name;
	who.addr = src.requester;
	problem = kb_scrub(src.body, strlen(src.body), &who);
	answer = kb_scrub(ans.data != NULL ? ans.data : "", ans.len, &who);
	buf_clear(&ans);
	body = kb_markdown(problem, answer);
	t = title != NULL ? kb_scrub(title, strlen(title), &who) :
	    kb_scrub(src.subject, strlen(src.subject), &who);
	if (t[0] == '\0') {
		free(t);
		t = xasprintf("Ticket %lld", ti->number);
	}
	memset(&a, 0, sizeof(a));
	a.ticket = ti->number;
	a.title = t;
	a.problem = problem;
	a.answer = answer;
	a.body = body;
	a.category = src.category;
	a.author_id = author;
	a.now = in->now;
	if ((rc = db_kb_add(pl->db, &a, id)) != DB_OK ||
	    (rc = db_ticket_publish(pl->db, ti->number, t)) != DB_OK)
		goto done;
	snprintf(detail, sizeof(detail), "article %lld", *id);
	if ((rc = db_event_add(pl->db, ti->number, in->sender, "published",
	    detail, in->now)) != DB_OK)
		goto done;
	log_info("ticket #%lld published as article %lld", ti->number, *id);
	if (notify == NULL) {
		/* ticketctl: the admin who resolved it, else the assignee */
		struct db_participant *p;
		size_t n, i;

		if ((rc = db_participants(pl->db, ti->number, &p, &n)) !=
		    DB_OK)
			goto done;
		for (i = 0; i < n; i++)
			if (p[i].id == author || (to == NULL && p[i].admin))
				to = xstrdup(p[i].email);
		db_participants_free(p, n);
		notify = to;
	}
	if (notify != NULL)
		rc = article_notice(in, ti, *id, notify, "is published");
done:
	db_kb_source_clear(&src);
	free(comments);
	free(problem);
	free(answer);
	free(body);
	free(t);
	free(to);
	return rc == DB_OK ? 1 : rc;
}

int
pl_kb_publish(struct intake *in, const struct db_ticket_info *ti,
    const char *title, char *why, size_t whysz)
{
	long long id;

	return publish(in, ti, title, in->m.from_addr, &id, why, whysz);
}

int
pl_kb_edit(struct intake *in, const struct db_ticket_info *ti, char *why,
    size_t whysz)
{
	struct pipeline *pl = in->pl;
	const char *status, *text = in->comment != NULL ? in->comment : "";
	char *title, *body, detail[64];
	long long id;
	int rc;

	rc = db_kb_of_ticket(pl->db, ti->number, &id, &status);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(why, whysz, "the ticket has no article yet "
			    "(/publish makes one)");
		return rc;
	}
	if (kb_split_edit(text, strlen(text), &title, &body) == -1) {
		snprintf(why, whysz, "write the article's new Markdown below "
		    "the /kb edit line");
		return 0;
	}
	if (strlen(body) > LIMIT_ARTICLE_BYTES) {
		snprintf(why, whysz, "the article's Markdown is %zu bytes; an "
		    "article holds at most %d (split it, or link to a longer "
		    "document)", strlen(body), LIMIT_ARTICLE_BYTES);
		free(title);
		free(body);
		return 0;
	}
	snprintf(detail, sizeof(detail), "article %lld", id);
	if ((rc = db_kb_edit(pl->db, id, title, body, in->sender,
	    in->now)) == DB_OK &&
	    (rc = db_event_add(pl->db, ti->number, in->sender, "kb-edited",
	    detail, in->now)) == DB_OK)
		rc = article_notice(in, ti, id, in->m.from_addr,
		    strcmp(status, "published") == 0 ? "is changed" :
		    "is changed (it stays withdrawn: /publish shows it again)");
	free(title);
	free(body);
	return rc == DB_OK ? 1 : rc;
}

int
pl_kb_withdraw(struct intake *in, const struct db_ticket_info *ti,
    char *why, size_t whysz)
{
	struct pipeline *pl = in->pl;
	const char *status;
	char detail[64];
	long long id;
	int rc;

	rc = db_kb_of_ticket(pl->db, ti->number, &id, &status);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(why, whysz, "the ticket has no article");
		return rc;
	}
	if (strcmp(status, "withdrawn") == 0) {
		snprintf(why, whysz, "article %lld is withdrawn already", id);
		return 0;
	}
	snprintf(detail, sizeof(detail), "article %lld", id);
	if ((rc = db_kb_set_status(pl->db, id, "withdrawn", in->now)) !=
	    DB_OK ||
	    (rc = db_event_add(pl->db, ti->number, in->sender, "kb-withdrawn",
	    detail, in->now)) != DB_OK)
		return rc;
	log_info("ticket #%lld: article %lld withdrawn", ti->number, id);
	return 1;
}

int
pl_kb_solved(struct intake *in, struct db_ticket_info *ti)
{
	struct pipeline *pl = in->pl;
	struct template_var v[2];
	int rc;

	if (strcmp(ti->status, "open") != 0 &&
	    strcmp(ti->status, "assigned") != 0) {
		v[0] = (struct template_var){ "change", "/solved" };
		v[1] = (struct template_var){ "who", "The ticket is closed "
		    "already; your reply was added to it." };
		return pl_tell(in, ti, "refused-change", pl->tpl_refused,
		    in->m.from_addr, 1, v, 2);
	}
	if ((rc = db_ticket_set(pl->db, ti->number, DB_SET_STATUS, "resolved",
	    in->now)) != DB_OK ||
	    (rc = db_ticket_self_help(pl->db, ti->number)) != DB_OK ||
	    (rc = db_event_add(pl->db, ti->number, in->sender, "self-solved",
	    NULL, in->now)) != DB_OK)
		return rc;
	free(ti->status);
	ti->status = xstrdup("resolved");
	log_info("ticket #%lld solved by its requester (self-help)",
	    ti->number);
	v[0] = (struct template_var){ "note", "You closed it yourself with "
	    "/solved: glad the knowledge base helped." };
	v[1] = (struct template_var){ "reason", NULL };
	if ((rc = pl_tell(in, ti, "resolved", pl->tpl_resolved, ti->requester,
	    1, v, 2)) != DB_OK)
		return rc;
	if (ti->assignee != NULL)
		rc = pl_tell(in, ti, "kb-solved", pl->tpl_kb_solved,
		    ti->assignee, 0, NULL, 0);
	return rc;
}

int
pl_kb_suggestions(struct pipeline *pl, const char *text, char **out)
{
	struct db_kb_hit *hits;
	struct buf b;
	size_t n, i, shown = 0, max = (size_t)pl->cfg->helpdesk.suggestions;
	char *q, *url, *atext;
	double r;
	int rc;

	*out = NULL;
	if (max == 0 || (q = kb_fts_query(text, strlen(text))) == NULL)
		return DB_OK;
	rc = db_kb_candidates(pl->db, q, KB_SUGGEST_CANDIDATES, &hits, &n);
	free(q);
	if (rc != DB_OK)
		return rc;
	buf_init(&b, 64 * 1024);
	for (i = 0; i < n && shown < max; i++) {
		atext = xasprintf("%s\n%s", hits[i].title, hits[i].body);
		r = kb_relevance(text, strlen(text), atext, strlen(atext));
		free(atext);
		if (r < KB_SUGGEST_FLOOR)
			continue;
		if (shown++ == 0)
			buf_addstr(&b, "While you wait, these answers from our "
			    "knowledge base may help. If one solves it, reply "
			    "with /solved at the top of your mail and the "
			    "ticket is closed.");
		url = web_kb_url(pl->cfg, hits[i].id);
		buf_printf(&b, "\n- %s (article %lld)%s%s", hits[i].title,
		    hits[i].id, url != NULL ? ": " : "",
		    url != NULL ? url : "");
		free(url);
	}
	db_kb_hits_free(hits, n);
	if (shown > 0)
		*out = buf_steal(&b, NULL);
	else
		buf_clear(&b);
	return DB_OK;
}

/*
 * The classifier.
 */

void
pl_model_refresh(struct pipeline *pl)
{
	long long at = 0;
	char *blob, err[160];
	size_t len;
	struct clf_model *m;

	if (db_clf_model_time(pl->db, &at) != DB_OK || at == pl->model_at)
		return;
	if (db_clf_model_load(pl->db, &blob, &len, &at, NULL) != DB_OK)
		return;
	m = clf_model_adopt(blob, len, err, sizeof(err));	/* takes blob */
	if (m == NULL) {
		log_warnx("classifier: %s; no categories are guessed until "
		    "it is trained again", err);
		pl->model_at = at;
		return;
	}
	clf_model_free(&pl->model);
	pl->model = m;
	pl->model_at = at;
	log_info("classifier: model of %zu tickets, %zu categories loaded%s",
	    clf_model_ntrain(m), clf_model_nclasses(m), clf_model_in_place(m) ?
	    "" : " (saved by an older ticketd: slower to load until the "
	    "next training)");
}

char *
pl_guess_category(struct pipeline *pl, const char *title, const char *body,
    int *pct)
{
	const struct config *cfg = pl->cfg;
	struct clf_guess g;
	char *text;
	size_t i;
	int rc;

	*pct = 0;
	if (cfg->helpdesk.guess_pct == 0 || cfg->ncategories == 0)
		return NULL;
	pl_model_refresh(pl);
	if (pl->model == NULL)
		return NULL;
	text = xasprintf("%s\n%s", title, body);
	rc = clf_predict(pl->model, text, strlen(text), &g);
	free(text);
	if (rc == -1 || g.confidence * 100 < cfg->helpdesk.guess_pct)
		return NULL;
	/* only a category of this desk (a training file may name others) */
	for (i = 0; i < cfg->ncategories; i++)
		if (strcasecmp(cfg->categories[i].name, g.category) == 0) {
			*pct = (int)(g.confidence * 100);
			return xstrdup(cfg->categories[i].name);
		}
	return NULL;
}

static void
add_example(const char *text, size_t len, const char *category, void *arg)
{
	clf_trainer_add(arg, text, len, category);
}

int
pipeline_retrain(struct pipeline *pl, time_t now, size_t *n)
{
	struct clf_trainer *t = clf_trainer_new();
	struct clf_model *m;
	char *blob;
	size_t len;
	int rc;

	*n = 0;
	if ((rc = db_clf_each(pl->db, add_example, t)) != DB_OK) {
		clf_trainer_free(&t);
		return rc;
	}
	m = clf_train(t);
	if (m == NULL) {
		log_info("classifier: %zu examples in %zu categories: nothing "
		    "to train yet", clf_trainer_count(t),
		    clf_trainer_classes(t));
		clf_trainer_free(&t);
		return DB_OK;
	}
	*n = clf_trainer_count(t);
	clf_trainer_free(&t);
	blob = clf_model_save(m, &len);
	if ((rc = db_begin(pl->db)) == DB_OK) {
		rc = db_clf_model_save(pl->db, blob, len, (long long)*n, now);
		rc = rc == DB_OK ? db_commit(pl->db) : (db_rollback(pl->db), rc);
	}
	free(blob);
	if (rc != DB_OK) {
		clf_model_free(&m);
		return rc;
	}
	clf_model_free(&pl->model);
	pl->model = m;
	pl->model_at = now;
	log_info("classifier: trained on %zu tickets, %zu categories", *n,
	    clf_model_nclasses(m));
	return DB_OK;
}

/* Today's retraining instant: local midnight + retrain_at minutes. */
static time_t
retrain_time(const struct config *cfg, time_t now, int days)
{
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return 0;
	tm.tm_hour = tm.tm_sec = 0;
	tm.tm_min = cfg->helpdesk.retrain_min;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

int
pipeline_retrain_tick(struct pipeline *pl, time_t now, time_t *next)
{
	char today[32], *last = NULL;
	struct tm tm;
	time_t t;
	size_t n;
	int rc;

	if (pl->cfg->helpdesk.retrain_min < 0)
		return DB_OK;
	t = retrain_time(pl->cfg, now, now < retrain_time(pl->cfg, now, 0) ?
	    0 : 1);
	if (t > 0 && (*next == 0 || t < *next))
		*next = t;
	if (now < retrain_time(pl->cfg, now, 0))
		return DB_OK;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(today, sizeof(today), "%Y-%m-%d", &tm) == 0)
		return DB_OK;
	if ((rc = db_state_get(pl->db, "retrain_day", &last)) != DB_OK)
		return rc;
	if (last != NULL && strcmp(last, today) == 0) {
		free(last);
		return DB_OK;
	}
	free(last);
	if ((rc = pipeline_retrain(pl, now, &n)) != DB_OK)
		return rc;
	if ((rc = db_begin(pl->db)) != DB_OK)
		return rc;
	if ((rc = db_state_set(pl->db, "retrain_day", today)) != DB_OK) {
		db_rollback(pl->db);
		return rc;
	}
	return db_commit(pl->db);
}

int
pipeline_kb_publish(struct pipeline *pl, long long number, const char *title,
    time_t now, long long *id, char *why, size_t whysz)
{
	struct intake in;
	struct pipeline_mail pm;
	struct db_ticket_info ti;
	int rc, r;

	memset(&in, 0, sizeof(in));
	memset(&pm, 0, sizeof(pm));
	in.pl = pl;
	in.pm = &pm;
	in.now = now;
	if ((rc = db_begin(pl->db)) != DB_OK)
		return rc;
	r = db_ticket_info(pl->db, number, &ti);
	if (r == 1) {
		snprintf(why, whysz, "there is no ticket #%lld", number);
		db_rollback(pl->db);
		return 1;
	}
	if (r < 0) {
		db_rollback(pl->db);
		return r;
	}
	r = publish(&in, &ti, title, NULL, id, why, whysz);
	db_ticket_info_clear(&ti);
	if (r <= 0) {
		db_rollback(pl->db);
		return r < 0 ? r : 1;
	}
	return db_commit(pl->db);
}
