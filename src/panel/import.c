/* SPDX-License-Identifier: ISC */
/*
 * import.c - bulk import of mailboxes and aliases.  See import.h.
 *
 * Three passes over the rows.  The cells are validated on their own, and
 * an address met twice is flagged (import_cells.c).  Then the database is
 * asked, here, in one read transaction: the domain in the caller's scope,
 * whether the address is taken, and the limits, counted row by row over
 * the usage read once per domain and project.  Plain passwords are
 * hashed on every core only when the rows are to be written, outside any
 * transaction (that is the slow part); then one write transaction asks
 * the database again (another writer may have come in between), each
 * project's row locked before its usage is read, as single writes lock
 * it, and writes.  An import run as a job: import_job.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_ctx.h"
#include "import_hash.h"
#include "pwhash.h"

static const char *const columns[] = { "address", "password",
	"password_hash", "name", "quota", "active", NULL };
static const char *const alias_columns[] = { "address", "destinations",
	"active", NULL };

/* From this many rows on, a domain's taken addresses are read at once
 * rather than asked about row by row. */
#define BULK_ROWS	256

static void
progress(struct ictx *c, const char *phase, size_t done, size_t total)
{
	if (c->o->progress != NULL)
		c->o->progress(c->o->progress_ctx, phase, done, total);
}

/* In the write transaction, the project's row is locked as a single
 * create locks it (store_limits.c), once, before its usage is read: on
 * PostgreSQL a create beside the import would otherwise count without
 * the import's rows, and both could take the last places. */
static int
lock_project(struct ictx *c, const struct idom *d, struct hk_err *err)
{
	if (!c->writing)
		return 0;
	for (int i = 0; i < c->ndoms; i++)
		if (c->doms[i].found &&
		    c->doms[i].ref.project_id == d->ref.project_id)
			return 0;	/* locked with that domain */
	return store_limit_lock(c->db, d->ref.project_id, err);
}

/* The domain's index in c->doms, looked up (in the caller's scope) and
 * its usage read the first time; -1 on a database failure. */
static int
domain_of(struct ictx *c, const char *name, struct hk_err *err)
{
	struct idom *d;

	for (int i = 0; i < c->ndoms; i++)
		if (strcmp(c->doms[i].name, name) == 0)
			return i;
	if (c->ndoms >= DOMAINS_MAX)
		return hk_failr(err, HK_ETOOBIG, "domain",
				HK_R_too_many_domains, "max",
				HK_NUM(DOMAINS_MAX), NULL);
	d = &c->doms[c->ndoms];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (store_domain_ref(c->db, c->actor, name, &d->ref, err) == 0)
		d->found = 1;
	else if (err->code != HK_ENOTFOUND)
		return -1;
	if (d->found && (lock_project(c, d, err) < 0 ||
			 store_import_usage(c->db, &d->ref, &d->u, err) < 0))
		return -1;
	if (d->found && c->n >= BULK_ROWS) {
		if (store_import_taken_all(c->db, &d->ref, &d->taken, err) < 0)
			return -1;
		d->bulk = 1;
	}
	return c->ndoms++;
}

/* Usage is per project: the first domain of each project holds it. */
static struct import_usage *
project_usage(struct ictx *c, const struct idom *d)
{
	for (int i = 0; i < c->ndoms; i++)
		if (c->doms[i].found &&
		    c->doms[i].ref.project_id == d->ref.project_id)
			return &c->doms[i].u;
	return NULL;
}

