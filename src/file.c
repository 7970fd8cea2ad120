/*
 * file.c — files only the desk's user may read (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int
file_create_private(const char *path)
{
	int fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC, FILE_MODE_PRIVATE);
	if (fd == -1)
		return -1;
	/* open(2) applied the umask to the mode; that can only have taken
	 * bits off 0600, but say the mode once more, whatever the umask */
	if (fchmod(fd, FILE_MODE_PRIVATE) == -1) {
		saved = errno;
		close(fd);
		unlink(path);
		errno = saved;
		return -1;
	}
	return fd;
}

int
file_mkdir_private(const char *path)
{
	struct stat sb;

	if (mkdir(path, FILE_MODE_PRIVATE_DIR) == -1) {
		if (errno == EEXIST && stat(path, &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			return 1;
		return -1;
	}
	/* the umask may have taken bits off 0700: set them (a umask cannot
	 * add any) */
	if (chmod(path, FILE_MODE_PRIVATE_DIR) == -1)
		return -1;
	return 0;
}

int
file_make_private(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	if ((sb.st_mode & 077) == 0)
		return 0;
	if (chmod(path, sb.st_mode & 0700) == -1)
		return -1;
	return 1;
}
