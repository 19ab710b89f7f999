/* SPDX-License-Identifier: ISC */
// pages/notfound.js - an unknown route, or an object the API says is not
// there (or belongs to another project: the API answers 404 alike).
import { h } from '../dom.js';
import { t } from '../i18n.js';

function view(ctx, id, title, text) {
	ctx.setTitle(title);
	ctx.view.append(h('section', { id, class: 'empty-page' },
		h('h1', null, title),
		h('p', null, text),
		h('p', null, h('a', { href: '#/dashboard', class: 'btn btn-primary' }, t('notfound.back')))));
}

export default function render(ctx) {
	view(ctx, 'not-found', t('notfound.title'), t('notfound.text'));
}

export function forbidden(ctx) {
	view(ctx, 'forbidden', t('notfound.forbidden_title'), t('notfound.forbidden_text'));
}
