/**
 * The orientation engine on whole territories (issue 4): the rules of the Marseille study on the
 * demo territory, then a second, differently shaped territory built here. Assertions bear on kinds
 * and reasons that follow from the data (the import records), never on hard-coded structure ids;
 * every answer is also checked against an oracle recomputed from the records (expectConsistent).
 */
import { pointOnFeature } from '@turf/turf';
import { beforeAll, describe, expect, it } from 'vitest';
import { NEAR_FULL } from '$lib/domain/recommendation';
import { levelInRange, PROBLEM_CODES, type ProblemCode } from '$lib/domain/taxonomy';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { referencePlaces } from '$lib/server/services/reference';
import { toApiAnswer } from '$lib/server/services/orientations';
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
	orientationRejection,
	orphanProblems,
	type Coverage,
	type ImportRecord
} from '../factories/orientations';

const DEMO = demoRecords();
const ofKind = (kind: string) => DEMO.filter((r) => r.kind === kind);
const one = (kind: string): ImportRecord => {
	const found = ofKind(kind);
	expect(found, `une structure ${kind} dans la démo`).toHaveLength(1);
	return found[0] as ImportRecord;
};

describe.each(DATABASES)('orientation scenarios on the demo territory, on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const agent = agentCaller([DEMO_TERRITORY_ID]);
	let coverage: Coverage;
	beforeAll(async () => {
		coverage = await coverageOf(t.db);
	});

	/** Answers the request and checks the answer against the data. */
	async function answer(request: RecommendationRequestInput) {
		const result = await ask(t.db, agent, request);
		expectConsistent(result, request, DEMO, coverage);
		return result;
	}

	it('a medical problem at 80, to coordinate: the health network comes first', async () => {
		const network = one('reseau_sante');
		expect(network.age_min ?? 0).toBeLessThanOrEqual(80);
		const result = await answer({
			commune: '13204',
			age: 80,
			problems: ['medical'],
			criteria: ['isolement']
		});
		expect(result.territory).toBe(DEMO_TERRITORY_ID);
		expect(result.complexity).toMatchObject({ computed: 'coordonnee', level: 'coordonnee' });
		expect(result.complexity.reasons.join('\n')).toMatch(/Isolement/);
		expect(kindsOf(result)[0]).toBe('reseau_sante');
		const [first] = result.result.recommendations;
		expect(first?.structure.id).toBe(network.id);
		expect(first?.reasons.join('\n')).toMatch(/problème dominant : problème médical/i);
		expect(first?.reasons.join('\n')).toMatch(/coordination/);
		expect(result.result.orphan).toBe(false);
	});

	it('the same at 70: the network is not recommended, and is excluded for its age limit', async () => {
		const network = one('reseau_sante');
		expect(network.age_min).toBeGreaterThan(70);
		const result = await answer({
			commune: '13204',
			age: 70,
			problems: ['medical'],
			criteria: ['isolement']
		});
		expect(kindsOf(result)).not.toContain('reseau_sante');
		expect(kindsOf(result).length).toBeGreaterThan(0);
		const excluded = result.result.excluded.find((e) => e.structure.kind === 'reseau_sante');
		expect(excluded?.codes).toEqual(['age']);
		expect(excluded?.reasons.join()).toContain(`${network.age_min} ans et plus (70 ans)`);
		expect(result.result.orphan).toBe(false);
	});

	it('housing goes to the CCAS antenna of the arrondissement; the other antenna is out of area', async () => {
		const antennas = ofKind('ccas');
		expect(antennas.length).toBeGreaterThan(1);
		for (const commune of ['13204', '13212']) {
			const result = await answer({ commune, age: 80, problems: ['logement'] });
			expect(result.complexity.level).toBe('simple');
			const [first] = result.result.recommendations;
			expect(first?.structure.kind).toBe('ccas');
			const own = antennas.filter((a) => a.coverage?.includes(commune));
			expect(own.map((a) => a.id)).toEqual([first?.structure.id]);
			for (const other of antennas.filter((a) => !a.coverage?.includes(commune))) {
				const excluded = result.result.excluded.find((e) => e.structure.id === other.id);
				expect(excluded?.codes).toEqual(['area']);
				expect(excluded?.reasons[0]).toMatch(/Hors de sa zone/);
			}
		}
	});

	it('information on aids goes to the CLIC', async () => {
		const result = await answer({
			commune: '13212',
			age: 78,
			problems: ['aides_domicile'],
			request_type: 'information'
		});
		expect(result.complexity).toMatchObject({ computed: 'information', level: 'information' });
		expect(kindsOf(result)[0]).toBe('clic');
		// Those that take aids but not information requests are excluded for the level.
		for (const e of result.result.excluded.filter((x) => x.codes.includes('level')))
			expect(e.reasons.join()).toMatch(/pas en demande d’information/);
	});

	it('an APA plan goes to the APA team; without APA the team is excluded for APA', async () => {
		const team = one('equipe_apa');
		expect(team.apa).toBe('required');
		const request = {
			commune: '13204',
			age: 81,
			problems: ['perte_autonomie'] as ProblemCode[],
			criteria: ['evolution_brutale' as const]
		};
		const withApa = await answer({ ...request, apa: true });
		expect(withApa.complexity.level).toBe('coordonnee');
		expect(kindsOf(withApa)[0]).toBe('equipe_apa');

		const withoutApa = await answer({ ...request, apa: false });
		expect(kindsOf(withoutApa)).not.toContain('equipe_apa');
		const excluded = withoutApa.result.excluded.find((e) => e.structure.kind === 'equipe_apa');
		expect(excluded?.codes).toEqual(['apa']);
		expect(excluded?.reasons.join()).toMatch(/APA/);
		expect(withoutApa.result.orphan).toBe(false);
	});

	// Issue 13 changed this rule: case management takes a complex situation past the MAIA gate
	// only (domain.md: « three conditions that must all hold »). The couple as first described —
	// cognitive troubles, maltreatment, legal protection, services overwhelmed — has problems in
	// two fields and nobody said to be missing to coordinate: case management is « à proposer
	// si … »; with the autonomy field and nobody to coordinate, it takes them.
	it('the couple of the study goes to case management past the MAIA gate, with its near-full caseload warning', async () => {
		const caseManagement = one('gestion_cas');
		const share = (caseManagement.caseload_current ?? 0) / (caseManagement.caseload_max ?? 1);
		expect(share).toBeGreaterThanOrEqual(NEAR_FULL);
		expect(share).toBeLessThan(1);
		// Both with Alzheimer's, family conflict, alleged maltreatment, legal protection, services overwhelmed.
		const couple = {
			commune: '13204',
			age: 84,
			apa: true,
			problems: ['troubles_cognitifs', 'maltraitance', 'protection_juridique'] as ProblemCode[],
			criteria: ['conflit_familial' as const, 'services_depasses' as const]
		};
		const result = await answer(couple);
		expect(result.complexity).toMatchObject({ computed: 'complexe', level: 'complexe' });
		expect(result.complexity.reasons.join('\n')).toMatch(/points \(3 ou plus\)/);
		expect(kindsOf(result)).not.toContain('gestion_cas');
		expect(result.result.excluded.find((e) => e.structure.kind === 'gestion_cas')?.codes).toEqual([
			'gate'
		]);
		expect(result.result.orphan).toBe(false);

		// With the autonomy field and nobody to coordinate, the MAIA rule: case management.
		const maia = await answer({
			...couple,
			problems: [...couple.problems, 'perte_autonomie'],
			criteria: [...couple.criteria, 'sans_coordinateur']
		});
		expect(maia.complexity.computed).toBe('complexe');
		expect(maia.complexity.reasons.join('\n')).toMatch(/Règle MAIA/);
		expect(maia.complexity.caseManagement.met).toBe(true);
		const cm = maia.result.recommendations.find((r) => r.structure.kind === 'gestion_cas');
		expect(cm?.warnings.join()).toMatch(/presque complète/);
		expect(cm?.warnings.join()).toContain(
			`${caseManagement.caseload_current} situations suivies pour ${caseManagement.caseload_max} places`
		);
		// The services at their level range only are excluded for the level.
		for (const e of maia.result.excluded) expect(e.codes).toContain('level');
	});

	// Issue 13: the demo now has a DAC for all ages (coordonnee–complexe), so a complex
	// situation below case management's minimum age is no longer orphan for the problems it takes.
	it('below case management’s minimum age, a complex situation is orphan exactly where the data leaves it', async () => {
		const caseManagement = one('gestion_cas');
		const minAge = caseManagement.age_min as number;
		// Past the gate (the agent's override), at level complexe.
		const base = {
			commune: '13204',
			level: 'complexe' as const,
			criteria: ['cumul_pathologies' as const, 'services_depasses' as const],
			case_management_reason: 'proposée en concertation'
		};
		expect(await orphanProblems(t.db, agent, { ...base, age: minAge + 20 })).toEqual([]);

		const younger = minAge - 2;
		const orphans = await orphanProblems(t.db, agent, { ...base, age: younger });
		const expected = PROBLEM_CODES.filter(
			(problem) =>
				!DEMO.some(
					(r) =>
						r.problems.includes(problem) &&
						levelInRange('complexe', r.level_min, r.level_max) &&
						(r.age_min ?? 0) <= younger &&
						(r.age_max ?? 200) >= younger &&
						coverage.byStructure.get(r.id)?.has('13204')
				)
		);
		expect(orphans).toEqual(expected);
		for (const problem of PROBLEM_CODES.slice(0, 4)) {
			const result = await answer({ ...base, age: younger, problems: [problem] });
			expect(result.complexity.level).toBe('complexe');
			const excluded = result.result.excluded.find((e) => e.structure.kind === 'gestion_cas');
			expect(excluded?.codes).toEqual(['age']);
			expect(result.result.orphan).toBe(orphans.includes(problem));
		}
	});

	it('a point inside the 4th arrondissement resolves like commune 13204', async () => {
		const feature = shippedBoundaries('arrondissements-marseille.geojson').features.find(
			(f) => f.properties?.code === '13204'
		);
		expect(feature).toBeDefined();
		const [lon, lat] = pointOnFeature(feature!).geometry.coordinates as [number, number];
		const request = {
			age: 80,
			problems: ['medical'] as ProblemCode[],
			criteria: ['isolement' as const]
		};
		const byPoint = await answer({ ...request, location: { lon, lat } });
		const byCode = await answer({ ...request, commune: '13204' });
		expect(byPoint.place.code).toBe('13204');
		expect(byPoint.territory).toBe(DEMO_TERRITORY_ID);
		expect(byPoint.result).toEqual(byCode.result);
	});

	it('keeps an overridden level apart from the computed one and answers at the chosen level', async () => {
		const request = {
			commune: '13204',
			age: 80,
			problems: ['medical'] as ProblemCode[],
			criteria: ['isolement' as const]
		};
		const computed = await answer(request);
		const overridden = await answer({ ...request, level: 'complexe' });
		expect(overridden.complexity).toMatchObject({ computed: 'coordonnee', level: 'complexe' });
		expect(overridden.complexity.reasons.at(-1)).toMatch(
			/Niveau choisi par l’agent : situation complexe/
		);
		expect(computed.complexity.reasons.join()).not.toMatch(/Niveau choisi/);
		// The network stops at coordinated situations: once complexe is chosen, below the MAIA gate,
		// it is a coordination support ranked after those whose range reaches complexe.
		const network = one('reseau_sante');
		expect(levelInRange('complexe', network.level_min, network.level_max)).toBe(false);
		const support = overridden.result.recommendations.find((r) => r.structure.id === network.id);
		expect(support?.reasons.join()).toMatch(/Appui à la coordination/);
		// A prestation that stops at coordinated situations is excluded for the level.
		const prestation = DEMO.find(
			(r) =>
				r.problems.includes('medical') &&
				r.kind === 'medecin' &&
				r.coverage?.includes('13204') &&
				!levelInRange('complexe', r.level_min, r.level_max)
		);
		expect(prestation).toBeDefined();
		expect(
			overridden.result.excluded.find((e) => e.structure.id === prestation?.id)?.codes
		).toEqual(['level']);

		const api = toApiAnswer(overridden);
		expect(api.complexity).toEqual({
			computed: 'coordonnee',
			level: 'complexe',
			reasons: overridden.complexity.reasons,
			case_management: {
				met: false,
				override: false,
				conditions: overridden.complexity.caseManagement.conditions
			}
		});
		expect(Object.keys(api.excluded[0] ?? {})).toEqual(['structure', 'reasons']);
	});

	it('refuses a city split into arrondissements, a place of no territory of the agent, an unknown territory', async () => {
		const city = await orientationRejection(
			ask(t.db, agent, { commune: '13055', age: 80, problems: ['medical'] })
		);
		expect(city.status).toBe(422);
		expect(city.issues[0]).toMatchObject({ path: 'commune' });
		expect(city.issues[0]?.message).toMatch(/arrondissement.*13201 à 13216/);

		const elsewhere = await orientationRejection(
			ask(t.db, agent, { commune: '13005', age: 80, problems: ['medical'] })
		);
		expect(elsewhere.status).toBe(404);

		const unknown = await orientationRejection(
			ask(t.db, agentCaller(null), {
				territory: 'nulle-part',
				commune: '13204',
				age: 80,
				problems: ['medical']
			})
		);
		expect(unknown.status).toBe(404);
		const outOfScope = await orientationRejection(
			ask(t.db, agentCaller(['autre']), {
				territory: DEMO_TERRITORY_ID,
				commune: '13204',
				age: 80,
				problems: ['medical']
			})
		);
		expect(outOfScope.status).toBe(404);
		expect(outOfScope.message).toBe(unknown.message.replace('nulle-part', DEMO_TERRITORY_ID));
	});
});

