/*
 * ctl_util.c — what every ticketctl command uses (see ctl.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "lex.h"
#include "limits.h"

/* The largest piece of text ctl_put_text() escapes at once. */
#define CTL_TEXT_MAX	(64 * 1024 * 1024)

/* C1 controls and the bidirectional controls, in UTF-8. */
static int
tty_unsafe(const unsigned char *s, size_t n)
{
	if (n == 2)
		return s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
	if (n == 3 && s[0] == 0xe2 && s[1] == 0x80)
		return s[2] >= 0xaa && s[2] <= 0xae;	/* U+202A..U+202E */
	if (n == 3 && s[0] == 0xe2 && s[1] == 0x81)
		return s[2] >= 0xa6 && s[2] <= 0xa9;	/* U+2066..U+2069 */
	return 0;
}

int
ctl_tty_text(struct buf *out, const char *p, size_t len, int flags)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + len, *run;
	size_t n;

	while (s < e) {
		for (run = s; s < e && *s >= 0x20 && *s < 0x7f; s++)
			;
		if (s > run && buf_add(out, run, (size_t)(s - run)) == -1)
			return -1;
		if (s == e)
			break;
		if (*s == '\r') {
			s++;
			continue;
		}
		if ((*s == '\n' || *s == '\t') && (flags & CTL_TEXT_MULTILINE)) {
			if (buf_addch(out, (char)*s++) == -1)
				return -1;
			continue;
		}
		n = *s >= 0x80 ? lex_utf8_len(s, e) : 0;
		if (n == 0 || tty_unsafe(s, n)) {
			if (buf_addch(out, '?') == -1)
				return -1;
			s += n > 0 ? n : 1;
			continue;
		}
		if (buf_add(out, s, n) == -1)
			return -1;
		s += n;
	}
	return 0;
}

void
ctl_put_text(FILE *fp, const char *s, int flags)
{
	struct buf b;

	if (s == NULL)
		return;
	buf_init(&b, CTL_TEXT_MAX);
	if (ctl_tty_text(&b, s, strlen(s), flags) == -1)
		buf_addstr(&b, "...");	/* over 64 MiB of one text: cut */
	if (b.len > 0)
		fwrite(b.data, 1, b.len, fp);
	buf_clear(&b);
}

void
ctl_put_person(FILE *fp, const char *addr, const char *name)
{
	if (name != NULL && name[0] != '\0') {
		ctl_put_text(fp, name, 0);
		fputs(" <", fp);
		ctl_put_text(fp, addr, 0);
		fputc('>', fp);
	} else
		ctl_put_text(fp, addr, 0);
}

void
ctl_when(long long t, char *buf, size_t sz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, sz, "%lld", t);
}

int
ctl_parse_number(const char *s, long long *v)
{
	char *end;

	if (*s == '#')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoll(s, &end, 10);
	return *end != '\0' || *v <= 0 || *v == LLONG_MAX ? -1 : 0;
}

const char *
ctl_user_addr(char *s)
{
	char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > LIMIT_ADDR_BYTES)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';' || *p == 0x7f)
			return NULL;
	for (p = at; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

struct db *
ctl_open_db(const struct config *cfg)
{
	struct db *db;
	char *errstr = NULL;

	db = db_open(cfg->helpdesk.database, DB_RDONLY, &errstr, NULL);
	if (db == NULL) {
		fprintf(stderr, "ticketctl: %s\n", errstr);
		free(errstr);
		exit(1);
	}
	return db;
}
