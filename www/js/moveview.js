/* SPDX-License-Identifier: ISC */
// moveview.js - moving a domain to another guest of its project, on the
// domain page.  Operators pick the target (each of the project's other
// guests with its free space, from its capacity), see the dry run's plan
// (what would be copied, whether the target has room, the shortfall when
// it has not), then confirm.  While a move of the domain is live, whoever
// sees the domain sees its progress (bytes in the copy, mailboxes after
// it), its phases, rate, time left and the error it waits on, refreshed
// every 2 s until it ends; operators may cancel it before its cut-over.
// pushd does the work; the API says how far it is (GET /moves).
import { h, replace, setText } from './dom.js';
import { t } from './i18n.js';
import { api, path } from './api.js';
import { bytes, dateTime, number } from './format.js';
import { allGuests, watchMoves } from './poll.js';
import { duration } from './capacityview.js';
import { confirmDialog, errorNotice, field, formError, formErrors, toast } from './ui.js';

// The phases as the operator follows them; "finish" (the source's relay
// and copy removed) is the way to done.
const PHASES = ['copy', 'cutover', 'catchup', 'relay', 'done'];
const SHOWN_AS = { finish: 'done' };

// ---- the target and the plan -------------------------------------------------

// The guests the domain may move to, with their free space (null: never
// reported): the project's others, neither its guest nor its backup MX.
async function targets(d) {
	const all = await allGuests();
	const mine = all.find((g) => g.name === d.guest);
	const others = all.filter((g) => (!mine || g.project === mine.project) &&
		g.name !== d.guest && g.name !== d.backup_guest);
	const now = Math.floor(Date.now() / 1000);
	return Promise.all(others.map(async (g) => {
		try {	// the figures alone: no series since now
			const c = await api.get(path('guests', g.name, 'capacity'), { since: now, step: 0 });
			const free = c.disk ? c.disk.bytes_free : null;
			return { name: g.name, free: Number.isFinite(free) ? free : null };
		} catch (e) {
			return { name: g.name, free: null };
		}
	}));
}

function guestOption(g) {
	return h('option', { value: g.name, 'data-free': g.free === null ? '' : String(g.free) },
		g.free === null ? t('move.guest_free_unknown', { guest: g.name })
			: t('move.guest_free', { guest: g.name, free: bytes(g.free) }));
}

function fig(key, dataValue, text) {
	return h('div', { 'data-fig': key }, h('dt', null, t(`move.plan_${key}`)),
		h('dd', { 'data-value': dataValue === null ? '' : String(dataValue) }, text));
}

// The dry run's plan in words.
function planBlock(plan) {
	const room = plan.room === true ? 'yes' : plan.room === false ? 'no' : 'unknown';
	return h('div', { id: 'move-plan', class: 'move-plan', 'data-room': room },
		h('dl', { class: 'meta' },
			fig('mailboxes', plan.mailboxes, plan.unmeasured
				? t('move.mailboxes_unmeasured', { count: plan.mailboxes, unmeasured: number(plan.unmeasured) })
				: number(plan.mailboxes)),
			fig('mail', plan.bytes, t('move.mail_value', { size: bytes(plan.bytes || 0),
				count: plan.messages || 0 })),
			fig('room', plan.room_bytes === undefined ? null : plan.room_bytes,
				t(`move.room_${room}`, { guest: plan.to, free: bytes(plan.room_bytes || 0) }))));
}

// A refusal for want of room: what the domain holds and the shortfall,
// from the refusal's parameters (bytes, as the store names them).
function noRoomBlock(err, to) {
	const p = err.params || {};
	return h('div', { id: 'move-plan', class: 'move-plan', 'data-room': 'no', 'data-short': p.short || '' },
		h('dl', { class: 'meta' },
			fig('mail', p.need, bytes(Number(p.need))),
			fig('room', p.room, t('move.room_no', { guest: to, free: bytes(Number(p.room)) })),
			fig('short', p.short, bytes(Number(p.short)))));
}

