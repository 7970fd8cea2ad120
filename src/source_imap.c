/*
 * source_imap.c — the IMAP intake adapter (source.h) on libetpan.
 *
 * The mailbox is the queue: every undeleted mail in it is work, and the
 * daemon moves each one out (to the processed or failed folder) after its
 * transaction committed. libetpan does not verify the server certificate,
 * so this file does it with GnuTLS before it sends LOGIN (SERVERS.md,
 * "Verifying TLS"). On any failure to trust the server the stream is closed
 * without a LOGOUT, so nothing more is said to it.
 *
 * Test hooks (read once in source_imap_new, meant for the integration
 * tests; harmless in production because they only select the fallbacks a
 * server without the extension gets anyway):
 *   TICKETD_TEST_NO_MOVE=1     act as if the server lacked MOVE
 *                              (UID COPY + \Deleted + UID EXPUNGE)
 *   TICKETD_TEST_NO_UIDPLUS=1  act as if it also lacked UIDPLUS
 *                              (plain EXPUNGE)
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "config.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "source.h"
#include "token.h"
#include "xmalloc.h"

/* RFC 2177: re-issue IDLE at least every 29 minutes; we stay well below. */
#define IDLE_MAX_MS		(25 * 60 * 1000)
/* How often a wait wakes up to look at *stop. */
#define WAIT_STEP_MS		250
/* Most certificates of a chain we look at. */
#define CHAIN_MAX		16
/*
 * libetpan holds a whole FETCH response in memory before it parses it:
 * bodies are fetched in groups whose announced sizes add up to at most
 * this (a single mail bigger than it is fetched alone).
 */
#define FETCH_GROUP_BYTES	(32LL * 1024 * 1024)
#define DEFAULT_TIMEOUT		60

struct source {
	const struct config *cfg;
	mailimap	*imap;
	uint32_t	 uidvalidity;
	int		 has_move;
	int		 has_uidplus;
	int		 has_idle;
	int		 broken;	/* stream unusable: no LOGOUT */
	int		 test_no_move;
	int		 test_no_uidplus;
	struct token	*token;		/* OAuth2: token_file/token_command */
};

/* One UID with its announced size while fetching. */
struct fetch_ent {
	uint32_t uid;
	int	 have_size;
	uint32_t size;
	char	*data;
	size_t	 len;
};

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* The server's last response text, made safe for a log line or err. */
static const char *
srvtext(const struct source *src, char *dst, size_t dstsz)
{
	const char *t = NULL;

	if (src->imap != NULL)
		t = src->imap->imap_response;
	if (t == NULL || *t == '\0')
		t = "(no text)";
	return log_vis(dst, dstsz, t);
}

static const char *
imap_strerror(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "cannot connect (refused, unreachable or unknown host)";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return "server does not accept the connection";
	case MAILIMAP_ERROR_PARSE:
		return "cannot parse the server's response";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory in libetpan";
	case MAILIMAP_ERROR_BAD_STATE:
		return "command not allowed in this state";
	default:
		return "command refused by the server";
	}
}

/*
 * Transport-level failures: the connection is gone or in an unknown
 * state. Everything else is an answer of the server (NO/BAD).
 */
static int
imap_is_transport(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:
		return 1;
	default:
		return 0;
	}
}

/*
 * Record a failed command: err gets "what: reason: server text". A
 * transport failure marks the source broken. Returns SOURCE_TEMP, or
 * SOURCE_PERM when the server said [TRYCREATE] (missing target folder).
 */
static int
imap_fail(struct source *src, int r, const char *what, char *err,
    size_t errsz)
{
	const struct mailimap_response_info *ri;
	char vis[256];

	ri = src->imap != NULL ? src->imap->imap_response_info : NULL;
	if (!imap_is_transport(r) && ri != NULL && ri->rsp_trycreate) {
		/* The target folder does not exist: no retry will help. */
		seterr(err, errsz, "imap %s:%d: %s: folder does not exist: %s",
		    src->cfg->imap.srv.host, src->cfg->imap.srv.port, what,
		    srvtext(src, vis, sizeof(vis)));
		return SOURCE_PERM;
	}
	if (imap_is_transport(r)) {
		src->broken = 1;
		seterr(err, errsz, "imap %s:%d: %s: %s",
		    src->cfg->imap.srv.host, src->cfg->imap.srv.port, what,
		    imap_strerror(r));
	} else
		seterr(err, errsz, "imap %s:%d: %s: %s: %s",
		    src->cfg->imap.srv.host, src->cfg->imap.srv.port, what,
		    imap_strerror(r), srvtext(src, vis, sizeof(vis)));
	return SOURCE_TEMP;
}

struct source *
source_imap_new(const struct config *cfg)
{
	struct source *src;
	const char *e;

	src = xcalloc(1, sizeof(*src));
	src->cfg = cfg;
	e = getenv("TICKETD_TEST_NO_MOVE");
	src->test_no_move = e != NULL && strcmp(e, "1") == 0;
	e = getenv("TICKETD_TEST_NO_UIDPLUS");
	src->test_no_uidplus = e != NULL && strcmp(e, "1") == 0;
	if (cfg->imap.srv.token_file != NULL ||
	    cfg->imap.srv.token_command != NULL)
		src->token = token_new(cfg->imap.srv.token_file,
		    cfg->imap.srv.token_command, "imap");
	return src;
}

