import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { CoverageCell } from '$lib/domain/coverage';
import { applyNeverRules, orphanCount, type OrientationGroup } from '$lib/domain/scenario';
import { queryRows } from '$lib/server/db/client';
import { territoryCoverage } from '$lib/server/services/coverage';
import { createOrientation } from '$lib/server/services/orientations';
import { neverRules, ruleHistory, undoRuleEvent } from '$lib/server/services/rules';
import { adoptScenario, simulateChanges, simulateScenario } from '$lib/server/services/simulation';
import { getStructureRecords } from '$lib/server/services/structures';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { serviceRejection, testCaller } from '../factories/callers';
import { DEMO_TERRITORY_ID } from '../factories/structures';

/**
 * Issue 16: the what-if of the concertation meeting, on the demo territory as imported — the
 * cells chosen from the territory's own grid, never hard-coded. A simulation writes nothing; an
 * adoption writes rules (undoable) or remit changes, and the real grid then says what the
 * simulation said.
 */

const key = (c: { problem: string; level: string }) => `${c.problem}|${c.level}`;

describe.each(DATABASES)('what-if on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const pilot = testCaller('pilot', [DEMO_TERRITORY_ID]);

	async function grid(): Promise<CoverageCell[]> {
		return (await territoryCoverage(t.db, DEMO_TERRITORY_ID)).cells;
	}

	/** A cell one structure alone takes, and that structure. */
	async function loneCell() {
		const cell = (await grid()).find((c) => c.status === 'single' && c.structures.length === 1);
		expect(cell, 'une case prise par une seule structure').toBeDefined();
		return {
			cell: cell as CoverageCell,
			structure: (cell as CoverageCell).structures[0] as string
		};
	}

	it('an empty scenario gives the real grid on both sides', async () => {
		const real = await grid();
		const result = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		expect(result.cells.map((c) => [key(c), c.before, c.after])).toEqual(
			real.map((c) => [key(c), c.status, c.status])
		);
	});

	it('closing the only structure of a cell makes it a gap, replays orientations, writes nothing', async () => {
		const { cell, structure } = await loneCell();
		// One orientation recorded on that cell, where the structure covers.
		const [record] = await getStructureRecords(t.db, [structure]);
		const simulated = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		const place = simulated.structures.find((s) => s.id === structure)?.places[0] as string;
		expect(record).toBeDefined();
		await createOrientation(t.db, testCaller('agent', [DEMO_TERRITORY_ID]), {
			territory: DEMO_TERRITORY_ID,
			commune: place,
			problems: [cell.problem],
			level: cell.level,
			level_reason: 'niveau fixé par le test',
			structure,
			consent: true
		});
		const before = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		const result = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, { close: [structure] });
		const after = result.cells.find((c) => key(c) === key(cell));
		expect(after).toMatchObject({ before: 'single', after: 'gap' });
		expect(result.orientations.considered).toBe(before.orientations.considered);
		expect(result.orientations.orphanAfter).toBeGreaterThanOrEqual(
			result.orientations.orphanBefore + 1
		);
		const commune = result.communes.find((c) => c.code === place);
		expect(commune && commune.gapsAfter > commune.gapsBefore).toBe(true);
		// Nothing written.
		expect((await grid()).find((c) => key(c) === key(cell))?.status).toBe('single');
	});

	it('replays by age class exactly as orientation by orientation, at every age', async () => {
		// A structure whose public is bounded by age, and one of its cells and places.
		const { structures } = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		const bounded = structures.find((s) => s.ageMin !== null || s.ageMax !== null);
		expect(bounded, 'une structure dont le public a un âge minimum ou maximum').toBeDefined();
		const s = bounded as (typeof structures)[number];
		const json = JSON.stringify(
			Array.from({ length: 101 }, (_, age) => ({
				id: `test-age-${age}`,
				commune: s.places[age % s.places.length],
				// Every fifth one anonymised: its band only.
				age: age % 5 === 0 ? null : age,
				band: Math.floor(age / 5) * 5,
				problem: s.problems[age % s.problems.length],
				level: s.levelMin
			}))
		);
		await t.db.execute(sql`insert into orientations (id, territory_id, commune, age, age_band,
				problems, criteria, request_type, computed_level, level, consent, orphan, status)
			select x.id, ${DEMO_TERRITORY_ID}, x.commune, x.age, x.band, array[x.problem], '{}',
				'accompagnement', x.level, x.level, true, false, 'sent'
			from jsonb_to_recordset(${json}::jsonb) as x(id text, commune text, age int, band int,
				problem text, level text)`);
		// Every orientation on its own, its age as recorded (the band's middle when anonymised).
		const one = await queryRows<OrientationGroup>(
			t.db,
			sql`select problems[1] as problem, level, commune, coalesce(age, age_band + 2) as age,
					apa, handicap, 1 as count
				from orientations where territory_id = ${DEMO_TERRITORY_ID}`
		);
		const rules = await neverRules(t.db, DEMO_TERRITORY_ID);
		// Everyone but the bounded structure closed: its public alone decides who finds someone.
		const others = [...new Set(structures.map((x) => x.id))].filter((id) => id !== s.id);
		for (const close of [[], others]) {
			const result = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, { close });
			const remaining = structures.filter((x) => !close.includes(x.id));
			expect(result.orientations.considered).toBe(one.length);
			expect(result.orientations.orphanAfter).toBe(
				orphanCount(applyNeverRules(remaining, rules), one)
			);
		}
		expect(
			(await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, { close: others })).orientations
				.orphanAfter,
			'des orientations hors du public de la structure restent sans réponse'
		).toBeGreaterThan(0);
		await t.db.execute(sql`delete from orientations where id like 'test-age-%'`);
	});

	it('adopting a closure writes a rule: the real grid shows the gap, undoing brings it back', async () => {
		const { cell, structure } = await loneCell();
		expect(
			(await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, { close: [structure] })).plan
		).toEqual({
			rules: [{ structure, problem: null, level: null }],
			remits: [],
			add: []
		});
		const done = await adoptScenario(
			t.db,
			pilot,
			DEMO_TERRITORY_ID,
			{ close: [structure] },
			'Concertation du 3 décembre : fermeture annoncée',
			'2026-12-03'
		);
		expect(done).toEqual({ rules: 1, remits: 0, added: 0 });
		expect((await grid()).find((c) => key(c) === key(cell))?.status).toBe('gap');
		// The simulation now starts from the rule too.
		const again = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		expect(again.cells.find((c) => key(c) === key(cell))?.before).toBe('gap');

		const history = await ruleHistory(t.db, pilot, DEMO_TERRITORY_ID);
		await undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, history.items[0]?.id as number);
		expect((await grid()).find((c) => key(c) === key(cell))?.status).toBe('single');
	});

	it('a structure that stops taking a problem becomes a rule on that problem only', async () => {
		const { cell, structure } = await loneCell();
		const changes = [{ type: 'retirer' as const, structure, problem: cell.problem }];
		const own = (await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {})).structures.find(
			(s) => s.id === structure
		);
		const remaining = (own?.problems ?? []).filter((p) => p !== cell.problem);
		if (remaining.length === 0) {
			// Its only problem: the scenario is refused, naming the field.
			const refusal = await serviceRejection(
				simulateChanges(t.db, pilot, DEMO_TERRITORY_ID, changes)
			);
			expect(refusal.issues.map((i) => i.path)).toContain('remits.0.problems');
			return;
		}
		const { input, result } = await simulateChanges(t.db, pilot, DEMO_TERRITORY_ID, changes);
		expect(input.remits[0]?.problems).toEqual(remaining);
		const plan = result.plan;
		expect(plan.rules).toEqual([{ structure, problem: cell.problem, level: null }]);
		for (const c of result.cells.filter((c) => c.problem === cell.problem)) {
			expect(c.structuresAfter).not.toContain(structure);
		}
		for (const c of result.cells.filter((c) => c.problem !== cell.problem)) {
			expect(c.after).toBe(c.before);
		}
	});

	it('extending a structure adds overlaps only where another already covers, and adopts as a remit change', async () => {
		// A structure that does not cover the whole territory.
		const base = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		const partial = base.structures.find((s) => s.places.length < base.places.length);
		expect(partial, 'une structure qui ne couvre pas tout le territoire').toBeDefined();
		const s = partial as (typeof base.structures)[number];
		const missing = base.places.filter((p) => !s.places.includes(p));
		const { input, result } = await simulateChanges(t.db, pilot, DEMO_TERRITORY_ID, [
			{ type: 'etendre', structure: s.id, coverage: missing }
		]);
		for (const c of result.cells) {
			// New overlap places are among the places added, and another structure was there.
			for (const p of c.newOverlapPlaces) expect(missing).toContain(p);
			if (c.structuresAfter.includes(s.id)) {
				expect(c.after === 'gap').toBe(false);
				expect(c.newGapPlaces).toEqual([]);
			} else expect(c.after).toBe(c.before);
		}
		expect(result.plan.remits.map((r) => r.id)).toEqual([s.id]);
		await adoptScenario(t.db, pilot, DEMO_TERRITORY_ID, input, 'Concertation : extension votée');
		const after = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {});
		expect(after.structures.find((x) => x.id === s.id)?.places).toEqual(
			expect.arrayContaining(missing)
		);
	});

	it('a new structure in the import format fills a gap; bad input is refused naming the field', async () => {
		const gap = (await grid()).find((c) => c.status === 'gap') as CoverageCell;
		const result = await simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, {
			add: [
				{
					id: 'essai:nouvelle',
					name: 'Nouvelle plateforme',
					kind: 'autre',
					problems: [gap.problem],
					level_min: gap.level,
					level_max: gap.level,
					coverage: ['13204']
				}
			]
		});
		expect(result.cells.find((c) => key(c) === key(gap))).toMatchObject({
			before: 'gap',
			after: 'single',
			structuresAfter: ['essai:nouvelle']
		});

		// Every sort of mistake at once: unknown structures, an unknown commune, inverted levels.
		const BAD = {
			close: ['inconnue'],
			remits: [{ id: 'inconnue-2', coverage: ['99999'] }],
			add: [
				{
					id: 'x',
					name: 'X',
					kind: 'autre',
					problems: ['medical'],
					level_min: 'complexe',
					level_max: 'simple',
					coverage: ['13204']
				}
			]
		};
		const refusal = await serviceRejection(
			simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, { ...BAD, extra: true })
		);
		expect(refusal.kind).toBe('invalid');
		const paths = refusal.issues.map((i) => i.path);
		expect(paths).toContain('extra');
		const second = await serviceRejection(simulateScenario(t.db, pilot, DEMO_TERRITORY_ID, BAD));
		expect(second.issues.map((i) => i.path)).toEqual(
			expect.arrayContaining(['close.0', 'remits.0.id', 'remits.0.coverage', 'add.0.level_max'])
		);
		for (const issue of second.issues) expect(issue.message).toMatch(/[a-zé]/);
	});

	it('is for pilots of the territory: an agent is refused, another territory is not found', async () => {
		expect(
			(
				await serviceRejection(
					simulateScenario(t.db, testCaller('agent', [DEMO_TERRITORY_ID]), DEMO_TERRITORY_ID, {})
				)
			).kind
		).toBe('forbidden');
		expect(
			(
				await serviceRejection(
					simulateScenario(t.db, testCaller('pilot', ['ailleurs']), DEMO_TERRITORY_ID, {})
				)
			).kind
		).toBe('not_found');
	});
});
