/* SPDX-License-Identifier: ISC */
/*
 * hakomail-pushd - keep every guest serving the maps the database says.
 *
 * [pushd] parallel workers, each with its own database connection, lease
 * one guest at a time (store_push_claim), push it or check it for drift,
 * and record the outcome (push.c).  The main thread only wakes them: on a
 * writer's nudge (the wake socket, for writers on this node), on a
 * PostgreSQL notification (LISTEN hakomail_push: writers on any node),
 * when the earliest retry, drift check, foreign lease or purge of a
 * deleted mailbox (store_trash.c) or a domain move's next turn (move.c)
 * falls due, and every 30 s in case a nudge was lost.  A worker with no
 * guest to push takes a due domain move for a turn of at most a minute.  Nothing polls the database in a
 * loop, and the database is the truth: a change made while a guest is
 * down only raises its desired generation, and the next push carries
 * every change at once.
 *
 * With PostgreSQL several nodes may run pushd on one database, each with
 * its own [pushd] node name and state_dir; a lease gives each guest to
 * one of them at a time.  One pushd per state_dir (a lock file says so);
 * on start it takes back the leases its node held before a crash.
 *
 * Started as root, it binds the wake socket and then becomes [pushd] user
 * (hakomail-push) for good, before it reads the database, makes its state
 * directory or lets ssh read the key: the key is that user's alone.
 *
 * Usage: hakomail-pushd [-c CONFIG] [-1]
 *   -1  push every dirty guest once, collect the reports due, and exit
 *       (status 1 if a push failed; a missing report is only logged)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dnswatch.h"
#include "log.h"
#include "move.h"
#include "privdrop.h"
#include "push.h"
#include "store.h"
#include "store_move.h"
#include "wake.h"

#define IDLE_LOOK_MS	30000	/* a periodic look, in case a nudge was lost */
#define DUE_WAIT_MS	250
#define CACHE_MAX	((size_t)256 << 20)	/* bundles kept for retries */
#define CHANNEL		"hakomail_push"
#define STATE_DIR_MAX	40	/* + ctl-ID-HASH + ssh's temporary suffix */
#define MOVE_BUDGET_S	60	/* a move's turn, before others get theirs */

static volatile sig_atomic_t stopping;

struct pushd {
	const struct hk_config *cfg;
	struct push_cfg pc;
	struct push_lease lease;	/* node, seconds, checks; now per claim */
	struct warn_limits warn;	/* [warn], for the reports */
	struct move_cfg move;		/* [move], for domain moves */
	int once;
	pthread_mutex_t lock;
	pthread_cond_t kick;
	unsigned long kicks;		/* bumped by every wake-up */
	int idle;			/* workers waiting for a kick */
	int failed;			/* -1: pushes that failed */
	int done_pipe[2];		/* workers -> main: look again */
};

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
log_report(const struct push_job *job, const struct push_result *r)
{
	if (r->reported > 0)
		log_info("guest %s: report stored", job->name);
	else if (r->reported < 0)
		log_warn("guest %s: no report (the figures before it stay): "
			 "%s", job->name, r->report_error);
}

static void
log_result(const struct push_job *job, const struct push_result *r)
{
	log_report(job, r);
	if (r->report_only)
		return;
	if (r->ok && r->check && r->repaired[0])
		log_warn("guest %s: checked, generation %lld serving as "
			 "applied - NOT: drift found, repair owed", job->name,
			 (long long)r->gen);
	else if (r->ok && r->check)
		log_info("guest %s: checked, generation %lld serving as "
			 "applied", job->name, (long long)r->gen);
	else if (r->ok)
		log_info("guest %s: generation %lld applied in %.3f s",
			 job->name, (long long)r->gen, r->seconds);
	else
		log_warn("guest %s: generation %lld %s: %s%s", job->name,
			 (long long)r->gen, r->state, r->error,
			 r->repaired[0] ? " (a newer generation is owed at "
			 "once)" : "");
}

/* Mailboxes past their purge time leave the trash: their guests are owed
 * a push, which removes the maildirs (store_trash.c). */
static void
purge_due(struct pushd *pd, struct db *db, int64_t now)
{
	struct hk_err err;
	int64_t n = 0;

	if (store_trash_expire(db, pd->pc.node, now, &n, &err) < 0)
		log_error("purging the mailbox trash: %s", err.message);
	else if (n > 0)
		log_info("%lld mailbox(es) past their purge time: their guests "
			 "are owed a push", (long long)n);
}

