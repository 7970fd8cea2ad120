/*
 * rules.c — pure decisions of the ticket workflow.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "rules.h"
#include "xmalloc.h"

/*
 * Is addr the desk's address or one of its sub-addresses ("it+42@",
 * "it+control@", any "it+…@")? Local part and domain without case.
 */
int
rules_is_desk_addr(const char *addr, const char *desk)
{
	const char *at, *dat;
	size_t local, dlocal;

	if (addr == NULL || desk == NULL || (at = strrchr(addr, '@')) == NULL ||
	    (dat = strrchr(desk, '@')) == NULL || strcasecmp(at, dat) != 0)
		return 0;
	local = (size_t)(at - addr);
	dlocal = (size_t)(dat - desk);
	if (local < dlocal || strncasecmp(addr, desk, dlocal) != 0)
		return 0;
	return local == dlocal || addr[dlocal] == '+';
}

/* A character that ends an address inside a header value. */
static int
addr_stop(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '<' || c == '>' ||
	    c == ',' || c == ';' || c == '(' || c == ')' || c == '"' ||
	    c == '?';
}

/*
 * Up to max addresses (words with an "@", "mailto:" dropped) in a header
 * value, each a new string into out[]; returns how many.
 */
static size_t
addrs_in(const char *v, char **out, size_t max)
{
	const char *p = v, *q;
	size_t n = 0;

	while (v != NULL && *p != '\0' && n < max) {
		while (*p != '\0' && addr_stop(*p))
			p++;
		if (strncasecmp(p, "mailto:", 7) == 0)
			p += 7;
		for (q = p; !addr_stop(*q); q++)
			;
		if (q > p && memchr(p, '@', (size_t)(q - p)) != NULL &&
		    p[0] != '@' && q[-1] != '@' && (size_t)(q - p) <= 320)
			out[n++] = xstrndup(p, (size_t)(q - p));
		p = q;
	}
	return n;
}

/* Does a header value (X-Loop) name the desk or a sub-address of it? */
static int
names_desk(const char *value, const struct config *cfg)
{
	char *a[8];
	size_t i, n;
	int hit = 0;

	if (value == NULL)
		return 0;
	n = addrs_in(value, a, 8);
	for (i = 0; i < n; i++) {
		if (rules_is_desk_addr(a[i], cfg->helpdesk.address) ||
		    (cfg->smtp.from != NULL &&
		    rules_is_desk_addr(a[i], cfg->smtp.from)))
			hit = 1;
		free(a[i]);
	}
	return hit;
}

