/*
 * fuzz_store.c — a mail stored as the pipeline stores it and read back as
 * `ticketctl mail ID` reads it: mime_parse() and a struct db_mail with the
 * parts' places, as take() in pipeline.c builds it, into db_mail_add()
 * (schema 9: each attachment's base64 text a reference to the blob of its
 * bytes when writing them out again gives that very text, raw_skeleton();
 * the rest compressed, zpack.c), then db_mail_raw() (zunpack(),
 * notice_unref()). When a part is over 1,024 bytes, the smallest
 * max_attachment_bytes a configuration may set, the same again with that
 * cap (such parts dropped, nothing to refer to).
 *
 * Mutated mails seldom keep base64 that re-encodes to the very same text,
 * so the input is also stored as the bytes of an attachment, in a mail
 * written around them as mailers write base64: its first bytes choose
 * the line width, LF or CRLF, a line end after the last line or not, the
 * attachment once or twice, and one byte of the text changed or not (a
 * space, CR, '=' ...: then kept as it is or, by chance, still a
 * reference). That walks the references' path on every input.
 *
 * The database is a temporary file made from schema.sql (db_create), one
 * for the run; each store is a transaction rolled back, so every input
 * meets an empty database.
 *
 * Properties (db.h, zpack.h, notice.h): no mail is ever lost: it reads
 * back byte for byte, as long as it was; the row says the mail's own size
 * and a known form, never a larger one than the mail; a mail with a NUL
 * byte has no references (a NUL would read as one); a mail with
 * references added a blob for them; each blob it added holds exactly the
 * decoded bytes of one of its parts, as many as its size says, and
 * together they are at most 3/4 of the mail (each is its base64 text).
 */
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "db_impl.h"
#include "mail.h"
#include "mime.h"
#include "notice.h"
#include "zpack.h"

#include "fuzz.h"

#define SMALLEST_CAP	1024	/* config.c: max_attachment_bytes */

static char dir[200], path[256];
static struct db *db;

static void
cleanup(void)
{
	char p[300];

	db_free(&db);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char *err = NULL;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_store.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/desk.sqlite", dir);
	atexit(cleanup);
	if (db_create(path, &err) != 0 ||
	    (db = db_open(path, 0, &err, NULL)) == NULL) {
		fprintf(stderr, "fuzz_store: %s\n", err);
		abort();
	}
	return 0;
}

/* The row of mail id: its raw_form, size and length(raw). */
static void
row_of(long long id, int *form, long long *size, long long *stored)
{
	sqlite3_stmt *st;

	fuzz_check(db_get(db, "SELECT raw_form, size, length(raw) FROM mails "
	    "WHERE id = ?1", &st) == DB_OK);
	sqlite3_bind_int64(st, 1, id);
	fuzz_check(sqlite3_step(st) == SQLITE_ROW);
	*form = sqlite3_column_int(st, 0);
	*size = sqlite3_column_int64(st, 1);
	*stored = sqlite3_column_int64(st, 2);
	db_put(db, st);
}

/*
 * Every blob in the database (this mail's: it was empty before) is the
 * bytes of one of its parts; how many there are and their total size.
 */
static void
blobs_of(const struct mail *m, long long *count, unsigned long long *total)
{
	sqlite3_stmt *st;
	const void *p;
	size_t n, i;

	*count = 0;
	*total = 0;
	fuzz_check(db_get(db, "SELECT size, data FROM blobs", &st) == DB_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n = (size_t)sqlite3_column_bytes(st, 1);
		p = sqlite3_column_blob(st, 1);
		fuzz_check(sqlite3_column_int64(st, 0) == (long long)n);
		fuzz_check(n > 0 && p != NULL);
		for (i = 0; i < m->nparts; i++)
			if (m->parts[i].data != NULL &&
			    m->parts[i].size == n &&
			    memcmp(m->parts[i].data, p, n) == 0)
				break;
		fuzz_check(i < m->nparts);
		(*count)++;
		*total += n;
	}
	db_put(db, st);
}

/* Store raw[0..len) parsed with opts, read it back; the parse's parts'
 * largest size into *largest. */
