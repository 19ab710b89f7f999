/* SPDX-License-Identifier: ISC */
// pages/audit.js - the audit log, newest first, a page at a time: who
// changed what, through which door.
import { h } from '../dom.js';
import { t, has } from '../i18n.js';
import { api } from '../api.js';
import { dateTime, iso } from '../format.js';
import { displayAddress } from '../punycode.js';
import { badge, table, td, tdTitle } from '../ui.js';
import { pagedList } from '../listview.js';

function actionText(action) {
	const key = `audit.action.${String(action).replace(/\./g, '_')}`;
	return has(key) ? t(key) : action;
}

function detailNode(detail) {
	if (detail === null || detail === undefined) return h('span', { class: 'muted' }, '—');
	return h('details', { class: 'audit-detail' },
		h('summary', null, t('audit.show_detail')),
		h('pre', null, JSON.stringify(detail, null, 2)));
}

export default async function render(ctx) {
	ctx.setTitle(t('audit.title'));
	const list = pagedList({
		cols: 5,
		fetch: (params) => api.get('/audit', params),
		row,
		empty: () => t('audit.empty'),
		back: false,
	});
	function row(e) {
		return h('tr', { 'data-id': String(e.id) },
			tdTitle(t('audit.when'), h('time', { datetime: iso(e.at) }, dateTime(e.at))),
			td(t('audit.who'), h('strong', null, e.actor), ' ', badge('neutral', t(`audit.via_${e.via}`))),
			td(t('audit.action_col'), actionText(e.action), h('span', { class: 'sub' }, e.action)),
			td(t('audit.object'), h('span', { class: 'address' }, displayAddress(e.object))),
			td(t('audit.detail'), detailNode(e.detail)));
	}
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('audit.title')),
			h('p', { class: 'lead' }, ctx.session.role === 'admin' ? t('audit.lead_admin') : t('audit.lead_owner'))),
		h('section', { class: 'card', 'aria-label': t('audit.title') },
			table({ id: 'audit', columns: [t('audit.when'), t('audit.who'), t('audit.action_col'), t('audit.object'), t('audit.detail')], tbody: list.tbody }),
			list.pg.el));
	await list.load(null);
}
