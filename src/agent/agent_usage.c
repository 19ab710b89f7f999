/* SPDX-License-Identifier: ISC */
/*
 * agent_usage.c - each mailbox's usage from Dovecot's quota clone files,
 * seeded where they are missing (see agent_usage.h).
 *
 * The walk follows the serving passwd file, which the agent itself wrote
 * from a checked bundle: its homes are absolute paths under the mail
 * root.  Homes belong to the mail user, so nothing in them is trusted:
 * the usage file is opened without following a link and must be a small
 * regular file, and a seed is created with O_EXCL beside it.
 *
 * POSIX.1-2008 only (openat, linkat, renameat, fdopendir), as the rest of
 * the agent.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_mta.h"
#include "agent_bucket.h"
#include "bundle.h"
#include "agent_usage.h"
#include "fdio.h"
#include "log.h"
#include "strbuf.h"
#include "subproc.h"

#define PASSWD_MAX	((size_t)256 << 20)
#define USAGE_FILE_MAX	4096
#define DOVEADM_OUT_MAX	((size_t)8 << 20)	/* SEED_MAX users' rows */
#define DOVEADM_TIMEOUT_MS	120000
#define DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define PW_FIELDS	6	/* user:password:uid:gid:gecos:home */

/* One passwd line's fields that matter here (pointers into the file). */
struct pw_line {
	const char *user, *home;
	size_t user_len, home_len;
	uid_t uid;
	gid_t gid;
	int held;	/* held for a domain move (BUNDLE_HELD_REASON) */
};

struct walk {
	mtaout_mailbox_fn fn;
	void *ctx;
	struct pw_line pending[AGENT_USAGE_SEED_MAX];
	size_t npending, next;	/* next: where doveadm's rows are matched */
	size_t left_out;	/* past AGENT_USAGE_SEED_MAX: next report */
};

