/* SPDX-License-Identifier: ISC */
/*
 * agent_mta.c - the guest's mail programs, as hakomail-agent runs them:
 * postmap over a staged generation, postfix check (only when Postfix's own
 * configuration changed) and reload.  Dovecot is never reloaded: it
 * rereads a passwd bucket whose mtime or size moved (agent_bucket.c dates
 * each after the one it replaces).  Argument vectors only, never a shell;
 * each with a timeout.  See agent_mta.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_mta.h"
#include "bundle.h"
#include "fdio.h"
#include "log.h"
#include "subproc.h"

#define POSTMAP_TIMEOUT_MS	300000
#define POSTFIX_TIMEOUT_MS	120000
#define POSTCONF_OUT_MAX	4096	/* one parameter's value */
#define CHILD_OUT_MAX		65536
#define NAME_MAX_LEN		64
#define ARG_BUF			(AGENT_DIR_MAX + 4 * NAME_MAX_LEN)

static char *const child_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin",
	NULL
};

const char *
agent_mta_map_suffix(const char *maptype)
{
	if (strcmp(maptype, "hash") == 0)
		return ".db";
	if (strcmp(maptype, "lmdb") == 0)
		return ".lmdb";
	return ".cdb";
}

void
agent_mta_tail(const char *s, size_t len, char *out, size_t size)
{
	size_t i = 0, o = 0;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len > size - 1) {
		i = len - (size - 4);
		memcpy(out, "...", 3);
		o = 3;
	}
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[o++] = ch == '\n' ? '|' : (ch < 0x20 || ch >= 0x7f) ? '?' :
		    (char)ch;
	}
	out[o] = '\0';
}

/* The end of the child's stderr (else stdout), where the fatal line is. */
static void
child_says(const struct subproc_result *res, char *out, size_t size)
{
	const struct strbuf *sb = res->errout.len ? &res->errout : &res->out;

	agent_mta_tail(strbuf_str(sb), sb->len, out, size);
	if (out[0] == '\0')	/* postfix-script logs only to the mail log */
		snprintf(out, size, "no output, see the mail log");
}

/* Runs argv (argv[0] absolute, no shell); fails unless it exits 0. */
static int
run_child(char *const argv[], const char *what, int timeout_ms,
	  struct hk_err *err)
{
	struct subproc_result res;
	int rc;

	rc = agent_mta_capture(argv, what, timeout_ms, CHILD_OUT_MAX, &res,
			       err);
	subproc_result_free(&res);
	return rc;
}

int
agent_mta_capture(char *const argv[], const char *what, int timeout_ms,
		  size_t out_max, struct subproc_result *res,
		  struct hk_err *err)
{
	return agent_mta_capture_env(argv, child_env, what, timeout_ms,
				     out_max, res, err);
}

int
agent_mta_capture_env(char *const argv[], char *const envp[],
		      const char *what, int timeout_ms, size_t out_max,
		      struct subproc_result *res, struct hk_err *err)
{
	char says[320];
	int rc;

	rc = subproc_run(argv, envp, NULL, 0, timeout_ms, out_max, res, err);
	if (rc == 0 && !subproc_ok(res)) {
		child_says(res, says, sizeof(says));
		if (res->timed_out)
			rc = hk_fail(err, HK_ESYS, "postfix", "%s: timed out "
				     "after %d s: %s", what, timeout_ms / 1000,
				     says);
		else
			rc = hk_fail(err, HK_ESYS, "postfix", "%s: %s %d: %s",
				     what, res->exited ? "exit" : "signal",
				     res->status, says);
	}
	return rc;
}

/* `postfix [-c DIR] VERB` */
int
agent_mta_postfix(const struct agent_conf *conf, const char *verb,
	    struct hk_err *err)
{
	char what[64];
	char *argv[5];
	int i = 0;

	argv[i++] = (char *)conf->postfix;
	if (conf->confdir != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)conf->confdir;
	}
	argv[i++] = (char *)verb;
	argv[i] = NULL;
	snprintf(what, sizeof(what), "postfix %s failed", verb);
	return run_child(argv, what, POSTFIX_TIMEOUT_MS, err);
}

