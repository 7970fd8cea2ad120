/*
 * token.c — OAuth2 access tokens from a file or a command (token.h).
 *
 * The command runs as "/bin/sh -c COMMAND" in its own process group with
 * standard input from /dev/null, no descriptor of ours but its pipes, and
 * the default SIGPIPE (the daemon ignores it, and an ignored signal would
 * be inherited through exec). It gets TOKEN_COMMAND_SECS to finish; then
 * its whole group is killed. What it writes to standard error (its first
 * line, cut) is the reason given when it fails.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "token.h"
#include "xmalloc.h"

#define TOKEN_COMMAND_SECS	30	/* the longest a command may take */
#define TOKEN_EARLY_SECS	60	/* renew this long before it expires */
#define TOKEN_STDERR_BYTES	1024	/* of the command's complaints, kept */
/* a file or a command's output: the token, a lifetime, some slack */
#define TOKEN_OUTPUT_BYTES	(LIMIT_TOKEN_BYTES + 256)

struct token {
	char		*file;
	char		*command;
	char		*what;
	char		*tok;		/* NUL-terminated, or NULL */
	size_t		 len;
	time_t		 expires;	/* command: run again from then; 0 never */
	int		 refused;	/* command: run again at the next get */
	/* file: what it was when read */
	int		 have_stat;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
};

struct token *
token_new(const char *file, const char *command, const char *what)
{
	struct token *t;

	t = xcalloc(1, sizeof(*t));
	t->file = file != NULL ? xstrdup(file) : NULL;
	t->command = command != NULL ? xstrdup(command) : NULL;
	t->what = xstrdup(what);
	return t;
}

static void
forget(struct token *t)
{
	if (t->tok != NULL) {
		explicit_bzero(t->tok, t->len);
		free(t->tok);
	}
	t->tok = NULL;
	t->len = 0;
}

void
token_free(struct token **tp)
{
	struct token *t;

	if (tp == NULL || *tp == NULL)
		return;
	t = *tp;
	*tp = NULL;
	forget(t);
	free(t->file);
	free(t->command);
	free(t->what);
	free(t);
}

void
token_refused(struct token *t)
{
	t->refused = 1;
}

int
token_parse(const char *p, size_t len, const char **tok, size_t *toklen,
    long long *lifetime, char *err, size_t errsz)
{
	const char *nl, *l2, *e2;
	long long v = 0;
	size_t n, i;

	*lifetime = -1;
	nl = memchr(p, '\n', len);
	n = nl != NULL ? (size_t)(nl - p) : len;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' ||
	    p[n - 1] == '\t'))
		n--;
	if (n == 0) {
		snprintf(err, errsz, "no token (the first line is empty)");
		return -1;
	}
	if (n > LIMIT_TOKEN_BYTES) {
		snprintf(err, errsz, "the token is longer than %d bytes",
		    LIMIT_TOKEN_BYTES);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f) {
			snprintf(err, errsz, "the first line is not a token "
			    "(byte %zu is not printable ASCII)", i + 1);
			return -1;
		}
	*tok = p;
	*toklen = n;
	if (nl == NULL)
		return 0;
	/* a second line of digits alone: the lifetime in seconds */
	l2 = nl + 1;
	e2 = memchr(l2, '\n', len - (size_t)(l2 - p));
	if (e2 == NULL)
		e2 = p + len;
	while (e2 > l2 && (e2[-1] == '\r' || e2[-1] == ' ' || e2[-1] == '\t'))
		e2--;
	if (e2 == l2 || e2 - l2 > 9)
		return 0;
	for (i = 0; l2 + i < e2; i++) {
		if (l2[i] < '0' || l2[i] > '9')
			return 0;
		v = v * 10 + (l2[i] - '0');
	}
	*lifetime = v;
	return 0;
}

