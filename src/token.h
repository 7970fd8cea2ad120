/*
 * token.h — OAuth2 access tokens for the IMAP and SMTP logins (XOAUTH2,
 * OAUTHBEARER) of [imap]/[smtp] token_file and token_command.
 *
 *   token_file     a file holding the token on its first line, written by
 *                  whatever renews it; read again whenever it changed
 *                  (inode, size or modification time), never more often.
 *   token_command  a command run by /bin/sh -c that prints the token on
 *                  its first line and, optionally, its lifetime in seconds
 *                  on the second (as the "expires_in" of an OAuth2 token
 *                  response). It is run again when that lifetime is over
 *                  (a minute early) or when a server refused the token.
 *
 * A token is 1 to LIMIT_TOKEN_BYTES printable ASCII characters. It is
 * never logged and never put in an error message; token memory is wiped
 * when replaced or freed.
 */
#ifndef TICKETD_TOKEN_H
#define TICKETD_TOKEN_H

#include <stddef.h>
#include <time.h>

struct token;

/*
 * One of file and command (the other NULL). what names the server for
 * messages ("imap", "smtp"). No I/O.
 */
struct token *token_new(const char *file, const char *command,
	    const char *what);
void	token_free(struct token **);

/*
 * The current token (borrowed: valid until the next call on t), reading
 * the file or running the command when needed. *fresh (may be NULL) is
 * set to 1 when this call got a token that differs from the one it gave
 * before, else 0. NULL with a reason in err when there is none (the file
 * is missing or empty, the command failed, timed out or printed no token).
 */
const char *token_get(struct token *, time_t now, int *fresh, char *err,
	    size_t errsz);

/*
 * A server refused the token token_get() gave: a command is run again at
 * the next token_get(); a file is read again only when it changed.
 */
void	token_refused(struct token *);

/*
 * The first line of a command's or file's output as a token: 0 and
 * *tok and *toklen (pointing into p), or -1 with a reason in err. *lifetime
 * gets the second line's seconds, or -1 when there is none. Pure; exposed
 * for the unit test.
 */
int	token_parse(const char *p, size_t len, const char **tok,
	    size_t *toklen, long long *lifetime, char *err, size_t errsz);

#endif
