/* SPDX-License-Identifier: ISC */
/*
 * agent_trash.c - moving deleted mailboxes' maildirs aside, back, and
 * away, as the panel's "trash" file says.  See agent_trash.h.
 *
 * POSIX.1-2008 only (openat, renameat, unlinkat, fdopendir), as the rest
 * of the agent.  A home is moved with one renameat() within MAILROOT, so a
 * maildir is never half moved; removal walks the tree by descriptors,
 * never following a link (a maildir is the mail user's to fill: a link
 * planted in it must not lead root's unlink elsewhere).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_trash.h"
#include "log.h"

#define ID_BUF		24	/* a decimal uint64_t and its NUL */
#define TREE_DEPTH_MAX	64	/* a maildir is a few levels deep */
#define DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* One checked line s[0..n) into l. */
static int
parse_line(const char *s, size_t n, size_t lineno,
	   struct agent_trash_line *l, struct hk_err *err)
{
	const char *sp, *at;
	struct hk_err e;
	size_t vn;

	if (mapsyntax_line("trash", s, n, &e) < 0)
		return hk_fail(err, HK_EPROTO, "trash", "trash line %zu: %s",
			       lineno, e.message);
	sp = memchr(s, ' ', n);
	vn = (size_t)(sp - s);
	l->restore = vn == 7;
	s = sp + 1;
	n -= vn + 1;
	sp = memchr(s, ' ', n);
	(void)mapsyntax_decimal(s, (size_t)(sp - s), INT64_MAX, &l->id);
	n -= (size_t)(sp - s) + 1;
	s = sp + 1;
	at = memchr(s, '@', n);
	snprintf(l->local, sizeof(l->local), "%.*s", (int)(at - s), s);
	snprintf(l->domain, sizeof(l->domain), "%.*s",
		 (int)(n - (size_t)(at - s) - 1), at + 1);
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The ids of t, sorted, into *ids (the caller frees); NULL when empty. */
static int
sorted_ids(const struct agent_trash *t, uint64_t **ids, struct hk_err *err)
{
	*ids = NULL;
	if (t->n == 0)
		return 0;
	if ((*ids = malloc(t->n * sizeof(**ids))) == NULL)
		return hk_fail(err, HK_ESYS, "trash", "out of memory");
	for (size_t i = 0; i < t->n; i++)
		(*ids)[i] = t->lines[i].id;
	qsort(*ids, t->n, sizeof(**ids), cmp_id);
	return 0;
}

int
agent_trash_parse(const struct bundle_file *f, struct agent_trash *t,
		  struct hk_err *err)
{
	size_t pos = 0, lines = 0;
	uint64_t *ids;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; f != NULL && i < f->len; i++)
		lines += f->data[i] == '\n';
	if (lines == 0)
		return 0;
	if ((t->lines = calloc(lines, sizeof(*t->lines))) == NULL)
		return hk_fail(err, HK_ESYS, "trash", "out of memory");
	while (rc == 0 && pos < f->len) {
		const char *nl = memchr(f->data + pos, '\n', f->len - pos);
		size_t n = nl ? (size_t)(nl - (f->data + pos)) : f->len - pos;

		rc = parse_line(f->data + pos, n, t->n + 1, &t->lines[t->n],
				err);
		t->n += rc == 0;
		pos += n + 1;
	}
	if (rc == 0 && (rc = sorted_ids(t, &ids, err)) == 0) {
		for (size_t i = 1; rc == 0 && i < t->n; i++)
			if (ids[i] == ids[i - 1])
				rc = hk_fail(err, HK_EPROTO, "trash", "trash: id "
					     "%llu named twice",
					     (unsigned long long)ids[i]);
		free(ids);
	}
	if (rc < 0)
		agent_trash_free(t);
	return rc;
}

