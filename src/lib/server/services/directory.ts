import { and, asc, inArray, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { structures } from '$lib/server/db/schema';
import type { DirectoryQuery } from '$lib/schemas/directory';
import { needGroups, needsOf, type NeedGroup } from '$lib/domain/needs';
import { type KindCode, type ProblemCode } from '$lib/domain/taxonomy';
import {
	arrondissementMatches,
	arrondissementNumber,
	normalizePlaceText,
	parsePlaceQuery,
	placeLabel,
	placeNameTier,
	type PlaceCatalog,
	type PlaceSuggestion
} from '$lib/geo/places';
import { getPlaceCatalog, searchPlaces } from './places';
import {
	LIST_COLUMNS,
	WORD_SIMILARITY,
	filterConditions,
	searchStructures,
	type Scope,
	type StructureFilters,
	type StructureListItem
} from './structures';
import { listTerritories, type TerritorySummary } from './territories';

export type { PlaceSuggestion } from '$lib/geo/places';

export const PAGE_SIZE = 30;

/* ------------------------------ Places typed by a person ------------------------------ */

/** How many places a picker offers; a city typed lists all its arrondissements beyond it. */
export const SUGGESTION_LIMIT = 10;

export interface SuggestOptions {
	/** At most this many suggestions, besides the arrondissements of a city typed (≤ 20, Paris). */
	limit?: number;
	/**
	 * Whether a city split into arrondissements may itself be offered (the directory: « all of
	 * Marseille »). Without it its arrondissements stand in its place (an orientation needs one).
	 */
	cities?: boolean;
}

interface PlaceRow {
	code: string;
	name: string;
	kind: string;
	department: string;
	parentCode: string | null;
	postalCodes: string[];
	population: number | null;
	/** Trigram similarity to the typed name (name searches only). */
	score?: number;
}

const PLACE_ROW = sql.raw(
	'c.code, c.name, c.kind, c.department, c.parent_code as "parentCode", c.postal_codes as "postalCodes", c.population'
);

// Enough candidates for the ranking below to reorder (in-scope first, exact before close).
const CANDIDATES = 40;

async function rowsOf(db: Db, codes: readonly string[]): Promise<PlaceRow[]> {
	if (codes.length === 0) return [];
	const rows = await queryRows<PlaceRow>(
		db,
		sql`select ${PLACE_ROW} from communes c where c.code in ${[...codes]}`
	);
	const byCode = new Map(rows.map((r) => [r.code, r]));
	return codes.flatMap((code) => byCode.get(code) ?? []);
}

/** Places by name, accent-insensitive, typos tolerated (trigram similarity). */
function rowsByName(db: Db, name: string): Promise<PlaceRow[]> {
	// Normalised words joined by `_` (any one character) match « saint-remy » and « l'isle » too.
	const joined = name.replace(/ /g, '_');
	return queryRows<PlaceRow>(
		db,
		sql`select ${PLACE_ROW}, similarity(c.search_name, ${name}) as score
			from communes c
			where c.search_name like ${`%${joined}%`} or c.search_name % ${name}
			order by (c.search_name like ${`${joined}%`}) desc, score desc, c.population desc nulls last
			limit ${CANDIDATES}`
	);
}

/**
 * Places of a postal code: the arrondissement rather than its city (13004 ⇒ Marseille 4e), and
 * every commune that shares it (13100 ⇒ Aix-en-Provence, Beaurecueil, Le Tholonet…).
 */
function rowsByPostalCode(db: Db, postalCode: string): Promise<PlaceRow[]> {
	return queryRows<PlaceRow>(
		db,
		sql`select ${PLACE_ROW} from communes c
			where ${postalCode} = any(c.postal_codes)
			and not exists (select 1 from communes child where child.parent_code = c.code
				and ${postalCode} = any(child.postal_codes))
			order by c.population desc nulls last
			limit ${CANDIDATES}`
	);
}

/** Places with a postal code starting so (« 1300 » ⇒ Marseille 1er… 9e), in postal code order. */
function rowsByPostalPrefix(db: Db, prefix: string): Promise<PlaceRow[]> {
	const pattern = `${prefix}%`;
	return queryRows<PlaceRow>(
		db,
		sql`select ${PLACE_ROW} from communes c,
				lateral (select min(pc) as first from unnest(c.postal_codes) pc where pc like ${pattern}) m
			where m.first is not null
			and not exists (select 1 from communes child where child.parent_code = c.code)
			order by m.first, c.population desc nulls last
			limit ${CANDIDATES}`
	);
}

type Membership = Map<string, { id: string; name: string }[]>;

/** The caller's territories containing each of these places (a city: any of its arrondissements). */
async function membershipOf(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	codes: readonly string[]
): Promise<Membership> {
	const membership: Membership = new Map();
	const leavesOf = new Map(codes.map((code) => [code, catalog.leavesOf(code)]));
	const leaves = [...new Set([...leavesOf.values()].flat())];
	if (leaves.length === 0 || (scope && scope.length === 0)) return membership;
	const rows = await queryRows<{ code: string; id: string; name: string }>(
		db,
		sql`select tc.commune_code as code, t.id, t.name
			from territory_communes tc join territories t on t.id = tc.territory_id
			where tc.commune_code in ${leaves} ${scope ? sql`and t.id in ${[...scope]}` : sql``}
			order by t.name, t.id`
	);
	const byLeaf = new Map<string, { id: string; name: string }[]>();
	for (const row of rows) {
		const list = byLeaf.get(row.code) ?? [];
		list.push({ id: row.id, name: row.name });
		byLeaf.set(row.code, list);
	}
	for (const [code, placeLeaves] of leavesOf) {
		const seen = new Map<string, { id: string; name: string }>();
		for (const leaf of placeLeaves) {
			for (const territory of byLeaf.get(leaf) ?? []) seen.set(territory.id, territory);
		}
		membership.set(code, [...seen.values()]);
	}
	return membership;
}

/**
 * How near a place is to the caller: 0 in one of its territories, 1 in the département of one of
 * them (Saint-Rémy-de-Provence before the other Saint-Rémy for an agent of Marseille), 2 elsewhere.
 */
async function nearnessOf(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	rows: readonly PlaceRow[]
): Promise<(row: PlaceRow) => number> {
	if (scope && scope.length === 0) return () => 2;
	const [membership, departments] = await Promise.all([
		membershipOf(
			db,
			scope,
			catalog,
			rows.map((r) => r.code)
		),
		queryRows<{ department: string }>(
			db,
			sql`select distinct c.department from territory_communes tc
				join communes c on c.code = tc.commune_code
				${scope ? sql`where tc.territory_id in ${[...scope]}` : sql``}`
		)
	]);
	const near = new Set(departments.map((d) => d.department));
	return (row) =>
		(membership.get(row.code)?.length ?? 0) > 0 ? 0 : near.has(row.department) ? 1 : 2;
}

function toSuggestion(row: PlaceRow, catalog: PlaceCatalog, membership: Membership) {
	return {
		code: row.code,
		name: row.name,
		kind: row.kind,
		department: row.department,
		departmentName: catalog.departmentName(row.department),
		postalCodes: row.postalCodes,
		parentCode: row.parentCode,
		city: catalog.hasArrondissements(row.code),
		label: placeLabel(row),
		territories: membership.get(row.code) ?? []
	} satisfies PlaceSuggestion;
}

/** Places as suggestions, with the caller's territories that contain each. */
async function suggestionsOf(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	rows: PlaceRow[]
): Promise<PlaceSuggestion[]> {
	const membership = await membershipOf(
		db,
		scope,
		catalog,
		rows.map((r) => r.code)
	);
	return rows.map((row) => toSuggestion(row, catalog, membership));
}

/** The arrondissements of a city in their order (1er, 2e… ; their codes sort the same way). */
function arrondissementsOf(catalog: PlaceCatalog, city: string): string[] {
	return catalog.hasArrondissements(city) ? catalog.leavesOf(city).sort() : [];
}

const byPopulation = (a: PlaceRow, b: PlaceRow) => (b.population ?? 0) - (a.population ?? 0);

/**
 * Places matching what a person types, best first: a name (typos, missing accents, « st »
 * tolerated), a name with an arrondissement number (« marseile 4 », « 4e », « Lyon 3e arr. »), a
 * postal code (13004 ⇒ Marseille 4e; a code shared by several communes ⇒ all of them), its first
 * digits, an INSEE code, or a label « Nom (13204) ». A city split into arrondissements brings
 * them all, in order. Within a same quality of match, the places nearest the caller come first
 * (its territories, then their départements); each suggestion says which of the caller's
 * territories contain it (none: outside them).
 */
export async function suggestPlaces(
	db: Db,
	scope: Scope,
	input: string,
	options: SuggestOptions = {}
): Promise<PlaceSuggestion[]> {
	const limit = options.limit ?? SUGGESTION_LIMIT;
	const query = parsePlaceQuery(input.slice(0, 100));
	const catalog = await getPlaceCatalog(db);
	let rows: PlaceRow[];
	switch (query.type) {
		case 'empty':
			return [];
		case 'labelled':
		case 'insee':
			rows = await rowsOf(db, [query.code]);
			break;
		case 'digits': {
			// A postal code first (what a front desk types), then the INSEE code if it is another place.
			const postal = await rowsByPostalCode(db, query.digits);
			const insee = postal.some((r) => r.code === query.digits)
				? []
				: await rowsOf(db, [query.digits]);
			rows = [...(await nearestFirst(db, scope, catalog, postal)), ...insee];
			break;
		}
		case 'postal-prefix':
			rows = await rowsByPostalPrefix(db, query.prefix);
			break;
		case 'name':
			rows = query.arrondissement
				? await rowsOfArrondissement(db, scope, catalog, query.name, query.arrondissement)
				: [];
			if (rows.length === 0 && query.name !== '') {
				rows = await rankByName(db, scope, catalog, await rowsByName(db, query.name), query.name);
			}
			if (rows.length === 0 && query.arrondissement) {
				// « saint 4 »: no city of that name has arrondissements; read it all as a name.
				const whole = normalizePlaceText(input);
				rows = await rankByName(db, scope, catalog, await rowsByName(db, whole), whole);
			}
			break;
	}
	const chosen = await withArrondissements(db, catalog, rows, limit, options.cities ?? false);
	return suggestionsOf(db, scope, catalog, chosen);
}

/** The places nearest the caller first (its territories, then their départements), else in order. */
async function nearestFirst(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	rows: PlaceRow[]
): Promise<PlaceRow[]> {
	if (rows.length < 2) return rows;
	const nearness = await nearnessOf(db, scope, catalog, rows);
	return [...rows].sort((a, b) => nearness(a) - nearness(b));
}

/**
 * Name matches ranked: the same name or its start, then a word of it, then inside it, then only
 * close; within each, the nearest to the caller first (see nearnessOf), then the same name, then
 * the most populous (the closest for typos).
 */
async function rankByName(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	rows: PlaceRow[],
	typed: string
): Promise<PlaceRow[]> {
	const nearness = await nearnessOf(db, scope, catalog, rows);
	const ranked = rows.map((row) => {
		const tier = placeNameTier(normalizePlaceText(row.name), typed);
		return { row, tier, group: tier <= 1 ? 0 : tier, near: nearness(row) };
	});
	ranked.sort(
		(a, b) =>
			a.group - b.group ||
			a.near - b.near ||
			a.tier - b.tier ||
			(a.tier === 4 ? (b.row.score ?? 0) - (a.row.score ?? 0) : 0) ||
			byPopulation(a.row, b.row) ||
			(b.row.score ?? 0) - (a.row.score ?? 0)
	);
	return ranked.map((r) => r.row);
}

/** « marseile 4 » ⇒ Marseille 4e; « 4e » ⇒ the 4th arrondissement of each city, yours first. */
async function rowsOfArrondissement(
	db: Db,
	scope: Scope,
	catalog: PlaceCatalog,
	name: string,
	typed: { number: number; exact: boolean }
): Promise<PlaceRow[]> {
	let cities: string[];
	if (name === '') cities = catalog.cities();
	else {
		const named = (await rowsByName(db, name)).filter((r) => catalog.hasArrondissements(r.code));
		cities = (await rankByName(db, scope, catalog, named, name)).map((r) => r.code);
	}
	const codes = cities.flatMap((city) =>
		arrondissementsOf(catalog, city).filter((code) => {
			const number = arrondissementNumber(catalog.get(code)?.name ?? '');
			return number !== null && arrondissementMatches(number, typed);
		})
	);
	const rows = await rowsOf(db, codes);
	const nearness = await nearnessOf(db, scope, catalog, rows);
	const numberOf = (r: PlaceRow) => arrondissementNumber(r.name) ?? 0;
	const cityRank = (r: PlaceRow) => cities.indexOf(r.parentCode ?? '');
	return rows.sort(
		(a, b) =>
			Number(numberOf(a) !== typed.number) - Number(numberOf(b) !== typed.number) ||
			// A city named: its order; « 4e » alone: the nearest first, then the most populous.
			(name === '' ? nearness(a) - nearness(b) : cityRank(a) - cityRank(b)) ||
			numberOf(a) - numberOf(b) ||
			byPopulation(a, b)
	);
}

/**
 * The suggestions to show: at most `limit`, but a city split into arrondissements brings all of
 * them right after it (once), and stands itself only when `cities` allows it.
 */
async function withArrondissements(
	db: Db,
	catalog: PlaceCatalog,
	rows: PlaceRow[],
	limit: number,
	cities: boolean
): Promise<PlaceRow[]> {
	const chosen: PlaceRow[] = [];
	const seen = new Set<string>();
	let bound = limit;
	let expanded = false;
	const push = (row: PlaceRow) => {
		if (seen.has(row.code)) return;
		seen.add(row.code);
		chosen.push(row);
	};
	for (const row of rows) {
		if (chosen.length >= bound) break;
		if (!catalog.hasArrondissements(row.code)) {
			push(row);
			continue;
		}
		if (cities) push(row);
		if (expanded) continue;
		expanded = true;
		for (const part of await rowsOf(db, arrondissementsOf(catalog, row.code))) push(part);
		bound = Math.max(bound, chosen.length);
	}
	return chosen.slice(0, bound);
}

export type PlaceResolution =
	| { status: 'none' }
	| {
			status: 'found';
			place: PlaceSuggestion;
			/** For a city split into arrondissements, all of them (an orientation needs one). */
			arrondissements: PlaceSuggestion[];
	  }
	| { status: 'ambiguous'; candidates: PlaceSuggestion[] }
	/** Nothing matched; `candidates` are the closest places (« vouliez-vous dire… »), maybe none. */
	| { status: 'unknown'; input: string; candidates: PlaceSuggestion[] };

/**
 * What a person typed as a place — INSEE code, postal code (13004 ⇒ Marseille 4e) or name —
 * resolved to one place, or to the candidates to choose from: ranked as the picker ranks them
 * (suggestPlaces), so « marseile 4 » offers Marseille 4e first and « Marseille » its
 * arrondissements. `scope` says which of the caller's territories contain each.
 */
export async function resolvePlaceInput(
	db: Db,
	input: string | undefined,
	scope: Scope = null,
	options: Pick<SuggestOptions, 'cities'> = {}
): Promise<PlaceResolution> {
	if (!input) return { status: 'none' };
	const catalog = await getPlaceCatalog(db);
	const matches = await searchPlaces(db, input, 8);
	const found = pickOne(matches, input);
	if (found) {
		const parts = arrondissementsOf(catalog, found.code);
		const [place, ...arrondissements] = await suggestionsOf(
			db,
			scope,
			catalog,
			await rowsOf(db, [found.code, ...parts])
		);
		if (place) return { status: 'found', place, arrondissements };
	}
	const candidates = await suggestPlaces(db, scope, input, options);
	if (matches.length === 0 && candidates.length === 0) {
		return { status: 'unknown', input, candidates: [] };
	}
	if (matches.length === 0) return { status: 'unknown', input, candidates };
	return { status: 'ambiguous', candidates };
}

/** The one place a search designates, as before the picker: the only one, same name, or start. */
function pickOne<T extends { name: string }>(candidates: T[], input: string): T | undefined {
	if (candidates.length === 1) return candidates[0];
	const typed = normalizePlaceText(input);
	const exact = candidates.filter((c) => normalizePlaceText(c.name) === typed);
	if (exact.length === 1) return exact[0];
	if (exact.length > 1) return undefined;
	// "marseille 12" names Marseille 12e Arrondissement when no other candidate starts that way.
	const prefixed = candidates.filter((c) => normalizePlaceText(c.name).startsWith(typed));
	return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * What to tell a caller scoped to territories about a place outside all of them (contract §3: it
 * cannot orient a person living there), or null when the place is in one of them, unknown, or the
 * caller acts on every territory. Says where to turn, without naming the other territories.
 */
export async function outsideScopeMessage(
	db: Db,
	scope: Scope,
	placeCode: string
): Promise<string | null> {
	if (scope === null) return null;
	const catalog = await getPlaceCatalog(db);
	const [row] = await rowsOf(db, [placeCode]);
	if (!row) return null;
	const [place] = await suggestionsOf(db, scope, catalog, [row]);
	if (!place || place.territories.length > 0) return null;
	const [yours, everywhere] = await Promise.all([
		listTerritories(db, scope),
		membershipOf(db, null, catalog, [placeCode])
	]);
	return outsideScopeText(
		place,
		yours.map((t) => t.name),
		(everywhere.get(placeCode)?.length ?? 0) > 0
	);
}

/** The message of {@link outsideScopeMessage}, from what it found. */
export function outsideScopeText(
	place: Pick<PlaceSuggestion, 'name' | 'code' | 'department' | 'departmentName'>,
	yourTerritories: readonly string[],
	coveredElsewhere: boolean
): string {
	const where = `${place.name} (${place.code})`;
	const department = place.departmentName
		? `${place.departmentName}, ${place.department}`
		: place.department;
	const first =
		yourTerritories.length > 0
			? `${where} n’appartient à aucun de vos territoires (${yourTerritories.join(', ')}).`
			: `${where} : votre compte n’a accès à aucun territoire.`;
	const turnTo = `orientez la personne vers le service social (CCAS) de sa commune ou les services du département (${department})`;
	return coveredElsewhere
		? `${first} Un autre territoire de Bon Tiers le couvre : ${turnTo}, ou demandez à un pilote l’accès à ce territoire.`
		: `${first} Aucun territoire de Bon Tiers ne le couvre : ${turnTo}, ou demandez à un pilote de l’ajouter à un territoire.`;
}

/* ------------------------------------- Directory ------------------------------------- */

export interface DirectoryPage {
	total: number;
	items: StructureListItem[];
	page: number;
	pages: number;
	place: PlaceResolution;
	territories: TerritorySummary[];
	/** The problems and kinds the text search named (« tutelle » ⇒ protection juridique, MJPM). */
	needs: { problems: ProblemCode[]; kinds: KindCode[] };
}

/** The directory: filters from the URL, the place resolved, one page of matching structures. */
export async function browseDirectory(
	db: Db,
	query: DirectoryQuery,
	scope: Scope = null
): Promise<DirectoryPage> {
	const [place, territories] = await Promise.all([
		resolvePlaceInput(db, query.commune, scope, { cities: true }),
		listTerritories(db, scope)
	]);
	const territoryKnown = !query.territoire || territories.some((t) => t.id === query.territoire);
	let places: string[] | undefined;
	if (place.status === 'found') {
		places = (await getPlaceCatalog(db)).leavesOf(place.place.code);
	} else if (place.status !== 'none') {
		// An unresolved place filters nothing in: better no result than results for elsewhere.
		places = [];
	}
	const filters: StructureFilters = {
		q: query.q,
		scope,
		territory: query.territoire,
		kinds: query.type,
		problem: query.probleme,
		level: query.niveau,
		places,
		limit: PAGE_SIZE,
		offset: (query.page - 1) * PAGE_SIZE
	};
	const groups = needGroups(query.q);
	const { total, items } = !territoryKnown
		? { total: 0, items: [] }
		: groups.length > 0
			? await searchDirectory(db, filters, groups)
			: await searchStructures(db, filters);
	return {
		total,
		items,
		page: query.page,
		pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
		place,
		territories,
		needs: needsOf(query.q)
	};
}

function wordIn(column: SQL, word: string): SQL {
	const term = sql`f_unaccent(lower(${word}))`;
	return sql`(${column} like '%' || ${term} || '%' or word_similarity(${term}, ${column}) >= ${WORD_SIMILARITY})`;
}

/**
 * The directory's text search: every part of the query (a word, or a synonym phrase) must be in
 * the structure's text (name, address, FINESS, referral — accents and typos tolerated) or name one
 * of its problems or its kind, so « logement » finds the CCAS and « tutelle » the MJPM. Structures
 * whose name has every word come first, then those whose text has them, then those found by need.
 * The other filters are those of searchStructures.
 */
async function searchDirectory(
	db: Db,
	filters: StructureFilters,
	groups: NeedGroup[]
): Promise<{ total: number; items: StructureListItem[] }> {
	const text = sql`${structures.searchText}`;
	const name = sql`f_unaccent(lower(${structures.name}))`;
	const words = groups.flatMap((g) => g.words);
	const parts = groups.map((group) => {
		const alternatives: SQL[] = [and(...group.words.map((w) => wordIn(text, w))) as SQL];
		if (group.kinds.length > 0) alternatives.push(inArray(structures.kind, group.kinds));
		for (const problem of group.problems) {
			alternatives.push(sql`${problem} = any(${structures.problems})`);
		}
		return or(...alternatives) as SQL;
	});
	const condition = and(...filterConditions(filters), ...parts);
	const inName = and(...words.map((w) => sql`${name} like '%' || f_unaccent(lower(${w})) || '%'`));
	const inText = and(...words.map((w) => wordIn(text, w)));
	const relevance = sql.join(
		words.map((w) => sql`word_similarity(f_unaccent(lower(${w})), ${text})`),
		sql` + `
	);
	const [count] = await db
		.select({ total: sql<number>`count(*)::int` })
		.from(structures)
		.where(condition);
	const items = await db
		.select(LIST_COLUMNS)
		.from(structures)
		.where(condition)
		.orderBy(
			sql`case when ${inName} then 0 when ${inText} then 1 else 2 end`,
			sql`${relevance} desc`,
			asc(structures.name)
		)
		.limit(filters.limit ?? PAGE_SIZE)
		.offset(filters.offset ?? 0);
	return { total: count?.total ?? 0, items: items as StructureListItem[] };
}
