/* SPDX-License-Identifier: ISC */
/*
 * store.h - the mail model: every read and write of tenant data, scoped by
 * the actor, over the db interface.  API, CLI and pushd call only these;
 * none of them writes SQL of its own.
 *
 * Inputs are already canonical (validate.h); results come back as jansson
 * objects owned by the caller.  An object outside the actor's project is
 * answered HK_ENOTFOUND, exactly like one that does not exist.  Every write
 * that changes what a guest serves bumps that guest's desired generation in
 * the same transaction.
 */
#ifndef HK_STORE_H
#define HK_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "err.h"
#include "store_change.h"

struct hk_actor {
	int64_t account_id;
	int is_admin;		/* reaches every project */
	int64_t project_id;	/* owners: their project; 0 for a mailbox user
				 * (no project has id 0: project-scoped
				 * queries see nothing) */
	int64_t mailbox_id;	/* a mailbox user's own mailbox, else 0 */
	int second_factor;	/* a session that passed a TOTP or
				 * recovery code at sign-in or enrolment */
	int must_enrol;		/* a session of an account [auth]
				 * require_totp covers, not yet enrolled */
	int read_only;
	int64_t session_id;	/* a web session's, else 0 */
	int64_t expires_at;	/* the credential's end, 0: none */
	char login[320];	/* for the audit trail: an account or an
				 * address (MAPSYNTAX_ADDRESS_MAX) */
	char via[8];		/* api, web, cli or import */
};

/* --- shared by the store modules --- */
struct domain_ref {
	int64_t id, project_id, guest_id;
	int64_t backup_guest_id;	/* -1: none */
};
/* The domain `name` as the actor may see it; HK_ENOTFOUND otherwise. */
int store_domain_ref(struct db *db, const struct hk_actor *actor,
		     const char *name, struct domain_ref *ref,
		     struct hk_err *err);
/* HK_EEXIST domain_moving when the domain has a live move, else 0: what
 * may not change under a move (its deletion, its backup MX, active, its
 * mailboxes' deletion). */
int store_domain_moving(struct db *db, const struct domain_ref *ref,
			const char *name, struct hk_err *err);
/* Appends to the audit log, in the caller's transaction.  Takes ownership
 * of detail (may be NULL), which must hold no secret. */
int store_audit(struct db *db, const struct hk_actor *actor,
		const char *action, const char *object, int64_t project_id,
		json_t *detail, struct hk_err *err);
/* An audit entry whose detail is {"before": before, "after": after}
 * (either may be NULL: an addition, a deletion); takes both. */
int store_audit_change(struct db *db, const struct hk_actor *actor,
		       const char *action, const char *object,
		       int64_t project_id, json_t *before, json_t *after,
		       struct hk_err *err);
/* The end of an audited write: store_audit_change, then commit; rolls
 * back on any failure.  Takes before and after. */
int store_commit_change(struct db *db, const struct hk_actor *actor,
			const char *action, const char *object,
			int64_t project_id, json_t *before, json_t *after,
			struct hk_err *err);
/* The end of a failed write: frees before (may be NULL), rolls back,
 * returns -1. */
int store_abort(struct db *db, json_t *before);
/* 0 for an operator with write access, else HK_EFORBIDDEN. */
int store_operator(const struct hk_actor *actor, struct hk_err *err);
/* The newest entries first (older than the entry before_id, if > 0: the
 * next page), the actor's project only for owners. */
int store_audit_list(struct db *db, const struct hk_actor *actor,
		     int64_t before_id, int limit, json_t **out,
		     struct hk_err *err);

/* --- paged listings (store_page.c) ---
 * Every listing answers the rows after the cursor `after`, in the order of
 * its unique sort key (a name, a login, a local part), at most `limit`;
 * next (when not NULL) gets the key to pass as `after` for the next page,
 * or "" after the last.  A NULL page lists everything (where no domain
 * is needed). */
#define PAGE_LIMIT_MAX		1000
#define PAGE_LIMIT_DEFAULT	100
#define PAGE_CURSOR_MAX		318	/* the longest key: an address */
struct page_in {
	const char *domain;	/* canonical: the domain listed or filtered by */
	const char *after;	/* exclusive; NULL: from the start */
	int limit;		/* 1..PAGE_LIMIT_MAX */
	const char *search;	/* a fragment of the key (or a name), or NULL */
	int active;		/* -1 any, 0 or 1 */
	int by_usage;		/* mailboxes: most used first; the cursor is
				 * "BYTES:LOCAL_PART" (BYTES -1: never
				 * reported), as the last page gave it */
};
/* The parameters a listing binds first: $1 the cursor, $2 the LIKE
 * pattern (NULL: no search), $3 the row limit, $4 the active filter, $5
 * the actor's project (-1 for an operator: every project). */
