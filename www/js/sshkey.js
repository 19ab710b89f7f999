/* SPDX-License-Identifier: ISC */
// sshkey.js - OpenSSH's fingerprint of a public key line, as
// `ssh-keygen -lf` prints it: "SHA256:" + unpadded base64 of the SHA-256 of
// the decoded key blob.
import { sha256 } from './sha256.js';

const TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384',
	'ecdsa-sha2-nistp521', 'ssh-rsa'];

// parseKeyLine(line): {type, blob, comment} or null when it is not one
// well-formed key line whose blob names the same type.
export function parseKeyLine(line) {
	const parts = String(line).trim().split(/\s+/);
	if (parts.length < 2 || !TYPES.includes(parts[0])) return null;
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1]) || parts[1].length % 4 !== 0) return null;
	let bin;
	try { bin = atob(parts[1]); } catch (e) { return null; }
	const blob = Uint8Array.from(bin, (c) => c.charCodeAt(0));
	if (blob.length < 4) return null;
	const n = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
	if (n > blob.length - 4) return null;
	const inner = String.fromCharCode(...blob.subarray(4, 4 + n));
	if (inner !== parts[0]) return null;
	return { type: parts[0], blob, comment: parts.slice(2).join(' ') };
}

export async function fingerprint(blob) {
	let digest;
	if (globalThis.crypto && crypto.subtle)
		digest = new Uint8Array(await crypto.subtle.digest('SHA-256', blob));
	else
		digest = sha256(blob);
	return 'SHA256:' + btoa(String.fromCharCode(...digest)).replace(/=+$/, '');
}