/* The limits, counted as if the rows before were written. */
static void
count_limits(struct ictx *c, struct mrow *r, struct idom *d,
	     int64_t old_quota)
{
	struct import_usage *p = project_usage(c, d);
	int64_t quota = r->quota >= 0 ? r->quota :
	    r->update ? old_quota : d->u.default_quota;
	int64_t grow = quota - (r->update ? old_quota : 0);

	if (!r->update && p->project_max > 0 &&
	    p->project_mailboxes >= p->project_max)
		import_problem(c, r, "", HK_R_over_project_mailboxes, "max",
			       HK_NUM(p->project_max), NULL);
	else if (!r->update && d->u.domain_max > 0 &&
		 d->u.domain_mailboxes >= d->u.domain_max)
		import_problem(c, r, "", HK_R_over_domain_mailboxes, "max",
			       HK_NUM(d->u.domain_max), NULL);
	else if (p->storage_max > 0 && quota == 0)
		import_problem(c, r, "quota", HK_R_storage_needs_quota, NULL);
	else if (p->storage_max > 0 && grow > 0 &&
		 grow > p->storage_max - p->storage)
		import_problem(c, r, "quota", HK_R_over_project_storage,
			       "left", HK_NUM(p->storage_max - p->storage),
			       NULL);
	if (r->bad)
		return;
	p->project_mailboxes += !r->update;
	d->u.domain_mailboxes += !r->update;
	p->storage = grow > 0 && p->storage > INT64_MAX - grow ? INT64_MAX :
	    p->storage + grow;
}

/* An alias takes no room: only whether the address is taken counts. */
static void
check_alias_row(struct ictx *c, struct mrow *r, const char *local,
		const struct import_taken *t)
{
	r->update = t->alias;
	if (t->mailbox)
		import_problem(c, r, "address", HK_R_address_is_mailbox,
			       "local", local, "domain", r->domain, NULL);
	else if (t->alias && !c->o->upsert)
		import_problem(c, r, "address", HK_R_alias_exists, "local",
			       local, "domain", r->domain, NULL);
}

/* The plain password of a mailbox row, or NULL. */
static const char *
plain_of(const struct ictx *c, const struct mrow *r)
{
	const char *p = c->aliases ? "" : import_cell(c, r, C_PASSWORD);

	return *p != '\0' ? p : NULL;
}

/* One row against the database: its domain, whether the address is
 * taken, the limits.  -1 only on a database failure. */
static int
check_row(struct ictx *c, struct mrow *r, struct hk_err *err)
{
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	struct import_taken t;
	struct idom *d;

	if ((r->dom = domain_of(c, r->domain, err)) < 0)
		return -1;
	d = &c->doms[r->dom];
	if (!d->found && c->o->create_domains_on != NULL)
		return 0;	/* to be made: nothing in it, limits later */
	if (!d->found) {
		import_problem(c, r, "address", c->actor->is_admin ?
			       HK_R_no_domain : HK_R_no_domain_in_project,
			       "domain", r->domain, NULL);
		return 0;
	}
	import_local(c, r, local);
	if (d->bulk && !store_import_taken_maybe(&d->taken, local))
		memset(&t, 0, sizeof(t));
	else if (store_import_lookup(c->db, &d->ref, local, &t, err) < 0)
		return -1;
	if (c->aliases)
		return check_alias_row(c, r, local, &t), 0;
	r->update = t.mailbox;
	if (t.alias)
		import_problem(c, r, "address", HK_R_address_is_alias,
			       "local", local, "domain", r->domain, NULL);
	else if (t.mailbox && !c->o->upsert)
		import_problem(c, r, "address", HK_R_mailbox_exists, "local",
			       local, "domain", r->domain, NULL);
	else if (!t.mailbox && plain_of(c, r) == NULL &&
		 *import_cell(c, r, C_HASH) == '\0')
		import_problem(c, r, "password", HK_R_new_mailbox_password,
			       NULL);
	else
		count_limits(c, r, d, t.quota_bytes);
	return 0;
}

/* Every row still good against the database, in the caller's
 * transaction; the usage is read afresh. */
static void
forget_domains(struct ictx *c)
{
	for (int i = 0; i < c->ndoms; i++)
		store_import_taken_free(&c->doms[i].taken);
	c->ndoms = 0;
}

/* The one project of the domains found, or -1 (none, or several). */
static int64_t
one_project(const struct ictx *c)
{
	int64_t id = -1;

	for (int i = 0; i < c->ndoms; i++) {
		if (!c->doms[i].found)
			continue;
		if (id >= 0 && c->doms[i].ref.project_id != id)
			return -1;
		id = c->doms[i].ref.project_id;
	}
	return id;
}

