/*
 * sink_smtp.c — notices out by SMTP through libcurl's easy interface (the
 * only file that includes libcurl). One easy handle per sink, reused from
 * one send to the next so that a drain of many notices rides one
 * connection. Certificates and host names are always verified; with
 * credentials on smtp:// STARTTLS is required (CURLUSESSL_ALL), so AUTH is
 * never sent in clear text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "sink.h"
#include "token.h"
#include "xmalloc.h"

#define SINK_REPLY_MAX	256	/* last server reply line kept for err */

struct sink {
	CURL	*curl;
	char	*host;		/* for log lines only */
	char	*user;		/* for log lines only */
	long	 port;
	struct token *token;	/* OAuth2: token_file/token_command */
	/* the message being uploaded */
	const char *msg;
	size_t	 len;
	size_t	 off;
	/* last SMTP reply line from the server (header callback) */
	char	 reply[SINK_REPLY_MAX];
	char	 errbuf[CURL_ERROR_SIZE];
};

static int	sink_curl_users;	/* live sinks; curl_global_init once */

static size_t
sink_read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct sink *s = arg;
	size_t n, room;

	room = size * nitems;
	n = s->len - s->off;
	if (n > room)
		n = room;
	if (n == 0)
		return 0;
	memcpy(dst, s->msg + s->off, n);
	s->off += n;
	return n;
}

/*
 * libcurl hands SMTP server replies to the header callback, one line each.
 * Keep the last 4xx/5xx one: it says why a command failed ("550 5.1.1 no
 * such user"); the "221 Bye" of the QUIT that follows must not hide it.
 * Replies never carry our password.
 */
static size_t
sink_header_cb(char *p, size_t size, size_t nitems, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nitems, len;

	if (n < 3 || p[0] < '4' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return n;
	len = n;
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= sizeof(s->reply))
		len = sizeof(s->reply) - 1;
	memcpy(s->reply, p, len);
	s->reply[len] = '\0';
	return n;
}

/* What the server says to NOOP (sink_check): not kept. */
static size_t
sink_discard_cb(char *p, size_t size, size_t nitems, void *arg)
{
	(void)p;
	(void)arg;
	return size * nitems;
}

/* 0 when addr is safe to put between < and > on an SMTP command line. */
static int
sink_addr_ok(const char *addr)
{
	const unsigned char *p;
	size_t len;

	len = strlen(addr);
	if (len > LIMIT_ADDR_BYTES)
		return -1;
	for (p = (const unsigned char *)addr; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ' ' || *p == '<' ||
		    *p == '>')
			return -1;
	return 0;
}

#define SETOPT(s, opt, val) do {					\
	if (curl_easy_setopt((s)->curl, (opt), (val)) != CURLE_OK)	\
		fatalx("sink_smtp: curl_easy_setopt(%s) failed", #opt);	\
} while (0)

