import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	COMPLEX_MIN_FIELDS,
	LEVEL_THRESHOLDS,
	assessComplexity,
	missingConditions,
	type RequestType
} from './complexity';
import { CRITERION_CODES, PROBLEM_CODES, levelRank } from './taxonomy';

const problems = fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 5 });
const criteria = fc.uniqueArray(fc.constantFrom(...CRITERION_CODES), { maxLength: 9 });
const requestType = fc.constantFrom<RequestType>('information', 'accompagnement', 'prestation');

describe('assessComplexity', () => {
	// Each criterion's weight, read off the points of a one-field request that has it alone.
	it.each([
		['isolement', 1],
		['conflit_familial', 1],
		['evolution_brutale', 1],
		['multi_intervenants', 1],
		['refus_aide', 1],
		['cumul_pathologies', 2],
		['aides_insuffisantes', 1],
		['sans_coordinateur', 1],
		['services_depasses', 2]
	] as const)('%s weighs %i', (criterion, weight) => {
		expect(
			assessComplexity({
				problems: ['medical'],
				criteria: [criterion],
				requestType: 'accompagnement'
			}).points
		).toBe(weight);
	});

	it('each field beyond the first adds one point; thresholds at 1 and 3', () => {
		const points = (p: (typeof PROBLEM_CODES)[number][]) =>
			assessComplexity({ problems: p, criteria: [], requestType: 'accompagnement' }).points;
		expect(points(['medical', 'troubles_cognitifs'])).toBe(0);
		expect(points(['medical', 'logement'])).toBe(1);
		expect(points(['medical', 'logement', 'aidants'])).toBe(2);
		expect(LEVEL_THRESHOLDS).toEqual({ coordonnee: 1, complexe: 3 });
		expect(COMPLEX_MIN_FIELDS).toBe(2);
	});

	it('an information request with no criterion is an information request', () => {
		fc.assert(
			fc.property(problems, (p) => {
				expect(
					assessComplexity({ problems: p, criteria: [], requestType: 'information' }).computed
				).toBe('information');
			})
		);
	});

	it('the MAIA triple is complex', () => {
		fc.assert(
			fc.property(criteria, requestType, (c, type) => {
				const result = assessComplexity({
					problems: ['logement', 'perte_autonomie', 'troubles_cognitifs'],
					criteria: [...c, 'aides_insuffisantes', 'sans_coordinateur'],
					requestType: type
				});
				expect(result.computed).toBe('complexe');
				expect(result.maiaRule).toBe(true);
			})
		);
	});

	it('adding a criterion never lowers the level (property)', () => {
		fc.assert(
			fc.property(
				problems,
				criteria,
				fc.constantFrom(...CRITERION_CODES),
				requestType,
				(p, c, extra, type) => {
					const before = assessComplexity({ problems: p, criteria: c, requestType: type });
					const after = assessComplexity({
						problems: p,
						criteria: [...c, extra],
						requestType: type
					});
					expect(levelRank(after.computed)).toBeGreaterThanOrEqual(levelRank(before.computed));
				}
			)
		);
	});

	it('adding a problem never lowers the level (property)', () => {
		fc.assert(
			fc.property(
				problems,
				criteria,
				fc.constantFrom(...PROBLEM_CODES),
				requestType,
				(p, c, extra, type) => {
					const before = assessComplexity({ problems: p, criteria: c, requestType: type });
					const after = assessComplexity({
						problems: [...p, extra],
						criteria: c,
						requestType: type
					});
					expect(levelRank(after.computed)).toBeGreaterThanOrEqual(levelRank(before.computed));
				}
			)
		);
	});

	it('explains itself criterion by criterion', () => {
		const result = assessComplexity({
			problems: ['medical', 'aidants'],
			criteria: ['isolement', 'services_depasses'],
			requestType: 'accompagnement'
		});
		expect(result.points).toBe(4);
		expect(result.computed).toBe('complexe');
		expect(result.reasons[0]).toMatch(/^Isolement.*\+1$/);
		expect(result.reasons[1]).toMatch(/ne peuvent plus faire face : \+2$/);
		expect(result.reasons[2]).toMatch(/2 champs.*\+1$/);
	});

	it('reads levels from the points, complex only across two fields', () => {
		const level = (
			c: (typeof CRITERION_CODES)[number][],
			p: (typeof PROBLEM_CODES)[number][] = ['medical', 'logement']
		) => assessComplexity({ problems: p, criteria: c, requestType: 'accompagnement' }).computed;
		expect(level([], ['medical'])).toBe('simple');
		expect(level(['isolement'], ['medical'])).toBe('coordonnee');
		// Two fields already bring a point: 1 + 1 criterion.
		expect(level(['isolement'])).toBe('coordonnee');
		expect(level(['isolement', 'refus_aide'])).toBe('complexe');
		// « Un cas est « complexe » lorsqu’une pluralité de facteurs multidimensionnels (p.ex.,
		// médicaux, psychosociaux, économiques) est en présence » (seeds/000 l. 421): one field,
		// however many criteria, stays « à coordonner ».
		expect(level(['isolement', 'refus_aide', 'conflit_familial'], ['medical'])).toBe('coordonnee');
		expect(level(['isolement', 'refus_aide', 'services_depasses'], ['logement'])).toBe(
			'coordonnee'
		);
	});

	it('a housing-only situation of an isolated person who refuses help is to coordinate, not complex', () => {
		const result = assessComplexity({
			problems: ['logement'],
			criteria: ['isolement', 'refus_aide', 'conflit_familial'],
			requestType: 'accompagnement'
		});
		expect(result.points).toBe(3);
		expect(result.computed).toBe('coordonnee');
		expect(result.reasons.at(-1)).toMatch(/un seul champ.*multidimensionnelle/);
	});

	it('says which of the three MAIA conditions hold', () => {
		const gate = (p: (typeof PROBLEM_CODES)[number][], c: (typeof CRITERION_CODES)[number][]) =>
			Object.fromEntries(
				assessComplexity({
					problems: p,
					criteria: c,
					requestType: 'accompagnement'
				}).gate.conditions.map((x) => [x.code, x.met])
			);
		expect(gate(['logement', 'perte_autonomie'], ['aides_insuffisantes'])).toEqual({
			trois_champs: false,
			aides_insuffisantes: true,
			sans_coordinateur: false
		});
		const all = assessComplexity({
			problems: ['logement', 'perte_autonomie', 'medical'],
			criteria: ['aides_insuffisantes', 'sans_coordinateur'],
			requestType: 'information'
		});
		expect(all.gate.met).toBe(true);
		expect(all.computed).toBe('complexe');
		expect(missingConditions(all.gate)).toEqual([]);
		const two = assessComplexity({
			problems: ['logement', 'medical'],
			criteria: ['isolement', 'refus_aide', 'aides_insuffisantes'],
			requestType: 'accompagnement'
		});
		expect(two.computed).toBe('complexe');
		expect(two.gate.met).toBe(false);
		expect(missingConditions(two.gate)).toEqual([
			'des problèmes dans les trois champs (social, autonomie, médical)',
			'personne dans l’entourage pour mettre en place et coordonner les réponses'
		]);
	});

	it('adding a criterion or a problem never opens fewer gate conditions (property)', () => {
		fc.assert(
			fc.property(
				problems,
				criteria,
				fc.constantFrom(...PROBLEM_CODES),
				fc.constantFrom(...CRITERION_CODES),
				(p, c, extraProblem, extraCriterion) => {
					const count = (pp: typeof p, cc: typeof c) =>
						assessComplexity({
							problems: pp,
							criteria: cc,
							requestType: 'accompagnement'
						}).gate.conditions.filter((x) => x.met).length;
					expect(count([...p, extraProblem], [...c, extraCriterion])).toBeGreaterThanOrEqual(
						count(p, c)
					);
				}
			)
		);
	});
});
