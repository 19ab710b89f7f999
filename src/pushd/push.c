/* SPDX-License-Identifier: ISC */
/*
 * push.c - one job of pushd on a leased guest: a push or a drift check,
 * then its outcome recorded.  See push.h.
 *
 * Repairs.  The database is the truth, and the agent refuses to go back
 * to an older generation or to change what one generation serves.  So
 * when the guest serves something the panel did not push there (files
 * edited by hand, a generation newer than the panel's because the panel's
 * database was restored), the guest is owed a new generation past
 * everything it has seen; the audit log says what was found.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bucket.h"
#include "digest.h"
#include "log.h"
#include "mapdelta.h"
#include "push.h"
#include "push_report.h"
#include "push_shared.h"
#include "push_ssh.h"
#include "render_delta.h"
#include "zwire.h"

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
push_backoff(int failures, int max_s)
{
	int64_t delay = 1;

	for (int i = 0; i < failures && delay < max_s; i++)
		delay *= 2;
	if (delay > max_s)
		delay = max_s;
	/* jitter: up to a quarter more, so guests that failed together do
	 * not all retry in the same second */
	return delay + (int64_t)(random() % (delay / 4 + 1));
}

/* What one push sends, and what the guest serves once it is applied. */
struct sending {
	struct strbuf wire;
	const char *kind;		/* "full" or "delta" */
	int64_t gen;
	struct render_out files;	/* a whole render (generation 0:
					 * none) */
	char sums[BUNDLE_MAX_FILES][65];
	struct served base;		/* a delta's base, taken from
					 * cfg->served (generation 0: none) */
	struct render_delta delta;	/* the delta on it, when kind is */
};

static void
sending_init(struct sending *s)
{
	memset(s, 0, sizeof(*s));
	strbuf_init(&s->wire, BUNDLE_MAX_SIZE);
	s->kind = "full";
}

static void
sending_free(struct sending *s)
{
	strbuf_free(&s->wire);
	render_out_free(&s->files);
	served_free(&s->base);
	render_delta_free(&s->delta);
}

/* A whole bundle of more than PACK_MIN bytes goes packed (zwire.h) when
 * that is smaller: a large guest's text packs to about a third. */
#define PACK_MIN	65536

static int
maybe_pack(struct sending *s, struct hk_err *err)
{
	struct strbuf packed;

	if (s->wire.len < PACK_MIN)
		return 0;
	strbuf_init(&packed, BUNDLE_MAX_SIZE);
	if (zwire_pack(s->wire.data, s->wire.len, &packed, err) < 0) {
		strbuf_free(&packed);
		return -1;
	}
	if (packed.len < s->wire.len) {
		strbuf_free(&s->wire);
		s->wire = packed;
		s->kind = "full+zstd";
	} else {
		strbuf_free(&packed);
	}
	return 0;
}

/* The whole guest, rendered from one consistent read. */
static int
full_bundle(struct db *db, const struct push_cfg *cfg,
	    const struct push_job *job, struct sending *s, struct hk_err *err)
{
	char sha[65];

	render_out_free(&s->files);
	s->wire.len = 0;
	s->kind = "full";
	if (render_guest(db, job->id, &cfg->render, &s->files, err) < 0)
		return -1;
	s->gen = s->files.generation;
	if (render_bundle(&s->files, &s->wire, sha, s->sums, err) < 0)
		return -1;
	return maybe_pack(s, err);
}

/* File i's checksum once the delta is made. */
static void
delta_sum(const struct sending *s, const struct render_delta *d, int i,
	  char out[65])
{
	const struct strbuf *file = &d->files.files[i];

	if (mapdelta_keyed(bundle_names[i]) && d->edits[i].len == 0)
		memcpy(out, s->base.sums[i], 65);	/* the base's */
	else if (bucket_file(bundle_names[i]))
		render_delta_bucket_sum(d, &s->base, i, out);
	else
		sha256_hex(strbuf_str(file), file->len, out);
}

/* The delta's files (bundle.h): kept where the sum is the base's, edits
 * where those are smaller than the file (a bucketed file's always: its
 * buckets are not one text here). */