struct page_bind {
	struct db_param p[5];
	char like[2 * PAGE_CURSOR_MAX + 3];
};
int store_page_bind(const struct page_in *page, const struct hk_actor *actor,
		    struct page_bind *pb, struct hk_err *err);
/* "%frag%" for LIKE ... ESCAPE '\\', its ASCII lowercased: what a listing's
 * q= is tested with; HK_EINVAL (field "q") for a fragment too long. */
int store_like_pattern(const char *frag, char *out, size_t outlen,
		       struct hk_err *err);
/*
 * Substring search of a long listing (store_search.c): the plan for the
 * fragment frag of a listing of kind (0: mailboxes, 1: aliases), from
 * the backend's candidates (db_search()); p holds the listing's $1..$5
 * and gets $6 and $7.  Returns SEARCH_SCAN, or SEARCH_FEW with the
 * candidates' ids in ids (a JSON array, $6, which the caller keeps while
 * it queries: the backend's db_search()->ids reads it), or -1 with err
 * set.
 */
enum { SEARCH_SCAN, SEARCH_FEW };
#define SEARCH_PARAMS	7	/* $1..$7 */
#define SEARCH_IDS_MAX	65536	/* search_few ids, at most 20 bytes each */
int store_search_plan(struct db *db, int kind, const char *frag,
		      struct db_param *p, struct strbuf *ids,
		      struct hk_err *err);
/* Brings the search index, which writes do not keep, up to date: at
 * most batch rows of each kind and each of the backend's steps, each in
 * one write transaction; *done: how many (0: nothing was left).  pushd
 * calls it after writes. */
int store_search_upkeep(struct db *db, long batch, long *done,
			struct hk_err *err);
/* Whether frag has a trigram (three characters or more): a shorter one
 * the indexes cannot answer. */
int store_search_trigrams(const char *frag);
/* Whether a listing walks first (store_search.c) for frag: if so, sets
 * p's $6 and $7 (how many rows it walks) and returns that many, else 0. */
long store_search_walk(const char *frag, struct db_param *p);
/* After a walk that found `found` rows, fewer than a page of limit and
 * one more: where they were so many that a longer walk should fill the
 * page, sets p's $7 to its length and returns it, else 0. */
long store_search_rewalk(long found, long limit, struct db_param *p);
/* The candidates' bound: at most few are sorted, more leave the page to
 * the scan; and how many rows the walk tests first (0: none).  For tests
 * and benchmarks, which try each plan. */
void store_search_plans(long few, long walk);
/* The WHERE terms and the ORDER/LIMIT tail over $1..$4, for a sort
 * key column and an active column (or "$4" where there is none). */
#define PAGE_WHERE(key, active) \
	key " > $1 AND (CAST($2 AS TEXT) IS NULL OR " key " LIKE $2 ESCAPE " \
	"'\\') AND ($4 < 0 OR " active " = $4) "
#define PAGE_TAIL(key)	"ORDER BY " key " LIMIT $3"
/* Drops the one row too many and sets next from its predecessor's key. */
void store_page_cut(json_t *arr, const struct page_in *page, const char *key,
		    char *next);
/* The type every listing has. */
typedef int (*store_lister)(struct db *db, const struct hk_actor *actor,
			    const struct page_in *page, json_t **out,
			    char *next, struct hk_err *err);

/* --- projects and accounts (operator) --- */
/* A project's limits; 0 is no limit, a negative value leaves that limit
 * as it is (no limit for a new project). */
struct project_limits {
	int64_t max_domains, max_mailboxes, max_storage;
};
/* Operator only, each in a transaction of its own, audited. */
int store_project_add(struct db *db, const struct hk_actor *actor,
		      const char *name, const struct project_limits *lim,
		      struct hk_err *err);
int store_project_id(struct db *db, const char *name, int64_t *id,
		     struct hk_err *err);

int store_project_limits(struct db *db, const struct hk_actor *actor,
			 const char *name, const struct project_limits *lim,
			 struct hk_err *err);
/* Each with its limits and use; an owner sees its own project only. */
int store_project_list(struct db *db, const struct hk_actor *actor,
		       const struct page_in *page, json_t **out, char *next,
		       struct hk_err *err);
int store_project_get(struct db *db, const struct hk_actor *actor,
		      const char *name, json_t **out, struct hk_err *err);

/* Deletes an empty project: one that still has guests or domains is
 * HK_EEXIST naming what is left.  Its owner accounts go with it. */
int store_project_delete(struct db *db, const struct hk_actor *actor,
			 const char *name, struct hk_err *err);

/* Accounts: operator only (HK_EFORBIDDEN otherwise); every change is
 * audited with the account as it was.  No listing carries a hash. */
struct account_in {
	const char *login;		/* validated slug */
	const char *role;		/* "admin" or "owner" */
	const char *project;		/* owners only */
	const char *password_hash;	/* NULL: no web login */
	int directory;			/* the [ldap] directory checks its
					 * password (then password_hash is
					 * not used) */
};
int store_account_add(struct db *db, const struct hk_actor *actor,
		      const struct account_in *in, json_t **out,
		      struct hk_err *err);
