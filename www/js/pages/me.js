/* SPDX-License-Identifier: ISC */
// pages/me.js - a mailbox user's own mailbox (GET /me): its usage against
// its quota, its password (the current one required; pushed to the guest
// like any change), its vacation reply and forwarding.
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { quota } from '../format.js';
import { displayAddress } from '../punycode.js';
import { usageBar } from '../usagebar.js';
import { field, submitForm, toast } from '../ui.js';
import { settingsCards } from '../sieveforms.js';

function passwordInput(id, autocomplete) {
	return h('input', { id, type: 'password', autocomplete, spellcheck: 'false' });
}

function passwordCard() {
	const current = passwordInput('me-current', 'current-password');
	const next = passwordInput('me-new', 'new-password');
	const again = passwordInput('me-again', 'new-password');
	const done = h('p', { id: 'password-done', class: 'notice notice-info', role: 'status', hidden: true });
	const form = submitForm({
		id: 'password-form',
		submitLabel: t('me.password_save'),
		fields: [
			field({ label: t('me.current'), input: current, error: 'current_password', className: 'span-2' }),
			field({ label: t('me.new'), input: next, error: 'password', hint: t('me.new_hint') }),
			field({ label: t('me.again'), input: again, error: 'password_again' }),
		],
		check(errs) {
			done.hidden = true;
			if (!current.value) { errs.field('current_password', t('me.current_needed')); return null; }
			if (!next.value) { errs.field('password', t('common.required')); return null; }
			if (next.value !== again.value) { errs.field('password_again', t('me.again_differs')); return null; }
			return { current_password: current.value, password: next.value };
		},
		async send(body) {
			await api.put('/me/password', body);
			current.value = ''; next.value = ''; again.value = '';
			setText(done, t('me.password_done'));
			done.hidden = false;
			toast(t('me.password_saved'));
		},
	});
	return h('section', { class: 'card', 'aria-labelledby': 'pw-h', id: 'password' },
		h('div', { class: 'card-head' }, h('h2', { id: 'pw-h' }, t('me.password_title'))),
		h('p', { class: 'muted' }, t('me.password_lead')), done, form);
}

// usageCard(mb): the mailbox's usage as its guest last reported it.
export function usageCard(mb) {
	return h('section', { class: 'card', 'aria-labelledby': 'use-h', id: 'usage' },
		h('div', { class: 'card-head' }, h('h2', { id: 'use-h' }, t('me.usage_title'))),
		h('dl', { class: 'meta' },
			h('div', null, h('dt', null, t('mailbox.quota')), h('dd', null, quota(mb.quota_bytes))),
			h('div', { 'data-fig': 'used' }, h('dt', null, t('mailbox_usage.column')), h('dd', null, usageBar(mb)))));
}

export default async function render(ctx) {
	ctx.setTitle(t('me.title'));
	const mb = await api.get('/me');
	const cards = settingsCards('/me');
	await cards.load();
	const shown = displayAddress(mb.address);
	const head = h('div', { class: 'page-head' }, h('h1', null, t('me.heading')),
		h('p', { class: 'lead' }, h('span', { class: 'address', id: 'me-address' }, shown),
			mb.name ? ` · ${mb.name}` : ''));
	replace(ctx.view, head, usageCard(mb), passwordCard(), cards.el);
}
