/* SPDX-License-Identifier: ISC */
/*
 * cli_mailbox.c - the hakomail command's mailboxes.
 *
 *   mailbox add ADDRESS (--password-stdin | --password-hash H)
 *     [--name N] [--quota Q] [--inactive]
 *   mailbox set ADDRESS [--password-stdin | --password-hash H]
 *     [--name N] [--quota Q] [--active | --inactive]
 *   mailbox show|delete ADDRESS
 *   mailbox restore ADDRESS [--id N]	(operators: back from the trash)
 *   mailbox trash DOMAIN		(what of the domain is in the trash)
 *   mailbox list DOMAIN [--limit N] [--after LOCAL] [--search TEXT]
 *   mailbox vacation|forward|settings ADDRESS ...	(cli_sieve.c)
 *
 * Every value goes through the same validators as the API's; every write
 * is audited as via "cli".  A password is read from standard input, never
 * from the command line (where ps would show it).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pwhash.h"
#include "validate.h"
#include "wake.h"

static const char *const mailbox_cols[] = { "address", "name",
	"quota_bytes", "active", NULL };
static const char *const trash_cols[] = { "id", "address", "guest",
	"deleted_at", "purge_at", NULL };

static int deleted(struct cli *c, json_t *trash);

static int
mailbox_add(struct cli *c, const char *address, struct cli_opt *o)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char hash[PWHASH_MAX], plain[4096];
	const char *name = cli_opt(o, "--name"), *quota = cli_opt(o, "--quota");
	struct mailbox_in in = { local, domain, hash, name ? name : "", -1, 1 };
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (validate_address(address, "address", local, domain, &err) < 0 ||
	    validate_display_name(name, "name", &err) < 0 ||
	    (quota && validate_quota(quota, "quota", &in.quota_bytes,
				     &err) < 0) ||
	    (cli_opt(o, "--password-stdin") &&
	     cli_read_line(plain, sizeof(plain), "password", &err) < 0) ||
	    pwhash_accept(cli_opt(o, "--password-stdin") ? plain : NULL,
			  cli_opt(o, "--password-hash"), c->cfg.pw_min,
			  c->cfg.pw_max, hash, &err) < 0)
		return cli_fail(&err);
	in.active = cli_opt(o, "--inactive") == NULL;
	if (store_mailbox_add(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, mailbox_cols);
}

/* One page of a domain's mailboxes; the next cursor goes to stderr so
 * that stdout stays a clean table or JSON. */
static int
mailbox_list(struct cli *c)
{
	struct cli_opt o[] = { { "--limit", 1, NULL }, { "--after", 1, NULL },
			       { "--search", 1, NULL }, { NULL, 0, NULL } };
	static const char *const cols[] = { "address", "name", "quota_bytes",
		"active", NULL };
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], next[PAGE_CURSOR_MAX + 1];
	const char *pos[CLI_MAXPOS], *l;
	struct page_in page = { domain, NULL, PAGE_LIMIT_DEFAULT, NULL, -1, 0 };
	struct hk_err err;
	json_t *items = NULL;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if ((l = cli_opt(o, "--limit")) != NULL &&
	    sscanf(l, "%d", &page.limit) != 1)
		page.limit = 0;		/* refused below, naming limit */
	page.after = cli_opt(o, "--after");
	page.search = cli_opt(o, "--search");
	if (validate_domain(pos[0], "domain", domain, &err) < 0 ||
	    store_mailbox_list(c->db, &c->actor, &page, &items, next,
			       &err) < 0) {
		json_decref(items);
		return cli_fail(&err);
	}
	cli_print(c, items, cols);
	json_decref(items);
	if (next[0] != '\0')
		fprintf(stderr, "more: --after %s\n", next);
	return 0;
}

/* mailbox set ADDRESS [--name N] [--quota Q] [--active | --inactive]
 *   [--password-stdin | --password-hash H] */
