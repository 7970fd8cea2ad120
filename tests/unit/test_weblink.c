/*
 * test_weblink.c — the web page's keys: known answers (computed with
 * Python's hmac module), refusals of every altered key, expiry, the secret
 * file (created 0600, read back, refused when others may read it or it is
 * malformed), the links for notices, and the [web] config keys.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "weblink.h"
#include "xmalloc.h"

#include "t.h"

static char tmpdir[] = "/tmp/test_weblink.XXXXXX";

static unsigned char key[WEBLINK_SECRET_LEN];

static void
setup_key(void)
{
	int i;

	for (i = 0; i < WEBLINK_SECRET_LEN; i++)
		key[i] = (unsigned char)i;
}

static void
test_known_answers(void)
{
	char tok[WEBLINK_TOKEN_LEN + 1], desk[WEBLINK_DESK_MAX];

	/* python3: base64url(hmac(bytes(range(32)), msg, sha256)[:16]) */
	weblink_ticket_token(key, 1, tok);
	T_STREQ(tok, "dqnWULYp_t5cVOashlOaew");
	weblink_ticket_token(key, 42, tok);
	T_STREQ(tok, "aAEqOD6fAA_q2F1G4kjtWw");
	weblink_desk_token(key, 1700000000, desk);
	T_STREQ(desk, "1700000000.w7GxVSf1auE5P52vwH0ktw");
}

static void
test_ticket_key(void)
{
	char tok[WEBLINK_TOKEN_LEN + 1], bad[WEBLINK_TOKEN_LEN + 2];
	unsigned char other[WEBLINK_SECRET_LEN];

	weblink_ticket_token(key, 42, tok);
	T_INTEQ(weblink_ticket_ok(key, 42, tok, strlen(tok)), 1);
	/* another ticket's key, the key of 42 for 4 or 420 */
	T_INTEQ(weblink_ticket_ok(key, 4, tok, strlen(tok)), 0);
	T_INTEQ(weblink_ticket_ok(key, 420, tok, strlen(tok)), 0);
	/* one character changed, cut, longer, empty, NULL */
	memcpy(bad, tok, sizeof(tok));
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	T_INTEQ(weblink_ticket_ok(key, 42, bad, strlen(bad)), 0);
	T_INTEQ(weblink_ticket_ok(key, 42, tok, strlen(tok) - 1), 0);
	memcpy(bad, tok, sizeof(tok));
	bad[WEBLINK_TOKEN_LEN] = 'A';
	bad[WEBLINK_TOKEN_LEN + 1] = '\0';
	T_INTEQ(weblink_ticket_ok(key, 42, bad, strlen(bad)), 0);
	T_INTEQ(weblink_ticket_ok(key, 42, "", 0), 0);
	T_INTEQ(weblink_ticket_ok(key, 42, NULL, 0), 0);
	/* the length is what counts, not a NUL */
	T_INTEQ(weblink_ticket_ok(key, 42, tok, WEBLINK_TOKEN_LEN), 1);
	/* no ticket 0 or below */
	weblink_ticket_token(key, 0, tok);
	T_INTEQ(weblink_ticket_ok(key, 0, tok, strlen(tok)), 0);
	/* another secret */
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	weblink_ticket_token(key, 42, tok);
	T_INTEQ(weblink_ticket_ok(other, 42, tok, strlen(tok)), 0);
}

