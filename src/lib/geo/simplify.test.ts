import { describe, expect, it } from 'vitest';
import type { Polygon } from 'geojson';
import { displayGeometry } from './simplify';

describe('displayGeometry', () => {
	it('drops points that do not change the shape and rounds to 5 decimals', () => {
		// A square with many points along one edge.
		const edge = Array.from({ length: 50 }, (_, i) => [i / 50, 0]);
		const square: Polygon = {
			type: 'Polygon',
			coordinates: [[...edge, [1, 0], [1, 1], [0, 1], [0, 0]]]
		};
		const shown = displayGeometry(square);
		expect(shown.coordinates[0]?.length).toBeLessThan(10);
		expect(shown.coordinates[0]?.[0]).toEqual([0, 0]);
		const precise = displayGeometry({
			type: 'Polygon',
			coordinates: [
				[
					[0.1234567, 0],
					[1, 0],
					[1, 1],
					[0.1234567, 0]
				]
			]
		});
		expect(precise.coordinates[0]?.[0]).toEqual([0.12346, 0]);
	});
});
