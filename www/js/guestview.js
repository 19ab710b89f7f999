/* SPDX-License-Identifier: ISC */
// guestview.js - how a guest's push state reads: the badge, the last push
// and a line saying what is going on.
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { relative, dateTime, iso } from './format.js';
import { emptyRow } from './ui.js';

export function whenNode(sec, emptyKey = 'guests.never') {
	if (!sec) return h('span', { class: 'muted' }, t(emptyKey));
	return h('time', { datetime: iso(sec), title: dateTime(sec) }, relative(sec));
}

// detail(g): one line on what the state means now.
export function detail(g) {
	switch (g.state) {
	case 'in_sync':
		return t('guests.detail_in_sync', { gen: g.applied_gen });
	case 'pending':
		return t('guests.detail_pending', { applied: g.applied_gen, desired: g.desired_gen });
	case 'pushing':
		return t('guests.detail_pushing', { desired: g.desired_gen });
	case 'unreachable':
		return [
			g.unreachable_since ? t('guests.detail_unreachable_since', { when: relative(g.unreachable_since) }) : t('state.unreachable'),
			g.retry_at ? t('guests.detail_retry', { when: relative(g.retry_at) }) : '',
		].filter(Boolean).join(' · ');
	case 'failed':
		return g.retry_at ? t('guests.detail_failed_retry', { when: relative(g.retry_at) }) : t('guests.detail_failed');
	default:
		return '';
	}
}

// fillDetail(cell, g): the detail line and, when a push failed, the error.
export function fillDetail(cell, g) {
	replace(cell, h('span', { class: 'cell' },
		h('span', { class: 'detail-line' }, detail(g)),
		g.last_error && g.state !== 'in_sync'
			? h('span', { class: 'detail-error' }, g.last_error) : null));
}

// guestRows({tbody, cols, empty, make, fill}): apply(list) shows the guests
// in the API's order, one row each, made once by make(g) -> {tr, ...} and
// refreshed by fill(row, g).  Rows are updated in place rather than rebuilt
// so that the 2 s poll keeps focus, hover and a screen reader's position.
export function guestRows({ tbody, cols, empty, make, fill }) {
	const rows = new Map();
	return function apply(list) {
		const seen = new Set();
		for (const g of list) {
			seen.add(g.name);
			let r = rows.get(g.name);
			if (!r) { r = make(g); rows.set(g.name, r); }
			fill(r, g);
		}
		for (const [name, r] of rows) if (!seen.has(name)) { r.tr.remove(); rows.delete(name); }
		if (!list.length) { replace(tbody, emptyRow(cols, empty)); return; }
		const ordered = list.map((g) => rows.get(g.name).tr);
		const current = Array.from(tbody.children);
		if (current.length !== ordered.length || ordered.some((tr, i) => current[i] !== tr)) replace(tbody, ordered);
	};
}
