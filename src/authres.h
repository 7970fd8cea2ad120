/*
 * authres.h — is the sender of a mail authenticated, going by the
 * Authentication-Results header fields (RFC 8601) that the local MTA added?
 * Pure: no I/O, no allocation.
 *
 * Trust model. Anyone can write an Authentication-Results field into a
 * mail. Only fields whose authserv-id equals the configured authserv_id
 * ([helpdesk] authserv_id) are looked at; all others are ignored. That is
 * only safe when the local MTA (or its milter) removes every incoming
 * Authentication-Results field that claims this authserv-id before adding
 * its own, as RFC 8601 section 5 requires — OpenDMARC, OpenDKIM,
 * authentication_milter and rspamd can all do that; check that yours does.
 * This module cannot tell the MTA's field from a forged copy that the MTA
 * let through: every field carrying our authserv-id counts, wherever it
 * stands in the header.
 *
 * The sender is authenticated when a counting field holds
 *   - dmarc=pass, with header.from (when present) equal to the From domain;
 *   - or dkim=pass whose header.d (or, without header.d, the domain of
 *     header.i) is aligned with the From domain.
 * spf=pass alone never counts: SPF checks the envelope sender, which need
 * not be the From domain. A dmarc=fail next to an aligned dkim=pass does not
 * veto it (the signature still proves the From domain's DNS signed it).
 * A dmarc=pass without header.from is taken to be about the mail's From:
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

/*
 * values: the n Authentication-Results field bodies of one mail (the text
 * after "Authentication-Results:", unfolded or not), top of the header
 * first; NUL-terminated; NULL entries are skipped. authserv_id: the
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
