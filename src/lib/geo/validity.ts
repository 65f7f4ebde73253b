import { kinks } from '@turf/turf';
import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Where a coverage polygon crosses itself, or null. A self-crossing ring (a « bow tie » drawn by
 * hand, or a GIS export gone wrong) has no well-defined inside: which communes it covers would
 * depend on the library that reads it. Each polygon of a MultiPolygon is checked on its own
 * rings (its outer ring and holes together: a hole crossing the outer ring is as bad), because
 * two polygons of a MultiPolygon may touch.
 */
export function firstSelfCrossing(area: Polygon | MultiPolygon): [number, number] | null {
	const polygons: Position[][][] = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
	for (const rings of polygons) {
		const found = kinks({ type: 'Polygon', coordinates: rings }).features[0];
		if (found) {
			const [lon, lat] = found.geometry.coordinates as [number, number];
			return [lon, lat];
		}
	}
	return null;
}
