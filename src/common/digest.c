/* SPDX-License-Identifier: ISC */
/*
 * digest.c - SHA-256 as lowercase hex, through OpenSSL's EVP.  See digest.h.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest.h"
#include "fdio.h"

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == 32)
		hex_encode(md, mdlen, out);
}

int
sha256_hex_fd(int fd, char out[65])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ssize_t n = 0;
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	while (ok && (n = fdio_read(fd, buf, sizeof(buf))) != 0)
		ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	hex_encode(md, mdlen, out);
	return 0;
}

uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}
