import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import {
	MergedCommunes,
	concatAreas,
	groupBoundaries,
	type CommuneRecord
} from './merged-communes';

function square(x: number, y: number): Polygon {
	return {
		type: 'Polygon',
		coordinates: [
			[
				[x, y],
				[x + 1, y],
				[x + 1, y + 1],
				[x, y + 1],
				[x, y]
			]
		]
	};
}

// Shaped like the real list: Gap (05061) absorbed Romette (05125, associated); Val Buëch-Méouge
// (05118) kept the code of one of its delegated communes; a chain 00003 → 00002 → 05061.
const RECORDS: CommuneRecord[] = [
	{ code: '05061', type: 'commune-actuelle' },
	{ code: '05125', type: 'commune-associee', chefLieu: '05061' },
	{ code: '05118', type: 'commune-actuelle' },
	{ code: '05118', type: 'commune-deleguee', chefLieu: '05118' },
	{ code: '05005', type: 'commune-deleguee', chefLieu: '05118' },
	{ code: '13055', type: 'commune-actuelle' },
	{ code: '13204', type: 'arrondissement-municipal' },
	{ code: '00002', type: 'commune-associee', chefLieu: '05061' },
	{ code: '00003', type: 'commune-deleguee', chefLieu: '00002' },
	{ code: '00004', type: 'commune-deleguee', chefLieu: '99999' },
	{ code: '00005', type: 'commune-deleguee', chefLieu: '00006' },
	{ code: '00006', type: 'commune-deleguee', chefLieu: '00005' }
];

describe('MergedCommunes', () => {
	const merged = new MergedCommunes(RECORDS);

	it('keeps current communes and arrondissements as they are', () => {
		expect(merged.currentOf('05061')).toBe('05061');
		expect(merged.currentOf('13204')).toBe('13204');
		// Both a current and a delegated commune: current wins.
		expect(merged.currentOf('05118')).toBe('05118');
	});

	it('maps a delegated or associated commune to the commune that absorbed it', () => {
		expect(merged.currentOf('05125')).toBe('05061');
		expect(merged.currentOf('05005')).toBe('05118');
		expect(merged.currentOf('00003')).toBe('05061');
	});

	it('knows nothing of a code absent from the list, or leading nowhere current', () => {
		expect(merged.currentOf('13999')).toBeNull();
		expect(merged.currentOf('00004')).toBeNull();
		expect(merged.currentOf('00005')).toBeNull();
		expect(merged.isCurrent('05125')).toBe(false);
		expect(merged.isCurrent('05061')).toBe(true);
	});

	it('lists the absorbed codes', () => {
		expect(Object.fromEntries(merged.absorbed())).toEqual({
			'05125': '05061',
			'05005': '05118',
			'00002': '05061',
			'00003': '05061'
		});
	});
});

describe('concatAreas', () => {
	it('keeps a lone polygon and lists the polygons of several areas', () => {
		expect(concatAreas([square(0, 0)])).toEqual(square(0, 0));
		const multi = concatAreas([
			square(0, 0),
			{ type: 'MultiPolygon', coordinates: [square(1, 0).coordinates, square(2, 0).coordinates] }
		]);
		expect(multi).toEqual({
			type: 'MultiPolygon',
			coordinates: [square(0, 0).coordinates, square(1, 0).coordinates, square(2, 0).coordinates]
		});
	});
});

describe('groupBoundaries', () => {
	const merged = new MergedCommunes(RECORDS);
	const currentOf = (code: string) => merged.currentOf(code);

	it('stores the parts of a merged commune on the commune that absorbed it', () => {
		const result = groupBoundaries(
			[
				{ code: '05125', name: 'Romette', geometry: square(1, 0) },
				{ code: '13204', name: 'Marseille 4e', geometry: square(5, 5) },
				{ code: '05061', name: 'Gap', geometry: square(0, 0) }
			],
			currentOf
		);
		expect(result.merged).toBe(1);
		expect(result.unmapped).toEqual([]);
		expect(result.boundaries).toEqual([
			{
				code: '05061',
				name: 'Gap',
				geometry: {
					type: 'MultiPolygon',
					coordinates: [square(1, 0).coordinates, square(0, 0).coordinates]
				},
				parts: ['05125', '05061'],
				unmapped: false
			},
			{
				code: '13204',
				name: 'Marseille 4e',
				geometry: square(5, 5),
				parts: ['13204'],
				unmapped: false
			}
		]);
	});

	it('gives an absorbing commune absent from the file the absorbed part alone, unnamed', () => {
		const result = groupBoundaries(
			[{ code: '05005', name: 'Antonaves', geometry: square(0, 0) }],
			currentOf
		);
		expect(result.boundaries).toEqual([
			{ code: '05118', name: undefined, geometry: square(0, 0), parts: ['05005'], unmapped: false }
		]);
	});

	it('keeps an unknown code as a place of its own and reports it', () => {
		const result = groupBoundaries(
			[{ code: '13999', name: 'Île nouvelle', geometry: square(0, 0) }],
			currentOf
		);
		expect(result).toEqual({
			boundaries: [
				{
					code: '13999',
					name: 'Île nouvelle',
					geometry: square(0, 0),
					parts: ['13999'],
					unmapped: true
				}
			],
			merged: 0,
			unmapped: ['13999']
		});
	});
});