/* A domain move's turn, when one is due (move.c); 1 if there was one. */
static int
work_move(struct pushd *pd, struct db *db, int64_t now)
{
	struct move_job mv;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	if ((rc = store_move_claim(db, pd->pc.node, now, pd->move.lease_s,
				   &mv, &err)) <= 0) {
		if (rc < 0)
			log_error("leasing a move: %s", err.message);
		return rc;
	}
	if (move_run(db, &pd->pc, &pd->move, &mv, &err) < 0)
		log_error("move %lld: recording its step: %s",
			  (long long)mv.id, err.message);
	(void)!write(pd->done_pipe[1], "", 1);
	return 1;
}

/* One claim and its job; 1 if there was one, 0 if none, -1 on error. */
static int
work_once(struct pushd *pd, struct db *db)
{
	struct push_lease l = pd->lease;
	struct push_job job;
	struct push_result r;
	struct hk_err err;
	int rc;

	hk_err_clear(&err);
	l.now = (int64_t)time(NULL);
	purge_due(pd, db, l.now);
	if ((rc = store_push_claim(db, &l, &job, &err)) < 0)
		log_error("leasing a guest: %s", err.message);
	if (rc == 0 && !pd->once) {	/* no push due: a move, a DNS check */
		rc = work_move(pd, db, l.now);
		return rc != 0 ? rc : dnswatch_once(db, pd->cfg, l.now);
	}
	if (rc <= 0)
		return rc;
	if (push_run(db, &pd->pc, &job, &r, &err) < 0)
		log_error("guest %s: recording the outcome: %s", job.name,
			  err.message);
	log_result(&job, &r);
	if (!r.ok && !r.report_only && pd->once) {
		pthread_mutex_lock(&pd->lock);
		pd->failed++;
		pthread_mutex_unlock(&pd->lock);
	}
	store_push_job_free(&job);
	(void)!write(pd->done_pipe[1], "", 1);	/* next due may have moved */
	return 1;
}

/* Waits for the next kick; returns 0 to go on, -1 to stop.  With -1 the
 * worker stops once every worker is idle: nothing is left to claim. */
static int
wait_kick(struct pushd *pd, unsigned long seen)
{
	int rc = 0;

	pthread_mutex_lock(&pd->lock);
	pd->idle++;
	if (pd->once && pd->idle == pd->cfg->push_parallel) {
		stopping = 1;
		pthread_cond_broadcast(&pd->kick);
	}
	while (pd->kicks == seen && !stopping)
		pthread_cond_wait(&pd->kick, &pd->lock);
	pd->idle--;
	if (stopping)
		rc = -1;
	pthread_mutex_unlock(&pd->lock);
	return rc;
}

static void *
worker(void *arg)
{
	struct pushd *pd = arg;
	struct hk_err err;
	struct db *db = NULL;
	unsigned long seen;

	while (!stopping) {
		pthread_mutex_lock(&pd->lock);
		seen = pd->kicks;
		pthread_mutex_unlock(&pd->lock);
		if (db == NULL && (db = db_open(pd->cfg->db_url, &err)) == NULL)
			log_error("worker: %s", err.message);
		if (db != NULL) {
			int rc = work_once(pd, db);

			if (rc > 0)
				continue;
			if (rc < 0) {	/* perhaps the connection: a new one */
				db_close(db);
				db = NULL;
			}
		}
		if (wait_kick(pd, seen) < 0)
			break;
	}
	db_close(db);
	return NULL;
}

static void
kick(struct pushd *pd)
{
	pthread_mutex_lock(&pd->lock);
	pd->kicks++;
	pthread_cond_broadcast(&pd->kick);
	pthread_mutex_unlock(&pd->lock);
}

static int
next_timeout_ms(struct pushd *pd, struct db *db)
{
	struct hk_err err;
	int64_t at, purge, now = (int64_t)time(NULL);

	if (store_push_next_due(db, &pd->lease, &at, &err) < 0)
		at = -1;
	if (store_trash_next_purge(db, &purge, &err) == 0 && purge >= 0 &&
	    (at < 0 || purge < at))
		at = purge;
	if (store_move_next_due(db, &purge, &err) == 0 && purge >= 0 &&
	    (at < 0 || purge < at))
		at = purge;
	if ((purge = dnswatch_next_due(db, pd->cfg)) >= 0 &&
	    (at < 0 || purge < at))
		at = purge;
	if (at < 0)
		return IDLE_LOOK_MS;
	/* Due already: idle workers claimed it at the last kick, busy ones
	 * will when they finish; a short wait, never a spin. */
	if (at <= now)
		return DUE_WAIT_MS;
	return (at - now) * 1000 < IDLE_LOOK_MS ? (int)(at - now) * 1000 + 50
	    : IDLE_LOOK_MS;
}

/* The connection that hears writers of every node (PostgreSQL); NULL with
 * SQLite, whose writers are all on this node and use the wake socket. */
