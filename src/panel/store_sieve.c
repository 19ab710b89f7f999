/* SPDX-License-Identifier: ISC */
/*
 * store_sieve.c - a mailbox's vacation reply and forwarding (table
 * mailbox_sieve).  See store_sieve.h.
 *
 * The row keeps what was set, canonical; the script is made from it at
 * each render (store_sieve_script), so a fix to the renderer reaches
 * every mailbox at the next push without touching the rows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapsyntax.h"
#include "store_sieve.h"

/* Addresses a loop check follows at most: past that it stops looking
 * (Dovecot and Postfix still stop a loop at delivery; this check is
 * there to say so at the time of the change). */
#define LOOP_MAX	5000

/* The mailbox the actor names. */
struct mbox {
	int64_t id;
	struct domain_ref ref;
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
};

/* Row: mailbox id, domain id, project id, guest id, backup guest id */
static int
take_mbox(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct mbox *m = ctx;

	(void)err;
	m->id = strtoll(row->vals[0], NULL, 10);
	m->ref.id = strtoll(row->vals[1], NULL, 10);
	m->ref.project_id = strtoll(row->vals[2], NULL, 10);
	m->ref.guest_id = strtoll(row->vals[3], NULL, 10);
	m->ref.backup_guest_id = strtoll(row->vals[4], NULL, 10);
	return 0;
}

static int
no_mailbox(struct hk_err *err)
{
	return hk_failr(err, HK_ENOTFOUND, "address", HK_R_no_such_mailbox,
			NULL);
}

/* The mailbox at address within the actor's scope, or HK_ENOTFOUND. */
static int
resolve(struct db *db, const struct hk_actor *actor, const char *address,
	struct mbox *m, struct hk_err *err)
{
	const char *at = strrchr(address, '@');
	int64_t scope = actor->is_admin || actor->mailbox_id > 0 ? -1 :
			actor->project_id;
	struct db_param p[4];

	memset(m, 0, sizeof(*m));
	if (at == NULL || at == address ||
	    (size_t)(at - address) > MAPSYNTAX_LOCAL_MAX ||
	    strlen(at + 1) > MAPSYNTAX_DOMAIN_MAX)
		return no_mailbox(err);
	snprintf(m->local, sizeof(m->local), "%.*s", (int)(at - address),
		 address);
	snprintf(m->domain, sizeof(m->domain), "%s", at + 1);
	p[0] = DB_TXT(m->domain);
	p[1] = DB_TXT(m->local);
	p[2] = DB_INTV(scope);
	p[3] = DB_INTV(actor->mailbox_id);
	if (db_query(db, "SELECT m.id, d.id, d.project_id, d.guest_id, "
		     "COALESCE(d.backup_guest_id, -1) FROM mailbox m JOIN "
		     "domain d ON d.id = m.domain_id WHERE d.name = $1 AND "
		     "m.local_part = $2 AND ($3 < 0 OR d.project_id = $3) AND "
		     "($4 = 0 OR m.id = $4)", p, 4, take_mbox, m, NULL,
		     err) < 0)
		return -1;
	return m->id > 0 ? 0 : no_mailbox(err);
}

/* The comma list s as a JSON array (s NULL: an empty one). */
static json_t *
list_json(const char *s)
{
	json_t *arr = json_array();

	while (arr != NULL && s != NULL && *s != '\0') {
		size_t n = strcspn(s, ",");

		if (json_array_append_new(arr, json_stringn(s, n)) < 0) {
			json_decref(arr);
			return NULL;
		}
		s += n + (s[n] == ',');
	}
	return arr;
}

/* vals as STORE_SIEVE_COLS: the vacation part, or null. */
static json_t *
vacation_json(const char *const *v)
{
	if (v[1] == NULL)
		return json_null();
	return json_pack("{s:s?, s:s, s:s?, s:s?, s:i}", "subject", v[0],
			 "text", v[1], "start", v[2], "end", v[3], "days",
			 v[4] ? atoi(v[4]) : SIEVE_DAYS_MIN);
}

static json_t *
forward_json(const char *const *v)
{
	if (v[5] == NULL)
		return json_null();
	return json_pack("{s:o, s:b}", "addresses", list_json(v[5]), "keep",
			 v[6] != NULL && strcmp(v[6], "1") == 0);
}

/* Row: STORE_SIEVE_COLS, into the object ctx. */
static int
settings_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	json_t *o = ctx;

	if (json_object_set_new(o, "vacation", vacation_json(row->vals)) < 0 ||
	    json_object_set_new(o, "forward", forward_json(row->vals)) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	return 0;
}

