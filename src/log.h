/*
 * log.h — one line per event (OpenSMTPD's API). Foreground: stderr;
 * with -s: syslog(3). Log ticket numbers and Message-IDs; never bodies,
 * never secrets. Values from mail go through log_vis() first.
 */
#ifndef TICKETD_LOG_H
#define TICKETD_LOG_H

#include <stddef.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* use_syslog: 0 = stderr, 1 = syslog. verbose: 1 shows log_debug. */
void	log_init(const char *progname, int use_syslog, int verbose);
void	log_warn(const char *, ...) LOG_PRINTF(1, 2);	/* appends errno */
void	log_warnx(const char *, ...) LOG_PRINTF(1, 2);
void	log_info(const char *, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *, ...) LOG_PRINTF(1, 2);
/*
 * In the daemon, while a batch of mails is taken in, on stderr:
 * log_hold() keeps info and debug lines (of any thread) in memory, and
 * log_release() writes them at once; they also go out when 4 kB
 * (PIPE_BUF) have gathered or, as the next line comes, when the first is
 * a second old. A warning writes them at once, itself last. syslog is
 * not held. A crash loses what is held.
 */
void	log_hold(void);
void	log_release(void);
_Noreturn void fatal(const char *, ...) LOG_PRINTF(1, 2);	/* appends errno */
_Noreturn void fatalx(const char *, ...) LOG_PRINTF(1, 2);

/*
 * Make untrusted text safe for one log line: control bytes and non-UTF-8
 * become \xNN, at most dstsz-1 bytes (cut text ends in "..."). Returns dst.
 */
const char *log_vis(char *dst, size_t dstsz, const char *src);

#endif
