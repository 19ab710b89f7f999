/* SPDX-License-Identifier: ISC */
/*
 * store_dns.c - the records a domain needs, from the database.  See
 * store_dns.h.
 *
 * The rows are read as JSON (db_query_json), which owns their strings
 * until dnsrec_build() has copied what it keeps.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim_key.h"
#include "store_dns.h"

/* What dnsrec_in points into: the rows, and the arrays made from them. */
struct dns_rows {
	json_t *guests, *keys, *aliases;
	struct dnsrec_guest backup;
	struct dnsrec_dkim *dkim;
	struct strbuf *txt;		/* one per key */
	const char **alias_names;
};

static const char *
col(json_t *row, const char *name)
{
	return json_string_value(json_object_get(row, name));
}

/* Guest id's name, mail_host and mail_addrs into g (rows kept in rows). */
static int
read_guest(struct db *db, int64_t id, json_t *rows, struct dnsrec_guest *g,
	   struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(id) };
	json_t *arr = NULL, *row;

	if (db_query_json(db, "SELECT name, mail_host, mail_addrs FROM guest "
			  "WHERE id = $1", p, 1, &arr, err) < 0)
		return -1;
	row = json_array_get(arr, 0);
	if (row == NULL || json_array_append(rows, row) < 0) {
		json_decref(arr);
		return hk_fail(err, HK_EINTERNAL, NULL, "guest %lld not read",
			       (long long)id);
	}
	json_decref(arr);
	g->name = col(row, "name");
	g->mail_host = col(row, "mail_host");
	g->mail_addrs = col(row, "mail_addrs");
	return 0;
}

static enum dnsrec_dkim_state
key_state(const char *state)
{
	if (strcmp(state, "active") == 0)
		return DNSREC_DKIM_ACTIVE;
	if (strcmp(state, "retiring") == 0)
		return DNSREC_DKIM_RETIRING;
	return DNSREC_DKIM_PENDING;
}

/* The domain's keys, each with its TXT value. */
static int
read_keys(struct db *db, int64_t domain_id, struct dns_rows *r,
	  struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(domain_id) };
	size_t i, n;
	json_t *row;

	if (db_query_json(db, "SELECT selector, algorithm, public_key, state, "
			  "remove_after FROM dkim_key WHERE domain_id = $1 "
			  "ORDER BY selector", p, 1, &r->keys, err) < 0)
		return -1;
	n = json_array_size(r->keys);
	r->dkim = calloc(n ? n : 1, sizeof(*r->dkim));
	r->txt = calloc(n ? n : 1, sizeof(*r->txt));
	if (r->dkim == NULL || r->txt == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	json_array_foreach(r->keys, i, row) {
		strbuf_init(&r->txt[i], 4096);
		if (dkim_key_record(col(row, "algorithm"),
				    col(row, "public_key"), &r->txt[i],
				    err) < 0)
			return -1;
		r->dkim[i].selector = col(row, "selector");
		r->dkim[i].txt = strbuf_str(&r->txt[i]);
		r->dkim[i].state = key_state(col(row, "state"));
		r->dkim[i].remove_after = json_integer_value(
			json_object_get(row, "remove_after"));
	}
	return 0;
}

static int
read_aliases(struct db *db, int64_t domain_id, struct dns_rows *r,
	     struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(domain_id) };
	size_t i, n;
	json_t *row;

	if (db_query_json(db, "SELECT name FROM alias_domain WHERE "
			  "target_domain_id = $1 AND active = 1 ORDER BY name",
			  p, 1, &r->aliases, err) < 0)
		return -1;
	n = json_array_size(r->aliases);
	r->alias_names = calloc(n ? n : 1, sizeof(*r->alias_names));
	if (r->alias_names == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	json_array_foreach(r->aliases, i, row)
		r->alias_names[i] = col(row, "name");
	return 0;
}

static void
rows_free(struct dns_rows *r)
{
	for (size_t i = 0; r->txt && i < json_array_size(r->keys); i++)
		strbuf_free(&r->txt[i]);
	free(r->txt);
	free(r->dkim);
	free(r->alias_names);
	json_decref(r->guests);
	json_decref(r->keys);
	json_decref(r->aliases);
}

/* Every row the records need, then the records. */
static int
build(struct db *db, const struct domain_ref *ref, struct dnsrec_in *in,
      struct dnsrec_list *out, struct hk_err *err)
{
	struct dns_rows r = { json_array(), NULL, NULL, { 0 }, NULL, NULL,
			      NULL };
	int rc = -1;

