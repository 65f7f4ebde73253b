/**
 * A big synthetic territory for the map's measurements (the benchmark `map` and the browser test
 * tests/e2e/map/map-big.test.ts): `count` structures in the import format (contract §2), drawn
 * from a seeded PRNG — same seed, same territory. Positions uniform in the Bouches-du-Rhône's
 * bounding box (what the map draws: 20 000 points to cluster); coverage one to three of a few
 * communes of the département; kinds, remits and levels after the real kinds' profiles.
 */
import type { KindCode, LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import type { StructureInput } from '$lib/schemas/structure';
import { mulberry32 } from './report';

export const MAP_SEED = 0x13_0006;
export const MAP_STRUCTURES = 20_000;

/** [minLon, minLat, maxLon, maxLat] of the shipped boundaries of the Bouches-du-Rhône. */
export const BOUCHES_DU_RHONE_BBOX = [4.23028, 43.15731, 5.81325, 43.92406] as const;

/**
 * The communes the structures cover: away from the places of the other browser tests (Marseille
 * and its arrondissements, Aix, the chart's big territory, the demo's neighbours), and none with
 * an INSEE code equal to one of Marseille's postal codes (13001–13016), so that the big territory
 * shows in no other test's results.
 */
export const MAP_COVERAGE_COMMUNES = {
	'13027': 'Châteaurenard',
	'13050': 'Lambesc',
	'13078': 'Port-Saint-Louis-du-Rhône',
	'13092': 'Saint-Chamas',
	'13096': 'Saintes-Maries-de-la-Mer',
	'13100': 'Saint-Rémy-de-Provence',
	'13108': 'Tarascon',
	'13110': 'Trets'
} as const;

interface Profile {
	kind: KindCode;
	weight: number;
	label: string;
	problems: ProblemCode[];
	levels: [LevelCode, LevelCode];
}

const PROFILES: Profile[] = [
	{
		kind: 'saad',
		weight: 30,
		label: 'Aide à domicile',
		problems: ['gestion_courante', 'aides_domicile', 'perte_autonomie'],
		levels: ['simple', 'coordonnee']
	},
	{
		kind: 'ssiad',
		weight: 18,
		label: 'SSIAD',
		problems: ['perte_autonomie', 'soins_domicile'],
		levels: ['simple', 'coordonnee']
	},
	{
		kind: 'ehpad',
		weight: 16,
		label: 'EHPAD',
		problems: ['entree_etablissement'],
		levels: ['simple', 'coordonnee']
	},
	{
		kind: 'medecin',
		weight: 14,
		label: 'Cabinet médical',
		problems: ['medical', 'troubles_cognitifs', 'maintien_domicile'],
		levels: ['simple', 'coordonnee']
	},
	{
		kind: 'had',
		weight: 3,
		label: 'HAD',
		problems: ['medical', 'soins_domicile'],
		levels: ['coordonnee', 'complexe']
	},
	{
		kind: 'ccas',
		weight: 6,
		label: 'CCAS',
		problems: ['droits', 'finances', 'gestion_courante', 'logement'],
		levels: ['information', 'coordonnee']
	},
	{
		kind: 'clic',
		weight: 4,
		label: 'CLIC',
		problems: ['aidants', 'aides_domicile', 'perte_autonomie', 'entree_etablissement'],
		levels: ['information', 'coordonnee']
	},
	{
		kind: 'association',
		weight: 5,
		label: 'Association',
		problems: ['aidants', 'droits'],
		levels: ['information', 'simple']
	},
	{
		kind: 'cmp',
		weight: 2,
		label: 'CMP',
		problems: ['sante_mentale', 'psycho_comportemental'],
		levels: ['simple', 'complexe']
	},
	{
		kind: 'dac',
		weight: 1,
		label: 'DAC',
		problems: ['medical', 'perte_autonomie', 'maintien_domicile', 'aidants'],
		levels: ['coordonnee', 'complexe']
	},
	{
		kind: 'reseau_sante',
		weight: 1,
		label: 'Réseau de santé',
		problems: ['medical', 'psycho_comportemental', 'maintien_domicile'],
		levels: ['simple', 'coordonnee']
	}
];

const STREETS = [
	'avenue de la République',
	'rue Jean Jaurès',
	'boulevard Victor Hugo',
	'chemin des Oliviers',
	'place de la Mairie',
	'route d’Arles',
	'rue Frédéric Mistral'
];

function pick<T>(random: () => number, items: readonly T[]): T {
	return items[Math.floor(random() * items.length)] as T;
}

const round5 = (value: number) => Math.round(value * 1e5) / 1e5;

/** `count` structures, ids `${prefix}-00001`…; the same for the same arguments. */
export function bigMapStructures(
	count = MAP_STRUCTURES,
	{ prefix = 'carte', seed = MAP_SEED }: { prefix?: string; seed?: number } = {}
): StructureInput[] {
	const random = mulberry32(seed);
	const communes = Object.keys(MAP_COVERAGE_COMMUNES) as (keyof typeof MAP_COVERAGE_COMMUNES)[];
	const totalWeight = PROFILES.reduce((n, p) => n + p.weight, 0);
	const [minLon, minLat, maxLon, maxLat] = BOUCHES_DU_RHONE_BBOX;
	const width = String(count).length;
	const out: StructureInput[] = [];
	for (let i = 1; i <= count; i++) {
		let draw = random() * totalWeight;
		const profile = PROFILES.find((p) => (draw -= p.weight) < 0) ?? (PROFILES[0] as Profile);
		const home = pick(random, communes);
		const coverage = new Set<string>([home]);
		const extra = random() < 0.3 ? (random() < 0.5 ? 2 : 1) : 0;
		for (let k = 0; k < extra; k++) coverage.add(pick(random, communes));
		// Most take every problem of their kind; some only part of it.
		const problems = profile.problems.filter((_, k) => k === 0 || random() < 0.8);
		const number = String(i).padStart(width, '0');
		const record: StructureInput = {
			id: `${prefix}-${number}`,
			name: `${profile.label} ${MAP_COVERAGE_COMMUNES[home]} n° ${number}`,
			kind: profile.kind,
			commune: home,
			lon: round5(minLon + random() * (maxLon - minLon)),
			lat: round5(minLat + random() * (maxLat - minLat)),
			coverage: [...coverage].sort(),
			problems,
			level_min: profile.levels[0],
			level_max: profile.levels[1]
		};
		if (random() < 0.8)
			record.address = `${1 + Math.floor(random() * 120)} ${pick(random, STREETS)}, ${home.slice(0, 2)}${String(Math.floor(random() * 1000)).padStart(3, '0')} ${MAP_COVERAGE_COMMUNES[home]}`;
		// A fixed line in 04 goes on with 10–99 (04 0… is no allocated range): the import refuses it.
		if (random() < 0.7)
			record.phone = `04 ${[10, 0, 0, 0].map((low) => String(low + Math.floor(random() * (100 - low))).padStart(2, '0')).join(' ')}`;
		out.push(record);
	}
	return out;
}
