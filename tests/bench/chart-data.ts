/**
 * A big synthetic territory for the chart's measurements (the benchmark `chart` and the browser
 * test tests/e2e/axes/axes-big.test.ts): `count` structures in the import format (contract §2),
 * drawn from a seeded PRNG with the profiles of the real kinds (what each kind takes, at which
 * levels, for which public), a few remits widened or made non-contiguous, each covering some of
 * the territory's communes. Same seed, same territory.
 */
import { KINDS, LEVEL_CODES, PROBLEM_CODES, type KindCode } from '$lib/domain/taxonomy';
import type { LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import type { StructureInput } from '$lib/schemas/structure';
import type { ChartStructure } from '$lib/server/services/coverage';
import { mulberry32 } from './report';

export const CHART_SEED = 0x0a_1e5;

/**
 * Communes of the Bouches-du-Rhône away from the e2e territories (Marseille, Aix): neither their
 * INSEE codes nor Marseille's postal codes (13001–13016) collide with the other tests' places.
 */
export const BIG_TERRITORY_COMMUNES = [
	'13028', // La Ciotat
	'13039', // Fos-sur-Mer
	'13041', // Gardanne
	'13047', // Istres
	'13054', // Marignane
	'13056', // Martigues
	'13063', // Miramas
	'13071', // Les Pennes-Mirabeau
	'13081', // Rognac
	'13097', // Saint-Martin-de-Crau
	'13103', // Salon-de-Provence
	'13117' // Vitrolles
] as const;

interface Profile {
	kind: KindCode;
	/** How many of a territory's structures are of this kind (relative). */
	weight: number;
	label: string;
	problems: ProblemCode[];
	levels: [LevelCode, LevelCode];
	ageMin?: number;
	apa?: 'required';
	mode?: 'masse' | 'sur_mesure';
}

/** What each kind typically takes, after the core study's figure. */
const PROFILES: Profile[] = [
	{
		kind: 'clic',
		weight: 6,
		label: 'CLIC',
		problems: ['aidants', 'aides_domicile', 'perte_autonomie', 'entree_etablissement'],
		levels: ['information', 'coordonnee'],
		ageMin: 60,
		mode: 'masse'
	},
	{
		kind: 'ccas',
		weight: 8,
		label: 'CCAS',
		problems: ['droits', 'finances', 'gestion_courante', 'logement', 'maltraitance'],
		levels: ['information', 'coordonnee'],
		mode: 'masse'
	},
	{
		kind: 'reseau_sante',
		weight: 4,
		label: 'Réseau de santé gérontologique',
		problems: ['psycho_comportemental', 'medical', 'maintien_domicile'],
		levels: ['simple', 'coordonnee'],
		ageMin: 75
	},
	{
		kind: 'equipe_apa',
		weight: 2,
		label: 'Équipe APA',
		problems: ['aidants', 'aides_domicile', 'perte_autonomie'],
		levels: ['simple', 'coordonnee'],
		ageMin: 60,
		apa: 'required'
	},
	{
		kind: 'gestion_cas',
		weight: 3,
		label: 'Gestion de cas',
		problems: [...PROBLEM_CODES],
		levels: ['complexe', 'complexe'],
		ageMin: 60,
		mode: 'sur_mesure'
	},
	{
		kind: 'dac',
		weight: 2,
		label: 'DAC',
		problems: [...PROBLEM_CODES],
		levels: ['coordonnee', 'complexe'],
		mode: 'sur_mesure'
	},
	{
		kind: 'ssiad',
		weight: 25,
		label: 'SSIAD',
		problems: ['perte_autonomie', 'soins_domicile'],
		levels: ['simple', 'coordonnee'],
		ageMin: 60
	},
	{
		kind: 'saad',
		weight: 40,
		label: 'Aide à domicile',
		problems: ['gestion_courante', 'aides_domicile', 'perte_autonomie'],
		levels: ['simple', 'coordonnee'],
		ageMin: 60
	},
	{
		kind: 'ehpad',
		weight: 40,
		label: 'EHPAD',
		problems: ['entree_etablissement'],
		levels: ['simple', 'coordonnee'],
		ageMin: 60
	},
	{
		kind: 'accueil_jour',
		weight: 10,
		label: 'Accueil de jour',
		problems: ['aidants', 'troubles_cognitifs'],
		levels: ['simple', 'coordonnee'],
		ageMin: 60
	},
	{
		kind: 'consultation_memoire',
		weight: 6,
		label: 'Consultation mémoire',
		problems: ['troubles_cognitifs', 'psycho_comportemental'],
		levels: ['simple', 'coordonnee']
	},
	{
		kind: 'hopital',
		weight: 8,
		label: 'Centre hospitalier',
		problems: ['medical'],
		levels: ['simple', 'complexe']
	},
	{
		kind: 'emg',
		weight: 4,
		label: 'Équipe mobile gériatrique',
		problems: ['psycho_comportemental', 'medical', 'maintien_domicile'],
		levels: ['simple', 'complexe'],
		ageMin: 75
	},
	{
		kind: 'had',
		weight: 4,
		label: 'HAD',
		problems: ['soins_domicile', 'medical'],
		levels: ['coordonnee', 'complexe']
	},
	{
		kind: 'mjpm',
		weight: 10,
		label: 'Mandataire judiciaire',
		problems: ['protection_juridique'],
		levels: ['simple', 'complexe']
	},
	{
		kind: 'cmp',
		weight: 6,
		label: 'CMP',
		problems: ['psycho_comportemental', 'sante_mentale'],
		levels: ['simple', 'complexe'],
		ageMin: 18
	},
	{
		kind: 'pfr',
		weight: 8,
		label: 'Plateforme de répit',
		problems: ['aidants'],
		levels: ['information', 'coordonnee']
	},
	{
		kind: 'association',
		weight: 35,
		label: 'Association',
		problems: ['aidants'],
		levels: ['information', 'simple']
	},
	{
		kind: 'medecin',
		weight: 60,
		label: 'Cabinet médical',
		problems: ['medical'],
		levels: ['simple', 'coordonnee']
	}
];

const STREETS = [
	'des Oliviers',
	'du Port',
	'de la Gare',
	'Frédéric-Mistral',
	'des Cigales',
	'Jean-Jaurès',
	'de l’Étang',
	'Sainte-Victoire',
	'des Salins',
	'du Moulin'
];

function pick<T>(random: () => number, values: readonly T[]): T {
	return values[Math.floor(random() * values.length)] as T;
}

function weighted(random: () => number): Profile {
	const total = PROFILES.reduce((sum, p) => sum + p.weight, 0);
	let r = random() * total;
	for (const profile of PROFILES) {
		r -= profile.weight;
		if (r < 0) return profile;
	}
	return PROFILES.at(-1) as Profile;
}

/** `count` structures covering some of `communes`, ids `${prefix}-001`…, in the import format. */
export function bigTerritoryStructures(
	count = 300,
	options: { seed?: number; prefix?: string; communes?: readonly string[] } = {}
): StructureInput[] {
	const random = mulberry32(options.seed ?? CHART_SEED);
	const prefix = options.prefix ?? 'grand';
	const communes = options.communes ?? BIG_TERRITORY_COMMUNES;
	const out: StructureInput[] = [];
	for (let i = 1; i <= count; i++) {
		const profile = weighted(random);
		const problems = new Set<ProblemCode>(profile.problems);
		// Some take one more problem, anywhere on the axis: remits widened or split in two.
		if (random() < 0.3) problems.add(pick(random, PROBLEM_CODES));
		// Some take only part of their kind's usual remit.
		if (problems.size > 2 && random() < 0.2) problems.delete(pick(random, [...problems]));
		let min = LEVEL_CODES.indexOf(profile.levels[0]);
		let max = LEVEL_CODES.indexOf(profile.levels[1]);
		if (random() < 0.2) min = Math.max(0, min - 1);
		if (random() < 0.2) max = Math.min(LEVEL_CODES.length - 1, max + 1);
		if (random() < 0.1 && max > min) max--;
		// One to four communes, or (one in ten) the whole territory.
		const covered =
			random() < 0.1
				? [...communes]
				: [
						...new Set(
							Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(random, communes))
						)
					];
		const number = String(i).padStart(3, '0');
		const record: StructureInput = {
			id: `${prefix}-${number}`,
			name: `${profile.label} ${pick(random, STREETS)} n° ${number}`,
			kind: profile.kind,
			commune: covered[0],
			coverage: covered.sort(),
			problems: PROBLEM_CODES.filter((p) => problems.has(p)),
			level_min: LEVEL_CODES[min] as LevelCode,
			level_max: LEVEL_CODES[max] as LevelCode
		} as StructureInput;
		if (profile.ageMin !== undefined) record.age_min = profile.ageMin;
		if (profile.apa) record.apa = profile.apa;
		if (profile.mode) record.mode = profile.mode;
		else if (random() < 0.3) record.mode = random() < 0.5 ? 'masse' : 'sur_mesure';
		out.push(record);
	}
	return out;
}

/** Whether a kind's primary mission is coordination (the import's default, contract §2). */
export function coordinationOf(kind: KindCode): boolean {
	return KINDS.find((k) => k.code === kind)?.coordination ?? false;
}

/** The structures as the service hands them to the chart (every commune is one of the territory). */
export function chartStructures(
	records: readonly StructureInput[],
	territoryId: string
): ChartStructure[] {
	return records.map((r) => ({
		id: r.id,
		name: r.name,
		kind: r.kind,
		problems: r.problems,
		levelMin: r.level_min,
		levelMax: r.level_max,
		coordination: r.coordination ?? coordinationOf(r.kind),
		mode: r.mode ?? null,
		ageMin: r.age_min ?? null,
		ageMax: r.age_max ?? null,
		apa: r.apa ?? 'any',
		handicap: r.handicap ?? 'any',
		territoryId,
		places: r.coverage ?? []
	}));
}
