/* SPDX-License-Identifier: ISC */
/*
 * bucket.c - passwd's buckets and the checksum made of them.  See
 * bucket.h.
 *
 * MD5 picks a bucket because Dovecot's %M does; it is no checksum here.
 * One digest context per bucket is fed line by line, so a whole file is
 * hashed in one pass without copying it apart.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "bucket.h"
#include "digest.h"
#include "mapdelta.h"

int
bucket_file(const char *name)
{
	return name != NULL && strcmp(name, "passwd") == 0;
}

/* MD5 of key[0..n) through ctx (md fetched once by the caller). */
static int
md5_first(EVP_MD_CTX *ctx, const EVP_MD *md, const char *key, size_t n)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, key, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 16)
		return -1;
	return out[0];
}

int
bucket_of(const char *key, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int b = ctx != NULL ? md5_first(ctx, EVP_md5(), key, n) : -1;

	EVP_MD_CTX_free(ctx);
	return b;
}

struct hashers {
	EVP_MD *md5, *sha;
	EVP_MD_CTX *key;
	EVP_MD_CTX *b[BUCKETS];
};

static void
hashers_free(struct hashers *h)
{
	for (int i = 0; i < BUCKETS; i++)
		EVP_MD_CTX_free(h->b[i]);
	EVP_MD_CTX_free(h->key);
	EVP_MD_free(h->md5);
	EVP_MD_free(h->sha);
}

static int
hashers_new(struct hashers *h)
{
	int ok;

	memset(h, 0, sizeof(*h));
	h->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	h->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->key = EVP_MD_CTX_new();
	ok = h->md5 != NULL && h->sha != NULL && h->key != NULL;
	for (int i = 0; ok && i < BUCKETS; i++)
		ok = (h->b[i] = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestInit_ex(h->b[i], h->sha, NULL) == 1;
	return ok ? 0 : -1;
}

int
bucket_sums(const char *name, const char *text, size_t len,
	    char sums[BUCKETS][65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct hashers h;
	int ok = hashers_new(&h) == 0;

	for (size_t pos = 0; ok && pos < len;) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) + 1 : len - pos;
		int b = md5_first(h.key, h.md5, l, mapdelta_keylen(name, l, n));

		ok = b >= 0 && EVP_DigestUpdate(h.b[b], l, n) == 1;
		pos += n;
	}
	for (int i = 0; ok && i < BUCKETS; i++) {
		ok = EVP_DigestFinal_ex(h.b[i], md, &mdlen) == 1 && mdlen == 32;
		if (ok)
			hex_encode(md, mdlen, sums[i]);
	}
	hashers_free(&h);
	return ok ? 0 : -1;
}

void
bucket_list(char sums[BUCKETS][65], char out[BUCKET_LIST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < BUCKETS; i++) {
		char *l = out + (size_t)i * BUCKET_LINE_LEN;

		l[0] = hex[i >> 4];
		l[1] = hex[i & 15];
		l[2] = ' ';
		memcpy(l + 3, sums[i], 64);
		l[67] = '\n';
	}
	out[BUCKET_LIST_LEN] = '\0';
}

void
bucket_sum_of(char sums[BUCKETS][65], char out[65])
{
	char list[BUCKET_LIST_LEN + 1];

	bucket_list(sums, list);
	sha256_hex(list, BUCKET_LIST_LEN, out);
}

void
bucket_file_sum(const char *name, const char *data, size_t len, char out[65])
{
	char sums[BUCKETS][65];

	out[0] = '\0';
	if (!bucket_file(name))
		sha256_hex(data, len, out);
	else if (bucket_sums(name, data, len, sums) == 0)
		bucket_sum_of(sums, out);
}
