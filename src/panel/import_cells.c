/* SPDX-License-Identifier: ISC */
/*
 * import_cells.c - the bulk import's first pass: each row's cells judged
 * on their own, as the API's validators judge a request's fields (an
 * address, a password or a hash, a name a spreadsheet would not run, a
 * quota, active), and an address met twice in the file flagged.  Nothing
 * here asks the database.  See import_ctx.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "digest.h"
#include "import_ctx.h"
#include "pwhash.h"
#include "utf8.h"
#include "validate.h"

/* The failure's parameters packed into p->params, each value cut (at a
 * character boundary) to what room is left. */
static void
pack_params(struct import_problem *p, const struct hk_err *e)
{
	size_t off = 0, size = sizeof(p->params);

	for (int i = 0; i < e->nparams; i++) {
		const char *name = e->params[i].name;
		const char *value = e->params[i].value;

		if (off + strlen(name) + 3 > size)
			break;
		off += utf8_copy(p->params + off, size - off, name,
				 strlen(name)) + 1;
		off += utf8_copy(p->params + off, size - off - 1, value,
				 strlen(value)) + 1;
	}
	p->params[off] = '\0';
}

int
import_problem_param(const struct import_problem *p, int i,
		     const char **name, const char **value)
{
	const char *s = p->params;

	for (; *s != '\0'; i--) {
		*name = s;
		*value = s + strlen(s) + 1;
		if (i == 0)
			return 0;
		s = *value + strlen(*value) + 1;
	}
	return -1;
}

void
import_refused(struct ictx *c, struct mrow *r, const char *column,
	       const struct hk_err *e)
{
	struct import_report *rep = c->rep;
	struct import_problem *p;

	if (!r->bad)
		rep->invalid++;
	r->bad = 1;
	if (rep->nproblems >= IMPORT_PROBLEMS_MAX) {
		rep->truncated = 1;
		return;
	}
	p = &rep->problems[rep->nproblems++];
	p->line = import_line(c, r);
	snprintf(p->column, sizeof(p->column), "%s", column);
	utf8_copy(p->reason, sizeof(p->reason), e->message,
		  strlen(e->message));
	p->why = e->reason;
	pack_params(p, e);
}

void
import_problem(struct ictx *c, struct mrow *r, const char *column,
	       enum hk_reason reason, ...)
{
	struct hk_err e;
	va_list ap;

	va_start(ap, reason);
	hk_failr_v(&e, HK_EINVAL, column, reason, ap);
	va_end(ap);
	import_refused(c, r, column, &e);
}

size_t
import_line(const struct ictx *c, const struct mrow *r)
{
	return c->doc->rows[r - c->rows].line;
}

const char *
import_cell(const struct ictx *c, const struct mrow *r, int k)
{
	return csvin_cell(&c->doc->rows[r - c->rows], c->col[k]);
}

void
import_local(const struct ictx *c, const struct mrow *r,
	     char out[MAPSYNTAX_LOCAL_MAX + 1])
{
	const char *addr = import_cell(c, r, C_ADDRESS);
	const char *at = strrchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : 0;

	if (n > MAPSYNTAX_LOCAL_MAX)
		n = MAPSYNTAX_LOCAL_MAX;	/* (refused: never asked) */
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)addr[i]);
	out[n] = '\0';
}

static int
parse_active(const char *s, int8_t *v)
{
	static const char *const yes[] = { "true", "yes", "1", NULL };
	static const char *const no[] = { "false", "no", "0", NULL };

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *v = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *v = 0, 0;
	return -1;
}


/* A domain name kept once for the rows that name it (rows of a file
 * mostly share a few domains: a copy in each of 100,000 rows was 25 MB of
 * memory to zero). */
struct dname {
	struct dname *next;
	char name[];
};

static const char *
intern(struct ictx *c, const char *name, struct hk_err *e)
{
	size_t n = strlen(name) + 1;
	struct dname *d;

	if (c->canon_domain != NULL && strcmp(c->canon_domain, name) == 0)
		return c->canon_domain;
	if ((d = malloc(sizeof(*d) + n)) == NULL) {
		hk_fail(e, HK_ESYS, NULL, "out of memory");
		return NULL;
	}
	memcpy(d->name, name, n);
	d->next = c->names;
	c->names = d;
	return d->name;
}

