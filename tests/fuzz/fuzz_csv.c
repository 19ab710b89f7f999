/* SPDX-License-Identifier: ISC */
/*
 * fuzz_csv.c - a libFuzzer target for the bulk CSV import, through the
 * real reader and the real validation: each input is one import file,
 * read by csvin_parse() (src/panel/csvin.c) and, when it is read, judged by
 * import_mailboxes() (src/panel/import.c) in a dry run, against a real
 * SQLite database made once at start-up by the project's own migrations
 * and store functions.
 *
 *   byte 0	bits 0-1: the encoding asked for (auto, utf-8, cp932, auto);
 *		bit 2: upsert; bit 3: skip_invalid; bits 4-5: the caller
 *		(admin, the owner of "lab", the owner of "other", a
 *		read-only admin); bit 6: small csvin limits (2 KiB, 4 rows,
 *		fields of 40 bytes); bit 7: also import it for real
 *   bytes 1..	the file, exactly as it would be uploaded (not
 *		NUL-terminated, so that ASan sees any read past its end)
 *
 * The reader, whatever the input:
 *   - refuses with err.field "line N" or "line N, column X" (HK_EINVAL),
 *     N within the file, or with HK_ETOOBIG over the size limit; and then
 *     leaves the doc empty;
 *   - refuses a NUL byte, a UTF-16 BOM, bytes that are not UTF-8 when
 *     UTF-8 is asked for;
 *   - on success: the header and the rows on strictly increasing lines,
 *     within the file; every row with the header's number of fields;
 *     every field valid UTF-8, within the field limit; at most max_rows;
 *     the encoding the one asked for (auto: UTF-8 whenever it is UTF-8),
 *     and the same doc when that encoding is asked for explicitly;
 *   - whenever the text is known without iconv (UTF-8, or ASCII in any
 *     mode): exactly what a reference RFC 4180 splitter written here
 *     (libcsv's strict mode, blank rows skipped) gives, rows, fields and
 *     line numbers, or its error on the same line.
 * The import, dry run:
 *   - a header it cannot use (an unknown or repeated column, no address,
 *     no password column without upsert) is refused with "line N", N the
 *     header's line (blank lines may come before it), and nothing
 *     judged; a read-only caller is refused HK_EFORBIDDEN;
 *   - otherwise it returns 0 exactly when no row is invalid or
 *     skip_invalid is set, and added + updated + invalid = rows;
 *   - every problem is on a row's line, in a known column (or ""), with a
 *     reason, and the lines with a problem are exactly the invalid rows;
 *   - rows that must be refused are (an empty or malformed address, a
 *     domain the caller cannot see, an address met before in the file,
 *     the alias, an existing mailbox without upsert, a password and a
 *     hash, a formula name, a bad quota or active cell);
 *   - the database is unchanged: row counts of mailbox, alias and audit,
 *     the sum of guest.desired_gen, SQLite's total_changes(), and no
 *     transaction left open.
 * The real import (bit 7, files with at most WRITE_PLAIN plain passwords,
 * for hashing them is slow):
 *   - reports exactly what the dry run reported; returns 0 exactly when
 *     the dry run found nothing wrong, or skip_invalid is set;
 *   - -1: nothing changed at all (a digest of every table);
 *   - 0: one audit entry more, one mailbox per added row, each good row
 *     stored as given (the plain password verifies against its hash),
 *     the project's and the domain's limits still kept, no mailbox on an
 *     alias's address, the guests' generations raised when anything was
 *     written, and then the database is put back to its pristine copy.
 * A broken invariant prints "fuzz_csv: INVARIANT BROKEN: ..." and the
 * file to stderr and aborts, so that libFuzzer keeps the input.
 *
 * The fixture: project "lab" (at most 5 mailboxes, 8 GiB), guest g1,
 * domains pc1.example (at most 3 mailboxes, default quota 1 GiB) and
 * 大学.example (no default quota), mailboxes matsui@pc1.example (1 GiB)
 * and suzuki@大学.example (2 GiB), the alias info@pc1.example; project
 * "other", no limits, guest g2, domain other.example, tanaka@other.example.
 *
 * Seeds: tests/fuzz/corpus_csv/ (the flag byte first); dictionary:
 * tests/fuzz/csv.dict.  With HK_FUZZ_CSV_VERBOSE set in the environment,
 * each input's verdicts and problems are printed (to reproduce: fuzz_csv
 * FILE...).  Built and run by tests/fuzz/build.sh and tests/fuzz/run.sh.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvin.h"
#include "fuzz_common.h"
#include "import.h"
#include "pwhash.h"
#include "store.h"
#include "utf8.h"
#include "validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WRITE_PLAIN	8	/* the most plain passwords imported for real */
#define GIB		((int64_t)1 << 30)
#define HASH "{SHA512-CRYPT}$6$saltsalt$0123456789abcdefghijklmnopqrstuvwx" \
	"yzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnop"

/* The fixture's limits (see above). */
#define LAB_MAX_MAILBOXES	5
#define LAB_MAX_STORAGE		(8 * GIB)
#define PC1_MAX_MAILBOXES	3
#define PC1_DEFAULT_QUOTA	GIB

enum caller { WHO_ADMIN, WHO_LAB, WHO_OTHER, WHO_READONLY, NWHO };
static const char *const who_names[NWHO] = {
	"admin", "owner of lab", "owner of other", "read-only admin"
};

/* The import's columns, as import_cells.c knows them. */
enum { C_ADDRESS, C_PASSWORD, C_HASH, C_NAME, C_QUOTA, C_ACTIVE, C_N };
static const char *const columns[] = { "address", "password",
	"password_hash", "name", "quota", "active", NULL };

/* The fixture's domains and mailboxes, canonical once set up. */
enum { D_PC1, D_IDN, D_OTHER, ND };
static struct fzdom {
	const char *given;
	char name[MAPSYNTAX_DOMAIN_MAX + 1];	/* canonical */
	int project;				/* WHO_LAB or WHO_OTHER */
	int64_t default_quota;
} doms[ND] = {
	{ "pc1.example", "", WHO_LAB, PC1_DEFAULT_QUOTA },
	{ "大学.example", "", WHO_LAB, 0 },
	{ "other.example", "", WHO_OTHER, 0 },
};
static const struct fzmb {
	const char *local;
	int dom;
	int64_t quota;
} mailboxes[] = {
	{ "matsui", D_PC1, GIB },
	{ "suzuki", D_IDN, 2 * GIB },
	{ "tanaka", D_OTHER, 5 * GIB },
};
#define NMB (sizeof(mailboxes) / sizeof(mailboxes[0]))
#define ALIAS_LOCAL	"info"		/* on pc1.example */

/* The database is fzdb (fuzz_common.c). */
static struct {
	struct hk_actor who[NWHO];
	int64_t lab_id, other_id;
	const uint8_t *input;		/* for the message of a failure */
	size_t input_len;
	unsigned long writes;
	int verbose;			/* HK_FUZZ_CSV_VERBOSE set */
} fz;

/* --- failing --- */

