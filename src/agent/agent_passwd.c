/* SPDX-License-Identifier: ISC */
/*
 * agent_passwd.c - passwd in 256 bucket files.  See agent_passwd.h.
 *
 * Like agent_stage.c, it works relative to directory descriptors and
 * opens final components with O_NOFOLLOW; every name is a bucket's two
 * hex digits or one of the two fixed names.  Bucket files are written
 * first and made durable together: on a journalling file system the
 * first fsync commits them all, so 256 files cost about one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_genfile.h"
#include "agent_passwd.h"
#include "bucket.h"
#include "digest.h"
#include "fdio.h"
#include "mapdelta.h"

#define OPEN_FILE	(O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
#define OPEN_DIR	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define SEND_WHOLE	"send the whole bundle"

static void
bucket_name(int b, char out[3])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = hex[(b >> 4) & 15];
	out[1] = hex[b & 15];
	out[2] = '\0';
}

/* dfd/name, a regular file, into sb: 1, 0 when absent, -1 (errno). */
static int
read_at(int dfd, const char *name, struct strbuf *sb)
{
	struct stat st;
	int fd, rc = 1;

	if ((fd = openat(dfd, name, OPEN_FILE)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0)
		rc = -1;
	else if (!S_ISREG(st.st_mode))
		rc = (errno = EINVAL, -1);
	else if (fdio_read_all(fd, sb, BUNDLE_MAX_SIZE) < 0)
		rc = -1;
	(void)close(fd);
	return rc;
}

/* The bucket list passwd.sums of served (bucket.h) into sums. */
static int
read_sums(int served, char sums[BUCKETS][65], struct hk_err *err)
{
	char want[4];
	struct strbuf sb;
	int rc;

	strbuf_init(&sb, BUCKET_LIST_LEN + 1);
	rc = read_at(served, AGENT_PASSWD_SUMS, &sb);
	for (int b = 0; rc > 0 && b < BUCKETS; b++) {
		const char *l = sb.data + (size_t)b * BUCKET_LINE_LEN;

		snprintf(want, sizeof(want), "%02x ", (unsigned)b);
		if (sb.len != BUCKET_LIST_LEN || memcmp(l, want, 3) != 0 ||
		    l[67] != '\n')
			rc = 0;
		else
			snprintf(sums[b], 65, "%.64s", l + 3);
	}
	strbuf_free(&sb);
	if (rc < 0)
		return hk_fail_errno(err, "reading %s", AGENT_PASSWD_SUMS);
	return rc > 0 ? 0 : hk_fail(err, HK_EPROTO, "passwd", "the "
				    "generation serving has no passwd buckets "
				    "to edit: %s", SEND_WHOLE);
}

/* mtime of what serves passwd now (0: nothing), for date_after. */
static time_t
serving_mtime(int sfd)
{
	struct stat st;

	if (fstatat(sfd, "current/" AGENT_PASSWD_SUMS, &st, 0) == 0 ||
	    fstatat(sfd, "current/passwd", &st, 0) == 0)
		return st.st_mtime;
	return 0;
}

/* passwd.d in dfd, made readable by Dovecot's group; its descriptor. */
static int
make_dir(const struct agent_conf *conf, int dfd, const char *dir,
	 struct hk_err *err)
{
	int pfd;

	if (mkdirat(dfd, AGENT_PASSWD_DIR, 0700) < 0 ||
	    (pfd = openat(dfd, AGENT_PASSWD_DIR, OPEN_DIR)) < 0)
		return hk_fail_errno(err, "creating %s/%s", dir,
				     AGENT_PASSWD_DIR);
	if (agent_genfile_mode(conf, pfd, "passwd") < 0 ||
	    fchmod(pfd, 0750) < 0) {
		(void)close(pfd);
		return hk_fail_errno(err, "%s/%s", dir, AGENT_PASSWD_DIR);
	}
	return pfd;
}

/* The bucket files of pfd that were written made durable (see the
 * header; a linked one is already), then pfd. */
static int
sync_dir(int pfd, const char *dir, const int written[BUCKETS],
	 struct hk_err *err)
{
	char nm[3];
	int fd, rc = 0;

	for (int b = 0; rc == 0 && b < BUCKETS; b++) {
		if (!written[b])
			continue;
		bucket_name(b, nm);
		if ((fd = openat(pfd, nm, OPEN_FILE)) < 0 || fsync(fd) < 0)
			rc = hk_fail_errno(err, "fsync %s/%s/%s", dir,
					   AGENT_PASSWD_DIR, nm);
		if (fd >= 0)
			(void)close(fd);
	}
	if (rc == 0 && fsync(pfd) < 0)
		rc = hk_fail_errno(err, "fsync %s/%s", dir, AGENT_PASSWD_DIR);
	return rc;
}

/* One bucket file: written, dated after `after`, its sum into sum. */
static int
write_bucket(const struct agent_conf *conf, int pfd, const char *dir, int b,
	     const struct strbuf *text, time_t after, char sum[65],
	     struct hk_err *err)
{
	char nm[3];
	int fd, rc = 0;

	bucket_name(b, nm);
	sha256_hex(text->len ? text->data : "", text->len, sum);
	fd = openat(pfd, nm, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0 || agent_genfile_mode(conf, fd, "passwd") < 0 ||
	    fdio_write_all(fd, text->data, text->len) < 0 ||
	    agent_genfile_date_after(fd, after) < 0)
		rc = hk_fail_errno(err, "writing %s/%s/%s", dir,
				   AGENT_PASSWD_DIR, nm);
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = hk_fail_errno(err, "writing %s/%s/%s", dir,
				   AGENT_PASSWD_DIR, nm);
	return rc;
}

/* The bucket list of sums as passwd.sums in dfd; its sum into out. */
static int
write_sums(const struct agent_conf *conf, int dfd, const char *dir,
	   char sums[BUCKETS][65], char out[65], struct hk_err *err)
{
	char list[BUCKET_LIST_LEN + 1];

	bucket_list(sums, list);
	sha256_hex(list, BUCKET_LIST_LEN, out);
	return agent_genfile_write(conf, dfd, dir, AGENT_PASSWD_SUMS, "passwd",
				 list, BUCKET_LIST_LEN, 0, err);
}

/* A whole passwd text[0..len) as buckets in pfd; sums of each. */
static int
write_whole(const struct agent_conf *conf, int pfd, const char *dir,
	    const char *text, size_t len, time_t after,
	    char sums[BUCKETS][65], struct hk_err *err)
{
	struct strbuf sb[BUCKETS];
	int rc;

	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&sb[b], BUNDLE_MAX_SIZE);
	rc = bucket_split("passwd", text, len, sb, err);
	for (int b = 0; rc == 0 && b < BUCKETS; b++)
		rc = write_bucket(conf, pfd, dir, b, &sb[b], after, sums[b],
				  err);
	for (int b = 0; b < BUCKETS; b++)
		strbuf_free(&sb[b]);
	return rc;
}

