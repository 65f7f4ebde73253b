import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { packGeometry, unpackGeometry } from './packed-geometry';

const holed: Polygon = {
	type: 'Polygon',
	coordinates: [
		[
			[0, 0],
			[4, 0],
			[4, 4],
			[0, 4],
			[0, 0]
		],
		[
			[1, 1],
			[1, 2],
			[2, 2],
			[1, 1]
		]
	]
};

const islands: MultiPolygon = {
	type: 'MultiPolygon',
	coordinates: [
		holed.coordinates,
		[
			[
				[10.5, -3.25],
				[11, -3.25],
				[11, -2],
				[10.5, -3.25]
			]
		]
	]
};

describe('packed geometry', () => {
	it('gives back the same polygon, holes and all', () => {
		const packed = packGeometry(holed);
		expect(unpackGeometry(packed)).toEqual(holed);
		expect(packed.coords).toHaveLength(9 * 2);
		expect([...packed.layout]).toEqual([1, 2, 5, 4]);
	});

	it('gives back the same multipolygon, each part in its order', () => {
		const packed = packGeometry(islands);
		expect(unpackGeometry(packed)).toEqual(islands);
		expect([...packed.layout]).toEqual([2, 2, 5, 4, 1, 4]);
	});

	it('drops the altitude, which no outline test reads', () => {
		const high: Polygon = {
			type: 'Polygon',
			coordinates: [
				[
					[0, 0, 100],
					[1, 0, 120],
					[0, 1, 90],
					[0, 0, 100]
				]
			]
		};
		expect(unpackGeometry(packGeometry(high)).coordinates[0]?.[1]).toEqual([1, 0]);
	});
});