void
source_free(struct source **srcp)
{
	if (srcp == NULL || *srcp == NULL)
		return;
	source_close(*srcp);
	token_free(&(*srcp)->token);
	free(*srcp);
	*srcp = NULL;
}

/* Drop the connection without a word to the server. */
static void
imap_abandon(struct source *src)
{
	if (src->imap == NULL)
		return;
	if (src->imap->imap_stream != NULL) {
		mailstream_close(src->imap->imap_stream);
		src->imap->imap_stream = NULL;
	}
	mailimap_free(src->imap);
	src->imap = NULL;
	src->has_move = src->has_uidplus = src->has_idle = 0;
	src->broken = 0;
}

void
source_close(struct source *src)
{
	if (src == NULL || src->imap == NULL)
		return;
	if (!src->broken && src->imap->imap_stream != NULL) {
		log_debug("imap: LOGOUT");
		(void)mailimap_logout(src->imap);
	}
	imap_abandon(src);
}

uint32_t
source_uidvalidity(const struct source *src)
{
	return src->uidvalidity;
}

int
source_has_idle(const struct source *src)
{
	return src->imap != NULL && src->has_idle;
}

static int
host_is_ip(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

/* Called by libetpan before the TLS handshake: set SNI. */
static void
tls_setup_cb(struct mailstream_ssl_context *ctx, void *arg)
{
	const struct source *src = arg;
	const char *host = src->cfg->imap.srv.host;

	if (host_is_ip(host))
		return;
	if (mailstream_ssl_set_server_name(ctx, (char *)host) != 0)
		log_debug("imap: could not set TLS server name %s", host);
}

/*
 * Verify the chain the server sent against the system store (and ca_file)
 * for the configured host name and the TLS server purpose. SOURCE_OK or
 * SOURCE_PERM.
 */
static int
tls_verify(struct source *src, char *err, size_t errsz)
{
	const char *host = src->cfg->imap.srv.host;
	const char *ca_file = src->cfg->imap.srv.ca_file;
	gnutls_x509_crt_t crts[CHAIN_MAX];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vdata[2];
	gnutls_datum_t d, out;
	unsigned int ncrt = 0, i, status = 0;
	carray *chain;
	int r, rv = SOURCE_PERM;

	chain = mailstream_get_certificate_chain(src->imap->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		seterr(err, errsz, "imap %s: server sent no certificate",
		    host);
		goto fail;
	}
	for (i = 0; i < carray_count(chain) && i < CHAIN_MAX; i++) {
		MMAPString *s = carray_get(chain, i);

		r = gnutls_x509_crt_init(&crts[ncrt]);
		if (r < 0) {
			seterr(err, errsz, "imap %s: %s", host,
			    gnutls_strerror(r));
			goto fail;
		}
		ncrt++;
		d.data = (unsigned char *)s->str;
		d.size = (unsigned int)s->len;
		r = gnutls_x509_crt_import(crts[ncrt - 1], &d,
		    GNUTLS_X509_FMT_DER);
		if (r < 0) {
			seterr(err, errsz, "imap %s: cannot read certificate "
			    "%u of the server's chain: %s", host, i,
			    gnutls_strerror(r));
			goto fail;
		}
	}

	r = gnutls_x509_trust_list_init(&tl, 0);
	if (r < 0) {
		tl = NULL;
		seterr(err, errsz, "imap %s: %s", host, gnutls_strerror(r));
		goto fail;
	}
	r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r < 0 && ca_file == NULL) {
		seterr(err, errsz, "imap %s: cannot load the system CA store: "
		    "%s", host, gnutls_strerror(r));
		goto fail;
	}
	if (ca_file != NULL) {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			seterr(err, errsz, "imap %s: ca_file %s: %s", host,
			    ca_file, r < 0 ? gnutls_strerror(r) :
			    "no certificate in it");
			goto fail;
		}
	}

	memset(vdata, 0, sizeof(vdata));
	vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vdata[0].data = (unsigned char *)host;
	vdata[0].size = 0;	/* NUL-terminated */
	vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	vdata[1].size = 0;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vdata, 2, 0,
	    &status, NULL);
	if (r < 0) {
		seterr(err, errsz, "imap %s: certificate verification "
		    "error: %s", host, gnutls_strerror(r));
		goto fail;
	}
	if (status != 0) {
		memset(&out, 0, sizeof(out));
		r = gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0);
		if (r == 0 && out.data != NULL) {
			size_t l = strlen((char *)out.data);

			while (l > 0 && out.data[l - 1] == ' ')
				out.data[--l] = '\0';
		}
		seterr(err, errsz, "imap %s: server certificate not trusted: "
		    "%s", host, r == 0 && out.data != NULL ?
		    (const char *)out.data : "verification failed");
		gnutls_free(out.data);
		goto fail;
	}
	log_debug("imap: certificate of %s verified (%u in chain)", host,
	    ncrt);
	rv = SOURCE_OK;
fail:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return rv;
}

/* Ask CAPABILITY; the result lands in imap_connection_info. */
static int
imap_capability(struct source *src, char *err, size_t errsz)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(src->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "CAPABILITY", err, errsz);
	mailimap_capability_data_free(cap);
	return SOURCE_OK;
}

