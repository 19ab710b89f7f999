/* SPDX-License-Identifier: ISC */
/*
 * store_alias.c - aliases (forwards to one or many addresses, a domain's
 * catch-all) and alias domains.  An address is a mailbox or an alias,
 * never both; a name is a domain or an alias domain, never both.
 * See store.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mapsyntax.h"
#include "store.h"
#include "strbuf.h"

/* "local@domain", or "@domain" for the catch-all: an alias's address,
 * and the key its listing pages by. */
#define ALIAS_ADDRESS \
	"(CASE WHEN a.local_part = '' THEN '@' || d.name ELSE " \
	"a.local_part || '@' || d.name END)"
#define ALIAS_COLUMNS \
	"SELECT " ALIAS_ADDRESS " AS address, a.local_part, " \
	"d.name AS domain, a.destinations, a.active, a.created_at "
#define ALIAS_SELECT \
	ALIAS_COLUMNS "FROM alias a JOIN domain d ON d.id = a.domain_id "

static int
insert_alias(struct db *db, const struct domain_ref *ref,
	     const struct alias_in *in, struct hk_err *err)
{
	struct db_param p[5] = { DB_INTV(ref->id), DB_TXT(in->local_part),
				 DB_TXT(in->destinations),
				 DB_INTV(in->active ? 1 : 0),
				 DB_INTV((int64_t)time(NULL)) };
	int64_t n = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM mailbox WHERE domain_id = "
			 "$1 AND local_part = $2", p, 2, &n, err) < 0)
		return -1;
	if (n > 0)
		return hk_failr(err, HK_EEXIST, "local_part",
				HK_R_address_is_mailbox, "local",
				in->local_part, "domain", in->domain, NULL);
	if (db_exec(db, "INSERT INTO alias (domain_id, local_part, "
		    "destinations, active, created_at) VALUES ($1, $2, $3, $4,"
		    " $5)", p, 5, NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_failr(err, HK_EEXIST,
			"local_part", HK_R_alias_exists, "local",
			in->local_part, "domain", in->domain, NULL) : -1;
	return store_guest_bump_addr(db, ref, in->local_part, err);
}

/* An alias row as it is shown: destinations as an array (as they are
 * given), not the comma list a map line wants. */
static void
shown(json_t *o)
{
	const char *d = json_string_value(json_object_get(o, "destinations"));
	json_t *arr;

	if (d == NULL || (arr = json_array()) == NULL)
		return;
	while (*d) {
		size_t n = strcspn(d, ",");

		json_array_append_new(arr, json_stringn(d, n));
		d += n + (d[n] == ',');
	}
	json_object_set_new(o, "destinations", arr);
}

/* The rows of a listing, or one object, as shown. */
static void
show(json_t *rows)
{
	size_t i;
	json_t *o;

	db_json_bool(rows, "active");
	if (json_is_object(rows)) {
		shown(rows);
		return;
	}
	json_array_foreach(rows, i, o)
		shown(o);
}

/* The one object of sql, as shown. */
static int
select_one(struct db *db, const char *sql, const struct db_param *p, int n,
	   json_t **out, struct hk_err *err)
{
	if (db_query_object(db, sql, p, n, out, err) < 0)
		return -1;
	show(*out);
	return 0;
}

int
store_alias_dest_domain(struct db *db, int64_t project_id, const char *domain,
			int64_t *domain_id, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(domain), DB_INTV(project_id) };

	/* -1: not a domain of the project (nothing of another leaks) */
	return db_query_int(db, "SELECT COALESCE((SELECT d.id FROM domain d "
			    "WHERE d.name = $1 AND d.project_id = $2), (SELECT "
			    "ad.target_domain_id FROM alias_domain ad WHERE "
			    "ad.name = $1 AND ad.project_id = $2), -1)", p, 2,
			    domain_id, err);
}

int
store_alias_dest_named(struct db *db, int64_t domain_id, const char *local,
		       struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(domain_id), DB_TXT(local) };
	int64_t n;

	if (db_query_int(db, "SELECT (SELECT COUNT(*) FROM mailbox WHERE "
			 "domain_id = $1 AND local_part = $2) + (SELECT "
			 "COUNT(*) FROM alias WHERE domain_id = $1 AND "
			 "local_part IN ($2, ''))", p, 2, &n, err) < 0)
		return -1;
	return n > 0;
}

int
store_alias_dest_refuse(struct hk_err *err, const char *local,
			const char *domain)
{
	return hk_failr(err, HK_EINVAL, "destinations",
			HK_R_destination_bounces, "local", local, "domain",
			domain, NULL);
}

