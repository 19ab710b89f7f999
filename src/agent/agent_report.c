/* SPDX-License-Identifier: ISC */
/*
 * agent_report.c - `hakomail-agent report`: per-mailbox usage as Dovecot's
 * quota counts it (agent_usage.c), the mail filesystem (statvfs of -m
 * MAILROOT), Postfix's queue (`postqueue -j`), load, uptime and the two
 * programs' versions.  Every program runs from an argument vector with a
 * timeout and a ceiling on what it may print, so a report costs bounded
 * time and memory however big the guest.
 *
 * Ceiling: postqueue's output may be 64 MiB, some 200,000 queued
 * messages.  Past it, the report fails (it is never cut short).
 *
 * Portable to a FreeBSD jail: statvfs(), getloadavg() where libc has it
 * (else /proc/loadavg), uptime from kern.boottime on FreeBSD and
 * CLOCK_BOOTTIME (else /proc/uptime) on Linux.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#ifdef __FreeBSD__
#include <sys/types.h>
#include <sys/sysctl.h>
#include <sys/time.h>
#endif

#include "agent_mta.h"
#include "agent_report.h"
#include "agent_usage.h"
#include "mtaout.h"
#include "subproc.h"

#define POSTQUEUE_OUT_MAX	((size_t)64 << 20)
#define SMALL_OUT_MAX		4096
#define SMALL_TIMEOUT_MS	60000
#define VERSION_MAX		64	/* as the panel stores it */

/* agent_mta_capture, also failing when the output reached its ceiling
 * (subproc kept only out_max bytes: the rest was lost). */
static int
capture(char *const argv[], const char *what, int timeout_ms, size_t out_max,
	struct subproc_result *res, struct hk_err *err)
{
	if (agent_mta_capture(argv, what, timeout_ms, out_max, res, err) < 0)
		return -1;
	if (res->out.len >= out_max)
		return hk_fail(err, HK_ESYS, "report", "%s: printed more than "
			       "%zu bytes", what, out_max - 1);
	return 0;
}

static json_t *
fs_json(const char *root, struct hk_err *err)
{
	struct statvfs v;
	uint64_t fr;

	if (statvfs(root, &v) < 0) {
		hk_fail_errno(err, "statvfs %s", root);
		return NULL;
	}
	fr = v.f_frsize ? v.f_frsize : v.f_bsize;
	/* Used is what is taken, free what a non-root writer (vmail) may
	 * still take: the two need not add up to the total. */
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "root", root,
	    "bytes_total", (json_int_t)(v.f_blocks * fr),
	    "bytes_used", (json_int_t)((v.f_blocks - v.f_bfree) * fr),
	    "bytes_free", (json_int_t)(v.f_bavail * fr),
	    "inodes_total", (json_int_t)v.f_files,
	    "inodes_used", (json_int_t)(v.f_files - v.f_ffree),
	    "inodes_free", (json_int_t)v.f_favail);
}

#if !defined(HAVE_GETLOADAVG) || \
    (!defined(__FreeBSD__) && !defined(CLOCK_BOOTTIME))
/* Up to size - 1 bytes of a small file under /proc. */
static int
read_small(const char *path, char *buf, size_t size, struct hk_err *err)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return hk_fail_errno(err, "open %s", path);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	if (ferror(f)) {
		(void)fclose(f);
		return hk_fail_errno(err, "read %s", path);
	}
	(void)fclose(f);
	return 0;
}
#endif

static int
load_avg(double load[3], struct hk_err *err)
{
#ifdef HAVE_GETLOADAVG
	if (getloadavg(load, 3) != 3)
		return hk_fail(err, HK_ESYS, "load", "getloadavg failed");
	return 0;
#else
	char buf[128], *p = buf, *end;

	if (read_small("/proc/loadavg", buf, sizeof(buf), err) < 0)
		return -1;
	for (int i = 0; i < 3; i++, p = end) {
		errno = 0;
		load[i] = strtod(p, &end);
		if (end == p || errno != 0 || load[i] < 0)
			return hk_fail(err, HK_ESYS, "load", "/proc/loadavg: "
				       "not three load averages");
	}
	return 0;
#endif
}

/* Seconds since the (host's) boot: a jail or a namespace has no boot of
 * its own. */
static int
uptime_s(int64_t *out, struct hk_err *err)
{
#if defined(__FreeBSD__)
	int mib[2] = { CTL_KERN, KERN_BOOTTIME };
	struct timeval bt;
	size_t len = sizeof(bt);

	if (sysctl(mib, 2, &bt, &len, NULL, 0) < 0)
		return hk_fail_errno(err, "sysctl kern.boottime");
	*out = (int64_t)time(NULL) - (int64_t)bt.tv_sec;
	return 0;
#elif defined(CLOCK_BOOTTIME)
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return hk_fail_errno(err, "clock_gettime CLOCK_BOOTTIME");
	*out = (int64_t)ts.tv_sec;
	return 0;
#else
	char buf[128], *end;
	double up;

	if (read_small("/proc/uptime", buf, sizeof(buf), err) < 0)
		return -1;
	errno = 0;
	up = strtod(buf, &end);
	if (end == buf || errno != 0 || up < 0)
		return hk_fail(err, HK_ESYS, "uptime", "/proc/uptime: no "
			       "uptime");
	*out = (int64_t)up;
	return 0;
#endif
}

