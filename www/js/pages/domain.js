/* SPDX-License-Identifier: ISC */
// pages/domain.js - one domain: its guest's push state (polled), its
// mailboxes a page at a time (search, filter, keyset paging: as fast at
// 100,000 as at 10; sorted by address or by usage), each mailbox's usage
// against its quota, adding one, editing, resetting a password, deleting,
// and bulk disable / enable / delete of a page's selection; moving the
// domain to another guest, and a move's progress (moveview.js).
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { number, quota, bytes, readSize } from '../format.js';
import { displayAddress } from '../punycode.js';
import { allGuests, watchGuest } from '../poll.js';
import { whenNode } from '../guestview.js';
import { generatePassword } from '../password.js';
import { activeBadge, checkField, confirmDialog, domainHref, errorNotice, errorText, field,
	formDialog, submitForm, readLocalPart, nextId, sizeInput,
	setState, table, td, tdTitle, toast } from '../ui.js';
import { deleteMailbox, editMailbox, resetPassword } from '../mailboxforms.js';
import { pagedList } from '../listview.js';
import { exportButton } from '../exportfile.js';
import { usageBar } from '../usagebar.js';
import { moveSection } from '../moveview.js';
const COLS = 7;

// ---- the head: name, guest state, counts, links --------------------------------

function head(d, onSettings) {
	const guestState = h('span', { id: 'guest-state', class: 'state badge', hidden: true });
	const lastPush = h('span', { class: 'meta-value' });
	const count = h('span', { class: 'meta-value', id: 'mailbox-count' });
	const settings = h('button', { type: 'button', class: 'btn' }, t('domain.settings'));
	settings.addEventListener('click', onSettings);
	const el = h('div', { class: 'page-head' },
		h('nav', { class: 'crumbs', 'aria-label': t('common.breadcrumbs') },
			h('a', { href: '#/dashboard' }, t('nav.dashboard')), h('span', { 'aria-hidden': 'true' }, ' › '),
			h('span', null, d.display_name)),
		h('div', { class: 'head-row' },
			h('div', null,
				h('h1', null, d.display_name),
				d.display_name !== d.name ? h('p', { class: 'sub' }, t('domain.a_label', { name: d.name })) : null),
			h('div', { class: 'head-actions' },
				h('a', { class: 'btn', href: domainHref(d.name, '/aliases') }, t('domain.aliases_link')),
				h('a', { class: 'btn', href: domainHref(d.name, '/dns'), id: 'dns-link' }, t('domain.dns_link')),
				h('a', { class: 'btn', href: '#/import' }, t('domain.import_link')),
				exportButton({ label: t('domain.export'), hint: t('domain.export_hint'),
					path: '/export/mailboxes', query: { domain: d.name }, id: 'export-mailboxes' }),
				settings)),
		h('dl', { class: 'meta' },
			h('div', null, h('dt', null, t('domain.guest')), h('dd', null, h('span', { class: 'meta-value' }, d.guest), ' ', guestState)),
			h('div', null, h('dt', null, t('guests.last_push')), h('dd', null, lastPush)),
			h('div', null, h('dt', null, t('domain.mailboxes')), h('dd', null, count)),
			h('div', null, h('dt', null, t('domain.default_quota')), h('dd', null, quota(d.default_quota_bytes))),
			h('div', null, h('dt', null, t('domain.status')), h('dd', null, activeBadge(d.active)))));
	return {
		el,
		setGuest(g) {
			setState(guestState, g.state);
			guestState.hidden = false;
			guestState.title = g.last_error || '';
			replace(lastPush, whenNode(g.last_push_at));
		},
		setCount(dom) {
			setText(count, dom.max_mailboxes
				? t('domains.count_of', { count: dom.mailboxes, max: number(dom.max_mailboxes) })
				: t('domain.count', { count: dom.mailboxes }));
		},
	};
}

// ---- adding a mailbox ------------------------------------------------------------

