/**
 * The pilot's desk reads the structures' answers (contract §7): refusal reasons by structure,
 * time to answer (median, 90th percentile), expired orientations, waiting lists.
 *
 * The orientations and their events are inserted directly, with known times, reasons and authors,
 * so that every figure is known in advance: the references below follow the contract (an answer
 * counts in the period by the time it was given; the delay runs from `sent` to the first answer),
 * not the SQL. Each figure has a line above the suppression threshold, one under it, and a 0.
 */
import { localMidnight } from '$lib/domain/local-time';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SMALL_COUNT } from '$lib/domain/overlaps';
import { orientationEvents, orientations } from '$lib/server/db/schema';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { ServiceError } from '$lib/server/services/errors';
import {
	answerTimes,
	expiredOrientations,
	masked,
	refusalReasons,
	waitingLists,
	type Period
} from '$lib/server/services/pilotage';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { REFUSAL_REASON_CODES, type OrientationStatus } from '$lib/schemas/orientation';
import { DATABASES, useTestDatabase, type TestDatabase } from '../helpers/databases';
import { rejectionOf } from '../factories/accounts';
import { structureRecord } from '../factories/structures';

const TERRITORY = 'reponses';
const OTHER = 'reponses-autre';
const S1 = 'reponses:s1';
const S2 = 'reponses:s2';
const S3 = 'reponses:s3';
const SO = 'reponses-autre:so';

