/* SPDX-License-Identifier: ISC */
/*
 * render.c - render one guest's maps.  See render.h.
 *
 * The whole render runs in one read transaction so that the generation
 * number and every file describe the same instant; a write committed while
 * we render bumps desired_gen past what we push, and the guest stays dirty.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "dkim_key.h"
#include "mapdelta.h"
#include "render.h"
#include "store_dkim.h"
#include "store_sieve.h"

enum { F_VDOMAINS, F_VMAILBOX, F_VALIAS, F_RDOMAINS, F_RRECIP, F_TRANSPORT,
       F_PASSWD, F_TRASH, F_SIEVE, F_DKIM };

/* An active key: (domain, selector), whose alias domains sign with it. */
struct signer {
	char domain[MAPSYNTAX_DOMAIN_MAX + 1];
	char selector[DKIM_SELECTOR_MAX + 1];
};

struct render_ctx {
	struct render_out *out;
	const struct render_opts *opts;
	struct strbuf script;	/* one mailbox's Sieve script, reused */
	struct signer *signers;	/* the active keys, by domain */
	size_t nsigners, signers_cap;
};

static int
overflow(struct hk_err *err)
{
	return hk_failr(err, HK_ETOOBIG, NULL, HK_R_maps_too_large, NULL);
}

/* Row: name */
static int
domain_line(void *ctx, const struct db_row *row, struct hk_err *err,
	    int file)
{
	struct render_ctx *rc = ctx;

	if (strbuf_printf(&rc->out->files[file], "%s OK\n", row->vals[0]) < 0)
		return overflow(err);
	return 0;
}

static int
vdomain_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	return domain_line(ctx, row, err, F_VDOMAINS);
}

static int
rdomain_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	return domain_line(ctx, row, err, F_RDOMAINS);
}

/* Row: local_part, domain, password_hash, quota_bytes, serves (1: in
 * virtual_mailbox_maps), logins (0: Dovecot refuses them, the mailbox
 * is only there for dsync during a move) */
static int
mailbox_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;
	const char *lp = row->vals[0], *dom = row->vals[1];
	long long quota = strtoll(row->vals[3], NULL, 10);
	struct strbuf *pw = &rc->out->files[F_PASSWD];
	int bad = 0;

	if (strcmp(row->vals[4], "1") == 0)
		bad |= strbuf_printf(&rc->out->files[F_VMAILBOX],
				     "%s@%s %s/%s/\n", lp, dom, dom, lp) < 0;
	bad |= strbuf_printf(pw, "%s@%s:%s:%d:%d::%s/%s/%s::", lp, dom,
			     row->vals[2], rc->opts->vmail_uid,
			     rc->opts->vmail_gid, rc->opts->mail_root, dom,
			     lp) < 0;
	if (quota > 0)
		bad |= strbuf_printf(pw, "userdb_quota_rule=*:storage=%lldB",
				     quota) < 0;
	if (strcmp(row->vals[5], "1") != 0)
		bad |= strbuf_printf(pw, "%snologin=y reason=%s", quota > 0 ?
				     " " : "", RENDER_NOLOGIN_REASON) < 0;
	bad |= strbuf_puts(pw, "\n") < 0;
	return bad ? overflow(err) : 0;
}

/* Row: key (address or "@domain"), value (destinations) */
static int
alias_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;

	if (strbuf_printf(&rc->out->files[F_VALIAS], "%s %s\n",
			  row->vals[0], row->vals[1]) < 0)
		return overflow(err);
	return 0;
}

/* Row: address (or "@domain") */
static int
recipient_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;

	if (strbuf_printf(&rc->out->files[F_RRECIP], "%s OK\n",
			  row->vals[0]) < 0)
		return overflow(err);
	return 0;
}

/* Row: domain, nexthop */
static int
transport_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;

	if (strbuf_printf(&rc->out->files[F_TRANSPORT], "%s %s\n",
			  row->vals[0], row->vals[1]) < 0)
		return overflow(err);
	return 0;
}

/* Row: the line ("trash ID ADDRESS" or "restore ID ADDRESS") */
static int
trash_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;

	if (strbuf_printf(&rc->out->files[F_TRASH], "%s\n", row->vals[0]) < 0)
		return overflow(err);
	return 0;
}

/* Row: address, STORE_SIEVE_COLS: "ADDRESS BASE64(script)", none when
 * the settings make no script. */