static int
has_capability_list(const struct source *src)
{
	return src->imap->imap_connection_info != NULL &&
	    src->imap->imap_connection_info->imap_capability != NULL;
}

/*
 * TCP (+TLS) up to a verified, not yet authenticated connection. *preauth
 * is set when the server greeted with PREAUTH (over TLS or on a plain
 * loopback connection only).
 */
static int
imap_open(struct source *src, int *preauth, char *err, size_t errsz)
{
	const struct config *cfg = src->cfg;
	const char *host = cfg->imap.srv.host;
	uint16_t port;
	int r, rv;

	*preauth = 0;
	port = (uint16_t)(cfg->imap.srv.port > 0 ? cfg->imap.srv.port :
	    (cfg->imap.srv.tls ? 993 : 143));

	if (cfg->imap.srv.tls) {
		log_debug("imap: connecting to %s:%u (imaps)", host, port);
		r = mailimap_ssl_connect_with_callback(src->imap, host, port,
		    tls_setup_cb, src);
	} else {
		log_debug("imap: connecting to %s:%u (imap%s)", host, port,
		    cfg->imap.starttls ? ", STARTTLS" : ", no TLS");
		r = mailimap_socket_connect(src->imap, host, port);
	}
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		seterr(err, errsz, "imap %s:%u: %s", host, port,
		    imap_strerror(r));
		return SOURCE_TEMP;
	}
	*preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;

	if (cfg->imap.srv.tls)
		return tls_verify(src, err, errsz);
	if (!cfg->imap.starttls)
		return SOURCE_OK;

	/* STARTTLS is mandatory from here on: never go on in clear text. */
	if (*preauth) {
		seterr(err, errsz, "imap %s:%u: server greeted with PREAUTH "
		    "before STARTTLS; refusing to go on without TLS", host,
		    port);
		return SOURCE_PERM;
	}
	if (!has_capability_list(src)) {
		rv = imap_capability(src, err, errsz);
		if (rv != SOURCE_OK)
			return rv;
	}
	if (!mailimap_has_extension(src->imap, "STARTTLS")) {
		seterr(err, errsz, "imap %s:%u: server does not offer "
		    "STARTTLS; refusing to log in without TLS", host, port);
		return SOURCE_PERM;
	}
	log_debug("imap: STARTTLS");
	r = mailimap_socket_starttls_with_callback(src->imap, tls_setup_cb,
	    src);
	if (r != MAILIMAP_NO_ERROR) {
		char vis[256];

		src->broken = 1;
		if (imap_is_transport(r)) {
			seterr(err, errsz, "imap %s:%u: STARTTLS: %s", host,
			    port, imap_strerror(r));
			return SOURCE_TEMP;
		}
		/* libetpan also fails here on data buffered after OK. */
		if (src->imap->imap_stream != NULL &&
		    src->imap->imap_stream->read_buffer_len > 0)
			seterr(err, errsz, "imap %s:%u: server sent "
			    "unencrypted data after its STARTTLS answer; "
			    "refusing to go on", host, port);
		else
			seterr(err, errsz, "imap %s:%u: STARTTLS failed: %s; "
			    "refusing to log in without TLS", host, port,
			    srvtext(src, vis, sizeof(vis)));
		return SOURCE_PERM;
	}
	/*
	 * Anything already buffered was sent in clear text after the
	 * STARTTLS answer and before the handshake: an injection.
	 */
	if (src->imap->imap_stream->read_buffer_len > 0) {
		seterr(err, errsz, "imap %s:%u: server sent unencrypted data "
		    "after STARTTLS; refusing to go on", host, port);
		return SOURCE_PERM;
	}
	rv = tls_verify(src, err, errsz);
	if (rv != SOURCE_OK)
		return rv;
	/* libetpan keeps the capabilities from before TLS: ask again. */
	return imap_capability(src, err, errsz);
}

/*
 * AUTHENTICATE XOAUTH2 (libetpan has no OAUTHBEARER) with the token of
 * token_file or token_command. A refused token is tried once more when
 * the command gives another one or the file changed, then it is a
 * permanent failure naming the server's answer: the daemon backs off
 * (RECONNECT_MAX) instead of asking again and again.
 */
static int
imap_oauth2(struct source *src, char *err, size_t errsz)
{
	const struct config *cfg = src->cfg;
	const char *tok;
	char vis[256] = "", why[512];
	int r, fresh, tries;

	if (!has_capability_list(src)) {
		r = imap_capability(src, err, errsz);
		if (r != SOURCE_OK)
			return r;
	}
	if (!mailimap_has_xoauth2(src->imap)) {
		seterr(err, errsz, "imap %s: the server does not offer "
		    "AUTHENTICATE XOAUTH2; token_file and token_command need "
		    "it", cfg->imap.srv.host);
		return SOURCE_PERM;
	}
	for (tries = 0; tries < 2; tries++) {
		tok = token_get(src->token, time(NULL), &fresh, why,
		    sizeof(why));
		if (tok == NULL) {
			seterr(err, errsz, "imap %s: no OAuth2 token: %s",
			    cfg->imap.srv.host, why);
			return SOURCE_PERM;
		}
		if (tries > 0 && !fresh)
			break;		/* nothing new to offer */
		log_debug("imap: AUTHENTICATE XOAUTH2 as %s%s",
		    cfg->imap.srv.user, tries > 0 ? " (a new token)" : "");
		r = mailimap_oauth2_authenticate(src->imap, cfg->imap.srv.user,
		    tok);
		if (r == MAILIMAP_NO_ERROR)
			return SOURCE_OK;
		if (imap_is_transport(r))
			return imap_fail(src, r, "AUTHENTICATE XOAUTH2", err,
			    errsz);
		srvtext(src, vis, sizeof(vis));
		token_refused(src->token);
		log_debug("imap: %s refused the OAuth2 token of %s: %s",
		    cfg->imap.srv.host, cfg->imap.srv.user, vis);
	}
	seterr(err, errsz, "imap %s: OAuth2 login (XOAUTH2) as %s refused: %s",
	    cfg->imap.srv.host, cfg->imap.srv.user, vis);
	return SOURCE_PERM;
}