/* Bucket b of spfd (its sum, from passwd.sums, in sum) with edits e made,
 * written into npfd; its new sum into sum. */
static int
edit_bucket(const struct agent_conf *conf, int spfd, int npfd,
	    const char *dir, int b, const struct strbuf *e, char sum[65],
	    struct hk_err *err)
{
	struct strbuf base, out;
	struct stat st;
	char nm[3], was[65];
	int rc;

	bucket_name(b, nm);
	strbuf_init(&base, BUNDLE_MAX_SIZE);
	strbuf_init(&out, BUNDLE_MAX_SIZE);
	if ((rc = read_at(spfd, nm, &base)) <= 0 ||
	    fstatat(spfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = hk_fail(err, HK_EPROTO, "passwd", "bucket %s of the "
			     "generation serving: %s: %s", nm, rc == 0 ?
			     "missing" : strerror(errno), SEND_WHOLE);
	else {
		sha256_hex(base.len ? base.data : "", base.len, was);
		rc = strcmp(was, sum) != 0 ?
		    hk_fail(err, HK_EPROTO, "passwd", "bucket %s of the "
			    "generation serving is not what its passwd.sums "
			    "says: %s", nm, SEND_WHOLE) :
		    mapdelta_apply("passwd", base.len ? base.data : "",
				   base.len, e->data, e->len, &out, err);
	}
	if (rc == 0)
		rc = write_bucket(conf, npfd, dir, b, &out, st.st_mtime, sum,
				  err);
	strbuf_free(&base);
	strbuf_free(&out);
	return rc;
}

/* The serving generation's buckets in npfd: edited where e reaches,
 * linked elsewhere (e NULL: every one linked); sums updated. */
static int
from_served(const struct agent_conf *conf, int spfd, int npfd,
	    const char *dir, const char *e, size_t elen,
	    char sums[BUCKETS][65], int touched[BUCKETS], struct hk_err *err)
{
	struct strbuf eb[BUCKETS];
	int rc = 0;
	char nm[3];

	for (int b = 0; b < BUCKETS; b++)
		strbuf_init(&eb[b], BUNDLE_MAX_SIZE);
	if (e != NULL)
		rc = bucket_split_edits("passwd", e, elen, eb, touched, err);
	for (int b = 0; rc == 0 && b < BUCKETS; b++) {
		bucket_name(b, nm);
		if (touched[b])
			rc = edit_bucket(conf, spfd, npfd, dir, b, &eb[b],
					 sums[b], err);
		else if (linkat(spfd, nm, npfd, nm, 0) < 0)
			rc = hk_fail_errno(err, "linking %s/%s/%s", dir,
					   AGENT_PASSWD_DIR, nm);
	}
	for (int b = 0; b < BUCKETS; b++)
		strbuf_free(&eb[b]);
	return rc;
}

/* Kept or edited: from keep->served, which must hold buckets. */
static int
stage_on_served(const struct agent_conf *conf, int npfd, const char *dir,
		const struct bundle_file *f, const struct agent_keep *keep,
		char sums[BUCKETS][65], int written[BUCKETS],
		struct hk_err *err)
{
	int spfd, rc;

	if (read_sums(keep->served, sums, err) < 0)
		return -1;
	if ((spfd = openat(keep->served, AGENT_PASSWD_DIR, OPEN_DIR)) < 0)
		return hk_fail(err, HK_EPROTO, "passwd", "the generation "
			       "serving has no %s: %s", AGENT_PASSWD_DIR,
			       SEND_WHOLE);
	rc = from_served(conf, spfd, npfd, dir,
			 f->how == BUNDLE_EDIT ? f->data : NULL, f->len, sums,
			 written, err);
	(void)close(spfd);
	return rc;
}

int
agent_passwd_stage(const struct agent_conf *conf, int sfd, int dfd,
		   const char *dir, const struct bundle_file *f,
		   const struct agent_keep *keep, int idx, struct hk_err *err)
{
	char sums[BUCKETS][65], sum[65];
	int on_served = f != NULL && f->how != BUNDLE_WHOLE, pfd, rc;
	int written[BUCKETS];

	if (on_served && (keep == NULL || (f->how == BUNDLE_KEEP) !=
				       (keep->kept[idx] != 0)))
		return hk_fail(err, HK_EINTERNAL, "passwd", "passwd kept or "
			       "edited outside a delta");
	if ((pfd = make_dir(conf, dfd, dir, err)) < 0)
		return -1;
	for (int b = 0; b < BUCKETS; b++)
		written[b] = !on_served;
	rc = on_served ? stage_on_served(conf, pfd, dir, f, keep, sums,
					 written, err) :
	    write_whole(conf, pfd, dir, f ? f->data : "", f ? f->len : 0,
			serving_mtime(sfd), sums, err);
	if (rc == 0)
		rc = sync_dir(pfd, dir, written, err);
	(void)close(pfd);
	if (rc == 0)
		rc = write_sums(conf, dfd, dir, sums, sum, err);
	if (rc == 0 && on_served && strcmp(sum, f->sha256) != 0)
		rc = hk_fail(err, HK_EPROTO, "passwd", "delta: passwd does not "
			     "come out as the panel rendered it (%s it): %s",
			     f->how == BUNDLE_KEEP ? "keeping" : "editing",
			     SEND_WHOLE);
	return rc;
}

int
agent_passwd_sum(int gfd, const char *dir, char out[65], struct hk_err *err)
{
	char sums[BUCKETS][65], nm[3];
	struct strbuf sb;
	int pfd, fd, rc = 0;

	if ((pfd = openat(gfd, AGENT_PASSWD_DIR, OPEN_DIR)) < 0) {
		if (errno != ENOENT)	/* else an older agent's passwd */
			return hk_fail_errno(err, "%s/%s", dir,
					     AGENT_PASSWD_DIR);
		strbuf_init(&sb, BUNDLE_MAX_SIZE);
		if ((rc = read_at(gfd, "passwd", &sb)) < 0)
			rc = hk_fail_errno(err, "reading %s/passwd", dir);
		else
			bucket_file_sum("passwd", sb.len ? sb.data : "",
					sb.len, out);
		strbuf_free(&sb);
		return rc < 0 ? -1 : 0;
	}
	for (int b = 0; rc == 0 && b < BUCKETS; b++) {
		bucket_name(b, nm);
		if ((fd = openat(pfd, nm, OPEN_FILE)) < 0 ||
		    sha256_hex_fd(fd, sums[b]) < 0)
			rc = hk_fail_errno(err, "reading %s/%s/%s", dir,
					   AGENT_PASSWD_DIR, nm);
		if (fd >= 0)
			(void)close(fd);
	}
	(void)close(pfd);
	if (rc == 0)
		bucket_sum_of(sums, out);
	return rc;
}

int
agent_passwd_read(int gfd, const char *dir, const char *address,
		  struct strbuf *sb, struct hk_err *err)
{
	int pfd, rc = 1, b = address ? bucket_of(address, strlen(address)) : -1;
	char nm[3];

	if ((pfd = openat(gfd, AGENT_PASSWD_DIR, OPEN_DIR)) < 0) {
		if (errno != ENOENT)
			return hk_fail_errno(err, "%s/%s", dir,
					     AGENT_PASSWD_DIR);
		if ((rc = read_at(gfd, "passwd", sb)) < 0)
			return hk_fail_errno(err, "reading %s/passwd", dir);
		return rc;
	}
	for (int i = b >= 0 ? b : 0; rc > 0 && i < BUCKETS; i++) {
		bucket_name(i, nm);
		if ((rc = read_at(pfd, nm, sb)) <= 0)
			rc = hk_fail_errno(err, "reading %s/%s/%s", dir,
					   AGENT_PASSWD_DIR, nm);
		if (b >= 0)
			break;
	}
	(void)close(pfd);
	return rc < 0 ? -1 : 1;
}
