/* SPDX-License-Identifier: ISC */
// punycode.js - RFC 3492 decoding, to show xn-- labels in Unicode.
// toUnicode('xn--pss25c.example') is '大学.example'; a label that does not
// decode is left as it is.

const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700;
const INITIAL_BIAS = 72, INITIAL_N = 128, MAXINT = 0x7fffffff;

function adapt(delta, numPoints, firstTime) {
	delta = firstTime ? Math.floor(delta / DAMP) : delta >> 1;
	delta += Math.floor(delta / numPoints);
	let k = 0;
	while (delta > ((BASE - TMIN) * TMAX) >> 1) {
		delta = Math.floor(delta / (BASE - TMIN));
		k += BASE;
	}
	return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
}

function digit(cp) {
	if (cp >= 0x30 && cp <= 0x39) return cp - 22;	// 0-9 are 26-35
	if (cp >= 0x41 && cp <= 0x5a) return cp - 0x41;	// A-Z
	if (cp >= 0x61 && cp <= 0x7a) return cp - 0x61;	// a-z
	return BASE;
}

// decode(s): the code points a Punycode string stands for; throws on error.
export function decode(input) {
	const out = [];
	const b = input.lastIndexOf('-');
	for (let j = 0; j < Math.max(b, 0); j++) {
		const cp = input.charCodeAt(j);
		if (cp >= 0x80) throw new RangeError('punycode: not basic');
		out.push(cp);
	}
	let n = INITIAL_N, i = 0, bias = INITIAL_BIAS;
	for (let pos = b > 0 ? b + 1 : 0; pos < input.length;) {
		const oldi = i;
		for (let w = 1, k = BASE; ; k += BASE) {
			if (pos >= input.length) throw new RangeError('punycode: truncated');
			const d = digit(input.charCodeAt(pos++));
			if (d >= BASE || d > Math.floor((MAXINT - i) / w)) throw new RangeError('punycode: bad digit');
			i += d * w;
			const tk = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
			if (d < tk) break;
			if (w > Math.floor(MAXINT / (BASE - tk))) throw new RangeError('punycode: overflow');
			w *= BASE - tk;
		}
		const len = out.length + 1;
		bias = adapt(i - oldi, len, oldi === 0);
		if (Math.floor(i / len) > MAXINT - n) throw new RangeError('punycode: overflow');
		n += Math.floor(i / len);
		i %= len;
		if (n > 0x10ffff) throw new RangeError('punycode: beyond Unicode');
		out.splice(i++, 0, n);
	}
	return String.fromCodePoint(...out);
}

export function toUnicode(domain) {
	if (typeof domain !== 'string') return domain;
	return domain.split('.').map((label) => {
		if (!/^xn--/i.test(label)) return label;
		try { return decode(label.slice(4).toLowerCase()) || label; } catch (e) { return label; }
	}).join('.');
}

// displayAddress('a@xn--pss25c.example') is 'a@大学.example'.
export function displayAddress(address) {
	if (typeof address !== 'string') return address;
	const at = address.lastIndexOf('@');
	if (at < 0) return toUnicode(address);
	return address.slice(0, at + 1) + toUnicode(address.slice(at + 1));
}
