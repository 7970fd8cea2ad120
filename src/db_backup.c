/*
 * db_backup.c — copies of the database with SQLite's online backup API:
 * ticketctl backup and restore, and the copy db.c makes before it
 * migrates a schema.
 *
 * Every copy is taken in one backup step, that is in one read transaction
 * of the source: a consistent snapshot. In WAL mode (every database
 * ticketctl init makes) the daemon goes on writing meanwhile; it never
 * waits for a backup. Files made here are mode 0600 (file.h).
 *
 * "In use": ticketd opens the database with DB_INUSE and holds a shared
 * flock(2) on the database file for as long as it runs (--stdin runs too).
 * ticketctl restore takes the exclusive lock without waiting: when it
 * cannot, a ticketd has the database open. flock locks are apart from
 * the POSIX locks SQLite takes on the same file, so neither disturbs the
 * other (on local file systems; see CAVEATS in ticketctl(8) for NFS).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_impl.h"
#include "file.h"
#include "log.h"
#include "xmalloc.h"

#define BACKUP_BUSY_MS		50	/* wait between two busy tries */
#define BACKUP_BUSY_TRIES	200	/* 10 s in all */

/* "ok" from PRAGMA quick_check, or the first problem (new string). */
static char *
quick_check(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char *why;
	int rc;

	rc = sqlite3_prepare_v2(h, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		why = xstrdup(sqlite3_errmsg(h));
		sqlite3_finalize(st);
		return why;
	}
	t = sqlite3_column_text(st, 0);
	why = xstrdup(t != NULL ? (const char *)t : "no answer");
	sqlite3_finalize(st);
	return why;
}

