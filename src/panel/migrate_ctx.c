/* SPDX-License-Identifier: ISC */
/*
 * migrate_ctx.c - what the parts of a migration share (migrate_ctx.h):
 * what is said of an item, the counts, the progress, the index of
 * addresses.  Calls none of them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate_ctx.h"

const char *const mig_kind_names[MIG_NKINDS] = {
	"domains", "mailboxes", "aliases", "alias_domains", "forwards",
	"vacations", "admins"
};

void
mig_say(struct mctx *c, const char *table, const char *key, int note,
	const struct hk_err *e)
{
	struct mig_problem *p;

	if (note)
		c->rep->nnotes++;
	else
		c->rep->nproblems++;
	if (c->rep->nkept >= MIG_PROBLEMS_MAX)
		return;
	p = &c->rep->problems[c->rep->nkept++];
	snprintf(p->table, sizeof(p->table), "%s", table);
	snprintf(p->key, sizeof(p->key), "%s", key ? key : "");
	p->note = note;
	p->e = *e;
}

void
mig_sayr(struct mctx *c, const char *table, const char *key, int note,
	 const char *field, enum hk_reason reason, ...)
{
	struct hk_err e;
	va_list ap;

	va_start(ap, reason);
	hk_failr_v(&e, HK_EINVAL, field, reason, ap);
	va_end(ap);
	mig_say(c, table, key, note, &e);
}

void
mig_count_op(struct mig_count *n, int op)
{
	n->added += op == OP_ADD;
	n->updated += op == OP_UPDATE;
	n->unchanged += op == OP_SAME;
	n->skipped += op == OP_SKIP;
}

void
mig_progress(struct mctx *c, const char *phase)
{
	c->done++;
	if (c->o->progress != NULL && (c->done % 1000 == 0 ||
				       c->done == c->total))
		c->o->progress(c->o->progress_ctx, phase, c->done, c->total);
}

/* --- the index of addresses --- */

static uint64_t
key_hash(int32_t dom, const char *local)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uint32_t)dom;

	for (; *local; local++)
		h = (h ^ (unsigned char)*local) * 1099511628211ULL;
	h ^= h >> 29;		/* the low bits pick the slot: mix the high in */
	return h ? h : 1;	/* 0 marks an empty slot */
}

int
mig_dom_index(const struct mctx *c, const char *name)
{
	for (size_t i = 0; i < c->set->n_domains; i++)
		if (strcmp(c->doms[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *
local_of(const struct mctx *c, int kind, uint32_t i, int32_t *dom)
{
	if (kind == IX_MAILBOX) {
		*dom = c->mb[i].dom;
		return c->mb[i].local;
	}
	if (kind == IX_ALIAS) {
		*dom = c->al[i].dom;
		return c->al[i].local;
	}
	*dom = c->olds[i].dom;
	return c->olds[i].local;
}

/* The slot of (dom, local): its own, or the empty one it would take. */
static struct ixslot *
slot_of(const struct mctx *c, int32_t dom, const char *local)
{
	uint64_t h = key_hash(dom, local);
	size_t k = (size_t)h & (c->ixcap - 1);

	for (;; k = (k + 1) & (c->ixcap - 1)) {
		struct ixslot *s = &c->ix[k];
		int32_t d;

		if (s->h == 0)
			return s;
		if (s->h == h &&
		    strcmp(local_of(c, s->kind, s->i, &d), local) == 0 &&
		    d == dom)
			return s;
	}
}

int
mig_ix_add(struct mctx *c, int32_t dom, const char *local, int kind,
	   uint32_t i)
{
	struct ixslot *s;

	if (c->ix == NULL) {
		size_t want = 2 * (c->set->n_mailboxes + c->set->n_aliases +
				   c->nolds) + 16;

		for (c->ixcap = 16; c->ixcap < want; c->ixcap *= 2)
			;
		if ((c->ix = calloc(c->ixcap, sizeof(*c->ix))) == NULL)
			return -1;
	}
	s = slot_of(c, dom, local);
	s->h = key_hash(dom, local);
	s->i = i;
	s->kind = (uint8_t)kind;
	return 0;
}

int
mig_ix_find(const struct mctx *c, int32_t dom, const char *local,
	    uint32_t *i)
{
	const struct ixslot *s;

	if (c->ix == NULL)
		return 0;
	s = slot_of(c, dom, local);
	if (s->h == 0)
		return 0;
	*i = s->i;
	return s->kind;
}

int
mig_dest_dom(const struct mctx *c, const char *domain)
{
	int k = mig_dom_index(c, domain);

	for (size_t i = 0; k < 0 && i < c->set->n_aliasdoms; i++)
		if (c->ad_op[i] != OP_SKIP && c->ad_target[i] >= 0 &&
		    strcasecmp(c->set->aliasdoms[i].name, domain) == 0)
			k = c->ad_target[i];
	return k;
}

