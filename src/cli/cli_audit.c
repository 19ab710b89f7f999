/* SPDX-License-Identifier: ISC */
/*
 * cli_audit.c - the hakomail command's audit log, newest first:
 *
 *   audit [--limit N]		(1..10000, 50 unless given)
 *
 * Each change: when, who, through which door (via: cli, api, ...), and
 * the object before and after.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"

static const char *const audit_cols[] = { "id", "at", "actor", "via",
	"action", "object", "detail", NULL };

int
cli_audit(struct cli *c)
{
	struct cli_opt o[] = { { "--limit", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS], *l;
	struct hk_err err;
	json_t *items = NULL;
	int npos, limit = 50;

	hk_err_clear(&err);
	if (cli_parse(c, 1, o, pos, &npos) < 0 || npos != 0)
		return cli_usage();
	if ((l = cli_opt(o, "--limit")) != NULL &&
	    (sscanf(l, "%d", &limit) != 1 || limit < 1 || limit > 10000)) {
		hk_failr(&err, HK_EINVAL, "limit", HK_R_audit_limit_range,
			 NULL);
		return cli_fail(&err);
	}
	npos = store_audit_list(c->db, &c->actor, 0, limit, &items, &err);
	return cli_listed(c, npos, items, audit_cols, &err);
}
