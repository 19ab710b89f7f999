/* SPDX-License-Identifier: ISC */
/*
 * pfa_read.c - a PostfixAdmin 3.x database read into a migration's set:
 * its tables checked, then each read in one query, streamed, from the
 * source's one snapshot.  See pfa_read.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfa_read.h"
#include "sieve_script.h"

static const char *const tables[] = { "domain", "mailbox", "alias",
	"alias_domain", "admin", "domain_admins", "vacation", "config", NULL };

struct rctx {
	const struct pfa_read_opts *o;
	struct mig_set *set;
	char **doms;			/* the domains kept, lower case, sorted */
	size_t ndoms;
	size_t done, total;
	char **admins;			/* admins of a kept domain, sorted */
	size_t nadmins;
	char **adoms;			/* alias domains: name, target,
					 * active ("1"/"0"), in threes */
	size_t nadoms;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
kept(char **names, size_t n, const char *name)
{
	char key[512], *k = key;
	size_t i;

	for (i = 0; name && name[i] && i < sizeof(key) - 1; i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	key[i] = '\0';
	return name != NULL && bsearch(&k, names, n, sizeof(*names),
				       by_name) != NULL;
}

static int
oom(struct hk_err *err)
{
	return hk_fail(err, HK_ESYS, NULL, "out of memory");
}

static int64_t
num(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static void
progress(struct rctx *r)
{
	r->done++;
	if (r->o->progress && (r->done % 1000 == 0 || r->done == r->total))
		r->o->progress(r->o->progress_ctx, "read", r->done, r->total);
}

/* --- the schema --- */

static int
version_row(void *ctx, const char *const *vals, int n, struct hk_err *err)
{
	(void)n;
	(void)err;
	*(int *)ctx = vals[0] ? atoi(vals[0]) : 0;
	return 0;
}

static int
check_schema(struct pfa_src *src, int *version, struct hk_err *err)
{
	char v[16];
	int has;

	for (int i = 0; tables[i]; i++) {
		if ((has = pfa_src_has_table(src, tables[i], err)) < 0)
			return -1;
		if (!has)
			return hk_failr(err, HK_EINVAL, "from",
					HK_R_pfa_not_postfixadmin, "table",
					tables[i], NULL);
	}
	*version = 0;
	if (pfa_src_query(src, "SELECT value FROM config WHERE name = "
			  "'version'", version_row, version, err) < 0)
		return -1;
	if (*version >= PFA_VERSION_MIN && *version <= PFA_VERSION_MAX)
		return 0;
	snprintf(v, sizeof(v), "%d", *version);
	return hk_failr(err, HK_EINVAL, "from", HK_R_pfa_schema_version,
			"version", v, "min", HK_NUM(PFA_VERSION_MIN), "max",
			HK_NUM(PFA_VERSION_MAX), NULL);
}

/* --- domains --- */

/* The guest of domain: its --map-domain's, else --guest. */
static const char *
guest_of(const struct pfa_read_opts *o, const char *domain)
{
	size_t n = strlen(domain);

	for (size_t i = 0; i < o->nmap; i++)
		if (strncasecmp(o->map[i], domain, n) == 0 &&
		    o->map[i][n] == '=')
			return o->map[i] + n + 1;
	return o->guest;
}

static int
wanted(const struct pfa_read_opts *o, const char *domain)
{
	if (o->nonly == 0)
		return 1;
	for (size_t i = 0; i < o->nonly; i++)
		if (strcasecmp(o->only[i], domain) == 0)
			return 1;
	return 0;
}

/* A lower-case copy of name appended to (*names)[0..*n). */
static int
add_lower(char ***names, size_t *n, const char *name, struct hk_err *err)
{
	char **p = realloc(*names, (*n + 1) * sizeof(*p)), *low;

	if (p == NULL)
		return oom(err);
	*names = p;
	if ((low = strdup(name)) == NULL)
		return oom(err);
	for (char *s = low; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	(*names)[(*n)++] = low;
	return 0;
}

static int
keep_domain(struct rctx *r, const char *name, struct hk_err *err)
{
	return add_lower(&r->doms, &r->ndoms, name, err);
}

/* PostfixAdmin keeps an alias domain in its domain table too: it comes
 * over as an alias domain only. */
static int
is_aliasdom(const struct rctx *r, const char *name)
{
	for (size_t i = 0; i < r->nadoms; i += 3)
		if (strcasecmp(r->adoms[i], name) == 0)
			return 1;
	return 0;
}

static int
domain_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	int64_t mul = r->o->quota_multiplier;
	struct mig_domain d = { 0 };

	(void)n;
	if (v[0] == NULL || strcasecmp(v[0], "ALL") == 0 ||
	    !wanted(r->o, v[0]) || is_aliasdom(r, v[0]))
		return 0;
	d.name = v[0];
	d.guest = guest_of(r->o, v[0]);
	d.max_aliases = num(v[1]) > 0 ? num(v[1]) : 0;
	d.max_mailboxes = num(v[2]) > 0 ? num(v[2]) : 0;
	d.default_quota = num(v[3]) > 0 ? num(v[3]) * mul : 0;
	d.total_quota = num(v[4]) > 0 ? num(v[4]) * mul : 0;
	d.backup_mx = num(v[5]) != 0;
	d.backup_guest = d.backup_mx ? r->o->backup_guest : NULL;
	d.active = num(v[6]) != 0;
	if (keep_domain(r, v[0], err) < 0)
		return -1;
	return mig_add_domain(r->set, &d, err);
}

static int
aliasdom_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	char **p = realloc(r->adoms, (r->nadoms + 3) * sizeof(*p));

	(void)n;
	if (p == NULL)
		return oom(err);
	r->adoms = p;
	for (int i = 0; i < 3; i++)
		if ((r->adoms[r->nadoms++] = strdup(v[i] ? v[i] : "")) == NULL)
			return oom(err);
	return 0;
}

/* The alias domains whose target comes over, and the domains; the names
 * of both are what the rows of other tables are kept by. */
static int
read_domains(struct pfa_src *src, struct rctx *r, struct hk_err *err)
{
	if (pfa_src_query(src, "SELECT alias_domain, target_domain, CASE WHEN "
			  "active THEN 1 ELSE 0 END FROM alias_domain ORDER BY "
			  "alias_domain", aliasdom_row, r, err) < 0 ||
	    pfa_src_query(src, "SELECT domain, aliases, mailboxes, maxquota, "
			  "quota, CASE WHEN backupmx THEN 1 ELSE 0 END, CASE "
			  "WHEN active THEN 1 ELSE 0 END FROM domain ORDER BY "
			  "domain", domain_row, r, err) < 0)
		return -1;
	qsort(r->doms, r->ndoms, sizeof(*r->doms), by_name);
	for (size_t i = 0, n = r->ndoms; i < r->nadoms; i += 3) {
		struct mig_aliasdom a = { r->adoms[i], r->adoms[i + 1],
					  atoi(r->adoms[i + 2]) != 0 };

		if (!kept(r->doms, n, a.target))
			continue;
		if (mig_add_aliasdom(r->set, &a, err) < 0 ||
		    keep_domain(r, a.name, err) < 0)
			return -1;
	}
	qsort(r->doms, r->ndoms, sizeof(*r->doms), by_name);
	return 0;
}

/* --- mailboxes and aliases --- */

static int
mailbox_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	struct mig_mailbox m = { 0 };

	(void)n;
	progress(r);
	if (v[0] == NULL || !kept(r->doms, r->ndoms, v[5]))
		return 0;
	m.address = v[0];
	m.hash = v[1] ? v[1] : "";
	m.name = v[2];
	m.quota = num(v[3]) > 0 ? num(v[3]) : 0;
	m.active = num(v[4]) != 0;
	return mig_add_mailbox(r->set, &m, err);
}

