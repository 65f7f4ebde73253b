/**
 * Issue 12, « no request of any role is unbounded in time or memory »: 5 000 structures, imported
 * through the one import service into a second territory, all covering one commune of the demo
 * territory (Marseille 4e, 13204), with a history of orientations of marseille-4-12 to 300 of them.
 * Then every service behind the pilot's pages of marseille-4-12 is called as a pilot of that
 * territory: each completes, and each list it returns is within its bound. The time of each call
 * is printed; only a generous ceiling is asserted (it catches a quadratic blow-up, not noise).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, beforeAll } from 'vitest';
import { LEVEL_CODES, PROBLEM_CODES, KIND_CODES, type LevelCode } from '$lib/domain/taxonomy';
import { layoutChart, MAX_LANES } from '$lib/components/axes/layout';
import { orientationEvents, orientations } from '$lib/server/db/schema';
import { readDirectoryQuery } from '$lib/schemas/directory';
import { CELL_NAMES, territoryAxes } from '$lib/server/services/axes';
import { PAGE_LIMIT } from '$lib/server/services/bounds';
import { territoryGrid } from '$lib/server/services/coverage';
import { browseDirectory, PAGE_SIZE } from '$lib/server/services/directory';
import { MAP_LIST_LIMIT, mapTiles, territoryMap } from '$lib/server/services/map';
import {
	CASELOAD_HISTORY,
	capacity,
	flows,
	orphanSituations,
	overlaps,
	staleStructures,
	type Period
} from '$lib/server/services/pilotage';
import {
	RULE_HISTORY_LIMIT,
	RULES_LIMIT,
	RULE_STRUCTURES_LIMIT,
	addRule,
	listRules,
	ruleHistory,
	ruleStructures
} from '$lib/server/services/rules';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { agentCaller } from '../factories/orientations';
import { DEMO_TERRITORY_ID, demoRecords, structureRecord } from '../factories/structures';

const COUNT = 5_000;
const SECOND = 'bornes-13';
const COMMUNE = '13204';
/** Structures that received orientations: more than a table's PAGE_LIMIT lines. */
const ORIENTED = 300;
/** Refused orientations each of them received: 5, so each refusal reason is shown. */
const PER_STRUCTURE = 5;
/** The whole set of calls; a quadratic pass over 5 000 structures takes minutes. */
const CEILING_MS = 20_000;
const DAY = 86_400_000;
/** The 64 cells of the plane (16 problems × 4 levels). */
const CELLS = PROBLEM_CODES.length * LEVEL_CODES.length;

function bigRecords() {
	return Array.from({ length: COUNT }, (_, i) => {
		const first = PROBLEM_CODES[i % PROBLEM_CODES.length] as string;
		const second = PROBLEM_CODES[(i * 7 + 3) % PROBLEM_CODES.length] as string;
		const low = i % 3;
		return structureRecord({
			id: `borne:${String(i).padStart(4, '0')}`,
			name: `Service borné ${String(i).padStart(4, '0')}`,
			kind: KIND_CODES[i % KIND_CODES.length],
			coverage: [COMMUNE],
			problems: first === second ? [first] : [first, second],
			level_min: LEVEL_CODES[low] as LevelCode,
			level_max: LEVEL_CODES[Math.min(3, low + 1 + (i % 2))] as LevelCode,
			lon: 5.4 + (i % 100) / 10_000,
			lat: 43.305 + Math.floor(i / 100) / 10_000,
			caseload_max: 50,
			caseload_current: i % 60,
			updated_at: '2020-01-01'
		});
	});
}

