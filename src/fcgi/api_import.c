/* SPDX-License-Identifier: ISC */
/*
 * api_import.c - CSV imports through the API, as jobs:
 *
 *   POST /imports?kind=mailboxes|aliases[&dry_run=][&skip_invalid=]
 *        [&upsert=][&encoding=auto|utf-8|cp932][&filename=NAME]
 *        [&create_domains_on=GUEST (operators)]
 *        with the file as the body (Content-Type: text/csv) -> 202, the job
 *   GET  /imports[?limit=&cursor=]  the jobs, newest first
 *   GET  /imports/ID                one job, with its problems
 *
 * The file is read (decoded and split, its header checked) before the
 * answer, so a file that cannot be read is refused at once naming its
 * line; the rows are judged
 * and written by the same worker once the answer is sent (http.h's
 * "after"), with its progress in the job's row for whoever polls.  The
 * job ends "done" in the very transaction that writes the rows, so a job
 * never claims rows that were not written; a dry run ends "checked",
 * with its problems if it found any; "failed" is an import that could not
 * run, or was refused (its error says why).  The format and the checks
 * are import.c's, as for the CLI, whose imports are jobs too.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "csvin.h"
#include "import.h"
#include "log.h"
#include "query.h"
#include "wake.h"


static const volatile sig_atomic_t *import_stop;

void
api_import_stop_on(const volatile sig_atomic_t *stop)
{
	import_stop = stop;
}

struct job_run {
	struct db *db;
	const struct hk_config *cfg;
	struct hk_actor actor;
	int64_t id;
	int aliases;
	struct import_opts o;
	struct csvin_doc doc;
	char create_on[128];	/* the guest of o.create_domains_on */
};

static void
job_free(struct job_run *j)
{
	csvin_doc_free(&j->doc);
	free(j);
}

/* http.h's "after": the import itself, once the client has its 202. */
static void
job_after(void *arg, int run)
{
	struct job_run *j = arg;
	struct import_report rep;
	struct hk_err err, ferr;
	int rc;

	hk_err_clear(&err);
	if (!run) {
		hk_fail(&err, HK_EINTERNAL, NULL, "the import was not run");
		if (import_job_fail(j->db, j->id, &err, &ferr) < 0)
			log_error("import %lld: %s", (long long)j->id,
				  ferr.message);
		job_free(j);
		return;
	}
	rc = import_job_run(j->db, &j->actor, j->id, j->aliases, &j->doc,
			    &j->o, &rep, &err);
	if (rc == 0 && !j->o.dry_run)
		wake_notify(j->cfg->wake_socket);
	import_report_free(&rep);
	job_free(j);
}

static int
csv_body(const struct http_req *req, struct hk_err *err)
{
	const char *ct = req->content_type;

	if (ct == NULL || strncasecmp(ct, "text/csv", 8) != 0 ||
	    (ct[8] != '\0' && ct[8] != ';'))
		return hk_failr(err, HK_EINVAL, "content-type",
				HK_R_content_type_csv, NULL);
	if (req->body_len > HTTP_MAX_UPLOAD)
		return hk_failr(err, HK_ETOOBIG, "body", HK_R_upload_too_large,
				"max", HK_NUM(HTTP_MAX_UPLOAD), NULL);
	return 0;
}

/* The query into j (kind, options) and the job's description in in. */
static int
job_options(struct api_call *call, struct job_run *j,
	    struct import_job_in *in, enum csvin_encoding *enc,
	    char *filename, struct hk_err *err)
{
	static const char *const keys[] = { "kind", "dry_run", "skip_invalid",
		"upsert", "encoding", "filename", "create_domains_on", NULL };
	struct query q;
	const char *kind;

	if (query_parse(call->req->uri, keys, &q, err) < 0)
		return -1;
	kind = query_get(&q, "kind");
	if (kind == NULL)
		return hk_failr(err, HK_EINVAL, "kind",
				HK_R_import_kind_required, NULL);
	if (strcmp(kind, "mailboxes") != 0 && strcmp(kind, "aliases") != 0)
		return hk_failr(err, HK_EINVAL, "kind",
				HK_R_import_kind_invalid, NULL);
	if (query_bool(&q, "dry_run", 0, &j->o.dry_run, err) < 0 ||
	    query_bool(&q, "skip_invalid", 0, &j->o.skip_invalid, err) < 0 ||
	    query_bool(&q, "upsert", 0, &j->o.upsert, err) < 0 ||
	    csvin_encoding_parse(query_get(&q, "encoding"), enc, err) < 0)
		return -1;
	/* the uploader's name for the file, shown back and never used as
	 * a path; query.c has held it to UTF-8 without control characters */
	if (query_get(&q, "filename") != NULL &&
	    strlen(query_get(&q, "filename")) > IMPORT_FILENAME_MAX)
		return hk_failr(err, HK_EINVAL, "filename",
				HK_R_longer_than_bytes, "max",
				HK_NUM(IMPORT_FILENAME_MAX), NULL);
	snprintf(filename, IMPORT_FILENAME_MAX + 1, "%s",
		 query_get(&q, "filename") ? query_get(&q, "filename") : "");
	in->filename = filename;
	if (query_get(&q, "create_domains_on") != NULL) {
		if (!call->actor.is_admin)
			return hk_failr(err, HK_EFORBIDDEN, "create_domains_on",
					HK_R_create_domains_operator, NULL);
		snprintf(j->create_on, sizeof(j->create_on), "%s",
			 query_get(&q, "create_domains_on"));
		j->o.create_domains_on = j->create_on;
	}
	j->aliases = kind[0] == 'a';
	in->kind = j->aliases ? "aliases" : "mailboxes";
	in->dry_run = j->o.dry_run;
	in->skip_invalid = j->o.skip_invalid;
	in->upsert = j->o.upsert;
	return 0;
}

