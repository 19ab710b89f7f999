/* SPDX-License-Identifier: ISC */
/*
 * api_kit.c - what every handler of the API uses: the declared checks of
 * a body's fields and their accessors, the query strings that take no or
 * few parameters, the answers (201, 200, 204), and keyset listings.
 * See api.h ("for the handlers").  api.c routes to the handlers; they
 * call this file, which calls neither.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonout.h"
#include "query.h"
#include "utf8.h"
#include "validate.h"

static int
type_ok(enum api_ftype t, json_t *v)
{
	size_t i;
	json_t *e;

	switch (t) {
	case F_STR:	return json_is_string(v);
	case F_BOOL:	return json_is_boolean(v);
	case F_NSTR:	return json_is_string(v) || json_is_null(v);
	case F_INT:	return json_is_integer(v) &&
			    json_integer_value(v) >= 0;
	case F_SIZE:	return json_is_string(v) || json_is_integer(v);
	case F_STRLIST:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return 0;
		return 1;
	}
	return 0;
}

/* Why a value of the wrong type is refused: what the field takes. */
static enum hk_reason
type_reason(enum api_ftype t)
{
	switch (t) {
	case F_STR:	return HK_R_type_string;
	case F_BOOL:	return HK_R_type_boolean;
	case F_NSTR:	return HK_R_type_string_or_null;
	case F_INT:	return HK_R_type_integer;
	case F_SIZE:	return HK_R_type_size;
	case F_STRLIST:	break;
	}
	return HK_R_type_strings;
}

int
api_check_body(json_t *body, const struct api_field *spec,
	       struct hk_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		const struct api_field *f;

		for (f = spec; f->name && strcmp(f->name, key); f++)
			;
		if (f->name == NULL)
			return hk_failr(err, HK_EINVAL, key, HK_R_unknown_field,
					NULL);
		if (!type_ok(f->type, v))
			return hk_failr(err, HK_EINVAL, key,
					type_reason(f->type), NULL);
	}
	for (const struct api_field *f = spec; f->name; f++)
		if (f->required && json_object_get(body, f->name) == NULL)
			return hk_failr(err, HK_EINVAL, f->name, HK_R_required,
					NULL);
	return 0;
}

const char *
api_str(json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

int
api_bool(json_t *body, const char *name, int dflt)
{
	json_t *v = json_object_get(body, name);

	return v == NULL ? dflt : json_is_true(v);
}

int
api_size(json_t *body, const char *name, int64_t *out, struct hk_err *err)
{
	json_t *v = json_object_get(body, name);

	if (v == NULL)
		return 0;	/* absent: *out keeps the caller's default */
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return hk_failr(err, HK_EINVAL, name, HK_R_negative,
					NULL);
		*out = json_integer_value(v);
		return 0;
	}
	return validate_quota(json_string_value(v), name, out, err);
}

int
api_int(json_t *body, const char *name, int64_t max, int64_t *out,
	struct hk_err *err)
{
	json_t *v = json_object_get(body, name);

	if (v == NULL)
		return 0;	/* absent: *out keeps the caller's default */
	/* api_check_body has held it to F_INT: an integer, not negative */
	if (json_integer_value(v) > max)
		return hk_failr(err, HK_EINVAL, name, HK_R_at_most, "max",
				HK_NUM(max), NULL);
	*out = json_integer_value(v);
	return 0;
}