/** Orientations of marseille-4-12: refused by ORIENTED of the big set, and orphans in every cell. */
async function insertHistory(db: Parameters<typeof importStructures>[0], now: number) {
	const rows: (typeof orientations.$inferInsert)[] = [];
	const events: (typeof orientationEvents.$inferInsert)[] = [];
	let n = 0;
	const at = () => new Date(now - (1 + (n++ % 300)) * DAY);
	for (let s = 0; s < ORIENTED; s++) {
		for (let k = 0; k < PER_STRUCTURE; k++) {
			const id = randomUUID();
			const created = at();
			rows.push({
				id,
				territoryId: DEMO_TERRITORY_ID,
				commune: COMMUNE,
				age: 80,
				ageBand: 80,
				apa: null,
				problems: ['medical'],
				criteria: [],
				requestType: 'accompagnement',
				computedLevel: 'coordonnee',
				level: 'coordonnee',
				consent: true,
				structureId: `borne:${String(s).padStart(4, '0')}`,
				orphan: false,
				status: 'refused',
				source: 'entourage',
				createdByType: 'user',
				createdBy: 'generator',
				createdAt: created,
				statusChangedAt: new Date(created.getTime() + 3_600_000)
			});
			events.push(
				{ orientationId: id, status: 'sent', reason: null, at: created },
				{
					orientationId: id,
					status: 'refused',
					reason: 'file active complète',
					at: new Date(created.getTime() + 3_600_000)
				}
			);
		}
	}
	// Orphans in each cell and each place of the territory: 128 lines, more than PAGE_LIMIT.
	for (const problem of PROBLEM_CODES) {
		for (const level of LEVEL_CODES) {
			for (const commune of ['13204', '13212']) {
				const id = randomUUID();
				const created = at();
				rows.push({
					id,
					territoryId: DEMO_TERRITORY_ID,
					commune,
					age: 80,
					ageBand: 80,
					apa: null,
					problems: [problem],
					criteria: [],
					requestType: 'accompagnement',
					computedLevel: level,
					level,
					consent: true,
					structureId: null,
					orphan: true,
					status: 'closed',
					source: null,
					createdByType: 'user',
					createdBy: 'generator',
					createdAt: created,
					statusChangedAt: created
				});
				events.push({ orientationId: id, status: 'closed', reason: null, at: created });
			}
		}
	}
	for (let i = 0; i < rows.length; i += 500) {
		await db.insert(orientations).values(rows.slice(i, i + 500));
	}
	for (let i = 0; i < events.length; i += 1_000) {
		await db.insert(orientationEvents).values(events.slice(i, i + 1_000));
	}
}

