/* SPDX-License-Identifier: ISC */
/*
 * agent_genfile.c - one file of a new generation written.  See
 * agent_genfile.h.
 */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_genfile.h"
#include "fdio.h"

/* passwd's buckets: 0640 and group GROUP, or our own group if GROUP does
 * not exist; dkim.list, which holds the private keys: 0600, ours. */
int
agent_genfile_mode(const struct agent_conf *conf, int fd, const char *name)
{
	struct group *gr;

	if (strcmp(name, "dkim.list") == 0)
		return fchmod(fd, 0600);
	if (strcmp(name, "passwd") != 0)
		return fchmod(fd, 0644);
	gr = getgrnam(conf->group);
	if (fchown(fd, (uid_t)-1, gr != NULL ? gr->gr_gid : getegid()) < 0)
		return -1;
	return fchmod(fd, 0640);
}

/*
 * Dovecot notices a new passwd-file by its mtime in whole seconds and its
 * size, so a same-size change (a password reset) written within the second
 * of the file it replaces would go unseen.  Every new passwd is therefore
 * dated at least one second after the one serving.
 */
int
agent_genfile_date_after(int fd, time_t serving_mtime)
{
	struct stat sb;
	struct timespec ts[2];

	if (serving_mtime == 0)
		return 0;
	if (fstat(fd, &sb) < 0)
		return -1;
	if (sb.st_mtime > serving_mtime)
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = serving_mtime + 1;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return futimens(fd, ts);
}

int
agent_genfile_write(const struct agent_conf *conf, int dfd, const char *dir,
		  const char *name, const char *mode_of, const char *data,
		  size_t len, time_t serving_mtime, struct hk_err *err)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return hk_fail_errno(err, "creating %s/%s", dir, name);
	if (agent_genfile_mode(conf, fd, mode_of) < 0 ||
	    fdio_write_all(fd, data, len) < 0 ||
	    agent_genfile_date_after(fd, serving_mtime) < 0 ||
	    fsync(fd) < 0) {
		hk_fail_errno(err, "writing %s/%s", dir, name);
		(void)close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return hk_fail_errno(err, "writing %s/%s", dir, name);
	return 0;
}

