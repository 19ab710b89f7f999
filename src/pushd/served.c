/* SPDX-License-Identifier: ISC */
/*
 * served.c - the files a guest serves, as pushd holds them.  See served.h.
 */
#include "config.h"

#include <string.h>

#include "digest.h"
#include "served.h"

int
served_passwd_index(void)
{
	for (int i = 0; bundle_names[i] != NULL; i++)
		if (bucket_file(bundle_names[i]))
			return i;
	return -1;	/* not reached: bundle.c names passwd */
}

int
served_from_render(struct served *sv, struct render_out *out,
		   char sums[][65], struct hk_err *err)
{
	int pw = served_passwd_index();
	struct strbuf *text = &out->files[pw];
	int rc;

	memset(sv, 0, sizeof(*sv));
	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&sv->passwd[b], BUNDLE_MAX_SIZE);
	rc = bucket_split("passwd", strbuf_str(text), text->len, sv->passwd,
			  err);
	for (int b = 0; rc == 0 && b < BUCKETS; b++)
		sha256_hex(strbuf_str(&sv->passwd[b]), sv->passwd[b].len,
			   sv->passwd_sums[b]);
	strbuf_free(text);
	sv->generation = out->generation;
	memcpy(sv->files, out->files, sizeof(sv->files));	/* taken */
	memcpy(sv->sums, sums, sizeof(sv->sums));
	memset(out, 0, sizeof(*out));
	if (rc < 0)
		served_free(sv);
	return rc;
}

size_t
served_passwd_len(const struct served *sv)
{
	size_t n = 0;

	for (int b = 0; b < BUCKETS; b++)
		n += sv->passwd[b].len;
	return n;
}

size_t
served_bytes(const struct served *sv)
{
	size_t n = sizeof(*sv);

	for (int i = 0; i < BUNDLE_MAX_FILES; i++)
		n += sv->files[i].cap;
	for (int b = 0; b < BUCKETS; b++)
		n += sv->passwd[b].cap;
	return n;
}

void
served_free(struct served *sv)
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++)
		strbuf_free(&sv->files[i]);
	for (int b = 0; b < BUCKETS; b++)
		strbuf_free(&sv->passwd[b]);
	sv->generation = 0;
}
