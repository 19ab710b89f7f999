/* SPDX-License-Identifier: ISC */
/*
 * served.h - the files a guest serves, as pushd holds them between pushes
 * (push_served.h): the base of the next delta (render_delta.h).
 *
 * passwd, the largest file by far, is held in its buckets (bucket.h), each
 * with its checksum: a change of one mailbox copies and hashes the one
 * bucket it reaches, and the file's checksum is the bucket list's.  The
 * other files are held whole.
 */
#ifndef HK_SERVED_H
#define HK_SERVED_H

#include <stdint.h>

#include "bucket.h"
#include "render.h"

struct served {
	int64_t generation;	/* 0: nothing held */
	struct strbuf files[BUNDLE_MAX_FILES];	/* passwd's left empty */
	struct strbuf passwd[BUCKETS];
	char passwd_sums[BUCKETS][65];
	char sums[BUNDLE_MAX_FILES][65];	/* each file's (bundle.h) */
};

/* The index of passwd in bundle_names. */
int served_passwd_index(void);

/* sv from a whole render: out's files are taken (out is left empty), sums
 * are their checksums in bundle_names order. */
int served_from_render(struct served *sv, struct render_out *out,
		       char sums[][65], struct hk_err *err);

/* The bytes of passwd's buckets. */
size_t served_passwd_len(const struct served *sv);

/* The memory sv holds, for push_served's bound. */
size_t served_bytes(const struct served *sv);

void served_free(struct served *sv);

#endif
