/* SPDX-License-Identifier: ISC */
/*
 * agent_main.c - hakomail-agent's command line and its one JSON answer.
 *
 *   hakomail-agent [-s STATEDIR] [-t cdb|hash|lmdb] [-P SBINDIR]
 *                  [-g GROUP] [-c POSTFIX_CONFIG_DIR] [-m MAILROOT]
 *                  init|apply|status|report
 *
 * MAILROOT (default /var/mail/vhosts) must be the panel's [mail]
 * mail_root: the deleted mailboxes' maildirs are moved below it, and
 * report measures its filesystem.
 *
 * Installed as the forced command of the panel's key in authorized_keys:
 *   command="/usr/sbin/hakomail-agent -s /var/lib/hakomail",restrict ssh-...
 * so under sshd the verb comes from SSH_ORIGINAL_COMMAND, which must be
 * exactly "apply", "status" or "report"; "init" is for the guest bootstrap
 * only.  apply reads the bundle from stdin.  The answer is one JSON object:
 *   {"ok":true,"generation":7,"files":{"virtual_mailbox_domains":"<sha256>",...}}
 *   {"ok":true,"generation":7,"report":{...}}	(report: agent_report.h)
 *   {"ok":false,"generation":6,"error":"what and where"}
 * where generation is the one serving (null when none).  Exit status: 0 ok,
 * 1 refused or failed, 2 usage error.
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
#include "agent_report.h"
#include "bundle.h"
#include "fdio.h"
#include "log.h"
#include "mapsyntax.h"
#include "strbuf.h"

#define USAGE "usage: hakomail-agent [-s STATEDIR] [-t cdb|hash|lmdb] " \
	"[-P SBINDIR] [-g GROUP] [-c POSTFIX_CONFIG_DIR] [-m MAILROOT] " \
	"init|apply|status|report"
#define GROUP_MAX	32

enum verb { VERB_NONE, VERB_INIT, VERB_APPLY, VERB_STATUS, VERB_REPORT };

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
	case 'g':
		if (!group_ok(arg))
			return hk_fail(err, HK_EINVAL, "g", "-g: bad group name");
		conf->group = arg;
		return 0;
	case 'c':
		if (!dir_ok(arg))
			return hk_fail(err, HK_EINVAL, "c", "-c: not a clean "
				       "absolute path");
		conf->confdir = arg;
		return 0;
	}
	return hk_fail(err, HK_EINVAL, "", "unknown or incomplete option; "
		       USAGE);
}

static void
conf_defaults(struct agent_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->statedir = AGENT_STATEDIR;
	conf->maptype = AGENT_MAPTYPE;
	conf->group = AGENT_GROUP;
	conf->mailroot = AGENT_MAILROOT;
	snprintf(conf->postmap, sizeof(conf->postmap), "%s", HK_POSTMAP_PATH);
	snprintf(conf->postfix, sizeof(conf->postfix), "%s", HK_POSTFIX_PATH);
	snprintf(conf->doveadm, sizeof(conf->doveadm), "%s", HK_DOVEADM_PATH);
	snprintf(conf->postqueue, sizeof(conf->postqueue), "%s",
		 HK_POSTQUEUE_PATH);
	snprintf(conf->postconf, sizeof(conf->postconf), "%s",
		 HK_POSTCONF_PATH);
	snprintf(conf->dovecot, sizeof(conf->dovecot), "%s", HK_DOVECOT_PATH);
}

/* The verb: SSH_ORIGINAL_COMMAND when set (apply, status or report), else
 * argv. */
