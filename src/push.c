/*
 * push.c - render, ship over ssh, record.  See push.h.
 *
 * ssh runs from an argument vector with an empty configuration (-F none):
 * the host key comes only from the database (HostKeyAlias + a known_hosts
 * file written here), BatchMode forbids any prompt, and a control master
 * per guest keeps warm pushes to one round trip.  The remote command is a
 * fixed word; the guest's authorized_keys forces the agent anyway.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "push.h"
#include "store.h"
#include "subproc.h"

#define ANSWER_MAX	(64 * 1024)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* state_dir/known_hosts/<id>: "hakomail-guest-<id> <type> <key>". */
static int
write_known_hosts(const struct push_cfg *cfg, const struct push_target *t,
		  char *path, size_t pathlen, struct hk_err *err)
{
	char dir[600], tmp[720];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/known_hosts", cfg->state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "mkdir %s", dir);
	if ((size_t)snprintf(path, pathlen, "%s/%lld", dir,
			     (long long)t->id) >= pathlen)
		return hk_fail(err, HK_EINVAL, "state_dir", "path too long");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return hk_fail_errno(err, "open %s", tmp);
	fprintf(f, "hakomail-guest-%lld %s\n", (long long)t->id, t->host_key);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return hk_fail_errno(err, "write %s", path);
	return 0;
}

static int
run_ssh(const struct push_cfg *cfg, const struct push_target *t,
	const char *known_hosts, const struct strbuf *wire,
	struct subproc_result *sr, struct hk_err *err)
{
	char o_kh[800], o_alias[64], o_id[600], o_ctl[600], port[16];
	char o_home[600];
	char *argv[40];
	char *envp[] = { "PATH=/usr/bin:/bin", o_home, NULL };
	int n = 0;

	snprintf(o_kh, sizeof(o_kh), "UserKnownHostsFile=%s", known_hosts);
	snprintf(o_alias, sizeof(o_alias), "HostKeyAlias=hakomail-guest-%lld",
		 (long long)t->id);
	snprintf(o_id, sizeof(o_id), "IdentityFile=%s", cfg->ssh_key);
	snprintf(o_ctl, sizeof(o_ctl), "ControlPath=%s/ctl-%%C",
		 cfg->state_dir);
	snprintf(o_home, sizeof(o_home), "HOME=%s", cfg->state_dir);
	snprintf(port, sizeof(port), "%d", t->port);
#define A(s) (argv[n++] = (char *)(s))
	A(cfg->ssh_path); A("-F"); A("none"); A("-T");
	A("-o"); A("BatchMode=yes");
	A("-o"); A("StrictHostKeyChecking=yes");
	A("-o"); A(o_kh);
	A("-o"); A("GlobalKnownHostsFile=/dev/null");
	A("-o"); A(o_alias);
	A("-o"); A("IdentitiesOnly=yes");
	A("-o"); A(o_id);
	A("-o"); A("ConnectTimeout=10");
	A("-o"); A("ServerAliveInterval=15");
	A("-o"); A("ControlMaster=auto");
	A("-o"); A(o_ctl);
	A("-o"); A("ControlPersist=300");
	A("-o"); A("LogLevel=ERROR");
	A("-p"); A(port); A("-l"); A(t->user);
	A("--"); A(t->host); A("apply");
	argv[n] = NULL;
#undef A
	return subproc_run(argv, envp, wire->data, wire->len,
			   cfg->timeout_s * 1000, ANSWER_MAX, sr, err);
}

/* ssh's stderr without its trailing newline, for the guest's last_error. */
static void
ssh_error(const struct subproc_result *sr, char *out, size_t outlen)
{
	const char *e = strbuf_str(&sr->errout);
	size_t n = strlen(e);

	if (strncmp(e, "ssh: ", 5) == 0) {
		e += 5;
		n -= 5;
	}
	while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == '\r'))
		n--;
	snprintf(out, outlen, "ssh: %.*s", (int)(n > 400 ? 400 : n), e);
}

