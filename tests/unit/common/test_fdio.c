/* SPDX-License-Identifier: ISC */
/*
 * test_fdio.c - src/common/fdio.c under interruptions: 8 MiB through a
 * pipe while both ends take a timer signal (no SA_RESTART) every 100
 * microseconds, so reads and writes are interrupted and cut short; the
 * bytes must arrive whole and in order.  Then the bounds of read_all, the
 * short count of read_full at end of file, and a write to a closed pipe.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdio.h"
#include "strbuf.h"

#define BIG	(8u << 20)

static volatile sig_atomic_t ticks;

static void
on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static void
interrupt_often(int on)
{
	struct sigaction sa = { .sa_handler = on_tick };	/* no SA_RESTART */
	struct itimerval it = { { 0, on ? 100 : 0 }, { 0, on ? 100 : 0 } };

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static unsigned char
pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void
test_interrupted_pipe(void **state)
{
	unsigned char *out = malloc(BIG);
	struct strbuf in;
	int p[2];
	pid_t pid;
	int st;

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < BIG; i++)
		out[i] = pattern(i);
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		interrupt_often(1);
		_exit(fdio_write_all(p[1], out, BIG) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	close(p[1]);
	ticks = 0;
	interrupt_often(1);
	strbuf_init(&in, BIG);
	assert_int_equal(fdio_read_all(p[0], &in, BIG), 0);
	interrupt_often(0);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(in.len, BIG);
	assert_memory_equal(in.data, out, BIG);
	assert_true(ticks > 0);		/* the reads were interrupted */
	strbuf_free(&in);
	free(out);
}

/* A pipe holding n bytes of 'a', its write end closed. */
static int
pipe_of(size_t n)
{
	char buf[512];
	int p[2];

	assert_true(n <= sizeof(buf));
	memset(buf, 'a', n);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fdio_write_all(p[1], buf, n), 0);
	close(p[1]);
	return p[0];
}

static void
test_read_all_bound(void **state)
{
	struct strbuf sb;
	int fd;

	(void)state;
	strbuf_init(&sb, 0);
	fd = pipe_of(100);
	assert_int_equal(fdio_read_all(fd, &sb, 100), 0);
	assert_int_equal(sb.len, 100);
	close(fd);
	strbuf_reset(&sb);
	fd = pipe_of(101);
	errno = 0;
	assert_int_equal(fdio_read_all(fd, &sb, 100), -1);
	assert_int_equal(errno, EFBIG);
	assert_true(sb.len <= 100);
	close(fd);
	strbuf_reset(&sb);
	fd = pipe_of(0);
	assert_int_equal(fdio_read_all(fd, &sb, 100), 0);
	assert_int_equal(sb.len, 0);
	close(fd);
	strbuf_free(&sb);
}

static void
test_read_full_short_at_eof(void **state)
{
	char buf[64];
	int fd;

	(void)state;
	fd = pipe_of(10);
	assert_int_equal(fdio_read_full(fd, buf, sizeof(buf)), 10);
	assert_int_equal(fdio_read_full(fd, buf, sizeof(buf)), 0);
	close(fd);
	fd = pipe_of(64);
	assert_int_equal(fdio_read_full(fd, buf, 32), 32);
	assert_int_equal(fdio_read_full(fd, buf, 32), 32);
	close(fd);
	assert_int_equal(fdio_read_full(-1, buf, 1), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_write_to_closed_pipe(void **state)
{
	int p[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(fdio_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interrupted_pipe),
		cmocka_unit_test(test_read_all_bound),
		cmocka_unit_test(test_read_full_short_at_eof),
		cmocka_unit_test(test_write_to_closed_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
