/*
 * store_mailbox.c - mailboxes: one local part in one domain, with its own
 * password.  See store.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mapsyntax.h"
#include "store.h"

_Static_assert(PAGE_CURSOR_MAX == MAPSYNTAX_LOCAL_MAX,
	       "a cursor is a local part");

#define MAILBOX_SELECT \
	"SELECT m.local_part || '@' || d.name AS address, m.local_part, " \
	"d.name AS domain, m.name, m.quota_bytes, m.active, m.created_at, " \
	"m.updated_at FROM mailbox m JOIN domain d ON d.id = m.domain_id "

static int
insert_mailbox(struct db *db, const struct domain_ref *ref,
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
		return hk_fail(err, HK_EEXIST, "local_part",
			       "%s@%s is an alias", in->local_part, in->domain);
	if (store_limit_mailbox(db, ref, &quota, err) < 0)
		return -1;
	p[4] = DB_INTV(quota);
	if (db_exec(db, "INSERT INTO mailbox (domain_id, local_part, "
		    "password_hash, name, quota_bytes, active, created_at, "
		    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)", p, 7,
		    NULL, err) < 0)
		return err->code == HK_EEXIST ? hk_fail(err, HK_EEXIST,
		    "local_part", "mailbox %s@%s exists", in->local_part,
		    in->domain) : -1;
	return store_guest_bump(db, ref, err);
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
		return err->code == HK_ENOTFOUND ? hk_fail(err, HK_ENOTFOUND,
		    "address", "no such mailbox") : -1;
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
		return hk_fail(err, HK_EFORBIDDEN, NULL, "read-only key");
	if (db_begin(db, 1, err) < 0)
		return -1;
	*out = NULL;
	if (store_domain_ref(db, actor, in->domain, &ref, err) < 0 ||
	    insert_mailbox(db, &ref, in, err) < 0 ||
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

/*
 * One statement for every filter, so both backends get the same SQL: an
 * absent filter is a parameter that switches its term off ($3 < 0, $4
 * NULL).  The range on local_part and the ORDER BY walk the
 * UNIQUE(domain_id, local_part) index from the cursor; never OFFSET.
 * PostgreSQL types $4 only through the CAST.
 */
#define PAGE_SQL MAILBOX_SELECT \
	"WHERE m.domain_id = $1 AND m.local_part > $2 " \
	"AND ($3 < 0 OR m.active = $3) " \
	"AND (CAST($4 AS TEXT) IS NULL OR m.local_part LIKE $4 ESCAPE '\\') " \
	"ORDER BY m.local_part LIMIT $5"

/* "%frag%" with LIKE's own characters escaped: '_' is legal in a local
 * part and must match only itself. */
static int
like_pattern(const char *frag, char *out, size_t outlen, struct hk_err *err)
{
	size_t o = 0;

	if (strlen(frag) > PAGE_CURSOR_MAX)
		return hk_fail(err, HK_EINVAL, "search", "longer than %d "
			       "octets", PAGE_CURSOR_MAX);
	out[o++] = '%';
	for (const char *s = frag; *s && o + 4 < outlen; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

static int
check_page(const struct page_in *page, struct hk_err *err)
{
	if (page->limit < 1 || page->limit > PAGE_LIMIT_MAX)
		return hk_fail(err, HK_EINVAL, "limit", "must be from 1 to %d",
			       PAGE_LIMIT_MAX);
	if (page->active < -1 || page->active > 1)
		return hk_fail(err, HK_EINVAL, "active", "must be -1, 0 or 1");
	return 0;
}

/* Keeps the first limit items of arr (limit + 1 were asked for); the
 * cursor is the last kept local part when there was one more. */
static void
cut_page(json_t *arr, int limit, char next[PAGE_CURSOR_MAX + 1])
{
	json_t *last;

	next[0] = '\0';
	if (json_array_size(arr) <= (size_t)limit)
		return;
	last = json_array_get(arr, (size_t)limit - 1);
	snprintf(next, PAGE_CURSOR_MAX + 1, "%s",
		 json_string_value(json_object_get(last, "local_part")));
	while (json_array_size(arr) > (size_t)limit)
		json_array_remove(arr, (size_t)limit);
}

int
store_mailbox_list(struct db *db, const struct hk_actor *actor,
		   const struct page_in *page, json_t **items,
		   char next_cursor[PAGE_CURSOR_MAX + 1], struct hk_err *err)
{
	char like[2 * PAGE_CURSOR_MAX + 3];
	struct domain_ref ref;
	struct db_param p[5];

	*items = NULL;
	next_cursor[0] = '\0';
	if (check_page(page, err) < 0 || (page->search != NULL &&
	    like_pattern(page->search, like, sizeof(like), err) < 0) ||
	    store_domain_ref(db, actor, page->domain, &ref, err) < 0)
		return -1;
	p[0] = DB_INTV(ref.id);
	p[1] = DB_TXT(page->after ? page->after : "");
	p[2] = DB_INTV(page->active);
	p[3] = page->search ? DB_TXT(like) : DB_NUL;
	p[4] = DB_INTV(page->limit + 1);	/* one more: is there a next? */
	if (db_query_json(db, PAGE_SQL, p, 5, items, err) < 0) {
		json_decref(*items);
		*items = NULL;
		return -1;
	}
	cut_page(*items, page->limit, next_cursor);
	db_json_bool(*items, "active");
	return 0;
}

int
store_mailbox_get(struct db *db, const struct hk_actor *actor,
		  const char *local_part, const char *domain, json_t **out,
		  struct hk_err *err)
{
	return select_mailbox(db, actor->is_admin ? -1 : actor->project_id,
			      local_part, domain, out, err);
}
