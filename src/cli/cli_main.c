/* SPDX-License-Identifier: ISC */
/*
 * hakomail - the operator's command line.
 *
 *   hakomail [-c CONFIG] [--json] COMMAND ...     (see cli_usage(), and
 *                                                  hakomail(1))
 *
 * This file: the global options, the configuration, the operator and the
 * database, and the table of command words.  Run as root on a SQLite
 * database, the command becomes the database's owner before opening it
 * (privdrop.h).  Each resource's commands
 * are in a file of their own, as the API's handlers are (cli.h); shared
 * parsing and output in cli.c.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "privdrop.h"

static const struct {
	const char *word;
	int (*run)(struct cli *);
} commands[] = {
	{ "init", cli_init }, { "migrate", cli_init },
	{ "project", cli_project }, { "guest", cli_guest },
	{ "status", cli_status }, { "apikey", cli_apikey },
	{ "account", cli_account },
	{ "push", cli_push }, { "domain", cli_domain },
	{ "mailbox", cli_mailbox }, { "alias", cli_alias },
	{ "aliasdomain", cli_aliasdomain }, { "audit", cli_audit },
	{ "import", cli_import }, { "export", cli_export },
	{ "capacity", cli_capacity }, { "warnings", cli_warnings },
	{ "moves", cli_moves }, { "move", cli_move },
	{ "dkim", cli_dkim },
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

/* "migrate postfixadmin": a move in, not the schema's migration. */
static int
moving_in(const struct cli *c)
{
	return !strcmp(c->argv[0], "migrate") && c->argc > 1 &&
	    !strcmp(c->argv[1], "postfixadmin");
}

/* init and migrate make the database; every other command needs one
 * made, and up to date (db_open() says what to run). */
static struct db *
open_db(const struct cli *c)
{
	struct hk_err err;
	struct db *db;
	int init = !moving_in(c) && (!strcmp(c->argv[0], "init") ||
				     !strcmp(c->argv[0], "migrate"));

	hk_err_clear(&err);
	if (init)
		make_db_dir(c->cfg.db_url);
	/* As root: the database's owner, for good (privdrop.h), so that no
	 * file of it is ever root's; the inputs are open already. */
	cli_preopen(c);
	if (privdrop_db_owner(c->cfg.db_url, init, &err) < 0) {
		cli_fail(&err);
		return NULL;
	}
	db = init ? db_open_init(c->cfg.db_url, &err) :
	    db_open(c->cfg.db_url, &err);
	if (db == NULL)
		cli_fail(&err);
	return db;
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
	if (conf_load(&c.cfg, conf, &err) < 0) {
		cli_fail(&err);
		/* none at all: how to run us, as usage is */
		return err.code == HK_ENOTFOUND ? 2 : 1;
	}
	for (int k = 0; commands[k].word; k++)
		if (strcmp(commands[k].word, c.argv[0]) == 0) {
			if ((c.db = open_db(&c)) == NULL) {
				cli_close_inputs();
				return 1;
			}
			rc = moving_in(&c) ? cli_migrate(&c) :
			    commands[k].run(&c);
			db_close(c.db);
			cli_close_inputs();
			return rc;
		}
	return cli_usage();
}