static int
imap_login(struct source *src, char *err, size_t errsz)
{
	const struct config *cfg = src->cfg;
	char vis[256];
	int r;

	if (src->token != NULL && cfg->imap.srv.user != NULL)
		return imap_oauth2(src, err, errsz);
	if (cfg->imap.srv.user == NULL || *cfg->imap.srv.user == '\0' ||
	    cfg->imap.srv.password == NULL) {
		seterr(err, errsz, "imap %s: no user or password configured",
		    cfg->imap.srv.host);
		return SOURCE_PERM;
	}
	log_debug("imap: LOGIN as %s", cfg->imap.srv.user);
	r = mailimap_login(src->imap, cfg->imap.srv.user,
	    cfg->imap.srv.password);
	if (r == MAILIMAP_NO_ERROR)
		return SOURCE_OK;
	if (imap_is_transport(r))
		return imap_fail(src, r, "LOGIN", err, errsz);
	seterr(err, errsz, "imap %s: login as %s refused: %s",
	    cfg->imap.srv.host, cfg->imap.srv.user,
	    srvtext(src, vis, sizeof(vis)));
	return SOURCE_PERM;
}

/* 1 when LIST shows the mailbox, 0 when not, or SOURCE_TEMP. */
static int
folder_exists(struct source *src, const char *name, char *err, size_t errsz)
{
	clist *list = NULL;
	clistiter *it;
	int r, found = 0;

	r = mailimap_list(src->imap, "", name, &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "LIST", err, errsz);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		if (mb != NULL && mb->mb_name != NULL &&
		    (strcmp(mb->mb_name, name) == 0 ||
		    (strcasecmp(name, "INBOX") == 0 &&
		    strcasecmp(mb->mb_name, "INBOX") == 0)))
			found = 1;
	}
	mailimap_list_result_free(list);
	return found;
}

static int
folder_ensure(struct source *src, const char *name, char *err, size_t errsz)
{
	char vis[256], nvis[128];
	int r;

	if (name == NULL || *name == '\0')
		return SOURCE_OK;
	log_vis(nvis, sizeof(nvis), name);
	r = folder_exists(src, name, err, errsz);
	if (r < 0)
		return r;
	if (r == 1)
		return SOURCE_OK;
	log_debug("imap: CREATE %s", nvis);
	r = mailimap_create(src->imap, name);
	if (r == MAILIMAP_NO_ERROR) {
		log_info("imap: created folder %s", nvis);
		return SOURCE_OK;
	}
	if (imap_is_transport(r))
		return imap_fail(src, r, "CREATE", err, errsz);
	/* "Already exists" (a race, or LIST hid it) is fine. */
	srvtext(src, vis, sizeof(vis));
	r = folder_exists(src, name, err, errsz);
	if (r < 0)
		return r;
	if (r == 1)
		return SOURCE_OK;
	seterr(err, errsz, "imap %s: cannot create folder %s: %s",
	    src->cfg->imap.srv.host, nvis, vis);
	return SOURCE_PERM;
}

static int
imap_select(struct source *src, char *err, size_t errsz)
{
	const char *mbox = src->cfg->imap.mailbox != NULL ?
	    src->cfg->imap.mailbox : "INBOX";
	char vis[256], nvis[128];
	int r;

	log_vis(nvis, sizeof(nvis), mbox);
	r = mailimap_select(src->imap, mbox);
	if (r != MAILIMAP_NO_ERROR) {
		if (imap_is_transport(r))
			return imap_fail(src, r, "SELECT", err, errsz);
		seterr(err, errsz, "imap %s: cannot select mailbox %s: %s",
		    src->cfg->imap.srv.host, nvis,
		    srvtext(src, vis, sizeof(vis)));
		return SOURCE_PERM;
	}
	src->uidvalidity = 0;
	if (src->imap->imap_selection_info != NULL)
		src->uidvalidity =
		    src->imap->imap_selection_info->sel_uidvalidity;
	if (src->uidvalidity == 0)
		log_warnx("imap %s: mailbox %s has no UIDVALIDITY",
		    src->cfg->imap.srv.host, nvis);
	log_debug("imap: selected %s, UIDVALIDITY %u, %u messages", nvis,
	    src->uidvalidity, src->imap->imap_selection_info != NULL ?
	    src->imap->imap_selection_info->sel_exists : 0);
	return SOURCE_OK;
}

