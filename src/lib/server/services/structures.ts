import type { Apa, Handicap, Mode, Remit } from '$lib/domain/remit';
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { structureCommunes, structures, territories } from '$lib/server/db/schema';
import {
	LEVEL_CODES,
	levelRank,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import { STRUCTURE_FIELDS, type StructureImport } from '$lib/schemas/structure';
import { caseloadOf } from './caseload';
import { getPlaceCatalog, getPlaces, type PlaceSummary } from './places';

/*
 * The read side of the directory: remits for the engine and the grid, search, one structure,
 * exports. Writing comes through structure-import.ts only.
 */

/** The remit columns of a structure as raw SQL returns them (snake_case). */
export interface RemitRow {
	id: string;
	name: string;
	kind: KindCode;
	problems: ProblemCode[];
	level_min: LevelCode;
	level_max: LevelCode;
	coordination: boolean;
	mode: Mode | null;
	age_min: number | null;
	age_max: number | null;
	apa: Apa;
	handicap: Handicap;
	to_confirm: boolean;
}

/** Columns of `RemitRow`, for raw queries on `structures s`. */
export const REMIT_COLUMNS = sql.raw(
	's.id, s.name, s.kind, s.problems, s.level_min, s.level_max, s.coordination, s.mode, s.age_min, s.age_max, s.apa, s.handicap, s.to_confirm'
);

/** A structure's remit (what the engine, the grid and the chart read), from a raw row. */
export function remitOf(r: RemitRow): Remit {
	return {
		id: r.id,
		name: r.name,
		kind: r.kind,
		problems: r.problems,
		levelMin: r.level_min,
		levelMax: r.level_max,
		coordination: r.coordination,
		mode: r.mode,
		ageMin: r.age_min,
		ageMax: r.age_max,
		apa: r.apa,
		handicap: r.handicap,
		toConfirm: r.to_confirm
	};
}

/** The territories a principal may see; `null` = all (see auth/principal.ts). */
export type Scope = readonly string[] | null;

export interface StructureFilters {
	/** Restricts to structures visible in these territories (imported into one, or covering it). */
	scope?: Scope;
	territory?: string;
	q?: string;
	kinds?: KindCode[];
	problem?: ProblemCode;
	level?: LevelCode;
	/** Leaf place codes: a structure matches when it covers at least one. */
	places?: string[];
	limit?: number;
	offset?: number;
}

/** A structure in a list (directory, card): its remit, where it is and how to reach it. */
export interface StructureListItem extends Omit<Remit, 'mode' | 'problems'> {
	problems: ProblemCode[];
	territoryId: string;
	address: string | null;
	commune: string | null;
	phone: string | null;
	updatedAt: string | null;
	lon: number | null;
	lat: number | null;
}

/** Words of a free-text query, each normalised in SQL like the stored text (lower, unaccent). */
function queryTerms(q: string | undefined): SQL[] {
	const words = (q ?? '')
		.split(/[\s,;:/()'’"-]+/)
		.map((w) => w.trim())
		.filter((w) => w.length >= 2)
		.slice(0, 8);
	return words.map((w) => sql`f_unaccent(lower(${w}))`);
}

// word_similarity ≥ this accepts one or two typos in a word of 6–10 letters ("rozeraie").
export const WORD_SIMILARITY = 0.45;

/**
 * A structure is visible in a set of territories when it was imported into one of them or covers
 * at least one of their places: partners of a territory see who serves it.
 */
function visibleIn(scope: readonly string[]): SQL {
	if (scope.length === 0) return sql`false`;
	return sql`(${structures.territoryId} in ${scope} or exists (select 1 from structure_communes sc
		join territory_communes tc on tc.commune_code = sc.commune_code
		where sc.structure_id = ${structures.id} and tc.territory_id in ${scope}))`;
}

/** The directory's filters as SQL conditions (scope included): one copy, for every search. */
export function filterConditions(filters: StructureFilters, terms: SQL[] = []): SQL[] {
	const where: SQL[] = [];
	if (filters.scope) where.push(visibleIn(filters.scope));
	if (filters.territory) {
		// A territory's directory lists the structures that cover part of it, whichever territory
		// imported them (an APA team covering the whole département appears in each of its territories).
		where.push(sql`exists (select 1 from structure_communes sc join territory_communes tc
			on tc.commune_code = sc.commune_code
			where sc.structure_id = ${structures.id} and tc.territory_id = ${filters.territory})`);
	}
	if (filters.kinds && filters.kinds.length > 0)
		where.push(inArray(structures.kind, filters.kinds));
	if (filters.problem) where.push(sql`${filters.problem} = any(${structures.problems})`);
	if (filters.level) {
		const rank = levelRank(filters.level);
		where.push(inArray(structures.levelMin, LEVEL_CODES.slice(0, rank + 1)));
		where.push(inArray(structures.levelMax, LEVEL_CODES.slice(rank)));
	}
	if (filters.places) {
		where.push(
			filters.places.length === 0
				? sql`false`
				: sql`exists (select 1 from structure_communes sc where sc.structure_id = ${structures.id}
					and sc.commune_code in ${filters.places})`
		);
	}
	// Every word must appear: as a substring, or close enough for a typo (trigram similarity).
	for (const term of terms) {
		where.push(
			sql`(${structures.searchText} like '%' || ${term} || '%' or word_similarity(${term}, ${structures.searchText}) >= ${WORD_SIMILARITY})`
		);
	}
	return where;
}

/** The columns of a StructureListItem. */
export const LIST_COLUMNS = {
	id: structures.id,
	name: structures.name,
	kind: structures.kind,
	territoryId: structures.territoryId,
	address: structures.address,
	commune: structures.commune,
	problems: structures.problems,
	levelMin: structures.levelMin,
	levelMax: structures.levelMax,
	coordination: structures.coordination,
	ageMin: structures.ageMin,
	ageMax: structures.ageMax,
	apa: structures.apa,
	handicap: structures.handicap,
	phone: structures.phone,
	updatedAt: structures.updatedAt,
	toConfirm: structures.toConfirm,
	lon: structures.lon,
	lat: structures.lat
};

export async function searchStructures(
	db: Db,
	filters: StructureFilters
): Promise<{ total: number; items: StructureListItem[] }> {
	const terms = queryTerms(filters.q);
	const where = filterConditions(filters, terms);
	const condition = where.length > 0 ? and(...where) : undefined;
	const [count] = await db
		.select({ total: sql<number>`count(*)::int` })
		.from(structures)
		.where(condition);
	const relevance =
		terms.length > 0
			? sql.join(
					terms.map((term) => sql`word_similarity(${term}, ${structures.searchText})`),
					sql` + `
				)
			: null;
	const items = await db
		.select(LIST_COLUMNS)
		.from(structures)
		.where(condition)
		.orderBy(...(relevance ? [sql`${relevance} desc`] : []), asc(structures.name))
		.limit(filters.limit ?? 50)
		.offset(filters.offset ?? 0);
	return { total: count?.total ?? 0, items: items as StructureListItem[] };
}

export interface StructureDetail extends StructureListItem {
	territoryName: string;
	finess: string | null;
	coverage: { code: string; label: string }[];
	coverageGeojson: unknown;
	places: PlaceSummary[];
	mode: string | null;
	caseloadMax: number | null;
	/** Counted from its accepted orientations when it has members (contract §7), else typed. */
	caseloadCurrent: number | null;
	/** Whether `caseloadCurrent` is counted (the structure has members). */
	caseloadCounted: boolean;
	/** Its orientations on the waiting list. */
	waitlist: number;
	email: string | null;
	website: string | null;
	hours: string | null;
	referral: string | null;
	communeName: string | null;
	/** The register that brought it (`finess`) and the date of that extract. */
	source: string | null;
	sourceDate: string | null;
	confirmedAt: Date | null;
	confirmedBy: string | null;
}

/** One structure, or null when unknown or not visible in the scope (no hint that it exists). */
export async function getStructure(
	db: Db,
	id: string,
	scope: Scope = null
): Promise<StructureDetail | null> {
	const [row] = await db
		.select({ structure: structures, territoryName: territories.name })
		.from(structures)
		.innerJoin(territories, eq(territories.id, structures.territoryId))
		.where(scope ? and(eq(structures.id, id), visibleIn(scope)) : eq(structures.id, id));
	if (!row) return null;
	const s = row.structure;
	const catalog = await getPlaceCatalog(db);
	const placeCodes = await db
		.select({ code: structureCommunes.communeCode })
		.from(structureCommunes)
		.where(eq(structureCommunes.structureId, id));
	const load = await caseloadOf(db, id);
	return {
		...(s as unknown as StructureListItem),
		territoryName: row.territoryName,
		finess: s.finess,
		coverage: s.coverage.map((code) => ({ code, label: catalog.describe(code) })),
		coverageGeojson: s.coverageGeojson,
		places: await getPlaces(
			db,
			placeCodes.map((p) => p.code)
		),
		mode: s.mode,
		caseloadMax: s.caseloadMax,
		caseloadCurrent: load.current,
		caseloadCounted: load.counted,
		waitlist: load.waitlist,
		email: s.email,
		website: s.website,
		hours: s.hours,
		referral: s.referral,
		communeName: s.commune ? (catalog.get(s.commune)?.name ?? null) : null,
		source: s.source,
		sourceDate: s.sourceDate,
		confirmedAt: s.confirmedAt,
		confirmedBy: s.confirmedBy
	};
}

/** A stored structure in the import format (contract §2), empty fields left out. */
export function toImportRecord(s: typeof structures.$inferSelect): StructureImport {
	const record: Record<string, unknown> = {
		id: s.id,
		name: s.name,
		kind: s.kind,
		finess: s.finess,
		address: s.address,
		commune: s.commune,
		lon: s.lon,
		lat: s.lat,
		coverage: s.coverage.length > 0 ? s.coverage : null,
		coverage_geojson: s.coverageGeojson,
		problems: s.problems,
		level_min: s.levelMin,
		level_max: s.levelMax,
		mode: s.mode,
		coordination: s.coordination,
		age_min: s.ageMin,
		age_max: s.ageMax,
		apa: s.apa,
		handicap: s.handicap as Handicap,
		caseload_max: s.caseloadMax,
		caseload_current: s.caseloadCurrent,
		phone: s.phone,
		email: s.email,
		website: s.website,
		hours: s.hours,
		referral: s.referral,
		updated_at: s.updatedAt,
		// Carried only while true (contract §8): confirming clears it.
		to_confirm: s.toConfirm ? true : null
	};
	return Object.fromEntries(
		STRUCTURE_FIELDS.filter((f) => record[f] !== null && record[f] !== undefined).map((f) => [
			f,
			record[f]
		])
	) as StructureImport;
}

/** The territory's structures in the import format, for export (JSON, CSV, GeoJSON). */
export async function exportStructures(db: Db, territoryId: string): Promise<StructureImport[]> {
	const rows = await db
		.select()
		.from(structures)
		.where(eq(structures.territoryId, territoryId))
		.orderBy(asc(structures.id));
	return rows.map(toImportRecord);
}

/** Structures in the import format plus their territory, for the API. */
export async function getStructureRecords(
	db: Db,
	ids: readonly string[]
): Promise<(StructureImport & { territory: string })[]> {
	if (ids.length === 0) return [];
	const rows = await db
		.select()
		.from(structures)
		.where(inArray(structures.id, [...ids]));
	const byId = new Map(rows.map((r) => [r.id, { ...toImportRecord(r), territory: r.territoryId }]));
	return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function countStructuresByKind(db: Db, territoryId: string) {
	return queryRows<{ kind: KindCode; count: number }>(
		db,
		sql`select kind, count(*)::int as count from structures where territory_id = ${territoryId}
			group by kind order by count desc, kind`
	);
}
