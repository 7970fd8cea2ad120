/*
 * quote.h — strip what a reply repeats from its text before it is stored
 * as a comment: ">"-quoted blocks, the attribution line before them ("On …
 * wrote:" in en, de, fr, es, it, nl, pt, also wrapped over two lines),
 * Outlook's "-----Original Message-----" and "From: … Sent: … To: …
 * Subject:" header blocks (also in de/fr/es/it/nl/pt: Von/Gesendet/An/
 * Betreff, De/Envoyé/À/Objet, …) with everything after them, and the "-- "
 * signature. Quoted lines in the middle of the text (inline replies) are
 * dropped, the replier's own lines around them are kept. Pure: no I/O.
 */
#ifndef TICKETD_QUOTE_H
#define TICKETD_QUOTE_H

#include <stddef.h>

/*
 * Return the text a person wrote as a new string: LF line ends, leading and
 * trailing blank lines trimmed. When stripping would leave nothing (a reply
 * that is all quote), the original text is returned whole.
 */
char	*quote_strip(const char *text, size_t len);

#endif
