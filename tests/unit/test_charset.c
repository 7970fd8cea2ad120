/*
 * test_charset.c — charset_to_utf8() and charset_utf8_valid(): a known
 * sample in every charset mail uses (bytes made with Python's codecs and
 * checked again here through iconv(3)), undeclared text, bad bytes, unknown
 * names, the output cap and NUL bytes. Every input is handed over in a
 * buffer exactly len bytes long, so ASan sees any read past the end.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "t.h"
#include "xmalloc.h"

#define FFFD	"\xef\xbf\xbd"
/* a literal and its length, NUL bytes included */
#define S(x)	(x), sizeof(x) - 1

/* charset_to_utf8 on an exact-length heap copy of p. */
static char *
conv(const char *cs, const char *p, size_t len, size_t max, int *flags)
{
	char *copy, *s;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, p, len);
	s = charset_to_utf8(cs, copy, len, max, flags);
	free(copy);
	return s;
}

static int
valid(const char *p, size_t len)
{
	char *copy;
	int v;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, p, len);
	v = charset_utf8_valid(copy, len);
	free(copy);
	return v;
}

static const struct sample {
	const char	*cs;
	const char	*bytes;
	size_t		 len;
	const char	*utf8;
} samples[] = {
	{ "iso-8859-1", "\x63\x61\x66\xe9\x20\x53\x74\x72\x61\xdf\x65", 11,
	    "\x63\x61\x66\xc3\xa9\x20\x53\x74\x72\x61\xc3\x9f\x65" },	/* café Straße */
	{ "iso-8859-2", "\x5a\x61\xbf\xf3\xb3\xe6\x20\x67\xea\xb6\x6c\xb1\x20\x6a\x61\xbc\xf1", 17,
	    "\x5a\x61\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\x20\x67\xc4\x99\xc5\x9b\x6c\xc4\x85\x20\x6a\x61\xc5\xba\xc5\x84" },	/* Zażółć gęślą jaźń */
	{ "iso-8859-3", "\xc6\x75\x20\xf8\x69\x20\xfe\x61\x74\x61\x73", 11,
	    "\xc4\x88\x75\x20\xc4\x9d\x69\x20\xc5\x9d\x61\x74\x61\x73" },	/* Ĉu ĝi ŝatas */
	{ "iso-8859-4", "\xa6\x6f\x74\x69\x20\xbb\x69\x6d\x65\x6e\x65\x20\xb3", 13,
	    "\xc4\xbb\x6f\x74\x69\x20\xc4\xa3\x69\x6d\x65\x6e\x65\x20\xc5\x97" },	/* Ļoti ģimene ŗ */
	{ "iso-8859-5", "\xbf\xe0\xd8\xd2\xd5\xe2\x20\xdc\xd8\xe0", 10,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\x20\xd0\xbc\xd0\xb8\xd1\x80" },	/* Привет мир */
	{ "iso-8859-6", "\xe5\xd1\xcd\xc8\xc7", 5,
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7" },	/* مرحبا */
	{ "iso-8859-7", "\xca\xe1\xeb\xe7\xec\xdd\xf1\xe1", 8,
	    "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1" },	/* Καλημέρα */
	{ "iso-8859-8", "\xf9\xec\xe5\xed", 4,
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d" },	/* שלום */
	{ "iso-8859-9", "\x47\xfc\x6e\x61\x79\x64\xfd\x6e\x20\xdd\x73\x74\x61\x6e\x62\x75\x6c", 17,
	    "\x47\xc3\xbc\x6e\x61\x79\x64\xc4\xb1\x6e\x20\xc4\xb0\x73\x74\x61\x6e\x62\x75\x6c" },	/* Günaydın İstanbul */
	{ "iso-8859-10", "\xde\xfa\x20\x65\x72\x74\x20\xbf\x20\xff", 10,
	    "\xc3\x9e\xc3\xba\x20\x65\x72\x74\x20\xc5\x8b\x20\xc4\xb8" },	/* Þú ert ŋ ĸ */
	{ "iso-8859-11", "\xca\xc7\xd1\xca\xb4\xd5", 6,
	    "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5" },	/* สวัสดี */
	{ "iso-8859-13", "\x4c\x61\x62\x61\x73\x20\xe0\xe8\xe6\xeb\xe1\xf0\xf8\xfb\xfe", 15,
	    "\x4c\x61\x62\x61\x73\x20\xc4\x85\xc4\x8d\xc4\x99\xc4\x97\xc4\xaf\xc5\xa1\xc5\xb3\xc5\xab\xc5\xbe" },	/* Labas ąčęėįšųūž */
	{ "iso-8859-14", "\xd0\xfe\x20\xb8\x20\xa2", 6,
	    "\xc5\xb4\xc5\xb7\x20\xe1\xba\x81\x20\xe1\xb8\x83" },	/* Ŵŷ ẁ ḃ */
	{ "iso-8859-15", "\xa4\x20\xbd\x20\xa6\x20\xb8", 7,
	    "\xe2\x82\xac\x20\xc5\x93\x20\xc5\xa0\x20\xc5\xbe" },	/* € œ Š ž */
	{ "iso-8859-16", "\x42\x75\x6e\xe3\x20\x7a\x69\x75\x61\x20\xba\x20\xfe", 13,
	    "\x42\x75\x6e\xc4\x83\x20\x7a\x69\x75\x61\x20\xc8\x99\x20\xc8\x9b" },	/* Bună ziua ș ț */
	{ "windows-1250", "\x5a\x61\xbf\xf3\xb3\xe6\x20\x8a\x9a", 9,
	    "\x5a\x61\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\x20\xc5\xa0\xc5\xa1" },	/* Zażółć Šš */
	{ "windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", 6,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },	/* Привет */
	{ "windows-1252", "\x80\x20\x93\x71\x75\x6f\x74\x65\x73\x94\x20\x97\x20\x63\x61\x66\xe9", 17,
	    "\xe2\x82\xac\x20\xe2\x80\x9c\x71\x75\x6f\x74\x65\x73\xe2\x80\x9d\x20\xe2\x80\x94\x20\x63\x61\x66\xc3\xa9" },	/* € “quotes” — café */
	{ "windows-1253", "\xca\xe1\xeb\xe7\xec\xdd\xf1\xe1", 8,
	    "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1" },	/* Καλημέρα */
	{ "windows-1254", "\x47\xfc\x6e\x61\x79\x64\xfd\x6e", 8,
	    "\x47\xc3\xbc\x6e\x61\x79\x64\xc4\xb1\x6e" },	/* Günaydın */
	{ "windows-1255", "\xf9\xec\xe5\xed", 4,
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d" },	/* שלום */
	{ "windows-1256", "\xe3\xd1\xcd\xc8\xc7", 5,
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7" },	/* مرحبا */
	{ "windows-1257", "\x4c\x61\x62\x61\x73\x20\xe0\xe8\xe6", 9,
	    "\x4c\x61\x62\x61\x73\x20\xc4\x85\xc4\x8d\xc4\x99" },	/* Labas ąčę */
	{ "windows-1258", "\x58\x69\x6e\x20\x63\x68\xe0\x6f", 8,
	    "\x58\x69\x6e\x20\x63\x68\xc3\xa0\x6f" },	/* Xin chào */
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 6,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },	/* Привет */
	{ "koi8-u", "\xf0\xd2\xc9\xd7\xa6\xd4\x20\xad", 8,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82\x20\xd2\x91" },	/* Привіт ґ */
	{ "utf-16", "\xff\xfe\x47\x00\x72\x00\xfc\x00\xdf\x00\x65\x00\x20\x00\xac\x20", 16,
	    "\x47\x72\xc3\xbc\xc3\x9f\x65\x20\xe2\x82\xac" },	/* Grüße € */
	{ "utf-16le", "\x47\x00\x72\x00\xfc\x00\xdf\x00\x65\x00\x20\x00\xac\x20", 14,
	    "\x47\x72\xc3\xbc\xc3\x9f\x65\x20\xe2\x82\xac" },	/* Grüße € */
	{ "iso-2022-jp", "\x1b\x24\x42\x24\x33\x24\x73\x24\x4b\x24\x41\x24\x4f\x46\x7c\x4b\x5c\x1b\x28\x42", 20,
	    "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac" },	/* こんにちは日本 */
	{ "shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x93\xfa\x96\x7b", 14,
	    "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac" },	/* こんにちは日本 */
	{ "euc-jp", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf\xc6\xfc\xcb\xdc", 14,
	    "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe6\x97\xa5\xe6\x9c\xac" },	/* こんにちは日本 */
	{ "euc-kr", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4", 10,
	    "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94" },	/* 안녕하세요 */
	{ "gb2312", "\xc4\xe3\xba\xc3\xca\xc0\xbd\xe7", 8,
	    "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c" },	/* 你好世界 */
	{ "gbk", "\xc4\xe3\xba\xc3\x20\x81\x40", 7,
	    "\xe4\xbd\xa0\xe5\xa5\xbd\x20\xe4\xb8\x82" },	/* 你好 丂 */
	{ "gb18030", "\xc4\xe3\xba\xc3\x20\x94\x39\xfc\x36", 9,
	    "\xe4\xbd\xa0\xe5\xa5\xbd\x20\xf0\x9f\x98\x80" },	/* 你好 😀 */
	{ "big5", "\xa4\xa4\xa4\xe5\xb4\xfa\xb8\xd5", 8,
	    "\xe4\xb8\xad\xe6\x96\x87\xe6\xb8\xac\xe8\xa9\xa6" },	/* 中文測試 */
};

/* Every sample in its charset comes out as the known UTF-8, flags 0. */
static void
test_samples(void)
{
	size_t i;
	char *s;
	int f;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		f = -1;
		s = conv(samples[i].cs, samples[i].bytes, samples[i].len,
		    4096, &f);
		if (strcmp(s, samples[i].utf8) != 0 || f != 0) {
			fprintf(stderr, "# %s: flags %d\n", samples[i].cs, f);
			T_STREQ(s, samples[i].utf8);
			T_INTEQ(f, 0);
		}
		free(s);
	}
}

/* The same names as mail writes them: upper case, and the aliases. */
static void
test_names(void)
{
	static const struct {
		const char *cs, *in, *out;
	} tab[] = {
		{ "ISO-8859-1", "caf\xe9", "caf\xc3\xa9" },
		{ "Windows-1252", "\x80", "\xe2\x82\xac" },
		{ "KOI8-R", "\xf0", "\xd0\x9f" },
		{ "latin1", "\xe9", "\xc3\xa9" },
		{ "UTF8", "\xc3\xa9", "\xc3\xa9" },
		{ "utf-8", "\xc3\xa9", "\xc3\xa9" },
		{ "ks_c_5601-1987", "\xc7\xd1", "\xed\x95\x9c" },
		{ "x-sjis", "\x82\xb1", "\xe3\x81\x93" },
		{ "iso-8859-8-i", "\xf9", "\xd7\xa9" },
		{ "windows-874", "\xca", "\xe0\xb8\xaa" },
		/* mail that says gb2312 often means GBK: 丂 is GBK only */
		{ "gb2312", "\x81\x40", "\xe4\xb8\x82" },
		{ "GB2312", "\xc4\xe3", "\xe4\xbd\xa0" },
		{ "Big5", "\xa4\xa4", "\xe4\xb8\xad" },
	};
	size_t i;
	char *s;
	int f;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		f = -1;
		s = conv(tab[i].cs, tab[i].in, strlen(tab[i].in), 100, &f);
		if (strcmp(s, tab[i].out) != 0 || f != 0) {
			fprintf(stderr, "# %s: flags %d\n", tab[i].cs, f);
			T_STREQ(s, tab[i].out);
			T_INTEQ(f, 0);
		}
		free(s);
	}
}

/* iconv(3) agrees with the table: encode each UTF-8 sample back. */
static void
test_samples_iconv(void)
{
	char out[256], *in, *o;
	size_t i, inleft, outleft;
	iconv_t cd;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		/* utf-16 with BOM: glibc picks its own byte order */
		if (strcmp(samples[i].cs, "utf-16") == 0)
			continue;
		cd = iconv_open(samples[i].cs, "UTF-8");
		if (cd == (iconv_t)-1) {
			fprintf(stderr, "# iconv does not know %s\n",
			    samples[i].cs);
			T_CHECK(0);
			continue;
		}
		in = (char *)samples[i].utf8;
		inleft = strlen(in);
		o = out;
		outleft = sizeof(out);
		T_CHECK(iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1);
		T_CHECK(iconv(cd, NULL, NULL, &o, &outleft) != (size_t)-1);
		if ((size_t)(o - out) != samples[i].len ||
		    memcmp(out, samples[i].bytes, samples[i].len) != 0) {
			fprintf(stderr, "# %s: iconv differs\n", samples[i].cs);
			T_CHECK(0);
		}
		iconv_close(cd);
	}
}

/* UTF-16: both BOMs, no BOM, surrogate pairs, bad code units. */
static void
test_utf16(void)
{
	static const struct {
		const char *cs, *in;
		size_t len;
	} bad[] = {
		{ "utf-16le", S("a\0\x00\xdc" "b\0c\0") },
		{ "utf-16", S("\xff\xfe" "a\0\x00\xdc" "b\0c\0") },
		{ "utf-16", S("\xfe\xff" "\0a\xdc\x00" "\0b\0c") },
		{ "utf-16be", S("\0a\xd8\x00" "\0b\0c") },
	};
	size_t i;
	char *s;
	int f;

	s = conv("utf-16", S("\xfe\xff\x00H\x00i\x20\xac"), 100, &f);
	T_STREQ(s, "Hi\xe2\x82\xac");
	T_INTEQ(f, 0);
	free(s);
	s = conv("UTF-16BE", S("\x00H\x00i"), 100, &f);
	T_STREQ(s, "Hi");
	free(s);
	/* a surrogate pair: U+1F600 */
	s = conv("utf-16le", S("\x3d\xd8\x00\xde"), 100, &f);
	T_STREQ(s, "\xf0\x9f\x98\x80");
	T_INTEQ(f, 0);
	free(s);
	/* an odd byte at the end: replaced, the rest kept */
	s = conv("utf-16le", S("a\0b\0c"), 100, &f);
	T_STREQ(s, "ab" FFFD);
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/*
	 * A lone surrogate in the middle: one U+FFFD (or two), and the code
	 * units after it still read in step, in either byte order and with a
	 * BOM whose byte order must survive the error.
	 */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = conv(bad[i].cs, bad[i].in, bad[i].len, 100, &f);
		if (strcmp(s, "a" FFFD "bc") != 0 &&
		    strcmp(s, "a" FFFD FFFD "bc") != 0) {
			fprintf(stderr, "# %s case %zu\n", bad[i].cs, i);
			T_STREQ(s, "a" FFFD "bc");
		}
		T_CHECK(f & CHARSET_BAD);
		free(s);
	}
}

/* Undeclared (NULL, "", us-ascii, unknown-8bit): UTF-8 if valid, else cp1252. */
static void
test_undeclared(void)
{
	static const char *const names[] = { NULL, "", "us-ascii",
	    "US-ASCII", "unknown-8bit", "x-unknown" };
	size_t i;
	char *s;
	int f;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		f = -1;
		s = conv(names[i], S("h\xc3\xa9llo \xe2\x82\xac"), 100, &f);
		T_STREQ(s, "h\xc3\xa9llo \xe2\x82\xac");
		T_INTEQ(f, 0);
		free(s);
		s = conv(names[i], S("caf\xe9 \x80 \x93q\x94"), 100, &f);
		T_STREQ(s, "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d");
		T_CHECK(!(f & CHARSET_TRUNC));
		free(s);
	}
	/* plain ASCII, and the empty text */
	s = conv(NULL, S("hello"), 100, &f);
	T_STREQ(s, "hello");
	T_INTEQ(f, 0);
	free(s);
	s = conv(NULL, S(""), 100, &f);
	T_STREQ(s, "");
	T_INTEQ(f, 0);
	free(s);
	s = conv("iso-8859-1", S(""), 100, &f);
	T_STREQ(s, "");
	T_INTEQ(f, 0);
	free(s);
	/* one bad byte in otherwise UTF-8 text: all of it read as cp1252 */
	s = conv(NULL, S("\xc3\xa9\xff"), 100, &f);
	T_STREQ(s, "\xc3\x83\xc2\xa9\xc3\xbf");
	free(s);
	/* flags may be NULL */
	s = charset_to_utf8(NULL, "abc", 3, 100, NULL);
	T_STREQ(s, "abc");
	free(s);
}

