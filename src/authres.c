/*
 * authres.c — RFC 8601 Authentication-Results, read to decide whether a
 * mail's From is authenticated (see authres.h for the trust model).
 * Pure: no I/O, no allocation; one pass over each value, so linear time.
 *
 * Grammar (RFC 8601 section 2.2, CFWS from RFC 5322):
 *   payload  = [CFWS] authserv-id [CFWS authres-version]
 *              ( [CFWS] ";" [CFWS] "none" / 1*resinfo ) [CFWS]
 *   resinfo  = [CFWS] ";" method ["/" version] "=" result
 *              [CFWS reasonspec] [CFWS 1*propspec]
 *   propspec = ptype "." property "=" pvalue
 *   pvalue   = value / [[local-part] "@"] domain-name
 * Comments nest and may hold quoted pairs; quoted strings may hold quoted
 * pairs. CR and LF count as white space, so folded values work too.
 *
 * Decisions and leniency:
 * - The authserv-id must be a bare RFC 2045 token at the start (white
 *   space before it allowed). A quoted or comment-prefixed id is not ours
 *   (see authres.h).
 * - A version, when present, must be 1 (leading zeros allowed); a field of
 *   another version is ignored as RFC 8601 section 2.2 asks.
 * - Keywords (method, result, ptype, property) are letters, digits, "-"
 *   and "_", compared case-insensitively.
 * - Accepted beyond the grammar: "key=value" without a ptype (Microsoft's
 *   "action=none", "reason" after properties); a trailing ";"; empty
 *   resinfos (";;"); an empty pvalue ("smtp.mailfrom="); values holding
 *   "/", "+", "=", "<", ">" unquoted (header.b=, RFC 2045 would quote them).
 *   None of these can make a result appear where the MTA wrote none:
 *   results only start after a ";" outside comments and quoted strings.
 * - Rejected (the whole field counts for nothing): an unterminated comment
 *   or quoted string, a stray ")", "\" outside quotes, a result without
 *   "=", a property without "=", a header.d/header.i/header.from twice in
 *   one result, more than LIMIT_AUTHRES_RESULTS results, a value over
 *   LIMIT_AUTHRES_BYTES.
 * - A domain in header.d/header.i/header.from is unquoted, takes the part
 *   after the last "@", drops one trailing dot, and must be non-empty with
 *   no empty label and only bytes above space other than "@" and the RFC
 *   5322 specials; otherwise it is aligned with nothing.
 */
#include <stdio.h>
#include <string.h>

#include "authres.h"
#include "lex.h"
#include "limits.h"

#define DOM_MAX		256	/* longest domain we compare (DNS: 253) */
#define VAL_MAX		(LIMIT_ADDR_BYTES + 1)	/* decoded header.i etc. */
#define VIS_MAX		80	/* most bytes of mail text shown in why */
#define MSG_MAX		512

/* How useful an explanation is; a higher rank replaces a lower one. */
enum rank {
	R_NOTHING,	/* no counting field at all */
	R_MALFORMED,	/* a counting field we could not read */
	R_NORESULT,	/* a counting field without dmarc or dkim */
	R_SPF,		/* only spf=pass */
	R_FAIL,		/* dmarc or dkim with a result other than pass */
	R_UNALIGNED	/* a pass for another domain */
};

struct scan {
	const char	*p;
	size_t		 len;
	size_t		 off;
	const char	*err;	/* set on the first syntax error */
};

struct span {
	const char	*p;	/* NULL: absent */
	size_t		 len;
};

/* One field's verdict, merged into the mail's only if the field parsed. */
struct verdict {
	int		 verified;
	enum rank	 rank;
	char		 msg[MSG_MAX];
	int		 veto;		/* a dmarc result other than pass for From */
	char		 vmsg[MSG_MAX];
};

static int
ci_eqz(const char *a, size_t alen, const char *z)
{
	return lex_ci_eq(a, alen, z, strlen(z));
}

/*
 * Printable ASCII copy of untrusted text for a why line: other bytes
 * become "?", more than VIS_MAX bytes end in "...".
 */
