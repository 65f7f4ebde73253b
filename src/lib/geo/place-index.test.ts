import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { PlaceIndex } from './place-index';

function square(x: number, y: number, size = 1): Polygon {
	return {
		type: 'Polygon',
		coordinates: [
			[
				[x, y],
				[x + size, y],
				[x + size, y + size],
				[x, y + size],
				[x, y]
			]
		]
	};
}

describe('PlaceIndex', () => {
	const index = new PlaceIndex([
		{ code: '00002', geometry: square(1, 0) },
		{ code: '00001', geometry: square(0, 0) },
		{
			// An L-shaped place whose bounding box covers 00004's square: the exact test must decide.
			code: '00003',
			geometry: {
				type: 'Polygon',
				coordinates: [
					[
						[0, 1],
						[2, 1],
						[2, 1.5],
						[0.5, 1.5],
						[0.5, 3],
						[0, 3],
						[0, 1]
					]
				]
			}
		},
		{ code: '00004', geometry: square(1, 2) }
	]);

	it('resolves a point to the place that contains it', () => {
		expect(index.locate(0.5, 0.5)).toBe('00001');
		expect(index.locate(1.5, 0.5)).toBe('00002');
		expect(index.locate(0.2, 2.5)).toBe('00003');
		expect(index.locate(1.5, 2.5)).toBe('00004');
	});

	it('uses the exact shape, not the bounding box', () => {
		// Inside 00003's bbox but outside its L shape.
		expect(index.locate(1.2, 1.8)).toBeNull();
	});

	it('gives a point on a shared border to the smallest code', () => {
		expect(index.locate(1, 0.5)).toBe('00001');
	});

	it('returns null outside every place and on an empty index', () => {
		expect(index.locate(10, 10)).toBeNull();
		expect(new PlaceIndex([]).locate(0, 0)).toBeNull();
	});

	it('lists the places an area intersects', () => {
		expect(index.intersecting(square(0.8, 0.2, 0.4))).toEqual(['00001', '00002']);
		expect(index.intersecting(square(5, 5))).toEqual([]);
	});
});
