/* SPDX-License-Identifier: ISC */
// pages/login.js - sign in with a login name and password (a web session).
import { h, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { errorText } from '../ui.js';

export default function render(ctx) {
	ctx.setTitle(t('login.title'));
	const flash = ctx.flash();
	const login = h('input', { id: 'login', name: 'login', type: 'text', autocomplete: 'username',
		autocapitalize: 'none', spellcheck: 'false', required: true });
	const password = h('input', { id: 'password', name: 'password', type: 'password',
		autocomplete: 'current-password', required: true });
	const error = h('p', { id: 'login-error', class: 'notice notice-error', role: 'alert', hidden: true });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
	const form = h('form', { id: 'login-form', class: 'form', novalidate: true },
		h('div', { class: 'field' }, h('label', { for: 'login' }, t('login.login')), login),
		h('div', { class: 'field' }, h('label', { for: 'password' }, t('login.password')), password),
		error,
		submit);

	function fail(text, input) {
		setText(error, text);
		error.hidden = false;
		if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		error.hidden = true;
		login.removeAttribute('aria-invalid');
		password.removeAttribute('aria-invalid');
		if (!login.value.trim()) { fail(t('login.need_login'), login); return; }
		if (!password.value) { fail(t('login.need_password'), password); return; }
		submit.disabled = true;
		setText(submit, t('login.submitting'));
		try {
			await api.post('/session', { login: login.value.trim(), password: password.value }, { quietAuth: true });
			const who = await api.get('/whoami', undefined, { quietAuth: true });
			password.value = '';
			await ctx.signedIn(who);
		} catch (err) {
			if (err.status === 401) fail(t('login.failed'), password);
			else if (err.status === 429) fail(err.retryAfter ? t('login.throttled', { seconds: err.retryAfter }) : t('login.throttled_now'));
			else fail(errorText(err));
			password.select();
		} finally {
			submit.disabled = false;
			setText(submit, t('login.submit'));
		}
	});

	ctx.view.append(h('div', { class: 'login-wrap' },
		h('section', { class: 'card login-card', 'aria-labelledby': 'login-title' },
			h('h1', { id: 'login-title' }, t('login.heading')),
			h('p', { class: 'muted' }, t('login.intro')),
			flash ? h('p', { class: 'notice notice-info', role: 'status' }, flash) : null,
			form)));
	login.focus();
}
