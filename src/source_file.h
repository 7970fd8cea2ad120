/*
 * source_file.h — mails from files, for ticketctl import: an mbox file or
 * a Maildir. source_file.c is the adapter; libetpan splits the mbox.
 *
 * Nothing is written where the mails are: no lock file, no flag, no
 * "maildirfolder" (so a mailbox another program still delivers to is read
 * as it is at the time of the listing; see ticketctl(8) CAVEATS).
 */
#ifndef TICKETD_SOURCE_FILE_H
#define TICKETD_SOURCE_FILE_H

#include <stddef.h>

struct source_file;

/*
 * An mbox file: split by libetpan at each "From " line that starts the
 * file or follows an empty line. The mails are handed out in file order,
 * with ">From " quoting undone (mboxrd: one '>' is taken off a line of
 * '>'s followed by "From "). An empty file has no mails. NULL with a
 * reason in err.
 */
struct source_file *source_file_mbox(const char *path, char *err,
	    size_t errsz);

/*
 * A Maildir: the regular files in DIR/new and DIR/cur, whose names do not
 * start with '.', in the order of their names' leading delivery time
 * (then by name). NULL with a reason in err (no cur/ or new/).
 */
struct source_file *source_file_maildir(const char *dir, char *err,
	    size_t errsz);

/* How many mails there are. */
size_t	source_file_count(const struct source_file *);

/*
 * The i-th mail (0-based) as a new buffer (caller frees), NUL-terminated
 * past *len. 0; 1 when it is larger than max_bytes (*len gets its size,
 * *data is NULL); -1 with err when it cannot be read.
 */
int	source_file_get(struct source_file *, size_t i, long long max_bytes,
	    char **data, size_t *len, char *err, size_t errsz);

/* Where the i-th mail is, for messages: "file.mbox, mail 3" or a path. */
void	source_file_where(const struct source_file *, size_t i, char *buf,
	    size_t bufsz);

void	source_file_free(struct source_file **);

/*
 * Undo mboxrd ">From " quoting in (p, len) in place: each line made of
 * one or more '>' then "From " loses one '>'. Returns the new length.
 * Pure; exposed for the unit test.
 */
size_t	source_file_unquote(char *p, size_t len);

#endif
