import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	coverageGrid,
	type CoverageCell,
	type CoverageCellDetail,
	type CoverageFilter,
	type CoverageStructure
} from '$lib/domain/coverage';
import type { LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import type { Caller } from '$lib/server/auth/principal';
import { applyNeverRules } from '$lib/domain/scenario';
import { getPlaceCatalog } from './places';
import { neverRules } from './rules';
import { requireTerritory } from './scope';
import { REMIT_COLUMNS, remitOf, type RemitRow } from './structures';

export interface ChartStructure extends CoverageStructure {
	name: string;
	mode: 'masse' | 'sur_mesure' | null;
	territoryId: string;
}

/**
 * The structures that cover at least part of a territory, each with the places of the territory
 * it covers (whichever territory imported it: an APA team covering the département counts).
 */
export async function territoryStructures(db: Db, territoryId: string): Promise<ChartStructure[]> {
	const rows = await queryRows<RemitRow & { territory_id: string; places: string[] }>(
		db,
		sql`select ${REMIT_COLUMNS}, s.territory_id,
				array_agg(sc.commune_code order by sc.commune_code) as places
			from structures s
			join structure_communes sc on sc.structure_id = s.id
			join territory_communes tc on tc.commune_code = sc.commune_code and tc.territory_id = ${territoryId}
			group by s.id
			order by s.name`
	);
	return rows.map((r) => ({ ...remitOf(r), territoryId: r.territory_id, places: r.places }));
}

export interface CoverageOptions extends Omit<CoverageFilter, 'places'> {
	/** A commune or arrondissement (INSEE code); a city with arrondissements stands for them. */
	commune?: string;
}

/** The places of a territory, by code. */
export async function territoryPlaces(db: Db, territoryId: string): Promise<string[]> {
	const rows = await queryRows<{ code: string }>(
		db,
		sql`select commune_code as code from territory_communes
			where territory_id = ${territoryId} order by commune_code`
	);
	return rows.map((r) => r.code);
}

/** A cell as the contract gives it, without the pages' detail (the API's documented shape). */
function contractCell({ problem, level, structures, status }: CoverageCell): CoverageCell {
	return { problem, level, structures, status };
}

/**
 * The grid of a territory (or of one of its communes), with the structures it counts. No caller:
 * for the services that checked it already, and the API (which checks its own; see territoryGrid).
 *
 * The places considered are the territory's (or those of the commune within it): an overlap is
 * two structures taking a cell for a same one of them and a same person (coverageGrid). The cells
 * carry the contract's fields; with `detail`, also where each is an overlap or a gap
 * (`overlapPlaces`, `gapPlaces`), for the pages.
 */
export async function territoryCoverage(
	db: Db,
	territoryId: string,
	options: CoverageOptions & { detail: true }
): Promise<{ structures: ChartStructure[]; cells: CoverageCellDetail[] }>;
export async function territoryCoverage(
	db: Db,
	territoryId: string,
	options?: CoverageOptions & { detail?: boolean }
): Promise<{ structures: ChartStructure[]; cells: CoverageCell[] }>;
export async function territoryCoverage(
	db: Db,
	territoryId: string,
	options: CoverageOptions & { detail?: boolean } = {}
): Promise<{ structures: ChartStructure[]; cells: CoverageCell[] }> {
	const { commune, detail, ...rest } = options;
	const [all, inTerritory, never] = await Promise.all([
		territoryStructures(db, territoryId),
		territoryPlaces(db, territoryId),
		neverRules(db, territoryId)
	]);
	let places = inTerritory;
	if (commune) {
		const leaves = new Set((await getPlaceCatalog(db)).leavesOf(commune));
		places = inTerritory.filter((p) => leaves.has(p));
	}
	const filter: CoverageFilter = { ...rest, places };
	// What a structure is never sent for (an agreed rule) is not something it takes: the grid
	// shows the territory as the orientation engine answers it.
	const grid = coverageGrid(applyNeverRules(all, never), filter);
	const counted = new Set(grid.flatMap((c) => c.structures));
	return {
		structures: all.filter((s) => counted.has(s.id)),
		cells: detail ? grid : grid.map(contractCell)
	};
}

/**
 * The grid of a territory, for a caller: a territory outside its scope (or unknown) is
 * `not_found`. Bounded: 64 cells (16 problems × 4 levels), each listing the structures it counts —
 * at most those covering the territory, each once — computed in one pass per cell.
 */
export async function territoryGrid(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: CoverageOptions = {}
): Promise<{ structures: ChartStructure[]; cells: CoverageCell[] }> {
	await requireTerritory(db, caller, territoryId);
	return territoryCoverage(db, territoryId, options);
}

/**
 * Orphan orientations recorded in the territory, per (dominant problem, level). As in the grid, a
 * city with arrondissements stands for them (orientations are recorded on the arrondissement).
 */
export async function orphanCounts(
	db: Db,
	territoryId: string,
	commune?: string
): Promise<{ problem: ProblemCode; level: LevelCode; count: number }[]> {
	let where = sql``;
	if (commune) {
		const places = (await getPlaceCatalog(db)).leavesOf(commune);
		if (places.length === 0) return [];
		where = sql`and commune in (${sql.join(
			places.map((p) => sql`${p}`),
			sql`, `
		)})`;
	}
	return queryRows(
		db,
		sql`select problems[1] as problem, level, count(*)::int as count from orientations
			where territory_id = ${territoryId} and orphan ${where}
			group by problems[1], level`
	);
}
