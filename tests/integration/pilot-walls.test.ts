/**
 * Issue 12, « a scoped caller never reads, writes or recommends outside its territories », for the
 * pilot's pages: a pilot of marseille-4-12 gets `not_found` from every service behind the desk,
 * the chart, the map and the grid for another territory — the same answer as for an unknown one —
 * and its writes there change nothing and audit nothing. The same services answer a pilot of that
 * territory (the wall is the scope, not the data).
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import type { Caller } from '$lib/server/auth/principal';
import { territoryAxes } from '$lib/server/services/axes';
import { territoryGrid } from '$lib/server/services/coverage';
import { ServiceError } from '$lib/server/services/errors';
import { mapStructure, mapTiles, territoryMap } from '$lib/server/services/map';
import {
	answerTimes,
	capacity,
	deskPlaceShapes,
	expiredOrientations,
	flows,
	markVerified,
	monthlyOutcomes,
	orphanSituations,
	overlaps,
	refusalReasons,
	staleStructures,
	updateCaseload,
	waitingLists,
	type Period
} from '$lib/server/services/pilotage';
import {
	addRule,
	listRules,
	removeRule,
	ruleHistory,
	ruleStructures,
	undoRuleEvent
} from '$lib/server/services/rules';
import { openTerritory } from '$lib/server/services/scope';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase, type TestDatabase } from '../helpers/databases';
import { agentCaller } from '../factories/orientations';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';

const OTHER = 'murs-autre';
const OTHER_STRUCTURE = 'murs:saad';
const UNKNOWN = 'murs-inconnu';
const PERIOD: Period = {
	from: new Date('2000-01-01T00:00:00Z'),
	to: new Date('2100-01-01T00:00:00Z')
};

/** Every service behind the pilot's pages, on one territory, as this caller. */
function services(
	t: TestDatabase,
	caller: Caller,
	territory: string,
	ruleId: string,
	eventId: number
) {
	return {
		openTerritory: () => openTerritory(t.db, caller, territory, 'pilot'),
		orphanSituations: () => orphanSituations(t.db, caller, territory, PERIOD),
		monthlyOutcomes: () => monthlyOutcomes(t.db, caller, territory, PERIOD),
		deskPlaceShapes: () => deskPlaceShapes(t.db, caller, territory),
		overlaps: () => overlaps(t.db, caller, territory, PERIOD),
		flows: () => flows(t.db, caller, territory, PERIOD),
		capacity: () => capacity(t.db, caller, territory),
		refusalReasons: () => refusalReasons(t.db, caller, territory, PERIOD),
		answerTimes: () => answerTimes(t.db, caller, territory, PERIOD),
		expiredOrientations: () => expiredOrientations(t.db, caller, territory, PERIOD),
		waitingLists: () => waitingLists(t.db, caller, territory),
		staleStructures: () => staleStructures(t.db, caller, territory),
		listRules: () => listRules(t.db, caller, territory),
		ruleHistory: () => ruleHistory(t.db, caller, territory),
		ruleStructures: () => ruleStructures(t.db, caller, territory),
		territoryAxes: () => territoryAxes(t.db, caller, territory, { type: [] }),
		territoryMap: () =>
			territoryMap(t.db, caller, territory, {
				type: [],
				probleme: 'aides_domicile',
				niveau: 'simple',
				orphelines: 365
			}),
		mapTiles: () => mapTiles(t.db, caller, territory, []),
		mapStructure: () => mapStructure(t.db, caller, territory, OTHER_STRUCTURE),
		territoryGrid: () => territoryGrid(t.db, caller, territory),
		addRule: () =>
			addRule(t.db, caller, territory, {
				effect: 'never',
				structure: OTHER_STRUCTURE,
				reason: 'essai hors périmètre'
			}),
		removeRule: () => removeRule(t.db, caller, territory, ruleId, 'essai hors périmètre'),
		undoRuleEvent: () => undoRuleEvent(t.db, caller, territory, eventId),
		markVerified: () => markVerified(t.db, caller, territory, OTHER_STRUCTURE),
		updateCaseload: () => updateCaseload(t.db, caller, territory, OTHER_STRUCTURE, 7),
		importStructures: () =>
			importStructures(
				t.db,
				territory,
				[structureRecord({ id: 'murs:intrus', coverage: ['13001'] })],
				'upsert',
				undefined,
				{ caller, format: 'json' }
			),
		putTerritory: () =>
			putTerritory(t.db, territory, { name: 'Renommé par un intrus', communes: ['13001'] }, caller)
	};
}