int store_account_list(struct db *db, const struct hk_actor *actor,
		       const struct page_in *page, json_t **out, char *next,
		       struct hk_err *err);
int store_account_get(struct db *db, const struct hk_actor *actor,
		      const char *login, json_t **out, struct hk_err *err);
/* A change to an account in one transaction (ending its sessions):
 * disabled -1 keeps it; set_password with password_hash NULL removes the
 * password (API keys only); revoke_keys (with set_password only) also
 * revokes its live API keys.  An account cannot disable itself. */
struct account_patch {
	int disabled;
	int set_password;
	const char *password_hash;
	int revoke_keys;
	int directory;			/* -1 keeps it */
};
int store_account_update(struct db *db, const struct hk_actor *actor,
			 const char *login, const struct account_patch *patch,
			 struct hk_err *err);
/* hash NULL removes the password (API keys only). */
int store_account_password(struct db *db, const struct hk_actor *actor,
			   const char *login, const char *hash,
			   struct hk_err *err);
int store_account_disable(struct db *db, const struct hk_actor *actor,
			  const char *login, int disabled,
			  struct hk_err *err);
int store_account_delete(struct db *db, const struct hk_actor *actor,
			 const char *login, struct hk_err *err);
/* Makes the operator account `login` (no password: API keys only) when
 * there is no operator yet; *made says whether it did. */
int store_account_first_admin(struct db *db, const struct hk_actor *actor,
			      const char *login, int *made,
			      struct hk_err *err);
/* The project of an owner account, or -1. */
int64_t store_account_project(struct db *db, const char *login);
/* Ends the web sessions of account `login`, in the caller's
 * transaction. */
int store_account_end_sessions(struct db *db, const char *login,
			       struct hk_err *err);

/* --- API keys --- */
/* A key for the enabled account `login`, expiring at expires_at (0:
 * never); the token is written to token[] and never stored.  An owner
 * may only make keys for itself.  An actor whose credential expires
 * makes keys that expire no later (HK_EINVAL, field expires_at; the API
 * clamps to it first). */
int store_apikey_create(struct db *db, const struct hk_actor *actor,
			const char *login, int read_only, int64_t expires_at,
			char *token, size_t tokenlen, struct hk_err *err);
/* Checks a presented bearer token; fills actor and notes the key's last
 * use (to the minute).  HK_EAUTH on any mismatch, expired or revoked key,
 * or disabled account (one message for all, to reveal nothing). */
int store_apikey_auth(struct db *db, const char *token,
		      struct hk_actor *actor, struct hk_err *err);
/* Every key by its public prefix, never the digest; an owner sees the
 * keys of its project's accounts. */
int store_apikey_list(struct db *db, const struct hk_actor *actor,
		      const struct page_in *page, json_t **out, char *next,
		      struct hk_err *err);
/* Revokes the key with this prefix (HK_ENOTFOUND if none is live, or if
 * it is not the actor's own: an owner revokes only its own keys). */
int store_apikey_revoke(struct db *db, const struct hk_actor *actor,
			const char *prefix, struct hk_err *err);

/* --- guests --- */
struct guest_in {
	const char *name, *project, *host, *user, *host_key;
	int port;
	/* Where its domains' mail records point (dnsrecords.h): mail_host
	 * an A-label (validate_domain), mail_addrs canonical addresses
	 * separated by ' ' (validate_mail_addrs).  NULL keeps what the guest
	 * has (none for a new guest); "" clears it. */
	const char *mail_host, *mail_addrs;
};
/* Operator only, audited with the pinned key. */
int store_guest_add(struct db *db, const struct hk_actor *actor,
		    const struct guest_in *in, json_t **out,
		    struct hk_err *err);
/* One guest and its push state, as the actor may see it (an owner: the
 * guests of its project). */
int store_guest_get(struct db *db, const struct hk_actor *actor,
		    const char *name, json_t **out, struct hk_err *err);
/* A guest that moved or was reinstalled: in->name picks it; a NULL host,
 * user or host_key and a port of 0 keep what it has (its project stays).
 * It is owed a push at once, unless only its mail_host or mail_addrs
 * changed (they are in no map).  In the JSON of a guest, mail_host is a
 * string or null and mail_addrs an array of strings (empty: none). */
int store_guest_update(struct db *db, const struct hk_actor *actor,
		       const struct guest_in *in, json_t **out,
		       struct hk_err *err);
/* Refused (HK_EEXIST) while a domain is served or backed up by it; the
 * guest itself keeps its last maps and goes on serving them. */
int store_guest_delete(struct db *db, const struct hk_actor *actor,
		       const char *name, struct hk_err *err);