/* 1 when t is the entry PostfixAdmin's vacation adds to address's goto:
 * "local#domain@" its vacation domain. */
static int
vacation_entry(const char *t, size_t len, const char *address)
{
	const char *hash = memchr(t, '#', len), *at = memchr(t, '@', len);
	const char *own = strchr(address, '@');
	size_t nlocal;

	if (hash == NULL || at == NULL || own == NULL || at < hash)
		return 0;
	nlocal = (size_t)(own - address);
	return (size_t)(hash - t) == nlocal &&
	    strncasecmp(t, address, nlocal) == 0 &&
	    (size_t)(at - hash - 1) == strlen(own + 1) &&
	    strncasecmp(hash + 1, own + 1, strlen(own + 1)) == 0;
}

/* goto without the vacation's entries and empty ones, into out (room
 * for all of goto: nothing is added). */
static void
strip_vacation(const char *go, const char *address, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	while (go && *go) {
		size_t n = strcspn(go, ",");

		if (n > 0 && !vacation_entry(go, n, address))
			len += (size_t)snprintf(out + len, size - len, "%s%.*s",
						len ? "," : "", (int)n, go);
		go += n + (go[n] == ',');
	}
}

static int
alias_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	struct mig_alias a = { 0 };
	size_t size = v[1] ? strlen(v[1]) + 1 : 1;
	char *go;
	int rc;

	(void)n;
	progress(r);
	if (v[0] == NULL || !kept(r->doms, r->ndoms, v[3]))
		return 0;
	if ((go = malloc(size)) == NULL)
		return oom(err);
	strip_vacation(v[1], v[0], go, size);
	a.address = v[0];
	a.dests = go;
	a.active = num(v[2]) != 0;
	rc = mig_add_alias(r->set, &a, err);
	free(go);
	return rc;
}