/* Invalid bytes in a declared charset: U+FFFD, the rest kept. */
static void
test_invalid_bytes(void)
{
	char *long_in, *s;
	size_t n = 20000, i;
	int f;

	s = conv("utf-8", S("ab\xff" "cd"), 100, &f);
	T_STREQ(s, "ab" FFFD "cd");
	T_INTEQ(f, CHARSET_BAD);
	free(s);
	/* a cut sequence, an overlong and a surrogate in UTF-8 */
	s = conv("utf-8", S("a\xe2\x82" "b\xc0\xaf" "c\xed\xa0\x80" "d"), 100, &f);
	T_CHECK(strncmp(s, "a" FFFD, 4) == 0);
	T_CHECK(strstr(s, "b") != NULL && strstr(s, "c") != NULL);
	T_CHECK(s[strlen(s) - 1] == 'd');
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* UTF-8 cut at the very end */
	s = conv("utf-8", S("ab\xe2\x82"), 100, &f);
	T_CHECK(strncmp(s, "ab" FFFD, 5) == 0);
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	free(s);
	/* shift_jis: a lead byte with a bad trail byte */
	s = conv("shift_jis", S("a\x82\xff" "b\x82\xb1"), 100, &f);
	T_CHECK(s[0] == 'a');
	T_CHECK(strstr(s, FFFD) != NULL);
	T_CHECK(strstr(s, "b\xe3\x81\x93") != NULL);
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* euc-jp cut in the middle of a character at the end */
	s = conv("euc-jp", S("\xa4\xb3\xa4"), 100, &f);
	T_STREQ(s, "\xe3\x81\x93" FFFD);
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* iso-2022-jp with garbage inside a JIS run, ASCII after it */
	s = conv("iso-2022-jp", S("\x1b$B\xff\xff\x1b(B tail"), 100, &f);
	T_CHECK(strstr(s, FFFD) != NULL);
	T_CHECK(strstr(s, " tail") != NULL);
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* big5 with a byte that is no lead byte */
	s = conv("big5", S("\xa4\xa4\xff\xa4\xe5"), 100, &f);
	T_STREQ(s, "\xe4\xb8\xad" FFFD "\xe6\x96\x87");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* never cut short: a bad byte, then far more than iconv's chunk */
	long_in = xmalloc(n);
	long_in[0] = '\x82';
	long_in[1] = '\xff';
	for (i = 2; i < n; i++)
		long_in[i] = i == n - 1 ? 'Z' : 'x';
	s = conv("shift_jis", long_in, n, 100000, &f);
	T_CHECK(f & CHARSET_BAD);
	T_CHECK(!(f & CHARSET_TRUNC));
	T_CHECK(strlen(s) >= n - 2);
	T_CHECK(s[strlen(s) - 1] == 'Z');
	free(s);
	/* and many bad bytes spread over the whole text */
	for (i = 0; i < n; i++)
		long_in[i] = i % 7 == 3 ? '\xff' : 'y';
	long_in[n - 1] = 'Z';
	s = conv("utf-8", long_in, n, 100000, &f);
	T_INTEQ(strlen(s), n - n / 7 + (n / 7) * 3);
	T_CHECK(s[strlen(s) - 1] == 'Z');
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	free(s);
	free(long_in);
}

