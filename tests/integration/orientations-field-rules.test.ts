/**
 * The engine against the rules of the field (issue 13): the MAIA gate, the agreed remits first,
 * unknown statuses, exact geography, the disability field — each encoded on the demo territory
 * and on a rural territory built here (the Vallée des Baux-Alpilles: `dep:` and `epci:`
 * coverage, a polygon, a full case-management service, disability services). The sentence of the
 * source documents a rule rests on is quoted beside it (seeds/ and domain.md in ../shared).
 * Assertions bear on kinds and on what the records say, and every answer is checked against the
 * oracle recomputed from the records (expectConsistent).
 */
import { booleanPointInPolygon, pointOnFeature } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { referencePlaces } from '$lib/server/services/reference';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	DEMO_TERRITORY_ID,
	demoRecords,
	shippedBoundaries,
	squareAround,
	structureRecord
} from '../factories/structures';
import {
	agentCaller,
	ask,
	coverageOf,
	expectConsistent,
	kindsOf,
	type Coverage,
	type ImportRecord
} from '../factories/orientations';

type Answer = Awaited<ReturnType<typeof ask>>;

const kindRank = (result: Answer, kind: string) => kindsOf(result).indexOf(kind);
const recommendationOf = (result: Answer, kind: string) =>
	result.result.recommendations.find((r) => r.structure.kind === kind);
const exclusionOf = (result: Answer, kind: string) =>
	result.result.excluded.find((e) => e.structure.kind === kind);

