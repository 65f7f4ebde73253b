import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import fc from 'fast-check';
import type { Point } from 'geojson';
import { describe, expect, it } from 'vitest';
import { ClusterTiles, type ClusterPoint } from './cluster-tiles';
import { CLUSTER_MAX_ZOOM, STRUCTURES_LAYER, TILE_MAX_ZOOM, isTile } from './clusters';

/** The tile's features as maplibre reads them: properties, and the position in degrees. */
function decode(bytes: Uint8Array, z: number, x: number, y: number) {
	const layer = new VectorTile(new Pbf(bytes)).layers[STRUCTURES_LAYER];
	if (!layer) return [];
	return Array.from({ length: layer.length }, (_, i) => {
		const feature = layer.feature(i).toGeoJSON(x, y, z);
		const geometry = feature.geometry as Point;
		return {
			properties: feature.properties ?? {},
			at: geometry.coordinates as [number, number]
		};
	});
}

/** The tile of zoom z holding a position (Web Mercator, as maplibre's tiles). */
function tileOf(lon: number, lat: number, z: number): [number, number] {
	const n = 2 ** z;
	const rad = (lat * Math.PI) / 180;
	return [
		Math.floor(((lon + 180) / 360) * n),
		Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)
	];
}

/** Points in metropolitan France, ids unique. */
const france = fc
	.uniqueArray(
		fc.record({
			id: fc.string({ minLength: 1, maxLength: 12 }),
			kind: fc.constantFrom('clic', 'ccas', 'dac', 'ehpad'),
			lon: fc.double({ min: -4.5, max: 7.5, noNaN: true }),
			lat: fc.double({ min: 42.5, max: 51, noNaN: true })
		}),
		{ selector: (p) => p.id, minLength: 1, maxLength: 300 }
	)
	.map((points): ClusterPoint[] => points);

describe('ClusterTiles', () => {
	it('counts every structure once in the world tile, grouped or alone', () => {
		fc.assert(
			fc.property(france, (points) => {
				const features = decode(new ClusterTiles(points).tile(0, 0, 0), 0, 0, 0);
				const counted = features.reduce(
					(n, f) => n + (f.properties.cluster ? Number(f.properties.point_count) : 1),
					0
				);
				expect(counted).toBe(points.length);
			}),
			{ numRuns: 40 }
		);
	});

	it('past the last zoom with groups, shows each structure alone, its id and kind, where it is', () => {
		fc.assert(
			fc.property(france, (points) => {
				const tiles = new ClusterTiles(points);
				const z = TILE_MAX_ZOOM;
				for (const p of points.slice(0, 20)) {
					const [x, y] = tileOf(p.lon, p.lat, z);
					const features = decode(tiles.tile(z, x, y), z, x, y);
					expect(features.some((f) => f.properties.cluster)).toBe(false);
					const found = features.find((f) => f.properties.id === p.id);
					expect(found?.properties).toEqual({ id: p.id, k: p.kind });
					// To a few metres: a tile of zoom 16 is 600 m wide, in 4 096 steps.
					expect(Math.abs((found?.at[0] ?? 0) - p.lon)).toBeLessThan(1e-4);
					expect(Math.abs((found?.at[1] ?? 0) - p.lat)).toBeLessThan(1e-4);
				}
			}),
			{ numRuns: 20 }
		);
	});

	it('groups structures close together, each group saying where it comes apart', () => {
		// Two structures a few metres apart, a third 100 km away.
		const points: ClusterPoint[] = [
			{ id: 'a', kind: 'clic', lon: 5.4, lat: 43.3 },
			{ id: 'b', kind: 'ccas', lon: 5.40005, lat: 43.30005 },
			{ id: 'c', kind: 'dac', lon: 6.6, lat: 43.3 }
		];
		const tiles = new ClusterTiles(points);
		for (const z of [6, 10, CLUSTER_MAX_ZOOM]) {
			const [x, y] = tileOf(5.4, 43.3, z);
			const features = decode(tiles.tile(z, x, y), z, x, y);
			const group = features.find((f) => f.properties.cluster);
			expect(group?.properties.point_count, `zoom ${z}`).toBe(2);
			const expansion = Number(group?.properties.expansion_zoom);
			expect(expansion).toBeGreaterThan(z);
			expect(expansion).toBeLessThanOrEqual(TILE_MAX_ZOOM);
			expect(features.some((f) => f.properties.id === 'a')).toBe(false);
		}
		const [x, y] = tileOf(6.6, 43.3, 10);
		const alone = decode(tiles.tile(10, x, y), 10, x, y);
		expect(alone.map((f) => f.properties)).toEqual([{ id: 'c', k: 'dac' }]);
	});

	it('answers an empty tile where there is nothing, and for a territory without points', () => {
		const tiles = new ClusterTiles([{ id: 'a', kind: 'clic', lon: 5.4, lat: 43.3 }]);
		const [x, y] = tileOf(-1.5, 47.2, 12);
		expect(decode(tiles.tile(12, x, y), 12, x, y)).toEqual([]);
		expect(decode(new ClusterTiles([]).tile(0, 0, 0), 0, 0, 0)).toEqual([]);
	});

	it('knows which tiles exist', () => {
		expect(isTile(0, 0, 0)).toBe(true);
		expect(isTile(TILE_MAX_ZOOM, 2 ** TILE_MAX_ZOOM - 1, 0)).toBe(true);
		for (const [z, x, y] of [
			[TILE_MAX_ZOOM + 1, 0, 0],
			[-1, 0, 0],
			[3, 8, 0],
			[3, 0, -1],
			[2.5, 0, 0]
		] as const) {
			expect(isTile(z, x, y), `${z}/${x}/${y}`).toBe(false);
			expect(() => new ClusterTiles([]).tile(z, x, y)).toThrow(RangeError);
		}
	});
});
