/*
 * tnef.h — unpack an Outlook TNEF stream (winmail.dat, application/ms-tnef)
 * into plain files and a text body, through libytnef. tnef.c is the only
 * file that includes <ytnef.h>.
 */
#ifndef TICKETD_TNEF_H
#define TICKETD_TNEF_H

#include <stddef.h>

/* Most attributes (records) in one stream, and most files taken from it. */
#define TNEF_MAX_RECORDS	100000
#define TNEF_MAX_FILES		1000

struct tnef_file {
	char	*name;		/* long file name, else title, UTF-8; NULL when none */
	char	*media_type;	/* PR_ATTACH_MIME_TAG as written, or NULL */
	char	*content_id;	/* PR_ATTACH_CONTENT_ID without <>, or NULL */
	char	*data;		/* the bytes; NULL when over max_bytes */
	size_t	 size;		/* size, also when dropped */
};

#define TNEF_F_DROPPED	0x01	/* a file was over max_bytes: data NULL */
#define TNEF_F_TOOMANY	0x02	/* files after max_files were skipped */
#define TNEF_F_CHARSET	0x04	/* the body had an unknown charset or bad bytes */
#define TNEF_F_TRUNC	0x08	/* the body was cut at max_body */
#define TNEF_F_PARTIAL	0x10	/* libytnef refused part of the stream */

struct tnef {
	struct tnef_file *files;
	size_t	 nfiles;
	char	*body;		/* UTF-8 text of the message body, NULL when none */
	char	*html;		/* the HTML the body came from (UTF-8), or NULL */
	int	 flags;		/* TNEF_F_* */
};

/*
 * Unpack p[0..len) into *t (zeroed first). Files over max_bytes are listed
 * with data NULL; at most max_files files; the body (plain text, else HTML
 * through html2text, else compressed RTF reduced to text) at most max_body
 * bytes; when it came from HTML, that HTML too (so its cid: references can
 * be matched). Returns 0, or -1 when p is not a well-formed TNEF stream (bad
 * signature, a record that overruns the end or has a bad checksum, nothing
 * usable in it); *t is then empty. Free with tnef_clear().
 */
int	tnef_parse(const char *p, size_t len, size_t max_files, size_t max_bytes,
	    size_t max_body, struct tnef *t);
void	tnef_clear(struct tnef *);

/*
 * Crude plain text of an RTF document (for the RTF body): groups of
 * font/colour tables, pictures and other ignorable destinations vanish,
 * \par and \line become line breaks, \'hh bytes are read in the
 * document's \ansicpg code page, \uN give their character. At most max
 * bytes of output. Returns a new string.
 */
char	*tnef_rtf_text(const char *rtf, size_t len, size_t max);

#endif
