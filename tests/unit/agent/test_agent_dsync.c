/* SPDX-License-Identifier: ISC */
/* test_agent_dsync.c - dsync-relay's loop, in a child process, between
 * pipes standing for doveadm's stdin/stdout and, for the channel, pipes or
 * one socketpair used both ways (as sshd may give it): both directions at
 * once, each end of input seen on its output while the other direction
 * still flows, megabytes through small buffers, a reader gone.  doveadm
 * itself is the integration test's (tests/integration/dsync.sh). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent_dsync.h"
#include "bundle.h"
#include "tree.h"

/* One direction as the test sees it: it writes size bytes of a pattern
 * into wfd and expects them back, then the end, on rfd. */
struct dir {
	int wfd, rfd;
	size_t size, sent, got;
	unsigned seed;
	int eof;
};

static unsigned char
pattern(const struct dir *d, size_t i)
{
	return (unsigned char)((i * 131 + d->seed + i / 4093) & 0xff);
}

/* The relay in a child: its four descriptors, the others closed. */
static pid_t
start_relay(int a_in, int a_out, int b_in, int b_out, const int *close_fds,
	    int nclose)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct hk_err err;

		for (int i = 0; i < nclose; i++)
			close(close_fds[i]);
		_exit(agent_dsync_relay(a_in, a_out, b_in, b_out, &err) == 0 ?
		      0 : 3);
	}
	return pid;
}

static int
relay_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The end of what the test writes: shut down for a socket used both
 * ways, else closed. */
static void
end_writing(struct dir *d)
{
	if (d->wfd == d->rfd)
		assert_int_equal(shutdown(d->wfd, SHUT_WR), 0);
	else
		close(d->wfd);
	d->wfd = -1;
}

static void
do_write(struct dir *d)
{
	unsigned char buf[16384];
	size_t n = d->size - d->sent < sizeof(buf) ? d->size - d->sent :
	    sizeof(buf);
	ssize_t w;

	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(d, d->sent + i);
	w = write(d->wfd, buf, n);
	if (w < 0 && errno == EAGAIN)
		return;
	assert_true(w > 0);
	d->sent += (size_t)w;
	if (d->sent == d->size)
		end_writing(d);
}

static void
do_read(struct dir *d)
{
	unsigned char buf[16384];
	ssize_t n = read(d->rfd, buf, sizeof(buf));

	if (n < 0 && errno == EAGAIN)
		return;
	assert_true(n >= 0);
	if (n == 0) {
		d->eof = 1;
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != pattern(d, d->got + (size_t)i))
			fail_msg("byte %zu differs", d->got + (size_t)i);
	d->got += (size_t)n;
	assert_true(d->got <= d->size);
}

/* Both directions at once until both ends are seen; each end arrives
 * once all its bytes did. */
