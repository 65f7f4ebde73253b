import type { Db } from '$lib/server/db/client';
import type { DirectoryQuery } from '$lib/schemas/directory';
import { getPlaceCatalog, searchPlaces, type PlaceSummary } from './geography';
import { searchStructures, type Scope, type StructureListItem } from './structures';
import { listTerritories, type TerritorySummary } from './territories';

export const PAGE_SIZE = 30;

export type PlaceResolution =
	| { status: 'none' }
	| { status: 'found'; place: PlaceSummary }
	| { status: 'ambiguous'; candidates: PlaceSummary[] }
	| { status: 'unknown'; input: string };

/**
 * What a person typed as a place — INSEE code, postal code (13004 ⇒ Marseille 4e) or name —
 * resolved to one place, or to the candidates to choose from.
 */
export async function resolvePlaceInput(
	db: Db,
	input: string | undefined
): Promise<PlaceResolution> {
	if (!input) return { status: 'none' };
	const candidates = await searchPlaces(db, input, 8);
	if (candidates.length === 0) return { status: 'unknown', input };
	if (candidates.length === 1) return { status: 'found', place: candidates[0] as PlaceSummary };
	const normalized = normalize(input);
	const exact = candidates.filter((c) => normalize(c.name) === normalized);
	if (exact.length === 1) return { status: 'found', place: exact[0] as PlaceSummary };
	// "marseille 12" names Marseille 12e Arrondissement when no other candidate starts that way.
	const prefixed = candidates.filter((c) => normalize(c.name).startsWith(normalized));
	if (prefixed.length === 1) return { status: 'found', place: prefixed[0] as PlaceSummary };
	return { status: 'ambiguous', candidates: exact.length > 1 ? exact : candidates };
}

function normalize(text: string): string {
	return text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.toLowerCase()
		.replace(/[-'’]/g, ' ')
		.trim();
}

export interface DirectoryPage {
	total: number;
	items: StructureListItem[];
	page: number;
	pages: number;
	place: PlaceResolution;
	territories: TerritorySummary[];
}

/** The directory: filters from the URL, the place resolved, one page of matching structures. */
export async function browseDirectory(
	db: Db,
	query: DirectoryQuery,
	scope: Scope = null
): Promise<DirectoryPage> {
	const [place, territories] = await Promise.all([
		resolvePlaceInput(db, query.commune),
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
	const { total, items } = territoryKnown
		? await searchStructures(db, {
				q: query.q,
				scope,
				territory: query.territoire,
				kinds: query.type,
				problem: query.probleme,
				level: query.niveau,
				places,
				limit: PAGE_SIZE,
				offset: (query.page - 1) * PAGE_SIZE
			})
		: { total: 0, items: [] };
	return {
		total,
		items,
		page: query.page,
		pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
		place,
		territories
	};
}
