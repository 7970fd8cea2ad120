/*
 * stats.c — the desk's figures (see stats.h): a few indexed queries
 * (db_stats.c), then counting, bucketing and percentiles here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"
#include "db_stats.h"
#include "db_kb.h"
#include "stats.h"
#include "xmalloc.h"

static const char *const prio_names[STATS_NPRIO] = {
	"high", "medium", "low"
};
static const char *const status_names[STATS_NSTATUS] = {
	"open", "assigned", "resolved", "rejected"
};

const char *
stats_prio_name(int i)
{
	return i >= 0 && i < STATS_NPRIO ? prio_names[i] : "?";
}

const char *
stats_status_name(int i)
{
	return i >= 0 && i < STATS_NSTATUS ? status_names[i] : "?";
}

int
stats_prio_index(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < STATS_NPRIO; i++)
		if (strcmp(s, prio_names[i]) == 0)
			return i;
	return -1;
}

int
stats_status_index(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < STATS_NSTATUS; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

/*
 * The k-th smallest of v[0..n) (k < n), moving the others around: Hoare's
 * selection with a median-of-three pivot, O(n) on average — a percentile
 * of 100,000 resolution times without sorting them.
 */
static long long
select_kth(long long *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, i, j, mid;
	long long pivot, t;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		/* the median of v[lo], v[mid], v[hi] as the pivot */
		if (v[mid] < v[lo]) {
			t = v[mid]; v[mid] = v[lo]; v[lo] = t;
		}
		if (v[hi] < v[lo]) {
			t = v[hi]; v[hi] = v[lo]; v[lo] = t;
		}
		if (v[hi] < v[mid]) {
			t = v[hi]; v[hi] = v[mid]; v[mid] = t;
		}
		pivot = v[mid];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i]; v[i] = v[j]; v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		/* [lo, j] <= pivot <= [i, hi]; between them equal to it */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

long long
stats_percentile(long long *v, size_t n, int pct)
{
	size_t rank;

	if (n == 0)
		return -1;
	if (pct < 1)
		pct = 1;
	if (pct > 100)
		pct = 100;
	/* nearest rank: ceil(pct * n / 100), counted from 1 */
	rank = ((size_t)pct * n + 99) / 100;
	return select_kth(v, n, rank > 0 ? rank - 1 : 0);
}

void
stats_days(time_t now, size_t n, time_t *starts)
{
	struct tm tm, day;
	size_t i;

	if (localtime_r(&now, &tm) == NULL) {
		/* cannot happen for a sane clock; fall back to UTC days */
		for (i = 0; i < n; i++)
			starts[i] = now - now % 86400 -
			    (time_t)(n - 1 - i) * 86400;
		return;
	}
	for (i = 0; i < n; i++) {
		day = tm;
		day.tm_hour = 0;
		day.tm_min = 0;
		day.tm_sec = 0;
		day.tm_mday -= (int)(n - 1 - i);	/* mktime normalises */
		day.tm_isdst = -1;
		starts[i] = mktime(&day);
	}
}

