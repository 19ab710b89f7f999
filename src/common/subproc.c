/* SPDX-License-Identifier: ISC */
/*
 * subproc.c - posix_spawn with piped stdio and a timeout.  See subproc.h.
 *
 * One poll() loop writes stdin and drains stdout/stderr so that a child
 * blocked on a full pipe can never deadlock us.
 *
 * Safe to call from several threads at once (pushd's workers): the pipes
 * are made close-on-exec under one lock held until the child is spawned,
 * so no child ever inherits another push's pipe (which would keep that
 * push's ssh from seeing the end of its input).  pipe2() would avoid the
 * lock but is not in POSIX 2008, and the agent must build on FreeBSD too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"
#include "subproc.h"

static char *const empty_env[] = { NULL };
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;

static void
ignore_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigaction(SIGPIPE, &sa, NULL);
}

/* Three close-on-exec pipes; the caller holds spawn_lock. */
static int
make_pipes(int in[2], int out[2], int errp[2])
{
	int *fds[3] = { in, out, errp };

	for (int i = 0; i < 3; i++) {
		if (pipe(fds[i]) < 0)
			return -1;
		if (fcntl(fds[i][0], F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fds[i][1], F_SETFD, FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

static int
start_child(char *const argv[], char *const envp[], int in[2], int out[2],
	    int errp[2], pid_t *pid, struct hk_err *err)
{
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return hk_fail_errno(err, "posix_spawn_file_actions_init");
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, errp[0]);
	rc = posix_spawn(pid, argv[0], &fa, NULL, argv,
			 envp ? envp : empty_env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return hk_fail_errno(err, "cannot run %s", argv[0]);
	}
	return 0;
}

/* Drain readable fd into sb (bounded); returns 0 on EOF, 1 if still open. */
static int
drain(int fd, struct strbuf *sb, size_t max)
{
	char buf[8192];
	ssize_t n = fdio_read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (sb->len < max)
		strbuf_append(sb, buf, (size_t)n > max - sb->len ?
			      max - sb->len : (size_t)n);
	return 1;
}

/* fds[0..2] = child's stdin, stdout, stderr; each is closed and set to -1
 * at EOF.  On timeout the ones still open are left to the caller. */
static void
pump(int fds[3], const char *input, size_t input_len, size_t out_max,
     long long deadline, struct subproc_result *res)
{
	int infd = fds[0], outfd = fds[1], errfd = fds[2];
	size_t sent = 0;

	while (outfd >= 0 || errfd >= 0) {
		struct pollfd pf[3] = {
			{ infd, POLLOUT, 0 }, { outfd, POLLIN, 0 },
			{ errfd, POLLIN, 0 } };
		long long left = deadline - clock_mono_ms();

		if (left <= 0) {
			res->timed_out = 1;
			break;
		}
		if (poll(pf, 3, (int)(left > 1000 ? 1000 : left)) < 0 &&
		    errno != EINTR)
			return;
		if (infd >= 0 && (pf[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = fdio_write(infd, input + sent,
					       input_len - sent);
			if (n > 0)
				sent += (size_t)n;
			if (n < 0 && errno != EAGAIN)
				sent = input_len;	/* child closed stdin */
			if (sent >= input_len) {
				close(infd);
				infd = -1;
			}
		}
		if (outfd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !drain(outfd, &res->out, out_max)) {
			close(outfd);
			outfd = -1;
		}
		if (errfd >= 0 && (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !drain(errfd, &res->errout, out_max)) {
			close(errfd);
			errfd = -1;
		}
	}
	fds[0] = infd;
	fds[1] = outfd;
	fds[2] = errfd;
}

static int
reap(pid_t pid, struct subproc_result *res, struct hk_err *err)
{
	int st;

	if (res->timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return hk_fail_errno(err, "waitpid");
	if (WIFEXITED(st)) {
		res->exited = 1;
		res->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		res->status = WTERMSIG(st);
	}
	return 0;
}

int
subproc_run(char *const argv[], char *const envp[], const void *input,
	  size_t input_len, int timeout_ms, size_t out_max,
	  struct subproc_result *res, struct hk_err *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	pid_t pid;
	int rc;

	memset(res, 0, sizeof(*res));
	strbuf_init(&res->out, out_max);
	strbuf_init(&res->errout, out_max);
	/* A child that stops reading must not kill us with SIGPIPE.  Set for
	 * the whole process, once: swapping handlers per call would race
	 * between threads. */
	if (pthread_once(&sigpipe_once, ignore_sigpipe) != 0) {
		hk_fail(err, HK_ESYS, NULL, "pthread_once failed");
		return -1;
	}
	pthread_mutex_lock(&spawn_lock);
	if (make_pipes(in, out, errp) < 0) {
		pthread_mutex_unlock(&spawn_lock);
		hk_fail_errno(err, "pipe");
		goto fail;
	}
	rc = start_child(argv, envp, in, out, errp, &pid, err);
	pthread_mutex_unlock(&spawn_lock);
	if (rc < 0)
		goto fail;
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	in[0] = out[1] = errp[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (input == NULL || input_len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	{
		int fds[3] = { in[1], out[0], errp[0] };

		pump(fds, input, input_len, out_max, clock_mono_ms() + timeout_ms, res);
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	return reap(pid, res, err);
fail:
	close_pair(in);
	close_pair(out);
	close_pair(errp);
	return -1;
}

int
subproc_spawn(char *const argv[], char *const envp[],
	      struct subproc_child *c, struct hk_err *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int rc;

	c->pid = -1;
	c->in = c->out = c->err = -1;
	if (pthread_once(&sigpipe_once, ignore_sigpipe) != 0)
		return hk_fail(err, HK_ESYS, NULL, "pthread_once failed");
	pthread_mutex_lock(&spawn_lock);
	if (make_pipes(in, out, errp) < 0) {
		pthread_mutex_unlock(&spawn_lock);
		close_pair(in);
		close_pair(out);
		close_pair(errp);
		return hk_fail_errno(err, "pipe");
	}
	rc = start_child(argv, envp, in, out, errp, &c->pid, err);
	pthread_mutex_unlock(&spawn_lock);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	if (rc < 0) {
		close(in[1]);
		close(out[0]);
		close(errp[0]);
		return -1;
	}
	c->in = in[1];
	c->out = out[0];
	c->err = errp[0];
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	return 0;
}

int
subproc_wait(struct subproc_child *c, int kill_first,
	     struct subproc_result *res, struct hk_err *err)
{
	int *fds[3] = { &c->in, &c->out, &c->err };

	memset(res, 0, sizeof(*res));
	strbuf_init(&res->out, 0);
	strbuf_init(&res->errout, 0);
	for (int i = 0; i < 3; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (c->pid < 0)
		return 0;
	res->timed_out = kill_first;
	if (reap(c->pid, res, err) < 0)
		return -1;
	c->pid = -1;
	return 0;
}

int
subproc_ok(const struct subproc_result *res)
{
	return res->exited && res->status == 0 && !res->timed_out;
}

void
subproc_result_free(struct subproc_result *res)
{
	strbuf_free(&res->out);
	strbuf_free(&res->errout);
}
