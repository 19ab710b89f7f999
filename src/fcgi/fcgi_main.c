/* SPDX-License-Identifier: ISC */
/*
 * hakomail-fcgi - the JSON API's FastCGI workers, behind nginx.
 *
 * The parent opens the socket (as root it also gives it to the web server's
 * group and then drops to the unprivileged user), forks the configured
 * number of workers that all accept() on it, and restarts any that die.
 * Each worker serves with [fcgi] threads threads, each with its own
 * database connection (fcgi_worker.c); it never holds an SSH key and
 * never runs ssh: after a write it only nudges pushd.
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

#include "conf.h"
#include "digest.h"
#include "fcgi_worker.h"
#include "log.h"
#include "privdrop.h"
#include "store.h"

#define MAX_WORKERS 256
/* A worker still there this long after [fcgi] shutdown_timeout is killed
 * (an import stops at its next checkpoint, but hashing a file's passwords
 * has none). */
#define KILL_GRACE_S 5

static volatile sig_atomic_t stopping;	/* SIGTERM: stop the workers */
static volatile sig_atomic_t expired;	/* the workers' grace is over: kill */

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

static void
set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
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

/* The child starts with the signals its main thread takes blocked
 * (fcgi_worker.c): one sent at once waits for it, never the parent's
 * handler.  The parent's mask is as before once it has forked. */
static pid_t
spawn_worker(int sock, const struct hk_config *cfg)
{
	sigset_t block, old;
	pid_t pid;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0) {
		set_handler(SIGTERM, SIG_DFL, 0);
		set_handler(SIGINT, SIG_DFL, 0);
		set_handler(SIGALRM, SIG_DFL, 0);
		set_handler(SIGCHLD, SIG_DFL, 0);
		_exit(fcgi_worker_run(sock, cfg));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
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
	char probe[65];
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
	/* OpenSSL sets up its digests at their first use: here, once, so
	 * that the workers share what that made rather than each making it
	 * (about 1.5 MiB of a worker's resident set, bench/api.sh) */
	sha256_hex("", 0, probe);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("%d workers of %d threads on %s", cfg.fcgi_workers,
		 cfg.fcgi_threads, cfg.fcgi_socket);
	supervise(sock, &cfg);
	unlink(cfg.fcgi_socket);
	return 0;
}
