/* SPDX-License-Identifier: ISC */
/*
 * export.c - mailboxes and aliases as CSV.  See export.h.
 *
 * Quoting as RFC 4180 asks (a cell with a comma, a quote, a line break or
 * spaces at its ends is quoted, quotes doubled), so that csvin reads back
 * exactly what was written; neutralizing as OWASP's CSV-injection advice
 * does, since these files are opened in spreadsheets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "export.h"
#include "strbuf.h"
#include "validate.h"

struct ectx {
	const struct export_opts *o;
	struct strbuf line;
	char ascii[256], unicode[1024];	/* the last domain converted */
	size_t rows;
};

static int
cell(struct strbuf *sb, const char *s, int neutralize, int last)
{
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL ||
	    (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	int bad = 0;

	if (quote)
		bad |= strbuf_puts(sb, "\"");
	if (neutralize && csvin_formula(s))
		bad |= strbuf_puts(sb, "'");
	for (const char *p = s; *p != '\0';) {
		size_t k = strcspn(p, "\"");

		bad |= strbuf_append(sb, p, k);
		p += k;
		if (*p == '"') {
			bad |= strbuf_puts(sb, "\"\"");
			p++;
		}
	}
	if (quote)
		bad |= strbuf_puts(sb, "\"");
	bad |= strbuf_puts(sb, last ? "\r\n" : ",");
	return bad ? -1 : 0;
}

/* The address of a row: local@domain, the domain in Unicode ("" local:
 * the catch-all, "@domain"). */
static void
address(struct ectx *e, const char *local, const char *domain, char *out,
	size_t len)
{
	if (strcmp(e->ascii, domain) != 0) {
		snprintf(e->ascii, sizeof(e->ascii), "%s", domain);
		validate_domain_display(e->ascii, e->unicode,
					sizeof(e->unicode));
	}
	snprintf(out, len, "%s@%s", local, e->unicode);
}

static int
emit(struct ectx *e, int bad, struct hk_err *err)
{
	if (bad)
		return hk_failr(err, HK_ETOOBIG, NULL, HK_R_export_row_too_long,
				NULL);
	e->rows++;
	return e->o->write(e->o->ctx, e->line.data, e->line.len) < 0 ?
	    hk_fail_errno(err, "writing the export") : 0;
}

/* Row: local_part, domain, name, quota_bytes, active, password_hash */
static int
mailbox_row(void *ctx, const struct db_row *r, struct hk_err *err)
{
	struct ectx *e = ctx;
	char addr[1400];
	int bad;

	address(e, r->vals[0], r->vals[1], addr, sizeof(addr));
	strbuf_reset(&e->line);
	bad = cell(&e->line, addr, 0, 0) | cell(&e->line, r->vals[2], 1, 0) |
	    cell(&e->line, r->vals[3], 0, 0) |
	    cell(&e->line, strcmp(r->vals[4], "0") ? "true" : "false", 0,
		 !e->o->hashes);
	if (e->o->hashes)
		bad |= cell(&e->line, r->vals[5], 1, 1);
	return emit(e, bad, err);
}

/* Row: local_part, domain, destinations (validated addresses, joined
 * with commas as import splits them), active */
static int
alias_row(void *ctx, const struct db_row *r, struct hk_err *err)
{
	struct ectx *e = ctx;
	char addr[1400];
	int bad;

	address(e, r->vals[0], r->vals[1], addr, sizeof(addr));
	strbuf_reset(&e->line);
	bad = cell(&e->line, addr, 0, 0) | cell(&e->line, r->vals[2], 0, 0) |
	    cell(&e->line, strcmp(r->vals[3], "0") ? "true" : "false", 0, 1);
	return emit(e, bad, err);
}

/* The scope, checked first: an unknown domain or project is an error,
 * not an empty file. */
static int
check_scope(struct db *db, const struct hk_actor *actor,
	    const struct export_opts *o, struct hk_err *err)
{
	struct domain_ref ref;
	json_t *p = NULL;

	if (o->domain != NULL &&
	    store_domain_ref(db, actor, o->domain, &ref, err) < 0)
		return -1;
	if (o->project != NULL &&
	    store_project_get(db, actor, o->project, &p, err) < 0)
		return -1;
	json_decref(p);
	return 0;
}

/* The header, then every row of sql ($1 domain, $2 project, $3 the
 * actor's project or -1) through fn. */
static int
export(struct db *db, const struct hk_actor *actor,
       const struct export_opts *o, const char *head, const char *sql,
       db_row_fn fn, size_t *rows, struct hk_err *err)
{
	struct ectx e = { .o = o };
	struct db_param p[3] = { o->domain ? DB_TXT(o->domain) : DB_NUL,
				 o->project ? DB_TXT(o->project) : DB_NUL,
				 DB_INTV(actor->is_admin ? -1 :
					 actor->project_id) };
	int rc;

	*rows = 0;
	if (check_scope(db, actor, o, err) < 0)
		return -1;
	if (o->write(o->ctx, head, strlen(head)) < 0)
		return hk_fail_errno(err, "writing the export");
	strbuf_init(&e.line, 64 * 1024);
	rc = db_query(db, sql, p, 3, fn, &e, NULL, err);
	strbuf_free(&e.line);
	*rows = e.rows;
	return rc;
}

#define EXPORT_SCOPE \
	" JOIN domain d ON d.id = x.domain_id JOIN project p ON p.id = " \
	"d.project_id WHERE (CAST($1 AS TEXT) IS NULL OR d.name = $1) AND " \
	"(CAST($2 AS TEXT) IS NULL OR p.name = $2) AND ($3 < 0 OR " \
	"d.project_id = $3) ORDER BY d.name, x.local_part"

int
export_mailboxes(struct db *db, const struct hk_actor *actor,
		 const struct export_opts *o, size_t *rows, struct hk_err *err)
{
	*rows = 0;
	if (o->hashes && !actor->is_admin)
		return hk_failr(err, HK_EFORBIDDEN, "hashes",
				HK_R_hashes_operators_only, NULL);
	return export(db, actor, o, o->hashes ?
		      "address,name,quota,active,password_hash\r\n" :
		      "address,name,quota,active\r\n", "SELECT x.local_part, "
		      "d.name, x.name, x.quota_bytes, x.active, x.password_hash "
		      "FROM mailbox x" EXPORT_SCOPE, mailbox_row, rows, err);
}

int
export_aliases(struct db *db, const struct hk_actor *actor,
	       const struct export_opts *o, size_t *rows, struct hk_err *err)
{
	return export(db, actor, o, "address,destinations,active\r\n",
		      "SELECT x.local_part, d.name, x.destinations, x.active "
		      "FROM alias x" EXPORT_SCOPE, alias_row, rows, err);
}
