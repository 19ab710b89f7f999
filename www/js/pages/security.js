/* SPDX-License-Identifier: ISC */
// pages/security.js - the signed-in account's two-factor sign-in (TOTP,
// RFC 6238): its state, the enrolment (the server's QR code and the
// secret for typing in, confirmed by a first code) and the ten recovery
// codes, shown once with a way to copy or save them.  Where [auth]
// require_totp covers the account, this page is all the panel shows
// until the enrolment is done.
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { badge, errorNotice, field, saveFile, submitForm, toast } from '../ui.js';

// The secret in groups of four, as authenticator apps show them.
function grouped(secret) {
	return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

function statusView(st) {
	if (st.confirmed)
		return h('div', { id: 'totp-status', 'data-state': 'on' },
			h('p', null, badge('on', t('security.on')), ' ',
				t('security.codes_left', { count: st.recovery_codes_left })),
			h('p', { class: 'muted' }, t('security.reset_hint')));
	return h('div', { id: 'totp-status', 'data-state': st.enrolled ? 'pending' : 'off' },
		h('p', null, badge('off', t('security.off')), ' ', t('security.off_text')));
}

// recoveryView(codes): the ten codes, once: copy them or save a file.
function recoveryView(codes, login) {
	const text = `${t('security.file_head', { login })}\n\n${codes.join('\n')}\n`;
	const status = h('p', { class: 'hint', role: 'status' });
	const copy = h('button', { type: 'button', class: 'btn', id: 'recovery-copy' }, t('common.copy'));
	copy.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(text);
			setText(status, t('common.copied'));
		} catch (e) {
			window.getSelection().selectAllChildren(list);
			setText(status, t('common.copy_manually'));
		}
	});
	const save = h('button', { type: 'button', class: 'btn', id: 'recovery-save' }, t('security.save_file'));
	save.addEventListener('click', () => saveFile(`hakomail-recovery-codes-${login}.txt`,
		new Blob([text], { type: 'text/plain;charset=utf-8' })));
	const list = h('ol', { id: 'recovery-codes', class: 'recovery-codes' },
		codes.map((c) => h('li', null, h('code', null, c))));
	return h('section', { class: 'card', 'aria-labelledby': 'rc-h', id: 'recovery' },
		h('div', { class: 'card-head' }, h('h2', { id: 'rc-h', tabindex: '-1' }, t('security.recovery_title'))),
		h('p', null, t('security.recovery_text')),
		list,
		h('div', { class: 'form-actions' }, copy, save),
		status,
		h('p', { class: 'notice notice-warn' }, t('common.shown_once')));
}

// enrolView(e, done): the new secret (QR code, typed secret, the app's
// link) and the form confirming it with a first code.
function enrolView(e, done) {
	const code = h('input', { id: 'totp-code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
		maxlength: '6', spellcheck: 'false' });
	const form = submitForm({
		id: 'totp-confirm',
		submitLabel: t('security.confirm'),
		fields: [field({ label: t('security.code'), input: code, error: 'code', hint: t('security.code_hint') })],
		inline: true,
		check(errs) {
			const v = code.value.replace(/\s+/g, '');
			if (!/^[0-9]{6}$/.test(v)) { errs.field('code', t('security.code_bad')); return null; }
			return { code: v };
		},
		async send(body) {
			const r = await api.post('/me/totp/confirm', body);
			code.value = '';
			await done(r.recovery_codes);
		},
	});
	const img = h('img', { id: 'totp-qr', class: 'totp-qr', alt: t('security.qr_alt'), width: '200', height: '200',
		src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(e.qr_svg)}` });
	return h('section', { class: 'card', 'aria-labelledby': 'en-h', id: 'totp-enrol' },
		h('div', { class: 'card-head' }, h('h2', { id: 'en-h', tabindex: '-1' }, t('security.enrol_title'))),
		h('ol', { class: 'steps' },
			h('li', null, h('p', null, t('security.step_scan')), img,
				h('p', null, t('security.step_manual')),
				h('p', null, h('code', { id: 'totp-secret', class: 'totp-secret', 'data-secret': e.secret }, grouped(e.secret))),
				h('p', { class: 'hint' }, t('security.secret_kind'), ' ',
					h('a', { href: e.uri, id: 'totp-uri' }, t('security.open_app')))),
			h('li', null, h('p', null, t('security.step_code')), form)));
}

export default async function render(ctx) {
	ctx.setTitle(t('security.title'));
	const st = await api.get('/me/totp');
	const statusBox = h('div', null, statusView(st));
	const work = h('div');
	const notice = errorNotice(() => {});
	const start = h('button', { type: 'button', class: 'btn btn-primary', id: 'totp-start', hidden: st.confirmed },
		st.enrolled ? t('security.restart') : t('security.start'));
	const must = ctx.session.totp_enrolment_needed;

	async function confirmed(codes) {
		const who = await ctx.refreshSession();
		replace(statusBox, statusView(await api.get('/me/totp')));
		start.hidden = true;
		const next = h('p', null, h('a', { href: ctx.home === '#/security' ? '#/dashboard' : ctx.home,
			class: 'btn btn-primary', id: 'totp-continue' }, t('security.continue')));
		replace(work, recoveryView(codes, who.login), next);
		toast(t('security.enabled'));
		work.querySelector('h2').focus();
	}

	start.addEventListener('click', async () => {
		notice.hide();
		start.disabled = true;
		try {
			const e = await api.post('/me/totp');
			start.hidden = true;
			replace(work, enrolView(e, confirmed));
			work.querySelector('#totp-code').focus();
		} catch (err) {
			notice.show(err);
		} finally {
			start.disabled = false;
		}
	});

	replace(ctx.view,
		h('div', { class: 'page-head' }, h('h1', null, t('security.title')), h('p', { class: 'lead' }, t('security.lead'))),
		must ? h('p', { class: 'notice notice-warn', id: 'totp-required', role: 'status' }, t('security.required')) : null,
		h('section', { class: 'card', 'aria-labelledby': 'st-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'st-h' }, t('security.status_title'))),
			statusBox, notice.el, start),
		work);
}