/* Whether local@domain (the domain an A-label) would bounce: a domain or
 * alias domain of the project that holds no such mailbox or alias and
 * has no catch-all.  1 bounces, 0 not (or not the project's to say). */
static int
bounces(struct db *db, int64_t project_id, const char *local,
	const char *domain, struct hk_err *err)
{
	int64_t id;
	int rc;

	if (store_alias_dest_domain(db, project_id, domain, &id, err) < 0)
		return -1;
	if (id < 0)
		return 0;
	if ((rc = store_alias_dest_named(db, id, local, err)) < 0)
		return -1;
	return !rc;
}

/* Refuses a destination in one of the project's own domains that names
 * nothing there: mail to the alias would bounce (issue: an alias made to
 * a typo).  Addresses elsewhere, another project's domains among them,
 * are taken as given. */
static int
check_destinations(struct db *db, int64_t project_id, const char *dests,
		   struct hk_err *err)
{
	char addr[MAPSYNTAX_ADDRESS_MAX + 1];

	while (dests != NULL && *dests != '\0') {
		size_t n = strcspn(dests, ",");
		char *at;
		int rc;

		snprintf(addr, sizeof(addr), "%.*s", (int)n, dests);
		dests += n + (dests[n] == ',');
		if ((at = strrchr(addr, '@')) == NULL)
			continue;
		*at = '\0';
		if ((rc = bounces(db, project_id, addr, at + 1, err)) < 0)
			return -1;
		if (rc)
			return store_alias_dest_refuse(err, addr, at + 1);
	}
	return 0;
}

