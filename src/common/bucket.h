/* SPDX-License-Identifier: ISC */
/*
 * bucket.h - passwd in 256 buckets, as Dovecot's passwd-file finds them
 * with "%2Mu": a line's bucket is the first byte of the MD5 of its key
 * (the address, in lower case as the panel writes it), the two hex digits
 * of %2Mu.  A guest keeps passwd as passwd.d/00 ... passwd.d/ff, each
 * file its bucket's lines in passwd's order: a change of one mailbox
 * writes one small file, and a login reads only its own bucket.
 *
 * The checksum of a bucketed file (bundle.h, the agent's status) is the
 * SHA-256 of its bucket list, 256 lines "XX SUM\n": XX the bucket in
 * lowercase hex, SUM the SHA-256 of the bucket's lines.  One bucket
 * changed is one bucket hashed again.  Any other file's checksum is the
 * SHA-256 of its bytes.
 */
#ifndef HK_BUCKET_H
#define HK_BUCKET_H

#include <stddef.h>

#include "err.h"
#include "strbuf.h"

#define BUCKETS			256
#define BUCKET_LINE_LEN		68	/* "XX " SUM "\n" */
#define BUCKET_LIST_LEN		(BUCKETS * BUCKET_LINE_LEN)

/* Whether the bundle file `name` is kept in buckets: passwd. */
int bucket_file(const char *name);

/* The bucket of key[0..n): 0 to 255, or -1 when MD5 failed. */
int bucket_of(const char *key, size_t n);

/* The lines of text[0..len), of the bucketed file `name`, appended to
 * out[] by bucket (each bucket's in the text's order). */
int bucket_split(const char *name, const char *text, size_t len,
		 struct strbuf out[BUCKETS], struct hk_err *err);

/* Edits e[0..len) of `name` (mapdelta.h) appended to eb[] by the bucket
 * each reaches (a domain's "=" reaches every one); touched[b] set for
 * each bucket reached. */
int bucket_split_edits(const char *name, const char *e, size_t len,
		       struct strbuf eb[BUCKETS], int touched[BUCKETS],
		       struct hk_err *err);

/* Each bucket's SHA-256 (hex) of text[0..len), lines of the bucketed file
 * `name` each ending in '\n' (a last line without one counts as one);
 * -1 when a digest failed. */
int bucket_sums(const char *name, const char *text, size_t len,
		char sums[BUCKETS][65]);

/* The bucket list of sums into out (BUCKET_LIST_LEN bytes and a NUL). */
void bucket_list(char sums[BUCKETS][65], char out[BUCKET_LIST_LEN + 1]);

/* The checksum of the bundle file `name` with bytes data[0..len), as
 * above; on failure out is "", which never equals a checksum. */
void bucket_file_sum(const char *name, const char *data, size_t len,
		     char out[65]);

/* The file's checksum from its bucket sums. */
void bucket_sum_of(char sums[BUCKETS][65], char out[65]);

#endif
