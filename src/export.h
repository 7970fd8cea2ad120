/*
 * export.h — the desk's event log for process mining and scripts:
 * `ticketctl export --format xes|csv|json [--since DATE]`.
 *
 * One case per ticket, one event per row of the events table (created,
 * assigned, reassigned, priority, commented, resolved, sla-breach, …),
 * oldest first. Each event has its activity (the event kind), its time,
 * its resource (the actor's address, or "ticketd" when the desk acted on
 * its own) and its detail; each case its number, priority, category,
 * status and creation time. Ticket text (subjects, bodies) is not
 * exported: the log is about the process, not the requests.
 *
 *   xes   IEEE 1849-2016 XES, written with libxml2's xmlTextWriter: a
 *         <trace> per ticket with concept:name, priority, category,
 *         status; an <event> per event with concept:name,
 *         time:timestamp, org:resource, lifecycle:transition "complete"
 *         and detail. Valid against the standard's schema; characters
 *         XML 1.0 cannot carry (controls, invalid UTF-8) become U+FFFD.
 *   csv   RFC 4180: a header line, CRLF line ends, a field quoted when it
 *         holds a comma, a quote, CR or LF (quotes doubled). Columns:
 *         case_id,activity,timestamp,resource,lifecycle,priority,
 *         category,status,detail. Times RFC 3339 UTC.
 *   json  one JSON array; one object per ticket: number, priority,
 *         category, status, created, events: [{at, kind, actor, detail}]
 *         (times RFC 3339 UTC, null for absent values).
 *
 * This is export.c's only include of libxml2's writer.
 */
#ifndef TICKETD_EXPORT_H
#define TICKETD_EXPORT_H

#include <stdio.h>

#include "db.h"

enum export_format {
	EXPORT_XES,
	EXPORT_CSV,
	EXPORT_JSON
};

/* "xes", "csv", "json" → 0 and *fmt; -1 for anything else. */
int	export_format_parse(const char *name, enum export_format *fmt);

/*
 * Write the event log of the tickets created at or after since (epoch
 * seconds; 0 for all) to out. 0, or -1 with a message in err (a database
 * or write error; out then holds part of the log).
 */
int	export_write(struct db *, enum export_format, long long since,
	    FILE *out, char *err, size_t errsz);

#endif