static int
pw_number(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Whether the extra fields e[0..n) say reason=BUNDLE_HELD_REASON (one
 * space-separated word). */
static int
held(const char *e, size_t n)
{
	static const char w[] = "reason=" BUNDLE_HELD_REASON;
	size_t wl = sizeof(w) - 1;

	for (size_t i = 0; i + wl <= n; i++)
		if ((i == 0 || e[i - 1] == ' ' || e[i - 1] == ':') &&
		    memcmp(e + i, w, wl) == 0 && (i + wl == n ||
						  e[i + wl] == ' '))
			return 1;
	return 0;
}

/* The fields of line s[0..n); the extra fields after home may hold ':'. */
static int
parse_pw(const char *s, size_t n, struct pw_line *p)
{
	const char *f[PW_FIELDS];
	size_t fl[PW_FIELDS], start = 0;
	unsigned long uid, gid;
	int k = 0;

	for (size_t i = 0; i <= n && k < PW_FIELDS; i++) {
		if (i < n && s[i] != ':')
			continue;
		f[k] = s + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	if (k < PW_FIELDS || fl[0] == 0 || fl[5] < 2 || f[5][0] != '/' ||
	    fl[5] >= PATH_MAX - sizeof(AGENT_USAGE_FILE) - 32 ||
	    pw_number(f[2], fl[2], &uid) < 0 ||
	    pw_number(f[3], fl[3], &gid) < 0)
		return -1;
	*p = (struct pw_line){ f[0], f[5], fl[0], fl[5], (uid_t)uid,
			       (gid_t)gid, start < n && held(s + start,
							     n - start) };
	return 0;
}

static int
emit(struct walk *w, const struct pw_line *p, int64_t bytes,
     int64_t messages, struct hk_err *err)
{
	struct mtaout_mailbox m = { p->user, p->user_len, bytes, messages };

	return w->fn(w->ctx, &m, err);
}

/* --- seeding --- */

/* Creates AGENT_USAGE_FILE in the home open at dfd, unless Dovecot wrote
 * one meanwhile (an empty one, left by a crash, is replaced). */
static void
seed(int dfd, const struct pw_line *p, int64_t bytes, int64_t messages)
{
	char tmp[64], buf[96];
	struct stat st;
	int fd, n;

	snprintf(tmp, sizeof(tmp), ".hakomail-usage-seed.%ld", (long)getpid());
	n = snprintf(buf, sizeof(buf), "priv/quota/storage\n%" PRId64
		     "\npriv/quota/messages\n%" PRId64 "\n", bytes, messages);
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0 || fdio_write_all(fd, buf, (size_t)n) < 0 ||
	    fchown(fd, p->uid, p->gid) < 0) {
		log_warn_errno("usage of %.*s: cannot write a seed",
			       (int)p->user_len, p->user);
		if (fd >= 0)
			close(fd);
		(void)unlinkat(dfd, tmp, 0);
		return;
	}
	close(fd);
	if (linkat(dfd, tmp, dfd, AGENT_USAGE_FILE, 0) < 0) {
		if (errno == EEXIST && fstatat(dfd, AGENT_USAGE_FILE, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0 &&
		    renameat(dfd, tmp, dfd, AGENT_USAGE_FILE) == 0)
			return;
		if (errno != EEXIST)
			log_warn_errno("usage of %.*s: cannot link its seed",
				       (int)p->user_len, p->user);
	}
	(void)unlinkat(dfd, tmp, 0);
}

static void
seed_home(const struct pw_line *p, int64_t bytes, int64_t messages)
{
	char home[PATH_MAX];
	int dfd;

	snprintf(home, sizeof(home), "%.*s", (int)p->home_len, p->home);
	dfd = open(home, DIR_FLAGS);
	if (dfd < 0) {
		log_warn_errno("usage of %.*s: cannot open %s",
			       (int)p->user_len, p->user, home);
		return;
	}
	seed(dfd, p, bytes, messages);
	close(dfd);
}

/* mtaout_mailbox_fn for doveadm's rows: doveadm prints them in the
 * file's order, so the cursor usually matches at once. */
static int
counted(void *ctx, const struct mtaout_mailbox *m, struct hk_err *err)
{
	struct walk *w = ctx;

	for (size_t k = 0; k < w->npending; k++) {
		struct pw_line *p = &w->pending[(w->next + k) % w->npending];

		if (p->user_len != m->user_len ||
		    memcmp(p->user, m->user, m->user_len) != 0)
			continue;
		w->next = (w->next + k + 1) % w->npending;
		seed_home(p, m->bytes, m->messages);
		return emit(w, p, m->bytes, m->messages, err);
	}
	return hk_fail(err, HK_EPROTO, "usage", "doveadm quota get printed "
		       "%.*s, which was not asked for",
		       (int)(m->user_len > 200 ? 200 : m->user_len), m->user);
}

/* The pending mailboxes counted by one `doveadm quota get -F`.  A
 * failure leaves them out of this report (logged), not the report. */
static int
count_pending(const struct agent_conf *conf, struct walk *w,
	      struct hk_err *err)
{
	char list[PATH_MAX];
	char *argv[] = { (char *)conf->doveadm, "-f", "tab", "quota", "get",
			 "-F", list, NULL };
	struct subproc_result res;
	struct strbuf sb;
	struct hk_err e;
	int fd, rc;

	snprintf(list, sizeof(list), "%s/.usage-XXXXXX", conf->statedir);
	if ((fd = mkstemp(list)) < 0)
		return hk_fail(err, HK_ESYS, "usage", "mkstemp %s: %s", list,
			       strerror(errno));
	strbuf_init(&sb, 0);
	for (size_t k = 0; k < w->npending; k++) {
		(void)strbuf_append(&sb, w->pending[k].user,
				    w->pending[k].user_len);
		(void)strbuf_append(&sb, "\n", 1);
	}
	rc = sb.overflow || fdio_write_all(fd, strbuf_str(&sb), sb.len) < 0;
	strbuf_free(&sb);
	if (close(fd) < 0 || rc) {
		(void)unlink(list);
		return hk_fail(err, HK_ESYS, "usage", "cannot write %s", list);
	}
	rc = agent_mta_capture(argv, "doveadm quota get -F failed",
			       DOVEADM_TIMEOUT_MS, DOVEADM_OUT_MAX, &res, &e);
	(void)unlink(list);
	if (rc < 0) {
		log_warn("usage of %zu mailboxes left for a later report: %s",
			 w->npending, e.message);
		return 0;
	}
	rc = mtaout_quota_tab(strbuf_str(&res.out), res.out.len, counted, w,
			      err);
	subproc_result_free(&res);
	return rc;
}

/* --- the walk --- */

/* 1 when the directory name at dfd holds an entry not starting with '.'
 * (a message file of cur/ or new/), 0 when not or absent, -1. */
static int
has_files(int dfd, const char *name)
{
	int fd = openat(dfd, name, DIR_FLAGS), found = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while (!found && (errno = 0, de = readdir(d)) != NULL)
		found = de->d_name[0] != '.';
	found = found ? 1 : errno != 0 ? -1 : 0;
	closedir(d);
	return found;
}

/* A Maildir++ folder (".Sent") holding a message: 1, 0, or -1. */
static int
folder_has_mail(int mfd, const char *folder)
{
	int fd = openat(mfd, folder, DIR_FLAGS), rc;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		    0 : -1;
	rc = has_files(fd, "cur");
	if (rc == 0)
		rc = has_files(fd, "new");
	close(fd);
	return rc;
}

/* 1 when the home at hfd has a Maildir without a message in any folder;
 * 0 when it has one, has no Maildir (then only Dovecot can tell) or
 * cannot be read. */
static int
maildir_empty(int hfd)
{
	int mfd = openat(hfd, "Maildir", DIR_FLAGS), rc = 0;
	struct dirent *de;
	DIR *d;

	if (mfd < 0)
		return 0;
	if ((d = fdopendir(mfd)) == NULL) {
		close(mfd);
		return 0;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (strcmp(n, "cur") == 0 || strcmp(n, "new") == 0)
			rc = has_files(mfd, n);
		else if (n[0] == '.' && strcmp(n, ".") != 0 &&
			 strcmp(n, "..") != 0)
			rc = folder_has_mail(mfd, n);
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	closedir(d);
	return rc == 0;
}

/* A home without a usage file (see agent_usage.h). */
static int
no_clone(struct walk *w, const struct pw_line *p, struct hk_err *err)
{
	char home[PATH_MAX];
	int hfd, empty;

	snprintf(home, sizeof(home), "%.*s", (int)p->home_len, p->home);
	if ((hfd = open(home, DIR_FLAGS)) < 0) {
		if (errno == ENOENT)
			return emit(w, p, 0, 0, err);
		return hk_fail(err, HK_ESYS, "usage", "%s: %s", home,
			       strerror(errno));
	}
	empty = maildir_empty(hfd);
	if (empty)
		seed(hfd, p, 0, 0);
	close(hfd);
	if (empty)
		return emit(w, p, 0, 0, err);
	if (w->npending == AGENT_USAGE_SEED_MAX)
		w->left_out++;
	else
		w->pending[w->npending++] = *p;
	return 0;
}

/* The usage file open at fd; an empty one counts as absent (-2). */
static int
read_clone(int fd, const char *path, int64_t *bytes, int64_t *messages,
	   struct hk_err *err)
{
	char buf[USAGE_FILE_MAX + 1];
	struct hk_err e;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return hk_fail(err, HK_ESYS, "usage", "%s: not a regular "
			       "file", path);
	if ((n = fdio_read_full(fd, buf, sizeof(buf))) < 0)
		return hk_fail(err, HK_ESYS, "usage", "%s: %s", path,
			       strerror(errno));
	if (n == 0)
		return -2;
	if ((size_t)n > USAGE_FILE_MAX)
		return hk_fail(err, HK_EPROTO, "usage", "%s: over %d bytes",
			       path, USAGE_FILE_MAX);
	if (mtaout_quota_clone(buf, (size_t)n, bytes, messages, &e) < 0)
		return hk_fail(err, HK_EPROTO, "usage", "%s: %s", path,
			       e.message);
	return 0;
}

/* p's usage file: 0 with the figures, -2 when it is absent or empty,
 * -1 with err. */
static int
clone_of(const struct pw_line *p, int64_t *bytes, int64_t *messages,
	 struct hk_err *err)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "%.*s/%s", (int)p->home_len, p->home,
		 AGENT_USAGE_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -2 : hk_fail(err, HK_ESYS, "usage",
		    "%s: %s", path, strerror(errno));
	rc = read_clone(fd, path, bytes, messages, err);
	close(fd);
	return rc;
}

/* A held mailbox is left out: the panel keeps no figure of it, and
 * doveadm would open it, making the INBOX that dsync is about to copy
 * under a GUID of its own (the copy then fails: INBOX can't be deleted). */
static int
one_mailbox(struct walk *w, const struct pw_line *p, struct hk_err *err)
{
	int64_t bytes = 0, messages = 0;
	int rc;

	if (p->held)
		return 0;
	rc = clone_of(p, &bytes, &messages, err);

	if (rc == -2)
		return no_clone(w, p, err);
	return rc < 0 ? -1 : emit(w, p, bytes, messages, err);
}

static int
walk_passwd(struct walk *w, const char *text, size_t len,
	    struct hk_err *err)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct pw_line p;

		pos += n + 1;
		lineno++;
		if (n == 0)
			continue;
		if (parse_pw(s, n, &p) < 0)
			return hk_fail(err, HK_EPROTO, "usage", "passwd line "
				       "%zu: not user:password:uid:gid::home",
				       lineno);
		if (one_mailbox(w, &p, err) < 0)
			return -1;
	}
	return 0;
}

