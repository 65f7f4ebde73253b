import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstByName } from './first-by-name';

const byName = new Intl.Collator('fr');

describe('firstByName', () => {
	it('keeps the first names in French order (accents and case are not last)', () => {
		const rows = ['Zèbre', 'école', 'Été', 'abri', 'Ébène', 'Âne', 'zoo'].map(
			(name, i) => [String(i), name] as const
		);
		expect(firstByName(rows, 4).map((r) => r[1])).toEqual(['abri', 'Âne', 'Ébène', 'école']);
	});

	it('gives what a stable full sort then a slice gives', () => {
		const name = fc.constantFrom('a', 'A', 'à', 'b', 'é', 'E', 'z', 'Z', ' ', '’', '1');
		fc.assert(
			fc.property(
				fc.array(
					fc.array(name, { maxLength: 4 }).map((c) => c.join('')),
					{ maxLength: 60 }
				),
				fc.integer({ min: 0, max: 70 }),
				(names, limit) => {
					const rows = names.map((n, i) => [String(i), n] as const);
					const expected = [...rows].sort((a, b) => byName.compare(a[1], b[1])).slice(0, limit);
					expect(firstByName(rows, limit)).toEqual(expected);
				}
			)
		);
	});
});
