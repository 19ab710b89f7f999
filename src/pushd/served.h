/* SPDX-License-Identifier: ISC */
/*
 * served.h - the files a guest serves, as pushd holds them between pushes
 * (push_served.h): the base of the next delta (render_delta.h).
 *
 * The bucketed files (bucket.h: passwd and virtual_mailbox_maps, the
 * largest by far) are held in their buckets, each with its checksum: a
 * change of one mailbox copies and hashes the buckets it reaches, and the
 * file's checksum is the bucket list's.  The other files are held whole.
 */
#ifndef HK_SERVED_H
#define HK_SERVED_H

#include <stdint.h>

#include "bucket.h"
#include "render.h"

/* A bucketed file's buckets (bucket_count() of them used); in a delta,
 * only those touched. */
struct served_buckets {
	struct strbuf b[BUCKETS];
	char sums[BUCKETS][65];
	int touched[BUCKETS];
};

struct served {
	int64_t generation;	/* 0: nothing held */
	struct strbuf files[BUNDLE_MAX_FILES];	/* a bucketed file's empty */
	struct served_buckets *bk[BUNDLE_MAX_FILES];	/* a bucketed file's */
	char sums[BUNDLE_MAX_FILES][65];	/* each file's (bundle.h) */
};

/* Empty buckets for a bucketed file, or NULL (out of memory). */
struct served_buckets *served_buckets_new(void);
void served_buckets_free(struct served_buckets *bk);

/* sv from a whole render: out's files are taken (out is left empty), sums
 * are their checksums in bundle_names order. */
int served_from_render(struct served *sv, struct render_out *out,
		       char sums[][65], struct hk_err *err);

/* The memory sv holds, for push_served's bound. */
size_t served_bytes(const struct served *sv);

void served_free(struct served *sv);

#endif