int store_guest_list(struct db *db, const struct hk_actor *actor,
		     const struct page_in *page, json_t **out, char *next,
		     struct hk_err *err);
/* The sum of the quotas of project `pid`'s mailboxes (an SQL expression;
 * pid names its project id), exact, and saturated at INT64_MAX: quotas
 * each up to INT64_MAX may add up past it, where SQLite's SUM() fails
 * ("integer overflow") and PostgreSQL's cast back to BIGINT too ("bigint
 * out of range").  Not as REAL: a double rounds past 2^53, so SQLite and
 * PostgreSQL would disagree on the figure and a storage limit would not
 * hold to the byte.  Each quota (never negative) is split at 2^32 into two
 * integer sums that cannot overflow (under 2^31 mailboxes), then put back
 * together unless hi * 2^32 + lo > INT64_MAX, the test done by integer
 * division so that nothing overflows on either backend. */
#define STORE_STORAGE_USED(pid) \
	"(SELECT CASE WHEN hi > (9223372036854775807 - lo) / 4294967296 " \
	"THEN 9223372036854775807 ELSE hi * 4294967296 + lo END FROM " \
	"(SELECT CAST(COALESCE(SUM(m.quota_bytes / 4294967296), 0) AS " \
	"BIGINT) AS hi, CAST(COALESCE(SUM(m.quota_bytes % 4294967296), 0) " \
	"AS BIGINT) AS lo FROM mailbox m JOIN domain d ON d.id = " \
	"m.domain_id WHERE d.project_id = " pid ") s)"
/* Limits (0: none), checked in the caller's write transaction after
 * locking the project's row, so that concurrent writers on PostgreSQL
 * cannot both take the last place.  HK_ELIMIT names the limit. */
/* That lock alone, for a writer that counts by itself (an import). */
int store_limit_lock(struct db *db, int64_t project_id, struct hk_err *err);
int store_limit_domain(struct db *db, int64_t project_id, struct hk_err *err);
/* *quota < 0 becomes the domain's default quota. */
int store_limit_mailbox(struct db *db, const struct domain_ref *ref,
			int64_t *quota, struct hk_err *err);

/* A mailbox's quota going from old_quota to new_quota within the
 * project's storage limit. */
int store_limit_quota(struct db *db, const struct domain_ref *ref,
		      int64_t old_quota, int64_t new_quota,
		      struct hk_err *err);

/* "Push now" for an operator: the guest is owed a push at once (audited);
 * *out gets its state. */
int store_guest_push(struct db *db, const struct hk_actor *actor,
		     const char *name, json_t **out, struct hk_err *err);
/* --- pushd's side of the guests (store_push.c) --- */

/* A guest leased to one pushd worker: a push when dirty, else a drift
 * check when one is due; and then its report when that is due (alone if
 * nothing else is).  Strings are owned; store_push_job_free() frees them. */
struct push_job {
	int64_t id, project_id, desired_gen, applied_gen;
	char *name, *host, *user, *host_key;
	char *applied_files;	/* JSON {file: sha256} last applied, or NULL */
	int port;
	int failures;		/* consecutive, for the backoff */
	int dirty;
	int check_due;		/* clean, and its drift check is due */
	int report_due;		/* its report is due */
};
void store_push_job_free(struct push_job *job);

struct push_lease {
	const char *node;	/* who holds it: [pushd] node */
	int64_t now;		/* seconds */
	int seconds;		/* how long it holds */
	int checks;		/* also lease guests due for a drift check */
	int reports;		/* also lease guests due for a report */
};
/*
 * Leases the most urgent guest to l->node: a dirty one whose retry time
 * has come, else (l->checks) a clean one due for a drift check, else
 * (l->reports) one whose report is due.  Returns
 * 1 with job filled, 0 when there is none, -1 on error.  Several nodes
 * may claim at once; each guest goes to one of them.
 */
int store_push_claim(struct db *db, const struct push_lease *l,
		     struct push_job *job, struct hk_err *err);
/* Leases guest_id now, whatever is due (a move's step needs its push at
 * once): 1 with job filled, 0 when another holds it, -1 on error. */
int store_push_claim_guest(struct db *db, const struct push_lease *l,
			   int64_t guest_id, struct push_job *job,
			   struct hk_err *err);
/* Guest id's ssh identity and generations, without a lease. */
int store_push_job_of(struct db *db, int64_t guest_id, struct push_job *job,
		      struct hk_err *err);
/* Gives up every lease node holds (its pushd was restarted). */
int store_push_release_node(struct db *db, const char *node, int64_t *n,
			    struct hk_err *err);
/* Opens a row of the push history (kind "apply" or "status"). */
int store_push_started(struct db *db, const struct push_job *job,
		       const char *node, const char *kind, int64_t now_ms,
		       int64_t *push_id, struct hk_err *err);
