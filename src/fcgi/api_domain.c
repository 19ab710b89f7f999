/* SPDX-License-Identifier: ISC */
/*
 * api_domain.c - /api/v1/domains: list, add, get, change (PATCH: active,
 * backup MX, limits) and delete (refused while the domain holds anything,
 * unless ?force=true).  See api.h.
 */
#include "config.h"

#include "api.h"
#include "validate.h"

static const struct api_field domain_fields[] = {
	{ "name", F_STR, 1 },
	{ "guest", F_STR, 1 },
	{ NULL, F_STR, 0 }
};

static const struct api_field patch_fields[] = {
	{ "active", F_BOOL, 0 },
	{ "backup_guest", F_NSTR, 0 },
	{ "max_mailboxes", F_INT, 0 },
	{ "default_quota", F_SIZE, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_listing domains = {
	store_domain_list, NULL, api_cursor_domain, L_ACTIVE
};

int
api_domains_list(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	return api_list(call, resp, &domains, err);
}

int
api_domains_add(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (api_check_body(call->body, domain_fields, err) < 0 ||
	    validate_domain(api_str(call->body, "name"), "name", name,
			    err) < 0)
		return -1;
	if (store_domain_add(call->ctx->db, &call->actor, name,
			     api_str(call->body, "guest"), &obj, err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

int
api_domain_get(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || api_path_domain(call, name, err) < 0 ||
	    store_domain_get(call->ctx->db, &call->actor, name, &obj,
			     err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_domain_patch(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	struct domain_patch patch = { -1, -1, -1, 0, NULL };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *b = call->body, *obj = NULL;

	if (api_path_domain(call, name, err) < 0 ||
	    api_check_body(b, patch_fields, err) < 0 ||
	    api_int(b, "max_mailboxes", API_COUNT_MAX,
		    &patch.max_mailboxes, err) < 0 ||
	    api_size(b, "default_quota", &patch.default_quota, err) < 0)
		return -1;
	if (json_object_get(b, "active") != NULL)
		patch.active = api_bool(b, "active", 1);
	if (json_object_get(b, "backup_guest") != NULL) {
		patch.set_backup = 1;
		patch.backup_guest = api_str(b, "backup_guest");
		if (patch.backup_guest != NULL &&
		    validate_slug(patch.backup_guest, "backup_guest", err) < 0)
			return -1;
	}
	if (store_domain_update(call->ctx->db, &call->actor, name, &patch,
				&obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_domain_delete(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	int force = 0;

	if (api_force(call, &force, err) < 0 ||
	    api_path_domain(call, name, err) < 0 ||
	    store_domain_delete(call->ctx->db, &call->actor, name, force,
				(int64_t)call->ctx->cfg->purge_after * 86400,
				err) < 0)
		return -1;
	return api_deleted(call, resp);
}
