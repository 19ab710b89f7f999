/* SPDX-License-Identifier: ISC */
/*
 * migrate_judge.c - a migration's set judged whole: its domains (new, the
 * migration's own from an earlier run, or someone else's), alias
 * domains, vacation replies, admins and the project's limits; the
 * mailboxes and aliases are migrate_addr.c's.  Reads only.  See
 * migrate.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_ctx.h"
#include "pwhash.h"
#include "sieve_script.h"
#include "strbuf.h"
#include "store_migrate.h"
#include "validate.h"

/* --- domains --- */

static int
add_old_mailbox(void *ctx, const struct migrate_mailbox_row *m,
		struct hk_err *err);
static int
add_old_alias(void *ctx, const char *local, const char *dests, int active,
	      struct hk_err *err);

struct oldctx {
	struct mctx *c;
	int32_t dom;
};

/* The mailboxes and aliases a domain of an earlier run holds now. */
static int
load_olds(struct mctx *c, int32_t dom, struct hk_err *err)
{
	struct oldctx oc = { c, dom };

	if (store_migrate_mailboxes(c->db, c->doms[dom].ref.id,
				    add_old_mailbox, &oc, err) < 0)
		return -1;
	return store_migrate_aliases(c->db, c->doms[dom].ref.id, add_old_alias,
				     &oc, err);
}

static struct old *
new_old(struct oldctx *oc, const char *local, struct hk_err *err)
{
	struct mctx *c = oc->c;
	struct old *o;

	if (c->nolds == c->capolds) {
		size_t cap = c->capolds ? c->capolds * 2 : 256;
		struct old *p = realloc(c->olds, cap * sizeof(*p));

		if (p == NULL)
			goto oom;
		c->olds = p;
		c->capolds = cap;
	}
	o = &c->olds[c->nolds++];
	memset(o, 0, sizeof(*o));
	o->dom = oc->dom;
	if ((o->local = mig_str(c->set, local)) != NULL)
		return o;
oom:
	hk_fail(err, HK_ESYS, NULL, "out of memory");
	return NULL;
}

const char *
mig_sieve_key(struct mctx *c, const struct migrate_sieve_row *s)
{
	char days[16];
	struct strbuf sb;
	const char *key;

	if (s->forward == NULL && s->text == NULL)
		return "";
	snprintf(days, sizeof(days), "%d", s->text ? s->days : 0);
	strbuf_init(&sb, 0);
	/* fields apart by a byte none of them holds */
	if (strbuf_printf(&sb, "%s\x01%d\x01%s\x01%s\x01%s\x01%s\x01%s",
			  s->forward ? s->forward : "", s->forward ? s->keep : 0,
			  s->text && s->subject ? s->subject : "",
			  s->text ? s->text : "", s->text && s->start ?
			  s->start : "", s->text && s->end ? s->end : "",
			  days) < 0)
		key = NULL;
	else
		key = mig_str(c->set, strbuf_str(&sb));
	strbuf_free(&sb);
	return key;
}

static int
add_old_mailbox(void *ctx, const struct migrate_mailbox_row *m,
		struct hk_err *err)
{
	struct oldctx *oc = ctx;
	struct old *o = new_old(oc, m->local, err);

	if (o == NULL)
		return -1;
	o->mailbox = 1;
	o->active = (int8_t)m->active;
	o->quota = m->quota;
	o->hash = mig_str(oc->c->set, m->hash);
	o->name = mig_str(oc->c->set, m->name);
	o->sieve = mig_sieve_key(oc->c, &m->sieve);
	return o->hash && o->name && o->sieve ? 0 :
	    hk_fail(err, HK_ESYS, NULL, "out of memory");
}

static int
add_old_alias(void *ctx, const char *local, const char *dests, int active,
	      struct hk_err *err)
{
	struct oldctx *oc = ctx;
	struct old *o = new_old(oc, local, err);

	if (o == NULL)
		return -1;
	o->active = (int8_t)active;
	o->dests = mig_str(oc->c->set, dests);
	return o->dests ? 0 : hk_fail(err, HK_ESYS, NULL, "out of memory");
}

/* Where the domain goes: its guest, and its backup MX where the other
 * system only relayed it and the operator named one. */
