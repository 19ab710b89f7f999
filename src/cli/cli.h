/* SPDX-License-Identifier: ISC */
/*
 * cli.h - what the hakomail command's modules share: the invocation, a
 * strict option parser (an unknown, repeated or valueless option is an
 * error naming it), the operator as an audited actor, and output as a
 * table for people or JSON (--json) for scripts.
 *
 * Exit codes: 0 done, 1 refused or failed (the reason on stderr, naming
 * the field), 2 usage.
 */
#ifndef HK_CLI_H
#define HK_CLI_H

#include <jansson.h>

#include "conf.h"
#include "db.h"
#include "store.h"

#define CLI_MAXPOS 128

struct cli {
	struct hk_config cfg;
	struct db *db;
	int json;
	int argc;		/* from the command word on */
	char **argv;
	struct hk_actor actor;	/* the operator, via "cli" */
};

struct cli_opt {
	const char *name;	/* "--port" */
	int takes_value;
	const char *value;	/* set by cli_parse; "" for a flag seen */
};

/* Parses argv[from..]: options into opts (NULL-name terminated), the
 * rest into pos[0..*npos).  Returns 0, or -1 having printed why. */
int cli_parse(struct cli *c, int from, struct cli_opt *opts,
	      const char **pos, int *npos);
const char *cli_opt(const struct cli_opt *opts, const char *name);
/* A limit option's value, 0..10^9 (0: no limit), into *out; absent leaves
 * *out as it was.  HK_EINVAL names field. */
int cli_count_opt(const struct cli_opt *opts, const char *name,
		  const char *field, int64_t *out, struct hk_err *err);

int cli_usage(void);
int cli_fail(const struct hk_err *err);

/*
 * Prints items as JSON (--json, the stored values as they are) or a table
 * of the given columns for people: a column named *_bytes as a size
 * (cli_size()), one named at, *_at or *_since as a time (cli_time()),
 * and 0 in a limit (max_*, a quota) as "no limit".
 */
void cli_print(const struct cli *c, json_t *items,
	       const char *const *columns);

#define CLI_SIZE_MAX	24	/* "1023.9 KiB", "-9223372036854775808 B" */
#define CLI_TIME_MAX	32
/* bytes as people read them, in binary units with at most one decimal:
 * "512 B", "500 MiB", "1.5 GiB", "2 GiB".  Returns buf. */
const char *cli_size(char buf[CLI_SIZE_MAX], int64_t bytes);
/* Unix seconds as the local time of the process's TZ, to the minute:
 * "2026-12-02 14:05"; "-" for 0 or less (never).  Returns buf. */
const char *cli_time(char buf[CLI_TIME_MAX], int64_t t);

/* Prints a written object (owned) and nudges pushd; returns 0. */
int cli_written(struct cli *c, json_t *obj, const char *const *columns);
/* rc is a listing call's result and items what it filled (owned): prints
 * them, or the error.  Call the listing in a statement of its own: as an
 * argument here it could be evaluated after items. */
int cli_listed(struct cli *c, int rc, json_t *items,
	       const char *const *columns, struct hk_err *err);
/* Every item of a listing (page by page), in domain (may be NULL) and
 * holding search (NULL: all) into *items; returns 0 or -1 with err set
 * (and *items NULL). */
int cli_collect(struct cli *c, store_lister list, const char *domain,
		const char *search, json_t **items, struct hk_err *err);
/*
 * The files a command reads (import's FILE, --host-key-file's F) are
 * opened by cli_preopen() before the CLI, run as root, becomes the
 * database's owner (cli_main.c): the operator may read what that user
 * may not.  cli_open_input() gives such a file's descriptor (its own, at
 * offset 0), or opens path now; -1 with errno.  cli_close_inputs()
 * closes those opened before.
 */
void cli_preopen(const struct cli *c);
int cli_open_input(const char *path);
void cli_close_inputs(void);

/* A progress bar on stderr (for a terminal only: the caller asks
 * isatty): "phase [####    ]  40% 400/1000", a line end once done. */
void cli_progress_bar(void *ctx, const char *phase, size_t done,
		      size_t total);
/* One line of standard input without its line end (HK_EINVAL on field
 * when there is none). */
int cli_read_line(char *buf, size_t size, const char *field,
		  struct hk_err *err);

/*
 * The commands, one file per resource as the API's handlers are, in
 * groups by file; the table in cli_main.c says which word reaches each.
 */
int cli_init(struct cli *c);		/* cli_init.c */

int cli_project(struct cli *c);		/* cli_project.c */

int cli_account(struct cli *c);		/* cli_account.c */
int cli_account_totp(struct cli *c);	/* cli_totp.c */

int cli_apikey(struct cli *c);		/* cli_apikey.c */

int cli_guest(struct cli *c);		/* cli_guest.c */

int cli_mailbox_sieve(struct cli *c);	/* cli_sieve.c: mailbox vacation,
					 * forward and settings */
int cli_status(struct cli *c);
int cli_push(struct cli *c);

int cli_domain(struct cli *c);		/* cli_domain.c */

int cli_mailbox(struct cli *c);		/* cli_mailbox.c */

int cli_alias(struct cli *c);		/* cli_alias.c */
int cli_aliasdomain(struct cli *c);

int cli_audit(struct cli *c);		/* cli_audit.c */

int cli_import(struct cli *c);		/* cli_import.c */
int cli_export(struct cli *c);
int cli_capacity(struct cli *c);	/* cli_capacity.c */
int cli_warnings(struct cli *c);

int cli_dkim(struct cli *c);		/* cli_dkim.c */

int cli_domain_move(struct cli *c);	/* cli_move.c: domain move */
int cli_domain_dns(struct cli *c);	/* cli_dns.c: domain dns */
int cli_moves(struct cli *c);
int cli_move(struct cli *c);
int cli_migrate(struct cli *c);		/* cli_migrate.c: migrate
					 * postfixadmin */

#endif