/*
 * A bad byte inside a JIS run of iso-2022-jp: the characters after it, up
 * to the next escape, are still JIS (the shift state survives the error).
 */
static void
test_iso2022jp_state(void)
{
	char *s;
	int f;

	s = conv("iso-2022-jp", S("\x1b$B\x24\x33\xff\x24\x33\x1b(B tail"),
	    100, &f);
	T_STREQ(s, "\xe3\x81\x93" FFFD "\xe3\x81\x93 tail");
	T_CHECK(f & CHARSET_BAD);
	free(s);
}

/* An unknown charset name: flagged, then read as undeclared text. */
static void
test_unknown_charset(void)
{
	char *s;
	int f;

	s = conv("x-no-such-charset", S("h\xc3\xa9"), 100, &f);
	T_STREQ(s, "h\xc3\xa9");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	s = conv("x-no-such-charset", S("h\xe9"), 100, &f);
	T_STREQ(s, "h\xc3\xa9");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	/* names that are no charset at all */
	s = conv("utf-8\"; foo", S("ok"), 100, &f);
	T_STREQ(s, "ok");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	s = conv("../../etc/passwd", S("ok"), 100, &f);
	T_STREQ(s, "ok");
	free(s);
}

/* max: cut at a character boundary, flagged CHARSET_TRUNC. */
static void
test_max(void)
{
	char *in, *s;
	size_t n = 10000, i;
	int f;

	/* each path: UTF-8, undeclared UTF-8, cp1252, iconv */
	s = conv("utf-8", S("\xc3\xa9\xc3\xa9\xc3\xa9"), 5, &f);
	T_STREQ(s, "\xc3\xa9\xc3\xa9");
	T_INTEQ(f, CHARSET_TRUNC);
	free(s);
	s = conv(NULL, S("\xe2\x82\xac\xe2\x82\xac"), 5, &f);
	T_STREQ(s, "\xe2\x82\xac");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	s = conv(NULL, S("\x80\x80\xe9"), 5, &f);
	T_STREQ(s, "\xe2\x82\xac");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	s = conv("iso-8859-1", S("\xe9\xe9\xe9"), 5, &f);
	T_STREQ(s, "\xc3\xa9\xc3\xa9");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	s = conv("shift_jis", S("\x82\xb1\x82\xb1"), 5, &f);
	T_STREQ(s, "\xe3\x81\x93");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	/* exactly max: not cut */
	s = conv("iso-8859-1", S("\xe9\xe9"), 4, &f);
	T_STREQ(s, "\xc3\xa9\xc3\xa9");
	T_INTEQ(f, 0);
	free(s);
	/* max 0 */
	s = conv("utf-8", S("abc"), 0, &f);
	T_STREQ(s, "");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	/* a replacement character that does not fit */
	s = conv("utf-8", S("ab\xff"), 4, &f);
	T_STREQ(s, "ab");
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	/* over iconv's chunk size: odd max, two-byte characters */
	in = xmalloc(n);
	for (i = 0; i < n; i++)
		in[i] = '\xe9';
	s = conv("iso-8859-1", in, n, 9999, &f);
	T_INTEQ(strlen(s), 9998);
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	s = conv("windows-1252", in, n, 20000, &f);
	T_INTEQ(strlen(s), 20000);
	T_INTEQ(f, 0);
	free(s);
	s = conv(NULL, in, n, 7777, &f);
	T_INTEQ(strlen(s), 7776);
	T_CHECK(charset_utf8_valid(s, strlen(s)));
	T_CHECK(f & CHARSET_TRUNC);
	free(s);
	free(in);
}

