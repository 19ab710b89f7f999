/* SPDX-License-Identifier: ISC */
/*
 * agent_main.c - hakomail-agent's command line and its one JSON answer.
 *
 *   hakomail-agent [-s STATEDIR] [-m MAILROOT] [-t cdb|hash|lmdb]
 *                  [-P SBINDIR] [-g GROUP] [-c POSTFIX_CONFIG_DIR]
 *                  init|apply|status
 *
 * MAILROOT (default /var/mail/vhosts) must be the panel's [mail]
 * mail_root: the deleted mailboxes' maildirs are moved below it.
 *
 * Installed as the forced command of the panel's key in authorized_keys:
 *   command="/usr/sbin/hakomail-agent -s /var/lib/hakomail",restrict ssh-...
 * so under sshd the verb comes from SSH_ORIGINAL_COMMAND, which must be
 * exactly "apply" or "status"; "init" is for the guest bootstrap only.
 * apply reads the bundle from stdin.  The answer is one JSON object:
 *   {"ok":true,"generation":7,"files":{"virtual_mailbox_domains":"<sha256>",...}}
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
#include "bundle.h"
#include "fdio.h"
#include "log.h"
#include "mapsyntax.h"
#include "strbuf.h"

#define USAGE "usage: hakomail-agent [-s STATEDIR] [-m MAILROOT] " \
	"[-t cdb|hash|lmdb] " \
	"[-P SBINDIR] [-g GROUP] [-c POSTFIX_CONFIG_DIR] init|apply|status"
#define GROUP_MAX	32

enum verb { VERB_NONE, VERB_INIT, VERB_APPLY, VERB_STATUS };

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
	conf->mailroot = AGENT_MAILROOT;
	conf->maptype = AGENT_MAPTYPE;
	conf->group = AGENT_GROUP;
	snprintf(conf->postmap, sizeof(conf->postmap), "%s", HK_POSTMAP_PATH);
	snprintf(conf->postfix, sizeof(conf->postfix), "%s", HK_POSTFIX_PATH);
	snprintf(conf->doveadm, sizeof(conf->doveadm), "%s", HK_DOVEADM_PATH);
}

/* The verb: SSH_ORIGINAL_COMMAND when set (apply or status), else argv. */
static int
parse_args(int argc, char **argv, struct agent_conf *conf, enum verb *verb,
	   struct hk_err *err)
{
	const char *ssh = getenv("SSH_ORIGINAL_COMMAND");
	const char *v;
	int opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "s:m:t:P:g:c:")) != -1)
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
	else if (strcmp(v, "init") == 0 && ssh == NULL)
		*verb = VERB_INIT;
	else if (ssh != NULL)
		return hk_fail(err, HK_EFORBIDDEN, "", "refused: only \"apply\" "
			       "or \"status\" may be run over SSH");
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

static int
run(enum verb verb, const struct agent_conf *conf, struct agent_state *st,
    struct hk_err *err)
{
	switch (verb) {
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

static json_t *
answer_json(int ok, const struct agent_state *st, const struct hk_err *err)
{
	json_t *o = json_object();
	char msg[sizeof(err->message)];
	int bad;

	bad = json_object_set_new(o, "ok", json_boolean(ok)) < 0;
	bad |= json_object_set_new(o, "generation", st->serving ?
				   json_integer((json_int_t)st->generation) :
				   json_null()) < 0;
	if (ok) {
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

/* Prints the one answer; -1 if stdout failed. */
static int
answer(int ok, const struct agent_state *st, const struct hk_err *err)
{
	json_t *o = answer_json(ok && st->have_files, st, err);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
	    : NULL;
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
	int rc;

	log_init("hakomail-agent", 0);
	umask(022);
	hk_err_clear(&err);
	conf_defaults(&conf);
	if (parse_args(argc, argv, &conf, &verb, &err) < 0) {
		agent_apply_serving(&conf, &st);
		(void)answer(0, &st, &err);
		return 2;
	}
	rc = run(verb, &conf, &st, &err);
	if (answer(rc == 0, &st, &err) < 0)
		return 1;
	return rc == 0 && st.have_files ? 0 : 1;
}