/* The passwd serving (agent_bucket.h) into sb, with address the bucket
 * that holds it: 1, 0 when nothing serves, -1. */
static int
read_passwd(const struct agent_conf *conf, const char *address,
	    struct strbuf *sb, struct hk_err *err)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/current", conf->statedir);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : hk_fail(err, HK_ESYS, "usage",
		    "%s: %s", path, strerror(errno));
	rc = agent_bucket_read(fd, path, "passwd", address, sb, err);
	close(fd);
	return rc;
}

int
agent_usage(const struct agent_conf *conf, mtaout_mailbox_fn fn,
	    void *ctx, struct hk_err *err)
{
	struct strbuf sb;
	struct walk *w;
	int rc;

	strbuf_init(&sb, PASSWD_MAX);
	if ((rc = read_passwd(conf, NULL, &sb, err)) <= 0) {
		strbuf_free(&sb);
		return rc;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		strbuf_free(&sb);
		return hk_fail(err, HK_ESYS, "usage", "out of memory");
	}
	w->fn = fn;
	w->ctx = ctx;
	rc = walk_passwd(w, strbuf_str(&sb), sb.len, err);
	if (rc == 0 && w->npending > 0)
		rc = count_pending(conf, w, err);
	if (rc == 0 && w->left_out > 0)
		log_info("usage of %zu mailboxes left for later reports (at "
			 "most %d are counted by doveadm a report)",
			 w->left_out, AGENT_USAGE_SEED_MAX);
	free(w);
	strbuf_free(&sb);
	return rc;
}

