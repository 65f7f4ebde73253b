/**
 * The coverage grid of a territory (contract §3, GET /territories/{id}/coverage), as the service
 * computes it from the database, against a reference computed here from the import records alone:
 * a structure counts for a cell when it takes the problem, the level lies in its range and it
 * covers at least one place considered (the territory's, or the chosen commune's); the cell is an
 * overlap when two of them take it for a same place considered and a same person (their age
 * ranges intersect, and neither the APA nor the handicap rules oppose `required` to `excluded`).
 * Coverage codes are expanded here independently of the app; only polygons are resolved by the
 * database (structure_communes), as nothing else could.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { remitRuns, type CoverageCell, type CoverageCellDetail } from '$lib/domain/coverage';
import { KINDS, PROBLEM_CODES, type ProblemCode } from '$lib/domain/taxonomy';
import { queryRows, type Db } from '$lib/server/db/client';
import type { Principal } from '$lib/server/auth/principal';
import type { StructureInput } from '$lib/schemas/structure';
import {
	orphanCounts,
	territoryCoverage,
	type CoverageOptions
} from '$lib/server/services/coverage';
import { createOrientation, type Caller } from '$lib/server/services/orientations';
import { referencePlaces } from '$lib/server/services/reference';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	DEMO_TERRITORY_ID,
	demoRecords,
	squareAround,
	structureRecord
} from '../factories/structures';

/** The vertical axis, bottom to top, as the contract orders it. */
const LEVELS = ['information', 'simple', 'coordonnee', 'complexe'] as const;
type Level = (typeof LEVELS)[number];

const DEMO_PLACES = ['13204', '13212'];

/** Parent city and département of every place, from the reference file (not the database). */
const PLACE_INFO = new Map(
	referencePlaces().map((p) => [p.code, { parent: p.parentCode ?? null, department: p.department }])
);

/**
 * A second territory, built by hand: two places that do not touch (Marseille 5e and
 * Aix-en-Provence), structures with non-contiguous remits, one outside it, one by polygon.
 */
const SECOND = {
	id: 'test-non-contigu',
	name: 'Deux lieux disjoints',
	communes: ['13205', '13001']
};
/** Centre of Aix-en-Provence (inside commune 13001). */
const AIX = { lon: 5.4474, lat: 43.5297 };

const secondRecords: StructureInput[] = [
	structureRecord({
		id: 'test:droits-et-medical',
		name: 'Droits et médical, rien entre',
		kind: 'association',
		coverage: ['13205'],
		problems: ['medical', 'droits'],
		level_min: 'information',
		level_max: 'simple'
	}),
	structureRecord({
		id: 'test:quatre-morceaux',
		name: 'Quatre morceaux',
		kind: 'ccas',
		coverage: ['13001'],
		problems: ['droits', 'finances', 'aidants', 'soins_domicile', 'maintien_domicile'],
		level_min: 'simple',
		level_max: 'complexe',
		age_max: 59
	}),
	structureRecord({
		id: 'test:hors-territoire',
		name: 'Hors du territoire (Martigues)',
		kind: 'clic',
		coverage: ['13056'],
		problems: ['logement', 'medical'],
		level_min: 'information',
		level_max: 'complexe'
	}),
	structureRecord({
		id: 'test:polygone-aix',
		name: 'Zone dessinée autour d’Aix',
		kind: 'saad',
		coverage: undefined,
		coverage_geojson: squareAround(AIX.lon, AIX.lat, 0.01),
		problems: ['gestion_courante', 'sante_mentale'],
		level_min: 'simple',
		level_max: 'coordonnee',
		apa: 'required'
	})
];

interface Filter {
	places: readonly string[];
	age?: number;
	apa?: boolean;
	handicap?: boolean;
	kinds?: readonly string[];
	coordinationOnly?: boolean;
}

/** Whether the coverage list of a record names the place (city code, département, or itself). */
function coversByCode(record: StructureInput, place: string): boolean {
	const info = PLACE_INFO.get(place);
	return (record.coverage ?? []).some(
		(code) =>
			code === place ||
			(info?.parent !== null && code === info?.parent) ||
			code === `dep:${info?.department}`
	);
}

function isCoordination(record: StructureInput): boolean {
	return record.coordination ?? KINDS.find((k) => k.code === record.kind)?.coordination ?? false;
}

/** A rule of the import format (`apa`, `handicap`) against a person with or without it. */
function ruleAccepts(rule: string | undefined, has: boolean): boolean {
	return !(rule === 'required' && !has) && !(rule === 'excluded' && has);
}

