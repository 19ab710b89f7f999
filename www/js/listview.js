/* SPDX-License-Identifier: ISC */
// listview.js - a table's rows a page at a time: the keyset pager, an
// optional search box, the empty state, a failed load as an error row with
// a retry, and only the newest answer shown when loads overlap.
import { h, replace } from './dom.js';
import { emptyRow, errorRow, loadingRow, pager, searchBox } from './ui.js';

export const PAGE = 50;

// pagedList({cols, fetch, row, empty, ...}): the rows go in .tbody.
//   fetch(params): the page for {limit, cursor} (and q with a search).
//   row(item): a <tr>; empty(q): the text when a page has no rows.
//   search: searchBox options ({id, label, placeholder}); a new search
//     starts again from the first page.
//   items(page): the rows to show of a page (default: page.items).
//   back: an empty later page shows the page before (default true).
//   rethrow: statuses the caller handles (the load rejects with them).
//   onStart(), onPage(items), onSettled(): hooks around each load.
// Returns {tbody, pg, search, load(cursor), reload(), restart()}.
export function pagedList({ cols, fetch, row, empty, search: searchOpts, items: pick,
	back = true, rethrow = [], onStart, onPage, onSettled }) {
	const tbody = h('tbody', null, loadingRow(cols));
	let q = '';
	let seq = 0;
	const pg = pager(load);
	const search = searchOpts
		? searchBox({ ...searchOpts, onSearch: (v) => { q = v; restart(); } }) : null;

	function restart() { pg.reset(); load(null); }
	function reload() { return load(pg.cursor()); }

	async function load(cursor) {
		const mine = ++seq;
		tbody.setAttribute('aria-busy', 'true');
		if (onStart) onStart();
		try {
			const page = await fetch(search ? { limit: PAGE, cursor, q } : { limit: PAGE, cursor });
			if (mine !== seq) return;	// a newer request took over
			if (back && !page.items.length && pg.back()) return;
			const shown = pick ? pick(page) : page.items;
			replace(tbody, shown.length ? shown.map(row) : emptyRow(cols, empty(q)));
			pg.loaded(page.next_cursor);
			if (onPage) onPage(shown);
			if (search) search.clearError();
		} catch (err) {
			if (err.status === 401) return;
			if (rethrow.includes(err.status)) throw err;
			if (search && err.field === 'q') search.showError(err);
			else replace(tbody, errorRow(cols, err, reload));
		} finally {
			tbody.removeAttribute('aria-busy');
			if (onSettled) onSettled();
		}
	}
	return { tbody, pg, search, load, reload, restart };
}
