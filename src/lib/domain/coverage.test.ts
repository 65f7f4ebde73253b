import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	cellCountsByPlace,
	coverageGrid,
	overlapsFor,
	placeCoverage,
	placeStatus,
	publicColumns,
	publicsIntersect,
	remitRuns,
	someIntersect,
	summarize,
	type CoverageStructure,
	type Public
} from './coverage';
import { LEVEL_CODES, PROBLEM_CODES, levelInRange } from './taxonomy';

function structure(
	overrides: Partial<CoverageStructure> & Pick<CoverageStructure, 'id'>
): CoverageStructure {
	return {
		kind: 'autre',
		problems: ['medical'],
		levelMin: 'simple',
		levelMax: 'coordonnee',
		coordination: false,
		ageMin: null,
		ageMax: null,
		apa: 'any',
		handicap: 'any',
		places: ['00001'],
		...overrides
	};
}

const cell = (cells: ReturnType<typeof coverageGrid>, problem: string, level: string) =>
	cells.find((c) => c.problem === problem && c.level === level);

describe('coverageGrid', () => {
	const territory: CoverageStructure[] = [
		structure({
			id: 'network',
			kind: 'reseau_sante',
			coordination: true,
			ageMin: 76,
			problems: ['medical', 'maintien_domicile']
		}),
		structure({
			id: 'hospital',
			kind: 'hopital',
			problems: ['medical'],
			levelMin: 'simple',
			levelMax: 'complexe',
			places: ['00001', '00002']
		}),
		structure({
			id: 'ccas',
			kind: 'ccas',
			coordination: true,
			problems: ['logement', 'droits'],
			levelMin: 'information',
			places: ['00002']
		}),
		structure({
			id: 'apa',
			kind: 'equipe_apa',
			coordination: true,
			apa: 'required',
			problems: ['perte_autonomie']
		})
	];

	it('has one cell per (problem, level), in the contract order', () => {
		const cells = coverageGrid(territory);
		expect(cells).toHaveLength(PROBLEM_CODES.length * LEVEL_CODES.length);
		expect(cells[0]).toMatchObject({ problem: 'droits', level: 'information' });
		expect(cells.at(-1)).toMatchObject({ problem: 'maintien_domicile', level: 'complexe' });
	});

	it('marks gaps, singles and overlaps from the level ranges', () => {
		const cells = coverageGrid(territory);
		expect(cell(cells, 'medical', 'coordonnee')).toMatchObject({
			structures: ['hospital', 'network'],
			status: 'overlap'
		});
		expect(cell(cells, 'medical', 'complexe')).toMatchObject({
			structures: ['hospital'],
			status: 'single'
		});
		expect(cell(cells, 'medical', 'information')).toMatchObject({ structures: [], status: 'gap' });
		expect(cell(cells, 'logement', 'information')?.status).toBe('single');
	});

	it('filters by area: only structures covering the commune count', () => {
		const cells = coverageGrid(territory, { places: ['00002'] });
		expect(cell(cells, 'medical', 'coordonnee')?.structures).toEqual(['hospital']);
		expect(cell(cells, 'logement', 'simple')?.structures).toEqual(['ccas']);
		expect(cell(coverageGrid(territory, { places: ['00001'] }), 'logement', 'simple')?.status).toBe(
			'gap'
		);
	});

	it('filters by public: age and APA', () => {
		expect(cell(coverageGrid(territory, { age: 70 }), 'medical', 'coordonnee')?.structures).toEqual(
			['hospital']
		);
		expect(cell(coverageGrid(territory, { apa: false }), 'perte_autonomie', 'simple')?.status).toBe(
			'gap'
		);
		expect(
			cell(coverageGrid(territory, { apa: true }), 'perte_autonomie', 'simple')?.structures
		).toEqual(['apa']);
	});

	it('filters by kind and coordination role', () => {
		expect(
			cell(coverageGrid(territory, { coordinationOnly: true }), 'medical', 'coordonnee')?.structures
		).toEqual(['network']);
		expect(
			cell(coverageGrid(territory, { kinds: ['hopital'] }), 'medical', 'simple')?.structures
		).toEqual(['hospital']);
	});

	it('adding a structure never turns a covered cell into a gap (property)', () => {
		const arbitrary = fc.record({
			id: fc.uuid(),
			problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 4 }),
			level: fc.constantFrom(...LEVEL_CODES)
		});
		fc.assert(
			fc.property(fc.array(arbitrary, { maxLength: 8 }), arbitrary, (list, extra) => {
				const make = (a: typeof extra) =>
					structure({ id: a.id, problems: a.problems, levelMin: a.level, levelMax: a.level });
				const before = coverageGrid(list.map(make));
				const after = coverageGrid([...list, extra].map(make));
				before.forEach((c, i) => {
					expect(after[i]?.structures.length).toBeGreaterThanOrEqual(c.structures.length);
				});
				const total = summarize(after);
				expect(total.gap + total.single + total.overlap).toBe(after.length);
			})
		);
	});
});

