import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	coverageGrid,
	type CoverageCell,
	type CoverageFilter,
	type CoverageStructure
} from '$lib/domain/coverage';
import type { LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import type { Caller } from '$lib/server/auth/principal';
import { getPlaceCatalog } from './places';
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

/**
 * The grid of a territory (or of one of its communes), with the structures it counts. No caller:
 * for the services that checked it already, and the API (which checks its own; see territoryGrid).
 */
export async function territoryCoverage(
	db: Db,
	territoryId: string,
	options: CoverageOptions = {}
): Promise<{ structures: ChartStructure[]; cells: CoverageCell[] }> {
	const all = await territoryStructures(db, territoryId);
	const places = options.commune
		? (await getPlaceCatalog(db)).leavesOf(options.commune)
		: undefined;
	const filter: CoverageFilter = { ...options, places };
	const cells = coverageGrid(all, filter);
	const counted = new Set(cells.flatMap((c) => c.structures));
	return { structures: all.filter((s) => counted.has(s.id)), cells };
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
