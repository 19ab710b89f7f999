/* SPDX-License-Identifier: ISC */
// pages/importpage.js - the CSV import: a file of mailboxes or aliases
// checked first (a dry run: the rows shown, those with problems marked),
// then imported, the job's progress polled (POST /imports answers at once
// with a job; GET /imports/ID tells how far it is), the result and a
// report to download, and the project's recent imports, whatever their
// door (the API, this panel, the CLI's hakomail import).  A job ends
// "done" (written), "checked" (a dry run, problems or not), "failed"
// (it could not run, or was refused: its error says why) or "interrupted"
// (the panel was stopped before it ended: nothing written, run it again).
import { h, replace, setText } from '../dom.js';
import { t } from '../i18n.js';
import { api, path } from '../api.js';
import { number, dateTime, iso } from '../format.js';
import { toUnicode } from '../punycode.js';
import { badge, checkField, saveFile, domainHref, emptyRow, errorRow, errorText, field, formError,
	formErrors, loadingRow, messageText, reasonText, table, td, tdTitle } from '../ui.js';

const MAX_BYTES = 64 * 1024 * 1024;	// the API's HTTP_MAX_UPLOAD
const PREVIEW_MAX_BYTES = 16 * 1024 * 1024;	// larger files: the problems alone
const SHOW_ROWS = 1000;	// rows shown beside every row with a problem
const POLL_MS = 500;
const SECRET = new Set(['password', 'password_hash']);

const TEMPLATES = {
	mailboxes: 'address,password,name,quota,active\r\n'
		+ 'student001@example.jp,Change-me-0001,山田 花子,2G,true\r\n',
	aliases: 'address,destinations,active\r\n'
		+ 'info@example.jp,"taro@example.jp,hanako@example.jp",true\r\n',
};

// ---- the file in the browser (for display only: the server judges) ----------

// The file as text: CP932 as Shift_JIS, UTF-8 otherwise; 'auto' tries
// UTF-8 strictly first, as the server does.
async function readText(file, enc) {
	const buf = await file.arrayBuffer();
	if (enc === 'cp932') return new TextDecoder('shift_jis').decode(buf);
	if (enc === 'utf-8') return new TextDecoder('utf-8').decode(buf);
	try { return new TextDecoder('utf-8', { fatal: true }).decode(buf); } catch (e) {
		return new TextDecoder('shift_jis').decode(buf);
	}
}

// parseCsv(text, keep(index, line)): RFC 4180 records, each with the file
// line it starts on (LF, CRLF or a lone CR end a line; quoted fields may
// span lines); blank lines skipped.  Returns {header, rows (those kept),
// count (all data rows)}.
export function parseCsv(text, keep) {
	const n = text.length;
	let i = 0;
	let line = 1;
	let header = null;
	let count = 0;
	const rows = [];
	while (i < n) {
		const start = line;
		const cells = [];
		let f = '';
		let quoted = false;
		let inQ = false;
		for (;;) {
			if (i >= n) { cells.push(f); break; }
			const c = text[i];
			if (inQ) {
				if (c === '"') {
					if (text[i + 1] === '"') { f += '"'; i += 2; } else { inQ = false; i += 1; }
					continue;
				}
				if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line += 1;
				f += c;
				i += 1;
			} else if (c === '"' && f === '') {
				inQ = true; quoted = true; i += 1;
			} else if (c === ',') {
				cells.push(f); f = ''; i += 1;
			} else if (c === '\n' || c === '\r') {
				i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
				line += 1;
				cells.push(f);
				break;
			} else {
				// up to the next special character at once
				let j = i + 1;
				while (j < n && !',"\r\n'.includes(text[j])) j += 1;
				f += text.slice(i, j);
				i = j;
			}
		}
		if (cells.length === 1 && cells[0] === '' && !quoted) continue;
		if (!header) { header = { line: start, cells }; continue; }
		if (keep(count, start)) rows.push({ line: start, cells });
		count += 1;
	}
	return { header, rows, count };
}

