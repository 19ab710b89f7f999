/* SPDX-License-Identifier: ISC */
/*
 * digest.h - SHA-256 digests as 64 lowercase hex digits: bundle and file
 * checksums, and what is stored instead of API-key secrets; and FNV-1a,
 * the quick 64-bit hash of the import's in-memory tables (never a
 * checksum: anyone can make two strings collide).
 */
#ifndef HK_DIGEST_H
#define HK_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* in[0..n) as 2n lowercase hex digits and a NUL into out. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1: a percent escape's. */
int hex_value(int c);

/* On failure out is "", which never equals a digest. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* The digest of everything readable from fd; -1 with errno on a read or
 * digest failure (EIO). */
int sha256_hex_fd(int fd, char out[65]);

#define FNV1A_START	14695981039346656037ULL

/* h (FNV1A_START for a new hash) carried on over the string s. */
uint64_t fnv1a(uint64_t h, const char *s);

#endif