/* Up to a logged-in connection with its capabilities after login. */
static int
imap_start(struct source *src, char *err, size_t errsz)
{
	const struct config *cfg = src->cfg;
	int timeout, preauth, rv;

	if (err != NULL && errsz > 0)
		*err = '\0';
	source_close(src);
	src->uidvalidity = 0;
	if (cfg->imap.srv.host == NULL) {
		seterr(err, errsz, "imap: no host configured");
		return SOURCE_PERM;
	}

	timeout = cfg->imap.timeout > 0 ? cfg->imap.timeout :
	    DEFAULT_TIMEOUT;
	/* Process-wide in libetpan; there is one IMAP connection. */
	mailstream_network_delay.tv_sec = timeout;
	mailstream_network_delay.tv_usec = 0;

	src->imap = mailimap_new(0, NULL);
	if (src->imap == NULL)
		fatalx("mailimap_new: out of memory");
	mailimap_set_timeout(src->imap, timeout);

	rv = imap_open(src, &preauth, err, errsz);
	if (rv != SOURCE_OK)
		return rv;
	if (!preauth) {
		rv = imap_login(src, err, errsz);
		if (rv != SOURCE_OK)
			return rv;
	}
	/* The capabilities after login (MOVE, UIDPLUS, IDLE …). */
	return imap_capability(src, err, errsz);
}

int
source_connect(struct source *src, char *err, size_t errsz)
{
	const struct config *cfg = src->cfg;
	int rv;

	rv = imap_start(src, err, errsz);
	if (rv != SOURCE_OK)
		goto fail;
	rv = folder_ensure(src, cfg->imap.processed, err, errsz);
	if (rv != SOURCE_OK)
		goto fail;
	rv = folder_ensure(src, cfg->imap.failed, err, errsz);
	if (rv != SOURCE_OK)
		goto fail;
	rv = imap_select(src, err, errsz);
	if (rv != SOURCE_OK)
		goto fail;

	src->has_move = mailimap_has_extension(src->imap, "MOVE") &&
	    !src->test_no_move;
	src->has_uidplus = mailimap_has_extension(src->imap, "UIDPLUS") &&
	    !src->test_no_uidplus;
	src->has_idle = mailimap_has_idle(src->imap) && cfg->imap.idle;
	log_debug("imap: ready on %s: MOVE %s, UIDPLUS %s, IDLE %s%s",
	    cfg->imap.srv.host, src->has_move ? "yes" : "no",
	    src->has_uidplus ? "yes" : "no",
	    mailimap_has_idle(src->imap) ? "yes" : "no",
	    src->has_idle ? "" : " (not used)");
	metrics_imap_connected();
	return SOURCE_OK;

fail:
	/*
	 * Before login (untrusted or broken server) close without a word;
	 * after a refused LOGIN or SELECT a polite LOGOUT is fine, but
	 * keep it simple and equally safe: never talk to it again.
	 */
	imap_abandon(src);
	return rv;
}

int
source_check(struct source *src, char *info, size_t infosz, char *err,
    size_t errsz)
{
	const struct config *cfg = src->cfg;
	const char *mbox = cfg->imap.mailbox != NULL ? cfg->imap.mailbox :
	    "INBOX";
	const char *folders[2] = { cfg->imap.processed, cfg->imap.failed };
	char vis[256], nvis[128], fvis[2][128];
	int rv, r, have[2] = { 1, 1 }, i;

	if (info != NULL && infosz > 0)
		*info = '\0';
	rv = imap_start(src, err, errsz);
	if (rv != SOURCE_OK)
		goto fail;
	/* EXAMINE: read-only, no \Recent taken away, nothing changed */
	log_vis(nvis, sizeof(nvis), mbox);
	r = mailimap_examine(src->imap, mbox);
	if (r != MAILIMAP_NO_ERROR) {
		if (imap_is_transport(r))
			rv = imap_fail(src, r, "EXAMINE", err, errsz);
		else {
			seterr(err, errsz, "imap %s: cannot open mailbox %s: %s",
			    cfg->imap.srv.host, nvis,
			    srvtext(src, vis, sizeof(vis)));
			rv = SOURCE_PERM;
		}
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		log_vis(fvis[i], sizeof(fvis[i]), folders[i] != NULL ?
		    folders[i] : "");
		if (folders[i] == NULL || *folders[i] == '\0')
			continue;
		r = folder_exists(src, folders[i], err, errsz);
		if (r < 0) {
			rv = r;
			goto fail;
		}
		have[i] = r;
	}
	seterr(info, infosz, "logged in to %s:%d as %s (%s); %s has %u "
	    "mail(s); IDLE %s, MOVE %s%s%s%s%s%s%s", cfg->imap.srv.host,
	    cfg->imap.srv.port, cfg->imap.srv.user != NULL ?
	    cfg->imap.srv.user : "(preauth)", src->token != NULL ? "XOAUTH2" :
	    "LOGIN", nvis, src->imap->imap_selection_info != NULL ?
	    src->imap->imap_selection_info->sel_exists : 0,
	    mailimap_has_idle(src->imap) ? "yes" : "no",
	    mailimap_has_extension(src->imap, "MOVE") ? "yes" : "no",
	    have[0] ? "" : "; folder ", have[0] ? "" : fvis[0],
	    have[0] ? "" : " missing (created at start)",
	    have[1] ? "" : "; folder ", have[1] ? "" : fvis[1],
	    have[1] ? "" : " missing (created at start)");
	source_close(src);
	return SOURCE_OK;
fail:
	imap_abandon(src);
	return rv;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A set from sorted, unique UIDs, consecutive runs as ranges. */
static struct mailimap_set *
set_from_uids(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set;
	size_t i, j;

	set = mailimap_set_new_empty();
	if (set == NULL)
		fatalx("mailimap_set_new_empty: out of memory");
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && uids[j] == uids[j - 1] + 1; j++)
			;
		if (mailimap_set_add_interval(set, uids[i], uids[j - 1]) !=
		    MAILIMAP_NO_ERROR)
			fatalx("mailimap_set_add_interval: out of memory");
	}
	return set;
}

