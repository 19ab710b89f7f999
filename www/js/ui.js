/* SPDX-License-Identifier: ISC */
// ui.js - the panel's shared pieces: fields with their error slots, API
// errors in words, form submits, dialogs (<dialog>, focus kept, Escape
// closes), badges, error notices running row actions, the keyset pager, the
// status toast.
import { h, replace, setText } from './dom.js';
import { t, has } from './i18n.js';
import { sizeText } from './format.js';
import { toUnicode } from './punycode.js';

let uid = 0;
export function nextId(prefix) { uid += 1; return `${prefix}-${uid}`; }

// ---- errors -------------------------------------------------------------

function sentence(msg) {
	const s = String(msg || '').trim();
	return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}

// reasonText(reason, params, section): the server's stable reason for a
// refusal (an error's `reason`, an import problem's `reason_id`) in the
// words of the catalogue's section ('reasons' unless a page words some
// its own way) with its parameters, domains shown in Unicode; '' when the
// catalogue does not word it.
export function reasonText(reason, params, section = 'reasons') {
	if (!reason || !has(`${section}.${reason}`)) return '';
	const vars = {};
	for (const [k, v] of Object.entries(params || {}))
		vars[k] = k === 'domain' ? toUnicode(String(v)) : String(v);
	return t(`${section}.${reason}`, vars);
}

// messageText(err): an error's detail in words: its reason worded, else
// the server's message as it is.
export function messageText(err) {
	return (err && reasonText(err.reason, err.params)) || (err && err.message) || '';
}

// errorText(err): what to tell a person about a failed request.
export function errorText(err) {
	if (!err || !err.code) return t('errors.unknown');
	if (err.code === 'network') return t('errors.network');
	if (err.code === 'too_many_requests' && err.retryAfter)
		return t('errors.too_many_requests_wait', { seconds: err.retryAfter });
	if (['internal', 'database', 'system', 'protocol', 'bad_answer'].includes(err.code))
		return t('errors.internal');
	const worded = reasonText(err.reason, err.params);
	if (worded) return worded;
	const key = has(`errors.${err.code}`) ? `errors.${err.code}` : 'errors.unknown';
	const detail = sentence(err.message);
	return detail && detail.toLowerCase() !== err.code
		? t('errors.with_detail', { summary: t(key), detail }) : t(key);
}

// formErrors(form): shows an API error beside the input its field names
// (an element [data-error-for=FIELD] inside the form), or in the form's
// .form-error when no such field is shown.
export function formErrors(form) {
	const general = form.querySelector('.form-error');
	function clear() {
		for (const el of form.querySelectorAll('[data-error-for]')) { setText(el, ''); el.hidden = true; }
		for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
		if (general) { setText(general, ''); general.hidden = true; }
	}
	function showAt(field, text) {
		const slot = field ? form.querySelector(`[data-error-for="${CSS.escape(field)}"]`) : null;
		if (slot) {
			setText(slot, text);
			slot.hidden = false;
			const input = slot.dataset.input ? document.getElementById(slot.dataset.input) : null;
			if (input) {
				input.setAttribute('aria-invalid', 'true');
				input.focus();
			}
			return;
		}
		if (general) {
			setText(general, text);
			general.hidden = false;
			general.focus();
		}
	}
	return {
		clear,
		field: (field, text) => showAt(field, text),
		show(err) {
			showAt(err && err.field, errorText(err));
		},
	};
}

export function formError() {
	return h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true });
}

// formSubmit(form, button, {check, send}): the form's submit: its errors
// cleared, then check(errs) (shows what is wrong and returns false or null
// to stop) and send(value of check, errs) with the button disabled and
// the form busy; an ApiError send throws shows beside its field.
export function formSubmit(form, button, { check, send }) {
	const errs = formErrors(form);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		errs.clear();
		const v = check ? check(errs) : true;
		if (v === false || v === null) return;
		button.disabled = true;
		form.setAttribute('aria-busy', 'true');
		try {
			await send(v, errs);
		} catch (err) {
			errs.show(err);
		} finally {
			button.disabled = false;
			form.removeAttribute('aria-busy');
		}
	});
	return errs;
}

// submitForm({id, submitLabel, fields, inline, check, send}): a form of
// fields (a grid, or inline in a row), its general error slot and its
// submit button, submitted by formSubmit with check and send.
export function submitForm({ id, submitLabel, fields, inline = false, check, send }) {
	const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel);
	const actions = h('div', { class: inline ? 'form-actions' : 'form-actions span-2' }, submit);
	const form = h('form', { id, class: inline ? 'form form-inline' : 'form form-grid', novalidate: true },
		fields, inline ? [actions, formError()] : [formError(), actions]);
	formSubmit(form, submit, { check, send });
	return form;
}

