/**
 * The catalogue of places of orientation and the expansion of coverage codes (contract §2):
 * an INSEE code, `dep:XX` or `epci:SIREN`, where the code of a city with municipal arrondissements
 * (Marseille 13055, Lyon 69123, Paris 75056) stands for all of its arrondissements. Matching
 * happens on "leaf" places: arrondissements, and communes that have none.
 */

export interface PlaceRecord {
	code: string;
	name: string;
	kind: 'commune' | 'arrondissement';
	department: string;
	parentCode: string | null;
	epci: string | null;
}

export const INSEE_CODE = /^(?:\d{5}|2[AB]\d{3})$/;
export const COVERAGE_CODE = /^(?:\d{5}|2[AB]\d{3}|dep:(?:\d{2,3}|2[AB])|epci:\d{9})$/;

export type CoverageProblem = { code: string; message: string };

export class PlaceCatalog {
	private readonly byCode = new Map<string, PlaceRecord>();
	private readonly children = new Map<string, string[]>();
	private readonly byDepartment = new Map<string, string[]>();
	private readonly byEpci = new Map<string, string[]>();

	constructor(
		places: readonly PlaceRecord[],
		private readonly names: {
			departments?: ReadonlyMap<string, string>;
			epcis?: ReadonlyMap<string, string>;
		} = {}
	) {
		for (const place of places) this.byCode.set(place.code, place);
		for (const place of places) {
			if (place.parentCode) push(this.children, place.parentCode, place.code);
		}
		for (const place of places) {
			if (this.children.has(place.code)) continue;
			push(this.byDepartment, place.department, place.code);
			// Arrondissements belong to their city's EPCI.
			const epci = place.epci ?? this.byCode.get(place.parentCode ?? '')?.epci;
			if (epci) push(this.byEpci, epci, place.code);
		}
	}

	get(code: string): PlaceRecord | undefined {
		return this.byCode.get(code);
	}

	has(code: string): boolean {
		return this.byCode.has(code);
	}

	/** Arrondissements of a city, or the commune itself. Arrondissements inherit the city's EPCI. */
	leavesOf(code: string): string[] {
		const place = this.byCode.get(code);
		if (!place) return [];
		if (place.kind === 'arrondissement') return [code];
		return this.children.get(code) ?? [code];
	}

	/** Whether this code is a city split into municipal arrondissements. */
	hasArrondissements(code: string): boolean {
		return this.children.has(code);
	}

	/**
	 * Expands coverage codes to the sorted leaf places they stand for, with a problem for every code
	 * that names no known place (so an import can report it against the field).
	 */
	expand(codes: readonly string[]): { places: string[]; problems: CoverageProblem[] } {
		const places = new Set<string>();
		const problems: CoverageProblem[] = [];
		for (const code of codes) {
			let leaves: string[] | undefined;
			if (code.startsWith('dep:')) leaves = this.byDepartment.get(code.slice(4));
			else if (code.startsWith('epci:')) leaves = this.byEpci.get(code.slice(5));
			else if (this.byCode.has(code)) leaves = this.leavesOf(code);
			if (!leaves || leaves.length === 0) {
				problems.push({ code, message: `lieu inconnu : ${code}` });
				continue;
			}
			for (const leaf of leaves) places.add(leaf);
		}
		return { places: [...places].sort(), problems };
	}

	/** A readable label for one coverage code ("Bouches-du-Rhône", not 119 codes). */
	describe(code: string): string {
		if (code.startsWith('dep:')) {
			const dep = code.slice(4);
			const name = this.names.departments?.get(dep);
			return name ? `${name} (département ${dep})` : `Département ${dep}`;
		}
		if (code.startsWith('epci:')) {
			const siren = code.slice(5);
			return this.names.epcis?.get(siren) ?? `Intercommunalité ${siren}`;
		}
		const place = this.byCode.get(code);
		if (!place) return code;
		if (this.hasArrondissements(code)) return `${place.name} (tous les arrondissements)`;
		return `${place.name} (${code})`;
	}
}

function push(map: Map<string, string[]>, key: string, value: string): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}

/** "Marseille 4e Arrondissement (13204)": how links and pickers name a place, unambiguously. */
export function placeLabel(place: { name: string; code: string }): string {
	return `${place.name} (${place.code})`;
}
