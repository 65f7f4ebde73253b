import { describe, expect, it } from 'vitest';
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

describe('suppressed', () => {
	it('hides counts under 5', () => {
		expect(suppressed(4)).toBeNull();
		expect(suppressed(5)).toBe(5);
	});
});