async function snapshot(t: TestDatabase) {
	const [row] = await queryRows<{ text: string }>(
		t.db,
		sql`select concat_ws('|',
			(select count(*) from audit_log), (select count(*) from territory_rules),
			(select count(*) from rule_events), (select count(*) from caseload_history),
			(select count(*) from territory_rules where removed_at is not null),
			(select concat(updated_at, '/', caseload_current) from structures where id = ${OTHER_STRUCTURE})
		) as text`
	);
	return row?.text;
}

describe.each(DATABASES)('the pilot’s pages keep to the caller’s territories, on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const scopedPilot = agentCaller([DEMO_TERRITORY_ID], 'pilot');
	const otherPilot = agentCaller([OTHER], 'pilot');
	let ruleId = '';
	let eventId = 0;

	beforeAll(async () => {
		await putTerritory(t.db, OTHER, { name: 'Autre territoire (murs)', communes: ['13001'] });
		await importStructures(t.db, OTHER, [
			structureRecord({
				id: OTHER_STRUCTURE,
				name: 'SAAD de l’autre territoire',
				kind: 'saad',
				coverage: ['13001'],
				// Placed, so that it is one of the map's points.
				lon: 5.3811,
				lat: 43.2999,
				problems: ['aides_domicile'],
				level_min: 'simple',
				level_max: 'coordonnee',
				caseload_max: 40,
				caseload_current: 12,
				updated_at: '2015-03-01'
			})
		]);
		ruleId = await addRule(t.db, otherPilot, OTHER, {
			effect: 'prefer',
			structure: OTHER_STRUCTURE,
			reason: 'concertation de l’autre territoire'
		});
		const [event] = await queryRows<{ id: number }>(
			t.db,
			sql`select id from rule_events where rule_id = ${ruleId}`
		);
		eventId = Number(event?.id);
	});

	it('a pilot of marseille-4-12 gets not found from every pilot service for another territory, as for an unknown one, and nothing is written', async () => {
		const before = await snapshot(t);
		for (const territory of [OTHER, UNKNOWN]) {
			for (const [name, run] of Object.entries(
				services(t, scopedPilot, territory, ruleId, eventId)
			)) {
				const error = await run().then(
					() => null,
					(e: unknown) => e
				);
				expect(error, `${name} on ${territory}`).toBeInstanceOf(ServiceError);
				expect((error as ServiceError).kind, name).toBe('not_found');
				expect((error as ServiceError).message, name).toBe(`Territoire introuvable : ${territory}`);
			}
		}
		expect(await snapshot(t)).toBe(before);
	});

	it('a partner, even of the territory, is refused the desk (forbidden), and writes nothing', async () => {
		const partner = agentCaller([OTHER], 'partner');
		const before = await snapshot(t);
		const desk = services(t, partner, OTHER, ruleId, eventId);
		for (const name of [
			'orphanSituations',
			'monthlyOutcomes',
			'deskPlaceShapes',
			'capacity',
			'refusalReasons',
			'answerTimes',
			'expiredOrientations',
			'waitingLists',
			'listRules',
			'addRule',
			'markVerified',
			'updateCaseload',
			'importStructures',
			'putTerritory'
		] as const) {
			const error = await desk[name]().then(
				() => null,
				(e: unknown) => e
			);
			expect((error as ServiceError).kind, name).toBe('forbidden');
		}
		// The chart, the map and the grid are a partner's.
		await expect(desk.territoryGrid()).resolves.toMatchObject({ cells: expect.any(Array) });
		expect(await snapshot(t)).toBe(before);
	});

	it('a pilot of that territory is answered by the same services', async () => {
		const own = services(t, otherPilot, OTHER, ruleId, eventId);
		expect((await own.openTerritory()).id).toBe(OTHER);
		expect((await own.capacity()).items.map((c) => c.id)).toEqual([OTHER_STRUCTURE]);
		expect((await own.monthlyOutcomes()).items.length).toBeGreaterThan(0);
		expect((await own.deskPlaceShapes()).type).toBe('FeatureCollection');
		// The map's points and popups: the territory's structure, and no other territory's.
		const tiles = await own.mapTiles();
		expect(tiles.points.map(({ id, kind }) => ({ id, kind }))).toContainEqual({
			id: OTHER_STRUCTURE,
			kind: 'saad'
		});
		expect(await own.mapStructure()).toMatchObject({ id: OTHER_STRUCTURE, kind: 'saad' });
		const onOther = new Set(
			(await territoryMap(t.db, otherPilot, OTHER, { type: [] })).structures.list.map((s) => s.id)
		);
		const demoStructure = (
			await territoryMap(t.db, scopedPilot, DEMO_TERRITORY_ID, { type: [] })
		).structures.list.find((s) => !onOther.has(s.id));
		if (!demoStructure) throw new Error('aucune structure de démonstration');
		const notOnThisMap = await mapStructure(t.db, otherPilot, OTHER, demoStructure.id).then(
			() => null,
			(e: unknown) => e
		);
		expect((notOnThisMap as ServiceError).kind).toBe('not_found');
		expect((await own.staleStructures()).items.map((s) => s.id)).toEqual([OTHER_STRUCTURE]);
		expect((await own.listRules()).items.map((r) => r.rule.id)).toEqual([ruleId]);
		expect(await own.updateCaseload()).toBe(true);
		expect(await own.markVerified()).toBe(true);
		await own.removeRule();
		const audits = await queryRows<{ action: string; actor_id: string; territory_id: string }>(
			t.db,
			sql`select action, actor_id, territory_id from audit_log
				where territory_id = ${OTHER} order by id`
		);
		expect(audits.map((a) => [a.action, a.actor_id, a.territory_id])).toEqual([
			['rule.add', otherPilot.principal.id, OTHER],
			['structure.caseload', otherPilot.principal.id, OTHER],
			['structure.verified', otherPilot.principal.id, OTHER],
			['rule.remove', otherPilot.principal.id, OTHER]
		]);
	});

	it('its import and its territory change are the services’ own: checked and audited in their transaction', async () => {
		const result = await importStructures(
			t.db,
			OTHER,
			[structureRecord({ id: 'murs:nouveau', coverage: ['13001'] })],
			'upsert',
			undefined,
			{ caller: otherPilot, format: 'json' }
		);
		expect(result).toMatchObject({ created: 1 });
		expect(
			await putTerritory(
				t.db,
				OTHER,
				{ name: 'Autre territoire (murs)', communes: ['13001'] },
				otherPilot
			)
		).toEqual({ created: false });
		const audits = await queryRows<{
			action: string;
			outcome: string;
			actor_id: string;
			ip: string;
		}>(
			t.db,
			sql`select action, outcome, actor_id, ip from audit_log
				where territory_id = ${OTHER} and action in ('import.structures', 'territory.update') order by id`
		);
		expect(audits.map((a) => [a.action, a.outcome, a.actor_id, a.ip])).toEqual([
			['import.structures', 'success', otherPilot.principal.id, otherPilot.ip],
			['territory.update', 'success', otherPilot.principal.id, otherPilot.ip]
		]);
		// A refused import (a bad row) is audited as such, and writes nothing.
		await expect(
			importStructures(t.db, OTHER, [{ id: 'murs:mauvais' }], 'upsert', undefined, {
				caller: otherPilot,
				format: 'json'
			})
		).rejects.toThrow(/Import refusé/);
		const [failure] = await queryRows<{ outcome: string }>(
			t.db,
			sql`select outcome from audit_log where action = 'import.structures' order by id desc limit 1`
		);
		expect(failure?.outcome).toBe('failure');
	});
});
