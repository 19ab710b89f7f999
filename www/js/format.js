/* SPDX-License-Identifier: ISC */
// format.js - numbers, sizes and times in the UI's language (Intl).
import { currentLang, t } from './i18n.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function number(n) {
	return new Intl.NumberFormat(currentLang()).format(n);
}

// bytes(2147483648) is '2 GiB'; binary units, at most one decimal.
export function bytes(n) {
	if (!Number.isFinite(n)) return '';
	let i = 0;
	let v = n;
	while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
	const nf = new Intl.NumberFormat(currentLang(), { maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 });
	return `${nf.format(v)} ${UNITS[i]}`;
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

// Splits a byte count into the value and unit the quota inputs show.
export function toUnitInput(n) {
	if (!n) return { value: '', unit: 'G' };
	if (n % (1024 ** 3) === 0) return { value: String(n / 1024 ** 3), unit: 'G' };
	return { value: String(Math.round((n / 1024 ** 2) * 100) / 100), unit: 'M' };
}

// fromUnitInput('1.5', 'G') is 1610612736; '' is null (not given); NaN if bad.
export function fromUnitInput(value, unit) {
	const s = String(value).trim().replace(',', '.');
	if (s === '') return null;
	if (!/^\d+(\.\d+)?$/.test(s)) return NaN;
	const mult = { M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[unit] || 1;
	return Math.round(parseFloat(s) * mult);
}