/* After a failure's message: the input, if one is being run. */
static void
print_input(void)
{
	if (fz.input != NULL) {
		fprintf(stderr, "  flags 0x%02x, file of %zu bytes: \"",
			fz.input_len ? fz.input[0] : 0,
			fz.input_len ? fz.input_len - 1 : 0);
		for (size_t i = 1; i < fz.input_len && i < 600; i++) {
			unsigned char c = fz.input[i];

			if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
				fputc(c, stderr);
			else
				fprintf(stderr, "\\x%02x", c);
		}
		fputs(fz.input_len > 600 ? "...\"\n" : "\"\n", stderr);
	}
}

const struct fz_target fz_target = { "fuzz_csv", print_input };

#define CHECK(cond, ...) do { if (!(cond)) \
	fail_now("INVARIANT BROKEN: " __VA_ARGS__); } while (0)

/* --- the database (fzdb): made once, put back after every real write --- */

static void
report(void)
{
	fprintf(stderr, "fuzz_csv: %lu real imports, %lu database resets\n",
		fz.writes, fzdb.resets);
}

static int64_t
sql_int(const char *sql, const struct db_param *p, int n)
{
	struct hk_err err;
	int64_t v = -1;

	if (db_query_int(fzdb.db, sql, p, n, &v, &err) < 0)
		fail_now("%s: %s", sql, err.message);
	return v;
}

static void
make_db(void)
{
	struct project_limits lab = { -1, LAB_MAX_MAILBOXES, LAB_MAX_STORAGE };
	struct alias_in al = { ALIAS_LOCAL, NULL, "matsui@pc1.example", 1 };
	struct hk_actor op;
	struct hk_err err;
	char hash[PWHASH_MAX];
	json_t *obj = NULL;

	fz_db_make("hk-fuzz-csv");
	atexit(report);
	fz_db_admin(&op);
	must(store_project_add(fzdb.db, &op, "lab", NULL, &err), &err, "lab");
	must(store_project_add(fzdb.db, &op, "other", NULL, &err), &err,
	     "other");
	for (int i = 0; i < 2; i++) {
		struct guest_in g = { i ? "g2" : "g1", i ? "other" : "lab",
			i ? "127.0.0.2" : "127.0.0.1", "root",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			NULL, NULL };

		must(store_guest_add(fzdb.db, &op, &g, &obj, &err), &err,
		     g.name);
		json_decref(obj);
	}
	for (int d = 0; d < ND; d++) {
		must(validate_domain(doms[d].given, "domain", doms[d].name,
				     &err), &err, doms[d].given);
		must(store_domain_add(fzdb.db, &op, doms[d].name,
				      doms[d].project == WHO_LAB ? "g1" : "g2",
				      &obj, &err), &err, doms[d].given);
		json_decref(obj);
	}
	must(pwhash_make("long-enough-1", hash, &err), &err, "hash");
	for (size_t i = 0; i < NMB; i++) {
		struct mailbox_in mb = { mailboxes[i].local,
			doms[mailboxes[i].dom].name, hash, "Name",
			mailboxes[i].quota, 1 };

		must(store_mailbox_add(fzdb.db, &op, &mb, &obj, &err), &err,
		     mailboxes[i].local);
		json_decref(obj);
	}
	al.domain = doms[D_PC1].name;
	must(store_alias_add(fzdb.db, &op, &al, &obj, &err), &err, "alias");
	json_decref(obj);
	must(store_project_limits(fzdb.db, &op, "lab", &lab, &err), &err,
	     "lab's limits");
	must(store_domain_limits(fzdb.db, &op, doms[D_PC1].name,
				 PC1_MAX_MAILBOXES, PC1_DEFAULT_QUOTA, &err),
	     &err, "pc1.example's limits");
	must(store_project_id(fzdb.db, "lab", &fz.lab_id, &err), &err, "lab");
	must(store_project_id(fzdb.db, "other", &fz.other_id, &err), &err,
	     "other");
	for (int w = 0; w < NWHO; w++) {
		struct hk_actor *a = &fz.who[w];

		memset(a, 0, sizeof(*a));
		a->is_admin = w == WHO_ADMIN || w == WHO_READONLY;
		a->read_only = w == WHO_READONLY;
		a->project_id = w == WHO_LAB ? fz.lab_id :
		    w == WHO_OTHER ? fz.other_id : 0;
		a->account_id = w + 1;
		snprintf(a->login, sizeof(a->login), "fuzz-%d", w);
		snprintf(a->via, sizeof(a->via), "cli");
	}
	fz_db_freeze();
}

/* Whether caller w sees domain d. */
static int
sees(int w, int d)
{
	return w == WHO_ADMIN || w == WHO_READONLY || doms[d].project == w;
}

/* --- snapshots --- */

/* Cheap: what a dry run could touch.  Fails on an open transaction. */
struct counts {
	int64_t v[5];	/* mailbox, alias, audit, sum(desired_gen), changes */
};

static void
counts(struct counts *c, const char *when)
{
	struct hk_err err;

	if (db_begin(fzdb.db, 0, &err) < 0)
		fail_now("INVARIANT BROKEN: a transaction left open %s (%s)",
			 when, err.message);
	if (db_query_ints(fzdb.db, "SELECT (SELECT COUNT(*) FROM mailbox), "
			  "(SELECT COUNT(*) FROM alias), (SELECT COUNT(*) FROM "
			  "audit), (SELECT SUM(desired_gen) FROM guest), "
			  "total_changes()", NULL, 0, c->v, 5, &err) < 0)
		fail_now("counting %s: %s", when, err.message);
	db_rollback(fzdb.db);
}

static int
digest_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	uint64_t *h = ctx;

	(void)err;
	for (int i = 0; i < row->ncols; i++) {
		const char *v = row->vals[i];

		*h = fnv(*h, row->names[i], strlen(row->names[i]) + 1);
		*h = fnv(*h, v ? "v" : "n", 1);
		if (v)
			*h = fnv(*h, v, strlen(v) + 1);
	}
	*h = fnv(*h, "\n", 1);
	return 0;
}

/* Expensive: every row of every table, in rowid order (a table WITHOUT
 * ROWID, search_pending, in its key's). */
static uint64_t
digest(void)
{
	uint64_t h = FZ_FNV_BASIS;
	struct hk_err err;
	char sql[128];

	for (int i = 0; i < fzdb.ntables; i++) {
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"%s",
			 fzdb.tables[i], fzdb.without_rowid[i] ? "" :
			 " ORDER BY rowid");
		h = fnv(h, fzdb.tables[i], strlen(fzdb.tables[i]) + 1);
		if (db_query(fzdb.db, sql, NULL, 0, digest_row, &h, NULL,
			     &err) < 0)
			fail_now("reading %s: %s", fzdb.tables[i],
				 err.message);
	}
	return h;
}

/* --- the reference splitter: libcsv's strict mode as csvin uses it --- */

/* A row as the reference reads it: one string per field, padded. */
struct ref_row {
	size_t line, nfields;
	char **fields;
};

