/* SPDX-License-Identifier: ISC */
/*
 * agent_main.c - hakomail-agent's command line and its one JSON answer.
 *
 *   hakomail-agent [-s STATEDIR] [-t cdb|hash|lmdb] [-P SBINDIR]
 *                  [-g GROUP] [-c POSTFIX_CONFIG_DIR] [-m MAILROOT]
 *                  [-k DKIM_USER] [-p OPENDKIM_PIDFILE]
 *                  [-e OPENDKIM_ED25519_PIDFILE]
 *                  init|apply|status|report|dsync-relay|
 *                  dsync-server|dsync-backup|dsync-catchup ADDRESS
 *
 * MAILROOT (default /var/mail/vhosts) must be the panel's [mail]
 * mail_root: the deleted mailboxes' maildirs are moved below it, and
 * report measures its filesystem.
 *
 * Installed as the forced command of the panel's key in authorized_keys:
 *   command="/usr/sbin/hakomail-agent -s /var/lib/hakomail",restrict ssh-...
 * so under sshd the verb comes from SSH_ORIGINAL_COMMAND (agent_cmd.h:
 * "apply", "status", "report", or a dsync verb and an address); "init" is
 * for the guest bootstrap only, "dsync-relay" for doveadm.  apply reads
 * the bundle from stdin (whole, a delta, or either packed: zwire.h).
 * The answer is one JSON object:
 *   {"ok":true,"generation":7,"files":{"virtual_mailbox_domains":"<sha256>",...}}
 *   {"ok":true,"generation":7,"report":{...}}	(report: agent_report.h)
 *   {"ok":true,"generation":7,"dsync":{"status":0,...}}  (agent_dsync.h)
 *   {"ok":false,"generation":6,"error":"what and where"}
 * where generation is the one serving (null when none), on stdout, but
 * on stderr for the dsync verbs, whose stdout is the dsync channel (a
 * refused command is answered on stdout all the same: nothing ran).
 * dsync-relay answers nothing: it is a part of doveadm's stream.  Exit
 * status: 0 ok, 1 refused or failed, 2 usage error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"
#include "agent_apply.h"
#include "agent_cmd.h"
#include "agent_dsync.h"
#include "agent_report.h"
#include "bundle.h"
#include "fdio.h"
#include "log.h"
#include "mapsyntax.h"
#include "strbuf.h"
#include "zwire.h"

#define GROUP_MAX	32

/* An absolute, clean directory argument of sane length. */
static int
dir_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= AGENT_DIR_MAX && mapsyntax_path(s, n);
}

/* A portable group name: [A-Za-z0-9._-], not starting with '-'. */
static int
group_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > GROUP_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
maptype_ok(const char *s)
{
	return strcmp(s, "cdb") == 0 || strcmp(s, "hash") == 0 ||
	    strcmp(s, "lmdb") == 0;
}

static int
set_option(struct agent_conf *conf, int opt, const char *arg,
	   struct hk_err *err)
{
	switch (opt) {
	case 's':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "s", "-s: not a clean "
				       "absolute path");
		conf->statedir = arg;
		return 0;
	case 'm':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "m", "-m: not a clean "
				       "absolute path");
		conf->mailroot = arg;
		return 0;
	case 't':
		if (!maptype_ok(arg))
			return hk_fail(err, HK_EINVAL, "t", "-t: map type must "
				       "be cdb, hash or lmdb");
		conf->maptype = arg;
		return 0;
	case 'P':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "P", "-P: not a clean "
				       "absolute path");
		snprintf(conf->postmap, sizeof(conf->postmap), "%s/postmap", arg);
		snprintf(conf->postfix, sizeof(conf->postfix), "%s/postfix", arg);
		snprintf(conf->postqueue, sizeof(conf->postqueue),
			 "%s/postqueue", arg);
		snprintf(conf->postconf, sizeof(conf->postconf), "%s/postconf",
			 arg);
		return 0;
	case 'S':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "S", "-S: not a clean "
				       "absolute path");
		snprintf(conf->sievec, sizeof(conf->sievec), "%s", arg);
		return 0;
	case 'g':
		if (!group_ok(arg))
			return hk_fail(err, HK_EINVAL, "g", "-g: bad group name");
		conf->group = arg;
		return 0;
	case 'k':	/* a user name has a group name's syntax */
		if (!group_ok(arg))
			return hk_fail(err, HK_EINVAL, "k", "-k: bad user name");
		conf->dkim_user = arg;
		return 0;
	case 'p':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "p", "-p: not a clean "
				       "absolute path");
		conf->dkim_pidfile = arg;
		return 0;
	case 'e':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "e", "-e: not a clean "
				       "absolute path");
		conf->dkim_ed_pidfile = arg;
		return 0;
	case 'c':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "c", "-c: not a clean "
				       "absolute path");
		conf->confdir = arg;
		return 0;
	}
	return hk_fail(err, HK_EINVAL, "", "unknown or incomplete option; "
		       AGENT_USAGE);
}