/* The caller's shutdown (o->stop): -1 once it is asked for. */
static int
stopped(const struct ictx *c, struct hk_err *err)
{
	if (c->o->stop == NULL || *c->o->stop == 0)
		return 0;
	return hk_fail(err, HK_ESYS, IMPORT_STOPPED, "stopped before its end "
		       "by a shutdown");
}

static int
check_db(struct ictx *c, struct hk_err *err)
{
	forget_domains(c);
	for (size_t i = 0; i < c->n; i++) {
		if (c->rows[i].bad)
			continue;
		if (check_row(c, &c->rows[i], err) < 0)
			return -1;
		if (i % 1000 == 999) {
			progress(c, "check", i + 1, c->n);
			if (stopped(c, err) < 0)
				return -1;
		}
	}
	if (c->aliases && import_check_dests(c, err) < 0)
		return -1;
	c->rep->project_id = one_project(c);
	progress(c, "check", c->n, c->n);
	return 0;
}

/* --- passwords (import_hash.c) --- */

static size_t
plain_count(const struct ictx *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += !c->rows[i].bad && plain_of(c, &c->rows[i]) != NULL;
	return n;
}

/* Passwords are hashed this many at a time, each batch's hashes put in
 * the temporary file: a million hashes would be 128 MB of memory. */
#define HASH_BATCH	4096

struct hash_progress {
	const struct import_opts *o;
	size_t base, total;
};

static void
batch_progress(void *ctx, const char *phase, size_t done, size_t total)
{
	struct hash_progress *hp = ctx;

	(void)total;
	if (hp->o->progress != NULL)
		hp->o->progress(hp->o->progress_ctx, phase, hp->base + done,
				hp->total);
}

/* items[0..n) hashed, their hashes appended to c->hashes, one a line
 * (a hash holds no line break: pwhash makes them of base64 and '$'). */
static int
hash_batch(struct ictx *c, struct pw_item *items, size_t n,
	   struct hash_progress *hp, struct hk_err *err)
{
	int rc = import_hash(items, n, c->o->threads, batch_progress, hp,
			     err);

	for (size_t k = 0; k < n; k++) {
		if (rc == 0 && fprintf(c->hashes, "%s\n", items[k].hash) < 0)
			rc = hk_fail_errno(err, "writing the hashes");
		free(items[k].hash);
		items[k].hash = NULL;
	}
	hp->base += n;
	return rc;
}

