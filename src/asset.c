/*
 * asset.c — tags, dates, statuses, the [assets] configuration and the
 * "asset …" command, parsed (see asset.h). Pure: no I/O.
 *
 * Decisions:
 * - Tags are what people write on stickers ("LAP-0042"): ASCII only, so
 *   that a tag in a subject, a URL (/a/LAP-0042) and a CSV file mean the
 *   same bytes; case does not matter (stored upper-cased), as people
 *   type "lap-0042" as often as "LAP-0042".
 * - Dates are plain "YYYY-MM-DD" (a warranty ends on a day, in no time
 *   zone); they are stored as that text, which sorts as the date.
 * - The command's syntax is strict (a control mail applies whole or not
 *   at all): an unknown key, a key given twice or a word too many is an
 *   error, never ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asset.h"
#include "fields.h"
#include "lex.h"
#include "limits.h"
#include "xmalloc.h"

static int
tag_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static int
alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

int
asset_tag_parse(const char *p, size_t len, char *out)
{
	size_t i;

	if (len < 2 || len > ASSET_TAG_MAX)
		return -1;
	if (!alnum((unsigned char)p[0]) || !alnum((unsigned char)p[len - 1]))
		return -1;
	for (i = 0; i < len; i++) {
		if (!tag_char((unsigned char)p[i]))
			return -1;
		out[i] = (p[i] >= 'a' && p[i] <= 'z') ? (char)(p[i] - 32) :
		    p[i];
	}
	out[len] = '\0';
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
asset_date_parse(const char *p, size_t len, char *out)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d;
	size_t i;

	if (len != 10 || p[4] != '-' || p[7] != '-')
		return -1;
	for (i = 0; i < len; i++)
		if (i != 4 && i != 7 && (p[i] < '0' || p[i] > '9'))
			return -1;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
	    (p[3] - '0');
	m = (p[5] - '0') * 10 + (p[6] - '0');
	d = (p[8] - '0') * 10 + (p[9] - '0');
	if (y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && is_leap(y)))
		return -1;
	memcpy(out, p, 10);
	out[10] = '\0';
	return 0;
}

const char *
asset_status_parse(const char *p, size_t len)
{
	static const char *const st[] = { ASSET_ST_IN_USE, ASSET_ST_IN_STOCK,
	    ASSET_ST_IN_REPAIR, ASSET_ST_RETIRED };
	char w[16];
	size_t i;

	if (len == 0 || len >= sizeof(w))
		return NULL;
	for (i = 0; i < len; i++)
		w[i] = (p[i] == ' ' || p[i] == '_') ? '-' :
		    (char)lex_lower((unsigned char)p[i]);
	w[len] = '\0';
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (strcmp(w, st[i]) == 0)
			return st[i];
	return NULL;
}

/* A type or category word: letters, digits, '-', '_' (1..max bytes). */
static int
name_ok(const char *p, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!alnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
			return 0;
	return 1;
}

static char *
lower_dup(const char *p, size_t len)
{
	char *s = xstrndup(p, len);
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (char)lex_lower((unsigned char)s[i]);
	return s;
}

void
asset_types_free(char **types)
{
	size_t i;

	if (types == NULL)
		return;
	for (i = 0; types[i] != NULL; i++)
		free(types[i]);
	free(types);
}

const char *
asset_type_find(char *const *types, const char *p, size_t len)
{
	size_t i;

	if (types == NULL)
		return NULL;
	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == len && strncasecmp(types[i], p, len) == 0)
			return types[i];
	return NULL;
}

int
asset_types_parse(const char *s, char ***types, char *err, size_t errsz)
{
	char **v = NULL;
	const char *p = s, *w;
	size_t n = 0;

	*types = NULL;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (!name_ok(w, (size_t)(p - w), ASSET_TYPE_MAX)) {
			snprintf(err, errsz, "\"%.*s\" is not a type (letters, "
			    "digits, '-' or '_', at most %d)", (int)(p - w) > 40 ?
			    40 : (int)(p - w), w, ASSET_TYPE_MAX);
			goto fail;
		}
		if (asset_type_find(v, w, (size_t)(p - w)) != NULL) {
			snprintf(err, errsz, "type \"%.*s\" is listed twice",
			    (int)(p - w), w);
			goto fail;
		}
		if (n == ASSET_TYPES_MAX) {
			snprintf(err, errsz, "more than %d types",
			    ASSET_TYPES_MAX);
			goto fail;
		}
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = lower_dup(w, (size_t)(p - w));
		v[n] = NULL;
	}
	if (n == 0) {
		snprintf(err, errsz, "at least one type is required");
		goto fail;
	}
	*types = v;
	return 0;
