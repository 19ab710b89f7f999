/* SPDX-License-Identifier: ISC */
// pages/dns.js - the DNS records a domain needs (GET /domains/D/dns): a
// list grouped by domain and alias domain, each value copied with one
// click, the whole zone text, and "Check now" (?check=true) showing each
// record's status in words beside its colour; then the domain's DKIM keys
// (dkimview.js), whose activation dialog says what the last check saw.
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { date, dateTime } from '../format.js';
import { toUnicode } from '../punycode.js';
import { badge, copyButton, domainHref, errorBox, errorNotice, loading, table, td, tdTitle } from '../ui.js';
import { statusNode } from '../dnsstatus.js';
import { dkimSection } from '../dkimview.js';

// A record without a value: what its guest lacks, in the page's words
// (the API's note is English); pref 20 is the backup MX's.
function notConfigured(r, d) {
	const guest = r.purpose === 'mx' && r.preference === 20 ? d.backup_guest : d.guest;
	const key = r.purpose === 'mx' ? 'dns.not_configured_mx'
		: r.purpose === 'spf' ? 'dns.not_configured_spf' : 'dns.not_configured';
	return h('p', { class: 'dns-note', title: r.note || null }, t(key, { guest: guest || '' }));
}

function actionLine(r) {
	if (r.action === 'keep')
		return h('p', { class: 'dns-action' }, badge('neutral', t('dns.keep_until', { date: date(r.keep_until) })));
	if (r.action === 'remove')
		return h('p', { class: 'dns-action' }, badge('warn', t('dns.remove')));
	return null;
}

function recordRow(r, d) {
	const value = r.value === null ? null : h('code', { class: 'dns-value' }, r.value);
	const type = r.type === 'MX' ? [r.type, ' ', h('span', { class: 'muted' }, t('dns.priority', { pref: r.preference }))] : r.type;
	return h('tr', { 'data-name': r.name, 'data-type': r.type, 'data-purpose': r.purpose,
		'data-status': r.status || null, class: r.action === 'remove' ? 'row-off' : '' },
	tdTitle(t('dns.col_name'), h('code', { class: 'dns-name' }, r.name),
		h('span', { class: 'sub' }, t(`dns.purpose.${r.purpose}`))),
	td(t('dns.col_type'), type),
	td(t('dns.col_value'), value || notConfigured(r, d), actionLine(r)),
	td(t('dns.col_status'), statusNode(r)),
	h('td', { class: 'col-actions' }, value ? copyButton(r.value, value,
		{ 'aria-label': t('dns.copy_value', { name: r.name }), 'data-copy': r.name }) : null));
}

// The records by the domain they are for, in the API's order.
function groups(records) {
	const out = new Map();
	for (const r of records) {
		if (!out.has(r.domain)) out.set(r.domain, []);
		out.get(r.domain).push(r);
	}
	return out;
}

function recordTables(answer, d) {
	return [...groups(answer.records)].map(([name, recs]) => {
		const shown = toUnicode(name);
		return h('div', { class: 'dns-group', 'data-domain': name },
			h('h3', { class: 'sub-head' }, name === d.name ? shown : t('dns.alias_group', { name: shown }),
				shown !== name ? h('span', { class: 'sub' }, ` ${name}`) : null),
			table({ className: 'dns-records', caption: shown,
				columns: [t('dns.col_name'), t('dns.col_type'), t('dns.col_value'), t('dns.col_status'),
					h('span', { class: 'visually-hidden' }, t('common.actions'))],
				tbody: h('tbody', null, recs.map((r) => recordRow(r, d))) }));
	});
}

function summary(records) {
	const n = { match: 0, different: 0, missing: 0, failed: 0 };
	for (const r of records) if (r.status in n && r.action !== 'remove') n[r.status] += 1;
	return t('dns.summary', n);
}

// The records card: the list, "Check now" and the zone text.  onChecked
// gets each check's answer (for the DKIM keys' activation).
function recordsSection(d, onChecked) {
	const body = h('div', { id: 'dns-records' }, loading());
	const zone = h('pre', { id: 'dns-zone', class: 'dns-zone', tabindex: '0' });
	const zoneCopy = copyButton(() => zone.textContent, zone, { id: 'dns-zone-copy' });
	const checkBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'dns-check' }, t('dns.check'));
	const state = h('p', { id: 'dns-check-state', class: 'card-note', role: 'status', 'aria-live': 'polite' });
	const notice = errorNotice();
	let seq = 0;

	async function show(check) {
		const mine = ++seq;
		notice.hide();
		if (check) {
			checkBtn.disabled = true;
			body.setAttribute('aria-busy', 'true');
			replace(state, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('dns.checking'));
		}
		try {
			const answer = await api.get(path('domains', d.name, 'dns'), check ? { check: 'true' } : undefined);
			if (mine !== seq) return;
			replace(body, recordTables(answer, d));
			setText(zone, answer.zone);
			if (!check) setText(state, '');	// the statuses shown are gone
			if (check) {
				setText(state, `${t('dns.checked_at', { when: dateTime(Math.floor(Date.now() / 1000)) })} · ${summary(answer.records)}`);
				onChecked(answer);
			}
		} catch (err) {
			if (mine !== seq || err.status === 401) return;
			if (check) { setText(state, ''); notice.show(err); } else replace(body, errorBox(err, () => show(false)));
		} finally {
			if (mine === seq) { checkBtn.disabled = false; body.removeAttribute('aria-busy'); }
		}
	}
	checkBtn.addEventListener('click', () => show(true));
	const el = [
		h('section', { class: 'card', 'aria-labelledby': 'dns-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'dns-h' }, t('dns.records_title')), checkBtn),
			h('p', { class: 'card-intro' }, t('dns.records_intro')),
			h('p', { class: 'hint' }, t('dns.check_hint')),
			state, notice.el, body),
		h('section', { class: 'card', 'aria-labelledby': 'zone-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'zone-h' }, t('dns.zone_title')), zoneCopy),
			h('p', { class: 'card-intro' }, t('dns.zone_intro')), zone),
	];
	return { el, load: () => show(false) };
}

export default async function render(ctx) {
	const d = await api.get(path('domains', ctx.params[0]));
	const title = t('dns.title', { domain: d.display_name });
	ctx.setTitle(title);
	let lastCheck = null;
	const records = recordsSection(d, (answer) => { lastCheck = { at: Date.now(), records: answer.records }; });
	// a key made, activated or deleted changes the DKIM records
	const keys = dkimSection(d, {
		canWrite: !ctx.session.read_only,
		lastCheck: () => lastCheck,
		onChanged: () => records.load(),
	});
	ctx.view.append(
		h('div', { class: 'page-head' },
			h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumbs') },
				h('a', { href: '#/dashboard' }, t('nav.dashboard')), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('a', { href: domainHref(d.name) }, d.display_name), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('span', null, t('dns.crumb'))),
			h('div', { class: 'head-row' },
				h('h1', null, title),
				h('div', { class: 'head-actions' },
					h('a', { class: 'btn', href: domainHref(d.name) }, t('dns.back')))),
			h('p', { class: 'lead' }, t('dns.lead'))),
		...records.el, keys.el);
	await Promise.all([records.load(), keys.load()]);
}
