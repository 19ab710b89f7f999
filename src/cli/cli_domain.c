/* SPDX-License-Identifier: ISC */
/*
 * cli_domain.c - the hakomail command's domains: which guest serves each,
 * its backup MX, its limits, and turning it off or deleting it.
 *
 *   domain add NAME --guest G | domain list
 *   domain limits NAME [--max-mailboxes N] [--default-quota SIZE]
 *   domain backup NAME (--guest G | --none)
 *   domain enable|disable NAME | domain delete NAME [--force]
 *   domain move NAME --to G [--dry-run]   (cli_move.c)
 *
 * Every value goes through the same validators as the API's; every write
 * is audited as via "cli".  delete --force takes the domain's mailboxes
 * and aliases with it; their stored mail stays on the guest.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "validate.h"
#include "wake.h"

static const char *const domain_cols[] = { "name", "display_name", "guest",
	"backup_guest", "active", "mailboxes", "max_mailboxes",
	"default_quota_bytes", NULL };

static int
domain_limits(struct cli *c)
{
	struct cli_opt o[] = { { "--max-mailboxes", 1, NULL },
			       { "--default-quota", 1, NULL },
			       { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS], *v;
	int64_t max = -1, quota = -1;
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (cli_count_opt(o, "--max-mailboxes", "max_mailboxes", &max,
			  &err) < 0 ||
	    validate_domain(pos[0], "name", name, &err) < 0 ||
	    ((v = cli_opt(o, "--default-quota")) != NULL &&
	     validate_quota(v, "default_quota", &quota, &err) < 0) ||
	    store_domain_limits(c->db, &c->actor, name, max, quota, &err) < 0)
		return cli_fail(&err);
	printf("domain %s limits set\n", name);
	return 0;
}

static int
domain_backup(struct cli *c)
{
	struct cli_opt o[] = { { "--guest", 1, NULL }, { "--none", 0, NULL },
			       { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--guest") == NULL) == (cli_opt(o, "--none") == NULL))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    store_domain_backup(c->db, &c->actor, name, cli_opt(o, "--guest"),
				&err) < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("domain %s backup MX set\n", name);
	return 0;
}

/* domain enable|disable NAME, domain delete NAME [--force] */
static int
domain_state(struct cli *c)
{
	struct cli_opt o[] = { { "--force", 0, NULL }, { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS], *verb = c->argv[1];
	struct hk_err err;
	int npos, rc;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--force") && strcmp(verb, "delete") != 0))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0)
		return cli_fail(&err);
	if (strcmp(verb, "delete") == 0)
		rc = store_domain_delete(c->db, &c->actor, name,
					 cli_opt(o, "--force") != NULL,
					 (int64_t)c->cfg.purge_after * 86400,
					 &err);
	else
		rc = store_domain_active(c->db, &c->actor, name,
					 strcmp(verb, "enable") == 0, &err);
	if (rc < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("domain %s %sd\n", name, verb);
	return 0;
}

int
cli_domain(struct cli *c)
{
	struct cli_opt o[] = { { "--guest", 1, NULL }, { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		int rc = store_domain_list(c->db, &c->actor, NULL, &obj, NULL,
					   &err);

		return cli_listed(c, rc, obj, domain_cols, &err);
	}
	if (c->argc >= 3 && strcmp(c->argv[1], "limits") == 0)
		return domain_limits(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "backup") == 0)
		return domain_backup(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "move") == 0)
		return cli_domain_move(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "dns") == 0)
		return cli_domain_dns(c);
	if (c->argc >= 3 && (strcmp(c->argv[1], "enable") == 0 ||
			     strcmp(c->argv[1], "disable") == 0 ||
			     strcmp(c->argv[1], "delete") == 0))
		return domain_state(c);
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    !cli_opt(o, "--guest"))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    store_domain_add(c->db, &c->actor, name, cli_opt(o, "--guest"),
			     &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, domain_cols);
}