int
stats_day_of(const time_t *starts, size_t n, time_t end, time_t t)
{
	size_t lo = 0, hi = n, mid;

	if (n == 0 || t < starts[0] || t >= end)
		return -1;
	/* the last start <= t */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (starts[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

const char *
stats_duration(char *buf, size_t sz, long long s)
{
	static const struct { long long secs; const char *unit; } u[] = {
		{ 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" }
	};
	long long a, b;
	size_t i;

	if (s < 0) {
		snprintf(buf, sz, "-");
		return buf;
	}
	for (i = 0; i < 3 && s < u[i].secs; i++)
		;
	a = s / u[i].secs;
	if (i == 3 || (i == 0 && a >= 10)) {
		/* seconds alone; or ten days and more: whole days */
		snprintf(buf, sz, "%lld%s", a, u[i].unit);
		return buf;
	}
	b = s % u[i].secs / u[i + 1].secs;
	if (b == 0)
		snprintf(buf, sz, "%lld%s", a, u[i].unit);
	else
		snprintf(buf, sz, "%lld%s %lld%s", a, u[i].unit, b,
		    u[i + 1].unit);
	return buf;
}

/* Growable lists of resolution times. */
struct times {
	long long *v;
	size_t	   n, cap;
};

static void
times_add(struct times *t, long long x)
{
	if (t->n == t->cap)
		t->v = xreallocarray(t->v, t->cap = t->cap ? t->cap * 2 : 64,
		    sizeof(*t->v));
	t->v[t->n++] = x;
}

struct ctx {
	struct stats	*st;
	struct times	 prio[STATS_NPRIO];
	struct times	*admin;		/* one per st->admins[] */
	long long	*met, *targets;	/* one per st->admins[]: SLA met */
	time_t		 week;		/* start of the last 7 days */
	int		 error;
};

static void
count_cb(const char *prio, const char *status, long long n, void *arg)
{
	struct stats *st = arg;
	int p = stats_prio_index(prio), s = stats_status_index(status);

	st->raised += n;
	if (s >= 0)
		st->by_status[s] += n;
	if (p >= 0 && s >= 0)
		st->by[p][s] += n;
}

static void
admin_cb(const struct db_stats_admin *a, void *arg)
{
	struct stats *st = arg;
	struct stats_admin *x;

	st->admins = xreallocarray(st->admins, st->nadmins + 1,
	    sizeof(*st->admins));
	x = &st->admins[st->nadmins++];
	memset(x, 0, sizeof(*x));
	x->id = a->id;
	x->email = xstrdup(a->email != NULL ? a->email : "");
	x->name = a->name != NULL && a->name[0] != '\0' ?
	    xstrdup(a->name) : NULL;
	x->root = a->root;
	x->last_seen = a->last_seen;
	x->online = a->last_seen > 0 &&
	    a->last_seen > (long long)st->now - st->online_window;
	x->away = a->away;
	x->away_until = a->away_until;
	x->open = a->open;
	x->median_secs = -1;
	x->sla_met_pct = -1;
}

static void
resolved_cb(const struct db_stats_resolved *r, void *arg)
{
	struct ctx *c = arg;
	struct stats *st = c->st;
	size_t i;
	int p = stats_prio_index(r->priority);

	if (p >= 0) {
		st->prio[p].resolved++;
		times_add(&c->prio[p], r->secs);
	}
	if (r->assignee_id == 0)
		return;
	/* a handful of admins: a scan is faster than anything cleverer */
	for (i = 0; i < st->nadmins; i++) {
		if (st->admins[i].id != r->assignee_id)
			continue;
		st->admins[i].resolved_30d++;
		if (r->closed_at >= (long long)c->week)
			st->admins[i].resolved_7d++;
		if (r->due_at > 0) {
			c->targets[i]++;
			if (r->closed_at <= r->due_at)
				c->met[i]++;
		}
		times_add(&c->admin[i], r->secs);
		break;
	}
}

static void
bucket(struct stats *st, const long long *v, size_t n, long long *out)
{
	size_t i;
	int d;

	for (i = 0; i < n; i++) {
		d = stats_day_of(st->day_start, STATS_DAYS, st->now + 1,
		    (time_t)v[i]);
		if (d >= 0)
			out[d]++;
	}
}

static int log_into(struct db *, struct stats *);

int
stats_compute(struct db *db, time_t now, long long online_window,
    struct stats *st)
{
	struct ctx c;
	long long *v = NULL;
	size_t n, i, na = 0;
	int rc, p;

	memset(st, 0, sizeof(*st));
	memset(&c, 0, sizeof(c));
	st->now = now;
	st->online_window = online_window;
	st->sla_known = 1;
	st->breached = 0;
	c.st = st;
	c.week = now - 7 * 86400;
	stats_days(now, STATS_DAYS, st->day_start);

	if ((rc = db_stats_counts(db, count_cb, st)) != DB_OK ||
	    (rc = db_stats_breached(db, now, &st->breached)) != DB_OK ||
	    (rc = db_stats_admins(db, now, admin_cb, st)) != DB_OK ||
	    (rc = db_kb_self_help_count(db, &st->self_help)) != DB_OK)
		goto fail;

	if ((rc = db_stats_times(db, 0, st->day_start[0], &v, &n)) != DB_OK)
		goto fail;
	bucket(st, v, n, st->opened);
	free(v);
	if ((rc = db_stats_times(db, 1, st->day_start[0], &v, &n)) != DB_OK)
		goto fail;
	bucket(st, v, n, st->closed);
	free(v);

	na = st->nadmins;
	c.admin = xcalloc(na + 1, sizeof(*c.admin));
	c.met = xcalloc(na + 1, sizeof(*c.met));
	c.targets = xcalloc(na + 1, sizeof(*c.targets));
	if ((rc = db_stats_resolved(db, now - (time_t)STATS_DAYS * 86400,
	    resolved_cb, &c)) != DB_OK)
		goto fail;
	for (p = 0; p < STATS_NPRIO; p++) {
		st->prio[p].median_secs = stats_percentile(c.prio[p].v,
		    c.prio[p].n, 50);
		st->prio[p].p90_secs = stats_percentile(c.prio[p].v,
		    c.prio[p].n, 90);
	}
	for (i = 0; i < st->nadmins; i++) {
		st->admins[i].median_secs = stats_percentile(c.admin[i].v,
		    c.admin[i].n, 50);
		/* of their tickets resolved in 30 days that had a target */
		st->admins[i].sla_met_pct = c.targets[i] == 0 ? -1 :
		    (int)(c.met[i] * 100 / c.targets[i]);
	}
	if ((rc = log_into(db, st)) != DB_OK)
		goto fail;
	rc = DB_OK;
	goto out;
fail:
	stats_clear(st);
out:
	for (p = 0; p < STATS_NPRIO; p++)
		free(c.prio[p].v);
	for (i = 0; c.admin != NULL && i < na; i++)
		free(c.admin[i].v);
	free(c.admin);
	free(c.met);
	free(c.targets);
	return rc;
}

void
stats_clear(struct stats *st)
{
	size_t i;

	for (i = 0; i < st->nadmins; i++) {
		free(st->admins[i].email);
		free(st->admins[i].name);
	}
	free(st->admins);
	memset(st, 0, sizeof(*st));
}

/* ---- the event log's figures ---- */

struct logctx {
	struct stats_log *lg;
	struct times	  all;
	struct times	 *per;		/* one per lg->admins */
	long long	  ticket;	/* the ticket in hand */
	char		 *holder;	/* its admin now */
	int		  responded;
};

static size_t
log_admin(struct logctx *c, const char *email)
{
	struct stats_log *lg = c->lg;
	size_t i;

	for (i = 0; i < lg->nadmins; i++)
		if (strcasecmp(lg->admins[i].email, email) == 0)
			return i;
	lg->admins = xreallocarray(lg->admins, lg->nadmins + 1,
	    sizeof(*lg->admins));
	c->per = xreallocarray(c->per, lg->nadmins + 1, sizeof(*c->per));
	memset(&lg->admins[lg->nadmins], 0, sizeof(*lg->admins));
	memset(&c->per[lg->nadmins], 0, sizeof(*c->per));
	lg->admins[lg->nadmins].email = xstrdup(email);
	return lg->nadmins++;
}

static void
log_category(struct stats_log *lg, const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		name = "none";
	for (i = 0; i < lg->ncats; i++)
		if (strcmp(lg->cats[i].name, name) == 0) {
			lg->cats[i].n++;
			return;
		}
	lg->cats = xreallocarray(lg->cats, lg->ncats + 1, sizeof(*lg->cats));
	lg->cats[lg->ncats].name = xstrdup(name);
	lg->cats[lg->ncats++].n = 1;
}

static int
staff(const char *role)
{
	return role != NULL && (strcmp(role, "admin") == 0 ||
	    strcmp(role, "root") == 0);
}

static void
log_event(const struct db_stats_event *e, void *arg)
{
	struct logctx *c = arg;
	struct stats_log *lg = c->lg;
	long long secs = e->at - e->created_at;
	size_t a;
	int i;

	if (e->ticket != c->ticket) {
		c->ticket = e->ticket;
		free(c->holder);
		c->holder = NULL;
		c->responded = 0;
		lg->tickets++;
		if ((i = stats_status_index(e->status)) >= 0)
			lg->by_status[i]++;
		if ((i = stats_prio_index(e->priority)) >= 0)
			lg->by_prio[i]++;
		log_category(lg, e->category);
	}
	if ((strcmp(e->kind, "assigned") == 0 ||
	    strcmp(e->kind, "reassigned") == 0) && e->detail != NULL &&
	    e->detail[0] != '\0') {
		if (c->holder != NULL && strcasecmp(c->holder, e->detail) != 0) {
			lg->handovers++;
			/* log_admin() may move lg->admins: index first */
			a = log_admin(c, c->holder);
			lg->admins[a].given++;
			a = log_admin(c, e->detail);
			lg->admins[a].received++;
		} else
			(void)log_admin(c, e->detail);
		free(c->holder);
		c->holder = xstrdup(e->detail);
		return;
	}
	if (!c->responded && e->actor != NULL && staff(e->actor_role) &&
	    (strcmp(e->kind, "commented") == 0 ||
	    strcmp(e->kind, "resolved") == 0 ||
	    strcmp(e->kind, "rejected") == 0)) {
		c->responded = 1;
		lg->responses++;
		lg->response_secs += secs;
		a = log_admin(c, e->actor);
		lg->admins[a].responses++;
		lg->admins[a].response_secs += secs;
	}
	if (strcmp(e->kind, "resolved") == 0) {
		lg->resolved++;
		times_add(&c->all, secs);
		if (e->due_at > 0) {
			lg->targets++;
			if (e->at <= e->due_at)
				lg->met++;
		}
		if (e->actor == NULL && c->holder == NULL)
			return;
		a = log_admin(c, e->actor != NULL ? e->actor : c->holder);
		lg->admins[a].resolved++;
		times_add(&c->per[a], secs);
		if (e->due_at > 0) {
			lg->admins[a].targets++;
			if (e->at <= e->due_at)
				lg->admins[a].met++;
		}
	}
}

static int
admin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stats_log_admin *)a)->email,
	    ((const struct stats_log_admin *)b)->email);
}

