/*
 * web_stats.c — the page's figures, computed by a thread of their own and
 * shared by every request (see web_stats.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "db_web.h"
#include "log.h"
#include "web_stats.h"
#include "xmalloc.h"

struct web_page {
	long long	 gen;		/* of the snapshot; 0 = empty */
	char		*viewer;
	time_t		 at;
	char		*data;
	size_t		 len;
};

struct web_stats {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* the refresher: wanted or stopping */
	pthread_cond_t	 done;		/* readers: a computation ended */
	pthread_t	 th;
	int		 started;	/* th runs */
	struct db	*db;		/* the refresher's connection */
	struct db	*watch;		/* data_version, under mu */
	struct web_snap	*cur;		/* the latest, or NULL */
	long long	 gen;		/* computations ended, with or without */
	long long	 begun;		/* computations begun */
	int		 running;	/* the last begun is being computed */
	long long	 begun_version;	/* the data_version it began on */
	long long	 begun_window;	/* the online window it is made for */
	long long	 failed_seq;	/* the last that failed, or 0 */
	long long	 waits_missed;	/* readers who waited in vain */
	int		 last_rc;	/* of the last computation */
	long long	 last_ms;	/* how long it took */
	int		 want;		/* a reader asked for new figures */
	long long	 want_window;
	int		 stop;
	long long	 delay_ms;	/* TICKETD_TEST_FIGURES_DELAY_MS */
	char		*fail_path;	/* TICKETD_TEST_FIGURES_FAIL */
	long long	 wait_ms;	/* WEB_STATS_WAIT_MS, or
					 * TICKETD_TEST_FIGURES_WAIT_MS */
	struct web_page	 pages[WEB_STATS_PAGES];	/* under mu */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An absolute CLOCK_MONOTONIC time ms from now, for the timed waits. */
static struct timespec
deadline(long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void
snap_unref(struct web_snap *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	stats_clear(&s->st);
	free(s);
}

/* The watching connection's data_version (mu held), or -1. */
static long long
version(struct web_stats *ws)
{
	long long v = -1;

	if (db_web_data_version(ws->watch, &v) != DB_OK)
		return -1;
	return v;
}

static void *
refresher(void *arg)
{
	struct web_stats *ws = arg;
	struct web_snap *s, *old;
	struct timespec until;
	long long window, v, t0, rest_until = 0;
	int rc;

	pthread_mutex_lock(&ws->mu);
	for (;;) {
		while (!ws->want && !ws->stop)
			pthread_cond_wait(&ws->cv, &ws->mu);
		if (ws->stop)
			break;
		/* rest after the last computation, unless told to stop */
		if (mono_ms() < rest_until) {
			until = deadline(rest_until - mono_ms());
			while (!ws->stop && pthread_cond_timedwait(&ws->cv,
			    &ws->mu, &until) != ETIMEDOUT)
				;
			if (ws->stop)
				break;
		}
		ws->want = 0;
		window = ws->want_window;
		/* before the computation: a change after it is seen later */
		v = version(ws);
		s = xcalloc(1, sizeof(*s));
		s->refs = 1;
		s->version = v;
		s->window = window;
		/*
		 * A reader who asked before this moment gets these, and so
		 * does one who comes while they are computed and sees the
		 * same version v: nothing was written in between.
		 */
		s->seq = ++ws->begun;
		ws->running = 1;
		ws->begun_version = v;
		ws->begun_window = window;
		pthread_mutex_unlock(&ws->mu);

		t0 = mono_ms();
		if (ws->fail_path != NULL && access(ws->fail_path, F_OK) == 0)
			rc = DB_TEMP;	/* the test suite's busy database */
		else
			rc = stats_compute(ws->db, time(NULL), window, &s->st);
		if (ws->delay_ms > 0) {
			/* the test suite's stand-in for a huge desk */
			struct timespec d = { ws->delay_ms / 1000,
			    ws->delay_ms % 1000 * 1000000 };

			while (nanosleep(&d, &d) == -1 && errno == EINTR)
				;
		}

		pthread_mutex_lock(&ws->mu);
		ws->last_ms = mono_ms() - t0;
		rest_until = mono_ms() + 3 * ws->last_ms;
		ws->last_rc = rc;
		ws->gen++;
		ws->running = 0;
		if (rc == DB_OK) {
			s->gen = ws->gen;
			old = ws->cur;
			ws->cur = s;
			snap_unref(old);
		} else {
			log_warnx("web: the desk's figures: %s",
			    rc == DB_TEMP ? "the database is busy" :
			    "the database failed (see above)");
			ws->failed_seq = s->seq;
			free(s);
		}
		pthread_cond_broadcast(&ws->done);
	}
	pthread_mutex_unlock(&ws->mu);
	return NULL;
}

static struct db *
open_ro(const char *path, char *err, size_t errsz)
{
	struct db *db;
	char *errstr = NULL;

	db = db_open(path, DB_RDONLY, &errstr, NULL);
	if (db == NULL) {
		snprintf(err, errsz, "%s", errstr != NULL ? errstr : path);
		free(errstr);
		return NULL;
	}
	if (db_web_seal(db) != DB_OK) {
		snprintf(err, errsz, "%s: cannot make the page's connection "
		    "read-only", path);
		db_free(&db);
		return NULL;
	}
	return db;
}

struct web_stats *
web_stats_start(const char *dbpath, long long window, char *err,
    size_t errsz)
{
	struct web_stats *ws;
	pthread_condattr_t ca;
	sigset_t all, old;
	const char *e;
	int rc;

	ws = xcalloc(1, sizeof(*ws));
	pthread_mutex_init(&ws->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ws->cv, &ca);
	pthread_cond_init(&ws->done, &ca);
	pthread_condattr_destroy(&ca);
	if ((ws->db = open_ro(dbpath, err, errsz)) == NULL ||
	    (ws->watch = open_ro(dbpath, err, errsz)) == NULL)
		goto fail;
	if ((e = getenv("TICKETD_TEST_FIGURES_DELAY_MS")) != NULL) {
		ws->delay_ms = strtoll(e, NULL, 10);
		if (ws->delay_ms < 0 || ws->delay_ms > 60000)
			ws->delay_ms = 0;
	}
	/* a computation begun while this file exists fails as if busy */
	if ((e = getenv("TICKETD_TEST_FIGURES_FAIL")) != NULL)
		ws->fail_path = xstrdup(e);
	ws->wait_ms = WEB_STATS_WAIT_MS;
	if ((e = getenv("TICKETD_TEST_FIGURES_WAIT_MS")) != NULL) {
		ws->wait_ms = strtoll(e, NULL, 10);
		if (ws->wait_ms < 0 || ws->wait_ms > 60000)
			ws->wait_ms = WEB_STATS_WAIT_MS;
	}
	ws->want = 1;		/* the first figures, before anyone asks */
	ws->want_window = window;
	/* signals go to the main thread, never to this one */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&ws->th, NULL, refresher, ws);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start the page's figures: %s",
		    strerror(rc));
		goto fail;
	}
	ws->started = 1;
	return ws;