static int
sieve_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;
	struct strbuf *sb = &rc->out->files[F_SIEVE];

	if (store_sieve_script(row->vals[0], row->vals + 1, &rc->script,
			       err) < 0)
		return -1;
	if (rc->script.len == 0)
		return 0;
	if (strbuf_printf(sb, "%s ", row->vals[0]) < 0 ||
	    base64_encode(sb, strbuf_str(&rc->script), rc->script.len) < 0 ||
	    strbuf_puts(sb, "\n") < 0)
		return overflow(err);
	return 0;
}

/* A sign line: mail From: domain signed d=domain with (keydomain,
 * selector)'s key. */
static int
sign_line(struct render_ctx *rc, const char *domain, const char *keydomain,
	  const char *selector, struct hk_err *err)
{
	if (strbuf_printf(&rc->out->files[F_DKIM], "sign %s %s %s\n", domain,
			  keydomain, selector) < 0)
		return overflow(err);
	return 0;
}

/* One key (store_dkim_signing, by domain and selector): its key line,
 * and for an active one its domain's sign line, remembered for the
 * domain's alias domains. */
static int
dkim_key_row(void *ctx, const struct dkim_signing *k, struct hk_err *err)
{
	struct render_ctx *rc = ctx;
	struct strbuf *sb = &rc->out->files[F_DKIM];
	struct signer *s;

	if (strbuf_printf(sb, "key %s %s ", k->domain, k->selector) < 0 ||
	    base64_encode(sb, k->pem, k->pem_len) < 0 ||
	    strbuf_puts(sb, "\n") < 0)
		return overflow(err);
	if (strcmp(k->state, "active") != 0)
		return 0;
	if (rc->nsigners == rc->signers_cap) {
		size_t cap = rc->signers_cap ? 2 * rc->signers_cap : 64;
		struct signer *v = realloc(rc->signers, cap * sizeof(*v));

		if (v == NULL)
			return hk_fail(err, HK_EINTERNAL, NULL,
				       "out of memory");
		rc->signers = v;
		rc->signers_cap = cap;
	}
	s = &rc->signers[rc->nsigners++];
	snprintf(s->domain, sizeof(s->domain), "%s", k->domain);
	snprintf(s->selector, sizeof(s->selector), "%s", k->selector);
	return sign_line(rc, k->domain, k->domain, k->selector, err);
}

/* Row: alias domain, its target (by alias): the target's active keys
 * sign the alias's mail too.  signers[] is in the targets' name order. */
static int
dkim_alias_row(void *ctx, const struct db_row *row, struct hk_err *err)
{
	struct render_ctx *rc = ctx;

	for (size_t i = 0; i < rc->nsigners; i++)
		if (strcmp(rc->signers[i].domain, row->vals[1]) == 0 &&
		    sign_line(rc, row->vals[0], row->vals[1],
			      rc->signers[i].selector, err) < 0)
			return -1;
	return 0;
}

/* The dkim file: every key, then the alias domains' sign lines. */
static int
render_dkim(struct db *db, struct render_ctx *rc, const struct db_param *p,
	    struct hk_err *err)
{
	if (store_dkim_signing(db, rc->opts->dkim, p[0].num, dkim_key_row, rc,
			       err) < 0)
		return -1;
	if (rc->nsigners == 0)
		return 0;
	return db_query(db, "SELECT x.name, d.name FROM alias_domain x JOIN "
			"domain d ON d.id = x.target_domain_id WHERE "
			"d.guest_id = $1 AND d.active = 1 AND x.active = 1 "
			"ORDER BY x.name", p, 1, dkim_alias_row, rc, NULL,
			err);
}

/* An alias's address: "@domain" for the catch-all (local part ''). */
#define ADDR(lp, dom) \
	"CASE WHEN " lp " = '' THEN '@' || " dom " ELSE " lp " || '@' || " \
	dom " END"

/*
 * What guest $1 is to domain d, with mv its live move (if any; see
 * sql/sqlite/013_domain_move.sql for the steps): it serves d's mail
 * (virtual_* maps), it relays d's mail (relay_* maps: a backup MX, or the
 * source of a move from the cut-over on), it takes d's logins, or it
 * holds d's mailboxes for dsync with logins refused.
 */
#define MV	" LEFT JOIN domain_move mv ON mv.domain_id = d.id AND " \
	"mv.live = 1 "
#define MV_FROM	"COALESCE(mv.from_guest_id, 0) = $1"
#define MV_TO	"COALESCE(mv.to_guest_id, 0) = $1"
#define LOGINS	"(d.guest_id = $1 AND NOT (" MV_FROM " AND mv.step >= 2))"
#define SERVES	"(" LOGINS " OR (" MV_TO " AND mv.step IN (1, 2)))"
#define RELAYS	"(d.backup_guest_id = $1 OR (" MV_FROM " AND " \
	"mv.step IN (2, 3)))"
