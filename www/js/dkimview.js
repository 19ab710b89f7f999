/* SPDX-License-Identifier: ISC */
// dkimview.js - a domain's DKIM keys on its DNS page (GET, POST
// /domains/D/dkim, .../S/activate, DELETE .../S): each key's state in
// words and its record to copy, "New key" (RSA by default, Ed25519 as a
// choice, the selector optional), activation confirmed by the owner with
// what the page's last DNS check saw of its record, deletion confirmed.
// Without canWrite (a read-only key) no button writes.
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { api, path } from './api.js';
import { date, dateTime } from './format.js';
import { badge, confirmDialog, copyButton, errorBox, errorNotice, errorText, field, loading,
	submitForm, table, td, tdTitle, toast } from './ui.js';
import { statusWords } from './dnsstatus.js';

const STATE_KIND = { pending: 'warn', active: 'on', retiring: 'off' };
const COLS = 5;

function keyKind(k) {
	return k.algorithm === 'ed25519' ? t('dkim.ed25519') : t('dkim.rsa', { bits: k.bits });
}

function stateCell(k) {
	const hint = k.state === 'retiring'
		? t('dkim.state_hint.retiring', { date: date(k.remove_after) }) : t(`dkim.state_hint.${k.state}`);
	return [badge(STATE_KIND[k.state] || 'off', t(`dkim.state.${k.state}`), { 'data-state': k.state }),
		h('span', { class: 'sub' }, hint)];
}

function dates(k) {
	return h('ul', { class: 'dkim-dates' },
		h('li', null, t('dkim.created', { when: dateTime(k.created_at) })),
		k.activated_at ? h('li', null, t('dkim.activated', { when: dateTime(k.activated_at) })) : null,
		k.remove_after ? h('li', null, t('dkim.remove_after', { date: date(k.remove_after) })) : null);
}

// What the page's last check saw of the key's record, in words.
function seenText(k, lastCheck) {
	const c = lastCheck();
	const r = c && c.records.find((x) => x.purpose === 'dkim' && x.name === k.record_name && x.status);
	if (!r) return t(c ? 'dkim.seen_after' : 'dkim.seen_none');
	if (r.status === 'match') return t('dkim.seen_match', { when: dateTime(Math.floor(c.at / 1000)) });
	return t('dkim.seen_other', { status: statusWords(r).text });
}

function newKeyForm(d, onMade) {
	const alg = h('select', { id: 'dkim-alg', name: 'algorithm' },
		h('option', { value: 'rsa', selected: true }, t('dkim.alg_rsa')),
		h('option', { value: 'ed25519' }, t('dkim.alg_ed25519')));
	const sel = h('input', { id: 'dkim-selector', name: 'selector', type: 'text', autocomplete: 'off',
		spellcheck: 'false', autocapitalize: 'none', maxlength: '63' });
	return submitForm({
		id: 'dkim-new',
		submitLabel: t('dkim.new_do'),
		fields: [
			field({ label: t('dkim.algorithm'), input: alg, error: 'algorithm' }),
			field({ label: t('dkim.selector'), input: sel, error: 'selector', hint: t('dkim.selector_hint') }),
		],
		check() {
			const body = { algorithm: alg.value };
			const s = sel.value.trim().toLowerCase();
			if (s) body.selector = s;
			return body;
		},
		async send(body) {
			const k = await api.post(path('domains', d.name, 'dkim'), body);
			toast(t('dkim.made', { selector: k.selector }));
			sel.value = '';
			onMade();
		},
	});
}

// dkimSection(d, {canWrite, lastCheck, onChanged}): the card; lastCheck()
// gives the DNS page's last check ({at, records}) or null; onChanged()
// runs after a key is made, activated or deleted.
export function dkimSection(d, { canWrite, lastCheck, onChanged }) {
	const tbody = h('tbody', null);
	const body = h('div', null, loading());
	const notice = errorNotice(() => load());
	const hint = h('p', { class: 'hint', id: 'dkim-rotate-hint' }, t('dkim.rotate_hint'));
	const form = canWrite ? newKeyForm(d, () => { load(); onChanged(); }) : null;
	let seq = 0;

	// a refused action changed nothing: the records keep their check
	const changed = (request) => request.then(() => { onChanged(); });

	async function activate(k) {
		const ok = await confirmDialog({
			title: t('dkim.activate_title', { selector: k.selector }),
			message: t('dkim.activate_confirm', { name: k.record_name }),
			detail: seenText(k, lastCheck),
			confirmLabel: t('dkim.activate_do'),
		});
		if (ok) notice.run(() => changed(api.post(path('domains', d.name, 'dkim', k.selector, 'activate'), { confirm: true })),
			t('dkim.activated_done', { selector: k.selector }));
	}
	async function remove(k) {
		const ok = await confirmDialog({
			title: t('dkim.delete_title', { selector: k.selector }),
			message: t('dkim.delete_confirm', { selector: k.selector, domain: d.display_name }),
			detail: t(`dkim.delete_detail.${k.state}`),
			confirmLabel: t('common.delete'),
			danger: true,
		});
		if (ok) notice.run(() => changed(api.del(path('domains', d.name, 'dkim', k.selector))),
			t('dkim.deleted', { selector: k.selector }));
	}

	function row(k) {
		const value = h('code', { class: 'dns-value' }, k.record_value);
		const actions = [];
		if (canWrite && k.state === 'pending')
			actions.push(h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'activate',
				on: { click: () => activate(k) } }, t('dkim.activate')));
		// the active key's too: the API's refusal says what to do first
		if (canWrite)
			actions.push(h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', 'data-action': 'delete',
				on: { click: () => remove(k) } }, t('common.delete')));
		return h('tr', { 'data-selector': k.selector, 'data-state': k.state },
			tdTitle(t('dkim.col_selector'), h('code', null, k.selector), h('span', { class: 'sub' }, keyKind(k))),
			td(t('dkim.col_state'), stateCell(k)),
			td(t('dkim.col_record'), h('code', { class: 'dns-name' }, k.record_name), value,
				copyButton(k.record_value, value, { 'data-copy': k.selector,
					'aria-label': t('dkim.copy_record', { selector: k.selector }) })),
			td(t('dkim.col_dates'), dates(k)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, actions)));
	}

	async function load() {
		const mine = ++seq;
		try {
			const list = await api.get(path('domains', d.name, 'dkim'));
			if (mine !== seq) return;
			replace(tbody, list.items.length ? list.items.map(row)
				: h('tr', { class: 'empty-row' }, h('td', { colspan: COLS }, t('dkim.empty'))));
			replace(body, table({ id: 'dkim-keys', tbody, columns: [t('dkim.col_selector'), t('dkim.col_state'),
				t('dkim.col_record'), t('dkim.col_dates'), h('span', { class: 'visually-hidden' }, t('common.actions'))] }),
			form ? [h('h3', { class: 'sub-head' }, t('dkim.new_title')), hint, form] : null);
		} catch (err) {
			if (mine !== seq || err.status === 401) return;
			// no [dkim] key_file: the reason says whose it is to set up
			replace(body, err.reason === 'dkim_not_configured'
				? h('p', { class: 'notice notice-warn', id: 'dkim-off' }, errorText(err)) : errorBox(err, load));
		}
	}
	const el = h('section', { class: 'card', 'aria-labelledby': 'dkim-h', id: 'dkim' },
		h('div', { class: 'card-head' }, h('h2', { id: 'dkim-h' }, t('dkim.title'))),
		h('p', { class: 'card-intro' }, t('dkim.intro')), notice.el, body);
	return { el, load };
}
