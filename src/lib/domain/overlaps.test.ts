import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_CODES, PROBLEM_CODES, levelsBetween } from './taxonomy';
import { overlapsFor, type CoverageStructure } from './coverage';
import { overlapPairs, suppressed } from './overlaps';

const s = (id: string, overrides: Partial<CoverageStructure> = {}): CoverageStructure => ({
	id,
	kind: 'autre',
	problems: ['medical'],
	levelMin: 'simple',
	levelMax: 'coordonnee',
	coordination: false,
	ageMin: null,
	ageMax: null,
	apa: 'any',
	handicap: 'any',
	places: ['1', '2'],
	...overrides
});

describe('overlapPairs', () => {
	it('pairs structures sharing cells and places, sized by shared cells × places', () => {
		const pairs = overlapPairs([
			s('a'),
			s('b', { places: ['2', '3'], levelMax: 'complexe' }),
			s('c', { problems: ['logement'] }),
			s('d', { places: ['9'] })
		]);
		expect(pairs).toEqual([
			{ a: 'a', b: 'b', cells: ['medical|coordonnee', 'medical|simple'], places: ['2'], surface: 2 }
		]);
	});

	it.each<[string, Partial<CoverageStructure>, Partial<CoverageStructure>, boolean]>([
		['the same public on the same communes', {}, {}, true],
		['two antennas splitting the communes', { places: ['1'] }, { places: ['2'] }, false],
		['20–60 beside 60 and over (60 is in both)', { ageMin: 20, ageMax: 60 }, { ageMin: 60 }, true],
		['20–59 beside 60 and over', { ageMin: 20, ageMax: 59 }, { ageMin: 60 }, false],
		['APA required beside APA excluded', { apa: 'required' }, { apa: 'excluded' }, false],
		['APA required beside any', { apa: 'required' }, {}, true],
		['handicap required beside any', { handicap: 'required' }, {}, true],
		['handicap required beside excluded', { handicap: 'required' }, { handicap: 'excluded' }, false]
	])('a pair only when publics intersect on a shared commune: %s', (_, x, y, paired) => {
		const pairs = overlapPairs([s('x', x), s('y', y)]);
		expect(pairs.map((p) => `${p.a}-${p.b}`)).toEqual(paired ? ['x-y'] : []);
		expect(overlapsFor(s('x', x), s('y', y))).toBe(paired);
	});

	it('its places are the communes both cover, whatever the publics of others', () => {
		const pairs = overlapPairs([
			s('a', { places: ['1', '2', '3'], ageMin: 60 }),
			s('b', { places: ['2', '3', '4'], ageMin: 75 }),
			s('c', { places: ['1', '2', '3', '4'], ageMax: 59 })
		]);
		expect(pairs).toEqual([
			{
				a: 'a',
				b: 'b',
				cells: ['medical|coordonnee', 'medical|simple'],
				places: ['2', '3'],
				surface: 4
			}
		]);
	});

	it('orders by surface, largest first', () => {
		const pairs = overlapPairs([s('a'), s('b'), s('c', { places: ['1'] })]);
		expect(pairs.map((p) => `${p.a}-${p.b}:${p.surface}`)).toEqual(['a-b:4', 'a-c:2', 'b-c:2']);
	});
});

/** Every pair, built the plain way: the reference the bounded search must agree with. */
function reference(structures: CoverageStructure[]) {
	const cellsOf = (x: CoverageStructure) =>
		new Set(
			x.problems.flatMap((p) => levelsBetween(x.levelMin, x.levelMax).map((l) => `${p}|${l}`))
		);
	const pairs = [];
	for (let i = 0; i < structures.length; i++) {
		for (let j = i + 1; j < structures.length; j++) {
			const x = structures[i] as CoverageStructure;
			const y = structures[j] as CoverageStructure;
			const cy = cellsOf(y);
			const cells = [...cellsOf(x)].filter((c) => cy.has(c)).sort();
			const places = [...new Set(x.places)].filter((p) => y.places.includes(p)).sort();
			if (cells.length === 0 || places.length === 0) continue;
			// Publics, written out: ages intersect, no rule required on one side and excluded on
			// the other.
			const lo = Math.max(x.ageMin ?? 0, y.ageMin ?? 0);
			const hi = Math.min(x.ageMax ?? 200, y.ageMax ?? 200);
			const opposed = (u: string, v: string) =>
				(u === 'required' && v === 'excluded') || (u === 'excluded' && v === 'required');
			if (lo > hi || opposed(x.apa, y.apa) || opposed(x.handicap, y.handicap)) continue;
			const [a, b] = [x.id, y.id].sort() as [string, string];
			pairs.push({ a, b, cells, places, surface: cells.length * places.length });
		}
	}
	return pairs.sort(
		(p, q) => q.surface - p.surface || p.a.localeCompare(q.a) || p.b.localeCompare(q.b)
	);
}

