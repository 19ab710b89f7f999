/* SPDX-License-Identifier: ISC */
/*
 * api_export.c - the CSV export through the API:
 *
 *   GET /export/mailboxes[?domain=D|project=P][&with_hashes=true]
 *   GET /export/aliases[?domain=D|project=P]
 *
 * The file export.c writes for the CLI, answered as text/csv to save
 * (Content-Disposition names it after the domain or project).  An owner
 * exports its project's; hashes are an operator's (403 otherwise).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "export.h"
#include "query.h"
#include "validate.h"

static int
append(void *ctx, const char *p, size_t n)
{
	return strbuf_append(ctx, p, n);
}

static int
export_file(struct api_call *call, struct http_resp *resp, int aliases,
	    struct hk_err *err)
{
	static const char *const keys[] = { "domain", "project",
					     "with_hashes", NULL };
	struct export_opts o = { .write = append };
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct strbuf sb;
	struct query q;
	size_t rows;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_bool(&q, "with_hashes", 0, &o.hashes, err) < 0)
		return -1;
	if (aliases && o.hashes)
		return hk_failr(err, HK_EINVAL, "with_hashes",
				HK_R_aliases_no_passwords, NULL);
	if (query_get(&q, "domain") != NULL) {
		/* canonical, so that the file's name is plain ASCII */
		if (validate_domain(query_get(&q, "domain"), "domain", domain,
				    err) < 0)
			return hk_failr(err, HK_ENOTFOUND, "domain",
					HK_R_no_domain, "domain",
					query_get(&q, "domain"), NULL);
		o.domain = domain;
	}
	o.project = query_get(&q, "project");
	if (o.project != NULL && validate_slug(o.project, "project", err) < 0)
		return hk_failr(err, HK_ENOTFOUND, "project", HK_R_no_project,
				"project", o.project, NULL);
	strbuf_init(&sb, HTTP_MAX_RESPONSE);
	o.ctx = &sb;
	if ((aliases ? export_aliases : export_mailboxes)(call->ctx->db,
	    &call->actor, &o, &rows, err) < 0) {
		if (sb.overflow)
			hk_failr(err, HK_ETOOBIG, NULL, HK_R_export_too_large,
				 "max", HK_NUM(HTTP_MAX_RESPONSE), NULL);
		strbuf_free(&sb);
		return -1;
	}
	resp->status = 200;
	resp->raw = sb.data;	/* resp owns it now */
	resp->raw_len = sb.len;
	resp->content_type = "text/csv; charset=utf-8";
	snprintf(resp->attachment, sizeof(resp->attachment), "%s-%s.csv",
		 o.domain ? o.domain : o.project ? o.project : "all",
		 aliases ? "aliases" : "mailboxes");
	return 0;
}

int
api_export_mailboxes(struct api_call *call, struct http_resp *resp,
		     struct hk_err *err)
{
	return export_file(call, resp, 0, err);
}

int
api_export_aliases(struct api_call *call, struct http_resp *resp,
		   struct hk_err *err)
{
	return export_file(call, resp, 1, err);
}
