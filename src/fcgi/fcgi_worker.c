/* SPDX-License-Identifier: ISC */
/*
 * fcgi_worker.c - one worker process: serving threads over one epoll set
 * of its connections, and the main thread, which takes the signals and
 * stops them.  See fcgi_worker.h.
 *
 * libfcgi reads a kept connection's next request in FCGX_Accept_r when
 * the FCGX_Request still holds its descriptor.  Here no thread keeps one
 * between requests: each waits in epoll_wait() on the worker's set, which
 * holds the listening socket and every idle kept connection, each armed
 * for one event (EPOLLONESHOT); the thread woken for a connection puts
 * it into its FCGX_Request, lets libfcgi read and answers the request,
 * and arms it again when nginx keeps it.  A thread woken for the
 * listening socket accepts one connection, arms the socket again for the
 * others, and answers it.  The requests' own listening socket is -1, so
 * that libfcgi never blocks in accept() itself: a connection that ended
 * while idle makes FCGX_Accept_r fail (EBADF), once libfcgi has closed
 * it.  epoll is Linux's; the panel runs on Debian (the guests' agent is
 * the part that must build elsewhere).  The slot (fcgi_worker.h) is a
 * semaphore of one: a thread waits for it before the set, and gives it
 * back (give_slot) before a request that may wait, or when it ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <malloc.h>

#include "api.h"
#include "fcgi_request.h"
#include "fcgi_worker.h"
#include "log.h"
#include "strbuf.h"

/* The main thread hears of the last serving thread ending by itself. */
#define WAKE_SIG	SIGUSR2

struct worker {
	int sock;
	const struct hk_config *cfg;
	int ep;			/* the epoll set */
	int stop[2];		/* readable once stopping: wakes every thread */
	pthread_t *th;
	int nth;
	sem_t slots;		/* 1 while no thread holds the slot */
};

static atomic_int alive;		/* serving threads not yet ended */
static atomic_int stopping;
static pthread_t main_th;
static volatile sig_atomic_t expired;	/* shutdown_timeout is over */

/* fd armed for one read event: added (new) or armed again (kept). */
static int
arm(int ep, int fd, int add)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.fd = fd };

	return epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

/* One new connection, blocking (a FreeBSD-style accept would inherit the
 * listening socket's O_NONBLOCK); the socket armed again for the next
 * one (it is non-blocking and shared: another worker may have taken
 * it).  Returns the connection, or -1. */
