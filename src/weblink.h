/*
 * weblink.h — the keys of the web page and the links that carry them.
 *
 * Ticket content on the page is shown only to a request that carries a
 * key in its query string (?k=…):
 *
 *   ticket key  base64url of the first 128 bits of HMAC-SHA-256(secret,
 *               "ticket:N"): opens ticket N (its page, images, JSON) and
 *               nothing else. Every notice can link its ticket with one.
 *   desk key    "EXPIRES.MAC" with MAC the same over "desk:EXPIRES" (Unix
 *               time): opens every ticket, the list and the search until
 *               it expires. For admins (assignment notices, the report).
 *
 * The secret is 32 random bytes in [web] secret_file (64 hex digits),
 * created by `ticketctl init` (or by ticketd when it is missing), mode
 * 0600; a file that group or others may read is refused. Deleting it and
 * restarting ticketd revokes every link ever sent.
 *
 * No I/O except weblink_secret_load(); no libmicrohttpd. Pure otherwise.
 */
#ifndef TICKETD_WEBLINK_H
#define TICKETD_WEBLINK_H

#include <stddef.h>
#include <time.h>

struct config;

#define WEBLINK_SECRET_LEN	32
/* Characters of a ticket key (128 bits in base64url, no padding). */
#define WEBLINK_TOKEN_LEN	22
/* Room for a desk key with its NUL. */
#define WEBLINK_DESK_MAX	48
/* Lifetime of the desk-wide link handed to admins (7 days). */
#define WEBLINK_DESK_LIFETIME	(7 * 86400)

/*
 * Read the secret from path into key. With create, a missing file is made
 * (O_EXCL, mode 0600, 32 bytes from the system's key generator). Returns
 * 0 (read), 1 (created), or -1 with the reason in msg: not a regular file,
 * readable by group or others, not 64 hex digits, I/O errors.
 */
int	weblink_secret_load(const char *path, int create,
	    unsigned char key[WEBLINK_SECRET_LEN], char *msg, size_t msgsz);

/* The key of ticket number into out (WEBLINK_TOKEN_LEN chars and a NUL). */
void	weblink_ticket_token(const unsigned char key[WEBLINK_SECRET_LEN],
	    long long number, char out[WEBLINK_TOKEN_LEN + 1]);

/* A desk key valid until expires (Unix time) into out. */
void	weblink_desk_token(const unsigned char key[WEBLINK_SECRET_LEN],
	    time_t expires, char out[WEBLINK_DESK_MAX]);

/*
 * Whether tok[0..len) (untrusted, need not be NUL-terminated) is the key
 * of ticket number: 1 yes, 0 no. The MACs are compared in constant time.
 */
int	weblink_ticket_ok(const unsigned char key[WEBLINK_SECRET_LEN],
	    long long number, const char *tok, size_t len);

/* Whether tok[0..len) is a desk key that has not expired at now: 1 or 0. */
int	weblink_desk_ok(const unsigned char key[WEBLINK_SECRET_LEN],
	    const char *tok, size_t len, time_t now);

/*
 * The page's address without a trailing '/': [web] base_url, else
 * "http://" + [web] listen. NULL when there is no page and no base_url,
 * or when listen is a wildcard address (0.0.0.0, [::]) and no base_url
 * says where people reach it.
 * New string (caller frees).
 */
char	*weblink_base(const struct config *);

/*
 * Links for notices and reports (new strings, caller frees; NULL when
 * weblink_base() is NULL):
 *   web_ticket_url   BASE/t/N?k=TICKETKEY — one ticket, for everyone on it
 *   web_desk_url     BASE/?k=DESKKEY — the whole desk until expires, for
 *                    admins; pass now + WEBLINK_DESK_LIFETIME
 */
char	*web_ticket_url(const struct config *,
	    const unsigned char key[WEBLINK_SECRET_LEN], long long number);
char	*web_desk_url(const struct config *,
	    const unsigned char key[WEBLINK_SECRET_LEN], time_t expires);
/*
 * Ticket N's page opened with a desk key that expires then (for admins:
 * internal notes and the desk's events shown). New string; NULL when
 * there is no page and no base_url.
 */
char	*web_ticket_desk_url(const struct config *,
	    const unsigned char key[WEBLINK_SECRET_LEN], long long number,
	    time_t expires);
/* BASE/kb/N — a knowledge-base article, open to all (no key). */
char	*web_kb_url(const struct config *, long long article);

#endif