static void
conf_defaults(struct agent_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->statedir = AGENT_STATEDIR;
	conf->maptype = AGENT_MAPTYPE;
	conf->group = AGENT_GROUP;
	conf->dkim_user = AGENT_DKIM_USER;
	conf->dkim_pidfile = AGENT_DKIM_PIDFILE;
	conf->dkim_ed_pidfile = AGENT_DKIM_ED_PIDFILE;
	conf->mailroot = AGENT_MAILROOT;
	snprintf(conf->postmap, sizeof(conf->postmap), "%s", HK_POSTMAP_PATH);
	snprintf(conf->postfix, sizeof(conf->postfix), "%s", HK_POSTFIX_PATH);
	snprintf(conf->doveadm, sizeof(conf->doveadm), "%s", HK_DOVEADM_PATH);
	snprintf(conf->postqueue, sizeof(conf->postqueue), "%s",
		 HK_POSTQUEUE_PATH);
	snprintf(conf->postconf, sizeof(conf->postconf), "%s",
		 HK_POSTCONF_PATH);
	snprintf(conf->dovecot, sizeof(conf->dovecot), "%s", HK_DOVECOT_PATH);
	snprintf(conf->sievec, sizeof(conf->sievec), "%s", HK_SIEVEC_PATH);
}

/* The options, then the verb and its address: SSH_ORIGINAL_COMMAND when
 * set, else the operands (agent_cmd.h). */
static int
parse_args(int argc, char **argv, struct agent_conf *conf,
	   struct agent_cmd *cmd, struct hk_err *err)
{
	int opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "s:t:P:g:c:m:S:k:p:e:")) != -1)
		if (set_option(conf, opt, optarg, err) < 0)
			return -1;
	return agent_cmd_parse(getenv("SSH_ORIGINAL_COMMAND"), argc - optind,
			       argv + optind, argv[0], cmd, err);
}

/* The whole of stdin, at most BUNDLE_MAX_SIZE bytes. */
static int
read_input(struct strbuf *sb, struct hk_err *err)
{
	if (fdio_read_all(STDIN_FILENO, sb, BUNDLE_MAX_SIZE) == 0)
		return 0;
	if (errno == EFBIG)
		return hk_fail(err, HK_ETOOBIG, "bundle", "bundle larger "
			       "than %zu bytes refused", BUNDLE_MAX_SIZE);
	if (errno == ENOMEM)
		return hk_fail(err, HK_ESYS, "bundle", "out of memory "
			       "reading the bundle");
	return hk_fail_errno(err, "reading the bundle on stdin");
}

static int
apply(const struct agent_conf *conf, struct agent_state *st,
      struct hk_err *err)
{
	struct strbuf in, unpacked;
	struct bundle b;
	int rc;

	strbuf_init(&in, BUNDLE_MAX_SIZE);
	strbuf_init(&unpacked, BUNDLE_MAX_SIZE);
	rc = read_input(&in, err);
	/* a packed bundle (zwire.h): unpacked within the same bound */
	if (rc == 0 && zwire_is_packed(in.data, in.len))
		rc = zwire_unpack(in.data, in.len, &unpacked, BUNDLE_MAX_SIZE,
				  err);
	if (rc == 0)
		rc = unpacked.len > 0 ?
		    bundle_parse(strbuf_str(&unpacked), unpacked.len, &b, err) :
		    bundle_parse(strbuf_str(&in), in.len, &b, err);
	if (rc == 0)
		rc = agent_apply(conf, &b, st, err);
	else
		agent_apply_serving(conf, st);
	strbuf_free(&in);
	strbuf_free(&unpacked);
	return rc;
}

/* The answer's figures, when it has some: "report" or "dsync". */
struct extra {
	const char *name;
	json_t *json;	/* the answer's reference, or NULL */
	int dsync;	/* on stderr, and kept on failure (the status) */
};

static int
dsync(const struct agent_conf *conf, const struct agent_cmd *cmd,
      const char *self, struct agent_state *st, struct extra *x,
      struct hk_err *err)
{
	int rc = agent_dsync(conf, cmd, self, &x->json, err);

	x->name = "dsync";
	x->dsync = 1;
	agent_apply_serving(conf, st);
	return rc;
}

/* st: what serves (report: only the generation); x: report's or dsync's
 * figures. */