/* fsync DIR/NAME+suffix, which postmap must have made. */
static int
sync_map(const struct agent_conf *conf, int dfd, const char *dir,
	 const char *name, struct hk_err *err)
{
	char out[NAME_MAX_LEN];
	int fd;

	snprintf(out, sizeof(out), "%s%s", name,
		 agent_mta_map_suffix(conf->maptype));
	if ((fd = openat(dfd, out, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return hk_fail_errno(err, "postmap made no %s/%s", dir, out);
	if (fsync(fd) < 0) {
		hk_fail_errno(err, "fsync %s/%s", dir, out);
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

/* One `postmap [-c DIR] TYPE:DIR/NAME ...` for every map given (one
 * process start instead of many), then fsync each output. */
int
agent_mta_postmap(const struct agent_conf *conf, int dfd, const char *dir,
		  const char *const *rel, size_t n, struct hk_err *err)
{
	char args[AGENT_MTA_MAPS_MAX][ARG_BUF];
	char *argv[AGENT_MTA_MAPS_MAX + 4];
	int i = 0;

	if (n > AGENT_MTA_MAPS_MAX)
		return hk_fail(err, HK_EINTERNAL, NULL, "%zu maps to postmap, "
			       "more than %d", n, AGENT_MTA_MAPS_MAX);
	if (n == 0)
		return 0;
	argv[i++] = (char *)conf->postmap;
	if (conf->confdir != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)conf->confdir;
	}
	for (size_t k = 0; k < n; k++) {
		snprintf(args[k], sizeof(args[k]), "%s:%s/%s", conf->maptype,
			 dir, rel[k]);
		argv[i++] = args[k];
	}
	argv[i] = NULL;
	if (run_child(argv, "postmap failed", POSTMAP_TIMEOUT_MS, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (sync_map(conf, dfd, dir, rel[k], err) < 0)
			return -1;
	return 0;
}

/* What `postfix check` judges (main.cf, master.cf) as one line. */
static void
config_stamp(const struct agent_conf *conf, char *out, size_t size)
{
	const char *cdir = conf->confdir ? conf->confdir : "/etc/postfix";
	static const char *const files[] = { "main.cf", "master.cf", NULL };
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; files[i] != NULL && used < size; i++) {
		char path[ARG_BUF];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", cdir, files[i]);
		if (stat(path, &sb) < 0)
			memset(&sb, 0, sizeof(sb));
		used += (size_t)snprintf(out + used, size - used,
		    "%s %ju %ju %jd %jd.%09ld\n", files[i], (uintmax_t)sb.st_dev,
		    (uintmax_t)sb.st_ino, (intmax_t)sb.st_size,
		    (intmax_t)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
	}
}

/*
 * `postfix check` validates Postfix's own configuration and installation,
 * which an apply does not change, and costs most of an apply (~0.7 s).  So
 * it runs when main.cf or master.cf changed since the last check that
 * passed (STATEDIR/postfix-check.ok holds their stamp), and always on a
 * guest that never passed one.
 */
int
agent_mta_check(const struct agent_conf *conf, int sfd, struct hk_err *err)
{
	char now[512], seen[512];
	ssize_t n = -1;
	int fd;

	config_stamp(conf, now, sizeof(now));
	fd = openat(sfd, "postfix-check.ok", O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd >= 0) {
		n = fdio_read_full(fd, seen, sizeof(seen) - 1);
		(void)close(fd);
	}
	if (n >= 0) {
		seen[n] = '\0';
		if (strcmp(seen, now) == 0)
			return 0;
	}
	if (agent_mta_postfix(conf, "check", err) < 0)
		return -1;
	fd = openat(sfd, "postfix-check.ok", O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* Only a cache: failing to write it costs a check next time. */
		(void)fdio_write_all(fd, now, strlen(now));
		(void)close(fd);
	}
	return 0;
}

int
agent_mta_postconf(const struct agent_conf *conf, const char *param,
		   struct subproc_result *res, struct hk_err *err)
{
	char *argv[6], what[96];
	int i = 0;

	argv[i++] = (char *)conf->postconf;
	if (conf->confdir != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)conf->confdir;
	}
	argv[i++] = "-h";
	argv[i++] = (char *)param;
	argv[i] = NULL;
	snprintf(what, sizeof(what), "postconf -h %s failed", param);
	return agent_mta_capture(argv, what, POSTFIX_TIMEOUT_MS,
				 POSTCONF_OUT_MAX, res, err);
}

int
agent_mta_transport_check(const struct agent_conf *conf, struct hk_err *err)
{
	char want[AGENT_DIR_MAX + 32];
	struct subproc_result res;
	int rc;

	snprintf(want, sizeof(want), "%s/current/transport", conf->statedir);
	rc = agent_mta_postconf(conf, "transport_maps", &res, err);
	if (rc == 0 && strstr(strbuf_str(&res.out), want) == NULL)
		rc = hk_fail(err, HK_EINVAL, "transport", "main.cf's "
			     "transport_maps does not name %s (see "
			     "deploy/guest/postfix-main.cf): a moved domain's "
			     "mail would not reach its new guest", want);
	subproc_result_free(&res);
	return rc;
}
