/* SPDX-License-Identifier: ISC */
// password.js - strong random passwords from crypto.getRandomValues, in an
// alphabet with no look-alikes (no 0/O/o, 1/l/I).

const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generatePassword(length = 16) {
	const out = [];
	// Rejection sampling: bytes at or above the largest multiple of the
	// alphabet's size are dropped, so every character is equally likely.
	const cap = 256 - (256 % ALPHABET.length);
	while (out.length < length) {
		const buf = new Uint8Array(length * 2);
		crypto.getRandomValues(buf);
		for (const b of buf) {
			if (b < cap && out.length < length) out.push(ALPHABET[b % ALPHABET.length]);
		}
	}
	return out.join('');
}