static void
test_desk_key(void)
{
	char tok[WEBLINK_DESK_MAX], bad[WEBLINK_DESK_MAX + 8], t[64];
	const char *mac;

	weblink_desk_token(key, 1700000000, tok);
	T_INTEQ(weblink_desk_ok(key, tok, strlen(tok), 1699999999), 1);
	T_INTEQ(weblink_desk_ok(key, tok, strlen(tok), 1000), 1);
	/* expired at the very second */
	T_INTEQ(weblink_desk_ok(key, tok, strlen(tok), 1700000000), 0);
	T_INTEQ(weblink_desk_ok(key, tok, strlen(tok), 1800000000), 0);
	/* a later expiry with the old MAC */
	mac = strchr(tok, '.');
	snprintf(bad, sizeof(bad), "1800000000%s", mac);
	T_INTEQ(weblink_desk_ok(key, bad, strlen(bad), 1700000001), 0);
	/* the same time with a leading zero: refused, not re-read */
	snprintf(bad, sizeof(bad), "0%s", tok);
	T_INTEQ(weblink_desk_ok(key, bad, strlen(bad), 1000), 0);
	/* a ticket key is not a desk key, nor the other way round */
	weblink_ticket_token(key, 1, t);
	T_INTEQ(weblink_desk_ok(key, t, strlen(t), 1000), 0);
	T_INTEQ(weblink_ticket_ok(key, 1, tok, strlen(tok)), 0);
	/* malformed */
	T_INTEQ(weblink_desk_ok(key, "", 0, 1000), 0);
	T_INTEQ(weblink_desk_ok(key, ".", 1, 1000), 0);
	T_INTEQ(weblink_desk_ok(key, "1700000000", 10, 1000), 0);
	T_INTEQ(weblink_desk_ok(key, "-1.w7GxVSf1auE5P52vwH0ktw", 25, 0), 0);
	T_INTEQ(weblink_desk_ok(key, "99999999999999999999.w7GxVSf1auE5P52vw"
	    "H0ktw", 43, 0), 0);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 1] ^= 1;
	T_INTEQ(weblink_desk_ok(key, bad, strlen(bad), 1000), 0);
	T_INTEQ(weblink_desk_ok(key, tok, strlen(tok) - 1, 1000), 0);
}

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	T_CHECK(fd != -1);
	if (fd == -1)
		return;
	T_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static void
test_secret_file(void)
{
	unsigned char a[WEBLINK_SECRET_LEN], b[WEBLINK_SECRET_LEN];
	char msg[512], *p = path_in("web.secret"), *q = path_in("other");
	struct stat st;

	/* missing, not to be made */
	T_INTEQ(weblink_secret_load(p, 0, a, msg, sizeof(msg)), -1);
	T_CHECK(strstr(msg, "ticketctl init") != NULL);
	/* made: 0600, 64 hex digits and a newline */
	T_INTEQ(weblink_secret_load(p, 1, a, msg, sizeof(msg)), 1);
	T_INTEQ(stat(p, &st), 0);
	T_INTEQ(st.st_mode & 0777, 0600);
	T_INTEQ(st.st_size, 2 * WEBLINK_SECRET_LEN + 1);
	/* read back: the same key; made again: kept, not replaced */
	T_INTEQ(weblink_secret_load(p, 0, b, msg, sizeof(msg)), 0);
	T_CHECK(memcmp(a, b, sizeof(a)) == 0);
	T_INTEQ(weblink_secret_load(p, 1, b, msg, sizeof(msg)), 0);
	T_CHECK(memcmp(a, b, sizeof(a)) == 0);
	/* readable by group or others: refused, as a password file is */
	chmod(p, 0640);
	T_INTEQ(weblink_secret_load(p, 1, b, msg, sizeof(msg)), -1);
	T_CHECK(strstr(msg, "chmod 600") != NULL);
	chmod(p, 0604);
	T_INTEQ(weblink_secret_load(p, 0, b, msg, sizeof(msg)), -1);
	chmod(p, 0400);
	T_INTEQ(weblink_secret_load(p, 0, b, msg, sizeof(msg)), 0);

	/* malformed: short, long, not hex; CR LF is fine */
	write_file(q, "abcd\n", 0600);
	T_INTEQ(weblink_secret_load(q, 0, b, msg, sizeof(msg)), -1);
	T_CHECK(strstr(msg, "hex digits") != NULL);
	write_file(q, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	    "1c1d1e1f00\n", 0600);
	T_INTEQ(weblink_secret_load(q, 0, b, msg, sizeof(msg)), -1);
	write_file(q, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	    "1c1d1e1g\n", 0600);
	T_INTEQ(weblink_secret_load(q, 0, b, msg, sizeof(msg)), -1);
	write_file(q, "000102030405060708090A0B0C0D0E0F101112131415161718191a1b"
	    "1c1d1e1f\r\n", 0600);
	T_INTEQ(weblink_secret_load(q, 0, b, msg, sizeof(msg)), 0);
	T_CHECK(memcmp(key, b, sizeof(b)) == 0);
	/* not a regular file */
	T_INTEQ(weblink_secret_load(tmpdir, 0, b, msg, sizeof(msg)), -1);
	T_CHECK(strstr(msg, "not a regular file") != NULL);
	unlink(p);
	unlink(q);
	free(p);
	free(q);
}