static int
cat_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stats_log_cat *)a)->name,
	    ((const struct stats_log_cat *)b)->name);
}

int
stats_log(struct db *db, time_t since, struct stats_log *lg)
{
	struct logctx c;
	size_t i;
	int rc;

	memset(lg, 0, sizeof(*lg));
	memset(&c, 0, sizeof(c));
	lg->since = since;
	c.lg = lg;
	rc = db_stats_events(db, since, log_event, &c);
	lg->median_secs = stats_percentile(c.all.v, c.all.n, 50);
	lg->p90_secs = stats_percentile(c.all.v, c.all.n, 90);
	for (i = 0; i < lg->nadmins; i++) {
		lg->admins[i].median_secs = stats_percentile(c.per[i].v,
		    c.per[i].n, 50);
		lg->admins[i].p90_secs = stats_percentile(c.per[i].v,
		    c.per[i].n, 90);
		free(c.per[i].v);
	}
	free(c.per);
	free(c.all.v);
	free(c.holder);
	/* only the people something was counted for, by address */
	for (i = 0; i < lg->nadmins; ) {
		if (lg->admins[i].resolved + lg->admins[i].given +
		    lg->admins[i].received + lg->admins[i].responses == 0) {
			free(lg->admins[i].email);
			lg->admins[i] = lg->admins[--lg->nadmins];
		} else
			i++;
	}
	if (lg->nadmins > 0)
		qsort(lg->admins, lg->nadmins, sizeof(*lg->admins), admin_cmp);
	if (lg->ncats > 0)
		qsort(lg->cats, lg->ncats, sizeof(*lg->cats), cat_cmp);
	if (rc != DB_OK)
		stats_log_clear(lg);
	return rc;
}