// The form: a target, its dry run, then the confirmed move (onStarted).
function startForm(d, list, onStarted) {
	const to = h('select', { id: 'move-to', name: 'to' }, list.map(guestOption));
	const check = h('button', { type: 'submit', class: 'btn', id: 'move-check' }, t('move.check'));
	const go = h('button', { type: 'button', class: 'btn btn-primary', id: 'move-confirm', disabled: true },
		t('move.confirm'));
	const planSlot = h('div', { 'aria-live': 'polite' });
	const form = h('form', { id: 'move-form', class: 'form form-inline', novalidate: true },
		field({ label: t('move.to_label'), input: to, error: 'to', hint: t('move.to_hint') }),
		h('div', { class: 'form-actions' }, check), formError());
	const errs = formErrors(form);
	const reset = () => { go.disabled = true; replace(planSlot); };
	to.addEventListener('change', reset);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		errs.clear();
		reset();
		check.disabled = true;
		try {
			const plan = await api.post(path('domains', d.name, 'move'), { to: to.value, dry_run: true });
			replace(planSlot, planBlock(plan));
			go.disabled = false;
		} catch (err) {
			if (err.reason === 'move_no_room') replace(planSlot, noRoomBlock(err, to.value));
			errs.show(err);
		} finally {
			check.disabled = false;
		}
	});
	go.addEventListener('click', async () => {
		const ok = await confirmDialog({ title: t('move.confirm_title'),
			message: t('move.confirm_message', { domain: d.display_name, from: d.guest, to: to.value }),
			detail: t('move.confirm_detail'), confirmLabel: t('move.confirm') });
		if (!ok) return;
		go.disabled = true;
		try {
			const mv = await api.post(path('domains', d.name, 'move'), { to: to.value });
			toast(t('move.started', { domain: d.display_name, to: mv.to_guest }));
			onStarted(mv);
		} catch (err) {
			errs.show(err);
			go.disabled = false;
		}
	});
	return h('div', { class: 'move-start' }, form, planSlot, h('div', { class: 'form-actions' }, go));
}

// ---- a move under way -------------------------------------------------------

// How far the move is: bytes in the copy, mailboxes in the phases after.
function fraction(mv) {
	const copy = mv.phase === 'copy';
	const done = copy ? mv.bytes_done : mv.mailboxes_done;
	const total = copy ? mv.bytes_total : mv.mailboxes_total;
	if (mv.phase === 'done') return { done: 1, total: 1, text: t('move.progress_done') };
	return { done: Math.min(done, total), total,
		text: copy ? t('move.progress_bytes', { done: bytes(done), total: bytes(total) })
			: t('move.progress_mailboxes', { done: number(done), total: number(total) }) };
}

function phaseList(mv) {
	const at = PHASES.indexOf(SHOWN_AS[mv.phase] || mv.phase);
	return h('ol', { class: 'move-phases', id: 'move-phases' }, PHASES.map((p, i) => {
		const label = p === 'relay' && mv.finish_at
			? t('move.phase_relay_until', { when: dateTime(mv.finish_at) }) : t(`move.phase.${p}`);
		const state = at < 0 ? '' : i < at ? 'past' : i === at ? 'current' : '';
		return h('li', { 'data-phase': p, class: state, 'aria-current': state === 'current' ? 'step' : false },
			label);
	}));
}

// The figures that change: the bar, the phases, rate, time left, error.
function fillProgress(parts, mv) {
	const f = fraction(mv);
	parts.bar.max = Math.max(f.total, 1);
	parts.bar.value = f.total > 0 ? f.done : 0;
	const pct = f.total > 0 ? Math.floor((f.done / f.total) * 100) : 0;
	setText(parts.barText, t('move.progress_of', { text: f.text, pct: number(pct) }));
	replace(parts.phases, phaseList(mv));
	setText(parts.rate, mv.rate_bytes_s > 0 && mv.live
		? t('move.rate_value', { rate: bytes(mv.rate_bytes_s) }) : '—');
	setText(parts.eta, mv.eta_s !== null && mv.eta_s !== undefined ? duration(mv.eta_s) : '—');
	parts.error.hidden = !mv.error;
	if (mv.error)
		setText(parts.error, t('move.error_waits', { error: mv.error,
			when: dateTime(mv.error_at), count: mv.failures }));
}