static void
pump(struct dir d[2])
{
	for (int i = 0; i < 2; i++) {
		(void)fcntl(d[i].wfd, F_SETFL, O_NONBLOCK);
		(void)fcntl(d[i].rfd, F_SETFL, O_NONBLOCK);
	}
	while (!d[0].eof || !d[1].eof) {
		struct pollfd pf[4];

		for (int i = 0; i < 2; i++) {
			pf[2 * i] = (struct pollfd){ d[i].wfd, POLLOUT, 0 };
			pf[2 * i + 1] = (struct pollfd){ d[i].eof ? -1 :
							 d[i].rfd, POLLIN, 0 };
		}
		assert_true(poll(pf, 4, 20000) > 0);
		for (int i = 0; i < 2; i++) {
			if (d[i].wfd >= 0 && pf[2 * i].revents)
				do_write(&d[i]);
			if (pf[2 * i + 1].revents)
				do_read(&d[i]);
		}
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(d[i].got, d[i].size);
}

/* The test's ends when the relay runs on four pipes: to_relay feeds its
 * stdin (doveadm's output), from_channel gets what it writes on fd 4,
 * to_channel feeds fd 3, from_relay gets its stdout (doveadm's input). */
struct rig {
	int to_relay, from_channel, to_channel, from_relay;
	pid_t pid;
};

static void
start_rig(struct rig *r)
{
	int din[2], dout[2], cin[2], cout[2];	/* [0] read, [1] write */

	assert_int_equal(pipe(din), 0);
	assert_int_equal(pipe(dout), 0);
	assert_int_equal(pipe(cin), 0);
	assert_int_equal(pipe(cout), 0);
	r->pid = start_relay(din[0], cout[1], cin[0], dout[1],
			     (int[]){ din[1], dout[0], cin[1], cout[0] }, 4);
	close(din[0]);
	close(cout[1]);
	close(cin[0]);
	close(dout[1]);
	*r = (struct rig){ din[1], cout[0], cin[1], dout[0], r->pid };
}

/* doveadm's pipes and a channel of two pipes; 5 MB and 3 MB each way. */
static void
test_pipes_both_ways(void **state)
{
	struct dir d[2];
	struct rig r;

	(void)state;
	start_rig(&r);
	/* doveadm -> far side, and far side -> doveadm */
	d[0] = (struct dir){ r.to_relay, r.from_channel, 5u << 20, 0, 0, 1, 0 };
	d[1] = (struct dir){ r.to_channel, r.from_relay, 3u << 20, 0, 0, 2, 0 };
	pump(d);
	close(r.from_channel);
	close(r.from_relay);
	assert_int_equal(relay_status(r.pid), 0);
}

/* The channel as one socket both ways: the end of doveadm's output must
 * reach the far side (shutdown) while the far side still sends, and the
 * far side's end must reach doveadm. */
static void
test_socket_channel(void **state)
{
	int din[2], dout[2], sv[2];
	struct dir d[2];
	pid_t pid;
	int fd4;

	(void)state;
	assert_int_equal(pipe(din), 0);
	assert_int_equal(pipe(dout), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd4 = dup(sv[1]);
	assert_true(fd4 >= 0);
	pid = start_relay(din[0], fd4, sv[1], dout[1],
			  (int[]){ din[1], dout[0], sv[0] }, 3);
	close(din[0]);
	close(fd4);
	close(sv[1]);
	close(dout[1]);
	/* a short message out and its end, then a long answer back */
	d[0] = (struct dir){ din[1], sv[0], 100, 0, 0, 3, 0 };
	d[1] = (struct dir){ sv[0], dout[0], 4u << 20, 0, 0, 4, 0 };
	pump(d);
	close(sv[0]);
	close(dout[0]);
	assert_int_equal(relay_status(pid), 0);
}

/* Each end is passed on at once, while the other direction stays open. */
static void
test_eof_each_way(void **state)
{
	char buf[16];
	struct rig r;

	(void)state;
	start_rig(&r);
	assert_int_equal(write(r.to_relay, "hello", 5), 5);
	assert_int_equal(read(r.from_channel, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	close(r.to_relay);
	assert_int_equal(read(r.from_channel, buf, sizeof(buf)), 0);
	/* the other way still flows */
	assert_int_equal(write(r.to_channel, "world", 5), 5);
	assert_int_equal(read(r.from_relay, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "world", 5);
	close(r.to_channel);
	assert_int_equal(read(r.from_relay, buf, sizeof(buf)), 0);
	assert_int_equal(relay_status(r.pid), 0);
	close(r.from_channel);
	close(r.from_relay);
}

/* A reader gone is an I/O error, a non-zero exit, not a SIGPIPE death. */
static void
test_reader_gone(void **state)
{
	static char buf[1 << 20];
	struct rig r;

	(void)state;
	start_rig(&r);
	close(r.from_channel);		/* the far side went away */
	signal(SIGPIPE, SIG_IGN);
	(void)write(r.to_relay, buf, sizeof(buf));	/* as much as fits */
	close(r.to_relay);
	assert_int_equal(relay_status(r.pid), 3);
	close(r.to_channel);
	close(r.from_relay);
}

/* --- dsync-server on a move's target --- */

/* A mail root and state directory: u@pc1.example's passwd line (held or
 * not), its home holding a half-made copy, the domain lists given, and a
 * doveadm that notes whether the home was there when it ran. */
static void
target(const char *base, int held, const char *vdomains,
       const char *rdomains)
{
	char line[512], script[512], d[600];
	const char *mk[] = { "state", "state/current", "mail", "mail/pc1.example",
			     "mail/pc1.example/u", "mail/pc1.example/u/Maildir",
			     "mail/pc1.example/u/Maildir/cur", NULL };

	for (int i = 0; mk[i] != NULL; i++) {
		snprintf(d, sizeof(d), "%s/%s", base, mk[i]);
		assert_int_equal(mkdir(d, 0700), 0);
	}
	snprintf(line, sizeof(line), "u@pc1.example:{SHA512-CRYPT}$6$x$y:"
		 "%ld:%ld::%s/mail/pc1.example/u::%s\n", (long)getuid(),
		 (long)getgid(), base, held ? "nologin=y reason="
		 BUNDLE_HELD_REASON : "");
	tree_put(base, "state/current/passwd", line);
	tree_put(base, "state/current/virtual_mailbox_domains", vdomains);
	tree_put(base, "state/current/relay_domains", rdomains);
	tree_put(base, "mail/pc1.example/u/Maildir/cur/1.host:2,S", "m\n");
	snprintf(script, sizeof(script), "#!/bin/sh\ntest -d %s/mail/pc1."
		 "example/u && touch %s/home-was-there\ntouch %s/ran\n", base,
		 base, base);
	tree_put(base, "doveadm", script);
	snprintf(d, sizeof(d), "%s/doveadm", base);
	assert_int_equal(chmod(d, 0755), 0);
}

/* dsync-server for u@pc1.example, in a child (the agent gives its stdin
 * and stdout to doveadm); "ran home" as it found them. */
static const char *
serve(const char *base)
{
	static char out[32];
	char p[600];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct agent_conf conf;
		struct agent_cmd cmd = { AGENT_VERB_DSYNC_SERVER,
					 "u@pc1.example", NULL };
		char st[300], mail[300];
		struct hk_err err;
		json_t *o = NULL;

		memset(&conf, 0, sizeof(conf));
		snprintf(st, sizeof(st), "%s/state", base);
		snprintf(mail, sizeof(mail), "%s/mail", base);
		conf.statedir = st;
		conf.mailroot = mail;
		snprintf(conf.doveadm, sizeof(conf.doveadm), "%s/doveadm", base);
		_exit(agent_dsync(&conf, &cmd, "/x", &o, &err) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(p, sizeof(p), "%s/ran", base);
	snprintf(out, sizeof(out), "%s ", access(p, F_OK) == 0 ? "ran" : "-");
	snprintf(p, sizeof(p), "%s/home-was-there", base);
	strncat(out, access(p, F_OK) == 0 ? "home" : "gone",
		sizeof(out) - strlen(out) - 1);
	return out;
}

/* A held mailbox whose domain the guest neither serves nor relays: the
 * target of a first copy, whose half-made copy goes before doveadm runs;
 * served, relayed or not held, the home stays. */
static void
test_fresh_target(void **state)
{
	static const struct {
		int held;
		const char *vd, *rd, *want;
	} c[] = {
		{ 1, "", "", "ran gone" },
		{ 1, "other.example OK\n", "pc1.example.org OK\n", "ran gone" },
		{ 1, "pc1.example OK\n", "", "ran home" },	/* serves it */
		{ 1, "", "pc1.example OK\n", "ran home" },	/* a source */
		{ 0, "", "", "ran home" },			/* not held */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char base[64] = "/tmp/hk-fresh-XXXXXX";

		assert_non_null(mkdtemp(base));
		target(base, c[i].held, c[i].vd, c[i].rd);
		assert_string_equal(serve(base), c[i].want);
		tree_remove(base);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipes_both_ways),
		cmocka_unit_test(test_socket_channel),
		cmocka_unit_test(test_eof_each_way),
		cmocka_unit_test(test_reader_gone),
		cmocka_unit_test(test_fresh_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
