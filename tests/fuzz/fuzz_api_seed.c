/* SPDX-License-Identifier: ISC */
/*
 * fuzz_api_seed.c - fuzz_api's fixture, made through the store as the
 * CLI makes it (see fuzz_api.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_api.h"
#include "fuzz_common.h"
#include "pwhash.h"
#include "store_dkim.h"

/* Projects lab (the owner's) and other; their guests and domains. */
static void
seed_places(const struct hk_actor *op)
{
	static const char *const guests[][3] = {	/* name project host */
		{ "g1", "lab", "127.0.0.1" },
		{ "g2", "other", "127.0.0.2" },
		{ "g3", "lab", "127.0.0.3" },		/* a backup MX */
	};
	struct hk_err err;
	json_t *obj = NULL;

	must(store_project_add(fzdb.db, op, "lab", NULL, &err), &err, "lab");
	must(store_project_add(fzdb.db, op, "other", NULL, &err), &err,
	     "other");
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		struct guest_in g = { guests[i][0], guests[i][1],
			guests[i][2], "root",
			"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22,
			NULL, NULL };

		must(store_guest_add(fzdb.db, op, &g, &obj, &err), &err,
		     guests[i][0]);
		json_decref(obj);
	}
	must(store_domain_add(fzdb.db, op, "pc1.example", "g1", &obj, &err),
	     &err, "pc1.example");
	json_decref(obj);
	must(store_domain_add(fzdb.db, op, "pc2.example", "g2", &obj, &err),
	     &err, "pc2.example");
	json_decref(obj);
}

/* Mailboxes matsui@pc1, tanaka@pc2 and huge@pc2, the alias info@pc1,
 * the alias domain al1.example.  Project other's quotas add up past
 * INT64_MAX, as they may while it has no storage limit: every sum over
 * them is taken at the edge. */
static void
seed_mail(const struct hk_actor *op)
{
	static const struct { const char *local, *domain; int64_t quota; }
	mailboxes[] = {
		{ "matsui", "pc1.example", -1 },
		{ "tanaka", "pc2.example", 1 },
		{ "huge", "pc2.example", INT64_MAX },
	};
	struct alias_in al = { "info", "pc1.example", "matsui@pc1.example",
			       1 };
	char hash[PWHASH_MAX];
	struct hk_err err;
	json_t *obj = NULL;

	must(pwhash_make("long-enough-1", hash, &err), &err, "hash");
	for (size_t i = 0; i < sizeof(mailboxes) / sizeof(mailboxes[0]);
	     i++) {
		struct mailbox_in mb = { mailboxes[i].local,
			mailboxes[i].domain, hash, "Name",
			mailboxes[i].quota, 1 };

		must(store_mailbox_add(fzdb.db, op, &mb, &obj, &err), &err,
		     mailboxes[i].local);
		json_decref(obj);
	}
	must(store_alias_add(fzdb.db, op, &al, &obj, &err), &err, "info");
	json_decref(obj);
	must(store_aliasdomain_add(fzdb.db, op, "al1.example", "pc1.example",
				   &obj, &err), &err, "al1.example");
	json_decref(obj);
}

static void
seed_keys(const struct hk_actor *op, struct fz_api_keys *k)
{
	struct account_in admin = { "admin1", "admin", NULL, NULL, 0 };
	struct account_in owner = { "owner1", "owner", "lab", NULL, 0 };
	struct hk_err err;
	json_t *obj = NULL;

	must(store_account_add(fzdb.db, op, &admin, &obj, &err), &err,
	     "admin1");
	json_decref(obj);
	must(store_account_add(fzdb.db, op, &owner, &obj, &err), &err,
	     "owner1");
	json_decref(obj);
	must(store_apikey_create(fzdb.db, op, "admin1", 0, 0, k->admin,
				 sizeof(k->admin), &err), &err, "admin key");
	must(store_apikey_create(fzdb.db, op, "admin1", 1, 0, k->readonly,
				 sizeof(k->readonly), &err), &err, "ro key");
	must(store_apikey_create(fzdb.db, op, "owner1", 0, 0, k->owner,
				 sizeof(k->owner), &err), &err, "owner key");
	must(store_project_id(fzdb.db, "lab", &k->owner_project, &err), &err,
	     "lab's id");
}

/* pc1.example's DKIM keys "act" (active) and "pend" (pending), made with
 * the [dkim] every request has (RSA 1024 by default: keygen is the
 * slowest part of a request). */
static void
seed_dkim(const struct hk_actor *op, struct dkim_conf *dc)
{
	struct dkim_new in = { "ed25519", -1, "act", 0 };
	struct hk_err err;
	json_t *obj = NULL;

	snprintf(dc->key_file, sizeof(dc->key_file),
		 "/nonexistent/dkim.key");
	memset(dc->key, 0x3c, sizeof(dc->key));
	dc->rsa_bits = 1024;
	must(store_dkim_create(fzdb.db, op, dc, "pc1.example", &in,
			       &obj, &err), &err, "dkim act");
	json_decref(obj);
	must(store_dkim_activate(fzdb.db, op, dc, "pc1.example",
				 "act", &obj, &err), &err, "dkim activate");
	json_decref(obj);
	in.selector = "pend";
	must(store_dkim_create(fzdb.db, op, dc, "pc1.example", &in,
			       &obj, &err), &err, "dkim pend");
	json_decref(obj);
}

void
fz_api_seed(const struct hk_actor *op, struct dkim_conf *dc,
	    struct fz_api_keys *k)
{
	seed_places(op);
	seed_mail(op);
	seed_keys(op, k);
	seed_dkim(op, dc);
}