#define HOLDS	"((" MV_TO " AND mv.step <= 2) OR (" MV_FROM " AND " \
	"mv.step IN (2, 3)))"
/*
 * Either end of d's live move.  Each step changes what the two guests are
 * to d by its domain lists alone (virtual_mailbox_domains, relay_domains,
 * transport); the recipient tables list d's addresses on both guests all
 * through the move.  Postfix's processes take a new generation one by one
 * as they restart, so for a moment trivial-rewrite may class an address
 * by one generation and smtpd check the recipient in the other's tables:
 * with the addresses in every table of both, no such moment refuses a
 * recipient.  (The source's aliases expand there or on the target alike.)
 */
#define MOVING	"(mv.id IS NOT NULL AND (" MV_FROM " OR " MV_TO "))"
#define LISTS	"(" SERVES " OR " MOVING ")"

/* The live domains that are `pred` to $1, and the alias domains that
 * point at them. */
#define LIVE_DOMAINS(pred) \
	"SELECT d.name FROM domain d" MV "WHERE " pred " AND d.active = 1 " \
	"UNION SELECT x.name FROM alias_domain x JOIN domain d ON d.id = " \
	"x.target_domain_id" MV "WHERE " pred " AND d.active = 1 AND " \
	"x.active = 1"

/*
 * Which keys of the keyed files a query renders (render_delta.h): S(dom,
 * lp) is given the columns of a row's key, its domain and local part.
 * ANY: every key, the whole guest; IN_DOMAIN: the keys of domain $2;
 * IN_ADDR: the key $3@$2.
 */
#define ANY(dom, lp)		""
#define IN_DOMAIN(dom, lp)	" AND " dom " = $2"
#define IN_ADDR(dom, lp)	" AND " dom " = $2 AND " lp " = $3"

/* Every (key, value) of virtual_alias_maps for domains that are `pred` to
 * $1: the aliases; each mailbox of a domain with a catch-all to itself
 * (virtual_alias_maps comes before virtual_mailbox_maps: "@domain" would
 * take the mailboxes' mail too); and for each alias domain one entry per
 * mailbox and alias of its target (a bare "@alias @target" would make
 * Postfix accept any address of the alias domain), "@alias @target" only
 * for a catch-all.  Of the keys S says. */
#define ALIAS_PAIRS(pred, S) \
	"SELECT " ADDR("a.local_part", "d.name") " AS k, a.destinations AS v " \
	"FROM alias a JOIN domain d ON d.id = a.domain_id" MV "WHERE " pred \
	" AND d.active = 1 AND a.active = 1" S("d.name", "a.local_part") \
	" UNION ALL " \
	"SELECT m.local_part || '@' || d.name, m.local_part || '@' || d.name " \
	"FROM mailbox m JOIN domain d ON d.id = m.domain_id" MV "WHERE " pred \
	" AND d.active = 1 AND m.active = 1 AND EXISTS (SELECT 1 FROM alias c " \
	"WHERE c.domain_id = d.id AND c.local_part = '' AND c.active = 1)" \
	S("d.name", "m.local_part") " UNION ALL " \
	"SELECT m.local_part || '@' || x.name, m.local_part || '@' || d.name " \
	"FROM alias_domain x JOIN domain d ON d.id = x.target_domain_id " \
	"JOIN mailbox m ON m.domain_id = d.id" MV "WHERE " pred " AND " \
	"d.active = 1 AND x.active = 1 AND m.active = 1" \
	S("x.name", "m.local_part") " UNION ALL " \
	"SELECT " ADDR("a.local_part", "x.name") ", " \
	ADDR("a.local_part", "d.name") " FROM alias_domain x JOIN domain d " \
	"ON d.id = x.target_domain_id JOIN alias a ON a.domain_id = d.id" MV \
	"WHERE " pred " AND d.active = 1 AND x.active = 1 AND a.active = 1" \
	S("x.name", "a.local_part")

/* A moved domain's (and its alias domains') mail, relayed by the source
 * to the target's address, port 25. */