// field({label, input, error, hint, className, after}): a label, its input
// (which carries the id), a hint and the error slot for the API's field
// `error`, wired by aria-describedby; `after` sits beside the input.
export function field({ label, input, error, hint, className, after }) {
	const id = input.id;
	const describedBy = [];
	let hintEl = null;
	if (hint) {
		hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
		describedBy.push(hintEl.id);
	}
	let errEl = null;
	if (error) {
		errEl = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert',
			'data-error-for': error, 'data-input': id, hidden: true });
		describedBy.push(errEl.id);
	}
	if (describedBy.length) input.setAttribute('aria-describedby', describedBy.join(' '));
	return h('div', { class: `field ${className || ''}`.trim() },
		h('label', { for: id }, label),
		after ? h('div', { class: 'input-row' }, input, after) : input,
		hintEl, errEl);
}

export function checkField({ input, label, error, hint }) {
	const errEl = error ? h('p', { class: 'field-error', id: `${input.id}-error`, role: 'alert',
		'data-error-for': error, 'data-input': input.id, hidden: true }) : null;
	const hintEl = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
	const ids = [hintEl && hintEl.id, errEl && errEl.id].filter(Boolean);
	if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
	return h('div', { class: 'field field-check' },
		h('div', { class: 'check' }, input, h('label', { for: input.id }, label)), hintEl, errEl);
}

// sizeInput(id, n): one box for a size as people type it ('2 GB',
// '1.5GiB', '500M'), showing n as sizeText does; format.js readSize()
// reads it and the server parses it.
export function sizeInput(id, n = 0) {
	return h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false',
		autocapitalize: 'none', value: sizeText(n), placeholder: t('common.size_example'),
		class: 'input-quota' });
}

// ---- feedback -------------------------------------------------------------

let toastTimer = null;
// saveFile(name, data): a Blob (or text, saved as UTF-8 CSV) handed to
// the browser to save under name.
export function saveFile(name, data) {
	const blob = data instanceof Blob ? data : new Blob([data], { type: 'text/csv;charset=utf-8' });
	const url = URL.createObjectURL(blob);
	const a = h('a', { href: url, download: name, hidden: true });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function toast(text, kind = 'ok') {
	const el = document.getElementById('toast');
	if (!el) return;
	el.className = `toast toast-${kind}`;
	setText(el, text);
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => setText(el, ''), 6000);
}

// A message in the language just left would stay behind on a switch.
export function clearToast() {
	const el = document.getElementById('toast');
	clearTimeout(toastTimer);
	if (el) setText(el, '');
}

export function badge(kind, text, attrs = {}) {
	return h('span', { class: `badge badge-${kind}`, ...attrs }, text);
}

const STATES = ['pending', 'pushing', 'in_sync', 'unreachable', 'failed'];

// stateBadge(state): the guest's push state; data-state is the API's word.
export function stateBadge(state, attrs = {}) {
	const el = h('span', { class: 'state badge', ...attrs });
	setState(el, state);
	return el;
}

export function setState(el, state) {
	const s = STATES.includes(state) ? state : 'unknown';
	if (el.dataset.state === state) return;
	el.dataset.state = state;
	el.className = `state badge badge-state-${s}`;
	replace(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), t(`state.${s}`));
}

// errorNotice(after): a notice for a failed action, hidden until
// show(err).  With after (a reload), run(fn, okText) runs a row's action:
// the notice hidden, okText toasted unless fn returns false, a failure
// shown in the notice, then after() either way.
export function errorNotice(after) {
	const el = h('div', { class: 'notice notice-error', role: 'alert', hidden: true });
	const notice = {
		el,
		show(err) { replace(el, h('p', null, errorText(err))); el.hidden = false; },
		hide() { el.hidden = true; },
		async run(fn, okText) {
			notice.hide();
			try {
				if (await fn() !== false) toast(okText);
			} catch (err) {
				notice.show(err);
			}
			after();
		},
	};
	return notice;
}

export function activeBadge(active) {
	return active ? badge('on', t('common.active')) : badge('off', t('common.inactive'));
}

export function loading(text) {
	return h('div', { class: 'loading', role: 'status' },
		h('span', { class: 'spinner', 'aria-hidden': 'true' }), text || t('common.loading'));
}

