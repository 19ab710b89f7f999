/* SPDX-License-Identifier: ISC */
// dom.js - build elements without HTML strings.  h(tag, attrs, ...children):
// text goes in as text nodes only, attributes pass a whitelist (never
// 'style', never an on* string), events are functions under attrs.on.

const ALLOWED = new Set([
	'id', 'class', 'href', 'type', 'name', 'value', 'for', 'placeholder',
	'required', 'disabled', 'checked', 'min', 'max', 'step', 'autocomplete',
	'role', 'title', 'lang', 'hidden', 'tabindex', 'maxlength', 'minlength',
	'inputmode', 'spellcheck', 'scope', 'colspan', 'selected', 'readonly',
	'rows', 'novalidate', 'datetime', 'rel', 'autocapitalize', 'multiple',
	'download', 'open', 'low', 'high', 'optimum', 'src', 'alt', 'width',
	'height',
]);
const BOOLEAN = new Set(['required', 'disabled', 'checked', 'hidden',
	'selected', 'readonly', 'novalidate', 'multiple', 'open']);

function allowed(name) {
	return ALLOWED.has(name) || name.startsWith('aria-') || name.startsWith('data-');
}

// setAttr(el, name, value): one whitelisted attribute; false/null removes it.
export function setAttr(el, name, value) {
	if (!allowed(name)) throw new Error(`dom: attribute ${name} refused`);
	// Browsers drop control characters and blanks inside a URL's scheme
	// ("java\tscript:" runs), so test the scheme with those removed.
	if (name === 'href' && typeof value === 'string'
		&& /^(javascript|vbscript|data):/i.test(value.replace(/[\u0000-\u0020\u007f]/g, '')))
		throw new Error('dom: script or data URL refused');
	// src: only an image the page drew itself from the API's answer (the
	// TOTP QR code, an SVG as a data: URL, which runs no script in <img>)
	if (name === 'src' && !/^data:image\/svg\+xml[;,]/.test(String(value)))
		throw new Error('dom: src other than an SVG data URL refused');
	if (value === false || value === null || value === undefined) {
		el.removeAttribute(name);
		if (name === 'checked' || name === 'disabled' || name === 'selected') el[name] = false;
	} else if (BOOLEAN.has(name)) {
		el.setAttribute(name, '');
		if (name === 'checked' || name === 'disabled' || name === 'selected') el[name] = true;
	} else if (name === 'value' && 'value' in el) {
		el.value = String(value);
	} else {
		el.setAttribute(name, String(value));
	}
}

function append(el, child) {
	if (child === null || child === undefined || child === false || child === true) return;
	if (Array.isArray(child)) { for (const c of child) append(el, c); return; }
	if (child instanceof Node) { el.appendChild(child); return; }
	el.appendChild(document.createTextNode(String(child)));
}

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (k === 'on') {
				for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
			} else if (k === 'ref') {
				v(el);
			} else {
				setAttr(el, k, v);
			}
		}
	}
	append(el, children);
	return el;
}

// replace(el, ...children): el's children become these.
export function replace(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

export function setText(el, text) {
	el.textContent = text === null || text === undefined ? '' : String(text);
	return el;
}
