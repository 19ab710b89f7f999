/* SPDX-License-Identifier: ISC */
/*
 * migrate_addr.c - a migration's mailboxes and aliases judged: each
 * address as hakomail would hold it (and refused where that would change
 * it), each hash carried, the index of every address (the set's and, for
 * a re-run, what the migration's domains hold now), then what becomes of
 * each: added, updated, the same, or skipped for a problem.  A mailbox's
 * own alias becomes its forwarding.  See migrate.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate_ctx.h"
#include "pwhash.h"
#include "store.h"
#include "strbuf.h"
#include "validate.h"

/* The part of address before its last '@', validated into local. */
static int
validate_address_local(const char *address, char local[MAPSYNTAX_LOCAL_MAX + 1],
		       struct hk_err *e)
{
	const char *at = strrchr(address, '@');
	char buf[MAPSYNTAX_ADDRESS_MAX + 2];

	if (at == NULL || at == address || at[1] == '\0' ||
	    (size_t)(at - address) >= sizeof(buf))
		return hk_failr(e, HK_EINVAL, "address", HK_R_address_form,
				NULL);
	snprintf(buf, sizeof(buf), "%.*s", (int)(at - address), address);
	return validate_localpart(buf, "address", local, e);
}

/* raw validated into domain, the last one's answer kept: the addresses of
 * a domain come together, and IDNA's checks cost more than the rest. */
static int
domain_of(struct mctx *c, const char *raw, char domain[MAPSYNTAX_DOMAIN_MAX + 1],
	  struct hk_err *e)
{
	if (c->last_raw[0] != '\0' && strcmp(raw, c->last_raw) == 0) {
		memcpy(domain, c->last_domain, sizeof(c->last_domain));
		return 0;
	}
	if (validate_domain(raw, "address", domain, e) < 0)
		return -1;
	if (strlen(raw) < sizeof(c->last_raw)) {
		memcpy(c->last_raw, raw, strlen(raw) + 1);
		memcpy(c->last_domain, domain, sizeof(c->last_domain));
	}
	return 0;
}

/* local@domain (local "" for "@domain") canonical, or a problem said of
 * table/key (unless quiet: another's problem says it); *dom the set's
 * domain, -1 (and a problem) for none. */
static int
canon_address(struct mctx *c, const char *table, const char *address,
	      char local[MAPSYNTAX_LOCAL_MAX + 1], int32_t *dom, int quiet)
{
	char domain[MAPSYNTAX_DOMAIN_MAX + 1], shown[MAPSYNTAX_ADDRESS_MAX + 2];
	struct hk_err e;
	int rc;

	*dom = -1;
	if (address[0] == '@') {
		local[0] = '\0';
		rc = domain_of(c, address + 1, domain, &e);
	} else if ((rc = validate_address_local(address, local, &e)) == 0)
		rc = domain_of(c, strrchr(address, '@') + 1, domain, &e);
	if (rc < 0) {
		if (!quiet)
			mig_say(c, table, address, 0, &e);
		return -1;
	}
	/* the local part as it is there (its domain's case or IDNA form
	 * changes nothing: domains match whatever the case) */
	snprintf(shown, sizeof(shown), "%s@%s", local, domain);
	if (strncmp(address, local, strlen(local)) != 0 ||
	    address[strlen(local)] != '@') {
		if (!quiet)
			mig_sayr(c, table, address, 0, "address",
			 HK_R_migrate_not_canonical, "address", shown, NULL);
		return -1;
	}
	if ((*dom = mig_dom_index(c, domain)) >= 0)
		return c->doms[*dom].bad ? -1 : 0;	/* (said of it) */
	if (quiet)
		return -1;
	if (mig_dest_dom(c, domain) >= 0)
		mig_sayr(c, table, address, 1, "address",
			 HK_R_migrate_in_aliasdom, "domain", domain, NULL);
	else
		mig_sayr(c, table, address, 0, "domain", HK_R_no_domain,
			 "domain", domain, NULL);
	return -1;
}

/* Every old address of the migration's domains, into the index first:
 * the set's own replace them there, keeping a link to them. */
