import { bbox as turfBbox, booleanIntersects, booleanPointInPolygon } from '@turf/turf';
import Flatbush from 'flatbush';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';

export type Bbox = [number, number, number, number];

export interface PlaceShape {
	code: string;
	geometry: Polygon | MultiPolygon;
	bbox?: Bbox;
}

export function isAreal(geometry: Geometry | null | undefined): geometry is Polygon | MultiPolygon {
	return geometry?.type === 'Polygon' || geometry?.type === 'MultiPolygon';
}

export function bboxOf(geometry: Polygon | MultiPolygon): Bbox {
	return turfBbox(geometry) as Bbox;
}

/**
 * A spatial index over place boundaries: a static packed R-tree (flatbush) on their bounding
 * boxes narrows a query to a handful of candidates, then an exact turf test decides. Ties (a
 * point on a shared border) go to the smallest code so the answer never depends on load order.
 */
export class PlaceIndex {
	private readonly tree: Flatbush | null;
	/** The indexed shapes, each with its bbox (callers may rebuild or inspect the index). */
	readonly shapes: readonly PlaceShape[];

	constructor(shapes: readonly PlaceShape[]) {
		const withBoxes = shapes.map((s) => ({ ...s, bbox: s.bbox ?? bboxOf(s.geometry) }));
		this.shapes = withBoxes;
		if (withBoxes.length === 0) {
			this.tree = null;
			return;
		}
		const tree = new Flatbush(withBoxes.length);
		for (const shape of withBoxes) {
			const [minX, minY, maxX, maxY] = shape.bbox as Bbox;
			tree.add(minX, minY, maxX, maxY);
		}
		tree.finish();
		this.tree = tree;
	}

	get size(): number {
		return this.shapes.length;
	}

	/** The code of the place containing the point, or null when it lies in none. */
	locate(lon: number, lat: number): string | null {
		if (!this.tree) return null;
		let found: string | null = null;
		for (const i of this.tree.search(lon, lat, lon, lat)) {
			const shape = this.shapes[i] as PlaceShape;
			if (found !== null && shape.code >= found) continue;
			if (booleanPointInPolygon([lon, lat], shape.geometry)) found = shape.code;
		}
		return found;
	}

	/** Codes of the places whose boundary intersects the area, sorted. */
	intersecting(area: Polygon | MultiPolygon): string[] {
		return this.shapesIntersecting(area).map((shape) => shape.code);
	}

	/** The places whose boundary intersects the area, with their shapes, sorted by code. */
	shapesIntersecting(area: Polygon | MultiPolygon): PlaceShape[] {
		if (!this.tree) return [];
		const [minX, minY, maxX, maxY] = bboxOf(area);
		const found: PlaceShape[] = [];
		for (const i of this.tree.search(minX, minY, maxX, maxY)) {
			const shape = this.shapes[i] as PlaceShape;
			if (booleanIntersects(shape.geometry, area)) found.push(shape);
		}
		return found.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
	}
}
