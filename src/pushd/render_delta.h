/* SPDX-License-Identifier: ISC */
/*
 * render_delta.h - what a guest's files become, rendered from what changed
 * since the generation it serves rather than from the whole guest.
 *
 * From one read transaction: the guest's desired generation, the change
 * log since base (store_change.h), the small files rendered whole, and of
 * the keyed files (mapdelta.h) only the lines of the keys the log names,
 * widened to the same keys of each alias domain of their domain (whose
 * entries project them).  Each keyed file's edits (mapdelta.h) are made
 * to the file of the base generation, which pushd kept (served.h); for a
 * bucketed file, to the buckets they reach alone.  The result is what
 * render_guest() would give, line for line (test_delta proves it over
 * thousands of random changes, on both backends).  When the log says
 * anything may have changed, the caller renders the guest whole.
 */
#ifndef HK_RENDER_DELTA_H
#define HK_RENDER_DELTA_H

#include <stdint.h>

#include "served.h"

struct render_delta {
	int whole;		/* the log says: render the guest whole */
	struct render_out files;	/* every file but the bucketed ones as
					 * it now is (generation the desired
					 * one) */
	struct strbuf edits[BUNDLE_MAX_FILES];	/* the keyed files' */
	struct served_buckets *bk[BUNDLE_MAX_FILES];	/* a bucketed file's
							 * touched buckets */
};

/* base: the files of generation base_gen, the keyed ones in key order. */
int render_delta(struct db *db, int64_t guest_id, int64_t base_gen,
		 const struct render_opts *opts, const struct served *base,
		 struct render_delta *d, struct hk_err *err);

/* The bytes of file i, and the checksum of the bucketed file i, once d is
 * made to base. */
size_t render_delta_len(const struct render_delta *d,
			const struct served *base, int i);
void render_delta_bucket_sum(const struct render_delta *d,
			     const struct served *base, int i, char out[65]);

/* base becomes the generation d renders, with sums its files' checksums:
 * d's files and buckets are moved into it. */
void render_delta_onto(struct render_delta *d, struct served *base,
		       char sums[][65]);

void render_delta_free(struct render_delta *d);

#endif
