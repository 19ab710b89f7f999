/* SPDX-License-Identifier: ISC */
/*
 * cli_project.c - the hakomail command's projects: the tenants and their
 * limits.
 *
 *   project add NAME [--max-domains N] [--max-mailboxes N]
 *     [--max-storage SIZE]
 *   project limits NAME [same options] | project list
 *   project delete NAME
 *
 * A limit of 0 is no limit; limits hold whichever door writes (CLI, API,
 * import).  A project with guests, domains or alias domains left is not
 * deleted.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "validate.h"

static int
cmd_project_limits(struct cli *c, int adding)
{
	struct cli_opt o[] = { { "--max-domains", 1, NULL },
			       { "--max-mailboxes", 1, NULL },
			       { "--max-storage", 1, NULL },
			       { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	struct project_limits lim = { -1, -1, -1 };
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (validate_slug(pos[0], "name", &err) < 0 ||
	    cli_count_opt(o, "--max-domains", "max_domains",
			  &lim.max_domains, &err) < 0 ||
	    cli_count_opt(o, "--max-mailboxes", "max_mailboxes",
			  &lim.max_mailboxes, &err) < 0 ||
	    (cli_opt(o, "--max-storage") &&
	     validate_quota(cli_opt(o, "--max-storage"), "max_storage",
			    &lim.max_storage, &err) < 0))
		return cli_fail(&err);
	if ((adding ? store_project_add(c->db, &c->actor, pos[0], &lim, &err)
	     : store_project_limits(c->db, &c->actor, pos[0], &lim, &err)) < 0)
		return cli_fail(&err);
	printf("project %s %s\n", pos[0], adding ? "added" : "limits set");
	return 0;
}

int
cli_project(struct cli *c)
{
	static const char *const cols[] = { "name", "domains", "max_domains",
		"mailboxes", "max_mailboxes", "storage_bytes",
		"max_storage_bytes", NULL };
	struct hk_err err;
	json_t *items = NULL;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		if (store_project_list(c->db, &c->actor, NULL, &items, NULL,
				       &err) < 0)
			return cli_fail(&err);
		cli_print(c, items, cols);
		json_decref(items);
		return 0;
	}
	if (c->argc >= 3 && strcmp(c->argv[1], "add") == 0)
		return cmd_project_limits(c, 1);
	if (c->argc >= 3 && strcmp(c->argv[1], "limits") == 0)
		return cmd_project_limits(c, 0);
	if (c->argc == 3 && strcmp(c->argv[1], "delete") == 0) {
		if (validate_slug(c->argv[2], "name", &err) < 0 ||
		    store_project_delete(c->db, &c->actor, c->argv[2],
					 &err) < 0)
			return cli_fail(&err);
		printf("project %s deleted\n", c->argv[2]);
		return 0;
	}
	return cli_usage();
}
