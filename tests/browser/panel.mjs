// panel.mjs - the web panel in Debian's Chromium (headless), driven by
// playwright-core; run by browser.sh, which starts the panel and the guest
// and passes: HK_BASE (the panel's URL), HK_GUEST_IP, HK_IDN (the A-label
// of lab's domain 研究室.example), HK_PUSHD_PID, HK_SHOTS (screenshots),
// HK_RESULTS (where PASS/FAIL lines go, as tests/lib.sh writes them).
import { appendFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const env = process.env;
const base = env.HK_BASE;
const idn = env.HK_IDN;
const shots = env.HK_SHOTS;
const www = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'www');
const results = env.HK_RESULTS || '/dev/null';
const unicodeDomain = '研究室.example';
const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;

function record(ok, name, why) {
	const line = `${ok ? 'PASS' : 'FAIL'} browser: ${name}`;
	appendFileSync(results, line + '\n');
	console.log(`  ${ok ? 'ok  ' : 'FAIL'} - ${name}${ok ? '' : ` (${why})`}`);
}

async function check(name, fn) {
	try {
		const r = await fn();
		if (r === false)
			throw new Error('condition false');
		record(true, name);
		return true;
	} catch (e) {
		record(false, name, String(e.message).split('\n')[0]);
		return false;
	}
}

function flatten(obj, prefix = '', out = {}) {
	for (const [k, v] of Object.entries(obj)) {
		if (v !== null && typeof v === 'object')
			flatten(v, `${prefix}${k}.`, out);
		else
			out[prefix + k] = v;
	}
	return out;
}

const shot = (page, name) =>
	page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const textOf = (page, sel) => page.locator(sel).first().innerText();
const goto = (page, hash) => page.goto(`${base}/${hash}`);

async function signIn(page, login, password) {
	await goto(page, '#/login');
	await page.waitForSelector('#login-form');
	await page.fill('#login', login);
	await page.fill('#password', password);
	await page.locator('#login-form [type=submit]').click();
}

// Every input, select and textarea of the page has a label.
function unlabelled(page) {
	return page.evaluate(() => [...document.querySelectorAll(
		'input:not([type=hidden]), select, textarea')].filter((e) =>
		e.labels.length === 0 && !e.getAttribute('aria-label') &&
		!e.getAttribute('aria-labelledby')).map((e) => e.id || e.name ||
		e.outerHTML.slice(0, 60)));
}

async function catalogues() {
	const en = flatten(JSON.parse(readFileSync(join(www, 'i18n/en.json'))));
	const ja = flatten(JSON.parse(readFileSync(join(www, 'i18n/ja.json'))));
	const missing = Object.keys(en).filter((k) => !(k in ja))
		.concat(Object.keys(ja).filter((k) => !(k in en)));
	await check('one catalogue per language, the same keys in both',
		() => missing.length === 0 || Promise.reject(
			new Error(`differ: ${missing.slice(0, 5).join(', ')}`)));
	await check('no empty string in either catalogue', () =>
		Object.values(en).concat(Object.values(ja)).every((v) =>
			typeof v === 'string' && v.length > 0));
	const same = Object.keys(en).filter((k) => en[k] === ja[k] &&
		/[a-z]{4}/.test(en[k]));
	await check('the Japanese catalogue is Japanese (no English left)', () =>
		same.length <= 3 || Promise.reject(new Error(same.slice(0, 5).join(', '))));
}

