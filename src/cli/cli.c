/* SPDX-License-Identifier: ISC */
/*
 * cli.c - option parsing, errors and output for the hakomail command.
 * See cli.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "mapsyntax.h"
#include "wake.h"

int
cli_usage(void)
{
	fprintf(stderr,
	    "usage: hakomail [-c CONFIG] [--json] COMMAND ...\n"
	    "  init | migrate\n"
	    "  project add NAME [--max-domains N] [--max-mailboxes N]"
	    " [--max-storage SIZE]\n"
	    "  project limits NAME [same options] | project list"
	    " | project delete NAME\n"
	    "  account add LOGIN (--admin | --owner PROJECT)"
	    " [--password-stdin] | account list\n"
	    "  account passwd LOGIN (--password-stdin | --none)\n"
	    "  account disable|enable|delete LOGIN\n"
	    "  apikey create [--login L] [--read-only] [--expires-days N]\n"
	    "  apikey list | apikey revoke PREFIX\n"
	    "  guest add NAME --project P --host H"
	    " [--host-key-file F] [--fingerprint SHA256:...]"
	    " [--port N] [--user U]\n"
	    "  guest set NAME [--host H] [--port N] [--user U]"
	    " [--rekey | --host-key-file F] [--fingerprint SHA256:...]\n"
	    "  guest list | guest delete NAME | status\n"
	    "  push [GUEST]\n"
	    "  domain add NAME --guest G | domain list\n"
	    "  domain limits NAME [--max-mailboxes N] [--default-quota SIZE]\n"
	    "  domain backup NAME (--guest G | --none)\n"
	    "  domain enable|disable NAME | domain delete NAME [--force]\n"
	    "  mailbox add ADDRESS (--password-stdin | --password-hash H)"
	    " [--name N] [--quota Q] [--inactive]\n"
	    "  mailbox set ADDRESS [--password-stdin | --password-hash H]"
	    " [--name N] [--quota Q] [--active | --inactive]\n"
	    "  mailbox show|delete ADDRESS\n"
	    "  mailbox list DOMAIN [--limit N] [--after LOCAL]"
	    " [--search TEXT]\n"
	    "  alias add|set ADDRESS DEST... (ADDRESS @DOMAIN: the catch-all)\n"
	    "  alias enable|disable|delete ADDRESS | alias list DOMAIN\n"
	    "  aliasdomain add NAME --target DOMAIN | aliasdomain list\n"
	    "  aliasdomain enable|disable|delete NAME\n"
	    "  audit [--limit N]\n"
	    "  import mailboxes|aliases FILE [--dry-run] [--skip-invalid] [--upsert]"
	    " [--encoding auto|utf-8|cp932]\n"
	    "      [--create-domains-on GUEST]\n"
	    "  export mailboxes [--domain D | --project P] [--with-hashes]\n"
	    "  export aliases [--domain D | --project P]\n"
	    "See hakomail(1).\n");
	return 2;
}

int
cli_fail(const struct hk_err *err)
{
	if (err->field[0])
		log_error("%s: %s", err->field, err->message);
	else
		log_error("%s", err->message);
	return 1;
}

static struct cli_opt *
find_opt(struct cli_opt *opts, const char *name)
{
	for (struct cli_opt *o = opts; o != NULL && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

int
cli_parse(struct cli *c, int from, struct cli_opt *opts, const char **pos,
	  int *npos)
{
	*npos = 0;
	for (int i = from; i < c->argc; i++) {
		const char *a = c->argv[i];
		struct cli_opt *o;

		if (strncmp(a, "--", 2) != 0) {
			if (*npos == CLI_MAXPOS) {
				log_error("too many arguments");
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		if ((o = find_opt(opts, a)) == NULL || o->value != NULL) {
			log_error("%s: %s option", a,
				  o ? "repeated" : "unknown");
			return -1;
		}
		if (o->takes_value && i + 1 >= c->argc) {
			log_error("%s: needs a value", a);
			return -1;
		}
		o->value = o->takes_value ? c->argv[++i] : "";
	}
	return 0;
}

const char *
cli_opt(const struct cli_opt *opts, const char *name)
{
	for (const struct cli_opt *o = opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->value;
	return NULL;
}

static void
print_cell(json_t *v)
{
	if (json_is_string(v))
		printf("%s", json_string_value(v));
	else if (json_is_integer(v))
		printf("%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		printf("%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_array(v) && json_array_size(v) > 0)
		for (size_t i = 0; i < json_array_size(v); i++) {
			printf("%s", i ? "," : "");
			print_cell(json_array_get(v, i));
		}
	else if (json_is_object(v))
		json_dumpf(v, stdout, JSON_COMPACT);
	else
		printf("-");
}

void
cli_print(const struct cli *c, json_t *items, const char *const *columns)
{
	size_t i;
	json_t *row;

	if (c->json) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		putchar('\n');
		return;
	}
	for (int k = 0; columns[k]; k++)
		printf("%s%s", k ? "\t" : "", columns[k]);
	putchar('\n');
	json_array_foreach(items, i, row) {
		for (int k = 0; columns[k]; k++) {
			if (k)
				putchar('\t');
			print_cell(json_object_get(row, columns[k]));
		}
		putchar('\n');
	}
}

int
cli_count_opt(const struct cli_opt *opts, const char *name, const char *field,
	      int64_t *out, struct hk_err *err)
{
	const char *v = cli_opt(opts, name);
	uint64_t n;

	if (v == NULL)
		return 0;
	if (!mapsyntax_decimal(v, strlen(v), 1000000000, &n))
		return hk_fail(err, HK_EINVAL, field, "must be a whole number "
			       "0..1000000000 (0: no limit)");
	*out = (int64_t)n;
	return 0;
}

/* Prints a written object and nudges pushd; owns obj. */
int
cli_written(struct cli *c, json_t *obj, const char *const *cols)
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
int
cli_listed(struct cli *c, int rc, json_t *items, const char *const *cols,
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

int
cli_read_line(char *buf, size_t size, const char *field, struct hk_err *err)
{
	if (fgets(buf, (int)size, stdin) == NULL)
		return hk_fail(err, HK_EINVAL, field,
			       "nothing on standard input");
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int
cli_collect(struct cli *c, store_lister list, const char *domain,
	    json_t **items, struct hk_err *err)
{
	char after[PAGE_CURSOR_MAX + 1] = "", next[PAGE_CURSOR_MAX + 1];
	struct page_in page = { domain, NULL, PAGE_LIMIT_MAX, NULL, -1 };
	json_t *part = NULL;

	*items = json_array();
	do {
		page.after = after[0] ? after : NULL;
		if (list(c->db, &c->actor, &page, &part, next, err) < 0 ||
		    json_array_extend(*items, part) < 0) {
			json_decref(part);
			json_decref(*items);
			*items = NULL;
			return -1;
		}
		json_decref(part);
		part = NULL;
		snprintf(after, sizeof(after), "%s", next);
	} while (after[0]);
	return 0;
}
