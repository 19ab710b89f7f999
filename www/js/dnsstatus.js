/* SPDX-License-Identifier: ISC */
// dnsstatus.js - a DNS record's check (GET /domains/D/dns?check=true) in
// words and colour, never colour alone: published, different (with what
// was found), missing, lookup failed (with why), not checked.  A record
// to remove reads the other way round: published is what is wrong.
import { h } from './dom.js';
import { t } from './i18n.js';
import { badge } from './ui.js';

const KIND = { match: 'on', different: 'warn', missing: 'error', failed: 'error', unchecked: 'off' };
const REMOVE_STATUS = { match: 'still_published', missing: 'removed' };
const REMOVE_KIND = { still_published: 'warn', removed: 'on' };

// statusWords(r): {key, text, kind} of a checked record.
export function statusWords(r) {
	const key = (r.action === 'remove' && REMOVE_STATUS[r.status]) || r.status;
	return { key, text: t(`dns.status.${key}`), kind: REMOVE_KIND[key] || KIND[r.status] || 'off' };
}

// statusNode(r): the badge and, for a different record or a failed
// lookup, what was found or why.
export function statusNode(r) {
	if (!r.status) return h('span', { class: 'muted' }, t('dns.not_checked_yet'));
	const { text, kind } = statusWords(r);
	let more = null;
	if (r.status === 'different' && r.found !== undefined)
		more = h('span', { class: 'dns-found' }, t('dns.found', { found: r.found }));
	else if (r.status === 'failed' && r.found)
		more = h('span', { class: 'dns-found' }, t('dns.failed_why', { why: r.found }));
	return h('span', { class: 'dns-status' }, badge(kind, text, { 'data-status': r.status }), more);
}
