/* zpack.c — compress mails and notices for the database (zlib). */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "xmalloc.h"
#include "zpack.h"

/*
 * Level 1: on the bench's mails and notices, level 6 made them 3 % smaller
 * than level 1 for a third more time, and this runs once per mail and per
 * notice in the ingest's transaction.
 */
#define ZPACK_LEVEL	1

/*
 * memLevel 5, not zlib's default 8 (compress2's): a stream's hash table
 * and pending buffer are 8 kB each instead of 64, and setting them up
 * (allocated, the hash cleared) was most of the cost of a small mail's
 * compression: 1.3 kB in 78 -> 35 us, 5 kB in 112 -> 93 us, a 214 kB one
 * 9.5 -> 7.7 ms, each within 1.3 % of the size (corpus mails). Also the
 * notices' (below).
 */
#define ZPACK_MEMLEVEL	5

/*
 * All of p (len < UINT_MAX / 2) through the set-up stream z, which is
 * ended: a new buffer and *outlen, or NULL when it would not be smaller.
 */
static char *
deflate_all(z_stream *z, const void *p, size_t len, size_t *outlen)
{
	uLong n;
	char *out;

	n = deflateBound(z, (uLong)len);
	out = xmalloc(n);
	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)len;
	z->next_out = (Bytef *)out;
	z->avail_out = (uInt)n;
	if (deflate(z, Z_FINISH) != Z_STREAM_END || z->total_out >= len) {
		deflateEnd(z);
		free(out);
		return NULL;
	}
	*outlen = z->total_out;
	deflateEnd(z);
	return out;
}

char *
zpack(const void *p, size_t len, size_t *outlen)
{
	z_stream z = { 0 };

	*outlen = 0;
	if (len < 64 || len > UINT_MAX / 2)
		return NULL;
	if (deflateInit2(&z, ZPACK_LEVEL, Z_DEFLATED, 15, ZPACK_MEMLEVEL,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	return deflate_all(&z, p, len, outlen);
}

extern const char zdict_notice[];	/* build/zdict_notice.c */

const char *
zpack_notice_dict(size_t *len)
{
	*len = strlen(zdict_notice);
	return zdict_notice;
}

/*
 * A stream with the dictionary set, made once: each notice starts from a
 * copy of it (deflateCopy) instead of setting the 17 kB dictionary again,
 * which cost 0.3 M instructions per notice, more than compressing it.
 * It lives as long as the process; deflateCopy only reads it, so any
 * thread may start from it.
 */
static z_stream primed;
static int primed_ok;
static pthread_once_t prime_once = PTHREAD_ONCE_INIT;

/*
 * A notice's stream, the dictionary set. memLevel 5 here too: deflateCopy
 * copies the hash table and the pending buffer, 64 kB each at 8 and 8 kB
 * each at 5. On the bench's notices (5.5 kB) that made a notice 49 µs
 * instead of 94, and each came out the very same size. The window stays
 * 32 kB: the dictionary needs it.
 */
static int
start(z_stream *z)
{
	const char *dict;
	size_t dlen;

	if (deflateInit2(z, 6, Z_DEFLATED, 15, ZPACK_MEMLEVEL,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	dict = zpack_notice_dict(&dlen);
	if (deflateSetDictionary(z, (const Bytef *)dict, (uInt)dlen) !=
	    Z_OK) {
		deflateEnd(z);
		return -1;
	}
	return 0;
}

static void
prime(void)
{
	primed_ok = start(&primed) == 0;
}

/*
 * Level 6 here: with the dictionary a notice takes 60 µs instead of 47
 * at level 1, and comes out 384 bytes instead of 543 (the bench's).
 */
char *
zpack_notice(const void *p, size_t len, size_t *outlen)
{
	z_stream z = { 0 };

	*outlen = 0;
	if (len < 64 || len > UINT_MAX / 2)
		return NULL;
	pthread_once(&prime_once, prime);
	if (primed_ok ? deflateCopy(&z, &primed) != Z_OK : start(&z) == -1)
		return NULL;
	return deflate_all(&z, p, len, outlen);
}

char *
zunpack(const void *p, size_t len, size_t max, size_t *outlen, char *err,
    size_t errsz)
{
	z_stream z = { 0 };
	char *out = NULL;
	size_t cap = 0, have = 0;
	int rc;

	*outlen = 0;
	if (inflateInit(&z) != Z_OK) {
		snprintf(err, errsz, "zlib: %s", z.msg != NULL ? z.msg :
		    "cannot start");
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	for (;;) {
		if (have == cap) {
			size_t want = cap == 0 ? (len < max / 4 ? len * 4 : max)
			    + 1 : cap > max / 2 ? max + 1 : cap * 2;

			if (want <= cap) {
				snprintf(err, errsz, "larger than %zu bytes "
				    "unpacked", max);
				goto fail;
			}
			out = xreallocarray(out, want + 1, 1);
			cap = want;
		}
		z.next_out = (Bytef *)out + have;
		z.avail_out = cap - have > UINT_MAX ? UINT_MAX :
		    (uInt)(cap - have);
		rc = inflate(&z, Z_NO_FLUSH);
		have = (size_t)(z.next_out - (Bytef *)out);
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_NEED_DICT) {
			const char *dict;
			size_t dlen;

			dict = zpack_notice_dict(&dlen);
			if (z.adler != ZPACK_DICT_ADLER32 ||
			    inflateSetDictionary(&z, (const Bytef *)dict,
			    (uInt)dlen) != Z_OK) {
				snprintf(err, errsz, "zlib: compressed with a "
				    "dictionary this ticketd does not have");
				goto fail;
			}
			continue;
		}
		if (rc == Z_BUF_ERROR && z.avail_out > 0) {
			snprintf(err, errsz, "zlib: the data ends early");
			goto fail;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			snprintf(err, errsz, "zlib: %s", z.msg != NULL ?
			    z.msg : "damaged data");
			goto fail;
		}
	}
	if (have > max) {
		snprintf(err, errsz, "larger than %zu bytes unpacked", max);
		goto fail;
	}
	if (z.avail_in != 0) {
		snprintf(err, errsz, "zlib: data after the end");
		goto fail;
	}
	inflateEnd(&z);
	out[have] = '\0';
	*outlen = have;
	return out;
fail:
	inflateEnd(&z);
	free(out);
	return NULL;
}
