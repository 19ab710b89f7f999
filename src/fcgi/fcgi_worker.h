/* SPDX-License-Identifier: ISC */
/*
 * fcgi_worker.h - one hakomail-fcgi worker process: [fcgi] threads
 * serving threads on the shared listening socket.
 *
 * nginx keeps its FastCGI connections open (an upstream keepalive pool,
 * fastcgi_keep_conn on), and libfcgi serves a kept connection's next
 * request in the thread that served the last one: a thread waits on its
 * connection between requests.  So a worker holds several connections
 * at once, one a thread, each thread with its own FCGX_Request, database
 * connection and buffers; accept() on the shared socket needs no lock on
 * Linux or FreeBSD.  With nginx's pool at most half of all the threads
 * (the README says how to size it), connections nginx keeps idle never
 * leave a new one without a thread.
 *
 * The process's main thread serves nothing: it takes the signals.
 * SIGTERM or SIGINT: the listening socket is shut down (every accept()
 * ends), the threads waiting on a kept connection are woken and close it,
 * a request under way is answered and an import it left runs for up to
 * [fcgi] shutdown_timeout (then it stops at its next checkpoint, nothing
 * of it written).  Returns the process's exit status: 0 once every thread
 * ended after a stop, 1 when none could start or all ended by themselves.
 */
#ifndef HK_FCGI_WORKER_H
#define HK_FCGI_WORKER_H

#include "conf.h"

int fcgi_worker_run(int sock, const struct hk_config *cfg);

#endif
