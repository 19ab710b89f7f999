// SPDX-License-Identifier: ISC
// dns.mjs - issue 19 in the browser (panel.mjs runs it, with its helpers
// in k): owner A opens lab's domain's DNS page from the domain page; the
// MX and SPF records say what guest w1 lacks, then show the mail host and
// addresses the operator gives w1; an RSA key made in the page is pending
// with its record, copied with its button and read back from the
// clipboard; "Check now" asks the real nsd browser.sh started (its zone
// for the domain: the MX as expected, another SPF, no DMARC) and shows
// published / different (with what was found) / missing in words, in
// English and in Japanese; the key confirmed active; deleting the active
// key refused in the page's language.  An alias domain gets its own list,
// and its lookups (nsd serves no zone of it) fail, saying why.
//   HK_DNS_MX: the mail host the zone's MX names; HK_DNS_SPF_FOUND: the
//   zone's SPF text; HK_GUEST_IP: w1's address (its SPF's).

const env = process.env;
const ALIAS = 'dns-alias.example';	// an alias domain nsd does not serve

// rowOf(purpose, domain): the record row of the domain's list.
const rowOf = (purpose, domain) =>
	`.dns-group[data-domain="${domain}"] tr[data-purpose="${purpose}"]`;

function words(k, lang) {
	return (key, vars = {}) => Object.entries(vars).reduce(
		(s, [n, v]) => s.replaceAll(`{${n}}`, v), k.cat[lang][key]);
}

// The dialog's text, then its button `sel` clicked.
async function dialogText(page, sel) {
	await page.waitForSelector('dialog[open]', { timeout: 10000 });
	const text = await page.locator('dialog[open] .dialog-body').innerText();
	await page.locator(`dialog[open] ${sel}`).click();
	return text;
}

async function opened(page, k) {
	const { check, goto, idn } = k;
	await goto(page, `#/domains/${encodeURIComponent(idn)}`);
	await page.click('#dns-link');
	await check('the domain page links to its DNS page, headed by the Unicode name', async () => {
		await page.waitForURL(new RegExp(`#/domains/${encodeURIComponent(idn)}/dns$`), { timeout: 10000 });
		await page.waitForSelector(rowOf('mx', idn), { timeout: 10000 });
		return (await k.textOf(page, 'h1')).includes(k.unicodeDomain);
	});
	const en = words(k, 'en');
	await check('a guest without mail host and addresses: MX and SPF say so, with nothing to copy', async () => {
		const mx = await k.textOf(page, `${rowOf('mx', idn)} .dns-note`);
		const spf = await k.textOf(page, `${rowOf('spf', idn)} .dns-note`);
		const copies = await page.locator(`${rowOf('mx', idn)} [data-copy], ${rowOf('spf', idn)} [data-copy]`).count();
		if (mx !== en('dns.not_configured_mx', { guest: 'w1' }) ||
		    spf !== en('dns.not_configured_spf', { guest: 'w1' }) || copies !== 0)
			throw new Error(`"${mx}" / "${spf}" / ${copies} copy buttons`);
	});
	await k.shot(page, 'dns-unset-en');
	const r = await k.asOperator('PATCH', 'guests/w1', { mail_host: env.HK_DNS_MX, mail_addrs: [env.HK_GUEST_IP] });
	const a = await k.asOperator('POST', 'alias-domains', { name: ALIAS, target: idn });
	if (r.status !== 200 || a.status !== 201) throw new Error(`PATCH guests/w1: ${r.status}; alias domain: ${a.status}`);
	await page.reload();
	await check('MX and SPF show w1\'s mail host and address', async () => {
		await page.waitForSelector(`${rowOf('mx', idn)} code.dns-value`, { timeout: 10000 });
		const mx = await k.textOf(page, `${rowOf('mx', idn)} code.dns-value`);
		const spf = await k.textOf(page, `${rowOf('spf', idn)} code.dns-value`);
		if (mx !== env.HK_DNS_MX || spf !== `v=spf1 ip4:${env.HK_GUEST_IP} -all`)
			throw new Error(`"${mx}" / "${spf}"`);
	});
	await check('the alias domain\'s records: a list of their own, after the domain\'s', async () => {
		const groups = await page.$$eval('.dns-group', (g) => g.map((x) => x.dataset.domain));
		const head = await k.textOf(page, `.dns-group[data-domain="${ALIAS}"] h3`);
		const mx = await k.textOf(page, `${rowOf('mx', ALIAS)} code.dns-value`);
		if (groups.join() !== `${idn},${ALIAS}` || head !== en('dns.alias_group', { name: ALIAS }) || mx !== env.HK_DNS_MX)
			throw new Error(`${groups} / "${head}" / "${mx}"`);
	});
	await check('labels on every input (DNS page)', async () => (await k.unlabelled(page)).length === 0);
}

