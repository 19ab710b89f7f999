/* SPDX-License-Identifier: ISC */
/*
 * agent_dsync.c - doveadm's dsync on the channel pushd relays, and the
 * relay that doveadm runs as its local command.  See agent_dsync.h.
 *
 * POSIX.1-2008 only (posix_spawn, poll, F_DUPFD_CLOEXEC), as the rest of
 * the agent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_dsync.h"
#include "agent_mta.h"
#include "agent_trash.h"
#include "agent_usage.h"
#include "fdio.h"
#include "log.h"
#include "mapsyntax.h"
#include "strbuf.h"

#define RELAY_BUF	65536
#define TAIL_MAX	1024	/* the end of what doveadm printed */
#define SAYS_MAX	400	/* of which the error message quotes this */
#define LIST_MAX	((size_t)64 << 20)	/* a domain list file */

static char *const dsync_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				   NULL };

/* --- the relay --- */

/* One direction: in to out through buf. */
struct flow {
	int in, out;
	char *buf;
	size_t len, off;	/* buf[off..len) still to write */
};

/* The far side sees the end: a socket (sshd may give one socketpair for
 * both directions) is shut down for writing, since the other direction
 * keeps the same socket open; a pipe is just closed. */
static void
end_output(struct flow *f)
{
	if (shutdown(f->out, SHUT_WR) < 0 && errno != ENOTSOCK)
		log_debug("relay: shutdown: %s", strerror(errno));
	(void)close(f->out);
	f->out = -1;
}

static int
flow_read(struct flow *f, struct hk_err *err)
{
	ssize_t n = fdio_read(f->in, f->buf, RELAY_BUF);

	if (n < 0)
		return errno == EAGAIN ? 0 : hk_fail_errno(err, "relay: read");
	if (n == 0) {
		(void)close(f->in);
		f->in = -1;
		end_output(f);
		return 0;
	}
	f->len = (size_t)n;
	f->off = 0;
	return 0;
}

static int
flow_write(struct flow *f, struct hk_err *err)
{
	ssize_t n = fdio_write(f->out, f->buf + f->off, f->len - f->off);

	if (n < 0)
		return errno == EAGAIN ? 0 : hk_fail_errno(err, "relay: write");
	f->off += (size_t)n;
	if (f->off == f->len)
		f->len = f->off = 0;
	return 0;
}

/* One poll() and what it allows: each flow either waits to read (buffer
 * empty) or to write (buffer full), so a slow reader on one side never
 * stops the other direction. */
static int
relay_step(struct flow f[2], struct hk_err *err)
{
	struct pollfd pf[2];

	for (int i = 0; i < 2; i++) {
		pf[i].fd = f[i].out < 0 ? -1 : f[i].len > 0 ? f[i].out : f[i].in;
		pf[i].events = f[i].len > 0 ? POLLOUT : POLLIN;
		pf[i].revents = 0;
	}
	if (poll(pf, 2, -1) < 0)
		return errno == EINTR ? 0 : hk_fail_errno(err, "relay: poll");
	for (int i = 0; i < 2; i++) {
		if (pf[i].revents & POLLNVAL)
			return hk_fail(err, HK_ESYS, "relay", "relay: a "
				       "descriptor is not open");
		if (pf[i].revents == 0)
			continue;
		if ((f[i].len > 0 ? flow_write(&f[i], err) :
		     flow_read(&f[i], err)) < 0)
			return -1;
	}
	return 0;
}

static void
relay_close(struct flow f[2])
{
	for (int i = 0; i < 2; i++) {
		if (f[i].in >= 0)
			(void)close(f[i].in);
		if (f[i].out >= 0)
			(void)close(f[i].out);
		free(f[i].buf);
	}
}

int
agent_dsync_relay(int a_in, int a_out, int b_in, int b_out,
		  struct hk_err *err)
{
	struct flow f[2] = { { a_in, a_out, NULL, 0, 0 },
			     { b_in, b_out, NULL, 0, 0 } };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	int rc = 0;

