/*
 * hakomail - the operator's command line.
 *
 *   hakomail [-c CONFIG] [--json] COMMAND ...
 *     init | migrate                 create or upgrade the database
 *     project add NAME
 *     guest add NAME --project P --host H --host-key-file F
 *                    [--port N] [--user U]
 *     guest list | status            push state of every guest
 *     apikey create [--login L] [--read-only]   (an operator key)
 *     push [GUEST]                   mark dirty and wake pushd now
 *
 * Errors go to stderr as "hakomail: FIELD: reason"; exit 0 success,
 * 1 failure, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "store.h"
#include "validate.h"
#include "wake.h"

struct cli {
	struct hk_config cfg;
	struct db *db;
	int json;
	int argc;
	char **argv;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: hakomail [-c CONFIG] [--json] COMMAND ...\n"
	    "  init | migrate\n"
	    "  project add NAME\n"
	    "  guest add NAME --project P --host H --host-key-file F "
	    "[--port N] [--user U]\n"
	    "  guest list | status\n"
	    "  apikey create [--login L] [--read-only]\n"
	    "  push [GUEST]\n");
	return 2;
}

static int
fail(const struct hk_err *err)
{
	if (err->field[0])
		fprintf(stderr, "hakomail: %s: %s\n", err->field, err->message);
	else
		fprintf(stderr, "hakomail: %s\n", err->message);
	return 1;
}

/* The value after --name in argv[from..], or NULL. */
static const char *
opt(struct cli *c, int from, const char *name)
{
	for (int i = from; i + 1 < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return c->argv[i + 1];
	return NULL;
}

static int
flag(struct cli *c, int from, const char *name)
{
	for (int i = from; i < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return 1;
	return 0;
}

static int
cmd_init(struct cli *c)
{
	struct hk_err err;
	int applied;

	hk_err_clear(&err);
	if (db_migrate(c->db, &applied, &err) < 0)
		return fail(&err);
	printf("database ready (%s), %d migration%s applied\n",
	       db_backend_name(c->db), applied, applied == 1 ? "" : "s");
	return 0;
}

static int
cmd_project(struct cli *c)
{
	struct hk_err err;
	int64_t id;

	hk_err_clear(&err);
	if (c->argc != 3 || strcmp(c->argv[1], "add") != 0)
		return usage();
	if (validate_slug(c->argv[2], "name", &err) < 0 ||
	    store_project_add(c->db, c->argv[2], &id, &err) < 0)
		return fail(&err);
	printf("project %s added\n", c->argv[2]);
	return 0;
}

static int
read_key_file(const char *path, char *out, size_t outlen, struct hk_err *err)
{
	char line[8192];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return hk_fail_errno(err, "host-key-file %s", path);
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return hk_fail(err, HK_EINVAL, "host-key-file", "%s is empty",
			       path);
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return validate_host_key(line, "host-key-file", out, outlen, err);
}

static int
cmd_guest_add(struct cli *c)
{
	struct guest_in in = { 0 };
	struct hk_err err;
	const char *port = opt(c, 3, "--port"), *kf = opt(c, 3,
	    "--host-key-file");
	char key[8192];
	json_t *obj = NULL;

	hk_err_clear(&err);
	in.name = c->argv[2];
	in.project = opt(c, 3, "--project");
	in.host = opt(c, 3, "--host");
	in.user = opt(c, 3, "--user") ? opt(c, 3, "--user") : "root";
	in.port = port ? atoi(port) : 22;
	if (in.project == NULL || in.host == NULL || kf == NULL)
		return usage();
	if (validate_slug(in.name, "name", &err) < 0 ||
	    validate_slug(in.user, "user", &err) < 0 ||
	    validate_host(in.host, "host", &err) < 0 ||
	    read_key_file(kf, key, sizeof(key), &err) < 0)
		return fail(&err);
	if (in.port < 1 || in.port > 65535)
		return fail(&(struct hk_err){ HK_EINVAL, "port",
					      "must be 1..65535" });
	in.host_key = key;
	if (store_guest_add(c->db, &in, &obj, &err) < 0)
		return fail(&err);
	json_decref(obj);
	wake_notify(c->cfg.wake_socket);
	printf("guest %s added, host key pinned: %s\n", in.name, key);
	return 0;
}

static int
cmd_guest_list(struct cli *c)
{
	struct hk_actor admin = { .is_admin = 1 };
	struct hk_err err;
	json_t *items = NULL, *g;
	size_t i;

	hk_err_clear(&err);
	if (store_guest_list(c->db, &admin, &items, &err) < 0)
		return fail(&err);
	if (c->json) {
		json_dumpf(items, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-16s %-12s %-9s %-9s %s\n", "GUEST", "STATE",
		       "DESIRED", "APPLIED", "LAST ERROR");
		json_array_foreach(items, i, g)
			printf("%-16s %-12s %-9lld %-9lld %s\n",
			       json_string_value(json_object_get(g, "name")),
			       json_string_value(json_object_get(g, "state")),
			       json_integer_value(json_object_get(g,
				   "desired_gen")),
			       json_integer_value(json_object_get(g,
				   "applied_gen")),
			       json_string_value(json_object_get(g,
				   "last_error")) ?: "-");
	}
	json_decref(items);
	return 0;
}

static int
cmd_guest(struct cli *c)
{
	if (c->argc >= 3 && strcmp(c->argv[1], "add") == 0)
		return cmd_guest_add(c);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0)
		return cmd_guest_list(c);
	return usage();
}

static int
cmd_apikey(struct cli *c)
{
	const char *login = opt(c, 2, "--login");
	char token[256];
	struct hk_err err;

	hk_err_clear(&err);
	if (c->argc < 2 || strcmp(c->argv[1], "create") != 0)
		return usage();
	if (login == NULL)
		login = "admin";
	if (validate_slug(login, "login", &err) < 0 ||
	    store_apikey_create_admin(c->db, login, flag(c, 2, "--read-only"),
				      token, sizeof(token), &err) < 0)
		return fail(&err);
	printf("%s\n", token);
	return 0;
}

static int
cmd_push(struct cli *c)
{
	struct hk_err err;

	hk_err_clear(&err);
	if (c->argc > 2)
		return usage();
	if (store_guest_touch(c->db, c->argc == 2 ? c->argv[1] : NULL,
			      &err) < 0)
		return fail(&err);
	wake_notify(c->cfg.wake_socket);
	printf("push requested\n");
	return 0;
}

/* For sqlite:PATH, make PATH's directory so that init works first time. */
static void
make_db_dir(const char *url)
{
	char dir[CONF_STR], *slash;

	if (strncmp(url, "sqlite:", 7) != 0)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)sizeof(dir) - 1, url + 7);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);
	}
}

static int
run(struct cli *c)
{
	const char *cmd = c->argv[0];

	if (!strcmp(cmd, "init") || !strcmp(cmd, "migrate"))
		return cmd_init(c);
	if (!strcmp(cmd, "project"))
		return cmd_project(c);
	if (!strcmp(cmd, "guest"))
		return cmd_guest(c);
	if (!strcmp(cmd, "status"))
		return cmd_guest_list(c);
	if (!strcmp(cmd, "apikey"))
		return cmd_apikey(c);
	if (!strcmp(cmd, "push"))
		return cmd_push(c);
	return usage();
}

int
main(int argc, char **argv)
{
	struct cli c;
	struct hk_err err;
	const char *conf = NULL;
	int i = 1, rc;

	memset(&c, 0, sizeof(c));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			c.json = 1;
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	c.argc = argc - i;
	c.argv = argv + i;
	hk_err_clear(&err);
	if (conf_load(&c.cfg, conf, &err) < 0)
		return fail(&err);
	if (!strcmp(c.argv[0], "init"))
		make_db_dir(c.cfg.db_url);
	if ((c.db = db_open(c.cfg.db_url, &err)) == NULL)
		return fail(&err);
	rc = run(&c);
	db_close(c.db);
	return rc;
}
