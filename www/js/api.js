/* SPDX-License-Identifier: ISC */
// api.js - the one door to /api/v1: JSON in and out, the session cookie
// (same origin), X-CSRF-Token on every write, errors as ApiError.

const BASE = '/api/v1';
let csrf = null;
let onUnauthorized = null;

export class ApiError extends Error {
	constructor(status, code, message, field, retryAfter, reason, params) {
		super(message || code);
		this.status = status;	// HTTP status; 0: the request never got an answer
		this.code = code;	// the API's error code, or 'network' / 'bad_answer'
		this.field = field || null;
		this.retryAfter = retryAfter || null;
		this.reason = reason || null;	// why, stable: worded by ui.js from i18n "reasons"
		this.params = params && typeof params === 'object' ? params : {};
	}
}

export function setCsrf(token) { csrf = token || null; }
// fn(err) runs when a request other than the login answers 401.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// path('domains', d, 'mailboxes') is '/domains/<d, encoded>/mailboxes'.
export function path(...segments) {
	return '/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

function queryString(query) {
	if (!query) return '';
	const qs = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
	const s = qs.toString();
	return s ? `?${s}` : '';
}

async function request(method, p, { query, body, file, type, quietAuth, asFile } = {}) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (file !== undefined) headers['Content-Type'] = type;
	if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
	let res;
	try {
		res = await fetch(BASE + p + queryString(query), {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		throw new ApiError(0, 'network', String(e && e.message || e), null);
	}
	if (res.status === 204) return null;
	if (asFile && res.ok) {
		// a file to save: its name from Content-Disposition
		const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
		return { blob: await res.blob(), name: m ? m[1] : 'export.csv' };
	}
	let data = null;
	const text = await res.text();
	if (text) {
		try { data = JSON.parse(text); } catch (e) { data = null; }
	}
	if (res.ok) {
		if (data === null) throw new ApiError(res.status, 'bad_answer', 'not JSON', null);
		return data;
	}
	const e = data && data.error ? data.error : {};
	const ra = parseInt(res.headers.get('Retry-After') || '', 10);
	const err = new ApiError(res.status, e.code || (res.status >= 500 ? 'internal' : 'bad_answer'),
		e.message || res.statusText, e.field, Number.isFinite(ra) ? ra : null, e.reason, e.params);
	if (res.status === 401 && !quietAuth && onUnauthorized) onUnauthorized(err);
	throw err;
}

export const api = {
	get: (p, query, opts) => request('GET', p, { query, ...opts }),
	post: (p, body, opts) => request('POST', p, { body: body === undefined ? {} : body, ...opts }),
	patch: (p, body) => request('PATCH', p, { body }),
	put: (p, body) => request('PUT', p, { body }),
	del: (p, query, opts) => request('DELETE', p, { query, ...opts }),
	// upload(p, query, file, type): a file (Blob) as the body, as it is
	upload: (p, query, file, type) => request('POST', p, { query, file, type }),
	// file(p, query): a file the API answers (an export): {blob, name}
	file: (p, query) => request('GET', p, { query, asFile: true }),
};

// allItems('/guests'): every item of a listing, following next_cursor, for
// the short lists a form picks from (guests, projects).  Stops after
// maxPages so that a runaway cursor cannot loop for ever.
export async function allItems(p, { limit = 1000, maxPages = 20 } = {}) {
	const out = [];
	let cursor = null;
	for (let i = 0; i < maxPages; i++) {
		const page = await api.get(p, { limit, cursor });
		out.push(...page.items);
		if (!page.next_cursor) break;
		cursor = page.next_cursor;
	}
	return out;
}
