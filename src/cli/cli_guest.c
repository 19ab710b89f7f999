/* SPDX-License-Identifier: ISC */
/*
 * cli_guest.c - the hakomail command's guests: registering one with its
 * pinned SSH host key, moving or re-keying it, forgetting it, the push
 * status of each, and a push on demand.
 *
 *   guest add NAME --project P --host H [--host-key-file F]
 *     [--fingerprint FP] [--port N] [--user U]
 *     [--mail-host H] [--mail-addr A]...
 *   guest set NAME [--host H] [--port N] [--user U]
 *     [--rekey | --host-key-file F] [--fingerprint FP]
 *     [--mail-host H] [--mail-addr A]...
 *   guest list | guest delete NAME | status | push [GUEST]
 *
 * A scanned key is pinned only on a matching --fingerprint or the
 * operator's yes on a terminal: ssh-keyscan alone proves nothing.  push
 * marks GUEST (or every guest) owed a push and wakes pushd.  --mail-host
 * and --mail-addr (repeated, up to 8) say where the guest's domains' MX
 * and SPF records point; --mail-host "" and a single --mail-addr ""
 * clear them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hostkey.h"
#include "log.h"
#include "validate.h"
#include "wake.h"

static const char *const guest_cols[] = { "name", "project", "ssh_host",
	"ssh_port", "state", "desired_gen", "applied_gen", "last_error",
	"unreachable_since", "retry_at", "mail_host", "mail_addrs", NULL };

/* The repeated --mail-addr values, taken out of the arguments (the
 * option parser refuses a repeated option). */
struct mail_opts {
	const char *list[CLI_MAXPOS];
	size_t n;
	char host[MAPSYNTAX_DOMAIN_MAX + 1];
	char addrs[VALIDATE_MAIL_ADDRS_MAX * 48];	/* 46 an address */
};

static int
take_addrs(struct cli *c, struct mail_opts *m)
{
	int to = 2;

	m->n = 0;
	for (int i = 2; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--mail-addr") != 0) {
			c->argv[to++] = c->argv[i];
			continue;
		}
		if (i + 1 >= c->argc || m->n == CLI_MAXPOS) {
			log_error("--mail-addr: needs a value");
			return -1;
		}
		m->list[m->n++] = c->argv[++i];
	}
	c->argc = to;
	return 0;
}

/* --mail-host and the --mail-addr values, validated, into in. */
static int
mail_fields(const struct cli_opt *o, struct mail_opts *m,
	    struct guest_in *in, struct hk_err *err)
{
	const char *host = cli_opt(o, "--mail-host");
	struct strbuf sb;
	int rc;

	if (host != NULL && host[0] == '\0')
		in->mail_host = "";
	else if (host != NULL) {
		if (validate_domain(host, "mail_host", m->host, err) < 0)
			return -1;
		in->mail_host = m->host;
	}
	if (m->n == 0)
		return 0;
	if (m->n == 1 && m->list[0][0] == '\0')
		m->n = 0;
	strbuf_init(&sb, sizeof(m->addrs) - 1);
	rc = validate_mail_addrs(m->list, m->n, "mail_addrs", &sb, err);
	snprintf(m->addrs, sizeof(m->addrs), "%s", strbuf_str(&sb));
	strbuf_free(&sb);
	in->mail_addrs = m->addrs;
	return rc;
}