int
store_alias_add(struct db *db, const struct hk_actor *actor,
		const struct alias_in *in, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[2] = { DB_TXT(in->domain), DB_TXT(in->local_part) };

	*out = NULL;
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, in->domain, &ref, err) < 0 ||
	    check_destinations(db, ref.project_id, in->destinations,
			       err) < 0 ||
	    insert_alias(db, &ref, in, err) < 0 ||
	    select_one(db, ALIAS_SELECT "WHERE d.name = $1 AND a.local_part = "
		       "$2", p, 2, out, err) < 0 ||
	    store_audit(db, actor, "alias.add", json_string_value(
		json_object_get(*out, "address")), ref.project_id,
		json_pack("{s:s}", "destinations", in->destinations), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * A domain's aliases page by address, and within one domain that order is
 * the order of local_part || '@' (every address is that and the domain's
 * name, and no such key is a prefix of another): the index alias_address
 * (022) walks it, where the address, an expression, had every page sort
 * the domain.  The cursor, an address, is cut to its key.
 */
#define ALIAS_KEY	"(a.local_part || '@')"
#define ALIAS_LIKE	"(CAST($2 AS TEXT) IS NULL OR " ALIAS_ADDRESS \
	" LIKE $2 ESCAPE '\\') AND ($4 < 0 OR a.active = $4) "
#define ALIAS_ORDER	"ORDER BY " ALIAS_KEY " LIMIT $3"
/* The search's plans (store_search.c), as the mailboxes': the scan and
 * the walk read the index alias_address alone (023: it holds the local
 * part and the active flag), the rest of a row only for the page's */
#define ALIAS_NARROW_SQL(window) ALIAS_SELECT "WHERE a.id IN (SELECT a.id " \
	"FROM (SELECT id, local_part, active, " ALIAS_KEY " AS k FROM alias " \
	"a WHERE a.domain_id = $5 AND " ALIAS_KEY " > $1 ORDER BY " \
	ALIAS_KEY " " window ") a JOIN domain d ON d.id = $5 WHERE " \
	ALIAS_LIKE "ORDER BY a.k LIMIT $3) " ALIAS_ORDER
/* (the scan's window: the backend's fence, db.h) */
#define ALIAS_SCAN_SQL	ALIAS_NARROW_SQL("%s")
#define ALIAS_WALK_SQL	ALIAS_NARROW_SQL("LIMIT $7")
/* (the few from their ids: CROSS JOIN keeps SQLite from starting at the
 * domain, and walking its aliases in order, where the index holds their
 * local parts) */
#define ALIAS_FEW_SQL	ALIAS_COLUMNS "FROM alias a CROSS JOIN domain d " \
	"WHERE a.id IN (%s) AND d.id = a.domain_id AND a.domain_id + 0 = $5 " \
	"AND " ALIAS_KEY " > $1 AND " ALIAS_LIKE ALIAS_ORDER
#define ALIAS_SQL_MAX	\
	(sizeof(ALIAS_SCAN_SQL) + sizeof(ALIAS_FEW_SQL) + 256)

/*
 * What of frag the index can look for: an address holds frag when its
 * local part does or its domain's name does, or, for a fragment with an
 * '@', when its local part ends with what comes before it: the index's
 * text is the local part and an '@' (023), so that is that and the '@'.
 * NULL when the domain's name holds it (every alias matches: the scan
 * ends soonest) or what comes before its '@' is empty.  Into buf.
 */
static const char *
alias_fragment(const char *frag, const char *domain, char *buf, size_t size)
{
	const char *at = strchr(frag, '@');
	size_t i;

	if (at != NULL) {
		snprintf(buf, size, "%.*s@", (int)(at - frag), frag);
		return buf[0] != '@' ? buf : NULL;
	}
	for (i = 0; frag[i] != '\0' && i + 1 < size; i++)
		buf[i] = frag[i] >= 'A' && frag[i] <= 'Z' ?
		    (char)(frag[i] - 'A' + 'a') : frag[i];
	buf[i] = '\0';
	return strstr(domain, buf) != NULL ? NULL : frag;
}

/* The page's SQL for its plan, for the fragment frag (NULL: the scan),
 * into sql; p[0] is its cursor's key.  Returns how many parameters. */
static int
alias_sql(struct db *db, const char *frag, struct db_param *p,
	  struct strbuf *ids, char *sql, size_t size, struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	int plan = frag ? store_search_plan(db, 1, frag, p, ids, err) :
	    SEARCH_SCAN, n;

	if (plan < 0)
		return -1;
	if (plan == SEARCH_SCAN)
		n = snprintf(sql, size, ALIAS_SCAN_SQL, ix->fence);
	else
		n = snprintf(sql, size, ALIAS_FEW_SQL, ix->ids);
	if (n < 0 || (size_t)n >= size)
		return hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long");
	return plan == SEARCH_SCAN ? 5 : SEARCH_PARAMS;
}

/* The page into *out, walking first (store_search.c) where it may. */
static int
alias_page(struct db *db, const struct page_in *page, struct db_param *p,
	   json_t **out, struct hk_err *err)
{
	char buf[PAGE_CURSOR_MAX + 1], sql[ALIAS_SQL_MAX];
	const char *frag = page->search ? alias_fragment(page->search,
							 page->domain, buf,
							 sizeof(buf)) : NULL;
	struct strbuf ids;
	int n, rc;

	if (frag != NULL && store_search_walk(frag, p) > 0) {
		if (db_query_json(db, ALIAS_WALK_SQL, p, SEARCH_PARAMS, out,
				  err) < 0)
			return -1;
		if (json_array_size(*out) > (size_t)page->limit)
			return 0;	/* a page and more: the scan's */
		json_decref(*out);
		*out = NULL;
	}
	strbuf_init(&ids, SEARCH_IDS_MAX);
	rc = (n = alias_sql(db, frag, p, &ids, sql, sizeof(sql), err)) < 0 ?
	    -1 : db_query_json(db, sql, p, n, out, err);
	strbuf_free(&ids);
	return rc;
}

int
store_alias_list(struct db *db, const struct hk_actor *actor,
		 const struct page_in *page, json_t **out, char *next,
		 struct hk_err *err)
{
	char key[PAGE_CURSOR_MAX + 2];
	const char *at;
	struct domain_ref ref;
	struct page_bind pb;
	struct db_param p[SEARCH_PARAMS];

	if (page == NULL || page->domain == NULL)
		return hk_failr(err, HK_EINVAL, "domain", HK_R_required, NULL);
	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    store_domain_ref(db, actor, page->domain, &ref, err) < 0)
		return -1;
	memcpy(p, pb.p, sizeof(pb.p));
	p[4] = DB_INTV(ref.id);		/* (the domain holds the scope) */
	/* the cursor's address to its key: up to its last '@' */
	at = page->after ? strrchr(page->after, '@') : NULL;
	snprintf(key, sizeof(key), "%.*s", at ? (int)(at - page->after + 1) :
		 (int)sizeof(key), page->after ? page->after : "");
	p[0] = DB_TXT(key);
	if (alias_page(db, page, p, out, err) < 0)
		return -1;
	store_page_cut(*out, page, "address", next);
	show(*out);
	return 0;
}

