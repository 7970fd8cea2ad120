/*
 * rules.c — pure decisions of the ticket workflow.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"
#include "xmalloc.h"

/* Does the header value name addr (e.g. "it@corp.example" or "<it@…>")? */
static int
names_addr(const char *value, const char *addr)
{
	size_t n = strlen(addr);
	const char *p;
	int before, after;

	if (value == NULL || n == 0)
		return 0;
	for (p = value; *p != '\0'; p++) {
		if (strncasecmp(p, addr, n) != 0)
			continue;
		before = p == value || p[-1] == '<' || p[-1] == ' ';
		after = p[n] == '\0' || p[n] == '>' || p[n] == ' ';
		if (before && after)
			return 1;
	}
	return 0;
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
 * bounces and delivery reports, list and bulk mail. Issue-level detail
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
	    word_is(m->precedence, "junk") || word_is(m->precedence, "list"))) {
		*why = "Precedence: bulk, junk or list";
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
	if (names_addr(m->x_loop, cfg->helpdesk.address)) {
		*why = "carries our own X-Loop header";
		return RULES_LOOP;
	}
	if (strcasecmp(m->from_addr, cfg->helpdesk.address) == 0 ||
	    (cfg->smtp.from != NULL &&
	    strcasecmp(m->from_addr, cfg->smtp.from) == 0)) {
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
