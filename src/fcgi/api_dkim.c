/* SPDX-License-Identifier: ISC */
/*
 * api_dkim.c - a domain's DKIM keys (store_dkim.h), for operators and the
 * owners of the domain's project:
 *
 *   GET    /domains/D/dkim                {"items": [key...]}
 *   POST   /domains/D/dkim                {algorithm?, bits?, selector?}
 *                                         -> 201 key (pending)
 *   POST   /domains/D/dkim/S/activate     {"confirm": true?} -> 200 key
 *   DELETE /domains/D/dkim/S              -> 204
 *
 * A key is {"selector", "algorithm", "bits", "state", "record_name",
 * "record_value", "created_at", "activated_at", "retired_at",
 * "remove_after"}: never its private part.  A rotation is a new key made
 * while one is active, then activated.  Activation needs the record seen
 * in DNS: the panel checks it ([dns] resolver) unless the caller confirms
 * it ("confirm": true), and refuses it unseen (409 dkim_not_published,
 * field "confirm", saying what the check found).  Without [dkim] key_file every route answers 503
 * dkim_not_configured.  See api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "store_dkim.h"
#include "store_dns.h"
#include "validate.h"

static const struct api_field new_fields[] = {
	{ "algorithm", F_STR, 0 },
	{ "bits", F_INT, 0 },
	{ "selector", F_STR, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field activate_fields[] = {
	{ "confirm", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* The path's domain and selector (/domains/D/dkim/S...): a selector that
 * cannot be one is a missing key. */
static int
path_key(struct api_call *call, char name[MAPSYNTAX_DOMAIN_MAX + 1],
	 char selector[DKIM_SELECTOR_MAX + 1], struct hk_err *err)
{
	if (api_path_domain(call, name, err) < 0)
		return -1;
	if (dkim_selector_check(call->seg[3], selector, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "selector",
				HK_R_no_such_dkim_key, "domain", name,
				"selector", call->seg[3], NULL);
	return 0;
}

int
api_dkim_list(struct api_call *call, struct http_resp *resp,
	      struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *items = NULL;

	if (api_no_query(call, err) < 0 || api_path_domain(call, name, err) < 0 ||
	    store_dkim_list(call->ctx->db, &call->actor, &call->ctx->cfg->dkim,
			    name, &items, err) < 0)
		return -1;
	return api_object(resp, json_pack("{s:o}", "items", items));
}

int
api_dkim_add(struct api_call *call, struct http_resp *resp,
	     struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	struct dkim_new in = { NULL, -1, NULL, 0 };
	json_t *obj = NULL;

	if (api_check_body(call->body, new_fields, err) < 0 ||
	    api_path_domain(call, name, err) < 0 ||
	    api_int(call->body, "bits", API_COUNT_MAX, &in.bits, err) < 0)
		return -1;
	in.algorithm = api_str(call->body, "algorithm");
	in.selector = api_str(call->body, "selector");
	if (store_dkim_create(call->ctx->db, &call->actor,
			      &call->ctx->cfg->dkim, name, &in, &obj,
			      err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

int
api_dkim_activate(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1], sel[DKIM_SELECTOR_MAX + 1];
	json_t *obj = NULL;

	if (api_check_body(call->body, activate_fields, err) < 0 ||
	    path_key(call, name, sel, err) < 0)
		return -1;
	if (!api_bool(call->body, "confirm", 0)) {
		/* who may not, or a key that is not there, first: as
		 * the store would answer them */
		if (store_dkim_list(call->ctx->db, &call->actor,
				    &call->ctx->cfg->dkim, name, &obj,
				    err) < 0)
			return -1;
		json_decref(obj);
		if (call->actor.read_only)
			return hk_failr(err, HK_EFORBIDDEN, NULL,
					HK_R_read_only_key, NULL);
		if (store_dns_dkim_seen(call->ctx->db, &call->actor,
					&call->ctx->cfg->dns, name, sel,
					err) < 0)
			return -1;
	}
	if (store_dkim_activate(call->ctx->db, &call->actor,
				&call->ctx->cfg->dkim, name, sel, &obj,
				err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_dkim_delete(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1], sel[DKIM_SELECTOR_MAX + 1];

	if (api_no_query(call, err) < 0 || path_key(call, name, sel, err) < 0 ||
	    store_dkim_delete(call->ctx->db, &call->actor,
			      &call->ctx->cfg->dkim, name, sel, err) < 0)
		return -1;
	return api_deleted(call, resp);
}