struct ref {
	const struct csvin_limits *lim;
	int failed;
	size_t err_line;
	size_t line, row_line, field_line;
	int open;
	/* the row being read */
	char *field;
	size_t flen, fcap;
	char **cur;
	size_t ncur, ccap, nfields;
	int nonblank;
	/* the result */
	struct ref_row header;
	struct ref_row *rows;
	size_t nrows, rcap;
};

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		fail_now("out of memory");
	return p;
}

static void
ref_fail(struct ref *r, size_t line)
{
	if (!r->failed) {
		r->failed = 1;
		r->err_line = line;
	}
}

static void
ref_char(struct ref *r, char c)
{
	if (r->flen + 1 >= r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 64;
		r->field = xrealloc(r->field, r->fcap);
	}
	r->field[r->flen++] = c;
}

static void
ref_field(struct ref *r)
{
	if (r->failed)
		return;
	if (r->nfields >= CSVIN_MAX_COLUMNS) {	/* refused as it is read */
		ref_fail(r, r->row_line);
		return;
	}
	if (r->flen > r->lim->max_field) {
		ref_fail(r, r->field_line);
		return;
	}
	for (size_t i = 0; i < r->flen; i++)
		r->nonblank |= r->field[i] != ' ' && r->field[i] != '\t';
	if (r->header.fields == NULL || r->ncur < r->header.nfields) {
		if (r->ncur == r->ccap) {
			r->ccap = r->ccap ? 2 * r->ccap : 16;
			r->cur = xrealloc(r->cur, r->ccap * sizeof(char *));
		}
		r->cur[r->ncur] = xrealloc(NULL, r->flen + 1);
		memcpy(r->cur[r->ncur], r->field ? r->field : "", r->flen);
		r->cur[r->ncur++][r->flen] = '\0';
	}
	r->nfields++;
	r->flen = 0;
	r->field_line = r->line;
}

static void
ref_make(struct ref *r, struct ref_row *row, size_t n)
{
	row->fields = xrealloc(NULL, n * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		row->fields[i] = i < r->ncur ? r->cur[i] : strdup("");
		if (row->fields[i] == NULL)
			fail_now("out of memory");
	}
	row->nfields = n;
	row->line = r->row_line;
	r->ncur = 0;
}

static void
ref_row(struct ref *r)
{
	r->open = 0;
	if (!r->failed && r->nonblank) {
		if (r->header.fields == NULL)
			ref_make(r, &r->header, r->ncur);
		else if (r->nfields > r->header.nfields)
			ref_fail(r, r->row_line);
		else if (r->nrows >= r->lim->max_rows)
			ref_fail(r, r->row_line);
		else {
			if (r->nrows == r->rcap) {
				r->rcap = r->rcap ? 2 * r->rcap : 16;
				r->rows = xrealloc(r->rows, r->rcap *
						   sizeof(*r->rows));
			}
			ref_make(r, &r->rows[r->nrows++], r->header.nfields);
		}
	}
	for (size_t i = 0; i < r->ncur; i++)
		free(r->cur[i]);
	r->ncur = r->nfields = 0;
	r->nonblank = 0;
	r->flen = 0;
}

static size_t
line_len(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			return i + 1;
		if (s[i] == '\r')
			return i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
	}
	return n;
}

/* Physical lines of s[0..n) (at least 1), and the line of s[off]. */
static size_t
count_lines(const char *s, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i += line_len(s + i, n - i))
		lines++;
	return lines ? lines : 1;
}

static size_t
line_of(const char *s, size_t n, size_t off)
{
	size_t line = 1, i = 0, k;

	while (i < n && i + (k = line_len(s + i, n - i)) <= off) {
		i += k;
		line++;
	}
	return line;
}

enum { S_ROW, S_FIELD_NOT_BEGUN, S_FIELD, S_MIGHT_END };

static void
ref_parse(struct ref *r, const char *s, size_t n)
{
	int st = S_ROW, quoted = 0;
	size_t off = 0, k;

	for (r->line = 1; off < n && !r->failed; off += k, r->line++) {
		k = line_len(s + off, n - off);
		if (!r->open && s[off] != '\r' && s[off] != '\n') {
			r->open = 1;
			r->row_line = r->field_line = r->line;
		}
		for (size_t i = off; i < off + k && !r->failed; i++) {
			char c = s[i];
			int term = c == '\r' || c == '\n';

			switch (st) {
			case S_ROW:
			case S_FIELD_NOT_BEGUN:
				if (term) {
					if (st == S_FIELD_NOT_BEGUN) {
						ref_field(r);
						ref_row(r);
					}
					st = S_ROW;
				} else if (c == '"') {
					st = S_FIELD;
					quoted = 1;
				} else if (c == ',') {
					ref_field(r);
					st = S_FIELD_NOT_BEGUN;
				} else {
					ref_char(r, c);
					st = S_FIELD;
					quoted = 0;
				}
				break;
			case S_FIELD:
				if (c == '"') {
					if (!quoted)
						ref_fail(r, r->line);
					st = S_MIGHT_END;
				} else if (quoted || (c != ',' && !term)) {
					ref_char(r, c);
				} else {
					ref_field(r);
					if (term)
						ref_row(r);
					st = term ? S_ROW : S_FIELD_NOT_BEGUN;
				}
				break;
			default:	/* S_MIGHT_END */
				if (c == '"') {
					ref_char(r, '"');
					st = S_FIELD;
				} else if (c == ',' || term) {
					ref_field(r);
					if (term)
						ref_row(r);
					st = term ? S_ROW : S_FIELD_NOT_BEGUN;
				} else {
					ref_fail(r, r->line);
				}
				break;
			}
		}
	}
	if (r->failed)
		return;
	r->line--;
	if (st == S_FIELD && quoted) {
		ref_fail(r, r->field_line);
	} else if (st != S_ROW) {
		ref_field(r);
		ref_row(r);
	}
	if (!r->failed && r->header.fields == NULL)
		ref_fail(r, 1);
}

static void
ref_free(struct ref *r)
{
	for (size_t i = 0; i < r->ncur; i++)
		free(r->cur[i]);
	free(r->cur);
	free(r->field);
	for (size_t i = 0; i < r->header.nfields; i++)
		free(r->header.fields[i]);
	free(r->header.fields);
	for (size_t k = 0; k < r->nrows; k++) {
		for (size_t i = 0; i < r->rows[k].nfields; i++)
			free(r->rows[k].fields[i]);
		free(r->rows[k].fields);
	}
	free(r->rows);
}

/* --- the reader's invariants --- */

static const char *const enc_names[] = { "auto", "utf-8", "cp932" };

/* Row a as csvin read it, against line, n and field(i) of the other. */
static void
same_row(const struct csvin_row *a, size_t line, size_t n,
	 const char *(*field)(const void *, size_t), const void *b,
	 const char *what, size_t k)
{
	CHECK(a->line == line, "%s %zu: line %zu, expected %zu", what, k,
	      (size_t)a->line, line);
	CHECK(a->nfields == n, "%s %zu (line %zu): %zu fields, expected %zu",
	      what, k, line, (size_t)a->nfields, n);
	for (size_t i = 0; i < a->nfields; i++)
		CHECK(strcmp(csvin_cell(a, (int)i), field(b, i)) == 0, "%s %zu "
		      "(line %zu), field %zu: \"%.80s\", expected \"%.80s\"",
		      what, k, line, i + 1, csvin_cell(a, (int)i),
		      field(b, i));
}