static int
judge_guests(struct mctx *c, size_t i, struct hk_err *err)
{
	const struct mig_domain *d = &c->set->domains[i];
	struct mdom *m = &c->doms[i];

	m->backup_id = -1;
	if (store_migrate_guest(c->db, c->project_id, d->guest, "guest",
				&m->guest_id, err) < 0)
		return -1;
	if (d->backup_mx && d->backup_guest == NULL)
		mig_sayr(c, "domain", m->name, 1, "backupmx",
			 HK_R_migrate_backup_mx, NULL);
	if (d->backup_mx && d->backup_guest != NULL &&
	    store_migrate_guest(c->db, c->project_id, d->backup_guest,
				"backup_guest", &m->backup_id, err) < 0)
		return -1;
	if (m->backup_id == m->guest_id)
		return hk_failr(err, HK_EINVAL, "backup_guest",
				HK_R_migrate_backup_same, "guest",
				d->backup_guest, NULL);
	return 0;
}

/* What hakomail holds of that name now. */
static int
judge_existing(struct mctx *c, size_t i, struct hk_err *err)
{
	const struct mig_domain *d = &c->set->domains[i];
	struct mdom *m = &c->doms[i];
	struct migrate_domain_now now;
	int64_t pid, target;
	int migrated, active;

	if (store_migrate_domain_find(c->db, m->name, &m->ref, &migrated,
				      &now, err) < 0 ||
	    store_migrate_aliasdom_find(c->db, m->name, &pid, &target,
					&active, err) < 0)
		return -1;
	if (target >= 0) {
		mig_sayr(c, "domain", m->name, 0, "domain",
			 HK_R_migrate_is_aliasdom, "domain", m->name, NULL);
		m->bad = 1;
	} else if (m->ref.id < 0) {
		m->state = DOM_NEW;
	} else if (!migrated || m->ref.project_id != c->project_id) {
		mig_sayr(c, "domain", m->name, 0, "domain",
			 HK_R_migrate_domain_exists, "domain", m->name, NULL);
		m->state = DOM_TAKEN;
		m->bad = 1;
	} else if (m->ref.guest_id != m->guest_id) {
		mig_sayr(c, "domain", m->name, 0, "guest",
			 HK_R_migrate_domain_guest, "domain", m->name, NULL);
		m->bad = 1;
	} else {
		m->state = DOM_OURS;
		m->op = now.active == (d->active != 0) &&
		    now.max_mailboxes == d->max_mailboxes &&
		    now.default_quota == d->default_quota &&
		    m->ref.backup_guest_id == m->backup_id ? OP_SAME :
		    OP_UPDATE;
		return load_olds(c, (int32_t)i, err);
	}
	return 0;
}

static void
note_no_counterpart(struct mctx *c, const struct mig_domain *d,
		    const char *name)
{
	if (d->max_aliases > 0)
		mig_sayr(c, "domain", name, 1, "aliases",
			 HK_R_migrate_no_counterpart, "value",
			 HK_NUM(d->max_aliases), NULL);
	if (d->total_quota > 0)
		mig_sayr(c, "domain", name, 1, "quota",
			 HK_R_migrate_no_counterpart, "value",
			 HK_NUM(d->total_quota), NULL);
}

static int
judge_domain(struct mctx *c, size_t i, struct hk_err *err)
{
	const struct mig_domain *d = &c->set->domains[i];
	struct mdom *m = &c->doms[i];
	struct hk_err e;

	c->rep->count[MIG_DOMAINS].seen++;
	if (validate_domain(d->name, "domain", m->name, &e) < 0) {
		mig_say(c, "domain", d->name, 0, &e);
		m->name[0] = '\0';
		m->bad = 1;
		return 0;
	}
	if (mig_dom_index(c, m->name) != (int)i) {
		mig_sayr(c, "domain", d->name, 0, "domain",
			 HK_R_migrate_duplicate, "address", m->name, NULL);
		m->bad = 1;
		return 0;
	}
	if (judge_guests(c, i, err) < 0 || judge_existing(c, i, err) < 0)
		return -1;
	note_no_counterpart(c, d, m->name);
	return 0;
}

/* --- alias domains --- */

/* The target: one of the set's good domains, or one of the project's. */
static int
aliasdom_target(struct mctx *c, size_t i, const char *target,
		struct hk_err *err)
{
	int migrated;
	struct domain_ref ref;

	c->ad_target[i] = mig_dom_index(c, target);
	if (c->ad_target[i] >= 0) {
		const struct mdom *t = &c->doms[c->ad_target[i]];

		/* a new one's id is known once it is written */
		c->ad_target_id[i] = t->state == DOM_OURS ? t->ref.id : -1;
		return !t->bad;
	}
	if (store_migrate_domain_find(c->db, target, &ref, &migrated, NULL,
				      err) < 0)
		return -1;
	c->ad_target_id[i] = ref.id;
	return ref.id >= 0 && ref.project_id == c->project_id;
}

