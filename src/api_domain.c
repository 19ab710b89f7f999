/*
 * api_domain.c - /api/v1/domains.  See api.h.
 */
#include "config.h"

#include "api.h"
#include "validate.h"

static const struct api_field domain_fields[] = {
	{ "name", F_STR, 1 },
	{ "guest", F_STR, 1 },
	{ NULL, F_STR, 0 }
};

int
api_domains_list(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	json_t *items = NULL;

	if (store_domain_list(call->ctx->db, &call->actor, &items, err) < 0) {
		json_decref(items);
		return -1;
	}
	return api_items(resp, items);
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

	if (validate_domain(call->seg[1], "domain", name, err) < 0)
		return hk_fail(err, HK_ENOTFOUND, "domain", "no such domain");
	if (store_domain_get(call->ctx->db, &call->actor, name, &resp->body,
			     err) < 0)
		return -1;
	resp->status = 200;
	return 0;
}
