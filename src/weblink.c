/*
 * weblink.c — the web page's secret, its keys and the links that carry
 * them (see weblink.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hash.h"
#include "log.h"
#include "weblink.h"
#include "xmalloc.h"

/* Bytes of the HMAC kept in a key: 128 bits. */
#define MAC_KEEP	16
/* Longest decimal expiry time read back (19 digits fit in long long). */
#define EXPIRES_DIGITS	19

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of p[0..n) without padding, and a NUL; out has 4n/3 + 2. */
static void
b64url_encode(const unsigned char *p, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* MAC of msg as a key string (WEBLINK_TOKEN_LEN chars and a NUL). */
static void
mac_token(const unsigned char key[WEBLINK_SECRET_LEN], const char *msg,
    char out[WEBLINK_TOKEN_LEN + 1])
{
	unsigned char mac[HASH_SHA256_LEN];

	hash_hmac_sha256(key, WEBLINK_SECRET_LEN, msg, strlen(msg), mac);
	b64url_encode(mac, MAC_KEEP, out);
	explicit_bzero(mac, sizeof(mac));
}

/* a[0..n) == b[0..n), in time that depends on n only. */
static int
same(const char *a, const char *b, size_t n)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

void
weblink_ticket_token(const unsigned char key[WEBLINK_SECRET_LEN],
    long long number, char out[WEBLINK_TOKEN_LEN + 1])
{
	char msg[64];

	snprintf(msg, sizeof(msg), "ticket:%lld", number);
	mac_token(key, msg, out);
}

void
weblink_desk_token(const unsigned char key[WEBLINK_SECRET_LEN],
    time_t expires, char out[WEBLINK_DESK_MAX])
{
	char msg[64], mac[WEBLINK_TOKEN_LEN + 1];

	snprintf(msg, sizeof(msg), "desk:%lld", (long long)expires);
	mac_token(key, msg, mac);
	snprintf(out, WEBLINK_DESK_MAX, "%lld.%s", (long long)expires, mac);
}

int
weblink_ticket_ok(const unsigned char key[WEBLINK_SECRET_LEN],
    long long number, const char *tok, size_t len)
{
	char want[WEBLINK_TOKEN_LEN + 1];
	int ok;

	if (tok == NULL || len != WEBLINK_TOKEN_LEN || number <= 0)
		return 0;
	weblink_ticket_token(key, number, want);
	ok = same(want, tok, WEBLINK_TOKEN_LEN);
	explicit_bzero(want, sizeof(want));
	return ok;
}

int
weblink_desk_ok(const unsigned char key[WEBLINK_SECRET_LEN], const char *tok,
    size_t len, time_t now)
{
	char want[WEBLINK_DESK_MAX];
	const char *dot;
	long long expires = 0;
	size_t i, nd;
	int ok;

	if (tok == NULL || len == 0 || len >= WEBLINK_DESK_MAX)
		return 0;
	dot = memchr(tok, '.', len);
	if (dot == NULL)
		return 0;
	nd = (size_t)(dot - tok);
	/* digits only, no leading zero: one spelling per expiry time */
	if (nd == 0 || nd > EXPIRES_DIGITS || (tok[0] == '0' && nd > 1))
		return 0;
	for (i = 0; i < nd; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return 0;
		if (expires > (INT64_MAX - (tok[i] - '0')) / 10)
			return 0;
		expires = expires * 10 + (tok[i] - '0');
	}
	if (len - nd - 1 != WEBLINK_TOKEN_LEN)
		return 0;
	weblink_desk_token(key, (time_t)expires, want);
	ok = strlen(want) == len && same(want, tok, len);
	explicit_bzero(want, sizeof(want));
	/* the time is checked after the MAC: a forged key learns nothing */
	return ok && (long long)now < expires;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
create_secret(const char *path, const char *vis,
    unsigned char key[WEBLINK_SECRET_LEN], char *msg, size_t msgsz)
{
	static const char hex[] = "0123456789abcdef";
	char text[2 * WEBLINK_SECRET_LEN + 1];
	size_t i, off = 0;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(msg, msgsz, "%s: cannot create: %s", vis,
		    strerror(errno));
		return -1;
	}
	hash_random(key, WEBLINK_SECRET_LEN);
	for (i = 0; i < WEBLINK_SECRET_LEN; i++) {
		text[2 * i] = hex[key[i] >> 4];
		text[2 * i + 1] = hex[key[i] & 15];
	}
	text[2 * WEBLINK_SECRET_LEN] = '\n';
	while (off < sizeof(text)) {
		w = write(fd, text + off, sizeof(text) - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	explicit_bzero(text, sizeof(text));
	if (off != sizeof(text) || fsync(fd) == -1) {
		snprintf(msg, msgsz, "%s: cannot write: %s", vis,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 1;
}

int
weblink_secret_load(const char *path, int create,
    unsigned char key[WEBLINK_SECRET_LEN], char *msg, size_t msgsz)
{
	char vis[256], text[2 * WEBLINK_SECRET_LEN + 3];
	struct stat st;
	size_t len = 0, n, i;
	ssize_t r;
	int fd, hi, lo, rc = -1;

	log_vis(vis, sizeof(vis), path);
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create)
		return create_secret(path, vis, key, msg, msgsz);
	if (fd == -1) {
		snprintf(msg, msgsz, "%s: cannot open: %s%s", vis,
		    strerror(errno), errno == ENOENT ? " (ticketctl init "
		    "creates it)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s is not a regular file", vis);
		goto done;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msgsz, "%s is readable by group or others; "
		    "chmod 600 it", vis);
		goto done;
	}
	while (len < sizeof(text)) {
		r = read(fd, text + len, sizeof(text) - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(msg, msgsz, "%s: cannot read: %s", vis,
			    strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	n = len;
	if (n > 0 && text[n - 1] == '\n')
		n--;
	if (n > 0 && text[n - 1] == '\r')
		n--;
	if (n != 2 * WEBLINK_SECRET_LEN) {
		snprintf(msg, msgsz, "%s: expected %d hex digits", vis,
		    2 * WEBLINK_SECRET_LEN);
		goto done;
	}
	for (i = 0; i < WEBLINK_SECRET_LEN; i++) {
		hi = hexval((unsigned char)text[2 * i]);
		lo = hexval((unsigned char)text[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(msg, msgsz, "%s: expected %d hex digits", vis,
			    2 * WEBLINK_SECRET_LEN);
			goto done;
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	rc = 0;
done:
	explicit_bzero(text, sizeof(text));
	if (rc != 0)
		explicit_bzero(key, WEBLINK_SECRET_LEN);
	close(fd);
	return rc;
}

char *
weblink_base(const struct config *cfg)
{
	const char *b;
	size_t n;

	if (cfg->web.base_url != NULL)
		b = cfg->web.base_url;
	else if (cfg->web.listen == NULL || cfg->web.listen[0] == '\0' ||
	    strncmp(cfg->web.listen, "0.0.0.0:", 8) == 0 ||
	    strncmp(cfg->web.listen, "[::]:", 5) == 0)
		return NULL;	/* no page, or no address anyone can open */
	else
		return xasprintf("http://%s", cfg->web.listen);
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		n--;
	return xstrndup(b, n);
}

char *
web_ticket_url(const struct config *cfg,
    const unsigned char key[WEBLINK_SECRET_LEN], long long number)
{
	char tok[WEBLINK_TOKEN_LEN + 1], *base, *url;

	if ((base = weblink_base(cfg)) == NULL)
		return NULL;
	weblink_ticket_token(key, number, tok);
	url = xasprintf("%s/t/%lld?k=%s", base, number, tok);
	free(base);
	return url;
}

char *
web_desk_url(const struct config *cfg,
    const unsigned char key[WEBLINK_SECRET_LEN], time_t expires)
{
	char tok[WEBLINK_DESK_MAX], *base, *url;

	if ((base = weblink_base(cfg)) == NULL)
		return NULL;
	weblink_desk_token(key, expires, tok);
	url = xasprintf("%s/?k=%s", base, tok);
	free(base);
	return url;
}

char *
web_ticket_desk_url(const struct config *cfg,
    const unsigned char key[WEBLINK_SECRET_LEN], long long number,
    time_t expires)
{
	char tok[WEBLINK_DESK_MAX], *base, *url;

	if ((base = weblink_base(cfg)) == NULL)
		return NULL;
	weblink_desk_token(key, expires, tok);
	url = xasprintf("%s/t/%lld?k=%s", base, number, tok);
	free(base);
	return url;
}

char *
web_kb_url(const struct config *cfg, long long article)
{
	char *base, *url;

	if ((base = weblink_base(cfg)) == NULL)
		return NULL;
	url = xasprintf("%s/kb/%lld", base, article);
	free(base);
	return url;
}
