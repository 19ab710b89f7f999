/* SPDX-License-Identifier: ISC */
// pages/dashboard.js - the project at a glance: usage against its limits,
// for an owner its guests' capacity (charts) and open warnings, its guests
// with their push state (polled), its domains.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { number, bytes, quota } from '../format.js';
import { allGuests, watchGuests } from '../poll.js';
import { fillDetail, guestRows, whenNode } from '../guestview.js';
import { activeBadge, domainHref, emptyRow, errorBox, errorRow, formDialog, field, loadingRow,
	stateBadge, setState, table, td, tdTitle, toast, usageMeter, nextId, loading } from '../ui.js';
import { PAGE, pagedList } from '../listview.js';

// ---- usage ------------------------------------------------------------------

function projectUsage(p) {
	return h('div', { class: 'usage-grid' },
		usageMeter(t('usage.domains'), p.domains, p.max_domains, number),
		usageMeter(t('usage.mailboxes'), p.mailboxes, p.max_mailboxes, number),
		usageMeter(t('usage.storage'), p.storage_bytes, p.max_storage_bytes, bytes));
}

async function usageSection(ctx) {
	const body = h('div', null, loading());
	const sec = h('section', { class: 'card', 'aria-labelledby': 'usage-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'usage-h' }, t('dashboard.usage'))), body);
	try {
		if (ctx.session.role === 'owner') {
			const p = await api.get(path('projects', ctx.session.project));
			replace(body, projectUsage(p));
		} else {
			const page = await api.get('/projects', { limit: PAGE });
			const tbody = h('tbody', null, page.items.length ? page.items.map((p) => h('tr', { 'data-project': p.name },
				tdTitle(t('projects.name'), h('strong', null, p.name)),
				td(t('usage.domains'), usageMeter(t('usage.domains'), p.domains, p.max_domains, number)),
				td(t('usage.mailboxes'), usageMeter(t('usage.mailboxes'), p.mailboxes, p.max_mailboxes, number)),
				td(t('usage.storage'), usageMeter(t('usage.storage'), p.storage_bytes, p.max_storage_bytes, bytes))))
				: emptyRow(4, t('projects.empty')));
			replace(body, table({ id: 'usage', className: 'usage-table',
				columns: [t('projects.name'), t('usage.domains'), t('usage.mailboxes'), t('usage.storage')], tbody }),
			page.next_cursor ? h('p', null, h('a', { href: '#/projects' }, t('dashboard.all_projects'))) : null);
		}
	} catch (err) {
		if (err.status === 401) return sec;
		replace(body, errorBox(err));
	}
	return sec;
}

// ---- an owner's capacity -------------------------------------------------------

// The capacity page is the operators'; an owner sees its own guests'
// cards and charts here, and its project's open warnings.  capacityview
// (and uPlot with it) is loaded only for them.
function capacitySection(ctx) {
	const body = h('div', null, loading());
	const warn = h('div');
	const sec = h('div', { class: 'cap-owner' },
		h('section', { class: 'cap-section', 'aria-labelledby': 'cap-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'cap-h' }, t('capacity.owner_title')),
				h('p', { class: 'card-note' }, t('capacity.owner_note'))),
			body),
		warn);
	const start = async () => {
		try {
			const cv = await import('../capacityview.js');
			const names = (await allGuests()).map((g) => g.name);
			const [grid, ws] = await Promise.all([
				cv.guestCards(names, { project: false }, ctx.onCleanup), cv.warningsSection()]);
			if (!ctx.alive()) return;
			replace(body, grid.el);
			grid.mount();
			warn.replaceWith(ws);
		} catch (err) {
			if (err.status === 401) return;
			replace(body, errorBox(err));
		}
	};
	return { sec, start };
}

// ---- guests -----------------------------------------------------------------

function guestSection(ctx) {
	const admin = ctx.session.role === 'admin';
	const tbody = h('tbody', null, loadingRow(admin ? 5 : 4));
	const cols = [t('guests.name')];
	if (admin) cols.push(t('guests.project'));
	cols.push(t('guests.state'), t('guests.last_push'), t('guests.detail'));

	function makeRow(g) {
		const r = {
			tr: h('tr', { 'data-guest': g.name }),
			state: stateBadge(g.state),
			last: td(t('guests.last_push')),
			detail: td(t('guests.detail')),
		};
		r.tr.append(tdTitle(t('guests.name'), h('strong', null, g.name)));
		if (admin) r.tr.append(td(t('guests.project'), g.project));
		r.tr.append(td(t('guests.state'), r.state), r.last, r.detail);
		return r;
	}
	function fill(r, g) {
		setState(r.state, g.state);
		replace(r.last, whenNode(g.last_push_at));
		fillDetail(r.detail, g);
	}
	const apply = guestRows({ tbody, cols: cols.length, empty: t('dashboard.no_guests'), make: makeRow, fill });
	const sec = h('section', { class: 'card', 'aria-labelledby': 'guests-h' },
		h('div', { class: 'card-head' },
			h('h2', { id: 'guests-h' }, t('dashboard.guests')),
			h('p', { class: 'card-note' }, t('dashboard.guests_note'))),
		table({ id: 'guests', columns: cols, tbody }));
	const start = async () => {
		try {
			apply(await allGuests());
		} catch (err) {
			if (err.status === 401) return;
			replace(tbody, errorRow(cols.length, err));
		}
		if (ctx.alive()) ctx.onCleanup(watchGuests(apply));
	};
	return { sec, start };
}

// ---- domains ----------------------------------------------------------------

function domainRow(d) {
	return h('tr', { 'data-domain': d.name },
		tdTitle(t('domains.name'), h('a', { href: domainHref(d.name), class: 'strong-link' }, d.display_name),
			d.display_name !== d.name ? h('span', { class: 'sub' }, d.name) : null),
		td(t('domains.guest'), d.guest, d.backup_guest ? h('span', { class: 'sub' }, t('domains.backup', { guest: d.backup_guest })) : null),
		td(t('domains.mailboxes'), d.max_mailboxes ? t('domains.count_of', { count: d.mailboxes, max: number(d.max_mailboxes) }) : number(d.mailboxes)),
		td(t('domains.default_quota'), quota(d.default_quota_bytes)),
		td(t('domains.status'), activeBadge(d.active)));
}

function domainSection(ctx) {
	const list = pagedList({
		cols: 5,
		search: { id: 'domain-q', label: t('dashboard.search_domains') },
		fetch: (params) => api.get('/domains', params),
		row: domainRow,
		empty: (q) => (q ? t('domains.none_match') : t('domains.empty')),
		back: false,
	});
	const addBtn = h('button', { type: 'button', class: 'btn btn-primary' }, t('domains.add'));
	addBtn.addEventListener('click', () => addDomain(ctx));
	const sec = h('section', { class: 'card', 'aria-labelledby': 'domains-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'domains-h' }, t('dashboard.domains')), addBtn),
		h('div', { class: 'toolbar' }, list.search.el),
		table({ id: 'domains', columns: [t('domains.name'), t('domains.guest'), t('domains.mailboxes'),
			t('domains.default_quota'), t('domains.status')], tbody: list.tbody }),
		list.pg.el);
	return { sec, start: () => list.load(null) };
}

async function addDomain(ctx) {
	let guests = [];
	try { guests = await allGuests(); } catch (e) { guests = []; }
	const name = h('input', { id: nextId('dom-name'), type: 'text', autocomplete: 'off', spellcheck: 'false', required: true });
	const guest = h('select', { id: nextId('dom-guest'), required: true },
		guests.map((g) => h('option', { value: g.name },
			ctx.session.role === 'admin' ? `${g.name} (${g.project})` : g.name)));
	const created = await formDialog({
		title: t('domains.add_title'),
		submitLabel: t('domains.add'),
		fields: [
			field({ label: t('domains.name'), input: name, error: 'name', hint: t('domains.name_hint') }),
			guests.length
				? field({ label: t('domains.guest'), input: guest, error: 'guest', hint: t('domains.guest_hint') })
				: h('p', { class: 'notice notice-warn' }, t('domains.no_guest')),
		],
		onSubmit: async (form, errs) => {
			if (!name.value.trim()) { errs.field('name', t('common.required')); return false; }
			return api.post('/domains', { name: name.value.trim(), guest: guest.value });
		},
	});
	if (created && created.name) {
		toast(t('domains.added', { name: created.display_name }));
		ctx.go(domainHref(created.name));
	}
}

export default async function render(ctx) {
	const s = ctx.session;
	const title = s.role === 'owner' ? t('dashboard.title_project', { project: s.project }) : t('dashboard.title');
	ctx.setTitle(title);
	const guests = guestSection(ctx);
	const domains = domainSection(ctx);
	const usage = h('div');
	const cap = s.role === 'owner' ? capacitySection(ctx) : null;
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, title),
			h('p', { class: 'lead' }, s.role === 'owner' ? t('dashboard.lead_owner') : t('dashboard.lead_admin'))),
		usage, cap ? cap.sec : null, guests.sec, domains.sec);
	const u = usageSection(ctx).then((sec) => usage.replaceWith(sec));
	await Promise.all([u, guests.start(), domains.start(), cap ? cap.start() : null]);
}
