/* SPDX-License-Identifier: ISC */
/*
 * agent_delta.c - a delta made whole from the generation serving.  See
 * agent_delta.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_delta.h"
#include "bucket.h"
#include "fdio.h"
#include "mapdelta.h"

int
agent_delta_served_file(int dfd, const char *dir, const char *name,
			struct strbuf *sb, struct hk_err *err)
{
	const char *stored = agent_stage_stored_name(name);
	struct stat st;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO planted in place of a map must not hang us */
	fd = openat(dfd, stored, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && agent_stage_may_lack(name))
		return 0;
	if (fd < 0)
		return hk_fail_errno(err, "%s/%s", dir, stored);
	if (fstat(fd, &st) < 0)
		rc = hk_fail_errno(err, "%s/%s", dir, stored);
	else if (!S_ISREG(st.st_mode))
		rc = hk_fail(err, HK_ESYS, name, "%s/%s: not a regular file",
			     dir, stored);
	else if ((size_t)st.st_size > BUNDLE_MAX_SIZE ||
		 strbuf_space(sb, (size_t)st.st_size) < 0 ||
		 fdio_read_all(fd, sb, BUNDLE_MAX_SIZE) < 0)
		rc = hk_fail_errno(err, "reading %s/%s", dir, stored);
	(void)close(fd);
	return rc;
}

/* File i of d made whole into w (with keep). */
static int
whole_file(const char *dir, const struct bundle *d, size_t i,
	   struct agent_whole *w, struct agent_keep *keep, struct hk_err *err)
{
	const struct bundle_file *f = &d->files[i];
	struct bundle_file *o = &w->b.files[i];
	struct strbuf base;
	char sha[65];
	int rc;

	*o = *f;
	if (bucket_file(f->name)) {	/* kept or edited bucket by bucket,
					 * and proven, by agent_bucket.c */
		keep->kept[i] = f->how == BUNDLE_KEEP;
		return 0;
	}
	o->how = BUNDLE_WHOLE;
	if (f->how == BUNDLE_WHOLE)
		return 0;
	strbuf_init(&base, BUNDLE_MAX_SIZE);
	rc = agent_delta_served_file(keep->served, dir, f->name, &base, err);
	if (rc == 0 && f->how == BUNDLE_EDIT)
		rc = mapdelta_apply(f->name, base.len ? base.data : "",
				    base.len, f->data, f->len, &w->bufs[i],
				    err);
	else if (rc == 0) {
		w->bufs[i] = base;	/* kept: taken as it is */
		strbuf_init(&base, 0);
		keep->kept[i] = 1;
	}
	strbuf_free(&base);
	if (rc < 0)
		return -1;
	o->data = w->bufs[i].len ? w->bufs[i].data : "";
	o->len = w->bufs[i].len;
	bucket_file_sum(f->name, o->data, o->len, sha);
	if (strcmp(sha, f->sha256) != 0)
		return hk_fail(err, HK_EPROTO, f->name, "delta on generation "
			       "%llu: %s does not come out as the panel "
			       "rendered it (%s it): send the whole bundle",
			       (unsigned long long)d->base, f->name,
			       f->how == BUNDLE_KEEP ? "keeping" : "editing");
	return 0;
}

int
agent_delta_whole(const char *dir, const struct bundle *d,
		  struct agent_whole *w, struct agent_keep *keep,
		  struct hk_err *err)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < BUNDLE_MAX_FILES; i++) {
		strbuf_init(&w->bufs[i], BUNDLE_MAX_SIZE);
		keep->kept[i] = 0;
	}
	w->b.generation = d->generation;
	w->b.nfiles = d->nfiles;
	memcpy(w->b.sha256, d->sha256, sizeof(w->b.sha256));
	for (size_t i = 0; i < d->nfiles; i++)
		if (whole_file(dir, d, i, w, keep, err) < 0)
			return -1;
	return 0;
}

void
agent_whole_free(struct agent_whole *w)
{
	for (size_t i = 0; i < BUNDLE_MAX_FILES; i++)
		strbuf_free(&w->bufs[i]);
}