static int
index_olds(struct mctx *c)
{
	for (size_t i = 0; i < c->nolds; i++)
		if (mig_ix_add(c, c->olds[i].dom, c->olds[i].local, IX_OLD,
			       (uint32_t)i) < 0)
			return -1;
	return 0;
}

/* Item i of kind into the index: 0, with *old its old one (-1: none);
 * IX_MAILBOX or IX_ALIAS when the address is the set's already (*first
 * that item); -1 when out of memory. */
static int
index_item(struct mctx *c, int32_t dom, const char *local, int kind,
	   uint32_t i, int32_t *old, uint32_t *first)
{
	int found = mig_ix_find(c, dom, local, first);

	*old = found == IX_OLD ? (int32_t)*first : -1;
	if (found == IX_MAILBOX || found == IX_ALIAS)
		return found;
	return mig_ix_add(c, dom, local, kind, i);
}

/* Mailbox i's hash as Dovecot will verify it, or NULL (a problem said). */
static const char *
carry(struct mctx *c, size_t i)
{
	const struct mig_mailbox *m = &c->set->mailboxes[i];
	char hash[PWHASH_MAX];
	struct hk_err e;

	if (c->carried[i] != NULL)
		return c->carried[i];
	if (pwhash_carry(m->hash, c->set->cleartext, "password", hash,
			 &e) < 0) {
		mig_say(c, "mailbox", m->address, 0, &e);
		return NULL;
	}
	if ((c->carried[i] = mig_str(c->set, hash)) == NULL) {
		hk_fail(&e, HK_ESYS, NULL, "out of memory");
		mig_say(c, "mailbox", m->address, 0, &e);
	}
	return c->carried[i];
}

/* What becomes of a good mailbox next to what hakomail holds. */
static int
mailbox_op(struct mctx *c, size_t i)
{
	const struct mig_mailbox *m = &c->set->mailboxes[i];
	const struct old *o;
	const char *plain;

	if (c->mb[i].old < 0)
		return OP_ADD;
	o = &c->olds[c->mb[i].old];
	if (!o->mailbox) {
		mig_sayr(c, "mailbox", m->address, 0, "address",
			 HK_R_address_is_alias, "local", o->local, "domain",
			 c->doms[o->dom].name, NULL);
		return OP_SKIP;
	}
	/* clear text is hashed anew each time: the same if it verifies */
	plain = pwhash_cleartext(m->hash, c->set->cleartext);
	if (plain != NULL && pwhash_verify(plain, o->hash))
		c->carried[i] = o->hash;
	if (strcmp(c->carried[i], o->hash) == 0 &&
	    strcmp(m->name ? m->name : "", o->name) == 0 &&
	    m->quota == o->quota && (m->active != 0) == (o->active != 0))
		return OP_SAME;
	return OP_UPDATE;
}

static int
judge_mailbox(struct mctx *c, size_t i)
{
	const struct mig_mailbox *m = &c->set->mailboxes[i];
	struct mbox *b = &c->mb[i];
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	uint32_t first;
	struct hk_err e;
	int rc;

	b->op = OP_SKIP;
	b->sieve_op = OP_SAME;	/* nothing to write unless judged so */
	b->vac = -1;
	b->old = -1;
	c->rep->count[MIG_MAILBOXES].seen++;
	mig_progress(c, "check");
	if (canon_address(c, "mailbox", m->address, local, &b->dom, 0) < 0 ||
	    local[0] == '\0')
		return 0;
	if ((b->local = mig_str(c->set, local)) == NULL)
		return -1;
	rc = index_item(c, b->dom, local, IX_MAILBOX, (uint32_t)i, &b->old,
			&first);
	if (rc != 0) {
		if (rc > 0)
			mig_sayr(c, "mailbox", m->address, 0, "address",
				 HK_R_migrate_duplicate, "address",
				 c->set->mailboxes[first].address, NULL);
		return rc < 0 ? -1 : 0;
	}
	if (carry(c, i) == NULL)
		return 0;
	if (m->name != NULL &&
	    validate_display_name(m->name, "name", &e) < 0) {
		mig_say(c, "mailbox", m->address, 0, &e);
		return 0;
	}
	b->op = (int8_t)mailbox_op(c, i);
	return 0;
}

