/*
 * agent.h - hakomail-agent, the guest end of a push.
 *
 * It runs as the SSH forced command of the panel's key and keeps every
 * generation of the maps under one state directory:
 *
 *   STATEDIR/lock            fcntl() lock: one apply at a time
 *   STATEDIR/current         symlink "gen/N": the generation serving
 *   STATEDIR/gen/N/          the whitelisted files and their postmap output
 *   STATEDIR/gen/.stage-N-PID/   a generation being built
 *
 * Postfix's main.cf and Dovecot's passwd-file point at STATEDIR/current/...,
 * so publishing a generation is one rename() of a symlink.  agent_main.c
 * reads the command and answers JSON; agent_apply.c does the file work.
 */
#ifndef HK_AGENT_H
#define HK_AGENT_H

#include <limits.h>
#include <stdint.h>

#include "bundle.h"
#include "err.h"

#define AGENT_STATEDIR	"/var/lib/hakomail"
#define AGENT_MAPTYPE	"cdb"
#define AGENT_GROUP	"dovecot"
#define AGENT_GEN_MAX	((uint64_t)INT64_MAX)	/* fits a JSON integer */
#define AGENT_DIR_MAX	512	/* longest STATEDIR, -P or -c argument */

struct agent_conf {
	const char *statedir;	/* absolute, mapsyntax_path() */
	const char *maptype;	/* "cdb", "hash" or "lmdb" */
	char postmap[AGENT_DIR_MAX + 16];	/* absolute program paths */
	char postfix[AGENT_DIR_MAX + 16];
	char doveadm[AGENT_DIR_MAX + 16];	/* run only if present */
	const char *group;	/* group that may read passwd */
	const char *confdir;	/* Postfix config dir (-c), or NULL */
};

/* What STATEDIR/current serves; sha256 indexed like bundle_names. */
struct agent_state {
	int serving;		/* 0: there is no STATEDIR/current */
	uint64_t generation;
	int have_files;		/* sha256[] filled */
	char sha256[BUNDLE_MAX_FILES][65];
};

/*
 * Each takes the lock, fills st with what is serving when it returns
 * (also on failure, as far as known) and returns 0 or -1 with err, which
 * must not be NULL.  On success st->sha256[] holds the files read back.
 */

/* Creates STATEDIR and generation 0 (all files empty) unless current exists. */
int agent_init(const struct agent_conf *conf, struct agent_state *st,
	       struct hk_err *err);

/* Stages, postmaps, checks, publishes and reloads bundle b. */
int agent_apply(const struct agent_conf *conf, const struct bundle *b,
		struct agent_state *st, struct hk_err *err);

/* Reads back the generation serving and the sha256 of its files. */
int agent_status(const struct agent_conf *conf, struct agent_state *st,
		 struct hk_err *err);

/* Only the generation serving, without the lock (for error answers). */
void agent_serving(const struct agent_conf *conf, struct agent_state *st);

/* Shared by the agent's modules. */
void agent_warn(const char *msg);
int agent_write_all(int fd, const char *p, size_t n);

#endif
