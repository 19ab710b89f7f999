/* SPDX-License-Identifier: ISC */
/*
 * hakomail-fcgi - the JSON API's FastCGI workers, behind nginx.
 *
 * The parent opens the socket (as root it also gives it to the web server's
 * group and then drops to the unprivileged user), forks the configured
 * number of workers that all accept() on it, and restarts any that die.
 * Each worker holds its own database connection; it never holds an SSH key
 * and never runs ssh: after a write it only nudges pushd.
 *
 * Usage: hakomail-fcgi [-c CONFIG]
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api.h"
#include "conf.h"
#include "jsonout.h"
#include "log.h"
#include "privdrop.h"
#include "store.h"

#define MAX_WORKERS 256
/* A worker still there this long after [fcgi] shutdown_timeout is killed
 * (an import stops at its next checkpoint, but hashing a file's passwords
 * has none). */
#define KILL_GRACE_S 5

static volatile sig_atomic_t stopping;	/* SIGTERM: accept no more */
static volatile sig_atomic_t expired;	/* a worker's shutdown_timeout is
					 * over: its import stops; the
					 * parent's grace too: kill */
static int listen_fd = -1;		/* a worker's, closed on SIGTERM */
static unsigned shutdown_s;		/* [fcgi] shutdown_timeout */

/* The parent's SIGTERM and SIGINT. */
static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

static void
on_child(int sig)
{
	(void)sig;	/* only wakes sigsuspend() */
}

/* A worker's SIGTERM: the accept() under way (restarted) or to come fails
 * on the closed socket; the request under way ends, an import up to
 * shutdown_timeout. */
static void
on_worker_term(int sig)
{
	int saved = errno;	/* close() may set it under the interrupted */

	(void)sig;
	if (!stopping) {
		stopping = 1;
		if (shutdown_s == 0)
			expired = 1;
		else
			alarm(shutdown_s);
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	errno = saved;
}

static void
set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static const char *
param(FCGX_Request *r, const char *name)
{
	return FCGX_GetParam(name, r->envp);
}

/* The body, bounded by what the route takes: into buf (HTTP_MAX_BODY),
 * or for an upload into *big (malloc'd, the caller frees).  Returns its
 * length, or -1 when over the limit or cut short. */
static long
read_body(FCGX_Request *r, char *buf, char **big)
{
	const char *cl = param(r, "CONTENT_LENGTH");
	long want = cl && *cl ? strtol(cl, NULL, 10) : 0;
	size_t max = api_body_limit(param(r, "REQUEST_METHOD"),
				    param(r, "REQUEST_URI"));
	int got;

	*big = NULL;
	if (want < 0 || (size_t)want > max)
		return -1;
	if (want > HTTP_MAX_BODY) {
		if ((*big = malloc((size_t)want + 1)) == NULL)
			return -1;
		buf = *big;
	}
	got = want > 0 ? FCGX_GetStr(buf, (int)want, r->in) : 0;
	return got < 0 || got != want ? -1 : got;
}

/* FCGX_FPrintF has its own, smaller printf: format with snprintf.  The
 * body is written by jsonout() into the worker's buffer, reused from one
 * request to the next. */
static void
send_response(FCGX_Request *r, const struct http_resp *resp,
	      struct strbuf *out)
{
	char head[1024], retry[40] = "", disposition[160] = "";
	char location[96] = "";
	const char *body = resp->raw;
	size_t len = resp->raw_len;
	int n;

	if (body == NULL && resp->body != NULL) {
		strbuf_reset(out);
		if (jsonout(out, resp->body) < 0) {
			FCGX_FPrintF(r->out, "Status: 500 Internal Server "
				     "Error\r\nContent-Length: 0\r\n\r\n");
			return;
		}
		body = out->data;
		len = out->len;
	}
	if (resp->retry_after > 0)
		snprintf(retry, sizeof(retry), "Retry-After: %d\r\n",
			 resp->retry_after);
	if (resp->attachment[0] != '\0')
		snprintf(disposition, sizeof(disposition), "Content-"
			 "Disposition: attachment; filename=\"%s\"\r\n",
			 resp->attachment);
	if (resp->location[0] != '\0')
		snprintf(location, sizeof(location), "Location: %s\r\n",
			 resp->location);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
		     "Cache-Control: no-store\r\n%s%s%s%s%s%s%s%s%s%s"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n\r\n", resp->status,
		     http_reason(resp->status),
		     resp->status == 401 ? "WWW-Authenticate: Bearer\r\n" : "",
		     resp->allow[0] ? "Allow: " : "", resp->allow,
		     resp->allow[0] ? "\r\n" : "",
		     resp->set_cookie[0] ? "Set-Cookie: " : "",
		     resp->set_cookie, resp->set_cookie[0] ? "\r\n" : "",
		     retry, disposition, location, resp->content_type ? resp->content_type :
		     "application/json", len);
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, r->out);
	if (len > 0)
		FCGX_PutStr(body, (int)len, r->out);
}

