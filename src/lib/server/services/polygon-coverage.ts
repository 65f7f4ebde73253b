import { and, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { structures } from '$lib/server/db/schema';
import { pointInArea, type Area } from '$lib/geo/area-coverage';
import { bboxOf, type Bbox } from '$lib/geo/place-index';

/**
 * Structures drawn as a polygon (`coverage_geojson`) cover a point only where the polygon is:
 * structure_communes lists every place the polygon intersects (flagging with `partial` those it
 * takes only partly), and this tells, for a located request, which of them really contain it.
 */

interface CachedArea {
	/** md5 of the stored polygon: a re-import by any process changes it (imported_at does not). */
	digest: string;
	geometry: Area;
	bbox: Bbox;
}

// Parsed polygons kept per database and structure, so a request fetches only their digests; a
// polygon is fetched again when its digest changes. Bounded by the structures that have one.
const caches = new WeakMap<Db, Map<string, CachedArea>>();
const MAX_CACHED = 20_000;

const digest = sql<string>`md5(${structures.coverageGeojson}::text)`;

/**
 * Among the given structures, those that have a coverage polygon containing the WGS84 point
 * (its border included). Structures covering by codes are never in the answer: ask only about
 * the ones whose place of the request is flagged partial, or all of them, alike.
 */
export async function pointCoverage(
	db: Db,
	structureIds: readonly string[],
	lon: number,
	lat: number
): Promise<Set<string>> {
	const covering = new Set<string>();
	const ids = [...new Set(structureIds)];
	if (ids.length === 0) return covering;
	const withPolygon = and(inArray(structures.id, ids), isNotNull(structures.coverageGeojson));
	const current = await db
		.select({ id: structures.id, digest })
		.from(structures)
		.where(withPolygon);
	let cache = caches.get(db);
	if (!cache || cache.size > MAX_CACHED) {
		cache = new Map();
		caches.set(db, cache);
	}
	const stale = current.filter((row) => cache.get(row.id)?.digest !== row.digest).map((r) => r.id);
	if (stale.length > 0) {
		const fetched = await db
			.select({ id: structures.id, digest, geometry: structures.coverageGeojson })
			.from(structures)
			.where(and(inArray(structures.id, stale), isNotNull(structures.coverageGeojson)));
		for (const row of fetched) {
			if (!row.geometry) continue;
			cache.set(row.id, { digest: row.digest, geometry: row.geometry, bbox: bboxOf(row.geometry) });
		}
	}
	for (const { id } of current) {
		const area = cache.get(id);
		if (!area) continue;
		const [west, south, east, north] = area.bbox;
		if (lon < west || lon > east || lat < south || lat > north) continue;
		if (pointInArea(area.geometry, lon, lat)) covering.add(id);
	}
	return covering;
}