static int
read_key_file(const char *path, char *out, size_t outlen, struct hk_err *err)
{
	char line[8192];
	int fd = cli_open_input(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");

	if (f == NULL) {
		hk_fail_errno(err, "host-key-file %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return hk_failr(err, HK_EINVAL, "host-key-file",
				HK_R_file_empty, "path", path, NULL);
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return validate_host_key(line, "host-key-file", out, outlen, err);
}

static int
parse_port(const char *s, int *port, struct hk_err *err)
{
	char *end;
	long v;

	*port = 22;
	if (s == NULL)
		return 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
		return hk_failr(err, HK_EINVAL, "port", HK_R_port_range, NULL);
	*port = (int)v;
	return 0;
}

/* Asks on the terminal; anything but y/yes is no. */
static int
confirmed(const char *fp)
{
	char line[16];

	fprintf(stderr, "pin host key %s? [y/N] ", fp);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0;
}

/*
 * The key to pin: from --host-key-file, or scanned from the guest and
 * pinned only when its fingerprint matches --fingerprint or the operator
 * confirms it on a terminal.
 */
static int
guest_key(const struct cli_opt *o, const struct guest_in *in, char *key,
	  size_t keylen, struct hk_err *err)
{
	const char *want = cli_opt(o, "--fingerprint");
	char fp[HOSTKEY_FP_MAX + 1];

	if (cli_opt(o, "--host-key-file") != NULL) {
		if (read_key_file(cli_opt(o, "--host-key-file"), key, keylen,
				  err) < 0)
			return -1;
	} else if (hostkey_scan(in->host, in->port, key, keylen, err) < 0) {
		return -1;
	}
	if (hostkey_fingerprint(key, fp, err) < 0)
		return -1;
	fprintf(stderr, "host key of %s: %s\n", in->host, fp);
	if (want != NULL && strcmp(want, fp) != 0)
		return hk_failr(err, HK_EINVAL, "fingerprint",
				HK_R_fingerprint_mismatch, "got", fp, "want",
				want, NULL);
	if (want != NULL || cli_opt(o, "--host-key-file") != NULL)
		return 0;
	if (!isatty(STDIN_FILENO))
		return hk_failr(err, HK_EINVAL, "fingerprint",
				HK_R_fingerprint_unconfirmed, "got", fp, NULL);
	if (!confirmed(fp))
		return hk_failr(err, HK_EINVAL, "fingerprint",
				HK_R_fingerprint_refused, NULL);
	return 0;
}

static int
cmd_guest_add(struct cli *c)
{
	struct cli_opt o[] = { { "--project", 1, NULL }, { "--host", 1, NULL },
			       { "--host-key-file", 1, NULL },
			       { "--fingerprint", 1, NULL },
			       { "--port", 1, NULL }, { "--user", 1, NULL },
			       { "--mail-host", 1, NULL },
			       { NULL, 0, NULL } };
	const char *pos[CLI_MAXPOS];
	struct guest_in in = { 0 };
	struct mail_opts mail;
	struct hk_err err;
	char key[8192];
	json_t *obj = NULL;
	int npos;

	hk_err_clear(&err);
	if (take_addrs(c, &mail) < 0 || cli_parse(c, 2, o, pos, &npos) < 0 ||
	    npos != 1 || !cli_opt(o, "--project") || !cli_opt(o, "--host"))
		return cli_usage();
	in.name = pos[0];
	in.project = cli_opt(o, "--project");
	in.host = cli_opt(o, "--host");
	in.user = cli_opt(o, "--user") ? cli_opt(o, "--user") : "root";
	if (validate_slug(in.name, "name", &err) < 0 ||
	    validate_slug(in.user, "user", &err) < 0 ||
	    validate_host(in.host, "host", &err) < 0 ||
	    parse_port(cli_opt(o, "--port"), &in.port, &err) < 0 ||
	    mail_fields(o, &mail, &in, &err) < 0 ||
	    guest_key(o, &in, key, sizeof(key), &err) < 0)
		return cli_fail(&err);
	in.host_key = key;
	if (store_guest_add(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	json_decref(obj);
	wake_notify(c->cfg.wake_socket);
	printf("guest %s added, host key pinned: %s\n", in.name, key);
	return 0;
}

/*
 * guest set NAME [--host H] [--port N] [--user U]
 *   [--rekey | --host-key-file F] [--fingerprint FP]
 * A new key is pinned as for guest add: scanned from the guest's (new)
 * address and confirmed, or read from a file.
 */
static int
cmd_guest_set(struct cli *c)
{
	struct cli_opt o[] = { { "--host", 1, NULL }, { "--port", 1, NULL },
			       { "--user", 1, NULL }, { "--rekey", 0, NULL },
			       { "--host-key-file", 1, NULL },
			       { "--fingerprint", 1, NULL },
			       { "--mail-host", 1, NULL },
			       { NULL, 0, NULL } };
	struct guest_in in = { 0 }, scan;
	const char *pos[CLI_MAXPOS];
	struct mail_opts mail;
	struct hk_err err;
	json_t *obj = NULL;
	char key[8192];
	int npos, rekey;

	hk_err_clear(&err);
	if (take_addrs(c, &mail) < 0 || cli_parse(c, 2, o, pos, &npos) < 0 ||
	    npos != 1)
		return cli_usage();
	rekey = cli_opt(o, "--rekey") || cli_opt(o, "--host-key-file") ||
	    cli_opt(o, "--fingerprint");
	in.name = pos[0];
	in.host = cli_opt(o, "--host");
	in.user = cli_opt(o, "--user");
	if (validate_slug(in.name, "name", &err) < 0 ||
	    (in.host && validate_host(in.host, "host", &err) < 0) ||
	    (in.user && validate_slug(in.user, "user", &err) < 0) ||
	    (cli_opt(o, "--port") && parse_port(cli_opt(o, "--port"), &in.port,
						&err) < 0) ||
	    mail_fields(o, &mail, &in, &err) < 0 ||
	    store_guest_get(c->db, &c->actor, in.name, &obj, &err) < 0)
		return cli_fail(&err);
	/* scan where the guest will be reached */
	scan = in;
	scan.host = in.host ? in.host : json_string_value(json_object_get(obj,
							  "ssh_host"));
	scan.port = in.port ? in.port : (int)json_integer_value(
		json_object_get(obj, "ssh_port"));
	if (rekey && guest_key(o, &scan, key, sizeof(key), &err) < 0) {
		json_decref(obj);
		return cli_fail(&err);
	}
	json_decref(obj);
	in.host_key = rekey ? key : NULL;
	if (store_guest_update(c->db, &c->actor, &in, &obj, &err) < 0)
		return cli_fail(&err);
	return cli_written(c, obj, guest_cols);
}

/* Unix seconds as local time (cli_time()), or null for null or 0. */
static json_t *
local_time(json_t *v)
{
	char buf[CLI_TIME_MAX];

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return json_null();
	return json_string(cli_time(buf, json_integer_value(v)));
}

/* What an operator reads at 3 a.m.: since when a guest is unreachable and
 * when pushd tries again, in words, beside the raw columns. */
static const char *const status_cols[] = { "name", "project", "state",
	"applied_gen", "desired_gen", "unreachable", "next_retry",
	"last_push", "last_error", NULL };

static void
add_times(json_t *items)
{
	size_t i;
	json_t *g;

	json_array_foreach(items, i, g) {
		int dirty = json_integer_value(json_object_get(g,
		    "desired_gen")) > json_integer_value(json_object_get(g,
		    "applied_gen"));

		json_object_set_new(g, "unreachable",
		    local_time(json_object_get(g, "unreachable_since")));
		json_object_set_new(g, "next_retry", dirty ?
		    local_time(json_object_get(g, "retry_at")) : json_null());
		json_object_set_new(g, "last_push",
		    local_time(json_object_get(g, "last_push_at")));
	}
}

int
cli_status(struct cli *c)
{
	struct hk_err err;
	json_t *items = NULL;

	hk_err_clear(&err);
	if (store_guest_list(c->db, &c->actor, NULL, &items, NULL, &err) < 0)
		return cli_fail(&err);
	if (!c->json)
		add_times(items);
	cli_print(c, items, c->json ? guest_cols : status_cols);
	json_decref(items);
	return 0;
}

int
cli_guest(struct cli *c)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (c->argc >= 3 && strcmp(c->argv[1], "add") == 0)
		return cmd_guest_add(c);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0)
		return cli_status(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "set") == 0)
		return cmd_guest_set(c);
	if (c->argc == 3 && strcmp(c->argv[1], "delete") == 0) {
		if (validate_slug(c->argv[2], "name", &err) < 0 ||
		    store_guest_delete(c->db, &c->actor, c->argv[2], &err) < 0)
			return cli_fail(&err);
		printf("guest %s deleted (it keeps serving its last maps)\n",
		       c->argv[2]);
		return 0;
	}
	return cli_usage();
}

int
cli_push(struct cli *c)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (c->argc > 2)
		return cli_usage();
	if (store_guest_touch(c->db, c->argc == 2 ? c->argv[1] : NULL,
			      &err) < 0)
		return cli_fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("push requested\n");
	return 0;
}
