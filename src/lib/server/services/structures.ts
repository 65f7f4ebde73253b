import type { Apa, Mode, Remit } from '$lib/domain/remit';
import { and, asc, eq, getTableColumns, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { caseloadHistory, structureCommunes, structures, territories } from '$lib/server/db/schema';
import {
	LEVEL_CODES,
	defaultCoordination,
	levelRank,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import {
	StructureImportSchema,
	STRUCTURE_FIELDS,
	type StructureImport
} from '$lib/schemas/structure';
import { issuesOf } from '$lib/schemas/zod';
import { COVERAGE_CODE } from '$lib/geo/places';
import { getPlaceCatalog, getPlaceIndex, getPlaces, type PlaceSummary } from './geography';
import { territoryExists } from './territories';

export interface ImportIssue {
	/** Row of the file: JSON, 1-based position in the array; CSV, line number (header = 1); 0 = the file. */
	row: number;
	field: string;
	message: string;
}

export class ImportError extends Error {
	constructor(readonly issues: ImportIssue[]) {
		super(
			`Import refusé : ${issues.length} problème(s), rien n’a été écrit.\n` +
				issues
					.slice(0, 50)
					.map((i) =>
						i.row > 0
							? `  ligne ${i.row}, ${i.field} : ${i.message}`
							: `  ${i.field} : ${i.message}`
					)
					.join('\n') +
				(issues.length > 50 ? `\n  … et ${issues.length - 50} autre(s)` : '')
		);
		this.name = 'ImportError';
	}
}

export type ImportMode = 'upsert' | 'replace';

export interface ImportResult {
	territory: string;
	total: number;
	created: number;
	updated: number;
	deleted: number;
}

type StructureRow = typeof structures.$inferInsert;

/** On re-import, every column from the file replaces the stored one (the id and derived ones stay). */
const UPSERT_SET = Object.fromEntries(
	Object.entries(getTableColumns(structures))
		.filter(([key]) => !['id', 'searchText', 'importedAt'].includes(key))
		.map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)])
);

function toRow(territoryId: string, s: StructureImport): StructureRow {
	return {
		id: s.id,
		territoryId,
		name: s.name,
		kind: s.kind,
		finess: s.finess ?? null,
		address: s.address ?? null,
		commune: s.commune ?? null,
		lon: s.lon ?? null,
		lat: s.lat ?? null,
		coverage: s.coverage ?? [],
		coverageGeojson: s.coverage_geojson ?? null,
		problems: s.problems,
		levelMin: s.level_min,
		levelMax: s.level_max,
		mode: s.mode ?? null,
		coordination: s.coordination ?? defaultCoordination(s.kind),
		ageMin: s.age_min ?? null,
		ageMax: s.age_max ?? null,
		apa: s.apa,
		caseloadMax: s.caseload_max ?? null,
		caseloadCurrent: s.caseload_current ?? null,
		phone: s.phone ?? null,
		email: s.email ?? null,
		website: s.website ?? null,
		hours: s.hours ?? null,
		referral: s.referral ?? null,
		updatedAt: s.updated_at ?? null
	};
}

/**
 * Imports structures into a territory (contract §2): the one door for the demo territory, a
 * user's file, the CLI and the API. All or nothing: every record is validated first (schema,
 * known places, ids unique in the file and in the instance); any problem rejects the whole file
 * with the list of {row, field, message}, and nothing is written. Then one transaction writes the
 * structures and their coverage expanded to places. `replace` also removes the territory's
 * structures that the file no longer lists.
 */