static int
hash_all(struct ictx *c, struct hk_err *err)
{
	struct hash_progress hp = { c->o, 0, plain_count(c) };
	struct pw_item *items;
	size_t k = 0;
	int rc = 0;

	if (hp.total == 0)
		return 0;
	if ((c->hashes = tmpfile()) == NULL)
		return hk_fail_errno(err, "a temporary file for the hashes");
	if ((items = calloc(HASH_BATCH, sizeof(*items))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct mrow *r = &c->rows[i];

		if (r->bad || (items[k].plain = plain_of(c, r)) == NULL)
			continue;
		r->hashed = 1;
		if (++k == HASH_BATCH) {
			rc = hash_batch(c, items, k, &hp, err);
			k = 0;
		}
	}
	if (rc == 0 && k > 0)
		rc = hash_batch(c, items, k, &hp, err);
	free(items);
	if (rc == 0 && (fflush(c->hashes) != 0 || fseek(c->hashes, 0,
							SEEK_SET) != 0))
		rc = hk_fail_errno(err, "writing the hashes");
	return rc;
}

/* --- writing, in the caller's write transaction --- */

static void
add_guest(int64_t *ids, size_t *n, int64_t id)
{
	if (id < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	ids[(*n)++] = id;
}

/* What a row's write points to until its batch is flushed. */
struct wslot {
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char hash[PWHASH_MAX + 2];
};

/* The next hash of c->hashes into h: the one made for the next row that
 * had a plain password when they were made. */
static int
next_hash(struct ictx *c, char *h, size_t size, struct hk_err *err)
{
	if (fgets(h, (int)size, c->hashes) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "the hashes file ended "
			       "early");
	h[strcspn(h, "\n")] = '\0';
	return 0;
}

/* The name of a mailbox row as it is to be stored: NULL keeps it. */
static const char *
name_of(const struct ictx *c, const struct mrow *r)
{
	const char *name = import_cell(c, r, C_NAME);

	if (c->col[C_NAME] < 0 || (c->o->upsert && *name == '\0'))
		return NULL;
	return name;
}

/* One good row written (a new mailbox into batch, written with it). */
static int
write_row(struct ictx *c, struct mrow *r, struct import_batch *batch,
	  struct wslot *w, struct strbuf *sb, struct hk_err *err)
{
	struct idom *d = &c->doms[r->dom < 0 ? 0 : r->dom];
	const char *pre = import_cell(c, r, C_HASH);
	struct mailbox_in in = { w->local, r->domain,
		r->hashed ? w->hash : *pre ? pre : NULL, name_of(c, r),
		r->quota >= 0 || r->update ? r->quota : d->u.default_quota,
		r->active >= 0 || r->update ? r->active : 1 };

	import_local(c, r, w->local);
	if (c->aliases)
		return import_dests(c, r, sb, err) < 0 ? -1 :
		    store_import_alias_put(c->db, &d->ref, w->local,
					   strbuf_str(sb), r->active,
					   r->update, err);
	if (!r->update)
		return store_import_batch_add(c->db, batch, &d->ref, &in, err);
	return store_mailbox_write_patch(c->db, &d->ref, w->local,
		&(struct mailbox_patch){ in.password_hash, in.name,
		in.quota_bytes, in.active, 0 }, err);
}

static int
write_rows(struct ictx *c, struct hk_err *err)
{
	int64_t *guests = calloc(2 * (size_t)c->ndoms + 1, sizeof(*guests));
	struct import_batch *batch = calloc(1, sizeof(*batch));
	struct wslot *slots = calloc(IMPORT_BATCH + 1, sizeof(*slots));
	struct strbuf sb;
	size_t ng = 0;
	int rc = guests && batch && slots ? 0 : hk_fail(err, HK_ESYS, NULL,
							"out of memory");

	strbuf_init(&sb, 0);
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct mrow *r = &c->rows[i];
		struct idom *d = &c->doms[r->dom < 0 ? 0 : r->dom];
		/* a batch's rows each keep their slot until it is flushed */
		struct wslot *w = &slots[batch->n];

		if (r->hashed &&
		    next_hash(c, w->hash, sizeof(w->hash), err) < 0) {
			rc = -1;
			break;
		}
		if (r->bad)
			continue;
		rc = write_row(c, r, batch, w, &sb, err);
		add_guest(guests, &ng, d->ref.guest_id);
		add_guest(guests, &ng, d->ref.backup_guest_id);
		if (rc == 0 && i % 1000 == 999) {
			progress(c, "write", i + 1, c->n);
			rc = stopped(c, err);
		}
	}
	/* a domain made whose rows all turned out bad still owes a push */
	for (int k = 0; k < c->ndoms; k++)
		for (size_t m = 0; m < c->rep->domains_created; m++)
			if (strcmp(c->doms[k].name, c->made[m]) == 0)
				add_guest(guests, &ng, c->doms[k].ref.guest_id);
	if (rc == 0)
		rc = store_import_batch_flush(c->db, batch, err);
	if (rc == 0)
		rc = store_guest_bump_ids(c->db, guests, ng, err);
	strbuf_free(&sb);
	free(slots);
	free(batch);
	free(guests);
	return rc;
}

/* --- the whole import --- */

static void
tally(struct ictx *c)
{
	c->rep->added = c->rep->updated = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!c->rows[i].bad) {
			c->rep->added += !c->rows[i].update;
			c->rep->updated += c->rows[i].update;
		}
}

