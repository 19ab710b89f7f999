/* SPDX-License-Identifier: ISC */
/*
 * api_metrics.c - GET /metrics (and /api/v1/metrics): the panel's figures
 * in Prometheus's text exposition format (store_metrics), for the
 * Prometheus an operator already runs.  An operator's credential reads
 * it, and so does any client whose address is in [metrics] allow (a
 * scraper on the panel's network needs no key).  See api.h.
 */
#include "config.h"

#include <time.h>

#include "addrlist.h"
#include "api.h"
#include "store_report.h"
#include "conf.h"

#define METRICS_MAX	((size_t)16 << 20)

/* The caller may read the figures: allowed by address, else an
 * operator's credential (401 without one, 403 with an owner's). */
static int
metrics_allowed(struct api_call *call, struct hk_err *err)
{
	struct addrlist allow;

	if (addrlist_parse(call->ctx->cfg->metrics_allow, "metrics.allow",
			   &allow, err) < 0)
		return -1;	/* fcgi refuses to start with a bad list */
	if (addrlist_match(&allow, call->req->remote_addr))
		return 0;
	if (api_authenticate(call, err) < 0)
		return -1;
	if (!call->actor.is_admin)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_operator_only,
				NULL);
	return 0;
}

int
api_metrics(struct api_call *call, struct http_resp *resp,
	    struct hk_err *err)
{
	struct strbuf sb;

	if (api_no_query(call, err) < 0 || metrics_allowed(call, err) < 0)
		return -1;
	strbuf_init(&sb, METRICS_MAX);
	if (store_metrics(call->ctx->db, (int64_t)time(NULL), &sb, err) < 0) {
		strbuf_free(&sb);
		return -1;
	}
	resp->status = 200;
	resp->raw = sb.data;	/* resp owns it now */
	resp->raw_len = sb.len;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
