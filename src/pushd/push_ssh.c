/* SPDX-License-Identifier: ISC */
/*
 * push_ssh.c - ssh to a guest's agent, and the judging of its answer.
 * See push_ssh.h.
 *
 * ssh runs from an argument vector with an empty configuration (-F none):
 * the host key comes only from the database (HostKeyAlias + a known_hosts
 * file written here), BatchMode forbids any prompt, and a control master
 * per guest keeps warm pushes to one round trip.  The remote command is a
 * fixed word; the guest's authorized_keys forces the agent anyway.
 * (OpenSSH limits a control socket's path to about 100 bytes: state_dir
 * must stay short.)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "push_ssh.h"
#include "report.h"
#include "subproc.h"

#define ANSWER_MAX	(64 * 1024)	/* apply's and status's answers */

/* state_dir/known_hosts/<id>: "hakomail-guest-<id> <type> <key>",
 * replaced atomically (another worker's ssh may be reading it). */
static int
write_known_hosts(const struct push_cfg *cfg, const struct push_job *job,
		  char *path, size_t pathlen, struct hk_err *err)
{
	char dir[600], tmp[720];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/known_hosts", cfg->state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "mkdir %s", dir);
	if ((size_t)snprintf(path, pathlen, "%s/%lld", dir,
			     (long long)job->id) >= pathlen)
		return hk_failr(err, HK_EINVAL, "state_dir", HK_R_path_too_long,
				NULL);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return hk_fail_errno(err, "open %s", tmp);
	fprintf(f, "hakomail-guest-%lld %s\n", (long long)job->id,
		job->host_key);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return hk_fail_errno(err, "write %s", path);
	return 0;
}

/* The control master of one pinned identity of the guest: a new pin, host,
 * port or user gets a new master, so a connection authenticated against
 * the old key is never reused after the operator re-pinned the guest. */
static void
control_path(const struct push_cfg *cfg, const struct push_job *job,
	     char *out, size_t outlen)
{
	char id[2048], sha[65];
	int n = snprintf(id, sizeof(id), "%s\n%d\n%s\n%s", job->host,
			 job->port, job->user, job->host_key);

	sha256_hex(id, n > 0 && (size_t)n < sizeof(id) ? (size_t)n :
		   strlen(id), sha);
	snprintf(out, outlen, "ControlPath=%s/ctl-%lld-%.16s", cfg->state_dir,
		 (long long)job->id, sha);
}

/* A report lists every mailbox: it may be megabytes. */
static size_t
answer_max(const char *verb)
{
	return strcmp(verb, "report") == 0 ? REPORT_MAX_BYTES : ANSWER_MAX;
}

/* ssh's argument vector to job's guest for the remote command words
 * (NULL-terminated: a verb and its operands), with its environment. */
static int
build_argv(const struct push_cfg *cfg, const struct push_job *job,
	   const char *const *words, struct push_ssh_argv *a,
	   struct hk_err *err)
{
	int n = 0;

	if (write_known_hosts(cfg, job, a->kh, sizeof(a->kh), err) < 0)
		return -1;
	snprintf(a->o_kh, sizeof(a->o_kh), "UserKnownHostsFile=%s", a->kh);
	snprintf(a->o_alias, sizeof(a->o_alias),
		 "HostKeyAlias=hakomail-guest-%lld", (long long)job->id);
	snprintf(a->o_id, sizeof(a->o_id), "IdentityFile=%s", cfg->ssh_key);
	control_path(cfg, job, a->o_ctl, sizeof(a->o_ctl));
	snprintf(a->home, sizeof(a->home), "HOME=%s", cfg->state_dir);
	snprintf(a->port, sizeof(a->port), "%d", job->port);
	a->envp[0] = "PATH=/usr/bin:/bin";
	a->envp[1] = a->home;
	a->envp[2] = NULL;
#define A(s) (a->argv[n++] = (char *)(s))
	A(cfg->ssh_path); A("-F"); A("none"); A("-T");
	A("-o"); A("BatchMode=yes");
	A("-o"); A("StrictHostKeyChecking=yes");
	A("-o"); A(a->o_kh);
	A("-o"); A("GlobalKnownHostsFile=/dev/null");
	A("-o"); A(a->o_alias);
	A("-o"); A("IdentitiesOnly=yes");
	A("-o"); A(a->o_id);
	A("-o"); A("ConnectTimeout=10");
	A("-o"); A("ServerAliveInterval=15");
	A("-o"); A("ControlMaster=auto");
	A("-o"); A(a->o_ctl);
	A("-o"); A("ControlPersist=300");
	A("-o"); A("LogLevel=ERROR");
	A("-p"); A(a->port); A("-l"); A(job->user);
	A("--"); A(job->host);
#undef A
	for (int i = 0; words[i] != NULL && n < PUSH_SSH_ARGV_MAX - 1; i++)
		a->argv[n++] = (char *)words[i];
	a->argv[n] = NULL;
	return 0;
}

static int
run_ssh(const struct push_cfg *cfg, const struct push_job *job,
	const char *verb, const void *input, size_t input_len,
	struct subproc_result *sr, struct hk_err *err)
{
	const char *words[] = { verb, NULL };
	struct push_ssh_argv a;

