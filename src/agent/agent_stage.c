/* SPDX-License-Identifier: ISC */
/*
 * agent_stage.c - a new generation directory filled from a whole bundle.
 * See agent_stage.h.
 *
 * Like agent_apply.c, it works relative to directory descriptors and
 * opens final components with O_NOFOLLOW; every name comes from
 * bundle_names.  A kept file is a hard link to the serving generation's:
 * generations are never written once built, so both may share it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_bucket.h"
#include "agent_dkim.h"
#include "agent_genfile.h"
#include "agent_mta.h"
#include "agent_sieve.h"
#include "agent_stage.h"
#include "agent_sums.h"
#include "bucket.h"

#define NAME_BUF	64	/* a bundle name and its table's suffix */

const char *
agent_stage_stored_name(const char *name)
{
	return agent_dkim_stored_name(agent_sieve_stored_name(name));
}

int
agent_stage_may_lack(const char *name)
{
	return strcmp(name, "trash") == 0 || strcmp(name, "transport") == 0 ||
	       strcmp(name, "sieve") == 0 || strcmp(name, "dkim") == 0;
}

const struct bundle_file *
agent_stage_file(const struct bundle *b, const char *name)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i].name, name) == 0)
			return &b->files[i];
	return NULL;
}

/* Links `name` (and with table, its postmap'd table) from the serving
 * generation into dfd. */
static int
link_kept(const struct agent_conf *conf, const struct agent_keep *keep,
	  int dfd, const char *dir, const char *name, int table,
	  struct hk_err *err)
{
	char t[NAME_BUF];

	if (linkat(keep->served, name, dfd, name, 0) < 0)
		return hk_fail_errno(err, "linking %s/%s", dir, name);
	if (!table)
		return 0;
	snprintf(t, sizeof(t), "%s%s", name,
		 agent_mta_map_suffix(conf->maptype));
	if (linkat(keep->served, t, dfd, t, 0) < 0)
		return hk_fail_errno(err, "linking %s/%s", dir, t);
	return 0;
}

/* What the files of a stage give postmap. */
struct maps {
	int written[BUNDLE_MAX_FILES][BUCKETS];	/* a bucketed file's */
	char rel[AGENT_MTA_MAPS_MAX][NAME_BUF];
	const char *v[AGENT_MTA_MAPS_MAX];
	size_t n;
};

/* Writes (or links, if kept) every whitelisted file (absent ones empty)
 * into dfd. */
static int
write_files(const struct agent_conf *conf, int sfd, int dfd, const char *dir,
	    const struct bundle *b, const struct agent_keep *keep,
	    struct maps *m, struct hk_err *err)
{
	for (int i = 0; bundle_names[i] != NULL; i++) {
		const char *name = agent_stage_stored_name(bundle_names[i]);
		const struct bundle_file *f = agent_stage_file(b,
							       bundle_names[i]);
		int rc;

		if (bucket_file(bundle_names[i]))
			rc = agent_bucket_stage(conf, sfd, dfd, dir,
						bundle_names[i], f, keep, i,
						m->written[i], err);
		else if (keep != NULL && keep->kept[i])
			rc = link_kept(conf, keep, dfd, dir, name,
				       bundle_is_postfix_map(bundle_names[i]),
				       err);
		else
			rc = agent_genfile_write(conf, dfd, dir, name, name,
					       f ? f->data : "", f ? f->len : 0,
					       0, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
add_map(struct maps *m, const char *name, const char *bucket,
	struct hk_err *err)
{
	if (m->n == AGENT_MTA_MAPS_MAX)
		return hk_fail(err, HK_EINTERNAL, name, "more than %d maps to "
			       "postmap", AGENT_MTA_MAPS_MAX);
	snprintf(m->rel[m->n], sizeof(m->rel[m->n]), "%s%s%s", name,
		 bucket ? AGENT_BUCKET_DIR_SUFFIX "/" : "", bucket ? bucket :
		 "");
	m->v[m->n] = m->rel[m->n];
	m->n++;
	return 0;
}

/* The Postfix maps (or their buckets) written, not linked: those to be
 * postmap'd. */
static int
maps_to_build(const struct agent_keep *keep, struct maps *m,
	      struct hk_err *err)
{
	char nm[3];
	int rc = 0;

	m->n = 0;
	for (int i = 0; rc == 0 && bundle_names[i] != NULL; i++) {
		const char *name = bundle_names[i];

		if (!bundle_is_postfix_map(name))
			continue;
		if (!bucket_file(name)) {
			if (keep == NULL || !keep->kept[i])
				rc = add_map(m, name, NULL, err);
			continue;
		}
		for (int b = 0; rc == 0 && b < bucket_count(name); b++) {
			if (!m->written[i][b])
				continue;
			bucket_name(name, b, nm);
			rc = add_map(m, name, nm, err);
		}
	}
	return rc;
}

int
agent_stage_build(const struct agent_conf *conf, int sfd, int dfd,
		  const char *dir, const struct bundle *b,
		  const struct agent_keep *keep, struct hk_err *err)
{
	const struct bundle_file *tr = agent_stage_file(b, "transport");
	struct maps *m = calloc(1, sizeof(*m));
	int rc = m != NULL ? write_files(conf, sfd, dfd, dir, b, keep, m, err) :
	    hk_fail(err, HK_ESYS, NULL, "out of memory");

	if (rc == 0)
		rc = agent_sieve_build(conf, sfd, dfd, dir,
				       agent_stage_file(b, "sieve"), err);
	if (rc == 0)
		rc = agent_dkim_build(conf, dfd, dir,
				      agent_stage_file(b, "dkim"), err);
	if (rc == 0)
		rc = maps_to_build(keep, m, err);
	if (rc == 0)
		rc = agent_mta_postmap(conf, dfd, dir, m->v, m->n, err);
	free(m);
	if (rc == 0)
		rc = agent_sums_write(conf, dfd, dir, err);
	if (rc == 0 && fsync(dfd) < 0)
		rc = hk_fail_errno(err, "fsync %s", dir);
	if (rc == 0)
		rc = agent_mta_check(conf, sfd, err);
	if (rc == 0 && tr != NULL && tr->len > 0)
		rc = agent_mta_transport_check(conf, err);
	return rc;
}
