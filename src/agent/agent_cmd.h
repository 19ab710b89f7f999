/* SPDX-License-Identifier: ISC */
/*
 * agent_cmd.h - which verb hakomail-agent is asked to run, and on what:
 * from SSH_ORIGINAL_COMMAND under sshd, else from its operands.
 *
 * Over SSH the command is exactly one of
 *   "apply", "status", "report",
 *   "dsync-server ADDRESS", "dsync-backup ADDRESS", "dsync-catchup ADDRESS"
 * (one space; ADDRESS passes mapsyntax_address()).  "init" and
 * "dsync-relay" are refused there: the first is the guest bootstrap's, the
 * second is run by doveadm itself, on the agent's own path.  Without sshd
 * the operands are the verb and, for the dsync verbs but dsync-relay, the
 * address; dsync-relay takes the word "dsync-server", which doveadm
 * appends to the command it runs.  Nothing is run here: a command is refused before anything is.
 */
#ifndef HK_AGENT_CMD_H
#define HK_AGENT_CMD_H

#include "err.h"
#include "mapsyntax.h"

#define AGENT_USAGE "usage: hakomail-agent [-s STATEDIR] [-t cdb|hash|lmdb] " \
	"[-P SBINDIR] [-g GROUP] [-c POSTFIX_CONFIG_DIR] [-m MAILROOT] " \
	"[-S SIEVEC] [-k DKIM_USER] [-p OPENDKIM_PIDFILE] " \
	"[-e OPENDKIM_ED25519_PIDFILE] " \
	"init|apply|status|report|dsync-relay|" \
	"dsync-server ADDRESS|dsync-backup ADDRESS|dsync-catchup ADDRESS [STATE]"

enum agent_verb {
	AGENT_VERB_NONE,
	AGENT_VERB_INIT,
	AGENT_VERB_APPLY,
	AGENT_VERB_STATUS,
	AGENT_VERB_REPORT,
	AGENT_VERB_DSYNC_SERVER,	/* target: doveadm dsync-server */
	AGENT_VERB_DSYNC_BACKUP,	/* source, first copy: doveadm backup */
	AGENT_VERB_DSYNC_CATCHUP,	/* source, after the cut-over: sync -1 */
	AGENT_VERB_DSYNC_RELAY,		/* doveadm's local command (argv only) */
};

struct agent_cmd {
	enum agent_verb verb;
	char address[MAPSYNTAX_ADDRESS_MAX + 1];	/* "" unless a dsync verb */
	/* dsync-catchup: dsync's state after the pass before (what the
	 * source answered), into the caller's string; NULL: a whole merge */
	const char *state;
};

/* The longest state taken or given: one argument of ssh and of
 * SSH_ORIGINAL_COMMAND stays well below Linux's 128 KiB for one string. */
#define AGENT_DSYNC_STATE_MAX	65536

/*
 * ssh: SSH_ORIGINAL_COMMAND, or NULL when not under sshd; ops[0..nops):
 * the operands after the options (none allowed under sshd); self: the
 * agent's argv[0], which dsync-backup and dsync-catchup hand to doveadm
 * and so must be a clean absolute path.  0, or -1 with err: HK_EFORBIDDEN
 * for a verb (or an operand) that SSH may not ask for, HK_EINVAL else.
 */
int agent_cmd_parse(const char *ssh, int nops, char *const ops[],
		    const char *self, struct agent_cmd *cmd,
		    struct hk_err *err);

#endif
