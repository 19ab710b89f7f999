/* SPDX-License-Identifier: ISC */
/*
 * agent_genfile.h - one file of a new generation written: its mode (who
 * may read it), its date (Dovecot sees a passwd-file change by mtime and
 * size) and made durable.  Shared by agent_stage.c and agent_bucket.c.
 */
#ifndef HK_AGENT_GENFILE_H
#define HK_AGENT_GENFILE_H

#include <stddef.h>
#include <time.h>

#include "agent.h"
#include "err.h"

/* fd's mode for a file stored as `name`: 0640 and the group Dovecot
 * reads with for passwd, 0600 for dkim.list, else 0644. */
int agent_genfile_mode(const struct agent_conf *conf, int fd, const char *name);

/* Dates fd one second after serving_mtime unless it is later already (0:
 * nothing serves). */
int agent_genfile_date_after(int fd, time_t serving_mtime);

/* data[0..len) as the new file dfd/name (path dir/name), mode as for
 * mode_of, dated after serving_mtime, fsync'd. */
int agent_genfile_write(const struct agent_conf *conf, int dfd,
			const char *dir, const char *name, const char *mode_of,
			const char *data, size_t len, time_t serving_mtime,
			struct hk_err *err);

#endif