// A new RSA key, pending, its record copied; returns the API's key.
async function newKey(page, k) {
	const { check, idn } = k;
	await page.locator('form#dkim-new [type=submit]').click();
	let key = null;
	await check('"New key" makes an RSA key, shown pending with its record', async () => {
		await page.waitForSelector('table#dkim-keys tr[data-state="pending"]', { timeout: 20000 });
		const list = await page.evaluate((d) => fetch(`/api/v1/domains/${d}/dkim`).then((x) => x.json()), idn);
		key = list.items.find((x) => x.state === 'pending');
		const row = `table#dkim-keys tr[data-selector="${key.selector}"]`;
		const shown = await k.textOf(page, `${row} code.dns-value`);
		const state = await k.textOf(page, `${row} [data-state]`);
		if (key.algorithm !== 'rsa' || key.bits !== 2048 || shown !== key.record_value ||
		    state !== k.cat.en['dkim.state.pending'] || !key.record_value.startsWith('v=DKIM1; k=rsa; p='))
			throw new Error(`${JSON.stringify(key).slice(0, 120)}; shown "${state}"`);
	});
	if (!key) throw new Error('no pending key');
	await check('the key\'s record is in the list of records to publish', async () => {
		const row = `${rowOf('dkim', idn)}[data-name="${key.record_name}"]`;
		await page.waitForSelector(row, { timeout: 10000 });
		return await k.textOf(page, `${row} code.dns-value`) === key.record_value;
	});
	await page.click(`table#dkim-keys [data-copy="${key.selector}"]`);
	await check('the copy button puts the DKIM record on the clipboard', async () => {
		await page.waitForFunction((w) => document.querySelector('#toast').textContent === w,
			k.cat.en['common.copied'], { timeout: 10000 });
		const got = await page.evaluate(() => navigator.clipboard.readText());
		return got === key.record_value || Promise.reject(new Error(`clipboard: "${got.slice(0, 60)}"`));
	});
	await page.click('#dns-zone-copy');
	await check('the zone text copies whole, the MX line in it', async () => {
		const zone = await page.$eval('#dns-zone', (e) => e.textContent);
		let got = '';
		for (let i = 0; i < 50 && got !== zone; i++) {
			await page.waitForTimeout(100);
			got = await page.evaluate(() => navigator.clipboard.readText());
		}
		return (got === zone && zone.includes(`${idn}.\tIN\tMX\t10 ${env.HK_DNS_MX}.`)) ||
			Promise.reject(new Error(`clipboard: "${got.slice(0, 80)}"`));
	});
	return key;
}

// "Check now" against nsd: MX published, SPF different, DMARC missing.
async function checked(page, k, lang) {
	const { check, idn } = k;
	const w = words(k, lang);
	// held a moment on its way, so that the running check can be seen
	const held = (route) => setTimeout(() => route.continue(), 1000);
	await page.route(/\/dns\?check=true$/, held);
	await page.click('#dns-check');
	await check(`Check now (${lang}): says it is running`, async () => {
		await page.waitForFunction((t) => document.querySelector('#dns-check-state').textContent.includes(t),
			w('dns.checking'), { timeout: 5000 });
		return await page.locator('#dns-check[disabled]').count() === 1;
	});
	await page.waitForSelector(`${rowOf('mx', idn)}[data-status]`, { timeout: 20000 });
	await page.unroute(/\/dns\?check=true$/, held);
	const status = (p) => k.textOf(page, `${rowOf(p, idn)} .dns-status`);
	await check(`Check now (${lang}): MX published, SPF different (what was found), DMARC missing, in words`, async () => {
		const [mx, spf, dmarc] = [await status('mx'), await status('spf'), await status('dmarc')];
		const kinds = await page.$$eval(['mx', 'spf', 'dmarc'].map((p) => `${rowOf(p, idn)} .badge[data-status]`).join(','),
			(els) => els.map((e) => `${e.dataset.status}:${e.className}`));
		if (mx !== w('dns.status.match') || !spf.startsWith(w('dns.status.different')) ||
		    !spf.includes(w('dns.found', { found: env.HK_DNS_SPF_FOUND })) || dmarc !== w('dns.status.missing') ||
		    kinds.join() !== 'match:badge badge-on,different:badge badge-warn,missing:badge badge-error')
			throw new Error(`"${mx}" / "${spf}" / "${dmarc}" / ${kinds}`);
	});
	await check(`Check now (${lang}): the alias domain nsd refuses: lookup failed, and why`, async () => {
		const mx = await k.textOf(page, `${rowOf('mx', ALIAS)} .dns-status`);
		const why = w('dns.failed_why', { why: '' });
		return (mx.startsWith(w('dns.status.failed')) && mx.includes(why)) || Promise.reject(new Error(`"${mx}"`));
	});
}