/* {"address", "vacation", "forward"} of mailbox m. */
static int
read_settings(struct db *db, const struct mbox *m, json_t **out,
	      struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(m->id) };

	*out = json_pack("{s:s++, s:n, s:n}", "address", m->local, "@",
			 m->domain, "vacation", "forward");
	if (*out == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	if (db_query(db, "SELECT " STORE_SIEVE_COLS " FROM mailbox_sieve s "
		     "WHERE s.mailbox_id = $1", p, 1, settings_row, *out, NULL,
		     err) == 0)
		return 0;
	json_decref(*out);
	*out = NULL;
	return -1;
}

int
store_sieve_get(struct db *db, const struct hk_actor *actor,
		const char *address, json_t **out, struct hk_err *err)
{
	struct mbox m;

	*out = NULL;
	if (resolve(db, actor, address, &m, err) < 0)
		return -1;
	return read_settings(db, &m, out, err);
}

/* --- writes --- */

/* The part (vacation or forward) of m's settings, a new reference. */
static int
read_part(struct db *db, const struct mbox *m, const char *part,
	  json_t **out, struct hk_err *err)
{
	json_t *all;

	*out = NULL;
	if (read_settings(db, m, &all, err) < 0)
		return -1;
	*out = json_incref(json_object_get(all, part));
	json_decref(all);
	return 0;
}

/* What every write does around its change: scope, before, the change
 * (fn), the guest's bump, after, audit, commit. */
typedef int (*change_fn)(struct db *db, const struct mbox *m,
			 const void *arg, struct hk_err *err);

static int
write_change(struct db *db, const struct hk_actor *actor, const char *address,
	     const char *part, const char *action, change_fn fn,
	     const void *arg, struct hk_err *err)
{
	json_t *before = NULL, *after = NULL;
	char object[MAPSYNTAX_ADDRESS_MAX + 1];
	struct mbox m;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (resolve(db, actor, address, &m, err) < 0 ||
	    read_part(db, &m, part, &before, err) < 0 ||
	    fn(db, &m, arg, err) < 0 ||
	    db_exec(db, "DELETE FROM mailbox_sieve WHERE vacation_text IS NULL "
		    "AND forward_to IS NULL AND mailbox_id = $1",
		    &DB_INTV(m.id), 1, NULL, err) < 0 ||
	    store_guest_bump_addr(db, &m.ref, m.local, err) < 0 ||
	    read_part(db, &m, part, &after, err) < 0) {
		json_decref(after);
		return store_abort(db, before);
	}
	snprintf(object, sizeof(object), "%s@%s", m.local, m.domain);
	return store_commit_change(db, actor, action, object,
				   m.ref.project_id, before, after, err);
}

/* The row of m, made if missing (its parts NULL until set). */
static int
ensure_row(struct db *db, const struct mbox *m, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(m->id),
				 DB_INTV((int64_t)time(NULL)) };

	/* '' stands in for a forward until the caller's UPDATE sets the
	 * part it writes: the CHECK wants one of the two. */
	return db_exec(db, "INSERT INTO mailbox_sieve (mailbox_id, forward_to,"
		       " updated_at) VALUES ($1, '', $2) ON CONFLICT "
		       "(mailbox_id) DO NOTHING", p, 2, NULL, err);
}

static int
put_vacation(struct db *db, const struct mbox *m, const void *arg,
	     struct hk_err *err)
{
	const struct sieve_vacation *v = arg;
	struct db_param p[7] = {
		DB_INTV(m->id),
		v->subject && *v->subject ? DB_TXT(v->subject) : DB_NUL,
		DB_TXT(v->text), v->start ? DB_TXT(v->start) : DB_NUL,
		v->end ? DB_TXT(v->end) : DB_NUL, DB_INTV(v->days),
		DB_INTV((int64_t)time(NULL)) };

	if (ensure_row(db, m, err) < 0 ||
	    db_exec(db, "UPDATE mailbox_sieve SET vacation_subject = $2, "
		    "vacation_text = $3, vacation_start = $4, vacation_end = $5,"
		    " vacation_days = $6, updated_at = $7, forward_to = CASE "
		    "WHEN forward_to = '' THEN NULL ELSE forward_to END WHERE "
		    "mailbox_id = $1", p, 7, NULL, err) < 0)
		return -1;
	return 0;
}

static int
drop_vacation(struct db *db, const struct mbox *m, const void *arg,
	      struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(m->id),
				 DB_INTV((int64_t)time(NULL)) };

	(void)arg;
	/* the row goes first when it holds nothing else (the CHECK) */
	if (db_exec(db, "DELETE FROM mailbox_sieve WHERE mailbox_id = $1 AND "
		    "forward_to IS NULL", p, 1, NULL, err) < 0)
		return -1;
	return db_exec(db, "UPDATE mailbox_sieve SET vacation_subject = NULL, "
		       "vacation_text = NULL, vacation_start = NULL, "
		       "vacation_end = NULL, vacation_days = NULL, updated_at ="
		       " $2 WHERE mailbox_id = $1", p, 2, NULL, err);
}

