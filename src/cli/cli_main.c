/*
 * hakomail - the operator's command line.
 *
 *   hakomail [-c CONFIG] [--json] COMMAND ...     (see cli_usage(), and
 *                                                  hakomail(1))
 *
 * This file: dispatch, the database, projects and pushes.  Guests are in
 * cli_guest.c, accounts and API keys in cli_account.c, mail objects in
 * cli_mail.c and cli_alias.c; shared parsing and output in cli.c.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "validate.h"
#include "wake.h"

static int
cmd_init(struct cli *c)
{
	struct hk_err err;
	int applied, made;

	hk_err_clear(&err);
	if (db_migrate(c->db, &applied, &err) < 0 ||
	    store_account_first_admin(c->db, &c->actor, "admin", &made,
				      &err) < 0)
		return cli_fail(&err);
	printf("database ready (%s), %d migration%s applied\n",
	       db_backend_name(c->db), applied, applied == 1 ? "" : "s");
	if (made)
		printf("operator account admin made (hakomail apikey create)\n");
	return 0;
}

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

static int
cmd_project(struct cli *c)
{
	static const char *const cols[] = { "name", "domains", "max_domains",
		"mailboxes", "max_mailboxes", "storage_bytes",
		"max_storage_bytes", NULL };
	struct hk_err err;
	json_t *items = NULL;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		if (store_project_list(c->db, &c->actor, NULL, &items, NULL, &err) < 0)
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

static int
cmd_push(struct cli *c)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (c->argc > 2)
		return cli_usage();
	if (store_guest_touch(c->db, c->argc == 2 ? c->argv[1] : NULL,
			      &err) < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("push requested\n");
	return 0;
}

static const struct {
	const char *word;
	int (*run)(struct cli *);
} commands[] = {
	{ "init", cmd_init }, { "migrate", cmd_init },
	{ "project", cmd_project }, { "guest", cli_guest },
	{ "status", cli_status }, { "apikey", cli_apikey },
	{ "account", cli_account },
	{ "push", cmd_push }, { "domain", cli_domain },
	{ "mailbox", cli_mailbox }, { "alias", cli_alias },
	{ "aliasdomain", cli_aliasdomain }, { "audit", cli_audit },
	{ "import", cli_import }, { "export", cli_export },
	{ NULL, NULL }
};

/* For sqlite:PATH, make PATH's directory so that init works first time. */
static void
make_db_dir(const char *url)
{
	char dir[CONF_STR], *slash;

	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)sizeof(dir) - 1, url + 7);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);
	}
}

/* The operator, for the audit log: the login that ran us. */
static void
set_actor(struct cli *c)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());

	c->actor.is_admin = 1;
	snprintf(c->actor.via, sizeof(c->actor.via), "cli");
	snprintf(c->actor.login, sizeof(c->actor.login), "%s",
		 sudo ? sudo : pw ? pw->pw_name : "unknown");
}

int
main(int argc, char **argv)
{
	struct cli c;
	struct hk_err err;
	const char *conf = NULL;
	int i = 1, rc = -1;

	log_init("hakomail", 0);	/* text always: a person reads it */
	memset(&c, 0, sizeof(c));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			c.json = 1;
		else
			return cli_usage();
	}
	if (i >= argc)
		return cli_usage();
	c.argc = argc - i;
	c.argv = argv + i;
	set_actor(&c);
	hk_err_clear(&err);
	if (conf_load(&c.cfg, conf, &err) < 0)
		return cli_fail(&err);
	if (!strcmp(c.argv[0], "init"))
		make_db_dir(c.cfg.db_url);
	for (int k = 0; commands[k].word; k++)
		if (strcmp(commands[k].word, c.argv[0]) == 0) {
			if ((c.db = db_open(c.cfg.db_url, &err)) == NULL)
				return cli_fail(&err);
			rc = commands[k].run(&c);
			db_close(c.db);
			return rc;
		}
	return cli_usage();
}