int
mig_judge_mailboxes(struct mctx *c, struct hk_err *err)
{
	if (index_olds(c) < 0)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; i < c->set->n_mailboxes; i++) {
		if (judge_mailbox(c, i) < 0)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		mig_count_op(&c->rep->count[MIG_MAILBOXES], c->mb[i].op);
	}
	return 0;
}

/* --- aliases --- */

/* 1 when mail to local@domain (canonical) is delivered somewhere after
 * the migration: a good mailbox or alias of the set, one hakomail keeps,
 * a catch-all, or a domain that is none of the project's; else 0. */
static int
dest_ok(struct mctx *c, const char *local, const char *domain,
	struct hk_err *err)
{
	int k = mig_dest_dom(c, domain), kind;
	int64_t id;
	uint32_t i;

	if (k >= 0) {
		if (c->doms[k].bad)
			return 0;
		for (const char *l = local;; l = "") {
			kind = mig_ix_find(c, k, l, &i);
			if (kind == IX_OLD ||
			    (kind == IX_MAILBOX && c->mb[i].op != OP_SKIP) ||
			    (kind == IX_ALIAS && c->al[i].op != OP_SKIP))
				return 1;
			if (*l == '\0')
				return 0;
		}
	}
	if (store_alias_dest_domain(c->db, c->project_id, domain, &id,
				    err) < 0)
		return -1;
	if (id < 0)
		return 1;	/* elsewhere: taken as given */
	if ((kind = store_alias_dest_named(c->db, id, local, err)) != 0)
		return kind;
	return store_alias_dest_named(c->db, id, "", err);
}

/* The destinations of a goto list, checked, into sb canonical; self
 * (the mailbox's own address, or NULL) left out and *keep set when it is
 * among them.  1 good, 0 a problem said, -1 a failure. */
