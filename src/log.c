/* log.c — stderr or syslog, one line per event. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	 log_syslog;
static int	 log_verbose;
static const char *log_prog = "ticketd";

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
	if (err != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_prog, msg, err);
	else
		fprintf(stderr, "%s: %s\n", log_prog, msg);
	fflush(stderr);
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
