/* SPDX-License-Identifier: ISC */
/*
 * store_me.c - a mailbox user's own mailbox: its scope, and its current
 * password checked as the sign-in checks it.  See store_me.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwhash.h"
#include "store_me.h"

struct me_row {
	int found;
	struct me_scope *me;
	char hash[PWHASH_MAX];
};

static int
take_me(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct me_row *r = ctx;

	(void)err;
	/* local_part, name, project_id, password_hash */
	r->found = 1;
	snprintf(r->me->local, sizeof(r->me->local), "%s", row->vals[0]);
	snprintf(r->me->domain, sizeof(r->me->domain), "%s", row->vals[1]);
	r->me->as_owner.project_id = strtoll(row->vals[2], NULL, 10);
	snprintf(r->hash, sizeof(r->hash), "%s", row->vals[3]);
	return 0;
}

static int
read_me(struct db *db, const struct hk_actor *actor, struct me_scope *me,
	struct me_row *r, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(actor->mailbox_id) };

	memset(me, 0, sizeof(*me));
	memset(r, 0, sizeof(*r));
	r->me = me;
	if (actor->mailbox_id <= 0)
		return hk_failr(err, HK_ENOTFOUND, NULL, HK_R_no_resource,
				NULL);
	if (db_query(db, "SELECT m.local_part, d.name, d.project_id, "
		     "m.password_hash FROM mailbox m JOIN domain d ON d.id = "
		     "m.domain_id WHERE m.id = $1", p, 1, take_me, r, NULL,
		     err) < 0)
		return -1;
	if (!r->found)
		return hk_failr(err, HK_ENOTFOUND, "address",
				HK_R_no_such_mailbox, NULL);
	/* the user's own name, session and rights: a read-only key never
	 * signs in a mailbox user, so read_only stays 0 */
	me->as_owner.session_id = actor->session_id;
	me->as_owner.expires_at = actor->expires_at;
	snprintf(me->as_owner.login, sizeof(me->as_owner.login), "%s",
		 actor->login);
	snprintf(me->as_owner.via, sizeof(me->as_owner.via), "%s",
		 actor->via);
	return 0;
}

int
store_me_scope(struct db *db, const struct hk_actor *actor,
	       struct me_scope *me, struct hk_err *err)
{
	struct me_row r;

	return read_me(db, actor, me, &r, err);
}

int
store_me_verify(struct db *db, const struct session_policy *pol,
		const struct hk_actor *actor, const char *client_addr,
		const char *password, int64_t *retry_after,
		struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL);
	struct login_keys k;
	struct me_scope me;
	struct me_row r;

	*retry_after = 0;
	store_login_keys(actor->login, client_addr, &k);
	if (db_begin(db, 1, err) < 0)
		return -1;
	if (store_login_hold(db, &k, now, retry_after, err) < 0 ||
	    read_me(db, actor, &me, &r, err) < 0) {
		db_rollback(db);
		return -1;
	}
	if (*retry_after > 0) {
		db_rollback(db);
		return hk_failr(err, HK_ETHROTTLED, NULL, HK_R_logins_throttled,
				"seconds", HK_NUM(*retry_after), NULL);
	}
	if (!pwhash_verify(password, r.hash)) {
		if (store_login_failed(db, pol, &k, now, HK_R_wrong_login,
				       err) < 0 && err->code != HK_EAUTH)
			return -1;
		return hk_failr(err, HK_EINVAL, "current_password",
				HK_R_current_password_wrong, NULL);
	}
	/* right: what the hold made is not kept (the failures of this name,
	 * if any, are the sign-in's to forgive) */
	db_rollback(db);
	return 0;
}
