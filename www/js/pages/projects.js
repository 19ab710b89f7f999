// pages/projects.js - projects with their limits and usage; an operator
// adds them, changes limits and deletes empty ones.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { number, bytes, fromUnitInput, toUnitInput } from '../format.js';
import { confirmDialog, emptyRow, errorRow, errorText, field, formDialog, formError, formErrors,
	loadingRow, nextId, pager, quotaInputs, searchBox, table, td, tdTitle, toast, usageMeter } from '../ui.js';

const PAGE = 50;

function wholeOrZero(input) {
	const v = input.value.trim();
	if (v === '') return 0;
	const n = Number(v);
	return Number.isInteger(n) && n >= 0 ? n : NaN;
}

function limitFields(prefix, p) {
	const maxDomains = h('input', { id: nextId(`${prefix}-maxd`), type: 'text', inputmode: 'numeric', value: p && p.max_domains ? String(p.max_domains) : '' });
	const maxMailboxes = h('input', { id: nextId(`${prefix}-maxm`), type: 'text', inputmode: 'numeric', value: p && p.max_mailboxes ? String(p.max_mailboxes) : '' });
	const storage = quotaInputs(nextId(`${prefix}-maxs`), toUnitInput(p ? p.max_storage_bytes : 0));
	const nodes = [
		field({ label: t('projects.max_domains'), input: maxDomains, error: 'max_domains', hint: t('projects.zero_hint') }),
		field({ label: t('projects.max_mailboxes'), input: maxMailboxes, error: 'max_mailboxes', hint: t('projects.zero_hint') }),
		field({ label: t('projects.max_storage'), input: storage.num, after: storage.unit, error: 'max_storage', hint: t('projects.storage_hint') }),
	];
	function read(errs) {
		const body = {};
		const d = wholeOrZero(maxDomains);
		if (Number.isNaN(d)) { errs.field('max_domains', t('common.whole_number')); return null; }
		const m = wholeOrZero(maxMailboxes);
		if (Number.isNaN(m)) { errs.field('max_mailboxes', t('common.whole_number')); return null; }
		const s = fromUnitInput(storage.num.value, storage.sel.value);
		if (Number.isNaN(s)) { errs.field('max_storage', t('mailbox.quota_bad')); return null; }
		body.max_domains = d;
		body.max_mailboxes = m;
		body.max_storage = s || 0;
		return body;
	}
	return { nodes, read };
}

export default async function render(ctx) {
	const admin = ctx.session.role === 'admin';
	ctx.setTitle(t('projects.title'));
	const tbody = h('tbody', null, loadingRow(5));
	const errBox = h('div', { class: 'notice notice-error', role: 'alert', hidden: true });
	let q = '';
	const pg = pager(load);
	const search = searchBox({ id: 'project-q', label: t('projects.search'), onSearch: (v) => { q = v; pg.reset(); load(null); } });

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
				if (r) { toast(t('projects.saved', { name: p.name })); load(pg.cursor()); }
			});
			del.addEventListener('click', async () => {
				const ok = await confirmDialog({ title: t('projects.delete_title'),
					message: t('projects.delete_confirm', { name: p.name }), detail: t('projects.delete_detail'),
					confirmLabel: t('common.delete'), danger: true });
				if (!ok) return;
				errBox.hidden = true;
				try {
					await api.del(path('projects', p.name));
					toast(t('projects.deleted', { name: p.name }));
				} catch (err) {
					replace(errBox, h('p', null, errorText(err)));
					errBox.hidden = false;
				}
				load(pg.cursor());
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
	let loadSeq = 0;
	async function load(cursor) {
		const mine = ++loadSeq;
		tbody.setAttribute('aria-busy', 'true');
		try {
			const page = await api.get('/projects', { limit: PAGE, cursor, q });
			if (mine !== loadSeq) return;	// a newer request took over
			if (!page.items.length && pg.back()) return;
			replace(tbody, page.items.length ? page.items.map(row) : emptyRow(5, q ? t('projects.none_match') : t('projects.empty')));
			pg.loaded(page.next_cursor);
			search.clearError();
		} catch (err) {
			if (err.status === 401) return;
			if (err.field === 'q') search.showError(err);
			else replace(tbody, errorRow(5, err, () => load(pg.cursor())));
		} finally {
			tbody.removeAttribute('aria-busy');
		}
	}

	let addCard = null;
	if (admin) {
		const name = h('input', { id: 'project-name', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '63' });
		const lf = limitFields('pa', null);
		const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('projects.add'));
		const form = h('form', { id: 'project-add', class: 'form form-grid', novalidate: true },
			field({ label: t('projects.name'), input: name, error: 'name', hint: t('projects.name_hint') }),
			lf.nodes, formError(), h('div', { class: 'form-actions span-2' }, submit));
		const errs = formErrors(form);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			errs.clear();
			if (!name.value.trim()) { errs.field('name', t('common.required')); return; }
			const body = lf.read(errs);
			if (!body) return;
			body.name = name.value.trim();
			submit.disabled = true;
			try {
				const p = await api.post('/projects', body);
				toast(t('projects.added', { name: p.name }));
				name.value = '';
				load(null);
			} catch (err) {
				errs.show(err);
			} finally {
				submit.disabled = false;
			}
		});
		addCard = h('section', { class: 'card', 'aria-labelledby': 'pa-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'pa-h' }, t('projects.add_title'))), form);
	}

	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('projects.title')), h('p', { class: 'lead' }, t('projects.lead'))),
		h('section', { class: 'card', 'aria-label': t('projects.title') },
			h('div', { class: 'toolbar' }, search.el), errBox,
			table({ id: 'projects', className: 'usage-table', columns: [t('projects.name'), t('usage.domains'), t('usage.mailboxes'),
				t('usage.storage'), h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody }),
			pg.el),
		addCard);
	await load(null);
}
