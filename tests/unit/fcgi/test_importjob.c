/* SPDX-License-Identifier: ISC */
/* test_importjob.c - CSV imports through the API (api_import.c) on either
 * backend: the upload answers 202 with a queued job and the work runs
 * once the answer is sent; the job's row shows the progress (logged here
 * by a trigger) and ends with the report, "done" committed with the rows;
 * bad uploads are refused at once naming the field or the line and make
 * no job; an owner imports into their project only and sees only its
 * jobs; one job per project at a time; a job whose worker is gone ends;
 * a dry run ends "checked", problems or not; a shutdown ends one
 * "interrupted"; the CLI's imports are jobs too, with their door. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csvin.h"
#include "fcgi/api.h"
#include "../fixture.h"
#include "import.h"
#include "pwhash.h"
#include "strbuf.h"

#define HASH "{SHA512-CRYPT}$6$saltsalt$" \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnop"

static struct hk_config cfg;
static char admin[256], owner[256], other[256], reader[256];

static void
seeded(int rc, const struct hk_err *err)
{
	if (rc != 0)
		fail_msg("seeding: %s", err->message);
}

static void
exec(struct fixture *f, const char *sql)
{
	struct hk_err err;

	if (db_exec(f->db, sql, NULL, 0, NULL, &err) < 0)
		fail_msg("%s: %s", sql, err.message);
}

/* Every change to a job's row, in order, as the others would see it. */
static void
log_progress(struct fixture *f)
{
	if (f->pgname[0] == '\0') {
		exec(f, "CREATE TABLE progress_log (id INTEGER PRIMARY KEY, "
		     "state TEXT, phase TEXT, done INTEGER, total INTEGER)");
		exec(f, "CREATE TRIGGER progress_trace AFTER UPDATE ON "
		     "import_job BEGIN INSERT INTO progress_log (state, phase,"
		     " done, total) VALUES (NEW.state, NEW.phase, NEW.done, "
		     "NEW.total); END");
		return;
	}
	exec(f, "CREATE TABLE progress_log (id SERIAL PRIMARY KEY, state "
	     "TEXT, phase TEXT, done BIGINT, total BIGINT)");
	exec(f, "CREATE FUNCTION progress_trace() RETURNS trigger LANGUAGE "
	     "plpgsql AS $$ BEGIN INSERT INTO progress_log (state, phase, "
	     "done, total) VALUES (NEW.state, NEW.phase, NEW.done, "
	     "NEW.total); RETURN NEW; END $$");
	exec(f, "CREATE TRIGGER progress_trace AFTER UPDATE ON import_job FOR "
	     "EACH ROW EXECUTE FUNCTION progress_trace()");
}

static int
setup(void **state)
{
	struct fixture *f;
	struct guest_in g = { "g2", "other", "10.0.0.2", "root",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5Nbt018"
		"Bz3ge0IFjMj8BMAB2V3", 22, NULL, NULL };
	struct hk_err err;
	json_t *out = NULL;

	fixture_setup(state);
	f = *state;
	conf_defaults(&cfg);
	snprintf(cfg.wake_socket, sizeof(cfg.wake_socket), "%s/wake", f->dir);
	cfg.pw_min = 10;
	seeded(store_domain_add(f->db, &f->admin, "pc1.example", "g1", &out,
				&err), &err);
	json_decref(out);
	seeded(store_project_add(f->db, &f->admin, "other", NULL, &err), &err);
	seeded(store_guest_add(f->db, &f->admin, &g, &out, &err), &err);
	json_decref(out);
	seeded(store_domain_add(f->db, &f->admin, "pc2.example", "g2", &out,
				&err), &err);
	json_decref(out);
	fixture_key(f, "admin", NULL, admin, sizeof(admin));
	fixture_key(f, "olab", "lab", owner, sizeof(owner));
	fixture_key(f, "oother", "other", other, sizeof(other));
	seeded(store_apikey_create(f->db, &f->admin, "admin", 1, 0, reader,
				   sizeof(reader), &err), &err);
	log_progress(f);
	return 0;
}

/* A request; the answer stays in *resp (the caller runs what it owes,
 * or not, and frees it); returns the status. */