static int
judge_aliasdom(struct mctx *c, size_t i, struct hk_err *err)
{
	const struct mig_aliasdom *a = &c->set->aliasdoms[i];
	char name[MAPSYNTAX_DOMAIN_MAX + 1], target[MAPSYNTAX_DOMAIN_MAX + 1];
	struct domain_ref ref;
	int64_t pid, tid;
	int active, migrated, ok;
	struct hk_err e;

	c->rep->count[MIG_ALIASDOMS].seen++;
	c->ad_op[i] = OP_SKIP;
	if (validate_domain(a->name, "alias_domain", name, &e) < 0 ||
	    validate_domain(a->target, "target_domain", target, &e) < 0) {
		mig_say(c, "alias_domain", a->name, 0, &e);
		return 0;
	}
	if ((ok = aliasdom_target(c, i, target, err)) < 0)
		return -1;
	if (!ok) {
		mig_sayr(c, "alias_domain", a->name, 0, "target_domain",
			 HK_R_no_domain, "domain", target, NULL);
		return 0;
	}
	if (store_migrate_aliasdom_find(c->db, name, &pid, &tid, &active,
					err) < 0 ||
	    store_migrate_domain_find(c->db, name, &ref, &migrated, NULL,
				      err) < 0)
		return -1;
	if (ref.id >= 0 || mig_dom_index(c, name) >= 0 ||
	    (tid >= 0 && pid != c->project_id)) {
		mig_sayr(c, "alias_domain", a->name, 0, "alias_domain",
			 HK_R_domain_exists, "domain", name, NULL);
		return 0;
	}
	if (tid < 0)
		c->ad_op[i] = OP_ADD;
	else
		c->ad_op[i] = tid == c->ad_target_id[i] && active == a->active ?
		    OP_SAME : OP_UPDATE;
	return 0;
}

/* --- vacation replies --- */

/* A vacation and the forward of its mailbox, checked together as the
 * Sieve script they make. */
static int
check_sieve(struct mctx *c, size_t m, const struct mig_vacation *v,
	    struct hk_err *e)
{
	const struct mbox *b = &c->mb[m];
	char address[MAPSYNTAX_ADDRESS_MAX + 1];
	const char *fwd[SIEVE_FORWARD_MAX + 1];
	char copy[SIEVE_FORWARD_MAX * (MAPSYNTAX_ADDRESS_MAX + 1)];
	struct sieve_settings s = { .address = address };
	size_t n = 0;

	snprintf(address, sizeof(address), "%s@%s", b->local,
		 c->doms[b->dom].name);
	if (v != NULL)
		s.vacation = (struct sieve_vacation){ v->subject, v->text,
			v->start, v->end, v->days };
	if (b->forward != NULL) {
		snprintf(copy, sizeof(copy), "%s", b->forward);
		for (char *t = strtok(copy, ","); t && n <= SIEVE_FORWARD_MAX;
		     t = strtok(NULL, ","))
			fwd[n++] = t;
	}
	s.forward = (struct sieve_forward){ fwd, n, b->keep };
	return sieve_script_check(&s, NULL, e);
}

static int
judge_vacation(struct mctx *c, size_t i)
{
	const struct mig_vacation *v = &c->set->vacations[i];
	char local[MAPSYNTAX_LOCAL_MAX + 1], domain[MAPSYNTAX_DOMAIN_MAX + 1];
	uint32_t m;
	struct hk_err e;
	int k;

	c->rep->count[MIG_VACATIONS].seen++;
	if (!v->active) {
		mig_sayr(c, "vacation", v->address, 1, "active",
			 HK_R_migrate_vacation_inactive, NULL);
		return 0;
	}
	if (validate_address(v->address, "email", local, domain, &e) < 0 ||
	    (k = mig_dom_index(c, domain)) < 0 ||
	    mig_ix_find(c, k, local, &m) != IX_MAILBOX) {
		mig_sayr(c, "vacation", v->address, 0, "email",
			 HK_R_migrate_no_mailbox, "address", v->address, NULL);
		return 0;
	}
	if (c->mb[m].op == OP_SKIP)
		return 0;	/* its mailbox's problem says why */
	if (check_sieve(c, m, v, &e) < 0) {
		mig_say(c, "vacation", v->address, 0, &e);
		return 0;
	}
	c->mb[m].vac = (int32_t)i;
	return 0;
}

/* Forwards alone, for mailboxes without a vacation. */
static void
judge_forwards(struct mctx *c)
{
	struct hk_err e;

	for (size_t i = 0; i < c->set->n_mailboxes; i++) {
		struct mbox *b = &c->mb[i];

		if (b->op == OP_SKIP || b->forward == NULL || b->vac >= 0)
			continue;
		if (check_sieve(c, i, NULL, &e) < 0) {
			mig_say(c, "alias", c->set->mailboxes[i].address, 0,
				&e);
			b->forward = NULL;
			c->rep->count[MIG_FORWARDS].skipped++;
		}
	}
}