/* Reads the agent's JSON answer (or ssh's failure) into res. */
static void
judge(const struct subproc_result *sr, struct push_result *res)
{
	json_t *ans = NULL, *ok;
	const char *e = strbuf_str(&sr->errout);

	snprintf(res->state, sizeof(res->state), "failed");
	if (sr->timed_out) {
		snprintf(res->state, sizeof(res->state), "unreachable");
		snprintf(res->error, sizeof(res->error), "timed out");
		return;
	}
	if (sr->exited && sr->status == 255) {
		if (strstr(e, "IDENTIFICATION HAS CHANGED") ||
		    strstr(e, "Host key verification failed"))
			snprintf(res->error, sizeof(res->error),
				 "host key does not match the pinned key");
		else {
			snprintf(res->state, sizeof(res->state), "unreachable");
			ssh_error(sr, res->error, sizeof(res->error));
		}
		return;
	}
	ans = json_loadb(sr->out.data ? sr->out.data : "", sr->out.len, 0,
			 NULL);
	ok = json_object_get(ans, "ok");
	res->served = json_integer_value(json_object_get(ans, "generation"));
	if (json_is_true(ok) && res->served == res->gen &&
	    subproc_ok(sr))
		res->ok = 1;
	else if (json_is_true(ok) && res->served == res->gen)
		snprintf(res->error, sizeof(res->error), "agent answered ok but "
			 "exited with status %d: %.300s", sr->status, e);
	else if (json_is_false(ok))
		snprintf(res->error, sizeof(res->error), "agent: %.400s",
			 json_string_value(json_object_get(ans, "error")) ?
			 json_string_value(json_object_get(ans, "error")) : "?");
	else
		snprintf(res->error, sizeof(res->error), "agent answered "
			 "nonsense (exit %d): %.300s", sr->status, e);
	json_decref(ans);
}

static int64_t
retry_at(const struct push_cfg *cfg, int failures)
{
	int64_t delay = 1;

	for (int i = 0; i < failures && delay < cfg->retry_max_s; i++)
		delay *= 2;
	if (delay > cfg->retry_max_s)
		delay = cfg->retry_max_s;
	/* jitter: up to a quarter more, so guests that failed together do
	 * not all retry in the same second */
	delay += (int64_t)(random() % (delay / 4 + 1));
	return (int64_t)time(NULL) + delay;
}

static int
record(struct db *db, const struct push_cfg *cfg, const struct push_target *t,
       const struct push_result *res, struct hk_err *err)
{
	struct push_outcome o = { t->id, res->gen, res->ok, res->state,
				  res->error, (int64_t)time(NULL),
				  retry_at(cfg, t->failures) };

	return store_guest_pushed(db, &o, err);
}

int
push_guest(struct db *db, const struct push_cfg *cfg,
	   const struct push_target *t, struct push_result *res,
	   struct hk_err *err)
{
	struct render_out out;
	struct strbuf wire;
	struct subproc_result sr;
	struct hk_err perr;
	char kh[700], sha[65];
	double t0 = now_s();

	memset(res, 0, sizeof(*res));
	memset(&sr, 0, sizeof(sr));
	hk_err_clear(&perr);
	strbuf_init(&wire, BUNDLE_MAX_SIZE);
	if (render_guest(db, t->id, &cfg->render, &out, &perr) < 0) {
		snprintf(res->state, sizeof(res->state), "failed");
		snprintf(res->error, sizeof(res->error), "render: %.480s",
			 perr.message);
		return record(db, cfg, t, res, err);
	}
	res->gen = out.generation;
	if (render_bundle(&out, &wire, sha, &perr) < 0 ||
	    write_known_hosts(cfg, t, kh, sizeof(kh), &perr) < 0 ||
	    run_ssh(cfg, t, kh, &wire, &sr, &perr) < 0) {
		snprintf(res->state, sizeof(res->state), "failed");
		snprintf(res->error, sizeof(res->error), "%s", perr.message);
	} else {
		judge(&sr, res);
	}
	subproc_result_free(&sr);
	render_out_free(&out);
	strbuf_free(&wire);
	res->seconds = now_s() - t0;
	return record(db, cfg, t, res, err);
}