/* The request's parameters into req (its body not yet read); -1 when the
 * server sent no method or URI. */
static int
request_params(FCGX_Request *r, struct http_req *req)
{
	memset(req, 0, sizeof(*req));
	req->method = param(r, "REQUEST_METHOD");
	req->uri = param(r, "REQUEST_URI");
	req->content_type = param(r, "CONTENT_TYPE");
	req->authorization = param(r, "HTTP_AUTHORIZATION");
	req->cookie = param(r, "HTTP_COOKIE");
	req->csrf_token = param(r, "HTTP_X_CSRF_TOKEN");
	req->remote_addr = param(r, "REMOTE_ADDR");
	req->https = param(r, "HTTPS") != NULL && *param(r, "HTTPS") != '\0';
	return req->method == NULL || req->uri == NULL ? -1 : 0;
}

/* One request: answered, finished, then the work it left (an import).
 * FastCGI sends the parameters before the body: the caller is
 * authenticated (and what the route decides without the body decided)
 * first, so an unauthenticated or refused upload is answered without
 * reading a byte of it (nginx stops sending it once it has the answer). */
static void
handle(FCGX_Request *r, struct api_ctx *ctx, char *body, struct strbuf *out)
{
	struct http_req req;
	struct http_resp resp;
	struct api_gate gate;
	char *big = NULL;
	long n;

	if (request_params(r, &req) < 0) {
		FCGX_FPrintF(r->out, "Status: 400 Bad Request\r\n\r\n");
		FCGX_Finish_r(r);
		return;
	}
	if (api_admit(ctx, &req, &gate, &resp)) {
		if ((n = read_body(r, body, &big)) < 0) {
			struct hk_err err;

			http_resp_free(&resp);
			memset(&resp, 0, sizeof(resp));
			hk_failr(&err, HK_ETOOBIG, "body", HK_R_body_too_large,
				 "max", HK_NUM(api_body_limit(req.method,
							      req.uri)), NULL);
			http_error(&resp, &err);
		} else {
			req.body = big ? big : body;
			req.body_len = (size_t)n;
			req.upload = big ? &big : NULL;
			http_resp_free(&resp);
			api_handle_admitted(ctx, &req, &gate, &resp);
		}
	}
	free(big);	/* unless an import took it (to read it over itself) */
	send_response(r, &resp, out);
	/* The client was told nothing; the operator's log gets the cause. */
	if (resp.status == 500)
		log_error("%s %s: %s", req.method, req.uri, resp.internal);
	FCGX_Finish_r(r);	/* the answer goes; req's strings with it */
	http_resp_run_after(&resp);
	http_resp_free(&resp);
}

