/* SPDX-License-Identifier: ISC */
// pages/guests.js - every guest with its push state (polled every 2 s),
// "push now", and adding one after checking its host key's fingerprint.
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api, path, allItems } from '../api.js';
import { number } from '../format.js';
import { allGuests, watchGuests } from '../poll.js';
import { fillDetail, guestRows, whenNode } from '../guestview.js';
import { parseKeyLine, fingerprint } from '../sshkey.js';
import { checkField, confirmDialog, errorBox, errorNotice, errorRow, field, formError, formErrors,
	loadingRow, stateBadge, setState, table, td, tdTitle, toast } from '../ui.js';

function hostText(g) {
	const host = g.ssh_host.includes(':') ? `[${g.ssh_host}]` : g.ssh_host;
	return `${g.ssh_user}@${host}${g.ssh_port !== 22 ? `:${g.ssh_port}` : ''}`;
}

function guestTable(admin, notice) {
	const cols = [t('guests.name'), t('guests.project'), t('guests.host'), t('guests.state'),
		t('guests.generation'), t('guests.last_push'), t('guests.detail')];
	if (admin) cols.push(h('span', { class: 'visually-hidden' }, t('common.actions')));
	const tbody = h('tbody', null, loadingRow(cols.length));

	function makeRow(g) {
		const r = {
			tr: h('tr', { 'data-guest': g.name }),
			host: td(t('guests.host')),
			state: stateBadge(g.state),
			gen: td(t('guests.generation')),
			last: td(t('guests.last_push')),
			detail: td(t('guests.detail')),
		};
		r.tr.append(tdTitle(t('guests.name'), h('strong', null, g.name)), td(t('guests.project'), g.project), r.host,
			td(t('guests.state'), r.state), r.gen, r.last, r.detail);
		if (admin) {
			const push = h('button', { type: 'button', class: 'btn btn-small', 'data-push': g.name }, t('guests.push'));
			const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet' }, t('common.delete'));
			push.addEventListener('click', async () => {
				notice.hide();
				push.disabled = true;
				try {
					const ng = await api.post(path('guests', g.name, 'push'));
					fill(r, ng);
					toast(t('guests.push_queued', { name: g.name }));
				} catch (err) {
					notice.show(err);
				} finally {
					push.disabled = false;
				}
			});
			del.addEventListener('click', async () => {
				const ok = await confirmDialog({ title: t('guests.delete_title'),
					message: t('guests.delete_confirm', { name: g.name }), detail: t('guests.delete_detail'),
					confirmLabel: t('common.delete'), danger: true });
				if (!ok) return;
				notice.hide();
				try {
					await api.del(path('guests', g.name));
					toast(t('guests.deleted', { name: g.name }));
					apply(await allGuests());
				} catch (err) {
					notice.show(err);
				}
			});
			r.tr.append(h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' }, push, del)));
		}
		return r;
	}
	function fill(r, g) {
		setText(r.host, hostText(g));
		setState(r.state, g.state);
		setText(r.gen, `${number(g.applied_gen)} / ${number(g.desired_gen)}`);
		replace(r.last, whenNode(g.last_push_at));
		fillDetail(r.detail, g);
	}
	const apply = guestRows({ tbody, cols: cols.length, empty: t('guests.empty'), make: makeRow, fill });
	return { el: table({ id: 'guests', columns: cols, tbody }), apply, tbody, cols };
}

async function projectOptions() {
	return (await allItems('/projects')).map((p) => p.name);
}

function addForm(projects, onAdded) {
	const name = h('input', { id: 'guest-name', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '63' });
	const project = h('select', { id: 'guest-project' }, projects.map((p) => h('option', { value: p }, p)));
	const host = h('input', { id: 'guest-host', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' });
	const port = h('input', { id: 'guest-port', type: 'text', inputmode: 'numeric', value: '22' });
	const user = h('input', { id: 'guest-user', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', placeholder: 'root' });
	const key = h('textarea', { id: 'guest-key', rows: '3', spellcheck: 'false', autocapitalize: 'none', autocomplete: 'off',
		placeholder: 'ssh-ed25519 AAAA…' });
	const fpValue = h('code', { id: 'guest-fp', class: 'fingerprint' });
	const fpBox = h('div', { class: 'fp-box', 'aria-live': 'polite' },
		h('p', { class: 'fp-label' }, t('guests.fp_label')), fpValue,
		h('p', { class: 'hint' }, t('guests.fp_how'), ' ', h('code', null, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')));
	fpBox.hidden = true;
	const confirm = h('input', { id: 'guest-fp-ok', type: 'checkbox', disabled: true });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary', disabled: true }, t('guests.add'));
	const form = h('form', { id: 'guest-add', class: 'form form-grid', novalidate: true },
		field({ label: t('guests.name'), input: name, error: 'name', hint: t('guests.name_hint') }),
		field({ label: t('guests.project'), input: project, error: 'project' }),
		field({ label: t('guests.ssh_host'), input: host, error: 'ssh_host', hint: t('guests.host_hint') }),
		h('div', { class: 'field-pair' },
			field({ label: t('guests.ssh_port'), input: port, error: 'ssh_port' }),
			field({ label: t('guests.ssh_user'), input: user, error: 'ssh_user', hint: t('guests.user_hint') })),
		field({ label: t('guests.host_key'), input: key, error: 'host_key', className: 'span-2', hint: t('guests.key_hint') }),
		h('div', { class: 'span-2' }, fpBox),
		h('div', { class: 'span-2' }, checkField({ input: confirm, label: t('guests.fp_confirm') })),
		formError(),
		h('div', { class: 'form-actions span-2' }, submit));
	const errs = formErrors(form);
	let fpFor = null;
	let seq = 0;

	async function recompute() {
		const n = ++seq;
		confirm.checked = false;
		submit.disabled = true;
		const line = key.value.trim();
		if (!line) { fpBox.hidden = true; confirm.disabled = true; fpFor = null; return; }
		const parsed = parseKeyLine(line);
		fpBox.hidden = false;
		if (!parsed) {
			fpBox.classList.add('fp-bad');
			setText(fpValue, t('guests.fp_invalid'));
			confirm.disabled = true;
			fpFor = null;
			return;
		}
		const fp = await fingerprint(parsed.blob);
		if (n !== seq) return;
		fpBox.classList.remove('fp-bad');
		setText(fpValue, `${fp} (${parsed.type})`);
		fpFor = line;
		confirm.disabled = false;
	}
	key.addEventListener('input', recompute);
	confirm.addEventListener('change', () => { submit.disabled = !(confirm.checked && fpFor === key.value.trim()); });
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		errs.clear();
		if (!confirm.checked || fpFor !== key.value.trim()) return;
		if (!name.value.trim()) { errs.field('name', t('common.required')); return; }
		if (!host.value.trim()) { errs.field('ssh_host', t('common.required')); return; }
		const body = { name: name.value.trim(), project: project.value, ssh_host: host.value.trim(), host_key: fpFor };
		const p = port.value.trim();
		if (p) {
			const pn = Number(p);
			if (!Number.isInteger(pn) || pn < 1 || pn > 65535) { errs.field('ssh_port', t('guests.port_bad')); return; }
			body.ssh_port = pn;
		}
		if (user.value.trim()) body.ssh_user = user.value.trim();
		submit.disabled = true;
		try {
			const g = await api.post('/guests', body);
			toast(t('guests.added', { name: g.name }));
			name.value = ''; host.value = ''; key.value = ''; user.value = ''; port.value = '22';
			await recompute();
			onAdded(g);
		} catch (err) {
			errs.show(err);
			submit.disabled = !confirm.checked;
		}
	});
	return h('section', { class: 'card', 'aria-labelledby': 'ga-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'ga-h' }, t('guests.add_title'))),
		h('p', { class: 'card-intro' }, t('guests.add_intro')), form);
}

export default async function render(ctx) {
	const admin = ctx.session.role === 'admin';
	ctx.setTitle(t('guests.title'));
	const notice = errorNotice();
	const gt = guestTable(admin, notice);
	const refresh = async () => { try { gt.apply(await allGuests()); } catch (e) { /* the poll retries */ } };
	const addSlot = h('div');
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('guests.title')), h('p', { class: 'lead' }, t('guests.lead'))),
		h('section', { class: 'card', 'aria-label': t('guests.title') },
			h('div', { class: 'card-head' }, h('h2', null, t('guests.list_title')),
				h('p', { class: 'card-note' }, t('dashboard.guests_note'))),
			notice.el, gt.el),
		addSlot);
	try {
		gt.apply(await allGuests());
	} catch (err) {
		if (err.status === 401) return;
		replace(gt.tbody, errorRow(gt.cols.length, err, refresh));
	}
	ctx.onCleanup(watchGuests(gt.apply));
	if (admin) {
		try {
			addSlot.replaceWith(addForm(await projectOptions(), refresh));
		} catch (err) {
			if (err.status !== 401) addSlot.replaceWith(errorBox(err));
		}
	}
}
