/*
 * ctl.h — the parts of ticketctl(8). ticketctl.c reads the options and the
 * configuration and runs a command; ctl_ticket.c is "ticket list" and
 * "ticket show"; ctl_util.c holds what every command uses: text from mail
 * made safe for a terminal, times, numbers, the database.
 */
#ifndef TICKETD_CTL_H
#define TICKETD_CTL_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct config;
struct db;

/* ctl_tty_text() flag: keep newlines and tabs (a body, a comment). */
#define CTL_TEXT_MULTILINE	0x01

/*
 * (p, len) from mail made safe for a terminal, appended to out: CR is
 * dropped; LF and tab are kept with CTL_TEXT_MULTILINE, else each becomes
 * '?'; each other C0 control byte, DEL, each byte that does not start a
 * valid UTF-8 sequence, each C1 control (U+0080..U+009F) and each
 * bidirectional control (U+202A..U+202E, U+2066..U+2069) becomes one '?'.
 * Every other character is copied. Pure. 0, or -1 when out's max would be
 * passed (out then holds part of it).
 */
int	ctl_tty_text(struct buf *out, const char *p, size_t len, int flags);

/* ctl_tty_text() of a NUL-terminated string onto fp; NULL prints nothing. */
void	ctl_put_text(FILE *fp, const char *s, int flags);

/* "Name <address>", or the address alone when name is NULL or empty. */
void	ctl_put_person(FILE *fp, const char *addr, const char *name);

/* A time as "2026-11-29 19:48 UTC" in buf. */
void	ctl_when(long long t, char *buf, size_t sz);

/* A positive decimal number, with or without a leading '#': 0 or -1. */
int	ctl_parse_number(const char *s, long long *v);

/* A plain mail address, its domain lower-cased in place; NULL if not one. */
const char *ctl_user_addr(char *s);

/* Open the database read-only; on failure print why and exit 1. */
struct db *ctl_open_db(const struct config *);

/* "2026-12-01" or "2026-12-01T08:00:00Z" (UTC) → epoch seconds; 0 or -1. */
int	ctl_parse_date(const char *s, long long *t);

/*
 * ticketctl export --format xes|csv|json [--since DATE]: argv[0] is
 * "export". Writes the event log to standard output; returns the exit
 * status (0, 1, or EX_USAGE).
 */
int	ctl_export(const struct config *, int argc, char *argv[]);

/*
 * ctl_admin.c: running the desk. Each returns the exit status (0, 1, or
 * EX_USAGE) and prints what it did on stdout, problems on stderr.
 */
/* ticketctl -c FILE check: loads FILE itself (its errors are a step). */
int	ctl_check(const char *file, int argc, char *argv[]);
/* ticketctl backup FILE */
int	ctl_backup(const struct config *, int argc, char *argv[]);
/* ticketctl restore [--force] FILE */
int	ctl_restore(const struct config *, int argc, char *argv[]);
/* ticketctl import [--notify] --mbox FILE | --maildir DIR */
int	ctl_import(const struct config *, int argc, char *argv[]);

/* ticketctl stats [--since DATE] [--json]: argv[0] is "stats". */
int	ctl_stats(const struct config *, int argc, char *argv[]);

/*
 * ticketctl ticket list|show …: argv[0] is "ticket". Prints the result or
 * a message on stderr; returns the exit status (0, 1, or EX_USAGE).
 */
int	ctl_ticket(const struct config *, int argc, char *argv[]);

/*
 * ticketctl kb list|show|publish|withdraw … and ticketctl classify
 * --train|--retrain|--evaluate|--guess … (ctl_kb.c): argv[0] is "kb" or
 * "classify". Returns the exit status (0, 1, or EX_USAGE).
 */
int	ctl_kb(const struct config *, int argc, char *argv[]);
int	ctl_classify(const struct config *, int argc, char *argv[]);

/*
 * ticketctl asset add|give|return|status|note|list|show|import|export …
 * (ctl_asset.c): argv[0] is "asset". Returns the exit status (0, 1, or
 * EX_USAGE).
 */
int	ctl_asset(const struct config *, int argc, char *argv[]);

#endif
