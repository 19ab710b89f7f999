/* SPDX-License-Identifier: ISC */
// pages/login.js - sign in with a login name (or a mailbox's address) and
// password (a web session); an account with two-factor sign-in is then
// asked for its code, and the three are sent again together.
import { h, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { errorText, reasonText } from '../ui.js';

export default function render(ctx) {
	ctx.setTitle(t('login.title'));
	const flash = ctx.flash();
	const login = h('input', { id: 'login', name: 'login', type: 'text', autocomplete: 'username',
		autocapitalize: 'none', spellcheck: 'false', required: true });
	const password = h('input', { id: 'password', name: 'password', type: 'password',
		autocomplete: 'current-password', required: true });
	// a TOTP code (6 digits) or a recovery code (xxxx-xxxx-xxxx): text
	const code = h('input', { id: 'code', name: 'code', type: 'text', autocomplete: 'one-time-code',
		autocapitalize: 'none', spellcheck: 'false', maxlength: '20', 'aria-describedby': 'code-hint' });
	const codeField = h('div', { class: 'field', id: 'code-field', hidden: true },
		h('label', { for: 'code' }, t('login.code')), code,
		h('p', { class: 'hint', id: 'code-hint' }, t('login.code_hint')));
	const error = h('p', { id: 'login-error', class: 'notice notice-error', role: 'alert', hidden: true });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
	const form = h('form', { id: 'login-form', class: 'form', novalidate: true },
		h('div', { class: 'field' }, h('label', { for: 'login' }, t('login.login')), login,
			h('p', { class: 'hint' }, t('login.login_hint'))),
		h('div', { class: 'field' }, h('label', { for: 'password' }, t('login.password')), password),
		codeField,
		error,
		submit);

	function fail(text, input) {
		setText(error, text);
		error.hidden = false;
		if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
	}

	// The code step: the name and password stay as typed (sent again
	// with the code); changing either starts over without the code.
	function askCode(on) {
		codeField.hidden = !on;
		form.dataset.step = on ? 'code' : 'password';
		if (!on) code.value = '';
	}
	login.addEventListener('input', () => askCode(false));
	password.addEventListener('input', () => askCode(false));

	function refused(err) {
		if (err.status === 401 && err.reason === 'totp_code_needed') {
			askCode(true);
			fail(reasonText(err.reason, err.params), code);
			code.removeAttribute('aria-invalid');	// nothing wrong yet
		} else if (err.status === 401 && !codeField.hidden) {
			fail(reasonText(err.reason, err.params) || reasonText('totp_bad_code', {}) || t('login.failed'), code);
			code.select();
		} else if (err.status === 401) {
			fail(t('login.failed'), password);
			password.select();
		} else if (err.status === 429) {
			fail(err.retryAfter ? t('login.throttled', { seconds: err.retryAfter }) : t('login.throttled_now'));
		} else fail(errorText(err));
	}

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		error.hidden = true;
		for (const i of [login, password, code]) i.removeAttribute('aria-invalid');
		if (!login.value.trim()) { fail(t('login.need_login'), login); return; }
		if (!password.value) { fail(t('login.need_password'), password); return; }
		const body = { login: login.value.trim(), password: password.value };
		if (!codeField.hidden) {
			if (!code.value.trim()) { fail(t('login.need_code'), code); return; }
			body.code = code.value.trim();
		}
		submit.disabled = true;
		setText(submit, t('login.submitting'));
		try {
			await api.post('/session', body, { quietAuth: true });
			const who = await api.get('/whoami', undefined, { quietAuth: true });
			password.value = '';
			code.value = '';
			await ctx.signedIn(who);
		} catch (err) {
			refused(err);
		} finally {
			submit.disabled = false;
			setText(submit, t('login.submit'));
		}
	});

	askCode(false);
	ctx.view.append(h('div', { class: 'login-wrap' },
		h('section', { class: 'card login-card', 'aria-labelledby': 'login-title' },
			h('h1', { id: 'login-title' }, t('login.heading')),
			h('p', { class: 'muted' }, t('login.intro')),
			flash ? h('p', { class: 'notice notice-info', role: 'status' }, flash) : null,
			form)));
	login.focus();
}