/* Take (p, len) as the new token; *fresh when it differs from the last. */
static int
take(struct token *t, const char *p, size_t len, long long *lifetime,
    int *fresh, char *err, size_t errsz)
{
	const char *tok;
	size_t n;

	if (token_parse(p, len, &tok, &n, lifetime, err, errsz) == -1)
		return -1;
	*fresh = t->tok == NULL || t->len != n || memcmp(t->tok, tok, n) != 0;
	forget(t);
	t->tok = xmalloc(n + 1);
	memcpy(t->tok, tok, n);
	t->tok[n] = '\0';
	t->len = n;
	return 0;
}

static int
same_stat(const struct token *t, const struct stat *st)
{
	return t->have_stat && t->dev == st->st_dev && t->ino == st->st_ino &&
	    t->size == st->st_size && t->mtim.tv_sec == st->st_mtim.tv_sec &&
	    t->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

static const char *
from_file(struct token *t, int *fresh, char *err, size_t errsz)
{
	char vis[256], *buf = NULL;
	struct stat st;
	long long lifetime;
	size_t len = 0;
	ssize_t r;
	int fd;

	log_vis(vis, sizeof(vis), t->file);
	if (stat(t->file, &st) == 0 && same_stat(t, &st) && t->tok != NULL)
		return t->tok;
	fd = open(t->file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errsz, "%s token_file %s: cannot open: %s",
		    t->what, vis, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s token_file %s is not a regular file",
		    t->what, vis);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errsz, "%s token_file %s is readable by group or "
		    "others; chmod 600 it", t->what, vis);
		goto fail;
	}
	buf = xmalloc(TOKEN_OUTPUT_BYTES);
	while (len < TOKEN_OUTPUT_BYTES) {
		r = read(fd, buf + len, TOKEN_OUTPUT_BYTES - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errsz, "%s token_file %s: cannot read: %s",
			    t->what, vis, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (take(t, buf, len, &lifetime, fresh, err, errsz) == -1) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsz, "%s token_file %s: %s", t->what, vis, why);
		goto fail;
	}
	t->have_stat = 1;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->size = st.st_size;
	t->mtim = st.st_mtim;
	explicit_bzero(buf, TOKEN_OUTPUT_BYTES);
	free(buf);
	close(fd);
	return t->tok;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, TOKEN_OUTPUT_BYTES);
		free(buf);
	}
	close(fd);
	return NULL;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: never returns. Only async-signal-safe calls. */