static struct db *
open_listener(const struct hk_config *cfg)
{
	struct hk_err err;
	struct db *db = db_open(cfg->db_url, &err);

	if (db == NULL) {
		log_error("%s", err.message);
		return NULL;
	}
	if (db_listen_fd(db) < 0)
		return db;
	if (db_listen(db, CHANNEL, &err) < 0) {
		log_error("LISTEN: %s", err.message);
		db_close(db);
		return NULL;
	}
	return db;
}

/* The search index, which writes do not keep (022), brought up to date
 * after they were made: a few batches a turn, each its own transaction,
 * so that a term's import is indexed within seconds without holding the
 * writers back. */
#define SEARCH_BATCH	2000
#define SEARCH_BATCHES	8

static void
search_upkeep(struct db *db)
{
	struct hk_err err;
	long done = 1;

	for (int i = 0; i < SEARCH_BATCHES && done > 0; i++)
		if (store_search_upkeep(db, SEARCH_BATCH, &done, &err) < 0) {
			log_error("search index: %s", err.message);
			return;
		}
}

static void
drain_fd(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* The main thread: wake-ups in, kicks out. */
static void
watch(struct pushd *pd, int wake_fd)
{
	struct db *ldb = NULL;

	while (!stopping) {
		struct pollfd fds[3] = { { pd->done_pipe[0], POLLIN, 0 },
					 { wake_fd, POLLIN, 0 },
					 { -1, POLLIN, 0 } };
		int timeout = 1000;

		if (ldb == NULL)
			ldb = open_listener(pd->cfg);
		if (ldb != NULL) {
			fds[2].fd = db_listen_fd(ldb);
			timeout = next_timeout_ms(pd, ldb);
		}
		kick(pd);
		if (ldb != NULL)
			search_upkeep(ldb);
		if (poll(fds, 3, timeout) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			drain_fd(pd->done_pipe[0]);
		if (fds[1].revents & POLLIN)
			drain_fd(wake_fd);
		if (fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLERR |
		    POLLHUP)) && db_listen_drain(ldb) < 0) {
			log_error("lost the database connection that listens "
				  "for changes; opening another");
			db_close(ldb);
			ldb = NULL;
		}
	}
	db_close(ldb);
}

/* One pushd per state directory: a second one would share the node's
 * name, and take back leases the first still uses. */
static int
lock_state_dir(const char *dir)
{
	char path[CONF_STR + 16];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	snprintf(path, sizeof(path), "%s/pushd.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		log_error_errno("%s", path);
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		log_error("%s: another hakomail-pushd uses this state_dir",
			  path);
		close(fd);
		return -1;
	}
	return fd;	/* held until we exit */
}

