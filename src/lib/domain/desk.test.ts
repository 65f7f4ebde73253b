import { describe, expect, it } from 'vitest';
import type { Polygon, Position } from 'geojson';
import {
	OUTCOME_CODES,
	answerTimePoints,
	caseloadPoints,
	choropleth,
	communeRows,
	countTicks,
	heatCells,
	heatTable,
	monthLabel,
	monthsOf,
	outcomeBars,
	outcomeTable,
	reasonRows,
	shownCount,
	windForD3
} from './desk';
import { localMidnight } from './local-time';
import { LEVEL_CODES, PROBLEM_CODES, levelLabel, problemLabel } from './taxonomy';

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);
/** Midnight in Paris, as the desk's periods start and end. */
const paris = localMidnight;

describe('counts shown', () => {
	it('« < 5 » for a suppressed count, 0 for none, French digits otherwise', () => {
		expect(shownCount(null)).toBe('< 5');
		expect(shownCount(0)).toBe('0');
		expect(shownCount(7)).toBe('7');
		expect(shownCount(12345)).toBe('12\u202f345');
	});

	it('count axes tick whole numbers only', () => {
		expect(countTicks(1)).toEqual([0, 1]);
		expect(countTicks(5)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(countTicks(20)).toEqual([0, 3, 6, 9, 12, 15, 18]);
		for (const max of [1, 7, 9, 250]) {
			const ticks = countTicks(max);
			expect(ticks.every(Number.isInteger)).toBe(true);
			expect(ticks.length).toBeLessThanOrEqual(9);
			expect(Math.max(...ticks)).toBeLessThanOrEqual(max);
		}
	});
});

describe('months', () => {
	it('the months a period touches, `to` exclusive', () => {
		expect(monthsOf({ from: paris('2025-11-15'), to: paris('2026-02-01') })).toEqual([
			'2025-11',
			'2025-12',
			'2026-01'
		]);
		expect(monthsOf({ from: paris('2026-01-31'), to: paris('2026-02-02') })).toEqual([
			'2026-01',
			'2026-02'
		]);
		expect(monthsOf({ from: paris('2026-01-01'), to: paris('2026-01-01') })).toEqual([]);
		// The desk's default: 365 days up to today included.
		expect(monthsOf({ from: paris('2025-03-04'), to: paris('2026-03-04') })).toHaveLength(13);
		// Months of Paris, not of UTC: 1 April starts at 22:00 UTC on 31 March.
		expect(monthsOf({ from: utc('2026-03-31'), to: utc('2026-04-01') })).toEqual([
			'2026-03',
			'2026-04'
		]);
		expect(monthsOf({ from: paris('2026-03-31'), to: paris('2026-04-01') })).toEqual(['2026-03']);
	});

	it('French abbreviations, the same in any time zone', () => {
		expect(monthLabel('2026-01')).toBe('janv. 2026');
		expect(monthLabel('2025-08')).toBe('août 2025');
		expect(monthLabel('2025-12')).toBe('déc. 2025');
		expect(monthLabel('n’importe quoi')).toBe('n’importe quoi');
	});
});

describe('outcomes per month', () => {
	const items = [
		{ month: '2026-01', outcome: 'accepted', count: 6 },
		{ month: '2026-01', outcome: 'refused', count: null },
		{ month: '2026-01', outcome: 'expired', count: 0 },
		{ month: '2026-02', outcome: 'orphan', count: 5 }
	] as const;

	it('bars only for counts shown and not 0', () => {
		expect(outcomeBars(items)).toEqual([
			{ month: 'janv. 2026', outcome: 'Acceptée', count: 6 },
			{ month: 'févr. 2026', outcome: 'Orpheline (aucune structure)', count: 5 }
		]);
	});

	it('a table line a month, a column an outcome; what is absent is 0', () => {
		const table = outcomeTable(['2026-01', '2026-02', '2026-03'], items);
		expect(table.map((r) => r.label)).toEqual(['janv. 2026', 'févr. 2026', 'mars 2026']);
		const at = (month: number, outcome: string) =>
			table[month]?.counts[OUTCOME_CODES.indexOf(outcome as (typeof OUTCOME_CODES)[number])];
		expect(at(0, 'accepted')).toBe(6);
		expect(at(0, 'refused')).toBeNull();
		expect(at(0, 'expired')).toBe(0);
		expect(at(0, 'sent')).toBe(0);
		expect(at(1, 'orphan')).toBe(5);
		expect(table[2]?.counts).toEqual(OUTCOME_CODES.map(() => 0));
	});
});

describe('refusal reasons and time to answer', () => {
	it('reasons keep their order and counts, labelled', () => {
		const rows = reasonRows(
			[
				{ reason_code: 'file_active_complete', count: 5, share: 0.5 },
				{ reason_code: null, count: null, share: null },
				{ reason_code: 'hors_zone', count: 0, share: 0 }
			],
			(code) => (code === null ? 'Sans motif codé' : code.toUpperCase())
		);
		expect(rows).toEqual([
			{ code: 'file_active_complete', label: 'FILE_ACTIVE_COMPLETE', count: 5, share: 0.5 },
			{ code: '', label: 'Sans motif codé', count: null, share: null },
			{ code: 'hors_zone', label: 'HORS_ZONE', count: 0, share: 0 }
		]);
	});

	it('the median line skips months without a median', () => {
		expect(
			answerTimePoints([
				{ month: '2026-01', answered: 8, medianHours: 12.5 },
				{ month: '2026-02', answered: null, medianHours: null },
				{ month: '2026-03', answered: 0, medianHours: null },
				{ month: '2026-04', answered: 5, medianHours: 0 }
			])
		).toEqual([
			{ month: 'janv. 2026', hours: 12.5 },
			{ month: 'avr. 2026', hours: 0 }
		]);
	});
});

describe('orphans', () => {
	const cells = [
		{ problem: 'logement', level: 'simple', count: 7 },
		{ problem: 'droits', level: 'complexe', count: null }
	] as const;

	it('every problem × level cell, 0 where none, in the chart’s orders', () => {
		const heat = heatCells(cells);
		expect(heat).toHaveLength(PROBLEM_CODES.length * LEVEL_CODES.length);
		expect(heat[0]).toEqual({
			problem: problemLabel(PROBLEM_CODES[0]),
			level: levelLabel(LEVEL_CODES[0]),
			count: 0
		});
		expect(
			heat.find((c) => c.problem === problemLabel('logement') && c.level === levelLabel('simple'))
				?.count
		).toBe(7);
		expect(
			heat.find((c) => c.problem === problemLabel('droits') && c.level === levelLabel('complexe'))
				?.count
		).toBeNull();
		const table = heatTable(cells);
		expect(table.map((r) => r.problem)).toEqual(PROBLEM_CODES);
		expect(table.find((r) => r.problem === 'logement')?.counts).toEqual(
			LEVEL_CODES.map((l) => (l === 'simple' ? 7 : 0))
		);
	});

	it('communes by name, and their shapes carry the count (0 for none)', () => {
		const names = new Map([
			['84031', 'Carpentras'],
			['84007', 'Avignon']
		]);
		expect(
			communeRows(
				[
					{ commune: '84031', count: 5 },
					{ commune: '84007', count: 0 },
					{ commune: '84087', count: null }
				],
				names
			)
		).toEqual([
			{ commune: '84087', name: '84087', count: null },
			{ commune: '84007', name: 'Avignon', count: 0 },
			{ commune: '84031', name: 'Carpentras', count: 5 }
		]);
		const square: Polygon = {
			type: 'Polygon',
			coordinates: [
				[
					[0, 0],
					[1, 0],
					[1, 1],
					[0, 1],
					[0, 0]
				]
			]
		};
		const map = choropleth(
			{
				type: 'FeatureCollection',
				features: [
					{
						type: 'Feature',
						geometry: square,
						properties: { code: '84007', name: 'Avignon' }
					},
					{
						type: 'Feature',
						geometry: square,
						properties: { code: '84031', name: 'Carpentras' }
					},
					{
						type: 'Feature',
						geometry: square,
						properties: { code: '84087', name: 'Orange' }
					}
				]
			},
			[
				{ commune: '84031', count: 5 },
				{ commune: '84087', count: null }
			]
		);
		expect(map.features.map((f) => [f.id, f.properties.count])).toEqual([
			['84007', 0],
			['84031', 5],
			['84087', null]
		]);
	});

	it('shapes are wound for d3-geo: exterior clockwise, holes counterclockwise', () => {
		const ccw: Position[] = [
			[0, 0],
			[4, 0],
			[4, 4],
			[0, 4],
			[0, 0]
		];
		const cwHole: Position[] = [
			[1, 1],
			[1, 2],
			[2, 2],
			[2, 1],
			[1, 1]
		];
		const area = (ring: Position[]) =>
			ring.reduce((s, p, i) => {
				const q = ring[(i + 1) % ring.length] as Position;
				return s + (p[0] as number) * (q[1] as number) - (q[0] as number) * (p[1] as number);
			}, 0);
		const wound = windForD3({ type: 'Polygon', coordinates: [ccw, cwHole] });
		expect(area(wound.coordinates[0] as Position[])).toBeLessThan(0);
		expect(area(wound.coordinates[1] as Position[])).toBeGreaterThan(0);
		// Already wound: unchanged.
		expect(windForD3(wound)).toEqual(wound);
		const multi = windForD3({ type: 'MultiPolygon', coordinates: [[ccw], [[...ccw].reverse()]] });
		for (const polygon of multi.coordinates) {
			expect(area(polygon[0] as Position[])).toBeLessThan(0);
		}
	});
});

describe('capacity', () => {
	it('every figure, oldest first, with its share when both figures are known', () => {
		const points = caseloadPoints([
			{
				id: 's1',
				name: 'SSIAD',
				history: [
					{ at: '2026-02-01T10:00:00Z', current: 18, max: 20 },
					{ at: '2026-01-01T10:00:00Z', current: 10, max: 20 },
					{ at: '2026-03-01T10:00:00Z', current: null, max: 20 }
				]
			},
			{ id: 's2', name: 'CCAS', history: [{ at: '2026-01-05T10:00:00Z', current: 3, max: 0 }] }
		]);
		expect(points.map((p) => [p.id, p.at.toISOString().slice(0, 10), p.share])).toEqual([
			['s1', '2026-01-01', 0.5],
			['s1', '2026-02-01', 0.9],
			['s1', '2026-03-01', null],
			['s2', '2026-01-05', null]
		]);
	});
});