describe.each(DATABASES)('5 000 structures on one commune, on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const pilot = agentCaller([DEMO_TERRITORY_ID], 'pilot');
	const now = Date.now();
	const period: Period = { from: new Date(now - 365 * DAY), to: new Date(now + DAY) };
	const demo = demoRecords();

	beforeAll(async () => {
		await putTerritory(t.db, SECOND, { name: 'Territoire des bornes', communes: ['13201'] });
		const started = performance.now();
		const result = await importStructures(t.db, SECOND, bigRecords());
		expect(result.total).toBe(COUNT);
		console.log(
			`[${kind}] import de ${COUNT} structures : ${Math.round(performance.now() - started)} ms`
		);
		await insertHistory(t.db, now);
		await addRule(t.db, pilot, DEMO_TERRITORY_ID, {
			effect: 'prefer',
			structure: 'borne:0000',
			reason: 'concertation de test'
		});
	}, 600_000);

	it('every service behind the pilot’s pages completes, within its bounds', async () => {
		const timings: [string, number][] = [];
		const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
			const started = performance.now();
			const result = await run();
			timings.push([label, performance.now() - started]);
			return result;
		};
		const db = t.db;
		const all = COUNT + demo.length;

		// The desk.
		const orphans = await timed('orphanSituations', () =>
			orphanSituations(db, pilot, DEMO_TERRITORY_ID, period)
		);
		expect(orphans.byCell).toHaveLength(PAGE_LIMIT);
		expect(orphans.more.byCell).toBe(CELLS * 2 - PAGE_LIMIT);
		expect(orphans.gaps.length).toBeLessThanOrEqual(CELLS);
		expect(orphans.trend.length).toBeLessThanOrEqual(14);
		expect(orphans.total).toBe(CELLS * 2);

		const pairs = await timed('overlaps', () => overlaps(db, pilot, DEMO_TERRITORY_ID, period));
		expect(pairs).toHaveLength(30);

		const flow = await timed('flows', () => flows(db, pilot, DEMO_TERRITORY_ID, period));
		expect(flow.outcomes).toHaveLength(PAGE_LIMIT);
		expect(flow.more.outcomes).toBe(ORIENTED - PAGE_LIMIT);
		expect(flow.bySource).toHaveLength(PAGE_LIMIT);
		expect(flow.more.bySource).toBe(ORIENTED - PAGE_LIMIT);
		expect(flow.reasons).toHaveLength(PAGE_LIMIT);
		expect(flow.more.reasons).toBe(ORIENTED - PAGE_LIMIT);

		const withMax = demo.filter((s) => s.caseload_max != null).length;
		const caseloads = await timed('capacity', () => capacity(db, pilot, DEMO_TERRITORY_ID));
		expect(caseloads.items).toHaveLength(PAGE_LIMIT);
		expect(caseloads.more).toBe(COUNT + withMax - PAGE_LIMIT);
		for (const c of caseloads.items) {
			expect(c.history.length).toBeLessThanOrEqual(CASELOAD_HISTORY);
		}

		// The territory's own structures only: the 5 000 belong to the other territory.
		const stale = await timed('staleStructures', () =>
			staleStructures(db, pilot, DEMO_TERRITORY_ID)
		);
		expect(stale.items.length).toBeLessThanOrEqual(PAGE_LIMIT);
		expect(stale.items.every((s) => !s.id.startsWith('borne:'))).toBe(true);

		const rules = await timed('listRules', () => listRules(db, pilot, DEMO_TERRITORY_ID));
		expect(rules.items.length).toBeLessThanOrEqual(RULES_LIMIT);
		const history = await timed('ruleHistory', () => ruleHistory(db, pilot, DEMO_TERRITORY_ID));
		expect(history.items.length).toBeLessThanOrEqual(RULE_HISTORY_LIMIT);
		const offered = await timed('ruleStructures', () =>
			ruleStructures(db, pilot, DEMO_TERRITORY_ID)
		);
		expect(offered.items).toHaveLength(RULE_STRUCTURES_LIMIT);
		expect(offered.more).toBe(all - RULE_STRUCTURES_LIMIT);

		// The chart: 64 cells, each naming at most CELL_NAMES structures with its full count; the
		// zones drawn are the structures covering the territory, each once.
		const axes = await timed('territoryAxes', () =>
			territoryAxes(db, pilot, DEMO_TERRITORY_ID, { type: [], vue: 'toutes' })
		);
		expect(axes.cells).toHaveLength(CELLS);
		for (const c of axes.cells) expect(c.structures.length).toBeLessThanOrEqual(CELL_NAMES);
		expect(Math.max(...axes.cells.map((c) => c.count))).toBeGreaterThan(COUNT / 10);
		expect(axes.structures).toHaveLength(all);
		expect(Object.keys(axes.orphans).length).toBeLessThanOrEqual(CELLS);
		const layout = await timed('layoutChart (la page)', async () =>
			layoutChart(axes.structures, axes.cells)
		);
		expect(layout.shapes).toHaveLength(all);
		expect(Math.max(...layout.shapes.map((s) => s.lane))).toBeLessThan(MAX_LANES);

		// The map: the territory's places, one point per structure with a position, and per place
		// the structures of the chosen cell.
		const map = await timed('territoryMap', () =>
			territoryMap(db, pilot, DEMO_TERRITORY_ID, {
				type: [],
				probleme: 'medical',
				niveau: 'coordonnee',
				orphelines: 365
			})
		);
		expect(map.places.features.length).toBeLessThanOrEqual(2);
		expect(map.structures.total).toBe(all);
		expect(map.structures.list.length).toBeLessThanOrEqual(MAP_LIST_LIMIT);
		expect(map.structures.placed).toBeLessThanOrEqual(all);
		expect(Object.keys(map.cell?.names ?? {}).length).toBeLessThanOrEqual(all);
		const tiles = await timed('mapTiles', () => mapTiles(db, pilot, DEMO_TERRITORY_ID, []));
		expect(tiles.points).toHaveLength(map.structures.placed);
		expect(Object.keys(map.cell?.byPlace ?? {}).length).toBeLessThanOrEqual(2);
		expect(Object.keys(map.orphans ?? {}).length).toBeLessThanOrEqual(2);

		// The coverage grid: 64 cells, each structure at most once in a cell.
		const grid = await timed('territoryGrid', () => territoryGrid(db, pilot, DEMO_TERRITORY_ID));
		expect(grid.cells).toHaveLength(CELLS);
		for (const c of grid.cells) expect(new Set(c.structures).size).toBe(c.structures.length);
		expect(grid.structures.length).toBeLessThanOrEqual(all);

		// The directory listing of the territory: one page.
		const query = readDirectoryQuery(new URLSearchParams({ territoire: DEMO_TERRITORY_ID }));
		if (!query.success) throw query.error;
		const directory = await timed('browseDirectory', () =>
			browseDirectory(db, query.data, pilot.principal.territories)
		);
		expect(directory.items.length).toBeLessThanOrEqual(PAGE_SIZE);
		expect(directory.total).toBeGreaterThanOrEqual(demo.length);

		const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
		console.log(
			`[${kind}] ${COUNT} structures sur ${COMMUNE}, pilote de ${DEMO_TERRITORY_ID} :\n` +
				timings
					.map(([label, ms]) => `  ${label.padEnd(24)} ${ms.toFixed(0).padStart(6)} ms`)
					.join('\n') +
				`\n  ${'total'.padEnd(24)} ${total.toFixed(0).padStart(6)} ms`
		);
		expect(total).toBeLessThan(CEILING_MS);
	}, 120_000);
});
