/* SPDX-License-Identifier: ISC */
// i18n.js - one catalogue per language (i18n/en.json, i18n/ja.json, nested
// keys).  t('a.b', {n: 3}) looks up a.b, picks a.b_one / a.b_other by
// vars.count when the catalogue has them, and fills {name} placeholders.

const LANGS = ['en', 'ja'];
const STORE = 'hakomail.lang';
let lang = 'en';
let catalogue = {};
let plural = new Intl.PluralRules('en');

export function languages() { return LANGS.slice(); }
export function currentLang() { return lang; }

// The language to start in: the remembered choice, else the browser's
// first preference that is Japanese or English, else English.
export function preferredLang() {
	try {
		const saved = localStorage.getItem(STORE);
		if (LANGS.includes(saved)) return saved;
	} catch (e) { /* storage refused: use the browser's preference */ }
	const prefs = navigator.languages && navigator.languages.length
		? navigator.languages : [navigator.language || 'en'];
	for (const p of prefs) {
		const l = String(p).toLowerCase();
		if (l.startsWith('ja')) return 'ja';
		if (l.startsWith('en')) return 'en';
	}
	return 'en';
}

export async function loadLang(want, remember = false) {
	const l = LANGS.includes(want) ? want : 'en';
	const res = await fetch(`i18n/${l}.json`, { credentials: 'same-origin', cache: 'no-cache' });
	if (!res.ok) throw new Error(`i18n: ${l}.json answered ${res.status}`);
	catalogue = await res.json();
	lang = l;
	plural = new Intl.PluralRules(l);
	document.documentElement.lang = l;
	if (remember) {
		try { localStorage.setItem(STORE, l); } catch (e) { /* not remembered */ }
	}
	return l;
}

function lookup(key) {
	let node = catalogue;
	for (const part of key.split('.')) {
		if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
		node = node[part];
	}
	return typeof node === 'string' ? node : undefined;
}

export function has(key) { return lookup(key) !== undefined; }

export function t(key, vars) {
	let s;
	if (vars && typeof vars.count === 'number')
		s = lookup(`${key}_${plural.select(vars.count)}`) ?? lookup(`${key}_other`);
	if (s === undefined) s = lookup(key);
	if (s === undefined) return key;
	if (!vars) return s;
	return s.replace(/\{(\w+)\}/g, (m, name) => {
		if (!(name in vars)) return m;
		const v = vars[name];
		return typeof v === 'number' ? new Intl.NumberFormat(lang).format(v) : String(v);
	});
}
