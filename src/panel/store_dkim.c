/* SPDX-License-Identifier: ISC */
/*
 * store_dkim.c - a domain's DKIM keys (table dkim_key).  See
 * store_dkim.h.
 *
 * A key is made (the slow part, up to seconds for RSA 4096) before the
 * write transaction, so that no writer waits on it; the transaction then
 * picks the selector, seals the key for that row and inserts it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim_key.h"
#include "mapsyntax.h"
#include "store_dkim.h"

/* Suffixes a default selector tries (-2 .. -SUFFIX_MAX) when taken. */
#define SUFFIX_MAX	99
/* "SELECTOR._domainkey.DOMAIN" */
#define RECORD_NAME_MAX	(DKIM_SELECTOR_MAX + 12 + MAPSYNTAX_DOMAIN_MAX)

#define KEY_COLS \
	"k.id, k.selector, k.algorithm, k.bits, k.state, k.public_key, " \
	"k.created_at, k.activated_at, k.retired_at, k.remove_after"

static int
configured(const struct dkim_conf *dc, struct hk_err *err)
{
	if (dc == NULL || dc->key_file[0] == '\0')
		return hk_failr(err, HK_EUNAVAIL, NULL,
				HK_R_dkim_not_configured, NULL);
	return 0;
}

static int
writable(const struct hk_actor *actor, const struct dkim_conf *dc,
	 struct hk_err *err)
{
	if (configured(dc, err) < 0)
		return -1;
	if (actor->read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	return 0;
}

static void
record_name(char *out, size_t size, const char *selector, const char *domain)
{
	snprintf(out, size, "%s._domainkey.%s", selector, domain);
}

/* A row of KEY_COLS (from db_query_json) as the listing shows it: the
 * record's name and value in place of the id and public key. */
static int
shape(json_t *row, const char *domain, struct hk_err *err)
{
	const char *sel = json_string_value(json_object_get(row, "selector"));
	const char *alg = json_string_value(json_object_get(row, "algorithm"));
	const char *pub = json_string_value(json_object_get(row,
							    "public_key"));
	char name[RECORD_NAME_MAX + 1];
	struct strbuf value;
	int rc = -1;

	if (sel == NULL || alg == NULL || pub == NULL)
		return hk_fail(err, HK_EDB, NULL, "dkim_key: a NULL column");
	record_name(name, sizeof(name), sel, domain);
	strbuf_init(&value, 0);
	if (dkim_key_record(alg, pub, &value, err) == 0) {
		rc = json_object_set_new(row, "record_name",
					 json_string(name)) < 0 ||
		     json_object_set_new(row, "record_value",
					 json_string(strbuf_str(&value))) < 0 ?
		     hk_fail(err, HK_ESYS, NULL, "out of memory") : 0;
	}
	strbuf_free(&value);
	json_object_del(row, "public_key");
	json_object_del(row, "id");
	return rc;
}

/* The domain's keys ($2: one selector, or NULL for all) shaped. */
static int
read_keys(struct db *db, const struct domain_ref *ref, const char *domain,
	  const char *selector, json_t **out, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->id),
				 selector ? DB_TXT(selector) : DB_NUL };
	json_t *row;
	size_t i;

	*out = NULL;
	if (db_query_json(db, "SELECT " KEY_COLS " FROM dkim_key k WHERE "
			  "k.domain_id = $1 AND (CAST($2 AS TEXT) IS NULL OR "
			  "k.selector = $2) ORDER BY k.selector", p, 2, out,
			  err) < 0)
		return -1;
	json_array_foreach(*out, i, row)
		if (shape(row, domain, err) < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
	return 0;
}

/* The one key selector of the domain, or HK_ENOTFOUND. */
static int
read_key(struct db *db, const struct domain_ref *ref, const char *domain,
	 const char *selector, json_t **out, struct hk_err *err)
{
	json_t *arr;

	*out = NULL;
	if (read_keys(db, ref, domain, selector, &arr, err) < 0)
		return -1;
	if (json_array_size(arr) == 1)
		*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	if (*out == NULL)
		return hk_failr(err, HK_ENOTFOUND, "selector",
				HK_R_no_such_dkim_key, "domain", domain,
				"selector", selector, NULL);
	return 0;
}

int
store_dkim_list(struct db *db, const struct hk_actor *actor,
		const struct dkim_conf *dc, const char *domain, json_t **out,
		struct hk_err *err)
{
	struct domain_ref ref;