static void
test_urls(void)
{
	struct config cfg;
	char *u;

	memset(&cfg, 0, sizeof(cfg));
	cfg.web.listen = "127.0.0.1:8025";
	u = web_ticket_url(&cfg, key, 42);
	T_STREQ(u, "http://127.0.0.1:8025/t/42?k=aAEqOD6fAA_q2F1G4kjtWw");
	free(u);
	u = web_desk_url(&cfg, key, 1700000000);
	T_STREQ(u, "http://127.0.0.1:8025/?k=1700000000.w7GxVSf1auE5P52vwH0ktw");
	free(u);
	cfg.web.base_url = "https://it.corp.example/desk/";
	u = web_ticket_url(&cfg, key, 1);
	T_STREQ(u, "https://it.corp.example/desk/t/1?k=dqnWULYp_t5cVOashlOaew");
	free(u);
	/* no page and no base_url: no links */
	cfg.web.base_url = NULL;
	cfg.web.listen = "";
	T_CHECK(web_ticket_url(&cfg, key, 1) == NULL);
	T_CHECK(web_desk_url(&cfg, key, 1) == NULL);
	/* a page elsewhere (listen off here, base_url set): links */
	cfg.web.base_url = "https://desk.example";
	u = weblink_base(&cfg);
	T_STREQ(u, "https://desk.example");
	free(u);
	/*
	 * A wildcard listen without base_url is no address anyone can open
	 * ("http://0.0.0.0:8025/t/1?k=…" in every notice): no links.
	 */
	cfg.web.base_url = NULL;
	cfg.web.listen = "0.0.0.0:8025";
	T_CHECK(weblink_base(&cfg) == NULL);
	cfg.web.listen = "[::]:8025";
	T_CHECK(weblink_base(&cfg) == NULL);
	cfg.web.listen = "[::1]:8025";
	u = weblink_base(&cfg);
	T_STREQ(u, "http://[::1]:8025");
	free(u);
}

/* [web] keys: empty listen, online_window, a bad listen with its line. */
static void
test_config(void)
{
	struct config cfg;
	char *p = path_in("t.conf"), *pw = path_in("pw"), *text, *err = NULL;

	write_file(pw, "secret\n", 0600);
	text = xasprintf("[imap]\nurl = imap://mail.example\nuser = u\n"
	    "password_file = %s\n[smtp]\nurl = smtp://mail.example\n"
	    "[helpdesk]\naddress = it@corp.example\ndatabase = /x/t.db\n"
	    "trust = from\n[web]\nlisten =\n", pw);
	write_file(p, text, 0600);
	free(text);
	T_INTEQ(config_load(p, &cfg, &err), 0);
	if (err != NULL)
		fprintf(stderr, "# %s\n", err);
	free(err);
	err = NULL;
	T_STREQ(cfg.web.listen, "");
	T_INTEQ(cfg.web.online_window, 15 * 60);
	T_STREQ(cfg.web.secret_file, "/x/web.secret");
	config_clear(&cfg);

	text = xasprintf("[imap]\nurl = imap://mail.example\nuser = u\n"
	    "password_file = %s\n[smtp]\nurl = smtp://mail.example\n"
	    "[helpdesk]\naddress = it@corp.example\ndatabase = /x/t.db\n"
	    "trust = from\n[web]\nlisten = [::1]:8080\nonline_window = 1h\n",
	    pw);
	write_file(p, text, 0600);
	free(text);
	T_INTEQ(config_load(p, &cfg, &err), 0);
	free(err);
	err = NULL;
	T_STREQ(cfg.web.listen, "[::1]:8080");
	T_INTEQ(cfg.web.online_window, 3600);
	config_clear(&cfg);

	text = xasprintf("[imap]\nurl = imap://mail.example\nuser = u\n"
	    "password_file = %s\n[smtp]\nurl = smtp://mail.example\n"
	    "[helpdesk]\naddress = it@corp.example\ndatabase = /x/t.db\n"
	    "trust = from\n[web]\nlisten = 127.0.0.1:99999\n"
	    "online_window = 10s\n", pw);
	write_file(p, text, 0600);
	free(text);
	T_INTEQ(config_load(p, &cfg, &err), -1);
	T_CHECK(err != NULL && strstr(err, ":12: [web] listen:") != NULL);
	T_CHECK(err != NULL && strstr(err, ":13: [web] online_window:") !=
	    NULL);
	free(err);
	unlink(p);
	unlink(pw);
	free(p);
	free(pw);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	setup_key();
	T_RUN(test_known_answers);
	T_RUN(test_ticket_key);
	T_RUN(test_desk_key);
	T_RUN(test_secret_file);
	T_RUN(test_urls);
	T_RUN(test_config);
	t_rmdir(tmpdir);
	return T_END();
}
