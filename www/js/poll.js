/* SPDX-License-Identifier: ISC */
// poll.js - keeps push state fresh: every 2 s while a page that shows it is
// open, one GET (the guest list, one guest, a domain's live moves), never
// two at once.
import { api, path, allItems } from './api.js';

export const POLL_MS = 2000;

// watch(load, apply): calls apply(await load()) every POLL_MS until the
// returned stop() is called.  Failures are skipped quietly (the next tick
// tries again); a 401 still ends the session through api.js.  A hidden tab
// is not polled, nor one nobody has touched for IDLE_MS: polling would
// otherwise keep the session alive for ever, and the server's idle timeout
// ([session] idle_timeout) would never sign out a panel left open on a
// shared lab PC.  The next key or click resumes it.
const IDLE_MS = 10 * 60 * 1000;
let lastInput = Date.now();
for (const ev of ['keydown', 'pointerdown', 'wheel', 'touchstart'])
	addEventListener(ev, () => { lastInput = Date.now(); }, { passive: true, capture: true });

function watch(load, apply) {
	let stopped = false;
	let busy = false;
	const timer = setInterval(async () => {
		if (stopped || busy || document.hidden ||
		    Date.now() - lastInput > IDLE_MS) return;
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
export function allGuests() { return allItems('/guests'); }

export function watchGuests(apply) { return watch(allGuests, apply); }
export function watchGuest(name, apply) { return watch(() => api.get(path('guests', name)), apply); }
// The live moves of one domain (moveview.js), while one is followed.
export function watchMoves(domain, apply) {
	return watch(() => api.get('/moves', { domain, live: 'true' }), apply);
}