static int
send(struct fixture *f, const char *method, const char *uri,
     const char *ctype, const char *body, const char *key,
     struct http_resp *resp)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = method, .uri = uri,
				.content_type = ctype, .body = body,
				.body_len = body ? strlen(body) : 0 };

	snprintf(bearer, sizeof(bearer), "Bearer %s", key);
	req.authorization = bearer;
	api_handle(&ctx, &req, resp);
	return resp->status;
}

/* An upload answered and run to its end, as the worker does; *job gets
 * the job as GET /imports/ID then shows it (NULL when refused). */
static int
upload(struct fixture *f, const char *query, const char *csv,
       const char *key, json_t **job)
{
	struct http_resp resp;
	char uri[512];
	json_t *queued;
	int status;

	snprintf(uri, sizeof(uri), "/api/v1/imports?%s", query);
	status = send(f, "POST", uri, "text/csv", csv, key, &resp);
	queued = http_resp_json(&resp);
	*job = NULL;
	if (status == 202) {
		assert_string_equal(json_string_value(json_object_get(queued,
			"state")), "queued");
		http_resp_run_after(&resp);
		snprintf(uri, sizeof(uri), "/api/v1/imports/%lld", (long long)
			 json_integer_value(json_object_get(queued, "id")));
		http_resp_free(&resp);
		assert_int_equal(send(f, "GET", uri, NULL, NULL, key, &resp),
				 200);
		*job = http_resp_json(&resp);
	} else {
		*job = json_incref(queued);
	}
	json_decref(queued);
	http_resp_free(&resp);
	return status;
}

static int64_t
num(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

static const char *
str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "(null)";
}

static void
assert_problem(json_t *job, size_t i, int64_t line, const char *column,
	       const char *words)
{
	json_t *p = json_array_get(json_object_get(job, "problems"), i);

	if (p == NULL)
		fail_msg("no problem %zu", i);
	assert_int_equal(num(p, "line"), line);
	assert_string_equal(str(p, "column"), column);
	if (strstr(str(p, "reason"), words) == NULL)
		fail_msg("problem %zu: \"%s\" lacks \"%s\"", i, str(p, "reason"),
			 words);
}

#define MAILBOXES	"SELECT COUNT(*) FROM mailbox"
#define GEN		"SELECT desired_gen FROM guest WHERE name = 'g1'"
#define JOBS		"SELECT COUNT(*) FROM import_job"

static void
test_dry_run_reports_every_problem(void **state)
{
	struct fixture *f = *state;
	json_t *job;

	assert_int_equal(upload(f, "kind=mailboxes&dry_run=true&filename="
		"term%201.csv", "address,password_hash\r\n"
		"a@pc1.example," HASH "\r\nnot-an-address," HASH "\r\n"
		"a@pc1.example," HASH "\r\nb@pc1.example,\r\n", admin,
		&job), 202);
	/* it ran: its problems are its result, not a failure */
	assert_string_equal(str(job, "state"), "checked");
	assert_string_equal(str(job, "filename"), "term 1.csv");
	assert_true(json_is_true(json_object_get(job, "dry_run")));
	assert_int_equal(num(job, "rows"), 4);
	assert_int_equal(num(job, "invalid"), 3);
	assert_problem(job, 0, 3, "address", "");
	assert_problem(job, 1, 4, "address", "already on line 2");
	assert_problem(job, 2, 5, "password_hash", "");
	assert_true(json_is_null(json_object_get(job, "error")));
	json_decref(job);
	assert_int_equal(fixture_int(f, MAILBOXES), 0);

	/* without problems: checked too, with what it would do, nothing
	 * written */
	assert_int_equal(upload(f, "kind=mailboxes&dry_run=true",
		"address,password_hash\na@pc1.example," HASH "\n", admin,
		&job), 202);
	assert_string_equal(str(job, "state"), "checked");
	assert_int_equal(num(job, "added"), 1);
	assert_true(json_is_null(json_object_get(job, "error")));
	json_decref(job);
	assert_int_equal(fixture_int(f, MAILBOXES), 0);

	/* failed is kept for a dry run that could not run */
	exec(f, "DROP TABLE alias");
	assert_int_equal(upload(f, "kind=mailboxes&dry_run=true",
		"address,password_hash\nb@pc1.example," HASH "\n", admin,
		&job), 202);
	assert_string_equal(str(job, "state"), "failed");
	assert_string_equal(str(json_object_get(job, "error"), "code"),
			    "database");
	assert_string_equal(str(json_object_get(job, "error"), "message"),
			    "internal error");
	json_decref(job);
}