static void
delta_files(struct sending *s, const struct render_delta *d,
	    struct bundle_file f[BUNDLE_MAX_FILES])
{
	for (int i = 0; i < BUNDLE_MAX_FILES; i++) {
		const struct strbuf *file = &d->files.files[i];
		const char *name = bundle_names[i];

		f[i] = (struct bundle_file){ name, NULL, 0, "", BUNDLE_KEEP };
		delta_sum(s, d, i, s->sums[i]);
		memcpy(f[i].sha256, s->sums[i], 65);
		if (strcmp(s->sums[i], s->base.sums[i]) == 0)
			continue;
		if (mapdelta_keyed(name) && (bucket_file(name) ||
					     d->edits[i].len < file->len)) {
			f[i].how = BUNDLE_EDIT;
			f[i].data = strbuf_str(&d->edits[i]);
			f[i].len = d->edits[i].len;
		} else {
			f[i].how = BUNDLE_WHOLE;
			f[i].data = strbuf_str(file);
			f[i].len = file->len;
		}
	}
}

/* The bytes of every file once d is made. */
static size_t
whole_len(const struct sending *s, const struct render_delta *d)
{
	size_t n = 0;

	for (int i = 0; i < BUNDLE_MAX_FILES; i++)
		n += render_delta_len(d, &s->base, i);
	return n;
}

/* A delta on what the guest serves, if pushd has it and the change log
 * allows: 1; 0 when the guest is to be sent whole. */
static int
delta_bundle(struct db *db, const struct push_cfg *cfg,
	     const struct push_job *job, struct sending *s,
	     struct hk_err *err)
{
	struct bundle_file f[BUNDLE_MAX_FILES];
	struct render_delta *d = &s->delta;
	char sha[65];
	int rc;

	if (!push_served_take(cfg->served, job->id, job->applied_gen,
			      job->applied_files, &s->base))
		return 0;
	if (render_delta(db, job->id, job->applied_gen, &cfg->render, &s->base,
			 d, err) < 0) {	/* whole, then (a database error
					 * will fail that too) */
		log_warn("guest %s: no delta: %s", job->name, err->message);
		hk_err_clear(err);
		return 0;
	}
	s->gen = d->files.generation;
	if (d->whole || s->gen <= job->applied_gen)	/* nothing past it */
		return 0;
	delta_files(s, d, f);
	rc = bundle_write_delta(&s->wire, (uint64_t)s->gen,
				(uint64_t)job->applied_gen, f, BUNDLE_MAX_FILES,
				sha, err);
	if (rc < 0) {	/* whole, then: it says more than a delta can */
		log_warn("guest %s: no delta: %s", job->name, err->message);
		s->wire.len = 0;
		return 0;
	}
	/* A change of most of a guest worth packing goes whole.  Below
	 * that the bytes do not matter, and on a small guest even a
	 * password's delta outweighs the whole (a line a file), yet it
	 * spares the guest rewriting every bucket and table. */
	if (s->wire.len >= PACK_MIN && s->wire.len >= whole_len(s, d)) {
		s->wire.len = 0;
		return 0;
	}
	s->kind = "delta";
	return 1;
}

/* The guest's bundle at the generation owed: kept from a failed attempt,
 * else a delta, else the whole guest. */
static int
bundle_for(struct db *db, const struct push_cfg *cfg,
	   const struct push_job *job, struct sending *s, struct hk_err *err)
{
	int rc;

	if (push_shared_cache_take(cfg->shared, job->id, job->desired_gen,
				   &s->wire)) {
		s->gen = job->desired_gen;
		return 0;
	}
	if (cfg->served != NULL &&
	    (rc = delta_bundle(db, cfg, job, s, err)) != 0)
		return rc < 0 ? -1 : 0;
	return full_bundle(db, cfg, job, s, err);
}

