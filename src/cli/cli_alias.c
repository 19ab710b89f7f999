/* SPDX-License-Identifier: ISC */
/*
 * cli_alias.c - the hakomail command's aliases (forwards and the
 * catch-all) and alias domains.
 *
 *   alias add|set ADDRESS|@DOMAIN DEST... | alias list DOMAIN [--search T]
 *   alias enable|disable|delete ADDRESS
 *   aliasdomain add NAME --target DOMAIN | aliasdomain list
 *   aliasdomain enable|disable|delete NAME
 *
 * Every value goes through the same validators as the API's; every write
 * is audited as via "cli".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "validate.h"
#include "wake.h"

static const char *const alias_cols[] = { "address", "destinations",
	"active", NULL };
static const char *const aliasdomain_cols[] = { "name", "target", "active",
	NULL };

/* "local@domain" or "@domain" (the catch-all) into local and domain. */
static int
alias_address(const char *in, char *local, char *domain, struct hk_err *err)
{
	if (in[0] == '@') {
		local[0] = '\0';
		return validate_domain(in + 1, "address", domain, err);
	}
	return validate_address(in, "address", local, domain, err);
}

static int
alias_add(struct cli *c, const char *const *pos, int npos)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct strbuf dests;
	struct alias_in in = { local, domain, NULL, 1 };
	struct hk_err err;
	json_t *obj = NULL;
	int rc;

	hk_err_clear(&err);
	strbuf_init(&dests, 64 * 1024);
	rc = alias_address(pos[0], local, domain, &err);
	if (rc == 0)
		rc = validate_destinations(pos + 1, (size_t)npos - 1,
					   "destinations", &dests, &err);
	in.destinations = strbuf_str(&dests);
	if (rc == 0)
		rc = store_alias_add(c->db, &c->actor, &in, &obj, &err);
	strbuf_free(&dests);
	return rc < 0 ? cli_fail(&err) : cli_written(c, obj, alias_cols);
}

/* alias set ADDRESS DEST..., alias enable|disable|delete ADDRESS */
static int
alias_change(struct cli *c, const char *const *pos, int npos)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *verb = c->argv[1];
	struct strbuf dests;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	strbuf_init(&dests, 64 * 1024);
	rc = alias_address(pos[0], local, domain, &err);
	if (rc == 0 && strcmp(verb, "set") == 0)
		rc = validate_destinations(pos + 1, (size_t)npos - 1,
					   "destinations", &dests, &err);
	if (rc == 0 && strcmp(verb, "delete") == 0)
		rc = store_alias_delete(c->db, &c->actor, local, domain, &err);
	else if (rc == 0)
		rc = store_alias_update(c->db, &c->actor, local, domain,
					strcmp(verb, "set") == 0 ?
					strbuf_str(&dests) : NULL,
					strcmp(verb, "set") == 0 ? -1 :
					strcmp(verb, "enable") == 0, &err);
	strbuf_free(&dests);
	if (rc < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("alias %s %s\n", pos[0], strcmp(verb, "set") == 0 ? "set" :
	       strcmp(verb, "delete") == 0 ? "deleted" : strcmp(verb,
	       "enable") == 0 ? "enabled" : "disabled");
	return 0;
}

int
cli_alias(struct cli *c)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *items = NULL;
	int npos;

	hk_err_clear(&err);
	if (c->argc >= 3 && strcmp(c->argv[1], "list") == 0) {
		struct cli_opt o[] = { { "--search", 1, NULL },
				       { NULL, 0, NULL } };

		if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
			return cli_usage();
		if (validate_domain(pos[0], "domain", domain, &err) < 0)
			return cli_fail(&err);
		int rc = cli_collect(c, store_alias_list, domain,
				     cli_opt(o, "--search"), &items, &err);

		return cli_listed(c, rc, items, alias_cols, &err);
	}
	if (c->argc < 3 || cli_parse(c, 2, (struct cli_opt[]){ { NULL, 0,
	    NULL } }, pos, &npos) < 0)
		return cli_usage();
	if (strcmp(c->argv[1], "add") == 0 && npos >= 2)
		return alias_add(c, pos, npos);
	if ((strcmp(c->argv[1], "set") == 0 && npos >= 2) ||
	    (npos == 1 && (strcmp(c->argv[1], "enable") == 0 ||
			   strcmp(c->argv[1], "disable") == 0 ||
			   strcmp(c->argv[1], "delete") == 0)))
		return alias_change(c, pos, npos);
	return cli_usage();
}

int
cli_aliasdomain(struct cli *c)
{
	struct cli_opt o[] = { { "--target", 1, NULL }, { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1], target[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		int rc = store_aliasdomain_list(c->db, &c->actor, NULL, &obj,
						NULL, &err);

		return cli_listed(c, rc, obj, aliasdomain_cols, &err);
	}
	if (c->argc == 3 && (strcmp(c->argv[1], "delete") == 0 ||
			     strcmp(c->argv[1], "enable") == 0 ||
			     strcmp(c->argv[1], "disable") == 0)) {
		const char *verb = c->argv[1];

		if (validate_domain(c->argv[2], "name", name, &err) < 0 ||
		    (strcmp(verb, "delete") == 0 ?
		     store_aliasdomain_delete(c->db, &c->actor, name, &err) :
		     store_aliasdomain_active(c->db, &c->actor, name,
					      strcmp(verb, "enable") == 0,
					      &err)) < 0)
			return cli_fail(&err);
		wake_notify(c->cfg.wake_socket);
		printf("alias domain %s %sd\n", name, verb);
		return 0;
	}
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    !cli_opt(o, "--target"))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    validate_domain(cli_opt(o, "--target"), "target", target,
			    &err) < 0 ||
	    store_aliasdomain_add(c->db, &c->actor, name, target, &obj,
				  &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, aliasdomain_cols);
}
