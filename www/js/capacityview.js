/* SPDX-License-Identifier: ISC */
// capacityview.js - how a guest's capacity reads (GET /guests/{g}/capacity):
// one card per guest with its figures in words and the chart of its last
// 30 days; the order "nearest to full first"; and the table of warnings
// (GET /warnings).  Used by the operators' capacity page and the owners'
// dashboard.
import { h, replace } from './dom.js';
import { t, has, currentLang } from './i18n.js';
import { api, path } from './api.js';
import { bytes, number, dateTime, iso } from './format.js';
import { whenNode } from './guestview.js';
import { capacityChart, WINDOW_S } from './chart.js';
import { displayAddress } from './punycode.js';
import { badge, emptyRow, errorBox, stateBadge, table, td, tdTitle } from './ui.js';

const nz = (v) => v !== null && v !== undefined;

// load(name): the guest's capacity with the series of the last 30 days,
// as stored (step 0).
export function load(name) {
	const since = Math.floor(Date.now() / 1000) - WINDOW_S;
	return api.get(path('guests', name, 'capacity'), { since, step: 0 });
}

// rank(c): the sort key: days to full first (nearest first), then the
// guests that are not growing, then those without enough data, then
// those that never reported.
function rank(c) {
	const d = c.disk || {};
	if (!nz(d.bytes_used)) return [3, 0];
	if (d.trend === 'ok' && nz(d.days_to_full)) return [0, d.days_to_full];
	if (d.trend === 'not_growing') return [1, 0];
	return [2, 0];
}

export function byDaysToFull(a, b) {
	const ra = rank(a), rb = rank(b);
	return ra[0] - rb[0] || ra[1] - rb[1] || String(a.guest).localeCompare(String(b.guest));
}

function fmt(n, digits = 1) {
	return new Intl.NumberFormat(currentLang(), { maximumFractionDigits: digits }).format(n);
}

// duration(s): '45 s', '12 min', '3 h', '2 d'.
export function duration(s) {
	if (s < 60) return t('capacity.age_s', { n: Math.round(s) });
	if (s < 3600) return t('capacity.age_min', { n: Math.floor(s / 60) });
	if (s < 86400) return t('capacity.age_h', { n: Math.floor(s / 3600) });
	return t('capacity.age_d', { n: Math.floor(s / 86400) });
}

// daysText(disk): days to full in words, or why there is no such figure.
export function daysText(disk) {
	const d = disk || {};
	if (!nz(d.bytes_used)) return t('capacity.no_report');
	if (d.trend === 'ok' && nz(d.days_to_full)) {
		if (d.days_to_full < 1) return t('capacity.days_under_one');
		const n = Math.floor(d.days_to_full);
		return t('capacity.days_value', { count: n });
	}
	if (d.trend === 'not_growing') return t('capacity.not_growing');
	return t('capacity.not_enough_data');
}

export function diskText(disk) {
	return t('capacity.disk_value', { pct: fmt(disk.percent), used: bytes(disk.bytes_used),
		total: bytes(disk.bytes_total) });
}

function queueText(q) {
	const s = t('capacity.queue_value', { count: q.deferred });
	return nz(q.oldest_deferred_s) ? `${s} · ${t('capacity.queue_oldest', { age: duration(q.oldest_deferred_s) })}` : s;
}

function kindText(kind) {
	return has(`warnings.kind.${kind}`) ? t(`warnings.kind.${kind}`) : kind;
}

// valueText(w): the warning's figure against its threshold, in words.
export function valueText(w) {
	let v = w.value, th = w.threshold;
	if (w.kind === 'queue_age') { v = duration(v); th = duration(th); }
	else if (w.kind === 'queue_deferred') { v = number(v); th = number(th); }
	else { v = fmt(v); th = fmt(th); }
	const key = has(`warnings.value_${w.kind}`) ? `warnings.value_${w.kind}` : 'warnings.value_other';
	return t(key, { value: v, threshold: th });
}

function fig(name, label, ...value) {
	return h('div', { 'data-fig': name }, h('dt', null, label), h('dd', null, ...value));
}

function figures(c) {
	const d = c.disk || {};
	const q = c.queue || {};
	const m = c.mailboxes || {};
	const open = (c.warnings || []).filter((w) => !nz(w.ended_at));
	return h('dl', { class: 'cap-figures' },
		fig('disk', t('capacity.disk'), nz(d.bytes_used) ? diskText(d) : '—'),
		fig('days', t('capacity.days'), daysText(d)),
		fig('queue', t('capacity.queue'), nz(q.deferred) ? queueText(q) : '—'),
		fig('mailboxes', t('capacity.mailboxes'), nz(m.count)
			? t('capacity.mailboxes_value', { count: m.count, bytes: bytes(m.bytes || 0) }) : '—'),
		fig('warnings', t('capacity.warnings'), open.length
			? h('ul', { class: 'cap-warnings' }, open.map((w) => h('li', { 'data-kind': w.kind },
				badge('warn', kindText(w.kind)), ' ', valueText(w))))
			: h('span', { class: 'muted' }, t('capacity.no_warnings'))));
}