const pub = (
	ageMin: number | null,
	ageMax: number | null,
	apa: Public['apa'] = 'any',
	handicap: Public['handicap'] = 'any'
): Public => ({ ageMin, ageMax, apa, handicap });

describe('publicsIntersect', () => {
	it.each<[string, Public, Public, boolean]>([
		['open ages meet any age range', pub(null, null), pub(60, null), true],
		['20–60 and 60 and over meet at 60', pub(20, 60), pub(60, null), true],
		['20–59 and 60 and over never meet', pub(20, 59), pub(60, null), false],
		['up to 17 and 18 and over never meet', pub(null, 17), pub(18, null), false],
		['a single age inside a range', pub(75, 75), pub(60, 80), true],
		['two closed ranges, disjoint', pub(18, 40), pub(41, 59), false],
		[
			'APA required and APA excluded never meet',
			pub(null, null, 'required'),
			pub(null, null, 'excluded'),
			false
		],
		['APA required and any meet', pub(null, null, 'required'), pub(null, null), true],
		['APA excluded and any meet', pub(null, null, 'excluded'), pub(null, null), true],
		['APA required on both sides meet', pub(60, null, 'required'), pub(70, null, 'required'), true],
		[
			'APA excluded on both sides meet',
			pub(null, null, 'excluded'),
			pub(null, null, 'excluded'),
			true
		],
		['handicap required and any meet', pub(null, null, 'any', 'required'), pub(null, null), true],
		[
			'handicap required and excluded never meet',
			pub(null, null, 'any', 'required'),
			pub(null, null, 'any', 'excluded'),
			false
		],
		[
			'handicap excluded on both sides meet',
			pub(null, null, 'any', 'excluded'),
			pub(null, null, 'any', 'excluded'),
			true
		],
		[
			'ages meet but the APA rules are opposed',
			pub(60, null, 'required'),
			pub(20, 70, 'excluded'),
			false
		],
		['the APA rules meet but the ages do not', pub(60, null, 'required'), pub(20, 59), false],
		[
			'APA meets, handicap opposed',
			pub(60, null, 'required', 'excluded'),
			pub(null, null, 'any', 'required'),
			false
		],
		['every rule meets', pub(60, null, 'required', 'any'), pub(50, 90, 'any', 'required'), true]
	])('%s', (_, a, b, expected) => {
		expect(publicsIntersect(a, b)).toBe(expected);
		expect(publicsIntersect(b, a)).toBe(expected);
		// The columns' sweep says the same, for the pair and beside an empty public (nobody).
		const columns = publicColumns([a, b, pub(1, 0)]);
		expect(someIntersect(columns, [0, 1])).toBe(expected);
		expect(someIntersect(columns, [2, 0, 1])).toBe(expected);
	});
});

