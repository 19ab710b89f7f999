/* SPDX-License-Identifier: ISC */
/*
 * api_alias.c - /api/v1/domains/{d}/aliases (forwards and the catch-all)
 * and /api/v1/alias-domains.  See api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "validate.h"

static const struct api_field alias_fields[] = {
	{ "local_part", F_STR, 0 },
	{ "catch_all", F_BOOL, 0 },
	{ "destinations", F_STRLIST, 1 },
	{ "active", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field aliasdomain_fields[] = {
	{ "name", F_STR, 1 },
	{ "target", F_STR, 1 },
	{ NULL, F_STR, 0 }
};

/* local_part for an alias, or "" for the catch-all: exactly one given. */
static int
alias_local(json_t *b, char *out, struct hk_err *err)
{
	int catch_all = api_bool(b, "catch_all", 0);
	const char *lp = api_str(b, "local_part");

	if (catch_all == (lp != NULL))
		return hk_failr(err, HK_EINVAL, "local_part",
				HK_R_local_part_or_catch_all, NULL);
	if (catch_all) {
		out[0] = '\0';
		return 0;
	}
	return validate_localpart(lp, "local_part", out, err);
}

static int
destinations(json_t *b, struct strbuf *out, struct hk_err *err)
{
	json_t *arr = json_object_get(b, "destinations");
	const char *list[VALIDATE_DEST_MAX];
	size_t n = json_array_size(arr);

	if (n > VALIDATE_DEST_MAX)
		return hk_failr(err, HK_EINVAL, "destinations",
				HK_R_destinations_count, "max",
				HK_NUM(VALIDATE_DEST_MAX), NULL);
	for (size_t i = 0; i < n; i++)
		list[i] = json_string_value(json_array_get(arr, i));
	return validate_destinations(list, n, "destinations", out, err);
}

int
api_aliases_add(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], local[MAPSYNTAX_LOCAL_MAX + 1];
	struct strbuf dests;
	struct alias_in in;
	json_t *obj = NULL;
	int rc = -1;

	strbuf_init(&dests, 64 * 1024);
	if (api_check_body(call->body, alias_fields, err) == 0 &&
	    api_path_domain(call, domain, err) == 0 &&
	    alias_local(call->body, local, err) == 0 &&
	    destinations(call->body, &dests, err) == 0) {
		in.local_part = local;
		in.domain = domain;
		in.destinations = strbuf_str(&dests);
		in.active = api_bool(call->body, "active", 1);
		rc = store_alias_add(call->ctx->db, &call->actor, &in, &obj,
				     err);
	}
	strbuf_free(&dests);
	return rc < 0 ? -1 : api_created(call, resp, obj);
}

/* An alias's address, the listing's key: "local@domain" or "@domain". */
static int
cursor_alias(const char *in, char *out, struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];

	if (in[0] == '@') {
		local[0] = '\0';
		if (validate_domain(in + 1, "cursor", domain, err) < 0)
			return -1;
	} else if (validate_address(in, "cursor", local, domain, err) < 0) {
		return -1;
	}
	snprintf(out, PAGE_CURSOR_MAX + 1, "%s@%s", local, domain);
	return 0;
}

static const struct api_listing aliases = {
	store_alias_list, NULL, cursor_alias, L_ACTIVE | L_PATH_DOMAIN
};

int
api_aliases_list(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	return api_list(call, resp, &aliases, err);
}

