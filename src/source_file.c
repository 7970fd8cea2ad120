/*
 * source_file.c — mails from an mbox file or a Maildir (source_file.h).
 *
 * mbox: libetpan splits it (its mailmbox parser, the one its mbox driver
 * uses), but not through mailmbox_init(), which takes the mbox's read
 * lock, and Debian's libetpan locks with liblockfile: a FILE.lock beside
 * the mbox, which fails or waits when the directory is not ours to write
 * (an export in someone else's directory, /var/mail). So: open, map and
 * parse with libetpan's lower calls, read-only, and take each mail from
 * the map. libetpan does not undo ">From " quoting; this file does
 * (source_file_unquote). Where each mail ends is worked out here too
 * (mbox_end): libetpan's own end loses a last line.
 *
 * Maildir: a mail is a file; reading two directories needs no parser.
 * libetpan's maildir_update() is not used because it creates a
 * "maildirfolder" file in the Maildir it reads.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "log.h"
#include "source_file.h"
#include "xmalloc.h"

/*
 * libetpan 1.9 exports mailmbox_parse() (mailmbox_parse.h, which Debian
 * does not install): it splits the mapped file into mb_tab.
 */
int	mailmbox_parse(struct mailmbox_folder *);

struct source_file {
	char	*path;
	/* mbox */
	struct mailmbox_folder *mbox;
	int	 mapped;
	/* Maildir: full paths, sorted */
	char   **files;
	size_t	 nfiles;
};

size_t
source_file_unquote(char *p, size_t len)
{
	size_t i = 0, o = 0, j;
	int bol = 1;

	while (i < len) {
		if (bol && p[i] == '>') {
			for (j = i; j < len && p[j] == '>'; j++)
				;
			if (len - j >= 5 && memcmp(p + j, "From ", 5) == 0)
				i++;	/* one '>' less */
		}
		bol = p[i] == '\n';
		p[o++] = p[i++];
	}
	return o;
}

struct source_file *
source_file_mbox(const char *path, char *err, size_t errsz)
{
	struct source_file *sf;
	struct stat sb;
	char vis[256];
	int r;

	log_vis(vis, sizeof(vis), path);
	if (stat(path, &sb) == -1) {
		snprintf(err, errsz, "%s: %s", vis, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file (an mbox is one "
		    "file; for a directory use --maildir)", vis);
		return NULL;
	}
	sf = xcalloc(1, sizeof(*sf));
	sf->path = xstrdup(path);
	sf->mbox = mailmbox_folder_new(path);
	if (sf->mbox == NULL)
		fatalx("mailmbox_folder_new: out of memory");
	sf->mbox->mb_read_only = 1;
	sf->mbox->mb_no_uid = 1;
	if (mailmbox_open(sf->mbox) != MAILMBOX_NO_ERROR) {
		snprintf(err, errsz, "%s: cannot open: %s", vis,
		    strerror(errno));
		goto fail;
	}
	if (sb.st_size == 0)
		return sf;		/* nothing to map: no mails */
	if (mailmbox_map(sf->mbox) != MAILMBOX_NO_ERROR) {
		snprintf(err, errsz, "%s: cannot map it: %s", vis,
		    strerror(errno));
		goto fail;
	}
	sf->mapped = 1;
	r = mailmbox_parse(sf->mbox);
	if (r != MAILMBOX_NO_ERROR) {
		snprintf(err, errsz, "%s: cannot split it into mails "
		    "(libetpan error %d)", vis, r);
		goto fail;
	}
	return sf;
fail:
	source_file_free(&sf);
	return NULL;
}

/* The leading digits of a Maildir name (its delivery time), else 0. */
static unsigned long long
lead_number(const char *path)
{
	const char *b = strrchr(path, '/');
	unsigned long long n = 0;

	for (b = b != NULL ? b + 1 : path; *b >= '0' && *b <= '9'; b++)
		if (n < 100000000000000000ULL)
			n = n * 10 + (unsigned long long)(*b - '0');
	return n;
}

static int
maildir_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	unsigned long long nx = lead_number(x), ny = lead_number(y);
	const char *bx, *by;

	if (nx != ny)
		return nx < ny ? -1 : 1;
	bx = strrchr(x, '/');
	by = strrchr(y, '/');
	return strcmp(bx != NULL ? bx : x, by != NULL ? by : y);
}

static int
add_dir(struct source_file *sf, const char *sub, char *err, size_t errsz)
{
	struct dirent *de;
	struct stat sb;
	char *dir, *p, vis[256];
	DIR *d;

	dir = xasprintf("%s/%s", sf->path, sub);
	log_vis(vis, sizeof(vis), dir);
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errsz, "%s: %s (a Maildir has cur/, new/ and "
		    "tmp/)", vis, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &sb) == -1 || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		sf->files = xreallocarray(sf->files, sf->nfiles + 1,
		    sizeof(*sf->files));
		sf->files[sf->nfiles++] = p;
	}
	closedir(d);
	free(dir);
	return 0;
}

struct source_file *
source_file_maildir(const char *dir, char *err, size_t errsz)
{
	struct source_file *sf;

	sf = xcalloc(1, sizeof(*sf));
	sf->path = xstrdup(dir);
	if (add_dir(sf, "new", err, errsz) == -1 ||
	    add_dir(sf, "cur", err, errsz) == -1) {
		source_file_free(&sf);
		return NULL;
	}
	if (sf->nfiles > 1)
		qsort(sf->files, sf->nfiles, sizeof(*sf->files), maildir_cmp);
	return sf;
}

