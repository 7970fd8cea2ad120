/*
 * lease.c — the holder of an outbox lease (see lease.h). Linux: everything
 * comes from /proc; elsewhere a holder is never known to be gone and a
 * lease simply runs to its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lease.h"

#define PART_MAX	64	/* longest part of a holder we read or write */

/* The whole (small) file at path into buf, NUL-terminated: 0, or -1. */
static int
read_small(const char *path, char *buf, size_t bufsz)
{
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (n + 1 < bufsz) {
		r = read(fd, buf + n, bufsz - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Copy the printable, space-free bytes of src (at most PART_MAX) to dst. */
static void
part(char *dst, size_t dstsz, const char *src)
{
	size_t n = 0;

	for (; *src != '\0' && n + 1 < dstsz && n < PART_MAX; src++)
		if (*src > ' ' && *src < 0x7f)
			dst[n++] = *src;
	if (n == 0 && dstsz > 1)
		dst[n++] = '-';
	dst[n] = '\0';
}

/*
 * The state letter and start time (field 22) of process pid, from
 * /proc/PID/stat: 0; -1 when there is no such process; -2 when the file
 * cannot be read or understood.
 */
static int
proc_stat(long pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p, *end;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_small(path, buf, sizeof(buf)) == -1)
		return errno == ENOENT || errno == ESRCH ? -1 : -2;
	/* "PID (COMM) S PPID …": the name may hold spaces and parentheses */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -2;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return -2;
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return -2;
	return 0;
}

static void
boot_id(char *dst, size_t dstsz)
{
	char buf[128];

	if (read_small("/proc/sys/kernel/random/boot_id", buf,
	    sizeof(buf)) == -1)
		buf[0] = '\0';
	part(dst, dstsz, buf);
}

/* The PID namespace, "4026531836" of "pid:[4026531836]". */
static void
pid_ns(char *dst, size_t dstsz)
{
	char buf[128], *p;
	ssize_t n;

	n = readlink("/proc/self/ns/pid", buf, sizeof(buf) - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	p = strchr(buf, '[');
	part(dst, dstsz, p != NULL ? p + 1 : buf);
	if ((p = strchr(dst, ']')) != NULL)
		*p = '\0';
}

static void
host_name(char *dst, size_t dstsz)
{
	char buf[256];

	if (gethostname(buf, sizeof(buf)) == -1)
		buf[0] = '\0';
	buf[sizeof(buf) - 1] = '\0';
	part(dst, dstsz, buf);
}

const char *
lease_self(void)
{
	static char self[LEASE_HOLDER_MAX];
	static pid_t self_pid;
	char host[PART_MAX + 1], boot[PART_MAX + 1], ns[PART_MAX + 1];
	unsigned long long start = 0;
	char state;

	if (self[0] != '\0' && self_pid == getpid())
		return self;		/* computed again in a forked child */
	self_pid = getpid();
	host_name(host, sizeof(host));
	boot_id(boot, sizeof(boot));
	pid_ns(ns, sizeof(ns));
	if (proc_stat((long)getpid(), &state, &start) != 0)
		start = 0;
	snprintf(self, sizeof(self), "%s %s %s %ld %llu", host, boot, ns,
	    (long)getpid(), start);
	return self;
}

struct holder {
	char			 host[PART_MAX + 1];
	char			 boot[PART_MAX + 1];
	char			 ns[PART_MAX + 1];
	long			 pid;
	unsigned long long	 start;
};

/* Split "HOST BOOT PIDNS PID START": 0, or -1 when it is not one. */
static int
holder_parse(const char *s, struct holder *h)
{
	char buf[LEASE_HOLDER_MAX], *f[5], *p, *end;
	size_t i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	p = buf;
	for (i = 0; i < 5; i++) {
		f[i] = p;
		p = strchr(p, ' ');
		if (p == NULL) {
			if (i != 4)
				return -1;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL)
		return -1;	/* a sixth field */
	for (i = 0; i < 3; i++) {
		if (strlen(f[i]) > PART_MAX || f[i][0] == '\0')
			return -1;
	}
	snprintf(h->host, sizeof(h->host), "%s", f[0]);
	snprintf(h->boot, sizeof(h->boot), "%s", f[1]);
	snprintf(h->ns, sizeof(h->ns), "%s", f[2]);
	if (f[3][0] < '1' || f[3][0] > '9')
		return -1;
	errno = 0;
	h->pid = strtol(f[3], &end, 10);
	if (errno != 0 || *end != '\0' || h->pid <= 0)
		return -1;
	if (f[4][0] < '0' || f[4][0] > '9')
		return -1;
	errno = 0;
	h->start = strtoull(f[4], &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

long
lease_holder_pid(const char *s)
{
	struct holder h;

	return s != NULL && holder_parse(s, &h) == 0 ? h.pid : 0;
}

int
lease_holder_gone(const char *s)
{
	struct holder h, me;
	unsigned long long start;
	char state;

	if (s == NULL || holder_parse(s, &h) == -1 ||
	    holder_parse(lease_self(), &me) == -1)
		return 0;
	if (strcmp(h.host, me.host) != 0 || strcmp(h.host, "-") == 0 ||
	    strcmp(me.boot, "-") == 0)
		return 0;		/* another machine, or we cannot tell */
	if (strcmp(h.boot, me.boot) != 0)
		return 1;		/* this machine rebooted since */
	if (strcmp(h.ns, me.ns) != 0 || strcmp(me.ns, "-") == 0 ||
	    me.start == 0)
		return 0;		/* another container's processes */
	if (h.pid == me.pid && h.start == me.start)
		return 0;		/* ourselves */
	/* kill(pid, 0) sees processes a /proc mounted hidepid= hides */
	if (kill((pid_t)h.pid, 0) == -1 && errno == ESRCH)
		return 1;		/* no such process */
	if (proc_stat(h.pid, &state, &start) != 0)
		return 0;		/* there, but we cannot look at it */
	if (start != h.start)
		return 1;		/* the PID was reused */
	/* killed, and not yet reaped by its parent */
	return state == 'Z' || state == 'X';
}
