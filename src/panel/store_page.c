/* SPDX-License-Identifier: ISC */
/*
 * store_page.c - what every paged listing shares: the checks on a page
 * request, the parameters each listing binds ($1 the cursor, $2 the LIKE
 * pattern, $3 the row limit, $4 the active filter, $5 the actor's
 * project), and the cut that
 * turns one row too many into the next cursor.  A page starts after the
 * cursor, by the listing's unique sort key, never at an OFFSET: a page
 * costs the same deep in a collection as at its start, and a row added or
 * removed meanwhile never shifts the pages around it.  See store.h.
 */
#include "config.h"

#include <string.h>

#include "store.h"

/* "%frag%" with LIKE's own characters escaped ('_' may stand in a name
 * and must match only itself), ASCII lowercased as every key is: the
 * same match on both backends (SQLite's LIKE ignores ASCII case,
 * PostgreSQL's does not). */
int
store_like_pattern(const char *frag, char *out, size_t outlen,
		   struct hk_err *err)
{
	size_t o = 0;

	if (strlen(frag) > PAGE_CURSOR_MAX)
		return hk_failr(err, HK_EINVAL, "q", HK_R_longer_than_octets,
				"max", HK_NUM(PAGE_CURSOR_MAX), NULL);
	out[o++] = '%';
	for (const char *s = frag; *s && o + 4 < outlen; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

int
store_page_bind(const struct page_in *page, const struct hk_actor *actor,
		struct page_bind *pb, struct hk_err *err)
{
	static const struct page_in all = { NULL, NULL, 0, NULL, -1, 0 };
	int everything = page == NULL;

	if (everything)
		page = &all;
	else if (page->limit < 1 || page->limit > PAGE_LIMIT_MAX)
		return hk_failr(err, HK_EINVAL, "limit", HK_R_limit_range,
				"max", HK_NUM(PAGE_LIMIT_MAX), NULL);
	if (page->active < -1 || page->active > 1)
		return hk_failr(err, HK_EINVAL, "active", HK_R_active_value,
				NULL);
	if (page->search != NULL &&
	    store_like_pattern(page->search, pb->like, sizeof(pb->like),
			       err) < 0)
		return -1;
	pb->p[0] = DB_TXT(page->after ? page->after : "");
	pb->p[1] = page->search ? DB_TXT(pb->like) : DB_NUL;
	/* one more than asked: is there a next page? */
	pb->p[2] = DB_INTV(everything ? (int64_t)1 << 62 : page->limit + 1);
	pb->p[3] = DB_INTV(page->active);
	pb->p[4] = DB_INTV(actor->is_admin ? -1 : actor->project_id);
	return 0;
}

void
store_page_cut(json_t *arr, const struct page_in *page, const char *key,
	       char *next)
{
	json_t *last;
	size_t limit = page ? (size_t)page->limit : 0;

	if (next != NULL)
		next[0] = '\0';
	if (limit == 0 || json_array_size(arr) <= limit)
		return;
	last = json_array_get(arr, limit - 1);
	if (next != NULL)
		snprintf(next, PAGE_CURSOR_MAX + 1, "%s",
			 json_string_value(json_object_get(last, key)));
	while (json_array_size(arr) > limit)
		json_array_remove(arr, limit);
}
