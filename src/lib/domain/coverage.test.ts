import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	cellCountsByPlace,
	coverageGrid,
	remitRuns,
	summarize,
	type CoverageStructure
} from './coverage';
import { LEVEL_CODES, PROBLEM_CODES } from './taxonomy';

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

describe('cellCountsByPlace', () => {
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