/* What push push_id is sending: "full", "full+zstd" or "delta", bytes. */
int store_push_sending(struct db *db, int64_t push_id, const char *bundle,
		       int64_t bytes, struct hk_err *err);

struct push_outcome {
	const struct push_job *job;
	const char *node;
	int64_t push_id;	/* from store_push_started, or 0 */
	int64_t gen;		/* generation pushed or checked */
	int ok;
	int check;		/* a drift check, not a push */
	const char *files;	/* ok: the agent's {file: sha256} */
	const char *state;	/* !ok: "unreachable" or "failed" */
	const char *error;	/* !ok */
	int64_t now_ms;
	int64_t retry_at;	/* !ok: the next attempt (seconds) */
	int64_t check_at;	/* ok: the next drift check (seconds) */
	int64_t report_at;	/* > 0: a report was asked; the next one */
	/* A repair (drift found, or the guest serves a newer generation
	 * than the panel knows): the guest is owed a generation past
	 * `served` at once, and the audit log says why. */
	const char *repair_action;	/* NULL: none */
	json_t *repair_detail;		/* not taken */
	int64_t served;
	/* A push: the bytes it sent and how ("full", "delta", with "+zstd"
	 * when compressed); NULL for a check or nothing sent. */
	int64_t bytes;
	const char *bundle;
};
/* Records the outcome and ends the lease: the applied generation, state,
 * since when unreachable, the next retry or check.  HK_EEXIST when the
 * lease was lost meanwhile (nothing but the history is written then). */
int store_push_done(struct db *db, const struct push_outcome *o,
		    struct hk_err *err);
/* Ends the lease of a job that was only a report: the next one is due at
 * report_at.  HK_EEXIST when the lease was lost meanwhile. */
int store_push_report_done(struct db *db, const struct push_job *job,
			   const char *node, int64_t report_at,
			   struct hk_err *err);
/* The earliest time at which a guest falls due (a retry, a check, a
 * report, an expiring lease), or -1 if none will. */
int store_push_next_due(struct db *db, const struct push_lease *l,
			int64_t *at, struct hk_err *err);

/* --- domains --- */
/* In the caller's write transaction: a new domain (name canonical) on a
 * guest the actor reaches, in the guest's project and within its limit of
 * domains, audited; no push owed (the caller's rows owe it, once).
 * store_domain_add is this in a transaction of its own, the guest owed a
 * push, and answers with the domain as it is then. */
int store_domain_insert(struct db *db, const struct hk_actor *actor,
			const char *name, const char *guest,
			struct hk_err *err);
int store_domain_add(struct db *db, const struct hk_actor *actor,
		     const char *name, const char *guest, json_t **out,
		     struct hk_err *err);
int store_domain_get(struct db *db, const struct hk_actor *actor,
		     const char *name, json_t **out, struct hk_err *err);
int store_domain_list(struct db *db, const struct hk_actor *actor,
		      const struct page_in *page, json_t **out, char *next,
		      struct hk_err *err);
/* Makes guest `backup` (NULL: none) the domain's backup MX: it receives
 * relay_domains and relay_recipient_maps for it, never its passwords.
 * The backup must be another guest of the domain's project. */
int store_domain_backup(struct db *db, const struct hk_actor *actor,
			const char *name, const char *backup,
			struct hk_err *err);
/* An inactive domain leaves its guests' maps (mail to it is refused);
 * its mailboxes and aliases are kept. */
int store_domain_active(struct db *db, const struct hk_actor *actor,
			const char *name, int active, struct hk_err *err);
/* Refused (HK_EEXIST) while the domain holds mailboxes, aliases or alias
 * domains, unless force, which deletes them with it: its mailboxes go
 * into the trash (their maildirs moved aside on the guest, purged after
 * purge_after_s) as store_mailbox_delete's do. */
int store_domain_delete(struct db *db, const struct hk_actor *actor,
			const char *name, int force, int64_t purge_after_s,
			struct hk_err *err);
/* A change to a domain, in one audited transaction: a negative value
 * leaves that field as it is; set_backup with backup_guest NULL removes
 * the backup MX.  *out (if out is not NULL) gets the domain as it is. */
struct domain_patch {
	int active;
	int64_t max_mailboxes, default_quota;
	int set_backup;
	const char *backup_guest;
};
int store_domain_update(struct db *db, const struct hk_actor *actor,
			const char *name, const struct domain_patch *patch,
			json_t **out, struct hk_err *err);
/* Sets a domain's limits; a negative value leaves that one as it is. */
int store_domain_limits(struct db *db, const struct hk_actor *actor,
			const char *name, int64_t max_mailboxes,
			int64_t default_quota, struct hk_err *err);

/* --- mailboxes --- */
struct mailbox_in {
	const char *local_part, *domain;	/* canonical */
	const char *password_hash;		/* {SCHEME}... */
	const char *name;			/* display name, may be "" */
	int64_t quota_bytes;			/* -1: the domain's default */
	int active;
};
int store_mailbox_add(struct db *db, const struct hk_actor *actor,
		      const struct mailbox_in *in, json_t **out,
		      struct hk_err *err);
