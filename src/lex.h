/*
 * lex.h — small byte-level helpers shared by the parsers of untrusted text
 * (command.c, fields.c, assign.c, authres.c). Pure: no I/O; only
 * lex_show() allocates (OOM is fatal, as xmalloc). A range is either
 * [p, end) or (p, len); no function reads at or past its end, none needs
 * a NUL, and an empty range (p == end, len 0) is always fine.
 *
 * "Space" here is ' ', '\t' or the UTF-8 no-break space C2 A0 (which HTML
 * mail turns spaces into); CR, LF and the other C0 controls are not.
 * Case folding is ASCII only: bytes 0x80..0xff are never changed.
 */
#ifndef TICKETD_LEX_H
#define TICKETD_LEX_H

#include <stddef.h>

/* c lower-cased when it is 'A'..'Z'; every other byte returned as is. */
unsigned char	 lex_lower(unsigned char c);

/*
 * (a, alen) and (b, blen): 1 when they have the same length and are equal
 * under lex_lower() byte by byte, else 0. Two empty ranges are equal.
 */
int		 lex_ci_eq(const char *a, size_t alen, const char *b,
		    size_t blen);

/*
 * [p, end): the length of the space at p — 1 for ' ' or '\t', 2 for an
 * NBSP (C2 A0) wholly inside the range, else 0. 0 when p >= end, and 0
 * for a C2 whose A0 lies at or past end (an NBSP cut in the middle).
 */
size_t		 lex_sp_len(const char *p, const char *end);

/*
 * [p, end): the first position at or after p that does not start a space
 * (lex_sp_len() == 0); end when the range is all spaces or empty. Never
 * returns a position past end.
 */
const char	*lex_skip_sp(const char *p, const char *end);

/*
 * [*p, *end): moves *p past leading spaces and *end back over trailing
 * spaces (' ', '\t', C2 A0), in place. Afterwards *p <= *end; an all-space
 * range becomes empty with *p == *end.
 */
void		 lex_trim(const char **p, const char **end);

/*
 * [p, end): the length (1..4) of the valid UTF-8 sequence at p, or 0 when
 * p >= end or the bytes there are not one: a bad lead or continuation
 * byte, a sequence cut by end, an overlong form, a surrogate (U+D800..
 * U+DFFF) or a code point above U+10FFFF.
 */
size_t		 lex_utf8_len(const unsigned char *p,
		    const unsigned char *end);

/* 1 for a C0 control byte (0x00..0x1f, tab included) or DEL (0x7f). */
int		 lex_is_ctl(unsigned char c);

/*
 * (p, len) with *pos <= len: the line starting at *pos, as [*ls, *le)
 * without its LF and one CR before it; *pos moves past the LF (to len
 * for a last line without one). The caller stops when *pos == len.
 */
void		 lex_next_line(const char *p, size_t len, size_t *pos,
		    const char **ls, const char **le);

/*
 * (p, len) with pos <= len at the start of a line: the offset of the first
 * line at or after pos that holds anything but spaces (lex_sp_len()), its
 * CR LF aside; len when every line left is blank.
 */
size_t		 lex_skip_blank_lines(const char *p, size_t len, size_t pos);

/* lex_show() flag: keep tabs instead of turning them into '?'. */
#define LEX_SHOW_TAB	0x01

/*
 * (p, len): a showable copy of untrusted text, the caller's to free():
 * invalid UTF-8 bytes and control bytes (lex_is_ctl(); a tab too, unless
 * flags has LEX_SHOW_TAB) each become '?'. When the next character would
 * take the copy past max bytes it stops there, at a character boundary,
 * and "..." is appended (so at most max + 3 bytes, plus the NUL).
 */
char		*lex_show(const char *p, size_t len, size_t max, int flags);

/*
 * (p, len): a printable-ASCII copy for a "why" line in dst (dstsz bytes,
 * always NUL-terminated when dstsz > 0; returns dst). Bytes outside
 * 0x20..0x7e become '?'; when len > max, only max bytes are copied and
 * "..." follows. Output that does not fit dstsz is cut silently: pass
 * dstsz >= max + 4 for the whole of it.
 */
const char	*lex_vis_ascii(char *dst, size_t dstsz, const char *p,
		    size_t len, size_t max);

#endif
