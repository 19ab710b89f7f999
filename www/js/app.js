/* SPDX-License-Identifier: ISC */
// app.js - boots the panel: the language, who is signed in, the header and
// the router on location.hash.  Each page is a module in pages/ whose
// default export renders into ctx.view.  A mailbox user (role mailbox)
// has its own pages alone; a session that must enrol a second factor
// sees the enrolment alone until it is done.
import { h, replace, setText } from './dom.js';
import { t, loadLang, preferredLang, currentLang, languages } from './i18n.js';
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { loading, errorBox, errorText, closeDialogs, toast, clearToast } from './ui.js';
import { displayAddress } from './punycode.js';

const ROUTES = [
	{ re: /^\/login$/, page: 'login', open: true },
	{ re: /^\/dashboard$/, page: 'dashboard' },
	{ re: /^\/domains\/([^/]+)$/, page: 'domain' },
	{ re: /^\/domains\/([^/]+)\/aliases$/, page: 'aliases' },
	{ re: /^\/domains\/([^/]+)\/dns$/, page: 'dns' },
	{ re: /^\/import$/, page: 'importpage' },
	{ re: /^\/projects$/, page: 'projects' },
	{ re: /^\/guests$/, page: 'guests' },
	{ re: /^\/capacity$/, page: 'capacity', admin: true },
	{ re: /^\/accounts$/, page: 'accounts', admin: true },
	{ re: /^\/api-keys$/, page: 'apikeys' },
	{ re: /^\/audit$/, page: 'audit' },
	{ re: /^\/mailboxes\/([^/]+)$/, page: 'mailbox', mailbox: true },
	{ re: /^\/security$/, page: 'security', enrol: true },
	{ re: /^\/me$/, page: 'me', mailbox: true, only: 'mailbox' },
];

const NAV = [
	{ href: '#/dashboard', key: 'nav.dashboard', match: /^\/(dashboard|domains\/)/ },
	{ href: '#/import', key: 'nav.import', match: /^\/import/ },
	{ href: '#/projects', key: 'nav.projects', admin: true, match: /^\/projects/ },
	{ href: '#/guests', key: 'nav.guests', admin: true, match: /^\/guests/ },
	{ href: '#/capacity', key: 'nav.capacity', admin: true, match: /^\/capacity/ },
	{ href: '#/accounts', key: 'nav.accounts', admin: true, match: /^\/accounts/ },
	{ href: '#/api-keys', key: 'nav.api_keys', match: /^\/api-keys/ },
	{ href: '#/audit', key: 'nav.audit', match: /^\/audit/ },
	{ href: '#/security', key: 'nav.security', match: /^\/security/ },
];
// A mailbox user's menu: its own mailbox.
const NAV_MAILBOX = [
	{ href: '#/me', key: 'nav.me', match: /^\/(me|mailboxes\/)/ },
];

function navFor(s) {
	if (!s || s.totp_enrolment_needed) return [];
	if (s.role === 'mailbox') return NAV_MAILBOX;
	return NAV.filter((n) => !n.admin || s.role === 'admin');
}

// Whether this browser has signed in (the cookie itself is HttpOnly): with
// no hint, the sign-in page opens without asking the API who we are.
const HINT = 'hakomail.signed_in';
function hint(on) {
	try { if (on) localStorage.setItem(HINT, '1'); else localStorage.removeItem(HINT); } catch (e) { /* no storage */ }
}
function hinted() {
	try { return localStorage.getItem(HINT) === '1'; } catch (e) { return true; }
}

const state = {
	session: null,	// {login, role, project, csrf_token}
	returnTo: null,	// where to go after signing in
	flash: null,	// a message for the sign-in page
	cleanups: [],
	routeId: 0,
	bootError: null,
};