/*
 * A NUL (U+0000) is a character to drop, never the end of the text
 * (issue 8): whatever decoder or charset it came through, the text after
 * it is kept. The flag still says something was odd.
 */
static void
test_nul(void)
{
	char *s;
	int f;

	s = conv("utf-8", S("a\0b"), 100, &f);
	T_STREQ(s, "ab");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	s = conv(NULL, S("a\0b"), 100, &f);
	T_STREQ(s, "ab");
	T_CHECK(f & CHARSET_BAD);
	free(s);
	s = conv(NULL, S("\xe9\0b"), 100, &f);
	T_STREQ(s, "\xc3\xa9" "b");
	free(s);
	s = conv("iso-8859-1", S("a\0\xe9"), 100, &f);
	T_STREQ(s, "a" "\xc3\xa9");
	free(s);
	s = conv("utf-16le", S("a\0\0\0b\0"), 100, &f);
	T_STREQ(s, "ab");
	free(s);
	s = conv("shift_jis", S("\0\0\0"), 100, &f);
	T_STREQ(s, "");
	free(s);
	/* a bad byte next to a NUL is still replaced */
	s = conv("utf-8", S("a\0\xff" "b"), 100, &f);
	T_STREQ(s, "a" FFFD "b");
	free(s);
	/* only NULs, many: nothing, and no overrun */
	s = conv(NULL, S("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0x"), 100, &f);
	T_STREQ(s, "x");
	free(s);
}