/* ------------------------- A second, differently shaped territory ------------------------- */

const AUBAGNE = '13005';
const LA_PENNE = '13070';
const TERRITORY = 'pays-aubagne';
const OTHER_TERRITORY = 'marseille-centre';
const EPCI = referencePlaces().find((p) => p.code === AUBAGNE)?.epci as string;

/** A point well inside Aubagne, from the shipped boundaries. */
function insideAubagne(): [number, number] {
	const feature = shippedBoundaries('communes-13.geojson').features.find(
		(f) => f.properties?.code === AUBAGNE
	);
	return pointOnFeature(feature!).geometry.coordinates as [number, number];
}

function aubagneRecords(): ImportRecord[] {
	const [lon, lat] = insideAubagne();
	const both = [AUBAGNE, LA_PENNE];
	return [
		structureRecord({
			id: 'aub:memoire',
			name: 'Consultation mémoire du pays d’Aubagne',
			kind: 'consultation_memoire',
			coverage: both,
			problems: ['troubles_cognitifs'],
			level_min: 'simple',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:generaliste',
			name: 'Association Bien vieillir dans la Métropole',
			kind: 'association',
			coverage: [`epci:${EPCI}`],
			problems: [
				'troubles_cognitifs',
				'aidants',
				'aides_domicile',
				'perte_autonomie',
				'droits',
				'gestion_courante',
				'logement',
				'maintien_domicile'
			],
			level_min: 'information',
			level_max: 'complexe'
		}),
		structureRecord({
			id: 'aub:dac',
			name: 'DAC Est 13 – appui à la coordination',
			kind: 'dac',
			coverage: ['dep:13'],
			problems: ['perte_autonomie', 'aides_domicile'],
			level_min: 'simple',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:saad',
			name: 'SAAD de l’Huveaune',
			kind: 'saad',
			coverage: both,
			problems: ['perte_autonomie', 'aides_domicile'],
			level_min: 'information',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:espace-seniors',
			name: 'Espace seniors d’Aubagne (CLIC)',
			kind: 'clic',
			coverage: both,
			problems: ['aides_domicile', 'droits', 'entree_etablissement'],
			level_min: 'information',
			level_max: 'coordonnee',
			mode: 'masse'
		}),
		structureRecord({
			id: 'aub:gestion-cas',
			name: 'Gestion de cas – DAC Est 13',
			kind: 'gestion_cas',
			coverage: [`epci:${EPCI}`],
			problems: [
				'perte_autonomie',
				'troubles_cognitifs',
				'aidants',
				'maintien_domicile',
				'medical'
			],
			level_min: 'complexe',
			level_max: 'complexe',
			mode: 'sur_mesure',
			age_min: 60,
			caseload_max: 40,
			caseload_current: 42
		}),
		structureRecord({
			id: 'aub:handicap',
			name: 'Service d’accompagnement des adultes handicapés',
			kind: 'autre',
			coverage: both,
			problems: ['perte_autonomie', 'aidants'],
			level_min: 'simple',
			level_max: 'coordonnee',
			age_max: 59
		}),
		structureRecord({
			id: 'aub:saad-hors-apa',
			name: 'SAAD Les Aubagnais (hors APA)',
			kind: 'saad',
			coverage: [AUBAGNE],
			problems: ['gestion_courante'],
			level_min: 'simple',
			level_max: 'coordonnee',
			apa: 'excluded'
		}),
		structureRecord({
			id: 'aub:ssiad',
			name: 'SSIAD du centre d’Aubagne',
			kind: 'ssiad',
			coverage: undefined,
			coverage_geojson: squareAround(lon, lat, 0.003),
			problems: ['soins_domicile'],
			level_min: 'simple',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:ccas-la-penne',
			name: 'CCAS de La Penne-sur-Huveaune',
			kind: 'ccas',
			coverage: [LA_PENNE],
			problems: ['droits', 'finances'],
			level_min: 'information',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:cpts',
			name: 'CPTS du pays d’Aubagne – cellule de coordination',
			kind: 'medecin',
			coordination: true,
			coverage: both,
			problems: ['medical'],
			level_min: 'simple',
			level_max: 'coordonnee'
		}),
		structureRecord({
			id: 'aub:cabinet',
			name: 'Cabinet médical de la Tourtelle',
			kind: 'medecin',
			coverage: both,
			problems: ['medical'],
			level_min: 'simple',
			level_max: 'coordonnee'
		})
	];
}