// progressBlock(mv, admin, onCancel): {el, update(mv)}.
function progressBlock(mv, admin, onCancel) {
	const bar = h('progress', { id: 'move-bar', max: '1', value: '0' });
	const parts = {
		bar,
		barText: h('span', { class: 'move-bar-text', id: 'move-bar-text' }),
		phases: h('div'),
		rate: h('dd', { id: 'move-rate' }),
		eta: h('dd', { id: 'move-eta' }),
		error: h('p', { class: 'notice notice-warn', id: 'move-error', role: 'status', hidden: true }),
	};
	const title = h('h3', { id: 'move-title' });
	const status = h('p', { class: 'move-status', id: 'move-status', role: 'status' });
	const cancel = h('button', { type: 'button', class: 'btn btn-danger-quiet', id: 'move-cancel', hidden: true },
		t('move.cancel'));
	cancel.addEventListener('click', () => onCancel(cancel));
	const el = h('div', { id: 'move-progress', class: 'move-progress' }, title, status,
		h('div', { class: 'move-bar' }, bar, parts.barText), parts.phases,
		h('dl', { class: 'meta' }, h('div', null, h('dt', null, t('move.rate')), parts.rate),
			h('div', null, h('dt', null, t('move.eta')), parts.eta)),
		parts.error, admin ? cancel : null);
	function update(m) {
		el.dataset.move = String(m.id);
		el.dataset.phase = m.phase;
		el.dataset.live = String(m.live);
		setText(title, t('move.moving', { from: m.from_guest, to: m.to_guest }));
		const cancelling = m.live && m.cancel_requested;
		el.dataset.cancelling = String(cancelling);
		setText(status, cancelling ? t('move.cancelling')
			: m.live ? t(`move.phase_now.${m.phase}`) : t(`move.ended.${m.phase}`));
		cancel.hidden = !(m.live && m.step === 0 && !m.cancel_requested);
		fillProgress(parts, m);
	}
	update(mv);
	return { el, update };
}

// ---- the section ------------------------------------------------------------

// moveSection(d, {admin, onCleanup, onEnded}): the card, hidden from an
// owner while no move of the domain is live; load() fills it.
export function moveSection(d, { admin, onCleanup, onEnded }) {
	const body = h('div');
	const notice = errorNotice();
	const el = h('section', { class: 'card', id: 'move-card', 'aria-labelledby': 'move-h', hidden: !admin },
		h('div', { class: 'card-head' }, h('h2', { id: 'move-h' }, t('move.title'))),
		h('p', { class: 'muted' }, t(admin ? 'move.lead' : 'move.lead_owner')), notice.el, body);
	let stop = null;
	let block = null;
	const halt = () => { if (stop) { stop(); stop = null; } };
	onCleanup(halt);

	async function cancel(button) {
		const ok = await confirmDialog({ title: t('move.cancel_title'), message: t('move.cancel_message'),
			detail: t('move.cancel_detail'), confirmLabel: t('move.cancel'), danger: true });
		if (!ok) return;
		button.disabled = true;
		notice.hide();
		try {
			block.update(await api.post(path('moves', el.dataset.move, 'cancel')));
			toast(t('move.cancel_asked'));
		} catch (err) {
			notice.show(err);
		} finally {
			button.disabled = false;
		}
	}
	// a live move: shown, and followed until it ends
	function follow(mv) {
		el.hidden = false;
		el.dataset.move = String(mv.id);
		block = progressBlock(mv, admin, cancel);
		replace(body, block.el);
		halt();
		stop = watchMoves(d.name, async (list) => {
			const live = list.items.find((m) => m.id === mv.id);
			if (live) { block.update(live); return; }
			halt();	// ended: its last state, once
			try { block.update(await api.get(path('moves', mv.id))); } catch (e) { /* gone */ }
			if (onEnded) onEnded();
		});
	}
	async function offer() {
		if (!admin) { el.hidden = true; return; }
		const open = h('button', { type: 'button', class: 'btn', id: 'move-start' }, t('move.start'));
		replace(body, open);
		open.addEventListener('click', async () => {
			open.disabled = true;
			try {
				const list = await targets(d);
				replace(body, list.length ? startForm(d, list, follow)
					: h('p', { class: 'muted', id: 'move-none' }, t('move.no_target')));
			} catch (err) {
				open.disabled = false;
				notice.show(err);
			}
		});
	}
	async function load() {
		const page = await api.get('/moves', { domain: d.name, live: 'true' });
		if (page.items.length) follow(page.items[0]); else await offer();
	}
	return { el, load };
}