int
store_sieve_vacation_set(struct db *db, const struct hk_actor *actor,
			 const char *address, const struct sieve_vacation *v,
			 struct hk_err *err)
{
	struct sieve_settings s = { address, *v, { NULL, 0, 0 } };

	if (v->text == NULL)
		return hk_failr(err, HK_EINVAL, "vacation.text", HK_R_empty,
				NULL);
	if (sieve_script_check(&s, NULL, err) < 0)
		return -1;
	return write_change(db, actor, address, "vacation",
			    "mailbox.vacation.set", put_vacation, v, err);
}

int
store_sieve_vacation_clear(struct db *db, const struct hk_actor *actor,
			   const char *address, struct hk_err *err)
{
	return write_change(db, actor, address, "vacation",
			    "mailbox.vacation.clear", drop_vacation, NULL, err);
}

/* --- forwarding, and its loop check --- */

struct hop {
	char addr[MAPSYNTAX_ADDRESS_MAX + 1];
	int from;	/* the hop that led here; -1: a forward address */
};

struct walk {
	struct hop *hops;
	int n;
	int cur;	/* the hop being expanded */
	const struct mbox *own;
};

/* Adds each address of the comma list s, once, led to by w->cur. */
static void
walk_add(struct walk *w, const char *s, int from)
{
	while (s != NULL && *s != '\0' && w->n < LOOP_MAX) {
		size_t len = strcspn(s, ",");
		int seen = 0;

		for (int i = 0; i < w->n && !seen; i++)
			seen = strlen(w->hops[i].addr) == len &&
			       memcmp(w->hops[i].addr, s, len) == 0;
		if (!seen && len <= MAPSYNTAX_ADDRESS_MAX) {
			snprintf(w->hops[w->n].addr, sizeof(w->hops[0].addr),
				 "%.*s", (int)len, s);
			w->hops[w->n++].from = from;
		}
		s += len + (s[len] == ',');
	}
}

/* Row: a comma list the current hop leads to */
static int
expand_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct walk *w = ctx;

	(void)err;
	walk_add(w, row->vals[0], w->cur);
	return 0;
}

/* Where mail to local@domain ($2, $1) goes next within project $3: the
 * mailbox's forwards, its alias (or the domain's catch-all when the
 * address is neither mailbox nor alias), or, in an alias domain, the
 * same local part of its target. */
#define EXPAND_SQL \
	"SELECT s.forward_to FROM mailbox m JOIN domain d ON d.id = " \
	"m.domain_id JOIN mailbox_sieve s ON s.mailbox_id = m.id WHERE " \
	"d.name = $1 AND m.local_part = $2 AND d.project_id = $3 AND " \
	"s.forward_to IS NOT NULL UNION ALL SELECT a.destinations FROM alias " \
	"a JOIN domain d ON d.id = a.domain_id WHERE d.name = $1 AND " \
	"d.project_id = $3 AND (a.local_part = $2 OR (a.local_part = '' AND " \
	"NOT EXISTS (SELECT 1 FROM mailbox x WHERE x.domain_id = d.id AND " \
	"x.local_part = $2) AND NOT EXISTS (SELECT 1 FROM alias y WHERE " \
	"y.domain_id = d.id AND y.local_part = $2))) UNION ALL SELECT " \
	"CAST($2 AS TEXT) || '@' || d.name FROM alias_domain x JOIN domain d " \
	"ON d.id = x.target_domain_id WHERE x.name = $1 AND x.project_id = $3"

/* Expands hop i; 1 when it is the mailbox itself. */
static int
walk_step(struct db *db, struct walk *w, int i, const char *own,
	  struct hk_err *err)
{
	char local[MAPSYNTAX_ADDRESS_MAX + 1], *at;
	struct db_param p[3];

	if (strcmp(w->hops[i].addr, own) == 0)
		return 1;
	snprintf(local, sizeof(local), "%s", w->hops[i].addr);
	if ((at = strrchr(local, '@')) == NULL)
		return 0;
	*at = '\0';
	p[0] = DB_TXT(at + 1);
	p[1] = DB_TXT(local);
	p[2] = DB_INTV(w->own->ref.project_id);
	w->cur = i;
	return db_query(db, EXPAND_SQL, p, 3, expand_row, w, NULL, err);
}

/* HK_EINVAL forward_loop for the hop i that is the mailbox itself. */
static int
loop_found(const struct walk *w, int i, struct hk_err *err)
{
	int root = w->hops[i].from, via = root;

	if (root < 0)	/* sieve_script_check refuses it first */
		return hk_failr(err, HK_EINVAL, "forward.addresses",
				HK_R_forward_to_self, "address",
				w->hops[i].addr, NULL);
	while (w->hops[root].from >= 0)
		root = w->hops[root].from;
	return hk_failr(err, HK_EINVAL, "forward.addresses", HK_R_forward_loop,
			"address", w->hops[root].addr, "via",
			w->hops[via].addr, NULL);
}

