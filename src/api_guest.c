/*
 * api_guest.c - /api/v1/guests: each guest's push state.  See api.h.
 */
#include "config.h"

#include "api.h"

int
api_guests_list(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	json_t *items = NULL;

	if (store_guest_list(call->ctx->db, &call->actor, &items, err) < 0) {
		json_decref(items);
		return -1;
	}
	return api_items(resp, items);
}
