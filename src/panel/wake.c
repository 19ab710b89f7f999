/* SPDX-License-Identifier: ISC */
/*
 * wake.c - datagram nudges to pushd.  See wake.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wake.h"

static int
fill_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

void
wake_notify(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (fill_addr(&sun, path) < 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
}

int
wake_listen(const char *path, struct hk_err *err)
{
	struct sockaddr_un sun;
	int fd;

	if (fill_addr(&sun, path) < 0)
		return hk_failr(err, HK_EINVAL, "wake_socket",
				HK_R_path_too_long, NULL);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return hk_fail_errno(err, "socket");
	/* A socket someone still listens on is another pushd's (it is bound
	 * before pushd takes its state_dir's lock): never take it over. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		return hk_failr(err, HK_EEXIST, "wake_socket",
				HK_R_wake_socket_busy, "path", path, NULL);
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		hk_fail_errno(err, "bind %s", path);
		close(fd);
		return -1;
	}
	/* The API workers run as another user; let them nudge. */
	chmod(path, 0666);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int
wake_wait(int fd, int timeout_ms)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	char buf[64];
	int woken = 0;

	if (poll(&pf, 1, timeout_ms) <= 0)
		return 0;
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		woken = 1;
	return woken;
}
