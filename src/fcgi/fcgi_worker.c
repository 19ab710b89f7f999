/* SPDX-License-Identifier: ISC */
/*
 * fcgi_worker.c - one worker process's serving threads, and its main
 * thread, which takes the signals and stops them.  See fcgi_worker.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "api.h"
#include "fcgi_request.h"
#include "fcgi_worker.h"
#include "log.h"
#include "strbuf.h"

/* Wakes a serving thread out of accept() or a read on its kept
 * connection (no SA_RESTART: the call ends with EINTR). */
#define WAKE_SIG	SIGUSR2
/* While stopping, a thread still waiting for a request is woken this
 * often: a wake that came just before its blocking call is not lost. */
#define WAKE_EVERY_NS	50000000L

struct slot {
	pthread_t th;
	int started;
	atomic_int waiting;	/* in FCGX_Accept_r: no request under way */
	atomic_int done;
	int sock;
	const struct hk_config *cfg;
};

static atomic_int stopping;
static atomic_int alive;		/* serving threads not yet ended */
static pthread_t main_th;
static volatile sig_atomic_t expired;	/* shutdown_timeout is over */

static void
on_wake(int sig)
{
	(void)sig;
}

/* The last thread to end, not asked to: the process has nothing left
 * to serve with, and its main thread is told (its parent restarts it). */
static void
thread_ended(struct slot *s)
{
	atomic_store(&s->done, 1);
	if (atomic_fetch_sub(&alive, 1) == 1 && !atomic_load(&stopping))
		pthread_kill(main_th, WAKE_SIG);
}

/* The requests of one connection at a time, until stopped. */
static void
serve_loop(struct slot *s, struct api_ctx *ctx, char *body,
	   struct strbuf *out)
{
	FCGX_Request r;
	int rc;

	FCGX_InitRequest(&r, s->sock, FCGI_FAIL_ACCEPT_ON_INTR);
	for (;;) {
		atomic_store(&s->waiting, 1);
		if (atomic_load(&stopping))
			break;
		rc = FCGX_Accept_r(&r);
		atomic_store(&s->waiting, 0);
		if (rc == -EINTR && !atomic_load(&stopping))
			continue;	/* a wake from outside */
		if (rc < 0) {
			if (!atomic_load(&stopping))
				log_error("accepting a request: %s",
					  strerror(-rc));
			break;
		}
		fcgi_request_handle(&r, ctx, body, out);
	}
	FCGX_Free(&r, 1);	/* closes a connection nginx kept */
}

static void *
serve(void *arg)
{
	struct slot *s = arg;
	struct api_ctx ctx = { NULL, s->cfg };
	struct hk_err err;
	struct strbuf out;
	char *body = NULL;

	if ((ctx.db = db_open(s->cfg->db_url, &err)) == NULL)
		log_error("%s", err.message);
	else if ((body = malloc(HTTP_MAX_BODY + 1)) == NULL)
		log_error("out of memory for a serving thread");
	if (ctx.db != NULL && body != NULL) {
		strbuf_init(&out, HTTP_MAX_RESPONSE);
		serve_loop(s, &ctx, body, &out);
		strbuf_free(&out);
	}
	free(body);
	db_close(ctx.db);
	thread_ended(s);
	return NULL;
}

/* The serving threads: the signals the main thread takes stay blocked
 * in them (they inherit its mask); WAKE_SIG reaches them.  Returns how
 * many started. */
static int
start_threads(struct slot *slots, int n, int sock,
	      const struct hk_config *cfg)
{
	int started = 0;

	atomic_store(&alive, n);
	for (int i = 0; i < n; i++) {
		slots[i].sock = sock;
		slots[i].cfg = cfg;
		if ((errno = pthread_create(&slots[i].th, NULL, serve,
					    &slots[i])) != 0) {
			log_error_errno("starting a serving thread");
			atomic_fetch_sub(&alive, 1);
			continue;
		}
		slots[i].started = 1;
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
		 * stop, or a stray WAKE_SIG: nothing more */
	}
}

/* The threads waiting for a request are woken until every thread has
 * ended; a request under way ends, and an import it left runs until
 * shutdown_timeout (SIGALRM), then stops at its next checkpoint. */
static void
stop_threads(struct slot *slots, int n, const struct hk_config *cfg,
	     const sigset_t *set)
{
	struct timespec every = { 0, WAKE_EVERY_NS };

	atomic_store(&stopping, 1);
	if (cfg->fcgi_shutdown_timeout == 0)
		expired = 1;
	else
		alarm((unsigned)cfg->fcgi_shutdown_timeout);
	while (atomic_load(&alive) > 0) {
		for (int i = 0; i < n; i++)
			if (slots[i].started && !atomic_load(&slots[i].done) &&
			    atomic_load(&slots[i].waiting))
				pthread_kill(slots[i].th, WAKE_SIG);
		if (sigtimedwait(set, NULL, &every) == SIGALRM)
			expired = 1;
	}
}

int
fcgi_worker_run(int sock, const struct hk_config *cfg)
{
	struct sigaction wake = { .sa_handler = on_wake };
	sigset_t set;
	struct slot *slots;
	int n = cfg->fcgi_threads, stopped;

	sigemptyset(&wake.sa_mask);
	sigaction(WAKE_SIG, &wake, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaddset(&set, WAKE_SIG);	/* the main thread's own: taken below */
	main_th = pthread_self();
	api_import_stop_on(&expired);
	json_object_seed(0);	/* once, before the threads make objects */
	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL) {
		log_error("out of memory for %d serving threads", n);
		return 1;
	}
	if (start_threads(slots, n, sock, cfg) == 0) {
		free(slots);
		return 1;
	}
	{
		sigset_t own;

		sigemptyset(&own);
		sigaddset(&own, WAKE_SIG);
		pthread_sigmask(SIG_BLOCK, &own, NULL);
	}
	stopped = wait_for_stop(&set);
	if (stopped)
		log_info("stopped accepting: shutting down");
	stop_threads(slots, n, cfg, &set);
	for (int i = 0; i < n; i++)
		if (slots[i].started)
			pthread_join(slots[i].th, NULL);
	free(slots);
	return stopped ? 0 : 1;
}