static void
test_import_writes_and_shows_progress(void **state)
{
	struct fixture *f = *state;
	int64_t gen = fixture_int(f, GEN);
	char csv[4096];
	size_t n = 0;
	json_t *job;

	n += (size_t)snprintf(csv + n, sizeof(csv) - n, "address,password,"
			      "name\n");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "u%d@pc1."
				      "example,long-enough-%d,\"User %d\"\n",
				      i, i, i);
	assert_int_equal(upload(f, "kind=mailboxes", csv, owner, &job), 202);
	assert_string_equal(str(job, "state"), "done");
	assert_int_equal(num(job, "added"), 12);
	assert_true(json_is_null(json_object_get(job, "phase")));
	assert_true(num(job, "finished_at") >= num(job, "started_at"));
	assert_string_equal(str(job, "project"), "lab");
	json_decref(job);
	assert_int_equal(fixture_int(f, MAILBOXES), 12);
	assert_int_equal(fixture_int(f, GEN), gen + 1);	/* once */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM audit WHERE "
				     "action = 'import.mailboxes'"), 1);
	/* the progress others saw: checking from 0, hashing, writing from
	 * 0, and never a step from inside the write transaction */
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM progress_log "
		"WHERE state = 'running' AND phase = 'check' AND done = 0 AND "
		"total = 12"), 1);
	assert_true(fixture_int(f, "SELECT COUNT(*) FROM progress_log WHERE "
		"state = 'running' AND phase = 'hash' AND total = 12") >= 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM progress_log "
		"WHERE phase = 'write' AND done = 0"), 1);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM progress_log "
		"WHERE phase = 'write' AND done > 0"), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM progress_log "
		"WHERE id = (SELECT MAX(id) FROM progress_log) AND state = "
		"'done'"), 1);

	/* the same file again: harmless (refused without upsert, updates
	 * with it) */
	assert_int_equal(upload(f, "kind=mailboxes", csv, owner, &job), 202);
	assert_string_equal(str(job, "state"), "failed");
	assert_problem(job, 0, 2, "address", "exists");
	{
		/* each client words it from its reason and parameters; the
		 * English has no advice in the API's words */
		json_t *p = json_array_get(json_object_get(job, "problems"),
					   0);
		json_t *params = json_object_get(p, "params");

		assert_string_equal(str(p, "reason_id"), "mailbox_exists");
		assert_string_equal(str(params, "local"), "u0");
		assert_string_equal(str(params, "domain"), "pc1.example");
		assert_string_equal(str(p, "reason"),
				    "mailbox u0@pc1.example exists");
		/* the job's failure too */
		assert_string_equal(str(json_object_get(job, "error"),
					"reason"), "rows_have_problems");
		assert_string_equal(str(json_object_get(json_object_get(job,
			"error"), "params"), "count"), "12");
	}
	json_decref(job);
	assert_int_equal(upload(f, "kind=mailboxes&upsert=true", csv, owner,
				&job), 202);
	assert_string_equal(str(job, "state"), "done");
	assert_int_equal(num(job, "updated"), 12);
	json_decref(job);
	assert_int_equal(fixture_int(f, MAILBOXES), 12);
}

