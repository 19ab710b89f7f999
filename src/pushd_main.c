/*
 * hakomail-pushd - keep every guest serving the maps the database says.
 *
 * Loop: list the dirty guests whose retry time has come, push each
 * (render -> ssh -> agent), record the outcome; then sleep until a writer
 * nudges the wake socket or the earliest retry falls due.  The database is
 * the truth: a change made while a guest is down only raises its desired
 * generation, and the next push carries every change at once.
 *
 * Usage: hakomail-pushd [-c CONFIG] [-1]
 *   -1  push every dirty guest once and exit (status 1 if any failed)
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "push.h"
#include "store.h"
#include "wake.h"

#define IDLE_LOOK_MS 30000	/* a periodic look, in case a nudge was lost */

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logmsg(const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	va_list ap;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(stderr, "%s hakomail-pushd: ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
target_from_json(json_t *g, struct push_target *t)
{
	t->id = json_integer_value(json_object_get(g, "id"));
	t->name = json_string_value(json_object_get(g, "name"));
	t->host = json_string_value(json_object_get(g, "ssh_host"));
	t->user = json_string_value(json_object_get(g, "ssh_user"));
	t->host_key = json_string_value(json_object_get(g, "host_key"));
	t->port = (int)json_integer_value(json_object_get(g, "ssh_port"));
	t->failures = (int)json_integer_value(json_object_get(g, "failures"));
}

/* One pass over the dirty guests; returns how many failed, -1 on db error. */
static int
push_dirty(struct db *db, const struct push_cfg *pc)
{
	struct hk_err err;
	json_t *dirty = NULL, *g;
	size_t i;
	int failed = 0;

	hk_err_clear(&err);
	if (store_guest_dirty(db, (int64_t)time(NULL), &dirty, &err) < 0) {
		logmsg("listing dirty guests: %s", err.message);
		json_decref(dirty);
		return -1;
	}
	json_array_foreach(dirty, i, g) {
		struct push_target t;
		struct push_result r;

		if (stopping)
			break;
		target_from_json(g, &t);
		if (push_guest(db, pc, &t, &r, &err) < 0)
			logmsg("guest %s: recording the outcome: %s", t.name,
			       err.message);
		if (r.ok)
			logmsg("guest %s: generation %lld applied in %.3f s",
			       t.name, (long long)r.gen, r.seconds);
		else {
			failed++;
			logmsg("guest %s: generation %lld %s: %s", t.name,
			       (long long)r.gen, r.state, r.error);
		}
	}
	json_decref(dirty);
	return failed;
}

static int
next_timeout_ms(struct db *db)
{
	struct hk_err err;
	int64_t at, now = (int64_t)time(NULL);

	if (store_guest_next_retry(db, &at, &err) < 0 || at < 0)
		return IDLE_LOOK_MS;
	if (at <= now)
		return 0;
	return (at - now) * 1000 < IDLE_LOOK_MS ? (int)(at - now) * 1000
	    : IDLE_LOOK_MS;
}

static void
setup_cfg(const struct hk_config *cfg, struct push_cfg *pc)
{
	pc->ssh_path = HK_SSH_PATH;
	pc->ssh_key = cfg->ssh_key;
	pc->state_dir = cfg->pushd_state;
	pc->timeout_s = cfg->push_timeout;
	pc->retry_max_s = cfg->retry_max;
	pc->render.vmail_uid = cfg->vmail_uid;
	pc->render.vmail_gid = cfg->vmail_gid;
	pc->render.mail_root = cfg->mail_root;
}

static int
serve(struct db *db, const struct hk_config *cfg, const struct push_cfg *pc)
{
	struct hk_err err;
	int fd;

	if ((fd = wake_listen(cfg->wake_socket, &err)) < 0) {
		logmsg("%s", err.message);
		return 1;
	}
	logmsg("started, database %s, wake socket %s", cfg->db_url,
	       cfg->wake_socket);
	while (!stopping) {
		push_dirty(db, pc);
		if (!stopping)
			wake_wait(fd, next_timeout_ms(db));
	}
	close(fd);
	unlink(cfg->wake_socket);
	logmsg("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct hk_config cfg;
	struct push_cfg pc;
	struct hk_err err;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *conf = NULL;
	struct db *db;
	int once = 0, c, rc;

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
	if (conf_load(&cfg, conf, &err) < 0) {
		fprintf(stderr, "hakomail-pushd: %s\n", err.message);
		return 2;
	}
	setup_cfg(&cfg, &pc);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	if (mkdir(cfg.pushd_state, 0700) < 0 && errno != EEXIST) {
		logmsg("mkdir %s: %s", cfg.pushd_state, strerror(errno));
		return 1;
	}
	if ((db = db_open(cfg.db_url, &err)) == NULL) {
		logmsg("%s", err.message);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (once)
		rc = push_dirty(db, &pc) == 0 ? 0 : 1;
	else
		rc = serve(db, &cfg, &pc);
	db_close(db);
	return rc;
}