async function activated(page, k, key) {
	const { check, idn } = k;
	const en = words(k, 'en');
	const row = `table#dkim-keys tr[data-selector="${key.selector}"]`;
	await page.click(`${row} [data-action="activate"]`);
	const text = await dialogText(page, '.btn-primary');
	await check('Activate asks first: the record must be published, and the last check did not see it', () =>
		(text.includes(en('dkim.activate_confirm', { name: key.record_name })) &&
		 text.includes(en('dkim.seen_other', { status: en('dns.status.missing') }))) ||
		Promise.reject(new Error(text.slice(0, 200))));
	await check('confirmed, the key is active', async () => {
		await page.waitForSelector(`${row}[data-state="active"]`, { timeout: 10000 });
		const list = await page.evaluate((d) => fetch(`/api/v1/domains/${d}/dkim`).then((x) => x.json()), idn);
		return list.items.find((x) => x.selector === key.selector).state === 'active' &&
			await k.textOf(page, `${row} [data-state]`) === en('dkim.state.active');
	});
}

// Deleting the active key, in Japanese: confirmed, then refused in words.
async function refusedJa(page, k, key) {
	const { check, idn } = k;
	const ja = words(k, 'ja');
	const row = `table#dkim-keys tr[data-selector="${key.selector}"]`;
	await page.click(`${row} [data-action="delete"]`);
	const text = await dialogText(page, '.btn-danger');
	await check('deleting the active key: refused, in Japanese, the key and the check kept', async () => {
		const want = ja('reasons.dkim_delete_active', { selector: key.selector, algorithm: 'rsa', domain: k.unicodeDomain });
		await page.waitForFunction((w) => {
			const e = document.querySelector('#dkim .notice-error');
			return e && !e.hidden && e.textContent === w;
		}, want, { timeout: 10000 });
		const list = await page.evaluate((d) => fetch(`/api/v1/domains/${d}/dkim`).then((x) => x.json()), idn);
		return text.includes(ja('dkim.delete_detail.active')) &&
			list.items.some((x) => x.selector === key.selector && x.state === 'active') &&
			await page.locator(`${rowOf('mx', idn)}[data-status="match"]`).count() === 1;
	});
}

export async function dnsPage(browser, errors, k) {
	const { context, page } = await k.openPage(browser, errors);
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.HK_BASE });
	await k.signIn(page, 'owner-a', 'pw-owner-a-long-enough');
	await page.waitForURL(/#\/dashboard/, { timeout: 10000 });
	await opened(page, k);
	const key = await newKey(page, k);
	await k.shot(page, 'dns-pending-en');
	await checked(page, k, 'en');
	await k.shot(page, 'dns-checked-en');
	await activated(page, k, key);
	await page.selectOption('#lang', 'ja');
	await page.waitForSelector(rowOf('mx', k.idn), { timeout: 10000 });
	await checked(page, k, 'ja');
	await refusedJa(page, k, key);
	await k.shot(page, 'dns-ja');
	await page.selectOption('#lang', 'en');
	await page.waitForSelector(rowOf('mx', k.idn), { timeout: 10000 });
	await k.fitsPhone(page, 'the DNS page', 'dns-phone');
	await context.close();
	const gone = await k.asOperator('DELETE', `alias-domains/${ALIAS}`);
	if (gone.status !== 204) throw new Error(`DELETE alias-domains/${ALIAS}: ${gone.status}`);
}
