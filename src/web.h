/*
 * web.h — the read-only status page inside ticketd: libmicrohttpd in its
 * own threads, each request answered from a pool of read-only database
 * connections (db_open(DB_RDONLY), sealed by db_web_seal()), so nothing
 * reachable from the web can write. web.c is the only file that includes
 * microhttpd.h: it parses requests, checks keys (weblink.h), routes to the
 * pages (web_pages.h) and writes the security headers.
 *
 * URLs: /  /tickets  /t/N  /t/N/a/ID  /kb  /metrics  /healthz
 *       /api/stats.json  /api/tickets.json  /api/tickets/N.json  /style.css
 * GET and HEAD only (405 with Allow otherwise).
 */
#ifndef TICKETD_WEB_H
#define TICKETD_WEB_H

#include <stddef.h>

#include "weblink.h"

struct config;
struct web;

/* Threads that answer requests, and read-only connections, one each. */
#define WEB_THREADS		2
/*
 * Connections at once (fewer when the descriptor limit is lower: the mail
 * loop keeps WEB_FD_RESERVE for itself), from one address, and idle
 * seconds before close.
 */
#define WEB_CONN_LIMIT		1024
#define WEB_CONN_PER_IP		32
#define WEB_CONN_TIMEOUT	15
#define WEB_FD_RESERVE		128
/* Memory per connection: also the cap on the request line and headers. */
#define WEB_CONN_MEMORY		8192

/*
 * Start the page on [web] listen with the secret that signs its keys
 * (copied). The database must exist at the current schema version (open
 * it read-write once first, which migrates it). Returns a handle, or NULL
 * with a reason in err (bad address, port in use, database).
 */
struct web *web_start(const struct config *,
	    const unsigned char secret[WEBLINK_SECRET_LEN], char *err,
	    size_t errsz);

/* Stop the threads (in-flight requests finish) and close; NULL-safe. */
void	web_stop(struct web **);

#endif
