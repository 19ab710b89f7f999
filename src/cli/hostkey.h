/* SPDX-License-Identifier: ISC */
/*
 * hostkey.h - a guest's SSH host key before it is pinned: fetched with
 * ssh-keyscan (argument vector, no shell), and its fingerprint in
 * OpenSSH's own form ("SHA256:" + unpadded base64 of the key blob's
 * SHA-256) so an operator can compare it with `ssh-keygen -lf` on the
 * guest.
 */
#ifndef HK_HOSTKEY_H
#define HK_HOSTKEY_H

#include <stddef.h>

#include "err.h"

#define HOSTKEY_FP_MAX 64	/* "SHA256:" + 43 */

/* Fetches the guest's ed25519 host key as "ssh-ed25519 BASE64" into out.
 * host must already be validated (validate_host). */
int hostkey_scan(const char *host, int port, char *out, size_t outlen,
		 struct hk_err *err);

/* The fingerprint of a "TYPE BASE64" key line. */
int hostkey_fingerprint(const char *keyline, char out[HOSTKEY_FP_MAX + 1],
			struct hk_err *err);

#endif