fail:
	web_stats_stop(&ws);
	return NULL;
}

void
web_stats_stop(struct web_stats **wsp)
{
	struct web_stats *ws = *wsp;
	size_t i;

	if (ws == NULL)
		return;
	if (ws->started) {
		pthread_mutex_lock(&ws->mu);
		ws->stop = 1;
		pthread_cond_signal(&ws->cv);
		pthread_mutex_unlock(&ws->mu);
		pthread_join(ws->th, NULL);
	}
	snap_unref(ws->cur);
	for (i = 0; i < WEB_STATS_PAGES; i++) {
		free(ws->pages[i].viewer);
		free(ws->pages[i].data);
	}
	db_free(&ws->db);
	db_free(&ws->watch);
	free(ws->fail_path);
	pthread_cond_destroy(&ws->cv);
	pthread_cond_destroy(&ws->done);
	pthread_mutex_destroy(&ws->mu);
	free(ws);
	*wsp = NULL;
}

static int
fresh(const struct web_snap *s, long long v, long long window, time_t now)
{
	return s != NULL && v != -1 && s->version == v &&
	    s->window == window && now >= s->st.now &&
	    now - s->st.now < WEB_STATS_MAX_AGE;
}

/*
 * Whether the reader who asked for figures computed after `target` began
 * (with online window `window`) has them.
 */
static int
arrived(const struct web_snap *s, long long target, long long window)
{
	return s != NULL && s->seq >= target && s->window == window;
}

/*
 * For a reader who saw data_version v and wants figures with online
 * window `window` (mu held): the seq of the computation that will give
 * them. The running one when it began on that very version (nothing was
 * written since, and it reads the database after that look), else the
 * next, which is asked for here.
 */
static long long
ask(struct web_stats *ws, long long v, long long window)
{
	if (ws->running && v != -1 && ws->begun_version == v &&
	    ws->begun_window == window)
		return ws->begun;
	ws->want = 1;
	ws->want_window = window;
	pthread_cond_signal(&ws->cv);
	return ws->begun + 1;
}