	/* The relay is a process of its own (doveadm's local command):
	 * a peer gone is an EPIPE to report, not a silent death. */
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		rc = hk_fail_errno(err, "relay: sigaction");
	for (int i = 0; rc == 0 && i < 2; i++) {
		int fl = fcntl(f[i].out, F_GETFL);

		if ((f[i].buf = malloc(RELAY_BUF)) == NULL)
			rc = hk_fail(err, HK_ESYS, "relay", "out of memory");
		else if (fl < 0 || fcntl(f[i].out, F_SETFL, fl | O_NONBLOCK) < 0)
			rc = hk_fail_errno(err, "relay: fcntl");
	}
	while (rc == 0 && (f[0].out >= 0 || f[1].out >= 0))
		rc = relay_step(f, err);
	relay_close(f);
	return rc;
}

/* --- doveadm on the channel --- */

/* The end of a stream, TAIL_MAX bytes at most. */
struct tail {
	char buf[TAIL_MAX];
	size_t len;
};

static void
tail_add(struct tail *t, const char *s, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(t->buf, s + n - TAIL_MAX, TAIL_MAX);
		t->len = TAIL_MAX;
		return;
	}
	if (t->len + n > TAIL_MAX) {
		size_t drop = t->len + n - TAIL_MAX;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

/* Its last bytes on one printable line (agent_mta_tail). */
static void
tail_says(const struct tail *t, char *out, size_t size)
{
	agent_mta_tail(t->buf, t->len, out, size);
	if (out[0] == '\0')
		snprintf(out, size, "no output");
}

/* What doveadm runs for cmd: its argument vector in argv (ARGV_MAX
 * slots).  The copies on the source ask for dsync's state (-s), from
 * nothing (a whole copy or merge) or from the state of the pass before:
 * then only what changed on either side since is looked at, so a merge
 * keeps what users moved or deleted on the target meanwhile. */
#define ARGV_MAX	12
static const char *
doveadm_argv(const struct agent_conf *conf, const struct agent_cmd *cmd,
	     const char *self, char *argv[])
{
	int n = 0;

	argv[n++] = (char *)conf->doveadm;
	if (cmd->verb == AGENT_VERB_DSYNC_SERVER) {
		argv[n++] = "dsync-server";
	} else if (cmd->verb == AGENT_VERB_DSYNC_BACKUP) {
		argv[n++] = "backup";
	} else {
		argv[n++] = "sync";
		argv[n++] = "-1";
	}
	if (cmd->verb != AGENT_VERB_DSYNC_SERVER) {
		argv[n++] = "-s";
		argv[n++] = cmd->state != NULL ? (char *)cmd->state : "";
	}
	argv[n++] = "-u";
	argv[n++] = (char *)cmd->address;
	if (cmd->verb != AGENT_VERB_DSYNC_SERVER) {
		argv[n++] = "-l";
		argv[n++] = AGENT_DSYNC_LOCK_S;
		argv[n++] = (char *)self;
		argv[n++] = "dsync-relay";
	}
	argv[n] = NULL;
	return cmd->verb == AGENT_VERB_DSYNC_SERVER ? "doveadm dsync-server" :
	    cmd->verb == AGENT_VERB_DSYNC_BACKUP ? "doveadm backup" :
	    "doveadm sync";
}

/* doveadm with the channel: as its stdin/stdout (dsync-server), or as fds
 * 3 and 4 for its relay, its stdin /dev/null and its stdout (the state)
 * into sfd.  wfd takes what it says on stderr.  wfd and sfd are above 4,
 * so that no dup2 below overwrites them. */
static int
spawn(char *const argv[], int relay, int wfd, int sfd, pid_t *pid,
      struct hk_err *err)
{
	posix_spawn_file_actions_t fa;
	int rc = 0;

	if ((errno = posix_spawn_file_actions_init(&fa)) != 0)
		return hk_fail_errno(err, "posix_spawn_file_actions_init");
	if (relay) {
		rc |= posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO,
						       AGENT_DSYNC_FD_IN);
		rc |= posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO,
						       AGENT_DSYNC_FD_OUT);
		rc |= posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
						       "/dev/null", O_RDONLY, 0);
		rc |= posix_spawn_file_actions_adddup2(&fa, sfd, STDOUT_FILENO);
	}
	rc |= posix_spawn_file_actions_adddup2(&fa, wfd, STDERR_FILENO);
	if (rc == 0)
		rc = posix_spawn(pid, argv[0], &fa, NULL, argv, dsync_env);
	(void)posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return hk_fail_errno(err, "cannot run %s", argv[0]);
	}
	return 0;
}

