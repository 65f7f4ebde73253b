import { sql } from 'drizzle-orm';
import type { TerritoryRule } from '$lib/domain/recommendation';
import { RemitIndex, type IndexedStructure } from '$lib/domain/remit-index';
import { queryRows, type Db } from '$lib/server/db/client';
import { isWatched } from '$lib/server/db/notify';
import { DerivedCache } from './derived-cache';
import { REMIT_COLUMNS, remitOf, type RemitRow } from './structures';

/**
 * The remit index and the caseloads of this process, per database (issue 17): built from the
 * database once, shared by every request, dropped when a write commits (here or on another
 * server: db/notify.ts) and built again by the next request that needs it (DerivedCache: a build
 * overtaken by a drop is not kept for the requests after it, and a request reads one whole
 * index, never a half-updated one; the requests arriving while the index builds wait for that
 * one build).
 */
const remitIndexes = new DerivedCache<RemitIndex>(['remit'], 1);
const caseloads = new DerivedCache<Map<string, number>>(['caseload'], 1);

type StructureRow = RemitRow & {
	territory_id: string;
	caseload_max: number | null;
	caseload_current: number | null;
	updated_at: string | Date | null;
};

/** The dates as loadCandidates gives them: a day, whichever driver read it. */
export function dayOf(value: string | Date | null): string | null {
	return value instanceof Date ? value.toISOString().slice(0, 10) : value;
}

async function buildIndex(db: Db): Promise<RemitIndex> {
	// One snapshot: the structures' numbers in the coverage are their ranks in the first query.
	return db.transaction(
		async (tx) => {
			const structureRows = await queryRows<StructureRow>(
				tx as unknown as Db,
				sql`select ${REMIT_COLUMNS}, s.territory_id, s.caseload_max, s.caseload_current, s.updated_at
					from structures s order by s.id`
			);
			// By structure, the communes as one string: the fewest rows and values to read (2.4
			// million pairs on the national set).
			const coverageRows = await queryRows<{
				id: string;
				communes: string;
				partial: string | null;
			}>(
				tx as unknown as Db,
				sql`select structure_id as id, string_agg(commune_code, ',') as communes,
						string_agg(commune_code, ',') filter (where partial) as partial
					from structure_communes group by structure_id`
			);
			const territoryRows = await queryRows<{ id: string; name: string; communes: string | null }>(
				tx as unknown as Db,
				sql`select t.id, t.name,
						(select string_agg(tc.commune_code, ',') from territory_communes tc where tc.territory_id = t.id) as communes
					from territories t order by t.id`
			);
			const ruleRows = await queryRows<{
				id: string;
				territory_id: string;
				effect: TerritoryRule['effect'];
				structure_id: string;
				problem: TerritoryRule['problem'];
				level: TerritoryRule['level'];
				commune: string | null;
				reason: string;
			}>(
				tx as unknown as Db,
				sql`select id, territory_id, effect, structure_id, problem, level, commune, reason
					from territory_rules where removed_at is null order by created_at, id`
			);
			const coverage = new Map(coverageRows.map((r) => [r.id, r]));
			const structures: IndexedStructure[] = structureRows.map((r) => ({
				remit: remitOf(r),
				territoryId: r.territory_id,
				caseloadMax: r.caseload_max,
				typedCaseload: r.caseload_current,
				updatedAt: dayOf(r.updated_at)
			}));
			return new RemitIndex({
				structures,
				coverage: structures.map((st) => {
					const row = coverage.get(st.remit.id);
					return {
						communes: row ? row.communes.split(',') : [],
						partial: row?.partial ? new Set(row.partial.split(',')) : null
					};
				}),
				territories: territoryRows.map((t) => ({
					id: t.id,
					name: t.name,
					communes: t.communes ? t.communes.split(',') : []
				})),
				rules: ruleRows.map((r) => ({
					id: r.id,
					territoryId: r.territory_id,
					effect: r.effect,
					structureId: r.structure_id,
					problem: r.problem,
					level: r.level,
					commune: r.commune,
					reason: r.reason
				}))
			});
		},
		{ isolationLevel: 'repeatable read', accessMode: 'read only' }
	);
}

/**
 * Situations followed by each structure that has members (contract §7: counted from its
 * accepted orientations; a structure without members keeps its typed figure, in the index).
 */
async function buildCaseloads(db: Db): Promise<Map<string, number>> {
	const rows = await queryRows<{ id: string; n: number }>(
		db,
		sql`select m.structure_id as id,
				(select count(*)::int from orientations o where o.structure_id = m.structure_id and o.status = 'accepted') as n
			from (select distinct structure_id from structure_members) m`
	);
	return new Map(rows.map((r) => [r.id, r.n]));
}

/**
 * The index of this database, or null when the database cannot say when it changes (a handle
 * not opened by openDatabase): the caller then reads the database itself.
 */
export function getRemitIndex(db: Db): Promise<RemitIndex> | null {
	if (!isWatched(db)) return null;
	return remitIndexes.get(db, 'index', () => buildIndex(db));
}

export function getCaseloads(db: Db): Promise<Map<string, number>> | null {
	if (!isWatched(db)) return null;
	return caseloads.get(db, 'caseloads', () => buildCaseloads(db));
}

/** The caseload the engine reads (caseload.ts `caseloadSql`). */
export function caseloadOfIndexed(
	s: IndexedStructure,
	counted: Map<string, number>
): number | null {
	return counted.get(s.remit.id) ?? s.typedCaseload;
}