fail:
	asset_types_free(v);
	return -1;
}

void
asset_links_free(struct asset_link *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].category);
		free(v[i].type);
	}
	free(v);
}

int
asset_links_parse(const char *s, char *const *types, struct asset_link **vp,
    size_t *np, char *err, size_t errsz)
{
	struct asset_link *v = NULL;
	const char *p = s, *item, *colon, *end, *a, *b, *slash;
	size_t n = 0, i;
	char *cat;

	*vp = NULL;
	*np = 0;
	while (*p != '\0') {
		item = p;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		p = *end == ',' ? end + 1 : end;
		a = item;
		b = end;
		lex_trim(&a, &b);
		if (a == b)
			continue;
		colon = memchr(a, ':', (size_t)(b - a));
		if (colon == NULL) {
			snprintf(err, errsz, "\"%.*s\" is not \"category: "
			    "type\"", (int)(b - a) > 60 ? 60 : (int)(b - a), a);
			goto fail;
		}
		/* the category: cat or cat/sub */
		{
			const char *cs = a, *ce = colon, *ts = colon + 1,
			    *te = b;

			lex_trim(&cs, &ce);
			lex_trim(&ts, &te);
			slash = memchr(cs, '/', (size_t)(ce - cs));
			if (slash != NULL ? !name_ok(cs, (size_t)(slash - cs),
			    LIMIT_CATEGORY_BYTES) || !name_ok(slash + 1,
			    (size_t)(ce - slash - 1), LIMIT_CATEGORY_BYTES) :
			    !name_ok(cs, (size_t)(ce - cs),
			    LIMIT_CATEGORY_BYTES)) {
				snprintf(err, errsz, "\"%.*s\" is not a category "
				    "(cat or cat/sub)", (int)(ce - cs) > 60 ? 60 :
				    (int)(ce - cs), cs);
				goto fail;
			}
			if (!name_ok(ts, (size_t)(te - ts), ASSET_TYPE_MAX)) {
				snprintf(err, errsz, "\"%.*s\" is not a type",
				    (int)(te - ts) > 60 ? 60 : (int)(te - ts), ts);
				goto fail;
			}
			if (types != NULL && asset_type_find(types, ts,
			    (size_t)(te - ts)) == NULL) {
				snprintf(err, errsz, "type \"%.*s\" is not in "
				    "[assets] types", (int)(te - ts), ts);
				goto fail;
			}
			cat = lower_dup(cs, (size_t)(ce - cs));
			for (i = 0; i < n; i++)
				if (strcmp(v[i].category, cat) == 0)
					break;
			if (i < n) {
				snprintf(err, errsz, "category \"%s\" is mapped "
				    "twice", cat);
				free(cat);
				goto fail;
			}
			if (n == ASSET_LINKS_MAX) {
				free(cat);
				snprintf(err, errsz, "more than %d pairs",
				    ASSET_LINKS_MAX);
				goto fail;
			}
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n].category = cat;
			v[n].type = lower_dup(ts, (size_t)(te - ts));
			n++;
		}
	}
	*vp = v;
	*np = n;
	return 0;
fail:
	asset_links_free(v, n);
	return -1;
}

const char *
asset_link_type(const struct asset_link *v, size_t n, const char *category,
    const char *subcategory)
{
	size_t i, cl;

	if (category == NULL || *category == '\0')
		return NULL;
	cl = strlen(category);
	if (subcategory != NULL && *subcategory != '\0') {
		for (i = 0; i < n; i++)
			if (strncasecmp(v[i].category, category, cl) == 0 &&
			    v[i].category[cl] == '/' &&
			    strcasecmp(v[i].category + cl + 1, subcategory) == 0)
				return v[i].type;
	}
	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].category, category) == 0)
			return v[i].type;
	return NULL;
}