function hashPath() {
	const hsh = location.hash.replace(/^#/, '');
	return hsh.startsWith('/') ? hsh.split('?')[0] : '';
}

export function go(hash, replaceIt = false) {
	if (location.hash === hash) { route(); return; }
	if (replaceIt) { history.replaceState(null, '', hash); route(); } else location.hash = hash;
}

function homeFor() {
	const s = state.session;
	if (s && s.totp_enrolment_needed) return '#/security';
	return s && s.role === 'mailbox' ? '#/me' : '#/dashboard';
}

// Where a signed-in caller may not go, without asking the API: null, or
// 'enrol' (the enrolment comes first) or 'forbidden'.  A mailbox user's
// route to a mailbox is asked: the API's refusal is what protects it.
function barred(r, s) {
	if (!r || r.open || !s) return null;
	if (s.totp_enrolment_needed && !r.enrol) return 'enrol';
	if (s.role === 'mailbox' ? !r.mailbox : r.only === 'mailbox') return 'forbidden';
	return r.admin && s.role !== 'admin' ? 'forbidden' : null;
}

// A mailbox user's login is its address: shown in Unicode.
function loginText(s) {
	return s.role === 'mailbox' ? displayAddress(s.login) : s.login;
}

function roleText(s) {
	if (s.role === 'admin') return t('role.admin');
	if (s.role === 'mailbox') return t('role.mailbox');
	return t('role.owner_of', { project: s.project || '' });
}

// Only a route of this panel may be gone to after signing in: returnTo is
// made from location.hash, which anyone can put in a link.
function isRoute(hash) {
	return typeof hash === 'string' && /^#\/[^/\\]/.test(hash) && hash !== '#/login';
}

// ---- the header -------------------------------------------------------------

function renderChrome() {
	const top = document.getElementById('top');
	const s = state.session;
	const path = hashPath();
	const langSel = h('select', { id: 'lang', name: 'lang' },
		languages().map((l) => h('option', { value: l, lang: l, selected: l === currentLang() }, t(`lang.${l}`))));
	langSel.addEventListener('change', () => switchLang(langSel.value));
	const logout = h('button', { id: 'logout', type: 'button', class: 'btn btn-quiet', hidden: !s },
		t('nav.logout'));
	logout.addEventListener('click', signOut);
	// #whoami holds the login alone; the role sits beside it
	const who = h('span', { class: 'whoami', hidden: !s },
		h('span', { id: 'whoami', class: 'whoami-login', title: s ? loginText(s) : null }, s ? loginText(s) : ''),
		s ? h('span', { class: 'whoami-role' }, roleText(s)) : null);
	const items = navFor(s);
	const nav = items.length ? h('nav', { id: 'nav', class: 'nav', 'aria-label': t('nav.label') },
		h('ul', null, items.map((n) =>
			h('li', null, h('a', { href: n.href, 'aria-current': n.match.test(path) ? 'page' : false },
				t(n.key)))))) : null;
	const skip = h('button', { type: 'button', class: 'skip-link' }, t('nav.skip'));
	skip.addEventListener('click', () => document.getElementById('main').focus());
	replace(top,
		skip,
		h('div', { class: 'top-bar' },
			h('a', { class: 'brand', href: s ? homeFor() : '#/login' },
				h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-text' }, t('app.name'))),
			h('div', { class: 'top-tools' },
				who,
				h('div', { class: 'lang' },
					h('label', { for: 'lang', class: 'visually-hidden' }, t('nav.language')),
					langSel),
				logout)),
		nav);
	setText(document.getElementById('api-link'), t('app.api_link'));
}

function markNav() {
	const path = hashPath();
	for (const a of document.querySelectorAll('#nav a')) {
		const n = NAV.concat(NAV_MAILBOX).find((x) => x.href === a.getAttribute('href'));
		if (n && n.match.test(path)) {
			a.setAttribute('aria-current', 'page');
			const ul = a.closest('ul');	// on a phone the tabs scroll: show this one
			if (ul && (a.offsetLeft < ul.scrollLeft || a.offsetLeft + a.offsetWidth > ul.scrollLeft + ul.clientWidth))
				ul.scrollLeft = a.offsetLeft - 16;
		} else a.removeAttribute('aria-current');
	}
}

async function switchLang(l) {
	try {
		await loadLang(l, true);
	} catch (e) {
		toast(t('errors.network'), 'error');
		renderChrome();	// the select shows the language still in use
		return;
	}
	clearToast();
	renderChrome();
	route({ keepFocus: true });
	const sel = document.getElementById('lang');
	if (sel) sel.focus();
}

async function signOut() {
	try {
		await api.del('/session', undefined, { quietAuth: true });
	} catch (err) {
		// Only a session the server no longer knows is gone: on any other
		// failure the cookie still works, and saying "signed out" on a
		// shared machine would be a lie.
		if (err.status !== 401) { toast(errorText(err), 'error'); return; }
	}
	state.session = null;
	setCsrf(null);
	hint(false);
	state.flash = t('login.signed_out');
	state.returnTo = null;
	renderChrome();
	go('#/login');
}

// ---- the router -------------------------------------------------------------

function cleanup() {
	closeDialogs();
	for (const fn of state.cleanups.splice(0)) {
		try { fn(); } catch (e) { /* keep cleaning */ }
	}
}

async function route(opts = {}) {
	cleanup();
	const id = ++state.routeId;
	const main = document.getElementById('main');
	const path = hashPath();
	if (!path) { go(state.session ? homeFor() : '#/login', true); return; }
	let match = null;
	let params = [];
	for (const r of ROUTES) {
		const m = r.re.exec(path);
		if (m) { match = r; params = m.slice(1).map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } }); break; }
	}
	if (match && !match.open && !state.session) {
		state.returnTo = `#${path}`;
		go('#/login', true);
		return;
	}
	if (match && match.page === 'login' && state.session) { go(homeFor(), true); return; }
	const bar = barred(match, state.session);
	if (bar === 'enrol') { go('#/security', true); return; }
	const forbidden = bar === 'forbidden';
	if (!match && !state.session) { go('#/login', true); return; }
	markNav();
	const view = h('div', { class: 'view' });
	replace(main, view);
	view.append(loading());
	const ctx = {
		view,
		params,
		session: state.session,
		alive: () => id === state.routeId,
		onCleanup: (fn) => { if (id === state.routeId) state.cleanups.push(fn); else fn(); },
		setTitle: (s) => { document.title = `${s} — ${t('app.name')}`; },
		go,
		flash: () => { const f = state.flash; state.flash = null; return f; },
		signedIn: onSignedIn,
		home: homeFor(),
		// after an enrolment: who we are now, the header redrawn
		refreshSession: async () => {
			const who = await api.get('/whoami');
			state.session = who;
			setCsrf(who.csrf_token);
			renderChrome();
			return who;
		},
	};
	try {
		const mod = await import(`./pages/${match && !forbidden ? match.page : 'notfound'}.js`);
		if (id !== state.routeId) return;
		replace(view);
		if (forbidden) mod.forbidden(ctx);	// an operator's page: not even asked for
		else await mod.default(ctx);
	} catch (err) {
		if (id !== state.routeId) return;
		if (err && (err.status === 404 || err.status === 403)) {
			const nf = await import('./pages/notfound.js');
			if (id !== state.routeId) return;
			replace(view);
			if (err.status === 404) nf.default(ctx); else nf.forbidden(ctx, err);
		} else if (err && err.status === 401) {
			return;	// the session ended: the handler went to the sign-in page
		} else {
			replace(view, h('h1', { tabindex: '-1' }, t('errors.page_failed')),
				errorBox(err, () => route()));
			if (!(err && err.code)) console.error(err);
		}
	}
	if (id !== state.routeId) return;
	if (!opts.keepFocus && !view.contains(document.activeElement)) {
		const h1 = view.querySelector('h1');
		if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
	}
}