/* The alias local@domain as the actor may see it, with its domain. */
static int
alias_ref(struct db *db, const struct hk_actor *actor, const char *local,
	  const char *domain, struct domain_ref *ref, json_t **out,
	  struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(domain), DB_TXT(local) };

	if (store_domain_ref(db, actor, domain, ref, err) < 0)
		return -1;
	if (select_one(db, ALIAS_SELECT "WHERE d.name = $1 AND a.local_part = "
		       "$2", p, 2, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"address", HK_R_no_alias, "local", local, "domain",
			domain, NULL) : -1;
	return 0;
}

int
store_alias_get(struct db *db, const struct hk_actor *actor,
		const char *local_part, const char *domain, json_t **out,
		struct hk_err *err)
{
	struct domain_ref ref;

	return alias_ref(db, actor, local_part, domain, &ref, out, err);
}

/* One write to the alias (its $1 domain id, $2 local part, more params
 * after), its guests bumped, audited as it was and (unless deleted) is. */
static int
change_alias(struct db *db, const struct hk_actor *actor,
	     const char *action, const char *local, const char *domain,
	     const char *dests, const char *sql, struct db_param *p, int np,
	     struct hk_err *err)
{
	struct db_param q[2] = { DB_TXT(domain), DB_TXT(local) };
	json_t *before = NULL, *after = NULL;
	struct domain_ref ref;
	const char *object;
	int rc;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (alias_ref(db, actor, local, domain, &ref, &before, err) < 0 ||
	    check_destinations(db, ref.project_id, dests, err) < 0)
		goto fail;
	p[0] = DB_INTV(ref.id);
	p[1] = DB_TXT(local);
	if (db_exec(db, sql, p, np, NULL, err) < 0 ||
	    store_guest_bump_addr(db, &ref, local, err) < 0 ||
	    (strncmp(sql, "DELETE", 6) != 0 && select_one(db, ALIAS_SELECT
	     "WHERE d.name = $1 AND a.local_part = $2", q, 2, &after,
	     err) < 0))
		goto fail;
	/* the audit takes a copy: object points into before */
	object = json_string_value(json_object_get(before, "address"));
	rc = store_commit_change(db, actor, action, object, ref.project_id,
				 json_deep_copy(before), after, err);
	json_decref(before);
	return rc;
fail:
	return store_abort(db, before);
}

int
store_alias_update(struct db *db, const struct hk_actor *actor,
		   const char *local_part, const char *domain,
		   const char *destinations, int active, struct hk_err *err)
{
	struct db_param p[4] = { DB_NUL, DB_NUL,
				 destinations ? DB_TXT(destinations) : DB_NUL,
				 DB_INTV(active) };

	return change_alias(db, actor, "alias.update", local_part, domain,
			    destinations, "UPDATE alias SET destinations = "
			    "COALESCE(CAST($3 AS TEXT), destinations), active ="
			    " CASE WHEN $4 < 0 THEN active ELSE $4 END WHERE "
			    "domain_id = $1 AND local_part = $2", p, 4, err);
}

int
store_alias_delete(struct db *db, const struct hk_actor *actor,
		   const char *local_part, const char *domain,
		   struct hk_err *err)
{
	struct db_param p[2];

	return change_alias(db, actor, "alias.delete", local_part, domain,
			    NULL, "DELETE FROM alias WHERE domain_id = $1 AND "
			    "local_part = $2", p, 2, err);
}

#define ALIASDOMAIN_SELECT \
	"SELECT x.name, d.name AS target, x.active, x.created_at FROM " \
	"alias_domain x JOIN domain d ON d.id = x.target_domain_id "

static int
insert_aliasdomain(struct db *db, const struct domain_ref *ref,
		   const char *name, struct hk_err *err)
{
	struct db_param p[4] = { DB_INTV(ref->project_id), DB_TXT(name),
				 DB_INTV(ref->id),
				 DB_INTV((int64_t)time(NULL)) };
	int64_t n = 0;
	int rc;

	/* One namespace for domains and alias domains. */
	rc = db_exec(db, "INSERT INTO alias_domain (project_id, name, "
		     "target_domain_id, created_at) SELECT CAST($1 AS BIGINT),"
		     " CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT)"
		     " WHERE NOT EXISTS (SELECT 1 FROM domain WHERE name = $2)",
		     p, 4, &n, err);
	if (rc < 0 && err->code != HK_EEXIST)
		return -1;
	if (rc < 0 || n == 0)
		return hk_failr(err, HK_EEXIST, "name", HK_R_name_taken, "name",
				name, NULL);
	return store_guest_bump_name(db, ref, name, err);
}

