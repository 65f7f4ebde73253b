import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	recommend,
	type CandidateStructure,
	type RecommendationRequest,
	type TerritoryRule
} from './recommendation';
import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES, levelRank } from './taxonomy';

const today = new Date('2026-11-27T00:00:00Z');

function structure(
	overrides: Partial<CandidateStructure> & Pick<CandidateStructure, 'id'>
): CandidateStructure {
	return {
		name: overrides.id,
		kind: 'autre',
		problems: ['medical'],
		levelMin: 'information',
		levelMax: 'complexe',
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

const request = (overrides: Partial<RecommendationRequest> = {}): RecommendationRequest => ({
	age: 80,
	apa: false,
	problems: ['medical'],
	level: 'coordonnee',
	placeLabel: 'Commune test (00001)',
	...overrides
});

const ids = (list: { structure: { id: string } }[]) => list.map((r) => r.structure.id);

describe('recommend', () => {
	it('recommends only structures that cover the place, accept the person and take a problem at that level', () => {
		const result = recommend(
			request(),
			[
				structure({ id: 'ok' }),
				structure({ id: 'elsewhere', coversPlace: false }),
				structure({ id: 'over-85', ageMin: 85 }),
				structure({ id: 'apa-only', apa: 'required' }),
				structure({ id: 'too-simple', levelMax: 'simple' }),
				structure({ id: 'other-problem', problems: ['logement'] })
			],
			today
		);
		expect(ids(result.recommendations)).toEqual(['ok']);
		expect(Object.fromEntries(result.excluded.map((e) => [e.structure.id, e.codes]))).toEqual({
			elsewhere: ['area'],
			'over-85': ['age'],
			'apa-only': ['apa'],
			'too-simple': ['level']
		});
		expect(result.orphan).toBe(false);
	});

	it('ranks the dominant problem above the others', () => {
		const result = recommend(
			request({ problems: ['medical', 'logement'] }),
			[structure({ id: 'housing', problems: ['logement'] }), structure({ id: 'medical' })],
			today
		);
		expect(ids(result.recommendations)).toEqual(['medical', 'housing']);
	});

	it('ranks a specialist above a generalist at the same level', () => {
		const result = recommend(
			request({ level: 'simple' }),
			[
				structure({ id: 'generalist', problems: [...PROBLEM_CODES] }),
				structure({
					id: 'specialist',
					problems: ['medical'],
					levelMin: 'simple',
					levelMax: 'coordonnee'
				})
			],
			today
		);
		expect(ids(result.recommendations)).toEqual(['specialist', 'generalist']);
	});

	it('ranks coordination above prestation for a coordination need, and the reverse for a simple one', () => {
		const candidates = [
			structure({ id: 'network', coordination: true, kind: 'reseau_sante' }),
			structure({ id: 'hospital', coordination: false, kind: 'hopital' })
		];
		expect(
			ids(recommend(request({ level: 'coordonnee' }), candidates, today).recommendations)
		).toEqual(['network', 'hospital']);
		expect(ids(recommend(request({ level: 'simple' }), candidates, today).recommendations)).toEqual(
			['hospital', 'network']
		);
	});

	it('still shows a full case-management service, with a warning, below one with room', () => {
		const result = recommend(
			request({ level: 'complexe' }),
			[
				structure({
					id: 'full',
					kind: 'gestion_cas',
					coordination: true,
					caseloadMax: 120,
					caseloadCurrent: 121
				}),
				structure({
					id: 'room',
					kind: 'gestion_cas',
					coordination: true,
					caseloadMax: 120,
					caseloadCurrent: 60
				})
			],
			today
		);
		expect(ids(result.recommendations)).toEqual(['room', 'full']);
		expect(result.recommendations[1]?.warnings.join()).toMatch(/complète/);
	});

	it('warns about data not verified for over a year', () => {
		const [first] = recommend(
			request(),
			[structure({ id: 'old', updatedAt: '2024-01-01' })],
			today
		).recommendations;
		expect(first?.warnings).toEqual(['Données non vérifiées depuis plus d’un an']);
	});

	it('is orphan when nobody takes the dominant problem at that level for that place and person', () => {
		const result = recommend(
			request({ problems: ['medical', 'logement'] }),
			[
				structure({ id: 'housing', problems: ['logement'] }),
				structure({ id: 'far', coversPlace: false })
			],
			today
		);
		expect(ids(result.recommendations)).toEqual(['housing']);
		expect(result.orphan).toBe(true);
		expect(recommend(request(), [], today).orphan).toBe(true);
	});

	it('applies the territory rules: prefer puts a structure first, never excludes it', () => {
		const candidates = [
			structure({ id: 'first', coordination: true }),
			structure({ id: 'second' })
		];
		const rule = (overrides: Partial<TerritoryRule>): TerritoryRule => ({
			id: 'r',
			effect: 'prefer',
			structureId: 'second',
			problem: null,
			level: null,
			commune: null,
			reason: 'concertation du 3 mars',
			...overrides
		});
		const base = recommend(request(), candidates, today);
		expect(ids(base.recommendations)).toEqual(['first', 'second']);
		const preferred = recommend(request({ place: '00001' }), candidates, today, [
			rule({ commune: '00001' })
		]);
		expect(ids(preferred.recommendations)).toEqual(['second', 'first']);
		expect(preferred.recommendations[0]?.reasons[0]).toMatch(
			/^Règle du territoire : à privilégier — concertation/
		);
		// Limited to another problem, level or place: no effect.
		for (const limited of [
			rule({ problem: 'logement' }),
			rule({ level: 'complexe' }),
			rule({ commune: '99999' })
		]) {
			expect(
				ids(recommend(request({ place: '00001' }), candidates, today, [limited]).recommendations)
			).toEqual(['first', 'second']);
		}
		const never = recommend(request(), candidates, today, [
			rule({ effect: 'never', structureId: 'first' })
		]);
		expect(ids(never.recommendations)).toEqual(['second']);
		expect(never.excluded[0]?.codes).toEqual(['rule']);
		expect(never.excluded[0]?.reasons[0]).toMatch(/ne pas orienter ici — concertation/);
	});

	const candidate = fc.record({
		id: fc.uuid(),
		name: fc.string({ maxLength: 8 }),
		kind: fc.constantFrom(...KIND_CODES),
		problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 4 }),
		levels: fc.tuple(fc.constantFrom(...LEVEL_CODES), fc.constantFrom(...LEVEL_CODES)),
		coordination: fc.boolean(),
		ageMin: fc.option(fc.integer({ min: 0, max: 90 })),
		apa: fc.constantFrom('any' as const, 'required' as const, 'excluded' as const),
		coversPlace: fc.boolean()
	});
	const anyRequest = fc.record({
		age: fc.integer({ min: 18, max: 100 }),
		apa: fc.boolean(),
		problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 3 }),
		level: fc.constantFrom(...LEVEL_CODES)
	});

	it('partitions the structures taking the dominant problem into recommended and excluded (property)', () => {
		fc.assert(
			fc.property(fc.array(candidate, { maxLength: 12 }), anyRequest, (raw, r) => {
				const candidates = raw.map((c) => {
					const [a, b] =
						levelRank(c.levels[0]) <= levelRank(c.levels[1])
							? c.levels
							: [c.levels[1], c.levels[0]];
					return structure({ ...c, levelMin: a, levelMax: b });
				});
				const req = request(r);
				const result = recommend(req, candidates, today);
				const recommended = new Set(ids(result.recommendations));
				const excluded = new Set(ids(result.excluded));
				for (const s of candidates) {
					if (s.problems.includes(req.problems[0] as never)) {
						expect(recommended.has(s.id) !== excluded.has(s.id)).toBe(true);
					}
				}
				for (const rec of result.recommendations) {
					const s = candidates.find((c) => c.id === rec.structure.id) as CandidateStructure;
					expect(s.coversPlace).toBe(true);
					expect(
						levelRank(s.levelMin) <= levelRank(req.level) &&
							levelRank(req.level) <= levelRank(s.levelMax)
					).toBe(true);
					expect(rec.score).toBeGreaterThanOrEqual(0);
					expect(rec.score).toBeLessThanOrEqual(1);
				}
				const scores = result.recommendations.map((x) => x.score);
				expect([...scores].sort((a, b) => b - a)).toEqual(scores);
				const dominantTaken = result.recommendations.some((rec) =>
					candidates
						.find((c) => c.id === rec.structure.id)
						?.problems.includes(req.problems[0] as never)
				);
				expect(result.orphan).toBe(!dominantTaken);
			})
		);
	});
});