/* A change to a mailbox: NULL or -1 leaves that field as it is. */
struct mailbox_patch {
	const char *password_hash;	/* {SCHEME}..., never shown */
	const char *name;
	int64_t quota_bytes;		/* within the project's storage */
	int active;
	int64_t keep_session;		/* a new password ends the mailbox
					 * user's sessions but this one */
};
/* The patch written as it is, in the caller's transaction: no limits, no
 * audit, no push owed (the caller sees to those; a bulk import does them
 * once for the whole file).  A new password ends the mailbox user's web
 * sessions (but pt->keep_session). */
int store_mailbox_write_patch(struct db *db, const struct domain_ref *ref,
			      const char *local,
			      const struct mailbox_patch *pt,
			      struct hk_err *err);
int store_mailbox_update(struct db *db, const struct hk_actor *actor,
			 const char *local_part, const char *domain,
			 const struct mailbox_patch *patch, json_t **out,
			 struct hk_err *err);
/* Takes the mailbox out of its guest's maps, and its row into the trash
 * until now + purge_after_s: the guest moves its maildir aside at the
 * next push and removes it once the row is purged.  *trash (if trash is
 * not NULL) gets {"id", "address", "purge_at"}. */
int store_mailbox_delete(struct db *db, const struct hk_actor *actor,
			 const char *local_part, const char *domain,
			 int64_t purge_after_s, json_t **trash,
			 struct hk_err *err);
/* Inserts the mailbox in the caller's write transaction (limits checked,
 * the guest bumped); HK_EEXIST when the address is a mailbox or an alias. */
int store_mailbox_insert(struct db *db, const struct domain_ref *ref,
			 const struct mailbox_in *in, struct hk_err *err);

/* --- the mailbox trash (store_trash.c) --- */
/* In the caller's transaction: the row of mailbox local@domain of ref,
 * about to be deleted, into the trash until now + purge_after_s; *trash
 * (if not NULL) gets {"id", "address", "purge_at"}. */
int store_trash_put(struct db *db, const struct domain_ref *ref,
		    const char *local, const char *domain, int64_t now,
		    int64_t purge_after_s, json_t **trash, struct hk_err *err);
/* The same for every mailbox of the domain of ref (named domain), about
 * to be deleted with it; *n gets how many. */
int store_trash_put_domain(struct db *db, const struct domain_ref *ref,
			   const char *domain, int64_t now,
			   int64_t purge_after_s, int64_t *n,
			   struct hk_err *err);
/* Operators only: the mailbox local@domain as it was when it went into
 * the trash as trash_id (0: the newest there), with its password, name
 * and quota; the guest moves its maildir back at the next push.  Refused
 * when nothing of it is in the trash (trash_none), past its purge_at
 * (trash_purged), when its domain is on another guest now
 * (trash_other_guest), or the address is taken (mailbox_exists,
 * address_is_alias).  Audited; *out gets the mailbox. */
int store_mailbox_restore(struct db *db, const struct hk_actor *actor,
			  const char *local, const char *domain,
			  int64_t trash_id, int64_t now, json_t **out,
			  struct hk_err *err);
/* In the caller's write transaction, for store_mailbox_restore: the trash
 * row of local@domain (trash_id, 0: the newest) still restorable at now
 * to ref's guest, replaced by its restore row; *row gets {"id",
 * "password_hash", "name", "quota_bytes", "deleted_at", ...}.  Refusals
 * as store_mailbox_restore says. */
int store_trash_take(struct db *db, const struct domain_ref *ref,
		     const char *local, const char *domain, int64_t trash_id,
		     int64_t now, json_t **row, struct hk_err *err);
/* The mailboxes of domain in the trash (the actor's project only for an
 * owner): [{"id", "address", "guest", "deleted_at", "purge_at"}]. */
int store_trash_list(struct db *db, const struct hk_actor *actor,
		     const char *domain, json_t **out, struct hk_err *err);
/* pushd: every row past its purge_at goes, its guest owed a push (which
 * removes the maildir), each purge audited (actor node, via pushd); *n
 * gets how many rows this call purged (with several nodes, a row another
 * purged first is theirs).  A read only when none is due. */
int store_trash_expire(struct db *db, const char *node, int64_t now,
		       int64_t *n, struct hk_err *err);
/* The earliest purge_at of any row its guest was told of, -1 if none. */
int store_trash_next_purge(struct db *db, int64_t *at, struct hk_err *err);
/* One page of a domain's mailboxes (page->domain), by local part; the
 * (domain, active, local part) index serves it with or without the
 * active filter. */
/* *items gets the page; next_cursor the local part to pass as `after` for
 * the next page, or "" when this page is the last.  HK_EINVAL (field
 * "limit", "active") for a page_in out of range, HK_ENOTFOUND for a domain
 * the actor may not see. */
