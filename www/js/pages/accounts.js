/* SPDX-License-Identifier: ISC */
// pages/accounts.js - who may use the panel: operators and project owners;
// add, issue a new password (shown once), reset the second factor,
// disable / enable, delete.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, path, allItems } from '../api.js';
import { number } from '../format.js';
import { generatePassword } from '../password.js';
import { badge, confirmDialog, errorNotice, field, submitForm,
	secretDialog, table, td, tdTitle, toast } from '../ui.js';
import { pagedList } from '../listview.js';

export default async function render(ctx) {
	ctx.setTitle(t('accounts.title'));
	const me = ctx.session.login;
	const list = pagedList({
		cols: 7,
		search: { id: 'account-q', label: t('accounts.search') },
		fetch: (params) => api.get('/accounts', params),
		row,
		empty: (q) => (q ? t('accounts.none_match') : t('accounts.empty')),
		rethrow: [403, 404],
	});
	const notice = errorNotice(list.reload);

	function row(a) {
		const pw = h('button', { type: 'button', class: 'btn btn-small' }, t('accounts.new_password'));
		const toggle = h('button', { type: 'button', class: 'btn btn-small' }, a.disabled ? t('common.enable') : t('common.disable'));
		const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
		// the list does not say who has a second factor: one without it
		// answers 404 totp_not_enrolled, worded in the notice
		const totp = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'totp-reset' },
			t('accounts.totp_reset'));
		if (a.login === me) { toggle.disabled = true; del.disabled = true; }
		pw.addEventListener('click', () => notice.run(async () => {
			// a password that leaked may have made keys: they can go with it
			const revoke = h('input', { id: 'account-revoke-keys', type: 'checkbox' });
			const detail = [t('accounts.new_password_detail')];
			if (a.live_keys > 0) {
				detail.push(h('br'), h('span', { class: 'check' }, revoke, ' ',
					h('label', { for: revoke.id }, t('accounts.revoke_keys', { count: a.live_keys }))));
			}
			const ok = await confirmDialog({ title: t('accounts.new_password_title'),
				message: t('accounts.new_password_confirm', { login: a.login }), detail,
				confirmLabel: t('accounts.new_password') });
			if (!ok) return false;
			const password = generatePassword(16);
			const body = { password };
			if (revoke.checked) body.revoke_keys = true;
			await api.patch(path('accounts', a.login), body);
			await secretDialog({ title: t('accounts.password_title'),
				message: t(revoke.checked ? 'accounts.password_done_keys' : 'accounts.password_done', { login: a.login }),
				secret: password, label: t('accounts.password') });
			return false;
		}));
		toggle.addEventListener('click', () => notice.run(async () => {
			if (!a.disabled) {
				const ok = await confirmDialog({ title: t('accounts.disable_title'),
					message: t('accounts.disable_confirm', { login: a.login }), confirmLabel: t('common.disable'), danger: true });
				if (!ok) return false;
			}
			return api.patch(path('accounts', a.login), { disabled: !a.disabled });
		}, t('accounts.saved', { login: a.login })));
		totp.addEventListener('click', () => notice.run(async () => {
			const ok = await confirmDialog({ title: t('accounts.totp_reset_title'),
				message: t('accounts.totp_reset_confirm', { login: a.login }), detail: t('accounts.totp_reset_detail'),
				confirmLabel: t('accounts.totp_reset'), danger: true });
			if (!ok) return false;
			return api.del(path('accounts', a.login, 'totp'));
		}, t('accounts.totp_reset_done', { login: a.login })));
		del.addEventListener('click', () => notice.run(async () => {
			const ok = await confirmDialog({ title: t('accounts.delete_title'),
				message: t('accounts.delete_confirm', { login: a.login }), detail: t('accounts.delete_detail'),
				confirmLabel: t('common.delete'), danger: true });
			if (!ok) return false;
			return api.del(path('accounts', a.login));
		}, t('accounts.deleted', { login: a.login })));
		return h('tr', { 'data-login': a.login, class: a.disabled ? 'row-off' : '' },
			tdTitle(t('accounts.login'), h('strong', null, a.login), a.login === me ? h('span', { class: 'sub' }, t('accounts.you')) : null),
			td(t('accounts.role'), a.role === 'admin' ? badge('admin', t('role.admin')) : badge('neutral', t('role.owner'))),
			td(t('accounts.project'), a.project || h('span', { class: 'muted' }, '—')),
			td(t('accounts.web'), a.has_password ? t('accounts.web_yes') : h('span', { class: 'muted' }, t('accounts.web_no'))),
			td(t('common.status'), a.disabled ? badge('off', t('accounts.disabled')) : badge('on', t('accounts.enabled'))),
			td(t('accounts.keys'), number(a.live_keys)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, pw, totp, toggle, del)));
	}
	await list.load(null);	// an owner's 403 shows the "not allowed" view

	// the add form
	let projects = [];
	try { projects = (await allItems('/projects')).map((p) => p.name); } catch (e) { projects = []; }
	const login = h('input', { id: 'account-login', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '63' });
	const role = h('select', { id: 'account-role' },
		h('option', { value: 'owner' }, t('role.owner')), h('option', { value: 'admin' }, t('role.admin')));
	const project = h('select', { id: 'account-project' }, projects.map((p) => h('option', { value: p }, p)));
	const password = h('input', { id: 'account-password', type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
	const gen = h('button', { type: 'button', class: 'btn' }, t('mailbox.generate'));
	gen.addEventListener('click', () => { password.value = generatePassword(16); password.setAttribute('type', 'text'); password.select(); });
	const projectField = field({ label: t('accounts.project'), input: project, error: 'project', hint: t('accounts.project_hint') });
	role.addEventListener('change', () => { projectField.hidden = role.value !== 'owner'; });
	const form = submitForm({
		id: 'account-add',
		submitLabel: t('accounts.add'),
		fields: [
			field({ label: t('accounts.login'), input: login, error: 'login', hint: t('accounts.login_hint') }),
			field({ label: t('accounts.role'), input: role, error: 'role' }),
			projectField,
			field({ label: t('accounts.password'), input: password, error: 'password', after: gen, hint: t('accounts.password_hint') }),
		],
		check(errs) {
			if (!login.value.trim()) { errs.field('login', t('common.required')); return null; }
			const body = { login: login.value.trim(), role: role.value };
			if (role.value === 'owner') body.project = project.value;
			if (password.value) body.password = password.value;
			return body;
		},
		async send(body) {
			const a = await api.post('/accounts', body);
			toast(t('accounts.added', { login: a.login }));
			login.value = ''; password.value = ''; password.setAttribute('type', 'password');
			list.load(null);
		},
	});
	ctx.view.prepend(
		h('div', { class: 'page-head' }, h('h1', null, t('accounts.title')), h('p', { class: 'lead' }, t('accounts.lead'))),
		h('section', { class: 'card', 'aria-label': t('accounts.title') },
			h('div', { class: 'toolbar' }, list.search.el), notice.el,
			table({ id: 'accounts', columns: [t('accounts.login'), t('accounts.role'), t('accounts.project'), t('accounts.web'),
				t('common.status'), t('accounts.keys'), h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody: list.tbody }),
			list.pg.el));
	ctx.view.append(h('section', { class: 'card', 'aria-labelledby': 'aa-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'aa-h' }, t('accounts.add_title'))), form));
}