static int
run(const struct agent_cmd *cmd, const char *self,
    const struct agent_conf *conf, struct agent_state *st, struct extra *x,
    struct hk_err *err)
{
	switch (cmd->verb) {
	case AGENT_VERB_REPORT:
		agent_apply_serving(conf, st);
		x->name = "report";
		return agent_report(conf, &x->json, err);
	case AGENT_VERB_INIT:
		return agent_apply_init(conf, st, err);
	case AGENT_VERB_APPLY:
		return apply(conf, st, err);
	case AGENT_VERB_STATUS:
		return agent_apply_status(conf, st, err);
	case AGENT_VERB_DSYNC_SERVER:
	case AGENT_VERB_DSYNC_BACKUP:
	case AGENT_VERB_DSYNC_CATCHUP:
		return dsync(conf, cmd, self, st, x, err);
	case AGENT_VERB_DSYNC_RELAY:
	case AGENT_VERB_NONE:
		break;
	}
	return hk_fail(err, HK_EINTERNAL, "", "no verb");
}

/* Printable ASCII only, so the message is valid UTF-8 for json_string(). */
static void
printable(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < size; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

static json_t *
files_json(const struct agent_state *st)
{
	json_t *files = json_object();

	for (int i = 0; files != NULL && bundle_names[i] != NULL; i++)
		if (json_object_set_new(files, bundle_names[i],
					json_string(st->sha256[i])) < 0) {
			json_decref(files);
			files = NULL;
		}
	return files;
}

/* x->json (stolen) is the answer's figures, kept also on failure (dsync's
 * status); else, when ok, the files served. */
static json_t *
answer_json(int ok, const struct agent_state *st, const struct extra *x,
	    const struct hk_err *err)
{
	json_t *o = json_object();
	char msg[sizeof(err->message)];
	int bad;

	bad = json_object_set_new(o, "ok", json_boolean(ok)) < 0;
	bad |= json_object_set_new(o, "generation", st->serving ?
				   json_integer((json_int_t)st->generation) :
				   json_null()) < 0;
	if (x->json != NULL)
		bad |= json_object_set_new(o, x->name, x->json) < 0;
	else if (ok)
		bad |= json_object_set_new(o, "files", files_json(st)) < 0;
	if (!ok) {
		printable(err->message[0] ? err->message : "failed", msg,
			  sizeof(msg));
		bad |= json_object_set_new(o, "error", json_string(msg)) < 0;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Prints the one answer on fp (x->json: stolen, see answer_json); -1 if
 * that failed.  Load averages need no more than 4 digits. */
static int
answer(FILE *fp, int ok, const struct agent_state *st,
       const struct extra *x, const struct hk_err *err)
{
	json_t *o = answer_json(ok, st, x, err);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
				    JSON_REAL_PRECISION(4)) : NULL;
	int rc;

	if (text != NULL)
		rc = fprintf(fp, "%s\n", text);
	else
		rc = fprintf(fp, "{\"ok\":false,\"generation\":null,"
			     "\"error\":\"out of memory\"}\n");
	free(text);
	json_decref(o);
	return rc < 0 || fflush(fp) != 0 ? -1 : 0;
}

/* dsync-relay: doveadm's stdin/stdout to and from the channel (fds 3, 4);
 * its only words are on stderr, which doveadm reads. */
static int
relay(void)
{
	struct hk_err err;

	if (agent_dsync_relay(STDIN_FILENO, AGENT_DSYNC_FD_OUT,
			      AGENT_DSYNC_FD_IN, STDOUT_FILENO, &err) == 0)
		return 0;
	log_error("%s", err.message);
	return 1;
}

int
main(int argc, char **argv)
{
	struct agent_conf conf;
	struct agent_state st;
	struct agent_cmd cmd;
	struct hk_err err;
	struct extra x = { NULL, NULL, 0 };
	int rc, ok;

	log_init("hakomail-agent", 0);
	umask(022);
	hk_err_clear(&err);
	conf_defaults(&conf);
	if (parse_args(argc, argv, &conf, &cmd, &err) < 0) {
		agent_apply_serving(&conf, &st);
		(void)answer(stdout, 0, &st, &x, &err);
		return 2;
	}
	if (cmd.verb == AGENT_VERB_DSYNC_RELAY)
		return relay();
	rc = run(&cmd, argv[0], &conf, &st, &x, &err);
	if (rc < 0 && !x.dsync) {
		json_decref(x.json);	/* a failed report says only why */
		x.json = NULL;
	}
	ok = rc == 0 && (x.json != NULL || st.have_files);
	if (answer(x.dsync ? stderr : stdout, ok, &st, &x, &err) < 0)
		return 1;
	return ok ? 0 : 1;
}
