/* SPDX-License-Identifier: ISC */
// pages/mailbox.js - one mailbox, for its project's owner or an operator:
// its usage against its quota, its vacation reply and forwarding.  A
// mailbox user is sent to its own page; another mailbox answers 403
// (mailbox_user_not_allowed), shown by the router as a refusal.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { displayAddress, toUnicode } from '../punycode.js';
import { activeBadge, domainHref } from '../ui.js';
import { settingsCards } from '../sieveforms.js';
import { usageCard } from './me.js';

export default async function render(ctx) {
	const [address] = ctx.params;
	if (ctx.session.role === 'mailbox' && address === ctx.session.login) { ctx.go('#/me', true); return; }
	// Both before anything is drawn: a refusal shows no data.
	const mb = await api.get(path('mailboxes', address));
	const cards = settingsCards(path('mailboxes', mb.address));
	await cards.load();
	const shown = displayAddress(mb.address);
	const domain = mb.address.slice(mb.address.lastIndexOf('@') + 1);
	ctx.setTitle(shown);
	replace(ctx.view,
		h('div', { class: 'page-head' },
			h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumbs') },
				h('a', { href: '#/dashboard' }, t('nav.dashboard')), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('a', { href: domainHref(domain) }, toUnicode(domain)), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('span', null, shown)),
			h('h1', null, h('span', { class: 'address' }, shown)),
			h('p', { class: 'lead' }, mb.name || '', ' ', activeBadge(mb.active))),
		usageCard(mb),
		cards.el);
}