static int
mailbox_set(struct cli *c)
{
	struct cli_opt o[] = { { "--password-stdin", 0, NULL },
			       { "--password-hash", 1, NULL },
			       { "--name", 1, NULL }, { "--quota", 1, NULL },
			       { "--active", 0, NULL },
			       { "--inactive", 0, NULL }, { NULL, 0, NULL } };
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char hash[PWHASH_MAX], plain[4096];
	struct mailbox_patch pt = { NULL, NULL, -1, -1, 0 };
	const char *pos[CLI_MAXPOS], *v;
	int npos, pw;
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    (cli_opt(o, "--active") && cli_opt(o, "--inactive")))
		return cli_usage();
	pw = cli_opt(o, "--password-stdin") || cli_opt(o, "--password-hash");
	if (validate_address(pos[0], "address", local, domain, &err) < 0 ||
	    ((pt.name = cli_opt(o, "--name")) != NULL &&
	     validate_display_name(pt.name, "name", &err) < 0) ||
	    ((v = cli_opt(o, "--quota")) != NULL &&
	     validate_quota(v, "quota", &pt.quota_bytes, &err) < 0) ||
	    (cli_opt(o, "--password-stdin") &&
	     cli_read_line(plain, sizeof(plain), "password", &err) < 0) ||
	    (pw && pwhash_accept(cli_opt(o, "--password-stdin") ? plain : NULL,
				 cli_opt(o, "--password-hash"), c->cfg.pw_min,
				 c->cfg.pw_max, hash, &err) < 0))
		return cli_fail(&err);
	pt.password_hash = pw ? hash : NULL;
	pt.active = cli_opt(o, "--active") ? 1 : cli_opt(o, "--inactive") ?
	    0 : -1;
	if (store_mailbox_update(c->db, &c->actor, local, domain, &pt, &obj,
				 &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, mailbox_cols);
}

/* mailbox show|delete ADDRESS */
static int
mailbox_one(struct cli *c)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;
	json_t *obj = NULL;

	hk_err_clear(&err);
	if (validate_address(c->argv[2], "address", local, domain, &err) < 0)
		return cli_fail(&err);
	if (strcmp(c->argv[1], "show") == 0) {
		if (store_mailbox_get(c->db, &c->actor, local, domain, &obj,
				      &err) < 0)
			return cli_fail(&err);
		obj = json_pack("[o]", obj);
		cli_print(c, obj, mailbox_cols);
		json_decref(obj);
		return 0;
	}
	if (store_mailbox_delete(c->db, &c->actor, local, domain,
				 (int64_t)c->cfg.purge_after * 86400, &obj,
				 &err) < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	return deleted(c, obj);
}

/* Where the mail went and until when. */
static int
deleted(struct cli *c, json_t *trash)
{
	char when[CLI_TIME_MAX];
	json_int_t id = json_integer_value(json_object_get(trash, "id"));

	if (c->json) {
		trash = json_pack("[o]", trash);
		cli_print(c, trash, trash_cols);
		json_decref(trash);
		return 0;
	}
	printf("mailbox %s deleted: its mail is in the trash on the guest as "
	       "%lld until %s (hakomail mailbox restore %s --id %lld)\n",
	       json_string_value(json_object_get(trash, "address")),
	       (long long)id, cli_time(when, json_integer_value(
	       json_object_get(trash, "purge_at"))),
	       json_string_value(json_object_get(trash, "address")),
	       (long long)id);
	json_decref(trash);
	return 0;
}

/* mailbox restore ADDRESS [--id N] */
static int
mailbox_restore(struct cli *c)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct cli_opt o[] = { { "--id", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	int64_t id = 0;
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (validate_address(pos[0], "address", local, domain, &err) < 0 ||
	    (cli_opt(o, "--id") && cli_count_opt(o, "--id", "id", &id,
						 &err) < 0) ||
	    store_mailbox_restore(c->db, &c->actor, local, domain, id,
				  (int64_t)time(NULL), &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, mailbox_cols);
}

/* mailbox trash DOMAIN */
static int
mailbox_trash(struct cli *c)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct hk_err err;
	json_t *items = NULL;

	hk_err_clear(&err);
	if (validate_domain(c->argv[2], "domain", domain, &err) < 0 ||
	    store_trash_list(c->db, &c->actor, domain, &items, &err) < 0)
		return cli_fail(&err);
	cli_print(c, items, trash_cols);
	json_decref(items);
	return 0;
}

int
cli_mailbox(struct cli *c)
{
	struct cli_opt o[] = { { "--password-stdin", 0, NULL },
			       { "--password-hash", 1, NULL },
			       { "--name", 1, NULL }, { "--quota", 1, NULL },
			       { "--inactive", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	int npos;

	if (c->argc >= 3 && strcmp(c->argv[1], "list") == 0)
		return mailbox_list(c);
	if (c->argc >= 3 && (strcmp(c->argv[1], "vacation") == 0 ||
			     strcmp(c->argv[1], "forward") == 0 ||
			     strcmp(c->argv[1], "settings") == 0))
		return cli_mailbox_sieve(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "set") == 0)
		return mailbox_set(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "restore") == 0)
		return mailbox_restore(c);
	if (c->argc == 3 && strcmp(c->argv[1], "trash") == 0)
		return mailbox_trash(c);
	if (c->argc == 3 && (strcmp(c->argv[1], "show") == 0 ||
			     strcmp(c->argv[1], "delete") == 0))
		return mailbox_one(c);
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	return mailbox_add(c, pos[0], o);
}
