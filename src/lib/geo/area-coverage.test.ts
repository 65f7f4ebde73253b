import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { FULL_COVERAGE, coveredFraction, partialPlaces, pointInArea } from './area-coverage';

function rectangle(west: number, south: number, east: number, north: number): Polygon {
	return {
		type: 'Polygon',
		coordinates: [
			[
				[west, south],
				[east, south],
				[east, north],
				[west, north],
				[west, south]
			]
		]
	};
}

// Two neighbouring places near Marseille's latitude, side by side: A west, B east.
const A = rectangle(5.0, 43.0, 5.1, 43.1);
const B = rectangle(5.1, 43.0, 5.2, 43.1);
// A diamond inside A whose bounding box is A: the box fast path cannot decide for it.
const DIAMOND: Polygon = {
	type: 'Polygon',
	coordinates: [
		[
			[5.05, 43.0],
			[5.1, 43.05],
			[5.05, 43.1],
			[5.0, 43.05],
			[5.05, 43.0]
		]
	]
};
const places = [
	{ code: 'A', geometry: A },
	{ code: 'B', geometry: B }
];

describe('coveredFraction', () => {
	it('measures a place wholly inside, half inside, outside', () => {
		const square = rectangle(4.99, 42.99, 5.15, 43.11);
		expect(coveredFraction(square, A)).toBe(1);
		expect(coveredFraction(square, B)).toBeCloseTo(0.5, 3);
		expect(coveredFraction(square, rectangle(6, 44, 6.1, 44.1))).toBe(0);
	});

	it('decides by the exact intersection when the place’s box sticks out of the polygon', () => {
		const bigDiamond: Polygon = {
			type: 'Polygon',
			coordinates: [
				[
					[5.05, 42.99],
					[5.11, 43.05],
					[5.05, 43.11],
					[4.99, 43.05],
					[5.05, 42.99]
				]
			]
		};
		expect(coveredFraction(bigDiamond, DIAMOND)).toBeCloseTo(1, 6);
		expect(coveredFraction(DIAMOND, A)).toBeCloseTo(0.5, 3);
	});

	it('leaves out a hole of the polygon', () => {
		const withHole: Polygon = {
			type: 'Polygon',
			coordinates: [
				rectangle(4.9, 42.9, 5.3, 43.2).coordinates[0] as number[][],
				rectangle(5.0, 43.0, 5.05, 43.1).coordinates[0] as number[][]
			]
		};
		expect(coveredFraction(withHole, A)).toBeCloseTo(0.5, 3);
		expect(coveredFraction(withHole, B)).toBe(1);
	});
});

describe('partialPlaces', () => {
	it('flags the place a square covers by half, not the one it covers wholly', () => {
		expect(partialPlaces(rectangle(4.99, 42.99, 5.15, 43.11), places)).toEqual(new Set(['B']));
	});

	it('counts a MultiPolygon’s parts together', () => {
		const multi: MultiPolygon = {
			type: 'MultiPolygon',
			coordinates: [
				rectangle(4.99, 42.99, 5.1, 43.11).coordinates,
				rectangle(5.1, 42.99, 5.13, 43.11).coordinates
			]
		};
		expect(partialPlaces(multi, places)).toEqual(new Set(['B']));
		// Two halves of A, each short of its box: only their sum covers it.
		const halves: MultiPolygon = {
			type: 'MultiPolygon',
			coordinates: [
				rectangle(4.99, 42.99, 5.05, 43.11).coordinates,
				rectangle(5.05, 42.99, 5.11, 43.11).coordinates
			]
		};
		expect(partialPlaces(halves, [{ code: 'A', geometry: A }])).toEqual(new Set());
	});

	it('tolerates a polygon that misses a sliver of the place, not more', () => {
		const sliver = (1 - FULL_COVERAGE) / 2;
		const almost = rectangle(4.99, 42.99, 5.1 - 0.1 * sliver, 43.11);
		expect(partialPlaces(almost, [{ code: 'A', geometry: A }])).toEqual(new Set());
		const short = rectangle(4.99, 42.99, 5.1 - 0.1 * 4 * sliver, 43.11);
		expect(partialPlaces(short, [{ code: 'A', geometry: A }])).toEqual(new Set(['A']));
	});

	it('flags a place under a degenerate polygon as partial rather than failing', () => {
		const broken: Polygon = { type: 'Polygon', coordinates: [[[5.05, 43.05]]] };
		expect(partialPlaces(broken, [{ code: 'A', geometry: A }])).toEqual(new Set(['A']));
	});
});

describe('pointInArea', () => {
	const square = rectangle(4.99, 42.99, 5.15, 43.11);

	it('tells the covered half of a place from the other one', () => {
		expect(pointInArea(square, 5.12, 43.05)).toBe(true);
		expect(pointInArea(square, 5.18, 43.05)).toBe(false);
	});

	it('reads every part of a MultiPolygon', () => {
		const multi: MultiPolygon = {
			type: 'MultiPolygon',
			coordinates: [rectangle(5.0, 43.0, 5.01, 43.01).coordinates, square.coordinates]
		};
		expect(pointInArea(multi, 5.005, 43.005)).toBe(true);
		expect(pointInArea(multi, 5.12, 43.05)).toBe(true);
		expect(pointInArea(multi, 5.18, 43.05)).toBe(false);
	});
});