void
stats_log_clear(struct stats_log *lg)
{
	size_t i;

	for (i = 0; i < lg->nadmins; i++)
		free(lg->admins[i].email);
	free(lg->admins);
	for (i = 0; i < lg->ncats; i++)
		free(lg->cats[i].name);
	free(lg->cats);
	memset(lg, 0, sizeof(*lg));
}

/* The event log's figures of the dashboard's 30 days, into st. */
static int
log_into(struct db *db, struct stats *st)
{
	struct stats_log lg;
	size_t i, j;
	int rc;

	for (i = 0; i < st->nadmins; i++)
		st->admins[i].first_response_secs = -1;
	st->first_response_secs = -1;
	if ((rc = stats_log(db, st->day_start[0], &lg)) != DB_OK)
		return rc;
	st->handovers = lg.handovers;
	if (lg.responses > 0)
		st->first_response_secs = lg.response_secs / lg.responses;
	for (i = 0; i < st->nadmins; i++)
		for (j = 0; j < lg.nadmins; j++) {
			if (strcasecmp(st->admins[i].email,
			    lg.admins[j].email) != 0)
				continue;
			st->admins[i].given = lg.admins[j].given;
			st->admins[i].received = lg.admins[j].received;
			if (lg.admins[j].responses > 0)
				st->admins[i].first_response_secs =
				    lg.admins[j].response_secs /
				    lg.admins[j].responses;
			break;
		}
	stats_log_clear(&lg);
	return DB_OK;
}
