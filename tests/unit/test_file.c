/*
 * test_file.c — private files (file.c) under the most permissive umask
 * (0): a new file is 0600 and never made over an existing file or a
 * symbolic link, a directory 0700, and an existing file loses its group
 * and other bits.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "file.h"
#include "t.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/test_file.XXXXXX";

static void
test_private_files(void)
{
	char *f = xasprintf("%s/file", tmpdir), *d = xasprintf("%s/dir",
	    tmpdir), *l = xasprintf("%s/link", tmpdir);
	struct stat sb;
	mode_t old;
	int fd;

	old = umask(0);		/* the worst umask: nothing taken off */
	fd = file_create_private(f);
	T_CHECK(fd >= 0);
	T_CHECK(fstat(fd, &sb) == 0 && (sb.st_mode & 07777) == 0600);
	T_CHECK(write(fd, "x", 1) == 1);
	close(fd);
	/* never over anything, a symbolic link included */
	T_CHECK(file_create_private(f) == -1);
	T_CHECK(symlink(f, l) == 0);
	T_CHECK(file_create_private(l) == -1);

	T_INTEQ(file_mkdir_private(d), 0);
	T_CHECK(stat(d, &sb) == 0 && (sb.st_mode & 07777) == 0700);
	T_INTEQ(file_mkdir_private(d), 1);
	T_INTEQ(file_mkdir_private(f), -1);	/* a file is there */

	T_CHECK(chmod(f, 0664) == 0);
	T_INTEQ(file_make_private(f), 1);
	T_CHECK(stat(f, &sb) == 0 && (sb.st_mode & 07777) == 0600);
	T_INTEQ(file_make_private(f), 0);
	umask(old);
	rmdir(d);
	free(f);
	free(d);
	free(l);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_private_files);
	t_rmdir(tmpdir);
	return T_END();
}
