/* hash.h — SHA-256, HMAC-SHA-256 and key-grade random bytes (GnuTLS). */
#ifndef TICKETD_HASH_H
#define TICKETD_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN	64
#define HASH_SHA256_LEN	32

/* Write the lower-case hex SHA-256 of p[0..len) and a NUL into out. */
void	hash_sha256_hex(const void *p, size_t len, char out[HASH_HEX_LEN + 1]);

/* HMAC-SHA-256 of msg[0..len) under key[0..keylen) into out. */
void	hash_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t len, unsigned char out[HASH_SHA256_LEN]);

/* n random bytes for a secret key; fatal when the generator fails. */
void	hash_random(void *buf, size_t n);

#endif
