/* SPDX-License-Identifier: ISC */
/*
 * store_mailbox.c - mailboxes: one local part in one domain, with its own
 * password.  See store.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapsyntax.h"
#include "store.h"
#include "strbuf.h"

_Static_assert(PAGE_CURSOR_MAX >= MAPSYNTAX_ADDRESS_MAX,
	       "a cursor holds a local part, a domain or an address");

/* used_bytes, messages and usage_at: as the guest's Dovecot last
 * counted them (its report), null until it has.  A usage row is written
 * only when its figures change (store_report.c): they hold as of the
 * guest's latest report. */
#define MAILBOX_COLUMNS \
	"SELECT m.local_part || '@' || d.name AS address, m.local_part, " \
	"d.name AS domain, m.name, m.quota_bytes, m.active, m.created_at, " \
	"m.updated_at, u.used_bytes, u.messages, CASE WHEN u.mailbox_id " \
	"IS NULL THEN NULL ELSE COALESCE(r.at, u.at) END AS usage_at "
#define MAILBOX_JOINS "JOIN domain d ON d.id = m.domain_id " \
	"LEFT JOIN mailbox_usage u ON u.mailbox_id = m.id " \
	"LEFT JOIN guest_report r ON r.guest_id = d.guest_id "
#define MAILBOX_SELECT	MAILBOX_COLUMNS "FROM mailbox m " MAILBOX_JOINS

int
store_mailbox_insert(struct db *db, const struct domain_ref *ref,
		     const struct mailbox_in *in, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL), n = 0, quota = in->quota_bytes;
	struct db_param p[7] = { DB_INTV(ref->id), DB_TXT(in->local_part),
				 DB_TXT(in->password_hash), DB_TXT(in->name),
				 DB_INTV(0), DB_INTV(in->active ? 1 : 0),
				 DB_INTV(now) };

	if (db_query_int(db, "SELECT COUNT(*) FROM alias WHERE domain_id = $1"
			 " AND local_part = $2", p, 2, &n, err) < 0)
		return -1;
	if (n > 0)
		return hk_failr(err, HK_EEXIST, "local_part",
				HK_R_address_is_alias, "local", in->local_part,
				"domain", in->domain, NULL);
	if (store_limit_mailbox(db, ref, &quota, err) < 0)
		return -1;
	p[4] = DB_INTV(quota);
	if (db_exec(db, "INSERT INTO mailbox (domain_id, local_part, "
		    "password_hash, name, quota_bytes, active, created_at, "
		    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)", p, 7,
		    NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_failr(err, HK_EEXIST,
			"local_part", HK_R_mailbox_exists, "local",
			in->local_part, "domain", in->domain, NULL) : -1;
	return store_guest_bump_addr(db, ref, in->local_part, err);
}

/* The mailbox local@domain within scope (a project id, -1 for all), or
 * HK_ENOTFOUND: one indexed lookup through domain(name) and mailbox's
 * UNIQUE(domain_id, local_part). */