static int
setup(const struct hk_config *cfg, struct pushd *pd, char *node,
      size_t nodelen)
{
	memset(pd, 0, sizeof(*pd));
	pd->cfg = cfg;
	if (cfg->pushd_node[0] != '\0')
		snprintf(node, nodelen, "%s", cfg->pushd_node);
	else if (gethostname(node, nodelen) < 0 || node[0] == '\0')
		snprintf(node, nodelen, "pushd");
	node[nodelen - 1] = '\0';
	pd->pc.ssh_path = HK_SSH_PATH;
	pd->pc.ssh_key = cfg->ssh_key;
	pd->pc.state_dir = cfg->pushd_state;
	pd->pc.node = node;
	pd->pc.timeout_s = cfg->push_timeout;
	pd->pc.retry_max_s = cfg->retry_max;
	pd->pc.check_interval_s = cfg->check_interval;
	pd->pc.report_interval_s = cfg->report_interval;
	conf_warn_limits(cfg, &pd->warn);
	pd->pc.warn = &pd->warn;
	pd->pc.sendmail = cfg->warn_sendmail;
	pd->pc.mail_to = cfg->warn_mail_to;
	pd->pc.render.vmail_uid = cfg->vmail_uid;
	pd->pc.render.vmail_gid = cfg->vmail_gid;
	pd->pc.render.mail_root = cfg->mail_root;
	pd->pc.render.dkim = &cfg->dkim;
	pd->pc.shared = push_shared_new(CACHE_MAX, cfg->push_stagger_ms);
	if (cfg->push_deltas && cfg->push_served_mb > 0 &&
	    (pd->pc.served = push_served_new((size_t)cfg->push_served_mb
					     << 20)) == NULL)
		return -1;
	pd->move.relay_days = cfg->move_relay_days;
	pd->move.parallel = cfg->move_parallel;
	pd->move.purge_days = cfg->purge_after;
	pd->move.disk_percent = cfg->warn_disk_percent;
	pd->move.budget_s = MOVE_BUDGET_S;
	pd->move.lease_s = cfg->push_timeout * 2 + MOVE_BUDGET_S + 60;
	pd->move.stopping = &stopping;
	pd->lease.node = node;
	/* a push never outlives ssh's timeout, but render and record too */
	pd->lease.seconds = cfg->push_timeout * 2 + 60;
	if (pd->pc.shared == NULL || pipe(pd->done_pipe) < 0 ||
	    pthread_mutex_init(&pd->lock, NULL) != 0 ||
	    pthread_cond_init(&pd->kick, NULL) != 0)
		return -1;
	fcntl(pd->done_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(pd->done_pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(pd->done_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(pd->done_pipe[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Takes back what this node held when it last stopped (or died). */
static int
reclaim(const struct hk_config *cfg, const char *node)
{
	struct hk_err err;
	struct db *db = db_open(cfg->db_url, &err);
	int64_t n = 0;
	int rc;

	if (db == NULL) {
		log_error("%s", err.message);
		return -1;
	}
	rc = store_push_release_node(db, node, &n, &err);
	if (rc == 0)
		rc = store_move_release_node(db, node, &err);
	if (rc < 0)
		log_error("releasing the leases of node %s: %s", node,
			  err.message);
	else if (n > 0)
		log_info("took back %lld lease(s) of node %s", (long long)n,
			 node);
	db_close(db);
	return rc;
}

/* wake_fd: the wake socket, -1 with -1 (once). */
static int
run(struct pushd *pd, int once, int wake_fd)
{
	const struct hk_config *cfg = pd->cfg;
	pthread_t tids[64];
	sigset_t block, old;
	int n = cfg->push_parallel;

	pd->once = once;
	pd->lease.checks = !once && cfg->check_interval > 0;
	/* -1 collects the reports due too: the guests it pushes have one
	 * due from their first push on. */
	pd->lease.reports = cfg->report_interval > 0;
	/* Signals go to the main thread only. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, worker, pd) != 0) {
			log_error("cannot start worker %d", i);
			n = i;
			stopping = 1;
		}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("started: node %s, %d workers, database %s%s", pd->pc.node, n,
		 cfg->db_url, once ? ", once" : "");
	if (!once)
		watch(pd, wake_fd);
	kick(pd);
	for (int i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	if (wake_fd >= 0) {
		close(wake_fd);
		unlink(cfg->wake_socket);	/* fails in root's directory */
	}
	log_info("stopped");
	return once && pd->failed > 0 ? 1 : 0;
}

/*
 * The wake socket (none with -1), bound by whoever started us, and then,
 * as root, [pushd] user for good.  Returns the socket, -1 for none, or -2
 * having logged why it cannot go on.
 */
static int
open_wake(const struct hk_config *cfg, int once)
{
	struct hk_err err;
	int fd = -1;

	hk_err_clear(&err);
	if (!once && (fd = wake_listen(cfg->wake_socket, &err)) < 0) {
		log_error("%s", err.message);
		return -2;
	}
	if (privdrop_user(cfg->pushd_user, "user", &err) < 0) {
		log_error("[pushd] %s: %s", err.field[0] ? err.field : "user",
			  err.message);
		if (fd >= 0) {
			close(fd);
			unlink(cfg->wake_socket);
		}
		return -2;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	struct hk_config cfg;
	struct pushd pd;
	struct hk_err err;
	struct sigaction sa = { .sa_handler = on_signal };
	char node[CONF_STR];
	const char *conf = NULL;
	int once = 0, c, rc, wake_fd;

	while ((c = getopt(argc, argv, "c:1")) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c == '1')
			once = 1;
		else {
			fprintf(stderr, "usage: hakomail-pushd [-c CONFIG] [-1]\n");
			return 2;
		}
	}
	hk_err_clear(&err);
	log_init("hakomail-pushd", LOG_F_TIME);
	if (conf_load(&cfg, conf, &err) < 0) {
		log_error("%s", err.message);
		return 2;
	}
	conf_log_init(&cfg, "hakomail-pushd", LOG_F_TIME);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	/* ssh's control sockets live there, and a socket's path is short */
	if (strlen(cfg.pushd_state) > STATE_DIR_MAX) {
		log_error("[pushd] state_dir: longer than %d bytes",
			  STATE_DIR_MAX);
		return 2;
	}
	if ((wake_fd = open_wake(&cfg, once)) < -1)
		return 1;
	umask(007);	/* the database's files are its group's too */
	if (mkdir(cfg.pushd_state, 0700) < 0 && errno != EEXIST) {
		log_error_errno("mkdir %s", cfg.pushd_state);
		return 1;
	}
	if (lock_state_dir(cfg.pushd_state) < 0 ||
	    setup(&cfg, &pd, node, sizeof(node)) < 0 ||
	    reclaim(&cfg, node) < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = run(&pd, once, wake_fd);
	push_shared_free(pd.pc.shared);
	push_served_free(pd.pc.served);
	return rc;
}