static void
test_bad_uploads_make_no_job(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *query, *ctype, *body;
		int status;
		const char *field;
	} cases[] = {
		{ "kind=mailboxes", "application/json", "{}", 400,
		  "content-type" },
		{ "dry_run=true", "text/csv", "address\n", 400, "kind" },
		{ "kind=users", "text/csv", "address\n", 400, "kind" },
		{ "kind=mailboxes&encoding=latin1", "text/csv", "address\n",
		  400, "encoding" },
		{ "kind=mailboxes&dry_run=maybe", "text/csv", "address\n", 400,
		  "dry_run" },
		{ "kind=mailboxes&user=x", "text/csv", "address\n", 400,
		  "user" },
		{ "kind=mailboxes", "text/csv", "address,password_hash\n"
		  "\"a@pc1.example," HASH "\n", 400, "line 2" },
		{ "kind=mailboxes", "text/csv", "address,password_hash\n"
		  "a@pc1.example," HASH ",extra\n", 400, "line 2" },
		{ "kind=mailboxes", "text/csv; charset=utf-8", "\xff\xfe"
		  "a\0d\0", 400, "line 1" },
		{ "kind=mailboxes", "text/csv", "adress,password\n", 400,
		  "line 1, column adress" },
		{ "kind=aliases", "text/csv", "address,password\n", 400,
		  "line 1" },
		{ "kind=mailboxes", "text/csv", "\n\naddress,name\n", 400,
		  "line 3" },
	};
	struct http_resp resp;
	char uri[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *body, *e;

		snprintf(uri, sizeof(uri), "/api/v1/imports?%s",
			 cases[i].query);
		assert_int_equal(send(f, "POST", uri, cases[i].ctype,
				      cases[i].body, admin, &resp),
				 cases[i].status);
		body = http_resp_json(&resp);
		e = json_object_get(body, "error");
		if (strncmp(str(e, "field"), cases[i].field,
			    strlen(cases[i].field)) != 0)
			fail_msg("case %zu: field %s, want %s: %s", i,
				 str(e, "field"), cases[i].field,
				 str(e, "message"));
		json_decref(body);
		assert_null(resp.after);
		http_resp_free(&resp);
	}
	/* only an operator makes domains in an import */
	assert_int_equal(send(f, "POST", "/api/v1/imports?kind=mailboxes&"
			      "create_domains_on=g1", "text/csv",
			      "address,password\n", owner, &resp), 403);
	http_resp_free(&resp);
	/* a read-only key imports nothing */
	assert_int_equal(send(f, "POST", "/api/v1/imports?kind=mailboxes",
			      "text/csv", "address,password\n", reader, &resp),
			 403);
	http_resp_free(&resp);
	assert_int_equal(fixture_int(f, JOBS), 0);
}

static void
test_owner_scope(void **state)
{
	struct fixture *f = *state;
	struct http_resp resp;
	json_t *job, *list;
	char uri[64];
	int64_t id;

	/* owner of lab names the other project's domain: as if it did not
	 * exist, nothing written */
	assert_int_equal(upload(f, "kind=mailboxes", "address,password_hash\n"
				"x@pc2.example," HASH "\n", owner, &job), 202);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain"), 2);
	assert_string_equal(str(job, "state"), "failed");
	assert_problem(job, 0, 2, "address", "no domain pc2.example in your "
		       "project");
	id = num(job, "id");
	json_decref(job);
	assert_int_equal(fixture_int(f, MAILBOXES), 0);
	/* nor does the other owner see lab's job, by id or in the list */
	snprintf(uri, sizeof(uri), "/api/v1/imports/%lld", (long long)id);
	assert_int_equal(send(f, "GET", uri, NULL, NULL, other, &resp), 404);
	http_resp_free(&resp);
	assert_int_equal(send(f, "GET", "/api/v1/imports", NULL, NULL, other,
			      &resp), 200);
	list = http_resp_json(&resp);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
	json_decref(list);
	http_resp_free(&resp);
	/* an operator's import may make the domains it names */
	assert_int_equal(upload(f, "kind=mailboxes&create_domains_on=g2",
				"address,password_hash\nn@new.example," HASH
				"\n", admin, &job), 202);
	assert_string_equal(str(job, "state"), "done");
	json_decref(job);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM domain d JOIN "
		"guest g ON g.id = d.guest_id WHERE d.name = 'new.example' AND "
		"g.name = 'g2'"), 1);
	assert_int_equal(fixture_int(f, MAILBOXES), 1);
	/* the operator sees both, newest first, without their problems */
	assert_int_equal(send(f, "GET", "/api/v1/imports?limit=5", NULL, NULL,
			      admin, &resp), 200);
	list = http_resp_json(&resp);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
	job = json_array_get(json_object_get(list, "items"), 1);
	assert_int_equal(num(job, "id"), id);
	assert_null(json_object_get(job, "problems"));
	json_decref(list);
	http_resp_free(&resp);
	for (const char *bad = "0\0x1\0" "99\0"; *bad; bad += strlen(bad) + 1) {
		snprintf(uri, sizeof(uri), "/api/v1/imports/%s", bad);
		assert_int_equal(send(f, "GET", uri, NULL, NULL, admin, &resp),
				 404);
		http_resp_free(&resp);
	}
}

