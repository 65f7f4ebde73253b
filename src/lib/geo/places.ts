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
			/**
			 * The current commune that absorbed a merged one (delegated or associated commune), so
			 * that data written with the codes of an older year (FINESS, an old boundary file) still
			 * lands on the right place.
			 */
			absorbed?: (code: string) => string | null;
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

	/** The known place a code names: itself, or the commune that absorbed it since; else null. */
	current(code: string): string | null {
		if (this.byCode.has(code)) return code;
		const absorbing = this.names.absorbed?.(code) ?? null;
		return absorbing && this.byCode.has(absorbing) ? absorbing : null;
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

	/** The cities split into municipal arrondissements (Paris, Lyon, Marseille). */
	cities(): string[] {
		return [...this.children.keys()].sort();
	}

	/** The name of a département (« Bouches-du-Rhône »), when known. */
	departmentName(department: string): string | null {
		return this.names.departments?.get(department) ?? null;
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
			else {
				const current = this.current(code);
				if (current) leaves = this.leavesOf(current);
			}
			if (!leaves || leaves.length === 0) {
				problems.push({ code, message: `lieu inconnu : ${code}` });
				continue;
			}
			for (const leaf of leaves) places.add(leaf);
		}
		return { places: [...places].sort(), problems };
	}

	/**
	 * The départements and EPCIs that hold these places (a city, through its arrondissements), as
	 * coverage codes, sorted: what a coverage picker offers beside single communes.
	 */
	groupsOf(codes: readonly string[]): { departments: string[]; epcis: string[] } {
		const departments = new Set<string>();
		const epcis = new Set<string>();
		for (const code of codes) {
			const current = this.current(code);
			if (!current) continue;
			for (const leaf of this.leavesOf(current)) {
				const place = this.byCode.get(leaf);
				if (!place) continue;
				departments.add(`dep:${place.department}`);
				const epci = place.epci ?? this.byCode.get(place.parentCode ?? '')?.epci;
				if (epci) epcis.add(`epci:${epci}`);
			}
		}
		return { departments: [...departments].sort(), epcis: [...epcis].sort() };
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
		const current = this.current(code);
		const place = current ? this.byCode.get(current) : undefined;
		if (!current || !place) return code;
		if (current !== code) return `${place.name} (${current}, ancienne commune ${code})`;
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

/* ------------------------- What a person types as a place ------------------------- */

/**
 * A place offered to someone typing one (the place picker, « vouliez-vous dire… »): enough to
 * tell two Saint-Rémy apart on the phone, and whether it lies in the caller's territories.
 */
export interface PlaceSuggestion {
	code: string;
	name: string;
	kind: string;
	department: string;
	departmentName: string | null;
	postalCodes: string[];
	/** For an arrondissement, the code of its city (13055). */
	parentCode: string | null;
	/** A city split into arrondissements (13055 Marseille): it stands for all of them. */
	city: boolean;
	/** What a picker writes in the field: « Nom (code) », which the server reads back exactly. */
	label: string;
	/** The caller's territories that contain the place (for a city, any of its arrondissements). */
	territories: { id: string; name: string }[];
}

/**
 * Lower case, no accents, every run of punctuation a single space, « st »/« ste » spelt out:
 * « Saint-Rémy-de-Provence », « st remy de provence » and « ST RÉMY » read the same.
 */
export function normalizePlaceText(text: string): string {
	return text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.toLowerCase()
		.replace(/œ/g, 'oe')
		.replace(/æ/g, 'ae')
		.replace(/[^a-z0-9]+/g, ' ')
		.trim()
		.split(' ')
		.map((word) => SAINTS[word] ?? word)
		.join(' ');
}

const SAINTS: Record<string, string> = {
	st: 'saint',
	ste: 'sainte',
	sts: 'saints',
	stes: 'saintes'
};

/** How a text typed as a place reads. */
export type PlaceQuery =
	| { type: 'empty' }
	/** « Marseille 4e Arrondissement (13204) », as a picker writes it: that exact place. */
	| { type: 'labelled'; code: string }
	/** Five digits: a postal code (13004 ⇒ Marseille 4e), else an INSEE code (13004 Arles). */
	| { type: 'digits'; digits: string }
	/** Three or four digits: the start of a postal code, being typed. */
	| { type: 'postal-prefix'; prefix: string }
	/** A Corsican INSEE code (2A004). */
	| { type: 'insee'; code: string }
	/**
	 * A name, normalised; with an arrondissement number (« marseille 4 », « 4e », « 12e arr. de
	 * Lyon »): `exact` when the number is complete (a suffix, two digits or the word
	 * « arrondissement »), else it may be the start of a longer one (« marseille 1 » ⇒ 1er, 10e…).
	 */
	| { type: 'name'; name: string; arrondissement: { number: number; exact: boolean } | null };

const LABELLED = /\((\d{5}|2[AB]\d{3})\)\s*$/i;
const ARRONDISSEMENT_NUMBER = /^(\d{1,2})(e|er|ere|re|eme|ieme|em|me)?$/;
const SUFFIXES = new Set(['e', 'er', 'ere', 're', 'eme', 'ieme', 'em', 'me']);
const ARRONDISSEMENT_WORDS = new Set([
	'arrondissement',
	'arrondissements',
	'arrondis',
	'arrond',
	'arrondt',
	'arr',
	'arrt',
	'arrdt',
	'ardt'
]);
const LINKING_WORDS = new Set(['de', 'du', 'd']);

export function parsePlaceQuery(input: string): PlaceQuery {
	const text = input.trim();
	const labelled = LABELLED.exec(text);
	if (labelled) return { type: 'labelled', code: (labelled[1] as string).toUpperCase() };
	const words = normalizePlaceText(text).split(' ').filter(Boolean);
	if (words.length === 0) return { type: 'empty' };
	// « 13004 Marseille »: the postal code says it all.
	const fiveDigits = words.find((w) => /^\d{5}$/.test(w));
	if (fiveDigits) return { type: 'digits', digits: fiveDigits };
	if (words.length === 1) {
		const [word] = words as [string];
		if (/^\d{3,4}$/.test(word)) return { type: 'postal-prefix', prefix: word };
		if (/^2[ab]\d{3}$/.test(word)) return { type: 'insee', code: word.toUpperCase() };
	}
	const numbered = words.findIndex((w) => ARRONDISSEMENT_NUMBER.test(w));
	if (numbered >= 0) {
		const [, digits, attached] = ARRONDISSEMENT_NUMBER.exec(words[numbered] as string) ?? [];
		// « 16 ème »: the suffix typed apart.
		const apart = SUFFIXES.has(words[numbered + 1] ?? '');
		const suffix = attached ?? (apart ? words[numbered + 1] : undefined);
		const rest = words.filter((_, i) => i !== numbered && !(apart && i === numbered + 1));
		const named = rest.some((w) => ARRONDISSEMENT_WORDS.has(w));
		const nameWords = rest.filter((w) => !ARRONDISSEMENT_WORDS.has(w));
		while (nameWords.length > 0 && LINKING_WORDS.has(nameWords[0] as string)) nameWords.shift();
		const number = Number(digits);
		if (number >= 1 && !nameWords.some((w) => /^\d+$/.test(w))) {
			return {
				type: 'name',
				name: nameWords.join(' '),
				arrondissement: { number, exact: !!suffix || named || (digits as string).length === 2 }
			};
		}
	}
	return { type: 'name', name: words.join(' '), arrondissement: null };
}

/** The number of a municipal arrondissement from its name (« Paris 1er Arrondissement » ⇒ 1). */
export function arrondissementNumber(name: string): number | null {
	const match = /(\d{1,2})\s*(?:er|e)\b/i.exec(name);
	return match ? Number(match[1]) : null;
}

/** Whether an arrondissement number fits what was typed (« 1 », still being typed, fits 1 and 10–19). */
export function arrondissementMatches(
	number: number,
	typed: { number: number; exact: boolean }
): boolean {
	if (number === typed.number) return true;
	return !typed.exact && String(number).startsWith(String(typed.number));
}

/**
 * How well a place's name matches a typed name, both normalised: 0 the same name, 1 the name
 * starts with it, 2 one of its words does, 3 it appears inside, 4 only close (a typo).
 */
export function placeNameTier(name: string, typed: string): 0 | 1 | 2 | 3 | 4 {
	if (name === typed) return 0;
	if (name.startsWith(typed)) return 1;
	if (` ${name}`.includes(` ${typed}`)) return 2;
	if (name.includes(typed)) return 3;
	return 4;
}
