/* log.c — stderr or syslog, one line per event. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_syslog;
static int	 log_verbose;
static const char *log_prog = "ticketd";

/*
 * Lines held by log_hold() for stderr: written together by log_release(),
 * or sooner once LOG_HELD_BYTES have gathered or the first of them is
 * LOG_HELD_MS old (checked as each line comes). A few writes per batch of
 * mails instead of three or four per mail: those writes, each waking the
 * reader at the other end of the pipe (journald, a terminal, the bench),
 * were 5 % of a backlog's time. PIPE_BUF bytes at most, so that each
 * write to a pipe is whole, never mixed with another writer's, and a
 * failed write drops no more than that. Any thread may log; the mutex
 * keeps the lines whole and in order. Lost on a crash (a signal that
 * kills the process): what was held then is never written.
 */
#define LOG_HELD_BYTES	PIPE_BUF
#define LOG_HELD_MS	1000

static pthread_mutex_t held_mtx = PTHREAD_MUTEX_INITIALIZER;
static char	 held[LOG_HELD_BYTES];
static size_t	 held_len;
static int	 held_on;
static struct timespec held_since;

static long long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Write what is held; the mutex is held by the caller. */
static void
held_write(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < held_len) {
		n = write(STDERR_FILENO, held + off, held_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* nowhere to log to: drop, as fprintf */
		off += (size_t)n;
	}
	held_len = 0;
}

void
log_hold(void)
{
	pthread_mutex_lock(&held_mtx);
	held_on = !log_syslog;
	pthread_mutex_unlock(&held_mtx);
}

void
log_release(void)
{
	pthread_mutex_lock(&held_mtx);
	held_write();
	held_on = 0;
	pthread_mutex_unlock(&held_mtx);
}

void
log_init(const char *progname, int use_syslog, int verbose)
{
	log_prog = progname;
	log_syslog = use_syslog;
	log_verbose = verbose;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void vlog(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		if (err != NULL)
			syslog(pri, "%s: %s", msg, err);
		else
			syslog(pri, "%s", msg);
		return;
	}
	pthread_mutex_lock(&held_mtx);
	if (held_on) {
		char line[sizeof(msg) + 256];	/* < LOG_HELD_BYTES */
		int n;

		n = snprintf(line, sizeof(line), "%s: %s%s%s\n", log_prog, msg,
		    err != NULL ? ": " : "", err != NULL ? err : "");
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (held_len + (size_t)n > sizeof(held))
			held_write();
		if (held_len == 0)
			clock_gettime(CLOCK_MONOTONIC, &held_since);
		memcpy(held + held_len, line, (size_t)n);
		held_len += (size_t)n;
		if (pri <= LOG_WARNING || ms_since(&held_since) >= LOG_HELD_MS)
			held_write();
		pthread_mutex_unlock(&held_mtx);
		return;
	}
	if (err != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_prog, msg, err);
	else
		fprintf(stderr, "%s: %s\n", log_prog, msg);
	fflush(stderr);
	pthread_mutex_unlock(&held_mtx);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

const char *
log_vis(char *dst, size_t dstsz, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, need;
	unsigned char c;
	int seq, i;

	if (dstsz == 0)
		return dst;
	if (src == NULL)
		src = "";
	while (*s != '\0') {
		c = *s;
		seq = 0;
		if (c >= 0xc2 && c <= 0xf4) {
			seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			for (i = 1; i < seq; i++)
				if ((s[i] & 0xc0) != 0x80)
					seq = 0;
		}
		need = seq > 0 ? (size_t)seq :
		    (c < 0x20 || c == 0x7f || c >= 0x80 || c == '\\') ? 4 : 1;
		if (o + need + 4 > dstsz) {
			if (o + 4 <= dstsz)
				memcpy(dst + o, "...", 3), o += 3;
			break;
		}
		if (seq > 0) {
			memcpy(dst + o, s, (size_t)seq);
			o += (size_t)seq;
			s += seq;
			continue;
		}
		if (need == 4) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else
			dst[o++] = (char)c;
		s++;
	}
	dst[o] = '\0';
	return dst;
}
