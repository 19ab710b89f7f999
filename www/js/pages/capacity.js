/* SPDX-License-Identifier: ISC */
// pages/capacity.js - the operators' capacity page: every guest on one
// screen, nearest to full first, each with its disk, days to full, queue,
// mailboxes, warnings, report age and the chart of its last 30 days; and
// the open warnings.  Figures change once per report ([report] interval,
// minutes), so the page is not polled: a reload shows the newest.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { allGuests } from '../poll.js';
import { guestCards, warningsSection } from '../capacityview.js';
import { errorBox, loading } from '../ui.js';

export default async function render(ctx) {
	ctx.setTitle(t('capacity.title'));
	const slot = h('div', null, loading());
	const warnSlot = h('div');
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('capacity.title')),
			h('p', { class: 'lead' }, t('capacity.lead'))),
		warnSlot,
		h('section', { class: 'cap-section', 'aria-labelledby': 'cap-list-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'cap-list-h' }, t('capacity.guests_title')),
				h('p', { class: 'card-note' }, t('capacity.guests_note'))),
			slot));
	const warn = warningsSection().then((sec) => { if (ctx.alive()) warnSlot.replaceWith(sec); },
		() => { /* 401: the session ended */ });
	try {
		const names = (await allGuests()).map((g) => g.name);
		const grid = await guestCards(names, { project: true }, ctx.onCleanup);
		if (!ctx.alive()) return;
		replace(slot, grid.el);
		grid.mount();
	} catch (err) {
		if (err.status === 401) return;
		replace(slot, errorBox(err, () => ctx.go('#/capacity')));
	}
	await warn;
}