/*
 * validate_address() into local and *domain, with the last domain's
 * verdict kept: a file names few domains, row after row, and checking one
 * (IDNA, look-alikes) costs more than all the rest of a row.  The local
 * part is checked every time.
 */
static int
check_address(struct ictx *c, const char *addr, char *local,
	      const char **domain, struct hk_err *e)
{
	const char *at = strrchr(addr, '@');
	char buf[MAPSYNTAX_LOCAL_MAX + 2], dom[MAPSYNTAX_DOMAIN_MAX + 1];

	if (at == NULL || at == addr || c->canon_domain == NULL ||
	    strcmp(at + 1, c->raw_domain) != 0 ||
	    (size_t)(at - addr) >= sizeof(buf)) {
		if (validate_address(addr, "address", local, dom, e) < 0 ||
		    (*domain = intern(c, dom, e)) == NULL)
			return -1;
		if (strlen(at + 1) < sizeof(c->raw_domain)) {
			snprintf(c->raw_domain, sizeof(c->raw_domain), "%s",
				 at + 1);
			c->canon_domain = *domain;
		}
		return 0;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(at - addr), addr);
	if (validate_localpart(buf, "address", local, e) < 0)
		return -1;
	*domain = c->canon_domain;
	return 0;
}

/* The optional cells: name, quota, active. */
static void
check_details(struct ictx *c, const struct csvin_row *in, struct mrow *r)
{
	const char *name = csvin_cell(in, c->col[C_NAME]);
	const char *quota = csvin_cell(in, c->col[C_QUOTA]);
	const char *active = csvin_cell(in, c->col[C_ACTIVE]);
	struct hk_err e;

	r->quota = r->active = -1;
	if (c->col[C_NAME] >= 0 && (!c->o->upsert || *name != '\0')) {
		if (csvin_formula(name))
			import_problem(c, r, "name", HK_R_formula_cell, NULL);
		else if (validate_display_name(name, "name", &e) < 0)
			import_refused(c, r, "name", &e);
	}
	if (*quota != '\0' && validate_quota(quota, "quota", &r->quota, &e) < 0)
		import_refused(c, r, "quota", &e);
	if (*active != '\0' && parse_active(active, &r->active) < 0)
		import_problem(c, r, "active", HK_R_true_or_false_cell,
			       "value", active, NULL);
}

/* One row on its own: the address, exactly one password, the details. */
static void
check_cells(struct ictx *c, const struct csvin_row *in, struct mrow *r)
{
	const char *addr = csvin_cell(in, c->col[C_ADDRESS]);
	const char *plain = csvin_cell(in, c->col[C_PASSWORD]);
	const char *hash = csvin_cell(in, c->col[C_HASH]);
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	struct hk_err e;

	r->dom = -1;
	r->domain = "";
	if (*addr == '\0')
		import_problem(c, r, "address", HK_R_cell_empty, NULL);
	else if (check_address(c, addr, local, &r->domain, &e) < 0)
		import_refused(c, r, "address", &e);
	if (*plain != '\0' && *hash != '\0')
		import_problem(c, r, "password", HK_R_password_both, NULL);
	else if (*plain != '\0' && validate_password(plain, "password",
		 c->o->pw_min, c->o->pw_max, &e) < 0)
		import_refused(c, r, "password", &e);
	else if (*hash != '\0' && pwhash_check_prehashed(hash,
		 "password_hash", &e) < 0)
		import_refused(c, r, "password_hash", &e);
	else if (*plain == '\0' && *hash == '\0' && !c->o->upsert)
		import_problem(c, r, c->col[C_PASSWORD] >= 0 ?
			       "password" : "password_hash",
			       HK_R_new_mailbox_password, NULL);
	check_details(c, in, r);
}

/* An alias's address: local@domain, or @domain for the catch-all. */
static void
check_alias_address(struct ictx *c, struct mrow *r, const char *addr)
{
	char dom[MAPSYNTAX_DOMAIN_MAX + 1], local[MAPSYNTAX_LOCAL_MAX + 1];
	const char *d;
	struct hk_err e;

	r->domain = "";
	if (*addr == '\0')
		import_problem(c, r, "address", HK_R_cell_empty, NULL);
	else if (addr[0] == '@') {
		if (validate_domain(addr + 1, "address", dom, &e) < 0 ||
		    (d = intern(c, dom, &e)) == NULL)
			import_refused(c, r, "address", &e);
		else
			r->domain = d;
	} else if (check_address(c, addr, local, &r->domain, &e) < 0)
		import_refused(c, r, "address", &e);
}