int store_mailbox_list(struct db *db, const struct hk_actor *actor,
		       const struct page_in *page, json_t **items,
		       char next_cursor[PAGE_CURSOR_MAX + 1],
		       struct hk_err *err);
/* The same page as JSON text appended to out (for the API: a page is
 * written without being built as jansson values). */
int store_mailbox_page(struct db *db, const struct hk_actor *actor,
		       const struct page_in *page, struct strbuf *out,
		       char next_cursor[PAGE_CURSOR_MAX + 1],
		       struct hk_err *err);

/* One mailbox by address; HK_ENOTFOUND (field "address") alike for a
 * missing one and another project's. */
int store_mailbox_get(struct db *db, const struct hk_actor *actor,
		      const char *local_part, const char *domain,
		      json_t **out, struct hk_err *err);

/* --- aliases: local_part "" is the domain's catch-all; destinations is a
 * canonical comma-separated list of addresses --- */
struct alias_in {
	const char *local_part, *domain;
	const char *destinations;
	int active;
};
int store_alias_add(struct db *db, const struct hk_actor *actor,
		    const struct alias_in *in, json_t **out,
		    struct hk_err *err);
/* The aliases of page->domain (required), by address ("@domain" is the
 * catch-all's). */
int store_alias_list(struct db *db, const struct hk_actor *actor,
		     const struct page_in *page, json_t **out, char *next,
		     struct hk_err *err);
/* HK_ENOTFOUND (field "address") alike for a missing one and another
 * project's. */
int store_alias_get(struct db *db, const struct hk_actor *actor,
		    const char *local_part, const char *domain, json_t **out,
		    struct hk_err *err);
/* destinations NULL and active -1 leave those as they are. */
int store_alias_update(struct db *db, const struct hk_actor *actor,
		       const char *local_part, const char *domain,
		       const char *destinations, int active,
		       struct hk_err *err);
int store_alias_delete(struct db *db, const struct hk_actor *actor,
		       const char *local_part, const char *domain,
		       struct hk_err *err);

/* --- alias domains: every address of `name` is delivered as the same
 * local part of `target` --- */
int store_aliasdomain_add(struct db *db, const struct hk_actor *actor,
			  const char *name, const char *target, json_t **out,
			  struct hk_err *err);
/* By name; page->domain, when given, keeps those aimed at it. */
int store_aliasdomain_list(struct db *db, const struct hk_actor *actor,
			   const struct page_in *page, json_t **out,
			   char *next, struct hk_err *err);
int store_aliasdomain_get(struct db *db, const struct hk_actor *actor,
			  const char *name, json_t **out, struct hk_err *err);
/* An inactive alias domain leaves its target's guests' maps. */
int store_aliasdomain_active(struct db *db, const struct hk_actor *actor,
			     const char *name, int active, struct hk_err *err);
int store_aliasdomain_delete(struct db *db, const struct hk_actor *actor,
			     const char *name, struct hk_err *err);

/* The rule an alias's destination is held to, in three parts so a bulk
 * import can add the addresses its own file defines (store_alias.c): a
 * destination in one of the project's own domains or alias domains that
 * is no mailbox or alias there, while the domain has no catch-all, would
 * bounce and is refused; addresses elsewhere are taken as given.
 * store_alias_dest_domain: *domain_id the project's domain of that name
 * (an alias domain's target), or -1 when it is none of the project's.
 * store_alias_dest_named: 1 when local or a catch-all is a mailbox or an
 * alias in that domain, else 0 (-1: the database failed).
 * store_alias_dest_refuse: the refusal (HK_EINVAL naming "destinations");
 * returns -1. */
int store_alias_dest_domain(struct db *db, int64_t project_id,
			    const char *domain, int64_t *domain_id,
			    struct hk_err *err);
int store_alias_dest_named(struct db *db, int64_t domain_id,
			   const char *local, struct hk_err *err);
int store_alias_dest_refuse(struct hk_err *err, const char *local,
			    const char *domain);

/* --- bulk import (store_import.c), inside the import's transaction --- */
struct import_taken {
	int mailbox, alias;	/* the address is a mailbox / an alias */
	int64_t quota_bytes;	/* the mailbox's, when it is one */
};
int store_import_lookup(struct db *db, const struct domain_ref *ref,
			const char *local, struct import_taken *t,
			struct hk_err *err);
/* Every address taken in a domain, read once (a large file asks about
 * many), then looked up in memory: 8 bytes each, a hash of the local
 * part (a domain of a million addresses costs 8 MB, not 64), so that a
 * miss is sure and a hit is asked about (store_import_lookup). */
struct import_taken_set {
	uint64_t *h;		/* sorted */
	size_t n;
};
int store_import_taken_all(struct db *db, const struct domain_ref *ref,
			   struct import_taken_set *set, struct hk_err *err);
