/*
 * digest.h - SHA-256 digests as 64 lowercase hex digits: bundle and file
 * checksums, and what is stored instead of API-key secrets.
 */
#ifndef HK_DIGEST_H
#define HK_DIGEST_H

#include <stddef.h>

/* On failure out is "", which never equals a digest. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