int
store_aliasdomain_add(struct db *db, const struct hk_actor *actor,
		      const char *name, const char *target, json_t **out,
		      struct hk_err *err)
{
	struct domain_ref ref;
	struct db_param p[1] = { DB_TXT(name) };

	*out = NULL;
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, target, &ref, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_failr(err, HK_ENOTFOUND, "target", HK_R_no_domain,
				 "domain", target, NULL);
		goto fail;
	}
	if (insert_aliasdomain(db, &ref, name, err) < 0 ||
	    select_one(db, ALIASDOMAIN_SELECT "WHERE x.name = $1", p, 1, out,
		       err) < 0 ||
	    store_audit(db, actor, "alias_domain.add", name, ref.project_id,
			json_pack("{s:s}", "target", target), err) < 0 ||
	    db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	json_decref(*out);
	*out = NULL;
	return -1;
}

int
store_aliasdomain_list(struct db *db, const struct hk_actor *actor,
		       const struct page_in *page, json_t **out, char *next,
		       struct hk_err *err)
{
	struct page_bind pb;
	struct db_param p[6];

	if (store_page_bind(page, actor, &pb, err) < 0)
		return -1;
	memcpy(p, pb.p, sizeof(pb.p));
	p[5] = page && page->domain ? DB_TXT(page->domain) : DB_NUL;
	if (db_query_json(db, ALIASDOMAIN_SELECT "WHERE ($5 < 0 OR "
			  "x.project_id = $5) AND (CAST($6 AS TEXT) IS NULL OR "
			  "d.name = $6) AND " PAGE_WHERE("x.name", "x.active")
			  PAGE_TAIL("x.name"), p, 6, out, err) < 0)
		return -1;
	store_page_cut(*out, page, "name", next);
	db_json_bool(*out, "active");
	return 0;
}

int
store_aliasdomain_get(struct db *db, const struct hk_actor *actor,
		      const char *name, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = {
		DB_INTV(actor->is_admin ? -1 : actor->project_id),
		DB_TXT(name) };

	if (select_one(db, ALIASDOMAIN_SELECT "WHERE ($1 < 0 OR x.project_id "
		       "= $1) AND x.name = $2", p, 2, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"name", HK_R_no_alias_domain, "name", name, NULL) : -1;
	return 0;
}

/* One write to the alias domain $1 (name; more params after), as the
 * actor may see it: its target's guests bumped, audited as it was and
 * (unless deleted) as it is. */
static int
change_aliasdomain(struct db *db, const struct hk_actor *actor,
		   const char *action, const char *name, const char *sql,
		   const struct db_param *p, int np, struct hk_err *err)
{
	json_t *before = NULL, *after = NULL;
	struct domain_ref ref;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (select_one(db, ALIASDOMAIN_SELECT "WHERE x.name = $1", p, 1,
		       &before, err) < 0 ||
	    store_domain_ref(db, actor, json_string_value(json_object_get(
		before, "target")), &ref, err) < 0) {
		if (err->code == HK_ENOTFOUND)
			hk_failr(err, HK_ENOTFOUND, "name",
				 HK_R_no_alias_domain, "name", name, NULL);
		goto fail;
	}
	if (db_exec(db, sql, p, np, NULL, err) < 0 ||
	    store_guest_bump_name(db, &ref, name, err) < 0 ||
	    (strncmp(sql, "DELETE", 6) != 0 && select_one(db,
	     ALIASDOMAIN_SELECT "WHERE x.name = $1", p, 1, &after, err) < 0))
		goto fail;
	return store_commit_change(db, actor, action, name, ref.project_id,
				   before, after, err);
fail:
	return store_abort(db, before);
}

int
store_aliasdomain_active(struct db *db, const struct hk_actor *actor,
			 const char *name, int active, struct hk_err *err)
{
	struct db_param p[2] = { DB_TXT(name), DB_INTV(active ? 1 : 0) };

	return change_aliasdomain(db, actor, active ? "alias_domain.enable" :
				  "alias_domain.disable", name, "UPDATE "
				  "alias_domain SET active = $2 WHERE name = "
				  "$1", p, 2, err);
}

/* Deletes the alias domain `name` (its target's guests lose it). */
int
store_aliasdomain_delete(struct db *db, const struct hk_actor *actor,
			 const char *name, struct hk_err *err)
{
	struct db_param p[1] = { DB_TXT(name) };

	return change_aliasdomain(db, actor, "alias_domain.delete", name,
				  "DELETE FROM alias_domain WHERE name = $1", p,
				  1, err);
}
