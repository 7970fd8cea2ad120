/*
 * thread.h — recognising which ticket a reply belongs to, from the parts of
 * a mail a person wrote: the subject tag and the sub-address. Pure: no I/O.
 * (Matching In-Reply-To/References against known Message-IDs is a database
 * lookup done by the pipeline.)
 */
#ifndef TICKETD_THREAD_H
#define TICKETD_THREAD_H

#include <stddef.h>

/*
 * Find the desk's ticket tag in a subject: "[IT #42]" anywhere, after any
 * number of reply/forward prefixes (Re, RE, Fwd, Fw, AW, WG, SV, VS, Antw,
 * Rif, R, RV, Doorst, 回复, 答复, 転送, with ":" or "："; "Re[2]:"), and the
 * hand-typed variants "[it#42]", "[IT # 42]", "IT #42" without brackets,
 * "IT#42". The tag compares case-insensitively; another desk's tag
 * ("[HR #42]") does not match. Returns 1 and *number, or 0.
 */
int	thread_subject_tag(const char *subject, const char *tag,
	    long long *number);

/*
 * The subject without its reply/forward prefixes and without our tag, for
 * a title: "Re: AW: [IT #42] Drucker" → "Drucker". New string.
 */
char	*thread_clean_subject(const char *subject, const char *tag);

/*
 * Does addr name the desk by a sub-address? desk "it@corp.example":
 * "it+42@corp.example" → THREAD_SUB_TICKET and *number = 42;
 * "it+control@corp.example" → THREAD_SUB_CONTROL; anything else → 0.
 * Local part and domain compare case-insensitively.
 */
#define THREAD_SUB_TICKET	1
#define THREAD_SUB_CONTROL	2
int	thread_subaddress(const char *addr, const char *desk_addr,
	    long long *number);

#endif