/** Whether some person belongs to both publics, written out from the import format. */
function publicsMeet(a: StructureInput, b: StructureInput): boolean {
	const from = Math.max(a.age_min ?? 0, b.age_min ?? 0);
	const to = Math.min(a.age_max ?? 999, b.age_max ?? 999);
	const opposed = (x = 'any', y = 'any') =>
		(x === 'required' && y === 'excluded') || (x === 'excluded' && y === 'required');
	return from <= to && !opposed(a.apa, b.apa) && !opposed(a.handicap, b.handicap);
}

interface RefCell {
	ids: string[];
	status: CoverageCell['status'];
	overlapPlaces: string[];
	gapPlaces: string[];
}

/** The expected grid: cell key → sorted structure ids, status, where it overlaps or lacks. */
function referenceGrid(
	records: readonly StructureInput[],
	polygonPlaces: ReadonlyMap<string, ReadonlySet<string>>,
	filter: Filter
): Map<string, RefCell> {
	const placesOf = (r: StructureInput) =>
		filter.places.filter((place) =>
			r.coverage_geojson ? (polygonPlaces.get(r.id)?.has(place) ?? false) : coversByCode(r, place)
		);
	const counted = records.filter((r) => {
		if (placesOf(r).length === 0) return false;
		if (filter.age !== undefined) {
			if (r.age_min != null && filter.age < r.age_min) return false;
			if (r.age_max != null && filter.age > r.age_max) return false;
		}
		if (filter.apa !== undefined && !ruleAccepts(r.apa, filter.apa)) return false;
		if (filter.handicap !== undefined && !ruleAccepts(r.handicap, filter.handicap)) return false;
		if (filter.kinds && !filter.kinds.includes(r.kind)) return false;
		if (filter.coordinationOnly && !isCoordination(r)) return false;
		return true;
	});
	const grid = new Map<string, RefCell>();
	for (const problem of PROBLEM_CODES) {
		for (const level of LEVELS) {
			const taking = counted.filter(
				(r) =>
					r.problems.includes(problem) &&
					LEVELS.indexOf(r.level_min as Level) <= LEVELS.indexOf(level) &&
					LEVELS.indexOf(level) <= LEVELS.indexOf(r.level_max as Level)
			);
			const overlapPlaces = filter.places.filter((place) => {
				const here = taking.filter((r) => placesOf(r).includes(place));
				return here.some((a, i) => here.slice(i + 1).some((b) => publicsMeet(a, b)));
			});
			const gapPlaces = filter.places.filter(
				(place) => !taking.some((r) => placesOf(r).includes(place))
			);
			grid.set(`${problem}|${level}`, {
				ids: taking.map((r) => r.id).sort(),
				status: taking.length === 0 ? 'gap' : overlapPlaces.length > 0 ? 'overlap' : 'single',
				overlapPlaces: [...overlapPlaces].sort(),
				gapPlaces: [...gapPlaces].sort()
			});
		}
	}
	return grid;
}

/** Checks the service's answer cell by cell against the reference, and the structures it lists. */
function expectGrid(
	actual: { structures: { id: string }[]; cells: CoverageCell[] },
	expected: Map<string, RefCell>
): void {
	// One cell per (problem, level), problems in the contract's order, levels bottom to top.
	expect(actual.cells.map((c) => `${c.problem}|${c.level}`)).toEqual([...expected.keys()]);
	for (const cell of actual.cells) {
		const want = expected.get(`${cell.problem}|${cell.level}`) as RefCell;
		expect([...cell.structures].sort(), `${cell.problem}|${cell.level}`).toEqual(want.ids);
		expect(cell.status, `${cell.problem}|${cell.level}`).toBe(want.status);
		// The API's cell: the contract's fields, nothing else.
		expect(Object.keys(cell).sort()).toEqual(['level', 'problem', 'status', 'structures']);
	}
	const counted = new Set([...expected.values()].flatMap((c) => c.ids));
	expect(actual.structures.map((s) => s.id).sort()).toEqual([...counted].sort());
}

/** The same, with the pages' detail: where each cell is an overlap, and where a gap. */
function expectDetail(actual: CoverageCellDetail[], expected: Map<string, RefCell>): void {
	for (const cell of actual) {
		const want = expected.get(`${cell.problem}|${cell.level}`) as RefCell;
		const key = `${cell.problem}|${cell.level}`;
		expect(cell.status, key).toBe(want.status);
		expect(cell.overlapPlaces, key).toEqual(want.overlapPlaces);
		expect(cell.gapPlaces, key).toEqual(want.gapPlaces);
	}
}