describe('coverageGrid: an overlap is a same commune and a same person', () => {
	const TERRITORY = ['13204', '13205', '13211', '13212'];
	it.each<[string, Partial<CoverageStructure>, Partial<CoverageStructure>, 'single' | 'overlap']>([
		[
			'two antennas on different communes',
			{ places: ['13204', '13205'] },
			{ places: ['13211', '13212'] },
			'single'
		],
		['two services on a same commune, same public', {}, { places: ['13204', '13212'] }, 'overlap'],
		[
			'same commune, 20–60 beside 60 and over (60 is in both)',
			{ ageMin: 20, ageMax: 60 },
			{ ageMin: 60 },
			'overlap'
		],
		[
			'same commune, 20–59 beside 60 and over',
			{ ageMin: 20, ageMax: 59 },
			{ ageMin: 60 },
			'single'
		],
		[
			'same commune, APA required beside APA excluded',
			{ apa: 'required' },
			{ apa: 'excluded' },
			'single'
		],
		['same commune, APA required beside any', { apa: 'required' }, {}, 'overlap'],
		['same commune, handicap required beside any', { handicap: 'required' }, {}, 'overlap'],
		[
			'same commune, handicap required beside excluded',
			{ handicap: 'required' },
			{ handicap: 'excluded' },
			'single'
		],
		[
			'different communes and different publics',
			{ places: ['13205'], ageMax: 59 },
			{ places: ['13211'], ageMin: 60 },
			'single'
		]
	])('%s → %s', (_, x, y, status) => {
		const list = [
			structure({ id: 'x', problems: ['droits'], places: ['13204'], ...x }),
			structure({ id: 'y', problems: ['droits'], places: ['13204'], ...y })
		];
		for (const places of [undefined, TERRITORY]) {
			const cells = coverageGrid(list, { places });
			// Both take the cell: both are listed, whatever the status.
			expect(cell(cells, 'droits', 'simple')).toMatchObject({ structures: ['x', 'y'], status });
			expect(cell(cells, 'droits', 'coordonnee')?.status).toBe(status);
			expect(cell(cells, 'droits', 'information')?.status).toBe('gap');
			expect(overlapsFor(list[0] as CoverageStructure, list[1] as CoverageStructure, places)).toBe(
				status === 'overlap'
			);
		}
	});

	it('the demo’s two CCAS antennas: every cell they share is single, none is a gap', () => {
		const antenna = (id: string, places: string[]) =>
			structure({
				id,
				kind: 'ccas',
				coordination: true,
				problems: ['droits', 'finances', 'gestion_courante', 'logement', 'maltraitance'],
				levelMin: 'information',
				levelMax: 'coordonnee',
				places
			});
		const list = [antenna('ccas-4-5', ['13204']), antenna('ccas-11-12', ['13212'])];
		const cells = coverageGrid(list, { places: ['13204', '13212'] });
		const shared = cells.filter((c) => c.structures.length === 2);
		expect(shared).toHaveLength(15);
		for (const c of shared) {
			expect(c).toMatchObject({ status: 'single', overlapPlaces: [], gapPlaces: [] });
		}
		expect(summarize(cells)).toEqual({ gap: 64 - 15, single: 15, overlap: 0 });
	});

	it('says where: the places of an overlap, and the places considered left without anyone', () => {
		const list = [
			structure({ id: 'a', places: ['1', '2'] }),
			structure({ id: 'b', places: ['2', '3'], ageMin: 60 }),
			structure({ id: 'c', places: ['3'], ageMax: 59 })
		];
		expect(cell(coverageGrid(list, { places: ['1', '2', '3', '4'] }), 'medical', 'simple')).toEqual(
			{
				problem: 'medical',
				level: 'simple',
				structures: ['a', 'b', 'c'],
				status: 'overlap',
				// a and b at 2; b and c share 3 but not an age.
				overlapPlaces: ['2'],
				gapPlaces: ['4']
			}
		);
		// No places list: no gap places to give (the places are the structures').
		const whole = cell(coverageGrid(list), 'medical', 'simple');
		expect(whole).toMatchObject({ status: 'overlap', overlapPlaces: ['2'] });
		expect(whole).not.toHaveProperty('gapPlaces');
		// The 3rd alone: two structures, no overlap.
		expect(cell(coverageGrid(list, { places: ['3'] }), 'medical', 'simple')).toMatchObject({
			structures: ['b', 'c'],
			status: 'single',
			overlapPlaces: [],
			gapPlaces: []
		});
		// An overlap only outside the places considered does not count.
		expect(cell(coverageGrid(list, { places: ['1', '3'] }), 'medical', 'simple')).toMatchObject({
			structures: ['a', 'b', 'c'],
			status: 'single',
			overlapPlaces: []
		});
	});

	it('filters by handicap as by APA', () => {
		const list = [
			structure({ id: 'mdph', kind: 'mdph', handicap: 'required' }),
			structure({ id: 'hors', handicap: 'excluded' }),
			structure({ id: 'tous' })
		];
		const ids = (handicap?: boolean) =>
			cell(coverageGrid(list, { handicap }), 'medical', 'simple')?.structures;
		expect(ids()).toEqual(['hors', 'mdph', 'tous']);
		expect(ids(true)).toEqual(['mdph', 'tous']);
		expect(ids(false)).toEqual(['hors', 'tous']);
		// Without the filter, required and excluded never meet, but each meets « tous ».
		expect(cell(coverageGrid(list), 'medical', 'simple')?.status).toBe('overlap');
		expect(cell(coverageGrid(list.slice(0, 2)), 'medical', 'simple')?.status).toBe('single');
	});
});

