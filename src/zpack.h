/*
 * zpack.h — how mails and notices are kept in the database: compressed
 * with zlib (the zlib format of compress2(), the one the sqlite3 shell's
 * sqlar_uncompress() reads).
 */
#ifndef TICKETD_ZPACK_H
#define TICKETD_ZPACK_H

#include <stddef.h>

/*
 * Forms of a stored mail (mails.raw_form) or notice (outbox.form):
 * ZPACK_PLAIN the bytes as they are (everything written before schema 9,
 * and whatever compression does not make smaller); ZPACK_ZLIB compressed.
 */
#define ZPACK_PLAIN	0
#define ZPACK_ZLIB	1
/*
 * Added to either: the bytes of attachments (a mail's base64 parts, a
 * notice's images) are references to the blobs that hold them, written
 * back by notice_unref() (notice.h).
 */
#define ZPACK_REFS	2
/*
 * Added to ZPACK_ZLIB: compressed with the notice dictionary, three
 * notices the built-in templates wrote (src/zdict-notice.txt, its lines
 * ending in CR LF). A notice of 6 kB is then about 400 bytes instead of
 * 1,800. Rows depend on it: the file is never changed (test_zpack holds
 * its Adler-32); another dictionary would take another form.
 */
#define ZPACK_DICT	4
#define ZPACK_DICT_ADLER32	3239918666UL

/*
 * Compress p[0..len). A new buffer of *outlen bytes when that is smaller
 * than len, else NULL (store it plain).
 */
char	*zpack(const void *p, size_t len, size_t *outlen);

/* zpack() for a notice: with the notice dictionary (ZPACK_DICT). */
char	*zpack_notice(const void *p, size_t len, size_t *outlen);
/* The notice dictionary and its length. */
const char *zpack_notice_dict(size_t *len);

/*
 * Undo zpack or zpack_notice (the stream says which dictionary): a new NUL-terminated buffer of *outlen bytes, at most max.
 * NULL when the data is damaged or would pass max (err says which).
 */
char	*zunpack(const void *p, size_t len, size_t max, size_t *outlen,
	    char *err, size_t errsz);

#endif
