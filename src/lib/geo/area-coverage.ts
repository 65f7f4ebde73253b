import {
	area as turfArea,
	bboxClip,
	bboxPolygon,
	booleanPointInPolygon,
	feature,
	featureCollection,
	intersect
} from '@turf/turf';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { bboxOf, type Bbox, type PlaceShape } from './place-index';

/**
 * How much of a place a polygon coverage (a structure's `coverage_geojson`) takes. A structure
 * drawn as a polygon covers the places it intersects only where the polygon is: for a place it
 * takes only partly, the point of the request must be tested against the polygon itself.
 */

export type Area = Polygon | MultiPolygon;

/**
 * Share of a place's area the polygon must cover for the place to count as wholly covered. Not 1:
 * a polygon drawn along commune borders never follows the simplified boundaries to the metre, and
 * missing 0.5 % of a commune along its edge is the drawing's imprecision, not a gap of coverage.
 */
export const FULL_COVERAGE = 0.995;

/** The polygons of an area, each clipped to a box; those left empty are dropped. */
function clipToBox(area: Area, box: Bbox): Position[][][] {
	const polygons = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
	const clipped: Position[][][] = [];
	for (const coordinates of polygons) {
		const rings = bboxClip({ type: 'Polygon', coordinates }, box).geometry.coordinates;
		// An outer ring clipped away takes its holes with it: a lone hole would read as an outer ring.
		if (rings.length > 0 && (rings[0]?.length ?? 0) >= 4) clipped.push(rings as Position[][]);
	}
	return clipped;
}

/**
 * The share (0–1) of a place's area inside the polygon. Only the part of the polygon within the
 * place's bounding box matters, so the polygon is first cut to that box (linear, cheap): when one
 * of its polygons fills the whole box, the place is inside without any polygon intersection;
 * otherwise the exact intersection is measured on the cut polygon, not the whole one.
 */
export function coveredFraction(area: Area, place: Area, placeBox: Bbox = bboxOf(place)): number {
	const polygons = clipToBox(area, placeBox);
	if (polygons.length === 0) return 0;
	const boxArea = turfArea(bboxPolygon(placeBox));
	// One polygon at a time: the parts of a MultiPolygon may overlap, and their sum would overstate.
	for (const coordinates of polygons) {
		if (turfArea({ type: 'Polygon', coordinates }) >= boxArea * (1 - 1e-9)) return 1;
	}
	const placeArea = turfArea(place);
	if (placeArea === 0) return 0;
	const inside = intersect(
		featureCollection([
			feature<Area>({ type: 'MultiPolygon', coordinates: polygons }),
			feature(place)
		])
	);
	return inside ? Math.min(1, turfArea(inside) / placeArea) : 0;
}

/**
 * The codes, among places the polygon intersects, of those it covers only partly (less than
 * FULL_COVERAGE of their area). A place whose intersection cannot be computed (a self-crossing
 * polygon can defeat the clipping) is reported partial: then a request is checked against the
 * polygon itself, which is never wrong, where "wholly covered" could be.
 */
export function partialPlaces(area: Area, places: readonly PlaceShape[]): Set<string> {
	const partial = new Set<string>();
	for (const place of places) {
		let fraction: number;
		try {
			fraction = coveredFraction(area, place.geometry, place.bbox ?? bboxOf(place.geometry));
		} catch {
			fraction = 0;
		}
		if (fraction < FULL_COVERAGE) partial.add(place.code);
	}
	return partial;
}

/** Whether a WGS84 point lies in the area (its border included). */
export function pointInArea(area: Area, lon: number, lat: number): boolean {
	return booleanPointInPolygon([lon, lat], area);
}
