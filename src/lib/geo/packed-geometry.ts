import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * A polygon or multipolygon kept as two typed arrays instead of GeoJSON's nested arrays.
 *
 * Why: France's 35 000 boundaries are 2.3 million `[lon, lat]` arrays in GeoJSON, each one an
 * object the garbage collector marks again on every full collection. A server answering
 * hundreds of requests a second ran a full collection every half second and spent about a core
 * marking them (heap snapshot and --trace-gc of the national HTTP bench). A typed array is a
 * single object whose numbers the collector never looks into. A shape is unpacked again only
 * when a query needs its exact outline, a few shapes at a time.
 *
 * `coords`: x0, y0, x1, y1, … of every ring, one after the other. `layout`: the number of
 * polygons, then for each one its number of rings followed by each ring's number of positions.
 * Coordinates past the second (altitude) are dropped: no test of a place's outline reads them.
 */
export interface PackedGeometry {
	readonly type: 'Polygon' | 'MultiPolygon';
	readonly coords: Float64Array;
	readonly layout: Uint32Array;
}

export function packGeometry(geometry: Polygon | MultiPolygon): PackedGeometry {
	const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
	let positions = 0;
	let layoutLength = 1;
	for (const rings of polygons) {
		layoutLength += 1 + rings.length;
		for (const ring of rings) positions += ring.length;
	}
	const coords = new Float64Array(positions * 2);
	const layout = new Uint32Array(layoutLength);
	let c = 0;
	let l = 0;
	layout[l++] = polygons.length;
	for (const rings of polygons) {
		layout[l++] = rings.length;
		for (const ring of rings) {
			layout[l++] = ring.length;
			for (const position of ring) {
				coords[c++] = position[0] as number;
				coords[c++] = position[1] as number;
			}
		}
	}
	return { type: geometry.type, coords, layout };
}

export function unpackGeometry(packed: PackedGeometry): Polygon | MultiPolygon {
	const { coords, layout } = packed;
	const polygons: Position[][][] = [];
	let c = 0;
	let l = 1;
	for (let p = 0; p < (layout[0] as number); p++) {
		const rings: Position[][] = [];
		const ringCount = layout[l++] as number;
		for (let r = 0; r < ringCount; r++) {
			const length = layout[l++] as number;
			const ring: Position[] = new Array(length);
			for (let i = 0; i < length; i++, c += 2)
				ring[i] = [coords[c] as number, coords[c + 1] as number];
			rings.push(ring);
		}
		polygons.push(rings);
	}
	return packed.type === 'Polygon'
		? { type: 'Polygon', coordinates: polygons[0] ?? [] }
		: { type: 'MultiPolygon', coordinates: polygons };
}
