import { describe, expect, it } from 'vitest';
import { coverageGrid } from '$lib/domain/coverage';
import {
	assignLanes,
	exportFrame,
	layoutChart,
	legendItems,
	MAX_LANES,
	tickReach,
	wrapWords,
	ZONE_LABEL,
	type ChartInput
} from './layout';

const s = (id: string, overrides: Partial<ChartInput> = {}): ChartInput => ({
	id,
	name: id,
	kind: 'autre',
	problems: ['medical'],
	levelMin: 'simple',
	levelMax: 'coordonnee',
	coordination: false,
	mode: null,
	...overrides
});

function grid(structures: ChartInput[]) {
	return coverageGrid(
		structures.map((x) => ({
			...x,
			ageMin: null,
			ageMax: null,
			apa: 'any',
			handicap: 'any',
			places: ['1']
		}))
	);
}

describe('chart layout', () => {
	it('draws a non-contiguous remit as separate rectangles', () => {
		const list = [s('a', { problems: ['droits', 'medical'] })];
		const [shape] = layoutChart(list, grid(list)).shapes;
		expect(shape?.rects).toHaveLength(2);
		const [left, right] = shape?.rects ?? [];
		expect((left?.x ?? 0) + (left?.width ?? 0)).toBeLessThan(right?.x ?? 0);
	});

	it('spans the level range, information at the bottom', () => {
		const list = [
			s('low', { levelMin: 'information', levelMax: 'information' }),
			s('high', { levelMin: 'complexe', levelMax: 'complexe', problems: ['logement'] })
		];
		const layout = layoutChart(list, grid(list));
		const low = layout.shapes.find((x) => x.structure.id === 'low')?.rects[0];
		const high = layout.shapes.find((x) => x.structure.id === 'high')?.rects[0];
		expect((low?.y ?? 0) > (high?.y ?? 0)).toBe(true);
		expect(layout.cells).toHaveLength(64);
	});

	it('gives overlapping structures different lanes, and others the same', () => {
		const lanes = assignLanes([s('a'), s('b'), s('c', { problems: ['logement'] })]);
		expect(lanes.get('a')).not.toBe(lanes.get('b'));
		expect(lanes.get('c')).toBe(0);
	});

	it('keeps the first lanes as they were, and stacks zones past MAX_LANES in the innermost', () => {
		const many = Array.from({ length: 40 }, (_, i) => s(`s${String(i).padStart(2, '0')}`));
		const lanes = assignLanes(many);
		// Same remit for all: larger first, then by name, each on the next lane, up to the last one.
		expect(many.map((x) => lanes.get(x.id))).toEqual(
			many.map((_, i) => Math.min(i, MAX_LANES - 1))
		);
	});

	it('draws prestation structures in light grey and tailor-made ones dashed', () => {
		const list = [s('p'), s('c', { coordination: true, kind: 'gestion_cas', mode: 'sur_mesure' })];
		const [p, c] = layoutChart(list, grid(list)).shapes;
		expect(p?.fill).toBe('#d9d9d9');
		expect(c?.fill).not.toBe('#d9d9d9');
		expect(c?.dash).not.toBeNull();
	});
});

describe('axis names', () => {
	it('wraps on whole words and loses none', () => {
		const text = 'Information sur les aides humaines et techniques';
		const lines = wrapWords(text, 26);
		expect(lines.join(' ')).toBe(text);
		expect(lines.every((l) => l.length <= 26)).toBe(true);
		expect(wrapWords('Anticonstitutionnellement long', 10)).toEqual([
			'Anticonstitutionnellement',
			'long'
		]);
	});

	it('makes room for every problem name, the last one included', () => {
		const layout = layoutChart([], grid([]));
		for (const tick of layout.problemTicks) {
			expect(tick.lines.join(' ')).toBe(tick.label);
			const reach = tickReach(tick.lines);
			expect(tick.x + reach.right).toBeLessThanOrEqual(layout.width);
			expect(layout.tickY + reach.down).toBeLessThanOrEqual(layout.height);
		}
	});
});

describe('zone labels', () => {
	it('never overlap, and a zone left without one is still there', () => {
		// Forty zones on the same cell: not all names fit, and those shown must not collide.
		const many = Array.from({ length: 40 }, (_, i) =>
			s(`zone-${i}`, { name: `Structure ${i}`, levelMin: 'simple', levelMax: 'simple' })
		);
		const layout = layoutChart(many, grid(many));
		const boxes = layout.shapes
			.filter((x) => x.label.text)
			.map((x) => ({
				x: x.label.x,
				y: x.label.y - ZONE_LABEL.height + 3,
				w: x.label.text.length * ZONE_LABEL.advance,
				h: ZONE_LABEL.height
			}));
		expect(boxes.length).toBeGreaterThan(1);
		expect(boxes.length).toBeLessThan(40);
		for (const [i, a] of boxes.entries())
			for (const b of boxes.slice(i + 1))
				expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(
					false
				);
		expect(layout.shapes).toHaveLength(40);
	});

	it('keeps the label of a zone alone at the top of its zone', () => {
		const list = [
			s('seule', {
				name: 'CLIC du Nord',
				coordination: true,
				kind: 'clic',
				problems: ['droits', 'finances']
			})
		];
		const [shape] = layoutChart(list, grid(list)).shapes;
		expect(shape?.label.text).toBe('CLIC du Nord');
		expect(shape?.label.y).toBeLessThan((shape?.rects[0]?.y ?? 0) + 20);
	});
});

describe('export frame', () => {
	it('says title, territory, date, filters and legend inside the image', () => {
		const list = [s('c', { coordination: true, kind: 'clic' }), s('p', { problems: ['logement'] })];
		const layout = layoutChart(list, grid(list));
		const legend = legendItems(list, (k) => (k === 'clic' ? 'CLIC' : k));
		const frame = exportFrame(layout, {
			title: 'Carte des structures — Nord',
			territory: 'Territoire Nord',
			date: '4 décembre 2026 à 20 h 15',
			filters: ['Commune : Alpha', 'Âge : 80 ans'],
			legend,
			unlabelled: ['Zone cachée']
		});
		const all = frame.texts.map((t) => t.text).join('\n');
		expect(all).toContain('Carte des structures — Nord');
		expect(all).toContain('Territoire Nord');
		expect(all).toContain('4 décembre 2026 à 20 h 15');
		expect(all).toContain('Commune : Alpha ; Âge : 80 ans');
		expect(all).toContain('Zone cachée');
		expect(legend.map((l) => l.label)).toEqual(
			expect.arrayContaining(['CLIC', 'Prestation (coordination secondaire)'])
		);
		expect(frame.swatches).toHaveLength(legend.length);
		// Header above the chart, legend below it, all within the image.
		expect(frame.chartY).toBeGreaterThan(40);
		for (const t of frame.texts) {
			expect(t.y <= frame.chartY || t.y >= frame.chartY + layout.height).toBe(true);
			expect(t.y).toBeLessThanOrEqual(frame.height);
			expect(t.x + t.text.length * t.size * 0.6).toBeLessThanOrEqual(frame.width);
		}
	});
});