describe('overlapPairs against every pair built the plain way', () => {
	const structure = fc
		.record({
			problems: fc.uniqueArray(fc.constantFrom(...PROBLEM_CODES), { minLength: 1, maxLength: 4 }),
			levels: fc.tuple(fc.nat(3), fc.nat(3)),
			places: fc.uniqueArray(fc.constantFrom('1', '2', '3', '4', '5'), {
				minLength: 1,
				maxLength: 4
			}),
			ages: fc.constantFrom<[number | null, number | null]>(
				[null, null],
				[null, null],
				[20, 59],
				[20, 60],
				[60, null],
				[75, 90]
			),
			apa: fc.constantFrom<CoverageStructure['apa']>('any', 'any', 'required', 'excluded'),
			handicap: fc.constantFrom<CoverageStructure['handicap']>('any', 'any', 'required', 'excluded')
		})
		.map(({ problems, levels: [x, y], places, ages: [ageMin, ageMax], apa, handicap }) => ({
			problems,
			levelMin: LEVEL_CODES[Math.min(x, y)] as CoverageStructure['levelMin'],
			levelMax: LEVEL_CODES[Math.max(x, y)] as CoverageStructure['levelMax'],
			places,
			ageMin,
			ageMax,
			apa,
			handicap
		}));
	it('gives the same pairs, in the same order, and its first `limit` with a limit', () => {
		fc.assert(
			fc.property(fc.array(structure, { maxLength: 14 }), fc.nat(12), (specs, limit) => {
				const structures = specs.map((spec, k) => s(`s${k}`, spec));
				const all = reference(structures);
				expect(overlapPairs(structures)).toEqual(all);
				expect(overlapPairs(structures, limit)).toEqual(all.slice(0, limit));
				// The grid's definition: a pair exactly when the two overlap.
				const paired = new Set(all.map((p) => `${p.a}|${p.b}`));
				structures.forEach((x, i) =>
					structures.slice(i + 1).forEach((y) => {
						const key = [x.id, y.id].sort().join('|');
						expect(paired.has(key), key).toBe(overlapsFor(x, y));
					})
				);
			})
		);
	});

	it('keeps 30 of the 12.5 million pairs of 5 000 structures on one commune', () => {
		const many = Array.from({ length: 5_000 }, (_, k) =>
			s(`x${String(k).padStart(4, '0')}`, { places: ['13204'], problems: ['droits', 'medical'] })
		);
		const top = overlapPairs(many, 30);
		expect(top).toHaveLength(30);
		expect(top[0]).toMatchObject({ a: 'x0000', b: 'x0001', surface: 4, places: ['13204'] });
	});

	it('and of 5 000 on one commune whose publics are apart but for a few pairs', () => {
		// One age each (0 to 99), APA required or excluded: a structure meets only the 24 others of
		// its rank modulo 200, 60 000 pairs of the 12.5 million.
		const many = Array.from({ length: 5_000 }, (_, k) =>
			s(`x${String(k).padStart(4, '0')}`, {
				places: ['13204'],
				ageMin: k % 100,
				ageMax: k % 100,
				apa: k % 200 < 100 ? 'required' : 'excluded'
			})
		);
		const top = overlapPairs(many, 30);
		expect(top).toHaveLength(30);
		for (const p of top) {
			const [x, y] = [Number(p.a.slice(1)), Number(p.b.slice(1))];
			expect(x % 200, `${p.a} ${p.b}`).toBe(y % 200);
		}
	});
});

describe('suppressed', () => {
	it('hides counts under 5', () => {
		expect(suppressed(4)).toBeNull();
		expect(suppressed(5)).toBe(5);
	});
});
