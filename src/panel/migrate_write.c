/* SPDX-License-Identifier: ISC */
/*
 * migrate_write.c - a judged migration written, in the caller's one
 * transaction: domains first (their ids are the rest's), then mailboxes
 * (new ones in batches), aliases, alias domains, forwarding and vacation
 * replies, owner accounts; one audit entry and one bump per guest
 * touched.  Items judged OP_SAME or OP_SKIP are not touched.  See
 * migrate.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migrate_ctx.h"
#include "store_migrate.h"

#define GUESTS_MAX	4096

struct guests {
	int64_t id[GUESTS_MAX];
	size_t n;
};

static void
add_guest(struct guests *g, int64_t id)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->id[i] == id)
			return;
	if (id >= 0 && g->n < GUESTS_MAX)
		g->id[g->n++] = id;
}

static int
write_domains(struct mctx *c, struct guests *g, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_domains; i++) {
		const struct mig_domain *d = &c->set->domains[i];
		struct mdom *m = &c->doms[i];
		struct migrate_domain_row row = {
			.name = m->name, .project_id = c->project_id,
			.guest_id = m->guest_id,
			.backup_guest_id = m->backup_id,
			.active = d->active,
			.max_mailboxes = m->over ? 0 : d->max_mailboxes,
			.default_quota = d->default_quota };

		if (m->bad)
			continue;
		if (store_migrate_domain_put(c->db, &row, c->set->source,
					     &m->ref, err) < 0)
			return -1;
		add_guest(g, m->ref.guest_id);
		add_guest(g, m->ref.backup_guest_id);
	}
	return 0;
}

static int
write_mailbox(struct mctx *c, size_t i, struct import_batch *batch,
	      struct hk_err *err)
{
	const struct mig_mailbox *m = &c->set->mailboxes[i];
	const struct mbox *b = &c->mb[i];
	const struct domain_ref *ref = &c->doms[b->dom].ref;
	struct mailbox_in in = { .local_part = b->local,
				 .domain = c->doms[b->dom].name,
				 .password_hash = c->carried[i],
				 .name = m->name ? m->name : "",
				 .quota_bytes = m->quota,
				 .active = m->active != 0 };
	struct mailbox_patch pt = { .name = in.name, .quota_bytes = m->quota,
				    .active = in.active, .keep_session = -1 };

	if (b->op == OP_ADD)
		return store_import_batch_add(c->db, batch, ref, &in, err);
	if (b->op != OP_UPDATE)
		return 0;
	/* a new password ends the mailbox user's sessions: only if new */
	if (strcmp(c->olds[b->old].hash, c->carried[i]) != 0)
		pt.password_hash = c->carried[i];
	return store_mailbox_write_patch(c->db, ref, b->local, &pt, err);
}

static int
write_mailboxes(struct mctx *c, struct hk_err *err)
{
	struct import_batch *batch = calloc(1, sizeof(*batch));
	int rc = 0;

	if (batch == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; i < c->set->n_mailboxes && rc == 0; i++) {
		rc = write_mailbox(c, i, batch, err);
		mig_progress(c, "write");
	}
	if (rc == 0)
		rc = store_import_batch_flush(c->db, batch, err);
	free(batch);
	return rc;
}

static int
write_aliases(struct mctx *c, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_aliases; i++) {
		const struct alias *l = &c->al[i];

		mig_progress(c, "write");
		if ((l->op == OP_ADD || l->op == OP_UPDATE) &&
		    store_import_alias_put(c->db, &c->doms[l->dom].ref,
					   l->local, l->dests,
					   c->set->aliases[i].active != 0,
					   l->op == OP_UPDATE, err) < 0)
			return -1;
	}
	return 0;
}

static int
write_aliasdoms(struct mctx *c, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_aliasdoms; i++) {
		const struct mig_aliasdom *a = &c->set->aliasdoms[i];
		int64_t target = c->ad_target[i] >= 0 ?
		    c->doms[c->ad_target[i]].ref.id : c->ad_target_id[i];

		if ((c->ad_op[i] == OP_ADD || c->ad_op[i] == OP_UPDATE) &&
		    store_migrate_aliasdom_put(c->db, c->project_id, a->name,
					       target, a->active != 0,
					       err) < 0)
			return -1;
	}
	return 0;
}

/* Forwarding and vacation replies, each mailbox's in one row. */
static int
write_sieve(struct mctx *c, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_mailboxes; i++) {
		const struct mbox *b = &c->mb[i];
		const struct mig_vacation *v = b->vac >= 0 ?
		    &c->set->vacations[b->vac] : NULL;
		struct migrate_sieve_row row = { .forward = b->forward,
						 .keep = b->keep };

		if (b->op == OP_SKIP || (b->sieve_op != OP_ADD &&
					     b->sieve_op != OP_UPDATE))
			continue;
		if (v != NULL) {
			row.subject = v->subject;
			row.text = v->text;
			row.start = v->start;
			row.end = v->end;
			row.days = v->days;
		}
		if (store_migrate_sieve_put(c->db, c->doms[b->dom].ref.id,
					    b->local, &row, err) < 0)
			return -1;
	}
	return 0;
}

static int
write_admins(struct mctx *c, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_admins; i++)
		if ((c->adm_op[i] == OP_ADD || c->adm_op[i] == OP_UPDATE) &&
		    store_migrate_account_put(c->db, c->adm_login[i],
					      c->project_id, c->adm_hash[i],
					      !c->set->admins[i].active,
					      c->adm_op[i] == OP_UPDATE,
					      err) < 0)
			return -1;
	return 0;
}

static int
audit(struct mctx *c, struct hk_err *err)
{
	json_t *counts = json_object();

	for (int k = 0; counts != NULL && k < MIG_NKINDS; k++) {
		const struct mig_count *n = &c->rep->count[k];

		json_object_set_new(counts, mig_kind_names[k],
				    json_pack("{s:I,s:I,s:I,s:I}", "added",
				    (json_int_t)n->added, "updated",
				    (json_int_t)n->updated, "unchanged",
				    (json_int_t)n->unchanged, "skipped",
				    (json_int_t)n->skipped));
	}
	return store_audit(c->db, c->actor, "migrate", c->o->project,
			   c->project_id, json_pack("{s:s,s:s,s:o*}", "source",
			   c->set->source, "from", c->set->from ?
			   c->set->from : "", "counts", counts), err);
}

int
mig_write(struct mctx *c, struct hk_err *err)
{
	struct guests *g = calloc(1, sizeof(*g));
	int rc = -1;

	if (g == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	c->done = 0;
	c->total = c->set->n_mailboxes + c->set->n_aliases;
	if (write_domains(c, g, err) == 0 && write_mailboxes(c, err) == 0 &&
	    write_aliases(c, err) == 0 && write_aliasdoms(c, err) == 0 &&
	    write_sieve(c, err) == 0 && write_admins(c, err) == 0 &&
	    audit(c, err) == 0)
		rc = store_guest_bump_ids(c->db, g->id, g->n, err);
	free(g);
	return rc;
}
