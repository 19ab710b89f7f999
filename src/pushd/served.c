/* SPDX-License-Identifier: ISC */
/*
 * served.c - the files a guest serves, as pushd holds them.  See served.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "served.h"

struct served_buckets *
served_buckets_new(void)
{
	struct served_buckets *bk = calloc(1, sizeof(*bk));

	for (int b = 0; bk != NULL && b < BUCKETS; b++)
		strbuf_init(&bk->b[b], BUNDLE_MAX_SIZE);
	return bk;
}

void
served_buckets_free(struct served_buckets *bk)
{
	for (int b = 0; bk != NULL && b < BUCKETS; b++)
		strbuf_free(&bk->b[b]);
	free(bk);
}

/* File i of sv, whole in text (freed), into its buckets. */
static int
split(struct served *sv, int i, struct strbuf *text, struct hk_err *err)
{
	const char *name = bundle_names[i];
	struct served_buckets *bk = served_buckets_new();
	int rc = bk == NULL ? hk_fail(err, HK_EINTERNAL, name, "out of "
				      "memory") :
	    bucket_split(name, strbuf_str(text), text->len, bk->b, err);

	for (int b = 0; rc == 0 && b < bucket_count(name); b++)
		sha256_hex(strbuf_str(&bk->b[b]), bk->b[b].len, bk->sums[b]);
	strbuf_free(text);
	sv->bk[i] = bk;
	return rc;
}

int
served_from_render(struct served *sv, struct render_out *out,
		   char sums[][65], struct hk_err *err)
{
	int rc = 0;

	memset(sv, 0, sizeof(*sv));
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++)
		if (bucket_file(bundle_names[i]))
			rc = split(sv, i, &out->files[i], err);
	sv->generation = out->generation;
	memcpy(sv->files, out->files, sizeof(sv->files));	/* taken */
	memcpy(sv->sums, sums, sizeof(sv->sums));
	memset(out, 0, sizeof(*out));
	if (rc < 0)
		served_free(sv);
	return rc;
}

size_t
served_bytes(const struct served *sv)
{
	size_t n = sizeof(*sv);

	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		n += sv->files[i].cap;
		for (int b = 0; sv->bk[i] != NULL && b < BUCKETS; b++)
			n += sv->bk[i]->b[b].cap;
		n += sv->bk[i] != NULL ? sizeof(*sv->bk[i]) : 0;
	}
	return n;
}

void
served_free(struct served *sv)
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		strbuf_free(&sv->files[i]);
		served_buckets_free(sv->bk[i]);
		sv->bk[i] = NULL;
	}
	sv->generation = 0;
}