static _Noreturn void
child(const char *command, int out, int errfd)
{
	struct sigaction sa;
	int null;

	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	null = open("/dev/null", O_RDONLY);
	if (null == -1 || dup2(null, 0) == -1 || dup2(out, 1) == -1 ||
	    dup2(errfd, 2) == -1)
		_exit(126);
	closefrom(3);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

/*
 * Run the command: its standard output (at most TOKEN_OUTPUT_BYTES) into
 * out and *outlen, the first line of its standard error into err. 0 when it
 * exited 0, else -1 with err.
 */
static int
run(struct token *t, char *out, size_t *outlen, char *err, size_t errsz)
{
	char ebuf[TOKEN_STDERR_BYTES + 1], tmp[4096], vis[512], *nl;
	struct pollfd pfd[2];
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status, i, n, rc = -1;
	int flood = 0;
	size_t elen = 0;
	long long deadline;
	ssize_t r;
	pid_t pid, w;

	*outlen = 0;
	if (pipe(po) == -1 || pipe(pe) == -1) {
		snprintf(err, errsz, "%s token_command: pipe: %s", t->what,
		    strerror(errno));
		goto close;
	}
	pid = fork();
	if (pid == -1) {
		snprintf(err, errsz, "%s token_command: fork: %s", t->what,
		    strerror(errno));
		goto close;
	}
	if (pid == 0)
		child(t->command, po[1], pe[1]);
	(void)setpgid(pid, pid);	/* here too: the kill below needs it */
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;

	deadline = mono_ms() + TOKEN_COMMAND_SECS * 1000LL;
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	while ((pfd[0].fd != -1 || pfd[1].fd != -1) && !flood) {
		long long left = deadline - mono_ms();

		if (left <= 0)
			break;
		for (i = 0; i < 2; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 2, (int)(left > 1000 ? 1000 : left));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, tmp, sizeof(tmp));
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			if (i == 0) {
				size_t k = (size_t)r;

				/* more than a token: no need to wait */
				if (k > TOKEN_OUTPUT_BYTES - *outlen) {
					k = TOKEN_OUTPUT_BYTES - *outlen;
					flood = 1;
				}
				memcpy(out + *outlen, tmp, k);
				*outlen += k;
			} else {
				size_t k = (size_t)r;

				if (k > TOKEN_STDERR_BYTES - elen)
					k = TOKEN_STDERR_BYTES - elen;
				memcpy(ebuf + elen, tmp, k);
				elen += k;
			}
		}
	}
	explicit_bzero(tmp, sizeof(tmp));
	ebuf[elen] = '\0';
	if ((nl = strchr(ebuf, '\n')) != NULL)
		*nl = '\0';
	log_vis(vis, sizeof(vis), ebuf);
	if (pfd[0].fd != -1 || pfd[1].fd != -1) {
		kill(-pid, SIGKILL);
		while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
			;
		if (flood)
			snprintf(err, errsz, "%s token_command printed more "
			    "than %d bytes; killed", t->what,
			    TOKEN_OUTPUT_BYTES);
		else
			snprintf(err, errsz, "%s token_command did not finish "
			    "within %d seconds; killed", t->what,
			    TOKEN_COMMAND_SECS);
		goto close;
	}
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (w == -1) {
		snprintf(err, errsz, "%s token_command: waitpid: %s", t->what,
		    strerror(errno));
		goto close;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto close;
	}
	if (WIFEXITED(status))
		snprintf(err, errsz, "%s token_command exited %d%s%s", t->what,
		    WEXITSTATUS(status), vis[0] != '\0' ? ": " : "", vis);
	else
		snprintf(err, errsz, "%s token_command was killed by signal "
		    "%d%s%s", t->what, WIFSIGNALED(status) ? WTERMSIG(status) :
		    0, vis[0] != '\0' ? ": " : "", vis);
close:
	for (i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
	}
	return rc;
}

static const char *
from_command(struct token *t, time_t now, int *fresh, char *err,
    size_t errsz)
{
	char *out, why[256];
	long long lifetime;
	size_t len;
	int rc;

	if (t->tok != NULL && !t->refused && (t->expires == 0 ||
	    now < t->expires))
		return t->tok;
	out = xmalloc(TOKEN_OUTPUT_BYTES);
	rc = run(t, out, &len, err, errsz);
	if (rc == 0 && take(t, out, len, &lifetime, fresh, why,
	    sizeof(why)) == -1) {
		snprintf(err, errsz, "%s token_command printed no usable "
		    "token: %s", t->what, why);
		rc = -1;
	}
	explicit_bzero(out, TOKEN_OUTPUT_BYTES);
	free(out);
	if (rc == -1)
		return NULL;
	t->refused = 0;
	t->expires = 0;
	if (lifetime >= 0)
		t->expires = now + (lifetime > TOKEN_EARLY_SECS ?
		    lifetime - TOKEN_EARLY_SECS : 0);
	log_debug("%s: token_command gave a %s token%s", t->what,
	    *fresh ? "new" : "same", lifetime >= 0 ? " with a lifetime" : "");
	return t->tok;
}

const char *
token_get(struct token *t, time_t now, int *fresh, char *err, size_t errsz)
{
	int f = 0;
	const char *tok;

	if (errsz > 0)
		err[0] = '\0';
	tok = t->file != NULL ? from_file(t, &f, err, errsz) :
	    t->command != NULL ? from_command(t, now, &f, err, errsz) : NULL;
	if (tok == NULL && t->file == NULL && t->command == NULL)
		snprintf(err, errsz, "%s: no token_file or token_command",
		    t->what);
	if (fresh != NULL)
		*fresh = tok != NULL && f;
	return tok;
}
