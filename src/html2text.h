/*
 * html2text.h — readable text from an HTML part, through libxml2's HTML
 * parser (HTML_PARSE_NONET; nothing is fetched). Paragraphs and <br> become
 * line breaks, list items keep a bullet, links read "text <url>",
 * <script>/<style>/<head>/comments vanish, entities decode.
 * html2text.c is the only file that includes libxml2.
 */
#ifndef TICKETD_HTML2TEXT_H
#define TICKETD_HTML2TEXT_H

#include <stddef.h>

/* html: UTF-8. At most max bytes of output. Returns a new string. */
char	*html2text(const char *html, size_t len, size_t max);

/*
 * Call fn for each src= and background= attribute value in the HTML (as
 * libxml2 reads it: entities decoded), in document order, at most max
 * times. The value is borrowed for the call. Returns how many were found.
 * For matching inline images to the parts of a mail.
 */
size_t	html_image_refs(const char *html, size_t len, size_t max,
	    void (*fn)(const char *value, void *arg), void *arg);

#endif