#define TRANSPORTS \
	"SELECT n, 'relay:[' || g.ssh_host || ']:25' AS v FROM (SELECT d.name AS " \
	"n, mv.to_guest_id AS t FROM domain d JOIN domain_move mv ON " \
	"mv.domain_id = d.id AND mv.live = 1 WHERE mv.from_guest_id = $1 AND " \
	"mv.step IN (2, 3) AND d.active = 1 UNION SELECT x.name, " \
	"mv.to_guest_id FROM alias_domain x JOIN domain d ON d.id = " \
	"x.target_domain_id JOIN domain_move mv ON mv.domain_id = d.id AND " \
	"mv.live = 1 WHERE mv.from_guest_id = $1 AND mv.step IN (2, 3) AND " \
	"d.active = 1 AND x.active = 1) r JOIN guest g ON g.id = r.t"

/* The mailboxes in passwd: those that take logins here, and while a move
 * is live every mailbox of its domain (inactive ones too: their mail
 * moves) on both guests, logins refused where they do not serve. */
#define PASSWD_ROWS(S) \
	"SELECT m.local_part, d.name, m.password_hash, m.quota_bytes, " \
	"CASE WHEN m.active = 1 AND " LISTS " THEN 1 ELSE 0 END, " \
	"CASE WHEN m.active = 1 AND " LOGINS " THEN 1 ELSE 0 END FROM " \
	"mailbox m JOIN domain d ON d.id = m.domain_id" MV "WHERE " \
	"d.active = 1 AND ((m.active = 1 AND " SERVES ") OR (mv.id IS NOT " \
	"NULL AND (" LOGINS " OR " HOLDS ")))" S("d.name", "m.local_part") \
	" ORDER BY d.name, m.local_part"

#define VALIAS(S) "SELECT k, v FROM (" ALIAS_PAIRS(LISTS, S) ") t ORDER BY k"

/* Recipients a relay accepts: mailboxes, and every alias key (of a moving
 * domain on both guests, see MOVING). */
#define RRECIP(S) \
	"SELECT addr FROM (SELECT m.local_part || '@' || d.name AS addr " \
	"FROM mailbox m JOIN domain d ON d.id = m.domain_id" MV "WHERE ((" \
	RELAYS ") OR " MOVING ") AND d.active = 1 AND m.active = 1" \
	S("d.name", "m.local_part") " UNION SELECT k FROM (" \
	ALIAS_PAIRS("(" RELAYS " OR " MOVING ")", S) ") p) r ORDER BY addr"

/* A script for each active mailbox that takes logins here (none for one
 * held for a move: its mail is a copy being made), in passwd's order. */
#define SIEVES(S) \
	"SELECT m.local_part || '@' || d.name, " STORE_SIEVE_COLS " FROM " \
	"mailbox m JOIN domain d ON d.id = m.domain_id JOIN mailbox_sieve s " \
	"ON s.mailbox_id = m.id" MV "WHERE d.active = 1 AND m.active = 1 AND " \
	LOGINS S("d.name", "m.local_part") " ORDER BY d.name, m.local_part"

/* The small files, rendered whole every time. */
static const struct {
	const char *sql;
	db_row_fn fn;
} queries[] = {
	{ "SELECT name FROM (" LIVE_DOMAINS(SERVES) ") t ORDER BY name",
	  vdomain_row },
	{ "SELECT name FROM (" LIVE_DOMAINS(RELAYS) ") t ORDER BY name",
	  rdomain_row },
	{ "SELECT n, v FROM (" TRANSPORTS ") t ORDER BY n", transport_row },
	/* The trash in the order of what happened (store_trash.c). */
	{ "SELECT CASE WHEN restores IS NULL THEN 'trash ' || CAST(id AS TEXT)"
	  " ELSE 'restore ' || CAST(restores AS TEXT) END || ' ' || local_part"
	  " || '@' || domain FROM mailbox_trash WHERE guest_id = $1 ORDER BY "
	  "id", trash_row },
};

/* The keyed files (mapdelta.h), of every key, a domain's, an address's. */
static const struct {
	const char *sql[3];
	db_row_fn fn;
} keyed[] = {
	{ { PASSWD_ROWS(ANY), PASSWD_ROWS(IN_DOMAIN), PASSWD_ROWS(IN_ADDR) },
	  mailbox_row },
	{ { VALIAS(ANY), VALIAS(IN_DOMAIN), VALIAS(IN_ADDR) }, alias_row },
	{ { RRECIP(ANY), RRECIP(IN_DOMAIN), RRECIP(IN_ADDR) }, recipient_row },
	{ { SIEVES(ANY), SIEVES(IN_DOMAIN), SIEVES(IN_ADDR) }, sieve_row },
};

