import { bbox as turfBbox, booleanIntersects, booleanPointInPolygon } from '@turf/turf';
import Flatbush from 'flatbush';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';
import { packGeometry, unpackGeometry, type PackedGeometry } from './packed-geometry';

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
 *
 * The outlines are kept packed (packed-geometry.ts) and unpacked for the candidates of a query
 * only: the index of France's boundaries lives as long as the server, and kept as GeoJSON it was
 * most of the objects of the server's heap, marked again by every full garbage collection.
 */
export class PlaceIndex {
	private readonly tree: Flatbush | null;
	private readonly packed: readonly PackedGeometry[];
	/** The places' codes, in the index's order. */
	readonly codes: readonly string[];
	/** Their bounding boxes, four numbers each (minX, minY, maxX, maxY), in the same order. */
	readonly boxes: Float64Array;

	constructor(shapes: readonly PlaceShape[]) {
		this.codes = shapes.map((s) => s.code);
		this.packed = shapes.map((s) => packGeometry(s.geometry));
		this.boxes = new Float64Array(shapes.length * 4);
		shapes.forEach((shape, i) => this.boxes.set(shape.bbox ?? bboxOf(shape.geometry), i * 4));
		this.tree = shapes.length === 0 ? null : PlaceIndex.treeOf(this.boxes);
	}

	/** The R-tree over boxes laid out as `boxes` (exposed for the benchmark of its build). */
	static treeOf(boxes: Float64Array): Flatbush {
		const tree = new Flatbush(boxes.length / 4);
		for (let i = 0; i < boxes.length; i += 4) {
			tree.add(
				boxes[i] as number,
				boxes[i + 1] as number,
				boxes[i + 2] as number,
				boxes[i + 3] as number
			);
		}
		tree.finish();
		return tree;
	}

	get size(): number {
		return this.codes.length;
	}

	private shape(i: number): PlaceShape {
		const box = this.boxes.subarray(i * 4, i * 4 + 4);
		return {
			code: this.codes[i] as string,
			geometry: unpackGeometry(this.packed[i] as PackedGeometry),
			bbox: [...box] as Bbox
		};
	}

	/** The code of the place containing the point, or null when it lies in none. */
	locate(lon: number, lat: number): string | null {
		if (!this.tree) return null;
		let found: string | null = null;
		for (const i of this.tree.search(lon, lat, lon, lat)) {
			const code = this.codes[i] as string;
			if (found !== null && code >= found) continue;
			const geometry = unpackGeometry(this.packed[i] as PackedGeometry);
			if (booleanPointInPolygon([lon, lat], geometry)) found = code;
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
			const shape = this.shape(i);
			if (booleanIntersects(shape.geometry, area)) found.push(shape);
		}
		return found.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
	}
}
