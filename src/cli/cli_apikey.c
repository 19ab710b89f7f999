/* SPDX-License-Identifier: ISC */
/*
 * cli_apikey.c - the hakomail command's API keys.
 *
 *   apikey create [--login L] [--read-only] [--expires-days N]
 *   apikey list | revoke PREFIX
 *
 * A key is made for an account (admin unless --login) and its token is
 * printed once, never kept; it is listed and revoked by its prefix.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mapsyntax.h"
#include "validate.h"

static int
expiry(const char *days, int64_t *expires, struct hk_err *err)
{
	uint64_t n;

	*expires = 0;
	if (days == NULL)
		return 0;
	if (!mapsyntax_decimal(days, strlen(days), 36500, &n) || n == 0)
		return hk_failr(err, HK_EINVAL, "expires_days",
				HK_R_expires_days_range, NULL);
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
		rc = store_apikey_list(c->db, &c->actor, NULL, &items, NULL,
				       &err);
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