	*out = NULL;
	if (configured(dc, err) < 0 ||
	    store_domain_ref(db, actor, domain, &ref, err) < 0)
		return -1;
	return read_keys(db, &ref, domain, NULL, out, err);
}

/* --- making a key --- */

/* The request's algorithm, bits and selector, checked, with defaults. */
struct new_key {
	const char *algorithm;
	int bits;
	char selector[DKIM_SELECTOR_MAX + 1];	/* "": the default */
};

static int
check_new(const struct dkim_conf *dc, const struct dkim_new *in,
	  struct new_key *nk, struct hk_err *err)
{
	memset(nk, 0, sizeof(*nk));
	nk->algorithm = in->algorithm ? in->algorithm : "rsa";
	if (dkim_key_algorithm_check(nk->algorithm, err) < 0)
		return -1;
	if (in->bits < 0)
		nk->bits = strcmp(nk->algorithm, "rsa") == 0 ?
			   dc->rsa_bits : DKIM_ED25519_BITS;
	else
		nk->bits = in->bits > DKIM_RSA_MAX ? DKIM_RSA_MAX + 1 :
			   (int)in->bits;
	if (dkim_key_bits_check(nk->algorithm, nk->bits, err) < 0)
		return -1;
	if (in->selector != NULL &&
	    dkim_selector_check(in->selector, nk->selector, err) < 0)
		return -1;
	return 0;
}

/* 1 when the domain has the selector, 0 when not, -1 on failure. */
static int
taken(struct db *db, int64_t domain_id, const char *selector,
      struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(domain_id), DB_TXT(selector) };
	int64_t n = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM dkim_key WHERE domain_id "
			 "= $1 AND selector = $2", p, 2, &n, err) < 0)
		return -1;
	return n > 0;
}

/* The selector the key gets: the one asked (refused when taken), or
 * the first free default of today. */
static int
pick_selector(struct db *db, const struct domain_ref *ref, const char *domain,
	      struct new_key *nk, struct hk_err *err)
{
	char base[16], day[16];	/* hkYYYYMMDDr: 11 */
	time_t now = time(NULL);
	struct tm tm;
	int t;

	if (nk->selector[0] != '\0') {
		if ((t = taken(db, ref->id, nk->selector, err)) != 0)
			return t < 0 ? -1 : hk_failr(err, HK_EEXIST,
				"selector", HK_R_dkim_selector_taken,
				"domain", domain, "selector", nk->selector,
				NULL);
		return 0;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y%m%d", &tm) == 0)
		return hk_fail(err, HK_ESYS, NULL, "the date");
	snprintf(base, sizeof(base), "hk%.8s%c", day,
		 strcmp(nk->algorithm, "rsa") == 0 ? 'r' : 'e');
	snprintf(nk->selector, sizeof(nk->selector), "%s", base);
	for (int n = 2; (t = taken(db, ref->id, nk->selector, err)) == 1;
	     n++) {
		if (n > SUFFIX_MAX)
			return hk_failr(err, HK_EEXIST, "selector",
					HK_R_dkim_no_selector, "domain",
					domain, "selector", base, NULL);
		snprintf(nk->selector, sizeof(nk->selector), "%s-%d", base, n);
	}
	return t < 0 ? -1 : 0;
}

/* HK_EEXIST dkim_rotate_none unless the domain has an active key of the
 * algorithm. */
static int
check_rotate(struct db *db, const struct domain_ref *ref, const char *domain,
	     const char *algorithm, struct hk_err *err)
{
	struct db_param p[2] = { DB_INTV(ref->id), DB_TXT(algorithm) };
	int64_t n = 0;

	if (db_query_int(db, "SELECT COUNT(*) FROM dkim_key WHERE domain_id "
			 "= $1 AND algorithm = $2 AND state = 'active'", p, 2,
			 &n, err) < 0)
		return -1;
	if (n == 0)
		return hk_failr(err, HK_EEXIST, "algorithm",
				HK_R_dkim_rotate_none, "domain", domain,
				"algorithm", algorithm, NULL);
	return 0;
}

/* Seals kp for its row and inserts it, pending. */
static int
insert_key(struct db *db, const struct dkim_conf *dc,
	   const struct domain_ref *ref, const char *domain,
	   const struct new_key *nk, const struct dkim_keypair *kp,
	   struct hk_err *err)
{
	struct strbuf sealed;
	struct db_param p[7];
	int rc;

