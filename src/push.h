/*
 * push.h - push one guest: render its maps from the database, send the
 * bundle to hakomail-agent over OpenSSH with the guest's pinned host key,
 * read the agent's answer, record the outcome.  Used by hakomail-pushd.
 */
#ifndef HK_PUSH_H
#define HK_PUSH_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "render.h"

struct push_cfg {
	const char *ssh_path;	/* the OpenSSH client */
	const char *ssh_key;	/* private key, readable by pushd only */
	const char *state_dir;	/* known_hosts files and control sockets */
	int timeout_s;
	int retry_max_s;
	struct render_opts render;
};

struct push_target {
	int64_t id;
	const char *name, *host, *user, *host_key;
	int port;
	int failures;		/* consecutive, for the backoff */
};

struct push_result {
	int ok;
	int64_t gen;		/* generation pushed */
	int64_t served;		/* generation the agent says it serves */
	char state[16];		/* on failure: unreachable | failed */
	char error[512];
	double seconds;
};

/* Pushes and records the outcome in the database.  Returns -1 only when
 * the outcome itself could not be recorded; a failed push returns 0 with
 * res->ok == 0. */
int push_guest(struct db *db, const struct push_cfg *cfg,
	       const struct push_target *t, struct push_result *res,
	       struct hk_err *err);

#endif