/* Refuses forwards (canonical) that lead back to m. */
static int
check_loop(struct db *db, const struct mbox *m,
	   const struct sieve_forwards *fwd, struct hk_err *err)
{
	char own[MAPSYNTAX_ADDRESS_MAX + 1];
	struct walk w = { calloc(LOOP_MAX, sizeof(struct hop)), 0, -1, m };
	int rc = 0;

	if (w.hops == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	snprintf(own, sizeof(own), "%s@%s", m->local, m->domain);
	for (size_t i = 0; i < fwd->n; i++)
		walk_add(&w, fwd->addr[i], -1);
	for (int i = 0; i < w.n && rc == 0; i++)
		if ((rc = walk_step(db, &w, i, own, err)) > 0)
			rc = loop_found(&w, i, err);
	free(w.hops);
	return rc;
}

struct forward_arg {
	const struct sieve_forwards *fwd;
	int keep;
};

static int
put_forward(struct db *db, const struct mbox *m, const void *arg,
	    struct hk_err *err)
{
	const struct forward_arg *fa = arg;
	struct strbuf list;
	struct db_param p[4];
	int rc;

	if (check_loop(db, m, fa->fwd, err) < 0 || ensure_row(db, m, err) < 0)
		return -1;
	strbuf_init(&list, 0);
	for (size_t i = 0; i < fa->fwd->n; i++)
		if (strbuf_printf(&list, "%s%s", i ? "," : "",
				  fa->fwd->addr[i]) < 0) {
			strbuf_free(&list);
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		}
	p[0] = DB_INTV(m->id);
	p[1] = DB_TXT(strbuf_str(&list));
	p[2] = DB_INTV(fa->keep ? 1 : 0);
	p[3] = DB_INTV((int64_t)time(NULL));
	rc = db_exec(db, "UPDATE mailbox_sieve SET forward_to = $2, "
		     "forward_keep = $3, updated_at = $4 WHERE mailbox_id = $1",
		     p, 4, NULL, err);
	strbuf_free(&list);
	return rc;
}

static int
drop_forward(struct db *db, const struct mbox *m, const void *arg,
	     struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(m->id),
				 DB_INTV((int64_t)time(NULL)) };

	(void)arg;
	if (db_exec(db, "DELETE FROM mailbox_sieve WHERE mailbox_id = $1 AND "
		    "vacation_text IS NULL", p, 1, NULL, err) < 0)
		return -1;
	return db_exec(db, "UPDATE mailbox_sieve SET forward_to = NULL, "
		       "forward_keep = 0, updated_at = $2 WHERE mailbox_id = "
		       "$1", p, 2, NULL, err);
}

int
store_sieve_forward_set(struct db *db, const struct hk_actor *actor,
			const char *address, const struct sieve_forward *f,
			struct hk_err *err)
{
	struct sieve_settings s = { address, { NULL, NULL, NULL, NULL, 0 },
				    *f };
	struct sieve_forwards fwd;
	struct forward_arg fa = { &fwd, f->keep };

	if (f->n == 0)
		return hk_failr(err, HK_EINVAL, "forward.addresses",
				HK_R_destinations_count, "max",
				HK_NUM(SIEVE_FORWARD_MAX), NULL);
	if (sieve_script_check(&s, &fwd, err) < 0)
		return -1;
	return write_change(db, actor, address, "forward",
			    "mailbox.forward.set", put_forward, &fa, err);
}

int
store_sieve_forward_clear(struct db *db, const struct hk_actor *actor,
			  const char *address, struct hk_err *err)
{
	return write_change(db, actor, address, "forward",
			    "mailbox.forward.clear", drop_forward, NULL, err);
}

/* --- the script, for render --- */

int
store_sieve_script(const char *address, const char *const *vals,
		   struct strbuf *out, struct hk_err *err)
{
	const char *addrs[SIEVE_FORWARD_MAX + 1];
	char list[(MAPSYNTAX_ADDRESS_MAX + 1) * (SIEVE_FORWARD_MAX + 1)];
	struct sieve_settings s = {
		address,
		{ vals[0], vals[1], vals[2], vals[3],
		  vals[4] ? atoi(vals[4]) : 0 },
		{ addrs, 0, vals[6] != NULL && strcmp(vals[6], "1") == 0 } };
	char *p = list, *comma;

	/* one more slot than allowed: a list too long fails the check */
	snprintf(list, sizeof(list), "%s", vals[5] ? vals[5] : "");
	while (*p != '\0' && s.forward.n <= SIEVE_FORWARD_MAX) {
		addrs[s.forward.n++] = p;
		if ((comma = strchr(p, ',')) == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return sieve_script_render(&s, out, err);
}
