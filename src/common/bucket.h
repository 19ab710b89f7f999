/* SPDX-License-Identifier: ISC */
/*
 * bucket.h - the large keyed files kept in buckets by the MD5 of each
 * line's key (the address, in lower case as the panel writes it):
 *
 *   passwd                256 buckets, "00" ... "ff": the first byte of
 *                         the MD5, as Dovecot's passwd-file finds a user's
 *                         file with "%2Mu";
 *   virtual_mailbox_maps  16 buckets, "0" ... "f": its high four bits;
 *                         each a table of its own, which Postfix reads
 *                         together as one unionmap (a key is in one
 *                         bucket alone, so the union is that bucket's
 *                         answer).
 *
 * A guest keeps such a file as NAME.d/<bucket>, each its bucket's lines in
 * the file's order: a change of one mailbox writes (and postmaps) one
 * small file, and a login reads only its own bucket.
 *
 * The checksum of a bucketed file (bundle.h, the agent's status) is the
 * SHA-256 of its bucket list, one line "<bucket> SUM\n" a bucket in order,
 * SUM the SHA-256 of the bucket's lines.  One bucket changed is one bucket
 * hashed again.  Any other file's checksum is the SHA-256 of its bytes.
 */
#ifndef HK_BUCKET_H
#define HK_BUCKET_H

#include <stddef.h>

#include "err.h"
#include "strbuf.h"

#define BUCKETS		256	/* the most a file has */
#define BUCKET_LIST_MAX	(BUCKETS * 68)	/* "XX " SUM "\n" each */

/* How many buckets the bundle file `name` is kept in (above); 0 for a file
 * kept whole. */
int bucket_count(const char *name);

/* Whether the bundle file `name` is kept in buckets. */
int bucket_file(const char *name);

/* The bucket of key[0..n) in `name`'s buckets, or -1 when MD5 failed. */
int bucket_of(const char *name, const char *key, size_t n);

/* Bucket b's name in `name`'s buckets: its hex digits, as above. */
void bucket_name(const char *name, int b, char out[3]);

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

/* The bucket list of `name` with sums into out (and a NUL); its length. */
size_t bucket_list(const char *name, char sums[BUCKETS][65],
		   char out[BUCKET_LIST_MAX + 1]);

/* The file's checksum from its bucket sums. */
void bucket_sum_of(const char *name, char sums[BUCKETS][65], char out[65]);

/* The checksum of the bundle file `name` with bytes data[0..len), as
 * above; on failure out is "", which never equals a checksum. */
void bucket_file_sum(const char *name, const char *data, size_t len,
		     char out[65]);

#endif
