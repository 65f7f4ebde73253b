import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	recommend,
	type CandidateStructure,
	type Recommendation,
	type RecommendationRequest,
	type TerritoryRule
} from './recommendation';
import { compareNames } from './names';
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

	it('ranks coordination first for information, assessment and follow-up, the service for a service request', () => {
		const candidates = [
			structure({ id: 'network', coordination: true, kind: 'reseau_sante' }),
			structure({ id: 'hospital', coordination: false, kind: 'hopital' })
		];
		for (const level of ['information', 'simple', 'coordonnee'] as const) {
			expect(ids(recommend(request({ level }), candidates, today).recommendations)).toEqual([
				'network',
				'hospital'
			]);
		}
		expect(
			ids(
				recommend(request({ level: 'simple', requestType: 'prestation' }), candidates, today)
					.recommendations
			)
		).toEqual(['hospital', 'network']);
		// Home nursing is a service by its very statement.
		const nursing = [
			structure({ id: 'clic', coordination: true, kind: 'clic', problems: ['soins_domicile'] }),
			structure({ id: 'ssiad', coordination: false, kind: 'ssiad', problems: ['soins_domicile'] })
		];
		expect(
			ids(
				recommend(request({ level: 'simple', problems: ['soins_domicile'] }), nursing, today)
					.recommendations
			)
		).toEqual(['ssiad', 'clic']);
	});

	it('still shows a full case-management service, with a warning, below one with room', () => {
		const result = recommend(
			request({
				level: 'complexe',
				problems: ['medical', 'logement', 'perte_autonomie'],
				criteria: ['aides_insuffisantes', 'sans_coordinateur']
			}),
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

	it('never takes a case-management service as coordination support of a complex situation', () => {
		// Found by the property below: a gestion_cas service declared up to « coordonnée » with the
		// coordination flag must not come back, through the support path, for a complex situation
		// whose MAIA gate is closed.
		const result = recommend(
			request({ level: 'complexe' }),
			[
				structure({
					id: 'gc',
					kind: 'gestion_cas',
					coordination: true,
					levelMin: 'information',
					levelMax: 'coordonnee'
				}),
				structure({ id: 'dac', kind: 'dac', coordination: true, levelMax: 'coordonnee' })
			],
			today
		);
		expect(ids(result.recommendations)).toEqual(['dac']);
		expect(result.excluded.find((e) => e.structure.id === 'gc')?.codes).toContain('level');
	});

	it('leaves out of a re-orientation the structure that refused, named among the exclusions', () => {
		const candidates = [
			structure({ id: 'refuser', coordination: true, kind: 'reseau_sante' }),
			structure({ id: 'other' }),
			structure({ id: 'far', coversPlace: false })
		];
		const before = recommend(request(), candidates, today);
		// It would have been recommended, and first.
		expect(ids(before.recommendations)).toEqual(['refuser', 'other']);
		const reason = 'A refusé l’orientation OR-2026-00042 : Hors des missions';
		const leftOut = [{ structureId: 'refuser', reason }];
		const after = recommend(request({ leftOut }), candidates, today);
		expect(ids(after.recommendations)).toEqual(['other']);
		expect(after.excluded).toEqual(
			expect.arrayContaining([
				{
					structure: { id: 'refuser', name: 'refuser', kind: 'reseau_sante' },
					codes: ['refused'],
					reasons: [reason]
				}
			])
		);
		// The others are as they were.
		expect(after.recommendations).toEqual(
			before.recommendations.filter((r) => r.structure.id !== 'refuser')
		);
		expect(after.excluded.filter((e) => e.structure.id !== 'refuser')).toEqual(before.excluded);
		expect(after.orphan).toBe(false);
		// Orphan is computed without it: were it the only one, the situation is orphan.
		const alone = recommend(request({ leftOut }), [candidates[0] as CandidateStructure], today);
		expect(alone.recommendations).toEqual([]);
		expect(ids(alone.excluded)).toEqual(['refuser']);
		expect(alone.orphan).toBe(true);
		// Left out whatever it takes: even a rule preferring it does not bring it back.
		const preferred = recommend(request({ leftOut }), candidates, today, [
			{
				id: 'r1',
				effect: 'prefer',
				structureId: 'refuser',
				problem: null,
				level: null,
				commune: null,
				reason: 'Réseau du territoire'
			}
		]);
		expect(ids(preferred.recommendations)).toEqual(['other']);
		expect(ids(preferred.excluded)).toContain('refuser');
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
				const inRange = (s: CandidateStructure) =>
					levelRank(s.levelMin) <= levelRank(req.level) &&
					levelRank(req.level) <= levelRank(s.levelMax);
				for (const rec of result.recommendations) {
					const s = candidates.find((c) => c.id === rec.structure.id) as CandidateStructure;
					expect(s.coversPlace).toBe(true);
					// In its range, or — a complex situation below the MAIA gate — a coordination
					// structure that follows situations « à coordonner ».
					expect(
						inRange(s) ||
							(req.level === 'complexe' &&
								s.coordination &&
								levelRank(s.levelMin) <= levelRank('coordonnee') &&
								levelRank(s.levelMax) >= levelRank('coordonnee'))
					).toBe(true);
					// No criteria: the gate is closed, case management is never recommended complex.
					if (req.level === 'complexe') expect(s.kind).not.toBe('gestion_cas');
					expect(rec.score).toBeGreaterThanOrEqual(0);
					expect(rec.score).toBeLessThanOrEqual(1);
				}
				// The dominant problem in range first, then the coordination supports taking it, then
				// the others; best first within each.
				const group = (rec: Recommendation) => {
					const s = candidates.find((c) => c.id === rec.structure.id) as CandidateStructure;
					return !s.problems.includes(req.problems[0] as never) ? 2 : inRange(s) ? 0 : 1;
				};
				const ordered = result.recommendations.map((r) => [group(r), -r.score]);
				expect(
					[...ordered].sort(
						(a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number)
					)
				).toEqual(ordered);
				const dominantTaken = result.recommendations.some((rec) =>
					candidates
						.find((c) => c.id === rec.structure.id)
						?.problems.includes(req.problems[0] as never)
				);
				expect(result.orphan).toBe(!dominantTaken);
			})
		);
	});

	describe('the MAIA gate', () => {
		const complex = (overrides: Partial<RecommendationRequest> = {}) =>
			request({
				level: 'complexe',
				problems: ['perte_autonomie', 'medical'],
				criteria: ['isolement', 'refus_aide', 'aides_insuffisantes'],
				...overrides
			});
		const territory = [
			structure({
				id: 'case-management',
				kind: 'gestion_cas',
				coordination: true,
				problems: [...PROBLEM_CODES],
				levelMin: 'complexe',
				levelMax: 'complexe'
			}),
			structure({
				id: 'clic',
				kind: 'clic',
				coordination: true,
				problems: ['perte_autonomie', 'aidants'],
				levelMin: 'information',
				levelMax: 'coordonnee'
			}),
			structure({
				id: 'dac',
				kind: 'dac',
				coordination: true,
				problems: ['perte_autonomie', 'medical', 'logement'],
				levelMin: 'coordonnee',
				levelMax: 'complexe'
			}),
			structure({
				id: 'ssiad',
				kind: 'ssiad',
				coordination: false,
				problems: ['perte_autonomie', 'soins_domicile'],
				levelMin: 'simple',
				levelMax: 'coordonnee'
			})
		];

		it('below the three conditions, case management is « à proposer si … » and the coordination supports take it', () => {
			const result = recommend(complex(), territory, today);
			expect(ids(result.recommendations)).toEqual(['dac', 'clic']);
			const gated = result.excluded.find((e) => e.structure.id === 'case-management');
			expect(gated?.codes).toEqual(['gate']);
			expect(gated?.reasons[0]).toBe(
				'Gestion de cas : à proposer si des problèmes dans les trois champs (social, autonomie, médical) ; personne dans l’entourage pour mettre en place et coordonner les réponses'
			);
			expect(result.recommendations[1]?.reasons.join()).toMatch(/^.*Appui à la coordination/);
			// A prestation is not a coordination support.
			expect(result.excluded.find((e) => e.structure.id === 'ssiad')?.codes).toEqual(['level']);
			expect(result.gate.met).toBe(false);
			expect(result.gate.conditions.map((c) => c.met)).toEqual([false, true, false]);
			expect(result.orphan).toBe(false);
		});

		it('with the three conditions, case management takes it', () => {
			const result = recommend(
				complex({
					problems: ['perte_autonomie', 'medical', 'logement'],
					criteria: ['aides_insuffisantes', 'sans_coordinateur']
				}),
				territory,
				today
			);
			expect(ids(result.recommendations).sort()).toEqual(['case-management', 'dac']);
			expect(result.excluded.find((e) => e.structure.id === 'clic')?.codes).toEqual(['level']);
			expect(result.gate.met).toBe(true);
		});

		it('the agent may override the gate with a reason', () => {
			const result = recommend(complex({ caseManagementOverride: true }), territory, today);
			expect(ids(result.recommendations)).toContain('case-management');
			expect(ids(result.recommendations)).not.toContain('clic');
			const cm = result.recommendations.find((r) => r.structure.id === 'case-management');
			expect(cm?.reasons[0]).toMatch(/^Gestion de cas proposée par l’agent/);
			expect(result.gate.override).toBe(true);
		});

		it('only case management at complex level and the gate closed: orphan, with the proposal', () => {
			const result = recommend(complex(), territory.slice(0, 1), today);
			expect(result.recommendations).toEqual([]);
			expect(result.orphan).toBe(true);
			expect(result.excluded[0]?.codes).toEqual(['gate']);
		});
	});

	it('a disability rule excludes or asks to check, as the APA rule does', () => {
		const candidates = [
			structure({ id: 'savs', kind: 'savs', handicap: 'required', ageMin: 20, ageMax: 59 })
		];
		expect(recommend(request({ age: 45, handicap: false }), candidates, today).excluded[0]).toEqual(
			expect.objectContaining({ codes: ['handicap'] })
		);
		const yes = recommend(request({ age: 45, handicap: true }), candidates, today);
		expect(ids(yes.recommendations)).toEqual(['savs']);
		expect(yes.recommendations[0]?.reasons).toContain(
			'Public accueilli : la personne en fait partie'
		);
		const unknown = recommend(request({ age: 45, handicap: null }), candidates, today);
		expect(unknown.recommendations[0]?.warnings[0]).toMatch(/^Handicap à vérifier/);
		expect(
			recommend(request({ age: 65, handicap: true }), candidates, today).excluded[0]?.reasons
		).toEqual(['Âge : réservé aux personnes de 20 à 59 ans (65 ans)']);
		const ageUnknown = recommend(request({ age: null, handicap: true }), candidates, today);
		expect(ageUnknown.recommendations[0]?.warnings[0]).toMatch(/^Âge à vérifier : de 20 à 59 ans/);
	});

	it('a commune only partly covered by a polygon is recommended with a warning', () => {
		const [first] = recommend(
			request(),
			[structure({ id: 'p', coversPartly: true })],
			today
		).recommendations;
		expect(first?.warnings[0]).toMatch(/^Ne couvre qu’une partie de Commune test/);
	});
});