/* First word of a header value, e.g. "auto-replied" of "auto-replied; x". */
static int
word_is(const char *value, const char *word)
{
	size_t n = strlen(word);

	while (*value == ' ')
		value++;
	return strncasecmp(value, word, n) == 0 &&
	    (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/*
 * Subjects that out-of-office programs write when they set none of the
 * headers (Exchange, Gmail, Notes, in the common languages): only at the
 * start of the subject and followed by ':' or nothing, so "Re: out of
 * office printer" or "On vacation, no VPN" is a person.
 */
static int
vacation_subject(const char *s)
{
	static const char *const starts[] = {
		"Out of Office", "Out of the Office", "Automatic reply",
		"Auto-reply", "Autoreply", "Auto reply", "Auto response",
		"Autoresponse", "Vacation reply", "On vacation",
		"Abwesenheitsnotiz", "Automatische Antwort",
		"R\xc3\xa9ponse automatique", "Absence du bureau",
		"Respuesta autom\xc3\xa1tica", "Fuera de la oficina",
		"Risposta automatica", "Fuori sede", "Automatisch antwoord",
		"Afwezig", "Resposta autom\xc3\xa1tica", "Fora do escrit\xc3\xb3rio",
		"Autosvar", "Automaattinen vastaus",
		/* read receipts and delivery reports without the headers */
		"Read", "Not read", "Gelesen", "Ungelesen", "Lu", "Le\xc3\xad" "do",
		"Letto", "Gelezen", "Lido", "Delivered", "Undeliverable",
		"Unzustellbar", "Nicht zustellbar", "Non remis",
		"Delivery Status Notification", "Delivery Failure",
		"Delivery has failed", "Mail delivery failed", "Returned mail",
		"Undelivered Mail Returned to Sender", "Mail System Error",
		NULL
	};
	/* whole phrases that no person starts a subject with */
	static const char *const phrases[] = {
		"complaint about message from ", "Delivery Status Notification (",
		NULL
	};
	size_t i, n;

	if (s == NULL)
		return 0;
	for (i = 0; phrases[i] != NULL; i++)
		if (strncasecmp(s, phrases[i], strlen(phrases[i])) == 0)
			return 1;
	for (i = 0; starts[i] != NULL; i++) {
		n = strlen(starts[i]);
		if (strncasecmp(s, starts[i], n) == 0 && (s[n] == '\0' ||
		    s[n] == ':' || (s[n] == ' ' && s[n + 1] == ':')))
			return 1;
	}
	return 0;
}

/* The local part of a mail system's own address (RFC 5321 postmaster). */
static int
system_sender(const char *addr, size_t local)
{
	static const char *const names[] = { "mailer-daemon", "mailer_daemon",
	    "maildaemon", "mail-daemon", "postmaster", "post_master",
	    "post-master", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (local == strlen(names[i]) &&
		    strncasecmp(addr, names[i], local) == 0)
			return 1;
	return 0;
}

/*
 * Mail written by a program, never to be answered (RFC 3834): auto-replies,
 * bounces and delivery reports, bulk and junk mail. List mail (Precedence:
 * list among its signs) is rules_list_mail(): written by a person, it may
 * still be a ticket when addressed to the desk, and is never answered. Issue-level detail
 * (vacation subjects, recording bounces of our notices) comes with the
 * classifier; this is the guard against mail loops.
 */
static int
is_automatic(const struct mail *m, const char **why)
{
	const char *at;
	size_t local;

	if (m->auto_submitted != NULL && !word_is(m->auto_submitted, "no")) {
		*why = "Auto-Submitted: an automatic mail";
		return 1;
	}
	if (vacation_subject(m->subject)) {
		*why = "an out-of-office, receipt or delivery report subject";
		return 1;
	}
	if (m->flags & MAIL_F_AUTOREPLY_HDR) {
		*why = "an auto-reply header";
		return 1;
	}
	if (m->precedence != NULL && (word_is(m->precedence, "bulk") ||
	    word_is(m->precedence, "junk"))) {
		*why = "Precedence: bulk or junk";
		return 1;
	}
	if (m->return_path != NULL && m->return_path[0] == '\0') {
		*why = "null Return-Path: a bounce or report";
		return 1;
	}
	if (m->flags & MAIL_F_REPORT) {
		*why = "a delivery or disposition report";
		return 1;
	}
	if (m->from_addr == NULL)
		return 0;
	at = strrchr(m->from_addr, '@');
	local = at != NULL ? (size_t)(at - m->from_addr) : strlen(m->from_addr);
	if (system_sender(m->from_addr, local)) {
		*why = "sent by a mail system (MAILER-DAEMON, postmaster)";
		return 1;
	}
	return 0;
}

enum rules_verdict
rules_classify(const struct config *cfg, const struct mail *m, int parse_rc,
    const char **why)
{
	size_t i;

	*why = NULL;
	if (parse_rc != 0) {
		*why = "nothing readable in the mail";
		return RULES_FAILED;
	}
	if (is_automatic(m, why))
		return RULES_LOOP;
	if (m->from_addr == NULL) {
		*why = "no sender address to answer";
		return RULES_FAILED;
	}
	for (i = 0; i < m->nx_loops; i++)
		if (names_desk(m->x_loops[i], cfg)) {
			*why = "carries our own X-Loop header";
			return RULES_LOOP;
		}
	if (names_desk(m->x_loop, cfg)) {
		*why = "carries our own X-Loop header";
		return RULES_LOOP;
	}
	if (rules_is_desk_addr(m->from_addr, cfg->helpdesk.address) ||
	    (cfg->smtp.from != NULL &&
	    rules_is_desk_addr(m->from_addr, cfg->smtp.from))) {
		*why = "sent from the desk's own address";
		return RULES_LOOP;
	}
	return RULES_TICKET;
}

char *
rules_title(const struct mail *m)
{
	if (m->subject == NULL || m->subject[0] == '\0')
		return xstrdup("(no subject)");
	return xstrdup(m->subject);
}

char *
rules_subaddress(const char *desk, long long number)
{
	const char *at = strrchr(desk, '@');

	if (at == NULL)
		return xasprintf("%s+%lld", desk, number);
	return xasprintf("%.*s+%lld%s", (int)(at - desk), desk, number, at);
}

char *
rules_tagged_subject(const char *tag, long long number, const char *title)
{
	return xasprintf("[%s #%lld] %s", tag, number, title);
}

/* ---- list mail and robot senders: one table (ticketd(8), LIST MAIL) ---- */

enum auto_how {
	A_HDR,		/* a header field of this name is present */
	A_HDR_PREFIX,	/* a header field whose name starts so */
	A_HDR_WORD,	/* the field's value starts with the word in value */
	A_SENDER_PREFIX,	/* Sender:'s local part starts so */
	A_SENDER_SUFFIX,	/* Sender:'s local part ends so */
	A_SENDER_HOST,	/* Sender:'s domain starts so */
	A_LOCAL,	/* an address's local part is the word (before "+") */
	A_LOCAL_PREFIX,	/* … starts with the word, then nothing, a digit,
			 * "-", "_", "." or "+" */
	A_LOCAL_SUFFIX	/* … ends with the word */
};

static const struct auto_rule {
	enum auto_how	 how;
	const char	*what;	/* a header name, or a local-part word */
	const char	*value;	/* A_HDR_WORD: the word */
	const char	*why;
} auto_rules[] = {
	/* list mail: RFC 3834 section 2 (first match gives the reason) */
	{ A_HDR, "List-Id", NULL, "a List-Id header (RFC 2919)" },
	{ A_HDR_PREFIX, "List-", NULL,
	  "a List-* header (RFC 2369: List-Post, List-Unsubscribe, ...)" },
	{ A_HDR, "Mailing-List", NULL, "a Mailing-List header (ezmlm)" },
	{ A_HDR, "X-Mailing-List", NULL, "an X-Mailing-List header" },
	{ A_HDR, "X-ML-Name", NULL, "an X-ML-Name header (fml)" },
	{ A_HDR, "X-MLServer", NULL, "an X-MLServer header (fml)" },
	{ A_HDR, "X-Mailman-Version", NULL, "an X-Mailman-Version header" },
	{ A_HDR, "X-BeenThere", NULL, "an X-BeenThere header (Mailman)" },
	{ A_HDR, "X-Google-Group-Id", NULL,
	  "an X-Google-Group-Id header (Google Groups)" },
	{ A_HDR, "X-Listprocessor-Version", NULL,
	  "an X-Listprocessor-Version header (ListProc)" },
	{ A_HDR_PREFIX, "X-Sympa-", NULL, "an X-Sympa-* header (Sympa)" },
	{ A_HDR_PREFIX, "X-Listserver", NULL, "an X-Listserver header" },
	{ A_HDR_WORD, "Precedence", "list", "Precedence: list" },
	{ A_HDR_WORD, "X-Precedence", "list", "Precedence: list" },
	{ A_SENDER_PREFIX, "owner-", NULL,
	  "Sender: owner-... (Majordomo, Listserv, Sympa)" },
	{ A_SENDER_SUFFIX, "-request", NULL, "Sender: ...-request" },
	{ A_SENDER_SUFFIX, "-owner", NULL, "Sender: ...-owner" },
	{ A_SENDER_SUFFIX, "-bounces", NULL, "Sender: ...-bounces (Mailman)" },
	{ A_SENDER_HOST, "listserv.", NULL, "Sender: ...@LISTSERV.* (Listserv)" },
	/* robot senders: nobody reads replies */
	{ A_LOCAL_PREFIX, "no-reply", NULL, "a no-reply sender" },
	{ A_LOCAL_PREFIX, "noreply", NULL, "a noreply sender" },
	{ A_LOCAL_PREFIX, "no_reply", NULL, "a no_reply sender" },
	{ A_LOCAL_PREFIX, "do-not-reply", NULL, "a do-not-reply sender" },
	{ A_LOCAL_PREFIX, "donotreply", NULL, "a donotreply sender" },
	{ A_LOCAL_PREFIX, "do_not_reply", NULL, "a do_not_reply sender" },
	{ A_LOCAL_PREFIX, "bounce", NULL, "a bounce... sender (VERP)" },
	{ A_LOCAL_SUFFIX, "-bounces", NULL, "a ...-bounces sender" },
	{ A_LOCAL, "notifications", NULL, "a notifications robot" },
	{ A_LOCAL, "notification", NULL, "a notification robot" },
	{ A_LOCAL_PREFIX, "notifications", NULL, "a notifications robot" },
};

#define NAUTO	(sizeof(auto_rules) / sizeof(auto_rules[0]))

static int
is_list_rule(enum auto_how how)
{
	return how < A_LOCAL;
}

/* Does the local part of addr (before any "+") match the rule? */
static int
local_matches(const struct auto_rule *r, const char *addr)
{
	const char *at = strrchr(addr, '@'), *plus;
	size_t local, n = strlen(r->what);
	char c;

	if (at == NULL)
		return 0;
	local = (size_t)(at - addr);
	if ((plus = memchr(addr, '+', local)) != NULL && r->how != A_LOCAL_PREFIX)
		local = (size_t)(plus - addr);
	switch (r->how) {
	case A_LOCAL:
		return local == n && strncasecmp(addr, r->what, n) == 0;
	case A_LOCAL_PREFIX:
		if (local < n || strncasecmp(addr, r->what, n) != 0)
			return 0;
		c = local == n ? '\0' : addr[n];
		return c == '\0' || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '+' ||
		    /* "bounces", "notifications-" */
		    (c == 's' && (local == n + 1 || strchr("-_.+",
		    addr[n + 1]) != NULL));
	case A_LOCAL_SUFFIX:
		return local > n && strncasecmp(addr + local - n, r->what,
		    n) == 0;
	default:
		return 0;
	}
}

/* The first address in a Sender value, or NULL; caller frees. */
static char *
sender_addr(const struct mail *m)
{
	char *a[1];
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (strcasecmp(m->fields[i].name, "Sender") == 0 &&
		    addrs_in(m->fields[i].value, a, 1) == 1)
			return a[0];
	return NULL;
}

static int
sender_matches(const struct auto_rule *r, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t n = strlen(r->what), local;

	if (at == NULL)
		return 0;
	local = (size_t)(at - addr);
	switch (r->how) {
	case A_SENDER_PREFIX:
		return local > n && strncasecmp(addr, r->what, n) == 0;
	case A_SENDER_SUFFIX:
		return local > n && strncasecmp(addr + local - n, r->what,
		    n) == 0;
	case A_SENDER_HOST:
		return strncasecmp(at + 1, r->what, n) == 0;
	default:
		return 0;
	}
}

int
rules_list_mail(const struct mail *m, const char **why)
{
	const struct auto_rule *r;
	const struct mail_field *f;
	char *sender = sender_addr(m);
	size_t i, j, n;
	int hit = 0;

	*why = NULL;
	for (i = 0; i < NAUTO && !hit; i++) {
		r = &auto_rules[i];
		if (!is_list_rule(r->how))
			break;
		n = strlen(r->what);
		if (r->how >= A_SENDER_PREFIX) {
			hit = sender != NULL && sender_matches(r, sender);
		} else
			for (j = 0; j < m->nfields && !hit; j++) {
				f = &m->fields[j];
				if (r->how == A_HDR_PREFIX)
					hit = strncasecmp(f->name, r->what, n) == 0;
				else if (strcasecmp(f->name, r->what) != 0)
					continue;
				else if (r->how == A_HDR)
					hit = 1;
				else
					hit = word_is(f->value, r->value);
			}
		if (hit)
			*why = r->why;
	}
	free(sender);
	return hit;
}

int
rules_noreply_addr(const char *addr, const char **why)
{
	size_t i;

	*why = NULL;
	if (addr == NULL)
		return 0;
	for (i = 0; i < NAUTO; i++)
		if (!is_list_rule(auto_rules[i].how) &&
		    local_matches(&auto_rules[i], addr)) {
			*why = auto_rules[i].why;
			return 1;
		}
	return 0;
}

/* Add a to m->list_addrs unless there already or no plain address. */
static void
add_list_addr(struct mail *m, char *a)
{
	size_t i;
	char *p;

	for (p = a; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			break;
	if (*p != '\0' || m->nlist_addrs >= LIMIT_LIST_ADDRS) {
		free(a);
		return;
	}
	for (i = 0; i < m->nlist_addrs; i++)
		if (strcasecmp(m->list_addrs[i], a) == 0) {
			free(a);
			return;
		}
	if (m->list_addrs == NULL)
		m->list_addrs = xcalloc(LIMIT_LIST_ADDRS, sizeof(char *));
	m->list_addrs[m->nlist_addrs++] = a;
}

void
rules_list_addrs(struct mail *m)
{
	static const char *const names[] = { "List-Post", "List-Owner",
	    "X-Mailing-List", "Mailing-List", "X-BeenThere", "Sender",
	    "List-Help", NULL };
	char *a[LIMIT_LIST_ADDRS];
	size_t i, j, k, n;

	for (k = 0; names[k] != NULL; k++)
		for (i = 0; i < m->nfields; i++) {
			if (strcasecmp(m->fields[i].name, names[k]) != 0)
				continue;
			n = addrs_in(m->fields[i].value, a, LIMIT_LIST_ADDRS);
			for (j = 0; j < n; j++)
				add_list_addr(m, a[j]);
		}
}

int
rules_to_desk(const struct mail *m, const char *desk)
{
	const struct mail_addr *lists[3] = { m->to, m->cc, m->delivered_to };
	size_t counts[3] = { m->nto, m->ncc, m->ndelivered_to };
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < counts[i]; j++)
			if (rules_is_desk_addr(lists[i][j].addr, desk))
				return 1;
	return 0;
}
