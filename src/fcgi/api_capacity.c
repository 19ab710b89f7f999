/* SPDX-License-Identifier: ISC */
/*
 * api_capacity.c - what the guests report, as the panel keeps it:
 *
 *   GET /guests/{guest}/capacity[?since=UNIX&step=SECONDS]
 *       the latest figures, days until the mail filesystem and the
 *       project's storage are full, the warnings open, and the series
 *   GET /warnings[?all=true]
 *       the warnings open (or every one kept), newest first
 *
 * An owner sees its project's guests and warnings; another project's
 * guest answers like a missing one.  The store says what each figure
 * is (store_capacity_get, store_warnings_list).  See api.h.
 */
#include "config.h"

#include <time.h>

#include "api.h"
#include "store_report.h"
#include "conf.h"
#include "query.h"
#include "validate.h"

#define SINCE_MAX	((int64_t)1 << 40)	/* seconds: far past any date */

int
api_guest_capacity(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	static const char *const keys[] = { "since", "step", NULL };
	struct warn_limits l;
	struct query q;
	int64_t since, step;
	struct strbuf sb;

	if (validate_slug(call->seg[1], "guest", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "guest", HK_R_no_such_guest,
				NULL);
	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_int64(&q, "since", 0, SINCE_MAX, 0, &since, err) < 0 ||
	    query_int64(&q, "step", 0, SERIES_STEP_MAX, 0, &step, err) < 0)
		return -1;
	conf_warn_limits(call->ctx->cfg, &l);
	/* as text: the series is most of the body */
	strbuf_init(&sb, HTTP_MAX_RESPONSE);
	if (store_capacity_text(call->ctx->db, &call->actor, call->seg[1],
				since, step, (int64_t)time(NULL), &l, &sb,
				err) < 0) {
		strbuf_free(&sb);
		return -1;
	}
	resp->status = 200;
	resp->raw = sb.data;	/* resp owns it now */
	resp->raw_len = sb.len;
	return 0;
}

int
api_warnings_list(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	static const char *const keys[] = { "all", NULL };
	struct query q;
	json_t *items = NULL;
	int all;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_bool(&q, "all", 0, &all, err) < 0 ||
	    store_warnings_list(call->ctx->db, &call->actor, all, &items,
				err) < 0)
		return -1;
	return api_object(resp, json_pack("{s:o}", "items", items));
}
