import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	recommend,
	scoreStructure,
	type CandidateStructure,
	type RecommendationRequest
} from './recommendation';
import { MAX_BESIDES_DOMINANT, NEAR_FULL, SCORE_WEIGHTS } from './scoring';
import { LEVEL_CODES, PROBLEM_CODES, levelRank } from './taxonomy';

/**
 * Each weight of the scoring table, proved by two structures (or two requests) that differ by
 * that factor alone: the difference of their scores is the weight, written here as a number.
 * Changing a weight in scoring.ts fails its row.
 */

const today = new Date('2026-12-01T00:00:00Z');

function structure(overrides: Partial<CandidateStructure> = {}): CandidateStructure {
	return {
		id: 's',
		name: 's',
		kind: 'autre',
		problems: ['medical', 'logement'],
		levelMin: 'simple',
		levelMax: 'coordonnee',
		coordination: false,
		mode: null,
		ageMin: null,
		ageMax: null,
		apa: 'any',
		handicap: 'any',
		caseloadMax: null,
		caseloadCurrent: null,
		updatedAt: '2026-06-01',
		coversPlace: true,
		...overrides
	};
}

function request(overrides: Partial<RecommendationRequest> = {}): RecommendationRequest {
	return {
		age: 80,
		apa: true,
		handicap: true,
		problems: ['medical'],
		level: 'simple',
		placeLabel: 'Commune test (00001)',
		...overrides
	};
}

const score = (s: Partial<CandidateStructure>, r: Partial<RecommendationRequest> = {}) =>
	scoreStructure(structure(s), request(r), today).score;

interface Row {
	weight: string;
	/** The variant with the factor, and without it. */
	with: [Partial<CandidateStructure>, Partial<RecommendationRequest>?];
	without: [Partial<CandidateStructure>, Partial<RecommendationRequest>?];
	delta: number;
}

const ROWS: Row[] = [
	{
		weight: 'dominant: takes the dominant problem',
		with: [{ problems: ['medical'] }],
		without: [{ problems: ['droits'] }],
		delta: 0.5
	},
	{
		weight: 'mission: a coordination structure for a request of information or follow-up',
		with: [{ coordination: true }],
		without: [{ coordination: false }],
		delta: 0.2
	},
	{
		weight: 'mission: a prestation for a request of the service itself',
		with: [{ coordination: false }, { requestType: 'prestation' }],
		without: [{ coordination: true }, { requestType: 'prestation' }],
		delta: 0.2
	},
	{
		weight: 'mission: home nursing is a service by its statement',
		with: [{ coordination: false, problems: ['soins_domicile'] }, { problems: ['soins_domicile'] }],
		without: [
			{ coordination: true, problems: ['soins_domicile'] },
			{ problems: ['soins_domicile'] }
		],
		delta: 0.2
	},
	{
		weight: 'problems: one problem declared rather than two (0.09/1 − 0.09/2)',
		with: [{ problems: ['medical'] }],
		without: [{ problems: ['medical', 'logement'] }],
		delta: 0.045
	},
	{
		weight: 'levels: one level rather than two (0.03/1 − 0.03/2)',
		with: [{ levelMin: 'simple', levelMax: 'simple' }],
		without: [{ levelMin: 'simple', levelMax: 'coordonnee' }],
		delta: 0.015
	},
	{
		weight: 'public: an age limit the person meets',
		with: [{ ageMin: 60 }],
		without: [{}],
		delta: 0.03
	},
	{
		weight: 'public: APA required, the person has it',
		with: [{ apa: 'required' }],
		without: [{}],
		delta: 0.03
	},
	{
		weight: 'public: a recognised disability required, the person has one',
		with: [{ handicap: 'required' }],
		without: [{}],
		delta: 0.03
	},
	{
		weight: 'secondary: takes the other problem of the request',
		with: [{ problems: ['medical', 'logement'] }, { problems: ['medical', 'logement'] }],
		without: [{ problems: ['medical', 'droits'] }, { problems: ['medical', 'logement'] }],
		delta: 0.06
	},
	{
		weight: 'treatment: mass treatment for a simple request',
		with: [{ mode: 'masse' }],
		without: [{ mode: null }],
		delta: 0.03
	},
	{
		weight: 'treatment: tailor-made for a situation to coordinate',
		with: [{ mode: 'sur_mesure' }, { level: 'coordonnee' }],
		without: [{ mode: null }, { level: 'coordonnee' }],
		delta: 0.03
	},
	{
		weight: 'nearFull: 95 of 100 places taken',
		with: [{ caseloadMax: 100, caseloadCurrent: 95 }],
		without: [{}],
		delta: -0.05
	},
	{
		weight: 'full: 100 of 100 places taken',
		with: [{ caseloadMax: 100, caseloadCurrent: 100 }],
		without: [{}],
		delta: -0.2
	},
	{
		weight: 'NEAR_FULL: 89 of 100 is not nearly full',
		with: [{ caseloadMax: 100, caseloadCurrent: 89 }],
		without: [{}],
		delta: 0
	},
	{
		weight: 'NEAR_FULL: 90 of 100 is nearly full',
		with: [{ caseloadMax: 100, caseloadCurrent: 90 }],
		without: [{}],
		delta: -0.05
	}
];