	strbuf_init(&sealed, 0);
	rc = dkim_key_seal(dc->key, domain, nk->selector, kp->pem,
			   kp->pem_len, &sealed, err);
	if (rc == 0) {
		p[0] = DB_INTV(ref->id);
		p[1] = DB_TXT(nk->selector);
		p[2] = DB_TXT(nk->algorithm);
		p[3] = DB_INTV(nk->bits);
		p[4] = DB_TXT(kp->public_b64);
		p[5] = DB_TXT(strbuf_str(&sealed));
		p[6] = DB_INTV((int64_t)time(NULL));
		rc = db_exec(db, "INSERT INTO dkim_key (domain_id, selector, "
			     "algorithm, bits, public_key, private_enc, state, "
			     "created_at) VALUES ($1, $2, $3, $4, $5, $6, "
			     "'pending', $7)", p, 7, NULL, err);
	}
	strbuf_free(&sealed);
	return rc;
}

/* The audit object of a key. */
static void
object_of(char *out, size_t size, const char *domain, const char *selector)
{
	record_name(out, size, selector, domain);
}

static int
create_tx(struct db *db, const struct hk_actor *actor,
	  const struct dkim_conf *dc, const char *domain,
	  const struct dkim_new *in, struct new_key *nk,
	  const struct dkim_keypair *kp, json_t **out, struct hk_err *err)
{
	char object[RECORD_NAME_MAX + 1];
	struct domain_ref ref;

	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, domain, &ref, err) < 0 ||
	    (in->rotate && check_rotate(db, &ref, domain, nk->algorithm,
					err) < 0) ||
	    pick_selector(db, &ref, domain, nk, err) < 0 ||
	    insert_key(db, dc, &ref, domain, nk, kp, err) < 0 ||
	    store_guest_bump(db, &ref, err) < 0 ||
	    read_key(db, &ref, domain, nk->selector, out, err) < 0)
		return store_abort(db, NULL);
	object_of(object, sizeof(object), domain, nk->selector);
	return store_commit_change(db, actor, "dkim.create", object,
				   ref.project_id, NULL, json_incref(*out),
				   err);
}

int
store_dkim_create(struct db *db, const struct hk_actor *actor,
		  const struct dkim_conf *dc, const char *domain,
		  const struct dkim_new *in, json_t **out, struct hk_err *err)
{
	struct dkim_keypair kp;
	struct domain_ref ref;
	struct new_key nk;
	int rc;

	*out = NULL;
	/* everything that needs no key first: a refusal costs no keygen */
	if (writable(actor, dc, err) < 0 || check_new(dc, in, &nk, err) < 0 ||
	    store_domain_ref(db, actor, domain, &ref, err) < 0 ||
	    dkim_key_generate(nk.algorithm, nk.bits, &kp, err) < 0)
		return -1;
	rc = create_tx(db, actor, dc, domain, in, &nk, &kp, out, err);
	dkim_keypair_free(&kp);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* --- activation and deletion --- */

/* Begins the write: the domain and its key selector (*key). */
static int
begin_key(struct db *db, const struct hk_actor *actor, const char *domain,
	  const char *selector, struct domain_ref *ref, json_t **key,
	  struct hk_err *err)
{
	*key = NULL;
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_domain_ref(db, actor, domain, ref, err) < 0 ||
	    read_key(db, ref, domain, selector, key, err) < 0)
		return store_abort(db, NULL);
	return 0;
}

static const char *
key_str(json_t *key, const char *name)
{
	const char *s = json_string_value(json_object_get(key, name));

	return s ? s : "";
}

/* The previous active key of the algorithm retiring, this one active. */
static int
switch_active(struct db *db, const struct dkim_conf *dc,
	      const struct domain_ref *ref, json_t *key, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL);
	struct db_param p[4] = {
		DB_INTV(ref->id), DB_TXT(key_str(key, "algorithm")),
		DB_INTV(now), DB_INTV(now + (int64_t)dc->retire_days * 86400)
	};

	/* the old one first: the index allows one active key */
	if (db_exec(db, "UPDATE dkim_key SET state = 'retiring', retired_at "
		    "= $3, remove_after = $4 WHERE domain_id = $1 AND "
		    "algorithm = $2 AND state = 'active'", p, 4, NULL,
		    err) < 0)
		return -1;
	p[1] = DB_TXT(key_str(key, "selector"));
	return db_exec(db, "UPDATE dkim_key SET state = 'active', "
		       "activated_at = $3 WHERE domain_id = $1 AND selector = "
		       "$2 AND state = 'pending'", p, 3, NULL, err);
}

