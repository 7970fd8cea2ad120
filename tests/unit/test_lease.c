/*
 * test_lease.c — the holder of an outbox lease: this process is alive; a
 * child that ended (reaped or still a zombie) is gone; a PID with another
 * start time (reused) is gone; another boot of this host is gone; another
 * host or PID namespace, or a holder we cannot read, is never taken for
 * gone.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "t.h"

/* The five fields of lease_self(), copied. */
struct parts {
	char	host[128], boot[128], ns[128];
	long	pid;
	char	start[64];
};

static int
split(const char *s, struct parts *p)
{
	char buf[LEASE_HOLDER_MAX], *f[5], *q;
	int i;

	snprintf(buf, sizeof(buf), "%s", s);
	q = buf;
	for (i = 0; i < 5; i++) {
		f[i] = q;
		q = strchr(q, ' ');
		if (q == NULL && i < 4)
			return -1;
		if (q != NULL)
			*q++ = '\0';
	}
	snprintf(p->host, sizeof(p->host), "%s", f[0]);
	snprintf(p->boot, sizeof(p->boot), "%s", f[1]);
	snprintf(p->ns, sizeof(p->ns), "%s", f[2]);
	p->pid = strtol(f[3], NULL, 10);
	snprintf(p->start, sizeof(p->start), "%s", f[4]);
	return 0;
}

static const char *
holder(const char *host, const char *boot, const char *ns, long pid,
    const char *start)
{
	static char buf[LEASE_HOLDER_MAX];

	snprintf(buf, sizeof(buf), "%s %s %s %ld %s", host, boot, ns, pid,
	    start);
	return buf;
}

/* The holder string of a process of ours: its own lease_self(). */
static pid_t
child(int fds[2], char *out, size_t outsz, int stay)
{
	pid_t pid;
	ssize_t n;

	if (pipe(fds) == -1)
		abort();
	pid = fork();
	if (pid == 0) {
		const char *me = lease_self();

		(void)!write(fds[1], me, strlen(me));
		close(fds[1]);
		if (stay)
			pause();
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return pid;
}

static void
test_self(void)
{
	struct parts p;
	const char *me = lease_self();

	T_CHECK(strlen(me) > 10);
	T_INTEQ(split(me, &p), 0);
	T_INTEQ(p.pid, (long)getpid());
	T_STREQ(lease_self(), me);
	T_INTEQ(lease_holder_pid(me), (long)getpid());
	T_INTEQ(lease_holder_gone(me), 0);
	/* the boot id is this kernel's */
	{
		char id[128] = "";
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

		if (f != NULL) {
			if (fgets(id, sizeof(id), f) != NULL)
				id[strcspn(id, "\n")] = '\0';
			fclose(f);
			T_STREQ(p.boot, id);
		}
	}
}

static void
test_children(void)
{
	char h[LEASE_HOLDER_MAX];
	int fds[2], st;
	pid_t pid;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	/* running: alive */
	pid = child(fds, h, sizeof(h), 1);
	T_INTEQ(lease_holder_pid(h), (long)pid);
	T_INTEQ(lease_holder_gone(h), 0);
	/* killed, not yet reaped (a zombie): gone */
	kill(pid, SIGKILL);
	for (i = 0; i < 100 && lease_holder_gone(h) == 0; i++)
		nanosleep(&ts, NULL);
	T_INTEQ(lease_holder_gone(h), 1);
	/* reaped: gone */
	waitpid(pid, &st, 0);
	T_INTEQ(lease_holder_gone(h), 1);

	/* ended by itself */
	pid = child(fds, h, sizeof(h), 0);
	waitpid(pid, &st, 0);
	T_INTEQ(lease_holder_gone(h), 1);
}

static void
test_others(void)
{
	struct parts p;

	T_INTEQ(split(lease_self(), &p), 0);
	/* this PID with another start time: the PID was reused */
	T_INTEQ(lease_holder_gone(holder(p.host, p.boot, p.ns, p.pid, "1")), 1);
	/* another boot of this host: it rebooted since */
	T_INTEQ(lease_holder_gone(holder(p.host,
	    "00000000-0000-0000-0000-000000000000", p.ns, p.pid, p.start)), 1);
	/* another host, another PID namespace: cannot tell */
	T_INTEQ(lease_holder_gone(holder("elsewhere.example", p.boot, p.ns,
	    999999, "1")), 0);
	T_INTEQ(lease_holder_gone(holder("elsewhere.example", "other", p.ns,
	    999999, "1")), 0);
	T_INTEQ(lease_holder_gone(holder(p.host, p.boot, "1", 999999, "1")), 0);
	/* what is not a holder is never gone */
	T_INTEQ(lease_holder_gone(NULL), 0);
	T_INTEQ(lease_holder_gone(""), 0);
	T_INTEQ(lease_holder_gone("1234"), 0);
	T_INTEQ(lease_holder_gone("a b c 0 1"), 0);
	T_INTEQ(lease_holder_gone("a b c -5 1"), 0);
	T_INTEQ(lease_holder_gone("a b c 12x 1"), 0);
	T_INTEQ(lease_holder_gone("a b c 12 1 extra"), 0);
	T_INTEQ(lease_holder_gone(holder(p.host, p.boot, p.ns, p.pid,
	    "99999999999999999999999")), 0);
	T_INTEQ(lease_holder_pid("a b c 12 1"), 12);
	T_INTEQ(lease_holder_pid("garbage"), 0);
	T_INTEQ(lease_holder_pid(NULL), 0);
}

int
main(void)
{
	T_RUN(test_self);
	T_RUN(test_children);
	T_RUN(test_others);
	return T_END();
}