static int
select_mailbox(struct db *db, int64_t scope, const char *local,
	       const char *domain, json_t **out, struct hk_err *err)
{
	struct db_param p[3] = { DB_TXT(domain), DB_TXT(local),
				 DB_INTV(scope) };

	if (db_query_object(db, MAILBOX_SELECT "WHERE d.name = $1 AND "
			    "m.local_part = $2 AND ($3 < 0 OR d.project_id = "
			    "$3)", p, 3, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_failr(err, HK_ENOTFOUND,
			"address", HK_R_no_such_mailbox, NULL) : -1;
	db_json_bool(*out, "active");
	return 0;
}

static int
get_mailbox(struct db *db, const struct mailbox_in *in, json_t **out,
	    struct hk_err *err)
{
	/* The caller's transaction has just inserted it: scope is checked. */
	if (select_mailbox(db, -1, in->local_part, in->domain, out, err) < 0)
		return err->code == HK_ENOTFOUND ? hk_fail(err, HK_EINTERNAL,
		    NULL, "mailbox vanished after insert") : -1;
	return 0;
}

int
store_mailbox_add(struct db *db, const struct hk_actor *actor,
		  const struct mailbox_in *in, json_t **out,
		  struct hk_err *err)
{
	struct domain_ref ref;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	*out = NULL;
	if (store_domain_ref(db, actor, in->domain, &ref, err) < 0 ||
	    store_mailbox_insert(db, &ref, in, err) < 0 ||
	    get_mailbox(db, in, out, err) < 0 ||
	    store_audit(db, actor, "mailbox.add", json_string_value(
		json_object_get(*out, "address")), ref.project_id,
		json_pack("{s:O, s:b}", "quota_bytes", json_object_get(*out,
			  "quota_bytes"), "active", in->active), err) < 0 ||
	    db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_mailbox_write_patch(struct db *db, const struct domain_ref *ref,
			  const char *local, const struct mailbox_patch *pt,
			  struct hk_err *err)
{
	struct db_param p[7] = {
		DB_INTV(ref->id), DB_TXT(local),
		pt->password_hash ? DB_TXT(pt->password_hash) : DB_NUL,
		pt->name ? DB_TXT(pt->name) : DB_NUL,
		DB_INTV(pt->quota_bytes), DB_INTV(pt->active),
		DB_INTV((int64_t)time(NULL)) };

	if (db_exec(db, "UPDATE mailbox SET password_hash = COALESCE(CAST("
		    "$3 AS TEXT), password_hash), name = COALESCE(CAST($4 AS "
		    "TEXT), name), quota_bytes = CASE WHEN CAST($5 AS BIGINT) "
		    "< 0 THEN quota_bytes ELSE CAST($5 AS BIGINT) END, active ="
		    " CASE WHEN $6 < 0 THEN active ELSE $6 END, updated_at = $7"
		    " WHERE domain_id = $1 AND local_part = $2", p, 7, NULL,
		    err) < 0)
		return -1;
	if (pt->password_hash == NULL)
		return 0;
	p[2] = DB_INTV(pt->keep_session);
	p[3] = p[6];
	return db_exec(db, "UPDATE session SET revoked_at = $4 WHERE "
		       "revoked_at IS NULL AND id <> $3 AND mailbox_id = (SELECT"
		       " id FROM mailbox WHERE domain_id = $1 AND local_part = "
		       "$2)", p, 4, NULL, err);
}

/* Applies the patch to the mailbox `before` (in scope, locked by the
 * write transaction) and audits it; *after gets the result. */
static int
patch_mailbox(struct db *db, const struct hk_actor *actor,
	      const struct domain_ref *ref, json_t *before,
	      const struct mailbox_patch *pt, json_t **after,
	      struct hk_err *err)
{
	const char *local = json_string_value(json_object_get(before,
							      "local_part"));
	const char *domain = json_string_value(json_object_get(before,
							       "domain"));
	json_t *seen;

	if ((pt->quota_bytes >= 0 && store_limit_quota(db, ref,
	     json_integer_value(json_object_get(before, "quota_bytes")),
	     pt->quota_bytes, err) < 0) ||
	    store_mailbox_write_patch(db, ref, local, pt, err) < 0 ||
	    store_guest_bump_addr(db, ref, local, err) < 0 ||
	    select_mailbox(db, -1, local, domain, after, err) < 0)
		return -1;
	seen = json_deep_copy(*after);
	if (pt->password_hash != NULL)
		json_object_set_new(seen, "password_changed", json_true());
	return store_audit_change(db, actor, "mailbox.update",
				  json_string_value(json_object_get(before,
				  "address")), ref->project_id,
				  json_deep_copy(before), seen, err);
}

int
store_mailbox_update(struct db *db, const struct hk_actor *actor,
		     const char *local_part, const char *domain,
		     const struct mailbox_patch *patch, json_t **out,
		     struct hk_err *err)
{
	struct domain_ref ref;
	json_t *before = NULL;
	int rc;

	*out = NULL;
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	rc = store_domain_ref(db, actor, domain, &ref, err);
	if (rc == 0)
		rc = select_mailbox(db, -1, local_part, domain, &before, err);
	if (rc == 0)
		rc = patch_mailbox(db, actor, &ref, before, patch, out, err);
	json_decref(before);
	if (rc < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_mailbox_delete(struct db *db, const struct hk_actor *actor,
		     const char *local_part, const char *domain,
		     int64_t purge_after_s, json_t **trash, struct hk_err *err)
{
	char addr[MAPSYNTAX_LOCAL_MAX + MAPSYNTAX_DOMAIN_MAX + 2];
	struct db_param p[2] = { DB_TXT(local_part) };
	struct domain_ref ref;
	json_t *before = NULL, *t = NULL;

	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (db_begin(db, 1, err) < 0)
		return -1;
	/* Its mail is on two guests while the domain moves. */
	if (store_domain_ref(db, actor, domain, &ref, err) < 0 ||
	    store_domain_moving(db, &ref, domain, err) < 0 ||
	    select_mailbox(db, -1, local_part, domain, &before, err) < 0 ||
	    store_trash_put(db, &ref, local_part, domain, (int64_t)time(NULL),
			    purge_after_s, &t, err) < 0)
		goto fail;
	p[1] = DB_INTV(ref.id);
	if (db_exec(db, "DELETE FROM mailbox WHERE local_part = $1 AND "
		    "domain_id = $2", p, 2, NULL, err) < 0 ||
	    store_guest_bump_addr(db, &ref, local_part, err) < 0)
		goto fail;
	/* The audit says where the mail went and until when. */
	json_object_set(before, "trash", t);
	/* The audit takes `before`: the address must outlive it. */
	snprintf(addr, sizeof(addr), "%s@%s", local_part, domain);
	if (store_commit_change(db, actor, "mailbox.delete", addr,
				ref.project_id, before, NULL, err) < 0) {
		json_decref(t);
		return -1;
	}
	if (trash != NULL)
		*trash = t;
	else
		json_decref(t);
	return 0;
fail:
	json_decref(t);
	return store_abort(db, before);
}

/* In the write transaction: the mailbox back from the trash, audited. */
static int
restore_locked(struct db *db, const struct hk_actor *actor,
	       const struct domain_ref *ref, const char *local,
	       const char *domain, const json_t *row, struct hk_err *err)
{
	struct mailbox_in in = { local, domain, json_string_value(
		json_object_get(row, "password_hash")), json_string_value(
		json_object_get(row, "name")), json_integer_value(
		json_object_get(row, "quota_bytes")), 1 };
	char addr[MAPSYNTAX_ADDRESS_MAX + 1];

	snprintf(addr, sizeof(addr), "%s@%s", local, domain);
	if (store_mailbox_insert(db, ref, &in, err) < 0)
		return -1;
	return store_audit(db, actor, "mailbox.restore", addr,
			   ref->project_id, json_pack("{s:O, s:O, s:I}",
			   "trash_id", json_object_get(row, "id"),
			   "deleted_at", json_object_get(row, "deleted_at"),
			   "quota_bytes", (json_int_t)in.quota_bytes), err);
}

int
store_mailbox_restore(struct db *db, const struct hk_actor *actor,
		      const char *local, const char *domain, int64_t trash_id,
		      int64_t now, json_t **out, struct hk_err *err)
{
	struct domain_ref ref;
	json_t *row = NULL;
	int rc;

	*out = NULL;
	if (store_operator(actor, err) < 0 || db_begin(db, 1, err) < 0)
		return -1;
	rc = store_domain_ref(db, actor, domain, &ref, err);
	if (rc == 0)
		rc = store_trash_take(db, &ref, local, domain, trash_id, now,
				      &row, err);
	if (rc == 0)
		rc = restore_locked(db, actor, &ref, local, domain, row, err);
	if (rc == 0)
		rc = select_mailbox(db, -1, local, domain, out, err);
	json_decref(row);
	if (rc < 0 || db_commit(db, err) < 0) {
		db_rollback(db);
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * The same statement on both backends, in two forms: with the active
 * filter it walks the (domain_id, active, local_part) index, without it
 * UNIQUE(domain_id, local_part); either way from the cursor on, never
 * OFFSET.  A search matches the local part or the display name (its ASCII
 * lowercased, as the pattern is); an absent search is a NULL $3
 * (PostgreSQL types it only through the CAST).
 */
#define PAGE_SEARCH \
	"AND (CAST($3 AS TEXT) IS NULL OR m.local_part LIKE $3 ESCAPE '\\' " \
	"OR lower(m.name) LIKE $3 ESCAPE '\\') "
#define PAGE_ORDER	"ORDER BY m.local_part LIMIT $4"
#define PAGE_SQL(active_term) MAILBOX_SELECT \
	"WHERE m.domain_id = $1 " active_term "AND m.local_part > $2 " \
	PAGE_SEARCH PAGE_ORDER
#define PAGE_SQL_ANY	PAGE_SQL("")
#define ACTIVE_TERM	"AND m.active = $5 "
#define PAGE_SQL_ACTIVE	PAGE_SQL(ACTIVE_TERM)
/* A search's plans (store_search.c), each with the same LIKE: the scan;
 * the walk, the scan of the next $7 rows alone; and the few candidates
 * (%s) sorted.  The scan and the walk read ids, local parts and names
 * alone, which an index holds (023's mailbox_walk; on PostgreSQL since
 * 025 mailbox's unique key), and the rest of a row only for the page's:
 * read whole and joined, 2,000 rows cost 10 ms, not 0.3 to 2.  The few, too, joins the page's rows alone (on
 * PostgreSQL, joining 1,250 candidates to their domain and usage cost
 * 3 ms).  In the few, the domain, active and cursor terms are
 * expressions (m.domain_id + 0), which no index serves, so that SQLite
 * starts from the candidates rather than from the domain's order. */
#define NARROW_SQL(active_term, window) MAILBOX_SELECT "WHERE m.id IN " \
	"(SELECT m.id FROM (SELECT m.id, m.local_part, m.name FROM mailbox " \
	"m WHERE m.domain_id = $1 " active_term "AND m.local_part > $2 " \
	"ORDER BY m.local_part " window ") m WHERE m.local_part > $2 " \
	PAGE_SEARCH PAGE_ORDER ") " PAGE_ORDER
#define WALK_SQL(active_term)	NARROW_SQL(active_term, "LIMIT $7")
/* The longer walk where a window's rows would all be read and sorted
 * (db.h): the scan up to the key $7 rows on, or to $6 (above every
 * local part) where fewer are left */
#define BOUNDED_SQL(active_term) NARROW_SQL(active_term "AND m.local_part " \
	"<= COALESCE((SELECT m.local_part FROM mailbox m WHERE m.domain_id = " \
	"$1 " active_term "AND m.local_part > $2 ORDER BY m.local_part " \
	"LIMIT 1 OFFSET $7), $6) ", "%s")
#define ABOVE_ALL	"\xf4\x8f\xbf\xbf"	/* U+10FFFF, above ASCII */
/* (the scan's window: the backend's fence, db.h) */
#define SCAN_SQL(active_term)	NARROW_SQL(active_term, "%s")
#define FEW_SQL(active_term) MAILBOX_SELECT "WHERE m.id IN (SELECT m.id " \
	"FROM mailbox m WHERE m.id IN (%s) AND m.domain_id + 0 = $1 " \
	active_term "AND m.local_part || '' > $2 " PAGE_SEARCH PAGE_ORDER \
	") " PAGE_ORDER
#define FEW_ACTIVE	"AND m.active + 0 = $5 "
#define SEARCH_SQL_MAX	(sizeof(BOUNDED_SQL(ACTIVE_TERM)) + \
			 sizeof(FEW_SQL(FEW_ACTIVE)) + 256)
/* Most used first (never reported last), then by local part: after the
 * cursor's (bytes $6, local part $2) when there is one ($5 = 1).  The
 * domain's mailboxes are all read and sorted: a domain holds thousands,
 * not millions, and usage changes with every report. */
#define USED	"COALESCE(u.used_bytes, -1)"
#define USAGE_SQL(active_term) MAILBOX_SELECT \
	"WHERE m.domain_id = $1 " active_term "AND ($5 = 0 OR " USED " < $6 " \
	"OR (" USED " = $6 AND m.local_part > $2)) " PAGE_SEARCH \
	"ORDER BY " USED " DESC, m.local_part LIMIT $4"
#define USAGE_SQL_ANY		USAGE_SQL("")
#define USAGE_SQL_ACTIVE	USAGE_SQL("AND m.active = $7 ")

/* "BYTES:LOCAL_PART" (the API checked it) into bytes and local part. */
static void
usage_cursor(const char *after, int64_t *bytes, const char **local)
{
	const char *colon = after ? strchr(after, ':') : NULL;

	*bytes = colon ? strtoll(after, NULL, 10) : 0;
	*local = colon ? colon + 1 : "";
}

static int
usage_page(struct db *db, const struct page_in *page,
	   const struct page_bind *pb, int64_t domain_id,
	   struct db_text_page *pg, struct strbuf *out, struct hk_err *err)
{
	struct db_param p[7];
	const char *local;
	int64_t bytes;

	usage_cursor(page->after, &bytes, &local);
	p[0] = DB_INTV(domain_id);
	p[1] = DB_TXT(local);
	p[2] = pb->p[1];	/* like */
	p[3] = pb->p[2];	/* limit */
	p[4] = DB_INTV(page->after != NULL ? 1 : 0);
	p[5] = DB_INTV(bytes);
	p[6] = pb->p[3];	/* active */
	pg->key2 = "used_bytes";
	return db_query_text(db, page->active < 0 ? USAGE_SQL_ANY :
			     USAGE_SQL_ACTIVE, p, page->active < 0 ? 6 : 7,
			     pg, out, err);
}

/* A walk (store_search.c) of $7 rows, the longer one if longer: 1 when
 * they held a page and one more (the page is the scan's, in out), else 0
 * with out as it was and *found how many they held. */
static int
walk_page(struct db *db, int active, int longer, struct db_param *p,
	  const struct db_text_page *pg, struct strbuf *out, long *found,
	  struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	struct db_text_page walk = *pg;
	size_t mark = out->len;
	char sql[SEARCH_SQL_MAX];
	int n;

	walk.rows = found;
	if (longer && ix->window_sorted) {
		p[5] = DB_TXT(ABOVE_ALL);
		n = snprintf(sql, sizeof(sql), active ?
			     BOUNDED_SQL(ACTIVE_TERM) : BOUNDED_SQL(""),
			     ix->fence);
	} else
		n = snprintf(sql, sizeof(sql), "%s", active ?
			     WALK_SQL(ACTIVE_TERM) : WALK_SQL(""));
	if (n < 0 || (size_t)n >= sizeof(sql))
		return hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long");
	if (db_query_text(db, sql, p, SEARCH_PARAMS, &walk, out, err) < 0)
		return -1;
	if (pg->next[0] != '\0')
		return 1;
	strbuf_truncate(out, mark);
	return 0;
}

/* A page of the mailboxes holding frag: p holds $1..$5 (domain, after,
 * like, limit, active) and room for $6 and $7. */
static int
search_page(struct db *db, const char *frag, int active, struct db_param *p,
	    const struct db_text_page *pg, struct strbuf *out,
	    struct hk_err *err)
{
	const struct db_search *ix = db_search(db);
	char sql[SEARCH_SQL_MAX];
	struct strbuf ids;
	long found;
	int plan, n, rc;

	if (store_search_walk(frag, p) > 0) {
		if ((rc = walk_page(db, active, 0, p, pg, out, &found,
				    err)) != 0)
			return rc < 0 ? -1 : 0;
		if (store_search_rewalk(found, pg->limit, p) > 0 &&
		    (rc = walk_page(db, active, 1, p, pg, out, &found,
				    err)) != 0)
			return rc < 0 ? -1 : 0;
	}
	strbuf_init(&ids, SEARCH_IDS_MAX);
	if ((plan = store_search_plan(db, 0, frag, p, &ids, err)) < 0) {
		strbuf_free(&ids);
		return -1;
	}
	if (plan == SEARCH_SCAN)
		n = snprintf(sql, sizeof(sql), active ? SCAN_SQL(ACTIVE_TERM) :
			     SCAN_SQL(""), ix->fence);
	else
		n = snprintf(sql, sizeof(sql), active ? FEW_SQL(FEW_ACTIVE) :
			     FEW_SQL(""), ix->ids);
	rc = n < 0 || (size_t)n >= sizeof(sql) ?
	    hk_fail(err, HK_EINTERNAL, NULL, "search: SQL too long") :
	    db_query_text(db, sql, p, SEARCH_PARAMS, pg, out, err);
	strbuf_free(&ids);
	return rc;
}

int
store_mailbox_page(struct db *db, const struct hk_actor *actor,
		   const struct page_in *page, struct strbuf *out,
		   char next_cursor[PAGE_CURSOR_MAX + 1], struct hk_err *err)
{
	static const char *const bools[] = { "active", NULL };
	struct db_text_page pg = { bools, 0, "local_part", next_cursor,
				   PAGE_CURSOR_MAX + 1, NULL, NULL };
	struct page_bind pb;
	struct domain_ref ref;
	struct db_param p[SEARCH_PARAMS];

	next_cursor[0] = '\0';
	if (page == NULL)
		return hk_failr(err, HK_EINVAL, "domain", HK_R_required, NULL);
	if (store_page_bind(page, actor, &pb, err) < 0 ||
	    store_domain_ref(db, actor, page->domain, &ref, err) < 0)
		return -1;
	pg.limit = page->limit;
	if (page->by_usage)
		return usage_page(db, page, &pb, ref.id, &pg, out, err);
	p[0] = DB_INTV(ref.id);
	/* after, like, limit, active */
	memcpy(p + 1, pb.p, 4 * sizeof(pb.p[0]));
	if (page->search != NULL)
		return search_page(db, page->search, page->active >= 0, p, &pg,
				   out, err);
	return db_query_text(db, page->active < 0 ? PAGE_SQL_ANY :
			     PAGE_SQL_ACTIVE, p, page->active < 0 ? 4 : 5,
			     &pg, out, err);
}

int
store_mailbox_list(struct db *db, const struct hk_actor *actor,
		   const struct page_in *page, json_t **items,
		   char next_cursor[PAGE_CURSOR_MAX + 1], struct hk_err *err)
{
	struct strbuf text;
	int rc;

	*items = NULL;
	strbuf_init(&text, 0);
	rc = store_mailbox_page(db, actor, page, &text, next_cursor, err);
	if (rc == 0 && (*items = json_loadb(text.data, text.len, 0,
					     NULL)) == NULL)
		rc = hk_fail(err, HK_EINTERNAL, NULL, "page text");
	strbuf_free(&text);
	return rc;
}

int
store_mailbox_get(struct db *db, const struct hk_actor *actor,
		  const char *local_part, const char *domain, json_t **out,
		  struct hk_err *err)
{
	return select_mailbox(db, actor->is_admin ? -1 : actor->project_id,
			      local_part, domain, out, err);
}