static struct fetch_ent *
ent_find(struct fetch_ent *ents, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ents[mid].uid == uid)
			return &ents[mid];
		if (ents[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Store what one FETCH response carried into the matching entry; the
 * items may come in any order, and responses for other UIDs or without
 * a UID (unsolicited flag updates) are ignored.
 */
static void
fetch_take(struct fetch_ent *ents, size_t n, struct mailimap_msg_att *att,
    long long max_bytes)
{
	struct mailimap_msg_att_body_section *body = NULL, *bs;
	struct fetch_ent *e;
	clistiter *it;
	uint32_t uid = 0, size = 0;
	int have_uid = 0, have_size = 0;

	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item == NULL ||
		    item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st == NULL)
			continue;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			have_uid = 1;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			size = st->att_data.att_rfc822_size;
			have_size = 1;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			/*
			 * Only BODY[] is ours: libetpan leaves sec_section
			 * NULL for it (despite its header's comment).
			 */
			bs = st->att_data.att_body_section;
			if (bs != NULL && (bs->sec_section == NULL ||
			    bs->sec_section->sec_spec == NULL))
				body = bs;
			break;
		default:
			break;
		}
	}
	if (!have_uid)
		return;
	e = ent_find(ents, n, uid);
	if (e == NULL)
		return;
	if (have_size) {
		e->size = size;
		e->have_size = 1;
	}
	if (body == NULL || body->sec_body_part == NULL || e->data != NULL)
		return;
	if (max_bytes > 0 && (long long)body->sec_length > max_bytes) {
		/* The server announced less than it sent: still too big. */
		if (body->sec_length > e->size)
			e->size = body->sec_length > UINT32_MAX ? UINT32_MAX :
			    (uint32_t)body->sec_length;
		e->have_size = 1;
		return;
	}
	e->data = xmalloc(body->sec_length + 1);
	memcpy(e->data, body->sec_body_part, body->sec_length);
	e->data[body->sec_length] = '\0';
	e->len = body->sec_length;
}

/* One UID FETCH of the given (sorted) UIDs; results into ents. */
static int
fetch_run(struct source *src, const uint32_t *uids, size_t nuids,
    int with_body, struct fetch_ent *ents, size_t nents, long long max_bytes,
    char *err, size_t errsz)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_set *set;
	clist *res = NULL;
	clistiter *it;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (ft == NULL)
		fatalx("fetch type: out of memory");
	if (mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size()) != MAILIMAP_NO_ERROR)
		fatalx("fetch type: out of memory");
	if (with_body) {
		sec = mailimap_section_new(NULL);
		if (sec == NULL || mailimap_fetch_type_new_fetch_att_list_add(
		    ft, mailimap_fetch_att_new_body_peek_section(sec)) !=
		    MAILIMAP_NO_ERROR)
			fatalx("fetch type: out of memory");
	}
	set = set_from_uids(uids, nuids);
	r = mailimap_uid_fetch(src->imap, set, ft, &res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "UID FETCH", err, errsz);
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);

		if (att != NULL)
			fetch_take(ents, nents, att, max_bytes);
	}
	mailimap_fetch_list_free(res);
	return SOURCE_OK;
}

static void
ents_free(struct fetch_ent *ents, size_t n)
{
	size_t i;

	if (ents == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ents[i].data);
	free(ents);
}

int
source_fetch(struct source *src, size_t max, long long max_bytes,
    struct source_mail **mailsp, size_t *np, char *err, size_t errsz)
{
	struct mailimap_search_key *key;
	struct fetch_ent *ents = NULL;
	struct source_mail *mails;
	clist *res = NULL;
	clistiter *it;
	uint32_t *uids = NULL, *want = NULL;
	size_t nuids = 0, nents = 0, nwant, i, j, nout, nbig = 0;
	long long group;
	int r, rv;

	*mailsp = NULL;
	*np = 0;
	if (src->imap == NULL || src->broken) {
		seterr(err, errsz, "imap: not connected");
		return SOURCE_TEMP;
	}
	if (max == 0)
		return SOURCE_OK;