int
store_dkim_activate(struct db *db, const struct hk_actor *actor,
		    const struct dkim_conf *dc, const char *domain,
		    const char *selector, json_t **out, struct hk_err *err)
{
	char object[RECORD_NAME_MAX + 1];
	struct domain_ref ref;
	json_t *before;

	*out = NULL;
	if (writable(actor, dc, err) < 0 ||
	    begin_key(db, actor, domain, selector, &ref, &before, err) < 0)
		return -1;
	if (strcmp(key_str(before, "state"), "pending") != 0) {
		hk_failr(err, HK_EEXIST, "selector", HK_R_dkim_not_pending,
			 "selector", selector, "state",
			 key_str(before, "state"), NULL);
		return store_abort(db, before);
	}
	if (switch_active(db, dc, &ref, before, err) < 0 ||
	    store_guest_bump(db, &ref, err) < 0 ||
	    read_key(db, &ref, domain, selector, out, err) < 0)
		return store_abort(db, before);
	object_of(object, sizeof(object), domain, selector);
	if (store_commit_change(db, actor, "dkim.activate", object,
				ref.project_id, before, json_incref(*out),
				err) < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_dkim_delete(struct db *db, const struct hk_actor *actor,
		  const struct dkim_conf *dc, const char *domain,
		  const char *selector, struct hk_err *err)
{
	char object[RECORD_NAME_MAX + 1];
	struct domain_ref ref;
	json_t *before;
	struct db_param p[2];

	if (writable(actor, dc, err) < 0 ||
	    begin_key(db, actor, domain, selector, &ref, &before, err) < 0)
		return -1;
	if (strcmp(key_str(before, "state"), "active") == 0) {
		hk_failr(err, HK_EEXIST, "selector", HK_R_dkim_delete_active,
			 "selector", selector, "algorithm",
			 key_str(before, "algorithm"), "domain", domain, NULL);
		return store_abort(db, before);
	}
	p[0] = DB_INTV(ref.id);
	p[1] = DB_TXT(selector);
	if (db_exec(db, "DELETE FROM dkim_key WHERE domain_id = $1 AND "
		    "selector = $2", p, 2, NULL, err) < 0 ||
	    store_guest_bump(db, &ref, err) < 0)
		return store_abort(db, before);
	object_of(object, sizeof(object), domain, selector);
	return store_commit_change(db, actor, "dkim.delete", object,
				   ref.project_id, before, NULL, err);
}

/* --- pushd's read --- */

struct signing_ctx {
	const struct dkim_conf *dc;
	store_dkim_fn fn;
	void *ctx;
};

/* Row: domain, selector, algorithm, state, private_enc */
static int
signing_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct signing_ctx *sc = ctx;
	struct dkim_signing k = { row->vals[0], row->vals[1], row->vals[2],
				  row->vals[3], NULL, 0 };
	char *pem;
	int rc;

	if (dkim_key_open(sc->dc->key, k.domain, k.selector, row->vals[4],
			  &pem, &k.pem_len, err) < 0)
		return -1;
	k.pem = pem;
	rc = sc->fn(sc->ctx, &k, err);
	dkim_key_wipe(pem, k.pem_len);
	return rc;
}

int
store_dkim_signing(struct db *db, const struct dkim_conf *dc,
		   int64_t guest_id, store_dkim_fn fn, void *ctx,
		   struct hk_err *err)
{
	struct signing_ctx sc = { dc, fn, ctx };
	struct db_param p[1] = { DB_INTV(guest_id) };
	int64_t n;

	/* without [dkim] key_file, a guest with no key to open is fine */
	if (dc == NULL || dc->key_file[0] == '\0') {
		if (db_query_int(db, "SELECT COUNT(*) FROM dkim_key k JOIN "
				 "domain d ON d.id = k.domain_id WHERE "
				 "d.guest_id = $1 AND d.active = 1 AND "
				 "k.state IN ('pending', 'active')", p, 1, &n,
				 err) < 0)
			return -1;
		if (n == 0)
			return 0;
	}
	if (configured(dc, err) < 0)
		return -1;
	return db_query(db, "SELECT d.name, k.selector, k.algorithm, k.state, "
			"k.private_enc FROM dkim_key k JOIN domain d ON d.id = "
			"k.domain_id WHERE d.guest_id = $1 AND d.active = 1 "
			"AND k.state IN ('pending', 'active') ORDER BY d.name, "
			"k.selector", p, 1, signing_row, &sc, NULL, err);
}