function caller(): Caller {
	const principal: Principal = {
		type: 'user',
		id: randomUUID(),
		label: 'agent.couverture@example.fr',
		role: 'agent',
		territories: null
	};
	return { principal, ip: '203.0.113.7' };
}

/** An orientation nobody can take: recorded as orphan (no structure, no consent needed). */
function orphanRequest(territory: string, commune: string, problems: ProblemCode[], level: Level) {
	return {
		territory,
		commune,
		problems,
		level,
		level_reason: 'niveau fixé par le test',
		structure: null,
		consent: false
	};
}

describe.each(DATABASES)('coverage grid on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const demo = demoRecords();
	const records = [...demo, ...secondRecords];
	/** Places of the polygon-covered structures, as the database resolved them. */
	let polygonPlaces = new Map<string, Set<string>>();

	async function loadPolygonPlaces(db: Db): Promise<Map<string, Set<string>>> {
		const ids = records.filter((r) => r.coverage_geojson).map((r) => r.id);
		const rows = await queryRows<{ structure_id: string; commune_code: string }>(
			db,
			sql`select structure_id, commune_code from structure_communes`
		);
		const map = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
		for (const row of rows) map.get(row.structure_id)?.add(row.commune_code);
		return map;
	}

	beforeAll(async () => {
		await putTerritory(t.db, SECOND.id, { name: SECOND.name, communes: [...SECOND.communes] });
		await importStructures(t.db, SECOND.id, secondRecords, 'replace');
		polygonPlaces = await loadPolygonPlaces(t.db);
	});

	it('the demo data has what the checks need: a polygon, a city code, a département', () => {
		expect(demo.some((r) => r.coverage_geojson)).toBe(true);
		expect(demo.some((r) => r.coverage?.includes('13055'))).toBe(true);
		expect(demo.some((r) => r.coverage?.includes('dep:13'))).toBe(true);
		// The polygon of the demo covers some place of the territory: it takes part in the grid.
		const polygons = demo.filter((r) => r.coverage_geojson);
		expect(polygons.some((r) => DEMO_PLACES.some((p) => polygonPlaces.get(r.id)?.has(p)))).toBe(
			true
		);
	});

	it('the demo territory: every cell as the records say', async () => {
		const expected = referenceGrid(records, polygonPlaces, { places: DEMO_PLACES });
		const actual = await territoryCoverage(t.db, DEMO_TERRITORY_ID);
		expectGrid(actual, expected);
		const detailed = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { detail: true });
		expectDetail(detailed.cells, expected);
		expect(
			detailed.cells.map(({ problem, level, structures, status }) => ({
				problem,
				level,
				structures,
				status
			}))
		).toEqual(actual.cells);
		// The demo shows the study's figure: both gaps and overlaps.
		const statuses = new Set(actual.cells.map((c) => c.status));
		expect(statuses).toEqual(new Set(['gap', 'single', 'overlap']));
		// Structures imported elsewhere do not count unless they cover the territory.
		const ids = new Set(actual.structures.map((s) => s.id));
		for (const r of secondRecords) expect(ids.has(r.id), r.id).toBe(false);
	});

	it('the two CCAS antennas split the communes: the cells they share are no overlap', async () => {
		const antennas = ['demo:ccas-antenne-11-12', 'demo:ccas-antenne-4-5'];
		const byId = new Map(demo.map((r) => [r.id, r]));
		// Each covers one arrondissement of the territory, the other's neighbour.
		expect(byId.get(antennas[0] as string)?.coverage).toContain('13212');
		expect(byId.get(antennas[0] as string)?.coverage).not.toContain('13204');
		expect(byId.get(antennas[1] as string)?.coverage).toContain('13204');
		expect(byId.get(antennas[1] as string)?.coverage).not.toContain('13212');
		// The municipal services alone: they share cells, and each is single.
		const ccas = await territoryCoverage(t.db, DEMO_TERRITORY_ID, {
			kinds: ['ccas'],
			detail: true
		});
		const shared = ccas.cells.filter((c) => antennas.every((id) => c.structures.includes(id)));
		expect(shared.length).toBeGreaterThan(0);
		for (const c of shared) {
			expect(c, `${c.problem}|${c.level}`).toMatchObject({ status: 'single', overlapPlaces: [] });
		}
		const reference = referenceGrid(records, polygonPlaces, {
			places: DEMO_PLACES,
			kinds: ['ccas']
		});
		expectGrid(await territoryCoverage(t.db, DEMO_TERRITORY_ID, { kinds: ['ccas'] }), reference);
		expectDetail(ccas.cells, reference);
		// In the whole grid, a cell they share is an overlap only where a third structure meets
		// one of them for the same people: never for the two antennas alone.
		const whole = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { detail: true });
		for (const c of whole.cells.filter((x) => antennas.every((id) => x.structures.includes(id)))) {
			if (c.status !== 'overlap') continue;
			const others = c.structures.filter((id) => !antennas.includes(id));
			expect(others.length, `${c.problem}|${c.level}`).toBeGreaterThan(0);
		}
	});

	it('one arrondissement: only the structures covering it count', async () => {
		for (const commune of DEMO_PLACES) {
			const expected = referenceGrid(records, polygonPlaces, { places: [commune] });
			const actual = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune });
			expectGrid(actual, expected);
			expectDetail(
				(await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune, detail: true })).cells,
				expected
			);
		}
		const whole = await territoryCoverage(t.db, DEMO_TERRITORY_ID);
		const only12 = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune: '13212' });
		// Something covers the 4e and not the 12e: the filter does narrow the grid.
		expect(only12.structures.length).toBeLessThan(whole.structures.length);
		// The city code stands for its arrondissements: the whole territory again.
		const city = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune: '13055' });
		expect(city.cells).toEqual(whole.cells);
	});

	it.each<[string, Omit<CoverageOptions, 'commune'>]>([
		['age 50', { age: 50 }],
		['age 80, with the APA', { age: 80, apa: true }],
		['without the APA', { apa: false }],
		['with a recognised disability', { handicap: true }],
		['age 30, without a recognised disability', { age: 30, handicap: false }],
		['kinds ccas and ssiad', { kinds: ['ccas', 'ssiad'] }],
		['coordination only', { coordinationOnly: true }]
	])('public and kind filters on the demo territory: %s', async (_, options) => {
		const expected = referenceGrid(records, polygonPlaces, { places: DEMO_PLACES, ...options });
		expectGrid(await territoryCoverage(t.db, DEMO_TERRITORY_ID, options), expected);
		expectDetail(
			(await territoryCoverage(t.db, DEMO_TERRITORY_ID, { ...options, detail: true })).cells,
			expected
		);
	});

	it('a hand-built territory of two disjoint places, with non-contiguous remits', async () => {
		const expected = referenceGrid(records, polygonPlaces, { places: SECOND.communes });
		const actual = await territoryCoverage(t.db, SECOND.id);
		expectGrid(actual, expected);
		expectDetail((await territoryCoverage(t.db, SECOND.id, { detail: true })).cells, expected);
		const ids = new Set(actual.structures.map((s) => s.id));
		// Its own structures, those of the demo covering Marseille 5e or the département, not the
		// one outside.
		expect(ids.has('test:droits-et-medical')).toBe(true);
		expect(ids.has('test:quatre-morceaux')).toBe(true);
		expect(ids.has('test:polygone-aix')).toBe(true);
		expect(ids.has('test:hors-territoire')).toBe(false);
		expect(ids.has('demo:equipe-apa-13')).toBe(true);
		expect(ids.has('demo:ccas-antenne-4-5')).toBe(true);
		expect(ids.has('demo:pole-infos-seniors-4-12')).toBe(false);

		// droits + medical, nothing between: the cells between are not its own.
		const cell = (problem: string, level: string) =>
			actual.cells.find((c) => c.problem === problem && c.level === level) as CoverageCell;
		const split = 'test:droits-et-medical';
		expect(cell('droits', 'information').structures).toContain(split);
		expect(cell('medical', 'simple').structures).toContain(split);
		for (const problem of PROBLEM_CODES.filter((p) => p !== 'droits' && p !== 'medical')) {
			for (const level of LEVELS) expect(cell(problem, level).structures).not.toContain(split);
		}
		expect(cell('droits', 'coordonnee').structures).not.toContain(split);
		// The chart draws it as two zones; droits, finances, aidants, soins_domicile and
		// maintien_domicile as four.
		const remit = (id: string) =>
			actual.structures.find((s) => s.id === id)?.problems as ProblemCode[];
		expect(remitRuns(remit(split))).toHaveLength(2);
		expect(remitRuns(remit('test:quatre-morceaux'))).toEqual([
			{ from: 0, to: 1 },
			{ from: 6, to: 6 },
			{ from: 10, to: 10 },
			{ from: 15, to: 15 }
		]);
		// The places it lists are the territory's.
		for (const s of actual.structures) {
			for (const p of s.places) expect(SECOND.communes).toContain(p);
		}

		// Each of the two places alone.
		for (const commune of SECOND.communes) {
			const alone = referenceGrid(records, polygonPlaces, { places: [commune] });
			expectGrid(await territoryCoverage(t.db, SECOND.id, { commune }), alone);
		}
	});

	it('counts the orphan orientations recorded per (dominant problem, level), and only those', async () => {
		const grid12 = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune: '13212' });
		const grid04 = await territoryCoverage(t.db, DEMO_TERRITORY_ID, { commune: '13204' });
		const gaps = (cells: CoverageCell[]) =>
			cells.filter((c) => c.status === 'gap').map((c) => `${c.problem}|${c.level}`);
		// Two gaps of the data: one in both arrondissements, one in the 12e only if there is one.
		const common = gaps(grid04.cells).find((k) => gaps(grid12.cells).includes(k));
		expect(common, 'un trou commun aux deux arrondissements').toBeDefined();
		const other = gaps(grid12.cells).find((k) => k !== common) as string;
		expect(other).toBeDefined();
		const [p1, l1] = (common as string).split('|') as [ProblemCode, Level];
		const [p2, l2] = other.split('|') as [ProblemCode, Level];

		expect(await orphanCounts(t.db, DEMO_TERRITORY_ID)).toEqual([]);
		const who = caller();
		const recorded = [
			await createOrientation(t.db, who, orphanRequest(DEMO_TERRITORY_ID, '13204', [p1], l1)),
			await createOrientation(t.db, who, orphanRequest(DEMO_TERRITORY_ID, '13212', [p1], l1)),
			await createOrientation(
				t.db,
				who,
				// The dominant problem decides the cell, not the others.
				orphanRequest(DEMO_TERRITORY_ID, '13212', [p2, 'droits'], l2)
			)
		];
		for (const r of recorded) expect(r.answer.result.orphan).toBe(true);

		// Not counted: an orientation sent to a structure, and an orphan one of another territory.
		const taken = grid04.cells.find(
			(c) => c.status !== 'gap' && c.problem === 'droits'
		) as CoverageCell;
		const sent = await createOrientation(t.db, who, {
			territory: DEMO_TERRITORY_ID,
			commune: '13204',
			problems: ['droits'],
			level: taken.level,
			level_reason: 'niveau fixé par le test',
			structure: taken.structures[0],
			consent: true
		});
		expect(sent.answer.result.orphan).toBe(false);
		const aix = await territoryCoverage(t.db, SECOND.id, { commune: '13001' });
		const aixGap = aix.cells.find((c) => c.status === 'gap') as CoverageCell;
		const elsewhere = await createOrientation(
			t.db,
			who,
			orphanRequest(SECOND.id, '13001', [aixGap.problem], aixGap.level)
		);
		expect(elsewhere.answer.result.orphan).toBe(true);

		const sortCounts = (rows: { problem: string; level: string; count: number }[]) =>
			[...rows].sort((a, b) => `${a.problem}|${a.level}`.localeCompare(`${b.problem}|${b.level}`));
		expect(sortCounts(await orphanCounts(t.db, DEMO_TERRITORY_ID))).toEqual(
			sortCounts([
				{ problem: p1, level: l1, count: 2 },
				{ problem: p2, level: l2, count: 1 }
			])
		);
		expect(await orphanCounts(t.db, DEMO_TERRITORY_ID, '13204')).toEqual([
			{ problem: p1, level: l1, count: 1 }
		]);
		expect(sortCounts(await orphanCounts(t.db, DEMO_TERRITORY_ID, '13212'))).toEqual(
			sortCounts([
				{ problem: p1, level: l1, count: 1 },
				{ problem: p2, level: l2, count: 1 }
			])
		);
		// The city's code stands for its arrondissements, as in the grid.
		expect(sortCounts(await orphanCounts(t.db, DEMO_TERRITORY_ID, '13055'))).toEqual(
			sortCounts(await orphanCounts(t.db, DEMO_TERRITORY_ID))
		);
		expect(await orphanCounts(t.db, SECOND.id)).toEqual([
			{ problem: aixGap.problem, level: aixGap.level, count: 1 }
		]);
		// Every orphan cell is a gap of the grid where it was recorded.
		for (const o of await orphanCounts(t.db, DEMO_TERRITORY_ID, '13212')) {
			expect(gaps(grid12.cells)).toContain(`${o.problem}|${o.level}`);
		}
	});
});