size_t
asset_subject_tags(const char *p, size_t len, char (*out)[ASSET_TAG_MAX + 1],
    size_t max)
{
	const char *end = p + len, *o, *c;
	size_t n = 0, i;
	char t[ASSET_TAG_MAX + 1];

	while (n < max && p < end) {
		o = memchr(p, '[', (size_t)(end - p));
		if (o == NULL)
			break;
		c = memchr(o + 1, ']', (size_t)(end - o - 1));
		if (c == NULL)
			break;
		p = o + 1;
		if (asset_tag_parse(o + 1, (size_t)(c - o - 1), t) == -1)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(out[i], t) == 0)
				break;
		if (i == n)
			memcpy(out[n++], t, sizeof(t));
		p = c + 1;
	}
	return n;
}

void
asset_cmd_init(struct asset_cmd *c)
{
	memset(c, 0, sizeof(*c));
}

void
asset_cmd_clear(struct asset_cmd *c)
{
	if (c == NULL)
		return;
	free(c->type);
	free(c->model);
	free(c->serial);
	free(c->owner);
	free(c->note);
	asset_cmd_init(c);
}

const char *
asset_op_name(enum asset_op op)
{
	switch (op) {
	case ASSET_OP_ADD:
		return "add";
	case ASSET_OP_GIVE:
		return "give";
	case ASSET_OP_RETURN:
		return "return";
	case ASSET_OP_STATUS:
		return "status";
	case ASSET_OP_NOTE:
		return "note";
	case ASSET_OP_SHOW:
		return "show";
	case ASSET_OP_LIST:
		return "assets";
	case ASSET_OP_NONE:
		break;
	}
	return "none";
}

/* Quote at most LIMIT_QUOTED_BYTES of (p, len) into err: "what 'x' why". */
static int
bad(char *err, size_t errsz, const char *what, const char *p, size_t len,
    const char *why)
{
	char *q = lex_show(p, len, LIMIT_QUOTED_BYTES, 0);

	snprintf(err, errsz, "%s'%s' %s", what, q, why);
	free(q);
	return -1;
}

/* Plain text: valid UTF-8, no control characters, at most max bytes. */
static int
text_ok(const char *p, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + len;
	size_t k;

	if (len > max)
		return 0;
	while (s < e) {
		k = lex_utf8_len(s, e);
		if (k == 0 || (k == 1 && lex_is_ctl(*s)))
			return 0;
		s += k;
	}
	return 1;
}

int
asset_text_ok(const char *p, size_t len, size_t max, int multiline)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + len;
	size_t k;

	if (len > max)
		return 0;
	while (s < e) {
		k = lex_utf8_len(s, e);
		if (k == 0 || (k == 1 && lex_is_ctl(*s) && !(multiline &&
		    (*s == '\n' || *s == '\t'))))
			return 0;
		s += k;
	}
	return 1;
}

static char *
addr_of(const char *p, size_t len)
{
	if (len >= 2 && p[0] == '<' && p[len - 1] == '>') {
		p++;
		len -= 2;
	}
	if (!fields_is_addr(p, len))
		return NULL;
	return xstrndup(p, len);
}

int
asset_cmd_set(struct asset_cmd *c, const char *k, size_t kl, const char *v,
    size_t vl, char *err, size_t errsz)
{
	char **dst = NULL;

	if (kl == 6 && strncasecmp(k, "serial", 6) == 0) {
		if (vl == 0 || !text_ok(v, vl, ASSET_SERIAL_MAX))
			return bad(err, errsz, "serial: ", v, vl,
			    "is not a serial number");
		dst = &c->serial;
		if (*dst != NULL)
			goto twice;
		*dst = xstrndup(v, vl);
		return 0;
	}
	if (kl == 5 && strncasecmp(k, "owner", 5) == 0) {
		if (c->owner != NULL)
			goto twice;
		if ((c->owner = addr_of(v, vl)) == NULL)
			return bad(err, errsz, "owner: ", v, vl,
			    "is not an address");
		return 0;
	}
	if (kl == 8 && strncasecmp(k, "warranty", 8) == 0) {
		if (c->warranty[0] != '\0')
			goto twice;
		if (asset_date_parse(v, vl, c->warranty) == -1)
			return bad(err, errsz, "warranty: ", v, vl,
			    "is not a date (YYYY-MM-DD)");
		return 0;
	}
	if (kl == 9 && strncasecmp(k, "purchased", 9) == 0) {
		if (c->purchased[0] != '\0')
			goto twice;
		if (asset_date_parse(v, vl, c->purchased) == -1)
			return bad(err, errsz, "purchased: ", v, vl,
			    "is not a date (YYYY-MM-DD)");
		return 0;
	}
	if (kl == 6 && strncasecmp(k, "status", 6) == 0) {
		if (c->status != NULL)
			goto twice;
		if ((c->status = asset_status_parse(v, vl)) == NULL)
			return bad(err, errsz, "status: ", v, vl, "is not "
			    "in-use, in-stock, in-repair or retired");
		return 0;
	}
	return bad(err, errsz, "", k, kl, "is not a key (serial, owner, "
	    "warranty, purchased, status)");
twice:
	return bad(err, errsz, "", k, kl, "is given twice");
}