/** Shared by both territories: each rule written once, run on each territory's data. */
function fieldRules(
	name: string,
	setup: () => {
		db: () => Parameters<typeof ask>[0];
		records: ImportRecord[];
		territory: string;
		/** A commune of the territory every scenario below uses. */
		commune: string;
	}
) {
	describe(name, () => {
		let coverage: Coverage;
		let env: ReturnType<typeof setup>;
		beforeAll(async () => {
			env = setup();
			coverage = await coverageOf(env.db());
		});
		async function answer(request: Omit<RecommendationRequestInput, 'commune'>) {
			const full = { commune: env.commune, ...request } as RecommendationRequestInput;
			const result = await ask(env.db(), agentCaller([env.territory]), full);
			expectConsistent(result, full, env.records, coverage);
			return result;
		}

		// « Un cas est « complexe » lorsqu’une pluralité de facteurs multidimensionnels (p.ex.,
		// médicaux, psychosociaux, économiques) est en présence » (seeds/000 l. 421) — and « Le
		// service municipal s'occupe des personnes ayant […] des problèmes de logement »
		// (seeds/002 l. 93).
		it('a housing-only situation of an isolated person who refuses help is the CCAS’s to follow, not case management’s', async () => {
			const result = await answer({
				age: 78,
				problems: ['logement'],
				criteria: ['isolement', 'refus_aide', 'conflit_familial']
			});
			expect(result.complexity).toMatchObject({ computed: 'coordonnee', level: 'coordonnee' });
			expect(result.complexity.reasons.at(-1)).toMatch(/un seul champ/);
			expect(kindsOf(result)[0]).toBe('ccas');
			expect(kindsOf(result)).not.toContain('gestion_cas');
			// The CCAS of the place is not excluded « by level »; another commune's is out of area.
			for (const e of result.result.excluded.filter((x) => x.structure.kind === 'ccas'))
				expect(e.codes).toEqual(['area']);
		});

		// « Le réseau de santé s'occupe des personnes qui ont des problèmes médicaux ou
		// psycho-comportementaux à évaluer » (seeds/002 l. 93): the first door for an assessment
		// is the coordination structure, not the GP or the hospital (prestations, l. 107).
		it('a medical problem to assess, simple: the health network before the GP and the hospital', async () => {
			const result = await answer({ age: 82, problems: ['medical'] });
			expect(result.complexity.level).toBe('simple');
			expect(kindsOf(result)[0]).toBe('reseau_sante');
			expect(kindRank(result, 'medecin')).toBeGreaterThan(0);
			expect(recommendationOf(result, 'reseau_sante')?.reasons.join()).toMatch(
				/Structure de coordination : première porte/
			);
		});

		// « Le CLIC […] suit les situations correspondant à des projets d'institutionnalisation »
		// (seeds/002 l. 89); once the place is decided, the request is for the institution itself.
		it('a plan to enter an institution goes to the CLIC; a place already decided, to the EHPAD', async () => {
			const project = await answer({ age: 82, problems: ['entree_etablissement'] });
			expect(project.complexity.level).toBe('simple');
			expect(kindsOf(project)[0]).toBe('clic');
			expect(kindRank(project, 'ehpad')).toBeGreaterThan(0);

			const place = await answer({
				age: 82,
				problems: ['entree_etablissement'],
				request_type: 'prestation'
			});
			expect(kindsOf(place)[0]).toBe('ehpad');
			expect(place.result.recommendations[0]?.reasons.join()).toMatch(
				/la demande porte sur le service lui-même/
			);
		});

		it('home nursing, a service by its very statement, goes to the SSIAD first', async () => {
			const result = await answer({ age: 82, problems: ['soins_domicile'] });
			expect(kindsOf(result)[0]).toBe('ssiad');
		});

		// « les assistantes sociales de l'équipe APA [n’interviennent que] pour celles dont le plan
		// d'aide est financé par l'APA » (seeds/002 l. 89): nobody knowing the status is no proof.
		it('an unknown APA status keeps the APA team, after those that surely accept, « à vérifier »', async () => {
			const request = { age: 81, problems: ['perte_autonomie' as const] };
			const unknown = await answer({ ...request, apa: null });
			const team = recommendationOf(unknown, 'equipe_apa');
			expect(team?.warnings[0]).toMatch(/^APA à vérifier : réservé aux bénéficiaires de l’APA/);
			expect(team?.reasons).not.toContain('Public accueilli : la personne en fait partie');
			// Every structure that surely accepts the person ranks before it.
			const sure = unknown.result.recommendations.filter(
				(r) => !r.warnings.some((w) => /à vérifier/.test(w))
			);
			expect(sure.length).toBeGreaterThan(0);
			expect(unknown.result.recommendations.slice(0, sure.length)).toEqual(sure);
			expect(kindRank(unknown, 'equipe_apa')).toBeGreaterThanOrEqual(sure.length);

			const known = await answer({ ...request, apa: true });
			expect(kindsOf(known)[0]).toBe('equipe_apa');
			expect(recommendationOf(known, 'equipe_apa')?.warnings.join()).not.toMatch(/à vérifier/);
		});

		// Entry to case management: « (1) problems in the three fields […]; (2) the help and care in
		// place are insufficient or unsuited; (3) no person or relative is able to put the answers
		// in place and coordinate them durably » (domain.md, the MAIA practice); « Dans les faits,
		// ce sont les situations que les autres services ne sont pas ou plus en mesure de gérer »
		// (seeds/002 l. 95).
		it('complex below the MAIA gate: the coordination supports take it, case management « à proposer si … »', async () => {
			const result = await answer({
				age: 80,
				problems: ['perte_autonomie', 'medical'],
				criteria: ['isolement', 'refus_aide', 'conflit_familial']
			});
			expect(result.complexity.level).toBe('complexe');
			expect(result.complexity.caseManagement.met).toBe(false);
			expect(
				Object.fromEntries(result.complexity.caseManagement.conditions.map((c) => [c.code, c.met]))
			).toEqual({ trois_champs: false, aides_insuffisantes: false, sans_coordinateur: false });
			expect(kindsOf(result)).not.toContain('gestion_cas');
			const gated = exclusionOf(result, 'gestion_cas');
			expect(gated?.codes).toEqual(['gate']);
			expect(gated?.reasons[0]).toMatch(
				/^Gestion de cas : à proposer si des problèmes dans les trois champs .* ; des aides .* ; personne dans l’entourage/
			);
			// The DAC reaches complex situations; the CLIC and the network follow them « à coordonner ».
			expect(kindsOf(result)[0]).toBe('dac');
			for (const kind of ['clic', 'reseau_sante']) {
				expect(recommendationOf(result, kind)?.reasons.join()).toMatch(/Appui à la coordination/);
			}
			expect(result.result.orphan).toBe(false);
		});

		it('complex with the three conditions: case management takes it', async () => {
			const result = await answer({
				age: 80,
				problems: ['perte_autonomie', 'medical', 'logement'],
				criteria: ['aides_insuffisantes', 'sans_coordinateur']
			});
			expect(result.complexity.computed).toBe('complexe');
			expect(result.complexity.caseManagement.met).toBe(true);
			expect(kindsOf(result)).toContain('gestion_cas');
			expect(exclusionOf(result, 'gestion_cas')).toBeUndefined();
			// The « à coordonner » supports are not complex-case services once the gate is met.
			expect(exclusionOf(result, 'clic')?.codes).toEqual(['level']);
		});

		it('the agent may propose case management anyway, with a reason', async () => {
			const result = await answer({
				age: 80,
				problems: ['perte_autonomie', 'medical'],
				criteria: ['isolement', 'refus_aide', 'conflit_familial'],
				case_management_reason: 'vu en concertation : épuisement de la fille, seule aidante'
			});
			expect(result.complexity.caseManagement).toMatchObject({ met: false, override: true });
			expect(recommendationOf(result, 'gestion_cas')?.reasons[0]).toMatch(
				/^Gestion de cas proposée par l’agent \(dérogation motivée\)/
			);
		});

		// « Un repérage à 360° des personnes isolées ou sans solution adaptée » (seeds/003
		// l. 1588); the fascicles are about « personnes en situation de handicap » (seeds/001 l. 65).
		it('a disabled adult of 45 is oriented, not left orphan', async () => {
			const autonomy = await answer({ age: 45, handicap: true, problems: ['perte_autonomie'] });
			expect(autonomy.result.orphan).toBe(false);
			expect(kindsOf(autonomy)[0]).toBe('mdph');
			// The services for older people are out by their age limit, said as such.
			expect(exclusionOf(autonomy, 'clic')?.codes).toEqual(['age']);

			const daily = await answer({ age: 45, handicap: true, problems: ['gestion_courante'] });
			expect(daily.result.orphan).toBe(false);
			expect(kindsOf(daily)).toContain('savs');
			expect(recommendationOf(daily, 'savs')?.reasons).toContain(
				'Public accueilli : la personne en fait partie'
			);
			const notRecognised = await answer({
				age: 45,
				handicap: false,
				problems: ['gestion_courante']
			});
			expect(exclusionOf(notRecognised, 'savs')?.codes).toEqual(['handicap']);
			const unknown = await answer({ age: 45, handicap: null, problems: ['gestion_courante'] });
			expect(recommendationOf(unknown, 'savs')?.warnings[0]).toMatch(/^Handicap à vérifier/);
			// An age limit is the data's: where the SAVS declares one, a person past it is out.
			const limit = env.records.find((r) => r.kind === 'savs')?.age_max;
			if (typeof limit === 'number') {
				const older = await answer({
					age: limit + 5,
					handicap: true,
					problems: ['gestion_courante']
				});
				expect(exclusionOf(older, 'savs')?.codes).toEqual(['age']);
			}
		});

		it('a disabled person without a solution, complex: the communauté 360 and the DAC, at any age', async () => {
			const result = await answer({
				age: 32,
				handicap: true,
				problems: ['entree_etablissement', 'sante_mentale'],
				criteria: ['services_depasses', 'isolement']
			});
			expect(result.complexity.level).toBe('complexe');
			expect(kindsOf(result)).toEqual(expect.arrayContaining(['communaute_360', 'dac']));
			expect(kindsOf(result)).not.toContain('gestion_cas');
			expect(result.result.orphan).toBe(false);
		});
	});
}

