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
#include <pwd.h>
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
#include "store.h"

#define MAX_WORKERS 256

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
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
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
		     "Cache-Control: no-store\r\n%s%s%s%s%s%s%s%s%s"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n\r\n", resp->status,
		     http_reason(resp->status),
		     resp->status == 401 ? "WWW-Authenticate: Bearer\r\n" : "",
		     resp->allow[0] ? "Allow: " : "", resp->allow,
		     resp->allow[0] ? "\r\n" : "",
		     resp->set_cookie[0] ? "Set-Cookie: " : "",
		     resp->set_cookie, resp->set_cookie[0] ? "\r\n" : "",
		     retry, disposition, resp->content_type ? resp->content_type :
		     "application/json", len);
	if (n > 0 && (size_t)n < sizeof(head))
		FCGX_PutStr(head, n, r->out);
	if (len > 0)
		FCGX_PutStr(body, (int)len, r->out);
}

/* One request: answered, finished, then the work it left (an import). */
static void
handle(FCGX_Request *r, struct api_ctx *ctx, char *body, struct strbuf *out)
{
	struct http_req req;
	struct http_resp resp;
	char *big = NULL;
	long n = read_body(r, body, &big);

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = param(r, "REQUEST_METHOD");
	req.uri = param(r, "REQUEST_URI");
	req.content_type = param(r, "CONTENT_TYPE");
	req.authorization = param(r, "HTTP_AUTHORIZATION");
	req.cookie = param(r, "HTTP_COOKIE");
	req.csrf_token = param(r, "HTTP_X_CSRF_TOKEN");
	req.remote_addr = param(r, "REMOTE_ADDR");
	req.https = param(r, "HTTPS") != NULL && *param(r, "HTTPS") != '\0';
	if (req.method == NULL || req.uri == NULL) {
		FCGX_FPrintF(r->out, "Status: 400 Bad Request\r\n\r\n");
		FCGX_Finish_r(r);
		free(big);
		return;
	}
	if (n < 0) {
		struct hk_err err;

		memset(&resp, 0, sizeof(resp));
		hk_failr(&err, HK_ETOOBIG, "body", HK_R_body_too_large, "max",
			 HK_NUM(api_body_limit(req.method, req.uri)), NULL);
		http_error(&resp, &err);
	} else {
		req.body = big ? big : body;
		req.body_len = (size_t)n;
		api_handle(ctx, &req, &resp);
	}
	free(big);	/* an upload is parsed before the answer */
	send_response(r, &resp, out);
	/* The client was told nothing; the operator's log gets the cause. */
	if (resp.status == 500)
		log_error("%s %s: %s", req.method ? req.method : "-",
			  req.uri ? req.uri : "-", resp.internal);
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
	FCGX_InitRequest(&r, sock, 0);
	while (!stopping && FCGX_Accept_r(&r) >= 0)
		handle(&r, &ctx, body, &out);
	strbuf_free(&out);
	free(body);
	db_close(ctx.db);
	return 0;
}

/* As root: hand the socket to the web server's group, become the user. */
static int
drop_privileges(const struct hk_config *cfg, struct hk_err *err)
{
	struct passwd *pw;
	struct group *gr;

	if (geteuid() != 0)
		return 0;
	if ((gr = getgrnam(cfg->fcgi_socket_group)) == NULL)
		return hk_failr(err, HK_EINVAL, "socket_group", HK_R_no_group,
				"name", cfg->fcgi_socket_group, NULL);
	if (chown(cfg->fcgi_socket, (uid_t)-1, gr->gr_gid) < 0)
		return hk_fail_errno(err, "chown %s", cfg->fcgi_socket);
	if ((pw = getpwnam(cfg->fcgi_user)) == NULL)
		return hk_failr(err, HK_EINVAL, "user", HK_R_no_user, "name",
				cfg->fcgi_user, NULL);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		return hk_fail_errno(err, "dropping to %s", pw->pw_name);
	return 0;
}

static pid_t
spawn_worker(int sock, const struct hk_config *cfg)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(worker(sock, cfg));
	}
	return pid;
}

/* Import jobs run in the workers (api_import.c): a job whose worker is
 * gone (pid > 0: that one; 0: any of this host's) will never end, so it
 * is failed, which also frees its project for the next import. */
static void
abandon_jobs(const struct hk_config *cfg, pid_t pid)
{
	char host[64] = "", worker[96];
	struct hk_err err;
	struct db *db;

	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), pid > 0 ? "%s:%ld" : "%s:", host,
		 (long)pid);
	if ((db = db_open(cfg->db_url, &err)) == NULL ||
	    store_import_job_abandon(db, worker, pid == 0, &err) < 0)
		log_error("failing the imports of %s: %s", worker,
			  err.message);
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
		for (int i = 0; i < n && !stopping; i++)
			if (pids[i] == dead) {
				log_error("worker %d died, restarting",
					  (int)dead);
				abandon_jobs(cfg, dead);
				sleep(1);	/* no crash loop at full speed */
				pids[i] = spawn_worker(sock, cfg);
			}
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	abandon_jobs(cfg, 0);
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
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("%d workers on %s", cfg.fcgi_workers, cfg.fcgi_socket);
	supervise(sock, &cfg);
	unlink(cfg.fcgi_socket);
	return 0;
}
