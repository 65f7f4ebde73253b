import { describe, expect, it } from 'vitest';
import { firstSelfCrossing } from './validity';

const square: [number, number][] = [
	[5.4, 43.3],
	[5.5, 43.3],
	[5.5, 43.4],
	[5.4, 43.4],
	[5.4, 43.3]
];
// The same four corners in the order of a bow tie: its two sides cross at the centre.
const bowTie: [number, number][] = [
	[5.4, 43.3],
	[5.5, 43.4],
	[5.5, 43.3],
	[5.4, 43.4],
	[5.4, 43.3]
];

describe('firstSelfCrossing', () => {
	it('finds nothing in a simple polygon', () => {
		expect(firstSelfCrossing({ type: 'Polygon', coordinates: [square] })).toBeNull();
	});

	it('finds where a bow tie crosses itself', () => {
		const at = firstSelfCrossing({ type: 'Polygon', coordinates: [bowTie] });
		expect(at?.[0]).toBeCloseTo(5.45);
		expect(at?.[1]).toBeCloseTo(43.35);
	});

	it('accepts two polygons of a MultiPolygon that share an edge', () => {
		const east = square.map(([x, y]) => [x + 0.1, y] as [number, number]);
		expect(firstSelfCrossing({ type: 'MultiPolygon', coordinates: [[square], [east]] })).toBeNull();
	});

	it('finds a hole that crosses its outer ring', () => {
		const hole: [number, number][] = [
			[5.45, 43.35],
			[5.6, 43.35],
			[5.6, 43.36],
			[5.45, 43.36],
			[5.45, 43.35]
		];
		expect(firstSelfCrossing({ type: 'Polygon', coordinates: [square, hole] })).not.toBeNull();
	});
});
