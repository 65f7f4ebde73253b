import { describe, expect, it } from 'vitest';
import { departmentOfCode, normalizeDepartment, splitByDepartment } from './departments';

const feature = (code: string) => ({ properties: { code } });
const codes = (map: Map<string, { properties: { code: string } }[]>) =>
	Object.fromEntries([...map].map(([dep, list]) => [dep, list.map((f) => f.properties.code)]));

describe('departmentOfCode', () => {
	it('reads two characters in metropolitan France and Corsica, three overseas', () => {
		expect(departmentOfCode('05061')).toBe('05');
		expect(departmentOfCode('2A004')).toBe('2A');
		expect(departmentOfCode('69381')).toBe('69');
		expect(departmentOfCode('97411')).toBe('974');
		expect(departmentOfCode('97608')).toBe('976');
	});
});

describe('normalizeDepartment', () => {
	it('writes what people type as the reference list does', () => {
		expect(normalizeDepartment('5')).toBe('05');
		expect(normalizeDepartment(' 69 ')).toBe('69');
		expect(normalizeDepartment('2a')).toBe('2A');
		expect(normalizeDepartment('971')).toBe('971');
	});

	it('refuses what cannot be a département', () => {
		expect(normalizeDepartment('')).toBeNull();
		expect(normalizeDepartment('2C')).toBeNull();
		expect(normalizeDepartment('13055')).toBeNull();
		expect(normalizeDepartment('dep:13')).toBeNull();
	});
});

describe('splitByDepartment', () => {
	const current = (code: string) =>
		({ '05061': '05061', '05125': '05061', '49001': '49001', '44061': '49001', '01001': '01001' })[
			code
		] ?? null;

	it('groups features by département, in code order, whatever the file order', () => {
		const split = splitByDepartment(
			[feature('05125'), feature('01001'), feature('05061')],
			current
		);
		expect(codes(split)).toEqual({ '01': ['01001'], '05': ['05061', '05125'] });
		expect([...split.keys()]).toEqual(['01', '05']);
	});

	it('sends the old commune to the file of the commune that absorbed it, across a border', () => {
		// Loading the 49 alone must store both parts of the merged commune together.
		const split = splitByDepartment([feature('44061'), feature('49001')], current);
		expect(codes(split)).toEqual({ '49': ['44061', '49001'] });
	});

	it('keeps a code the reference list does not know in its own département', () => {
		expect(codes(splitByDepartment([feature('97199')], current))).toEqual({ '971': ['97199'] });
	});
});
