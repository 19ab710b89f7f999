/* SPDX-License-Identifier: ISC */
// pages/notfound.js - an unknown route, or an object the API says is not
// there (or belongs to another project: the API answers 404 alike).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { reasonText } from '../ui.js';

// The way back: a mailbox user's home is its own mailbox.
function view(ctx, id, title, text) {
	const home = ctx.home || '#/dashboard';
	ctx.setTitle(title);
	ctx.view.append(h('section', { id, class: 'empty-page' },
		h('h1', null, title),
		h('p', null, text),
		h('p', null, h('a', { href: home, class: 'btn btn-primary' },
			home === '#/dashboard' ? t('notfound.back') : t('notfound.back_home')))));
}

export default function render(ctx) {
	view(ctx, 'not-found', t('notfound.title'), t('notfound.text'));
}

// forbidden(ctx, err): an operator's page (not even asked for), or what
// the API refused (err: its reason, e.g. a mailbox user's other mailbox).
export function forbidden(ctx, err) {
	const why = err ? reasonText(err.reason, err.params) : '';
	const own = ctx.session && ctx.session.role === 'mailbox';
	view(ctx, 'forbidden', t('notfound.forbidden_title'),
		why || (own ? t('notfound.forbidden_mailbox') : t('notfound.forbidden_text')));
}
