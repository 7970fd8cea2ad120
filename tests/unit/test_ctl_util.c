/*
 * test_ctl_util.c — what ticketctl puts on a terminal (ctl_util.c): text
 * from mail with ESC sequences, other C0 controls, DEL, CR, invalid UTF-8,
 * C1 controls in UTF-8 and as raw bytes, bidirectional overrides; one line
 * and multiline; valid UTF-8 kept. Also the ticket numbers and addresses
 * ticketctl accepts on its command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "t.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define S(s)		s, sizeof(s) - 1

struct row {
	const char	*in;
	size_t		 len;
	int		 flags;
	const char	*want;
};

static const struct row tty_rows[] = {
	{ S(""), 0, "" },
	{ S("plain"), 0, "plain" },
	{ S("\x1b[2J\x1b]0;owned\x07"), 0, "?[2J?]0;owned?" },
	{ S("a\r\nb\tc"), 0, "a?b?c" },
	{ S("a\r\nb\tc"), CTL_TEXT_MULTILINE, "a\nb\tc" },
	{ S("\x01\x7f\x0b\x0c"), CTL_TEXT_MULTILINE, "????" },
	{ S("Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93\xc2\xa0"), 0,
	  "Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93\xc2\xa0" },
	/* raw C1 byte (CSI in an 8-bit terminal), Latin-1, cut sequence */
	{ S("\x9b" "31m"), 0, "?31m" },
	{ S("caf\xe9"), 0, "caf?" },
	{ S("x\xe2\x9c"), 0, "x??" },
	/* C1 controls written in UTF-8: one '?' each */
	{ S("\xc2\x9b" "31m\xc2\x80\xc2\x9f"), 0, "?31m??" },
	/* bidi overrides and isolates; their neighbours stay */
	{ S("\xe2\x80\xae" "gpj.exe\xe2\x81\xa6\xe2\x81\xa9"), 0, "?gpj.exe??" },
	{ S("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5"), 0,
	  "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5" },
	{ S("a\0b"), 0, "a?b" },
};

static void
test_tty_text(void)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, 1 << 20);
	for (i = 0; i < NELEM(tty_rows); i++) {
		s = t_dup_n(tty_rows[i].in, tty_rows[i].len);
		buf_reset(&b);
		buf_addstr(&b, "");
		T_CHECK(ctl_tty_text(&b, s, tty_rows[i].len,
		    tty_rows[i].flags) == 0);
		if (strcmp(b.data, tty_rows[i].want) != 0)
			fprintf(stderr, "# row %zu\n", i);
		T_STREQ(b.data, tty_rows[i].want);
		free(s);
	}
	buf_clear(&b);
}

/* Every byte alone and every two-byte sequence: no control character
 * (C0, DEL, C1 as a byte or as UTF-8) ever comes out. */
static void
test_tty_never_control(void)
{
	struct buf b;
	unsigned char in[2];
	size_t k;
	int i, c1;

	buf_init(&b, 64);
	for (i = 0; i < 65536; i++) {
		in[0] = (unsigned char)(i >> 8);
		in[1] = (unsigned char)i;
		buf_reset(&b);
		T_CHECK(ctl_tty_text(&b, (const char *)in, 2, 0) == 0);
		for (k = 0; k < b.len; k++) {
			unsigned char c = (unsigned char)b.data[k];

			c1 = c == 0xc2 && k + 1 < b.len &&
			    (unsigned char)b.data[k + 1] >= 0x80 &&
			    (unsigned char)b.data[k + 1] <= 0x9f;
			if (c < 0x20 || c == 0x7f || c1) {
				fprintf(stderr, "# %02x %02x\n", in[0], in[1]);
				T_CHECK(0);
				i = 65536;
				break;
			}
		}
	}
	buf_clear(&b);
}

static void
test_parse_number(void)
{
	static const struct {
		const char *s;
		long long want;	/* -1: refused */
	} rows[] = {
		{ "1", 1 }, { "#42", 42 }, { "007", 7 }, { "0", -1 },
		{ "-1", -1 }, { "+1", -1 }, { " 1", -1 }, { "1x", -1 },
		{ "", -1 }, { "#", -1 }, { "##1", -1 },
		{ "99999999999999999999", -1 }, { "9223372036854775806",
		  9223372036854775806LL },
	};
	long long v;
	size_t i;

	for (i = 0; i < NELEM(rows); i++) {
		v = 0;
		if (rows[i].want == -1)
			T_INTEQ(ctl_parse_number(rows[i].s, &v), -1);
		else {
			T_INTEQ(ctl_parse_number(rows[i].s, &v), 0);
			T_INTEQ(v, rows[i].want);
		}
	}
}

static void
test_user_addr(void)
{
	char ok[] = "Bob.Smith@CORP.Example", *s;

	T_STREQ(ctl_user_addr(ok), "Bob.Smith@corp.example");
	s = xstrdup("nobody");
	T_CHECK(ctl_user_addr(s) == NULL);
	free(s);
	s = xstrdup("@corp.example");
	T_CHECK(ctl_user_addr(s) == NULL);
	free(s);
	s = xstrdup("a b@corp.example");
	T_CHECK(ctl_user_addr(s) == NULL);
	free(s);
	s = xstrdup("a@corp.example\x1b");
	T_CHECK(ctl_user_addr(s) == NULL);
	free(s);
	s = xstrdup("<a@corp.example>");
	T_CHECK(ctl_user_addr(s) == NULL);
	free(s);
}

int
main(void)
{
	T_RUN(test_tty_text);
	T_RUN(test_tty_never_control);
	T_RUN(test_parse_number);
	T_RUN(test_user_addr);
	return T_END();
}
