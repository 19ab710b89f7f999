/* fixture.c - see fixture.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct guest_in g = { "g1", "lab", "10.0.0.1", "root",
			      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpXZ", 22 };
	char url[128];
	struct hk_err err;
	int64_t pid;
	int applied;
	json_t *obj = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/hk-unit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(url, sizeof(url), "sqlite:%s/t.db", f->dir);
	f->db = db_open(url, &err);
	assert_non_null(f->db);
	assert_int_equal(db_migrate(f->db, &applied, &err), 0);
	assert_true(applied >= 1);
	assert_int_equal(store_project_add(f->db, "lab", &pid, &err), 0);
	assert_int_equal(store_guest_add(f->db, &g, &obj, &err), 0);
	json_decref(obj);
	f->admin.is_admin = 1;
	*state = f;
	return 0;
}

int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	db_close(f->db);
	for (const char *const *s = (const char *const[]){ "t.db", "t.db-wal",
	     "t.db-shm", NULL }; *s; s++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *s);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}
