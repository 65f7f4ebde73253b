import { describe, expect, it } from 'vitest';
import type { CoverageStructure } from './coverage';
import { coverageGrid } from './coverage';
import {
	applyNeverRules,
	ageThresholds,
	applyScenario,
	orphanCount,
	simulate,
	type OrientationGroup
} from './scenario';

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
		places: ['00001', '00002'],
		...overrides
	};
}

const PLACES = ['00001', '00002', '00003'];
const find = <T extends { problem: string; level: string }>(
	cells: T[],
	problem: string,
	level: string
) => cells.find((c) => c.problem === problem && c.level === level) as T;

describe('simulate', () => {
	const territory = [
		structure({ id: 'alone', problems: ['droits'], levelMin: 'information', levelMax: 'simple' }),
		structure({ id: 'hospital', problems: ['medical'], places: ['00001'] }),
		structure({ id: 'network', problems: ['medical'], places: ['00002'] })
	];

	it('closing the only structure of a cell makes it a gap, everywhere it covered', () => {
		const result = simulate(territory, PLACES, { close: ['alone'], remits: [], add: [] });
		const cell = find(result.cells, 'droits', 'simple');
		expect(cell.before).toBe('single');
		expect(cell.after).toBe('gap');
		expect(cell.newGapPlaces).toEqual(['00001', '00002']);
		// Nothing else moves.
		expect(result.cells.filter((c) => c.before !== c.after)).toHaveLength(2);
		const commune = result.communes.find((c) => c.code === '00001');
		expect(commune && commune.gapsAfter - commune.gapsBefore).toBe(2);
	});

	it('closing one of two structures that split the communes leaves the cell taken', () => {
		const result = simulate(territory, PLACES, { close: ['network'], remits: [], add: [] });
		const cell = find(result.cells, 'medical', 'simple');
		expect([cell.before, cell.after]).toEqual(['single', 'single']);
		expect(cell.newGapPlaces).toEqual(['00002']);
	});

	it('extending a structure adds overlaps only where another already covers', () => {
		const result = simulate(territory, PLACES, {
			close: [],
			remits: [{ id: 'hospital', places: ['00001', '00002', '00003'] }],
			add: []
		});
		const cell = find(result.cells, 'medical', 'simple');
		expect(cell.before).toBe('single');
		expect(cell.after).toBe('overlap');
		// 00003 had nobody: covered now, not an overlap; 00002 had the network: an overlap.
		expect(cell.newOverlapPlaces).toEqual(['00002']);
		// Cells the hospital does not take are untouched.
		expect(find(result.cells, 'droits', 'simple').after).toBe('single');
		expect(find(result.cells, 'medical', 'complexe').after).toBe('gap');
	});

	it('a new structure fills a gap, and the replayed orientations find someone', () => {
		const orientations: OrientationGroup[] = [
			{
				problem: 'logement',
				level: 'simple',
				commune: '00003',
				age: 80,
				apa: null,
				handicap: null,
				count: 7
			},
			{
				problem: 'medical',
				level: 'simple',
				commune: '00001',
				age: 80,
				apa: null,
				handicap: null,
				count: 3
			},
			// Out of the territory: not replayed.
			{
				problem: 'logement',
				level: 'simple',
				commune: '99999',
				age: 80,
				apa: null,
				handicap: null,
				count: 5
			}
		];
		const result = simulate(
			territory,
			PLACES,
			{
				close: [],
				remits: [],
				add: [structure({ id: 'new', problems: ['logement'], places: ['00003'], ageMin: 60 })]
			},
			[],
			orientations
		);
		expect(find(result.cells, 'logement', 'simple')).toMatchObject({
			before: 'gap',
			after: 'single'
		});
		expect(result.orientations).toEqual({ considered: 10, orphanBefore: 7, orphanAfter: 0 });
	});

	it('an empty scenario changes nothing', () => {
		const result = simulate(territory, PLACES, { close: [], remits: [], add: [] });
		expect(result.cells.every((c) => c.before === c.after)).toBe(true);
		expect(result.cells).toHaveLength(64);
	});
});