static int
worker(int sock, const struct hk_config *cfg)
{
	struct api_ctx ctx = { NULL, cfg };
	struct hk_err err;
	struct strbuf out;
	FCGX_Request r;
	char *body;

	if ((ctx.db = db_open(cfg->db_url, &err)) == NULL) {
		log_error("%s", err.message);
		return 1;
	}
	if ((body = malloc(HTTP_MAX_BODY + 1)) == NULL)
		return 1;
	strbuf_init(&out, HTTP_MAX_RESPONSE);
	api_import_stop_on(&expired);
	FCGX_InitRequest(&r, sock, 0);
	while (!stopping && FCGX_Accept_r(&r) >= 0)
		handle(&r, &ctx, body, &out);
	if (stopping)
		log_info("stopped accepting: shutting down");
	strbuf_free(&out);
	free(body);
	db_close(ctx.db);
	return 0;
}

/* Hands the socket to the web server's group, then, as root, becomes the
 * user.  Started as that user (systemd's User=), the process must be in
 * the group (SupplementaryGroups=) to hand it over. */
static int
drop_privileges(const struct hk_config *cfg, struct hk_err *err)
{
	struct group *gr;

	if ((gr = getgrnam(cfg->fcgi_socket_group)) == NULL)
		return hk_failr(err, HK_EINVAL, "socket_group", HK_R_no_group,
				"name", cfg->fcgi_socket_group, NULL);
	if (chown(cfg->fcgi_socket, (uid_t)-1, gr->gr_gid) < 0)
		return hk_fail_errno(err, "chown %s to the group %s",
				     cfg->fcgi_socket, gr->gr_name);
	return privdrop_user(cfg->fcgi_user, "user", err);
}

static pid_t
spawn_worker(int sock, const struct hk_config *cfg)
{
	pid_t pid = fork();

	if (pid == 0) {
		listen_fd = sock;
		set_handler(SIGTERM, on_worker_term, SA_RESTART);
		set_handler(SIGINT, on_worker_term, SA_RESTART);
		set_handler(SIGALRM, on_alarm, SA_RESTART);
		/* a SIGTERM that came before the handler: the parent's set
		 * stopping, and the loop never starts */
		_exit(worker(sock, cfg));
	}
	return pid;
}

/* Import jobs run in the workers (api_import.c): a job whose worker is
 * gone will never end, so it is ended "interrupted", which also frees
 * its project for the next import.  pid > 0: that worker's; 0: those of
 * this host's workers ("host:pid") whose process is gone, left by a
 * parent that could not see to it (SIGKILLed).  Another instance's on
 * this host, or another node's on a shared database, are left alone. */
static void
abandon_jobs(const struct hk_config *cfg, pid_t pid)
{
	char host[64] = "", worker[96];
	struct hk_err err;
	json_t *rows = NULL, *row;
	struct db *db;
	size_t i;

	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), pid > 0 ? "%s:%ld" : "%s:", host,
		 (long)pid);
	if ((db = db_open(cfg->db_url, &err)) == NULL ||
	    (pid > 0 && store_import_job_abandon(db, worker, 0, &err) < 0) ||
	    (pid == 0 && store_import_job_workers(db, worker, &rows,
						  &err) < 0))
		log_error("ending the imports of %s: %s", worker,
			  err.message);
	json_array_foreach(rows, i, row) {
		const char *w = json_string_value(json_object_get(row,
								  "worker"));
		long dead = w ? strtol(w + strlen(worker), NULL, 10) : 0;

		if (dead > 0 && kill((pid_t)dead, 0) < 0 && errno == ESRCH &&
		    store_import_job_abandon(db, w, 0, &err) < 0)
			log_error("ending the imports of %s: %s", w,
				  err.message);
	}
	json_decref(rows);
	db_close(db);
}

/* A database that is missing or not initialized is refused at start,
 * once, rather than by every worker, restarted every second. */
static int
check_db(const struct hk_config *cfg)
{
	struct hk_err err;
	struct db *db = db_open(cfg->db_url, &err);

	if (db == NULL) {
		log_error("%s", err.message);
		return -1;
	}
	db_close(db);
	return 0;
}

