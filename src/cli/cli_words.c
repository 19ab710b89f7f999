/* SPDX-License-Identifier: ISC */
/*
 * cli_words.c - a refusal in the hakomail command's own words: option
 * names for the API's fields, and the CLI's templates for the reasons it
 * says differently.  See cli_words.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli_words.h"

/* The field of a bad input (HK_EINVAL) and the option that gives it. */
static const struct {
	const char *field, *option;
} options[] = {
	{ "password", "--password-stdin" },
	{ "password_hash", "--password-hash" },
	{ "quota", "--quota" },
	{ "default_quota", "--default-quota" },
	{ "max_domains", "--max-domains" },
	{ "max_mailboxes", "--max-mailboxes" },
	{ "max_storage", "--max-storage" },
	{ "expires_days", "--expires-days" },
	{ "limit", "--limit" },
	{ "q", "--search" },
	{ "cursor", "--after" },
	{ "host", "--host" },
	{ "ssh_host", "--host" },
	{ "port", "--port" },
	{ "ssh_port", "--port" },
	{ "user", "--user" },
	{ "ssh_user", "--user" },
	{ "host_key", "--host-key-file" },
	{ "fingerprint", "--fingerprint" },
	{ "encoding", "--encoding" },
	{ "create_domains_on", "--create-domains-on" },
	{ "target", "--target" },
	{ "backup_guest", "--guest" },
	{ "id", "--id" },
	{ "to", "--to" },
	{ "vacation.subject", "--subject" },
	{ "vacation.text", "--text-file" },
	{ "vacation.start", "--start" },
	{ "vacation.end", "--end" },
	{ "vacation.days", "--days" },
	{ "forward.addresses", "--to" },
	{ "algorithm", "--algorithm" },
	{ "bits", "--bits" },
	{ "selector", "--selector" },
	{ "confirm", "--confirm" },
	{ "mail_host", "--mail-host" },
	{ "mail_addrs", "--mail-addr" },
};

/* A reason the CLI words its own way; {option} is the field's option.
 * alone: said without "field: " before it (it names the option). */
static const struct {
	enum hk_reason reason;
	int alone;
	const char *words;
} errors[] = {
	{ HK_R_password_or_hash, 1,
	  "give --password-stdin or --password-hash" },
	{ HK_R_required, 1, "give {option}" },
	{ HK_R_revoke_keys_needs_password, 1, "--revoke-keys goes with a new "
	  "password (--password-stdin)" },
	{ HK_R_create_domains_operator, 1, "only an operator may give "
	  "--create-domains-on" },
	{ HK_R_storage_needs_quota, 0, "the project has a storage limit: "
	  "give the mailbox a --quota" },
	{ HK_R_domain_not_empty, 0, "{domain} still has {mailboxes} "
	  "mailboxes, {aliases} aliases and {alias_domains} alias domains: "
	  "delete them first, or give --force" },
	{ HK_R_no_account, 0, "no account {login} (hakomail account add)" },
	{ HK_R_move_to_backup, 0, "guest {guest} is the domain's backup MX: "
	  "give the domain another first (hakomail domain backup)" },
	{ HK_R_move_inactive, 0, "{domain} is inactive: enable it first "
	  "(hakomail domain enable {domain})" },
	{ HK_R_domain_moving, 0, "{domain} is being moved (move {move}): "
	  "wait for the move to end (hakomail move show {move}), or cancel "
	  "it (hakomail move cancel {move})" },
	{ HK_R_dkim_not_published, 1, "the record {name} is not seen in DNS "
	  "({status}{found}): publish it and run this again, or give "
	  "--confirm if it is published" },
	{ HK_R_dkim_rotate_none, 0, "{domain} has no active {algorithm} key "
	  "to rotate: make the first with hakomail dkim new" },
	{ HK_R_dkim_not_configured, 0, "DKIM keys need [dkim] key_file in "
	  "hakomail.conf (hakomail.conf(5)): nothing done" },
	{ HK_R_move_no_room, 1, "--to: guest {guest} has no room: the domain "
	  "holds {need} bytes, {room} bytes are free below its warning line "
	  "([warn] disk_percent): {short} short" },
};

/* An import's problems: the file's columns are the CSV's own, the
 * options the import's. */
static const struct {
	enum hk_reason reason;
	const char *words;
} problems[] = {
	{ HK_R_mailbox_exists, "mailbox {local}@{domain} exists (to update "
	  "it, give --upsert)" },
	{ HK_R_alias_exists, "alias {local}@{domain} exists (to replace its "
	  "destinations, give --upsert)" },
	{ HK_R_no_domain, "no domain {domain} (to make it, give "
	  "--create-domains-on GUEST)" },
};

const char *
cli_words_option(const struct hk_err *err)
{
	if (err->code != HK_EINVAL)
		return NULL;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(options[i].field, err->field) == 0)
			return options[i].option;
	return NULL;
}

const char *
cli_words_error(const struct hk_err *err, char *out, size_t size)
{
	const char *option = cli_words_option(err), *words = err->message;
	char mine[sizeof(err->message)];
	struct hk_err e = *err;

	if (option == NULL)
		option = err->field;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (errors[i].reason != err->reason)
			continue;
		if (e.nparams < HK_PARAMS_MAX) {	/* {option} */
			snprintf(e.params[e.nparams].name,
				 sizeof(e.params[0].name), "option");
			snprintf(e.params[e.nparams].value,
				 sizeof(e.params[0].value), "%s", option);
			e.nparams++;
		}
		hk_err_render(&e, errors[i].words, mine, sizeof(mine));
		words = mine;
		if (errors[i].alone)
			option = "";
		break;
	}
	if (*option != '\0')
		snprintf(out, size, "%s: %s", option, words);
	else
		snprintf(out, size, "%s", words);
	return out;
}

const char *
cli_words_problem(const struct import_problem *p, char *out, size_t size)
{
	struct hk_err e;
	const char *name, *value;

	for (size_t i = 0; i < sizeof(problems) / sizeof(problems[0]); i++) {
		if (problems[i].reason != p->why)
			continue;
		e.nparams = 0;
		for (int k = 0; k < HK_PARAMS_MAX &&
		     import_problem_param(p, k, &name, &value) == 0; k++) {
			snprintf(e.params[k].name, sizeof(e.params[k].name),
				 "%s", name);
			snprintf(e.params[k].value, sizeof(e.params[k].value),
				 "%s", value);
			e.nparams++;
		}
		hk_err_render(&e, problems[i].words, out, size);
		return out;
	}
	snprintf(out, size, "%s", p->reason);
	return out;
}
