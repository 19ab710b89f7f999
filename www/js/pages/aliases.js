/* SPDX-License-Identifier: ISC */
// pages/aliases.js - a domain's aliases and forwards, its catch-all and the
// alias domains aimed at it.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { displayAddress, toUnicode } from '../punycode.js';
import { exportButton } from '../exportfile.js';
import { activeBadge, confirmDialog, domainHref, errorBox, errorNotice, field, formDialog,
	submitForm, readLocalPart, nextId, table, td, tdTitle, toast, loading } from '../ui.js';
import { pagedList } from '../listview.js';

// destinations typed one a line (commas and spaces also split them)
function parseDestinations(text) {
	return String(text).split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

function destList(dests) {
	return h('ul', { class: 'dest-list' }, dests.map((a) => h('li', { class: 'address' }, displayAddress(a))));
}

function destInput(id, value = []) {
	return h('textarea', { id, rows: '3', spellcheck: 'false', autocapitalize: 'none', autocomplete: 'off' },
		value.map(displayAddress).join('\n'));
}

async function editDestinations(alias, title) {
	const dests = destInput(nextId('al-dest'), alias.destinations);
	return formDialog({
		title,
		fields: [field({ label: t('aliases.destinations'), input: dests, error: 'destinations', hint: t('aliases.dest_hint') })],
		onSubmit: async (form, errs) => {
			const list = parseDestinations(dests.value);
			if (!list.length) { errs.field('destinations', t('aliases.need_dest')); return false; }
			return api.patch(path('aliases', alias.address), { destinations: list });
		},
	});
}

// ---- catch-all ----------------------------------------------------------------

function catchAllSection(d) {
	const body = h('div', null, loading());
	const notice = errorNotice(() => show());
	const addr = `@${d.name}`;	// the catch-all's address in the API
	let seq = 0;
	async function show() {
		const mine = ++seq;
		let ca = null;
		try {
			ca = await api.get(path('aliases', addr));
		} catch (err) {
			if (mine !== seq || err.status === 401) return;
			if (err.status !== 404) { replace(body, errorBox(err, show)); return; }
		}
		if (mine !== seq) return;	// a newer look took over
		if (!ca) {
			const set = h('button', { type: 'button', class: 'btn btn-primary' }, t('catchall.set'));
			set.addEventListener('click', () => create());
			replace(body, h('p', { class: 'muted' }, t('catchall.none')), set);
			return;
		}
		const edit = h('button', { type: 'button', class: 'btn' }, t('catchall.edit'));
		const toggle = h('button', { type: 'button', class: 'btn' }, ca.active ? t('common.disable') : t('common.enable'));
		const del = h('button', { type: 'button', class: 'btn btn-danger-quiet' }, t('catchall.remove'));
		edit.addEventListener('click', async () => {
			const r = await editDestinations(ca, t('catchall.edit_title', { domain: d.display_name }));
			if (r) { toast(t('catchall.saved')); show(); }
		});
		toggle.addEventListener('click', () => notice.run(() => api.patch(path('aliases', addr), { active: !ca.active }),
			t('catchall.saved')));
		del.addEventListener('click', async () => {
			const ok = await confirmDialog({ title: t('catchall.remove_title'),
				message: t('catchall.remove_confirm', { domain: d.display_name }), confirmLabel: t('catchall.remove'), danger: true });
			if (ok) notice.run(() => api.del(path('aliases', addr)), t('catchall.saved'));
		});
		replace(body,
			h('div', { class: 'catchall', id: 'catch-all', 'data-address': addr },
				h('p', null, t('catchall.goes_to'), ' ', activeBadge(ca.active)),
				destList(ca.destinations)),
			h('div', { class: 'row-actions' }, edit, toggle, del));
	}
	async function create() {
		const dests = destInput(nextId('ca-dest'));
		const r = await formDialog({
			title: t('catchall.set_title', { domain: d.display_name }),
			submitLabel: t('catchall.set'),
			fields: [h('p', null, t('catchall.explain')),
				field({ label: t('aliases.destinations'), input: dests, error: 'destinations', hint: t('aliases.dest_hint') })],
			onSubmit: async (form, errs) => {
				const list = parseDestinations(dests.value);
				if (!list.length) { errs.field('destinations', t('aliases.need_dest')); return false; }
				return api.post(path('domains', d.name, 'aliases'), { catch_all: true, destinations: list });
			},
		});
		if (r) { toast(t('catchall.saved')); show(); }
	}
	const el = h('section', { class: 'card', 'aria-labelledby': 'ca-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'ca-h' }, t('catchall.title'))),
		h('p', { class: 'card-intro' }, t('catchall.explain')), notice.el, body);
	return { el, load: show };
}

// ---- aliases ------------------------------------------------------------------

function aliasSection(d) {
	const list = pagedList({
		cols: 4,
		search: { id: 'alias-q', label: t('aliases.search') },
		fetch: (params) => api.get(path('domains', d.name, 'aliases'), params),
		// the catch-all has its own card above
		items: (page) => page.items.filter((a) => a.local_part !== ''),
		row,
		empty: (q) => (q ? t('aliases.none_match') : t('aliases.empty')),
	});
	const notice = errorNotice(list.reload);

	function row(a) {
		const edit = h('button', { type: 'button', class: 'btn btn-small' }, t('common.edit'));
		const toggle = h('button', { type: 'button', class: 'btn btn-small' }, a.active ? t('common.disable') : t('common.enable'));
		const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
		const shown = displayAddress(a.address);
		edit.addEventListener('click', async () => {
			const r = await editDestinations(a, t('aliases.edit_title', { address: shown }));
			if (r) { toast(t('aliases.saved', { address: shown })); list.reload(); }
		});
		toggle.addEventListener('click', () => notice.run(() => api.patch(path('aliases', a.address), { active: !a.active }),
			t('aliases.saved', { address: shown })));
		del.addEventListener('click', async () => {
			const ok = await confirmDialog({ title: t('aliases.delete_title'),
				message: t('aliases.delete_confirm', { address: shown }), confirmLabel: t('common.delete'), danger: true });
			if (ok) notice.run(() => api.del(path('aliases', a.address)), t('aliases.deleted', { address: shown }));
		});
		return h('tr', { 'data-address': a.address, class: a.active ? '' : 'row-off' },
			tdTitle(t('aliases.address'), h('span', { class: 'address' }, shown)),
			td(t('aliases.destinations'), destList(a.destinations)),
			td(t('common.status'), activeBadge(a.active)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, edit, toggle, del)));
	}

	// the add form
	const local = h('input', { id: 'al-local', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '64' });
	const dests = destInput('al-dest');
	const form = submitForm({
		id: 'alias-add',
		submitLabel: t('aliases.add'),
		fields: [
			field({ label: t('aliases.local_part'), input: local, error: 'local_part', after: h('span', { class: 'suffix' }, `@${d.display_name}`) }),
			field({ label: t('aliases.destinations'), input: dests, error: 'destinations', hint: t('aliases.dest_hint') }),
		],
		check(errs) {
			const localPart = readLocalPart(local, errs);
			if (localPart === null) return null;
			const destinations = parseDestinations(dests.value);
			if (!destinations.length) { errs.field('destinations', t('aliases.need_dest')); return null; }
			return { local_part: localPart, destinations };
		},
		async send(body) {
			const a = await api.post(path('domains', d.name, 'aliases'), body);
			toast(t('aliases.added', { address: displayAddress(a.address) }));
			local.value = ''; dests.value = '';
			local.focus();
			list.reload();
		},
	});
	const el = h('section', { class: 'card', 'aria-labelledby': 'al-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'al-h' }, t('aliases.list_title'))),
		h('p', { class: 'card-intro' }, t('aliases.explain')),
		h('div', { class: 'toolbar' }, list.search.el),
		notice.el,
		table({ id: 'aliases', columns: [t('aliases.address'), t('aliases.destinations'), t('common.status'),
			h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody: list.tbody }),
		list.pg.el,
		h('h3', { class: 'sub-head' }, t('aliases.add_title')),
		form);
	return { el, load: () => list.load(null) };
}

// ---- alias domains ------------------------------------------------------------

function aliasDomainSection(d) {
	const list = pagedList({
		cols: 3,
		fetch: (params) => api.get('/alias-domains', { domain: d.name, ...params }),
		row,
		empty: () => t('aliasdomains.empty'),
	});
	const notice = errorNotice(list.reload);
	function row(ad) {
		const shown = toUnicode(ad.name);
		const toggle = h('button', { type: 'button', class: 'btn btn-small' }, ad.active ? t('common.disable') : t('common.enable'));
		const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
		toggle.addEventListener('click', () => notice.run(() => api.patch(path('alias-domains', ad.name), { active: !ad.active }),
			t('aliasdomains.saved', { name: shown })));
		del.addEventListener('click', async () => {
			const ok = await confirmDialog({ title: t('aliasdomains.delete_title'),
				message: t('aliasdomains.delete_confirm', { name: shown, target: d.display_name }), confirmLabel: t('common.delete'), danger: true });
			if (ok) notice.run(() => api.del(path('alias-domains', ad.name)), t('aliasdomains.deleted', { name: shown }));
		});
		return h('tr', { 'data-alias-domain': ad.name, class: ad.active ? '' : 'row-off' },
			tdTitle(t('aliasdomains.name'), h('span', { class: 'address' }, shown), shown !== ad.name ? h('span', { class: 'sub' }, ad.name) : null),
			td(t('common.status'), activeBadge(ad.active)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, toggle, del)));
	}
	const name = h('input', { id: 'ad-name', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' });
	const form = submitForm({
		id: 'alias-domain-add',
		submitLabel: t('aliasdomains.add'),
		inline: true,
		fields: [
			field({ label: t('aliasdomains.name'), input: name, error: 'name', hint: t('aliasdomains.name_hint', { target: d.display_name }) }),
		],
		check(errs) {
			if (!name.value.trim()) { errs.field('name', t('common.required')); return null; }
			return { name: name.value.trim(), target: d.name };
		},
		async send(body) {
			const ad = await api.post('/alias-domains', body);
			toast(t('aliasdomains.added', { name: toUnicode(ad.name) }));
			name.value = '';
			list.load(null);
		},
	});
	const el = h('section', { class: 'card', 'aria-labelledby': 'ad-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'ad-h' }, t('aliasdomains.title'))),
		h('p', { class: 'card-intro' }, t('aliasdomains.explain', { target: d.display_name })),
		notice.el,
		table({ id: 'alias-domains', columns: [t('aliasdomains.name'), t('common.status'),
			h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody: list.tbody }),
		list.pg.el,
		h('h3', { class: 'sub-head' }, t('aliasdomains.add_title')),
		form);
	return { el, load: () => list.load(null) };
}

export default async function render(ctx) {
	const d = await api.get(path('domains', ctx.params[0]));
	const title = t('aliases.title', { domain: d.display_name });
	ctx.setTitle(title);
	const ca = catchAllSection(d);
	const al = aliasSection(d);
	const ad = aliasDomainSection(d);
	ctx.view.append(
		h('div', { class: 'page-head' },
			h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumbs') },
				h('a', { href: '#/dashboard' }, t('nav.dashboard')), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('a', { href: domainHref(d.name) }, d.display_name), h('span', { 'aria-hidden': 'true' }, ' › '),
				h('span', null, t('aliases.crumb'))),
			h('div', { class: 'head-row' },
				h('h1', null, title),
				h('div', { class: 'head-actions' },
					exportButton({ label: t('aliases.export'), hint: t('aliases.export_hint'),
						path: '/export/aliases', query: { domain: d.name }, id: 'export-aliases' }),
					h('a', { class: 'btn', href: domainHref(d.name) }, t('aliases.back'))))),
		al.el, ca.el, ad.el);
	await Promise.all([ca.load(), al.load(), ad.load()]);
}
