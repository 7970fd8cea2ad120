/*
 * test_tnef.c — tnef_parse() on TNEF streams built here record by record
 * (message body as 8-bit, Unicode, HTML and compressed-free RTF text;
 * attachments named by long file name or by title), caps on files and
 * bytes, and hostile streams: every prefix, flipped bytes, bad checksums,
 * huge lengths, garbage after a good signature. tnef_rtf_text() on RTF.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "tnef.h"
#include "t.h"
#include "xmalloc.h"

#define PT_LONG		0x0003
#define PT_STRING8	0x001e
#define PT_UNICODE	0x001f
#define PT_BINARY	0x0102

/* ---- a tiny TNEF writer ---- */

struct tb {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
tb_add(struct tb *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void
tb_u16(struct tb *b, unsigned v)
{
	unsigned char c[2] = { v & 0xff, (v >> 8) & 0xff };

	tb_add(b, c, 2);
}

static void
tb_u32(struct tb *b, uint32_t v)
{
	unsigned char c[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    (v >> 24) & 0xff };

	tb_add(b, c, 4);
}

/* One attribute record: level, id, length, data, checksum. */
static void
tb_rec(struct tb *b, int level, uint32_t id, const void *d, size_t n)
{
	const unsigned char *p = d;
	unsigned sum = 0;
	size_t i;
	unsigned char lv = (unsigned char)level;

	for (i = 0; i < n; i++)
		sum += p[i];
	tb_add(b, &lv, 1);
	tb_u32(b, id);
	tb_u32(b, (uint32_t)n);
	tb_add(b, d, n);
	tb_u16(b, sum & 0xffff);
}

static void
tb_start(struct tb *b)
{
	memset(b, 0, sizeof(*b));
	tb_u32(b, 0x223e9f78);
	tb_u16(b, 0x0001);
	tb_rec(b, 1, 0x00089006, "\x00\x00\x01\x00", 4);	/* version */
	tb_rec(b, 1, 0x00069007, "\xe4\x04\x00\x00\x00\x00\x00\x00", 8);
	tb_rec(b, 1, 0x00078008, "IPM.Microsoft Mail.Note", 24);
}

/* A MAPI property block being built: count first, filled in at the end. */
static void
mp_begin(struct tb *m, unsigned count)
{
	memset(m, 0, sizeof(*m));
	tb_u32(m, count);
}

/* A variable-length property (string or binary): one value, padded. */
static void
mp_var(struct tb *m, unsigned type, unsigned id, const void *d, size_t n)
{
	static const unsigned char zero[4];

	tb_u16(m, type);
	tb_u16(m, id);
	tb_u32(m, 1);
	tb_u32(m, (uint32_t)n);
	tb_add(m, d, n);
	if (n % 4 != 0)
		tb_add(m, zero, 4 - n % 4);
}

static void
mp_long(struct tb *m, unsigned id, uint32_t v)
{
	tb_u16(m, PT_LONG);
	tb_u16(m, id);
	tb_u32(m, v);
}

static const unsigned char png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
};

static const char rend[14] = { 1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0 };

/* The stream most tests use: a body and three attachments. */
static void
build_basic(struct tb *b)
{
	struct tb m;
	static const char body[] = "Hello from Outlook.\r\nThe printer is on fire.";
	static const char lname[] = "Quarterly report 2024.pdf";

	tb_start(b);
	mp_begin(&m, 2);
	mp_var(&m, PT_STRING8, 0x1000, body, sizeof(body));	/* PR_BODY */
	mp_long(&m, 0x3fde, 1252);				/* PR_INTERNET_CPID */
	tb_rec(b, 1, 0x00069003, m.p, m.len);
	free(m.p);

	/* 1: a long file name in the attachment's MAPI properties */
	tb_rec(b, 2, 0x00069002, rend, sizeof(rend));
	tb_rec(b, 2, 0x00018010, "QUARTE~1.PDF", 13);
	tb_rec(b, 2, 0x0006800f, "%PDF-1.4 fake", 13);
	mp_begin(&m, 2);
	mp_var(&m, PT_STRING8, 0x3707, lname, sizeof(lname));
	mp_var(&m, PT_STRING8, 0x3712, "<img1@x>", 9);	/* content id */
	tb_rec(b, 2, 0x00069005, m.p, m.len);
	free(m.p);

	/* 2: only a title */
	tb_rec(b, 2, 0x00069002, rend, sizeof(rend));
	tb_rec(b, 2, 0x00018010, "NOTES.TXT", 10);
	tb_rec(b, 2, 0x0006800f, "some notes", 10);

	/* 3: an image named in UTF-16 */
	tb_rec(b, 2, 0x00069002, rend, sizeof(rend));
	tb_rec(b, 2, 0x00018010, "SCREEN~1.PNG", 13);
	tb_rec(b, 2, 0x0006800f, png, sizeof(png));
	mp_begin(&m, 1);
	mp_var(&m, PT_UNICODE, 0x3707,
	    "s\0c\0r\0\xe9\0e\0n\0.\0p\0n\0g\0\0\0", 22);
	tb_rec(b, 2, 0x00069005, m.p, m.len);
	free(m.p);
}

/* ---- tests ---- */

static void
test_basic(void)
{
	struct tb b;
	struct tnef t;

	build_basic(&b);
	T_INTEQ(tnef_parse((char *)b.p, b.len, 100, 1 << 20, 1 << 20, &t), 0);
	T_CHECK(t.body != NULL && strstr(t.body, "The printer is on fire.") != NULL);
	T_INTEQ(t.nfiles, 3);
	if (t.nfiles == 3) {
		T_STREQ(t.files[0].name, "Quarterly report 2024.pdf");
		T_STREQ(t.files[0].content_id, "img1@x");
		T_INTEQ(t.files[0].size, 13);
		T_CHECK(t.files[0].data != NULL &&
		    memcmp(t.files[0].data, "%PDF-1.4 fake", 13) == 0);
		T_STREQ(t.files[1].name, "NOTES.TXT");
		T_INTEQ(t.files[1].size, 10);
		T_STREQ(t.files[2].name, "scr\xc3\xa9" "en.png");
		T_INTEQ(t.files[2].size, sizeof(png));
	}
	T_INTEQ(t.flags & ~TNEF_F_PARTIAL, 0);
	tnef_clear(&t);
	T_CHECK(t.files == NULL && t.body == NULL && t.nfiles == 0);
	tnef_clear(&t);
	free(b.p);
}

static void
test_caps(void)
{
	struct tb b;
	struct tnef t;

	build_basic(&b);
	/* files over max_bytes: listed, no data */
	T_INTEQ(tnef_parse((char *)b.p, b.len, 100, 11, 1 << 20, &t), 0);
	T_INTEQ(t.nfiles, 3);
	T_CHECK(t.flags & TNEF_F_DROPPED);
	if (t.nfiles == 3) {
		T_CHECK(t.files[0].data == NULL);
		T_INTEQ(t.files[0].size, 13);
		T_CHECK(t.files[1].data != NULL);
		T_CHECK(t.files[2].data == NULL);
	}
	tnef_clear(&t);
	/* at most max_files */
	T_INTEQ(tnef_parse((char *)b.p, b.len, 1, 1 << 20, 1 << 20, &t), 0);
	T_INTEQ(t.nfiles, 1);
	T_CHECK(t.flags & TNEF_F_TOOMANY);
	tnef_clear(&t);
	/* a short body cap */
	T_INTEQ(tnef_parse((char *)b.p, b.len, 100, 1 << 20, 10, &t), 0);
	T_CHECK(t.body == NULL || strlen(t.body) <= 10);
	tnef_clear(&t);
	free(b.p);
}

static void
test_bodies(void)
{
	struct tb b, m;
	struct tnef t;
	static const char html[] =
	    "<html><body><p>Caf\xe9 <b>closed</b></p><p>Second</p></body></html>";

	/* Unicode body */
	tb_start(&b);
	mp_begin(&m, 1);
	mp_var(&m, PT_UNICODE, 0x1000, "H\0\xe9\0l\0l\0o\0\0\0", 12);
	tb_rec(&b, 1, 0x00069003, m.p, m.len);
	free(m.p);
	T_INTEQ(tnef_parse((char *)b.p, b.len, 10, 1000, 1000, &t), 0);
	T_STREQ(t.body, "H\xc3\xa9llo");
	tnef_clear(&t);
	free(b.p);

	/* HTML body (binary, code page 1252) through html2text */
	tb_start(&b);
	mp_begin(&m, 2);
	mp_var(&m, PT_BINARY, 0x1013, html, sizeof(html) - 1);
	mp_long(&m, 0x3fde, 1252);
	tb_rec(&b, 1, 0x00069003, m.p, m.len);
	free(m.p);
	T_INTEQ(tnef_parse((char *)b.p, b.len, 10, 1000, 1000, &t), 0);
	T_CHECK(t.body != NULL && strstr(t.body, "Caf\xc3\xa9 closed") != NULL);
	T_CHECK(t.body != NULL && strstr(t.body, "Second") != NULL);
	T_CHECK(t.body != NULL && strchr(t.body, '<') == NULL);
	tnef_clear(&t);
	free(b.p);

	/* a stream with nothing usable in it */
	tb_start(&b);
	T_INTEQ(tnef_parse((char *)b.p, b.len, 10, 1000, 1000, &t), -1);
	T_CHECK(t.body == NULL && t.nfiles == 0);
	free(b.p);
}

static void
test_hostile(void)
{
	struct tb b, m;
	struct tnef t;
	unsigned char *c;
	size_t k, i;
	int rc, bad = 0;

	build_basic(&b);
	/* every prefix, in an exact-length buffer */
	for (k = 0; k < b.len; k++) {
		c = xmalloc(k > 0 ? k : 1);
		memcpy(c, b.p, k);
		rc = tnef_parse((char *)c, k, 100, 1 << 20, 1 << 20, &t);
		if (rc == 0 && t.nfiles > 3)
			bad = 1;
		tnef_clear(&t);
		free(c);
	}
	T_CHECK(!bad);
	/* every byte flipped in turn: a checksum or a length breaks */
	c = xmalloc(b.len);
	for (k = 0; k < b.len; k++) {
		memcpy(c, b.p, b.len);
		c[k] ^= 0x5a;
		rc = tnef_parse((char *)c, b.len, 100, 1 << 20, 1 << 20, &t);
		tnef_clear(&t);
		(void)rc;
	}
	/* a data byte changed with its checksum left: refused */
	memcpy(c, b.p, b.len);
	c[b.len - 3] ^= 1;
	T_INTEQ(tnef_parse((char *)c, b.len, 100, 1 << 20, 1 << 20, &t), -1);
	free(c);
	free(b.p);

	/* a length past the end */
	tb_start(&b);
	b.p[6 + 5] = 0xff;
	b.p[6 + 8] = 0x7f;
	T_INTEQ(tnef_parse((char *)b.p, b.len, 100, 1000, 1000, &t), -1);
	free(b.p);

	/* garbage after a good signature, and no signature at all */
	c = xmalloc(4096);
	srand(7);
	for (i = 0; i < 200; i++) {
		for (k = 0; k < 4096; k++)
			c[k] = (unsigned char)rand();
		memcpy(c, "\x78\x9f\x3e\x22\x01\x00", 6);
		T_INTEQ(tnef_parse((char *)c, 4096, 100, 1000, 1000, &t), -1);
		tnef_clear(&t);
	}
	T_INTEQ(tnef_parse("PK\x03\x04", 4, 100, 1000, 1000, &t), -1);
	T_INTEQ(tnef_parse("", 0, 100, 1000, 1000, &t), -1);
	free(c);

	/* MAPI properties that lie about their sizes, in good records */
	tb_start(&b);
	mp_begin(&m, 1000000);		/* far more than there are */
	mp_var(&m, PT_STRING8, 0x1000, "x", 2);
	tb_u16(&m, PT_BINARY);
	tb_u16(&m, 0x1009);
	tb_u32(&m, 1);
	tb_u32(&m, 0x7fffffff);		/* a value size past the record */
	tb_rec(&b, 1, 0x00069003, m.p, m.len);
	free(m.p);
	tb_rec(&b, 2, 0x00069002, rend, sizeof(rend));
	mp_begin(&m, 3);
	tb_u16(&m, PT_UNICODE);
	tb_u16(&m, 0x3707);
	tb_u32(&m, 0xffffffff);		/* value count */
	tb_rec(&b, 2, 0x00069005, m.p, m.len);
	free(m.p);
	rc = tnef_parse((char *)b.p, b.len, 100, 1000, 1000, &t);
	T_CHECK(rc == 0 || rc == -1);
	tnef_clear(&t);
	free(b.p);

	/* many attachments: capped at TNEF_MAX_FILES */
	tb_start(&b);
	for (i = 0; i < TNEF_MAX_FILES + 50; i++) {
		tb_rec(&b, 2, 0x00069002, rend, sizeof(rend));
		tb_rec(&b, 2, 0x0006800f, "x", 1);
	}
	T_INTEQ(tnef_parse((char *)b.p, b.len, 100000, 1000, 1000, &t), 0);
	T_INTEQ(t.nfiles, TNEF_MAX_FILES);
	T_CHECK(t.flags & TNEF_F_TOOMANY);
	tnef_clear(&t);
	free(b.p);
}

static void
test_rtf(void)
{
	static const struct {
		const char *rtf, *want;
	} tab[] = {
		{ "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}"
		  "{\\colortbl;\\red0\\green0\\blue0;}\\f0 Hello\\par "
		  "W\\'f6rld \\u8364?\\par}", "Hello\nW\xc3\xb6rld \xe2\x82\xac\n" },
		/* a code page other than 1252 */
		{ "{\\rtf1\\ansi\\ansicpg1251 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}",
		  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
		/* ignorable destinations and pictures vanish */
		{ "{\\rtf1{\\*\\generator Riched20;}{\\pict\\pngblip 89504e47}"
		  "A\\tab B\\line C}", "A\tB\nC" },
		/* encapsulated HTML: \\htmlrtf parts and tags vanish */
		{ "{\\rtf1\\ansi\\fromhtml1{\\*\\htmltag64 <p>}\\htmlrtf "
		  "{\\par}\\htmlrtf0 Text{\\*\\htmltag72 </p>}}", "Text" },
		/* escaped braces and backslashes, \\uc0, a surrogate pair */
		{ "{\\rtf1 \\{a\\}\\\\ \\uc0\\u-10179\\u-8704  !}",
		  "{a}\\ \xf0\x9f\x98\x80 !" },
		/* hostile: unbalanced, truncated, overlong words and numbers */
		{ "}}}{{{\\", "" },
		{ "{\\rtf1 \\'", "" },
		{ "{\\rtf1 \\'zz ok}", "zz ok" },
		{ "{\\rtf1 \\u99999999999999999999 ?x}", "x" },
		{ "{\\rtf1 \\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1 y}", "y" },
	};
	size_t i, n;
	char *s, *deep;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		s = tnef_rtf_text(tab[i].rtf, strlen(tab[i].rtf), 1000);
		if (s == NULL || strcmp(s, tab[i].want) != 0)
			fprintf(stderr, "# rtf case %zu\n", i);
		T_STREQ(s, tab[i].want);
		T_CHECK(s != NULL && charset_utf8_valid(s, strlen(s)));
		free(s);
	}
	/* 100,000 nested groups, and the output cap */
	n = 100000;
	deep = xmalloc(2 * n + 2);
	memset(deep, '{', n);
	deep[n] = 'x';
	memset(deep + n + 1, '}', n);
	deep[2 * n + 1] = '\0';
	s = tnef_rtf_text(deep, strlen(deep), 1000);
	T_STREQ(s, "x");
	free(s);
	memset(deep, 'a', 2 * n + 1);
	s = tnef_rtf_text(deep, 2 * n + 1, 100);
	T_CHECK(s != NULL && strlen(s) <= 100);
	free(s);
	free(deep);
}

int
main(void)
{
	T_RUN(test_basic);
	T_RUN(test_caps);
	T_RUN(test_bodies);
	T_RUN(test_hostile);
	T_RUN(test_rtf);
	return T_END();
}