static void
test_utf8_valid(void)
{
	static const struct {
		const char *s;
		size_t len;
		int ok;
	} tab[] = {
		{ "", 0, 1 },
		{ "plain", 5, 1 },
		{ "\xc2\x80", 2, 1 },			/* U+0080 */
		{ "\xdf\xbf", 2, 1 },			/* U+07FF */
		{ "\xe0\xa0\x80", 3, 1 },		/* U+0800 */
		{ "\xed\x9f\xbf", 3, 1 },		/* U+D7FF */
		{ "\xee\x80\x80", 3, 1 },		/* U+E000 */
		{ "\xef\xbf\xbd", 3, 1 },		/* U+FFFD */
		{ "\xf0\x90\x80\x80", 4, 1 },		/* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 4, 1 },		/* U+10FFFF */
		{ "\xc0\x80", 2, 0 },			/* overlong NUL */
		{ "\xc0\xaf", 2, 0 },			/* overlong '/' */
		{ "\xc1\xbf", 2, 0 },
		{ "\xe0\x80\xaf", 3, 0 },
		{ "\xe0\x9f\xbf", 3, 0 },
		{ "\xf0\x80\x80\xaf", 4, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0 },
		{ "\xed\xa0\x80", 3, 0 },		/* U+D800 */
		{ "\xed\xbf\xbf", 3, 0 },		/* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 6, 0 },	/* CESU-8 pair */
		{ "\xf4\x90\x80\x80", 4, 0 },		/* U+110000 */
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0 },
		{ "\xfe", 1, 0 },
		{ "\xff", 1, 0 },
		{ "\x80", 1, 0 },			/* lone continuation */
		{ "a\xc3", 2, 0 },			/* cut at the end */
		{ "\xe2\x82", 2, 0 },
		{ "\xf0\x9f\x98", 3, 0 },
		{ "\xc3\x28", 2, 0 },			/* bad continuation */
		{ "\xe2\x28\xa1", 3, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (valid(tab[i].s, tab[i].len) != tab[i].ok) {
			fprintf(stderr, "# utf8_valid case %zu\n", i);
			T_INTEQ(valid(tab[i].s, tab[i].len), tab[i].ok);
		}
	}
	/* the length is obeyed, not a NUL: a valid prefix of a bad string */
	T_INTEQ(valid("ab\xff", 2), 1);
	T_INTEQ(valid("\xe2\x82\xac", 2), 0);
}

int
main(void)
{
	T_RUN(test_samples);
	T_RUN(test_names);
	T_RUN(test_samples_iconv);
	T_RUN(test_utf16);
	T_RUN(test_undeclared);
	T_RUN(test_invalid_bytes);
	T_RUN(test_iso2022jp_state);
	T_RUN(test_unknown_charset);
	T_RUN(test_max);
	T_RUN(test_nul);
	T_RUN(test_utf8_valid);
	return T_END();
}
