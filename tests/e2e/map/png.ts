import zlib from 'node:zlib';

/**
 * Just enough PNG to read back a screenshot: 8-bit RGB or RGBA, not interlaced (what Chromium
 * writes). Returns RGBA pixels, so the tests need no image library.
 */

export interface Image {
	width: number;
	height: number;
	/** RGBA, row after row. */
	data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): Image {
	if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('pas un fichier PNG');
	let width = 0;
	let height = 0;
	let channels = 0;
	const idat: Buffer[] = [];
	for (let at = 8; at < png.length;) {
		const length = png.readUInt32BE(at);
		const type = png.toString('latin1', at + 4, at + 8);
		const body = png.subarray(at + 8, at + 8 + length);
		if (type === 'IHDR') {
			width = body.readUInt32BE(0);
			height = body.readUInt32BE(4);
			const [depth, colourType, , , interlace] = body.subarray(8, 13);
			if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6)) {
				throw new Error(
					`PNG non géré (profondeur ${depth}, couleur ${colourType}, entrelacement ${interlace})`
				);
			}
			channels = colourType === 6 ? 4 : 3;
		} else if (type === 'IDAT') idat.push(body);
		else if (type === 'IEND') break;
		at += 12 + length;
	}
	const raw = zlib.inflateSync(Buffer.concat(idat));
	const stride = width * channels;
	const rows = new Uint8Array(height * stride);
	for (let y = 0; y < height; y++) {
		const filter = raw[y * (stride + 1)];
		const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
		const out = y * stride;
		for (let x = 0; x < stride; x++) {
			const left = x >= channels ? (rows[out + x - channels] as number) : 0;
			const up = y > 0 ? (rows[out - stride + x] as number) : 0;
			const upLeft = y > 0 && x >= channels ? (rows[out - stride + x - channels] as number) : 0;
			const value = line[x] as number;
			let predicted: number;
			switch (filter) {
				case 0:
					predicted = 0;
					break;
				case 1:
					predicted = left;
					break;
				case 2:
					predicted = up;
					break;
				case 3:
					predicted = (left + up) >> 1;
					break;
				case 4:
					predicted = paeth(left, up, upLeft);
					break;
				default:
					throw new Error(`filtre PNG inconnu ${filter} ligne ${y}`);
			}
			rows[out + x] = (value + predicted) & 0xff;
		}
	}
	if (channels === 4) return { width, height, data: rows };
	const data = new Uint8Array(width * height * 4);
	for (let i = 0, j = 0; i < rows.length; i += 3, j += 4) {
		data[j] = rows[i] as number;
		data[j + 1] = rows[i + 1] as number;
		data[j + 2] = rows[i + 2] as number;
		data[j + 3] = 255;
	}
	return { width, height, data };
}

export type Rgb = [number, number, number];

/** "#rrggbb" → [r, g, b]. */
export function hex(colour: string): Rgb {
	const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
	if (!m) throw new Error(`couleur ${colour} : #rrggbb attendu`);
	return [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), parseInt(m[3] as string, 16)];
}

/** `top` painted with this opacity over `under`, as the GPU blends it. */
export function blend(top: Rgb, opacity: number, under: Rgb): Rgb {
	return top.map((c, i) => Math.round(c * opacity + (under[i] as number) * (1 - opacity))) as Rgb;
}

/** How many distinct colours the image holds. */
export function distinctColours(image: Image): number {
	const seen = new Set<number>();
	const { data } = image;
	for (let i = 0; i < data.length; i += 4) {
		seen.add(
			((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number)
		);
	}
	return seen.size;
}

/** Share (0..1) of the pixels within `tolerance` of the colour on every channel. */
export function shareOf(image: Image, colour: Rgb, tolerance = 6): number {
	const { data } = image;
	let n = 0;
	for (let i = 0; i < data.length; i += 4) {
		if (
			Math.abs((data[i] as number) - colour[0]) <= tolerance &&
			Math.abs((data[i + 1] as number) - colour[1]) <= tolerance &&
			Math.abs((data[i + 2] as number) - colour[2]) <= tolerance
		) {
			n++;
		}
	}
	return n / (data.length / 4);
}

/**
 * The blobs of pixels of this colour (4-connected), largest first, each with its centre and size
 * in image pixels.
 */
export function blobsOf(
	image: Image,
	colour: Rgb,
	tolerance = 8
): { x: number; y: number; pixels: number }[] {
	const { width, height, data } = image;
	const match = new Uint8Array(width * height);
	for (let p = 0; p < width * height; p++) {
		const i = p * 4;
		match[p] =
			Math.abs((data[i] as number) - colour[0]) <= tolerance &&
			Math.abs((data[i + 1] as number) - colour[1]) <= tolerance &&
			Math.abs((data[i + 2] as number) - colour[2]) <= tolerance
				? 1
				: 0;
	}
	const blobs: { x: number; y: number; pixels: number }[] = [];
	const stack: number[] = [];
	for (let start = 0; start < match.length; start++) {
		if (match[start] !== 1) continue;
		match[start] = 2;
		stack.push(start);
		let sx = 0;
		let sy = 0;
		let n = 0;
		while (stack.length > 0) {
			const p = stack.pop() as number;
			const x = p % width;
			const y = (p - x) / width;
			sx += x;
			sy += y;
			n++;
			for (const q of [
				x > 0 ? p - 1 : -1,
				x < width - 1 ? p + 1 : -1,
				y > 0 ? p - width : -1,
				y < height - 1 ? p + width : -1
			]) {
				if (q >= 0 && match[q] === 1) {
					match[q] = 2;
					stack.push(q);
				}
			}
		}
		blobs.push({ x: sx / n, y: sy / n, pixels: n });
	}
	return blobs.sort((a, b) => b.pixels - a.pixels);
}
