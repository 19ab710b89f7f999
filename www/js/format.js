/* SPDX-License-Identifier: ISC */
// format.js - numbers, sizes and times in the UI's language (Intl).
import { currentLang, t } from './i18n.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function number(n) {
	return new Intl.NumberFormat(currentLang()).format(n);
}

// scaled(n, last): n in the largest binary unit up to UNITS[last] that
// keeps it at least 1 once rounded to one decimal (1023.96 MiB is 1 GiB).
function scaled(n, last = UNITS.length - 1) {
	let i = 0;
	let v = n;
	while (i < last && Math.round(v * 10) / 10 >= 1024) { v /= 1024; i++; }
	return { v: i > 0 ? Math.round(v * 10) / 10 : v, unit: UNITS[i] };
}

// bytes(2147483648) is '2 GiB', bytes(1610612736) '1.5 GiB': binary units
// (as Dovecot counts), at most one decimal, none when it is .0.
export function bytes(n) {
	if (!Number.isFinite(n)) return '';
	const { v, unit } = scaled(n);
	const nf = new Intl.NumberFormat(currentLang(), { maximumFractionDigits: 1 });
	return `${nf.format(v)} ${unit}`;
}

// quota(0) says "no limit" in words.
export function quota(n) {
	return n ? bytes(n) : t('common.unlimited');
}

// Unix seconds to a date and time.
export function dateTime(sec) {
	if (sec === null || sec === undefined || sec === 0) return '';
	return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'medium', timeStyle: 'short' })
		.format(new Date(sec * 1000));
}

export function date(sec) {
	if (!sec) return '';
	return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'medium' }).format(new Date(sec * 1000));
}

// relative(sec): '3 minutes ago', 'in 20 seconds'.
export function relative(sec) {
	if (!sec) return '';
	const diff = sec - Date.now() / 1000;
	const rtf = new Intl.RelativeTimeFormat(currentLang(), { numeric: 'auto' });
	const abs = Math.abs(diff);
	if (abs < 45) return rtf.format(Math.round(diff), 'second');
	if (abs < 2700) return rtf.format(Math.round(diff / 60), 'minute');
	if (abs < 64800) return rtf.format(Math.round(diff / 3600), 'hour');
	if (abs < 86400 * 30) return rtf.format(Math.round(diff / 86400), 'day');
	return dateTime(sec);
}

// iso(sec): for <time datetime>.
export function iso(sec) {
	return sec ? new Date(sec * 1000).toISOString() : '';
}

// sizeText(n): a size for an input box, as the server reads it back
// ('2 GiB', '1.5 GiB'; TiB at most, the server knows no PiB); '' for 0
// (no limit).
export function sizeText(n) {
	if (!n || !Number.isFinite(n)) return '';
	const { v, unit } = scaled(n, UNITS.indexOf('TiB'));
	return `${v} ${unit}`;
}

// readSize(text): a size as typed, for the server to parse (the API takes
// '2 GB', '2GiB', '500M', '1.5 G', any case); full-width digits and
// spaces (a Japanese IME) are made plain.  null when empty, 0 for 0, NaN
// when it is no size, or a bare number: '2' in a quota box means 2 GiB
// to a person and 2 bytes to the server, so a unit is asked for.
const SIZE = /^\d+(\.\d+)? ?([kmgt](i?b)?|b)?$/i;
export function readSize(text) {
	const s = String(text).normalize('NFKC').trim().replace(/\s+/g, ' ');
	if (s === '') return null;
	const m = SIZE.exec(s);
	if (!m) return NaN;
	if (!m[2]) return Number(s) === 0 ? 0 : NaN;
	return s;
}