/** Random structures on 4 places, with publics that sometimes meet and sometimes do not. */
const AGES: [number | null, number | null][] = [
	[null, null],
	[20, 60],
	[20, 59],
	[60, null],
	[75, null],
	[null, 17],
	[18, 59]
];
const arbitraryStructure = fc.record({
	problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES.slice(0, 3)), {
		minLength: 1,
		maxLength: 3
	}),
	levels: fc.tuple(fc.nat(3), fc.nat(3)),
	places: fc.uniqueArray(fc.constantFrom('1', '2', '3', '4'), { minLength: 1, maxLength: 3 }),
	ages: fc.constantFrom(...AGES),
	apa: fc.constantFrom('any', 'required', 'excluded') as fc.Arbitrary<Public['apa']>,
	handicap: fc.constantFrom('any', 'required', 'excluded') as fc.Arbitrary<Public['handicap']>
});
type Spec = typeof arbitraryStructure extends fc.Arbitrary<infer T> ? T : never;
const build = (specs: Spec[]) =>
	specs.map(({ problems, levels: [x, y], places, ages: [ageMin, ageMax], apa, handicap }, k) =>
		structure({
			id: `s${String(k).padStart(2, '0')}`,
			problems,
			levelMin: LEVEL_CODES[Math.min(x, y)] as CoverageStructure['levelMin'],
			levelMax: LEVEL_CODES[Math.max(x, y)] as CoverageStructure['levelMax'],
			places,
			ageMin,
			ageMax,
			apa,
			handicap
		})
	);

