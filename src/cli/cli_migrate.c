/* SPDX-License-Identifier: ISC */
/*
 * cli_migrate.c - the hakomail command's move in from PostfixAdmin:
 *
 *   migrate postfixadmin --from URL --project P --guest G
 *     [--map-domain D=GUEST]... [--only-domain D]... [--backup-guest G]
 *     [--dry-run] [--skip-invalid] [--cleartext] [--quota-multiplier N]
 *
 * The database is read whole (pfa_read.c, read only, one snapshot), then
 * judged and written or not (migrate.h).  Printed: the counts of each
 * kind, every problem as "TABLE KEY: FIELD: REASON" (PostfixAdmin's
 * table and key, so the operator finds the row), then the notes (what
 * does not come over, and why).  Progress on a terminal's stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "migrate.h"
#include "pfa_read.h"
#include "wake.h"

#define REPEATS_MAX	CLI_MAXPOS

/* The repeatable options taken out of argv (cli_parse refuses a
 * repeated option): their values, and the rest of argv in order. */
struct repeats {
	const char *map[REPEATS_MAX], *only[REPEATS_MAX];
	size_t nmap, nonly;
	char *rest[CLI_MAXPOS * 2 + 8];
	int nrest;
};

static int
take_repeats(struct cli *c, struct repeats *r)
{
	for (int i = 0; i < c->argc; i++) {
		const char *a = c->argv[i];
		int map = strcmp(a, "--map-domain") == 0;

		if (map || strcmp(a, "--only-domain") == 0) {
			if (i + 1 >= c->argc) {
				log_error("%s: needs a value", a);
				return -1;
			}
			if ((map ? r->nmap : r->nonly) == REPEATS_MAX) {
				log_error("%s: too many", a);
				return -1;
			}
			if (map)
				r->map[r->nmap++] = c->argv[++i];
			else
				r->only[r->nonly++] = c->argv[++i];
		} else if ((size_t)r->nrest < sizeof(r->rest) / sizeof(*r->rest))
			r->rest[r->nrest++] = c->argv[i];
	}
	c->argv = r->rest;
	c->argc = r->nrest;
	return 0;
}

static void
print_counts(const struct mig_report *rep)
{
	printf("%-14s %8s %8s %8s %9s %8s\n", "", "found", "added", "updated",
	       "unchanged", "skipped");
	for (int k = 0; k < MIG_NKINDS; k++) {
		const struct mig_count *n = &rep->count[k];

		printf("%-14s %8zu %8zu %8zu %9zu %8zu\n", mig_kind_names[k],
		       n->seen, n->added, n->updated, n->unchanged,
		       n->skipped);
	}
}

static void
print_said(const struct mig_report *rep)
{
	int heading = -1;

	for (size_t i = 0; i < rep->nkept; i++) {
		const struct mig_problem *p = &rep->problems[i];

		if (p->note != heading) {
			heading = p->note;
			printf("%s (%zu):\n", p->note ? "not carried" :
			       "problems", p->note ? rep->nnotes :
			       rep->nproblems);
		}
		/* the field is PostfixAdmin's column, not an option here */
		printf("  %s %s: %s%s%s\n", p->table, p->key, p->e.field,
		       p->e.field[0] ? ": " : "", p->e.message);
	}
	if (rep->nkept < rep->nproblems + rep->nnotes)
		printf("  (%zu more not shown)\n",
		       rep->nproblems + rep->nnotes - rep->nkept);
}

static json_t *
said_json(const struct mig_report *rep, int note)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < rep->nkept; i++) {
		const struct mig_problem *p = &rep->problems[i];
		json_t *params;

		if (p->note != note)
			continue;
		params = json_object();
		for (int k = 0; params && k < p->e.nparams; k++)
			json_object_set_new(params, p->e.params[k].name,
					    json_string(p->e.params[k].value));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,"
			"s:o*}", "table", p->table, "key", p->key, "field",
			p->e.field, "reason", p->e.message, "reason_id",
			hk_reason_name(p->e.reason), "params", params));
	}
	return arr;
}

static void
print_json(const struct mig_report *rep, int version, int written)
{
	json_t *counts = json_object(), *out;

	for (int k = 0; counts && k < MIG_NKINDS; k++) {
		const struct mig_count *n = &rep->count[k];

		json_object_set_new(counts, mig_kind_names[k], json_pack(
			"{s:I,s:I,s:I,s:I,s:I}", "found", (json_int_t)n->seen,
			"added", (json_int_t)n->added, "updated",
			(json_int_t)n->updated, "unchanged",
			(json_int_t)n->unchanged, "skipped",
			(json_int_t)n->skipped));
	}
	out = json_pack("{s:i,s:o*,s:o*,s:o*,s:I,s:I,s:b}", "version",
			version, "counts", counts, "problems",
			said_json(rep, 0), "notes", said_json(rep, 1),
			"problem_count", (json_int_t)rep->nproblems,
			"note_count", (json_int_t)rep->nnotes, "written",
			written);
	if (out != NULL)
		json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
}

