/* SPDX-License-Identifier: ISC */
/*
 * api_mailbox.c - mailboxes, created either under their domain
 * (POST /domains/D/mailboxes {"local_part": ...}) or by full address
 * (POST /mailboxes {"address": ...}); listed a page at a time by keyset
 * (GET /domains/D/mailboxes?limit=&cursor=&q=&active=) and fetched by
 * address (GET /mailboxes/ADDRESS).  See api.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "pwhash.h"
#include "query.h"
#include "validate.h"

static const struct api_field mailbox_fields[] = {
	{ "local_part", F_STR, 0 },
	{ "address", F_STR, 0 },
	{ "password", F_STR, 0 },
	{ "password_hash", F_STR, 0 },
	{ "name", F_STR, 0 },
	{ "quota", F_SIZE, 0 },
	{ "active", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* The address: from the path's domain and local_part, or from address. */
static int
mailbox_address(struct api_call *call, char *local, char *domain,
		struct hk_err *err)
{
	json_t *b = call->body;

	if (call->nseg == 3) {
		if (json_object_get(b, "address"))
			return hk_failr(err, HK_EINVAL, "address",
					HK_R_address_in_path, NULL);
		if (api_str(b, "local_part") == NULL)
			return hk_failr(err, HK_EINVAL, "local_part",
					HK_R_required, NULL);
		if (api_path_domain(call, domain, err) < 0)
			return -1;
		return validate_localpart(api_str(b, "local_part"),
					  "local_part", local, err);
	}
	if (json_object_get(b, "local_part"))
		return hk_failr(err, HK_EINVAL, "local_part",
				HK_R_local_part_give_address, NULL);
	if (api_str(b, "address") == NULL)
		return hk_failr(err, HK_EINVAL, "address", HK_R_required, NULL);
	return validate_address(api_str(b, "address"), "address", local,
				domain, err);
}

static int
mailbox_hash(struct api_call *call, char hash[PWHASH_MAX],
	     struct hk_err *err)
{
	const struct hk_config *cfg = call->ctx->cfg;

	return pwhash_accept(api_str(call->body, "password"),
			     api_str(call->body, "password_hash"), cfg->pw_min,
			     cfg->pw_max, hash, err);
}

int
api_mailboxes_add(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char hash[PWHASH_MAX];
	struct mailbox_in in;
	json_t *obj = NULL;

	memset(&in, 0, sizeof(in));
	in.quota_bytes = -1;	/* absent: the domain's default */
	if (api_check_body(call->body, mailbox_fields, err) < 0 ||
	    mailbox_address(call, local, domain, err) < 0 ||
	    validate_display_name(api_str(call->body, "name"), "name",
				  err) < 0 ||
	    api_size(call->body, "quota", &in.quota_bytes, err) < 0 ||
	    mailbox_hash(call, hash, err) < 0)
		return -1;
	in.local_part = local;
	in.domain = domain;
	in.password_hash = hash;
	in.name = api_str(call->body, "name") ? api_str(call->body, "name")
	    : "";
	in.active = api_bool(call->body, "active", 1);
	if (store_mailbox_add(call->ctx->db, &call->actor, &in, &obj,
			      err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

/* The path's address (/mailboxes/ADDRESS): a malformed address is as
 * absent as a missing one. */
static int
path_address(struct api_call *call, char *local, char *domain,
	     struct hk_err *err)
{
	if (validate_address(call->seg[1], "address", local, domain,
			     err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "address",
				HK_R_no_such_mailbox, NULL);
	return 0;
}

int
api_mailbox_get(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 ||
	    path_address(call, local, domain, err) < 0 ||
	    store_mailbox_get(call->ctx->db, &call->actor, local, domain,
			      &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}

static const struct api_field patch_fields[] = {
	{ "password", F_STR, 0 },
	{ "password_hash", F_STR, 0 },
	{ "name", F_STR, 0 },
	{ "quota", F_SIZE, 0 },
	{ "active", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* PATCH /mailboxes/ADDRESS: only the fields given change. */
int
api_mailbox_patch(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char hash[PWHASH_MAX];
	struct mailbox_patch patch = { NULL, NULL, -1, -1, 0 };
	json_t *b = call->body, *obj = NULL;

	if (path_address(call, local, domain, err) < 0 ||
	    api_check_body(b, patch_fields, err) < 0 ||
	    validate_display_name(api_str(b, "name"), "name", err) < 0 ||
	    api_size(b, "quota", &patch.quota_bytes, err) < 0)
		return -1;
	if (api_str(b, "password") || api_str(b, "password_hash")) {
		if (mailbox_hash(call, hash, err) < 0)
			return -1;
		patch.password_hash = hash;
	}
	patch.name = api_str(b, "name");
	if (json_object_get(b, "active") != NULL)
		patch.active = api_bool(b, "active", 1);
	if (store_mailbox_update(call->ctx->db, &call->actor, local, domain,
				 &patch, &obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_mailbox_delete(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];

	if (api_no_query(call, err) < 0 ||
	    path_address(call, local, domain, err) < 0 ||
	    store_mailbox_delete(call->ctx->db, &call->actor, local, domain,
				 (int64_t)call->ctx->cfg->purge_after * 86400,
				 NULL, err) < 0)
		return -1;
	return api_deleted(call, resp);
}

/* POST /mailboxes/ADDRESS/restore[?id=TRASH_ID]: operators only. */
int
api_mailbox_restore(struct api_call *call, struct http_resp *resp,
		    struct hk_err *err)
{
	static const char *const keys[] = { "id", NULL };
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct query q;
	json_t *obj = NULL;
	int id = 0;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_int(&q, "id", 1, INT32_MAX, 0, &id, err) < 0 ||
	    path_address(call, local, domain, err) < 0 ||
	    store_mailbox_restore(call->ctx->db, &call->actor, local, domain,
				  id, (int64_t)time(NULL), &obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

/* GET /domains/D/mailboxes?...: by local part, or most used first. */
static int
cursor_local(const char *in, char *out, struct hk_err *err)
{
	return validate_localpart(in, "cursor", out, err);
}

static const struct api_listing mailboxes = {
	store_mailbox_list, store_mailbox_page, cursor_local,
	L_ACTIVE | L_PATH_DOMAIN | L_SORT_USAGE
};

int
api_mailboxes_list(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	return api_list(call, resp, &mailboxes, err);
}