/** From inclusive, to exclusive; far enough in the past that « now » (waiting lists) is after it. */
const PERIOD: Period = {
	from: localMidnight('2025-01-01'),
	to: localMidnight('2025-04-01')
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Event {
	status: OrientationStatus;
	/** Hours after the orientation was sent. */
	after: number;
	reasonCode?: string;
	byStructure?: boolean;
}

interface Row {
	id: string;
	territoryId: string;
	structureId: string;
	createdAt: Date;
	events: Event[];
	previousId?: string;
}

const rows: Row[] = [];
function orientation(
	structureId: string,
	createdAt: string | Date,
	events: Event[],
	options: { territoryId?: string; previousId?: string } = {}
): string {
	const id = randomUUID();
	rows.push({
		id,
		territoryId: options.territoryId ?? TERRITORY,
		structureId,
		createdAt: new Date(createdAt),
		events: [{ status: 'sent', after: 0 }, ...events],
		previousId: options.previousId
	});
	return id;
}
/** An orientation sent at `createdAt` and answered once, `hours` later. */
const answered = (
	structureId: string,
	createdAt: string,
	hours: number,
	status: 'accepted' | 'refused' | 'waitlisted',
	byStructure: boolean,
	reasonCode?: string
) => orientation(structureId, createdAt, [{ status, after: hours, reasonCode, byStructure }]);

/**
 * A caller of these territories. Not the orientations factory's agentCaller: that module loads the
 * orientations service, which the answering work is changing at the same time, and these figures
 * must not depend on it (the rows are inserted directly).
 */
function callerOf(territories: string[], role: Principal['role']): Caller {
	return {
		principal: { type: 'user', id: randomUUID(), label: `${role}@example.fr`, role, territories },
		ip: '203.0.113.42'
	};
}

/* --------------------------------- The history --------------------------------- */

// S1 answers itself (a member): 10 first answers in the period, delays 10, 20, … 100 h — 6
// refusals hors_zone (one of them to an orientation sent in December), 1 hors_public, 3
// acceptances (one closed since: closing is no answer).
const S1_DELAYS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
answered(S1, '2024-12-31T20:00:00Z', 10, 'refused', true, 'hors_zone');
for (const h of [20, 30, 40, 50, 60])
	answered(S1, '2025-01-10T08:00:00Z', h, 'refused', true, 'hors_zone');
answered(S1, '2025-02-03T09:00:00Z', 70, 'refused', true, 'hors_public');
answered(S1, '2025-02-04T09:00:00Z', 80, 'accepted', true);
answered(S1, '2025-02-05T09:00:00Z', 90, 'accepted', true);
orientation(S1, '2025-02-06T09:00:00Z', [
	{ status: 'accepted', after: 100, byStructure: true },
	{ status: 'closed', after: 500, reasonCode: 'fin_accompagnement', byStructure: true }
]);
// Outside the period: answered in December, answered in April, never answered.
answered(S1, '2024-11-20T08:00:00Z', 30, 'refused', true, 'hors_zone');
answered(S1, '2025-03-31T20:00:00Z', 14, 'accepted', true);
orientation(S1, '2025-03-01T08:00:00Z', []);

// S2 has no members: the agent records its 7 answers, delays 2, 4, … 14 h — 2 refusals hors_zone
// (under the threshold), 4 acceptances, and one waitlisted first then accepted (its delay is the
// waitlisting's).
const S2_DELAYS = [2, 4, 6, 8, 10, 12, 14];
answered(S2, '2025-01-15T08:00:00Z', 2, 'refused', false, 'hors_zone');
answered(S2, '2025-01-16T08:00:00Z', 4, 'refused', false, 'hors_zone');
for (const h of [6, 8, 10, 12]) answered(S2, '2025-01-20T08:00:00Z', h, 'accepted', false);
orientation(S2, '2025-02-10T08:00:00Z', [
	{ status: 'waitlisted', after: 14, byStructure: false },
	{ status: 'accepted', after: 200, byStructure: false }
]);

// S3: 3 answers within the hour, too few for a delay of its own.
const S3_DELAYS = [1, 1, 1];
for (let i = 0; i < 3; i++) answered(S3, '2025-03-02T08:00:00Z', 1, 'accepted', true);

// Expired in the period: 5 at S1 (2 re-oriented to S2), 1 at S2; one at S2 expired in April.
const expiredAt = (createdAt: string) =>
	orientation(S1, createdAt, [{ status: 'expired', after: 30 * 24 }]);
const expiredS1 = ['2025-01-05', '2025-01-06', '2025-01-07', '2025-02-01', '2025-02-02'].map((d) =>
	expiredAt(`${d}T08:00:00Z`)
);
for (const previousId of expiredS1.slice(0, 2))
	orientation(S2, '2025-03-10T08:00:00Z', [], { previousId });
orientation(S2, '2025-01-20T08:00:00Z', [{ status: 'expired', after: 30 * 24 }]);
orientation(S2, '2025-03-20T08:00:00Z', [{ status: 'expired', after: 30 * 24 }]);

// Waiting now: 6 at S3 (the longest for 40 days and 2 hours), 2 at S2.
const NOW = Date.now();
const waitingSince = (structureId: string, days: number) => {
	const sentAt = new Date(NOW - (days + 5) * DAY);
	orientation(structureId, sentAt, [
		{ status: 'waitlisted', after: 5 * 24, byStructure: structureId === S3 }
	]);
};
for (const days of [40 + 2 / 24, 30, 20, 10, 3, 1]) waitingSince(S3, days);
for (const days of [50, 2]) waitingSince(S2, days);

// Another territory: the same kinds of answers, never counted here.
for (let i = 0; i < 6; i++) {
	orientation(
		SO,
		'2025-02-01T08:00:00Z',
		[{ status: 'refused', after: 5, reasonCode: 'hors_zone' }],
		{
			territoryId: OTHER
		}
	);
	orientation(SO, '2025-02-01T08:00:00Z', [{ status: 'expired', after: 30 * 24 }], {
		territoryId: OTHER
	});
	orientation(SO, new Date(NOW - 9 * DAY), [{ status: 'waitlisted', after: 24 }], {
		territoryId: OTHER
	});
}

async function insertRows(db: TestDatabase['db']): Promise<void> {
	// Re-orientations point at their previous one: inserted after it.
	const ordered = [...rows.filter((r) => !r.previousId), ...rows.filter((r) => r.previousId)];
	for (const r of ordered) {
		const last = r.events.at(-1) as Event;
		const at = (e: Event) => new Date(r.createdAt.getTime() + e.after * HOUR);
		await db.insert(orientations).values({
			id: r.id,
			territoryId: r.territoryId,
			commune: r.territoryId === TERRITORY ? '13204' : '13001',
			age: 80,
			ageBand: 80,
			problems: ['medical'],
			criteria: [],
			requestType: 'accompagnement',
			computedLevel: 'simple',
			level: 'simple',
			consent: true,
			structureId: r.structureId,
			orphan: false,
			status: last.status,
			previousId: r.previousId ?? null,
			createdAt: r.createdAt,
			statusChangedAt: at(last)
		});
		await db.insert(orientationEvents).values(
			r.events.map((e) => ({
				orientationId: r.id,
				status: e.status,
				reasonCode: e.reasonCode ?? null,
				at: at(e),
				byStructure: e.byStructure ?? false
			}))
		);
	}
}

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
function percentileCont(values: readonly number[], fraction: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const position = fraction * (sorted.length - 1);
	const low = Math.floor(position);
	const high = Math.ceil(position);
	const at = (i: number) => sorted[i] as number;
	return at(low) + (position - low) * (at(high) - at(low));
}

/* ---------------------------------- The tests ---------------------------------- */

describe.each(DATABASES)('the structures’ answers on the pilot’s desk, on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const pilot = callerOf([TERRITORY], 'pilot');

	beforeAll(async () => {
		await putTerritory(t.db, TERRITORY, { name: 'Réponses', communes: ['13204'] });
		await putTerritory(t.db, OTHER, { name: 'Autre', communes: ['13001'] });
		await importStructures(t.db, TERRITORY, [
			structureRecord({ id: S1, name: 'CCAS Réponses' }),
			structureRecord({ id: S2, name: 'CLIC Réponses', kind: 'clic' }),
			structureRecord({ id: S3, name: 'SSIAD Réponses', kind: 'ssiad' })
		]);
		await importStructures(t.db, OTHER, [
			structureRecord({ id: SO, name: 'CCAS Autre', coverage: ['13001'] })
		]);
		await insertRows(t.db);
	});

	it('masked: under SMALL_COUNT suppressed, but 0 stays 0', () => {
		expect(masked(0)).toBe(0);
		expect(masked(1)).toBeNull();
		expect(masked(SMALL_COUNT - 1)).toBeNull();
		expect(masked(SMALL_COUNT)).toBe(SMALL_COUNT);
	});

	it('refusal reasons by structure, with the share of its answers; totals by reason', async () => {
		const r = await refusalReasons(t.db, pilot, TERRITORY, PERIOD);
		expect(r.items).toEqual([
			{
				structure_id: S1,
				name: 'CCAS Réponses',
				reason_code: 'hors_zone',
				count: 6,
				answered: 10,
				share: 0.6
			},
			// 1 and 2 refusals: suppressed, and so is their share (it would give the count back).
			{
				structure_id: S2,
				name: 'CLIC Réponses',
				reason_code: 'hors_zone',
				count: null,
				answered: 7,
				share: null
			},
			{
				structure_id: S1,
				name: 'CCAS Réponses',
				reason_code: 'hors_public',
				count: null,
				answered: 10,
				share: null
			}
		]);
		expect(r.more).toBe(0);
		// 10 + 7 + 3 orientations answered in the period (S2's waitlisted-then-accepted one once).
		expect(r.answered).toBe(20);
		expect(r.refused).toBe(9);
		expect(r.totals.map((x) => x.reason_code)).toEqual([
			'hors_zone',
			'hors_public',
			...REFUSAL_REASON_CODES.filter((c) => c !== 'hors_zone' && c !== 'hors_public')
		]);
		expect(r.totals[0]).toEqual({ reason_code: 'hors_zone', count: 8, share: 8 / 20 });
		expect(r.totals[1]).toEqual({ reason_code: 'hors_public', count: null, share: null });
		for (const never of r.totals.slice(2)) expect(never).toMatchObject({ count: 0, share: 0 });
	});

	it('refusals are bounded: `limit` lines, and how many more', async () => {
		const r = await refusalReasons(t.db, pilot, TERRITORY, PERIOD, { limit: 1 });
		expect(r.items.map((x) => [x.structure_id, x.reason_code])).toEqual([[S1, 'hors_zone']]);
		expect(r.more).toBe(2);
	});

	it('a period without answers: none, and 0 rather than « < 5 »', async () => {
		const empty = { from: localMidnight('2020-01-01'), to: localMidnight('2020-02-01') };
		const r = await refusalReasons(t.db, pilot, TERRITORY, empty);
		expect(r.items).toEqual([]);
		expect(r.answered).toBe(0);
		expect(r.totals.every((x) => x.count === 0 && x.share === null)).toBe(true);
		const times = await answerTimes(t.db, pilot, TERRITORY, empty);
		expect(times.overall).toEqual({
			answered: 0,
			medianHours: null,
			p90Hours: null,
			byStructure: 0,
			byAgent: 0
		});
		expect(times.items).toEqual([]);
		expect(times.byMonth).toEqual([{ month: '2020-01', answered: 0, medianHours: null }]);
		expect((await expiredOrientations(t.db, pilot, TERRITORY, empty)).total).toBe(0);
	});

	it('time to answer: median and 90th percentile from `sent` to the first answer, and who answered', async () => {
		const r = await answerTimes(t.db, pilot, TERRITORY, PERIOD);
		const round = (x: number) => Math.round(x * 10) / 10;
		const all = [...S1_DELAYS, ...S2_DELAYS, ...S3_DELAYS];
		expect(r.overall).toEqual({
			answered: 20,
			medianHours: round(percentileCont(all, 0.5)),
			p90Hours: round(percentileCont(all, 0.9)),
			byStructure: 13,
			byAgent: 7
		});
		expect(r.items).toEqual([
			{
				structure_id: S1,
				name: 'CCAS Réponses',
				answered: 10,
				medianHours: 55,
				p90Hours: 91,
				byStructure: 10,
				byAgent: 0
			},
			{
				structure_id: S2,
				name: 'CLIC Réponses',
				answered: 7,
				medianHours: 8,
				p90Hours: 12.8,
				byStructure: 0,
				byAgent: 7
			},
			// Fewer than 5 answers: no delay of its own.
			{
				structure_id: S3,
				name: 'SSIAD Réponses',
				answered: null,
				medianHours: null,
				p90Hours: null,
				byStructure: null,
				byAgent: 0
			}
		]);
		expect(r.more).toBe(0);
		// By month of the answer (the desk's chart): January's 12 answers (S1's 10 to 60 h, S2's 2
		// to 12 h), February's 5 (S1's 70 to 100 h, S2's waitlisting at 14 h), March's 3 (S3's:
		// under the threshold, no median).
		expect(r.byMonth).toEqual([
			{ month: '2025-01', answered: 12, medianHours: 11 },
			{ month: '2025-02', answered: 5, medianHours: 80 },
			{ month: '2025-03', answered: null, medianHours: null }
		]);
		const capped = await answerTimes(t.db, pilot, TERRITORY, PERIOD, { limit: 2 });
		expect(capped.items).toHaveLength(2);
		expect(capped.more).toBe(1);
		expect(capped.overall).toEqual(r.overall);
	});

	it('expired orientations by structure, and how many were re-oriented', async () => {
		const r = await expiredOrientations(t.db, pilot, TERRITORY, PERIOD);
		expect(r.items).toEqual([
			{ structure_id: S1, name: 'CCAS Réponses', count: 5, reoriented: null },
			{ structure_id: S2, name: 'CLIC Réponses', count: null, reoriented: 0 }
		]);
		expect(r.total).toBe(6);
		expect(r.expiryDays).toBe(30);
		expect(r.more).toBe(0);
	});

	it('waiting lists now: how many wait at each structure, and the longest wait in days', async () => {
		const r = await waitingLists(t.db, pilot, TERRITORY);
		expect(r.items).toEqual([
			{ structure_id: S3, name: 'SSIAD Réponses', count: 6, oldestDays: 40 },
			// Two waiting: the count and the longest wait (one orientation's) stay on the server.
			{ structure_id: S2, name: 'CLIC Réponses', count: null, oldestDays: null }
		]);
		expect(r.total).toBe(8);
		const capped = await waitingLists(t.db, pilot, TERRITORY, { limit: 1 });
		expect(capped.items.map((x) => x.structure_id)).toEqual([S3]);
		expect(capped.more).toBe(1);
	});

	/** The four services, on a territory, as a caller. */
	const services = (caller: Caller, territory: string) => ({
		refusalReasons: () => refusalReasons(t.db, caller, territory, PERIOD),
		answerTimes: () => answerTimes(t.db, caller, territory, PERIOD),
		expiredOrientations: () => expiredOrientations(t.db, caller, territory, PERIOD),
		waitingLists: () => waitingLists(t.db, caller, territory)
	});

	it('a pilot of another territory gets not_found, as for an unknown territory', async () => {
		const otherPilot = callerOf([OTHER], 'pilot');
		for (const [name, run] of [
			...Object.entries(services(otherPilot, TERRITORY)),
			...Object.entries(services(pilot, 'reponses-inconnu'))
		]) {
			const error = await rejectionOf(run());
			expect(error, name).toBeInstanceOf(ServiceError);
			expect((error as ServiceError).kind, name).toBe('not_found');
		}
		// Its own territory answers, with its own figures only.
		const own = await refusalReasons(t.db, otherPilot, OTHER, PERIOD);
		expect(own.items).toEqual([
			{
				structure_id: SO,
				name: 'CCAS Autre',
				reason_code: 'hors_zone',
				count: 6,
				answered: 6,
				share: 1
			}
		]);
	});

	it('a partner or an agent, even of the territory, is forbidden', async () => {
		for (const role of ['partner', 'agent'] as const) {
			for (const [name, run] of Object.entries(services(callerOf([TERRITORY], role), TERRITORY))) {
				const error = await rejectionOf(run());
				expect(error, `${role} ${name}`).toBeInstanceOf(ServiceError);
				expect((error as ServiceError).kind, `${role} ${name}`).toBe('forbidden');
			}
		}
	});
});