describe('the scoring table', () => {
	it.each(ROWS)('$weight: $delta', (row) => {
		const a = score(row.with[0], row.with[1]);
		const b = score(row.without[0], row.without[1]);
		expect(Math.round((a - b) * 1000) / 1000).toBe(row.delta);
	});

	it('names its constants as the rows do', () => {
		expect(NEAR_FULL).toBe(0.9);
		expect(SCORE_WEIGHTS).toEqual({
			dominant: 0.5,
			mission: 0.2,
			problems: 0.09,
			levels: 0.03,
			public: 0.03,
			secondary: 0.06,
			treatment: 0.03,
			nearFull: 0.05,
			full: 0.2
		});
	});

	it('the dominant problem outweighs everything else together', () => {
		expect(MAX_BESIDES_DOMINANT).toBeLessThanOrEqual(SCORE_WEIGHTS.dominant);
		const anyStructure = fc.record({
			problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 16 }),
			levels: fc.tuple(fc.constantFrom(...LEVEL_CODES), fc.constantFrom(...LEVEL_CODES)),
			coordination: fc.boolean(),
			mode: fc.constantFrom('masse' as const, 'sur_mesure' as const, null),
			ageMin: fc.option(fc.integer({ min: 0, max: 80 })),
			apa: fc.constantFrom('any' as const, 'required' as const),
			handicap: fc.constantFrom('any' as const, 'required' as const)
		});
		fc.assert(
			fc.property(
				anyStructure,
				anyStructure,
				fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 2, maxLength: 4 }),
				fc.constantFrom(...LEVEL_CODES),
				(x, y, problems, level) => {
					const [dominant, ...others] = problems as [(typeof PROBLEM_CODES)[number]];
					const build = (v: typeof x, takesDominant: boolean) => {
						const [lo, hi] =
							levelRank(v.levels[0]) <= levelRank(v.levels[1])
								? v.levels
								: [v.levels[1], v.levels[0]];
						const rest = v.problems.filter((p) => p !== dominant);
						return structure({
							...v,
							levelMin: lo,
							levelMax: hi,
							problems: takesDominant ? [dominant, ...rest] : rest.length ? rest : others
						});
					};
					const r = request({ problems, level });
					const taking = scoreStructure(build(x, true), r, today).score;
					const notTaking = scoreStructure(build(y, false), r, today).score;
					expect(taking).toBeGreaterThan(notTaking);
				}
			)
		);
	});
});

describe('the order besides the score', () => {
	it('a structure whose rule cannot be checked comes after those that surely accept the person', () => {
		const result = recommend(
			request({ apa: null, level: 'simple' }),
			[
				// The APA team: a better score, but the person's APA status is unknown.
				structure({ id: 'apa-team', name: 'A', coordination: true, apa: 'required' }),
				structure({ id: 'service', name: 'B', coordination: false })
			],
			today
		);
		expect(result.recommendations.map((r) => r.structure.id)).toEqual(['service', 'apa-team']);
		expect(result.recommendations[1]?.score).toBeGreaterThan(
			result.recommendations[0]?.score as number
		);
		expect(result.recommendations[1]?.warnings[0]).toBe(
			'APA à vérifier : réservé aux bénéficiaires de l’APA, statut de la personne inconnu'
		);
		expect(result.recommendations[1]?.reasons).not.toContain(
			'Public accueilli : la personne en fait partie'
		);
		expect(result.orphan).toBe(false);
	});

	it('a territory rule (prefer) adds 0.5 and comes first', () => {
		const rule = {
			id: 'r',
			effect: 'prefer' as const,
			structureId: 'low',
			problem: null,
			level: null,
			commune: null,
			reason: 'concertation'
		};
		const candidates = [
			structure({ id: 'low', name: 'low', problems: ['droits'] }),
			structure({ id: 'high', name: 'high', coordination: true, problems: ['medical'] })
		];
		const r = request({ problems: ['medical', 'droits'] });
		const before = recommend(r, candidates, today).recommendations;
		const after = recommend(r, candidates, today, [rule]).recommendations;
		const of = (list: typeof before, id: string) =>
			list.find((r) => r.structure.id === id)?.score as number;
		expect(Math.round((of(after, 'low') - of(before, 'low')) * 1000) / 1000).toBe(0.5);
		expect(after[0]?.structure.id).toBe('low');
	});
});
