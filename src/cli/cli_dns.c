/* SPDX-License-Identifier: ISC */
/*
 * cli_dns.c - the hakomail command's view of the DNS records a domain
 * needs (store_dns.h):
 *
 *   domain dns DOMAIN            the records as zone-file text to paste
 *   domain dns DOMAIN --check    each record and whether the resolver
 *                                ([dns] resolver) sees it published now
 *
 * With --json, the API's answer (GET /domains/D/dns[?check=true]).  The
 * exit status is 0 either way: a check reports, it does not fail, but a
 * check that could not start at all is an error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mapsyntax.h"
#include "store_dns.h"
#include "validate.h"

static const char *const check_cols[] = { "status", "name", "type",
	"action", "value", "found", NULL };

/* The records checked; list filled by the caller. */
static int
check(struct cli *c, const char *domain, const struct dnsrec_list *list)
{
	struct dnscheck_result *res;
	struct hk_err err;
	json_t *obj;

	hk_err_clear(&err);
	if (dnscheck_all(&c->cfg.dns, list, &res, &err) < 0)
		return cli_fail(&err);
	obj = store_dns_json(domain, list, res);
	dnscheck_release(res, list->n);
	if (obj == NULL) {
		fprintf(stderr, "hakomail: out of memory\n");
		return 1;
	}
	if (c->json)
		cli_print(c, obj, NULL);
	else
		cli_print(c, json_object_get(obj, "records"), check_cols);
	json_decref(obj);
	return 0;
}

int
cli_domain_dns(struct cli *c)
{
	struct cli_opt o[] = { { "--check", 0, NULL }, { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct dnsrec_list list;
	struct hk_err err;
	json_t *obj;
	int npos, rc = 0;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (validate_domain(pos[0], "domain", name, &err) < 0 ||
	    store_dns_records(c->db, &c->actor, &c->cfg.dns, name,
			      (int64_t)time(NULL), &list, &err) < 0)
		return cli_fail(&err);
	if (cli_opt(o, "--check") != NULL) {
		rc = check(c, name, &list);
	} else if ((obj = store_dns_json(name, &list, NULL)) == NULL) {
		fprintf(stderr, "hakomail: out of memory\n");
		rc = 1;
	} else {
		if (c->json)
			cli_print(c, obj, NULL);
		else
			fputs(json_string_value(json_object_get(obj, "zone")),
			      stdout);
		json_decref(obj);
	}
	dnsrec_list_free(&list);
	return rc;
}