static void
store_and_read(const char *raw, size_t len, const struct mime_opts *opts,
    size_t *largest)
{
	struct db_mail row;
	struct mail m;
	char *back = NULL;
	size_t n = 0, i, withdata = 0;
	long long id = 0, size, stored, blobs;
	unsigned long long total;
	int form;

	/* as take() in pipeline.c */
	mime_parse(raw, len, opts, &m);
	memset(&row, 0, sizeof(row));
	row.message_id = m.message_id;
	row.received_at = 1000;
	row.source = "stdin";
	row.from_addr = m.from_addr;
	row.from_name = m.from_name;
	row.subject = m.subject;
	row.raw = raw;
	row.len = len;
	row.parts = m.parts;
	row.nparts = m.nparts;
	row.disposition = "ticket";
	*largest = 0;
	for (i = 0; i < m.nparts; i++) {
		if (m.parts[i].size > *largest)
			*largest = m.parts[i].size;
		withdata += m.parts[i].data != NULL;
	}

	fuzz_check(db_begin(db) == DB_OK);
	fuzz_check(db_mail_add(db, &row, &id) == DB_OK && id > 0);
	fuzz_check(db_mail_raw(db, id, &back, &n) == 0);
	fuzz_check(back != NULL);
	fuzz_check(n == len);
	fuzz_check(len == 0 || memcmp(back, raw, len) == 0);
	free(back);

	row_of(id, &form, &size, &stored);
	fuzz_check(size == (long long)len);
	fuzz_check((form & ~(ZPACK_ZLIB | ZPACK_REFS)) == 0);
	fuzz_check(stored <= (long long)len);
	if (len > 0 && memchr(raw, '\0', len) != NULL)
		fuzz_check(!(form & ZPACK_REFS));
	blobs_of(&m, &blobs, &total);
	fuzz_check(blobs <= (long long)withdata);
	fuzz_check(total <= len / 4 * 3);
	if (form & ZPACK_REFS)
		fuzz_check(blobs > 0);
	db_rollback(db);
	mail_clear(&m);
}

/*
 * A mail with data[4..size) as an attachment, its base64 written as
 * data[0..4) says (see the top), stored and read back.
 */
static void
attachment_mail(const uint8_t *data, size_t size)
{
	static const size_t widths[] = { 76, 64, 72, 60, 4, 8, 100,
	    NOTICE_REF_WIDTH_MAX, NOTICE_REF_WIDTH_MAX + 4 };
	static const char change[] = " \t\r\n=-A/\0";
	struct buf b;
	const char *nl;
	char *raw;
	size_t width, at, len, i, copies, start, largest;
	int lf, eol;

	if (size < 4)
		return;
	width = data[0] < 128 ? widths[data[0] % (sizeof(widths) /
	    sizeof(widths[0]))] : 4 * (size_t)(data[0] - 127);
	lf = data[1] & 1;
	eol = (data[1] & 2) != 0;
	copies = data[1] & 4 ? 2 : 1;
	nl = lf ? "\n" : "\r\n";
	buf_init(&b, (size_t)1 << 20);
	buf_printf(&b, "From: a@corp.example%sSubject: file%sMIME-Version: "
	    "1.0%sContent-Type: multipart/mixed; boundary=\"=_b\"%s%s--=_b%s"
	    "Content-Type: text/plain%s%sSee the file.%s", nl, nl, nl, nl, nl,
	    nl, nl, nl, nl);
	for (i = 0; i < copies; i++) {
		buf_printf(&b, "--=_b%sContent-Type: application/octet-stream;"
		    " name=\"f%zu.bin\"%sContent-Transfer-Encoding: base64%s%s",
		    nl, i, nl, nl, nl);
		start = b.len;
		fuzz_check(notice_base64_lines(&b, data + 4, size - 4, width,
		    lf) == 0);
		if (eol)
			buf_addstr(&b, nl);
		/* one byte of the first copy's text changed */
		if (i == 0 && (data[1] & 8) && b.len > start) {
			at = start + ((size_t)data[2] << 8 | data[3]) %
			    (b.len - start);
			b.data[at] = change[(data[1] >> 4) % (sizeof(change) -
			    1)];
		}
		buf_addstr(&b, nl);
	}
	fuzz_check(buf_printf(&b, "--=_b--%s", nl) == 0);
	len = b.len;
	raw = fuzz_dup((const uint8_t *)b.data, len);
	buf_clear(&b);
	store_and_read(raw, len, NULL, &largest);
	free(raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_opts opts;
	char *copy;
	const char *raw;
	size_t largest, ignored;

	/* "" for none: to gcc, fuzz_dup(data, 0) is a byte read unset */
	copy = fuzz_dup(data, size);
	raw = size > 0 ? copy : "";
	store_and_read(raw, size, NULL, &largest);
	if (largest > SMALLEST_CAP) {
		opts.max_attachment_bytes = SMALLEST_CAP;
		store_and_read(raw, size, &opts, &ignored);
	}
	free(copy);
	attachment_mail(data, size);
	return 0;
}