/* ----------------------------------- The demo territory ----------------------------------- */

describe.each(DATABASES)('the field’s rules on %s', (kind) => {
	const demo = useTestDatabase(kind, { demo: true });
	fieldRules('on the demo territory (Marseille 4e + 12e)', () => ({
		db: () => demo.db,
		records: demoRecords(),
		territory: DEMO_TERRITORY_ID,
		commune: '13204'
	}));
});

/* ------------------------- A rural territory: the Vallée des Baux-Alpilles ------------------------- */

const SAINT_REMY = '13100';
const MOURIES = '13065';
const ALPILLES = 'vallee-baux-alpilles';
const EPCI = referencePlaces().find((p) => p.code === SAINT_REMY)?.epci as string;
const ALPILLES_COMMUNES = referencePlaces()
	.filter((p) => p.epci === EPCI)
	.map((p) => p.code);

function communeFeature(code: string): Feature<Polygon | MultiPolygon> {
	const feature = shippedBoundaries('communes-13.geojson').features.find(
		(f) => f.properties?.code === code
	);
	expect(feature, `limites de ${code}`).toBeDefined();
	return feature as Feature<Polygon | MultiPolygon>;
}

/** A point inside Saint-Rémy, the centre of the SSIAD's polygon. */
function insideSaintRemy(): [number, number] {
	return pointOnFeature(communeFeature(SAINT_REMY)).geometry.coordinates as [number, number];
}

