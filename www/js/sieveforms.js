/* SPDX-License-Identifier: ISC */
// sieveforms.js - a mailbox's vacation reply and forwarding, as two cards
// with their forms: the same for the mailbox user (base '/me') and for its
// owner or an operator (base '/mailboxes/ADDRESS').  The API renders them
// into one Sieve script the guest's Dovecot runs; the refusals name
// vacation.subject, vacation.text, vacation.start, vacation.end,
// vacation.days (or days) and forward.addresses, shown beside those
// fields.
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { displayAddress } from './punycode.js';
import { badge, checkField, confirmDialog, errorBox, errorNotice, field, loading,
	nextId, reasonText, submitForm, toast } from './ui.js';

const DAYS_DEFAULT = 7;

// addresses typed one a line (commas, semicolons and spaces also split)
function parseAddresses(text) {
	return String(text).split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

function stateBadge(id, on) {
	return h('span', { id, 'data-state': on ? 'on' : 'off' },
		on ? badge('on', t('sieve.on')) : badge('off', t('sieve.off')));
}

// settingCard(kind, {on, base, notice, reload, form, extra}): the card
// of 'vacation' or 'forward': its state, its form and, when it is on, a
// button that clears it once confirmed; the cards are drawn again when
// that worked (a failure stays in the notice).
function settingCard(kind, { on, base, notice, reload, form, extra }) {
	let off = null;
	if (on) {
		off = h('button', { type: 'button', class: 'btn btn-danger-quiet', id: `${kind}-off` }, t(`sieve.${kind}_off`));
		off.addEventListener('click', () => notice.run(async () => {
			const ok = await confirmDialog({ title: t(`sieve.${kind}_off_title`), message: t(`sieve.${kind}_off_confirm`),
				confirmLabel: t(`sieve.${kind}_off`), danger: true });
			if (!ok) return false;
			await api.del(`${base}/${kind}`);
			reload();
			return true;
		}, t('sieve.cleared')));
	}
	return h('section', { class: 'card', 'aria-labelledby': `${kind}-h`, id: kind },
		h('div', { class: 'card-head' }, h('h2', { id: `${kind}-h` }, t(`sieve.${kind}_title`)),
			stateBadge(`${kind}-state`, on), off),
		h('p', { class: 'muted' }, t(`sieve.${kind}_lead`)),
		extra, notice.el, form);
}

function vacationCard(base, v, reload) {
	const subject = h('input', { id: 'vac-subject', type: 'text', maxlength: '200', autocomplete: 'off',
		value: v ? v.subject || '' : '' });
	const text = h('textarea', { id: 'vac-text', rows: '6', autocomplete: 'off' }, v ? v.text : '');
	const start = h('input', { id: 'vac-start', type: 'date', value: v ? v.start || '' : '' });
	const end = h('input', { id: 'vac-end', type: 'date', value: v ? v.end || '' : '' });
	const days = h('input', { id: 'vac-days', type: 'number', min: '1', max: '30', step: '1', inputmode: 'numeric',
		value: String(v ? v.days : DAYS_DEFAULT) });
	const notice = errorNotice(() => {});
	const form = submitForm({
		id: 'vacation-form',
		submitLabel: v ? t('sieve.vacation_save') : t('sieve.vacation_on'),
		fields: [
			field({ label: t('sieve.subject'), input: subject, error: 'vacation.subject', hint: t('sieve.subject_hint'), className: 'span-2' }),
			field({ label: t('sieve.text'), input: text, error: 'vacation.text', hint: t('sieve.text_hint'), className: 'span-2' }),
			field({ label: t('sieve.start'), input: start, error: 'vacation.start', hint: t('sieve.start_hint') }),
			field({ label: t('sieve.end'), input: end, error: 'vacation.end', hint: t('sieve.end_hint') }),
			field({ label: t('sieve.days'), input: days, error: 'vacation.days', hint: t('sieve.days_hint') }),
		],
		check(errs) {
			if (!text.value.trim()) { errs.field('vacation.text', t('sieve.text_needed')); return null; }
			const n = Number(days.value);
			if (!Number.isInteger(n) || n < 1 || n > 30) { errs.field('vacation.days', t('sieve.days_bad')); return null; }
			if (start.value && end.value && end.value < start.value) {
				errs.field('vacation.end', reasonText('date_end_before_start', { start: start.value }));
				return null;
			}
			return { text: text.value, subject: subject.value.trim() || null,
				start: start.value || null, end: end.value || null, days: n };
		},
		async send(body) {
			try {
				await api.put(`${base}/vacation`, body);
			} catch (err) {
				// older servers name the reply's days 'days', newer ones
				// 'vacation.days': either is shown beside the field
				if (err.field === 'days') err.field = 'vacation.days';
				throw err;
			}
			toast(t('sieve.vacation_saved'));
			reload();
		},
	});
	return settingCard('vacation', { on: !!v, base, notice, reload, form });
}

function forwardCard(base, f, reload) {
	const addrs = h('textarea', { id: 'fwd-addresses', rows: '3', spellcheck: 'false', autocapitalize: 'none',
		autocomplete: 'off' }, f ? f.addresses.map(displayAddress).join('\n') : '');
	const keep = h('input', { id: 'fwd-keep', type: 'checkbox', checked: f ? f.keep : true });
	const notice = errorNotice(() => {});
	const form = submitForm({
		id: 'forward-form',
		submitLabel: f ? t('sieve.forward_save') : t('sieve.forward_on'),
		fields: [
			field({ label: t('sieve.addresses'), input: addrs, error: 'forward.addresses', hint: t('sieve.addresses_hint'), className: 'span-2' }),
			h('div', { class: 'span-2' }, checkField({ input: keep, label: t('sieve.keep'), error: 'keep', hint: t('sieve.keep_hint') })),
		],
		check(errs) {
			const list = parseAddresses(addrs.value);
			if (!list.length) { errs.field('forward.addresses', t('sieve.addresses_needed')); return null; }
			if (list.length > 10) { errs.field('forward.addresses', t('sieve.addresses_many')); return null; }
			return { addresses: list, keep: keep.checked };
		},
		async send(body) {
			await api.put(`${base}/forward`, body);
			toast(t('sieve.forward_saved'));
			reload();
		},
	});
	const now = f ? h('p', { id: 'forward-now' }, t(f.keep ? 'sieve.forward_now_keep' : 'sieve.forward_now', {
		addresses: f.addresses.map(displayAddress).join(', ') })) : null;
	return settingCard('forward', { on: !!f, base, notice, reload, form, extra: now });
}

// settingsCards(base): the two cards, loaded from GET base/settings and
// drawn again after each change.  Returns {el, load()}; load() throws
// the API's error (the page shows a refusal in place of the cards).
export function settingsCards(base) {
	const el = h('div', { class: 'sieve-cards', id: nextId('sieve') }, loading());
	async function load() {
		const s = await api.get(`${base}/settings`);
		replace(el, vacationCard(base, s.vacation, reload), forwardCard(base, s.forward, reload));
	}
	async function reload() {
		try { await load(); } catch (err) {
			if (err.status !== 401) replace(el, errorBox(err, reload));
		}
	}
	return { el, load };
}
