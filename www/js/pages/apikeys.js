/* SPDX-License-Identifier: ISC */
// pages/apikeys.js - API keys for scripts: create one (its secret shown
// once), see when each was last used, revoke.  A session that did not
// pass a second factor may not make one (403 totp_session_needed): the
// page says so and points to the two-factor sign-in.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { dateTime, date } from '../format.js';
import { whenNode } from '../guestview.js';
import { badge, checkField, confirmDialog, errorNotice, field, submitForm,
	secretDialog, table, td, tdTitle } from '../ui.js';
import { pagedList } from '../listview.js';

function status(k) {
	const now = Date.now() / 1000;
	if (k.revoked_at) return badge('off', t('apikeys.revoked'), { title: dateTime(k.revoked_at) });
	if (k.expires_at && k.expires_at <= now) return badge('warn', t('apikeys.expired'));
	return badge('on', t('apikeys.live'));
}

export default async function render(ctx) {
	const admin = ctx.session.role === 'admin';
	ctx.setTitle(t('apikeys.title'));
	const list = pagedList({
		cols: 8,
		fetch: (params) => api.get('/api-keys', params),
		row,
		empty: () => t('apikeys.empty'),
		back: false,
	});
	const notice = errorNotice(list.reload);

	function row(k) {
		const live = !k.revoked_at;
		const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', disabled: !live }, t('apikeys.revoke'));
		revoke.addEventListener('click', async () => {
			const ok = await confirmDialog({ title: t('apikeys.revoke_title'),
				message: t('apikeys.revoke_confirm', { prefix: k.prefix, login: k.login }), detail: t('apikeys.revoke_detail'),
				confirmLabel: t('apikeys.revoke'), danger: true });
			if (ok) notice.run(() => api.del(path('api-keys', k.prefix)), t('apikeys.revoked_ok', { prefix: k.prefix }));
		});
		return h('tr', { 'data-prefix': k.prefix, class: live ? '' : 'row-off' },
			tdTitle(t('apikeys.prefix'), h('code', null, k.prefix)),
			td(t('apikeys.login'), k.login),
			td(t('apikeys.access'), k.read_only ? badge('neutral', t('apikeys.read_only')) : badge('admin', t('apikeys.read_write'))),
			td(t('apikeys.created'), date(k.created_at)),
			td(t('apikeys.expires'), k.expires_at ? dateTime(k.expires_at) : h('span', { class: 'muted' }, t('apikeys.never'))),
			td(t('apikeys.last_used'), whenNode(k.last_used_at, 'apikeys.never_used')),
			td(t('common.status'), status(k)),
			h('td', { class: 'col-actions' }, revoke));
	}

	const login = h('input', { id: 'key-login', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', value: ctx.session.login });
	const ro = h('input', { id: 'key-ro', type: 'checkbox' });
	const expires = h('input', { id: 'key-expires', type: 'date' });
	// shown from the start when whoami says so, or when the API refuses
	const needs2fa = h('div', { class: 'notice notice-warn', id: 'apikey-2fa', role: 'status',
		hidden: ctx.session.via !== 'web' || ctx.session.second_factor !== false },
	h('p', null, t('apikeys.needs_2fa')),
	h('p', null, h('a', { href: '#/security', class: 'btn' }, t('apikeys.to_security'))));
	const form = submitForm({
		id: 'apikey-add',
		submitLabel: t('apikeys.create'),
		fields: [
			admin ? field({ label: t('apikeys.login'), input: login, error: 'login', hint: t('apikeys.login_hint') }) : null,
			field({ label: t('apikeys.expires'), input: expires, error: 'expires_at', hint: t('apikeys.expires_hint') }),
			h('div', { class: 'span-2' }, checkField({ input: ro, label: t('apikeys.read_only_label'), error: 'read_only', hint: t('apikeys.read_only_hint') })),
		],
		check(errs) {
			const body = { read_only: ro.checked };
			if (admin && login.value.trim()) body.login = login.value.trim();
			if (expires.value) {
				// the end of the chosen day, local time
				const end = new Date(`${expires.value}T23:59:59`);
				if (Number.isNaN(end.getTime())) { errs.field('expires_at', t('apikeys.expires_bad')); return null; }
				body.expires_at = Math.floor(end.getTime() / 1000);
			}
			return body;
		},
		async send(body) {
			let k;
			try {
				k = await api.post('/api-keys', body);
			} catch (err) {
				if (err.reason === 'totp_session_needed') needs2fa.hidden = false;
				throw err;
			}
			// a key made here ends with this sign-in at the latest: say when
			const until = k.expires_at ? ` ${t('apikeys.created_until', { when: dateTime(k.expires_at) })}` : '';
			await secretDialog({ title: t('apikeys.created_title'), message: t('apikeys.created_text', { login: k.login }) + until,
				secret: k.token, label: t('apikeys.token') });
			expires.value = ''; ro.checked = false;
			list.load(null);
		},
	});

	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('apikeys.title')), h('p', { class: 'lead' }, t('apikeys.lead'))),
		h('section', { class: 'card', 'aria-label': t('apikeys.title') }, notice.el,
			table({ id: 'api-keys', columns: [t('apikeys.prefix'), t('apikeys.login'), t('apikeys.access'), t('apikeys.created'),
				t('apikeys.expires'), t('apikeys.last_used'), t('common.status'), h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody: list.tbody }),
			list.pg.el),
		h('section', { class: 'card', 'aria-labelledby': 'ka-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'ka-h' }, t('apikeys.create_title'))), needs2fa, form));
	await list.load(null);
}
