// poll.js - keeps push state fresh: every 2 s while a page that shows it is
// open, one GET (the guest list, or one guest), never two at once.
import { api, path } from './api.js';

export const POLL_MS = 2000;

// watch(load, apply): calls apply(await load()) every POLL_MS until the
// returned stop() is called.  Failures are skipped quietly (the next tick
// tries again); a 401 still ends the session through api.js.
export function watch(load, apply) {
	let stopped = false;
	let busy = false;
	const timer = setInterval(async () => {
		if (stopped || busy) return;
		busy = true;
		try {
			const data = await load();
			if (!stopped) apply(data);
		} catch (e) {
			/* the next tick tries again */
		} finally {
			busy = false;
		}
	}, POLL_MS);
	return () => { stopped = true; clearInterval(timer); };
}

// All guests the caller sees (a fleet fits in a few pages of 1000).
export async function allGuests() {
	const out = [];
	let cursor = null;
	for (let i = 0; i < 20; i++) {
		const page = await api.get('/guests', { limit: 1000, cursor });
		out.push(...page.items);
		if (!page.next_cursor) break;
		cursor = page.next_cursor;
	}
	return out;
}

export function watchGuests(apply) { return watch(allGuests, apply); }
export function watchGuest(name, apply) { return watch(() => api.get(path('guests', name)), apply); }