int
api_aliasdomains_add(struct api_call *call, struct http_resp *resp,
		     struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1], target[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (api_check_body(call->body, aliasdomain_fields, err) < 0 ||
	    validate_domain(api_str(call->body, "name"), "name", name,
			    err) < 0 ||
	    validate_domain(api_str(call->body, "target"), "target", target,
			    err) < 0)
		return -1;
	if (store_aliasdomain_add(call->ctx->db, &call->actor, name, target,
				  &obj, err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

static const struct api_listing aliasdomains = {
	store_aliasdomain_list, NULL, api_cursor_domain, L_ACTIVE | L_DOMAIN
};

int
api_aliasdomains_list(struct api_call *call, struct http_resp *resp,
		      struct hk_err *err)
{
	return api_list(call, resp, &aliasdomains, err);
}

/* The path's alias address: "local@domain", or "@domain" for the
 * catch-all; a malformed one is as absent as a missing one. */
static int
path_alias(struct api_call *call, char *local, char *domain,
	   struct hk_err *err)
{
	const char *a = call->seg[1];
	int rc;

	if (a[0] == '@') {
		local[0] = '\0';
		rc = validate_domain(a + 1, "address", domain, err);
	} else {
		rc = validate_address(a, "address", local, domain, err);
	}
	return rc < 0 ? hk_failr(err, HK_ENOTFOUND, "address",
				 HK_R_no_such_alias, NULL) : 0;
}

int
api_alias_get(struct api_call *call, struct http_resp *resp,
	      struct hk_err *err)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], local[MAPSYNTAX_LOCAL_MAX + 1];
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 ||
	    path_alias(call, local, domain, err) < 0 ||
	    store_alias_get(call->ctx->db, &call->actor, local, domain, &obj,
			    err) < 0)
		return -1;
	return api_object(resp, obj);
}

static const struct api_field alias_patch_fields[] = {
	{ "destinations", F_STRLIST, 0 },
	{ "active", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

int
api_alias_patch(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], local[MAPSYNTAX_LOCAL_MAX + 1];
	json_t *b = call->body, *obj = NULL;
	struct strbuf dests;
	int active = -1, rc = -1;

	strbuf_init(&dests, 64 * 1024);
	if (path_alias(call, local, domain, err) == 0 &&
	    api_check_body(b, alias_patch_fields, err) == 0 &&
	    (json_object_get(b, "destinations") == NULL ||
	     destinations(b, &dests, err) == 0)) {
		if (json_object_get(b, "active") != NULL)
			active = api_bool(b, "active", 1);
		rc = store_alias_update(call->ctx->db, &call->actor, local,
					domain, json_object_get(b,
					"destinations") ? strbuf_str(&dests) :
					NULL, active, err);
	}
	strbuf_free(&dests);
	/* the alias as it now is, for the answer */
	if (rc < 0 || store_alias_get(call->ctx->db, &call->actor, local,
				      domain, &obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_alias_delete(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], local[MAPSYNTAX_LOCAL_MAX + 1];

	if (api_no_query(call, err) < 0 ||
	    path_alias(call, local, domain, err) < 0 ||
	    store_alias_delete(call->ctx->db, &call->actor, local, domain,
			       err) < 0)
		return -1;
	return api_deleted(call, resp);
}

int
api_aliasdomain_get(struct api_call *call, struct http_resp *resp,
		    struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0)
		return -1;
	if (validate_domain(call->seg[1], "name", name, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "name",
				HK_R_no_such_alias_domain, NULL);
	if (store_aliasdomain_get(call->ctx->db, &call->actor, name, &obj,
				  err) < 0)
		return -1;
	return api_object(resp, obj);
}

static const struct api_field aliasdomain_patch_fields[] = {
	{ "active", F_BOOL, 1 },
	{ NULL, F_STR, 0 }
};

int
api_aliasdomain_patch(struct api_call *call, struct http_resp *resp,
		      struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;

	if (validate_domain(call->seg[1], "name", name, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "name",
				HK_R_no_such_alias_domain, NULL);
	if (api_check_body(call->body, aliasdomain_patch_fields, err) < 0 ||
	    store_aliasdomain_active(call->ctx->db, &call->actor, name,
				     api_bool(call->body, "active", 1),
				     err) < 0 ||
	    store_aliasdomain_get(call->ctx->db, &call->actor, name, &obj,
				  err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_aliasdomain_delete(struct api_call *call, struct http_resp *resp,
		       struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];

	if (api_no_query(call, err) < 0)
		return -1;
	if (validate_domain(call->seg[1], "name", name, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "name",
				HK_R_no_such_alias_domain, NULL);
	if (store_aliasdomain_delete(call->ctx->db, &call->actor, name,
				     err) < 0)
		return -1;
	return api_deleted(call, resp);
}
