/* SPDX-License-Identifier: ISC */
/*
 * bucket.c - the buckets of passwd and virtual_mailbox_maps, and the
 * checksum made of them.  See bucket.h.
 *
 * MD5 picks a bucket because Dovecot's %M does; it is no checksum here.
 * One digest context per bucket is fed line by line, so a whole file is
 * hashed in one pass without copying it apart.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bucket.h"
#include "digest.h"
#include "mapdelta.h"

int
bucket_count(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "passwd") == 0)
		return 256;
	if (strcmp(name, "virtual_mailbox_maps") == 0)
		return 16;
	return 0;
}

int
bucket_file(const char *name)
{
	return bucket_count(name) > 0;
}

/* Bits of the MD5's first byte dropped: a bucket is what is left. */
static int
shift_of(const char *name)
{
	return bucket_count(name) == 16 ? 4 : 0;
}

void
bucket_name(const char *name, int b, char out[3])
{
	static const char hex[] = "0123456789abcdef";

	if (bucket_count(name) == 16) {
		out[0] = hex[b & 15];
		out[1] = '\0';
	} else {
		out[0] = hex[(b >> 4) & 15];
		out[1] = hex[b & 15];
		out[2] = '\0';
	}
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
bucket_of(const char *name, const char *key, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int b = ctx != NULL ? md5_first(ctx, EVP_md5(), key, n) : -1;

	EVP_MD_CTX_free(ctx);
	return b < 0 ? -1 : b >> shift_of(name);
}

/* A reusable MD5 for many keys. */
struct keyhash {
	EVP_MD *md5;
	EVP_MD_CTX *ctx;
};

static int
keyhash_new(struct keyhash *k)
{
	k->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	k->ctx = EVP_MD_CTX_new();
	return k->md5 != NULL && k->ctx != NULL ? 0 : -1;
}

static void
keyhash_free(struct keyhash *k)
{
	EVP_MD_CTX_free(k->ctx);
	EVP_MD_free(k->md5);
}

/* The bucket of key[0..n) in `name`'s buckets, or -1. */
static int
key_bucket(struct keyhash *k, const char *name, const char *key, size_t n)
{
	int b = md5_first(k->ctx, k->md5, key, n);

	return b < 0 ? -1 : b >> shift_of(name);
}

/* The bucket of the line l[0..n) of `name`. */
static int
line_bucket(struct keyhash *k, const char *name, const char *l, size_t n)
{
	return key_bucket(k, name, l, mapdelta_keylen(name, l, n));
}

int
bucket_split(const char *name, const char *text, size_t len,
	     struct strbuf out[BUCKETS], struct hk_err *err)
{
	struct keyhash k;
	int ok = keyhash_new(&k) == 0;

	for (size_t pos = 0; ok && pos < len;) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) + 1 : len - pos;
		int b = line_bucket(&k, name, l, n);

		ok = b >= 0 && strbuf_append(&out[b], l, n) == 0;
		pos += n;
	}
	keyhash_free(&k);
	return ok ? 0 : hk_fail(err, HK_EINTERNAL, name, "splitting %s into "
				"buckets: out of memory", name);
}

/* The bucket an edit line l[0..n) (with its '\n', if any) reaches, or
 * -1 for a domain's "=" (every bucket) and -2 for a bad line or a failed
 * digest. */
static int
edit_bucket(struct keyhash *k, const char *name, const char *l, size_t n)
{
	int b;

	if (n >= 1 && l[0] == '=')
		return -1;
	if (n < 2 || (l[0] != '-' && l[0] != '+'))
		return -2;
	if (l[0] == '-')
		b = key_bucket(k, name, l + 1, n - 1 - (l[n - 1] == '\n'));
	else
		b = line_bucket(k, name, l + 1, n - 1);
	return b < 0 ? -2 : b;
}

/* Edit line l[0..n) onto the buckets it reaches. */
static int
add_edit(struct strbuf eb[BUCKETS], int touched[BUCKETS], int count, int b,
	 const char *l, size_t n)
{
	for (int i = b == -1 ? 0 : b; i < count; i++) {
		if (strbuf_append(&eb[i], l, n) < 0)
			return -1;
		touched[i] = 1;
		if (b != -1)
			break;
	}
	return 0;
}

int
bucket_split_edits(const char *name, const char *e, size_t len,
		   struct strbuf eb[BUCKETS], int touched[BUCKETS],
		   struct hk_err *err)
{
	struct keyhash k;
	int b = keyhash_new(&k) == 0 ? 0 : -2;

	for (size_t pos = 0; b != -2 && pos < len;) {
		const char *l = e + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) + 1 : len - pos;

		b = edit_bucket(&k, name, l, n);
		if (b != -2 && add_edit(eb, touched, bucket_count(name), b, l,
					n) < 0)
			b = -2;
		pos += n;
	}
	keyhash_free(&k);
	return b != -2 ? 0 : hk_fail(err, HK_EINTERNAL, name, "%s's edits "
				     "could not be split into buckets", name);
}

struct hashers {
	struct keyhash k;
	EVP_MD *sha;
	EVP_MD_CTX *b[BUCKETS];
};

static void
hashers_free(struct hashers *h)
{
	for (int i = 0; i < BUCKETS; i++)
		EVP_MD_CTX_free(h->b[i]);
	keyhash_free(&h->k);
	EVP_MD_free(h->sha);
}

static int
hashers_new(struct hashers *h)
{
	int ok;

	memset(h, 0, sizeof(*h));
	h->sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok = keyhash_new(&h->k) == 0 && h->sha != NULL;
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
		int b = line_bucket(&h.k, name, l, n);

		ok = b >= 0 && EVP_DigestUpdate(h.b[b], l, n) == 1;
		pos += n;
	}
	for (int i = 0; ok && i < bucket_count(name); i++) {
		ok = EVP_DigestFinal_ex(h.b[i], md, &mdlen) == 1 && mdlen == 32;
		if (ok)
			hex_encode(md, mdlen, sums[i]);
	}
	hashers_free(&h);
	return ok ? 0 : -1;
}

size_t
bucket_list(const char *name, char sums[BUCKETS][65],
	    char out[BUCKET_LIST_MAX + 1])
{
	size_t len = 0;
	char nm[3];

	for (int i = 0; i < bucket_count(name); i++) {
		bucket_name(name, i, nm);
		len += (size_t)snprintf(out + len, BUCKET_LIST_MAX + 1 - len,
					"%s %.64s\n", nm, sums[i]);
	}
	out[len] = '\0';
	return len;
}

void
bucket_sum_of(const char *name, char sums[BUCKETS][65], char out[65])
{
	char list[BUCKET_LIST_MAX + 1];
	size_t len = bucket_list(name, sums, list);

	sha256_hex(list, len, out);
}

void
bucket_file_sum(const char *name, const char *data, size_t len, char out[65])
{
	char sums[BUCKETS][65];

	out[0] = '\0';
	if (!bucket_file(name))
		sha256_hex(data, len, out);
	else if (bucket_sums(name, data, len, sums) == 0)
		bucket_sum_of(name, sums, out);
}
