// pages/importpage.js - the CSV import's place; the import itself comes later.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export default function render(ctx) {
	ctx.setTitle(t('import.title'));
	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('import.title'))),
		h('section', { class: 'card empty-state', id: 'import-coming' },
			h('span', { class: 'empty-icon', 'aria-hidden': 'true' }),
			h('h2', null, t('import.coming_title')),
			h('p', null, t('import.coming_text')),
			h('p', { class: 'muted' }, t('import.meanwhile')),
			h('p', null, h('a', { href: '#/dashboard', class: 'btn' }, t('import.back')))));
}