void
agent_trash_free(struct agent_trash *t)
{
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

/* Open descriptors of one run under MAILROOT. */
struct run {
	const char *root;
	int mfd;		/* MAILROOT */
	int tfd;		/* MAILROOT/.hakomail-trash */
	uid_t uid;		/* MAILROOT's owner: a domain directory's */
	gid_t gid;
};

static int
exists(int dfd, const char *name, struct stat *sb)
{
	return fstatat(dfd, name, sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The domain's directory; with create, made (the mail user's) if absent.
 * -1 with errno ENOENT when absent and not created. */
static int
open_domain(struct run *r, const char *domain, int create)
{
	int fd = openat(r->mfd, domain, DIR_FLAGS);

	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(r->mfd, domain, 0700) < 0 && errno != EEXIST)
		return -1;
	if (fchownat(r->mfd, domain, r->uid, r->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return openat(r->mfd, domain, DIR_FLAGS);
}

/* "trash ID ADDRESS": the home into the trash, once. */
static int
to_trash(struct run *r, const struct agent_trash_line *l, const char *id,
	 struct hk_err *err)
{
	struct stat sb;
	int dfd, rc = 0;

	if (exists(r->tfd, id, &sb))
		return 0;	/* done before */
	if ((dfd = open_domain(r, l->domain, 0)) < 0 && errno != ENOENT)
		return hk_fail_errno(err, "%s/%s", r->root, l->domain);
	if (dfd < 0 || !exists(dfd, l->local, &sb)) {
		if (mkdirat(r->tfd, id, 0700) < 0)
			rc = hk_fail_errno(err, "creating %s/%s/%s", r->root,
					   AGENT_TRASH_DIR, id);
	} else if (!S_ISDIR(sb.st_mode)) {
		rc = hk_fail(err, HK_ESYS, "trash", "%s/%s/%s: not a "
			     "directory", r->root, l->domain, l->local);
	} else if (renameat(dfd, l->local, r->tfd, id) < 0) {
		rc = hk_fail_errno(err, "moving %s/%s/%s to %s/%s/%s", r->root,
				   l->domain, l->local, r->root,
				   AGENT_TRASH_DIR, id);
	}
	if (dfd >= 0)
		(void)close(dfd);
	return rc;
}

/* "restore ID ADDRESS": the trash back to the home, if both allow. */
static int
from_trash(struct run *r, const struct agent_trash_line *l, const char *id,
	   struct hk_err *err)
{
	struct stat sb;
	int dfd, rc = 0;

	if (!exists(r->tfd, id, &sb))
		return 0;	/* done before */
	if ((dfd = open_domain(r, l->domain, 1)) < 0)
		return hk_fail_errno(err, "%s/%s", r->root, l->domain);
	if (exists(dfd, l->local, &sb))
		log_warn("%s/%s/%s exists: %s/%s/%s left where it is",
			 r->root, l->domain, l->local, r->root,
			 AGENT_TRASH_DIR, id);
	else if (renameat(r->tfd, id, dfd, l->local) < 0)
		rc = hk_fail_errno(err, "moving %s/%s/%s back to %s/%s/%s",
				   r->root, AGENT_TRASH_DIR, id, r->root,
				   l->domain, l->local);
	(void)close(dfd);
	return rc;
}

/* Removes pfd/name and all below it, following no link. */
static int
remove_tree(int pfd, const char *name, int depth)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd, rc = 0;

	if (depth > TREE_DEPTH_MAX) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = openat(pfd, name, DIR_FLAGS)) < 0)
		return unlinkat(pfd, name, 0);	/* not a directory */
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		else if (S_ISDIR(sb.st_mode))
			rc = remove_tree(dirfd(d), de->d_name, depth + 1);
		else
			rc = unlinkat(dirfd(d), de->d_name, 0);
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	(void)closedir(d);
	return rc == 0 ? unlinkat(pfd, name, AT_REMOVEDIR) : -1;
}

/* Removes every trash directory whose id is not in ids[0..n). */
static int
purge(struct run *r, const uint64_t *ids, size_t n, struct hk_err *err)
{
	struct dirent *de;
	uint64_t id;
	DIR *d;
	int fd, rc = 0;

	if ((fd = openat(r->tfd, ".", DIR_FLAGS & ~O_NOFOLLOW)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return hk_fail_errno(err, "%s/%s", r->root, AGENT_TRASH_DIR);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *nm = de->d_name;

		if (!mapsyntax_decimal(nm, strlen(nm), UINT64_MAX, &id) ||
		    (n > 0 && bsearch(&id, ids, n, sizeof(id), cmp_id)))
			continue;
		if (remove_tree(r->tfd, nm, 0) < 0)
			rc = hk_fail_errno(err, "removing %s/%s/%s", r->root,
					   AGENT_TRASH_DIR, nm);
	}
	(void)closedir(d);
	return rc;
}

static int
run_open(struct run *r, const char *root, struct hk_err *err)
{
	struct stat sb;

	memset(r, 0, sizeof(*r));
	r->root = root;
	r->mfd = r->tfd = -1;
	if ((r->mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(r->mfd, &sb) < 0)
		return hk_fail_errno(err, "%s", root);
	r->uid = sb.st_uid;
	r->gid = sb.st_gid;
	if (mkdirat(r->mfd, AGENT_TRASH_DIR, 0700) < 0 && errno != EEXIST)
		return hk_fail_errno(err, "creating %s/%s", root,
				     AGENT_TRASH_DIR);
	if ((r->tfd = openat(r->mfd, AGENT_TRASH_DIR, DIR_FLAGS)) < 0)
		return hk_fail_errno(err, "%s/%s", root, AGENT_TRASH_DIR);
	return 0;
}

int
agent_trash_act(const char *mailroot, const struct agent_trash *t,
		struct hk_err *err)
{
	struct run r;
	uint64_t *ids = NULL;
	char id[ID_BUF];
	int rc;

	/* No mail root and nothing to do: a guest that never had mail. */
	if (t->n == 0 && access(mailroot, F_OK) < 0 && errno == ENOENT)
		return 0;
	rc = run_open(&r, mailroot, err);
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		const struct agent_trash_line *l = &t->lines[i];

		snprintf(id, sizeof(id), "%llu", (unsigned long long)l->id);
		rc = l->restore ? from_trash(&r, l, id, err) :
		    to_trash(&r, l, id, err);
	}
	if (rc == 0)
		rc = sorted_ids(t, &ids, err);
	if (rc == 0)
		rc = purge(&r, ids, t->n, err);
	free(ids);
	if (r.tfd >= 0)
		(void)close(r.tfd);
	if (r.mfd >= 0)
		(void)close(r.mfd);
	return rc;
}

int
agent_trash_discard(const char *mailroot, const char *domain,
		    const char *local, struct hk_err *err)
{
	struct stat sb;
	int mfd, dfd, rc = 0;

	if ((mfd = open(mailroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return hk_fail_errno(err, "%s", mailroot);
	dfd = openat(mfd, domain, DIR_FLAGS);
	(void)close(mfd);
	if (dfd < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s/%s",
							   mailroot, domain);
	if (exists(dfd, local, &sb) && (!S_ISDIR(sb.st_mode) ||
					remove_tree(dfd, local, 0) < 0))
		rc = hk_fail_errno(err, "removing %s/%s/%s", mailroot, domain,
				   local);
	(void)close(dfd);
	return rc;
}