static char *
files_text(json_t *files)
{
	return files ? json_dumps(files, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static void
fail_result(struct push_result *res, const char *state, const char *msg)
{
	snprintf(res->state, sizeof(res->state), "%s", state);
	snprintf(res->error, sizeof(res->error), "%s", msg);
}

/* Sends s; a delta the agent refuses (another base, a checksum that does
 * not come out) is followed at once by the whole guest. */
static void
send_it(struct db *db, const struct push_cfg *cfg, const struct push_job *job,
	struct sending *s, struct push_ssh_answer *ans, struct push_result *res)
{
	struct hk_err perr;
	int sent;

	for (;;) {
		hk_err_clear(&perr);
		push_shared_stagger(cfg->shared);
		sent = push_ssh(cfg, job, "apply", s->wire.data, s->wire.len,
				ans, &perr) == 0;
		if (!sent || ans->ok || !ans->reached ||
		    strcmp(s->kind, "delta") != 0)
			break;
		log_info("guest %s: the delta on generation %lld refused "
			 "(%s); sending it whole", job->name,
			 (long long)job->applied_gen, ans->error);
		push_ssh_answer_free(ans);
		memset(ans, 0, sizeof(*ans));
		if (full_bundle(db, cfg, job, s, &perr) < 0) {
			sent = 0;
			break;
		}
	}
	if (!sent)
		fail_result(res, "failed", perr.message);
	else if (!ans->ok)
		fail_result(res, ans->state, ans->error);
	res->ok = sent && ans->ok;
	res->served = ans->served;
}

/* What the guest serves now, kept for the next delta: the files sent if
 * they went in, else the base they were to replace. */
static void
keep_served(const struct push_cfg *cfg, const struct push_job *job,
	    struct sending *s, int ok)
{
	struct served sv;
	struct hk_err err;

	if (ok && strcmp(s->kind, "delta") == 0) {
		render_delta_onto(&s->delta, &s->base, s->sums);
		push_served_put(cfg->served, job->id, &s->base);
	} else if (ok && s->files.generation > 0 &&
		   s->files.generation == s->gen) {
		hk_err_clear(&err);
		if (served_from_render(&sv, &s->files, s->sums, &err) == 0)
			push_served_put(cfg->served, job->id, &sv);
		else
			log_warn("guest %s: not kept for deltas: %s",
				 job->name, err.message);
	} else if (!ok && s->base.generation > 0) {
		push_served_put(cfg->served, job->id, &s->base);
	}
}

static int
do_push(struct db *db, const struct push_cfg *cfg, const struct push_job *job,
	struct push_result *res, struct push_outcome *o, struct hk_err *err)
{
	struct push_ssh_answer ans;
	struct sending s;
	struct hk_err perr;
	char *files = NULL;

	hk_err_clear(&perr);
	sending_init(&s);
	memset(&ans, 0, sizeof(ans));
	if (bundle_for(db, cfg, job, &s, &perr) < 0) {
		snprintf(res->state, sizeof(res->state), "failed");
		snprintf(res->error, sizeof(res->error), "render: %.480s",
			 perr.message);
	} else if (store_push_started(db, job, cfg->node, "apply", wall_ms(),
				      &o->push_id, err) < 0 ||
		   store_push_sending(db, o->push_id, s.kind,
				      (int64_t)s.wire.len, err) < 0) {
		keep_served(cfg, job, &s, 0);
		sending_free(&s);
		return -1;
	} else {
		send_it(db, cfg, job, &s, &ans, res);
		o->bytes = (int64_t)s.wire.len;
		o->bundle = s.kind;
	}
	res->gen = s.gen;
	if (res->ok && (files = files_text(ans.files)) == NULL) {
		res->ok = 0;
		fail_result(res, "failed", "out of memory");
	}
	keep_served(cfg, job, &s, res->ok);
	if (!res->ok && s.wire.len > 0 && strncmp(s.kind, "full", 4) == 0)
		push_shared_cache_put(cfg->shared, job->id, res->gen, &s.wire);
	o->gen = res->gen;
	o->ok = res->ok;
	o->files = files;
	/* Refused because the guest has seen this generation or a newer
	 * one with other content: push past it, now. */
	if (!res->ok && ans.reached && ans.served >= res->gen) {
		o->repair_action = "guest.generation";
		o->served = ans.served;
		o->repair_detail = json_pack("{s:I,s:I,s:s}", "served",
					     (json_int_t)ans.served, "pushed",
					     (json_int_t)res->gen, "agent",
					     ans.error);
		snprintf(res->repaired, sizeof(res->repaired), "%s",
			 o->repair_action);
	}
	push_ssh_answer_free(&ans);
	sending_free(&s);
	return 0;
}

/* The names of the files whose checksums differ, or NULL if none do. */
static json_t *
drifted(const char *applied, json_t *served)
{
	json_t *want = applied ? json_loads(applied, 0, NULL) : NULL;
	json_t *diff = json_array();
	const char *name;
	json_t *v;

	json_object_foreach(served, name, v)
		if (!json_equal(v, json_object_get(want, name)))
			json_array_append_new(diff, json_string(name));
	json_object_foreach(want, name, v)
		if (json_object_get(served, name) == NULL)
			json_array_append_new(diff, json_string(name));
	json_decref(want);
	if (json_array_size(diff) == 0) {
		json_decref(diff);
		return NULL;
	}
	return diff;
}

static int
do_check(struct db *db, const struct push_cfg *cfg,
	 const struct push_job *job, struct push_result *res,
	 struct push_outcome *o, struct hk_err *err)
{
	struct push_ssh_answer ans;
	struct hk_err perr;
	json_t *diff = NULL;

	res->check = 1;
	res->gen = o->gen = job->applied_gen;
	if (store_push_started(db, job, cfg->node, "status", wall_ms(),
			       &o->push_id, err) < 0)
		return -1;
	hk_err_clear(&perr);
	if (push_ssh(cfg, job, "status", NULL, 0, &ans, &perr) < 0) {
		fail_result(res, "failed", perr.message);
		return 0;
	}
	res->served = ans.served;
	if (!ans.reached) {
		fail_result(res, ans.state, ans.error);
		push_ssh_answer_free(&ans);
		return 0;
	}
	res->ok = o->ok = o->check = 1;
	o->files = job->applied_files;
	if (!ans.ok || ans.served != job->applied_gen ||
	    (job->applied_files != NULL &&
	     (diff = drifted(job->applied_files, ans.files)) != NULL)) {
		o->repair_action = "guest.drift";
		o->served = ans.served > job->applied_gen ? ans.served :
		    job->applied_gen;
		o->repair_detail = json_pack("{s:I,s:I,s:o*,s:s?}",
		    "applied", (json_int_t)job->applied_gen, "serving",
		    (json_int_t)ans.served, "files", diff, "agent",
		    ans.ok ? NULL : ans.error);
		snprintf(res->repaired, sizeof(res->repaired), "%s",
			 o->repair_action);
	} else if (job->applied_files == NULL) {
		/* applied before checksums were kept: what serves is it */
		o->files = files_text(ans.files);
	}
	push_ssh_answer_free(&ans);
	return 0;
}

/* The report, in the same lease, when it is due and the guest answered
 * what came before it (or nothing came before it).  A failure to record
 * it is logged: it must not cost the push its outcome. */
static int64_t
report_if_due(struct db *db, const struct push_cfg *cfg,
	      const struct push_job *job, struct push_result *res, int alone)
{
	struct hk_err err;

	if (!job->report_due || cfg->report_interval_s <= 0 ||
	    (!alone && !res->ok))
		return 0;
	hk_err_clear(&err);
	if (push_report(db, cfg, job, res, &err) < 0)
		log_error("guest %s: recording its report: %s", job->name,
			  err.message);
	return (int64_t)time(NULL) + cfg->report_interval_s;
}

/* A job that was only the report: it ends the lease itself. */
static int
report_alone(struct db *db, const struct push_cfg *cfg,
	     const struct push_job *job, struct push_result *res,
	     struct hk_err *err)
{
	int64_t next = report_if_due(db, cfg, job, res, 1);

	res->ok = res->reported == 1;
	res->report_only = 1;
	if (next == 0)	/* reports turned off since the claim */
		next = (int64_t)time(NULL) + 86400;
	return store_push_report_done(db, job, cfg->node, next, err);
}

int
push_run(struct db *db, const struct push_cfg *cfg, const struct push_job *job,
	 struct push_result *res, struct hk_err *err)
{
	struct push_outcome o;
	int64_t now;
	double t0 = mono_s();
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	res->served = -1;
	if (!job->dirty && !job->check_due)
		return report_alone(db, cfg, job, res, err);
	o.job = job;
	o.node = cfg->node;
	rc = job->dirty ? do_push(db, cfg, job, res, &o, err) :
	    do_check(db, cfg, job, res, &o, err);
	if (rc < 0)
		return -1;
	res->seconds = mono_s() - t0;
	o.report_at = report_if_due(db, cfg, job, res, 0);
	now = (int64_t)time(NULL);
	o.now_ms = wall_ms();
	o.state = res->state;
	o.error = res->error;
	o.retry_at = o.repair_action ? now :
	    now + push_backoff(job->failures, cfg->retry_max_s);
	o.check_at = cfg->check_interval_s > 0 ?
	    now + cfg->check_interval_s : now + 86400;
	rc = store_push_done(db, &o, err);
	json_decref(o.repair_detail);
	if (o.files != job->applied_files)
		free((char *)o.files);
	return rc;
}