struct sink *
sink_smtp_new(const struct config *cfg)
{
	struct sink *s;
	const struct config_mailsrv *srv = &cfg->smtp.srv;
	long timeout;

	if (sink_curl_users == 0 &&
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("sink_smtp: curl_global_init failed");
	sink_curl_users++;

	s = xcalloc(1, sizeof(*s));
	s->host = xstrdup(srv->host != NULL ? srv->host : "(smtp)");
	s->port = srv->port;
	s->curl = curl_easy_init();
	if (s->curl == NULL)
		fatalx("sink_smtp: curl_easy_init failed");

	timeout = cfg->smtp.timeout > 0 ? cfg->smtp.timeout : 60;

	/* Everything that stays the same from one message to the next. */
	SETOPT(s, CURLOPT_ERRORBUFFER, s->errbuf);
	if (srv->url != NULL)
		SETOPT(s, CURLOPT_URL, srv->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(s, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	SETOPT(s, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	SETOPT(s, CURLOPT_NOSIGNAL, 1L);
	SETOPT(s, CURLOPT_CONNECTTIMEOUT, timeout);
	SETOPT(s, CURLOPT_TIMEOUT, timeout);
	SETOPT(s, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(s, CURLOPT_SSL_VERIFYHOST, 2L);
	if (srv->ca_file != NULL)
		SETOPT(s, CURLOPT_CAINFO, srv->ca_file);
	if (srv->user != NULL) {
		s->user = xstrdup(srv->user);
		SETOPT(s, CURLOPT_USERNAME, srv->user);
		/*
		 * OAuth2: the bearer token is set before each transfer
		 * (sink_auth). libcurl offers it as OAUTHBEARER or XOAUTH2,
		 * whichever the server lists (OAUTHBEARER first). No
		 * CURLOPT_HTTPAUTH anywhere: it would silently override the
		 * SASL choice (SERVERS.md).
		 */
		if (srv->token_file != NULL || srv->token_command != NULL)
			s->token = token_new(srv->token_file,
			    srv->token_command, "smtp");
		else
			SETOPT(s, CURLOPT_PASSWORD,
			    srv->password != NULL ? srv->password : "");
		/* No AUTH in clear text, ever: STARTTLS or nothing. */
		SETOPT(s, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	} else
		SETOPT(s, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	SETOPT(s, CURLOPT_UPLOAD, 1L);
	SETOPT(s, CURLOPT_READFUNCTION, sink_read_cb);
	SETOPT(s, CURLOPT_READDATA, s);
	SETOPT(s, CURLOPT_HEADERFUNCTION, sink_header_cb);
	SETOPT(s, CURLOPT_HEADERDATA, s);
	return s;
}

void
sink_free(struct sink **sp)
{
	struct sink *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	*sp = NULL;
	curl_easy_cleanup(s->curl);	/* sends QUIT on a live connection */
	token_free(&s->token);
	free(s->host);
	free(s->user);
	free(s);
	if (--sink_curl_users == 0)
		curl_global_cleanup();
}

/* Which failures will not go away by trying again later. */
static enum sink_result
sink_classify(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OK:
		return SINK_OK;
	/*
	 * TLS trust and policy: decided by curl's code, whatever the last
	 * SMTP reply was. The configuration must change, not the weather.
	 */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:	/* STARTTLS required, not offered */
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return SINK_PERM;
	default:
		break;
	}
	if (code >= 400 && code <= 499)
		return SINK_TEMP;
	if (code >= 500 && code <= 599)
		return SINK_PERM;
	if (rc == CURLE_LOGIN_DENIED)
		return SINK_PERM;
	/* refused, unresolved, timed out, dropped, anything else */
	return SINK_TEMP;
}

/* Set the OAuth2 bearer before a transfer: 0, or -1 with err. */
static int
sink_bearer(struct sink *s, int *fresh, char *err, size_t errsz)
{
	const char *tok;
	char why[512];

	*fresh = 0;
	if (s->token == NULL)
		return 0;
	tok = token_get(s->token, time(NULL), fresh, why, sizeof(why));
	if (tok == NULL) {
		snprintf(err, errsz, "smtp %s: no OAuth2 token: %s", s->host,
		    why);
		return -1;
	}
	SETOPT(s, CURLOPT_XOAUTH2_BEARER, tok);	/* curl keeps a copy */
	return 0;
}

/*
 * One transfer as set up (a message, or the NOOP of sink_check). With an
 * OAuth2 token that the server refuses, the token is asked for again
 * (token_command runs again, token_file is read again when it changed)
 * and, when that gives another one, the transfer is tried once more. A
 * token still refused is a temporary failure of the notice (it waits in
 * the outbox, which backs off) and one warning naming the server's answer.
 */
static enum sink_result
sink_perform(struct sink *s, const char *what, char *err, size_t errsz)
{
	enum sink_result res;
	CURLcode rc;
	long code = 0;
	char rvis[SINK_REPLY_MAX * 4];
	const char *why;
	int fresh, tries;

	for (tries = 0; ; tries++) {
		s->off = 0;
		s->reply[0] = '\0';
		s->errbuf[0] = '\0';
		if (sink_bearer(s, &fresh, err, errsz) == -1) {
			log_warnx("%s", err);
			return SINK_TEMP;
		}
		if (tries > 0 && !fresh)
			break;
		rc = curl_easy_perform(s->curl);
		if (curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code) !=
		    CURLE_OK)
			code = 0;
		if (s->token == NULL || rc != CURLE_LOGIN_DENIED || tries > 0)
			break;
		token_refused(s->token);
		log_debug("smtp: %s refused the OAuth2 token; asking for "
		    "another one", s->host);
	}
	res = sink_classify(rc, code);
	if (res == SINK_OK)
		return SINK_OK;
	why = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc);
	rvis[0] = '\0';
	if (s->reply[0] != '\0')
		log_vis(rvis, sizeof(rvis), s->reply);
	if (s->token != NULL && rc == CURLE_LOGIN_DENIED) {
		snprintf(err, errsz, "smtp %s: OAuth2 login as %s refused: %s",
		    s->host, s->user != NULL ? s->user : "?", rvis[0] != '\0' ?
		    rvis : why);
		log_warnx("%s; notices wait in the outbox, which backs off "
		    "(renew the token)", err);
		return SINK_TEMP;
	}
	if (rvis[0] != '\0')
		snprintf(err, errsz, "SMTP %ld: %s (%s)", code, why, rvis);
	else if (code >= 400)
		snprintf(err, errsz, "SMTP %ld: %s", code, why);
	else
		snprintf(err, errsz, "SMTP: %s", why);
	log_debug("smtp: %s via %s: %s failure: %s (curl %d)", what,
	    s->host, res == SINK_PERM ? "permanent" : "temporary", err,
	    (int)rc);
	return res;
}

enum sink_result
sink_send(struct sink *s, const char *mail_from, const char *rcpt_to,
    const char *msg, size_t len, char *err, size_t errsz)
{
	struct curl_slist *rcpt = NULL;
	enum sink_result res;
	char *from = NULL, *to = NULL, what[LIMIT_ADDR_BYTES + 32];
	char vis[LIMIT_ADDR_BYTES + 16];

	if (errsz > 0)
		err[0] = '\0';
	if (mail_from == NULL)
		mail_from = "";
	if (rcpt_to == NULL || rcpt_to[0] == '\0' ||
	    sink_addr_ok(rcpt_to) == -1 || sink_addr_ok(mail_from) == -1) {
		snprintf(err, errsz, "refused envelope address (empty, too "
		    "long, or with CR, LF, space, '<' or '>')");
		log_debug("smtp: %s", err);
		return SINK_PERM;
	}
	log_vis(vis, sizeof(vis), rcpt_to);

	from = xasprintf("<%s>", mail_from);
	to = xasprintf("<%s>", rcpt_to);
	rcpt = curl_slist_append(NULL, to);
	if (rcpt == NULL)
		fatalx("sink_smtp: out of memory");

	s->msg = msg;
	s->len = len;
	SETOPT(s, CURLOPT_MAIL_FROM, from);
	SETOPT(s, CURLOPT_MAIL_RCPT, rcpt);
	SETOPT(s, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

	log_debug("smtp: sending %zu bytes to %s via %s", len, vis, s->host);
	snprintf(what, sizeof(what), "to %s", vis);
	res = sink_perform(s, what, err, errsz);

	/* The list is ours: curl must not keep a pointer to it. */
	SETOPT(s, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	curl_slist_free_all(rcpt);
	free(from);
	free(to);
	s->msg = NULL;
	if (res == SINK_OK)
		log_debug("smtp: sent to %s via %s", vis, s->host);
	return res;
}

enum sink_result
sink_check(struct sink *s, char *info, size_t infosz, char *err,
    size_t errsz)
{
	enum sink_result res;

	if (errsz > 0)
		err[0] = '\0';
	if (infosz > 0)
		info[0] = '\0';
	/* no MAIL FROM, no RCPT TO, no upload: libcurl sends the command */
	SETOPT(s, CURLOPT_UPLOAD, 0L);
	SETOPT(s, CURLOPT_CUSTOMREQUEST, "NOOP");
	SETOPT(s, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	/* the answer to NOOP goes to the write callback: into nothing */
	SETOPT(s, CURLOPT_WRITEFUNCTION, sink_discard_cb);
	log_debug("smtp: NOOP via %s", s->host);
	res = sink_perform(s, "NOOP", err, errsz);
	SETOPT(s, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	SETOPT(s, CURLOPT_UPLOAD, 1L);
	if (res == SINK_OK)
		snprintf(info, infosz, "%s:%ld: %s%s%s, NOOP answered",
		    s->host, s->port, s->user != NULL ? "logged in as " :
		    "no login", s->user != NULL ? s->user : "",
		    s->user == NULL ? "" : s->token != NULL ? " (OAuth2)" :
		    " (password)");
	return res;
}