// card(c, {project}): a guest's card; mount() draws its chart once the
// card is in the document, destroy() frees it.
export function card(c, { project = false } = {}) {
	const d = c.disk || {};
	const reported = nz(d.bytes_used) && nz(c.report_at);
	const points = (c.series && c.series.points) || [];
	const chart = reported && points.length ? capacityChart(points, d.trend,
		`${t('capacity.chart_label', { guest: c.guest })}: ${t('capacity.chart_summary',
			{ samples: number(points.length), used: bytes(d.bytes_used), trend: daysText(d) })}`) : null;
	const el = h('section', { class: 'card cap-card', 'data-guest': c.guest,
		'aria-labelledby': `cap-h-${c.guest}` },
	h('div', { class: 'cap-head' },
		h('h3', { id: `cap-h-${c.guest}` }, c.guest),
		project ? h('span', { class: 'muted' }, c.project) : null,
		c.state ? stateBadge(c.state) : null,
		h('span', { class: 'cap-age' }, reported
			? [t('capacity.report'), ' ', whenNode(c.report_at)] : t('capacity.no_report'))),
	nz(c.report_error) ? h('p', { class: 'notice notice-warn cap-error' },
		t('capacity.report_refused', { why: c.report_error })) : null,
	figures(c),
	chart ? chart.el : h('p', { class: 'cap-nochart muted' }, t('capacity.no_report_text')));
	return { el, mount: () => chart && chart.mount(), destroy: () => chart && chart.destroy() };
}

// cards(list, opts): the cards of these capacities, nearest to full first.
export function cards(list, opts) {
	return list.slice().sort(byDaysToFull).map((c) => card(c, opts));
}

// guestCards(names, opts, onCleanup): the capacity of each named guest
// fetched (in parallel), as cards in a grid; a guest whose capacity
// failed to load shows the error in its place.  Returns {el, mount()}.
export async function guestCards(names, opts, onCleanup) {
	const got = await Promise.all(names.map((n) => load(n).then((c) => ({ c }), (err) => ({ n, err }))));
	const bad = got.filter((g) => g.err);
	const auth = bad.find((g) => g.err.status === 401);
	if (auth) throw auth.err;
	const made = cards(got.filter((g) => g.c).map((g) => g.c), opts);
	onCleanup(() => made.forEach((m) => m.destroy()));
	const el = h('div', { class: 'cap-grid', id: 'capacity' },
		made.map((m) => m.el),
		bad.map((g) => h('section', { class: 'card cap-card', 'data-guest': g.n },
			h('div', { class: 'cap-head' }, h('h3', null, g.n)), errorBox(g.err))));
	if (!names.length) replace(el, h('p', { class: 'muted' }, t('capacity.empty')));
	return { el, mount: () => made.forEach((m) => m.mount()) };
}

// warningsTable(): the open warnings the caller may see, newest first.
export async function warningsTable() {
	const ans = await api.get('/warnings');
	const items = Array.isArray(ans) ? ans : (ans && ans.items) || [];
	const tbody = h('tbody', null, items.length ? items.map((w) => h('tr',
		{ 'data-kind': w.kind, 'data-object': w.object },
		tdTitle(t('warnings.what'), badge('warn', kindText(w.kind))),
		td(t('warnings.object'), h('span', { class: 'address' },
			w.kind === 'mailbox_quota' ? displayAddress(w.object) : w.object)),
		td(t('warnings.where'), [w.guest, w.project].filter(Boolean).join(' · ')),
		td(t('warnings.value'), valueText(w)),
		td(t('warnings.since'), h('time', { datetime: iso(w.started_at), title: dateTime(w.started_at) },
			dateTime(w.started_at)))))
		: emptyRow(5, t('warnings.empty')));
	return table({ id: 'warnings', columns: [t('warnings.what'), t('warnings.object'),
		t('warnings.where'), t('warnings.value'), t('warnings.since')], tbody });
}

// warningsSection(): the card of open warnings (an error in its place if
// they cannot be had).
export async function warningsSection() {
	const body = h('div');
	try {
		replace(body, await warningsTable());
	} catch (err) {
		if (err.status === 401) throw err;
		replace(body, errorBox(err));
	}
	return h('section', { class: 'card', 'aria-labelledby': 'warn-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'warn-h' }, t('warnings.title')),
			h('p', { class: 'card-note' }, t('warnings.note'))),
		body);
}