static void
test_one_job_per_project(void **state)
{
	struct fixture *f = *state;
	const char *csv = "address,password_hash\na@pc1.example," HASH "\n";
	struct http_resp first, second;
	char worker[96], host[64] = "";
	struct hk_err err;
	json_t *job;

	assert_int_equal(send(f, "POST", "/api/v1/imports?kind=mailboxes",
			      "text/csv", csv, owner, &first), 202);
	assert_int_equal(send(f, "POST", "/api/v1/imports?kind=mailboxes",
			      "text/csv", csv, owner, &second), 409);
	http_resp_free(&second);
	/* another project's owner is not held up */
	assert_int_equal(upload(f, "kind=mailboxes", "address,password_hash\n"
				"b@pc2.example," HASH "\n", other, &job), 202);
	assert_string_equal(str(job, "state"), "done");
	json_decref(job);
	/* work owed and dropped ends its job, which frees the project */
	http_resp_free(&first);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM import_job "
				     "WHERE state = 'failed'"), 1);
	assert_int_equal(send(f, "POST", "/api/v1/imports?kind=mailboxes",
			      "text/csv", csv, owner, &first), 202);
	/* the worker died with it: its supervisor ends the job interrupted */
	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), "%s:%ld", host, (long)getpid());
	assert_int_equal(store_import_job_abandon(f->db, worker, 0, &err), 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM import_job "
				     "WHERE state = 'interrupted' AND error "
				     "LIKE '%worker%stopped%nothing was "
				     "written%'"), 1);
	http_resp_free(&first);
	assert_int_equal(fixture_int(f, MAILBOXES), 1);	/* b@pc2 alone */
	/* jobs that ended a month ago go when the next one comes */
	exec(f, "UPDATE import_job SET finished_at = finished_at - 31 * 86400 "
	     "WHERE state IN ('failed', 'interrupted')");
	assert_int_equal(fixture_int(f, JOBS), 3);
	assert_int_equal(upload(f, "kind=mailboxes", csv, owner, &job), 202);
	json_decref(job);
	assert_int_equal(fixture_int(f, JOBS), 2);
}

/* api_admit on an upload's parameters alone (what FastCGI has before the
 * body): 1, read the file, only for a caller with the right to send it
 * and options that hold; else the answer, the file unread. */
static int
admit(struct fixture *f, const char *uri, const char *ctype,
      const char *key, const char *field_want)
{
	char bearer[300];
	struct api_ctx ctx = { f->db, &cfg };
	struct http_req req = { .method = "POST", .uri = uri,
				.content_type = ctype };
	struct http_resp resp;
	struct api_gate gate;
	json_t *body;
	int in;

	snprintf(bearer, sizeof(bearer), "Bearer %s", key ? key : "");
	req.authorization = key ? bearer : NULL;
	in = api_admit(&ctx, &req, &gate, &resp);
	body = http_resp_json(&resp);
	if (field_want != NULL)
		assert_string_equal(str(json_object_get(body, "error"),
					"field"), field_want);
	json_decref(body);
	http_resp_free(&resp);
	return in ? 1 : -resp.status;
}

static void
test_upload_judged_before_its_file(void **state)
{
	struct fixture *f = *state;
	const char *up = "/api/v1/imports?kind=mailboxes";

	assert_int_equal(admit(f, up, "text/csv", NULL, NULL), -401);
	assert_int_equal(admit(f, up, "text/csv", "hk_nosuchkey", NULL), -401);
	assert_int_equal(admit(f, up, "text/csv", reader, NULL), -403);
	assert_int_equal(admit(f, "/api/v1/imports?kind=mailboxes&"
			       "create_domains_on=g1", "text/csv", owner,
			       "create_domains_on"), -403);
	assert_int_equal(admit(f, "/api/v1/imports?kind=x", "text/csv",
			       owner, "kind"), -400);
	assert_int_equal(admit(f, up, "application/json", owner,
			       "content-type"), -400);
	assert_int_equal(admit(f, "/api/v1/nosuch", "text/csv", owner,
			       "path"), -404);
	assert_int_equal(admit(f, up, "text/csv", owner, NULL), 1);
	assert_int_equal(fixture_int(f, JOBS), 0);
}

/* A worker's shutdown (api_import_stop_on): an import that runs past it
 * stops at its next checkpoint, writes nothing and ends "interrupted",
 * freeing its project; store_import_job_interrupt ends only a job that
 * has not ended. */
