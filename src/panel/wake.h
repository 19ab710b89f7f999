/* SPDX-License-Identifier: ISC */
/*
 * wake.h - the nudge a writer gives pushd after a commit: one datagram on a
 * Unix socket.  It carries nothing but "look again"; the database is the
 * truth, so a lost nudge only delays a push until pushd's next periodic
 * look, and a nudge nobody hears is harmless.
 */
#ifndef HK_WAKE_H
#define HK_WAKE_H

#include "err.h"

/* Sends a nudge to the socket at path; never blocks, never fails loudly. */
void wake_notify(const char *path);

/* Binds the listening socket (replacing a stale one; one that another
 * process listens on is HK_EEXIST); returns its fd. */
int wake_listen(const char *path, struct hk_err *err);

/* Waits up to timeout_ms for nudges; returns 1 if woken, 0 on timeout.
 * Drains every queued nudge so that a burst of writes wakes us once. */
int wake_wait(int fd, int timeout_ms);

#endif
