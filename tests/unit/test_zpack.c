/*
 * test_zpack.c — how mails and notices are kept: zpack()/zunpack() round
 * trips and hostile compressed data, and notice_unref() giving back the
 * very bytes notice_compose() writes when it has the image itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "notice.h"
#include "t.h"
#include "xmalloc.h"
#include "zpack.h"

static void
roundtrip(const char *what, const char *p, size_t len, int smaller)
{
	char err[256], *z, *back;
	size_t zlen = 0, n = 0;

	z = zpack(p, len, &zlen);
	if (smaller) {
		T_CHECK(z != NULL);
		T_CHECK(zlen < len);
	}
	if (z == NULL)
		return;
	back = zunpack(z, zlen, len, &n, err, sizeof(err));
	T_CHECK(back != NULL);
	if (back != NULL) {
		T_INTEQ(n, len);
		if (n != len || memcmp(back, p, len) != 0) {
			fprintf(stderr, "# %s: not the same bytes\n", what);
			T_CHECK(0);
		}
		T_INTEQ(back[n], '\0');
	}
	/* one byte less room than it needs: refused, not cut */
	free(back);
	back = zunpack(z, zlen, len - 1, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	T_CHECK(strstr(err, "larger than") != NULL);
	free(back);
	free(z);
}

static void
test_roundtrip(void)
{
	char *mail, *noise;
	size_t i;
	unsigned seed = 7;

	/* a mail: text, a NUL, 8-bit bytes */
	mail = xmalloc(20000);
	for (i = 0; i < 20000; i++)
		mail[i] = "Subject: printer\r\nThe tray jams again.\r\n\0\xe9"
		    [i % 42];
	roundtrip("text", mail, 20000, 1);
	/* short ones are kept as they are */
	T_CHECK(zpack("Subject: x\r\n\r\nbody\r\n", 20, &i) == NULL);
	T_INTEQ(i, 0);
	/* so is what does not get smaller */
	noise = xmalloc(5000);
	for (i = 0; i < 5000; i++)
		noise[i] = (char)(rand_r(&seed) & 0xff);
	T_CHECK(zpack(noise, 5000, &i) == NULL);
	free(noise);
	free(mail);
}

