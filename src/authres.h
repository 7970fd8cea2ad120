/*
 * authres.h — is the sender of a mail authenticated, going by the
 * Authentication-Results header fields (RFC 8601) that the local MTA added?
 * Pure: no I/O, no allocation.
 *
 * Trust model. Anyone can write an Authentication-Results field into a
 * mail. Only fields whose authserv-id equals the configured authserv_id
 * ([helpdesk] authserv_id) are looked at; all others are ignored. RFC 8601
 * section 5 asks the receiving MTA to delete every incoming field that
 * claims its authserv-id; ticketd(8) asks for that too (ticketd.conf(5)
 * names the settings), and on top of it trusts only the fields that stand
 * where the receiving server puts its own.
 *
 * Where the receiving server's fields stand. An MTA and its filters add
 * fields at the top of the header; everything the sender wrote, including
 * any Received or Authentication-Results lines of their own, comes below
 * what our servers added (RFC 5321 section 4.4, RFC 8601 sections 5 and
 * 7.5). The real placements, from the programs' source and manuals:
 *   - Postfix with OpenDKIM/OpenDMARC (upstream): the milters insert at
 *     index 1, and Postfix counts its own Received as the first header for
 *     inserts (milter8.c), so the fields sit right BELOW Postfix's
 *     Received (SpamAssassin's AuthRes plugin lists OpenDKIM, OpenDMARC
 *     and amavisd-milter as filters that do not put them above it);
 *   - Debian's OpenDKIM (insheader patch) inserts at index 0: right ABOVE
 *     Postfix's Received; rspamd's milter_headers adds its field with
 *     order 1, Exim's documented ":at_start:" puts it at the start: next
 *     to the MTA's own Received, above or below;
 *   - the delivery agent then adds its own fields on top: Dovecot LMTP a
 *     Return-Path, a Delivered-To and a Received; a content filter that
 *     re-injects (amavisd-new) a Received and X-Virus-/X-Spam- fields.
 * The rule, given the place of every field (struct authres_field, filled
 * by mime_header.c from the raw header):
 *   1. A field counts only in the top block: no field stands above it but
 *      trace fields (Received, Return-Path, Delivered-To, X-Original-To,
 *      Envelope-To, X-Envelope-*, Authentication-Results, ARC-*, and the
 *      filters' X-Spam*, X-Virus*, X-Amavis*, X-Rspamd*, X-Spamd*,
 *      X-Greylist*). A field below From, Subject, Message-ID, DKIM-Signature
 *      or any other field a mail program writes came with the message.
 *   2. The topmost field of ours in that block fixes the place: only fields
 *      with exactly as many Received fields above them count. So the scan
 *      stops at the first Received below our first field: the delivery
 *      agent's Received lines above it are ours; a Received below it is
 *      the MTA's own (its fields were put above it) or one the sender
 *      wrote, and nothing below it was written by our MTA's filters.
 *   3. When several fields of ours count, a DMARC result other than pass
 *      for From's domain (fail, none, temperror, …) in any of them wins
 *      over every pass: the mail is not authenticated.
 * What this refuses: a forged field anywhere below the first field that
 * the sender's program wrote; a forged field below a Received that is
 * below our first field (the sender's own Received lines, or the MTA's
 * when its fields go above it); a forged pass next to the MTA's fail or
 * none. What it cannot refuse: a forged field written as the very first
 * field of the mail, which lands right below the MTA's fields (or, when
 * the MTA added none, where they would have been) -- no position tells it
 * from the MTA's own. Only the MTA can remove it; hence the requirement
 * above. DKIM results are no veto: a broken aligned signature next to a
 * DMARC pass through SPF is real mail.
 *
 * The sender is authenticated when a counting field holds
 *   - dmarc=pass, with header.from (when present) equal to the From domain;
 *   - or dkim=pass whose header.d (or, without header.d, the domain of
 *     header.i) is aligned with the From domain.
 * spf=pass alone never counts: SPF checks the envelope sender, which need
 * not be the From domain. A dmarc result other than pass for From's domain
 * vetoes an aligned dkim=pass too, in the same field or another (rule 3;
 * "bestguesspass", Microsoft's word for "no policy published", is neither
 * a pass nor a veto). A dmarc=pass without header.from is taken to be about the mail's From:
 * the caller should not rely on this module for a mail with more than one
 * From header field (the MTA may have judged another one than ours).
 *
 * Alignment is relaxed and done without the Public Suffix List: the domains
 * are aligned when equal (case-insensitively, a trailing dot ignored) or
 * when one is a subdomain of the other and the shorter one has at least two
 * labels. Consequences: a signature by any subdomain of the From domain, or
 * by any parent domain of two or more labels, is accepted — so d=co.uk
 * would be aligned with corp.co.uk (registries do not sign mail, so this is
 * theoretical), while siblings (a.corp.example and b.corp.example), which
 * DMARC with a PSL would align, are not. Internationalised domains are
 * compared as written (no U-label/A-label conversion).
 *
 * Microsoft 365 writes its Authentication-Results without an authserv-id
 * ("spf=pass (sender IP is …) …"); such fields cannot be told from forged
 * ones and never count. The same holds for an ARC-style "i=1; host; …"
 * value, for an authserv-id written as a quoted string or after a comment
 * (a stripping filter comparing the bare token would let those through),
 * and for a field with a version other than 1.
 *
 * A counting field that is malformed (RFC 8601 grammar, with the leniency
 * listed in authres.c) counts for nothing as a whole: no part of it is
 * believed. Caps: LIMIT_AUTHRES_BYTES per value, LIMIT_AUTHRES_RESULTS
 * results per value, the first LIMIT_AUTHRES_HEADERS values (the MTA adds
 * its own on top).
 */
#ifndef TICKETD_AUTHRES_H
#define TICKETD_AUTHRES_H

#include <stddef.h>

/* One Authentication-Results field and where it stood (see the rule above). */
struct authres_field {
	const char	*value;		/* the field body; NULL is skipped */
	int		 top;		/* 1: only trace fields above it */
	size_t		 received;	/* Received fields above it */
};

/*
 * The mail's fields, top first, with their places: the rule above, then as
 * authres_verified(). why then also says how many fields of ours were
 * ignored for their place ("no Authentication-Results from mx in the
 * receiving server's block at the top of the header (1 further down
 * ignored)"), or which result won over a pass ("dmarc=fail from mx (it
 * wins over any pass)").
 */
int	authres_verified_at(const struct authres_field *fields, size_t n,
	    const char *authserv_id, const char *from_domain,
	    char *why, size_t whysz);

/*
 * values: the n Authentication-Results field bodies of one mail (the text
 * after "Authentication-Results:", unfolded or not), top of the header
 * first, all taken to stand in the receiving server's block (rules 1 and 2
 * above are the caller's; rule 3 holds); NUL-terminated; NULL entries are
 * skipped. authserv_id: the
 * configured one. from_domain: the domain of the From address (a whole
 * address is accepted too: the part after the last "@" is used).
 *
 * Returns 1 when the sender is authenticated, 0 when not (also for any
 * malformed or missing input). why (may be NULL when whysz is 0) receives
 * one line saying why, e.g. "dmarc=pass from mx.corp.example",
 * "no Authentication-Results from mx.corp.example", "dkim=pass for
 * evil.example is not aligned with corp.example"; text from the mail in it
 * is reduced to printable ASCII and cut; the line is cut to whysz - 1.
 */
int	authres_verified(const char *const *values, size_t n,
	    const char *authserv_id, const char *from_domain,
	    char *why, size_t whysz);

#endif
