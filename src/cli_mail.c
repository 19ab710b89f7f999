/*
 * cli_mail.c - the hakomail command's mail objects: domains, mailboxes,
 * aliases, alias domains, and the audit log.  Every value goes through
 * the same validators as the API's; every write is audited as via "cli".
 * Passwords are read from standard input, never from the command line
 * (where ps would show them).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pwhash.h"
#include "validate.h"
#include "wake.h"

static const char *const domain_cols[] = { "name", "display_name", "guest",
	"backup_guest", "active", "mailboxes", NULL };
static const char *const alias_cols[] = { "address", "destinations",
	"active", NULL };
static const char *const aliasdomain_cols[] = { "name", "target", "active",
	NULL };
static const char *const audit_cols[] = { "id", "at", "actor", "via",
	"action", "object", "detail", NULL };

/* Prints a written object and nudges pushd; owns obj. */
static int
written(struct cli *c, json_t *obj, const char *const *cols)
{
	json_t *one = json_array();

	json_array_append_new(one, obj);
	cli_print(c, one, cols);
	json_decref(one);
	wake_notify(c->cfg.wake_socket);
	return 0;
}

/* rc is the listing call's result; items what it filled (call it in a
 * statement of its own: an argument here could be read before it). */
static int
listed(struct cli *c, int rc, json_t *items, const char *const *cols,
       struct hk_err *err)
{
	if (rc < 0) {
		json_decref(items);
		return cli_fail(err);
	}
	cli_print(c, items, cols);
	json_decref(items);
	return 0;
}

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
		int rc = store_domain_list(c->db, &c->actor, &obj, &err);

		return listed(c, rc, obj, domain_cols, &err);
	}
	if (c->argc >= 3 && strcmp(c->argv[1], "limits") == 0)
		return domain_limits(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "backup") == 0)
		return domain_backup(c);
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    !cli_opt(o, "--guest"))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    store_domain_add(c->db, &c->actor, name, cli_opt(o, "--guest"),
			     &obj, &err) < 0)
		return cli_fail(&err);
	return written(c, obj, domain_cols);
}

/* One line from stdin, without its newline. */
static int
read_password(char *buf, size_t size, struct hk_err *err)
{
	if (fgets(buf, (int)size, stdin) == NULL)
		return hk_fail(err, HK_EINVAL, "password",
			       "nothing on standard input");
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

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
	     read_password(plain, sizeof(plain), &err) < 0) ||
	    pwhash_accept(cli_opt(o, "--password-stdin") ? plain : NULL,
			  cli_opt(o, "--password-hash"), c->cfg.pw_min,
			  c->cfg.pw_max, hash, &err) < 0)
		return cli_fail(&err);
	in.active = cli_opt(o, "--inactive") == NULL;
	if (store_mailbox_add(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	return written(c, obj, (const char *const[]){ "address", "name",
		       "quota_bytes", "active", NULL });
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
	struct page_in page = { domain, NULL, PAGE_LIMIT_DEFAULT, NULL, -1 };
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
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	return mailbox_add(c, pos[0], o);
}

/* "local@domain" or "@domain" (the catch-all) into local and domain. */
static int
alias_address(const char *in, char *local, char *domain, struct hk_err *err)
{
	if (in[0] == '@') {
		local[0] = '\0';
		return validate_domain(in + 1, "address", domain, err);
	}
	return validate_address(in, "address", local, domain, err);
}

static int
alias_add(struct cli *c, const char *const *pos, int npos)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	struct strbuf dests;
	struct alias_in in = { local, domain, NULL, 1 };
	struct hk_err err;
	json_t *obj = NULL;
	int rc;

	hk_err_clear(&err);
	strbuf_init(&dests, 64 * 1024);
	rc = alias_address(pos[0], local, domain, &err);
	if (rc == 0)
		rc = validate_destinations(pos + 1, (size_t)npos - 1,
					   "destinations", &dests, &err);
	in.destinations = strbuf_str(&dests);
	if (rc == 0)
		rc = store_alias_add(c->db, &c->actor, &in, &obj, &err);
	strbuf_free(&dests);
	return rc < 0 ? cli_fail(&err) : written(c, obj, alias_cols);
}

int
cli_alias(struct cli *c)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *items = NULL;
	int npos;

	hk_err_clear(&err);
	if (c->argc == 3 && strcmp(c->argv[1], "list") == 0) {
		if (validate_domain(c->argv[2], "domain", domain, &err) < 0)
			return cli_fail(&err);
		int rc = store_alias_list(c->db, &c->actor, domain, &items,
					  &err);

		return listed(c, rc, items, alias_cols, &err);
	}
	if (c->argc < 4 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, (struct cli_opt[]){ { NULL, 0, NULL } }, pos,
		      &npos) < 0)
		return cli_usage();
	return alias_add(c, pos, npos);
}

int
cli_aliasdomain(struct cli *c)
{
	struct cli_opt o[] = { { "--target", 1, NULL }, { NULL, 0, NULL } };
	char name[MAPSYNTAX_DOMAIN_MAX + 1], target[MAPSYNTAX_DOMAIN_MAX + 1];
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		int rc = store_aliasdomain_list(c->db, &c->actor, &obj, &err);

		return listed(c, rc, obj, aliasdomain_cols, &err);
	}
	if (c->argc < 2 || strcmp(c->argv[1], "add") != 0 ||
	    cli_parse(c, 2, o, pos, &npos) < 0 || npos != 1 ||
	    !cli_opt(o, "--target"))
		return cli_usage();
	if (validate_domain(pos[0], "name", name, &err) < 0 ||
	    validate_domain(cli_opt(o, "--target"), "target", target,
			    &err) < 0 ||
	    store_aliasdomain_add(c->db, &c->actor, name, target, &obj,
				  &err) < 0)
		return cli_fail(&err);
	return written(c, obj, aliasdomain_cols);
}

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
		hk_fail(&err, HK_EINVAL, "limit", "must be 1..10000");
		return cli_fail(&err);
	}
	npos = store_audit_list(c->db, &c->actor, limit, &items, &err);
	return listed(c, npos, items, audit_cols, &err);
}
