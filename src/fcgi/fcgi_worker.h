/* SPDX-License-Identifier: ISC */
/*
 * fcgi_worker.h - one hakomail-fcgi worker process: [fcgi] threads
 * serving threads on the shared listening socket.
 *
 * nginx keeps its FastCGI connections open (an upstream keepalive pool,
 * fastcgi_keep_conn on).  A worker holds any number of them: the idle
 * ones wait in its epoll set, not in a thread, and whichever thread is
 * free answers the next request that comes on any of them, or takes a
 * new connection.  Each thread has its own FCGX_Request, database
 * connection and buffers.
 *
 * With an in-process database (SQLite, db_in_process) a worker's reads
 * only keep its CPU busy: one thread at a time, the one holding the
 * worker's slot, waits on the set and answers them, so that a request
 * coming while it works waits for it rather than waking a second thread
 * to share the same CPUs (bench/api.sh: each switch cost more than the
 * 401 it served).  A request that is not quick (api_gate: a write, a DNS
 * check, an export) first gives the slot to a spare thread, as does a
 * quick one at its first write (db_on_write: a key's last use noted),
 * and its own thread waits for the slot again once it has answered.  With a server
 * (PostgreSQL) every thread waits on the set, as each query waits.
 *
 * The process's main thread serves nothing: it takes the signals.
 * SIGTERM or SIGINT: every thread is woken and ends, a request under way
 * answered first and an import it left run for up to [fcgi]
 * shutdown_timeout (then it stops at its next checkpoint, nothing of it
 * written); the idle connections close with the process.  Returns the
 * process's exit status: 0 once every thread ended after a stop, 1 when
 * none could start or all ended by themselves.
 */
#ifndef HK_FCGI_WORKER_H
#define HK_FCGI_WORKER_H

#include "conf.h"

int fcgi_worker_run(int sock, const struct hk_config *cfg);

#endif
