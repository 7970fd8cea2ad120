/*
 * file.h — files that only the desk's own user may read. Everything
 * ticketd and ticketctl create is one: the database (made here before
 * SQLite opens it, so that its -wal and -shm, which SQLite gives the
 * database file's mode, are private too), and later secrets, exports and
 * backups. The mode is set explicitly, by open(2) and fchmod(2), so it does
 * not depend on the umask; both programs also set umask 077 at start.
 */
#ifndef TICKETD_FILE_H
#define TICKETD_FILE_H

#define FILE_MODE_PRIVATE	0600
#define FILE_MODE_PRIVATE_DIR	0700

/*
 * Create path as a new, empty file of mode 0600. Refused (EEXIST) when
 * anything exists at path, a symbolic link included. Returns a descriptor
 * open for writing (close-on-exec), or -1 with errno set; nothing is left
 * behind on failure.
 */
int	file_create_private(const char *path);

/*
 * Make a directory of mode 0700 (its parent must exist). 0 made, 1 a
 * directory was there already (left as it is), -1 with errno set.
 */
int	file_mkdir_private(const char *path);

/*
 * Take the group and other permission bits off an existing file (through a
 * symbolic link): 0 it had none, 1 they were taken off, -1 with errno set
 * (ENOENT when there is no such file).
 */
int	file_make_private(const char *path);

#endif