static void
ctx_init(struct render_ctx *rc, struct render_out *out,
	 const struct render_opts *opts)
{
	memset(rc, 0, sizeof(*rc));
	rc->out = out;
	rc->opts = opts;
	memset(out, 0, sizeof(*out));
	strbuf_init(&rc->script, MAPSYNTAX_SIEVE_MAX);
	for (int i = 0; i < BUNDLE_MAX_FILES; i++)
		strbuf_init(&out->files[i], BUNDLE_MAX_SIZE / 2);
}

static void
ctx_free(struct render_ctx *rc)
{
	strbuf_free(&rc->script);
	free(rc->signers);
}

/* The small files whole (params p: the guest). */
static int
render_small(struct db *db, struct render_ctx *rc, const struct db_param *p,
	     struct hk_err *err)
{
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		if (db_query(db, queries[i].sql, p, 1, queries[i].fn, rc,
			     NULL, err) < 0)
			return -1;
	return render_dkim(db, rc, p, err);
}

/* The keyed files of the key scope (0 any, 1 domain $2, 2 address $3@$2)
 * in p. */
static int
render_keyed(struct db *db, struct render_ctx *rc, int scope,
	     const struct db_param *p, struct hk_err *err)
{
	for (size_t i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
		if (db_query(db, keyed[i].sql[scope], p, 1 + scope,
			     keyed[i].fn, rc, NULL, err) < 0)
			return -1;
	return 0;
}

/* A database whose collation is not by bytes lists the keyed files in
 * another order: put them in the agent's (mapdelta.h). */
static int
in_key_order(struct render_out *out, struct hk_err *err)
{
	for (int i = 0; bundle_names[i] != NULL; i++) {
		struct strbuf *f = &out->files[i];

		if (!mapdelta_keyed(bundle_names[i]) ||
		    mapdelta_in_order(bundle_names[i], f->data, f->len))
			continue;
		if (mapdelta_sort(bundle_names[i], f->data, f->len) < 0)
			return hk_fail(err, HK_EINTERNAL, NULL,
				       "out of memory");
	}
	return 0;
}

int
render_guest(struct db *db, int64_t guest_id, const struct render_opts *opts,
	     struct render_out *out, struct hk_err *err)
{
	struct db_param p[1] = { DB_INTV(guest_id) };
	struct render_ctx rc;
	int rv = -1;

	ctx_init(&rc, out, opts);
	if (db_begin(db, 0, err) < 0) {
		ctx_free(&rc);
		return -1;
	}
	if (db_query_int(db, "SELECT desired_gen FROM guest WHERE id = $1", p,
			 1, &out->generation, err) == 0 &&
	    render_small(db, &rc, p, err) == 0 &&
	    render_keyed(db, &rc, 0, p, err) == 0 &&
	    in_key_order(out, err) == 0)
		rv = 0;
	db_rollback(db);	/* read-only: nothing to commit */
	ctx_free(&rc);
	if (rv < 0)
		render_out_free(out);
	return rv;
}

int
render_guest_keys(struct db *db, int64_t guest_id,
		  const struct render_opts *opts, const struct render_key *keys,
		  size_t n, struct render_out *out, struct hk_err *err)
{
	struct db_param p[3] = { DB_INTV(guest_id) };
	struct render_ctx rc;
	int rv;

	ctx_init(&rc, out, opts);
	rv = render_small(db, &rc, p, err);
	for (size_t i = 0; rv == 0 && i < n; i++) {
		p[1] = DB_TXT(keys[i].domain);
		p[2] = keys[i].local_part ? DB_TXT(keys[i].local_part) : DB_NUL;
		rv = render_keyed(db, &rc, keys[i].local_part ? 2 : 1, p, err);
	}
	ctx_free(&rc);
	if (rv < 0)
		render_out_free(out);
	return rv;
}

int
render_bundle(struct render_out *out, struct strbuf *wire,
	      char whole_sha256[65], char sums[][65], struct hk_err *err)
{
	struct bundle_file files[BUNDLE_MAX_FILES];

	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		files[i].name = bundle_names[i];
		files[i].data = strbuf_str(&out->files[i]);
		files[i].len = out->files[i].len;
	}
	if (bundle_write(wire, (uint64_t)out->generation, files,
			 BUNDLE_MAX_FILES, whole_sha256, err) < 0)
		return -1;
	for (int i = 0; sums != NULL && i < BUNDLE_MAX_FILES; i++)
		memcpy(sums[i], files[i].sha256, 65);
	return 0;
}

void
render_out_free(struct render_out *out)
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++)
		strbuf_free(&out->files[i]);
}
