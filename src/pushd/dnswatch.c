/* SPDX-License-Identifier: ISC */
/*
 * dnswatch.c - pushd's turn of the DNS watch.  See dnswatch.h.
 *
 * The lookups run outside any transaction (up to [dns] timeout seconds
 * on one worker); the claim and the save are short transactions of
 * their own, so that a slow resolver holds no database lock.
 */
#include "config.h"


#include "dnswatch.h"
#include "log.h"
#include "store_dns.h"
#include "store_dnswatch.h"

/* The records of the claimed domain, checked and recorded. */
static int
check(struct db *db, const struct hk_config *cfg,
      const struct dnswatch_job *job, int64_t now)
{
	struct hk_actor pushd = { .is_admin = 1 };
	struct dnscheck_result *res;
	struct dnsrec_list list;
	struct hk_err err;
	int changes = 0, rc = 0;

	hk_err_clear(&err);
	if (store_dns_records(db, &pushd, &cfg->dns, job->domain, now, &list,
			      &err) < 0) {
		log_error("DNS check of %s: %s", job->domain, err.message);
		return err.code == HK_EDB ? -1 : 0;
	}
	if (dnscheck_all(&cfg->dns, &list, &res, &err) < 0)
		log_error("DNS check of %s: %s", job->domain, err.message);
	else if (store_dnswatch_save(db, &cfg->dkim, job, &list, res, now,
				     &changes, &err) < 0) {
		log_error("DNS check of %s: recording it: %s", job->domain,
			  err.message);
		rc = err.code == HK_EDB ? -1 : 0;
	} else if (changes > 0)
		log_info("DNS check of %s: %d change(s) (warnings, keys)",
			 job->domain, changes);
	dnscheck_release(res, list.n);
	dnsrec_list_free(&list);
	return rc;
}

int
dnswatch_once(struct db *db, const struct hk_config *cfg, int64_t now)
{
	struct dnswatch_job job;
	struct hk_err err;
	int rc;

	if (cfg->dns.check_interval <= 0)
		return 0;
	hk_err_clear(&err);
	rc = store_dnswatch_claim(db, now, cfg->dns.check_interval, &job, &err);
	if (rc <= 0) {
		if (rc < 0)
			log_error("claiming a domain's DNS check: %s",
				  err.message);
		return rc;
	}
	rc = check(db, cfg, &job, now);
	store_dnswatch_job_free(&job);
	return rc < 0 ? -1 : 1;
}

int64_t
dnswatch_next_due(struct db *db, const struct hk_config *cfg)
{
	struct hk_err err;
	int64_t at;

	if (cfg->dns.check_interval <= 0 ||
	    store_dnswatch_next_due(db, &at, &err) < 0)
		return -1;
	return at;
}