async function owner(browser, errors) {
	const context = await browser.newContext({ locale: 'en-US',
		viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	page.on('pageerror', (e) => errors.push(e.message));

	const resp = await page.goto(`${base}/`);
	const csp = resp.headers()['content-security-policy'] || '';
	await check('nginx sends a CSP without inline scripts or styles', () =>
		/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) &&
		!/unsafe-inline|unsafe-eval/.test(csp));
	await check('an unknown visitor gets the sign-in form', () =>
		page.waitForSelector('#login-form', { timeout: 10000 }));
	await check('the page follows the browser (English)', async () =>
		await page.evaluate(() => document.documentElement.lang) === 'en');
	await shot(page, 'login-en');

	await signIn(page, 'owner-a', 'not-the-password');
	await check('a wrong password shows the error', async () => {
		await page.waitForFunction(() => {
			const e = document.querySelector('#login-error');
			return e && e.textContent.trim().length > 0;
		}, null, { timeout: 10000 });
		return (await textOf(page, '#login-error')).length > 0;
	});
	await shot(page, 'login-error-en');

	await signIn(page, 'owner-a', 'pw-owner-a-long-enough');
	await check('owner A signs in and lands on the dashboard', async () => {
		await page.waitForURL(/#\/dashboard/, { timeout: 10000 });
		return (await textOf(page, '#whoami')).includes('owner-a');
	});
	await check('the dashboard shows guest w1 in sync', () => page.waitForSelector(
		'table#guests tr[data-guest="w1"] .state[data-state="in_sync"]',
		{ timeout: 15000 }));
	await check('the dashboard lists the IDN domain in Unicode', async () => {
		await page.waitForSelector(`table#domains a[href="#/domains/${encodeURIComponent(idn)}"]`);
		return (await textOf(page, 'table#domains')).includes(unicodeDomain);
	});
	await check('labels on every input (dashboard)', async () =>
		(await unlabelled(page)).length === 0);
	await shot(page, 'dashboard-en');

	await page.click(`table#domains a[href="#/domains/${encodeURIComponent(idn)}"]`);
	await check('the domain page is headed by the Unicode name', async () => {
		await page.waitForSelector('form#mailbox-add');
		return (await textOf(page, 'h1')).includes(unicodeDomain);
	});
	await check('labels on every input (domain page)', async () =>
		(await unlabelled(page)).length === 0);

	// A field error next to its field, and nothing created.
	await page.fill('#mb-local', 'bad local');
	await page.fill('#mb-password', 'Taro-pw-0123456');
	await page.locator('form#mailbox-add [type=submit]').click();
	await check('an invalid local part: the error next to its field', () =>
		page.waitForFunction(() => {
			const e = document.querySelector('[data-error-for="local_part"]');
			return e && e.textContent.trim().length > 0 &&
				e.offsetParent !== null;
		}, null, { timeout: 10000 }));
	await shot(page, 'domain-field-error-en');

	// pushd is held still, so that the guest is seen pending first.
	await page.evaluate(() => { window.hkNoReload = 1; });
	process.kill(Number(env.HK_PUSHD_PID), 'SIGSTOP');
	await page.fill('#mb-local', 'taro');
	await page.fill('#mb-name', '田中 太郎');
	await page.locator('form#mailbox-add [type=submit]').click();
	const row = `table#mailboxes tr[data-address="taro@${idn}"]`;
	await check('the new mailbox is in the list', () =>
		page.waitForSelector(row, { timeout: 10000 }));
	await check('its address is shown as the user types it (Unicode)',
		async () => (await textOf(page, row)).includes(`taro@${unicodeDomain}`));
	await check('its guest is shown pending', () => page.waitForSelector(
		'#guest-state[data-state="pending"]', { timeout: 15000 }));
	await shot(page, 'domain-pending-en');
	process.kill(Number(env.HK_PUSHD_PID), 'SIGCONT');
	await check('then in sync, without a reload', async () => {
		await page.waitForSelector('#guest-state[data-state="in_sync"]',
			{ timeout: 20000 });
		return await page.evaluate(() => window.hkNoReload === 1);
	});
	await shot(page, 'domain-en');
	await check('taro logs in over IMAP on the real guest', () => {
		execFileSync('curl', ['-s', '--max-time', '10',
			`imap://${env.HK_GUEST_IP}/`, '-u',
			`taro@${idn}:Taro-pw-0123456`, '-X', 'NOOP']);
		return true;
	});

	// Owner B's domain, by every URL the panel has.
	for (const hash of ['#/domains/b-lab.example',
		'#/domains/b-lab.example/aliases', '#/domains/b-lab.example/import']) {
		await goto(page, hash);
		await check(`owner A cannot reach ${hash}`, async () => {
			await page.waitForSelector('#not-found', { timeout: 10000 });
			return !(await page.locator('body').innerText()).includes('lab-b');
		});
	}
	for (const hash of ['#/accounts']) {
		await goto(page, hash);
		await check(`owner A is refused the operator page ${hash}`, () =>
			page.waitForSelector('#forbidden, #not-found', { timeout: 10000 }));
	}
	for (const hash of ['#/projects', '#/accounts', '#/api-keys', '#/audit']) {
		await goto(page, hash);
		await check(`owner A sees nothing of project lab-b at ${hash}`, async () => {
			await page.waitForSelector('main h1', { timeout: 10000 });
			await page.waitForLoadState('networkidle');
			const t = await page.locator('body').innerText();
			return !t.includes('lab-b') && !t.includes('owner-b');
		});
	}
	await check('nor through the API, with the session', async () =>
		await page.evaluate(async () => (await fetch(
			'/api/v1/domains/b-lab.example/mailboxes')).status) === 404);

	// Japanese, by the switch.
	await goto(page, '#/dashboard');
	await page.waitForSelector('table#guests');
	const englishNav = await textOf(page, 'nav');
	await page.selectOption('#lang', 'ja');
	await check('the switch turns the panel Japanese', async () => {
		await page.waitForFunction(() => document.documentElement.lang === 'ja');
		const nav = await textOf(page, 'nav');
		return nav !== englishNav && japanese.test(nav) &&
			japanese.test(await textOf(page, 'h1'));
	});
	await shot(page, 'dashboard-ja');
	await goto(page, `#/domains/${encodeURIComponent(idn)}`);
	await page.waitForSelector(row);
	await check('the Japanese domain page renders', async () =>
		japanese.test(await textOf(page, 'form#mailbox-add')));
	await shot(page, 'domain-ja');
	await goto(page, `#/domains/${encodeURIComponent(idn)}/aliases`);
	await page.waitForLoadState('networkidle');
	await shot(page, 'aliases-ja');
	await page.selectOption('#lang', 'en');

	await page.setViewportSize({ width: 390, height: 844 });
	for (const [hash, name] of [['#/dashboard', 'dashboard'],
		[`#/domains/${encodeURIComponent(idn)}`, 'domain']]) {
		await goto(page, hash);
		await page.waitForLoadState('networkidle');
		await check(`${name} fits a phone's width`, async () =>
			await page.evaluate(() => document.documentElement.scrollWidth) <= 392);
		await shot(page, `${name}-phone`);
	}

	await page.click('#logout');
	await check('sign out: back to the form, and the session is gone', async () => {
		await page.waitForSelector('#login-form', { timeout: 10000 });
		return await page.evaluate(async () =>
			(await fetch('/api/v1/whoami')).status) === 401;
	});
	await context.close();
}

async function operator(browser, errors) {
	const context = await browser.newContext({ locale: 'ja-JP',
		viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	page.on('pageerror', (e) => errors.push(e.message));

	await goto(page, '#/login');
	await check('a Japanese browser gets the Japanese panel', async () => {
		await page.waitForSelector('#login-form');
		return await page.evaluate(() => document.documentElement.lang) === 'ja' &&
			japanese.test(await textOf(page, '#login-form'));
	});
	await shot(page, 'login-ja');
	await signIn(page, 'ops', 'pw-ops-long-enough');
	await page.waitForSelector('#logout');
	for (const hash of ['#/guests', '#/projects', '#/accounts', '#/api-keys',
		'#/audit']) {
		await goto(page, hash);
		await page.waitForSelector('main h1', { timeout: 10000 });
		await page.waitForLoadState('networkidle');
		await check(`operator page ${hash} renders, labelled`, async () => {
			const h1 = await page.locator('h1').count();
			const nf = await page.locator('#not-found, #forbidden').count();
			const bare = await unlabelled(page);

			if (h1 !== 1 || nf !== 0 || bare.length !== 0)
				throw new Error(`h1 ${h1}, not found ${nf}, ` +
					`unlabelled ${bare.join(' ')}`);
		});
		await shot(page, `ops-${hash.slice(2)}-ja`);
	}
	await check('the operator sees both projects\' guests', async () => {
		await goto(page, '#/guests');
		await page.waitForSelector('tr[data-guest="wb"]', { timeout: 10000 });
		const t = await page.locator('main').innerText();
		if (!t.includes('w1') || !t.includes('wb'))
			throw new Error(t.slice(0, 200));
	});
	await context.close();
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox'] });
const errors = [];
try {
	await catalogues();
	await owner(browser, errors);
	await operator(browser, errors);
	// 401s of the sign-in and logout checks are expected network errors.
	const real = errors.filter((e) => !/status of 40[14]/.test(e));
	await check('no script error and no CSP violation in the console', () =>
		real.length === 0 || Promise.reject(new Error(real.slice(0, 3).join(' | '))));
} catch (e) {
	record(false, 'the browser run', e.message.split('\n')[0]);
} finally {
	process.kill(Number(env.HK_PUSHD_PID), 'SIGCONT');
	await browser.close();
}
