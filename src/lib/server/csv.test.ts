import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { dataCsv, neutralise, peopleCsv, unneutralise } from './csv';

describe('CSV cells', () => {
	it('writes a text cell that would start a formula behind an apostrophe', () => {
		for (const evil of ['=HYPERLINK("http://x","y")', '+33491000000', '-2+3', '@SUM(A1)', '\tx']) {
			expect(neutralise(evil)).toBe(`'${evil}`);
			expect(unneutralise(String(neutralise(evil)))).toBe(evil);
		}
		expect(neutralise('CCAS de Marseille')).toBe('CCAS de Marseille');
		expect(neutralise(-1.5)).toBe(-1.5);
		expect(neutralise(null)).toBe('');
		expect(unneutralise("'bonjour")).toBe("'bonjour");
	});

	it('people tables: BOM, semicolons, accents kept, no formula', () => {
		const csv = peopleCsv([['=1+1', 'Écoute', 3]], ['nom', 'quoi', 'n']);
		expect(csv.startsWith('\uFEFFnom;quoi;n\n')).toBe(true);
		const [row] = parse(csv.slice(1), { delimiter: ';', columns: true }) as Record<
			string,
			string
		>[];
		expect(row).toEqual({ nom: "'=1+1", quoi: 'Écoute', n: '3' });
	});

	it('data files: commas, header, neutralised', () => {
		expect(dataCsv([['=x', 2]], ['a', 'b'])).toBe("a,b\n'=x,2\n");
	});
});