size_t
source_file_count(const struct source_file *sf)
{
	if (sf->mbox != NULL)
		return sf->mapped ? carray_count(sf->mbox->mb_tab) : 0;
	return sf->nfiles;
}

void
source_file_where(const struct source_file *sf, size_t i, char *buf,
    size_t bufsz)
{
	char vis[256];

	if (sf->mbox != NULL) {
		log_vis(vis, sizeof(vis), sf->path);
		snprintf(buf, bufsz, "%s, mail %zu", vis, i + 1);
	} else if (i < sf->nfiles)
		log_vis(buf, bufsz, sf->files[i]);
	else
		snprintf(buf, bufsz, "?");
}

/*
 * Where the i-th mail of the mbox ends. libetpan's own end (msg_size) is
 * not used: libetpan 1.9.4 drops the last line of the last mail when the
 * file ends in a single line end instead of an empty line. A mail runs up
 * to the next one's "From " line, or to the end of the file, less the
 * empty line that ends an mbox entry when there is one.
 */
static size_t
mbox_end(const struct source_file *sf, size_t i, size_t start)
{
	const char *m = sf->mbox->mb_mapping;
	struct mailmbox_msg_info *next;
	size_t end, e;

	end = sf->mbox->mb_mapping_size;
	if (i + 1 < carray_count(sf->mbox->mb_tab)) {
		next = carray_get(sf->mbox->mb_tab, (unsigned int)(i + 1));
		if (next != NULL && next->msg_start >= start &&
		    next->msg_start < end)
			end = next->msg_start;
	}
	if (end > start && m[end - 1] == '\n') {
		e = end - 1;
		if (e > start && m[e - 1] == '\r')
			e--;
		if (e > start && m[e - 1] == '\n')
			end = e;
	}
	return end;
}

/*
 * Where the i-th mail's headers start. libetpan ends the "From " line at
 * the first LF; in a file with CR-only line ends (old Mac exports) that
 * line would swallow the whole mail, which would then be empty. A CR not
 * followed by LF ends the "From " line too: the mail is kept, and the
 * pipeline decides what it is.
 */
static size_t
mbox_start(const struct source_file *sf, const struct mailmbox_msg_info *info)
{
	const char *m = sf->mbox->mb_mapping;
	size_t j;

	for (j = info->msg_start; j < info->msg_headers; j++) {
		if (m[j] == '\n')
			break;
		if (m[j] == '\r' && j + 1 < sf->mbox->mb_mapping_size &&
		    m[j + 1] != '\n')
			return j + 1;
	}
	return info->msg_headers;
}

static int
get_mbox(struct source_file *sf, size_t i, long long max_bytes, char **data,
    size_t *len, char *err, size_t errsz)
{
	struct mailmbox_msg_info *info;
	size_t n, start, end;

	info = carray_get(sf->mbox->mb_tab, (unsigned int)i);
	if (info == NULL || info->msg_headers > sf->mbox->mb_mapping_size ||
	    info->msg_start > info->msg_headers) {
		snprintf(err, errsz, "mail %zu: out of the file", i + 1);
		return -1;
	}
	start = mbox_start(sf, info);
	end = mbox_end(sf, i, start);
	n = end - start;
	*len = n;
	if (max_bytes > 0 && (long long)n > max_bytes)
		return 1;
	*data = xmalloc(n + 1);
	memcpy(*data, sf->mbox->mb_mapping + start, n);
	*len = source_file_unquote(*data, n);
	(*data)[*len] = '\0';
	return 0;
}

static int
get_file(struct source_file *sf, size_t i, long long max_bytes, char **data,
    size_t *len, char *err, size_t errsz)
{
	struct stat sb;
	char vis[256];
	size_t got = 0;
	ssize_t r;
	int fd;

	log_vis(vis, sizeof(vis), sf->files[i]);
	fd = open(sf->files[i], O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &sb) == -1) {
		snprintf(err, errsz, "%s: %s", vis, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*len = (size_t)sb.st_size;
	if (max_bytes > 0 && (long long)sb.st_size > max_bytes) {
		close(fd);
		return 1;
	}
	*data = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		r = read(fd, *data + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errsz, "%s: cannot read: %s", vis,
			    strerror(errno));
			free(*data);
			*data = NULL;
			close(fd);
			return -1;
		}
		if (r == 0)
			break;		/* shrank meanwhile: take what is there */
		got += (size_t)r;
	}
	close(fd);
	(*data)[got] = '\0';
	*len = got;
	return 0;
}

int
source_file_get(struct source_file *sf, size_t i, long long max_bytes,
    char **data, size_t *len, char *err, size_t errsz)
{
	*data = NULL;
	*len = 0;
	if (i >= source_file_count(sf)) {
		snprintf(err, errsz, "no mail %zu", i + 1);
		return -1;
	}
	if (sf->mbox != NULL)
		return get_mbox(sf, i, max_bytes, data, len, err, errsz);
	return get_file(sf, i, max_bytes, data, len, err, errsz);
}

void
source_file_free(struct source_file **sfp)
{
	struct source_file *sf;
	size_t i;

	if (sfp == NULL || *sfp == NULL)
		return;
	sf = *sfp;
	*sfp = NULL;
	if (sf->mbox != NULL) {
		if (sf->mapped)
			mailmbox_unmap(sf->mbox);
		if (sf->mbox->mb_fd != -1)
			mailmbox_close(sf->mbox);
		mailmbox_folder_free(sf->mbox);
	}
	for (i = 0; i < sf->nfiles; i++)
		free(sf->files[i]);
	free(sf->files);
	free(sf->path);
	free(sf);
}