/* 0: local is surely not taken; 1: it may be. */
int store_import_taken_maybe(const struct import_taken_set *set,
			     const char *local);
void store_import_taken_free(struct import_taken_set *set);
/* A project's and a domain's limits (0: none) and what they use now. */
struct import_usage {
	int64_t project_max, project_mailboxes;
	int64_t storage_max, storage;
	int64_t domain_max, domain_mailboxes;
	int64_t default_quota;
};
int store_import_usage(struct db *db, const struct domain_ref *ref,
		       struct import_usage *u, struct hk_err *err);
/* New mailboxes gathered and inserted IMPORT_BATCH at a time (one COPY
 * on PostgreSQL); the strings of in must live until the batch is
 * flushed. */
#define IMPORT_BATCH	2048
struct import_batch {
	int n;
	int64_t domain_id[IMPORT_BATCH];
	struct mailbox_in in[IMPORT_BATCH];
};
int store_import_batch_add(struct db *db, struct import_batch *b,
			   const struct domain_ref *ref,
			   const struct mailbox_in *in, struct hk_err *err);
int store_import_batch_flush(struct db *db, struct import_batch *b,
			     struct hk_err *err);
/* Inserts the alias (local "" is the catch-all), or with update sets its
 * destinations and (active >= 0) whether it is active. */
int store_import_alias_put(struct db *db, const struct domain_ref *ref,
			   const char *local, const char *destinations,
			   int active, int update, struct hk_err *err);

/* --- import jobs, whatever the door (store_importjob.c) --- */
/* The longest file name a job keeps, whichever door it came through. */
#define IMPORT_FILENAME_MAX	200
struct import_job_in {
	const char *kind;		/* "mailboxes" or "aliases" */
	const char *filename;		/* as the uploader named it, or "";
					 * at most IMPORT_FILENAME_MAX bytes */
	const char *encoding;		/* what the file turned out to be */
	int dry_run, skip_invalid, upsert;
	const char *worker;		/* "host:pid" that will run it (the
					 * CLI's: "cli:host:pid") */
	int max_active;			/* jobs running at once, overall */
};
/* A queued job in the actor's project (an operator's has none until it
 * ends), through the actor's door (via): one per project at a time
 * (HK_EEXIST), max_active overall (HK_ETHROTTLED).
 * *out gets the job as import_job_get shows it.  Jobs that ended more
 * than 30 days ago go. */
int store_import_job_add(struct db *db, const struct hk_actor *actor,
			 const struct import_job_in *in, int64_t *id,
			 json_t **out, struct hk_err *err);
/* Progress: running, in phase, done of total.  Not in a transaction of
 * the caller's: others must see it at once. */
int store_import_job_progress(struct db *db, int64_t id, const char *phase,
			      size_t done, size_t total, struct hk_err *err);
/* The end: ran to it (error NULL: a dry run "checked", problems or not;
 * an import "done") or "failed" with error (a JSON object as text);
 * problems a JSON array as text.  A job without a project (an
 * operator's) takes project_id's, when it is one (the project its rows
 * were in).  May run inside the import's own transaction, so that "done"
 * commits with the rows. */
struct import_job_result {
	size_t rows, added, updated, invalid;
	const char *problems;		/* JSON text */
	int problems_more;		/* more problems than listed */
	const char *error;		/* JSON text, or NULL: ran */
	int64_t project_id;		/* or -1 */
};
int store_import_job_finish(struct db *db, int64_t id,
			    const struct import_job_result *res,
			    struct hk_err *err);
/* One job (with its problems) in the actor's reach, else HK_ENOTFOUND;
 * the listing: newest first, before before_id (0: from the newest),
 * without problems. */
int store_import_job_get(struct db *db, const struct hk_actor *actor,
			 int64_t id, json_t **out, struct hk_err *err);
int store_import_job_list(struct db *db, const struct hk_actor *actor,
			  int64_t before_id, int limit, json_t **out,
			  struct hk_err *err);
/* Ends a queued or running job "interrupted" (a worker that shut down
 * before the import could end, which then wrote nothing), with an error
 * {"code": "internal", "message": why + what to do}; why is plain
 * words, without quotes or backslashes.  Another state is left alone. */
int store_import_job_interrupt(struct db *db, int64_t id, const char *why,
			       struct hk_err *err);
/* Ends "interrupted" the queued and running jobs of worker (exactly
 * "host:pid"), or with prefix of every worker whose name starts so
 * ("host:"): their worker is gone. */
int store_import_job_abandon(struct db *db, const char *worker, int prefix,
			     struct hk_err *err);
/* The workers of the queued and running jobs whose worker starts with
 * prefix: [{"worker": …}, …]. */
int store_import_job_workers(struct db *db, const char *prefix, json_t **out,
			     struct hk_err *err);

#endif
