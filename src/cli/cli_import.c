/* SPDX-License-Identifier: ISC */
/*
 * cli_import.c - the hakomail command's bulk import and export:
 *
 *   import mailboxes|aliases FILE [--dry-run] [--skip-invalid] [--upsert]
 *     [--encoding auto|utf-8|cp932] [--create-domains-on GUEST]
 *   export mailboxes|aliases [--domain D | --project P] [--with-hashes]
 *
 * Every problem is printed as FILE:LINE: COLUMN: REASON, like a compiler's,
 * so that an editor or grep takes the operator to the row; a progress bar
 * goes to a terminal on stderr (never into a pipe or a log).  An import
 * is a job, as through the API (store_importjob.c): run here, in the
 * foreground, its worker "cli:HOST:PID", it is in the web panel's recent
 * imports with its door, cli.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_words.h"
#include "csvin.h"
#include "export.h"
#include "fdio.h"
#include "import.h"
#include "utf8.h"
#include "wake.h"

/* The whole file, refused past max bytes before reading it. */
static int
read_file(const char *path, size_t max, char **data, size_t *len,
	  struct hk_err *err)
{
	struct stat sb;
	ssize_t n;
	int fd = cli_open_input(path);

	*data = NULL;
	if (fd < 0)
		return hk_fail_errno(err, "%s", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return hk_failr(err, HK_EINVAL, "file", HK_R_not_regular_file,
				"path", path, NULL);
	}
	if ((size_t)sb.st_size > max) {
		close(fd);
		return hk_failr(err, HK_ETOOBIG, "file", HK_R_file_too_large,
				"path", path, "size", HK_NUM(sb.st_size), "max",
				HK_NUM(max), NULL);
	}
	*len = 0;
	if ((*data = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return hk_fail(err, HK_ESYS, "file", "out of memory");
	}
	n = fdio_read_full(fd, *data, (size_t)sb.st_size);
	close(fd);
	if (n < 0) {
		free(*data);
		*data = NULL;
		return hk_fail_errno(err, "reading %s", path);
	}
	*len = (size_t)n;
	return 0;
}

static void
print_report(const char *path, const struct import_report *rep, int dry)
{
	char words[512];

	for (size_t i = 0; i < rep->nproblems; i++) {
		const struct import_problem *p = &rep->problems[i];

		fprintf(stderr, "%s:%zu: %s%s%s\n", path, p->line, p->column,
			p->column[0] ? ": " : "",
			cli_words_problem(p, words, sizeof(words)));
	}
	if (rep->truncated)
		fprintf(stderr, "%s: more problems than shown\n", path);
	printf("%zu rows: %zu %s, %zu %s, %zu with problems", rep->rows,
	       rep->added, dry ? "to add" : "added", rep->updated,
	       dry ? "to update" : "updated", rep->invalid);
	if (rep->domains_created > 0)
		printf("; %zu domains %s", rep->domains_created,
		       dry ? "to make" : "made");
	putchar('\n');
}

/* The file's name as the job shows it: its last part, without control
 * characters, and bytes that are not UTF-8 as '?'. */
static void
job_filename(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	int utf8;

	snprintf(out, size, "%s", base ? base + 1 : path);
	utf8 = utf8_valid(out, strlen(out));
	for (unsigned char *p = (unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (!utf8 && *p >= 0x80))
			*p = '?';
}

/* A job of this command's whose process is gone (killed mid-import)
 * ends "interrupted", as the FastCGI supervisor ends its workers', so
 * that it does not hold its project. */
static void
abandon_dead(struct cli *c, const char *prefix)
{
	json_t *rows = NULL, *row;
	struct hk_err err;
	size_t i;

	if (store_import_job_workers(c->db, prefix, &rows, &err) < 0) {
		json_decref(rows);
		return;
	}
	json_array_foreach(rows, i, row) {
		const char *w = json_string_value(json_object_get(row,
								  "worker"));
		long pid = w ? strtol(w + strlen(prefix), NULL, 10) : 0;

		if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			(void)store_import_job_abandon(c->db, w, 0, &err);
	}
	json_decref(rows);
}

static int
start_job(struct cli *c, const char *path, const struct import_opts *o,
	  const struct csvin_doc *doc, int64_t *id, struct hk_err *err)
{
	char host[64] = "", prefix[80], worker[96];
	char filename[IMPORT_FILENAME_MAX + 1];
	struct import_job_in in = { c->argv[1], filename,
		csvin_encoding_name(doc->encoding), o->dry_run,
		o->skip_invalid, o->upsert, worker, INT_MAX };
	json_t *job = NULL;
	int rc;

	gethostname(host, sizeof(host) - 1);
	snprintf(prefix, sizeof(prefix), "cli:%s:", host);
	snprintf(worker, sizeof(worker), "%s%ld", prefix, (long)getpid());
	job_filename(path, filename, sizeof(filename));
	abandon_dead(c, prefix);
	rc = store_import_job_add(c->db, &c->actor, &in, id, &job, err);
	json_decref(job);
	return rc;
}

static int
import_file(struct cli *c, const char *path, const struct cli_opt *opts,
	    struct hk_err *err)
{
	struct csvin_limits lim = CSVIN_DEFAULT_LIMITS;
	struct import_opts o = { .dry_run = !!cli_opt(opts, "--dry-run"),
		.skip_invalid = !!cli_opt(opts, "--skip-invalid"),
		.upsert = !!cli_opt(opts, "--upsert"),
		.create_domains_on = cli_opt(opts, "--create-domains-on"),
		.pw_min = c->cfg.pw_min, .pw_max = c->cfg.pw_max,
		.progress = isatty(STDERR_FILENO) ? cli_progress_bar : NULL };
	struct import_report rep;
	struct csvin_doc doc;
	enum csvin_encoding enc;
	char *data = NULL;
	size_t len = 0;
	int64_t id;
	int rc, aliases = strcmp(c->argv[1], "aliases") == 0;

	if (csvin_encoding_parse(cli_opt(opts, "--encoding"), &enc, err) < 0 ||
	    read_file(path, lim.max_bytes, &data, &len, err) < 0)
		return -1;
	/* read over itself: the file is held once, not twice */
	rc = csvin_parse_own(data, len, enc, &lim, &doc, err);
	if (rc < 0)
		return -1;
	/* a file the import cannot read makes no job, as through the API */
	if (import_columns(aliases, o.upsert, &doc, err) < 0 ||
	    start_job(c, path, &o, &doc, &id, err) < 0) {
		csvin_doc_free(&doc);
		return -1;
	}
	rc = import_job_run(c->db, &c->actor, id, aliases, &doc, &o, &rep,
			    err);
	print_report(path, &rep, o.dry_run || rc < 0);
	if (rc == 0 && !o.dry_run)
		wake_notify(c->cfg.wake_socket);
	import_report_free(&rep);
	csvin_doc_free(&doc);
	return rc;
}

int
cli_import(struct cli *c)
{
	struct cli_opt opts[] = { { "--dry-run", 0, NULL },
		{ "--skip-invalid", 0, NULL }, { "--upsert", 0, NULL },
		{ "--encoding", 1, NULL }, { "--create-domains-on", 1, NULL },
		{ NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	struct hk_err err;
	int npos;

	hk_err_clear(&err);
	if (c->argc < 2 || (strcmp(c->argv[1], "mailboxes") != 0 &&
			    strcmp(c->argv[1], "aliases") != 0) ||
	    cli_parse(c, 2, opts, pos, &npos) < 0 || npos != 1)
		return cli_usage();
	if (import_file(c, pos[0], opts, &err) < 0) {
		/* csvin's errors name the line (and the column): say the
		 * file too, as FILE:LINE: message */
		if (strncmp(err.field, "line ", 5) == 0) {
			fprintf(stderr, "%s:%.*s: %s\n", pos[0],
				(int)strspn(err.field + 5, "0123456789"),
				err.field + 5, err.message);
			return 1;
		}
		return cli_fail(&err);
	}
	return 0;
}

static int
write_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

/* export mailboxes|aliases [--domain D | --project P] [--with-hashes] */
int
cli_export(struct cli *c)
{
	struct cli_opt opts[] = { { "--domain", 1, NULL },
		{ "--project", 1, NULL }, { "--with-hashes", 0, NULL },
		{ NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	struct export_opts o = { .write = write_stdout };
	struct hk_err err;
	size_t rows;
	int npos, aliases;

	hk_err_clear(&err);
	if (c->argc < 2 || (strcmp(c->argv[1], "mailboxes") != 0 &&
			    strcmp(c->argv[1], "aliases") != 0) ||
	    cli_parse(c, 2, opts, pos, &npos) < 0 || npos != 0)
		return cli_usage();
	aliases = c->argv[1][0] == 'a';
	o.domain = cli_opt(opts, "--domain");
	o.project = cli_opt(opts, "--project");
	o.hashes = cli_opt(opts, "--with-hashes") != NULL;
	if (aliases && o.hashes)
		return cli_usage();
	if ((aliases ? export_aliases : export_mailboxes)(c->db, &c->actor,
	    &o, &rows, &err) < 0 || fflush(stdout) != 0)
		return cli_fail(&err);
	fprintf(stderr, "%zu %s exported\n", rows, c->argv[1]);
	return 0;
}
