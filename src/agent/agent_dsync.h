/* SPDX-License-Identifier: ISC */
/*
 * agent_dsync.h - the mail copy verbs of a domain move: Dovecot's dsync
 * between two guests that never trust each other.  hakomail-pushd opens
 * one SSH session to each guest's agent and relays the bytes between
 * them; the agents run doveadm on their ends of that channel (the
 * agent's stdin and stdout):
 *
 *   target  dsync-server ADDRESS   doveadm dsync-server -u ADDRESS, on the
 *                                  channel itself (a move's first copy
 *                                  into a mailbox held here, whose domain
 *                                  this guest neither serves nor relays,
 *                                  starts afresh: what an earlier copy cut
 *                                  short left goes first; after a merge
 *                                  into mailboxes this guest serves,
 *                                  doveadm deduplicate takes out what a
 *                                  delivery during the merge made dsync
 *                                  save twice);
 *   source  dsync-backup ADDRESS   doveadm backup -s "" -u ADDRESS -l 30
 *                                  AGENT dsync-relay  (the first, full
 *                                  copy);
 *           dsync-catchup ADDRESS [STATE]
 *                                  doveadm sync -1 -s STATE|"" -u ADDRESS
 *                                  -l 30 AGENT dsync-relay  (a one-way
 *                                  merge after the cut-over: never deletes
 *                                  on the target).  STATE is dsync's state
 *                                  after the pass before (the answer's
 *                                  "state"): only what changed since, on
 *                                  either side, is looked at, so messages
 *                                  users moved or deleted on the target
 *                                  meanwhile stay so (a whole merge would
 *                                  copy again a message whose UID differs
 *                                  on the two guests); a move's last sync
 *                                  passes the catch-up's.
 *
 * doveadm runs its last arguments as the local command that talks to the
 * dsync server: that is the agent again (AGENT, its absolute path), as
 * dsync-relay (doveadm appends the word dsync-server), which copies
 * between its stdin/stdout (doveadm's pipes) and fds 3 and 4, the
 * channel, inherited through doveadm.  doveadm runs with
 * the environment PATH alone, no shell; whether the user exists is
 * Dovecot's userdb's business (doveadm -u refuses an unknown one).
 *
 * The channel carries dsync, so the answer goes to stderr, as its last
 * line (main): {"ok","generation","dsync":{"status":S[,"bytes","messages",
 * "state"]}[,"error"]}, S being doveadm's exit status (null when it was
 * killed by a signal).  bytes and messages: the source mailbox's usage
 * after the copy, from Dovecot's quota clone file (agent_usage_of; null
 * without one); state: what doveadm printed as its state (base64, null
 * when it printed something else or more than AGENT_DSYNC_STATE_MAX);
 * dsync-server has none of them.  No timeout: pushd bounds the session,
 * and a channel that closes ends doveadm.
 */
#ifndef HK_AGENT_DSYNC_H
#define HK_AGENT_DSYNC_H

#include <jansson.h>

#include "agent.h"
#include "agent_cmd.h"
#include "err.h"

/* The channel's descriptors as dsync-relay finds them. */
#define AGENT_DSYNC_FD_IN	3	/* read: what the far side sends */
#define AGENT_DSYNC_FD_OUT	4	/* write: to the far side */
#define AGENT_DSYNC_LOCK_S	"30"	/* doveadm -l: wait for the user's lock */

/*
 * Runs doveadm for cmd (a dsync verb other than dsync-relay; self is the
 * agent's absolute path) on the channel, stdin and stdout, which the
 * agent no longer holds when this returns (they are /dev/null then), so
 * that only doveadm's end of the channel keeps it open.  *out (the
 * caller's reference) gets the "dsync" member whenever doveadm ran.
 * 0 when doveadm exited 0; else -1 with err: "doveadm backup exited 2:
 * <the end of what it printed>".
 */
int agent_dsync(const struct agent_conf *conf, const struct agent_cmd *cmd,
		const char *self, json_t **out, struct hk_err *err);

/*
 * The relay: copies a_in to a_out and b_in to b_out, with poll(), until
 * both inputs end.  Each output is closed (shut down for writing first,
 * for a socket whose other direction is still in use) as soon as its
 * input has ended and been written out, so the far side sees the end.
 * Takes all four descriptors (closed when it returns) and makes the
 * outputs non-blocking; SIGPIPE is ignored from then on, so a reader that
 * went away is an error, not a death.  0, or -1 with err on an I/O error.
 */
int agent_dsync_relay(int a_in, int a_out, int b_in, int b_out,
		      struct hk_err *err);

#endif
