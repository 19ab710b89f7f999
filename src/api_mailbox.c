/*
 * api_mailbox.c - mailboxes, created either under their domain
 * (POST /domains/D/mailboxes {"local_part": ...}) or by full address
 * (POST /mailboxes {"address": ...}).  See api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "pwhash.h"
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
			return hk_fail(err, HK_EINVAL, "address",
				       "unknown field (the domain is in the "
				       "path; give local_part)");
		if (api_str(b, "local_part") == NULL)
			return hk_fail(err, HK_EINVAL, "local_part",
				       "is required");
		if (validate_domain(call->seg[1], "domain", domain, err) < 0)
			return hk_fail(err, HK_ENOTFOUND, "domain",
				       "no such domain");
		return validate_localpart(api_str(b, "local_part"),
					  "local_part", local, err);
	}
	if (json_object_get(b, "local_part"))
		return hk_fail(err, HK_EINVAL, "local_part", "unknown field "
			       "(give the full address)");
	if (api_str(b, "address") == NULL)
		return hk_fail(err, HK_EINVAL, "address", "is required");
	return validate_address(api_str(b, "address"), "address", local,
				domain, err);
}

static int
mailbox_hash(struct api_call *call, char hash[PWHASH_MAX],
	     struct hk_err *err)
{
	const struct hk_config *cfg = call->ctx->cfg;
	const char *pw = api_str(call->body, "password");
	const char *pre = api_str(call->body, "password_hash");

	if ((pw == NULL) == (pre == NULL))
		return hk_fail(err, HK_EINVAL, "password",
			       "give exactly one of password and "
			       "password_hash");
	if (pre != NULL) {
		if (pwhash_check_prehashed(pre, "password_hash", err) < 0)
			return -1;
		snprintf(hash, PWHASH_MAX, "%s", pre);
		return 0;
	}
	if (validate_password(pw, "password", cfg->pw_min, cfg->pw_max,
			      err) < 0)
		return -1;
	return pwhash_make(pw, hash, err);
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

int
api_mailboxes_list(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *items = NULL;

	if (validate_domain(call->seg[1], "domain", domain, err) < 0)
		return hk_fail(err, HK_ENOTFOUND, "domain", "no such domain");
	if (store_mailbox_list(call->ctx->db, &call->actor, domain, &items,
			       err) < 0) {
		json_decref(items);
		return -1;
	}
	return api_items(resp, items);
}
