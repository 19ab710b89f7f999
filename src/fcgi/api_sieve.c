/* SPDX-License-Identifier: ISC */
/*
 * api_sieve.c - a mailbox's vacation reply and forwarding (store_sieve.h),
 * for the mailbox's owner or an operator on /mailboxes/ADDRESS/..., and
 * for the mailbox user itself on /me/...:
 *
 *   GET    .../settings  {"address", "vacation": {...}|null,
 *                         "forward": {...}|null}
 *   PUT    .../vacation  {"text", "subject"?, "start"?, "end"?, "days"?}
 *   PUT    .../forward   {"addresses": [...], "keep"?}
 *   DELETE .../vacation, .../forward
 *
 * A PUT replaces that part whole and answers the settings; bad input is
 * refused naming the store's field (vacation.text, forward.addresses).
 * Each write is pushed to the mailbox's guest as any change is.  See
 * api.h.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "store_me.h"
#include "store_sieve.h"
#include "validate.h"

#define DAYS_DEFAULT	7	/* as the CLI's */

static const struct api_field vacation_fields[] = {
	{ "text", F_STR, 1 },
	{ "subject", F_NSTR, 0 },
	{ "start", F_NSTR, 0 },
	{ "end", F_NSTR, 0 },
	{ "days", F_INT, 0 },
	{ NULL, F_STR, 0 }
};

static const struct api_field forward_fields[] = {
	{ "addresses", F_STRLIST, 1 },
	{ "keep", F_BOOL, 0 },
	{ NULL, F_STR, 0 }
};

/* The mailbox of the path: /mailboxes/ADDRESS/... (its owner's or an
 * operator's), or /me/... (the mailbox user's own). */
static int
target(struct api_call *call, char address[MAPSYNTAX_ADDRESS_MAX + 1],
       struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct me_scope me;

	if (strcmp(call->seg[0], "me") == 0) {
		if (store_me_scope(call->ctx->db, &call->actor, &me, err) < 0)
			return -1;
		snprintf(address, MAPSYNTAX_ADDRESS_MAX + 1, "%s@%s",
			 me.local, me.domain);
		return 0;
	}
	if (validate_address(call->seg[1], "address", local, domain, err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "address",
				HK_R_no_such_mailbox, NULL);
	snprintf(address, MAPSYNTAX_ADDRESS_MAX + 1, "%s@%s", local, domain);
	return 0;
}

/* The settings of address as the answer (status 200). */
static int
settings(struct api_call *call, const char *address, struct http_resp *resp,
	 int written, struct hk_err *err)
{
	json_t *obj = NULL;

	if (store_sieve_get(call->ctx->db, &call->actor, address, &obj,
			    err) < 0)
		return -1;
	return written ? api_changed(call, resp, obj) : api_object(resp, obj);
}

int
api_sieve_get(struct api_call *call, struct http_resp *resp,
	      struct hk_err *err)
{
	char address[MAPSYNTAX_ADDRESS_MAX + 1];

	if (api_no_query(call, err) < 0 || target(call, address, err) < 0)
		return -1;
	return settings(call, address, resp, 0, err);
}

int
api_vacation_put(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	int64_t days = DAYS_DEFAULT;
	struct sieve_vacation v;

	if (api_check_body(call->body, vacation_fields, err) < 0 ||
	    target(call, address, err) < 0 ||
	    api_int(call->body, "days", API_COUNT_MAX, &days, err) < 0)
		return -1;
	/* the store judges the range, naming vacation.days as it names the
	 * other fields of the reply */
	v.text = api_str(call->body, "text");
	v.subject = api_str(call->body, "subject");
	v.start = api_str(call->body, "start");
	v.end = api_str(call->body, "end");
	v.days = (int)days;
	if (store_sieve_vacation_set(call->ctx->db, &call->actor, address, &v,
				     err) < 0)
		return -1;
	return settings(call, address, resp, 1, err);
}

int
api_forward_put(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	const char *list[SIEVE_FORWARD_MAX];
	struct sieve_forward f;
	json_t *arr;

	if (api_check_body(call->body, forward_fields, err) < 0 ||
	    target(call, address, err) < 0)
		return -1;
	arr = json_object_get(call->body, "addresses");
	f.n = json_array_size(arr);
	if (f.n == 0 || f.n > SIEVE_FORWARD_MAX)
		return hk_failr(err, HK_EINVAL, "forward.addresses",
				HK_R_destinations_count, "max",
				HK_NUM(SIEVE_FORWARD_MAX), NULL);
	for (size_t i = 0; i < f.n; i++)
		list[i] = json_string_value(json_array_get(arr, i));
	f.addresses = list;
	f.keep = api_bool(call->body, "keep", 0);
	if (store_sieve_forward_set(call->ctx->db, &call->actor, address, &f,
				    err) < 0)
		return -1;
	return settings(call, address, resp, 1, err);
}

int
api_sieve_delete(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	int vacation = strcmp(call->seg[call->nseg - 1], "vacation") == 0;

	if (api_no_query(call, err) < 0 || target(call, address, err) < 0 ||
	    (vacation ? store_sieve_vacation_clear(call->ctx->db,
						   &call->actor, address, err)
	     : store_sieve_forward_clear(call->ctx->db, &call->actor, address,
					 err)) < 0)
		return -1;
	return api_deleted(call, resp);
}