static void
test_shutdown_interrupts(void **state)
{
	struct fixture *f = *state;
	static volatile sig_atomic_t stop;	/* outlives a failed assertion */
	struct strbuf csv;
	struct hk_err err;
	json_t *job;
	int64_t id;

	strbuf_init(&csv, 1 << 20);
	strbuf_puts(&csv, "address,password_hash\n");
	for (int i = 0; i < 1500; i++) {	/* past check_db's checkpoint */
		char row[200];
		int n = snprintf(row, sizeof(row), "u%d@pc1.example,%s\n", i,
				 HASH);

		assert_true(n > 0 && strbuf_append(&csv, row, (size_t)n) == 0);
	}
	stop = 1;
	api_import_stop_on(&stop);
	for (int k = 0; k < 2; k++) {	/* through check, through hashing */
		assert_int_equal(upload(f, "kind=mailboxes", k ? "address,"
					"password\nz@pc1.example,long enough "
					"pw\n" : csv.data, owner, &job), 202);
		assert_string_equal(str(job, "state"), "interrupted");
		assert_non_null(strstr(str(json_object_get(job, "error"),
					   "message"), "nothing was written"));
		assert_int_equal(num(job, "added"), 0);
		json_decref(job);
	}
	assert_int_equal(fixture_int(f, MAILBOXES), 0);
	/* no shutdown: the same file runs to its end, its project free */
	stop = 0;
	assert_int_equal(upload(f, "kind=mailboxes", csv.data, owner, &job),
			 202);
	assert_string_equal(str(job, "state"), "done");
	id = num(job, "id");
	json_decref(job);
	api_import_stop_on(NULL);
	assert_int_equal(fixture_int(f, MAILBOXES), 1500);
	/* an ended job stays as it ended */
	assert_int_equal(store_import_job_interrupt(f->db, id, "test", &err),
			 0);
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM import_job "
				     "WHERE state = 'interrupted'"), 2);
	strbuf_free(&csv);
}

/* An import as hakomail import runs it: a job made and run in the
 * foreground, through the CLI's door. */
