import { describe, expect, it } from 'vitest';
import { coverageGrid } from '$lib/domain/coverage';
import { assignLanes, layoutChart, MAX_LANES, type ChartInput } from './layout';

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
