/* SPDX-License-Identifier: ISC */
// pages/projects.js - projects with their limits and usage; an operator
// adds them, changes limits and deletes empty ones.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { number, bytes, readSize } from '../format.js';
import { confirmDialog, errorNotice, field, formDialog, submitForm,
	nextId, sizeInput, table, td, tdTitle, toast, usageMeter } from '../ui.js';
import { pagedList } from '../listview.js';

function wholeOrZero(input) {
	const v = input.value.trim();
	if (v === '') return 0;
	const n = Number(v);
	return Number.isInteger(n) && n >= 0 ? n : NaN;
}

function limitFields(prefix, p) {
	const maxDomains = h('input', { id: nextId(`${prefix}-maxd`), type: 'text', inputmode: 'numeric', value: p && p.max_domains ? String(p.max_domains) : '' });
	const maxMailboxes = h('input', { id: nextId(`${prefix}-maxm`), type: 'text', inputmode: 'numeric', value: p && p.max_mailboxes ? String(p.max_mailboxes) : '' });
	const storage = sizeInput(nextId(`${prefix}-maxs`), p ? p.max_storage_bytes : 0);
	const shownStorage = storage.value;
	const nodes = [
		field({ label: t('projects.max_domains'), input: maxDomains, error: 'max_domains', hint: t('projects.zero_hint') }),
		field({ label: t('projects.max_mailboxes'), input: maxMailboxes, error: 'max_mailboxes', hint: t('projects.zero_hint') }),
		field({ label: t('projects.max_storage'), input: storage, error: 'max_storage', hint: t('projects.storage_hint') }),
	];
	function read(errs) {
		const body = {};
		const d = wholeOrZero(maxDomains);
		if (Number.isNaN(d)) { errs.field('max_domains', t('common.whole_number')); return null; }
		const m = wholeOrZero(maxMailboxes);
		if (Number.isNaN(m)) { errs.field('max_mailboxes', t('common.whole_number')); return null; }
		const s = readSize(storage.value);
		if (Number.isNaN(s)) { errs.field('max_storage', t('mailbox.quota_bad')); return null; }
		body.max_domains = d;
		body.max_mailboxes = m;
		// unchanged: the stored bytes, not the (maybe rounded) text shown
		body.max_storage = p && storage.value === shownStorage ? p.max_storage_bytes : s || 0;
		return body;
	}
	return { nodes, read };
}

export default async function render(ctx) {
	const admin = ctx.session.role === 'admin';
	ctx.setTitle(t('projects.title'));
	const list = pagedList({
		cols: 5,
		search: { id: 'project-q', label: t('projects.search') },
		fetch: (params) => api.get('/projects', params),
		row,
		empty: (q) => (q ? t('projects.none_match') : t('projects.empty')),
	});
	const notice = errorNotice(list.reload);

	function row(p) {
		const actions = [];
		if (admin) {
			const edit = h('button', { type: 'button', class: 'btn btn-small' }, t('projects.edit'));
			const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
			edit.addEventListener('click', async () => {
				const lf = limitFields('pe', p);
				const r = await formDialog({
					title: t('projects.edit_title', { name: p.name }),
					fields: lf.nodes,
					onSubmit: async (form, errs) => {
						const body = lf.read(errs);
						if (!body) return false;
						return api.patch(path('projects', p.name), body);
					},
				});
				if (r) { toast(t('projects.saved', { name: p.name })); list.reload(); }
			});
			del.addEventListener('click', async () => {
				const ok = await confirmDialog({ title: t('projects.delete_title'),
					message: t('projects.delete_confirm', { name: p.name }), detail: t('projects.delete_detail'),
					confirmLabel: t('common.delete'), danger: true });
				if (ok) notice.run(() => api.del(path('projects', p.name)), t('projects.deleted', { name: p.name }));
			});
			actions.push(edit, del);
		}
		return h('tr', { 'data-project': p.name },
			tdTitle(t('projects.name'), h('strong', null, p.name)),
			td(t('usage.domains'), usageMeter(t('usage.domains'), p.domains, p.max_domains, number)),
			td(t('usage.mailboxes'), usageMeter(t('usage.mailboxes'), p.mailboxes, p.max_mailboxes, number)),
			td(t('usage.storage'), usageMeter(t('usage.storage'), p.storage_bytes, p.max_storage_bytes, bytes)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, actions)));
	}

	let addCard = null;
	if (admin) {
		const name = h('input', { id: 'project-name', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '63' });
		const lf = limitFields('pa', null);
		const form = submitForm({
			id: 'project-add',
			submitLabel: t('projects.add'),
			fields: [
				field({ label: t('projects.name'), input: name, error: 'name', hint: t('projects.name_hint') }),
				lf.nodes,
			],
			check(errs) {
				if (!name.value.trim()) { errs.field('name', t('common.required')); return null; }
				const body = lf.read(errs);
				if (body) body.name = name.value.trim();
				return body;
			},
			async send(body) {
				const p = await api.post('/projects', body);
				toast(t('projects.added', { name: p.name }));
				name.value = '';
				list.load(null);
			},
		});
		addCard = h('section', { class: 'card', 'aria-labelledby': 'pa-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'pa-h' }, t('projects.add_title'))), form);
	}

	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('projects.title')), h('p', { class: 'lead' }, t('projects.lead'))),
		h('section', { class: 'card', 'aria-label': t('projects.title') },
			h('div', { class: 'toolbar' }, list.search.el), notice.el,
			table({ id: 'projects', className: 'usage-table', columns: [t('projects.name'), t('usage.domains'), t('usage.mailboxes'),
				t('usage.storage'), h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody: list.tbody }),
			list.pg.el),
		addCard);
	await list.load(null);
}
