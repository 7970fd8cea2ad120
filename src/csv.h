/*
 * csv.h — reading and writing CSV as RFC 4180 has it, for ticketctl asset
 * import and export. Pure: no I/O. The reader takes (p, len), needs no
 * NUL, and never reads past len.
 *
 * Read: records end at CR LF or LF (a last record may have none); fields
 * are separated by ','; a field that starts with '"' is quoted, may hold
 * ',', line ends and '""' (one '"'), and must end with '"' followed by
 * ',' or the record's end. A UTF-8 BOM at the very start is skipped, and
 * blank lines are passed over. Bad input is a bad record, never a crash:
 * a '"' inside an unquoted field, text after a closing quote, a quote not
 * closed by the end, a CR not followed by LF, a NUL byte, invalid UTF-8,
 * more than LIMIT_CSV_FIELDS fields or a field longer than
 * LIMIT_CSV_FIELD_BYTES. After a bad record the reader goes on at the
 * next line, so that every bad record can be reported.
 */
#ifndef TICKETD_CSV_H
#define TICKETD_CSV_H

#include <stddef.h>

#include "buf.h"

struct csv {
	const char	*p;
	size_t		 len, pos;
	long		 line;		/* line of pos, from 1 */
	size_t		 records;	/* read so far, good or bad */
};

/* One record: n fields, each a new NUL-terminated string. */
struct csv_record {
	char	       **f;
	size_t		 n;
	long		 line;		/* the line it starts on */
};

void	csv_init(struct csv *, const char *p, size_t len);
/*
 * The next record into *r (cleared first; clear it with
 * csv_record_clear). 1 a record, 0 the end, -1 a bad record: r->line is
 * its line and err says why (one line). Past LIMIT_CSV_RECORDS records,
 * -1 and then 0.
 */
int	csv_next(struct csv *, struct csv_record *r, char *err, size_t errsz);
void	csv_record_clear(struct csv_record *);

/* s as one field, quoted when it holds ',', '"', CR, LF or starts or
 * ends with a space; NULL as an empty field. */
void	csv_put(struct buf *, const char *s);

#endif