static const char *
ref_field_at(const void *row, size_t i)
{
	return ((const struct ref_row *)row)->fields[i];
}

static const char *
csvin_field_at(const void *row, size_t i)
{
	return csvin_cell(row, (int)i);
}

/* csvin's doc against the reference's rows. */
static void
same_as_ref(const struct csvin_doc *a, const struct ref *r)
{
	const char *what = "reference";

	CHECK(a->nrows == r->nrows, "%s: %zu rows, expected %zu", what,
	      a->nrows, r->nrows);
	same_row(&a->header, r->header.line, r->header.nfields, ref_field_at,
		 &r->header, what, 0);
	for (size_t k = 0; k < a->nrows; k++)
		same_row(&a->rows[k], r->rows[k].line, r->rows[k].nfields,
			 ref_field_at, &r->rows[k], what, k + 1);
}

static void
same_doc(const struct csvin_doc *a, const struct csvin_doc *b,
	 const char *what)
{
	CHECK(a->nrows == b->nrows, "%s: %zu rows, expected %zu", what,
	      a->nrows, b->nrows);
	same_row(&a->header, b->header.line, b->header.nfields,
		 csvin_field_at, &b->header, what, 0);
	for (size_t k = 0; k < a->nrows; k++)
		same_row(&a->rows[k], b->rows[k].line, b->rows[k].nfields,
			 csvin_field_at, &b->rows[k], what, k + 1);
}

/* The N of "line N..." in err.field, or 0. */
static size_t
err_line(const struct hk_err *err)
{
	const char *f = err->field;
	char *end;
	unsigned long long n;

	if (strncmp(f, "line ", 5) != 0 || f[5] < '1' || f[5] > '9')
		return 0;
	n = strtoull(f + 5, &end, 10);
	if (*end != '\0' && strncmp(end, ", column ", 9) != 0)
		return 0;
	return (size_t)n;
}

static int
all_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* The offset of the first byte that is not whole UTF-8, or n. */
static size_t
utf8_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n && (k = utf8_seq(p + i, n - i, &cp)) != 0)
		i += k;
	return i;
}

static void
check_parse(const char *file, size_t len, enum csvin_encoding enc,
	    const struct csvin_limits *lim, int rc, const struct csvin_doc *doc,
	    const struct hk_err *err)
{
	int bom = len >= 3 && memcmp(file, "\xef\xbb\xbf", 3) == 0;
	const char *text = bom ? file + 3 : file;
	size_t n = bom ? len - 3 : len;
	size_t lines = count_lines(file, len), line;
	int utf16 = len >= 2 && (memcmp(file, "\xff\xfe", 2) == 0 ||
				 memcmp(file, "\xfe\xff", 2) == 0);
	const char *nul = memchr(file, '\0', len);
	int known;	/* the text is file (less the BOM) whatever enc */

	if (rc != 0) {
		CHECK(rc == -1, "csvin_parse returned %d", rc);
		CHECK(doc->text == NULL && doc->rows == NULL &&
		      doc->nrows == 0 && doc->header.cells == NULL,
		      "csvin_parse failed (%s: %s) and left a doc behind",
		      err->field, err->message);
		if (err->code == HK_ETOOBIG)
			CHECK(len > lim->max_bytes && err->field[0] == '\0',
			      "HK_ETOOBIG for %zu bytes (limit %zu): %s: %s",
			      len, lim->max_bytes, err->field, err->message);
		else
			CHECK(err->code == HK_EINVAL && (line = err_line(err))
			      >= 1 && line <= lines, "csvin_parse refused "
			      "with code %d, field \"%s\" (the file has %zu "
			      "lines): %s", err->code, err->field, lines,
			      err->message);
	} else {
		size_t prev = 0;

		CHECK(len <= lim->max_bytes, "accepted %zu bytes over the "
		      "limit of %zu", len, lim->max_bytes);
		CHECK(nul == NULL, "accepted a NUL byte");
		CHECK(!utf16, "accepted a UTF-16 byte order mark");
		CHECK(doc->header.cells != NULL && doc->header.nfields >= 1,
		      "accepted without a header");
		CHECK(doc->nrows <= lim->max_rows, "%zu rows, limit %zu",
		      doc->nrows, lim->max_rows);
		CHECK(enc == CSVIN_AUTO || doc->encoding == enc, "read as %s "
		      "when asked for %s", enc_names[doc->encoding],
		      enc_names[enc]);
		CHECK(!(enc == CSVIN_AUTO && utf8_valid(text, n)) ||
		      doc->encoding == CSVIN_UTF8, "valid UTF-8 read as %s",
		      enc_names[doc->encoding]);
		for (size_t k = 0; k <= doc->nrows; k++) {
			const struct csvin_row *r = k ? &doc->rows[k - 1] :
			    &doc->header;

			size_t rl = r->line;

			CHECK(rl > prev && rl <= lines, "row %zu on "
			      "line %zu, after line %zu (the file has %zu "
			      "lines)", k, rl, prev, lines);
			prev = rl;
			CHECK(r->nfields == doc->header.nfields, "row %zu (line "
			      "%zu) has %zu fields, the header %zu", k,
			      rl, (size_t)r->nfields,
			      (size_t)doc->header.nfields);
			for (size_t i = 0; i < r->nfields; i++) {
				const char *cell = csvin_cell(r, (int)i);
				size_t fl = strlen(cell);

				CHECK(utf8_valid(cell, fl), "row %zu "
				      "(line %zu), field %zu is not UTF-8", k,
				      rl, i + 1);
				CHECK(fl <= lim->max_field, "row %zu (line %zu),"
				      " field %zu of %zu bytes, limit %zu", k,
				      rl, i + 1, fl, lim->max_field);
			}
		}
	}

	/* What must be refused, and where. */
	if (len > lim->max_bytes) {
		CHECK(rc != 0 && err->code == HK_ETOOBIG, "%zu bytes over the "
		      "limit of %zu not refused HK_ETOOBIG", len,
		      lim->max_bytes);
		return;
	}
	if (len == 0 || utf16) {
		CHECK(rc != 0 && strcmp(err->field, "line 1") == 0, "an empty "
		      "or UTF-16 file not refused on line 1 (%s)", err->field);
		return;
	}
	if (nul != NULL) {
		line = line_of(file, len, (size_t)(nul - file));
		CHECK(rc != 0 && err_line(err) == line, "a NUL byte on line "
		      "%zu: %s %s", line, rc ? "refused on" : "accepted",
		      err->field);
		return;
	}
	if (bom && enc == CSVIN_CP932) {
		CHECK(rc != 0 && strcmp(err->field, "line 1") == 0, "a UTF-8 "
		      "BOM read as CP932 not refused on line 1");
		return;
	}
	if (enc == CSVIN_UTF8 || bom) {
		size_t bad = utf8_prefix(text, n);

		if (bad < n) {
			line = line_of(text, n, bad);
			CHECK(rc != 0 && err_line(err) == line, "bytes that "
			      "are not UTF-8 on line %zu: %s %s", line, rc ?
			      "refused on" : "accepted", err->field);
			return;
		}
	}
	known = enc == CSVIN_CP932 ? all_ascii(text, n) :
	    utf8_valid(text, n) || (enc == CSVIN_AUTO && all_ascii(text, n));
	if (known) {
		struct ref r = { .lim = lim };

		ref_parse(&r, text, n);
		if (r.failed)
			CHECK(rc != 0 && err_line(err) == r.err_line,
			      "expected a refusal on line %zu, got %s",
			      r.err_line, rc ? err->field : "none");
		else if (rc != 0)
			CHECK(0, "expected %zu rows, got a refusal: %s: %s",
			      r.nrows, err->field, err->message);
		else {
			same_as_ref(doc, &r);
		}
		ref_free(&r);
	}
	/* The encoding found, asked for: the same doc. */
	if (rc == 0 && enc == CSVIN_AUTO) {
		struct csvin_doc again;
		struct hk_err e2;

		CHECK(csvin_parse(file, len, doc->encoding, lim, &again, &e2)
		      == 0, "read as %s by auto, refused as %s: %s: %s",
		      enc_names[doc->encoding], enc_names[doc->encoding],
		      e2.field, e2.message);
		CHECK(again.encoding == doc->encoding, "encoding changed");
		same_doc(&again, doc, "asked again");
		csvin_doc_free(&again);
	}
	/* Read over itself (csvin_parse_own): the same answer, the same
	 * doc. */
	{
		char *own = malloc(len + 1);
		struct csvin_doc mine;
		struct hk_err e3;
		int rc3;

		if (own == NULL)
			fail_now("out of memory");
		if (len > 0)
			memcpy(own, file, len);
		rc3 = csvin_parse_own(own, len, enc, lim, &mine, &e3);
		CHECK(rc3 == rc, "read over itself: %d, from a copy: %d",
		      rc3, rc);
		if (rc3 == 0 && rc == 0)
			same_doc(&mine, doc, "read over itself");
		else if (rc3 != 0 && rc != 0)
			CHECK(strcmp(e3.field, err->field) == 0, "read over "
			      "itself refused at %s, from a copy at %s",
			      e3.field, err->field);
		if (rc3 == 0)
			csvin_doc_free(&mine);
	}
}