export function emptyRow(cols, text) {
	return h('tr', { class: 'empty-row' }, h('td', { colspan: cols }, text));
}

export function loadingRow(cols) {
	return h('tr', { class: 'empty-row' }, h('td', { colspan: cols }, loading()));
}

export function errorBox(err, retry) {
	return h('div', { class: 'notice notice-error', role: 'alert' },
		h('p', null, errorText(err)),
		retry ? h('button', { type: 'button', class: 'btn', on: { click: retry } }, t('common.retry')) : null);
}

// errorRow(cols, err, retry): a failed listing, in place of its rows.
export function errorRow(cols, err, retry) {
	return h('tr', null, h('td', { colspan: cols }, errorBox(err, retry)));
}

// domainHref('xn--pss25c.example', '/aliases'): the panel's route to a
// domain page.  The name comes from the API, so it is encoded like any
// other path segment.
export function domainHref(name, tail = '') {
	return `#/domains/${encodeURIComponent(name)}${tail}`;
}

export function debounce(fn, ms) {
	let timer = null;
	const d = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
	d.cancel = () => clearTimeout(timer);
	return d;
}

// td(label, ...children): a cell that names its column on narrow screens.
export function td(label, ...children) {
	return h('td', { 'data-label': label }, h('span', { class: 'cell' }, ...children));
}

// ---- dialogs --------------------------------------------------------------

// The dialogs open now, so that leaving the page (or the session ending)
// does not leave one modal over the next page.
const openDialogs = new Set();

// closeDialogs(): closes every open dialog but those showing a secret,
// which would be lost for good (the API shows it once).
export function closeDialogs() {
	for (const d of [...openDialogs]) if (!d.keep) d.close(undefined);
}

// dialog({title, body, footer, className, initialFocus, wide, keep}): a
// modal <dialog>; Escape or a cancel button closes it and focus goes back
// where it was.  keep: it survives closeDialogs().  Returns
// {el, close(value), result: Promise}.
export function dialog({ title, body, footer, className, initialFocus, wide, keep = false }) {
	const titleId = nextId('dlg-title');
	const before = document.activeElement;
	let resolve;
	const result = new Promise((r) => { resolve = r; });
	let value;
	const closeBtn = h('button', { type: 'button', class: 'btn-icon dialog-x',
		'aria-label': t('common.close'), on: { click: () => api.close(undefined) } }, '×');
	const el = h('dialog', { class: `dialog ${wide ? 'dialog-wide' : ''} ${className || ''}`.trim(),
		'aria-labelledby': titleId },
	h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), closeBtn),
	h('div', { class: 'dialog-body' }, body),
	footer ? h('div', { class: 'dialog-foot' }, footer) : null);
	const api = {
		el,
		result,
		keep,
		close(v) { value = v; if (el.open) el.close(); },
	};
	openDialogs.add(api);
	el.addEventListener('close', () => {
		openDialogs.delete(api);
		el.remove();
		if (before && typeof before.focus === 'function' && document.contains(before)) before.focus();
		resolve(value);
	});
	document.body.appendChild(el);
	el.showModal();
	const first = initialFocus ? initialFocus
		: el.querySelector('.dialog-body input, .dialog-body select, .dialog-body textarea, .dialog-foot button');
	if (first) first.focus();
	return api;
}

// confirmDialog({...}): resolves true when confirmed.
export function confirmDialog({ title, message, detail, confirmLabel, danger = false, items }) {
	const cancel = h('button', { type: 'button', class: 'btn' }, t('common.cancel'));
	const ok = h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary' },
		confirmLabel || t('common.ok'));
	const list = items && items.length
		? h('ul', { class: 'confirm-list' }, items.slice(0, 10).map((i) => h('li', null, i)),
			items.length > 10 ? h('li', { class: 'muted' }, t('common.and_more', { count: items.length - 10 })) : null)
		: null;
	const d = dialog({
		title,
		body: [h('p', null, message), list, detail ? h('p', { class: 'muted' }, detail) : null],
		footer: [cancel, ok],
		initialFocus: danger ? cancel : ok,
	});
	cancel.addEventListener('click', () => d.close(false));
	ok.addEventListener('click', () => d.close(true));
	return d.result.then((v) => v === true);
}

// selectText(el): an input's text, or an element's, selected for Ctrl+C.
function selectText(el) {
	if (typeof el.select === 'function') { el.select(); return; }
	const range = document.createRange();
	range.selectNodeContents(el);
	const sel = window.getSelection();
	sel.removeAllRanges();
	sel.addRange(range);
}