/* What becomes of each mailbox's forward and vacation beside what it has
 * (nothing there: left as it is, never deleted). */
static int
judge_sieve_ops(struct mctx *c, struct hk_err *err)
{
	for (size_t i = 0; i < c->set->n_mailboxes; i++) {
		struct mbox *b = &c->mb[i];
		const struct mig_vacation *v = b->vac >= 0 ?
		    &c->set->vacations[b->vac] : NULL;
		struct migrate_sieve_row row = { .forward = b->forward,
						 .keep = b->keep };
		const char *key, *was;

		if (b->op == OP_SKIP || (b->forward == NULL && v == NULL))
			continue;
		if (v != NULL)
			row = (struct migrate_sieve_row){ b->forward, b->keep,
				v->subject, v->text, v->start, v->end,
				v->days };
		if ((key = mig_sieve_key(c, &row)) == NULL)
			return hk_fail(err, HK_ESYS, NULL, "out of memory");
		was = b->old >= 0 && c->olds[b->old].mailbox ?
		    c->olds[b->old].sieve : "";
		b->sieve_op = (int8_t)(strcmp(key, was) == 0 ? OP_SAME :
				       *was ? OP_UPDATE : OP_ADD);
		if (b->forward != NULL)
			mig_count_op(&c->rep->count[MIG_FORWARDS], b->sieve_op);
		if (v != NULL)
			mig_count_op(&c->rep->count[MIG_VACATIONS],
				     b->sieve_op);
	}
	return 0;
}

/* --- admins --- */

/* hakomail's login for an admin: "admin@pfa1.example" is
 * "admin-pfa1-example" (a login holds no '@': that is a mailbox's). */