	if (build_argv(cfg, job, words, &a, err) < 0)
		return -1;
	return subproc_run(a.argv, a.envp, input, input_len,
			   cfg->timeout_s * 1000, answer_max(verb), sr, err);
}

int
push_ssh_spawn(const struct push_cfg *cfg, const struct push_job *job,
	       const char *const *words, struct subproc_child *child,
	       struct hk_err *err)
{
	struct push_ssh_argv a;

	if (build_argv(cfg, job, words, &a, err) < 0)
		return -1;
	return subproc_spawn(a.argv, a.envp, child, err);
}

/* ssh's stderr without its trailing newline, for the guest's last_error. */
static void
ssh_error(const char *e, char *out, size_t outlen)
{
	size_t n = strlen(e);

	if (strncmp(e, "ssh: ", 5) == 0) {
		e += 5;
		n -= 5;
	}
	while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == '\r'))
		n--;
	snprintf(out, outlen, "ssh: %.*s", (int)(n > 400 ? 400 : n), e);
}

void
push_ssh_judge_failure(const char *e, char *state, size_t statelen,
		       char *error, size_t errorlen)
{
	if (strstr(e, "IDENTIFICATION HAS CHANGED") ||
	    strstr(e, "Host key verification failed")) {
		snprintf(state, statelen, "failed");
		snprintf(error, errorlen, "host key does not match the pinned "
			 "key: refused, nothing pushed");
		return;
	}
	snprintf(state, statelen, "unreachable");
	ssh_error(e, error, errorlen);
}

/* ssh itself failed (status 255): a changed host key, or no way through. */
static void
judge_ssh(const struct subproc_result *sr, struct push_ssh_answer *ans)
{
	push_ssh_judge_failure(strbuf_str(&sr->errout), ans->state,
			       sizeof(ans->state), ans->error,
			       sizeof(ans->error));
}

/* The member that an ok answer to verb carries: the checksums of what
 * serves, or the report. */
static json_t *
answer_member(json_t *a, const char *verb)
{
	int report = strcmp(verb, "report") == 0;
	json_t *m = json_object_get(a, report ? "report" : "files");

	return json_is_object(m) ? m : NULL;
}

static void
judge_agent(const struct subproc_result *sr, const char *verb,
	    struct push_ssh_answer *ans)
{
	json_t *a, *ok, *gen, *member;
	const char *msg;

	snprintf(ans->state, sizeof(ans->state), "failed");
	if (sr->out.len >= answer_max(verb)) {	/* cut short by subproc */
		snprintf(ans->error, sizeof(ans->error), "agent's answer to "
			 "%s larger than %zu bytes: refused", verb,
			 answer_max(verb));
		return;
	}
	a = json_loadb(sr->out.data ? sr->out.data : "", sr->out.len, 0,
		       NULL);
	ok = json_object_get(a, "ok");
	msg = json_string_value(json_object_get(a, "error"));
	if (!json_is_boolean(ok)) {
		snprintf(ans->error, sizeof(ans->error), "agent answered "
			 "nonsense (exit %d): %.300s", sr->status,
			 strbuf_str(&sr->errout));
		json_decref(a);
		return;
	}
	ans->reached = 1;
	gen = json_object_get(a, "generation");
	ans->served = json_is_integer(gen) ? json_integer_value(gen) : -1;
	member = answer_member(a, verb);
	if (json_is_true(ok) && subproc_ok(sr) && member != NULL) {
		ans->ok = 1;
		ans->files = json_incref(member);
	} else if (json_is_true(ok) && member == NULL) {
		snprintf(ans->error, sizeof(ans->error), "agent answered ok "
			 "without the %s", strcmp(verb, "report") == 0 ?
			 "report" : "checksums of its files");
	} else if (json_is_true(ok)) {
		snprintf(ans->error, sizeof(ans->error), "agent answered ok "
			 "but exited with status %d", sr->status);
	} else {
		snprintf(ans->error, sizeof(ans->error), "agent: %.400s",
			 msg ? msg : "?");
	}
	json_decref(a);
}

int
push_ssh(const struct push_cfg *cfg, const struct push_job *job,
	 const char *verb, const void *input, size_t input_len,
	 struct push_ssh_answer *ans, struct hk_err *err)
{
	struct subproc_result sr;
	int rc;

	memset(ans, 0, sizeof(*ans));
	ans->served = -1;
	memset(&sr, 0, sizeof(sr));
	rc = run_ssh(cfg, job, verb, input, input_len, &sr, err);
	if (rc == 0 && sr.timed_out) {
		snprintf(ans->state, sizeof(ans->state), "unreachable");
		snprintf(ans->error, sizeof(ans->error), "timed out after "
			 "%d s", cfg->timeout_s);
	} else if (rc == 0 && sr.exited && sr.status == 255) {
		judge_ssh(&sr, ans);
	} else if (rc == 0) {
		judge_agent(&sr, verb, ans);
	}
	subproc_result_free(&sr);
	return rc;
}

void
push_ssh_answer_free(struct push_ssh_answer *ans)
{
	json_decref(ans->files);
	ans->files = NULL;
}
