/*
 * cli_account.c - the hakomail command's accounts and API keys.
 *
 *   account add LOGIN (--admin | --owner PROJECT) [--password-stdin]
 *   account list | passwd LOGIN (--password-stdin | --none)
 *   account disable|enable|delete LOGIN
 *   apikey create [--login L] [--read-only] [--expires-days N]
 *   apikey list | revoke PREFIX
 *
 * A password comes on standard input only (ps shows the command line),
 * and is hashed as a mailbox's is.  A token is printed once, never kept.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mapsyntax.h"
#include "pwhash.h"
#include "validate.h"

static const char *const account_cols[] = { "login", "role", "project",
	"disabled", "has_password", "live_keys", NULL };

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
			       { NULL, 0, NULL } };
	struct account_in in = { NULL, "admin", NULL, NULL };
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
	if (store_account_add(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, account_cols);
}

static int
account_passwd(struct cli *c)
{
	struct cli_opt o[] = { { "--password-stdin", 0, NULL },
			       { "--none", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	char hash[PWHASH_MAX];
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--password-stdin") == NULL) ==
	    (cli_opt(o, "--none") == NULL))
		return cli_usage();
	if (validate_slug(pos[0], "login", &err) < 0 ||
	    (cli_opt(o, "--password-stdin") &&
	     password_from_stdin(c, hash, &err) < 0) ||
	    store_account_password(c->db, &c->actor, pos[0],
				   cli_opt(o, "--none") ? NULL : hash,
				   &err) < 0)
		return cli_fail(&err);
	printf("account %s password %s\n", pos[0],
	       cli_opt(o, "--none") ? "removed" : "set");
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
	if (c->argc == 3 && (strcmp(c->argv[1], "disable") == 0 ||
			     strcmp(c->argv[1], "enable") == 0 ||
			     strcmp(c->argv[1], "delete") == 0))
		return account_state(c);
	return cli_usage();
}

static int
expiry(const char *days, int64_t *expires, struct hk_err *err)
{
	uint64_t n;

	*expires = 0;
	if (days == NULL)
		return 0;
	if (!mapsyntax_decimal(days, strlen(days), 36500, &n) || n == 0)
		return hk_fail(err, HK_EINVAL, "expires_days", "must be "
			       "1..36500");
	*expires = (int64_t)time(NULL) + (int64_t)n * 86400;
	return 0;
}

static int
apikey_create(struct cli *c)
{
	struct cli_opt o[] = { { "--login", 1, NULL },
			       { "--read-only", 0, NULL },
			       { "--expires-days", 1, NULL },
			       { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS], *login;
	char token[256];
	struct hk_err err;
	int64_t expires;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 0)
		return cli_usage();
	login = cli_opt(o, "--login") ? cli_opt(o, "--login") : "admin";
	if (expiry(cli_opt(o, "--expires-days"), &expires, &err) < 0 ||
	    validate_slug(login, "login", &err) < 0 ||
	    store_apikey_create(c->db, &c->actor, login,
				cli_opt(o, "--read-only") != NULL, expires,
				token, sizeof(token), &err) < 0)
		return cli_fail(&err);
	printf("%s\n", token);
	return 0;
}

int
cli_apikey(struct cli *c)
{
	static const char *const cols[] = { "prefix", "login", "role",
		"read_only", "created_at", "expires_at", "revoked_at",
		"last_used_at", NULL };
	struct hk_err err;
	json_t *items = NULL;
	int rc;

	hk_err_clear(&err);
	if (c->argc >= 2 && strcmp(c->argv[1], "create") == 0)
		return apikey_create(c);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		rc = store_apikey_list(c->db, &c->actor, NULL, &items, NULL, &err);
		return cli_listed(c, rc, items, cols, &err);
	}
	if (c->argc == 3 && strcmp(c->argv[1], "revoke") == 0) {
		if (store_apikey_revoke(c->db, &c->actor, c->argv[2],
					&err) < 0)
			return cli_fail(&err);
		printf("key %s revoked\n", c->argv[2]);
		return 0;
	}
	return cli_usage();
}