/* "2026-12-03 10:00:00+00" (or a date alone) as "2026-12-03"; NULL for
 * none. */
static const char *
day_of(const char *t, char out[11])
{
	if (t == NULL || strlen(t) < 10)
		return NULL;
	memcpy(out, t, 10);
	out[10] = '\0';
	return out;
}

static int
vacation_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	char from[11], until[11];
	int64_t secs = num(v[5]);
	struct mig_vacation m = { 0 };

	(void)n;
	if (v[0] == NULL || !kept(r->doms, r->ndoms, v[7]))
		return 0;
	m.address = v[0];
	m.subject = v[1];
	m.text = v[2] ? v[2] : "";
	m.start = day_of(v[3], from);
	m.end = day_of(v[4], until);
	/* PostfixAdmin's 0: one reply per sender, ever; Sieve's longest */
	m.days = secs <= 0 ? SIEVE_DAYS_MAX : (int)((secs + 86399) / 86400);
	if (m.days > SIEVE_DAYS_MAX)
		m.days = SIEVE_DAYS_MAX;
	m.active = num(v[6]) != 0;
	return mig_add_vacation(r->set, &m, err);
}

/* --- admins --- */

static int
domain_admin_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;

	(void)n;
	if (v[0] == NULL || !kept(r->doms, r->ndoms, v[1]))
		return 0;
	return add_lower(&r->admins, &r->nadmins, v[0], err);
}

static int
admin_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	struct rctx *r = ctx;
	struct mig_admin a = { v[0], v[1] ? v[1] : "", num(v[3]) != 0,
			       num(v[2]) != 0 };

	(void)n;
	if (v[0] == NULL ||
	    (!a.superadmin && !kept(r->admins, r->nadmins, v[0])))
		return 0;
	return mig_add_admin(r->set, &a, err);
}

static int
read_admins(struct pfa_src *src, struct rctx *r, struct hk_err *err)
{
	if (pfa_src_query(src, "SELECT username, domain FROM domain_admins "
			  "WHERE active IS NULL OR CASE WHEN active THEN 1 "
			  "ELSE 0 END = 1", domain_admin_row, r, err) < 0)
		return -1;
	qsort(r->admins, r->nadmins, sizeof(*r->admins), by_name);
	return pfa_src_query(src, "SELECT username, password, CASE WHEN "
			     "superadmin THEN 1 ELSE 0 END, CASE WHEN active "
			     "THEN 1 ELSE 0 END FROM admin ORDER BY username",
			     admin_row, r, err);
}

/* --- the whole --- */

static int
count_row(void *ctx, const char *const *v, int n, struct hk_err *err)
{
	(void)n;
	(void)err;
	*(size_t *)ctx = (size_t)num(v[0]);
	return 0;
}

static int
read_all(struct pfa_src *src, struct rctx *r, struct hk_err *err)
{
	if (pfa_src_query(src, "SELECT (SELECT COUNT(*) FROM mailbox) + "
			  "(SELECT COUNT(*) FROM alias)", count_row, &r->total,
			  err) < 0 ||
	    read_domains(src, r, err) < 0 ||
	    pfa_src_query(src, "SELECT username, password, name, quota, CASE "
			  "WHEN active THEN 1 ELSE 0 END, domain FROM mailbox "
			  "ORDER BY username", mailbox_row, r, err) < 0 ||
	    pfa_src_query(src, "SELECT address, goto, CASE WHEN active THEN 1 "
			  "ELSE 0 END, domain FROM alias ORDER BY address",
			  alias_row, r, err) < 0 ||
	    pfa_src_query(src, "SELECT email, subject, body, activefrom, "
			  "activeuntil, interval_time, CASE WHEN active THEN 1 "
			  "ELSE 0 END, domain FROM vacation ORDER BY email",
			  vacation_row, r, err) < 0)
		return -1;
	return read_admins(src, r, err);
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
pfa_read(struct pfa_src *src, const struct pfa_read_opts *o,
	 struct mig_set *set, int *version, struct hk_err *err)
{
	struct rctx r = { .o = o, .set = set };
	int rc;

	for (size_t i = 0; i < o->nmap; i++)
		if (strchr(o->map[i], '=') == NULL ||
		    o->map[i][0] == '=' || strchr(o->map[i], '=')[1] == '\0')
			return hk_failr(err, HK_EINVAL, "map-domain",
					HK_R_pfa_bad_map, "value", o->map[i],
					NULL);
	if (check_schema(src, version, err) < 0)
		return -1;
	set->source = "postfixadmin";
	set->from = mig_str(set, pfa_src_url_shown(src));
	rc = read_all(src, &r, err);
	free_names(r.doms, r.ndoms);
	free_names(r.admins, r.nadmins);
	free_names(r.adoms, r.nadoms);
	return rc;
}
