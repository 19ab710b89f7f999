/* SPDX-License-Identifier: ISC */
/*
 * fdio.c - EINTR and short counts, handled once.  See fdio.h.
 */
#include "config.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdio.h"

#define CHUNK	65536

ssize_t
fdio_read(int fd, void *buf, size_t n)
{
	ssize_t got;

	while ((got = read(fd, buf, n)) < 0 && errno == EINTR)
		;
	return got;
}

ssize_t
fdio_write(int fd, const void *buf, size_t n)
{
	ssize_t put;

	while ((put = write(fd, buf, n)) < 0 && errno == EINTR)
		;
	return put;
}

int
fdio_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t put = fdio_write(fd, p, n);

		if (put < 0)
			return -1;
		if (put == 0) {		/* no progress and no error: give up */
			errno = EIO;
			return -1;
		}
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

int
fdio_writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t put = writev(fd, iov, n);

		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0)
			return -1;
		if (put == 0) {		/* no progress and no error: give up */
			errno = EIO;
			return -1;
		}
		for (; n > 0 && (size_t)put >= iov->iov_len; iov++, n--)
			put -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + put;
			iov->iov_len -= (size_t)put;
		}
	}
	return 0;
}

ssize_t
fdio_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t done = 0;

	while (done < n) {
		ssize_t got = fdio_read(fd, p + done, n - done);

		if (got < 0)
			return -1;
		if (got == 0)
			break;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

int
fdio_read_all(int fd, struct strbuf *sb, size_t max)
{
	char buf[CHUNK];

	for (;;) {
		ssize_t got = fdio_read(fd, buf, sizeof(buf));

		if (got <= 0)
			return (int)got;
		if (sb->len > max || (size_t)got > max - sb->len) {
			errno = EFBIG;
			return -1;
		}
		if (strbuf_append(sb, buf, (size_t)got) < 0) {
			errno = ENOMEM;
			return -1;
		}
	}
}
