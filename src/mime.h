/*
 * mime.h — the one place libetpan's MIME parser is used: it walks the tree
 * of a raw mail into our struct mail.
 */
#ifndef TICKETD_MIME_H
#define TICKETD_MIME_H

#include <stddef.h>

#include "mail.h"

struct mime_opts {
	long long max_attachment_bytes;	/* a bigger part is PART_F_DROPPED; 0 = default */
};

/*
 * Parse raw (len bytes, need not be NUL-terminated) into *m (zeroed first).
 * opts may be NULL (defaults from limits.h). Never fails on odd input:
 * whatever could be read is kept and flags say what went wrong. Returns 0;
 * -1 only when nothing at all is usable (no sender address, no subject and
 * no text), *m then still holds what was found.
 */
int	mime_parse(const char *raw, size_t len, const struct mime_opts *opts,
	    struct mail *m);

/* "sha256:<64 hex>" of the bytes; caller frees. */
char	*mime_hash_id(const char *raw, size_t len);

#endif