/* --quota-multiplier: PostfixAdmin's bytes per MB (its default). */
static int
multiplier(const struct cli_opt *opts, int64_t *out, struct hk_err *err)
{
	const char *v = cli_opt(opts, "--quota-multiplier");
	char *end;

	*out = 1024000;
	if (v == NULL)
		return 0;
	*out = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || *out < 1 || *out > 1073741824)
		return hk_failr(err, HK_EINVAL, "quota_multiplier",
				HK_R_limit_range, "max", "1073741824", NULL);
	return 0;
}

/* The options a run needs, each named when missing. */
static int
required(const struct cli_opt *opts, struct hk_err *err)
{
	static const char *const need[] = { "--from", "--project", "--guest",
					    NULL };

	for (int i = 0; need[i]; i++)
		if (cli_opt(opts, need[i]) == NULL)
			return hk_failr(err, HK_EINVAL, need[i] + 2,
					HK_R_required, NULL);
	return 0;
}

/* PostfixAdmin's database into set: opened, read, closed. */
static int
read_source(struct cli *c, const struct cli_opt *opts,
	    const struct repeats *r, struct mig_set *set, int *version,
	    struct hk_err *err)
{
	struct pfa_read_opts ro = {
		.guest = cli_opt(opts, "--guest"),
		.backup_guest = cli_opt(opts, "--backup-guest"),
		.map = r->map, .nmap = r->nmap,
		.only = r->only, .nonly = r->nonly,
		.progress = isatty(STDERR_FILENO) && !c->json ?
		    cli_progress_bar : NULL };
	struct pfa_src *src;
	int rc;

	if (multiplier(opts, &ro.quota_multiplier, err) < 0 ||
	    (src = pfa_src_open(cli_opt(opts, "--from"), err)) == NULL)
		return -1;
	rc = pfa_read(src, &ro, set, version, err);
	pfa_src_close(src);
	return rc;
}

static int
run(struct cli *c, const struct cli_opt *opts, const struct repeats *r)
{
	struct mig_opts mo = {
		.project = cli_opt(opts, "--project"),
		.dry_run = cli_opt(opts, "--dry-run") != NULL,
		.skip_invalid = cli_opt(opts, "--skip-invalid") != NULL,
		.progress = isatty(STDERR_FILENO) && !c->json ?
		    cli_progress_bar : NULL };
	struct mig_report rep = { 0 };
	struct mig_set set;
	struct hk_err err;
	int version = 0, rc, judged;

	hk_err_clear(&err);
	mig_set_init(&set);
	set.cleartext = cli_opt(opts, "--cleartext") != NULL;
	if ((rc = read_source(c, opts, r, &set, &version, &err)) == 0)
		rc = migrate_run(c->db, &c->actor, &set, &mo, &rep, &err);
	/* the report when there is one: the run went to its end, or its
	 * items' problems stopped it (any other failure says itself) */
	judged = rep.problems != NULL &&
	    (rc == 0 || err.reason == HK_R_migrate_problems);
	if (c->json && judged)
		print_json(&rep, version, rc == 0 && !mo.dry_run);
	else if (judged) {
		printf("PostfixAdmin schema %d, %s\n", version, set.from);
		print_counts(&rep);
		print_said(&rep);
		if (rc == 0)
			printf(mo.dry_run ? "dry run: nothing written\n" :
			       "written: one transaction\n");
	}
	if (rc == 0 && !mo.dry_run)
		wake_notify(c->cfg.wake_socket);
	mig_report_free(&rep);
	mig_set_free(&set);
	return rc < 0 ? cli_fail(&err) : 0;
}

int
cli_migrate(struct cli *c)
{
	struct cli_opt opts[] = {
		{ "--from", 1, NULL }, { "--project", 1, NULL },
		{ "--guest", 1, NULL }, { "--backup-guest", 1, NULL },
		{ "--dry-run", 0, NULL }, { "--skip-invalid", 0, NULL },
		{ "--cleartext", 0, NULL }, { "--quota-multiplier", 1, NULL },
		{ NULL, 0, NULL } };
	struct repeats *r = calloc(1, sizeof(*r));
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	int npos = 0, rc;

	if (r == NULL)
		return cli_fail(&(struct hk_err){ .code = HK_ESYS,
			.message = "out of memory" });
	hk_err_clear(&err);
	if (take_repeats(c, r) < 0 || cli_parse(c, 2, opts, pos, &npos) < 0 ||
	    npos > 0)
		rc = npos > 0 ? cli_usage() : 2;
	else if (required(opts, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = run(c, opts, r);
	free(r);
	return rc;
}