describe('coverageGrid against the definition, pair by pair', () => {
	it('each cell: its structures, overlap iff two of them overlap, and where (property)', () => {
		fc.assert(
			fc.property(
				fc.array(arbitraryStructure, { maxLength: 12 }),
				fc.constantFrom<string[] | undefined>(
					undefined,
					['1', '2', '3', '4'],
					['2'],
					['1', '3', '9']
				),
				(specs, places) => {
					const list = build(specs);
					const cells = coverageGrid(list, { places });
					for (const c of cells) {
						const taking = list.filter(
							(s) =>
								s.problems.includes(c.problem) &&
								levelInRange(c.level, s.levelMin, s.levelMax) &&
								(!places || s.places.some((p) => places.includes(p)))
						);
						expect(c.structures).toEqual(taking.map((s) => s.id).sort());
						const pairs = taking.flatMap((x, i) => taking.slice(i + 1).map((y) => [x, y] as const));
						const overlap = pairs.some(([x, y]) => overlapsFor(x, y, places));
						expect(c.status).toBe(taking.length === 0 ? 'gap' : overlap ? 'overlap' : 'single');
						const where = [
							...new Set(
								pairs.flatMap(([x, y]) =>
									publicsIntersect(x, y)
										? x.places.filter(
												(p) => y.places.includes(p) && (!places || places.includes(p))
											)
										: []
								)
							)
						].sort();
						expect(c.overlapPlaces).toEqual(where);
						if (places) {
							expect(c.gapPlaces).toEqual(
								[...new Set(places)].filter((p) => !taking.some((s) => s.places.includes(p))).sort()
							);
						}
					}
				}
			)
		);
	});

	it('adding a structure never removes an overlap nor makes a gap (property)', () => {
		fc.assert(
			fc.property(
				fc.array(arbitraryStructure, { maxLength: 10 }),
				arbitraryStructure,
				(specs, extra) => {
					const before = coverageGrid(build(specs));
					const after = coverageGrid(build([...specs, extra]));
					const rank = { gap: 0, single: 1, overlap: 2 };
					before.forEach((c, i) => {
						expect(rank[after[i]?.status ?? 'gap']).toBeGreaterThanOrEqual(rank[c.status]);
					});
				}
			)
		);
	});

	it('the sweep agrees with the pairs, for many publics (property)', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						ages: fc.tuple(fc.option(fc.nat(130)), fc.option(fc.nat(130))),
						apa: fc.constantFrom('any', 'required', 'excluded') as fc.Arbitrary<Public['apa']>,
						handicap: fc.constantFrom('any', 'required', 'excluded') as fc.Arbitrary<
							Public['handicap']
						>
					}),
					{ maxLength: 30 }
				),
				(specs) => {
					const publics = specs.map(({ ages: [x, y], apa, handicap }) =>
						pub(
							x !== null && y !== null ? Math.min(x, y) : x,
							x !== null && y !== null ? Math.max(x, y) : y,
							apa,
							handicap
						)
					);
					const pairwise = publics.some((a, i) =>
						publics.slice(i + 1).some((b) => publicsIntersect(a, b))
					);
					expect(
						someIntersect(
							publicColumns(publics),
							publics.map((_, i) => i)
						)
					).toBe(pairwise);
				}
			)
		);
	});

	it('stays fast: 500 structures × 200 places, publics mostly apart', () => {
		const places = Array.from({ length: 200 }, (_, i) => String(13000 + i));
		const list = Array.from({ length: 500 }, (_, k) =>
			structure({
				id: `big${k}`,
				problems: [PROBLEM_CODES[k % 16] as CoverageStructure['problems'][number], 'medical'],
				levelMin: 'information',
				levelMax: 'complexe',
				// 131 one-year publics × APA × handicap: many structures, few meeting.
				ageMin: k % 131,
				ageMax: k % 131,
				apa: k % 2 ? 'required' : 'excluded',
				handicap: k % 3 ? 'required' : 'excluded',
				places: places.filter((_, i) => (i + k) % 3 !== 0)
			})
		);
		const started = performance.now();
		const cells = coverageGrid(list, { places });
		expect(performance.now() - started).toBeLessThan(3000);
		expect(cell(cells, 'medical', 'simple')?.structures).toHaveLength(500);
	});
});

