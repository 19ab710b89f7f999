/* SPDX-License-Identifier: ISC */
// usagebar.js - a mailbox's usage as its guest last reported it (the
// mailbox's used_bytes, messages, usage_at): against its quota a bar and,
// beside it, the percentage and sizes in words (the bar's colour is never
// the only sign); with no quota the size alone; never reported, a dash.
import { h } from './dom.js';
import { t, currentLang } from './i18n.js';
import { bytes, number, relative } from './format.js';

// The [warn] mailbox_percent default: the bar turns red where the panel
// starts warning, amber a little before.
const HIGH = 0.9;
const MID = 0.75;

// percentText(used, quota): '12.5', at most one decimal, in the UI's language.
export function percentText(used, quota) {
	return new Intl.NumberFormat(currentLang(), { maximumFractionDigits: 1 })
		.format((used / quota) * 100);
}

export function usageBar(mb) {
	const used = mb.used_bytes;
	if (used === null || used === undefined)
		return h('span', { class: 'mb-usage mb-usage-none', title: t('mailbox_usage.never') },
			h('span', { 'aria-hidden': 'true' }, '—'),
			h('span', { class: 'visually-hidden' }, t('mailbox_usage.never')));
	const title = mb.usage_at ? t('mailbox_usage.counted', {
		messages: number(mb.messages || 0), when: relative(mb.usage_at) }) : null;
	const quota = mb.quota_bytes;
	if (!quota)
		return h('span', { class: 'mb-usage', title, 'data-used': String(used) }, bytes(used));
	const level = used >= quota * HIGH ? 'high' : used >= quota * MID ? 'mid' : 'low';
	const pct = percentText(used, quota);
	return h('span', { class: `mb-usage mb-usage-${level}`, title, 'data-used': String(used),
		'data-quota': String(quota), 'data-pct': pct },
	h('meter', { min: '0', max: String(quota), value: String(Math.min(used, quota)),
		low: String(quota * MID), high: String(quota * HIGH), optimum: '0', 'aria-hidden': 'true' }),
	h('span', { class: 'mb-usage-text' },
		t('mailbox_usage.of', { pct, used: bytes(used), quota: bytes(quota) })));
}