	key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNDELETED,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, NULL);
	if (key == NULL)
		fatalx("search key: out of memory");
	r = mailimap_uid_search(src->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "UID SEARCH", err, errsz);
	uids = xreallocarray(NULL, clist_count(res) + 1, sizeof(*uids));
	for (it = clist_begin(res); it != NULL; it = clist_next(it)) {
		uint32_t *u = clist_content(it);

		if (u != NULL && *u != 0)
			uids[nuids++] = *u;
	}
	mailimap_search_result_free(res);
	qsort(uids, nuids, sizeof(*uids), uid_cmp);
	for (i = j = 0; i < nuids; i++)
		if (j == 0 || uids[i] != uids[j - 1])
			uids[j++] = uids[i];
	log_debug("imap: UID SEARCH UNDELETED: %zu mails", j);
	nuids = j < max ? j : max;
	if (nuids == 0) {
		rv = SOURCE_OK;
		goto out;
	}

	ents = xcalloc(nuids, sizeof(*ents));
	nents = nuids;
	for (i = 0; i < nuids; i++)
		ents[i].uid = uids[i];

	/* Sizes first: a mail over max_bytes is never downloaded. */
	rv = fetch_run(src, uids, nuids, 0, ents, nents, max_bytes, err,
	    errsz);
	if (rv != SOURCE_OK)
		goto out;

	/*
	 * A batch holds at most LIMIT_INTAKE_BATCH_BYTES of bodies (always at
	 * least one mail): the rest wait for the next batch.
	 */
	for (i = 0, group = 0; i < nents; i++) {
		if (!ents[i].have_size || (max_bytes > 0 &&
		    (long long)ents[i].size > max_bytes))
			continue;
		if (group > 0 && group + (long long)ents[i].size >
		    LIMIT_INTAKE_BATCH_BYTES) {
			nents = i;	/* no body fetched yet: nothing to free */
			break;
		}
		group += ents[i].size;
	}

	/* Then the bodies of the others, in groups of bounded size. */
	want = xreallocarray(NULL, nuids, sizeof(*want));
	for (i = 0; i < nents; ) {
		nwant = 0;
		group = 0;
		for (; i < nents; i++) {
			if (!ents[i].have_size)
				continue;	/* gone since the SEARCH */
			if (max_bytes > 0 &&
			    (long long)ents[i].size > max_bytes)
				continue;
			if (nwant > 0 &&
			    group + (long long)ents[i].size > FETCH_GROUP_BYTES)
				break;
			group += ents[i].size;
			want[nwant++] = ents[i].uid;
		}
		if (nwant == 0)
			continue;
		log_debug("imap: UID FETCH BODY.PEEK[] of %zu mails "
		    "(%lld bytes)", nwant, group);
		rv = fetch_run(src, want, nwant, 1, ents, nents, max_bytes,
		    err, errsz);
		if (rv != SOURCE_OK)
			goto out;
	}

	mails = xcalloc(nents, sizeof(*mails));
	nout = 0;
	for (i = 0; i < nents; i++) {
		struct fetch_ent *e = &ents[i];

		if (!e->have_size)
			continue;
		if (e->data == NULL && !(max_bytes > 0 &&
		    (long long)e->size > max_bytes)) {
			/* Expunged by someone else meanwhile. */
			log_debug("imap: UID %u vanished during fetch", e->uid);
			continue;
		}
		if (e->data == NULL)
			nbig++;
		mails[nout].uid = e->uid;
		mails[nout].size = e->size;
		mails[nout].data = e->data;
		mails[nout].len = e->len;
		e->data = NULL;
		nout++;
	}
	log_debug("imap: fetched %zu mails (%zu over %lld bytes)", nout, nbig,
	    max_bytes);
	if (nout == 0)
		free(mails);
	else {
		*mailsp = mails;
		*np = nout;
	}
	rv = SOURCE_OK;
out:
	ents_free(ents, nents);
	free(want);
	free(uids);
	return rv;
}