describe('cellCountsByPlace and placeCoverage (the map)', () => {
	it('counts per place exactly what the grid counts for that place', () => {
		const list: CoverageStructure[] = [
			structure({ id: 'a', places: ['1', '2'] }),
			structure({ id: 'b', places: ['2'], ageMin: 80 }),
			structure({ id: 'c', places: ['3'], problems: ['logement'] })
		];
		const byPlace = cellCountsByPlace(list, 'medical', 'simple', ['1', '2', '3']);
		expect(Object.fromEntries(byPlace)).toEqual({ '1': ['a'], '2': ['a', 'b'], '3': [] });
		for (const place of ['1', '2', '3']) {
			const cell = coverageGrid(list, { places: [place] }).find(
				(c) => c.problem === 'medical' && c.level === 'simple'
			);
			expect(cell?.structures).toEqual(byPlace.get(place));
		}
		expect(cellCountsByPlace(list, 'medical', 'simple', ['2'], { age: 70 }).get('2')).toEqual([
			'a'
		]);
	});

	it('says per place whether two structures overlap there, publics intersecting', () => {
		const list: CoverageStructure[] = [
			structure({ id: 'jeunes', places: ['1', '2'], ageMax: 59 }),
			structure({ id: 'seniors', places: ['1', '2', '3'], ageMin: 60 }),
			structure({ id: 'tous', places: ['2'] }),
			structure({ id: 'apa', places: ['3'], apa: 'required', ageMin: 60 })
		];
		const byPlace = placeCoverage(list, 'medical', 'simple', ['1', '2', '3', '4']);
		expect(Object.fromEntries(byPlace)).toEqual({
			// 20–59 beside 60 and over: two structures, each situation has one answer.
			'1': { structures: ['jeunes', 'seniors'], overlap: false },
			'2': { structures: ['jeunes', 'seniors', 'tous'], overlap: true },
			'3': { structures: ['seniors', 'apa'], overlap: true },
			'4': { structures: [], overlap: false }
		});
		expect([...byPlace.values()].map(placeStatus)).toEqual(['single', 'overlap', 'overlap', 'gap']);
		// Filtered to people without the APA, the 3rd has one structure left.
		expect(placeCoverage(list, 'medical', 'simple', ['3'], { apa: false }).get('3')).toEqual({
			structures: ['seniors'],
			overlap: false
		});
	});

	it('agrees with the grid, place by place and over the territory (property)', () => {
		const places = ['1', '2', '3', '4'];
		fc.assert(
			fc.property(
				fc.array(arbitraryStructure, { maxLength: 12 }),
				fc.constantFrom(...PROBLEM_CODES.slice(0, 3)),
				fc.constantFrom(...LEVEL_CODES),
				fc.record({ age: fc.option(fc.constantFrom(17, 60, 80), { nil: undefined }) }),
				(specs, problem, level, filter) => {
					const list = build(specs);
					const byPlace = placeCoverage(list, problem, level, places, filter);
					for (const place of places) {
						const alone = coverageGrid(list, { ...filter, places: [place] }).find(
							(c) => c.problem === problem && c.level === level
						);
						const here = byPlace.get(place) as { structures: string[]; overlap: boolean };
						expect([...here.structures].sort()).toEqual(alone?.structures);
						expect(placeStatus(here)).toBe(alone?.status);
					}
					const whole = coverageGrid(list, { ...filter, places }).find(
						(c) => c.problem === problem && c.level === level
					);
					expect(whole?.overlapPlaces).toEqual(places.filter((p) => byPlace.get(p)?.overlap));
					expect(whole?.gapPlaces).toEqual(
						places.filter((p) => byPlace.get(p)?.structures.length === 0)
					);
				}
			)
		);
	});
});

describe('remitRuns', () => {
	it('splits a non-contiguous remit into runs of the problem axis', () => {
		expect(remitRuns(['droits', 'medical'])).toEqual([
			{ from: 0, to: 0 },
			{ from: 14, to: 14 }
		]);
		expect(remitRuns(['finances', 'droits', 'gestion_courante', 'aidants'])).toEqual([
			{ from: 0, to: 2 },
			{ from: 6, to: 6 }
		]);
	});
});