static int
parse_args(int argc, char **argv, struct agent_conf *conf, enum verb *verb,
	   struct hk_err *err)
{
	const char *ssh = getenv("SSH_ORIGINAL_COMMAND");
	const char *v;
	int opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "s:t:P:g:c:m:")) != -1)
		if (set_option(conf, opt, optarg, err) < 0)
			return -1;
	if (ssh != NULL && optind != argc)
		return hk_fail(err, HK_EINVAL, "", "no operand allowed under "
			       "an SSH forced command");
	if (ssh == NULL && optind != argc - 1)
		return hk_fail(err, HK_EINVAL, "", USAGE);
	v = ssh != NULL ? ssh : argv[optind];
	if (strcmp(v, "apply") == 0)
		*verb = VERB_APPLY;
	else if (strcmp(v, "status") == 0)
		*verb = VERB_STATUS;
	else if (strcmp(v, "report") == 0)
		*verb = VERB_REPORT;
	else if (strcmp(v, "init") == 0 && ssh == NULL)
		*verb = VERB_INIT;
	else if (ssh != NULL)
		return hk_fail(err, HK_EFORBIDDEN, "", "refused: only \"apply\", "
			       "\"status\" or \"report\" may be run over SSH");
	else
		return hk_fail(err, HK_EINVAL, "", USAGE);
	return 0;
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
	struct strbuf in;
	struct bundle b;
	int rc;

	strbuf_init(&in, BUNDLE_MAX_SIZE);
	rc = read_input(&in, err);
	if (rc == 0)
		rc = bundle_parse(strbuf_str(&in), in.len, &b, err);
	if (rc == 0)
		rc = agent_apply(conf, &b, st, err);
	else
		agent_apply_serving(conf, st);
	strbuf_free(&in);
	return rc;
}

/* report: *report gets the figures; st only the generation serving. */
static int
run(enum verb verb, const struct agent_conf *conf, struct agent_state *st,
    json_t **report, struct hk_err *err)
{
	switch (verb) {
	case VERB_REPORT:
		agent_apply_serving(conf, st);
		return agent_report(conf, report, err);
	case VERB_INIT:
		return agent_apply_init(conf, st, err);
	case VERB_APPLY:
		return apply(conf, st, err);
	case VERB_STATUS:
		return agent_apply_status(conf, st, err);
	case VERB_NONE:
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

/* report (stolen) is the answer's figures; else the files served. */
static json_t *
answer_json(int ok, const struct agent_state *st, json_t *report,
	    const struct hk_err *err)
{
	json_t *o = json_object();
	char msg[sizeof(err->message)];
	int bad;

	bad = json_object_set_new(o, "ok", json_boolean(ok)) < 0;
	bad |= json_object_set_new(o, "generation", st->serving ?
				   json_integer((json_int_t)st->generation) :
				   json_null()) < 0;
	if (ok && report != NULL) {
		bad |= json_object_set_new(o, "report", report) < 0;
	} else if (ok) {
		bad |= json_object_set_new(o, "files", files_json(st)) < 0;
	} else {
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

/* Prints the one answer (report: stolen, see answer_json); -1 if stdout
 * failed.  Load averages need no more than 4 digits. */
static int
answer(int ok, const struct agent_state *st, json_t *report,
       const struct hk_err *err)
{
	json_t *o = answer_json(ok, st, report, err);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
				    JSON_REAL_PRECISION(4)) : NULL;
	int rc;

	if (text != NULL)
		rc = printf("%s\n", text);
	else
		rc = printf("{\"ok\":false,\"generation\":null,"
			    "\"error\":\"out of memory\"}\n");
	free(text);
	json_decref(o);
	return rc < 0 || fflush(stdout) != 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct agent_conf conf;
	struct agent_state st;
	struct hk_err err;
	enum verb verb = VERB_NONE;
	json_t *report = NULL;
	int rc, ok;

	log_init("hakomail-agent", 0);
	umask(022);
	hk_err_clear(&err);
	conf_defaults(&conf);
	if (parse_args(argc, argv, &conf, &verb, &err) < 0) {
		agent_apply_serving(&conf, &st);
		(void)answer(0, &st, NULL, &err);
		return 2;
	}
	rc = run(verb, &conf, &st, &report, &err);
	ok = rc == 0 && (report != NULL || st.have_files);
	if (answer(ok, &st, ok ? report : NULL, &err) < 0)
		return 1;
	return ok ? 0 : 1;
}