int
source_move(struct source *src, const uint32_t *uids_in, size_t n,
    const char *folder, char *err, size_t errsz)
{
	struct mailimap_store_att_flags *flags;
	struct mailimap_flag_list *fl;
	struct mailimap_set *set = NULL;
	uint32_t *uids;
	char vis[256], nvis[128];
	size_t i, j;
	int r, rv;

	if (src->imap == NULL || src->broken) {
		seterr(err, errsz, "imap: not connected");
		return SOURCE_TEMP;
	}
	if (n == 0)
		return SOURCE_OK;
	assert(folder != NULL);
	log_vis(nvis, sizeof(nvis), folder);

	uids = xreallocarray(NULL, n, sizeof(*uids));
	memcpy(uids, uids_in, n * sizeof(*uids));
	qsort(uids, n, sizeof(*uids), uid_cmp);
	for (i = j = 0; i < n; i++) {
		assert(uids[i] != 0);
		if (j == 0 || uids[i] != uids[j - 1])
			uids[j++] = uids[i];
	}
	n = j;
	set = set_from_uids(uids, n);

	if (src->has_move) {
		log_debug("imap: UID MOVE %zu mails to %s", n, nvis);
		r = mailimap_uid_move(src->imap, set, folder);
		if (r != MAILIMAP_NO_ERROR) {
			rv = imap_fail(src, r, "UID MOVE", err, errsz);
			goto out;
		}
		rv = SOURCE_OK;
		goto out;
	}

	log_debug("imap: no MOVE: UID COPY + \\Deleted + %s of %zu mails "
	    "to %s", src->has_uidplus ? "UID EXPUNGE" : "EXPUNGE", n, nvis);
	r = mailimap_uid_copy(src->imap, set, folder);
	if (r != MAILIMAP_NO_ERROR) {
		rv = imap_fail(src, r, "UID COPY", err, errsz);
		goto out;
	}
	fl = mailimap_flag_list_new_empty();
	if (fl == NULL ||
	    mailimap_flag_list_add(fl, mailimap_flag_new_deleted()) !=
	    MAILIMAP_NO_ERROR)
		fatalx("flag list: out of memory");
	flags = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (flags == NULL)
		fatalx("store flags: out of memory");
	r = mailimap_uid_store(src->imap, set, flags);
	mailimap_store_att_flags_free(flags);
	if (r != MAILIMAP_NO_ERROR) {
		rv = imap_fail(src, r, "UID STORE +FLAGS.SILENT (\\Deleted)",
		    err, errsz);
		goto out;
	}
	if (src->has_uidplus)
		r = mailimap_uid_expunge(src->imap, set);
	else {
		/* Also removes others' \Deleted mails; no better way. */
		r = mailimap_expunge(src->imap);
	}
	if (r != MAILIMAP_NO_ERROR) {
		rv = imap_fail(src, r, src->has_uidplus ? "UID EXPUNGE" :
		    "EXPUNGE", err, errsz);
		goto out;
	}
	rv = SOURCE_OK;
out:
	if (rv != SOURCE_OK && !src->broken)
		log_debug("imap: move to %s failed: %s", nvis,
		    srvtext(src, vis, sizeof(vis)));
	mailimap_set_free(set);
	free(uids);
	return rv;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	/* EINTR: a signal; the caller looks at *stop. */
	(void)nanosleep(&ts, NULL);
}

/* Reset the "new mail" marks of libetpan's selection info. */
static void
exists_reset(struct source *src)
{
	struct mailimap_selection_info *si = src->imap->imap_selection_info;

	if (si != NULL) {
		si->sel_has_exists = 0;
		si->sel_has_recent = 0;
	}
}

static int
exists_seen(const struct source *src)
{
	const struct mailimap_selection_info *si =
	    src->imap->imap_selection_info;

	return si != NULL && (si->sel_has_exists || si->sel_has_recent);
}

/*
 * One IDLE round until deadline: 1 new mail, 0 nothing (timeout, stop,
 * or other untagged data: *activity set), or SOURCE_TEMP.
 */
static int
idle_once(struct source *src, long long deadline, volatile int *stop,
    int *activity, char *err, size_t errsz)
{
	struct pollfd pfd;
	long long left;
	int r, fd, got;

	*activity = 0;
	exists_reset(src);
	log_debug("imap: IDLE");
	r = mailimap_idle(src->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(src, r, "IDLE", err, errsz);
	fd = mailimap_idle_get_fd(src->imap);
	got = exists_seen(src);
	while (!got && !*stop) {
		if (src->imap->imap_stream->read_buffer_len > 0) {
			*activity = 1;
			break;
		}
		left = deadline - now_ms();
		if (left <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, left < WAIT_STEP_MS ? (int)left :
		    WAIT_STEP_MS);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errsz, "imap: poll: %s", strerror(errno));
			src->broken = 1;
			return SOURCE_TEMP;
		}
		if (r > 0) {
			*activity = 1;
			break;
		}
	}
	r = mailimap_idle_done(src->imap);
	if (r != MAILIMAP_NO_ERROR) {
		/* BYE gives a stream error, a plain EOF a parse error. */
		src->broken = 1;
		seterr(err, errsz, "imap %s:%d: connection lost during IDLE",
		    src->cfg->imap.srv.host, src->cfg->imap.srv.port);
		return SOURCE_TEMP;
	}
	/* the server answered DONE: the mailbox is there (/healthz) */
	metrics_polled(time(NULL));
	return exists_seen(src) ? 1 : 0;
}

int
source_wait(struct source *src, int timeout_ms, volatile int *stop,
    char *err, size_t errsz)
{
	static volatile int nostop;
	long long deadline, left;
	int r, activity;

	if (stop == NULL)
		stop = &nostop;
	if (src->imap == NULL || src->broken) {
		seterr(err, errsz, "imap: not connected");
		return SOURCE_TEMP;
	}
	if (timeout_ms <= 0 || *stop)
		return 0;

	if (!src->has_idle) {
		/* Polling: "go look" once the interval is over. */
		deadline = now_ms() + timeout_ms;
		while (!*stop) {
			left = deadline - now_ms();
			if (left <= 0)
				return 1;
			sleep_ms(left < WAIT_STEP_MS ? (int)left :
			    WAIT_STEP_MS);
		}
		return 0;
	}

	if (timeout_ms > IDLE_MAX_MS)
		timeout_ms = IDLE_MAX_MS;
	deadline = now_ms() + timeout_ms;
	for (;;) {
		r = idle_once(src, deadline, stop, &activity, err, errsz);
		if (r != 0) {
			if (r == 1)
				log_debug("imap: IDLE: new mail");
			return r;
		}
		if (*stop || now_ms() >= deadline)
			return 0;
		/* Other untagged data (keep-alive, flags): idle on. */
		if (!activity)
			return 0;
	}
}