function otherRecords(): ImportRecord[] {
	return [
		structureRecord({
			id: 'mc:mjpm',
			name: 'Service MJPM des Bouches-du-Rhône',
			kind: 'mjpm',
			coverage: ['dep:13'],
			problems: ['protection_juridique'],
			level_min: 'simple',
			level_max: 'complexe'
		})
	];
}

describe.each(DATABASES)('orientation scenarios on a second territory, on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const agent = agentCaller([TERRITORY]);
	const records = [...aubagneRecords(), ...otherRecords()];
	const byId = new Map(records.map((r) => [r.id, r]));
	let coverage: Coverage;
	beforeAll(async () => {
		await putTerritory(t.db, TERRITORY, { name: 'Pays d’Aubagne', communes: [AUBAGNE, LA_PENNE] });
		await putTerritory(t.db, OTHER_TERRITORY, { name: 'Marseille centre', communes: ['13201'] });
		await importStructures(t.db, TERRITORY, aubagneRecords(), 'replace');
		await importStructures(t.db, OTHER_TERRITORY, otherRecords(), 'replace');
		coverage = await coverageOf(t.db);
	});

	async function answer(request: RecommendationRequestInput) {
		const result = await ask(t.db, agent, request);
		expectConsistent(result, request, records, coverage);
		return result;
	}
	const ids = (result: Awaited<ReturnType<typeof answer>>) =>
		result.result.recommendations.map((r) => r.structure.id);

	it('resolves the territory from the place, and expands epci and dep coverage to both communes', async () => {
		for (const commune of [AUBAGNE, LA_PENNE]) {
			const result = await answer({ commune, age: 80, problems: ['perte_autonomie'] });
			expect(result.territory).toBe(TERRITORY);
			expect(ids(result)).toEqual(expect.arrayContaining(['aub:generaliste', 'aub:dac']));
		}
		expect(EPCI).toMatch(/^\d{9}$/);
		expect(referencePlaces().find((p) => p.code === LA_PENNE)?.epci).toBe(EPCI);
	});

	it('ranks the specialist above the generalist', async () => {
		const result = await answer({ commune: AUBAGNE, age: 80, problems: ['troubles_cognitifs'] });
		expect(result.complexity.level).toBe('simple');
		expect(ids(result)).toEqual(['aub:memoire', 'aub:generaliste']);
		expect(result.result.recommendations[0]?.reasons.join()).toMatch(/Spécialisé : 1 problème/);
	});

	// Issue 13 changed this rule: at level `simple` the coordination structure is still the first
	// door (« elles facilitent, en premier lieu, la médiation […] par l'information individualisée
	// et l'orientation vers des services d'aide à domicile », seeds/002 l. 63); the service comes
	// first when the request is for the service itself.
	it('ranks coordination above prestation for a coordinated need and a simple one; the service for a service request', async () => {
		const request = { commune: LA_PENNE, age: 45, problems: ['perte_autonomie'] as ProblemCode[] };
		const coordinated = await answer({ ...request, criteria: ['evolution_brutale'] });
		expect(coordinated.complexity.level).toBe('coordonnee');
		const order = ids(coordinated);
		expect(order.indexOf('aub:dac')).toBeLessThan(order.indexOf('aub:saad'));
		expect(order[0]).toBe('aub:dac');

		const simple = await answer(request);
		expect(simple.complexity.level).toBe('simple');
		expect(ids(simple).indexOf('aub:dac')).toBeLessThan(ids(simple).indexOf('aub:saad'));

		const service = await answer({ ...request, request_type: 'prestation' });
		expect(ids(service).indexOf('aub:saad')).toBeLessThan(ids(service).indexOf('aub:dac'));
	});

	it('follows the coordination flag of the data over the default of the kind', async () => {
		const request = { commune: AUBAGNE, age: 80, problems: ['medical'] as ProblemCode[] };
		expect(ids(await answer({ ...request, criteria: ['isolement'] }))).toEqual([
			'aub:cpts',
			'aub:cabinet'
		]);
		expect(ids(await answer(request))).toEqual(['aub:cpts', 'aub:cabinet']);
		expect(ids(await answer({ ...request, request_type: 'prestation' }))).toEqual([
			'aub:cabinet',
			'aub:cpts'
		]);
	});

	it('sends an information request to the information desk rather than to a service', async () => {
		const result = await answer({
			commune: AUBAGNE,
			age: 80,
			problems: ['aides_domicile'],
			request_type: 'information'
		});
		expect(result.complexity.level).toBe('information');
		expect(kindsOf(result)[0]).toBe('clic');
		expect(ids(result)).toContain('aub:saad');
		// The DAC does not answer information requests: excluded for the level.
		expect(result.result.excluded.find((e) => e.structure.id === 'aub:dac')?.codes).toEqual([
			'level'
		]);
	});

	it('still shows the full case-management service, with a warning', async () => {
		const full = byId.get('aub:gestion-cas') as ImportRecord;
		expect(full.caseload_current).toBeGreaterThanOrEqual(full.caseload_max as number);
		const result = await answer({
			commune: LA_PENNE,
			age: 85,
			problems: ['troubles_cognitifs', 'perte_autonomie', 'logement'],
			criteria: ['cumul_pathologies', 'services_depasses', 'sans_coordinateur']
		});
		expect(result.complexity.caseManagement.met).toBe(true);
		expect(result.complexity.level).toBe('complexe');
		const shown = result.result.recommendations.find((r) => r.structure.kind === 'gestion_cas');
		expect(shown?.warnings.join()).toMatch(
			/File active complète \(42 situations suivies pour 40 places\)/
		);
		expect(result.result.orphan).toBe(false);
		expect(result.result.excluded.map((e) => e.structure.id)).not.toContain('aub:gestion-cas');
	});

	it('applies the age limit (age_max) and the APA exclusion of the data', async () => {
		const old = await answer({ commune: AUBAGNE, age: 70, problems: ['perte_autonomie'] });
		expect(ids(old)).not.toContain('aub:handicap');
		const tooOld = old.result.excluded.find((e) => e.structure.id === 'aub:handicap');
		expect(tooOld?.codes).toEqual(['age']);
		expect(tooOld?.reasons.join()).toContain('59 ans au plus (70 ans)');
		const young = await answer({ commune: AUBAGNE, age: 45, problems: ['perte_autonomie'] });
		expect(ids(young)).toContain('aub:handicap');

		const apa = await answer({
			commune: AUBAGNE,
			age: 75,
			apa: true,
			problems: ['gestion_courante']
		});
		expect(ids(apa)).not.toContain('aub:saad-hors-apa');
		expect(apa.result.excluded.find((e) => e.structure.id === 'aub:saad-hors-apa')?.codes).toEqual([
			'apa'
		]);
		const noApa = await answer({
			commune: AUBAGNE,
			age: 75,
			apa: false,
			problems: ['gestion_courante']
		});
		expect(ids(noApa)[0]).toBe('aub:saad-hors-apa');
	});

	it('follows a polygon coverage: covered inside it, out of area beside it, orphan when nobody covers', async () => {
		const inside = await answer({ commune: AUBAGNE, age: 80, problems: ['soins_domicile'] });
		expect(ids(inside)).toEqual(['aub:ssiad']);
		const [lon, lat] = insideAubagne();
		const byPoint = await answer({ location: { lon, lat }, age: 80, problems: ['soins_domicile'] });
		expect(byPoint.place.code).toBe(AUBAGNE);
		expect(ids(byPoint)).toEqual(['aub:ssiad']);

		const beside = await answer({ commune: LA_PENNE, age: 80, problems: ['soins_domicile'] });
		expect(beside.result.recommendations).toEqual([]);
		expect(beside.result.orphan).toBe(true);
		expect(beside.result.excluded.map((e) => [e.structure.id, e.codes])).toEqual([
			['aub:ssiad', ['area']]
		]);
	});

	it('is orphan when the only service taking the problem covers another commune', async () => {
		const result = await answer({ commune: AUBAGNE, age: 80, problems: ['finances', 'droits'] });
		expect(result.result.orphan).toBe(true);
		expect(result.result.excluded.map((e) => [e.structure.kind, e.codes])).toEqual([
			['ccas', ['area']]
		]);
		// Others taking a secondary problem are still listed, for what they can do.
		expect(kindsOf(result)).toContain('clic');
	});

	it('weighs a structure covering the place whichever territory imported it', async () => {
		// Issue 13: one field stays « à coordonner » whatever the criteria (seeds/000 l. 421).
		const result = await answer({
			commune: AUBAGNE,
			age: 80,
			problems: ['protection_juridique'],
			criteria: ['conflit_familial', 'refus_aide', 'isolement']
		});
		expect(result.territory).toBe(TERRITORY);
		expect(result.complexity.level).toBe('coordonnee');
		expect(kindsOf(result)).toEqual(['mjpm']);
		expect(result.result.orphan).toBe(false);
	});

	it('finds nothing of this territory for a place it does not cover', async () => {
		const result = await ask(t.db, agentCaller(null), {
			commune: '13201',
			age: 80,
			problems: ['soins_domicile']
		});
		expect(result.territory).toBe(OTHER_TERRITORY);
		expect(result.result.recommendations).toEqual([]);
		expect(result.result.excluded).toEqual([]);
		expect(result.result.orphan).toBe(true);
	});
});
