/* SPDX-License-Identifier: ISC */
/*
 * authz_rows.h - the authorization matrix's rows (authz_rows.c), which
 * test_authz.c runs: every route with each credential.
 */
#ifndef HK_TEST_AUTHZ_ROWS_H
#define HK_TEST_AUTHZ_ROWS_H

#include <stddef.h>

#define CSV_HASH "{SHA512-CRYPT}$6$saltsalt$0123456789abcdefghijklmnopqrstu" \
	"vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnop"

#define HOST_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtiEqqT2RJV/uICTF5" \
	"Nbt018Bz3ge0IFjMj8BMAB2V3"

/* Expected status for admin, owner A, owner B, the read-only key and
 * the mailbox user (0: 403); none and expired always get 401. */
struct row {
	const char *method, *path, *body;
	int want[5];
};

#define ALL(s)	{ s, s, s, s }

extern const struct row authz_rows[];
extern const size_t authz_nrows;

#endif
