/* SPDX-License-Identifier: ISC */
// chart.js - a guest's capacity over time, drawn by uPlot (vendored from
// npm, www/vendor/uplot-1.6.32, MIT): disk used on the left axis in bytes,
// the least-squares trend of it dashed and carried forward (to the disk's
// size, at most as far ahead as the window looks back), the disk's size
// when the trend reaches it, and the deferred queue on the right axis.
// The canvas is not read by screen readers: the figures beside it say
// the same in words, and the chart's figcaption sums it up.
import uPlot from '../vendor/uplot-1.6.32/uPlot.esm.js';
import { h } from './dom.js';
import { t, currentLang } from './i18n.js';
import { bytes, number } from './format.js';

export const WINDOW_S = 30 * 86400;
const HEIGHT = 190;

// A series point, as GET /guests/{g}/capacity gives it.
const AT = 0, USED = 1, TOTAL = 2, DEFERRED = 3;

// fit(xs, ys): the least-squares line y = a + b (x - x0) through the
// points, or null when they do not define one (fewer than two, or all at
// one time).  The panel computes days to full the same way (capacity.c).
export function fit(xs, ys) {
	const n = xs.length;
	if (n < 2) return null;
	const x0 = xs[0];
	let sx = 0, sy = 0;
	for (let i = 0; i < n; i++) { sx += xs[i] - x0; sy += ys[i]; }
	const mx = sx / n, my = sy / n;
	let sxx = 0, sxy = 0;
	for (let i = 0; i < n; i++) {
		const dx = xs[i] - x0 - mx;
		sxx += dx * dx;
		sxy += dx * (ys[i] - my);
	}
	if (sxx === 0) return null;
	const b = sxy / sxx;
	return { x0, a: my - b * mx, b };
}

// The columns uPlot draws: [x, used, total, trend, deferred].  The trend
// is only drawn when the panel says the disk grows (trend "ok"): from
// the first sample to where it meets the disk's size, or WINDOW_S after
// the last sample, whichever is first.
export function columns(points, trend) {
	const pts = points.filter((p) => Array.isArray(p) && p[AT] !== null && p[USED] !== null)
		.sort((p, q) => p[AT] - q[AT]);	// uPlot wants x ascending
	const xs = pts.map((p) => p[AT]);
	const used = pts.map((p) => p[USED]);
	const total = pts.map((p) => p[TOTAL]);
	const deferred = pts.map((p) => p[DEFERRED]);
	let line = null;
	let reaches = false;
	if (trend === 'ok' && pts.length >= 2) {
		const last = xs[xs.length - 1];
		const from = last - WINDOW_S;
		const inWin = pts.filter((p) => p[AT] >= from);
		line = fit(inWin.map((p) => p[AT]), inWin.map((p) => p[USED]));
		if (line && line.b > 0) {
			const size = total[total.length - 1];
			const full = line.x0 + (size - line.a) / line.b;
			const end = Math.min(full, last + WINDOW_S);
			reaches = full <= last + WINDOW_S;
			if (end > last) {
				xs.push(end); used.push(null); deferred.push(null);
				total.push(reaches ? size : null);
			}
		} else line = null;
	}
	const proj = xs.map((x) => (line ? line.a + line.b * (x - line.x0) : null));
	return { data: [xs, used, total, proj, deferred], reaches };
}

function timeTicks(u, splits) {
	const span = u.scales.x.max - u.scales.x.min;
	let o = { month: 'numeric', day: 'numeric' };
	if (span <= 600) o = { hour: '2-digit', minute: '2-digit', second: '2-digit' };
	else if (span <= 2 * 86400) o = { hour: '2-digit', minute: '2-digit' };
	const f = new Intl.DateTimeFormat(currentLang(), o);
	return splits.map((s) => f.format(new Date(s * 1000)));
}

function legendTime(u, v) {
	return v === null || v === undefined ? '—' : new Intl.DateTimeFormat(currentLang(),
		{ dateStyle: 'short', timeStyle: 'short' }).format(new Date(v * 1000));
}

const asBytes = (u, v) => (v === null || v === undefined ? '—' : bytes(v));
const asCount = (u, v) => (v === null || v === undefined ? '—' : number(Math.round(v)));

function options(width, reaches) {
	return {
		width,
		height: HEIGHT,
		cursor: { drag: { x: false, y: false } },
		legend: { live: true },
		scales: {
			x: { time: true },
			b: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] },
			q: { range: (u, min, max) => [0, Math.max(1, max * 1.2)] },
		},
		axes: [
			{ values: timeTicks, space: 90, stroke: '#5a6576', grid: { stroke: '#eceff2' } },
			{ scale: 'b', values: (u, s) => s.map((v) => bytes(v)), size: 84, stroke: '#5a6576',
				grid: { stroke: '#eceff2' } },
			{ scale: 'q', side: 1, values: (u, s) => s.map((v) => (Number.isInteger(v) ? number(v) : '')),
				size: 44, stroke: '#8f5400', grid: { show: false } },
		],
		series: [
			{ label: t('capacity.series_time'), value: legendTime },
			{ label: t('capacity.series_used'), scale: 'b', value: asBytes, stroke: '#1d6a86',
				fill: 'rgba(29, 106, 134, 0.10)', width: 2 },
			{ label: t('capacity.series_total'), scale: 'b', value: asBytes, stroke: '#5a6576',
				width: 1, show: reaches },
			{ label: t('capacity.series_projection'), scale: 'b', value: asBytes, stroke: '#b3261e',
				dash: [6, 4], width: 1.5, points: { show: false } },
			{ label: t('capacity.series_deferred'), scale: 'q', value: asCount, stroke: '#8f5400',
				width: 1.5, paths: uPlot.paths.stepped({ align: 1 }) },
		],
	};
}

// capacityChart(points, trend, caption): a <figure> holding the chart of
// the series' points (the API's series.points), sized to its container
// once mounted and whenever the container changes width.  Returns {el,
// mount(), destroy()}: mount() once el is in the document.
export function capacityChart(points, trend, caption) {
	const { data, reaches } = columns(points, trend);
	const box = h('div', { class: 'cap-plot', 'aria-hidden': 'true' });
	const samples = data[1].filter((v) => v !== null).length;
	const el = h('figure', { class: 'cap-chart', 'data-samples': String(samples),
		'data-projection': data[3].some((v) => v !== null) ? 'yes' : 'no' },
	box, h('figcaption', { class: 'visually-hidden' }, caption));
	let plot = null;
	let ro = null;
	const width = () => Math.max(200, Math.floor(box.clientWidth || el.clientWidth || 320));
	return {
		el,
		mount() {
			if (plot) return;
			plot = new uPlot(options(width(), reaches), data, box);
			if (typeof ResizeObserver === 'function') {
				let last = width();
				ro = new ResizeObserver(() => {
					const w = width();
					if (plot && w !== last) { last = w; plot.setSize({ width: w, height: HEIGHT }); }
				});
				ro.observe(box);
			}
		},
		destroy() {
			if (ro) ro.disconnect();
			if (plot) plot.destroy();
			ro = null;
			plot = null;
		},
	};
}