static const char *
login_of(struct mctx *c, const char *address)
{
	char out[64];
	size_t n = 0;

	for (const char *s = address; *s && n < sizeof(out) - 1; s++) {
		int ch = tolower((unsigned char)*s);

		out[n++] = isalnum(ch) || ch == '_' ? (char)ch : '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return n > 0 && isalnum((unsigned char)out[0]) ? mig_str(c->set, out) :
	    NULL;
}

/* Its login here, and what becomes of its account (hash: carried, NULL
 * for none). */
static int
judge_admin_login(struct mctx *c, size_t i, const char *hash,
		  struct hk_err *err)
{
	const struct mig_admin *a = &c->set->admins[i];
	int64_t pid;
	int exists, same;
	struct hk_err e;

	if ((c->adm_login[i] = login_of(c, a->login)) == NULL ||
	    validate_slug(c->adm_login[i], "login", &e) < 0) {
		mig_sayr(c, "admin", a->login, 0, "username",
			 HK_R_migrate_login, "login", a->login, NULL);
		return 0;
	}
	if (store_migrate_account_find(c->db, c->adm_login[i], &exists, &pid,
				       hash, !a->active, &same, err) < 0)
		return -1;
	if (exists && pid != c->project_id) {
		mig_sayr(c, "admin", a->login, 0, "username",
			 HK_R_migrate_login_taken, "login", c->adm_login[i],
			 NULL);
		return 0;
	}
	c->adm_op[i] = !exists ? OP_ADD : same ? OP_SAME : OP_UPDATE;
	return 0;
}

static int
judge_admin(struct mctx *c, size_t i, struct hk_err *err)
{
	const struct mig_admin *a = &c->set->admins[i];
	char hash[PWHASH_MAX];
	struct hk_err e;

	c->rep->count[MIG_ADMINS].seen++;
	c->adm_op[i] = OP_SKIP;
	if (a->superadmin) {
		mig_sayr(c, "admin", a->login, 1, "superadmin",
			 HK_R_migrate_superadmin, NULL);
		return 0;
	}
	c->adm_hash[i] = NULL;
	if (pwhash_carry(a->hash, c->set->cleartext, "password", hash,
			 &e) == 0 && pwhash_panel_verifies(hash) &&
	    (c->adm_hash[i] = mig_str(c->set, hash)) == NULL)
		return hk_fail(err, HK_ESYS, NULL, "out of memory");
	if (judge_admin_login(c, i, c->adm_hash[i], err) < 0)
		return -1;
	if (c->adm_op[i] == OP_SKIP)
		return 0;
	mig_sayr(c, "admin", a->login, 1, "username",
		 HK_R_migrate_admin_login, "login", c->adm_login[i], NULL);
	if (c->adm_hash[i] == NULL)
		mig_sayr(c, "admin", a->login, 1, "password",
			 HK_R_migrate_admin_password, "login",
			 c->adm_login[i], NULL);
	return 0;
}

/* --- limits --- */

/* The other system's limit of mailboxes a domain is over already. */
static void
judge_domain_limits(struct mctx *c)
{
	for (size_t i = 0; i < c->set->n_domains; i++) {
		const struct mig_domain *d = &c->set->domains[i];
		int64_t n = 0;

		if (c->doms[i].bad || d->max_mailboxes <= 0)
			continue;
		for (size_t k = 0; k < c->set->n_mailboxes; k++)
			n += c->mb[k].dom == (int32_t)i &&
			    c->mb[k].op != OP_SKIP;
		c->doms[i].over = n > d->max_mailboxes;
		if (c->doms[i].over)
			mig_sayr(c, "domain", c->doms[i].name, 0, "mailboxes",
				 HK_R_over_domain_mailboxes, "max",
				 HK_NUM(d->max_mailboxes), NULL);
	}
}

/* The project's limits after the migration; no --skip-invalid helps. */
static int
judge_project_limits(struct mctx *c, struct hk_err *err)
{
	int64_t use[3], max[3], domains = 0, mailboxes = 0, storage = 0;
	int unlimited = 0;

	if (store_migrate_usage(c->db, c->project_id, use, max, err) < 0)
		return -1;
	for (size_t i = 0; i < c->set->n_domains; i++)
		domains += !c->doms[i].bad && c->doms[i].state == DOM_NEW;
	for (size_t i = 0; i < c->set->n_mailboxes; i++) {
		const struct mbox *b = &c->mb[i];
		int64_t q = c->set->mailboxes[i].quota;

		if (b->op == OP_ADD) {
			mailboxes++;
			storage += q;
		} else if (b->op == OP_UPDATE)
			storage += q - c->olds[b->old].quota;
		unlimited |= (b->op == OP_ADD || b->op == OP_UPDATE) && q == 0;
	}
	if (max[0] > 0 && use[0] + domains > max[0])
		mig_sayr(c, "project", c->o->project, 0, "domains",
			 HK_R_project_max_domains, "max", HK_NUM(max[0]), NULL);
	if (max[1] > 0 && use[1] + mailboxes > max[1])
		mig_sayr(c, "project", c->o->project, 0, "mailboxes",
			 HK_R_over_project_mailboxes, "max", HK_NUM(max[1]),
			 NULL);
	if (max[2] > 0 && unlimited)
		mig_sayr(c, "project", c->o->project, 0, "quota",
			 HK_R_storage_needs_quota, NULL);
	else if (max[2] > 0 && use[2] + storage > max[2])
		mig_sayr(c, "project", c->o->project, 0, "quota",
			 HK_R_over_project_storage, "left",
			 HK_NUM(max[2] - use[2]), NULL);
	return 0;
}

int
mig_judge(struct mctx *c, struct hk_err *err)
{
	const struct mig_set *s = c->set;
	size_t before;

	c->total = s->n_domains + s->n_mailboxes + s->n_aliases;
	for (size_t i = 0; i < s->n_domains; i++)
		if (judge_domain(c, i, err) < 0)
			return -1;
	for (size_t i = 0; i < s->n_aliasdoms; i++)
		if (judge_aliasdom(c, i, err) < 0)
			return -1;
	if (mig_judge_mailboxes(c, err) < 0 || mig_judge_aliases(c, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_vacations; i++)
		if (judge_vacation(c, i) < 0)
			return -1;
	judge_forwards(c);
	if (judge_sieve_ops(c, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_admins; i++)
		if (judge_admin(c, i, err) < 0)
			return -1;
	judge_domain_limits(c);
	before = c->rep->nproblems;
	if (judge_project_limits(c, err) < 0)
		return -1;
	c->fatal = c->rep->nproblems > before;
	for (size_t i = 0; i < s->n_domains; i++) {
		struct mig_count *n = &c->rep->count[MIG_DOMAINS];

		mig_count_op(n, c->doms[i].bad ? OP_SKIP :
			     c->doms[i].state == DOM_NEW ? OP_ADD :
			     c->doms[i].op);
	}
	for (size_t i = 0; i < s->n_aliasdoms; i++)
		mig_count_op(&c->rep->count[MIG_ALIASDOMS], c->ad_op[i]);
	for (size_t i = 0; i < s->n_admins; i++)
		mig_count_op(&c->rep->count[MIG_ADMINS], c->adm_op[i]);
	return 0;
}
