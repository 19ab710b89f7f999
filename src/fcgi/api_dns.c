/* SPDX-License-Identifier: ISC */
/*
 * api_dns.c - the DNS records a domain needs (store_dns.h), for
 * operators and the owners of the domain's project:
 *
 *   GET /domains/D/dns            {"domain", "records": [...], "zone"}
 *   GET /domains/D/dns?check=true   the same, each record with "status"
 *                                 and "found" as the resolver sees it now
 *
 * The check asks [dns] resolver (dnscheck.h) and takes at most [dns]
 * timeout seconds; nothing is written.  A check that cannot start at all
 * answers 503 dns_check_failed.  See api.h.
 */
#include "config.h"

#include <time.h>

#include "api.h"
#include "log.h"
#include "mapsyntax.h"
#include "query.h"
#include "store_dns.h"

/* The records, checked now when asked; *out the answer. */
static int
records(struct api_call *call, const char *domain, int check, json_t **out,
	struct hk_err *err)
{
	const struct dns_conf *conf = &call->ctx->cfg->dns;
	struct dnscheck_result *res = NULL;
	struct dnsrec_list list;
	int rc = -1;

	*out = NULL;
	if (store_dns_records(call->ctx->db, &call->actor, conf, domain,
			      (int64_t)time(NULL), &list, err) < 0)
		return -1;
	if (check && dnscheck_all(conf, &list, &res, err) < 0) {
		/* the resolver's configuration is the operator's: in the
		 * log, not in the answer */
		log_error("DNS check of %s: %s", domain, err->message);
		hk_failr(err, HK_EUNAVAIL, NULL, HK_R_dns_check_failed, NULL);
		goto done;
	}
	*out = store_dns_json(domain, &list, res);
	rc = *out ? 0 : hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
done:
	dnscheck_release(res, list.n);
	dnsrec_list_free(&list);
	return rc;
}

int
api_dns_get(struct api_call *call, struct http_resp *resp, struct hk_err *err)
{
	static const char *const keys[] = { "check", NULL };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	json_t *obj = NULL;
	struct query q;
	int check = 0;

	if (query_parse(call->req->uri, keys, &q, err) < 0 ||
	    query_bool(&q, "check", 0, &check, err) < 0 ||
	    api_path_domain(call, name, err) < 0 ||
	    records(call, name, check, &obj, err) < 0)
		return -1;
	return api_object(resp, obj);
}