/* The body read into doc: over itself when the worker lets it go (the
 * job then holds the upload once, not a copy beside it), else copied. */
static int
read_upload(const struct http_req *req, enum csvin_encoding enc,
	    const struct csvin_limits *lim, struct csvin_doc *doc,
	    struct hk_err *err)
{
	char *own;

	if (req->upload != NULL && *req->upload != NULL &&
	    *req->upload == req->body) {
		own = *req->upload;
		*req->upload = NULL;
		return csvin_parse_own(own, req->body_len, enc, lim, doc, err);
	}
	return csvin_parse(req->body ? req->body : "", req->body_len, enc,
			   lim, doc, err);
}

static int
queue_job(struct api_call *call, struct job_run *j, struct http_resp *resp,
	  struct hk_err *err)
{
	const struct hk_config *cfg = call->ctx->cfg;
	struct csvin_limits lim = CSVIN_DEFAULT_LIMITS;
	struct import_job_in in = { 0 };
	enum csvin_encoding enc;
	char host[64] = "", worker[96], filename[IMPORT_FILENAME_MAX + 1];
	json_t *job = NULL;

	if (job_options(call, j, &in, &enc, filename, err) < 0)
		return -1;
	lim.max_bytes = HTTP_MAX_UPLOAD;
	if (read_upload(call->req, enc, &lim, &j->doc, err) < 0 ||
	    import_columns(j->aliases, j->o.upsert, &j->doc, err) < 0)
		return -1;
	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), "%s:%ld", host, (long)getpid());
	in.encoding = csvin_encoding_name(j->doc.encoding);
	in.worker = worker;
	in.max_active = cfg->fcgi_workers / 2 > 1 ? cfg->fcgi_workers / 2 : 1;
	if (store_import_job_add(call->ctx->db, &call->actor, &in, &j->id,
				 &job, err) < 0)
		return -1;
	resp->status = 202;
	resp->body = job;
	return 0;
}

/* What an upload is refused for whatever its file: run before the file
 * is read (api.h's api_admit), and again by api_imports_add. */
int
api_imports_admit(struct api_call *call, struct http_resp *resp,
		  struct hk_err *err)
{
	struct job_run *j;
	struct import_job_in in = { 0 };
	enum csvin_encoding enc;
	char filename[IMPORT_FILENAME_MAX + 1];
	int rc;

	(void)resp;
	if (call->actor.read_only)
		return hk_failr(err, HK_EFORBIDDEN, NULL, HK_R_read_only_key,
				NULL);
	if (csv_body(call->req, err) < 0)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	rc = job_options(call, j, &in, &enc, filename, err);
	job_free(j);
	return rc;
}

int
api_imports_add(struct api_call *call, struct http_resp *resp,
		struct hk_err *err)
{
	struct job_run *j;

	if (api_imports_admit(call, resp, err) < 0)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return hk_fail(err, HK_EINTERNAL, NULL, "out of memory");
	j->db = call->ctx->db;
	j->cfg = call->ctx->cfg;
	j->actor = call->actor;
	j->o.pw_min = j->cfg->pw_min;
	j->o.pw_max = j->cfg->pw_max;
	j->o.stop = import_stop;
	if (queue_job(call, j, resp, err) < 0) {
		job_free(j);
		return -1;
	}
	resp->after = job_after;
	resp->after_arg = j;
	return 0;
}

/* GET /imports?limit=&cursor=: newest first, without the problems. */
int
api_imports_list(struct api_call *call, struct http_resp *resp,
		 struct hk_err *err)
{
	json_t *items = NULL;
	int limit, cursor;

	if (api_id_query(call, &limit, &cursor, err) < 0)
		return -1;
	if (store_import_job_list(call->ctx->db, &call->actor, cursor,
				  limit + 1, &items, err) < 0) {
		json_decref(items);
		return -1;
	}
	return api_id_page(resp, items, limit, err);
}

int
api_import_get(struct api_call *call, struct http_resp *resp,
	       struct hk_err *err)
{
	const char *s = call->seg[1];
	int64_t id;
	json_t *job = NULL;

	if (api_no_query(call, err) < 0)
		return -1;
	if (api_path_id(s, &id) < 0)
		return hk_failr(err, HK_ENOTFOUND, "id", HK_R_no_import, "id",
				s, NULL);
	if (store_import_job_get(call->ctx->db, &call->actor, id, &job,
				 err) < 0)
		return -1;
	return api_object(resp, job);
}
