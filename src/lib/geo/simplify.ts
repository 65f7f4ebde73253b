import { simplify } from '@turf/turf';
import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Geometry for display: simplified (Douglas–Peucker, tolerance in degrees: 0.0005° ≈ 50 m, finer
 * than a map of a territory shows) and rounded to 5 decimals (≈ 1 m), which divides the payload
 * sent to the browser without changing what is seen.
 */
export function displayGeometry<T extends Polygon | MultiPolygon>(
	geometry: T,
	tolerance = 0.0005
): T {
	const simplified = simplify(geometry, { tolerance, highQuality: false, mutate: false }) as T;
	return roundGeometry(simplified);
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;

function roundRing(ring: Position[]): Position[] {
	const out: Position[] = [];
	for (const position of ring) {
		const next: Position = [round(position[0] as number), round(position[1] as number)];
		const last = out.at(-1);
		if (!last || last[0] !== next[0] || last[1] !== next[1]) out.push(next);
	}
	return out;
}

export function roundGeometry<T extends Polygon | MultiPolygon>(geometry: T): T {
	if (geometry.type === 'Polygon') {
		return { type: 'Polygon', coordinates: geometry.coordinates.map(roundRing) } as T;
	}
	return {
		type: 'MultiPolygon',
		coordinates: (geometry as MultiPolygon).coordinates.map((polygon) => polygon.map(roundRing))
	} as T;
}
