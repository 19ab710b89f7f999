/* SPDX-License-Identifier: ISC */
/*
 * agent.h - hakomail-agent, the guest end of a push.
 *
 * It runs as the SSH forced command of the panel's key and keeps every
 * generation of the maps under one state directory:
 *
 *   STATEDIR/lock            fcntl() lock: one apply at a time
 *   STATEDIR/current         symlink "gen/N": the generation serving
 *   STATEDIR/gen/N/          the whitelisted files and their postmap output
 *   STATEDIR/gen/N/sieve/    the mailboxes' Sieve scripts (agent_sieve.h)
 *   STATEDIR/gen/N/dkim/     OpenDKIM's tables and keys (agent_dkim.h)
 *   STATEDIR/gen/.stage-N-PID/   a generation being built
 *
 * Postfix's main.cf and Dovecot's passwd-file point at STATEDIR/current/...,
 * so publishing a generation is one rename() of a symlink.
 *
 * The modules form a tree: agent_main.c reads the options and answers
 * JSON, agent_cmd.c the verb and its address; agent_dsync.c runs the mail
 * copy verbs (doveadm on the SSH channel, and its relay);
 * agent_apply.c does the file work (agent_apply.h); below it,
 * agent_sums.c checksums what postmap built, agent_mta.c runs the mail
 * programs, agent_sieve.c writes and compiles the mailboxes' Sieve
 * scripts, agent_dkim.c writes OpenDKIM's keys and reloads it, and
 * agent_trash.c moves deleted mailboxes' maildirs.
 * agent_report.c answers `report` (usage, disk, queue), reading the
 * programs' output through common/mtaout.c and each mailbox's usage
 * through agent_usage.c.  This header holds only what
 * they all share.
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
#define AGENT_DKIM_USER	"opendkim"	/* OpenDKIM's UserID (the recipe) */
#define AGENT_DKIM_PIDFILE	"/run/opendkim/opendkim.pid"	/* RSA's */
#define AGENT_DKIM_ED_PIDFILE	"/run/opendkim/opendkim-ed25519.pid"
#define AGENT_MAILROOT	"/var/mail/vhosts"	/* the panel's [mail] mail_root */
#define AGENT_GEN_MAX	((uint64_t)INT64_MAX)	/* fits a JSON integer */
#define AGENT_DIR_MAX	512	/* longest STATEDIR, -P or -c argument */

struct agent_conf {
	const char *statedir;	/* absolute, mapsyntax_path() */
	const char *maptype;	/* "cdb", "hash" or "lmdb" */
	char postmap[AGENT_DIR_MAX + 16];	/* absolute program paths */
	char postfix[AGENT_DIR_MAX + 16];
	char doveadm[AGENT_DIR_MAX + 16];	/* run only if present */
	char postqueue[AGENT_DIR_MAX + 16];	/* report: the queue */
	char postconf[AGENT_DIR_MAX + 16];	/* report: Postfix's version */
	char dovecot[AGENT_DIR_MAX + 16];	/* report: Dovecot's version */
	char sievec[AGENT_DIR_MAX + 16];	/* -S: Pigeonhole's compiler */
	const char *group;	/* group that may read passwd */
	const char *confdir;	/* Postfix config dir (-c), or NULL */
	const char *mailroot;	/* -m: the homes' root and the mail
				 * filesystem (report), mapsyntax_path() */
	const char *dkim_user;	/* -k: who signs (owns the DKIM keys) */
	const char *dkim_pidfile;	/* -p: the RSA OpenDKIM's, for its
					 * reload */
	const char *dkim_ed_pidfile;	/* -e: the Ed25519 OpenDKIM's */
};

/* What STATEDIR/current serves; sha256 indexed like bundle_names. */
struct agent_state {
	int serving;		/* 0: there is no STATEDIR/current */
	uint64_t generation;
	int have_files;		/* sha256[] filled */
	char sha256[BUNDLE_MAX_FILES][65];
};

#endif
