import type { ExportFrame, LegendItem } from './layout';

/**
 * Exports of the chart, in the browser: the SVG as drawn (self-contained: colours are
 * attributes, not CSS) inside a frame that names what it shows — title, territory, date,
 * filters, legend — so the file stands alone when projected or printed; and a PNG rendered from
 * it at twice the size for print.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

function download(blob: Blob, filename: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function element(name: string, attributes: Record<string, string | number>): SVGElement {
	const node = document.createElementNS(SVG_NS, name);
	for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
	return node;
}

function swatch(x: number, y: number, item: LegendItem): SVGElement {
	const group = element('g', { 'data-legend': item.swatch });
	if (item.swatch === 'zone') {
		group.append(
			element('rect', {
				x,
				y,
				width: 22,
				height: 14,
				rx: 3,
				fill: item.fill,
				'fill-opacity': 0.25,
				stroke: item.stroke,
				'stroke-width': 2,
				...(item.dashed ? { 'stroke-dasharray': '6 3' } : {})
			})
		);
	} else {
		group.append(
			element('circle', {
				cx: x + 11,
				cy: y + 7,
				r: 8,
				fill: item.swatch === 'gap' ? '#b3261e' : '#8a5a00'
			})
		);
		const label = element('text', {
			x: x + 11,
			y: y + 7,
			'text-anchor': 'middle',
			'dominant-baseline': 'central',
			'font-size': 10,
			'font-weight': 700,
			fill: '#ffffff'
		});
		label.textContent = item.swatch === 'gap' ? '0' : 'n';
		group.append(label);
	}
	return group;
}

/** The chart inside its frame: a new root, the chart moved below the header. */
export function svgMarkup(svg: SVGSVGElement, frame?: ExportFrame): string {
	const copy = svg.cloneNode(true) as SVGSVGElement;
	// Links of the page become plain text in a file.
	for (const a of copy.querySelectorAll('a')) a.removeAttribute('href');
	let root: SVGSVGElement = copy;
	if (frame) {
		root = element('svg', {
			viewBox: `0 0 ${frame.width} ${frame.height}`,
			width: frame.width,
			height: frame.height,
			'font-family': copy.getAttribute('font-family') ?? 'sans-serif'
		}) as SVGSVGElement;
		const title = copy.querySelector('title');
		if (title) root.append(title.cloneNode(true));
		root.append(element('rect', { width: frame.width, height: frame.height, fill: '#ffffff' }));
		const header = element('g', { 'data-export': 'en-tete' });
		const legend = element('g', { 'data-export': 'legende' });
		for (const t of frame.texts) {
			const text = element('text', {
				x: t.x,
				y: t.y,
				'font-size': t.size,
				fill: '#1b1f24',
				...(t.bold ? { 'font-weight': 700 } : {})
			});
			text.textContent = t.text;
			(t.y < frame.chartY ? header : legend).append(text);
		}
		for (const s of frame.swatches) legend.append(swatch(s.x, s.y, s.item));
		copy.removeAttribute('class');
		copy.setAttribute('y', String(frame.chartY));
		copy.setAttribute('data-export', 'figure');
		root.append(header, copy, legend);
	}
	root.setAttribute('xmlns', SVG_NS);
	root.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
	return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}`;
}

export function exportSvg(svg: SVGSVGElement, frame: ExportFrame, filename: string): void {
	download(new Blob([svgMarkup(svg, frame)], { type: 'image/svg+xml' }), filename);
}

export async function exportPng(
	svg: SVGSVGElement,
	frame: ExportFrame,
	filename: string,
	scale = 2
): Promise<void> {
	const { width, height } = frame;
	const url = URL.createObjectURL(new Blob([svgMarkup(svg, frame)], { type: 'image/svg+xml' }));
	try {
		const image = new Image();
		image.src = url;
		await image.decode();
		const canvas = document.createElement('canvas');
		canvas.width = width * scale;
		canvas.height = height * scale;
		const context = canvas.getContext('2d');
		if (!context) throw new Error('canvas 2D indisponible');
		context.fillStyle = '#ffffff';
		context.fillRect(0, 0, canvas.width, canvas.height);
		context.drawImage(image, 0, 0, canvas.width, canvas.height);
		const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
		if (!blob) throw new Error('export PNG impossible');
		download(blob, filename);
	} finally {
		URL.revokeObjectURL(url);
	}
}