// copyText(text, el): text to the clipboard; where the browser has none
// (a page not served over HTTPS) or refuses, el's text is selected
// instead.  Resolves to what to tell the person.
export async function copyText(text, el) {
	try {
		await navigator.clipboard.writeText(text);
		return t('common.copied');
	} catch (e) {
		selectText(el);
		return t('common.copy_manually');
	}
}

// copyButton(text, el, attrs): a small "Copy" button copying text (a
// string or a function giving it), el selected when the clipboard fails;
// what happened goes to the toast.
export function copyButton(text, el, attrs = {}) {
	const b = h('button', { type: 'button', class: 'btn btn-small', ...attrs }, t('common.copy'));
	b.addEventListener('click', async () => {
		toast(await copyText(typeof text === 'function' ? text() : text, el));
	});
	return b;
}

async function copy(text, input, status) {
	setText(status, await copyText(text, input));
}

// secretDialog({title, message, secret}): shows a secret once.
export function secretDialog({ title, message, secret, label }) {
	const id = nextId('secret');
	const input = h('input', { id, type: 'text', readonly: true, value: secret,
		class: 'secret', spellcheck: 'false', autocomplete: 'off' });
	const status = h('p', { class: 'hint', role: 'status' });
	const copyBtn = h('button', { type: 'button', class: 'btn' }, t('common.copy'));
	copyBtn.addEventListener('click', () => copy(secret, input, status));
	input.addEventListener('focus', () => input.select());
	const done = h('button', { type: 'button', class: 'btn btn-primary' }, t('common.done'));
	const d = dialog({
		title,
		body: [
			h('p', null, message),
			h('div', { class: 'field' }, h('label', { for: id }, label || t('common.secret')),
				h('div', { class: 'input-row' }, input, copyBtn)),
			status,
			h('p', { class: 'notice notice-warn' }, t('common.shown_once')),
		],
		footer: [done],
		initialFocus: copyBtn,
		keep: true,
	});
	done.addEventListener('click', () => d.close(true));
	// the secret goes with the dialog: nothing keeps it in the page after
	return d.result.then((v) => { input.value = ''; return v; });
}

// formDialog({title, fields, submitLabel, onSubmit}): a dialog holding a
// form; onSubmit(form, errors) throws an ApiError to keep it open.
export function formDialog({ title, fields, submitLabel, onSubmit, danger, wide }) {
	const errorEl = formError();
	const cancel = h('button', { type: 'button', class: 'btn' }, t('common.cancel'));
	const submit = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary' },
		submitLabel || t('common.save'));
	const form = h('form', { class: 'form', novalidate: true }, fields, errorEl,
		h('div', { class: 'dialog-foot' }, cancel, submit));
	const d = dialog({ title, body: form, wide });
	cancel.addEventListener('click', () => d.close(undefined));
	formSubmit(form, submit, {
		async send(_, errs) {
			const v = await onSubmit(form, errs);
			if (v !== false) d.close(v === undefined ? true : v);
		},
	});
	return d.result;
}

// ---- paging ---------------------------------------------------------------

// pager(onChange): keyset paging with a stack of cursors for "previous".
// onChange(cursor) loads a page; call .loaded(next_cursor) after, or first
// .back() when the page came back empty: deleting the last rows of a later
// page should show the page before, not "nothing here" with a Previous.
export function pager(onChange) {
	const stack = [null];
	let index = 0;
	let next = null;
	const prevBtn = h('button', { type: 'button', class: 'btn' }, `‹ ${t('common.prev')}`);
	const nextBtn = h('button', { type: 'button', class: 'btn' }, `${t('common.next')} ›`);
	const label = h('span', { class: 'pager-label', 'aria-live': 'polite' });
	const el = h('nav', { class: 'pager', 'aria-label': t('common.paging') }, prevBtn, label, nextBtn);
	prevBtn.addEventListener('click', () => {
		if (index === 0) return;
		index -= 1;
		onChange(stack[index]);
	});
	nextBtn.addEventListener('click', () => {
		if (next === null) return;
		stack.length = index + 1;
		stack.push(next);
		index += 1;
		onChange(stack[index]);
	});
	return {
		el,
		cursor: () => stack[index],
		page: () => index + 1,
		reset() { stack.length = 1; index = 0; next = null; },
		back() {
			if (index === 0) return false;
			stack.length = index;
			index -= 1;
			onChange(stack[index]);
			return true;
		},
		loaded(nextCursor) {
			next = nextCursor === undefined ? null : nextCursor;
			prevBtn.disabled = index === 0;
			nextBtn.disabled = next === null;
			setText(label, t('common.page', { page: index + 1 }));
			el.hidden = index === 0 && next === null;
		},
	};
}

