/* SPDX-License-Identifier: ISC */
/*
 * api_move.c - moving a domain, with its mail, to another guest of its
 * project (the store's side: store_move.c; pushd does the work):
 *
 *   POST /domains/{domain}/move {"to": GUEST, "dry_run": bool}
 *       operators: 202 with the move (Location: /api/v1/moves/{id}), or
 *       200 with the plan of a dry run (nothing written)
 *   GET  /moves[?domain=D&live=true]   the newest first (at most 200)
 *   GET  /moves/{id}                   one move, with its progress
 *   POST /moves/{id}/cancel            operators, before the cut-over
 *
 * Owners read their project's moves; another project's answers 404 like
 * a missing one, and the store refuses them every write (403).  See api.h.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "api.h"
#include "query.h"
#include "store_move.h"
#include "validate.h"

static const struct api_field move_fields[] = {
	{ "to", F_STR, 1 },
	{ "dry_run", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* The path's move id: anything but an id is a missing move. */
static int
path_move(struct api_call *call, int64_t *id, struct hk_err *err)
{
	if (api_path_id(call->seg[1], id) < 0)
		return hk_failr(err, HK_ENOTFOUND, "move", HK_R_no_such_move,
				NULL);
	return 0;
}

int
api_domain_move(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	struct move_in in = { name, NULL, 0, 0, 0 };
	json_t *b = call->body, *obj = NULL;

	if (api_path_domain(call, name, err) < 0)
		return -1;
	if (api_check_body(b, move_fields, err) < 0 ||
	    validate_slug(api_str(b, "to"), "to", err) < 0)
		return -1;
	in.to = api_str(b, "to");
	in.dry_run = api_bool(b, "dry_run", 0);
	in.disk_percent = call->ctx->cfg->warn_disk_percent;
	in.now = (int64_t)time(NULL);
	if (store_move_start(call->ctx->db, &call->actor, &in, &obj, err) < 0)
		return -1;
	if (in.dry_run)
		return api_object(resp, obj);
	snprintf(resp->location, sizeof(resp->location), API_PREFIX
		 "moves/%lld", (long long)json_integer_value(
		 json_object_get(obj, "id")));
	call->wrote = 1;	/* pushd: a move to start */
	resp->status = 202;
	resp->body = obj;
	return 0;
}

int
api_moves_list(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	static const char *const keys[] = { "domain", "live", NULL };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *domain = NULL;
	json_t *items = NULL;
	struct query q;
	int live;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_bool(&q, "live", 0, &live, err) < 0)
		return -1;
	if (query_get(&q, "domain") != NULL) {
		if (validate_domain(query_get(&q, "domain"), "domain", name,
				    err) < 0)
			return -1;
		domain = name;
	}
	if (store_move_list(call->ctx->db, &call->actor, domain, live,
			    (int64_t)time(NULL), &items, err) < 0)
		return -1;
	return api_object(resp, json_pack("{s:o}", "items", items));
}

int
api_move_get(struct api_call *call, struct http_resp *resp,
	     struct hk_err *err)
{
	json_t *obj = NULL;
	int64_t id;

	if (api_no_query(call, err) < 0 || path_move(call, &id, err) < 0 ||
	    store_move_get(call->ctx->db, &call->actor, id,
			   (int64_t)time(NULL), &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}

int
api_move_cancel(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	json_t *obj = NULL;
	int64_t id;

	if (api_no_query(call, err) < 0 || path_move(call, &id, err) < 0 ||
	    store_move_cancel(call->ctx->db, &call->actor, id,
			      (int64_t)time(NULL), &obj, err) < 0)
		return -1;
	return api_changed(call, resp, obj);
}