int
api_path_domain(struct api_call *call, char *out, struct hk_err *err)
{
	if (validate_domain(call->seg[1], "domain", out, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "domain",
				HK_R_no_such_domain, NULL);
	return 0;
}

int
api_no_query(struct api_call *call, struct hk_err *err)
{
	static const char *const none[] = { NULL };
	struct query q;

	return query_parse(call->req->uri, none, &q, err);
}

int
api_force(struct api_call *call, int *force, struct hk_err *err)
{
	static const char *const keys[] = { "force", NULL };
	struct query q;

	if (query_parse(call->req->uri, keys, &q, err) < 0)
		return -1;
	return query_bool(&q, "force", 0, force, err);
}

int
api_path_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (*s < '1' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0 || v > INT32_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

int
api_id_query(struct api_call *call, int *limit, int *cursor,
	     struct hk_err *err)
{
	static const char *const keys[] = { "limit", "cursor", NULL };
	struct query q;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_int(&q, "limit", 1, PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT,
		      limit, err) < 0)
		return -1;
	return query_int(&q, "cursor", 1, INT32_MAX, 0, cursor, err);
}

int
api_id_page(struct http_resp *resp, json_t *items, int limit,
	    struct hk_err *err)
{
	json_t *next = NULL;

	if (json_array_size(items) > (size_t)limit) {
		json_array_remove(items, (size_t)limit);
		next = json_object_get(json_array_get(items, (size_t)limit -
						      1), "id");
	}
	resp->status = 200;
	resp->body = json_pack("{s:o, s:O?}", "items", items, "next_cursor",
			       next);
	return resp->body ? 0 : hk_fail(err, HK_EINTERNAL, NULL,
					"out of memory");
}

static int
respond(struct api_call *call, struct http_resp *resp, int status,
	json_t *obj)
{
	call->wrote = 1;
	resp->status = status;
	resp->body = obj;
	return 0;
}

int
api_created(struct api_call *call, struct http_resp *resp, json_t *obj)
{
	return respond(call, resp, 201, obj);
}

int
api_changed(struct api_call *call, struct http_resp *resp, json_t *obj)
{
	return respond(call, resp, 200, obj);
}

int
api_deleted(struct api_call *call, struct http_resp *resp)
{
	return respond(call, resp, 204, NULL);
}

int
api_object(struct http_resp *resp, json_t *obj)
{
	resp->status = 200;
	resp->body = obj;
	return 0;
}

int
api_cursor_slug(const char *in, char *out, struct hk_err *err)
{
	if (validate_slug(in, "cursor", err) < 0)
		return -1;
	snprintf(out, PAGE_CURSOR_MAX + 1, "%s", in);
	return 0;
}

int
api_cursor_domain(const char *in, char *out, struct hk_err *err)
{
	return validate_domain(in, "cursor", out, err);
}

/* A search text: a fragment of a key (a name, a login, an address) or of
 * a mailbox's display name, so any UTF-8 text but control characters;
 * ASCII lowercased, as the keys are (LIKE's own characters are escaped
 * by the store). */
static int
search_fragment(const char *in, char out[PAGE_CURSOR_MAX + 1],
		struct hk_err *err)
{
	size_t n = strlen(in);

	if (n > MAPSYNTAX_LOCAL_MAX)
		return hk_failr(err, HK_EINVAL, "q", HK_R_longer_than_octets,
				"max", HK_NUM(MAPSYNTAX_LOCAL_MAX), NULL);
	if (!utf8_valid(in, n))
		return hk_failr(err, HK_EINVAL, "q", HK_R_not_utf8_text, NULL);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		/* C1 controls are U+0080..U+009F: 0xC2 then 0x80..0x9F */
		if (c < 0x20 || c == 0x7f || (c == 0xc2 &&
		    (unsigned char)in[i + 1] < 0xa0))
			return hk_failr(err, HK_EINVAL, "q",
					HK_R_control_characters, NULL);
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* The buffers a page request points into. */
struct page_bufs {
	char cursor[PAGE_CURSOR_MAX + 1], search[PAGE_CURSOR_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
};

/* ?sort=local_part (the default) or used_bytes. */
static int
page_sort(const struct query *q, struct page_in *page, struct hk_err *err)
{
	const char *v = query_get(q, "sort");

	if (v == NULL || strcmp(v, "local_part") == 0)
		return 0;
	if (strcmp(v, "used_bytes") != 0)
		return hk_failr(err, HK_EINVAL, "sort", HK_R_sort_value, NULL);
	page->by_usage = 1;
	return 0;
}

/* A by-usage cursor, "BYTES:LOCAL_PART" with BYTES -1 or more. */
static int
cursor_usage(const char *in, char *out, struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], *end;
	const char *colon = strchr(in, ':');
	long long bytes;

	errno = 0;
	bytes = strtoll(in, &end, 10);
	if (colon == NULL || end != colon || end == in || errno != 0 ||
	    bytes < -1 || validate_localpart(colon + 1, "cursor", local,
					     err) < 0)
		return hk_failr(err, HK_EINVAL, "cursor",
				HK_R_cursor_not_usage, NULL);
	snprintf(out, PAGE_CURSOR_MAX + 1, "%lld:%s", bytes, local);
	return 0;
}

static int
page_query(struct api_call *call, const struct api_listing *l,
	   struct page_in *page, struct page_bufs *b, struct hk_err *err)
{
	const char *keys[7] = { "limit", "cursor", "q" }, *v;
	int n = 3;
	struct query q;

	if (l->flags & L_ACTIVE)
		keys[n++] = "active";
	if (l->flags & L_DOMAIN)
		keys[n++] = "domain";
	if (l->flags & L_SORT_USAGE)
		keys[n++] = "sort";
	keys[n] = NULL;
	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_int(&q, "limit", 1, PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT,
		      &page->limit, err) < 0 ||
	    query_bool(&q, "active", -1, &page->active, err) < 0 ||
	    page_sort(&q, page, err) < 0)
		return -1;
	if ((v = query_get(&q, "cursor")) != NULL) {
		if ((page->by_usage ? cursor_usage(v, b->cursor, err) :
		     l->cursor(v, b->cursor, err)) < 0)
			return -1;
		page->after = b->cursor;
	}
	if ((v = query_get(&q, "q")) != NULL) {
		if (search_fragment(v, b->search, err) < 0)
			return -1;
		page->search = b->search;
	}
	if ((v = query_get(&q, "domain")) != NULL) {
		if (validate_domain(v, "domain", b->domain, err) < 0)
			return -1;
		page->domain = b->domain;
	}
	return 0;
}

/* {"items": [the page as text], "next_cursor": ...} into resp->raw. */
static int
page_text(struct api_call *call, struct http_resp *resp,
	  const struct api_listing *l, const struct page_in *page,
	  struct hk_err *err)
{
	char next[PAGE_CURSOR_MAX + 1];
	struct strbuf sb;

	strbuf_init(&sb, HTTP_MAX_RESPONSE);
	if (strbuf_puts(&sb, "{\"items\":") < 0 ||
	    l->text(call->ctx->db, &call->actor, page, &sb, next, err) < 0 ||
	    strbuf_puts(&sb, ",\"next_cursor\":") < 0 ||
	    (next[0] ? jsonout_string(&sb, next, strlen(next)) :
	     strbuf_puts(&sb, "null")) < 0 || strbuf_puts(&sb, "}") < 0) {
		strbuf_free(&sb);
		return err->code != HK_OK ? -1 : hk_failr(err, HK_ETOOBIG, NULL,
			HK_R_too_large, NULL);
	}
	resp->status = 200;
	resp->raw = sb.data;	/* resp owns it now */
	resp->raw_len = sb.len;
	return 0;
}

int
api_list(struct api_call *call, struct http_resp *resp,
	 const struct api_listing *l, struct hk_err *err)
{
	struct page_in page = { NULL, NULL, 0, NULL, -1, 0 };
	char next[PAGE_CURSOR_MAX + 1];
	struct page_bufs b;
	json_t *items = NULL;

	if (l->flags & L_PATH_DOMAIN) {
		if (api_path_domain(call, b.domain, err) < 0)
			return -1;
		page.domain = b.domain;
	}
	if (page_query(call, l, &page, &b, err) < 0)
		return -1;
	if (l->text != NULL)
		return page_text(call, resp, l, &page, err);
	if (l->list(call->ctx->db, &call->actor, &page, &items, next,
		    err) < 0) {
		json_decref(items);
		return -1;
	}
	resp->status = 200;
	resp->body = json_pack("{s:o, s:s?}", "items", items, "next_cursor",
			       next[0] ? next : NULL);
	return resp->body ? 0 : hk_fail(err, HK_EINTERNAL, NULL,
					"out of memory");
}