// ---- tables and search ------------------------------------------------------

// table({id, columns, tbody, caption}): a table in a scrolling wrapper;
// columns are header texts (or nodes); on phones rows become cards.
export function table({ id, columns, tbody, caption, className }) {
	return h('div', { class: 'table-wrap' },
		h('table', { id, class: `table stack ${className || ''}`.trim() },
			caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
			h('thead', null, h('tr', null, columns.map((c) =>
				c instanceof Node ? h('th', { scope: 'col', class: 'col-check' }, c) : h('th', { scope: 'col' }, c)))),
			tbody));
}

// Anything but control characters: a fragment of a name or an address.
const Q_RE = /^[^\u0000-\u001f\u007f-\u009f]+$/u;

// A local part as the API takes it: a-z 0-9 . _ + -, no dot at either end
// or two in a row, at most 64 octets (checked here to answer at once).
export function localPartOk(s) {
	return s.length <= 64 && /^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*$/.test(s);
}

// readLocalPart(input, errs): the local part typed, lower-cased, or null
// once what is wrong with it is shown beside the field local_part.
export function readLocalPart(input, errs) {
	const v = input.value.trim().toLowerCase();
	if (!v) { errs.field('local_part', t('common.required')); return null; }
	if (!localPartOk(v)) { errs.field('local_part', t('mailbox.local_bad')); return null; }
	return v;
}

// searchBox({id, label, onSearch}): a search field sending q= 300 ms after
// the last key; what the API would refuse is flagged at once instead.
export function searchBox({ id, label, placeholder, onSearch }) {
	const input = h('input', { id, type: 'search', autocomplete: 'off', spellcheck: 'false',
		autocapitalize: 'none', placeholder: placeholder || '', maxlength: '64' });
	const err = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert',
		'data-error-for': 'q', 'data-input': id, hidden: true });
	input.setAttribute('aria-describedby', err.id);
	let last = '';
	const run = debounce(() => {
		if (!input.isConnected) return;	// the page was left within the 300 ms
		const v = input.value.trim().toLowerCase();
		if (v && !Q_RE.test(v)) {
			setText(err, t('search.bad_chars'));
			err.hidden = false;
			input.setAttribute('aria-invalid', 'true');
			return;
		}
		err.hidden = true;
		input.removeAttribute('aria-invalid');
		if (v === last) return;
		last = v;
		onSearch(v);
	}, 300);
	input.addEventListener('input', run);
	input.addEventListener('keydown', (ev) => {
		if (ev.key === 'Escape' && input.value) { input.value = ''; run(); }
	});
	const el = h('div', { class: 'field field-search' },
		h('label', { for: id }, label || t('search.label')),
		h('div', { class: 'search-wrap' }, h('span', { class: 'search-icon', 'aria-hidden': 'true' }), input),
		err);
	return {
		el, input,
		value: () => last,
		showError(e) { setText(err, errorText(e)); err.hidden = false; },
		clearError() { err.hidden = true; },
	};
}

// usageMeter(label, used, max, fmt): usage against a limit (0: none).
export function usageMeter(label, used, max, fmt) {
	const id = nextId('usage');
	const pct = max ? Math.round((used / max) * 100) : null;
	const value = max
		? t('usage.of', { used: fmt(used), max: fmt(max) })
		: t('usage.no_limit', { used: fmt(used) });
	const m = max ? h('meter', { id, min: '0', max: String(max), value: String(Math.min(used, max)),
		low: String(max * 0.8), high: String(max * 0.95), optimum: '0', 'aria-label': label }) : null;
	return h('div', { class: `usage ${pct !== null && pct >= 95 ? 'usage-high' : pct !== null && pct >= 80 ? 'usage-mid' : ''}`.trim() },
		h('div', { class: 'usage-head' }, h('span', { class: 'usage-label' }, label),
			h('span', { class: 'usage-value' }, value)),
		m,
		h('p', { class: 'hint' }, pct === null ? t('usage.unlimited_hint') : t('usage.percent', { pct })));
}

// tdTitle(label, ...children): the row's name; the card's title on phones.
export function tdTitle(label, ...children) {
	return h('td', { 'data-label': label, class: 'cell-title' }, ...children);
}
