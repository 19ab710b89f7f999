/* SPDX-License-Identifier: ISC */
/*
 * api_project.c - /api/v1/projects: the tenants and their limits.
 * Operators create, change and delete them; an owner reads its own
 * project (what it may still add).  See api.h.
 */
#include "config.h"

#include "api.h"
#include "validate.h"

static const struct api_field project_fields[] = {
	{ "name", F_STR, 1 },
	{ "max_domains", F_INT, 0 },
	{ "max_mailboxes", F_INT, 0 },
	{ "max_storage", F_SIZE, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field patch_fields[] = {
	{ "max_domains", F_INT, 0 },
	{ "max_mailboxes", F_INT, 0 },
	{ "max_storage", F_SIZE, 0 },
	{ NULL, F_STR, 0 }
};

/* The limits given in body (0: none); absent ones stay -1 (as they are). */
static int
body_limits(json_t *b, struct project_limits *lim, struct hk_err *err)
{
	lim->max_domains = lim->max_mailboxes = lim->max_storage = -1;
	if (api_int(b, "max_domains", API_COUNT_MAX, &lim->max_domains,
		    err) < 0 ||
	    api_int(b, "max_mailboxes", API_COUNT_MAX, &lim->max_mailboxes,
		    err) < 0)
		return -1;
	return api_size(b, "max_storage", &lim->max_storage, err);
}

/* The path's project: a malformed name is a missing project. */
static int
path_project(struct api_call *call, struct hk_err *err)
{
	if (validate_slug(call->seg[1], "project", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "project",
				HK_R_no_such_project, NULL);
	return 0;
}

static const struct api_listing projects = {
	store_project_list, NULL, api_cursor_slug, 0
};

int
api_projects_list(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	return api_list(call, resp, &projects, err);
}

int
api_projects_add(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	struct project_limits lim;
	const char *name = api_str(call->body, "name");
	json_t *obj = NULL;

	if (api_check_body(call->body, project_fields, err) < 0 ||
	    (name = api_str(call->body, "name"),
	     validate_slug(name, "name", err) < 0) ||
	    body_limits(call->body, &lim, err) < 0 ||
	    store_project_add(call->ctx->db, &call->actor, name, &lim,
			      err) < 0 ||
	    store_project_get(call->ctx->db, &call->actor, name, &obj,
			      err) < 0)
		return -1;
	return api_created(call, resp, obj);
}

int
api_project_get(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	json_t *obj = NULL;

	if (api_no_query(call, err) < 0 || path_project(call, err) < 0 ||
	    store_project_get(call->ctx->db, &call->actor, call->seg[1], &obj,
			      err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_project_patch(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	struct project_limits lim;
	json_t *obj = NULL;

	if (path_project(call, err) < 0 ||
	    api_check_body(call->body, patch_fields, err) < 0 ||
	    body_limits(call->body, &lim, err) < 0 ||
	    store_project_limits(call->ctx->db, &call->actor, call->seg[1],
				 &lim, err) < 0 ||
	    store_project_get(call->ctx->db, &call->actor, call->seg[1], &obj,
			      err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}

int
api_project_delete(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	if (api_no_query(call, err) < 0 || path_project(call, err) < 0 ||
	    store_project_delete(call->ctx->db, &call->actor, call->seg[1],
				 err) < 0)
		return -1;
	return api_deleted(call, resp);
}
