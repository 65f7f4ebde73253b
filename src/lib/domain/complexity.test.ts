import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessComplexity, type RequestType } from './complexity';
import { CRITERION_CODES, PROBLEM_CODES, levelRank } from './taxonomy';

const problems = fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 5 });
const criteria = fc.uniqueArray(fc.constantFrom(...CRITERION_CODES), { maxLength: 9 });
const requestType = fc.constantFrom<RequestType>('information', 'accompagnement');

describe('assessComplexity', () => {
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

	it('reads levels from the points', () => {
		const level = (c: (typeof CRITERION_CODES)[number][]) =>
			assessComplexity({ problems: ['medical'], criteria: c, requestType: 'accompagnement' })
				.computed;
		expect(level([])).toBe('simple');
		expect(level(['isolement'])).toBe('coordonnee');
		expect(level(['isolement', 'refus_aide'])).toBe('coordonnee');
		expect(level(['isolement', 'refus_aide', 'conflit_familial'])).toBe('complexe');
	});
});