/** A point of Saint-Rémy outside the SSIAD's square (searched on a grid over the commune). */
function elsewhereInSaintRemy(square: Polygon): [number, number] {
	const commune = communeFeature(SAINT_REMY);
	const [cx, cy] = insideSaintRemy();
	for (let dx = -0.08; dx <= 0.08; dx += 0.005) {
		for (let dy = -0.06; dy <= 0.06; dy += 0.005) {
			const p: [number, number] = [cx + dx, cy + dy];
			if (booleanPointInPolygon(p, commune) && !booleanPointInPolygon(p, square)) return p;
		}
	}
	throw new Error('aucun point de Saint-Rémy hors du carré');
}

const SSIAD_SQUARE = (() => {
	const [lon, lat] = insideSaintRemy();
	return squareAround(lon, lat, 0.01);
})();

const EVERY_FIELD = [
	'droits',
	'finances',
	'gestion_courante',
	'logement',
	'maltraitance',
	'aidants',
	'aides_domicile',
	'perte_autonomie',
	'entree_etablissement',
	'soins_domicile',
	'troubles_cognitifs',
	'psycho_comportemental',
	'sante_mentale',
	'medical',
	'maintien_domicile'
] as const;

function alpillesRecords(): ImportRecord[] {
	const epci = `epci:${EPCI}`;
	return [
		structureRecord({
			id: 'alp:clic',
			name: 'CLIC intercommunal des Alpilles',
			kind: 'clic',
			coverage: [epci],
			problems: ['aides_domicile', 'entree_etablissement', 'perte_autonomie', 'aidants'],
			level_min: 'information',
			level_max: 'coordonnee',
			mode: 'masse',
			age_min: 60
		}),
		structureRecord({
			id: 'alp:ccas-saint-remy',
			name: 'CCAS de Saint-Rémy-de-Provence',
			kind: 'ccas',
			coverage: [SAINT_REMY],
			problems: ['droits', 'finances', 'gestion_courante', 'logement', 'maltraitance'],
			level_min: 'information',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'alp:ccas-mouries',
			name: 'CCAS de Mouriès',
			kind: 'ccas',
			coverage: [MOURIES],
			problems: ['droits', 'finances', 'gestion_courante', 'logement', 'maltraitance'],
			level_min: 'information',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'alp:apa',
			name: 'Équipe APA – territoire d’Arles',
			kind: 'equipe_apa',
			coverage: ['dep:13'],
			problems: ['perte_autonomie', 'aides_domicile', 'aidants'],
			level_min: 'simple',
			level_max: 'coordonnee',
			mode: 'masse',
			age_min: 60,
			apa: 'required'
		}),
		structureRecord({
			id: 'alp:reseau',
			name: 'Réseau gérontologique du pays d’Arles',
			kind: 'reseau_sante',
			coverage: [epci],
			problems: ['medical', 'psycho_comportemental', 'maintien_domicile'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_min: 75
		}),
		structureRecord({
			id: 'alp:medecin',
			name: 'Maison de santé de Saint-Rémy',
			kind: 'medecin',
			coverage: [SAINT_REMY, MOURIES],
			problems: ['medical'],
			level_min: 'simple',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'alp:ehpad',
			name: 'EHPAD des Alpilles',
			kind: 'ehpad',
			coverage: [epci],
			problems: ['entree_etablissement'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_min: 60
		}),
		structureRecord({
			id: 'alp:ssiad',
			name: 'SSIAD du centre de Saint-Rémy',
			kind: 'ssiad',
			coverage: undefined,
			coverage_geojson: SSIAD_SQUARE,
			problems: ['soins_domicile', 'perte_autonomie'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_min: 60
		}),
		structureRecord({
			id: 'alp:ssiad-mouries',
			name: 'SSIAD de Mouriès',
			kind: 'ssiad',
			coverage: [MOURIES],
			problems: ['soins_domicile'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_min: 60
		}),
		structureRecord({
			id: 'alp:dac',
			name: 'DAC du pays d’Arles – appui à la coordination',
			kind: 'dac',
			coverage: [epci],
			problems: [...EVERY_FIELD],
			level_min: 'coordonnee',
			level_max: 'complexe'
		}),
		structureRecord({
			id: 'alp:gestion-cas',
			name: 'Gestion de cas – DAC du pays d’Arles',
			kind: 'gestion_cas',
			coverage: [epci],
			problems: [...EVERY_FIELD, 'protection_juridique'],
			level_min: 'complexe',
			level_max: 'complexe',
			mode: 'sur_mesure',
			age_min: 60,
			caseload_max: 40,
			caseload_current: 40
		}),
		structureRecord({
			id: 'alp:mdph',
			name: 'MDPH des Bouches-du-Rhône',
			kind: 'mdph',
			coverage: ['dep:13'],
			problems: ['droits', 'aides_domicile', 'entree_etablissement', 'perte_autonomie'],
			level_min: 'information',
			level_max: 'simple',
			// A first request after 60 goes the way of the APA.
			age_max: 59
		}),
		structureRecord({
			id: 'alp:c360',
			name: 'Communauté 360 des Bouches-du-Rhône',
			kind: 'communaute_360',
			coverage: ['dep:13'],
			problems: [
				'entree_etablissement',
				'perte_autonomie',
				'aides_domicile',
				'aidants',
				'logement',
				'droits'
			],
			level_min: 'coordonnee',
			level_max: 'complexe',
			handicap: 'required'
		}),
		structureRecord({
			id: 'alp:savs',
			name: 'SAVS des Alpilles',
			kind: 'savs',
			coverage: [epci],
			problems: ['gestion_courante', 'droits', 'logement'],
			level_min: 'simple',
			level_max: 'coordonnee',
			mode: 'sur_mesure',
			age_min: 20,
			age_max: 59,
			handicap: 'required'
		}),
		structureRecord({
			id: 'alp:fam',
			name: 'Foyer d’accueil médicalisé du pays d’Arles',
			kind: 'esms_handicap',
			coverage: ['dep:13'],
			problems: ['entree_etablissement'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_min: 20,
			handicap: 'required'
		})
	];
}

describe.each(DATABASES)('the field’s rules on a rural territory, on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const records = alpillesRecords();
	beforeAll(async () => {
		await putTerritory(t.db, ALPILLES, {
			name: 'Vallée des Baux-Alpilles',
			communes: ALPILLES_COMMUNES
		});
		await importStructures(t.db, ALPILLES, records, 'replace');
	});

	it('is the shape it claims: ten communes of one EPCI, coverage by dep, epci and a polygon', () => {
		expect(EPCI).toMatch(/^\d{9}$/);
		expect(ALPILLES_COMMUNES).toContain(MOURIES);
		expect(ALPILLES_COMMUNES.length).toBeGreaterThanOrEqual(10);
	});

	fieldRules('on the Vallée des Baux-Alpilles', () => ({
		db: () => t.db,
		records,
		territory: ALPILLES,
		commune: MOURIES
	}));

	describe('exact geography', () => {
		const agent = agentCaller([ALPILLES]);
		let coverage: Coverage;
		beforeAll(async () => {
			coverage = await coverageOf(t.db);
		});
		async function answer(request: RecommendationRequestInput) {
			const result = await ask(t.db, agent, request);
			expectConsistent(result, request, records, coverage);
			return result;
		}
		const request = { age: 82, problems: ['soins_domicile' as const] };

		it('a point inside the polygon is covered; a point of the same commune outside it is not', async () => {
			const [lon, lat] = insideSaintRemy();
			const inside = await answer({ ...request, location: { lon, lat } });
			expect(inside.place.code).toBe(SAINT_REMY);
			expect(kindsOf(inside)).toEqual(['ssiad']);
			expect(recommendationOf(inside, 'ssiad')?.warnings.join()).not.toMatch(/partie/);

			const [x, y] = elsewhereInSaintRemy(SSIAD_SQUARE);
			const outside = await answer({ ...request, location: { lon: x, lat: y } });
			expect(outside.place.code).toBe(SAINT_REMY);
			expect(outside.result.recommendations).toEqual([]);
			expect(outside.result.orphan).toBe(true);
			expect(exclusionOf(outside, 'ssiad')?.codes).toEqual(['area']);
		});

		it('a commune the polygon covers only in part is recommended with a warning', async () => {
			const result = await answer({ ...request, commune: SAINT_REMY });
			expect(kindsOf(result)).toEqual(['ssiad']);
			expect(recommendationOf(result, 'ssiad')?.warnings[0]).toMatch(
				/^Ne couvre qu’une partie de Saint-Rémy-de-Provence/
			);
		});

		it('the full case-management service stays recommended, with its warning, once the gate is met', async () => {
			const result = await answer({
				commune: MOURIES,
				age: 80,
				problems: ['perte_autonomie', 'medical', 'logement'],
				criteria: ['aides_insuffisantes', 'sans_coordinateur']
			});
			const cm = recommendationOf(result, 'gestion_cas');
			expect(cm?.warnings.join()).toMatch(
				/File active complète \(40 situations suivies pour 40 places\)/
			);
			expect(kindsOf(result)[0]).toBe('dac');
		});
	});
});

/* ------------------- Old codes: communes merged since the data was written ------------------- */

describe.each(DATABASES)('a merged commune’s old code, on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	// Romette (05125) is a delegated commune of Gap (05061) since their merger.
	const OLD = '05125';
	const CURRENT = '05061';

	it('is covered and answered as the commune that absorbed it', async () => {
		expect(referencePlaces().some((p) => p.code === OLD)).toBe(false);
		await putTerritory(t.db, 'gap', { name: 'Gap', communes: [CURRENT] });
		await importStructures(
			t.db,
			'gap',
			[
				structureRecord({
					id: 'gap:ccas',
					name: 'CCAS de Gap',
					kind: 'ccas',
					// Written with the codes of a FINESS extract older than the merger.
					commune: OLD,
					coverage: [OLD],
					problems: ['logement']
				})
			],
			'replace'
		);
		const result = await ask(t.db, agentCaller(['gap']), {
			commune: OLD,
			age: 70,
			problems: ['logement']
		});
		expect(result.place.code).toBe(CURRENT);
		expect(result.result.recommendations.map((r) => r.structure.id)).toEqual(['gap:ccas']);
		const [stored] = await queryRows<{ commune: string }>(
			t.db,
			sql`select commune from structures where id = 'gap:ccas'`
		);
		expect(stored?.commune).toBe(CURRENT);
	});
});