async function onSignedIn(session) {
	state.session = session;
	setCsrf(session.csrf_token);
	hint(true);
	renderChrome();
	const to = isRoute(state.returnTo) ? state.returnTo : homeFor();
	state.returnTo = null;
	go(to, true);
}

setUnauthorizedHandler(() => {
	if (!state.session) return;
	state.session = null;
	setCsrf(null);
	hint(false);
	state.flash = t('login.expired');
	const p = hashPath();
	state.returnTo = p && p !== '/login' ? `#${p}` : null;
	renderChrome();
	go('#/login', true);
});

async function boot() {
	try {
		await loadLang(preferredLang());
	} catch (e) {
		await loadLang('en');
	}
	if (hinted() || hashPath() !== '/login') {
		try {
			const who = await api.get('/whoami', undefined, { quietAuth: true });
			state.session = who;
			setCsrf(who.csrf_token);
		} catch (err) {
			if (err.status === 401) hint(false);
			else state.bootError = err;
		}
	}
	renderChrome();
	window.addEventListener('hashchange', () => route());
	if (state.bootError) {
		const main = document.getElementById('main');
		replace(main, h('div', { class: 'view' }, h('h1', null, t('errors.page_failed')),
			errorBox(state.bootError, () => location.reload())));
		return;
	}
	route();
}

boot();
