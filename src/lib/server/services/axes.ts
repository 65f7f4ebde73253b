import type { Db } from '$lib/server/db/client';
import type { Caller } from '$lib/server/auth/principal';
import type { CoverageCellDetail } from '$lib/domain/coverage';
import { coordinationView, type AxesQuery } from '$lib/schemas/axes';
import { ouiNonValue } from '$lib/schemas/zod';
import { EXPORT_LIMIT } from './bounds';
import { territoryCoverage, orphanCounts } from './coverage';
import { resolvePlaceInput, type PlaceResolution } from './directory';
import { requireTerritory } from './scope';

/** The structures a cell of the chart's table names; beyond, « N de plus » (and the directory). */
export const CELL_NAMES = 20;

/**
 * A cell as a page shows it: its first structures (by id) and how many it counts in all; the
 * first places where it is an overlap, or a gap, and how many there are.
 */
export interface AxesCell extends CoverageCellDetail {
	count: number;
	overlapPlaceCount: number;
	gapPlaceCount: number;
}

/** The filter of the grid from the chart's URL (the page and its exports read the same). */
export function axesFilter(query: AxesQuery) {
	return {
		age: query.age,
		apa: ouiNonValue(query.apa),
		handicap: ouiNonValue(query.handicap),
		kinds: query.type,
		coordinationOnly: coordinationView(query)
	};
}

/**
 * Everything the chart page needs, from its URL filters and view, for a caller of the territory
 * (another territory, or an unknown one, is `not_found`). Bounded: the 64 cells, each naming at
 * most `cellLimit` structures and places (CELL_NAMES for the page, EXPORT_LIMIT at most for the
 * CSV) with their counts; the structures the chart draws, those covering the territory (or the
 * commune); the orphan counts, one per cell at most.
 */
export async function territoryAxes(
	db: Db,
	caller: Caller,
	territoryId: string,
	query: AxesQuery,
	options: { cellLimit?: number } = {}
) {
	await requireTerritory(db, caller, territoryId);
	const cellLimit = Math.max(1, Math.min(options.cellLimit ?? CELL_NAMES, EXPORT_LIMIT));
	const place: PlaceResolution = await resolvePlaceInput(db, query.commune);
	const commune = place.status === 'found' ? place.place.code : undefined;
	const coverage = await territoryCoverage(db, territoryId, {
		commune,
		...axesFilter(query),
		detail: true
	});
	const cells: AxesCell[] = coverage.cells.map((c) => ({
		...c,
		structures: c.structures.slice(0, cellLimit),
		count: c.structures.length,
		overlapPlaces: c.overlapPlaces.slice(0, cellLimit),
		overlapPlaceCount: c.overlapPlaces.length,
		gapPlaces: (c.gapPlaces ?? []).slice(0, cellLimit),
		gapPlaceCount: c.gapPlaces?.length ?? 0
	}));
	const orphans = Object.fromEntries(
		(await orphanCounts(db, territoryId, commune)).map((o) => [`${o.problem}|${o.level}`, o.count])
	);
	return {
		place,
		commune,
		view: coordinationView(query) ? ('coordination' as const) : ('toutes' as const),
		structures: coverage.structures,
		cells,
		orphans
	};
}