/* Destinations, several in one cell: split at commas, semicolons, spaces
 * and line breaks, then checked and joined as validate_destinations()
 * does for the API.  Done again whenever they are needed (checked,
 * held to the project's addresses, written) rather than kept: a file of
 * long destination lists would otherwise be held twice. */
int
import_dests(const struct ictx *c, const struct mrow *r, struct strbuf *sb,
	     struct hk_err *e)
{
	const char *cell = import_cell(c, r, A_DESTINATIONS);
	char *copy = strdup(cell), *save = NULL;
	const char *list[VALIDATE_DEST_MAX + 1];
	size_t n = 0;
	int rc;

	strbuf_reset(sb);
	for (char *t = copy ? strtok_r(copy, ",; \t\r\n", &save) : NULL;
	     t != NULL && n <= VALIDATE_DEST_MAX;
	     t = strtok_r(NULL, ",; \t\r\n", &save))
		list[n++] = t;
	if (copy == NULL)
		rc = hk_fail(e, HK_ESYS, "destinations", "out of memory");
	else if (n == 0)
		rc = hk_failr(e, HK_EINVAL, "destinations", HK_R_cell_empty,
			      NULL);
	else if (n > VALIDATE_DEST_MAX)
		rc = hk_failr(e, HK_EINVAL, "destinations",
			      HK_R_destinations_max, "max",
			      HK_NUM(VALIDATE_DEST_MAX), NULL);
	else
		rc = validate_destinations(list, n, "destinations", sb, e);
	free(copy);
	return rc;
}

static void
check_alias_cells(struct ictx *c, const struct csvin_row *in, struct mrow *r,
		  struct strbuf *sb)
{
	const char *active = csvin_cell(in, c->col[A_ACTIVE]);
	struct hk_err e;

	r->dom = -1;
	r->quota = r->active = -1;
	check_alias_address(c, r, csvin_cell(in, c->col[A_ADDRESS]));
	if (import_dests(c, r, sb, &e) < 0)
		import_refused(c, r, "destinations", &e);
	if (*active != '\0' && parse_active(active, &r->active) < 0)
		import_problem(c, r, "active", HK_R_true_or_false_cell,
			       "value", active, NULL);
}

static uint64_t
address_hash(const char *local, const char *domain)
{
	return fnv1a(fnv1a(fnv1a(FNV1A_START, local), "@"), domain);
}

/* An address met again is a problem of every later line: the rows are
 * in file order, so the one a table slot holds came first. */
static int
mark_duplicates(struct ictx *c)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1], other[MAPSYNTAX_LOCAL_MAX + 1];
	size_t size = 64;
	uint32_t *slot;		/* row index + 1, 0: free */

	while (size < 2 * c->n)
		size *= 2;
	if ((slot = calloc(size, sizeof(*slot))) == NULL)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		struct mrow *r = &c->rows[i], *first = NULL;
		size_t k;

		if (r->domain[0] == '\0')
			continue;
		import_local(c, r, local);
		for (k = address_hash(local, r->domain) & (size - 1);
		     slot[k] != 0; k = (k + 1) & (size - 1)) {
			first = &c->rows[slot[k] - 1];
			import_local(c, first, other);
			if (strcmp(first->domain, r->domain) == 0 &&
			    strcmp(other, local) == 0)
				break;
		}
		if (slot[k] == 0) {
			slot[k] = (uint32_t)(i + 1);
			continue;
		}
		import_problem(c, r, "address", HK_R_address_twice, "local",
			       local, "domain", r->domain, "line",
			       HK_NUM(import_line(c, first)), NULL);
	}
	free(slot);
	return 0;
}

int
import_check_cells(struct ictx *c, const struct csvin_doc *doc)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	for (size_t i = 0; i < c->n; i++)
		if (c->aliases)
			check_alias_cells(c, &doc->rows[i], &c->rows[i], &sb);
		else
			check_cells(c, &doc->rows[i], &c->rows[i]);
	strbuf_free(&sb);
	return mark_duplicates(c);
}

void
import_names_free(struct ictx *c)
{
	while (c->names != NULL) {
		struct dname *next = c->names->next;

		free(c->names);
		c->names = next;
	}
	c->canon_domain = NULL;
}