function addForm(d, onAdded) {
	const local = h('input', { id: 'mb-local', name: 'local_part', type: 'text', autocomplete: 'off',
		spellcheck: 'false', autocapitalize: 'none', required: true, maxlength: '64' });
	const password = h('input', { id: 'mb-password', name: 'password', type: 'password',
		autocomplete: 'new-password', required: true, spellcheck: 'false' });
	const name = h('input', { id: 'mb-name', name: 'name', type: 'text', autocomplete: 'off', maxlength: '256' });
	const q = sizeInput('mb-quota');
	const gen = h('button', { type: 'button', class: 'btn' }, t('mailbox.generate'));
	const show = h('button', { type: 'button', class: 'btn', 'aria-pressed': 'false', 'aria-controls': 'mb-password' }, t('mailbox.show'));
	function reveal(on) {
		password.setAttribute('type', on ? 'text' : 'password');
		show.setAttribute('aria-pressed', on ? 'true' : 'false');
		setText(show, on ? t('mailbox.hide') : t('mailbox.show'));
	}
	gen.addEventListener('click', () => { password.value = generatePassword(16); reveal(true); password.focus(); password.select(); });
	show.addEventListener('click', () => reveal(password.getAttribute('type') === 'password'));
	const quotaHint = d.default_quota_bytes
		? t('mailbox.quota_hint_default', { quota: bytes(d.default_quota_bytes) })
		: t('mailbox.quota_hint');
	const form = submitForm({
		id: 'mailbox-add',
		submitLabel: t('mailbox.add'),
		fields: [
			field({ label: t('mailbox.local_part'), input: local, error: 'local_part',
				after: h('span', { class: 'suffix' }, `@${d.display_name}`), hint: t('mailbox.local_hint') }),
			field({ label: t('mailbox.name'), input: name, error: 'name', hint: t('mailbox.name_hint') }),
			field({ label: t('mailbox.password'), input: password, error: 'password',
				after: [show, gen], hint: t('mailbox.password_hint') }),
			field({ label: t('mailbox.quota'), input: q, error: 'quota', hint: quotaHint }),
		],
		check(errs) {
			const localPart = readLocalPart(local, errs);
			if (localPart === null) return null;
			if (!password.value) { errs.field('password', t('common.required')); return null; }
			const size = readSize(q.value);
			if (Number.isNaN(size)) { errs.field('quota', t('mailbox.quota_bad')); return null; }
			const body = { local_part: localPart, password: password.value };
			if (name.value.trim()) body.name = name.value.trim();
			if (size !== null) body.quota = size;
			return body;
		},
		async send(body) {
			const mb = await api.post(path('domains', d.name, 'mailboxes'), body);
			toast(t('mailbox.added', { address: displayAddress(mb.address) }));
			local.value = ''; password.value = ''; name.value = '';
			reveal(false);
			local.focus();
			onAdded(mb);
		},
	});
	return h('section', { class: 'card', 'aria-labelledby': 'add-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'add-h' }, t('mailbox.add_title'))), form);
}

// ---- the list --------------------------------------------------------------------

function mailboxList(d, onChanged) {
	const selected = new Set();
	let items = [];
	let active = '';
	let sort = '';
	const listing = pagedList({
		cols: COLS,
		search: { id: 'q', label: t('mailbox.search'), placeholder: t('mailbox.search_placeholder') },
		fetch: (params) => api.get(path('domains', d.name, 'mailboxes'), { ...params, active, sort }),
		row,
		empty: (q) => (q || active ? t('mailbox.none_match') : t('mailbox.empty')),
		onStart: () => selected.clear(),
		onPage(shown) {
			items = shown;
			setText(pageInfo, items.length ? t('mailbox.page_info', { count: items.length, page: listing.pg.page() }) : '');
		},
		onSettled: () => syncSelection(),
	});
	const { tbody } = listing;
	const filterId = 'mb-filter';
	const filter = h('select', { id: filterId },
		h('option', { value: '' }, t('mailbox.filter_all')),
		h('option', { value: 'true' }, t('mailbox.filter_active')),
		h('option', { value: 'false' }, t('mailbox.filter_inactive')));
	filter.addEventListener('change', () => { active = filter.value; listing.restart(); });
	// by usage: the API's keyset then runs on (used_bytes, local part),
	// its next_cursor "BYTES:LOCAL_PART" handed back as it is
	const sortId = 'mb-sort';
	const sorter = h('select', { id: sortId },
		h('option', { value: '' }, t('mailbox_usage.sort_address')),
		h('option', { value: 'used_bytes' }, t('mailbox_usage.sort_used')));
	sorter.addEventListener('change', () => { sort = sorter.value; listing.restart(); });
	const all = h('input', { type: 'checkbox', id: 'mb-select-all' });
	const allCell = h('span', { class: 'select-all' }, all,
		h('label', { for: 'mb-select-all', class: 'select-all-label' }, t('mailbox.select_page')));
	const actionError = errorNotice();
	const pageInfo = h('p', { class: 'card-note', 'aria-live': 'polite' });
	const addJump = h('button', { type: 'button', class: 'btn btn-primary' }, t('mailbox.add'));
	addJump.addEventListener('click', () => {
		const input = document.getElementById('mb-local');
		if (input) { input.scrollIntoView({ block: 'center' }); input.focus({ preventScroll: true }); }
	});

	// the bulk bar
	const selCount = h('span', { class: 'bulk-count' });
	const progress = h('span', { class: 'bulk-progress', role: 'status' });
	const bDisable = h('button', { type: 'button', class: 'btn', id: 'bulk-disable' }, t('bulk.disable'));
	const bEnable = h('button', { type: 'button', class: 'btn', id: 'bulk-enable' }, t('bulk.enable'));
	const bDelete = h('button', { type: 'button', class: 'btn btn-danger', id: 'bulk-delete' }, t('bulk.delete'));
	const bClear = h('button', { type: 'button', class: 'btn btn-quiet' }, t('bulk.clear'));
	const failures = h('ul', { class: 'bulk-failures' });
	const bulkBar = h('div', { class: 'bulk-bar', id: 'bulk-bar', role: 'region', 'aria-label': t('bulk.label'), hidden: true },
		selCount, h('div', { class: 'bulk-actions' }, bEnable, bDisable, bDelete, bClear), progress);
	const failBox = h('div', { class: 'notice notice-error', role: 'alert', hidden: true },
		h('p', null, t('bulk.some_failed')), failures);

	function syncSelection() {
		const boxes = tbody.querySelectorAll('input.row-check');
		const n = selected.size;
		all.checked = n > 0 && n === boxes.length;
		all.indeterminate = n > 0 && n < boxes.length;
		bulkBar.hidden = n === 0 && !progress.textContent;
		setText(selCount, t('bulk.selected', { count: n }));
		for (const b of [bDisable, bEnable, bDelete]) b.disabled = n === 0;
	}
	all.addEventListener('change', () => {
		for (const box of tbody.querySelectorAll('input.row-check')) {
			box.checked = all.checked;
			if (all.checked) selected.add(box.value); else selected.delete(box.value);
		}
		syncSelection();
	});

	function row(mb) {
		const shown = displayAddress(mb.address);
		const box = h('input', { type: 'checkbox', class: 'row-check', value: mb.address,
			id: nextId('sel'), checked: selected.has(mb.address) });
		box.addEventListener('change', () => {
			if (box.checked) selected.add(mb.address); else selected.delete(mb.address);
			syncSelection();
		});
		const edit = h('button', { type: 'button', class: 'btn btn-small' }, t('common.edit'));
		const reset = h('button', { type: 'button', class: 'btn btn-small' }, t('mailbox.reset'));
		const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
		const tr = h('tr', { 'data-address': mb.address, class: mb.active ? '' : 'row-off' },
			h('td', { class: 'col-check' }, box,
				h('label', { for: box.id, class: 'visually-hidden' }, t('mailbox.select_row', { address: shown }))),
			tdTitle(t('mailbox.address'), h('a', { class: 'address', href: `#/mailboxes/${encodeURIComponent(mb.address)}`,
				title: t('mailbox.open_title') }, shown)),
			td(t('mailbox.name'), mb.name || h('span', { class: 'muted' }, '—')),
			td(t('mailbox.quota'), quota(mb.quota_bytes)),
			td(t('mailbox_usage.column'), usageBar(mb)),
			td(t('mailbox.status'), activeBadge(mb.active)),
			h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, edit, reset, del)));
		edit.addEventListener('click', async () => {
			actionError.hide();
			const res = await editMailbox(mb);
			if (res && res.address) {
				const i = items.findIndex((x) => x.address === mb.address);
				if (i >= 0) items[i] = res;
				const nr = row(res);
				tr.replaceWith(nr);
				nr.querySelector('.col-actions button').focus();
			}
		});
		reset.addEventListener('click', async () => {
			actionError.hide();
			try { await resetPassword(mb); } catch (err) { actionError.show(err); }
		});
		del.addEventListener('click', async () => {
			actionError.hide();
			try {
				if (await deleteMailbox(mb)) {
					selected.delete(mb.address);
					await listing.reload();
					onChanged();
					all.focus();
				}
			} catch (err) { actionError.show(err); }
		});
		return tr;
	}

	// bulk: one request after another, a count as it goes, failures by address
	async function bulk(kind) {
		const list = items.filter((m) => selected.has(m.address));
		if (!list.length) return;
		const shown = list.map((m) => displayAddress(m.address));
		if (kind === 'delete') {
			const ok = await confirmDialog({
				title: t('bulk.delete_title'),
				message: t('bulk.delete_confirm', { count: list.length }),
				items: shown,
				detail: t('mailbox.delete_detail'),
				confirmLabel: t('bulk.delete_do', { count: list.length }),
				danger: true,
			});
			if (!ok) return;
		}
		failBox.hidden = true;
		replace(failures);
		for (const b of [bDisable, bEnable, bDelete, bClear, all]) b.disabled = true;
		let done = 0;
		let failed = 0;
		for (const mb of list) {
			setText(progress, t(`bulk.progress_${kind}`, { done: done + 1, total: list.length }));
			try {
				if (kind === 'delete') await api.del(path('mailboxes', mb.address));
				else await api.patch(path('mailboxes', mb.address), { active: kind === 'enable' });
			} catch (err) {
				if (err.status === 401) return;
				failed += 1;
				failures.append(h('li', null, h('span', { class: 'address' }, displayAddress(mb.address)), ': ', errorText(err)));
			}
			done += 1;
		}
		setText(progress, '');
		for (const b of [bClear, all]) b.disabled = false;
		toast(t(`bulk.done_${kind}`, { count: done - failed }), failed ? 'warn' : 'ok');
		if (failed) failBox.hidden = false;
		await listing.reload();
		onChanged();
	}
	bDisable.addEventListener('click', () => bulk('disable'));
	bEnable.addEventListener('click', () => bulk('enable'));
	bDelete.addEventListener('click', () => bulk('delete'));
	bClear.addEventListener('click', () => {
		selected.clear();
		for (const box of tbody.querySelectorAll('input.row-check')) box.checked = false;
		syncSelection();
	});

	const el = h('section', { class: 'card', 'aria-labelledby': 'list-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'list-h' }, t('mailbox.list_title')), pageInfo, addJump),
		h('div', { class: 'toolbar' }, listing.search.el,
			h('div', { class: 'field field-filter' }, h('label', { for: filterId }, t('mailbox.filter')), filter),
			h('div', { class: 'field field-filter' }, h('label', { for: sortId }, t('mailbox_usage.sort')), sorter)),
		bulkBar, failBox, actionError.el,
		table({ id: 'mailboxes', columns: [allCell, t('mailbox.address'), t('mailbox.name'), t('mailbox.quota'),
			t('mailbox_usage.column'), t('mailbox.status'), h('span', { class: 'visually-hidden' }, t('common.actions'))], tbody }),
		listing.pg.el);
	return { el, load: listing.reload };
}

// ---- domain settings ----------------------------------------------------------

async function settings(d, guests) {
	const active = h('input', { id: nextId('ds-active'), type: 'checkbox', checked: d.active });
	const max = h('input', { id: nextId('ds-max'), type: 'text', inputmode: 'numeric', value: String(d.max_mailboxes || '') });
	const q = sizeInput(nextId('ds-quota'), d.default_quota_bytes);
	const shownQuota = q.value;
	const others = guests.filter((g) => g.name !== d.guest);
	const backup = h('select', { id: nextId('ds-backup') },
		h('option', { value: '' }, t('domain.no_backup')),
		others.map((g) => h('option', { value: g.name, selected: g.name === d.backup_guest }, g.name)));
	const res = await formDialog({
		title: t('domain.settings_title', { name: d.display_name }),
		fields: [
			checkField({ input: active, label: t('domain.active_label'), error: 'active', hint: t('domain.active_hint') }),
			field({ label: t('domain.max_mailboxes'), input: max, error: 'max_mailboxes', hint: t('domain.max_hint') }),
			field({ label: t('domain.default_quota'), input: q, error: 'default_quota', hint: t('domain.default_quota_hint') }),
			field({ label: t('domain.backup_guest'), input: backup, error: 'backup_guest', hint: t('domain.backup_hint') }),
		],
		onSubmit: async (form, errs) => {
			const body = {};
			if (active.checked !== d.active) body.active = active.checked;
			const m = max.value.trim() === '' ? 0 : Number(max.value.trim());
			if (!Number.isInteger(m) || m < 0) { errs.field('max_mailboxes', t('common.whole_number')); return false; }
			if (m !== d.max_mailboxes) body.max_mailboxes = m;
			if (q.value !== shownQuota) {	// as shown, it may be rounded
				const size = readSize(q.value);
				if (Number.isNaN(size)) { errs.field('default_quota', t('mailbox.quota_bad')); return false; }
				body.default_quota = size === null ? 0 : size;
			}
			const bg = backup.value || null;
			if (bg !== d.backup_guest) body.backup_guest = bg;
			if (!Object.keys(body).length) return d;
			return api.patch(path('domains', d.name), body);
		},
	});
	return res && res.name ? res : null;
}

async function deleteDomain(ctx, d) {
	const ok = await confirmDialog({
		title: t('domain.delete_title'),
		message: d.mailboxes ? t('domain.delete_confirm_full', { name: d.display_name, count: d.mailboxes })
			: t('domain.delete_confirm', { name: d.display_name }),
		detail: t('domain.delete_detail'),
		confirmLabel: t('domain.delete_do'),
		danger: true,
	});
	if (!ok) return;
	await api.del(path('domains', d.name), { force: 'true' });
	toast(t('domain.deleted', { name: d.display_name }));
	ctx.go('#/dashboard');
}

export default async function render(ctx) {
	let d = await api.get(path('domains', ctx.params[0]));
	ctx.setTitle(d.display_name);
	let guests = [];
	const top = head(d, async () => {
		try {
			if (!guests.length) {
				// a backup MX must be a guest of the domain's own project
				const all = await allGuests();
				const mine = all.find((g) => g.name === d.guest);
				guests = all.filter((g) => !mine || g.project === mine.project);
			}
			const nd = await settings(d, guests);
			if (nd) { toast(t('domain.saved')); ctx.go(domainHref(nd.name)); }
		} catch (err) {
			toast(errorText(err), 'error');
		}
	});
	const refreshCount = async () => {
		try { d = await api.get(path('domains', d.name)); top.setCount(d); } catch (e) { /* keep the old count */ }
	};
	top.setCount(d);
	const list = mailboxList(d, refreshCount);
	const del = h('button', { type: 'button', class: 'btn btn-danger-quiet' }, t('domain.delete_do'));
	del.addEventListener('click', async () => {
		try { await deleteDomain(ctx, d); } catch (err) { toast(errorText(err), 'error'); }
	});
	// a move that ended done serves the domain from its new guest
	const move = moveSection(d, { admin: ctx.session.role === 'admin', onCleanup: ctx.onCleanup,
		onEnded: async () => {
			const nd = await api.get(path('domains', d.name)).catch(() => d);
			if (ctx.alive() && nd.guest !== d.guest) ctx.go(domainHref(d.name));
		} });
	ctx.view.append(top.el, move.el, list.el,
		addForm(d, () => { list.load(); refreshCount(); }),
		h('section', { class: 'card card-danger', 'aria-labelledby': 'danger-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'danger-h' }, t('domain.danger'))),
			h('p', { class: 'muted' }, t('domain.delete_explain')), del));
	// the guest's state, now and every 2 s
	const first = api.get(path('guests', d.guest)).then((g) => { if (ctx.alive()) top.setGuest(g); }).catch(() => {});
	ctx.onCleanup(watchGuest(d.guest, (g) => top.setGuest(g)));
	await Promise.all([first, list.load(), move.load().catch(() => {})]);
}