static const char *
vis(char *dst, size_t dstsz, const char *p, size_t len)
{
	return lex_vis_ascii(dst, dstsz, p, len, VIS_MAX);
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_kw(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* RFC 2045 token character. */
static int
is_token(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A byte of an unquoted pvalue (lenient, see the top of the file). */
static int
is_pv(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return c != ';' && c != '(' && c != ')' && c != '"' && c != '\\';
}

static int
at_end(const struct scan *s)
{
	return s->off >= s->len;
}

static unsigned char
cur(const struct scan *s)
{
	return (unsigned char)s->p[s->off];
}

static int
fail(struct scan *s, const char *err)
{
	if (s->err == NULL)
		s->err = err;
	return -1;
}

/* Skip white space and (nested) comments. -1 on an unterminated comment. */
static int
skip_cfws(struct scan *s)
{
	size_t depth;

	for (;;) {
		while (!at_end(s) && is_wsp(cur(s)))
			s->off++;
		if (at_end(s) || cur(s) != '(')
			return 0;
		depth = 0;
		do {
			if (at_end(s))
				return fail(s, "unterminated comment");
			switch (cur(s)) {
			case '(':
				depth++;
				break;
			case ')':
				depth--;
				break;
			case '\\':
				if (s->off + 1 < s->len)
					s->off++;
				break;
			default:
				break;
			}
			s->off++;
		} while (depth > 0);
	}
}

/* Skip a quoted string starting at '"'. -1 when unterminated. */
static int
skip_quoted(struct scan *s)
{
	s->off++;
	for (;;) {
		if (at_end(s))
			return fail(s, "unterminated quoted string");
		if (cur(s) == '"') {
			s->off++;
			return 0;
		}
		if (cur(s) == '\\' && s->off + 1 < s->len)
			s->off++;
		s->off++;
	}
}

static struct span
scan_keyword(struct scan *s)
{
	struct span k;

	k.p = s->p + s->off;
	k.len = 0;
	while (!at_end(s) && is_kw(cur(s))) {
		s->off++;
		k.len++;
	}
	return k;
}

/* A pvalue after "=": quoted strings and unquoted runs, no space between. */
static int
scan_pvalue(struct scan *s, struct span *v)
{
	if (skip_cfws(s) == -1)
		return -1;
	v->p = s->p + s->off;
	for (;;) {
		if (at_end(s))
			break;
		if (cur(s) == '"') {
			if (skip_quoted(s) == -1)
				return -1;
		} else if (is_pv(cur(s)))
			s->off++;
		else
			break;
	}
	v->len = (size_t)(s->p + s->off - v->p);
	return 0;
}

/*
 * Decode a raw pvalue (quotes removed, quoted pairs resolved) into dst.
 * Returns the length, or -1 when it does not fit.
 */
static int
decode(const struct span *v, char *dst, size_t dstsz)
{
	size_t i, o;
	int inq;

	o = 0;
	inq = 0;
	for (i = 0; i < v->len; i++) {
		char c = v->p[i];

		if (c == '"') {
			inq = !inq;
			continue;
		}
		if (inq && c == '\\' && i + 1 < v->len)
			c = v->p[++i];
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return (int)o;
}

/*
 * The domain in a property value: after the last "@", one trailing dot
 * dropped, checked. Returns the length written to dom, or -1 when there
 * is no usable domain.
 */
static int
value_domain(const struct span *v, char *dom, size_t domsz)
{
	char buf[VAL_MAX];
	const char *d, *at;
	int n;
	size_t len, i;

	n = decode(v, buf, sizeof(buf));
	if (n < 0)
		return -1;
	at = strrchr(buf, '@');
	d = at != NULL ? at + 1 : buf;
	len = strlen(d);
	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len >= domsz)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c <= 0x20 || c == 0x7f || strchr("()<>[]:;@\\,\"", c))
			return -1;
		if (c == '.' && (i == 0 || d[i - 1] == '.'))
			return -1;
	}
	memcpy(dom, d, len);
	dom[len] = '\0';
	return (int)len;
}

/* Is b a proper subdomain of a, with a holding at least two labels? */
static int
is_sub(const char *a, size_t alen, const char *b, size_t blen)
{
	if (blen <= alen + 1 || memchr(a, '.', alen) == NULL)
		return 0;
	return b[blen - alen - 1] == '.' &&
	    lex_ci_eq(b + blen - alen, alen, a, alen);
}

static int
aligned(const char *d, const char *from)
{
	size_t dl = strlen(d), fl = strlen(from);

	return lex_ci_eq(d, dl, from, fl) || is_sub(d, dl, from, fl) ||
	    is_sub(from, fl, d, dl);
}

static void
note(struct verdict *v, enum rank r, const char *msg)
{
	if (v->verified || r <= v->rank)
		return;
	v->rank = r;
	snprintf(v->msg, sizeof(v->msg), "%s", msg);
}

/* One result with the properties we use, judged into the field's verdict. */
struct res {
	struct span	 method, result;
	struct span	 hd, hi, hfrom;	/* header.d, header.i, header.from */
};

static void
judge(const struct res *r, const char *id, const char *from,
    struct verdict *v, int *dmarc_ok, char *dkim_ok, size_t dkim_oksz)
{
	char dom[DOM_MAX], vd[VIS_MAX + 4], vm[VIS_MAX + 4], msg[MSG_MAX];
	int pass, isdmarc, isdkim;

	isdmarc = ci_eqz(r->method.p, r->method.len, "dmarc");
	isdkim = ci_eqz(r->method.p, r->method.len, "dkim");
	pass = ci_eqz(r->result.p, r->result.len, "pass");
	if (isdmarc && pass) {
		if (r->hfrom.p == NULL) {
			*dmarc_ok = 1;
			return;
		}
		if (value_domain(&r->hfrom, dom, sizeof(dom)) != -1 &&
		    ci_eqz(dom, strlen(dom), from)) {
			*dmarc_ok = 1;
			return;
		}
		snprintf(msg, sizeof(msg), "dmarc=pass for %s does not "
		    "match From domain %s", vis(vd, sizeof(vd), r->hfrom.p,
		    r->hfrom.len), from);
		note(v, R_UNALIGNED, msg);
	} else if (isdkim && pass) {
		const struct span *sp = r->hd.p != NULL ? &r->hd : &r->hi;

		if (sp->p == NULL) {
			snprintf(msg, sizeof(msg), "dkim=pass without "
			    "header.d or header.i from %s", id);
			note(v, R_UNALIGNED, msg);
			return;
		}
		if (value_domain(sp, dom, sizeof(dom)) != -1 &&
		    aligned(dom, from)) {
			if (dkim_ok[0] == '\0')
				snprintf(dkim_ok, dkim_oksz, "%s", dom);
			return;
		}
		snprintf(msg, sizeof(msg), "dkim=pass for %s is not aligned "
		    "with %s", vis(vd, sizeof(vd), sp->p, sp->len), from);
		note(v, R_UNALIGNED, msg);
	} else if (isdmarc || isdkim) {
		snprintf(msg, sizeof(msg), "%s=%s from %s",
		    isdmarc ? "dmarc" : "dkim",
		    vis(vm, sizeof(vm), r->result.p, r->result.len), id);
		note(v, R_FAIL, msg);
		/*
		 * The MTA's DMARC verdict on From's domain, other than pass,
		 * wins over any pass (Microsoft's "bestguesspass" is no
		 * verdict: no policy was published).
		 */
		if (isdmarc && !v->veto && !ci_eqz(r->result.p, r->result.len,
		    "bestguesspass") && (r->hfrom.p == NULL ||
		    (value_domain(&r->hfrom, dom, sizeof(dom)) != -1 &&
		    ci_eqz(dom, strlen(dom), from)))) {
			v->veto = 1;
			if (snprintf(v->vmsg, sizeof(v->vmsg), "%.400s (it "
			    "wins over any pass)", msg) < 0)
				v->vmsg[0] = '\0';
		}
	} else if (pass && ci_eqz(r->method.p, r->method.len, "spf")) {
		snprintf(msg, sizeof(msg), "only spf=pass from %s, which is "
		    "not aligned with From", id);
		note(v, R_SPF, msg);
	}
}

/* Store a property we use; -1 when it was given twice. */
static int
keep_prop(struct scan *s, struct res *r, const struct span *ptype,
    const struct span *prop, const struct span *val)
{
	struct span *dst = NULL;

	if (!ci_eqz(ptype->p, ptype->len, "header"))
		return 0;
	if (ci_eqz(prop->p, prop->len, "d"))
		dst = &r->hd;
	else if (ci_eqz(prop->p, prop->len, "i"))
		dst = &r->hi;
	else if (ci_eqz(prop->p, prop->len, "from"))
		dst = &r->hfrom;
	if (dst == NULL)
		return 0;
	if (dst->p != NULL)
		return fail(s, "property given twice");
	*dst = *val;
	return 0;
}

/* The properties after a result, up to ";" or the end. */
static int
parse_props(struct scan *s, struct res *r)
{
	struct span ptype, prop, val;

	for (;;) {
		if (skip_cfws(s) == -1)
			return -1;
		if (at_end(s) || cur(s) == ';')
			return 0;
		ptype = scan_keyword(s);
		if (ptype.len == 0)
			return fail(s, "unexpected character");
		if (skip_cfws(s) == -1)
			return -1;
		prop.p = NULL;
		prop.len = 0;
		if (!at_end(s) && cur(s) == '.') {
			s->off++;
			if (skip_cfws(s) == -1)
				return -1;
			prop = scan_keyword(s);
			if (prop.len == 0)
				return fail(s, "property name expected");
			if (skip_cfws(s) == -1)
				return -1;
		}
		if (at_end(s) || cur(s) != '=')
			return fail(s, "\"=\" expected after a property");
		s->off++;
		if (scan_pvalue(s, &val) == -1)
			return -1;
		if (prop.p != NULL && keep_prop(s, r, &ptype, &prop, &val) == -1)
			return -1;
	}
}

/*
 * The results after the authserv-id (at ";" or the end). Judges each into
 * v; -1 on a syntax error.
 */
static int
parse_results(struct scan *s, const char *id, const char *from,
    struct verdict *v, int *dmarc_ok, char *dkim_ok, size_t dkim_oksz)
{
	struct res r;
	size_t nres = 0;

	while (!at_end(s)) {
		/* at ';' */
		s->off++;
		if (skip_cfws(s) == -1)
			return -1;
		if (at_end(s))
			break;
		if (cur(s) == ';')
			continue;
		memset(&r, 0, sizeof(r));
		r.method = scan_keyword(s);
		if (r.method.len == 0)
			return fail(s, "method expected");
		if (skip_cfws(s) == -1)
			return -1;
		if (!at_end(s) && cur(s) == '/') {
			s->off++;
			if (skip_cfws(s) == -1)
				return -1;
			if (scan_keyword(s).len == 0)
				return fail(s, "method version expected");
			if (skip_cfws(s) == -1)
				return -1;
		}
		if (at_end(s) || cur(s) != '=') {
			if (nres == 0 && ci_eqz(r.method.p, r.method.len,
			    "none") && at_end(s))
				return 0;	/* "; none" */
			return fail(s, "\"=\" expected after a method");
		}
		s->off++;
		if (skip_cfws(s) == -1)
			return -1;
		r.result = scan_keyword(s);
		if (r.result.len == 0)
			return fail(s, "result expected");
		if (++nres > LIMIT_AUTHRES_RESULTS)
			return fail(s, "too many results");
		if (parse_props(s, &r) == -1)
			return -1;
		judge(&r, id, from, v, dmarc_ok, dkim_ok, dkim_oksz);
	}
	return 0;
}

enum field { F_FOREIGN, F_MALFORMED, F_COUNTED };

/*
 * Read one value. Returns F_FOREIGN when it is not from authserv_id (v
 * untouched), F_MALFORMED with the reason in v->msg, or F_COUNTED with v
 * filled.
 */
static enum field
read_field(const char *p, size_t len, int toolong, const char *authserv,
    const char *id, const char *from, struct verdict *v)
{
	struct scan s;
	struct span tok;
	char dkim_ok[DOM_MAX];
	int dmarc_ok = 0;
	unsigned long ver;

	memset(&s, 0, sizeof(s));
	s.p = p;
	s.len = len;
	while (!at_end(&s) && is_wsp(cur(&s)))
		s.off++;
	tok.p = p + s.off;
	tok.len = 0;
	while (!at_end(&s) && is_token(cur(&s))) {
		s.off++;
		tok.len++;
	}
	if (!ci_eqz(tok.p, tok.len, authserv))
		return F_FOREIGN;
	if (toolong) {
		snprintf(v->msg, sizeof(v->msg), "Authentication-Results "
		    "from %s longer than %d bytes ignored", id,
		    LIMIT_AUTHRES_BYTES);
		return F_MALFORMED;
	}
	/* the id must end here: "mx.corp.example=x" is another token */
	if (!at_end(&s) && !is_wsp(cur(&s)) && cur(&s) != ';' &&
	    cur(&s) != '(') {
		fail(&s, "bad authserv-id");
		goto bad;
	}
	if (skip_cfws(&s) == -1)
		goto bad;
	if (!at_end(&s) && cur(&s) >= '0' && cur(&s) <= '9') {
		ver = 0;
		while (!at_end(&s) && cur(&s) >= '0' && cur(&s) <= '9') {
			if (ver < 1000)
				ver = ver * 10 + (cur(&s) - '0');
			s.off++;
		}
		if (ver != 1) {
			snprintf(v->msg, sizeof(v->msg), "Authentication-"
			    "Results from %s of an unknown version ignored",
			    id);
			return F_MALFORMED;
		}
		if (skip_cfws(&s) == -1)
			goto bad;
	}
	if (!at_end(&s) && cur(&s) != ';') {
		fail(&s, "\";\" expected after the authserv-id");
		goto bad;
	}
	dkim_ok[0] = '\0';
	if (parse_results(&s, id, from, v, &dmarc_ok, dkim_ok,
	    sizeof(dkim_ok)) == -1)
		goto bad;
	if (dmarc_ok) {
		v->verified = 1;
		snprintf(v->msg, sizeof(v->msg), "dmarc=pass from %s", id);
	} else if (dkim_ok[0] != '\0') {
		char vd[VIS_MAX + 4];

		v->verified = 1;
		snprintf(v->msg, sizeof(v->msg), "dkim=pass for %s from %s",
		    vis(vd, sizeof(vd), dkim_ok, strlen(dkim_ok)), id);
	} else if (v->rank == R_NOTHING) {
		v->rank = R_NORESULT;
		snprintf(v->msg, sizeof(v->msg), "no dmarc or dkim result in "
		    "Authentication-Results from %s", id);
	}
	return F_COUNTED;
bad:
	snprintf(v->msg, sizeof(v->msg), "malformed Authentication-Results "
	    "from %s: %s at byte %zu", id, s.err, s.off);
	return F_MALFORMED;
}

static void
put_why(char *why, size_t whysz, const char *msg)
{
	if (why != NULL && whysz > 0)
		snprintf(why, whysz, "%s", msg);
}

/* Does the value start with our authserv-id as a bare token? */
static int
is_ours(const char *p, size_t len, const char *authserv)
{
	size_t i = 0, start;

	while (i < len && is_wsp((unsigned char)p[i]))
		i++;
	start = i;
	while (i < len && is_token((unsigned char)p[i]))
		i++;
	return ci_eqz(p + start, i - start, authserv);
}

/*
 * The verdict over the fields (values[] when f is NULL: every one in the
 * MTA's block). See authres.h for the rule.
 */
static int
verify(const char *const *values, const struct authres_field *f, size_t n,
    const char *authserv_id, const char *from_domain, char *why,
    size_t whysz)
{
	struct verdict best, v;
	char from[DOM_MAX], id[VIS_MAX + 4], msg[MSG_MAX];
	const char *fd, *at, *val;
	size_t i, len, nlook, nforeign = 0, nout = 0, r0 = 0;
	int first = 1, verified = 0, zone = 0;

	if (authserv_id == NULL || authserv_id[0] == '\0') {
		put_why(why, whysz, "no authserv_id configured");
		return 0;
	}
	vis(id, sizeof(id), authserv_id, strlen(authserv_id));
	fd = from_domain != NULL ? from_domain : "";
	at = strrchr(fd, '@');
	if (at != NULL)
		fd = at + 1;
	len = strlen(fd);
	if (len > 0 && fd[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(from)) {
		put_why(why, whysz, "no usable From domain");
		return 0;
	}
	memcpy(from, fd, len);
	from[len] = '\0';
	vis(msg, sizeof(msg), from, len);
	if (strcmp(msg, from) != 0) {
		put_why(why, whysz, "no usable From domain");
		return 0;
	}

	memset(&best, 0, sizeof(best));
	nlook = n > LIMIT_AUTHRES_HEADERS ? LIMIT_AUTHRES_HEADERS : n;
	for (i = 0; i < nlook; i++) {
		enum field fl;

		val = f != NULL ? f[i].value : values != NULL ? values[i] : NULL;
		if (val == NULL)
			continue;
		len = strnlen(val, (size_t)LIMIT_AUTHRES_BYTES + 1);
		if (!is_ours(val, len, authserv_id)) {
			nforeign++;
			continue;
		}
		if (f != NULL) {
			/* the MTA's block: see authres.h */
			if (f[i].top && !zone) {
				zone = 1;
				r0 = f[i].received;
			}
			if (!f[i].top || f[i].received != r0) {
				nout++;
				continue;
			}
		}
		memset(&v, 0, sizeof(v));
		fl = read_field(val, len, len > LIMIT_AUTHRES_BYTES,
		    authserv_id, id, from, &v);
		if (fl == F_FOREIGN) {
			nforeign++;
			continue;
		}
		if (fl == F_MALFORMED)
			v.rank = R_MALFORMED;
		else if (v.veto) {
			/* the MTA said no for From's domain: that wins */
			put_why(why, whysz, v.vmsg);
			return 0;
		} else if (v.verified && !verified) {
			verified = 1;
			best = v;
			continue;
		}
		if (!verified && (first || v.rank > best.rank))
			best = v;
		first = 0;
	}
	if (verified) {
		put_why(why, whysz, best.msg);
		return 1;
	}
	if (first) {
		len = (size_t)snprintf(msg, sizeof(msg),
		    "no Authentication-Results from %s", id);
		if (nout > 0 && len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
			    " in the receiving server's block at the top of the "
			    "header (%zu further down ignored)", nout);
		if (nforeign > 0 && len < sizeof(msg))
			snprintf(msg + len, sizeof(msg) - len, " (%zu with "
			    "another authserv-id ignored)", nforeign);
		if (n > nlook && strlen(msg) < sizeof(msg))
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    " (only the first %d looked at)",
			    LIMIT_AUTHRES_HEADERS);
		put_why(why, whysz, msg);
		return 0;
	}
	put_why(why, whysz, best.msg);
	return 0;
}

int
authres_verified(const char *const *values, size_t n,
    const char *authserv_id, const char *from_domain, char *why,
    size_t whysz)
{
	return verify(values, NULL, n, authserv_id, from_domain, why, whysz);
}

int
authres_verified_at(const struct authres_field *fields, size_t n,
    const char *authserv_id, const char *from_domain, char *why,
    size_t whysz)
{
	if (fields == NULL)
		n = 0;
	return verify(NULL, fields, n, authserv_id, from_domain, why, whysz);
}