describe('applyNeverRules', () => {
	const s = structure({
		id: 'a',
		problems: ['medical', 'droits'],
		levelMin: 'information',
		levelMax: 'complexe'
	});

	it('a rule on a problem and a level removes that cell alone', () => {
		const grid = coverageGrid(
			applyNeverRules(
				[s],
				[{ structureId: 'a', problem: 'medical', level: 'simple', commune: null }]
			),
			{ places: PLACES }
		);
		expect(find(grid, 'medical', 'simple').status).toBe('gap');
		expect(find(grid, 'medical', 'information').structures).toEqual(['a']);
		expect(find(grid, 'medical', 'coordonnee').structures).toEqual(['a']);
		expect(find(grid, 'droits', 'simple').structures).toEqual(['a']);
		// The pieces of one structure never overlap each other.
		expect(grid.some((c) => c.status === 'overlap')).toBe(false);
	});

	it('a rule without problem nor level removes the structure; one on a commune, only there', () => {
		expect(
			applyNeverRules([s], [{ structureId: 'a', problem: null, level: null, commune: null }])
		).toEqual([]);
		const grid = coverageGrid(
			applyNeverRules(
				[s],
				[{ structureId: 'a', problem: 'droits', level: null, commune: '00001' }]
			),
			{ places: PLACES }
		);
		const cell = find(grid, 'droits', 'simple');
		expect(cell.structures).toEqual(['a']);
		expect(cell.gapPlaces).toEqual(['00001', '00003']);
		expect(find(grid, 'medical', 'simple').gapPlaces).toEqual(['00003']);
	});

	it('leaves structures without rules as they are', () => {
		expect(
			applyNeverRules([s], [{ structureId: 'b', problem: null, level: null, commune: null }])
		).toEqual([s]);
	});
});

describe('applyScenario and orphanCount', () => {
	it('replaces only the fields a remit change gives', () => {
		const [changed] = applyScenario([structure({ id: 'a' })], {
			close: [],
			remits: [{ id: 'a', levelMax: 'complexe' }],
			add: []
		});
		expect(changed).toMatchObject({
			problems: ['medical'],
			levelMin: 'simple',
			levelMax: 'complexe'
		});
	});

	it('counts a situation as orphan when the only structure there refuses the person', () => {
		const groups: OrientationGroup[] = [
			{
				problem: 'medical',
				level: 'simple',
				commune: '00001',
				age: 40,
				apa: null,
				handicap: null,
				count: 2
			},
			{
				problem: 'medical',
				level: 'simple',
				commune: '00001',
				age: 70,
				apa: null,
				handicap: null,
				count: 1
			}
		];
		expect(orphanCount([structure({ id: 'a', ageMin: 60 })], groups)).toBe(2);
	});
});

describe('ageThresholds', () => {
	const publics = [
		structure({ id: 'seniors', ageMin: 60 }),
		structure({ id: 'adults', ageMin: 20, ageMax: 59 }),
		structure({ id: 'young-old', ageMin: 60, ageMax: 74, problems: ['droits'] }),
		structure({ id: 'anyone' })
	];

	it('lists where publics start and the year after they stop, each once, from 0', () => {
		expect(ageThresholds(publics)).toEqual([0, 20, 60, 75]);
		expect(ageThresholds([], [structure({ id: 'x', ageMax: 17 })])).toEqual([0, 18]);
	});

	it('replays the same orphans when the ages are folded into their classes', () => {
		const cuts = ageThresholds(publics);
		const classOf = (age: number) => cuts.filter((c) => c <= age).length;
		const byAge: OrientationGroup[] = [];
		for (let age = 0; age <= 100; age++) {
			for (const problem of ['medical', 'droits'] as const) {
				byAge.push({
					problem,
					level: 'simple',
					commune: age % 3 === 0 ? '00003' : '00001',
					age,
					apa: null,
					handicap: null,
					count: 1 + (age % 4)
				});
			}
		}
		// What the service's GROUP BY width_bucket does: one group per class, its smallest age.
		const folded = new Map<string, OrientationGroup>();
		for (const g of byAge) {
			const key = `${g.problem}|${g.commune}|${classOf(g.age as number)}`;
			const seen = folded.get(key);
			if (seen) seen.count += g.count;
			else folded.set(key, { ...g });
		}
		expect(folded.size).toBeLessThan(byAge.length / 10);
		for (const list of [publics, publics.slice(1), [publics[2] as CoverageStructure]]) {
			expect(orphanCount(list, [...folded.values()])).toBe(orphanCount(list, byAge));
		}
	});
});