/* --- the import's invariants --- */

static int
is_column(const char *c)
{
	if (*c == '\0')
		return 1;
	for (int k = 0; columns[k]; k++)
		if (strcmp(c, columns[k]) == 0)
			return 1;
	return 0;
}

static int
has_line(const struct csvin_doc *doc, size_t line)
{
	size_t lo = 0, hi = doc->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (doc->rows[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < doc->nrows && doc->rows[lo].line == line;
}

/* Whether a problem was reported on line (problems are few). */
static int
problem_on(const struct import_report *rep, size_t line)
{
	for (size_t i = 0; i < rep->nproblems; i++)
		if (rep->problems[i].line == line)
			return 1;
	return 0;
}

/* One row as this file sees it. */
struct fzrow {
	int valid;			/* address canonical */
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	int dom;			/* index in doms[], or -1 */
	int existing;			/* index in mailboxes[], or -1 */
};

static void
classify(const char *addr, struct fzrow *fr)
{
	struct hk_err e;

	memset(fr, 0, sizeof(*fr));
	fr->dom = fr->existing = -1;
	if (*addr == '\0' || validate_address(addr, "address", fr->local,
					      fr->domain, &e) < 0)
		return;
	fr->valid = 1;
	for (int d = 0; d < ND; d++)
		if (strcmp(fr->domain, doms[d].name) == 0)
			fr->dom = d;
	for (size_t i = 0; i < NMB; i++)
		if (fr->dom == mailboxes[i].dom &&
		    strcmp(fr->local, mailboxes[i].local) == 0)
			fr->existing = (int)i;
}

static int
parse_active(const char *s)
{
	static const char *const yes[] = { "true", "yes", "1", NULL };
	static const char *const no[] = { "false", "no", "0", NULL };

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

struct run {
	int who, upsert, skip;
	int col[C_N];
	int header_ok;
	struct fzrow *rows;
};

/*
 * Which rows must have a problem, decided here: the cells, an address met
 * before in the file, then against the fixture (the domain in the
 * caller's sight, the alias, an existing mailbox, a password for a new
 * one) and the limits, counted row by row over the rows still good, as
 * import.h says.  Every row is compared, both ways.
 */
static void
check_rows(const struct run *ru, const struct csvin_doc *doc,
	   const struct import_report *rep)
{
	/* per project (lab, other) and per domain, as the fixture holds */
	int64_t pcount[2] = { 2, 1 }, pstore[2] = { 3 * GIB, 5 * GIB };
	const int64_t pmax[2] = { LAB_MAX_MAILBOXES, 0 };
	const int64_t smax[2] = { LAB_MAX_STORAGE, 0 };
	int64_t dcount[ND] = { 1, 1, 1 };
	const int64_t dmax[ND] = { PC1_MAX_MAILBOXES, 0, 0 };

	for (size_t i = 0; i < doc->nrows; i++) {
		const struct csvin_row *in = &doc->rows[i];
		const struct fzrow *fr = &ru->rows[i];
		const char *plain = csvin_cell(in, ru->col[C_PASSWORD]);
		const char *hash = csvin_cell(in, ru->col[C_HASH]);
		const char *name = csvin_cell(in, ru->col[C_NAME]);
		const char *quota = csvin_cell(in, ru->col[C_QUOTA]);
		const char *active = csvin_cell(in, ru->col[C_ACTIVE]);
		int named = ru->col[C_NAME] >= 0 && (!ru->upsert || *name);
		int bad = problem_on(rep, (size_t)in->line);
		const char *why = NULL;
		struct hk_err e;
		int64_t q = -1;

		if (!fr->valid)
			why = "an empty or malformed address";
		else if (*plain && *hash)
			why = "both a password and a hash";
		else if (*plain && validate_password(plain, "password", 10, 256,
						     &e) < 0)
			why = "a bad password";
		else if (*hash && pwhash_check_prehashed(hash, "password_hash",
							 &e) < 0)
			why = "a bad password_hash";
		else if (!*plain && !*hash && !ru->upsert)
			why = "no password";
		else if (named && csvin_formula(name))
			why = "a formula in name";
		else if (named && validate_display_name(name, "name", &e) < 0)
			why = "a bad name";
		else if (*quota && validate_quota(quota, "quota", &q, &e) < 0)
			why = "a bad quota";
		else if (*active && parse_active(active) < 0)
			why = "a bad active";
		for (size_t j = 0; fr->valid && !why && j < i; j++)
			if (ru->rows[j].valid &&
			    strcmp(ru->rows[j].local, fr->local) == 0 &&
			    strcmp(ru->rows[j].domain, fr->domain) == 0)
				why = "an address met before in the file";
		if (why == NULL) {
			if (fr->dom < 0 || !sees(ru->who, fr->dom))
				why = "a domain the caller does not see";
			else if (fr->dom == D_PC1 &&
				 strcmp(fr->local, ALIAS_LOCAL) == 0)
				why = "the alias's address";
			else if (fr->existing >= 0 && !ru->upsert)
				why = "an existing mailbox without upsert";
			else if (!*plain && !*hash && fr->existing < 0)
				why = "a new mailbox without a password";
		}
		if (why == NULL) {
			int pj = doms[fr->dom].project == WHO_LAB ? 0 : 1;
			int upd = fr->existing >= 0;
			int64_t old = upd ? mailboxes[fr->existing].quota : 0;
			int64_t quota_b = q >= 0 ? q : upd ? old :
			    doms[fr->dom].default_quota;
			int64_t grow = quota_b - old;

			if (!upd && pmax[pj] > 0 && pcount[pj] >= pmax[pj])
				why = "over the project's mailboxes";
			else if (!upd && dmax[fr->dom] > 0 &&
				 dcount[fr->dom] >= dmax[fr->dom])
				why = "over the domain's mailboxes";
			else if (smax[pj] > 0 && quota_b == 0)
				why = "no quota under a storage limit";
			else if (smax[pj] > 0 && grow > 0 &&
				 grow > smax[pj] - pstore[pj])
				why = "over the storage limit";
			else {
				pcount[pj] += !upd;
				dcount[fr->dom] += !upd;
				pstore[pj] = grow > 0 && pstore[pj] >
				    INT64_MAX - grow ? INT64_MAX :
				    pstore[pj] + grow;
			}
		}
		CHECK(bad || why == NULL, "line %zu has %s, and no problem "
		      "reported", (size_t)in->line, why);
		CHECK(!bad || why != NULL || rep->nproblems >=
		      IMPORT_PROBLEMS_MAX, "line %zu has a problem, expected "
		      "none", (size_t)in->line);
	}
}

static void
check_report(const struct run *ru, const struct csvin_doc *doc, int rc,
	     const struct import_report *rep, const struct hk_err *err,
	     const char *what)
{
	size_t lines_with = 0;

	CHECK(rc == 0 || rc == -1, "%s returned %d", what, rc);
	CHECK(rep->rows == doc->nrows, "%s: rows %zu, the doc has %zu", what,
	      rep->rows, doc->nrows);
	if (ru->who == WHO_READONLY) {
		CHECK(rc == -1 && err->code == HK_EFORBIDDEN, "%s: a read-only "
		      "caller got %d (%s: %s)", what, rc, err->field,
		      err->message);
		CHECK(rep->added == 0 && rep->updated == 0 &&
		      rep->invalid == 0 && rep->nproblems == 0, "%s: a "
		      "read-only caller had rows judged", what);
		return;
	}
	if (!ru->header_ok) {
		CHECK(rc == -1 && err->code == HK_EINVAL &&
		      err_line(err) == doc->header.line, "%s: a bad header "
		      "on line %zu gave %d (%d %s: %s)", what,
		      (size_t)doc->header.line, rc, err->code, err->field,
		      err->message);
		CHECK(rep->added == 0 && rep->updated == 0 &&
		      rep->invalid == 0 && rep->nproblems == 0, "%s: rows "
		      "judged under a bad header", what);
		return;
	}
	CHECK(rep->added + rep->updated + rep->invalid == rep->rows, "%s: "
	      "added %zu + updated %zu + invalid %zu != rows %zu", what,
	      rep->added, rep->updated, rep->invalid, rep->rows);
	CHECK(rep->nproblems <= IMPORT_PROBLEMS_MAX && rep->nproblems >=
	      (rep->invalid < IMPORT_PROBLEMS_MAX ? rep->invalid :
	       IMPORT_PROBLEMS_MAX), "%s: %zu problems for %zu invalid rows",
	      what, rep->nproblems, rep->invalid);
	for (size_t i = 0; i < rep->nproblems; i++) {
		const struct import_problem *p = &rep->problems[i];
		int first = 1;

		CHECK(has_line(doc, p->line), "%s: a problem on line %zu, no "
		      "row's line: %s: %s", what, p->line, p->column,
		      p->reason);
		CHECK(is_column(p->column), "%s: a problem in column \"%s\" "
		      "(line %zu)", what, p->column, p->line);
		CHECK(p->reason[0] != '\0', "%s: a problem without a reason "
		      "(line %zu)", what, p->line);
		for (size_t j = 0; j < i && first; j++)
			first = rep->problems[j].line != p->line;
		lines_with += first;
	}
	if (rep->nproblems < IMPORT_PROBLEMS_MAX)
		CHECK(lines_with == rep->invalid, "%s: problems on %zu lines, "
		      "%zu rows invalid", what, lines_with, rep->invalid);
	check_rows(ru, doc, rep);
}

/* The dry run's verdict on the same database: 0 exactly when no row is
 * invalid. */
static void
check_dry(const struct run *ru, int rc, const struct import_report *rep,
	  const struct hk_err *err)
{
	if (ru->who == WHO_READONLY || !ru->header_ok)
		return;
	CHECK((rc == 0) == (rep->invalid == 0 || ru->skip), "dry run "
	      "returned %d with %zu invalid rows, skip_invalid %d (%s: %s)",
	      rc, rep->invalid, ru->skip, err->field, err->message);
	CHECK(rc == 0 || err->code == HK_EINVAL, "dry run failed with code "
	      "%d: %s: %s", err->code, err->field, err->message);
}

static int
same_report(const struct import_report *a, const struct import_report *b)
{
	if (a->rows != b->rows || a->added != b->added ||
	    a->updated != b->updated || a->invalid != b->invalid ||
	    a->nproblems != b->nproblems)
		return 0;
	for (size_t i = 0; i < a->nproblems; i++)
		if (a->problems[i].line != b->problems[i].line ||
		    strcmp(a->problems[i].column, b->problems[i].column) ||
		    strcmp(a->problems[i].reason, b->problems[i].reason))
			return 0;
	return 1;
}

/* A row written: as given in the file. */
struct stored {
	int n;
	char hash[PWHASH_MAX], name[300];
	int64_t quota, active;
};

static int
take_stored(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct stored *s = ctx;

	(void)err;
	s->n++;
	snprintf(s->hash, sizeof(s->hash), "%s", row->vals[0] ?
		 row->vals[0] : "");
	snprintf(s->name, sizeof(s->name), "%s", row->vals[1] ?
		 row->vals[1] : "");
	s->quota = row->vals[2] ? strtoll(row->vals[2], NULL, 10) : -1;
	s->active = row->vals[3] ? strtoll(row->vals[3], NULL, 10) : -1;
	return 0;
}

static void
check_written(const struct run *ru, const struct csvin_doc *doc,
	      const struct import_report *rep)
{
	for (size_t i = 0; i < doc->nrows; i++) {
		const struct csvin_row *in = &doc->rows[i];
		const struct fzrow *fr = &ru->rows[i];
		const char *plain = csvin_cell(in, ru->col[C_PASSWORD]);
		const char *hash = csvin_cell(in, ru->col[C_HASH]);
		const char *name = csvin_cell(in, ru->col[C_NAME]);
		const char *quota = csvin_cell(in, ru->col[C_QUOTA]);
		const char *active = csvin_cell(in, ru->col[C_ACTIVE]);
		struct db_param p[2] = { DB_TXT(fr->domain),
					 DB_TXT(fr->local) };
		struct stored s = { 0 };
		struct hk_err e;
		int64_t want_quota;
		int want_active;

		if (problem_on(rep, (size_t)in->line))
			continue;
		if (db_query(fzdb.db, "SELECT m.password_hash, m.name, "
			     "m.quota_bytes, m.active FROM mailbox m JOIN "
			     "domain d ON d.id = m.domain_id WHERE d.name = $1"
			     " AND m.local_part = $2", p, 2, take_stored, &s,
			     NULL, &e) < 0)
			fail_now("reading a mailbox: %s", e.message);
		CHECK(s.n == 1, "line %zu imported, but %d mailboxes %s@%s",
		      (size_t)in->line, s.n, fr->local, fr->domain);
		if (*plain)
			CHECK(pwhash_verify(plain, s.hash), "line %zu: the "
			      "stored hash is not that of its password",
			      (size_t)in->line);
		else if (*hash)
			CHECK(strcmp(s.hash, hash) == 0, "line %zu: the hash "
			      "stored is not the one given", (size_t)in->line);
		if (ru->col[C_NAME] >= 0 && (!ru->upsert || *name))
			CHECK(strcmp(s.name, name) == 0, "line %zu: name \"%s\""
			      " stored as \"%s\"", (size_t)in->line, name, s.name);
		if (*quota) {
			if (validate_quota(quota, "quota", &want_quota, &e) < 0)
				fail_now("INVARIANT BROKEN: line %zu imported "
					 "with quota \"%s\"", (size_t)in->line, quota);
		} else {
			want_quota = fr->existing >= 0 ?
			    mailboxes[fr->existing].quota :
			    doms[fr->dom].default_quota;
		}
		CHECK(s.quota == want_quota, "line %zu: quota %lld stored, "
		      "expected %lld", (size_t)in->line, (long long)s.quota,
		      (long long)want_quota);
		want_active = *active ? parse_active(active) : 1;
		CHECK(s.active == want_active, "line %zu: active %lld stored, "
		      "expected %d", (size_t)in->line, (long long)s.active,
		      want_active);
	}
}

/* The limits, kept by every write (the fixture keeps them). */
static void
check_limits(void)
{
	struct db_param lab[1] = { DB_INTV(fz.lab_id) };
	struct db_param pc1[1] = { DB_TXT(doms[D_PC1].name) };
	int64_t n;

	n = sql_int("SELECT COUNT(*) FROM mailbox m JOIN domain d ON d.id = "
		    "m.domain_id WHERE d.project_id = $1", lab, 1);
	CHECK(n <= LAB_MAX_MAILBOXES, "lab holds %lld mailboxes, limit %d",
	      (long long)n, LAB_MAX_MAILBOXES);
	n = sql_int("SELECT COUNT(*) FROM mailbox m JOIN domain d ON d.id = "
		    "m.domain_id WHERE d.name = $1", pc1, 1);
	CHECK(n <= PC1_MAX_MAILBOXES, "pc1.example holds %lld mailboxes, "
	      "limit %d", (long long)n, PC1_MAX_MAILBOXES);
	n = sql_int("SELECT COUNT(*) FROM mailbox m JOIN domain d ON d.id = "
		    "m.domain_id WHERE d.project_id = $1 AND (m.quota_bytes <= 0"
		    " OR m.quota_bytes > " "8589934592)", lab, 1);
	CHECK(n == 0, "lab has a storage limit and %lld mailboxes without a "
	      "quota or over it", (long long)n);
	n = sql_int("SELECT SUM(m.quota_bytes) FROM mailbox m JOIN domain d "
		    "ON d.id = m.domain_id WHERE d.project_id = $1", lab, 1);
	CHECK(n <= LAB_MAX_STORAGE, "lab's quotas add up to %lld, limit %lld",
	      (long long)n, (long long)LAB_MAX_STORAGE);
	n = sql_int("SELECT COUNT(*) FROM mailbox m JOIN alias a ON "
		    "a.domain_id = m.domain_id AND a.local_part = m.local_part",
		    NULL, 0);
	CHECK(n == 0, "%lld mailboxes on an alias's address", (long long)n);
}

/* The import for real, after the dry run (rep) on the same database. */
static void
real_import(const struct run *ru, const struct csvin_doc *doc,
	    struct import_opts o, const struct import_report *dry)
{
	struct import_report rep;
	struct counts before, after;
	struct hk_err err;
	uint64_t d0 = digest();
	int rc, want;

	counts(&before, "before the import");
	o.dry_run = 0;
	hk_err_clear(&err);
	rc = import_mailboxes(fzdb.db, &fz.who[ru->who], doc, &o, &rep, &err);
	fz.writes++;
	check_report(ru, doc, rc, &rep, &err, "the import");
	counts(&after, "after the import");
	want = ru->who != WHO_READONLY && ru->header_ok &&
	    (dry->invalid == 0 || ru->skip) ? 0 : -1;
	CHECK(rc == want, "the import returned %d, expected %d (the dry run "
	      "found %zu invalid rows; skip_invalid %d): %s: %s", rc, want,
	      dry->invalid, ru->skip, err.field, err.message);
	CHECK(same_report(&rep, dry), "the import's report differs from "
	      "the dry run's: added %zu/%zu updated %zu/%zu invalid %zu/%zu "
	      "problems %zu/%zu", rep.added, dry->added, rep.updated,
	      dry->updated, rep.invalid, dry->invalid, rep.nproblems,
	      dry->nproblems);
	if (rc != 0) {
		CHECK(digest() == d0, "the import failed (%s: %s) and changed "
		      "the database", err.field, err.message);
		import_report_free(&rep);
		return;
	}
	CHECK(after.v[0] == before.v[0] + (int64_t)rep.added, "mailboxes "
	      "%lld -> %lld, %zu added", (long long)before.v[0],
	      (long long)after.v[0], rep.added);
	CHECK(after.v[1] == before.v[1], "aliases changed");
	CHECK(after.v[2] == before.v[2] + 1, "audit entries %lld -> %lld, "
	      "expected one more", (long long)before.v[2],
	      (long long)after.v[2]);
	if (rep.added + rep.updated > 0)
		CHECK(after.v[3] > before.v[3] && after.v[3] <= before.v[3] +
		      2, "generations %lld -> %lld after writing %zu rows",
		      (long long)before.v[3], (long long)after.v[3],
		      rep.added + rep.updated);
	else
		CHECK(after.v[3] == before.v[3], "generations raised for "
		      "nothing written");
	check_written(ru, doc, &rep);
	check_limits();
	import_report_free(&rep);
	if (digest() != d0)
		fz_db_reset();
}

/* --- one input --- */

static void
import(int who, int upsert, int skip, int write, const struct csvin_doc *doc)
{
	struct import_opts o = { .dry_run = 1, .skip_invalid = skip,
				 .upsert = upsert, .pw_min = 10, .pw_max = 256,
				 .threads = 1 };
	struct run ru = { .who = who, .upsert = upsert, .skip = skip };
	struct import_report rep;
	size_t plain = 0;
	struct counts before, after;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	ru.header_ok = csvin_columns(doc, columns, ru.col, &err) == 0 &&
	    ru.col[C_ADDRESS] >= 0 && (upsert || ru.col[C_PASSWORD] >= 0 ||
				       ru.col[C_HASH] >= 0);
	if (ru.header_ok) {
		ru.rows = xrealloc(NULL, (doc->nrows + 1) * sizeof(*ru.rows));
		for (size_t i = 0; i < doc->nrows; i++) {
			classify(csvin_cell(&doc->rows[i], ru.col[C_ADDRESS]),
				 &ru.rows[i]);
			plain += *csvin_cell(&doc->rows[i],
					     ru.col[C_PASSWORD]) != '\0';
		}
	}
	counts(&before, "before the dry run");
	hk_err_clear(&err);
	rc = import_mailboxes(fzdb.db, &fz.who[who], doc, &o, &rep, &err);
	counts(&after, "after the dry run");
	CHECK(memcmp(&before, &after, sizeof(before)) == 0, "the dry run "
	      "wrote: mailbox %lld -> %lld, alias %lld -> %lld, audit %lld "
	      "-> %lld, generations %lld -> %lld, changes %lld -> %lld",
	      (long long)before.v[0], (long long)after.v[0],
	      (long long)before.v[1], (long long)after.v[1],
	      (long long)before.v[2], (long long)after.v[2],
	      (long long)before.v[3], (long long)after.v[3],
	      (long long)before.v[4], (long long)after.v[4]);
	if (fz.verbose) {
		fprintf(stderr, "fuzz_csv: %s%s%s: %d, rows %zu, added %zu, "
			"updated %zu, invalid %zu%s%s%s\n", who_names[who],
			upsert ? ", upsert" : "", skip ? ", skip_invalid" : "",
			rc, rep.rows, rep.added, rep.updated, rep.invalid,
			rc ? " (" : "", rc ? err.message : "", rc ? ")" : "");
		for (size_t i = 0; i < rep.nproblems; i++)
			fprintf(stderr, "  line %zu, %s: %s\n",
				rep.problems[i].line, rep.problems[i].column,
				rep.problems[i].reason);
	}
	check_report(&ru, doc, rc, &rep, &err, "the dry run");
	check_dry(&ru, rc, &rep, &err);
	if (write && plain <= WRITE_PLAIN)
		real_import(&ru, doc, o, &rep);
	import_report_free(&rep);
	free(ru.rows);
}

static void
one(const uint8_t *data, size_t size)
{
	static const struct csvin_limits big = CSVIN_DEFAULT_LIMITS;
	static const struct csvin_limits small = { 2048, 4, 40 };
	static const enum csvin_encoding encs[4] = { CSVIN_AUTO, CSVIN_UTF8,
		CSVIN_CP932, CSVIN_AUTO };
	uint8_t f = size ? data[0] : 0;
	enum csvin_encoding enc = encs[f & 3];
	const struct csvin_limits *lim = f & 0x40 ? &small : &big;
	const char *file = size > 1 ? (const char *)data + 1 : NULL;
	size_t len = size > 1 ? size - 1 : 0;
	struct csvin_doc doc;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	rc = csvin_parse(file, len, enc, lim, &doc, &err);
	if (fz.verbose)
		fprintf(stderr, "fuzz_csv: %zu bytes as %s: %s%s%s\n", len,
			enc_names[enc], rc ? err.field : "read", rc ? ": " :
			"", rc ? err.message : "");
	check_parse(file ? file : "", len, enc, lim, rc, &doc, &err);
	if (rc == 0) {
		import((f >> 4) & 3, !!(f & 4), !!(f & 8),
		       !!(f & 0x80), &doc);
		csvin_doc_free(&doc);
	}
}

/* --- start-up: the fixture answers as it should --- */

static void
expect(uint8_t flags, const char *text, int rc, size_t added,
       size_t updated, size_t invalid)
{
	struct csvin_doc doc;
	struct import_report rep;
	struct import_opts o = { .dry_run = 1, .skip_invalid = !!(flags & 8),
				 .upsert = !!(flags & 4), .pw_min = 10,
				 .pw_max = 256, .threads = 1 };
	struct hk_err err;
	int got;

	if (csvin_parse(text, strlen(text), CSVIN_AUTO, NULL, &doc, &err) < 0)
		fail_now("setup: \"%s\": %s: %s", text, err.field,
			 err.message);
	got = import_mailboxes(fzdb.db, &fz.who[(flags >> 4) & 3], &doc, &o,
			       &rep, &err);
	if (got != rc || rep.added != added || rep.updated != updated ||
	    rep.invalid != invalid)
		fail_now("setup: \"%s\" as %s: %d, added %zu, updated %zu, "
			 "invalid %zu; expected %d, %zu, %zu, %zu (%s: %s)",
			 text, who_names[(flags >> 4) & 3], got, rep.added,
			 rep.updated, rep.invalid, rc, added, updated, invalid,
			 err.field, err.message);
	import_report_free(&rep);
	csvin_doc_free(&doc);
}

static void
self_check(void)
{
	static const char ok[] = "address,password\n"
		"new@pc1.example,long-enough-pw\n";

	expect(0x00, "address,password_hash\nnew@pc1.example," HASH "\n"
	       "neu@大学.example," HASH "\n", -1, 1, 0, 1);	/* no quota */
	expect(0x00, "address,password_hash,quota\nnew@pc1.example," HASH
	       ",\nneu@大学.example," HASH ",1G\n", 0, 2, 0, 0);
	expect(0x10, "address,password,quota\nneu@大学.example,"
	       "long-enough-pw,1G\n", 0, 1, 0, 0);
	expect(0x10, ok, 0, 1, 0, 0);
	expect(0x20, ok, -1, 0, 0, 1);		/* not other's domain */
	expect(0x30, ok, -1, 0, 0, 0);		/* read-only */
	expect(0x00, "address,password\ninfo@pc1.example,long-enough-pw\n",
	       -1, 0, 0, 1);			/* the alias */
	expect(0x04, "address,name\nmatsui@pc1.example,M\n", 0, 0, 1, 0);
	expect(0x00, "address,password\na@pc1.example,long-enough-pw\n"
	       "b@pc1.example,long-enough-pw\nc@pc1.example,long-enough-pw"
	       "\n", -1, 2, 0, 1);		/* pc1's limit of 3 */
	/* and once for real, through the fuzzer's own checks */
	fz.input = (const uint8_t *)"\x80" "address,password\n"
		"new@pc1.example,long-enough-pw\n";
	fz.input_len = strlen((const char *)fz.input);
	one(fz.input, fz.input_len);
	if (fzdb.resets != 1)
		fail_now("setup: a real import of one row changed nothing");
	fz.input = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_db();
	self_check();
	fz.verbose = getenv("HK_FUZZ_CSV_VERBOSE") != NULL;
	fprintf(stderr, "fuzz_csv: %d tables, database in %s; fixture "
		"checked\n", fzdb.ntables, fzdb.dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz.input = data;
	fz.input_len = size;
	one(data, size);
	fz.input = NULL;
	return 0;
}