static int
audit(struct ictx *c, struct hk_err *err)
{
	const struct idom *d = c->ndoms > 0 ? &c->doms[0] : NULL;

	return store_audit(c->db, c->actor, c->aliases ? "import.aliases" :
			   "import.mailboxes",
			   d ? d->name : "-", d && d->found ?
			   d->ref.project_id : -1,
			   json_pack("{s:I,s:I,s:I,s:I,s:I}", "rows",
			   (json_int_t)c->n, "added", (json_int_t)c->rep->added,
			   "updated", (json_int_t)c->rep->updated, "skipped",
			   (json_int_t)c->rep->invalid, "domains_created",
			   (json_int_t)c->rep->domains_created), err);
}

/* The cells alone, then the database in a read transaction. */
static int
judge(struct ictx *c, const struct csvin_doc *doc, struct hk_err *err)
{
	int rc;

	if (import_check_cells(c, doc) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	/* Asked first without the write lock when there is hashing to
	 * spare, a problem already (every problem is reported), or nothing
	 * to write; else the one check under the write lock (apply) is
	 * enough. */
	if (!c->o->dry_run && c->rep->invalid == 0 && plain_count(c) == 0)
		return 0;
	if (db_begin(c->db, 0, err) < 0)
		return -1;
	rc = check_db(c, err);
	db_rollback(c->db);
	tally(c);
	for (int i = 0; c->o->create_domains_on != NULL && i < c->ndoms; i++)
		c->rep->domains_created += !c->doms[i].found;
	c->asked = 1;
	return rc;
}

/* In the write transaction, before the rows are asked about again: the
 * domains the good rows name that do not exist, made on the guest the
 * operator named. */
static int
create_domains(struct ictx *c, struct hk_err *err)
{
	c->rep->domains_created = 0;
	if (c->made == NULL &&
	    (c->made = calloc(DOMAINS_MAX, sizeof(*c->made))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		struct mrow *r = &c->rows[i];
		int k;

		if (r->bad)
			continue;
		if ((k = domain_of(c, r->domain, err)) < 0)
			return -1;
		if (c->doms[k].found)
			continue;
		if (store_domain_insert(c->db, c->actor, r->domain,
					c->o->create_domains_on, err) < 0)
			return -1;
		c->doms[k].found = 1;	/* (check_db looks it up anew) */
		c->made[c->rep->domains_created++] = r->domain;
	}
	return 0;
}

/* Asked again under the write lock, then written. */
static int
apply(struct ictx *c, struct hk_err *err)
{
	size_t before = c->rep->invalid;

	if (hash_all(c, err) < 0 || stopped(c, err) < 0)
		return -1;
	progress(c, "write", 0, c->n);
	if (db_bulk(c->db, 1, err) < 0 || db_begin(c->db, 1, err) < 0)
		return -1;
	c->writing = 1;
	if (c->o->create_domains_on != NULL) {
		forget_domains(c);
		if (create_domains(c, err) < 0)
			goto fail;
	}
	if (check_db(c, err) < 0)
		goto fail;
	tally(c);
	if (c->rep->invalid > before && !c->o->skip_invalid) {
		if (c->asked && c->rep->domains_created == 0)
			hk_failr(err, HK_EINVAL, "file", HK_R_rows_changed,
				 "count", HK_NUM(c->rep->invalid - before),
				 NULL);
		else
			hk_failr(err, HK_EINVAL, "file",
				 HK_R_rows_have_problems, "count",
				 HK_NUM(c->rep->invalid), "rows",
				 HK_NUM(c->rep->rows), NULL);
		goto fail;
	}
	if (write_rows(c, err) < 0 || stopped(c, err) < 0 ||
	    audit(c, err) < 0 ||
	    (c->o->before_commit != NULL &&
	     c->o->before_commit(c->o->commit_ctx, c->rep, err) < 0) ||
	    db_commit(c->db, err) < 0)
		goto fail;
	progress(c, "write", c->n, c->n);
	(void)db_bulk(c->db, 0, NULL);	/* written: only memory is at stake */
	return 0;
fail:
	db_rollback(c->db);
	(void)db_bulk(c->db, 0, NULL);
	return -1;
}

/* The header mapped into col[C_N]. */
static int
columns_of(int aliases, int upsert, const struct csvin_doc *doc, int *col,
	   struct hk_err *err)
{
	char line[32];
	enum hk_reason missing = HK_R_none;

	if (csvin_columns(doc, aliases ? alias_columns : columns, col,
			  err) < 0)
		return -1;
	if (aliases && (col[A_ADDRESS] < 0 || col[A_DESTINATIONS] < 0))
		missing = HK_R_import_alias_columns;
	else if (!aliases && col[C_ADDRESS] < 0)
		missing = HK_R_import_no_address;
	else if (!aliases && col[C_PASSWORD] < 0 && col[C_HASH] < 0 &&
		 !upsert)
		missing = HK_R_import_no_password;
	if (missing == HK_R_none)
		return 0;
	/* the header's own line: blank lines may come before it */
	snprintf(line, sizeof(line), "line %zu", (size_t)doc->header.line);
	return hk_failr(err, HK_EINVAL, line, missing, NULL);
}

int
import_columns(int aliases, int upsert, const struct csvin_doc *doc,
	       struct hk_err *err)
{
	int col[C_N];

	return columns_of(aliases, upsert, doc, col, err);
}

static int
by_line(const void *a, const void *b)
{
	const struct import_problem *x = a, *y = b;
	int d = x->line < y->line ? -1 : x->line > y->line;

	if (d == 0 && (d = strcmp(x->column, y->column)) == 0)
		d = strcmp(x->reason, y->reason);
	return d;
}

static int
run(int aliases, struct db *db, const struct hk_actor *actor,
    const struct csvin_doc *doc, const struct import_opts *o,
    struct import_report *rep, struct hk_err *err)
{
	struct ictx c = { .aliases = aliases, .db = db, .actor = actor,
			  .o = o, .rep = rep, .doc = doc, .n = doc->nrows };
	int rc = -1;

	memset(rep, 0, sizeof(*rep));
	rep->rows = doc->nrows;
	rep->project_id = -1;
	rep->problems = calloc(IMPORT_PROBLEMS_MAX, sizeof(*rep->problems));
	c.rows = calloc(c.n + 1, sizeof(*c.rows));
	c.doms = calloc(DOMAINS_MAX, sizeof(*c.doms));
	if (actor->read_only)
		hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key, NULL);
	else if (o->create_domains_on != NULL && !actor->is_admin)
		hk_failr(err, HK_EFORBIDDEN, "create_domains_on",
			 HK_R_create_domains_operator, NULL);
	else if (!rep->problems || !c.rows || !c.doms)
		hk_fail(err, HK_ESYS, NULL, "out of memory");
	else if (columns_of(aliases, o->upsert, doc, c.col, err) == 0 &&
		 judge(&c, doc, err) == 0) {
		if (rep->invalid > 0 && !o->skip_invalid)
			hk_failr(err, HK_EINVAL, "file",
				 HK_R_rows_have_problems, "count",
				 HK_NUM(rep->invalid), "rows",
				 HK_NUM(rep->rows), NULL);
		else
			rc = o->dry_run ? 0 : apply(&c, err);
	}
	/* found cells first, then duplicates, then the database: reported
	 * in the order of the file */
	if (rep->problems != NULL)
		qsort(rep->problems, rep->nproblems, sizeof(*rep->problems),
		      by_line);
	if (c.hashes != NULL)
		fclose(c.hashes);
	if (c.doms != NULL)
		forget_domains(&c);
	free(c.made);
	import_names_free(&c);
	free(c.rows);
	free(c.doms);
	return rc;
}

int
import_mailboxes(struct db *db, const struct hk_actor *actor,
		 const struct csvin_doc *doc, const struct import_opts *o,
		 struct import_report *rep, struct hk_err *err)
{
	return run(0, db, actor, doc, o, rep, err);
}

int
import_aliases(struct db *db, const struct hk_actor *actor,
	       const struct csvin_doc *doc, const struct import_opts *o,
	       struct import_report *rep, struct hk_err *err)
{
	return run(1, db, actor, doc, o, rep, err);
}

void
import_report_free(struct import_report *rep)
{
	free(rep->problems);
	memset(rep, 0, sizeof(*rep));
}