/* src → dst in one step, retrying while either side is busy. */
static int
copy_all(sqlite3 *dst, sqlite3 *src, char **why)
{
	sqlite3_backup *b;
	int rc, frc, tries = 0;

	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		*why = xstrdup(sqlite3_errmsg(dst));
		return -1;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, -1);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (++tries >= BACKUP_BUSY_TRIES)
			break;
		sqlite3_sleep(BACKUP_BUSY_MS);
	}
	frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		*why = xstrdup((rc & 0xff) == SQLITE_BUSY ||
		    (rc & 0xff) == SQLITE_LOCKED ? "the database stayed busy "
		    "for 10 seconds" : sqlite3_errstr(rc));
		return -1;
	}
	if (frc != SQLITE_OK) {
		*why = xstrdup(sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

static void
remove_copy(const char *path)
{
	static const char *const ext[] = { "", "-journal", "-wal", "-shm" };
	char *p;
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		p = xasprintf("%s%s", path, ext[i]);
		(void)unlink(p);
		free(p);
	}
}

int
db_backup_copy(sqlite3 *src, const char *dest, char **errstr)
{
	sqlite3 *dst = NULL;
	char *why = NULL;
	int fd, rc;

	*errstr = NULL;
	if ((fd = file_create_private(dest)) == -1) {
		*errstr = xasprintf("%s: %s", dest, strerror(errno));
		return -1;
	}
	close(fd);
	rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		why = xstrdup(dst != NULL ? sqlite3_errmsg(dst) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(dst, 5000);
	if (copy_all(dst, src, &why) == -1)
		goto fail;
	why = quick_check(dst);
	if (strcmp(why, "ok") != 0)
		goto fail;
	free(why);
	if (sqlite3_close(dst) != SQLITE_OK) {
		why = xstrdup("cannot close the copy");
		dst = NULL;
		goto fail;
	}
	return 0;
fail:
	*errstr = xasprintf("%s: %s", dest, why != NULL ? why : "failed");
	free(why);
	sqlite3_close(dst);
	remove_copy(dest);
	return -1;
}

/* Counts of the rows that matter, for the messages of ticketctl. */
static void
count_rows(sqlite3 *h, struct db_copy_info *info)
{
	sqlite3_stmt *st = NULL;

	info->tickets = info->mails = info->attachments = 0;
	if (sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM tickets), "
	    "(SELECT count(*) FROM mails)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		info->tickets = sqlite3_column_int64(st, 0);
		info->mails = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	/* attachments came with schema 2 */
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM attachments", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		info->attachments = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
}

/*
 * Open a database read-only and look at it: a ticketd database of a
 * schema this binary reads (or migrates); with quick, whole too
 * (PRAGMA quick_check reads every page). info gets its schema and counts.
 */
static sqlite3 *
open_look(const char *from, int quick, struct db_copy_info *info,
    char **errstr)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char *why = NULL;
	int rc, v = -1, tables = 0;

	memset(info, 0, sizeof(*info));
	if (stat(from, &sb) == -1) {
		*errstr = xasprintf("%s: %s", from, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		*errstr = xasprintf("%s: not a regular file", from);
		return NULL;
	}
	info->bytes = (long long)sb.st_size;
	rc = sqlite3_open_v2(from, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		*errstr = xasprintf("%s: %s", from, h != NULL ?
		    sqlite3_errmsg(h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_prepare_v2(h, "SELECT (SELECT user_version FROM "
	    "pragma_user_version), (SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('tickets', 'mails', 'outbox'))", -1,
	    &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		tables = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (v < 0) {
		*errstr = xasprintf("%s: %s", from, sqlite3_errmsg(h));
		goto fail;
	}
	if (v < 1 || tables != 3) {
		*errstr = xasprintf("%s: not a ticketd database", from);
		goto fail;
	}
	if (v > DB_SCHEMA_VERSION) {
		*errstr = xasprintf("%s: schema version %d is newer than this "
		    "ticketctl (%d)", from, v, DB_SCHEMA_VERSION);
		goto fail;
	}
	if (quick) {
		why = quick_check(h);
		if (strcmp(why, "ok") != 0) {
			*errstr = xasprintf("%s: damaged: %s", from, why);
			free(why);
			goto fail;
		}
		free(why);
	}
	info->version = v;
	count_rows(h, info);
	return h;
fail:
	sqlite3_close(h);
	return NULL;
}

int
db_peek(const char *path, struct db_copy_info *info, char **errstr)
{
	sqlite3 *h;

	*errstr = NULL;
	if ((h = open_look(path, 0, info, errstr)) == NULL)
		return -1;
	sqlite3_close(h);
	return 0;
}

int
db_backup(const char *path, const char *dest, struct db_copy_info *info,
    char **errstr)
{
	sqlite3 *src;
	struct stat sb;
	int rc;

	*errstr = NULL;
	if ((src = open_look(path, 0, info, errstr)) == NULL)
		return -1;
	rc = db_backup_copy(src, dest, errstr);
	sqlite3_close(src);
	if (rc == 0 && (src = open_look(dest, 0, info, errstr)) != NULL) {
		sqlite3_close(src);
		if (stat(dest, &sb) == 0)
			info->bytes = (long long)sb.st_size;
	} else if (rc == 0)
		rc = -1;
	return rc;
}

/*
 * "PATH.bak-TAG-20261129T101500Z" (UTC); a new string. For a restore,
 * "-2", "-3", … after it when a copy of the same second is there already
 * (two restores in one second). A migration's copy keeps its one name: a
 * name taken stops the migration (ticketd(8)). The copy itself is still made only where no file
 * is, so a name taken in between is refused, never overwritten.
 */
char *
db_backup_name(const char *path, const char *tag)
{
	struct stat sb;
	struct tm tm;
	time_t now = time(NULL);
	char t[32], *name;
	int i;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(t, sizeof(t), "%lld", (long long)now);
	name = xasprintf("%s.bak-%s-%s", path, tag, t);
	for (i = 2; strcmp(tag, "restore") == 0 && i < 100 &&
	    lstat(name, &sb) == 0; i++) {
		free(name);
		name = xasprintf("%s.bak-%s-%s-%d", path, tag, t, i);
	}
	return name;
}

int
db_restore(const char *path, const char *from, int force, char **saved,
    struct db_copy_info *info, int *was_in_use, char **errstr)
{
	sqlite3 *src = NULL, *dst = NULL;
	struct stat sb;
	char *why = NULL, *e = NULL;
	int lockfd = -1, fd, existed, created = 0, rc = -1;

	*errstr = NULL;
	*saved = NULL;
	*was_in_use = 0;
	if ((src = open_look(from, 1, info, errstr)) == NULL)
		return -1;
	existed = stat(path, &sb) == 0;
	if (existed) {
		lockfd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
		if (lockfd == -1) {
			*errstr = xasprintf("%s: %s", path, strerror(errno));
			goto done;
		}
		if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK) {
				*errstr = xasprintf("%s: lock: %s", path,
				    strerror(errno));
				goto done;
			}
			*was_in_use = 1;
			if (!force) {
				*errstr = xasprintf("%s is in use by a running "
				    "ticketd; stop it first (or give --force "
				    "to replace the database under it)", path);
				goto done;
			}
		}
		rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
		if (rc != SQLITE_OK) {
			why = xstrdup(dst != NULL ? sqlite3_errmsg(dst) :
			    sqlite3_errstr(rc));
			rc = -1;
			goto fail;
		}
		rc = -1;
		sqlite3_busy_timeout(dst, 5000);
		/* the database as it was, first */
		*saved = db_backup_name(path, "restore");
		if (db_backup_copy(dst, *saved, &e) == -1) {
			*errstr = xasprintf("not restored: cannot keep the "
			    "database as it is: %s", e);
			free(e);
			free(*saved);
			*saved = NULL;
			goto done;
		}
		/*
		 * A backup into a database in WAL mode needs the same page
		 * size; nobody else has it open (without --force), so leave
		 * WAL for the copy and go back to it after.
		 */
		if (!*was_in_use)
			sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL,
			    NULL, NULL);
	} else {
		if ((fd = file_create_private(path)) == -1) {
			*errstr = xasprintf("%s: %s", path, strerror(errno));
			goto done;
		}
		close(fd);
		created = 1;
		rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
		if (rc != SQLITE_OK) {
			why = xstrdup(dst != NULL ? sqlite3_errmsg(dst) :
			    sqlite3_errstr(rc));
			rc = -1;
			goto fail;
		}
		rc = -1;
		sqlite3_busy_timeout(dst, 5000);
	}
	if (copy_all(dst, src, &why) == -1)
		goto fail;
	if (!*was_in_use)
		sqlite3_exec(dst, "PRAGMA journal_mode = WAL", NULL, NULL,
		    NULL);
	why = quick_check(dst);
	if (strcmp(why, "ok") != 0)
		goto fail;
	free(why);
	why = NULL;
	rc = 0;
	goto done;
fail:
	*errstr = xasprintf("%s: not restored: %s", path, why != NULL ? why :
	    "failed");
	free(why);
done:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc == 0 && file_make_private(path) == -1)
		log_warn("%s: cannot make it private", path);
	if (rc != 0 && created)
		remove_copy(path);
	if (lockfd != -1)
		close(lockfd);		/* after SQLite let go of the file */
	return rc;
}