/* The next word of [*p, end), or a "quoted" one: its bytes in *w, *n. */
static int
next_word(const char **p, const char *end, const char **w, size_t *n,
    char *err, size_t errsz)
{
	const char *q, *close;

	*p = lex_skip_sp(*p, end);
	*w = *p;
	*n = 0;
	if (*p == end)
		return 0;
	if (**p == '"') {
		close = memchr(*p + 1, '"', (size_t)(end - *p - 1));
		if (close == NULL) {
			snprintf(err, errsz, "a quote (\") is not closed");
			return -1;
		}
		*w = *p + 1;
		*n = (size_t)(close - *p - 1);
		*p = close + 1;
		if (*p < end && lex_sp_len(*p, end) == 0) {
			snprintf(err, errsz, "a space is missing after a "
			    "closing quote");
			return -1;
		}
		return 1;
	}
	q = *p;
	while (q < end && lex_sp_len(q, end) == 0)
		q++;
	*n = (size_t)(q - *p);
	*p = q;
	return 1;
}

/* key=value, with the value perhaps quoted ("serial=\"A B\""). */
static int
key_value(struct asset_cmd *c, const char **p, const char *end, char *err,
    size_t errsz)
{
	const char *w = lex_skip_sp(*p, end), *eq, *v, *close, *q;
	size_t vl;

	q = w;
	while (q < end && *q != '=' && lex_sp_len(q, end) == 0)
		q++;
	if (q == end || *q != '=') {
		while (q < end && lex_sp_len(q, end) == 0)
			q++;
		return bad(err, errsz, "", w, (size_t)(q - w),
		    "was not expected (key=value)");
	}
	eq = q;
	v = eq + 1;
	if (v < end && *v == '"') {
		close = memchr(v + 1, '"', (size_t)(end - v - 1));
		if (close == NULL) {
			snprintf(err, errsz, "a quote (\") is not closed");
			return -1;
		}
		vl = (size_t)(close - v - 1);
		v++;
		*p = close + 1;
		if (*p < end && lex_sp_len(*p, end) == 0) {
			snprintf(err, errsz, "a space is missing after a "
			    "closing quote");
			return -1;
		}
	} else {
		q = v;
		while (q < end && lex_sp_len(q, end) == 0)
			q++;
		vl = (size_t)(q - v);
		*p = q;
	}
	return asset_cmd_set(c, w, (size_t)(eq - w), v, vl, err, errsz);
}

static int
want_tag(struct asset_cmd *c, const char **p, const char *end, char *err,
    size_t errsz)
{
	const char *w;
	size_t n;
	int r;

	if ((r = next_word(p, end, &w, &n, err, errsz)) == -1)
		return -1;
	if (r == 0 || n == 0) {
		snprintf(err, errsz, "a tag is required");
		return -1;
	}
	if (asset_tag_parse(w, n, c->tag) == -1)
		return bad(err, errsz, "", w, n, "is not a tag (letters, "
		    "digits, '-', '_', '.', e.g. LAP-0042)");
	return 0;
}

static int
want_end(const char *p, const char *end, char *err, size_t errsz)
{
	p = lex_skip_sp(p, end);
	if (p == end)
		return 0;
	return bad(err, errsz, "", p, (size_t)(end - p), "was not expected");
}