/* A pipe whose write end is above fd 4; both ends close-on-exec. */
static int
output_pipe(int p[2], struct hk_err *err)
{
	int w;

	if (pipe(p) < 0)
		return hk_fail_errno(err, "pipe");
	w = fcntl(p[1], F_DUPFD_CLOEXEC, AGENT_DSYNC_FD_OUT + 1);
	(void)close(p[1]);
	p[1] = w;
	if (w < 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0) {
		hk_fail_errno(err, "fcntl");
		(void)close(p[0]);
		if (w >= 0)
			(void)close(w);
		return -1;
	}
	return 0;
}

/* The agent lets go of the channel: doveadm's copy alone keeps it open,
 * so the far side sees its end when doveadm (and its relay) exit.  0 and
 * 1 stay taken, by /dev/null. */
static int
drop_channel(struct hk_err *err)
{
	int fd = open("/dev/null", O_RDWR);
	int rc = 0;

	if (fd < 0)
		return hk_fail_errno(err, "/dev/null");
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		rc = hk_fail_errno(err, "dup2");
	if (fd > STDERR_FILENO)
		(void)close(fd);
	return rc;
}

/* What doveadm printed: the end of its stderr, and its stdout (the
 * state; dropped, over = 1, when longer than a state may be). */
struct printed {
	struct tail says;
	char state[AGENT_DSYNC_STATE_MAX + 2];
	size_t len;
	int over;
};

static void
state_add(struct printed *pr, const char *s, size_t n)
{
	if (pr->over || n > sizeof(pr->state) - 1 - pr->len) {
		pr->over = 1;
		return;
	}
	memcpy(pr->state + pr->len, s, n);
	pr->len += n;
	pr->state[pr->len] = '\0';
}

/* Reads one of fd[0] (stderr) and fd[1] (stdout) that poll() found
 * ready; an fd at its end becomes -1. */
static void
read_printed(int fd[2], const struct pollfd pf[2], struct printed *pr)
{
	char buf[4096];
	ssize_t n;

	for (int i = 0; i < 2; i++) {
		if (fd[i] < 0 || pf[i].revents == 0)
			continue;
		n = fdio_read(fd[i], buf, sizeof(buf));
		if (n > 0 && i == 0)
			tail_add(&pr->says, buf, (size_t)n);
		else if (n > 0)
			state_add(pr, buf, (size_t)n);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			if (n < 0)
				log_warn_errno("reading doveadm's output");
			(void)close(fd[i]);
			fd[i] = -1;
		}
	}
}

/* What doveadm printed on fd[0] and fd[1] (-1: none), then how it
 * ended. */
static int
collect(int fd[2], pid_t pid, struct printed *pr, int *st,
	struct hk_err *err)
{
	struct pollfd pf[2];

	while (fd[0] >= 0 || fd[1] >= 0) {
		for (int i = 0; i < 2; i++)
			pf[i] = (struct pollfd){ fd[i], POLLIN, 0 };
		if (poll(pf, 2, -1) < 0 && errno != EINTR) {
			log_warn_errno("poll on doveadm's output");
			break;
		}
		read_printed(fd, pf, pr);
	}
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			(void)close(fd[i]);
	while (waitpid(pid, st, 0) < 0)
		if (errno != EINTR)
			return hk_fail_errno(err, "waitpid");
	return 0;
}

/* doveadm, run and reaped: 0 with *st, or -1. */
static int
run_doveadm(char *const argv[], int relay, struct printed *pr, int *st,
	    struct hk_err *err)
{
	int e[2], o[2] = { -1, -1 }, fd[2];
	pid_t pid;
	int rc;