int
web_stats_get(struct web_stats *ws, long long window, struct web_snap **snap)
{
	struct timespec until;
	long long v, target;
	int rc, wait;

	*snap = NULL;
	pthread_mutex_lock(&ws->mu);
	v = version(ws);
	if (!fresh(ws->cur, v, window, time(NULL))) {
		target = ask(ws, v, window);
		/*
		 * Wait for the new figures when they come quickly, or when
		 * there are none yet; else give the last ones at once.
		 */
		wait = ws->cur == NULL ? WEB_STATS_FIRST_MAX_MS :
		    ws->last_ms < ws->wait_ms && v != -1 ?
		    WEB_STATS_WAIT_MAX_MS + ws->wait_ms : 0;
		if (wait > 0) {
			until = deadline(wait);
			/*
			 * Until the figures of computation `target` or a
			 * later one: begun after this request saw the
			 * database (its version is read under this lock as
			 * it begins), or begun on the very version it saw.
			 * Not "figures of version v": on a desk that keeps
			 * writing, the next computation already sees a
			 * later version, and the reader would wait in vain.
			 * Only the failure of that computation or a later
			 * one ends the wait early (in vain): one begun
			 * before says nothing of the figures wanted here.
			 */
			while (!arrived(ws->cur, target, window)) {
				if (ws->failed_seq >= target) {
					ws->waits_missed++;
					break;
				}
				if (ws->cur != NULL &&
				    ws->cur->seq >= target) {
					/* made for another window */
					target = ask(ws, v, window);
				}
				if (pthread_cond_timedwait(&ws->done, &ws->mu,
				    &until) == ETIMEDOUT) {
					if (!arrived(ws->cur, target, window))
						ws->waits_missed++;
					break;
				}
			}
		}
	}
	if (ws->cur != NULL) {
		ws->cur->refs++;
		*snap = ws->cur;
		rc = DB_OK;
	} else
		rc = ws->last_rc != DB_OK ? ws->last_rc : DB_TEMP;
	pthread_mutex_unlock(&ws->mu);
	return rc;
}

void
web_stats_put(struct web_stats *ws, struct web_snap **snap)
{
	if (*snap == NULL)
		return;
	pthread_mutex_lock(&ws->mu);
	snap_unref(*snap);
	pthread_mutex_unlock(&ws->mu);
	*snap = NULL;
}

void
web_stats_info(struct web_stats *ws, long long *computed, long long *last_ms,
    long long *waits_missed)
{
	pthread_mutex_lock(&ws->mu);
	*computed = ws->gen;
	*last_ms = ws->last_ms;
	*waits_missed = ws->waits_missed;
	pthread_mutex_unlock(&ws->mu);
}

static int
page_fresh(const struct web_page *p, const struct web_snap *snap,
    const char *viewer, time_t now)
{
	return p->gen == snap->gen && strcmp(p->viewer, viewer) == 0 &&
	    now >= p->at && now - p->at < WEB_STATS_PAGE_TTL;
}

int
web_stats_page(struct web_stats *ws, const struct web_snap *snap,
    const char *viewer, time_t now, struct buf *out)
{
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&ws->mu);
	for (i = 0; i < WEB_STATS_PAGES && !hit; i++)
		if (page_fresh(&ws->pages[i], snap, viewer, now))
			hit = buf_add(out, ws->pages[i].data,
			    ws->pages[i].len) == 0;
	pthread_mutex_unlock(&ws->mu);
	return hit;
}

void
web_stats_page_keep(struct web_stats *ws, const struct web_snap *snap,
    const char *viewer, time_t now, const struct buf *page)
{
	struct web_page *p;
	size_t i;

	pthread_mutex_lock(&ws->mu);
	/* the same viewer's older page, an empty slot, or the oldest */
	p = &ws->pages[0];
	for (i = 0; i < WEB_STATS_PAGES; i++) {
		if (ws->pages[i].gen != 0 &&
		    strcmp(ws->pages[i].viewer, viewer) == 0) {
			p = &ws->pages[i];
			break;
		}
		if (ws->pages[i].gen == 0 || ws->pages[i].at < p->at ||
		    ws->pages[i].gen < p->gen)
			p = &ws->pages[i];
	}
	free(p->viewer);
	free(p->data);
	p->gen = snap->gen;
	p->viewer = xstrdup(viewer);
	p->at = now;
	p->len = page->len;
	p->data = xmalloc(page->len + 1);
	memcpy(p->data, page->data, page->len);
	p->data[page->len] = '\0';
	pthread_mutex_unlock(&ws->mu);
}