/* Stopping: every worker gets SIGTERM and finishes what it runs, for up
 * to shutdown_timeout; one still there KILL_GRACE_S later is killed.
 * A job left by a worker that is gone (killed, or crashed) then ends
 * "interrupted"; one that exited cleanly left none. */
static void
stop_workers(const struct hk_config *cfg, pid_t *pids, int n)
{
	sigset_t block, old;
	int left = 0, killed = 0;
	pid_t dead;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	set_handler(SIGCHLD, on_child, 0);
	set_handler(SIGALRM, on_alarm, 0);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
			left++;
	alarm((unsigned)cfg->fcgi_shutdown_timeout + KILL_GRACE_S);
	while (left > 0) {
		while ((dead = waitpid(-1, NULL, WNOHANG)) > 0)
			for (int i = 0; i < n; i++)
				if (pids[i] == dead) {
					/* killed, or died on its own */
					abandon_jobs(cfg, dead);
					left--;
					pids[i] = 0;
				}
		if (left > 0 && expired && !killed) {
			log_error("%d workers still running after %d s: "
				  "killing them", left,
				  cfg->fcgi_shutdown_timeout + KILL_GRACE_S);
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			killed = 1;
		} else if (left > 0) {
			sigsuspend(&old);	/* a child ended, or the time */
		}
	}
	alarm(0);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
supervise(int sock, const struct hk_config *cfg)
{
	pid_t pids[MAX_WORKERS];
	int n = cfg->fcgi_workers;

	abandon_jobs(cfg, 0);	/* those of a previous run */
	for (int i = 0; i < n; i++)
		pids[i] = spawn_worker(sock, cfg);
	while (!stopping) {
		int st;
		pid_t dead = wait(&st);

		if (dead < 0)
			continue;	/* EINTR from our signal */
		for (int i = 0; i < n; i++)
			if (pids[i] == dead) {
				log_error("worker %d died%s", (int)dead,
					  stopping ? "" : ", restarting");
				abandon_jobs(cfg, dead);
				pids[i] = 0;
				if (stopping)
					break;
				sleep(1);	/* no crash loop at full speed */
				pids[i] = spawn_worker(sock, cfg);
			}
	}
	stop_workers(cfg, pids, n);
}

int
main(int argc, char **argv)
{
	struct hk_config cfg;
	struct hk_err err;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *conf = NULL;
	int c, sock;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: hakomail-fcgi [-c CONFIG]\n");
			return 2;
		}
		conf = optarg;
	}
	hk_err_clear(&err);
	log_init("hakomail-fcgi", LOG_F_TIME | LOG_F_PID);
	if (conf_load(&cfg, conf, &err) < 0) {
		log_error("%s", err.message);
		return 2;
	}
	conf_log_init(&cfg, "hakomail-fcgi", LOG_F_TIME | LOG_F_PID);
	umask(007);
	if (FCGX_Init() != 0 ||
	    (sock = FCGX_OpenSocket(cfg.fcgi_socket, 128)) < 0) {
		log_error("cannot listen on %s", cfg.fcgi_socket);
		return 1;
	}
	if (chmod(cfg.fcgi_socket, (mode_t)cfg.fcgi_socket_mode) < 0 ||
	    drop_privileges(&cfg, &err) < 0) {
		if (err.message[0])
			log_error("%s", err.message);
		else
			log_error_errno("chmod %s", cfg.fcgi_socket);
		return 1;
	}
	if (check_db(&cfg) < 0) {
		unlink(cfg.fcgi_socket);
		return 1;
	}
	shutdown_s = (unsigned)cfg.fcgi_shutdown_timeout;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("%d workers on %s", cfg.fcgi_workers, cfg.fcgi_socket);
	supervise(sock, &cfg);
	unlink(cfg.fcgi_socket);
	return 0;
}
