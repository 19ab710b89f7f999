/* SPDX-License-Identifier: ISC */
/*
 * cli_account.c - the hakomail command's accounts: who may log in to the
 * panel or hold API keys, as an operator or as a project's owner.
 *
 *   account add LOGIN (--admin | --owner PROJECT) [--password-stdin]
 *	[--directory]
 *   account list | passwd LOGIN (--password-stdin | --none)
 *	[--revoke-keys]
 *   account directory LOGIN on|off
 *   account disable|enable|delete LOGIN
 *   account totp ...: cli_totp.c
 *
 * A password comes on standard input only (ps shows the command line),
 * and is hashed as a mailbox's is.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pwhash.h"
#include "validate.h"

static const char *const account_cols[] = { "login", "role", "project",
	"disabled", "has_password", "directory", "totp", "live_keys", NULL };

/* The hash of a password read from stdin, under the configured policy. */
static int
password_from_stdin(const struct cli *c, char hash[PWHASH_MAX],
		    struct hk_err *err)
{
	char plain[4096];

	if (cli_read_line(plain, sizeof(plain), "password", err) < 0)
		return -1;
	return pwhash_accept(plain, NULL, c->cfg.pw_min, c->cfg.pw_max, hash,
			     err);
}

static int
account_add(struct cli *c)
{
	struct cli_opt o[] = { { "--admin", 0, NULL }, { "--owner", 1, NULL },
			       { "--password-stdin", 0, NULL },
			       { "--directory", 0, NULL },
			       { NULL, 0, NULL } };
	struct account_in in = { NULL, "admin", NULL, NULL, 0 };
	const char *pos[CLI_MAXPOS];
	char hash[PWHASH_MAX];
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--admin") == NULL) == (cli_opt(o, "--owner") == NULL))
		return cli_usage();
	in.login = pos[0];
	if ((in.project = cli_opt(o, "--owner")) != NULL)
		in.role = "owner";
	if (validate_slug(in.login, "login", &err) < 0 ||
	    (in.project && validate_slug(in.project, "project", &err) < 0) ||
	    (cli_opt(o, "--password-stdin") &&
	     password_from_stdin(c, hash, &err) < 0))
		return cli_fail(&err);
	if (cli_opt(o, "--password-stdin"))
		in.password_hash = hash;
	in.directory = cli_opt(o, "--directory") != NULL;
	if (store_account_add(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, account_cols);
}

static int
account_passwd(struct cli *c)
{
	struct cli_opt o[] = { { "--password-stdin", 0, NULL },
			       { "--none", 0, NULL },
			       { "--revoke-keys", 0, NULL },
			       { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	char hash[PWHASH_MAX];
	struct account_patch patch = { -1, 1, hash, 0, -1 };
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--password-stdin") == NULL) ==
	    (cli_opt(o, "--none") == NULL))
		return cli_usage();
	if (cli_opt(o, "--none"))
		patch.password_hash = NULL;
	patch.revoke_keys = cli_opt(o, "--revoke-keys") != NULL;
	if (validate_slug(pos[0], "login", &err) < 0 ||
	    (cli_opt(o, "--password-stdin") &&
	     password_from_stdin(c, hash, &err) < 0) ||
	    store_account_update(c->db, &c->actor, pos[0], &patch, &err) < 0)
		return cli_fail(&err);
	printf("account %s password %s%s\n", pos[0],
	       cli_opt(o, "--none") ? "removed" : "set",
	       patch.revoke_keys ? ", API keys revoked" : "");
	return 0;
}

/* directory LOGIN on|off: whether [ldap] checks its password */
static int
account_directory(struct cli *c)
{
	const char *login = c->argv[2], *v = c->argv[3];
	struct account_patch patch = { -1, 0, NULL, 0, -1 };
	struct hk_err err;

	hk_err_clear(&err);
	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return cli_usage();
	patch.directory = strcmp(v, "on") == 0;
	if (validate_slug(login, "login", &err) < 0 ||
	    store_account_update(c->db, &c->actor, login, &patch, &err) < 0)
		return cli_fail(&err);
	printf("account %s: password checked by %s\n", login,
	       patch.directory ? "the directory ([ldap])" : "the panel");
	return 0;
}

/* disable, enable or delete LOGIN */
static int
account_state(struct cli *c)
{
	const char *verb = c->argv[1], *login = c->argv[2];
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	if (validate_slug(login, "login", &err) < 0)
		return cli_fail(&err);
	if (strcmp(verb, "delete") == 0)
		rc = store_account_delete(c->db, &c->actor, login, &err);
	else
		rc = store_account_disable(c->db, &c->actor, login,
					   strcmp(verb, "disable") == 0, &err);
	if (rc < 0)
		return cli_fail(&err);
	printf("account %s %sd\n", login, verb);
	return 0;
}

int
cli_account(struct cli *c)
{
	struct hk_err err;
	json_t *items = NULL;
	int rc;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		rc = store_account_list(c->db, &c->actor, NULL, &items, NULL, &err);
		return cli_listed(c, rc, items, account_cols, &err);
	}
	if (c->argc >= 3 && strcmp(c->argv[1], "add") == 0)
		return account_add(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "passwd") == 0)
		return account_passwd(c);
	if (c->argc >= 4 && strcmp(c->argv[1], "totp") == 0)
		return cli_account_totp(c);
	if (c->argc == 4 && strcmp(c->argv[1], "directory") == 0)
		return account_directory(c);
	if (c->argc == 3 && (strcmp(c->argv[1], "disable") == 0 ||
			     strcmp(c->argv[1], "enable") == 0 ||
			     strcmp(c->argv[1], "delete") == 0))
		return account_state(c);
	return cli_usage();
}