// ---- the report -----------------------------------------------------------

function csvCell(v) {
	let s = v === null || v === undefined ? '' : String(v);
	if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;	// no formula in a spreadsheet
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function reportCsv(job) {
	const lines = [['line', 'column', 'reason']];
	for (const p of job.problems || []) lines.push([p.line, p.column || '', problemText(p)]);
	if (job.problems_more) lines.push(['', '', `(more than ${(job.problems || []).length} problems: the rest not listed)`]);
	lines.push([]);
	lines.push(['summary', 'value']);
	const sum = [['file', job.filename], ['kind', job.kind], ['dry_run', job.dry_run],
		['skip_invalid', job.skip_invalid], ['upsert', job.upsert], ['encoding', job.encoding],
		['state', job.state], ['rows', job.rows], ['added', job.added], ['updated', job.updated],
		['invalid', job.invalid], ['error', job.error ? messageText(job.error) : ''],
		['finished_at', job.finished_at ? new Date(job.finished_at * 1000).toISOString() : '']];
	for (const s of sum) lines.push(s);
	// a BOM: Excel reads the file as UTF-8
	return '\ufeff' + lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function baseName(name) {
	return String(name || 'import').replace(/\.csv$/i, '').replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_') || 'import';
}


// ---- words --------------------------------------------------------------------

// "line 3, column address" (an API field) in the UI's words.
function whereText(fieldName) {
	const m = /^line (\d+)(?:, column (.+))?$/.exec(fieldName || '');
	if (!m) return '';
	return m[2] ? t('import.at_line_column', { line: Number(m[1]), column: m[2] })
		: t('import.at_line', { line: Number(m[1]) });
}

// A problem of a row in the catalogue's words (the import's own where it
// has them: what to choose on this page), else the server's.
function problemText(p) {
	return reasonText(p.reason_id, p.params, 'import.reasons') ||
		reasonText(p.reason_id, p.params) || p.reason;
}

function uploadErrorText(err) {
	if (err.status === 409) return t('import.busy');
	if (err.status === 429) return err.retryAfter ? t('import.too_many_wait', { seconds: err.retryAfter }) : t('import.too_many');
	if (err.status === 413) return t('import.too_big');
	const where = whereText(err.field);
	return where ? t('import.file_refused', { where, message: messageText(err) }) : errorText(err);
}

function phaseText(job) {
	if (job.state === 'queued' || !job.phase) return t('import.phase_queued');
	const name = t(`import.phase_${job.phase}`);
	if (job.phase === 'write' || !job.total) return name;
	return t('import.phase_progress', { phase: name, done: job.done, total: job.total });
}

const ended = (job) => job.state !== 'queued' && job.state !== 'running';

function stateBadgeOf(job) {
	const attrs = { 'data-state': job.state };
	if (!ended(job)) return badge('neutral', t('import.state_running'), attrs);
	if (job.state === 'checked') {
		return job.invalid ? badge('warn', t('import.state_checked_problems'), attrs)
			: badge('on', t('import.state_checked'), attrs);
	}
	if (job.state === 'done') return badge('on', t('import.state_done'), attrs);
	if (job.state === 'interrupted') return badge('warn', t('import.state_interrupted'), attrs);
	return job.error && job.error.code === 'invalid' && job.invalid > 0
		? badge('warn', t('import.state_problems'), attrs) : badge('error', t('import.state_failed'), attrs);
}

// ---- polling a job --------------------------------------------------------------

// pollJob(ctx, id, onUpdate): the job every POLL_MS until it ends (not
// while the tab is hidden); resolves to the ended job, or null when the
// page was left.
function pollJob(ctx, id, onUpdate) {
	return new Promise((resolve, reject) => {
		let timer = null;
		let failures = 0;
		const wake = () => { if (!document.hidden && timer === null) tick(); };
		const end = (v, err) => {
			clearTimeout(timer);
			document.removeEventListener('visibilitychange', wake);
			if (err) reject(err); else resolve(v);
		};
		async function tick() {
			timer = null;
			if (!ctx.alive()) { end(null); return; }
			if (document.hidden) return;	// wake() goes on when it is shown
			try {
				const job = await api.get(path('imports', id));
				if (!ctx.alive()) { end(null); return; }
				failures = 0;
				onUpdate(job);
				if (ended(job)) { end(job); return; }
			} catch (err) {
				if (err.status === 401 || err.status === 404 || ++failures > 20) { end(null, err); return; }
			}
			timer = setTimeout(tick, POLL_MS);
		}
		document.addEventListener('visibilitychange', wake);
		ctx.onCleanup(() => end(null));
		timer = setTimeout(tick, POLL_MS);
	});
}

// ---- the page --------------------------------------------------------------------

function helpCard(kindSel) {
	const list = h('dl', { class: 'import-columns' });
	const tpl = h('button', { type: 'button', class: 'btn', id: 'imp-template' }, t('import.template'));
	function fill() {
		const kind = kindSel.value;
		const cols = kind === 'aliases'
			? [['address', 'col_alias_address'], ['destinations', 'col_destinations'], ['active', 'col_active']]
			: [['address', 'col_address'], ['password', 'col_password'], ['password_hash', 'col_password_hash'],
				['name', 'col_name'], ['quota', 'col_quota'], ['active', 'col_active']];
		replace(list, cols.map(([c, k]) => h('div', null, h('dt', null, h('code', null, c)), h('dd', null, t(`import.${k}`)))));
	}
	tpl.addEventListener('click', () => saveFile(`${kindSel.value}-template.csv`, TEMPLATES[kindSel.value]));
	kindSel.addEventListener('change', fill);
	fill();
	return h('section', { class: 'card', 'aria-labelledby': 'imp-help-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'imp-help-h' }, t('import.format_title')), tpl),
		h('p', { class: 'card-intro' }, t('import.format_intro')),
		list,
		h('p', { class: 'hint' }, t('import.format_encoding')));
}

function recentCard() {
	const tbody = h('tbody', null, loadingRow(5));
	let items = [];
	async function load() {
		try {
			const page = await api.get('/imports', { limit: 10 });
			items = page.items;
			replace(tbody, page.items.length ? page.items.map((j) => h('tr', { 'data-id': String(j.id) },
				tdTitle(t('import.when'), h('time', { datetime: iso(j.created_at) }, dateTime(j.created_at))),
				td(t('import.file'), h('span', { class: 'address' }, j.filename || '—'),
					h('span', { class: 'sub' }, t(`import.kind_${j.kind}`), ' · ', j.dry_run ? t('import.dry_run') : t('import.real_run'))),
				td(t('common.status'), stateBadgeOf(j)),
				td(t('import.counts'), t(j.dry_run ? 'import.counts_check' : j.state === 'interrupted' ? 'import.counts_interrupted'
					: j.state === 'failed' ? 'import.counts_failed' : 'import.counts_done',
					{ rows: j.rows, added: j.added, updated: j.updated, invalid: j.invalid })),
				td(t('import.by'), j.actor, h('span', { class: 'sub', 'data-via': j.via }, t(`import.via_${j.via}`)))))
				: emptyRow(5, t('import.recent_empty')));
		} catch (err) {
			if (err.status === 401) return;
			replace(tbody, errorRow(5, err, load));
		}
		return items;
	}
	const el = h('section', { class: 'card', 'aria-labelledby': 'imp-recent-h' },
		h('div', { class: 'card-head' }, h('h2', { id: 'imp-recent-h' }, t('import.recent'))),
		table({ id: 'imp-recent', columns: [t('import.when'), t('import.file'), t('common.status'),
			t('import.counts'), t('import.by')], tbody }));
	return { el, load };
}

export default async function render(ctx) {
	ctx.setTitle(t('import.title'));

	// ---- the form
	const kind = h('select', { id: 'imp-kind', name: 'kind' },
		h('option', { value: 'mailboxes' }, t('import.kind_mailboxes')),
		h('option', { value: 'aliases' }, t('import.kind_aliases')));
	const file = h('input', { id: 'imp-file', name: 'file', type: 'file', required: true });
	file.accept = '.csv,text/csv';
	const enc = h('select', { id: 'imp-encoding', name: 'encoding' },
		h('option', { value: 'auto' }, t('import.enc_auto')),
		h('option', { value: 'utf-8' }, 'UTF-8'),
		h('option', { value: 'cp932' }, t('import.enc_cp932')));
	const upsert = h('input', { id: 'imp-upsert', name: 'upsert', type: 'checkbox' });
	const skip = h('input', { id: 'imp-skip', name: 'skip_invalid', type: 'checkbox' });
	const checkBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'imp-check' }, t('import.check'));
	const runBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'imp-run', disabled: true }, t('import.run'));
	const explain = h('p', { id: 'imp-explain', class: 'notice notice-warn', hidden: true });
	const form = h('form', { id: 'import-form', class: 'form form-grid', novalidate: true },
		field({ label: t('import.kind'), input: kind, error: 'kind' }),
		field({ label: t('import.file'), input: file, error: 'file', hint: t('import.file_hint') }),
		field({ label: t('import.encoding'), input: enc, error: 'encoding', hint: t('import.encoding_hint') }),
		h('div', { class: 'field' },
			checkField({ input: upsert, label: t('import.upsert'), hint: t('import.upsert_hint') }),
			checkField({ input: skip, label: t('import.skip'), hint: t('import.skip_hint') })),
		formError(),
		h('div', { class: 'form-actions span-2 import-steps' },
			h('span', { class: 'step' }, h('span', { class: 'step-no', 'aria-hidden': 'true' }, '1'), checkBtn),
			h('span', { class: 'step' }, h('span', { class: 'step-no', 'aria-hidden': 'true' }, '2'), runBtn)),
		h('div', { class: 'span-2' }, explain));
	const errs = formErrors(form);

	// ---- the result
	const progress = h('progress', { id: 'imp-progress', max: '1', hidden: true });
	const phase = h('p', { id: 'imp-phase', class: 'import-phase', role: 'status', 'aria-live': 'polite' });
	const counts = h('dl', { class: 'meta', id: 'imp-counts', hidden: true });
	const outcome = h('div', { id: 'imp-outcome', role: 'status', hidden: true });
	const reportBtn = h('button', { type: 'button', class: 'btn', id: 'imp-report', hidden: true }, t('import.report'));
	const links = h('p', { class: 'import-links', id: 'imp-links', hidden: true });
	const onlyBad = h('input', { id: 'imp-only-bad', type: 'checkbox' });
	const onlyBadField = h('div', { class: 'toolbar', hidden: true }, checkField({ input: onlyBad, label: t('import.only_problems') }));
	const rowsNote = h('p', { class: 'card-note', id: 'imp-rows-note' });
	const rowsBox = h('div', { id: 'imp-rows-box' });
	const resultTitle = h('h2', { id: 'imp-result-h' }, t('import.result'));
	const result = h('section', { class: 'card', id: 'imp-result', 'aria-labelledby': 'imp-result-h', hidden: true },
		h('div', { class: 'card-head' }, resultTitle, reportBtn),
		progress, phase, outcome, counts, links, onlyBadField, rowsNote, rowsBox);
	onlyBad.addEventListener('change', () => {
		const tb = rowsBox.querySelector('table');
		if (tb) tb.classList.toggle('only-bad', onlyBad.checked);
	});

	const recent = recentCard();
	let checked = null;	// the dry run of the file and options as they are
	let shown = null;	// the job the result shows
	let busy = false;

	function canImport() {
		if (!checked || busy) return false;
		if (checked.state !== 'checked') return false;
		if (checked.invalid === 0) return checked.rows > 0;
		// problems found: written only when the rows with problems are skipped
		return skip.checked && checked.added + checked.updated > 0;
	}
	function sync() {
		runBtn.disabled = !canImport();
		checkBtn.disabled = busy;
		explain.hidden = true;
		if (!checked || busy || checked.invalid === 0) return;
		const good = checked.added + checked.updated;
		explain.className = skip.checked ? 'notice notice-info' : 'notice notice-warn';
		setText(explain, skip.checked
			? (good ? t('import.will_skip', { count: checked.invalid, good }) : t('import.nothing_good'))
			: t('import.blocked', { count: checked.invalid }));
		explain.hidden = false;
	}
	const invalidate = () => { checked = null; sync(); };
	for (const el of [kind, file, enc, upsert]) el.addEventListener('change', invalidate);
	skip.addEventListener('change', sync);

	function showCounts(job) {
		const items = [['rows', job.rows], [job.dry_run ? 'to_add' : 'added', job.added],
			[job.dry_run ? 'to_update' : 'updated', job.updated],
			[job.dry_run || job.state !== 'done' ? 'with_problems' : 'skipped', job.invalid]];
		replace(counts, items.map(([k, v]) => h('div', { 'data-count': k },
			h('dt', null, t(`import.count_${k}`)), h('dd', null, number(v)))));
		counts.hidden = false;
	}

	function showProgress(job) {
		const over = ended(job);
		progress.hidden = false;
		if (over) { progress.max = 1; progress.value = job.state === 'failed' || job.state === 'interrupted' ? 0 : 1; } else if (job.phase && job.phase !== 'write' && job.total) {
			progress.max = job.total;
			progress.value = job.done;
		} else progress.removeAttribute('value');	// not known: an indeterminate bar
		progress.setAttribute('aria-label', phaseText(job));
		setText(phase, over ? '' : phaseText(job));
	}

	function showOutcome(job) {
		let kindCls = 'notice-info';
		let text;
		const where = job.error ? whereText(job.error.field) : '';
		if (job.state === 'checked' && job.invalid > 0) {
			kindCls = 'notice-warn';
			text = t('import.checked_problems', { count: job.invalid, rows: job.rows });
		} else if (job.state === 'checked') {
			kindCls = 'notice-info';
			text = t('import.checked_ok', { count: job.added + job.updated, added: job.added, updated: job.updated });
		} else if (job.state === 'done') {
			kindCls = job.invalid ? 'notice-warn' : 'notice-info';
			text = t('import.done_text', { added: job.added, updated: job.updated, skipped: job.invalid });
		} else if (job.state === 'interrupted') {
			kindCls = 'notice-warn';
			text = t('import.interrupted');
		} else if (job.error && job.error.code === 'invalid' && job.invalid > 0) {
			kindCls = 'notice-warn';
			text = t('import.failed_problems', { count: job.invalid });
		} else {
			kindCls = 'notice-error';
			const msg = job.error ? (where ? `${where}: ${messageText(job.error)}` : errorText(job.error)) : t('errors.unknown');
			text = t(job.dry_run ? 'import.check_failed' : 'import.failed', { message: msg });
		}
		outcome.className = `notice ${kindCls}`;
		outcome.dataset.state = job.state;
		outcome.dataset.added = String(job.added);
		outcome.dataset.updated = String(job.updated);
		outcome.dataset.skipped = String(job.state === 'done' ? job.invalid : 0);
		replace(outcome, h('p', null, text),
			job.problems_more ? h('p', null, t('import.problems_more', { count: job.problems.length })) : null);
		outcome.hidden = false;
	}

	// The rows table: the file's first rows and every row with a problem,
	// the problem's cell marked and its reason in the row.
	async function showRows(job, theFile) {
		const byLine = new Map();
		for (const p of job.problems || []) {
			if (!byLine.has(p.line)) byLine.set(p.line, []);
			byLine.get(p.line).push(p);
		}
		let parsed = null;
		if (theFile && theFile.size <= PREVIEW_MAX_BYTES) {
			try {
				parsed = parseCsv(await readText(theFile, job.encoding), (i, line) => i < SHOW_ROWS || byLine.has(line));
			} catch (e) { parsed = null; }
		}
		if (!ctx.alive()) return;
		const header = parsed && parsed.header ? parsed.header.cells.map((c) => c.trim()) : [];
		const rows = parsed ? parsed.rows.slice() : [];
		// a problem on a line not shown (the header, or a file not read here)
		const have = new Set(rows.map((r) => r.line));
		if (parsed && parsed.header) have.add(parsed.header.line);
		for (const line of byLine.keys()) if (!have.has(line)) rows.push({ line, cells: [] });
		if (parsed && parsed.header && byLine.has(parsed.header.line)) rows.push({ line: parsed.header.line, cells: parsed.header.cells, head: true });
		rows.sort((a, b) => a.line - b.line);
		if (!rows.length) { replace(rowsBox); setText(rowsNote, ''); onlyBadField.hidden = true; return; }
		const colLabel = (i) => header[i] || t('import.column_n', { n: i + 1 });
		const ncols = Math.max(header.length, ...rows.map((r) => r.cells.length));
		const tbody = h('tbody', null, rows.map((r) => {
			const probs = byLine.get(r.line) || [];
			const badCols = new Set(probs.map((p) => (p.column || '').toLowerCase()));
			const cells = [];
			for (let i = 0; i < ncols; i++) {
				const name = (header[i] || '').toLowerCase();
				const v = r.cells[i] ?? '';
				const secret = !r.head && SECRET.has(name) && v !== '';
				const cell = td(colLabel(i), secret ? h('span', { class: 'masked', title: t('import.masked') }, '••••••')
					: v === '' ? h('span', { class: 'muted' }, '—') : h('span', { class: 'csv-value' }, v));
				if (badCols.has(name)) cell.classList.add('cell-bad');
				cells.push(cell);
			}
			return h('tr', { 'data-line': String(r.line), class: probs.length ? 'row-bad' : '' },
				tdTitle(t('import.line'), t('import.line_n', { line: r.line })),
				cells,
				td(t('import.problem'), probs.length ? h('ul', { class: 'problem-list' }, probs.map((p) =>
					h('li', null, p.column ? h('code', null, p.column) : null, p.column ? ': ' : null, problemText(p))))
					: h('span', { class: 'muted' }, '—')));
		}));
		const tableEl = table({ id: 'imp-rows', className: 'import-rows', tbody,
			columns: [t('import.line'), ...Array.from({ length: ncols }, (_, i) => colLabel(i)), t('import.problem')] });
		replace(rowsBox, tableEl);
		const bad = byLine.size;
		onlyBadField.hidden = bad === 0;
		onlyBad.checked = bad > 0 && job.rows > 50;
		tableEl.querySelector('table').classList.toggle('only-bad', onlyBad.checked);
		setText(rowsNote, parsed && parsed.count > SHOW_ROWS
			? t('import.rows_capped', { shown: SHOW_ROWS, count: parsed.count })
			: !parsed ? t('import.rows_problems_only') : '');
	}

	function showLinks(job, doms) {
		replace(links);
		if (job.dry_run || job.state !== 'done') { links.hidden = true; return; }
		links.append(...doms.map((d) => h('a', { class: 'btn', href: domainHref(d) }, t('import.open_domain', { name: toUnicode(d) }))),
			h('a', { class: 'btn', href: '#/dashboard' }, t('import.open_dashboard')));
		links.hidden = false;
	}

	// The domains of the addresses in the rows read (for the links).
	async function domainsOf(theFile, encName) {
		if (!theFile || theFile.size > PREVIEW_MAX_BYTES) return [];
		try {
			const p = parseCsv(await readText(theFile, encName), (i) => i < 5000);
			const col = p.header ? p.header.cells.findIndex((c) => c.trim().toLowerCase() === 'address') : -1;
			if (col < 0) return [];
			const out = new Set();
			for (const r of p.rows) {
				const a = (r.cells[col] || '').trim().toLowerCase();
				const at = a.lastIndexOf('@');
				if (at >= 0 && a.length > at + 1 && !/[\s,;]/.test(a)) out.add(a.slice(at + 1));
				if (out.size >= 5) break;
			}
			return [...out];
		} catch (e) { return []; }
	}

	// Runs one job (a dry run or the import) to its end, showing it.
	async function run(dryRun) {
		errs.clear();
		const f = file.files && file.files[0];
		if (!f) { errs.field('file', t('import.choose_file')); return; }
		if (f.size > MAX_BYTES) { errs.field('file', t('import.too_big')); return; }
		busy = true;
		sync();
		form.setAttribute('aria-busy', 'true');
		try {
			const query = { kind: kind.value, encoding: enc.value, filename: f.name.slice(0, 60) };
			if (dryRun) query.dry_run = 'true';
			if (upsert.checked) query.upsert = 'true';
			if (!dryRun && skip.checked) query.skip_invalid = 'true';
			let job;
			try {
				job = await api.upload('/imports', query, f, 'text/csv');
			} catch (err) {
				if (err.status === 401) return;
				if (err.field === 'kind' || err.field === 'encoding') errs.show(err);
				else errs.field('file', uploadErrorText(err));
				return;
			}
			await follow(job, f);
		} finally {
			busy = false;
			form.removeAttribute('aria-busy');
			sync();
		}
	}

	// follow(job, f): shows the job (f: its file, when this page sent it)
	// until it ends, then its result.
	async function follow(job, f) {
		const dryRun = job.dry_run;
		shown = job;
		result.hidden = false;
		setText(resultTitle, dryRun ? t('import.check_title') : t('import.import_title'));
		outcome.hidden = true;
		counts.hidden = true;
		reportBtn.hidden = true;
		links.hidden = true;
		onlyBadField.hidden = true;
		replace(rowsBox);
		setText(rowsNote, '');
		showProgress(job);
		if (dryRun) progress.hidden = true;	// a check is quick: its words are enough
		recent.load();
		let end;
		try {
			end = await pollJob(ctx, job.id, (j) => { if (!dryRun) showProgress(j); else setText(phase, phaseText(j)); });
		} catch (err) {
			if (err.status === 401) return;
			errs.field('file', errorText(err));
			return;
		}
		if (!end || !ctx.alive()) return;	// the page was left
		shown = end;
		setText(phase, '');
		if (!dryRun) showProgress(end);
		showOutcome(end);
		showCounts(end);
		reportBtn.hidden = false;
		showLinks(end, !dryRun && end.state === 'done' ? await domainsOf(f, end.encoding) : []);
		await showRows(end, f);
		checked = dryRun && f ? end : null;
		recent.load();
	}

	form.addEventListener('submit', (ev) => { ev.preventDefault(); run(true); });
	runBtn.addEventListener('click', () => run(false));
	reportBtn.addEventListener('click', () => {
		if (shown) saveFile(`${baseName(shown.filename)}-report.csv`, reportCsv(shown));
	});

	ctx.view.append(
		h('div', { class: 'page-head' }, h('h1', null, t('import.title')),
			h('p', { class: 'lead' }, t('import.lead'))),
		h('section', { class: 'card', 'aria-labelledby': 'imp-form-h' },
			h('div', { class: 'card-head' }, h('h2', { id: 'imp-form-h' }, t('import.form_title'))),
			form),
		result,
		helpCard(kind),
		recent.el);
	// an import still running (the page was left and came back to): shown
	const items = await recent.load();
	const running = items.find((j) => !ended(j) && j.via !== 'cli');
	if (running && ctx.alive()) {
		busy = true;
		sync();
		follow(running, null).finally(() => { busy = false; sync(); });
	}
}