describe('nameOrder', () => {
	it('orders the answer as comparing the names does, equal names included', () => {
		const names = ['Éhpad b', 'ehpad a', 'EHPAD A', 'Ehpad c', 'CCAS', 'ccas', 'Œuvre', 'Oasis'];
		const all = names.map((name, i) => structure({ id: `s${i}`, name }));
		const sorted = [...all].sort((a, b) => compareNames(a.name, b.name));
		const ranks = new Map<string, number>();
		let rank = 0;
		sorted.forEach((s, k) => {
			const previous = sorted[k - 1];
			if (previous && compareNames(previous.name, s.name) !== 0) rank++;
			ranks.set(s.id, rank);
		});
		// A mix: some candidates carry their rank, some not.
		const ranked = all.map((s, i) => (i % 3 === 0 ? s : { ...s, nameOrder: ranks.get(s.id) }));
		const withRanks = recommend(request(), ranked, today);
		const withoutRanks = recommend(request(), all, today);
		expect(ids(withRanks.recommendations)).toEqual(ids(withoutRanks.recommendations));
		expect(ids(withRanks.recommendations)).toEqual(
			ids([...all].sort((a, b) => compareNames(a.name, b.name)).map((s) => ({ structure: s })))
		);
		const excludedWith = recommend(
			request({ level: 'information' }),
			ranked.map((s) => ({ ...s, levelMin: 'complexe' as const })),
			today
		);
		const excludedWithout = recommend(
			request({ level: 'information' }),
			all.map((s) => ({ ...s, levelMin: 'complexe' as const })),
			today
		);
		expect(ids(excludedWith.excluded)).toEqual(ids(excludedWithout.excluded));
		expect(excludedWith.excluded).toHaveLength(names.length);
	});
});