	if (output_pipe(e, err) < 0)
		return -1;
	if (relay && output_pipe(o, err) < 0) {
		(void)close(e[0]);
		(void)close(e[1]);
		return -1;
	}
	rc = spawn(argv, relay, e[1], o[1], &pid, err);
	(void)close(e[1]);
	if (o[1] >= 0)
		(void)close(o[1]);
	fd[0] = e[0];
	fd[1] = o[0];
	if (rc < 0) {
		(void)close(fd[0]);
		if (fd[1] >= 0)
			(void)close(fd[1]);
		return -1;
	}
	if (drop_channel(err) < 0)
		log_warn("%s", err->message);
	return collect(fd, pid, pr, st, err);
}

/* The state doveadm printed, when it is one: base64 on one line. */
static json_t *
state_json(const struct printed *pr)
{
	size_t n = strspn(pr->state, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "abcdefghijklmnopqrstuvwxyz0123456789+/=");

	if (pr->over || n == 0 || n > AGENT_DSYNC_STATE_MAX ||
	    strspn(pr->state + n, "\n") != pr->len - n)
		return json_null();
	return json_stringn(pr->state, n);
}

/* The source mailbox's usage after the copy into o (null without a
 * quota clone file; a file that cannot be read is only a warning). */
static int
add_usage(const struct agent_conf *conf, const char *address, json_t *o)
{
	int64_t bytes = 0, messages = 0;
	struct hk_err e;
	int rc = agent_usage_of(conf, address, &bytes, &messages, &e);

	if (rc < 0)
		log_warn("usage of %s: %s", address, e.message);
	return json_object_set_new(o, "bytes", rc > 0 ?
				   json_integer((json_int_t)bytes) :
				   json_null()) < 0 ||
	    json_object_set_new(o, "messages", rc > 0 ?
				json_integer((json_int_t)messages) :
				json_null()) < 0 ? -1 : 0;
}

/* {"status":S} (null when killed); once a copy went well, with the
 * usage and dsync's state after it. */
