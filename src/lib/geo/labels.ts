import { area, booleanPointInPolygon, centerOfMass } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Where to write a place's name on the map, and which names fit on screen. The map has no glyph
 * server (it works offline), so names are HTML markers rather than a symbol layer, and the
 * placement and collision work a symbol layer would do is done here, on plain numbers.
 */

/**
 * A point inside the polygon to hang its name on. The centre of mass when it lies inside (most
 * places: it looks centred); otherwise — a crescent, a U, a centre falling in a hole — the middle
 * of the widest stretch of a horizontal line across the shape, which is inside by construction
 * (between two successive crossings of the boundary, even–odd rule). turf's `pointOnFeature`
 * falls back to a vertex, on the boundary, where a name reads as belonging to the neighbour.
 * A multipolygon is labelled in its largest part (a commune and its islands: on the mainland).
 */
export function labelPoint(geometry: Polygon | MultiPolygon): [number, number] {
	const polygon = largestPart(geometry);
	const centre = centerOfMass(polygon).geometry.coordinates as [number, number];
	if (booleanPointInPolygon(centre, polygon)) return centre;
	const [minY, maxY] = latitudeRange(polygon.coordinates[0] ?? []);
	// The centre's latitude and lines across the height of the shape: the widest stretch over
	// all of them wins (the name needs width more than height).
	const lines = [
		centre[1],
		...Array.from({ length: SCAN_LINES }, (_, i) => minY + ((maxY - minY) * (i + 0.5)) / SCAN_LINES)
	];
	let best: { x: number; y: number; width: number } | null = null;
	for (const y of lines) {
		const stretch = widestStretch(polygon.coordinates, y);
		if (stretch && (!best || stretch.width > best.width)) best = { ...stretch, y };
	}
	if (best) return [best.x, best.y];
	// A degenerate ring (no area): its first vertex is the only point there is.
	const first = polygon.coordinates[0]?.[0] ?? [0, 0];
	return [first[0] as number, first[1] as number];
}

/** Lines tried across a shape whose centre is outside it: a few dozen crossings each, cheap. */
const SCAN_LINES = 12;

function largestPart(geometry: Polygon | MultiPolygon): Polygon {
	if (geometry.type === 'Polygon') return geometry;
	let best: Polygon | null = null;
	let bestArea = -1;
	for (const coordinates of geometry.coordinates) {
		const part: Polygon = { type: 'Polygon', coordinates };
		const a = area(part);
		if (a > bestArea) [best, bestArea] = [part, a];
	}
	return best ?? { type: 'Polygon', coordinates: [] };
}

function latitudeRange(ring: Position[]): [number, number] {
	let min = Infinity;
	let max = -Infinity;
	for (const p of ring) {
		min = Math.min(min, p[1] as number);
		max = Math.max(max, p[1] as number);
	}
	return [min, max];
}

/**
 * The widest interval of the line at latitude `y` inside the polygon (holes included), as its
 * middle and width, or null when the line misses it. An edge counts when one end is at or below
 * the line and the other above (half-open), so a line through a vertex crosses once, not twice.
 */
function widestStretch(rings: Position[][], y: number): { x: number; width: number } | null {
	const xs: number[] = [];
	for (const ring of rings) {
		for (let i = 0; i + 1 < ring.length; i++) {
			const [ax, ay] = ring[i] as [number, number];
			const [bx, by] = ring[i + 1] as [number, number];
			if (ay <= y !== by <= y) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
		}
	}
	xs.sort((a, b) => a - b);
	let best: { x: number; width: number } | null = null;
	for (let i = 0; i + 1 < xs.length; i += 2) {
		const [from, to] = [xs[i] as number, xs[i + 1] as number];
		if (to - from > (best?.width ?? 0)) best = { x: (from + to) / 2, width: to - from };
	}
	return best;
}

export interface PlaceLabel {
	code: string;
	name: string;
	/** [lon, lat], inside the place. */
	at: [number, number];
}

/**
 * The places' labels, the largest places first: when names collide, the larger place keeps its
 * name (it has the room for it, and a small place's name is in the list and the tables).
 */
export function placeLabels(
	features: readonly Feature<Polygon | MultiPolygon, { code: string; name: string }>[]
): PlaceLabel[] {
	return features
		.map((f) => ({
			code: f.properties.code,
			name: f.properties.name,
			at: labelPoint(f.geometry),
			size: area(f.geometry)
		}))
		.sort((a, b) => b.size - a.size || a.code.localeCompare(b.code))
		.map(({ code, name, at }) => ({ code, name, at }));
}

/** A box on screen, in pixels, by its centre. */
export interface ScreenBox {
	id: string;
	x: number;
	y: number;
	width: number;
	height: number;
}

/**
 * Greedy collision in screen space: the boxes are taken in the order given (priority), and one
 * is kept when it lies within the viewport and overlaps neither a box kept before it nor an
 * obstacle (the cluster disks, whose counts must stay readable), `gap` pixels apart. Quadratic,
 * but over at most `limit` kept boxes: a map shows a few dozen names, never thousands.
 */
export function keepApart(
	boxes: readonly ScreenBox[],
	viewport: { width: number; height: number },
	{
		obstacles = [],
		gap = 4,
		limit = 60
	}: { obstacles?: readonly ScreenBox[]; gap?: number; limit?: number } = {}
): string[] {
	const kept: ScreenBox[] = [];
	const overlaps = (a: ScreenBox, b: ScreenBox) =>
		Math.abs(a.x - b.x) * 2 < a.width + b.width + 2 * gap &&
		Math.abs(a.y - b.y) * 2 < a.height + b.height + 2 * gap;
	for (const box of boxes) {
		if (kept.length >= limit) break;
		const inside =
			box.x - box.width / 2 >= 0 &&
			box.x + box.width / 2 <= viewport.width &&
			box.y - box.height / 2 >= 0 &&
			box.y + box.height / 2 <= viewport.height;
		if (!inside) continue;
		if (kept.some((k) => overlaps(k, box)) || obstacles.some((o) => overlaps(o, box))) continue;
		kept.push(box);
	}
	return kept.map((b) => b.id);
}
