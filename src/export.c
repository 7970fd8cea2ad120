/*
 * export.c — the event log as XES, CSV or JSON (see export.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "buf.h"
#include "export.h"
#include "json.h"
#include "lex.h"
#include "xmalloc.h"

#define RESOURCE_DESK	"ticketd"
/* One ticket's JSON object at most (its events' details included). */
#define JSON_TICKET_MAX	(16 * 1024 * 1024)

int
export_format_parse(const char *name, enum export_format *fmt)
{
	if (strcmp(name, "xes") == 0)
		*fmt = EXPORT_XES;
	else if (strcmp(name, "csv") == 0)
		*fmt = EXPORT_CSV;
	else if (strcmp(name, "json") == 0)
		*fmt = EXPORT_JSON;
	else
		return -1;
	return 0;
}

/* RFC 3339 UTC, with milliseconds when ms is set (what XES tools write). */
static void
stamp(long long t, int ms, char *buf, size_t sz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, ms ? "%Y-%m-%dT%H:%M:%S.000+00:00" :
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, sz, "1970-01-01T00:00:00Z");
}

/* A copy holding only characters XML 1.0 allows; the rest become U+FFFD. */
static char *
xml_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	const unsigned char *end = p + strlen((const char *)p);
	struct buf b;
	size_t n;

	buf_init(&b, (size_t)(end - p) * 3 + 1);
	while (p < end) {
		n = lex_utf8_len(p, end);
		if (n == 0 || (n == 1 && *p < 0x20 && *p != '\t' &&
		    *p != '\n' && *p != '\r') || *p == 0x7f ||
		    (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)) {
			buf_addstr(&b, "\xef\xbf\xbd");
			p += n > 0 ? n : 1;
			continue;
		}
		buf_add(&b, p, n);
		p += n;
	}
	return buf_steal(&b, NULL);
}

/* ---- XES ---- */

struct xes {
	xmlTextWriterPtr w;
	long long	 ticket;	/* the open trace, 0 = none */
	int		 err;
};

static void
xes_attr(struct xes *x, const char *type, const char *key, const char *value)
{
	char *v = xml_text(value);

	if (xmlTextWriterStartElement(x->w, BAD_CAST type) < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "key", BAD_CAST key) < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "value", BAD_CAST v) < 0 ||
	    xmlTextWriterEndElement(x->w) < 0)
		x->err = 1;
	free(v);
}

static void
xes_extension(struct xes *x, const char *name, const char *prefix)
{
	char uri[128];

	snprintf(uri, sizeof(uri), "http://www.xes-standard.org/%s.xesext",
	    prefix);
	if (xmlTextWriterStartElement(x->w, BAD_CAST "extension") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "name", BAD_CAST name) < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "prefix",
	    BAD_CAST prefix) < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "uri", BAD_CAST uri) < 0 ||
	    xmlTextWriterEndElement(x->w) < 0)
		x->err = 1;
}

static void
xes_head(struct xes *x)
{
	if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(x->w, BAD_CAST "log") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "xes.version",
	    BAD_CAST "1.0") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "xes.features",
	    BAD_CAST "nested-attributes") < 0) {
		x->err = 1;
		return;
	}
	xes_extension(x, "Concept", "concept");
	xes_extension(x, "Time", "time");
	xes_extension(x, "Organizational", "org");
	xes_extension(x, "Lifecycle", "lifecycle");
	if (xmlTextWriterStartElement(x->w, BAD_CAST "global") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "scope",
	    BAD_CAST "trace") < 0)
		x->err = 1;
	xes_attr(x, "string", "concept:name", "__INVALID__");
	if (xmlTextWriterEndElement(x->w) < 0 ||
	    xmlTextWriterStartElement(x->w, BAD_CAST "global") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "scope",
	    BAD_CAST "event") < 0)
		x->err = 1;
	xes_attr(x, "string", "concept:name", "__INVALID__");
	xes_attr(x, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00");
	xes_attr(x, "string", "org:resource", RESOURCE_DESK);
	xes_attr(x, "string", "lifecycle:transition", "complete");
	if (xmlTextWriterEndElement(x->w) < 0 ||
	    xmlTextWriterStartElement(x->w, BAD_CAST "classifier") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "name",
	    BAD_CAST "Activity") < 0 ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "keys",
	    BAD_CAST "concept:name") < 0 ||
	    xmlTextWriterEndElement(x->w) < 0)
		x->err = 1;
	xes_attr(x, "string", "concept:name", "ticketd event log");
}