export async function importStructures(
	db: Db,
	territoryId: string,
	records: readonly unknown[],
	mode: ImportMode = 'upsert',
	/**
	 * How the file names each record, as parseStructureFile reads it (CSV: the line where the
	 * record starts); by default its 1-based position, as in a JSON array.
	 */
	rows?: readonly number[]
): Promise<ImportResult> {
	const rowOf = (i: number) => rows?.[i] ?? i + 1;
	if (!(await territoryExists(db, territoryId))) {
		throw new ImportError([
			{ row: 0, field: 'territory', message: `territoire inconnu : ${territoryId}` }
		]);
	}
	if (records.length === 0) {
		throw new ImportError([
			{ row: 0, field: 'fichier', message: 'le fichier ne contient aucune structure' }
		]);
	}
	const issues: ImportIssue[] = [];
	const valid: { row: number; data: StructureImport }[] = [];
	records.forEach((record, i) => {
		const parsed = StructureImportSchema.safeParse(record);
		if (parsed.success) valid.push({ row: rowOf(i), data: parsed.data });
		else {
			for (const issue of issuesOf(parsed.error, 'champ inconnu du format d’import')) {
				issues.push({ row: rowOf(i), field: issue.path || '(ligne)', message: issue.message });
			}
		}
	});

	const firstRowOf = new Map<string, number>();
	for (const { row, data } of valid) {
		const first = firstRowOf.get(data.id);
		if (first !== undefined) {
			issues.push({
				row,
				field: 'id',
				message: `identifiant ${data.id} déjà utilisé ligne ${first}`
			});
		} else firstRowOf.set(data.id, row);
	}

	const catalog = await getPlaceCatalog(db);
	// Rows that failed the schema still get their places checked, so one pass lists every problem.
	const validRows = new Set(valid.map((v) => v.row));
	records.forEach((record, i) => {
		const coverage = (record as { coverage?: unknown } | null)?.coverage;
		const row = rowOf(i);
		if (validRows.has(row) || !Array.isArray(coverage)) return;
		// Malformed codes were already reported by the schema; look up the well-formed ones.
		const codes = coverage.filter(
			(c): c is string => typeof c === 'string' && COVERAGE_CODE.test(c)
		);
		for (const problem of catalog.expand(codes).problems) {
			issues.push({ row, field: 'coverage', message: problem.message });
		}
	});
	const needsIndex = valid.some((v) => v.data.coverage_geojson);
	const index = needsIndex ? await getPlaceIndex(db) : null;
	const placesById = new Map<string, string[]>();
	for (const { row, data } of valid) {
		const places = new Set<string>();
		if (data.coverage && data.coverage.length > 0) {
			const expanded = catalog.expand(data.coverage);
			for (const problem of expanded.problems) {
				issues.push({ row, field: 'coverage', message: problem.message });
			}
			for (const place of expanded.places) places.add(place);
		}
		if (data.coverage_geojson && index) {
			const inside = index.intersecting(data.coverage_geojson);
			if (inside.length === 0) {
				issues.push({
					row,
					field: 'coverage_geojson',
					message: 'le polygone ne recouvre aucune commune dont les limites sont chargées'
				});
			}
			for (const place of inside) places.add(place);
		}
		if (data.commune && !catalog.has(data.commune)) {
			issues.push({ row, field: 'commune', message: `commune inconnue : ${data.commune}` });
		}
		placesById.set(data.id, [...places].sort());
	}

	const ids = valid.map((v) => v.data.id);
	if (ids.length > 0) {
		const owned = await db
			.select({ id: structures.id, territoryId: structures.territoryId })
			.from(structures)
			.where(inArray(structures.id, ids));
		for (const other of owned.filter((o) => o.territoryId !== territoryId)) {
			issues.push({
				row: firstRowOf.get(other.id) ?? 0,
				field: 'id',
				message: `l’identifiant ${other.id} appartient déjà au territoire ${other.territoryId}`
			});
		}
	}
	if (issues.length > 0) {
		issues.sort((a, b) => a.row - b.row);
		throw new ImportError(issues);
	}

	const result = await db.transaction(async (tx) => {
		const before = await tx
			.select({
				id: structures.id,
				current: structures.caseloadCurrent,
				max: structures.caseloadMax
			})
			.from(structures)
			.where(eq(structures.territoryId, territoryId));
		const existing = new Set(before.map((r) => r.id));
		const caseloadBefore = new Map(before.map((r) => [r.id, `${r.current}/${r.max}`]));
		let deleted = 0;
		if (mode === 'replace') {
			const gone = await tx
				.delete(structures)
				.where(and(eq(structures.territoryId, territoryId), notInArray(structures.id, ids)))
				.returning({ id: structures.id });
			deleted = gone.length;
		}
		const rows = valid.map((v) => toRow(territoryId, v.data));
		for (let i = 0; i < rows.length; i += 500) {
			const batch = rows.slice(i, i + 500);
			await tx.insert(structures).values(batch).onConflictDoUpdate({
				target: structures.id,
				set: UPSERT_SET
			});
			await tx.delete(structureCommunes).where(
				inArray(
					structureCommunes.structureId,
					batch.map((r) => r.id)
				)
			);
			const pairs = batch.flatMap((r) =>
				(placesById.get(r.id) ?? []).map((communeCode) => ({ structureId: r.id, communeCode }))
			);
			for (let j = 0; j < pairs.length; j += 5000) {
				await tx.insert(structureCommunes).values(pairs.slice(j, j + 5000));
			}
		}
		// The capacity history: a row whenever an import brings a new caseload figure.
		const changed = valid
			.map((v) => v.data)
			.filter(
				(d) =>
					d.caseload_max !== undefined &&
					caseloadBefore.get(d.id) !== `${d.caseload_current ?? null}/${d.caseload_max}`
			);
		if (changed.length > 0) {
			await tx.insert(caseloadHistory).values(
				changed.map((d) => ({
					structureId: d.id,
					current: d.caseload_current ?? null,
					max: d.caseload_max ?? null,
					source: 'import'
				}))
			);
		}
		const created = ids.filter((id) => !existing.has(id)).length;
		return {
			territory: territoryId,
			total: ids.length,
			created,
			updated: ids.length - created,
			deleted
		};
	});
	// PGlite runs no autovacuum: without fresh statistics the planner would scan instead of using
	// the coverage index once a territory grows (measured: 43 ms instead of 1–2 ms a request).
	await db.execute(sql`analyze structures, structure_communes`);
	return result;
}

/* ---------------------------------- Reading ---------------------------------- */

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
}

/** Columns of `RemitRow`, for raw queries on `structures s`. */
export const REMIT_COLUMNS = sql.raw(
	's.id, s.name, s.kind, s.problems, s.level_min, s.level_max, s.coordination, s.mode, s.age_min, s.age_max, s.apa'
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
		apa: r.apa
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
const WORD_SIMILARITY = 0.45;

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

function filterConditions(filters: StructureFilters, terms: SQL[]): SQL[] {
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
		.select({
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
			phone: structures.phone,
			updatedAt: structures.updatedAt,
			lon: structures.lon,
			lat: structures.lat
		})
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
	caseloadCurrent: number | null;
	email: string | null;
	website: string | null;
	hours: string | null;
	referral: string | null;
	communeName: string | null;
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
		caseloadCurrent: s.caseloadCurrent,
		email: s.email,
		website: s.website,
		hours: s.hours,
		referral: s.referral,
		communeName: s.commune ? (catalog.get(s.commune)?.name ?? null) : null
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
		caseload_max: s.caseloadMax,
		caseload_current: s.caseloadCurrent,
		phone: s.phone,
		email: s.email,
		website: s.website,
		hours: s.hours,
		referral: s.referral,
		updated_at: s.updatedAt
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