int
asset_cmd_parse(const char *p, size_t len, struct asset_cmd *c, char *err,
    size_t errsz)
{
	static const struct {
		const char	*name;
		enum asset_op	 op;
	} ops[] = {
		{ "add", ASSET_OP_ADD }, { "give", ASSET_OP_GIVE },
		{ "return", ASSET_OP_RETURN }, { "status", ASSET_OP_STATUS },
		{ "note", ASSET_OP_NOTE }, { "show", ASSET_OP_SHOW },
	};
	const char *end = p + len, *w;
	size_t n, i;
	int r;

	if ((r = next_word(&p, end, &w, &n, err, errsz)) <= 0) {
		if (r == 0)
			snprintf(err, errsz, "add, give, return, status, note "
			    "or show is required");
		return -1;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == n &&
		    strncasecmp(ops[i].name, w, n) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return bad(err, errsz, "", w, n, "is not add, give, return, "
		    "status, note or show");
	c->op = ops[i].op;
	if (want_tag(c, &p, end, err, errsz) == -1)
		return -1;
	switch (c->op) {
	case ASSET_OP_ADD:
		if ((r = next_word(&p, end, &w, &n, err, errsz)) == -1)
			return -1;
		if (r == 0) {
			snprintf(err, errsz, "a type is required");
			return -1;
		}
		if (!name_ok(w, n, ASSET_TYPE_MAX))
			return bad(err, errsz, "", w, n, "is not a type");
		c->type = lower_dup(w, n);
		if ((r = next_word(&p, end, &w, &n, err, errsz)) == -1)
			return -1;
		if (r == 0) {
			snprintf(err, errsz, "a model is required (\"-\" for "
			    "none)");
			return -1;
		}
		if (memchr(w, '=', n) != NULL && w[-1] != '"')
			return bad(err, errsz, "", w, n, "is not a model "
			    "(quote it, or \"-\" for none)");
		if (!text_ok(w, n, ASSET_MODEL_MAX))
			return bad(err, errsz, "", w, n, "is not a model");
		c->model = n == 1 && w[0] == '-' ? xstrdup("") :
		    xstrndup(w, n);
		for (;;) {
			p = lex_skip_sp(p, end);
			if (p == end)
				break;
			if (key_value(c, &p, end, err, errsz) == -1)
				return -1;
		}
		return 0;
	case ASSET_OP_GIVE:
		if ((r = next_word(&p, end, &w, &n, err, errsz)) == -1)
			return -1;
		if (r == 0) {
			snprintf(err, errsz, "an address is required");
			return -1;
		}
		if (n > 0 && (w[n - 1] == ',' || w[n - 1] == ';'))
			n--;
		if ((c->owner = addr_of(w, n)) == NULL)
			return bad(err, errsz, "", w, n, "is not an address");
		return want_end(p, end, err, errsz);
	case ASSET_OP_STATUS:
		p = lex_skip_sp(p, end);
		if (p == end) {
			snprintf(err, errsz, "in-use, in-stock, in-repair or "
			    "retired is required");
			return -1;
		}
		w = p;
		while (w < end && lex_sp_len(w, end) == 0)
			w++;
		if ((c->status = asset_status_parse(p, (size_t)(w - p))) ==
		    NULL)
			return bad(err, errsz, "", p, (size_t)(w - p), "is not "
			    "in-use, in-stock, in-repair or retired");
		return want_end(w, end, err, errsz);
	case ASSET_OP_NOTE:
		w = lex_skip_sp(p, end);
		{
			const char *e = end;

			lex_trim(&w, &e);
			if (w == e) {
				snprintf(err, errsz, "a text is required");
				return -1;
			}
			if (!text_ok(w, (size_t)(e - w), ASSET_NOTE_MAX)) {
				snprintf(err, errsz, "the note is longer than "
				    "%d bytes", ASSET_NOTE_MAX);
				return -1;
			}
			c->note = xstrndup(w, (size_t)(e - w));
		}
		return 0;
	case ASSET_OP_RETURN:
	case ASSET_OP_SHOW:
		return want_end(p, end, err, errsz);
	default:
		break;
	}
	return -1;
}
