/* hash.c — SHA-256, HMAC and random bytes through GnuTLS. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hash.h"
#include "log.h"

void
hash_sha256_hex(const void *p, size_t len, char out[HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];
	int i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, len, d) < 0)
		fatalx("gnutls_hash_fast failed");
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[HASH_HEX_LEN] = '\0';
}

void
hash_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[HASH_SHA256_LEN])
{
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, msg, len,
	    out) < 0)
		fatalx("gnutls_hmac_fast failed");
}

void
hash_random(void *buf, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_KEY, buf, n) < 0)
		fatalx("gnutls_rnd failed");
}