static int
take_new(struct worker *w)
{
	int fd = accept4(w->sock, NULL, NULL, SOCK_CLOEXEC), fl, e = errno;

	if (arm(w->ep, w->sock, 0) < 0)
		log_warn_errno("arming the listening socket");
	if (fd < 0) {
		if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR &&
		    e != ECONNABORTED) {
			errno = e;
			log_warn_errno("accepting a connection");
		}
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		log_warn_errno("a new connection's flags");
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* --- the serving threads --- */

/* One serving thread's own: what it lends each request, and whether it
 * holds its worker's slot. */
struct serving {
	struct fcgi_serving s;
	struct worker *w;
	int slotted;		/* the worker's slot rules it (in-process db) */
	int has_slot;
};

/* The last thread to end, not asked to: the process has nothing left
 * to serve with, and its main thread is told (its parent restarts it). */
static void
thread_ended(void)
{
	if (atomic_fetch_sub(&alive, 1) == 1 && !atomic_load(&stopping))
		pthread_kill(main_th, WAKE_SIG);
}

/* Before a request that may wait (fcgi_request.h's will_wait), or a
 * write (db_on_write): the slot goes to a spare thread, which takes the
 * worker's connections meanwhile.  Once it holds none, nothing. */
static void
give_slot(void *arg)
{
	struct serving *t = arg;

	if (t->slotted && t->has_slot) {
		t->has_slot = 0;
		(void)sem_post(&t->w->slots);
	}
}

/* One request on fd (new: not yet in the set), and fd armed again when
 * nginx keeps it; libfcgi closes it otherwise.  Its last request's
 * Finish (inside FCGX_Accept_r) must not close it: keepConnection. */
static void
serve_conn(struct serving *t, FCGX_Request *r, int fd, int new)
{
	r->ipcFd = fd;
	r->keepConnection = 1;
	if (FCGX_Accept_r(r) < 0)
		return;		/* it ended: libfcgi closed it */
	fcgi_request_handle(r, &t->s);
	if (r->ipcFd < 0)
		return;
	r->ipcFd = -1;		/* nginx keeps it: the set holds it */
	if (atomic_load(&stopping) || arm(t->w->ep, fd, new) < 0)
		(void)close(fd);
}

/* What the set wakes this thread for, until stopping; with an in-process
 * database, only while it holds the worker's slot. */
static void
serve_loop(struct serving *t)
{
	struct worker *w = t->w;
	FCGX_Request r;
	struct epoll_event ev;
	int n, fd;

	FCGX_InitRequest(&r, -1, 0);	/* this file accepts, never libfcgi */
	while (!atomic_load(&stopping)) {
		if (t->slotted && !t->has_slot) {
			if (sem_wait(&w->slots) == 0)
				t->has_slot = 1;
			continue;	/* (stopping may have woken it) */
		}
		n = epoll_wait(w->ep, &ev, 1, -1);
		if (n < 0 && errno != EINTR) {
			log_error_errno("epoll_wait");
			break;
		}
		if (n <= 0 || ev.data.fd == w->stop[0])
			continue;	/* (the loop's test ends it) */
		if (ev.data.fd != w->sock)
			serve_conn(t, &r, ev.data.fd, 0);
		else if ((fd = take_new(w)) >= 0)
			serve_conn(t, &r, fd, 1);
	}
	give_slot(t);
	FCGX_Free(&r, 1);
}

static void *
serve(void *arg)
{
	struct serving t = { .s = { .ctx = { NULL, NULL } }, .w = arg };
	struct hk_err err;

	t.s.ctx.cfg = t.w->cfg;
	t.s.will_wait = give_slot;
	t.s.arg = &t;
	if ((t.s.ctx.db = db_open(t.w->cfg->db_url, &err)) == NULL)
		log_error("%s", err.message);
	else if ((t.s.body = malloc(HTTP_MAX_BODY + 1)) == NULL)
		log_error("out of memory for a serving thread");
	if (t.s.ctx.db != NULL && t.s.body != NULL) {
		t.slotted = db_in_process(t.s.ctx.db);
		/* a quick read's bookkeeping (a session or key's last use,
		 * once a minute) may wait on a long write's lock too */
		db_on_write(t.s.ctx.db, give_slot, &t);
		strbuf_init(&t.s.out, HTTP_MAX_RESPONSE);
		serve_loop(&t);
		strbuf_free(&t.s.out);
	}
	free(t.s.body);
	db_close(t.s.ctx.db);
	thread_ended();
	return NULL;
}

/* --- the main thread --- */

/* The set: the listening socket (non-blocking: every worker's set holds
 * it, and one worker takes a connection the others were woken for too),
 * and the stop pipe, level-triggered: readable, it wakes every thread. */
static int
worker_init(struct worker *w, struct hk_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fl = fcntl(w->sock, F_GETFL);

	if (sem_init(&w->slots, 0, 1) < 0)
		return hk_fail_errno(err, "the worker's slot");
	if (fl < 0 || fcntl(w->sock, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    (w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    pipe2(w->stop, O_CLOEXEC | O_NONBLOCK) < 0)
		return hk_fail_errno(err, "the worker's descriptors");
	ev.data.fd = w->stop[0];
	if (arm(w->ep, w->sock, 1) < 0 ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->stop[0], &ev) < 0)
		return hk_fail_errno(err, "the worker's epoll set");
	return 0;
}

/* The serving threads; returns how many started. */
static int
start_threads(struct worker *w)
{
	int started = 0;

	atomic_store(&alive, w->nth);
	for (int i = 0; i < w->nth; i++) {
		if ((errno = pthread_create(&w->th[i], NULL, serve, w)) != 0) {
			log_error_errno("starting a serving thread");
			atomic_fetch_sub(&alive, 1);
			w->th[i] = pthread_self();	/* none to join */
			continue;
		}
		started++;
	}
	return started;
}

/* Until SIGTERM or SIGINT (1), or every thread ended by itself (0). */
static int
wait_for_stop(const sigset_t *set)
{
	for (;;) {
		int sig;

		if (atomic_load(&alive) == 0)
			return 0;
		sig = sigwaitinfo(set, NULL);
		if (sig == SIGTERM || sig == SIGINT)
			return 1;
		/* the last thread's WAKE_SIG (seen above), SIGALRM before a
		 * stop: nothing more */
	}
}

/* Every thread woken: one answering a request finishes it (and an
 * import it left runs until shutdown_timeout, SIGALRM, then stops at its
 * next checkpoint); the idle kept connections close with the process. */
static void
stop_threads(struct worker *w, const sigset_t *set)
{
	struct timespec tick = { 0, 100000000L };
	char b = 1;

	atomic_store(&stopping, 1);
	if (write(w->stop[1], &b, 1) < 0)
		log_warn_errno("waking the serving threads");
	for (int i = 0; i < w->nth; i++)
		(void)sem_post(&w->slots);	/* and the spares */
	if (w->cfg->fcgi_shutdown_timeout == 0)
		expired = 1;
	else
		alarm((unsigned)w->cfg->fcgi_shutdown_timeout);
	while (atomic_load(&alive) > 0)
		if (sigtimedwait(set, NULL, &tick) == SIGALRM)
			expired = 1;
	for (int i = 0; i < w->nth; i++)
		if (!pthread_equal(w->th[i], pthread_self()))
			pthread_join(w->th[i], NULL);
}

int
fcgi_worker_run(int sock, const struct hk_config *cfg)
{
	struct worker w = { .sock = sock, .cfg = cfg,
			    .nth = cfg->fcgi_threads };
	struct hk_err err;
	sigset_t set;
	int stopped;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, WAKE_SIG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* the threads' too */
	main_th = pthread_self();
	/* One malloc arena for the process, not one a thread: the threads
	 * take turns at the database more than at malloc, and each arena
	 * would keep its own freed memory resident ([fcgi] RSS). */
	(void)mallopt(M_ARENA_MAX, 1);
	api_import_stop_on(&expired);
	json_object_seed(0);	/* once, before the threads make objects */
	if (worker_init(&w, &err) < 0) {
		log_error("%s", err.message);
		return 1;
	}
	if ((w.th = calloc((size_t)w.nth, sizeof(*w.th))) == NULL) {
		log_error("out of memory for %d serving threads", w.nth);
		return 1;
	}
	if (start_threads(&w) == 0) {
		free(w.th);
		return 1;
	}
	stopped = wait_for_stop(&set);
	if (stopped)
		log_info("stopped accepting: shutting down");
	stop_threads(&w, &set);
	free(w.th);
	return stopped ? 0 : 1;
}
