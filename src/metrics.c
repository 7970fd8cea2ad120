/*
 * metrics.c — the daemon's counters (see metrics.h). Relaxed atomics:
 * each counter is exact on its own; a reader may see one bumped before
 * another, which a scrape every few seconds never notices.
 */
#include <stdatomic.h>
#include <string.h>

#include "metrics.h"

static atomic_ullong mails[METRICS_OUTCOMES];
static atomic_ullong imap_connects;
static atomic_ullong notices[3];
static atomic_llong started;
static atomic_llong last_poll;
static atomic_llong poll_window;

#define BUMP(c)	atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define READ(c)	atomic_load_explicit(&(c), memory_order_relaxed)

void
metrics_mail(int outcome)
{
	if (outcome >= 0 && outcome < METRICS_OUTCOMES)
		BUMP(mails[outcome]);
}

void
metrics_imap_connected(void)
{
	BUMP(imap_connects);
}

void
metrics_notice(int result)
{
	if (result >= 0 && result < 3)
		BUMP(notices[result]);
}

void
metrics_start(time_t now)
{
	atomic_store_explicit(&started, (long long)now, memory_order_relaxed);
}

void
metrics_polled(time_t now)
{
	atomic_store_explicit(&last_poll, (long long)now,
	    memory_order_relaxed);
}

void
metrics_poll_window(long long secs)
{
	atomic_store_explicit(&poll_window, secs, memory_order_relaxed);
}

void
metrics_read(struct metrics *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < METRICS_OUTCOMES; i++)
		m->mails[i] = READ(mails[i]);
	m->imap_connects = READ(imap_connects);
	m->imap_reconnects = m->imap_connects > 0 ? m->imap_connects - 1 : 0;
	m->notices_sent = READ(notices[0]);
	m->smtp_temp_failures = READ(notices[1]);
	m->smtp_perm_failures = READ(notices[2]);
	m->started = (time_t)READ(started);
	m->last_poll = (time_t)READ(last_poll);
	m->poll_window = READ(poll_window);
}
