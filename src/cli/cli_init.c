/* SPDX-License-Identifier: ISC */
/*
 * cli_init.c - the hakomail command's database:
 *
 *   init | migrate
 *
 * Applies the schema migrations not yet applied (none on a database that
 * is up to date), and the first time makes the operator account admin.
 * cli_main.c makes a SQLite database's directory before init opens it.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"

int
cli_init(struct cli *c)
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