/* The passwd line of address in text[0..len): 1, 0 when absent, -1. */
static int
find_line(const char *text, size_t len, const char *address,
	  struct pw_line *p)
{
	size_t alen = strlen(address), pos = 0;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + 1;
		if (n <= alen || s[alen] != ':' || memcmp(s, address, alen) != 0)
			continue;
		return parse_pw(s, n, p) < 0 ? -1 : 1;
	}
	return 0;
}

int
agent_usage_of(const struct agent_conf *conf, const char *address,
	       int64_t *bytes, int64_t *messages, struct hk_err *err)
{
	struct strbuf sb;
	struct pw_line p;
	int rc;

	strbuf_init(&sb, PASSWD_MAX);
	rc = read_passwd(conf, address, &sb, err);
	if (rc > 0) {
		rc = find_line(strbuf_str(&sb), sb.len, address, &p);
		if (rc < 0)
			rc = hk_fail(err, HK_EPROTO, "usage", "the passwd line "
				     "of %s is not user:password:uid:gid::home",
				     address);
	}
	if (rc > 0) {
		rc = clone_of(&p, bytes, messages, err);
		rc = rc == -2 ? 0 : rc < 0 ? -1 : 1;
	}
	strbuf_free(&sb);
	return rc;
}

int
agent_usage_held(const struct agent_conf *conf, const char *address,
		 struct hk_err *err)
{
	struct strbuf sb;
	struct pw_line p;
	int rc;

	strbuf_init(&sb, PASSWD_MAX);
	rc = read_passwd(conf, address, &sb, err);
	if (rc > 0 && (rc = find_line(strbuf_str(&sb), sb.len, address,
				      &p)) < 0)
		rc = hk_fail(err, HK_EPROTO, "usage", "the passwd line of %s "
			     "is not user:password:uid:gid::home", address);
	strbuf_free(&sb);
	return rc > 0 ? p.held : rc;
}
