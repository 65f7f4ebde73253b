import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The demo territory as shipped: the server loads this file on first start, so the tests derive
 * what the pages must show from it rather than from hard-coded lists.
 */

export interface DemoStructure {
	id: string;
	name: string;
	kind: string;
	address?: string;
	commune?: string;
	coverage?: string[];
	coverage_geojson?: unknown;
	problems: string[];
	level_min: string;
	level_max: string;
	age_min?: number;
	age_max?: number;
	phone?: string;
	hours?: string;
	email?: string;
	website?: string;
}

const DEMO_FILE = fileURLToPath(
	new URL('../../src/lib/server/seed/demo-marseille-4-12.json', import.meta.url)
);

export const DEMO_TERRITORY_ID = 'marseille-4-12';

export const demoStructures: DemoStructure[] = JSON.parse(
	fs.readFileSync(DEMO_FILE, 'utf8')
) as DemoStructure[];

/** Lower case without accents nor punctuation, as a person types a search. */
export function plain(text: string): string {
	return text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, ' ')
		.trim();
}

export function demoStructure(
	predicate: (s: DemoStructure) => boolean,
	what: string
): DemoStructure {
	const found = demoStructures.find(predicate);
	if (!found) throw new Error(`aucune structure de démonstration : ${what}`);
	return found;
}

/**
 * Whether the structure's coverage list certainly includes the place `code` of the commune
 * `commune` in département `department` (an arrondissement is covered by its city's code and its
 * département's). `undefined` when the coverage is a polygon, which only the server resolves.
 */
export function coversExplicitly(
	s: DemoStructure,
	place: { code: string; commune: string; department: string }
): boolean | undefined {
	const codes = s.coverage ?? [];
	if (
		codes.some((c) => c === place.code || c === place.commune || c === `dep:${place.department}`)
	) {
		return true;
	}
	// A polygon, or a code of a grouping (EPCI…), is resolved to places by the server only.
	const unknownKind = codes.some((c) => !/^(\d[\dAB]\d{3}|dep:\w+)$/.test(c));
	return s.coverage_geojson || unknownKind ? undefined : false;
}
