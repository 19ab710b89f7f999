/* SPDX-License-Identifier: ISC */
/*
 * hostkey.c - fetch and fingerprint an SSH host key.  See hostkey.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "hostkey.h"
#include "subproc.h"
#include "validate.h"

#define SCAN_TIMEOUT_MS	20000

/* The first "HOST ssh-ed25519 BASE64" line of ssh-keyscan's output. */
static int
pick_key(const char *text, char *out, size_t outlen, struct hk_err *err)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");
		const char *sp = memchr(line, ' ', n);

		if (line[0] != '#' && sp != NULL) {
			char buf[4096];

			snprintf(buf, sizeof(buf), "%.*s", (int)(n - (size_t)
				 (sp + 1 - line)), sp + 1);
			return validate_host_key(buf, "host", out, outlen, err);
		}
		line += n + (line[n] == '\n');
	}
	return hk_fail(err, HK_ESYS, "host", "ssh-keyscan got no ed25519 key");
}

int
hostkey_scan(const char *host, int port, char *out, size_t outlen,
	     struct hk_err *err)
{
	char portbuf[16];
	char *argv[] = { HK_SSH_KEYSCAN_PATH, "-T", "10", "-t", "ed25519",
			 "-p", portbuf, "--", (char *)host, NULL };
	struct subproc_result res;
	int rc;

	snprintf(portbuf, sizeof(portbuf), "%d", port);
	if (subproc_run(argv, NULL, NULL, 0, SCAN_TIMEOUT_MS, 64 * 1024, &res,
			err) < 0) {
		subproc_result_free(&res);
		return -1;
	}
	if (!subproc_ok(&res))
		rc = hk_fail(err, HK_ESYS, "host", "ssh-keyscan %s failed",
			     host);
	else
		rc = pick_key(strbuf_str(&res.out), out, outlen, err);
	subproc_result_free(&res);
	return rc;
}

int
hostkey_fingerprint(const char *keyline, char out[HOSTKEY_FP_MAX + 1],
		    struct hk_err *err)
{
	const char *b64 = strchr(keyline, ' ');
	unsigned char blob[8192], md[EVP_MAX_MD_SIZE], enc[64];
	unsigned int mdlen = 0;
	size_t n;
	int len;

	if (b64 == NULL || (n = strcspn(++b64, " ")) == 0 ||
	    n > 4 * (sizeof(blob) / 3))
		return hk_failr(err, HK_EINVAL, "host_key",
				HK_R_host_key_not_line, NULL);
	len = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return hk_failr(err, HK_EINVAL, "host_key",
				HK_R_host_key_base64, NULL);
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		len--;
	if (EVP_Digest(blob, (size_t)len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return hk_fail(err, HK_EINTERNAL, NULL, "sha256");
	len = EVP_EncodeBlock(enc, md, (int)mdlen);
	while (len > 0 && enc[len - 1] == '=')
		len--;
	snprintf(out, HOSTKEY_FP_MAX + 1, "SHA256:%.*s", len, enc);
	return 0;
}
