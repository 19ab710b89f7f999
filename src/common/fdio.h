/* SPDX-License-Identifier: ISC */
/*
 * fdio.h - reading and writing descriptors, with EINTR and short counts
 * handled here once, for every program (the guest agent included).
 *
 * Each returns -1 with errno set on failure; EINTR never reaches a caller.
 * A non-blocking descriptor may still fail with EAGAIN, which the caller
 * judges (subproc.c polls for it).
 */
#ifndef HK_FDIO_H
#define HK_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* One read(2) or write(2) of at most n bytes, again when interrupted. */
ssize_t fdio_read(int fd, void *buf, size_t n);
ssize_t fdio_write(int fd, const void *buf, size_t n);

/* All n bytes, in as many writes as it takes: 0, or -1. */
int fdio_write_all(int fd, const void *buf, size_t n);
/* All of iov's n buffers, in as many writev(2)s as it takes (iov is
 * used up: its entries are changed): 0, or -1. */
struct iovec;
int fdio_writev_all(int fd, struct iovec *iov, int n);

/* Up to n bytes, in as many reads as it takes: the count, less than n only
 * at end of file; or -1. */
ssize_t fdio_read_full(int fd, void *buf, size_t n);

/* Everything up to end of file, appended to sb: 0; or -1 with errno
 * EFBIG once sb would pass max bytes (sb then holds max bytes or fewer),
 * ENOMEM when sb cannot grow, or read(2)'s errno. */
int fdio_read_all(int fd, struct strbuf *sb, size_t max);

#endif
