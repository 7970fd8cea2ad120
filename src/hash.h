/* hash.h — SHA-256 (GnuTLS), for mail ids and attachment de-duplication. */
#ifndef TICKETD_HASH_H
#define TICKETD_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN	64

/* Write the lower-case hex SHA-256 of p[0..len) and a NUL into out. */
void	hash_sha256_hex(const void *p, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
