import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_CODES, PROBLEM_CODES, levelsBetween } from './taxonomy';
import type { CoverageStructure } from './coverage';
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
			})
		})
		.map(({ problems, levels: [x, y], places }) => ({
			problems,
			levelMin: LEVEL_CODES[Math.min(x, y)] as CoverageStructure['levelMin'],
			levelMax: LEVEL_CODES[Math.max(x, y)] as CoverageStructure['levelMax'],
			places
		}));
	it('gives the same pairs, in the same order, and its first `limit` with a limit', () => {
		fc.assert(
			fc.property(fc.array(structure, { maxLength: 14 }), fc.nat(12), (specs, limit) => {
				const structures = specs.map((spec, k) => s(`s${k}`, spec));
				const all = reference(structures);
				expect(overlapPairs(structures)).toEqual(all);
				expect(overlapPairs(structures, limit)).toEqual(all.slice(0, limit));
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
});

describe('suppressed', () => {
	it('hides counts under 5', () => {
		expect(suppressed(4)).toBeNull();
		expect(suppressed(5)).toBe(5);
	});
});