static int
judge_dests(struct mctx *c, const struct mig_alias *a, const char *self,
	    int *keep, struct strbuf *sb, struct hk_err *err)
{
	char *copy = strdup(a->dests ? a->dests : ""), *save = NULL;
	const char *list[VALIDATE_DEST_MAX + 1];
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	size_t n = 0;
	struct hk_err e;
	int ok = 1;

	if (copy == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	*keep = 0;
	for (char *t = strtok_r(copy, ", \t\r\n", &save); t && ok == 1;
	     t = strtok_r(NULL, ", \t\r\n", &save)) {
		if (self != NULL && strcasecmp(t, self) == 0) {
			*keep = 1;
			continue;
		}
		if (validate_address(t, "goto", local, domain, &e) < 0) {
			mig_say(c, "alias", a->address, 0, &e);
			ok = 0;
		} else if ((ok = dest_ok(c, local, domain, err)) == 0)
			mig_sayr(c, "alias", a->address, 0, "goto",
				 HK_R_migrate_goto_nowhere, "address", t, NULL);
		else if (n < VALIDATE_DEST_MAX + 1)
			list[n++] = t;
	}
	strbuf_reset(sb);
	if (ok == 1 && n > 0 &&
	    validate_destinations(list, n, "goto", sb, &e) < 0) {
		mig_say(c, "alias", a->address, 0, &e);
		ok = 0;
	}
	free(copy);
	return ok;
}

/* The alias's address, canonical, into the index (a catch-all marks its
 * domain); a mailbox's own alias is left for its forwarding. */
static int
by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
index_alias(struct mctx *c, size_t i, const char **raw)
{
	const struct mig_alias *a = &c->set->aliases[i];
	struct alias *l = &c->al[i];
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	uint32_t first;
	int rc, own;

	l->op = OP_SKIP;
	l->old = -1;
	/* a mailbox's own alias: the mailbox's problem says what is wrong,
	 * and it is no alias to count */
	own = bsearch(&a->address, raw, c->set->n_mailboxes, sizeof(*raw),
		      by_text) != NULL;
	if (canon_address(c, "alias", a->address, local, &l->dom, own) < 0) {
		l->self = (int8_t)own;
		return 0;
	}
	if ((l->local = mig_str(c->set, local)) == NULL)
		return -1;
	if (mig_ix_find(c, l->dom, local, &first) == IX_MAILBOX) {
		l->self = 1;
		l->old = (int32_t)first;	/* (its mailbox) */
		return 0;
	}
	if ((rc = index_item(c, l->dom, local, IX_ALIAS, (uint32_t)i,
			     &l->old, &first)) < 0)
		return -1;
	if (rc > 0) {
		mig_sayr(c, "alias", a->address, 0, "address",
			 HK_R_migrate_duplicate, "address",
			 c->set->aliases[first].address, NULL);
		return 0;
	}
	l->op = OP_ADD;		/* for now: judged in judge_alias */
	if (local[0] == '\0')
		c->doms[l->dom].has_catchall = 1;
	return 0;
}

/* A mailbox's own alias: what else it names is the mailbox's forward. */
static int
judge_self(struct mctx *c, size_t i, struct strbuf *sb, struct hk_err *err)
{
	const struct mig_alias *a = &c->set->aliases[i];
	struct mbox *b;
	int keep, ok;

	if (c->al[i].old < 0)
		return 0;	/* its mailbox does not come over */
	b = &c->mb[c->al[i].old];
	if (!a->active || b->op == OP_SKIP)
		return 0;	/* PostfixAdmin skips an inactive alias */
	if ((ok = judge_dests(c, a, a->address, &keep, sb, err)) <= 0)
		return ok;
	if (*strbuf_str(sb) == '\0')
		return 0;	/* only itself: nothing to carry */
	c->rep->count[MIG_FORWARDS].seen++;
	if ((b->forward = mig_str(c->set, strbuf_str(sb))) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	b->keep = (int8_t)keep;
	return 0;
}

static int
alias_op(struct mctx *c, size_t i, const char *dests)
{
	const struct mig_alias *a = &c->set->aliases[i];
	const struct old *o;

	if (c->al[i].old < 0)
		return OP_ADD;
	o = &c->olds[c->al[i].old];
	if (o->mailbox) {
		mig_sayr(c, "alias", a->address, 0, "address",
			 HK_R_mailbox_exists, "local", o->local, "domain",
			 c->doms[o->dom].name, NULL);
		return OP_SKIP;
	}
	return strcmp(o->dests, dests) == 0 &&
	    (o->active != 0) == (a->active != 0) ? OP_SAME : OP_UPDATE;
}

static int
judge_alias(struct mctx *c, size_t i, struct strbuf *sb, struct hk_err *err)
{
	const struct mig_alias *a = &c->set->aliases[i];
	struct alias *l = &c->al[i];
	int keep, ok;

	mig_progress(c, "check");
	if (l->self)
		return judge_self(c, i, sb, err);
	c->rep->count[MIG_ALIASES].seen++;
	if (l->op == OP_SKIP)
		goto done;
	l->op = OP_SKIP;
	if ((ok = judge_dests(c, a, NULL, &keep, sb, err)) < 0)
		return -1;
	if (ok && *strbuf_str(sb) == '\0')
		mig_sayr(c, "alias", a->address, 0, "goto",
			 HK_R_migrate_goto_nowhere, "address", "", NULL);
	else if (ok) {
		if ((l->dests = mig_str(c->set, strbuf_str(sb))) == NULL)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		l->op = (int8_t)alias_op(c, i, l->dests);
	}
done:
	mig_count_op(&c->rep->count[MIG_ALIASES], l->op);
	return 0;
}

int
mig_judge_aliases(struct mctx *c, struct hk_err *err)
{
	const char **raw = calloc(c->set->n_mailboxes + 1, sizeof(*raw));
	struct strbuf sb;
	int rc = 0;

	if (raw == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	for (size_t i = 0; i < c->set->n_mailboxes; i++)
		raw[i] = c->set->mailboxes[i].address;
	qsort(raw, c->set->n_mailboxes, sizeof(*raw), by_text);
	for (size_t i = 0; i < c->set->n_aliases && rc == 0; i++)
		if (index_alias(c, i, raw) < 0)
			rc = hk_fail(err, HK_ESYS, NULL, "out of memory");
	free(raw);
	if (rc < 0)
		return -1;
	strbuf_init(&sb, 0);
	for (size_t i = 0; i < c->set->n_aliases && rc == 0; i++)
		rc = judge_alias(c, i, &sb, err);
	strbuf_free(&sb);
	return rc;
}
