-- SPDX-License-Identifier: ISC
-- 017: a domain's DKIM keys (store_dkim.c).  public_key is DKIM's p=
-- in base64 (RSA: the SubjectPublicKeyInfo DER; Ed25519: the raw 32
-- bytes, RFC 8463); private_enc the PKCS#8 PEM private key sealed with
-- [dkim] key_file's key (dkim_key.h: "v1:" + base64(nonce|ciphertext|tag),
-- bound to the domain's name and the selector), never in the clear.
-- A key is made 'pending' (published, pushed, not yet signing), becomes
-- 'active' when the operator confirms its record is seen, and 'retiring'
-- when another of its algorithm takes its place: its record stays
-- published until remove_after.  At most one active key per domain and
-- algorithm.
CREATE TABLE dkim_key (
	id            INTEGER PRIMARY KEY,
	domain_id     INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,
	selector      TEXT NOT NULL,
	algorithm     TEXT NOT NULL CHECK (algorithm IN ('rsa', 'ed25519')),
	bits          INTEGER NOT NULL,
	public_key    TEXT NOT NULL,
	private_enc   TEXT NOT NULL,
	state         TEXT NOT NULL
	              CHECK (state IN ('pending', 'active', 'retiring')),
	created_at    INTEGER NOT NULL,
	activated_at  INTEGER,
	retired_at    INTEGER,
	remove_after  INTEGER,
	UNIQUE (domain_id, selector)
);
CREATE INDEX dkim_key_domain ON dkim_key(domain_id);
CREATE UNIQUE INDEX dkim_key_one_active ON dkim_key(domain_id, algorithm)
	WHERE state = 'active';
