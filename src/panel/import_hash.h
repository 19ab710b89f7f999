/* SPDX-License-Identifier: ISC */
/*
 * import_hash.h - many plain passwords hashed at once, on every core
 * (SHA512-crypt is meant to be slow: an import of a term's students
 * spends most of its time here).
 */
#ifndef HK_IMPORT_HASH_H
#define HK_IMPORT_HASH_H

#include <stddef.h>

#include "err.h"
#include "import.h"

struct pw_item {
	const char *plain;
	char *hash;		/* set on success, malloc'd: the caller frees */
};

/* Hashes items[0..n) with threads workers (0: one per core), reporting
 * progress (phase "hash") from the caller's thread. */
int import_hash(struct pw_item *items, size_t n, int threads,
		import_progress_fn progress, void *ctx, struct hk_err *err);

#endif