static json_t *
dsync_json(const struct agent_conf *conf, const struct agent_cmd *cmd,
	   int st, const struct printed *pr)
{
	json_t *o = json_object();
	int bad;

	if (o == NULL)
		return NULL;
	bad = json_object_set_new(o, "status", WIFEXITED(st) ?
				  json_integer(WEXITSTATUS(st)) :
				  json_null()) < 0;
	if (!bad && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    cmd->verb != AGENT_VERB_DSYNC_SERVER)
		bad = add_usage(conf, cmd->address, o) < 0 ||
		    json_object_set_new(o, "state", state_json(pr)) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Whether current/FILE (a domain list: "DOMAIN OK" lines) names domain
 * dom[0..n): 1, 0 (also when there is no such file), -1. */
static int
listed(const struct agent_conf *conf, const char *file, const char *dom,
       size_t n, struct hk_err *err)
{
	char path[PATH_MAX];
	struct strbuf sb;
	const char *t;
	int fd, found = 0;

	snprintf(path, sizeof(path), "%s/current/%s", conf->statedir, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : hk_fail_errno(err, "%s", path);
	strbuf_init(&sb, LIST_MAX);
	if (fdio_read_all(fd, &sb, LIST_MAX) < 0)
		found = hk_fail_errno(err, "%s", path);
	(void)close(fd);
	t = strbuf_str(&sb);
	for (size_t pos = 0; found == 0 && pos < sb.len;) {
		const char *l = t + pos, *nl = memchr(l, '\n', sb.len - pos);
		size_t len = nl ? (size_t)(nl - l) : sb.len - pos;

		found = len > n && l[n] == ' ' && memcmp(l, dom, n) == 0;
		pos += len + 1;
	}
	strbuf_free(&sb);
	return found;
}

/*
 * Before dsync-server: a mailbox this guest holds for a move (logins
 * refused) whose domain it neither serves nor relays yet is the target of
 * a move's first copy, and what its home holds was written by an earlier
 * copy alone.  A copy cut short (the guest went down in the middle) can
 * leave an INBOX that Dovecot then gives a GUID of its own, which every
 * later doveadm backup fails on ("INBOX can't be deleted"): the half-made
 * copy goes, and the copy starts afresh.  *serves: whether this guest
 * serves the address's domain (a merge into live mailboxes).  Returns 0,
 * or -1 with err.
 */
static int
fresh_target(const struct agent_conf *conf, const char *address,
	     int *serves, struct hk_err *err)
{
	const char *at = strchr(address, '@');
	char local[MAPSYNTAX_LOCAL_MAX + 1];
	int rc;

	*serves = 0;
	if (at == NULL || (size_t)(at - address) > MAPSYNTAX_LOCAL_MAX)
		return 0;	/* checked before: cannot be */
	if ((rc = listed(conf, "virtual_mailbox_domains", at + 1,
			 strlen(at + 1), err)) != 0) {
		*serves = rc > 0;
		return rc < 0 ? -1 : 0;
	}
	if ((rc = agent_usage_held(conf, address, err)) <= 0 ||
	    (rc = listed(conf, "relay_domains", at + 1, strlen(at + 1),
			 err)) != 0)
		return rc < 0 ? -1 : 0;
	snprintf(local, sizeof(local), "%.*s", (int)(at - address), address);
	return agent_trash_discard(conf->mailroot, at + 1, local, err);
}

/*
 * After dsync-server into mailboxes this guest serves (a catch-up or a
 * move's last sync), a message delivered here while dsync ran can be
 * there twice: dsync gives the UIDs it wanted back to its own copies by
 * moving the message delivered meanwhile to a new UID, and that move can
 * leave the old UID too (seen: the same GUID at two UIDs of one INBOX).
 * Copies with one GUID in one mailbox saved since the session began (and
 * a margin, for a session cut short and run again) are that, so doveadm
 * deduplicate keeps the oldest.  0, or -1 with err.
 */
#define DEDUP_MARGIN_S	300
static int
dedup_merge(const struct agent_conf *conf, const char *address,
	    time_t began, struct hk_err *err)
{
	char since[24];
	char *argv[] = { (char *)conf->doveadm, "deduplicate", "-u",
			 (char *)address, "mailbox", "*", "savedsince", since,
			 NULL };
	char says[SAYS_MAX];
	struct printed *pr;
	int st = 0, rc;

	snprintf(since, sizeof(since), "%lld",
		 (long long)(began - DEDUP_MARGIN_S));
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return hk_fail(err, HK_ESYS, "dsync", "out of memory");
	rc = run_doveadm(argv, 0, pr, &st, err);
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		tail_says(&pr->says, says, sizeof(says));
		rc = hk_fail(err, HK_ESYS, "dsync", "doveadm deduplicate "
			     "exited %d: %s", WIFEXITED(st) ?
			     WEXITSTATUS(st) : -1, says);
	}
	free(pr);
	return rc;
}

int
agent_dsync(const struct agent_conf *conf, const struct agent_cmd *cmd,
	    const char *self, json_t **out, struct hk_err *err)
{
	char *argv[ARGV_MAX], says[SAYS_MAX];
	const char *what = doveadm_argv(conf, cmd, self, argv);
	struct printed *pr;
	time_t began = time(NULL);
	int st = 0, serves = 0, rc;

	*out = NULL;
	if (cmd->verb == AGENT_VERB_DSYNC_SERVER &&
	    fresh_target(conf, cmd->address, &serves, err) < 0)
		return -1;
	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return hk_fail(err, HK_ESYS, "dsync", "out of memory");
	rc = run_doveadm(argv, cmd->verb != AGENT_VERB_DSYNC_SERVER, pr, &st,
			 err);
	if (rc == 0 && serves && WIFEXITED(st) &&
	    dedup_merge(conf, cmd->address, began, err) < 0) {
		if (WEXITSTATUS(st) == 0)
			rc = -1;
		else	/* dsync's own failure says more */
			log_warn("%s", err->message);
	}
	if (rc == 0) {
		*out = dsync_json(conf, cmd, st, pr);
		tail_says(&pr->says, says, sizeof(says));
		if (*out == NULL)
			rc = hk_fail(err, HK_ESYS, "dsync", "out of memory");
		else if (WIFSIGNALED(st))
			rc = hk_fail(err, HK_ESYS, "dsync", "%s killed by "
				     "signal %d: %s", what, WTERMSIG(st), says);
		else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = hk_fail(err, HK_ESYS, "dsync", "%s exited %d: %s",
				     what, WEXITSTATUS(st), says);
	}
	free(pr);
	return rc;
}