	if (r.guests == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	if (read_guest(db, ref->guest_id, r.guests, &in->primary, err) < 0 ||
	    (ref->backup_guest_id >= 0 &&
	     read_guest(db, ref->backup_guest_id, r.guests, &r.backup,
			err) < 0) ||
	    read_keys(db, ref->id, &r, err) < 0 ||
	    read_aliases(db, ref->id, &r, err) < 0)
		goto done;
	in->backup = ref->backup_guest_id >= 0 ? &r.backup : NULL;
	in->dkim = r.dkim;
	in->ndkim = json_array_size(r.keys);
	in->aliases = r.alias_names;
	in->naliases = json_array_size(r.aliases);
	rc = dnsrec_build(in, out, err);
done:
	rows_free(&r);
	return rc;
}

int
store_dns_records(struct db *db, const struct hk_actor *actor,
		  const struct dns_conf *conf, const char *domain,
		  int64_t now, struct dnsrec_list *out, struct hk_err *err)
{
	struct dnsrec_in in = { domain, { NULL, NULL, NULL }, NULL, NULL, 0,
				NULL, 0, conf, now };
	struct domain_ref ref;
	int rc;

	memset(out, 0, sizeof(*out));
	if (db_begin(db, 0, err) < 0)
		return -1;
	rc = store_domain_ref(db, actor, domain, &ref, err);
	if (rc == 0)
		rc = build(db, &ref, &in, out, err);
	db_rollback(db);	/* read-only: nothing to commit */
	return rc;
}

int
store_dns_check_record(struct db *db, const struct hk_actor *actor,
		       const struct dns_conf *conf, const char *domain,
		       const char *name, enum dnsrec_purpose purpose,
		       enum dnscheck_status *status, char *found, size_t size,
		       struct hk_err *err)
{
	struct dnscheck_result res = { DNSCHECK_UNCHECKED, NULL };
	struct dnsrec_list list, one = { NULL, 1, 1 };
	int rc;

	found[0] = '\0';
	if (store_dns_records(db, actor, conf, domain, (int64_t)time(NULL),
			      &list, err) < 0)
		return -1;
	for (size_t i = 0; i < list.n && one.v == NULL; i++)
		if (list.v[i].purpose == purpose &&
		    strcmp(list.v[i].name, name) == 0)
			one.v = &list.v[i];
	if (one.v == NULL)
		rc = hk_fail(err, HK_EINTERNAL, NULL, "%s is not a record of %s",
			     name, domain);
	else
		rc = dnscheck_run(conf, &one, &res, err);
	if (rc == 0) {
		*status = res.status;
		snprintf(found, size, "%s", res.found ? res.found : "");
		dnscheck_free(&res, 1);
	}
	dnsrec_list_free(&list);
	return rc;
}

int
store_dns_dkim_seen(struct db *db, const struct hk_actor *actor,
		    const struct dns_conf *conf, const char *domain,
		    const char *selector, struct hk_err *err)
{
	char name[DNSREC_NAME_MAX + 1], found[200], said[208];
	enum dnscheck_status status;

	snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
	if (store_dns_check_record(db, actor, conf, domain, name,
				   DNSREC_P_DKIM, &status, found,
				   sizeof(found), err) < 0)
		return -1;
	if (status == DNSCHECK_MATCH)
		return 0;
	snprintf(said, sizeof(said), "%s%s", found[0] ? ": " : "", found);
	return hk_failr(err, HK_EEXIST, "confirm", HK_R_dkim_not_published,
			"name", name, "status", dnscheck_status_name(status),
			"found", said, NULL);
}

/* One record as the API shows it. */
static json_t *
record_json(const struct dnsrec *r, const struct dnscheck_result *res)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}",
			      "domain", r->domain, "name", r->name,
			      "type", r->type == DNSREC_MX ? "MX" : "TXT",
			      "purpose", dnsrec_purpose_name(r->purpose),
			      "action", dnsrec_action_name(r->action),
			      "value", r->value,
			      "note", r->note[0] ? r->note : NULL);
	int bad = o == NULL;

	if (!bad && r->value == NULL)
		bad = json_object_set_new(o, "value", json_null()) < 0;
	if (!bad && r->type == DNSREC_MX)
		bad = json_object_set_new(o, "preference",
					  json_integer(r->pref)) < 0;
	if (!bad && r->action == DNSREC_KEEP)
		bad = json_object_set_new(o, "keep_until",
					  json_integer(r->until)) < 0;
	if (!bad && res != NULL)
		bad = json_object_set_new(o, "status", json_string(
			dnscheck_status_name(res->status))) < 0 ||
		    (res->found != NULL &&
		     json_object_set_new(o, "found",
					 json_string(res->found)) < 0);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
store_dns_json(const char *domain, const struct dnsrec_list *list,
	       const struct dnscheck_result *results)
{
	json_t *records = json_array(), *o = NULL;
	struct strbuf zone;
	struct hk_err err;

	strbuf_init(&zone, (size_t)1 << 20);
	for (size_t i = 0; records != NULL && i < list->n; i++)
		if (json_array_append_new(records, record_json(&list->v[i],
				results ? &results[i] : NULL)) < 0) {
			json_decref(records);
			records = NULL;
		}
	if (records != NULL && dnsrec_zone_text(list, &zone, &err) == 0)
		o = json_pack("{s:s, s:o, s:s}", "domain", domain, "records",
			      records, "zone", strbuf_str(&zone));
	else
		json_decref(records);
	strbuf_free(&zone);
	return o;
}