/* The first word of a program's answer, if it looks like a version. */
static int
version_word(const struct subproc_result *res, const char *what, char *out,
	     struct hk_err *err)
{
	const char *s = strbuf_str(&res->out);
	size_t n = strcspn(s, " \t\r\n");

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    strchr(".-_+~", s[i]) != NULL))
			n = 0;
	if (n == 0 || n >= VERSION_MAX)
		return hk_fail(err, HK_EPROTO, "report", "%s: no version in "
			       "its answer", what);
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* `postconf [-c DIR] -h mail_version`, `dovecot --version` */
static json_t *
versions_json(const struct agent_conf *conf, struct hk_err *err)
{
	char *dv[] = { (char *)conf->dovecot, "--version", NULL };
	char postfix[VERSION_MAX], dovecot[VERSION_MAX];
	struct subproc_result res;
	int rc;

	rc = agent_mta_postconf(conf, "mail_version", &res, err);
	if (rc == 0)
		rc = version_word(&res, "postconf", postfix, err);
	subproc_result_free(&res);
	if (rc == 0)
		rc = capture(dv, "dovecot --version failed", SMALL_TIMEOUT_MS,
			     SMALL_OUT_MAX, &res, err);
	if (rc == 0)
		rc = version_word(&res, "dovecot --version", dovecot, err);
	subproc_result_free(&res);
	return rc < 0 ? NULL : json_pack("{s:s,s:s}", "postfix", postfix,
					 "dovecot", dovecot);
}

/* `postqueue [-c DIR] -j`, counted; the oldest deferred by the guest's
 * clock now. */
static json_t *
queue_json(const struct agent_conf *conf, int64_t now, struct hk_err *err)
{
	struct subproc_result res;
	struct mtaout_queue q;
	char *argv[5];
	int i = 0, rc;

	argv[i++] = (char *)conf->postqueue;
	if (conf->confdir != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)conf->confdir;
	}
	argv[i++] = "-j";
	argv[i] = NULL;
	rc = capture(argv, "postqueue -j failed", SMALL_TIMEOUT_MS,
		     POSTQUEUE_OUT_MAX, &res, err);
	if (rc == 0)
		rc = mtaout_postqueue(strbuf_str(&res.out), res.out.len, &q,
				      err);
	subproc_result_free(&res);
	if (rc < 0)
		return NULL;
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "active",
	    (json_int_t)q.active, "deferred", (json_int_t)q.deferred,
	    "hold", (json_int_t)q.hold, "incoming", (json_int_t)q.incoming,
	    "oldest_deferred_s", q.oldest_deferred_at == INT64_MAX ?
	    json_null() : json_integer(now > q.oldest_deferred_at ?
	    (json_int_t)(now - q.oldest_deferred_at) : 0));
}

/* mtaout_mailbox_fn: one [address, bytes, messages] onto the array. */
static int
add_mailbox(void *ctx, const struct mtaout_mailbox *m, struct hk_err *err)
{
	json_t *row = json_pack("[s%,I,I]", m->user, m->user_len,
				(json_int_t)m->bytes, (json_int_t)m->messages);

	if (row == NULL || json_array_append_new(ctx, row) < 0)
		return hk_fail(err, HK_ESYS, "report", "out of memory for "
			       "the mailboxes");
	return 0;
}

/* Every mailbox's usage (agent_usage.c: Dovecot's quota clone files). */
static json_t *
mailboxes_json(const struct agent_conf *conf, struct hk_err *err)
{
	json_t *a = json_array();

	if (a == NULL) {
		hk_fail(err, HK_ESYS, "report", "out of memory");
		return NULL;
	}
	if (agent_usage(conf, add_mailbox, a, err) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int
agent_report(const struct agent_conf *conf, json_t **out, struct hk_err *err)
{
	int64_t now = (int64_t)time(NULL), up = 0;
	json_t *fs = NULL, *ver = NULL, *queue = NULL, *mb = NULL;
	double load[3];

	*out = NULL;
	if (uptime_s(&up, err) < 0 || load_avg(load, err) < 0 ||
	    (fs = fs_json(conf->mailroot, err)) == NULL ||
	    (ver = versions_json(conf, err)) == NULL ||
	    (queue = queue_json(conf, now, err)) == NULL ||
	    (mb = mailboxes_json(conf, err)) == NULL) {
		json_decref(fs);
		json_decref(ver);
		json_decref(queue);
		if (err->message[0] == '\0')	/* a json_pack() failed */
			hk_fail(err, HK_ESYS, "report", "out of memory");
		return -1;
	}
	*out = json_pack("{s:I,s:I,s:[f,f,f],s:o,s:o,s:o,s:o}", "at",
	    (json_int_t)now, "uptime_s", (json_int_t)up, "load", load[0],
	    load[1], load[2], "versions", ver, "fs", fs, "queue", queue,
	    "mailboxes", mb);
	if (*out == NULL)
		return hk_fail(err, HK_ESYS, "report", "out of memory for the "
			       "report");
	return 0;
}
