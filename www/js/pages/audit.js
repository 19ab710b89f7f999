// pages/audit.js - the audit log, newest first, a page at a time: who
// changed what, through which door.
import { h, replace } from '../dom.js';
import { t, has } from '../i18n.js';
import { api } from '../api.js';
import { dateTime, iso } from '../format.js';
import { displayAddress } from '../punycode.js';
import { badge, emptyRow, errorRow, loadingRow, pager, table, td, tdTitle } from '../ui.js';

const PAGE = 50;

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
	const tbody = h('tbody', null, loadingRow(5));
	const pg = pager(load);
	function row(e) {
		return h('tr', { 'data-id': String(e.id) },
			tdTitle(t('audit.when'), h('time', { datetime: iso(e.at) }, dateTime(e.at))),
			td(t('audit.who'), h('strong', null, e.actor), ' ', badge('neutral', t(`audit.via_${e.via}`))),
			td(t('audit.action_col'), actionText(e.action), h('span', { class: 'sub' }, e.action)),
			td(t('audit.object'), h('span', { class: 'address' }, displayAddress(e.object))),
			td(t('audit.detail'), detailNode(e.detail)));
	}
	let loadSeq = 0;
	async function load(cursor) {
		const mine = ++loadSeq;
		tbody.setAttribute('aria-busy', 'true');
		try {
			const page = await api.get('/audit', { limit: PAGE, cursor });
			if (mine !== loadSeq) return;	// a newer request took over
			replace(tbody, page.items.length ? page.items.map(row) : emptyRow(5, t('audit.empty')));
			pg.loaded(page.next_cursor);
		} catch (err) {
			if (err.status === 401) return;
			replace(tbody, errorRow(5, err, () => load(pg.cursor())));
		} finally {
			tbody.removeAttribute('aria-busy');
		}
	}
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('audit.title')),
			h('p', { class: 'lead' }, ctx.session.role === 'admin' ? t('audit.lead_admin') : t('audit.lead_owner'))),
		h('section', { class: 'card', 'aria-label': t('audit.title') },
			table({ id: 'audit', columns: [t('audit.when'), t('audit.who'), t('audit.action_col'), t('audit.object'), t('audit.detail')], tbody }),
			pg.el));
	await load(null);
}