/* Damaged, cut, padded and bomb-like data: a clear error, never a crash. */
static void
test_hostile(void)
{
	char err[256], *z, *back, *big, *pad;
	size_t zlen, n, i;
	uLongf blen;

	big = xcalloc(1, 4 << 20);
	memset(big, 'A', 4 << 20);
	z = zpack(big, 4 << 20, &zlen);
	T_CHECK(z != NULL && zlen < 65536);
	if (z == NULL)
		return;
	/* 4 MB from a few kB, with room for 1 MB: refused */
	back = zunpack(z, zlen, 1 << 20, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	T_CHECK(strstr(err, "larger than 1048576") != NULL);
	/* every cut short of the end */
	for (i = 0; i < zlen; i += 1 + zlen / 50) {
		back = zunpack(z, i, 8 << 20, &n, err, sizeof(err));
		T_CHECK(back == NULL);
		T_CHECK(err[0] != '\0');
		free(back);
	}
	/* bytes after the end */
	pad = xmalloc(zlen + 3);
	memcpy(pad, z, zlen);
	memcpy(pad + zlen, "xyz", 3);
	back = zunpack(pad, zlen + 3, 8 << 20, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	T_STREQ(err, "zlib: data after the end");
	free(pad);
	free(z);
	/* flipped bytes in the middle of a varied text: refused */
	for (i = 0; i < 20000; i++)
		big[i] = (char)('a' + (i * 2654435761u >> 13) % 26);
	z = zpack(big, 20000, &zlen);
	T_CHECK(z != NULL);
	if (z == NULL)
		return;
	z[zlen / 2] ^= 0x55;
	z[zlen / 2 + 1] ^= 0xaa;
	back = zunpack(z, zlen, 8 << 20, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	free(back);
	free(z);
	/* not zlib at all, and nothing */
	back = zunpack("Subject: hello", 14, 1000, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	back = zunpack("", 0, 1000, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	/* what compress2() at another level wrote reads back the same */
	blen = compressBound(1000);
	z = xmalloc(blen);
	T_INTEQ(compress2((Bytef *)z, &blen, (const Bytef *)big, 1000, 9), Z_OK);
	back = zunpack(z, blen, 1000, &n, err, sizeof(err));
	T_CHECK(back != NULL && n == 1000 && memcmp(back, big, 1000) == 0);
	free(back);
	free(z);
	free(big);
}

/*
 * The notice dictionary is frozen: stored notices need its very bytes
 * (src/zdict-notice.txt, lines ending in CR LF once built in).
 */
static void
test_dict(void)
{
	const char *d;
	size_t dlen, zlen, n, i;
	char err[256], *z, *back, *msg;
	uLong a;
	z_stream zs;
	Bytef out[256];
	uLongf olen;

	d = zpack_notice_dict(&dlen);
	T_INTEQ(dlen, 17704);
	a = adler32(adler32(0, NULL, 0), (const Bytef *)d, (uInt)dlen);
	T_CHECK(a == ZPACK_DICT_ADLER32);
	T_CHECK(memcmp(d, "Date: ", 6) == 0);
	T_CHECK(strstr(d, "\r\n") != NULL);
	for (i = 0; i < dlen; i++)
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			break;
	T_INTEQ(i, dlen);		/* every line ends in CR LF */

	/* a notice: much smaller than plain zlib, and back the same */
	msg = xstrdup(d + 6000);
	z = zpack_notice(msg, strlen(msg), &zlen);
	T_CHECK(z != NULL && zlen < strlen(msg) / 10);
	if (z != NULL) {
		back = zunpack(z, zlen, 1 << 20, &n, err, sizeof(err));
		T_CHECK(back != NULL && n == strlen(msg) &&
		    memcmp(back, msg, n) == 0);
		free(back);
	}
	free(z);
	free(msg);

	/* a stream made with some other dictionary: refused, and why */
	memset(&zs, 0, sizeof(zs));
	T_INTEQ(deflateInit(&zs, 6), Z_OK);
	T_INTEQ(deflateSetDictionary(&zs, (const Bytef *)"other words",
	    11), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)"other words, other words";
	zs.avail_in = 24;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	T_INTEQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
	olen = zs.total_out;
	deflateEnd(&zs);
	back = zunpack(out, olen, 1000, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	T_CHECK(strstr(err, "dictionary") != NULL);
	free(back);
}

/* ---- notice_unref ---- */

static char	 img1[3001], img2[2];

static int
get(void *arg, long long id, char **data, size_t *n, char *err, size_t errsz)
{
	(void)arg;
	if (id == 11 || id == 12) {
		*n = id == 11 ? sizeof(img1) : sizeof(img2);
		*data = xmalloc(*n);
		memcpy(*data, id == 11 ? img1 : img2, *n);
		return 0;
	}
	snprintf(err, errsz, "image %lld is not in the database", id);
	return -1;
}

static char *
compose(int byref, size_t *len)
{
	struct notice_file f[2];
	struct notice n;
	char err[256], *m;

	memset(f, 0, sizeof(f));
	f[0] = (struct notice_file){ "screen.png", "image/png",
	    byref ? NULL : img1, sizeof(img1), "img1.x@corp.example",
	    byref ? 11 : 0 };
	f[1] = (struct notice_file){ "tiny.gif", "image/gif",
	    byref ? NULL : img2, sizeof(img2), NULL, byref ? 12 : 0 };
	memset(&n, 0, sizeof(n));
	n.from_addr = "it@corp.example";
	n.to_addr = "alice@corp.example";
	n.subject = "[IT #1] printer";
	n.message_id = "1.x@corp.example";
	n.text = "text";
	n.html = "<p>html</p>";
	n.date = 1800000000;
	n.files = f;
	n.nfiles = 2;
	m = notice_compose(&n, len, err, sizeof(err));
	T_CHECK(m != NULL);
	return m;
}

static void
test_unref(void)
{
	char err[256], *eager, *byref, *back;
	size_t elen, rlen, n, i;

	for (i = 0; i < sizeof(img1); i++)
		img1[i] = (char)(i * 7);
	img2[0] = 'G';
	img2[1] = '\0';
	eager = compose(0, &elen);
	byref = compose(1, &rlen);
	if (eager == NULL || byref == NULL)
		goto out;
	T_CHECK(rlen < elen / 2);
	T_CHECK(memchr(eager, '\0', elen) == NULL);
	back = notice_unref(byref, rlen, get, NULL, &n, err, sizeof(err));
	T_CHECK(back != NULL);
	if (back != NULL) {
		T_INTEQ(n, elen);
		T_CHECK(n == elen && memcmp(back, eager, n) == 0);
		free(back);
	}
	/* a message without references comes back as it is */
	back = notice_unref(eager, elen, get, NULL, &n, err, sizeof(err));
	T_CHECK(back != NULL && n == elen && memcmp(back, eager, n) == 0);
	free(back);
out:
	free(eager);
	free(byref);
}

static void
test_unref_hostile(void)
{
	static const struct {
		const char *msg;
		size_t len;
		const char *err;
	} bad[] = {
		{ "a\0B11:3001", 10, "damaged" },		/* no end */
		{ "a\0X11:3001\0b", 12, "damaged" },		/* not B */
		{ "a\0B:3001\0b", 10, "damaged" },		/* no id */
		{ "a\0B-11:3001\0b", 13, "damaged" },
		{ "a\0B0:3001\0b", 11, "damaged" },
		{ "a\0B11\0b", 7, "damaged" },			/* no length */
		{ "a\0B11:3001x\0b", 13, "damaged" },
		{ "a\0B11:99999999999999999999999\0b", 32, "damaged" },
		{ "a\0B11:3000\0b", 12, "has 3001 bytes, not 3000" },
		{ "a\0B99:2\0b", 9, "image 99 is not in the database" },
		{ "a\0\0b", 4, "damaged" },
		{ "\0", 1, "damaged" },
	};
	char err[256], *back, *longref;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		back = notice_unref(bad[i].msg, bad[i].len, get, NULL, &n, err,
		    sizeof(err));
		T_CHECK(back == NULL);
		if (strstr(err, bad[i].err) == NULL) {
			fprintf(stderr, "# case %zu: %s\n", i, err);
			T_CHECK(0);
		}
		free(back);
	}
	/* a reference longer than any we write */
	longref = xcalloc(1, 200);
	memcpy(longref, "a\0B11:", 6);
	memset(longref + 6, '0', 150);
	memcpy(longref + 156, "3001\0b", 6);
	back = notice_unref(longref, 162, get, NULL, &n, err, sizeof(err));
	T_CHECK(back == NULL);
	free(longref);
	/* and one that is right, after all that */
	back = notice_unref("a\0B12:2\0b", 9, get, NULL, &n, err,
	    sizeof(err));
	T_CHECK(back != NULL);
	if (back != NULL)
		T_STREQ(back, "aRwA=b");
	free(back);
}

int
main(void)
{
	T_RUN(test_roundtrip);
	T_RUN(test_hostile);
	T_RUN(test_dict);
	T_RUN(test_unref);
	T_RUN(test_unref_hostile);
	return T_END();
}