static int
xes_row(const struct db_export_row *r, void *arg)
{
	struct xes *x = arg;
	char num[32], t[48];

	if (r->ticket != x->ticket) {
		if (x->ticket != 0 && xmlTextWriterEndElement(x->w) < 0)
			x->err = 1;
		if (xmlTextWriterStartElement(x->w, BAD_CAST "trace") < 0)
			x->err = 1;
		x->ticket = r->ticket;
		snprintf(num, sizeof(num), "%lld", r->ticket);
		xes_attr(x, "string", "concept:name", num);
		xes_attr(x, "string", "priority", r->priority);
		if (r->category != NULL)
			xes_attr(x, "string", "category", r->category);
		if (r->subcategory != NULL)
			xes_attr(x, "string", "subcategory", r->subcategory);
		xes_attr(x, "string", "status", r->status);
		stamp(r->created_at, 1, t, sizeof(t));
		xes_attr(x, "date", "created", t);
	}
	if (xmlTextWriterStartElement(x->w, BAD_CAST "event") < 0)
		x->err = 1;
	xes_attr(x, "string", "concept:name", r->kind);
	stamp(r->at, 1, t, sizeof(t));
	xes_attr(x, "date", "time:timestamp", t);
	xes_attr(x, "string", "org:resource", r->actor != NULL ? r->actor :
	    RESOURCE_DESK);
	xes_attr(x, "string", "lifecycle:transition", "complete");
	if (r->detail != NULL)
		xes_attr(x, "string", "detail", r->detail);
	if (xmlTextWriterEndElement(x->w) < 0)
		x->err = 1;
	return x->err;
}

