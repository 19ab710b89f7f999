/* SPDX-License-Identifier: ISC */
/*
 * cli_dkim.c - the hakomail command's DKIM keys of a domain
 * (store_dkim.h).
 *
 *   dkim new DOMAIN [--algorithm rsa|ed25519] [--bits N] [--selector S]
 *   dkim rotate DOMAIN [same options]   (needs an active key of the
 *                                        algorithm)
 *   dkim list DOMAIN
 *   dkim activate DOMAIN SELECTOR [--confirm]
 *   dkim delete DOMAIN SELECTOR
 *
 * A new key is pending: publish its record (shown), then activate it
 * once DNS shows it: the command looks it up ([dns] resolver), unless
 * --confirm says it is published.  The checks are the store's, their fields said as
 * these options (cli_words.c).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mapsyntax.h"
#include "store_dkim.h"
#include "store_dns.h"
#include "validate.h"
#include "wake.h"

static const char *const list_cols[] = { "selector", "algorithm", "bits",
	"state", "created_at", "activated_at", "remove_after", "record_name",
	NULL };
static const char *const key_cols[] = { "selector", "algorithm", "bits",
	"state", "record_name", "record_value", NULL };

/* --bits N: what is no number, or too large for one, is 0, which the
 * store refuses naming bits (--bits) with the sizes it takes. */
static int64_t
bits_opt(const struct cli_opt *o)
{
	const char *v = cli_opt(o, "--bits");
	uint64_t n;

	if (v == NULL)
		return -1;
	if (!mapsyntax_decimal(v, strlen(v), INT_MAX, &n))
		return 0;
	return (int64_t)n;
}

static int
make_key(struct cli *c, const char *domain, int rotate,
	 const struct cli_opt *o)
{
	struct dkim_new in = { cli_opt(o, "--algorithm"), bits_opt(o),
			       cli_opt(o, "--selector"), rotate };
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (store_dkim_create(c->db, &c->actor, &c->cfg.dkim, domain, &in,
			      &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, key_cols);
}

static int
list(struct cli *c, const char *domain)
{
	struct hk_err err;
	json_t *items = NULL;
	int rc;

	hk_err_clear(&err);
	rc = store_dkim_list(c->db, &c->actor, &c->cfg.dkim, domain, &items,
			     &err);
	return cli_listed(c, rc, items, list_cols, &err);
}

static int
activate(struct cli *c, const char *domain, const char *selector,
	 int confirm)
{
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	/* unconfirmed, the record is looked up now; a domain or key that
	 * is not there is said first */
	if (!confirm &&
	    (store_dkim_list(c->db, &c->actor, &c->cfg.dkim, domain, &obj,
			     &err) < 0 ||
	     store_dns_dkim_seen(c->db, &c->actor, &c->cfg.dns, domain,
				 selector, &err) < 0)) {
		json_decref(obj);
		return cli_fail(&err);
	}
	json_decref(obj);
	obj = NULL;
	if (store_dkim_activate(c->db, &c->actor, &c->cfg.dkim, domain,
				selector, &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, key_cols);
}

static int
delete_key(struct cli *c, const char *domain, const char *selector)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (store_dkim_delete(c->db, &c->actor, &c->cfg.dkim, domain, selector,
			      &err) < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	return 0;
}

/* The verb's arguments: DOMAIN, and SELECTOR for activate and delete. */
static int
args(struct cli *c, const char *verb, const char **pos, int npos,
     char domain[MAPSYNTAX_DOMAIN_MAX + 1],
     char selector[DKIM_SELECTOR_MAX + 1])
{
	int two = strcmp(verb, "activate") == 0 || strcmp(verb, "delete") == 0;
	struct hk_err err;

	(void)c;
	hk_err_clear(&err);
	if (npos != 1 + two)
		return 2;
	if (validate_domain(pos[0], "domain", domain, &err) < 0)
		return cli_fail(&err);
	/* what cannot be a selector is no key of the domain */
	if (two && dkim_selector_check(pos[1], selector, &err) < 0) {
		hk_failr(&err, HK_ENOTFOUND, "selector", HK_R_no_such_dkim_key,
			 "domain", domain, "selector", pos[1], NULL);
		return cli_fail(&err);
	}
	return 0;
}

int
cli_dkim(struct cli *c)
{
	struct cli_opt o[] = { { "--algorithm", 1, NULL },
			       { "--bits", 1, NULL },
			       { "--selector", 1, NULL },
			       { "--confirm", 0, NULL },
			       { NULL, 0, NULL } };
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], sel[DKIM_SELECTOR_MAX + 1];
	const char *pos[CLI_MAXPOS], *verb = c->argc > 1 ? c->argv[1] : "";
	int npos, rc, make = !strcmp(verb, "new") || !strcmp(verb, "rotate");
	int opts;

	if (cli_parse(c, 2, o, pos, &npos) < 0)
		return cli_usage();
	opts = o[0].value || o[1].value || o[2].value;
	/* each verb's own options */
	if ((!make && opts) || (strcmp(verb, "activate") != 0 && o[3].value))
		return cli_usage();
	if (!make && strcmp(verb, "list") && strcmp(verb, "activate") &&
	    strcmp(verb, "delete"))
		return cli_usage();
	if ((rc = args(c, verb, pos, npos, domain, sel)) != 0)
		return rc == 2 ? cli_usage() : rc;
	if (make)
		return make_key(c, domain, verb[0] == 'r', o);
	if (strcmp(verb, "list") == 0)
		return list(c, domain);
	if (strcmp(verb, "activate") == 0)
		return activate(c, domain, sel, o[3].value != NULL);
	return delete_key(c, domain, sel);
}
