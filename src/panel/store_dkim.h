/* SPDX-License-Identifier: ISC */
/*
 * store_dkim.h - a domain's DKIM keys in the database (store_dkim.c,
 * table dkim_key; the keys themselves: dkim_key.h).  The store's
 * conventions (scoping by the actor, errors, transactions) are store.h's.
 *
 * A key is made 'pending': its record is to be published and the guest
 * gets the key, but does not sign with it yet.  Activating it (once the
 * operator or owner confirms the record is seen in DNS) makes it the
 * domain's 'active' key of its algorithm; the one active before becomes
 * 'retiring' (retired_at now, remove_after now + [dkim] retire_days),
 * its record to stay published until then.  A rotation is a new key
 * made while one is active, then activated.
 *
 * Scope: an operator reaches every domain, an owner its project's; any
 * other domain is HK_ENOTFOUND (domain, no_such_domain), exactly like
 * one that does not exist.  Writes refuse a read-only key
 * (HK_EFORBIDDEN); each is one transaction that bumps the domain's
 * guest(s) and is audited (dkim.create, dkim.activate, dkim.delete; the
 * object "SELECTOR._domainkey.DOMAIN", the detail the key as listed).
 * Nothing here ever answers or audits a private key.
 *
 * Every call first needs [dkim] key_file (dc->key_file not ""): without
 * it, HK_EUNAVAIL dkim_not_configured and nothing is read or written.
 *
 * DOMAIN is canonical (validate_domain).
 */
#ifndef HK_STORE_DKIM_H
#define HK_STORE_DKIM_H

#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "store.h"

struct dkim_new {
	const char *algorithm;	/* "rsa" or "ed25519"; NULL: "rsa" */
	int64_t bits;		/* < 0: RSA dc->rsa_bits, Ed25519 256 */
	const char *selector;	/* any case; NULL: "hk" + today's UTC date
				 * YYYYMMDD + "r" (RSA) or "e" (Ed25519),
				 * with -2, -3 ... when taken */
	int rotate;		/* refused (dkim_rotate_none) unless the
				 * domain has an active key of the
				 * algorithm */
};

/* A new pending key; *out gets it as the listing shows it.  Refused
 * (nothing written): algorithm, bits and selector as dkim_key.h checks
 * them (fields algorithm, bits, selector), a selector the domain has
 * (HK_EEXIST dkim_selector_taken). */
int store_dkim_create(struct db *db, const struct hk_actor *actor,
		      const struct dkim_conf *dc, const char *domain,
		      const struct dkim_new *in, json_t **out,
		      struct hk_err *err);

/* The domain's keys by selector: [{"selector", "algorithm", "bits",
 * "state", "record_name" ("SELECTOR._domainkey.DOMAIN"), "record_value"
 * ("v=DKIM1; k=...; p=..."), "created_at", "activated_at",
 * "retired_at", "remove_after" (null: not yet)}]. */
int store_dkim_list(struct db *db, const struct hk_actor *actor,
		    const struct dkim_conf *dc, const char *domain,
		    json_t **out, struct hk_err *err);

/* Activates the pending key selector (HK_ENOTFOUND no_such_dkim_key,
 * HK_EEXIST dkim_not_pending); *out gets it. */
int store_dkim_activate(struct db *db, const struct hk_actor *actor,
			const struct dkim_conf *dc, const char *domain,
			const char *selector, json_t **out,
			struct hk_err *err);

/* Deletes a pending or retiring key; the active one is refused
 * (HK_EEXIST dkim_delete_active): activate another first. */
int store_dkim_delete(struct db *db, const struct hk_actor *actor,
		      const struct dkim_conf *dc, const char *domain,
		      const char *selector, struct hk_err *err);

/* --- pushd's side --- */
struct dkim_signing {
	const char *domain, *selector, *algorithm;
	const char *state;	/* "pending" or "active" */
	const char *pem;	/* the PKCS#8 PEM private key, wiped after
				 * the call */
	size_t pem_len;
};
/* Return 0 to go on, -1 to stop with err set. */
typedef int (*store_dkim_fn)(void *ctx, const struct dkim_signing *k,
			     struct hk_err *err);
/* Every pending and active key of the active domains guest_id serves
 * (not those it is the backup MX of), by domain and selector, opened.
 * A key that does not open (another key_file, an altered row) fails the
 * whole read (HK_EPROTO naming it): a guest never gets part of a set.
 * Without [dkim] key_file (dc NULL or "") a guest with no such key reads
 * none; one with keys, dkim_not_configured. */
int store_dkim_signing(struct db *db, const struct dkim_conf *dc,
		       int64_t guest_id, store_dkim_fn fn, void *ctx,
		       struct hk_err *err);

#endif