static int
write_xes(struct db *db, long long since, FILE *out, char *err, size_t errsz)
{
	xmlOutputBufferPtr ob;
	struct xes x;
	int rc;

	memset(&x, 0, sizeof(x));
	ob = xmlOutputBufferCreateFile(out, NULL);
	if (ob == NULL || (x.w = xmlNewTextWriter(ob)) == NULL) {
		if (ob != NULL)
			xmlOutputBufferClose(ob);
		snprintf(err, errsz, "libxml2: cannot make an XML writer");
		return -1;
	}
	xmlTextWriterSetIndent(x.w, 1);
	xmlTextWriterSetIndentString(x.w, BAD_CAST "\t");
	xes_head(&x);
	rc = x.err ? DB_PERM : db_export_each(db, since, xes_row, &x);
	if (!x.err && (xmlTextWriterEndDocument(x.w) < 0 ||
	    xmlTextWriterFlush(x.w) < 0))
		x.err = 1;
	xmlFreeTextWriter(x.w);		/* closes ob, not out */
	if (x.err) {
		snprintf(err, errsz, "writing the XES log failed");
		return -1;
	}
	if (rc != DB_OK) {
		snprintf(err, errsz, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- CSV ---- */

/* One RFC 4180 field, quoted when it must be. */
static void
csv_field(FILE *out, const char *s, int last)
{
	const char *p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL)
		fputs(s, out);
	else {
		putc('"', out);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putc('"', out);
			putc(*p, out);
		}
		putc('"', out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static int
csv_row(const struct db_export_row *r, void *arg)
{
	FILE *out = arg;
	char num[32], t[48], cat[160];

	snprintf(num, sizeof(num), "%lld", r->ticket);
	stamp(r->at, 0, t, sizeof(t));
	if (r->category != NULL && r->subcategory != NULL)
		snprintf(cat, sizeof(cat), "%s/%s", r->category,
		    r->subcategory);
	else
		snprintf(cat, sizeof(cat), "%s", r->category != NULL ?
		    r->category : "");
	csv_field(out, num, 0);
	csv_field(out, r->kind, 0);
	csv_field(out, t, 0);
	csv_field(out, r->actor != NULL ? r->actor : RESOURCE_DESK, 0);
	csv_field(out, "complete", 0);
	csv_field(out, r->priority, 0);
	csv_field(out, cat, 0);
	csv_field(out, r->status, 0);
	csv_field(out, r->detail, 1);
	return ferror(out) != 0;
}

static int
write_csv(struct db *db, long long since, FILE *out, char *err, size_t errsz)
{
	int rc;

	fputs("case_id,activity,timestamp,resource,lifecycle,priority,"
	    "category,status,detail\r\n", out);
	rc = db_export_each(db, since, csv_row, out);
	if (ferror(out)) {
		snprintf(err, errsz, "writing the CSV log failed");
		return -1;
	}
	if (rc != DB_OK) {
		snprintf(err, errsz, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- JSON ---- */

struct jexp {
	FILE		*out;
	struct buf	 b;
	struct json	 j;
	long long	 ticket;
	int		 n;
	int		 err;
};

/* Write out the ticket object in hand. */
static void
json_flush(struct jexp *x)
{
	if (x->ticket == 0)
		return;
	json_end_array(&x->j);
	json_end_object(&x->j);
	if (json_error(&x->j))
		x->err = 1;
	else if (fprintf(x->out, "%s%.*s", x->n++ > 0 ? ",\n" : "\n",
	    (int)x->b.len, x->b.data) < 0)
		x->err = 1;
	buf_clear(&x->b);
	x->ticket = 0;
}

static int
json_row(const struct db_export_row *r, void *arg)
{
	struct jexp *x = arg;

	if (r->ticket != x->ticket) {
		json_flush(x);
		buf_init(&x->b, JSON_TICKET_MAX);
		json_init(&x->j, &x->b);
		x->ticket = r->ticket;
		json_begin_object(&x->j, NULL);
		json_int(&x->j, "number", r->ticket);
		json_stringz(&x->j, "priority", r->priority);
		json_stringz(&x->j, "category", r->category);
		json_stringz(&x->j, "subcategory", r->subcategory);
		json_stringz(&x->j, "status", r->status);
		json_time(&x->j, "created", r->created_at, 1);
		json_begin_array(&x->j, "events");
	}
	json_begin_object(&x->j, NULL);
	json_time(&x->j, "at", r->at, 1);
	json_stringz(&x->j, "kind", r->kind);
	json_stringz(&x->j, "actor", r->actor);
	json_stringz(&x->j, "detail", r->detail);
	json_end_object(&x->j);
	return x->err || ferror(x->out);
}

static int
write_json(struct db *db, long long since, FILE *out, char *err,
    size_t errsz)
{
	struct jexp x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.out = out;
	fputc('[', out);
	rc = db_export_each(db, since, json_row, &x);
	json_flush(&x);
	buf_clear(&x.b);
	fputs(x.n > 0 ? "\n]\n" : "]\n", out);
	if (x.err || ferror(out)) {
		snprintf(err, errsz, "writing the JSON log failed (a ticket "
		    "over %d bytes?)", JSON_TICKET_MAX);
		return -1;
	}
	if (rc != DB_OK) {
		snprintf(err, errsz, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

int
export_write(struct db *db, enum export_format fmt, long long since,
    FILE *out, char *err, size_t errsz)
{
	int rc;

	if (db_read_begin(db) != DB_OK) {
		snprintf(err, errsz, "database: %s", db_errmsg(db));
		return -1;
	}
	switch (fmt) {
	case EXPORT_XES:
		rc = write_xes(db, since, out, err, errsz);
		break;
	case EXPORT_CSV:
		rc = write_csv(db, since, out, err, errsz);
		break;
	default:
		rc = write_json(db, since, out, err, errsz);
		break;
	}
	db_read_end(db);
	if (rc == 0 && fflush(out) != 0) {
		snprintf(err, errsz, "writing: %s", strerror(errno));
		return -1;
	}
	return rc;
}