static int
cli_import(struct fixture *f, const char *csv, int dry_run)
{
	struct csvin_limits lim = CSVIN_DEFAULT_LIMITS;
	struct import_job_in in = { "mailboxes", "term.csv", "utf-8", dry_run,
				    0, 0, "cli:test:1", 1000 };
	struct import_opts o = { .dry_run = dry_run, .pw_min = 10,
				 .pw_max = 256 };
	struct import_report rep;
	struct csvin_doc doc;
	struct hk_err err;
	int64_t id;
	json_t *job = NULL;
	int rc;

	if (csvin_parse(csv, strlen(csv), CSVIN_AUTO, &lim, &doc, &err) < 0 ||
	    store_import_job_add(f->db, &f->admin, &in, &id, &job, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(str(job, "via"), "cli");
	json_decref(job);
	rc = import_job_run(f->db, &f->admin, id, 0, &doc, &o, &rep, &err);
	import_report_free(&rep);
	csvin_doc_free(&doc);
	return rc;
}

/* The jobs key sees, newest first, as "via project state" lines. */
static void
jobs_seen(struct fixture *f, const char *key, char *out, size_t len)
{
	struct http_resp resp;
	size_t i, n = 0;
	json_t *list, *job;

	assert_int_equal(send(f, "GET", "/api/v1/imports", NULL, NULL, key,
			      &resp), 200);
	list = http_resp_json(&resp);
	out[0] = '\0';
	json_array_foreach(json_object_get(list, "items"), i, job)
		n += (size_t)snprintf(out + n, len - n, "%s%s %s %s", i ?
				      "|" : "", str(job, "via"),
				      str(job, "project"), str(job, "state"));
	json_decref(list);
	http_resp_free(&resp);
}

/* Every import is a job, whatever its door: one made with the CLI is in
 * GET /imports with its door, an owner's list holding it when its rows
 * were in the owner's project. */
static void
test_every_door_makes_a_job(void **state)
{
	struct fixture *f = *state;
	char seen[512];
	json_t *job;

	assert_int_equal(cli_import(f, "address,password_hash\n"
				    "c@pc1.example," HASH "\n", 0), 0);
	assert_int_equal(fixture_int(f, MAILBOXES), 1);
	assert_int_equal(cli_import(f, "address,password_hash\n"
				    "c@pc1.example," HASH "\n", 1), -1);
	assert_int_equal(upload(f, "kind=mailboxes", "address,password_hash\n"
				"d@pc1.example," HASH "\n", owner, &job), 202);
	assert_string_equal(str(job, "via"), "api");
	json_decref(job);
	/* an operator's import into two projects stays the operator's */
	assert_int_equal(cli_import(f, "address,password_hash\n"
				    "e@pc1.example," HASH "\ne@pc2.example,"
				    HASH "\n", 0), 0);
	jobs_seen(f, admin, seen, sizeof(seen));
	assert_string_equal(seen, "cli (null) done|api lab done|"
			    "cli lab checked|cli lab done");
	jobs_seen(f, owner, seen, sizeof(seen));
	assert_string_equal(seen, "api lab done|cli lab checked|cli lab done");
	jobs_seen(f, other, seen, sizeof(seen));
	assert_string_equal(seen, "");
	assert_int_equal(fixture_int(f, "SELECT COUNT(*) FROM import_job "
				     "WHERE via = 'cli' AND worker = "
				     "'cli:test:1'"), 3);
}

/* The exports answer the files the imports read, to be saved, and what
 * they answer imports back. */
static void
test_export_round_trip(void **state)
{
	struct fixture *f = *state;
	struct http_resp resp;
	char *file;
	json_t *job;

	assert_int_equal(upload(f, "kind=mailboxes", "address,password_hash,"
				"name\nm1@pc1.example," HASH ",\"Matsui, M\"\n",
				owner, &job), 202);
	assert_string_equal(str(job, "state"), "done");
	json_decref(job);
	assert_int_equal(upload(f, "kind=aliases", "address,destinations\n"
				"list@pc1.example,\"m1@pc1.example; "
				"x@elsewhere.example\"\n@pc1.example,"
				"m1@pc1.example\n", owner, &job), 202);
	assert_string_equal(str(job, "state"), "done");
	json_decref(job);
	assert_int_equal(send(f, "GET", "/api/v1/export/aliases?domain="
			      "pc1.example", NULL, NULL, owner, &resp), 200);
	assert_string_equal(resp.content_type, "text/csv; charset=utf-8");
	assert_string_equal(resp.attachment, "pc1.example-aliases.csv");
	assert_int_equal(resp.raw_len, strlen(resp.raw));
	assert_string_equal(resp.raw, "address,destinations,active\r\n"
			    "@pc1.example,m1@pc1.example,true\r\n"
			    "list@pc1.example,\"m1@pc1.example,"
			    "x@elsewhere.example\",true\r\n");
	file = strdup(resp.raw);
	http_resp_free(&resp);
	assert_int_equal(upload(f, "kind=aliases&upsert=true", file, owner,
				&job), 202);
	assert_string_equal(str(job, "state"), "done");
	assert_int_equal(num(job, "updated"), 2);
	json_decref(job);
	free(file);
	/* mailboxes; hashes for an operator only */
	assert_int_equal(send(f, "GET", "/api/v1/export/mailboxes?project="
			      "lab", NULL, NULL, owner, &resp), 200);
	assert_string_equal(resp.attachment, "lab-mailboxes.csv");
	assert_string_equal(resp.raw, "address,name,quota,active\r\n"
			    "m1@pc1.example,\"Matsui, M\",0,true\r\n");
	http_resp_free(&resp);
	assert_int_equal(send(f, "GET", "/api/v1/export/mailboxes?project="
			      "lab&with_hashes=true", NULL, NULL, owner, &resp),
			 403);
	http_resp_free(&resp);
	assert_int_equal(send(f, "GET", "/api/v1/export/mailboxes?domain="
			      "pc1.example&with_hashes=true", NULL, NULL, admin,
			      &resp), 200);
	assert_non_null(strstr(resp.raw, "," HASH "\r\n"));
	http_resp_free(&resp);
	/* another project's domain is not there for an owner */
	assert_int_equal(send(f, "GET", "/api/v1/export/mailboxes?domain="
			      "pc1.example", NULL, NULL, other, &resp), 404);
	http_resp_free(&resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_dry_run_reports_every_problem, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_import_writes_and_shows_progress, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_uploads_make_no_job,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_owner_scope, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_one_job_per_project,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_export_round_trip,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_upload_judged_before_its_file, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_interrupts,
						setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_every_door_makes_a_job,
						setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
