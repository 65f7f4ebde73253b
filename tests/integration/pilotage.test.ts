/**
 * The pilot's desk (issue 7): every indicator computed by the services on a generated history of
 * orientations, against a reference computed here from the generated rows and the demo file alone.
 *
 * The history is drawn with a seeded PRNG and inserted directly (orientations and their events),
 * with controlled creation dates, orphan flags, sources, structures, statuses and event times, so
 * that each indicator has cells above and under the suppression threshold. The references follow
 * the contract, not the SQL: a row counts when the territory matches and from ≤ created_at < to.
 * Then the territory rules: validation, versioning (events and audit), undo, and their effect on
 * the recommendation engine.
 */
import { and, eq, like, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTCOME_CODES } from '$lib/domain/desk';
import { overlapPairs, SMALL_COUNT } from '$lib/domain/overlaps';
import {
	LEVEL_CODES,
	PROBLEM_CODES,
	levelInRange,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	auditLog,
	orientationEvents,
	orientations,
	ruleEvents,
	structures
} from '$lib/server/db/schema';
import { territoryCoverage } from '$lib/server/services/coverage';
import { referencePlaces } from '$lib/server/services/reference';
import {
	capacity,
	flows,
	markVerified,
	monthlyOutcomes,
	orphanSituations,
	overlaps,
	staleStructures,
	updateCaseload,
	type Period
} from '$lib/server/services/pilotage';
import {
	RuleError,
	activeRules,
	addRule,
	listRules,
	removeRule,
	ruleHistory,
	undoRuleEvent
} from '$lib/server/services/rules';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import type { StructureInput } from '$lib/schemas/structure';
import { readPeriod } from '../../src/routes/(app)/territoires/[id]/pilotage/period';
import { localMidnight, localMonth } from '$lib/domain/local-time';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { agentCaller, ask } from '../factories/orientations';
import { DEMO_TERRITORY_ID, demoRecords, structureRecord } from '../factories/structures';

const DEMO_PLACES = ['13204', '13212'] as const;
const OTHER = 'autre-pilotage';
const OTHER_STRUCTURE = 'autre:saad-aix';

/** The dashboards' period: from inclusive, to exclusive, days in Paris as the desk's (readPeriod). */
const PERIOD: Period = { from: localMidnight('2025-12-01'), to: localMidnight('2026-06-01') };
/** A narrower one, inside. */
const NARROW: Period = { from: localMidnight('2026-02-01'), to: localMidnight('2026-03-15') };
/** The history spans more than the period, on both sides. */
const SPAN_START = Date.parse('2025-09-01T00:00:00Z');
const SPAN_END = Date.parse('2026-09-01T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A request of the guichet: several structures are recommended (medical, 82, 4e). */
const REQUEST = {
	commune: '13204',
	age: 82,
	apa: false,
	problems: ['medical'],
	criteria: ['isolement'],
	request_type: 'accompagnement'
} satisfies RecommendationRequestInput;

/* ---------------------------------- Generation ---------------------------------- */

function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface RefStructure {
	id: string;
	name: string;
	problems: readonly ProblemCode[];
	levelMin: LevelCode;
	levelMax: LevelCode;
	/** The places of the demo territory it covers. */
	places: string[];
	/** Its public, as the import format gives it. */
	ageMin: number | null;
	ageMax: number | null;
	apa: 'any' | 'required' | 'excluded';
	handicap: 'any' | 'required' | 'excluded';
}

interface GenEvent {
	status: 'sent' | 'accepted' | 'refused' | 'closed';
	reason: string | null;
	at: Date;
}

interface GenOrientation {
	id: string;
	territoryId: string;
	commune: string;
	problems: ProblemCode[];
	level: LevelCode;
	structureId: string | null;
	orphan: boolean;
	source: string | null;
	createdAt: Date;
	events: GenEvent[];
}

const PLACE_INFO = new Map(
	referencePlaces().map((p) => [p.code, { parent: p.parentCode ?? null, department: p.department }])
);

/** Whether a coverage code of the import format names this place (a city stands for its parts). */
function codeCovers(code: string, place: string): boolean {
	const info = PLACE_INFO.get(place);
	return code === place || code === info?.parent || code === `dep:${info?.department}`;
}

/**
 * The demo structures with the demo territory's places each covers: coverage codes expanded here;
 * a polygon (one SSIAD) can only be resolved by the import (structure_communes).
 */
async function referenceStructures(db: Db): Promise<RefStructure[]> {
	const byPolygon = await queryRows<{ structure_id: string; commune_code: string }>(
		db,
		sql`select structure_id, commune_code from structure_communes`
	);
	return demoRecords().map((r) => ({
		id: r.id,
		name: r.name,
		problems: r.problems,
		levelMin: r.level_min,
		levelMax: r.level_max,
		ageMin: r.age_min ?? null,
		ageMax: r.age_max ?? null,
		apa: r.apa ?? 'any',
		handicap: r.handicap ?? 'any',
		places: DEMO_PLACES.filter((p) =>
			r.coverage && r.coverage.length > 0
				? r.coverage.some((c) => codeCovers(c, p))
				: byPolygon.some((x) => x.structure_id === r.id && x.commune_code === p)
		)
	}));
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
	items[Math.floor(random() * items.length)] as T;

/** Dominant problems: every one, medical and a few others more often (cells over 5). */
const DOMINANTS: ProblemCode[] = [
	...PROBLEM_CODES,
	'medical',
	'medical',
	'medical',
	'medical',
	'aidants',
	'aides_domicile',
	'perte_autonomie',
	'troubles_cognitifs',
	'logement',
	'protection_juridique',
	'sante_mentale'
];
const LEVEL_DRAW: LevelCode[] = [
	'information',
	'simple',
	'simple',
	'coordonnee',
	'coordonnee',
	'coordonnee',
	'complexe'
];
const SOURCE_DRAW = ['personne', 'entourage', 'entourage', 'ccas', 'medecin', 'hopital', null];
const REFUSAL_DRAW = ['file active complète', 'file active complète', 'hors critères', null];

function generateHistory(refs: readonly RefStructure[], seed: number): GenOrientation[] {
	const random = mulberry32(seed);
	const out: GenOrientation[] = [];
	const minutes = (SPAN_END - SPAN_START) / MINUTE;
	const add = (o: Omit<GenOrientation, 'id'>) =>
		out.push({ ...o, id: `gen-${String(out.length).padStart(4, '0')}` });

	// Every other gap of the chart never receives a request.
	const covering = refs.filter((s) => s.places.length > 0);
	const gaps = PROBLEM_CODES.flatMap((p) =>
		LEVEL_CODES.filter(
			(l) =>
				!covering.some((s) => s.problems.includes(p) && levelInRange(l, s.levelMin, s.levelMax))
		).map((l) => `${p}|${l}`)
	);
	const unasked = new Set(gaps.filter((_, k) => k % 2 === 1));
	for (let i = 0; i < 520; i++) {
		const dominant = pick(random, DOMINANTS);
		const secondary = random() < 0.3 ? [pick(random, PROBLEM_CODES)] : [];
		const problems = [dominant, ...secondary.filter((p) => p !== dominant)];
		const level = pick(random, LEVEL_DRAW);
		if (unasked.has(`${dominant}|${level}`)) continue;
		const commune = random() < 0.6 ? '13204' : '13212';
		const createdAt = new Date(SPAN_START + Math.floor(random() * minutes) * MINUTE);
		const eligible = refs
			.filter(
				(s) =>
					s.problems.includes(dominant) &&
					levelInRange(level, s.levelMin, s.levelMax) &&
					s.places.includes(commune)
			)
			.sort((a, b) => (a.id < b.id ? -1 : 1));
		const orphan = eligible.length === 0 || random() < 0.08;
		if (orphan) {
			add({
				territoryId: DEMO_TERRITORY_ID,
				commune,
				problems,
				level,
				structureId: null,
				orphan: true,
				source: pick(random, SOURCE_DRAW),
				createdAt,
				events: [{ status: 'closed', reason: 'situation orpheline', at: createdAt }]
			});
			continue;
		}
		// Practice favours the first eligible structure: de-facto rules among overlapping pairs.
		const weights = eligible.map((_, k) => (k === 0 ? 6 : 1));
		let draw = random() * weights.reduce((a, b) => a + b, 0);
		let chosen = eligible[0] as RefStructure;
		for (let k = 0; k < eligible.length; k++) {
			draw -= weights[k] as number;
			if (draw < 0) {
				chosen = eligible[k] as RefStructure;
				break;
			}
		}
		const events: GenEvent[] = [{ status: 'sent', reason: null, at: createdAt }];
		// Delays in multiples of 12 minutes: medians are exact tenths of an hour.
		const later = (from: Date) =>
			new Date(from.getTime() + (1 + Math.floor(random() * 600)) * 12 * MINUTE);
		const outcome = random();
		if (outcome < 0.55) events.push({ status: 'accepted', reason: null, at: later(createdAt) });
		else if (outcome < 0.85)
			events.push({ status: 'refused', reason: pick(random, REFUSAL_DRAW), at: later(createdAt) });
		// Only an accepted follow-up is closed: a refusal is final, it is re-oriented (contract §7).
		// (The draw is made for a refusal too, so that the history stays that of the seed.)
		if (events.length > 1 && random() < 0.3 && (events.at(-1) as GenEvent).status === 'accepted') {
			events.push({
				status: 'closed',
				reason: null,
				at: later((events.at(-1) as GenEvent).at)
			});
		}
		add({
			territoryId: DEMO_TERRITORY_ID,
			commune,
			problems,
			level,
			structureId: chosen.id,
			orphan: false,
			source: pick(random, SOURCE_DRAW),
			createdAt,
			events
		});
	}
	// On the period's bounds, orphans: the one at `from` counts, the one at `to` does not.
	for (const at of [PERIOD.from, PERIOD.to, new Date(PERIOD.to.getTime() - MINUTE)]) {
		add({
			territoryId: DEMO_TERRITORY_ID,
			commune: '13212',
			problems: ['protection_juridique'],
			level: 'information',
			structureId: null,
			orphan: true,
			source: 'personne',
			createdAt: at,
			events: [{ status: 'closed', reason: null, at }]
		});
	}
	// Another territory's orientations, in the same cells and period: never counted here.
	for (let i = 0; i < 60; i++) {
		const createdAt = new Date(
			PERIOD.from.getTime() + Math.floor(random() * 170 * 24 * 60) * MINUTE
		);
		const orphan = i % 3 === 0;
		add({
			territoryId: OTHER,
			commune: '13001',
			problems: [orphan ? 'medical' : 'aides_domicile'],
			level: 'simple',
			structureId: orphan ? null : OTHER_STRUCTURE,
			orphan,
			source: 'entourage',
			createdAt,
			events: orphan
				? [{ status: 'closed', reason: null, at: createdAt }]
				: [
						{ status: 'sent', reason: null, at: createdAt },
						{
							status: 'refused',
							reason: 'file active complète',
							at: new Date(createdAt.getTime() + HOUR)
						}
					]
		});
	}
	return out;
}

async function insertHistory(db: Db, rows: readonly GenOrientation[]): Promise<void> {
	for (let i = 0; i < rows.length; i += 100) {
		const batch = rows.slice(i, i + 100);
		await db.insert(orientations).values(
			batch.map((o) => ({
				id: o.id,
				territoryId: o.territoryId,
				commune: o.commune,
				age: 80,
				ageBand: 80,
				apa: null,
				problems: o.problems,
				criteria: [],
				requestType: 'accompagnement',
				computedLevel: o.level,
				level: o.level,
				consent: true,
				structureId: o.structureId,
				orphan: o.orphan,
				status: (o.events.at(-1) as GenEvent).status,
				source: o.source,
				createdByType: 'user',
				createdBy: 'generator',
				createdAt: o.createdAt,
				statusChangedAt: (o.events.at(-1) as GenEvent).at
			}))
		);
		await db.insert(orientationEvents).values(
			batch.flatMap((o) =>
				o.events.map((e) => ({
					orientationId: o.id,
					status: e.status,
					reason: e.reason,
					at: e.at
				}))
			)
		);
	}
}

/* ---------------------------------- References ---------------------------------- */

const suppress = (n: number) => (n < 5 ? null : n);
/** The desk's counts (contract: 1 to 4 shown « < 5 », 0 shown as 0). */
const mask = (n: number) => (n === 0 ? 0 : suppress(n));
const inPeriod = (o: GenOrientation, period: Period, territory = DEMO_TERRITORY_ID) =>
	o.territoryId === territory && o.createdAt >= period.from && o.createdAt < period.to;
const dominantOf = (o: GenOrientation) => o.problems[0] as ProblemCode;

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
	const counts = new Map<string, number>();
	for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
	return counts;
}

const byKey =
	<T>(key: (item: T) => string) =>
	(a: T, b: T) =>
		key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

function cellsOf(s: RefStructure): string[] {
	const from = LEVEL_CODES.indexOf(s.levelMin);
	const to = LEVEL_CODES.indexOf(s.levelMax);
	return s.problems.flatMap((p) => LEVEL_CODES.slice(from, to + 1).map((l) => `${p}|${l}`));
}

function expectedOrphans(
	history: readonly GenOrientation[],
	refs: readonly RefStructure[],
	period: Period
) {
	const rows = history.filter((o) => inPeriod(o, period));
	const orphans = rows.filter((o) => o.orphan);
	const byCell = [...countBy(orphans, (o) => `${dominantOf(o)}|${o.level}|${o.commune}`)].map(
		([key, count]) => {
			const [problem, level, commune] = key.split('|') as [string, string, string];
			return { problem, level, commune, count: suppress(count) };
		}
	);
	const trend = [...countBy(orphans, (o) => localMonth(o.createdAt))]
		.map(([month, count]) => ({ month, count: suppress(count) }))
		.sort(byKey((m) => m.month));
	const covering = refs.filter((s) => s.places.length > 0);
	const gaps = PROBLEM_CODES.flatMap((problem) =>
		LEVEL_CODES.filter(
			(level) =>
				!covering.some(
					(s) => s.problems.includes(problem) && levelInRange(level, s.levelMin, s.levelMax)
				)
		).map((level) => {
			const asked = rows.filter((o) => dominantOf(o) === problem && o.level === level);
			return {
				problem,
				level,
				requests: asked.length,
				orphans: asked.filter((o) => o.orphan).length
			};
		})
	);
	return { byCell, trend, gaps, total: orphans.length };
}

/** Whether some person belongs to both publics: ages intersect, no rule required against excluded. */
function publicsMeet(x: RefStructure, y: RefStructure): boolean {
	const opposed = (a: string, b: string) =>
		(a === 'required' && b === 'excluded') || (a === 'excluded' && b === 'required');
	return (
		Math.max(x.ageMin ?? 0, y.ageMin ?? 0) <= Math.min(x.ageMax ?? 999, y.ageMax ?? 999) &&
		!opposed(x.apa, y.apa) &&
		!opposed(x.handicap, y.handicap)
	);
}

function expectedOverlaps(
	history: readonly GenOrientation[],
	refs: readonly RefStructure[],
	period: Period
) {
	const covering = refs.filter((s) => s.places.length > 0);
	const rows = history.filter((o) => inPeriod(o, period) && o.structureId !== null);
	const pairs: { a: string; b: string; cells: string[]; places: string[]; surface: number }[] = [];
	for (const x of covering) {
		for (const y of covering) {
			if (!(x.id < y.id)) continue;
			const cells = cellsOf(x).filter((c) => cellsOf(y).includes(c));
			const places = x.places.filter((p) => y.places.includes(p));
			// For a same commune and a same person (contract §3): two antennas splitting the
			// communes, or publics apart, are no pair.
			if (cells.length === 0 || places.length === 0 || !publicsMeet(x, y)) continue;
			pairs.push({
				a: x.id,
				b: y.id,
				cells: cells.sort(),
				places: places.sort(),
				surface: cells.length * places.length
			});
		}
	}
	const name = new Map(refs.map((s) => [s.id, s.name]));
	return pairs.map((p) => {
		const to = (id: string) =>
			rows.filter(
				(o) =>
					o.structureId === id &&
					p.cells.includes(`${dominantOf(o)}|${o.level}`) &&
					p.places.includes(o.commune)
			).length;
		const toA = to(p.a);
		const toB = to(p.b);
		const total = toA + toB;
		let defacto: string | null = null;
		if (total >= 5 && toA / total >= 0.8) defacto = name.get(p.a) as string;
		else if (total >= 5 && toB / total >= 0.8) defacto = name.get(p.b) as string;
		return { ...p, rawA: toA, rawB: toB, toA: suppress(toA), toB: suppress(toB), defacto };
	});
}

/** percentile_cont(0.5): the middle value, or halfway between the two middle ones. */
function median(values: number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = (sorted.length - 1) / 2;
	const lo = sorted[Math.floor(mid)] as number;
	const hi = sorted[Math.ceil(mid)] as number;
	return lo + (hi - lo) / 2;
}

function expectedFlows(
	history: readonly GenOrientation[],
	refs: readonly RefStructure[],
	period: Period
) {
	const name = new Map(refs.map((s) => [s.id, s.name]));
	const rows = history.filter((o) => inPeriod(o, period) && o.structureId !== null);
	const bySource = [...countBy(rows, (o) => `${o.source ?? ''}|${o.structureId}`)].map(
		([key, count]) => {
			const [source, structureId] = key.split('|') as [string, string];
			return {
				source: source === '' ? null : source,
				structure_id: structureId,
				name: name.get(structureId),
				count: suppress(count)
			};
		}
	);
	const outcomes = [...new Set(rows.map((o) => o.structureId as string))].map((id) => {
		const sent = rows.filter((o) => o.structureId === id);
		const acceptedAt = sent
			.map((o) => ({ o, e: o.events.find((e) => e.status === 'accepted') }))
			.filter((x) => x.e !== undefined);
		const refused = sent.filter((o) => o.events.some((e) => e.status === 'refused')).length;
		const hours = acceptedAt.map(
			(x) => ((x.e as GenEvent).at.getTime() - x.o.createdAt.getTime()) / HOUR
		);
		const m = median(hours);
		return {
			structure_id: id,
			name: name.get(id),
			sent: suppress(sent.length),
			acceptedRate: sent.length >= 5 ? acceptedAt.length / sent.length : null,
			refusedRate: sent.length >= 5 ? refused / sent.length : null,
			medianHours: acceptedAt.length >= 5 && m !== null ? Math.round(m * 10) / 10 : null,
			raw: { sent: sent.length, accepted: acceptedAt.length, refused }
		};
	});
	const refusals = rows.flatMap((o) =>
		o.events
			.filter((e) => e.status === 'refused')
			.map((e) => ({ structure_id: o.structureId as string, reason: e.reason ?? 'sans motif' }))
	);
	const reasons = [...countBy(refusals, (r) => `${r.structure_id}|${r.reason}`)]
		.filter(([, count]) => count >= 5)
		.map(([key, count]) => {
			const [structure_id, reason] = key.split('|') as [string, string];
			return { structure_id, reason, count };
		});
	return { bySource, outcomes, reasons };
}

/* ---------------------------------- Helpers ---------------------------------- */

async function ruleRejection(promise: Promise<unknown>): Promise<RuleError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(RuleError);
	return error as RuleError;
}

async function auditRows(db: Db, prefix: string) {
	return db
		.select()
		.from(auditLog)
		.where(like(auditLog.action, `${prefix}%`))
		.orderBy(auditLog.id);
}

const isoDay = (d: string | Date | null) => (d instanceof Date ? d.toISOString().slice(0, 10) : d);

describe.each(DATABASES)('the pilot’s desk on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	// A pilot of both territories: the walls between territories are tested in pilot-walls.test.ts;
	// here, that a service keeps to the territory it is given.
	const pilot = agentCaller([DEMO_TERRITORY_ID, OTHER], 'pilot');
	let refs: RefStructure[];
	let history: GenOrientation[];

	beforeAll(async () => {
		await putTerritory(t.db, OTHER, { name: 'Autre territoire', communes: ['13001'] });
		await importStructures(t.db, OTHER, [
			structureRecord({
				id: OTHER_STRUCTURE,
				name: 'SAAD d’Aix (autre territoire)',
				kind: 'saad',
				coverage: ['13001'],
				problems: ['aides_domicile', 'medical'],
				level_min: 'simple',
				level_max: 'coordonnee',
				caseload_max: 40,
				caseload_current: 12,
				updated_at: '2015-03-01'
			})
		]);
		refs = await referenceStructures(t.db);
		history = generateHistory(refs, 20_261_127);
		await insertHistory(t.db, history);
	});

	describe('orphan situations', () => {
		it.each<[string, Period]>([
			['the period', PERIOD],
			['a narrower period', NARROW]
		])('by cell, trend and gaps match the reference over %s', async (_, period) => {
			const got = await orphanSituations(t.db, pilot, DEMO_TERRITORY_ID, period);
			const want = expectedOrphans(history, refs, period);
			const key = (r: { problem: string; level: string; commune: string }) =>
				`${r.problem}|${r.level}|${r.commune}`;
			expect([...got.byCell].sort(byKey(key))).toEqual([...want.byCell].sort(byKey(key)));
			// Largest first (suppressed counts are the smallest).
			const shown = got.byCell.map((r) => r.count ?? 0);
			expect(shown).toEqual([...shown].sort((a, b) => b - a));
			expect(got.trend).toEqual(want.trend);
			expect(got.total).toBe(suppress(want.total));

			// Gaps: the chart's (territoryCoverage), those that received requests first.
			const { cells } = await territoryCoverage(t.db, DEMO_TERRITORY_ID);
			const chartGaps = cells
				.filter((c) => c.status === 'gap')
				.map((c) => `${c.problem}|${c.level}`);
			expect(want.gaps.map((g) => `${g.problem}|${g.level}`).sort()).toEqual([...chartGaps].sort());
			const wantGaps = new Map(want.gaps.map((g) => [`${g.problem}|${g.level}`, g]));
			expect(got.gaps.map((g) => `${g.problem}|${g.level}`).sort()).toEqual(
				[...wantGaps.keys()].sort()
			);
			for (const g of got.gaps) {
				const w = wantGaps.get(`${g.problem}|${g.level}`) as (typeof want.gaps)[number];
				expect(g).toEqual({
					problem: w.problem,
					level: w.level,
					requests: mask(w.requests),
					orphans: mask(w.orphans),
					received: w.requests > 0
				});
			}
			const raw = got.gaps.map(
				(g) => wantGaps.get(`${g.problem}|${g.level}`) as (typeof want.gaps)[number]
			);
			for (let i = 1; i < raw.length; i++) {
				const [a, b] = [raw[i - 1], raw[i]] as [(typeof raw)[number], (typeof raw)[number]];
				expect(
					a.requests > b.requests || (a.requests === b.requests && a.orphans >= b.orphans)
				).toBe(true);
			}
			const received = got.gaps.map((g) => g.received);
			expect(received).toEqual([...received].sort((a, b) => Number(b) - Number(a)));
		});

		it('the generated history exercises every case: counts over and under 5, asked and unasked gaps', async () => {
			const got = await orphanSituations(t.db, pilot, DEMO_TERRITORY_ID, PERIOD);
			expect(got.byCell.some((r) => r.count === null)).toBe(true);
			expect(got.byCell.some((r) => r.count !== null)).toBe(true);
			expect(got.trend.length).toBeGreaterThanOrEqual(6);
			expect(got.gaps.some((g) => g.received && g.requests !== null)).toBe(true);
			expect(got.gaps.some((g) => !g.received)).toBe(true);
		});

		it.each<[string, Period]>([
			['the period', PERIOD],
			['a narrower period', NARROW]
		])(
			'the charts’ orphans by cell and by commune match the reference over %s',
			async (_, period) => {
				const got = await orphanSituations(t.db, pilot, DEMO_TERRITORY_ID, period);
				const orphans = history.filter((o) => inPeriod(o, period) && o.orphan);
				const byCell = countBy(orphans, (o) => `${dominantOf(o)}|${o.level}`);
				expect(got.byProblemLevel).toEqual(
					PROBLEM_CODES.flatMap((problem) =>
						LEVEL_CODES.map((level) => ({
							problem,
							level,
							count: mask(byCell.get(`${problem}|${level}`) ?? 0)
						}))
					)
				);
				const byCommune = countBy(orphans, (o) => o.commune);
				expect(got.byCommune).toEqual(
					[...DEMO_PLACES].map((commune) => ({
						commune,
						count: mask(byCommune.get(commune) ?? 0)
					}))
				);
				// Over the whole period, every case: a 0, a « < 5 », a count.
				if (period === PERIOD) {
					const counts = got.byProblemLevel.map((c) => c.count);
					expect(counts).toContain(0);
					expect(counts).toContain(null);
					expect(counts.some((c) => c !== null && c >= 5)).toBe(true);
				}
			}
		);

		it('outcomes per month: every month of the period × every outcome, from the orientations’ status', async () => {
			const got = await monthlyOutcomes(t.db, pilot, DEMO_TERRITORY_ID, PERIOD);
			expect(got.months).toEqual([
				'2025-12',
				'2026-01',
				'2026-02',
				'2026-03',
				'2026-04',
				'2026-05'
			]);
			const rows = history.filter((o) => inPeriod(o, PERIOD));
			const counted = countBy(
				rows,
				(o) =>
					`${localMonth(o.createdAt)}|${o.orphan ? 'orphan' : (o.events.at(-1) as GenEvent).status}`
			);
			expect(got.items).toEqual(
				got.months.flatMap((month) =>
					OUTCOME_CODES.map((outcome) => ({
						month,
						outcome,
						count: mask(counted.get(`${month}|${outcome}`) ?? 0)
					}))
				)
			);
			const counts = got.items.map((r) => r.count);
			expect(counts).toContain(0);
			expect(counts.some((c) => c !== null && c >= 5)).toBe(true);
			// Every orientation of the period has an outcome of the desk.
			expect(
				[...counted.keys()].every((k) => OUTCOME_CODES.includes(k.split('|')[1] as never))
			).toBe(true);
		});

		it('the period is inclusive of from and exclusive of to, and other territories never count', async () => {
			const totalOf = async (period: Period, territory = DEMO_TERRITORY_ID) =>
				(await orphanSituations(t.db, pilot, territory, period)).total;
			const count = (period: Period, territory = DEMO_TERRITORY_ID) =>
				history.filter((o) => o.orphan && inPeriod(o, period, territory)).length;
			const base = await totalOf(PERIOD);
			expect(base).toBe(count(PERIOD));
			// One orphan at exactly `from` (counted), one at exactly `to` (not), one just before.
			const shifted = { from: new Date(PERIOD.from.getTime() + 1), to: PERIOD.to };
			expect(await totalOf(shifted)).toBe(
				(base as number) -
					history.filter(
						(o) =>
							o.orphan &&
							o.territoryId === DEMO_TERRITORY_ID &&
							o.createdAt.getTime() === PERIOD.from.getTime()
					).length
			);
			const widened = { from: PERIOD.from, to: new Date(PERIOD.to.getTime() + 1) };
			const atTo = history.filter(
				(o) =>
					o.orphan &&
					o.territoryId === DEMO_TERRITORY_ID &&
					o.createdAt.getTime() === PERIOD.to.getTime()
			).length;
			expect(atTo).toBeGreaterThan(0);
			expect(await totalOf(widened)).toBe((base as number) + atTo);
			expect(await totalOf(PERIOD, OTHER)).toBe(suppress(count(PERIOD, OTHER)));
			expect(count(PERIOD, OTHER)).toBeGreaterThanOrEqual(5);
			// An empty period.
			const empty = await orphanSituations(t.db, pilot, DEMO_TERRITORY_ID, {
				from: new Date('2020-01-01T00:00:00Z'),
				to: new Date('2020-02-01T00:00:00Z')
			});
			expect(empty.byCell).toEqual([]);
			expect(empty.trend).toEqual([]);
			// No request is 0, not « < 5 » (contract: 0 is shown as 0).
			expect(empty.gaps.every((g) => g.requests === 0 && g.orphans === 0 && !g.received)).toBe(
				true
			);
			expect(empty.total).toBe(0);
			expect(empty.byProblemLevel.every((c) => c.count === 0)).toBe(true);
			expect(empty.byCommune.map((c) => [c.commune, c.count])).toEqual(
				[...DEMO_PLACES].map((code) => [code, 0])
			);
		});

		it('the page’s period: du and au inclusive, twelve months by default', () => {
			const { period, du, au, invalid } = readPeriod(
				new URLSearchParams('du=2026-01-01&au=2026-01-31')
			);
			// Days in Paris: midnight there is 23:00 UTC in winter.
			expect(period).toEqual({
				from: new Date('2025-12-31T23:00:00Z'),
				to: new Date('2026-01-31T23:00:00Z')
			});
			expect([du, au, invalid]).toEqual(['2026-01-01', '2026-01-31', false]);
			const fallback = readPeriod(new URLSearchParams('du=hier'), new Date('2026-11-27T15:00:00Z'));
			expect(fallback.invalid).toBe(true);
			expect(fallback.period.to).toEqual(new Date('2026-11-27T23:00:00Z'));
			expect(fallback.period.from).toEqual(new Date('2025-11-27T23:00:00Z'));
			expect([fallback.du, fallback.au]).toEqual(['2025-11-28', '2026-11-27']);
			// At 00:30 in Paris on 1 December (23:30 UTC on 30 November), today is the 1st.
			const late = readPeriod(new URLSearchParams(''), new Date('2026-11-30T23:30:00Z'));
			expect(late.au).toBe('2026-12-01');
		});
	});

	describe('overlaps', () => {
		it.each<[string, Period]>([
			['the period', PERIOD],
			['a narrower period', NARROW]
		])('pairs, shared cells and places, where orientations went over %s', async (_, period) => {
			const want = expectedOverlaps(history, refs, period);
			const got = await overlaps(t.db, pilot, DEMO_TERRITORY_ID, period, 10_000);
			const key = (p: { a: string; b: string }) => `${p.a}|${p.b}`;
			expect(
				got
					.map((p) => ({
						a: p.a,
						b: p.b,
						cells: p.cells,
						places: p.places,
						surface: p.surface,
						toA: p.toA,
						toB: p.toB,
						defacto: p.defacto
					}))
					.sort(byKey(key))
			).toEqual(
				want
					.map(({ a, b, cells, places, surface, toA, toB, defacto }) => ({
						a,
						b,
						cells,
						places,
						surface,
						toA,
						toB,
						defacto
					}))
					.sort(byKey(key))
			);
			// Largest shared surface first; the default shows the 30 largest.
			const surfaces = got.map((p) => p.surface);
			expect(surfaces).toEqual([...surfaces].sort((x, y) => y - x));
			const names = new Map(refs.map((s) => [s.id, s.name]));
			for (const p of got) expect([p.nameA, p.nameB]).toEqual([names.get(p.a), names.get(p.b)]);
			const top = await overlaps(t.db, pilot, DEMO_TERRITORY_ID, period);
			expect(top).toHaveLength(Math.min(30, want.length));
			expect(top.map(key)).toEqual(got.slice(0, 30).map(key));
		});

		it('the history has de-facto rules, undecided pairs and suppressed sums; the pure pairs agree', async () => {
			const want = expectedOverlaps(history, refs, PERIOD);
			expect(want.some((p) => p.defacto !== null)).toBe(true);
			expect(want.some((p) => p.defacto === null && p.rawA + p.rawB >= 5)).toBe(true);
			expect(want.some((p) => p.toA === null && p.rawA > 0)).toBe(true);
			// A pair declared but used only by one side within the shared places still counts both.
			const pure = overlapPairs(
				refs
					.filter((s) => s.places.length > 0)
					.map((s) => ({
						id: s.id,
						kind: 'autre' as const,
						problems: s.problems,
						levelMin: s.levelMin,
						levelMax: s.levelMax,
						coordination: false,
						ageMin: s.ageMin,
						ageMax: s.ageMax,
						apa: s.apa,
						handicap: s.handicap,
						places: s.places
					}))
			);
			expect(pure.map((p) => `${p.a}|${p.b}|${p.surface}`).sort()).toEqual(
				want.map((p) => `${p.a}|${p.b}|${p.surface}`).sort()
			);
		});
	});

	describe('flows', () => {
		it.each<[string, Period]>([
			['the period', PERIOD],
			['a narrower period', NARROW]
		])('by source, outcomes, delays and refusal reasons over %s', async (_, period) => {
			const want = expectedFlows(history, refs, period);
			// Every line, past the first page: the demo's sources × structures outnumber it.
			const got = await flows(t.db, pilot, DEMO_TERRITORY_ID, period, { limit: 1000 });
			const sourceKey = (r: { source: string | null; structure_id: string }) =>
				`${r.source}|${r.structure_id}`;
			expect([...got.bySource].sort(byKey(sourceKey))).toEqual(
				[...want.bySource].sort(byKey(sourceKey))
			);
			const counts = got.bySource.map((r) => r.count ?? 0);
			expect(counts).toEqual([...counts].sort((a, b) => b - a));

			const outcomeKey = (r: { structure_id: string }) => r.structure_id;
			expect([...got.outcomes].sort(byKey(outcomeKey))).toEqual(
				want.outcomes.map(({ raw: _raw, ...r }) => r).sort(byKey(outcomeKey))
			);
			// The territory's totals count every line, beyond the page's cap; 0 stays 0.
			const sum = (key: 'sent' | 'accepted' | 'refused') =>
				want.outcomes.reduce((n, o) => n + o.raw[key], 0);
			const masked = (n: number) => (n === 0 ? 0 : suppress(n));
			expect(got.totals).toEqual({
				sent: masked(sum('sent')),
				accepted: masked(sum('accepted')),
				refused: masked(sum('refused'))
			});
			const reasonKey = (r: { structure_id: string; reason: string }) =>
				`${r.structure_id}|${r.reason}`;
			expect([...got.reasons].sort(byKey(reasonKey))).toEqual(
				[...want.reasons].sort(byKey(reasonKey))
			);
		});

		it('no raw count under 5 leaves the service, and the history exercises every case', async () => {
			const want = expectedFlows(history, refs, PERIOD);
			const got = await flows(t.db, pilot, DEMO_TERRITORY_ID, PERIOD);
			expect(want.outcomes.some((o) => o.raw.sent < 5)).toBe(true);
			expect(want.outcomes.some((o) => o.raw.sent >= 5 && o.raw.accepted < 5)).toBe(true);
			expect(want.outcomes.some((o) => o.medianHours !== null)).toBe(true);
			expect(want.bySource.some((r) => r.count === null)).toBe(true);
			expect(want.reasons.length).toBeGreaterThan(0);
			for (const o of got.outcomes) {
				expect(Object.keys(o).sort()).toEqual([
					'acceptedRate',
					'medianHours',
					'name',
					'refusedRate',
					'sent',
					'structure_id'
				]);
				if (o.sent === null)
					expect([o.acceptedRate, o.refusedRate, o.medianHours]).toEqual([null, null, null]);
			}
			for (const r of got.reasons) expect(r.count).toBeGreaterThanOrEqual(SMALL_COUNT);
			// Another territory's flows are its own.
			const other = await flows(t.db, pilot, OTHER, PERIOD);
			expect(other.outcomes.map((o) => o.structure_id)).toEqual([OTHER_STRUCTURE]);
			expect(other.outcomes[0]?.refusedRate).toBe(1);
		});
	});

	describe('territory rules', () => {
		const demo = demoRecords();
		let baseline: Awaited<ReturnType<typeof ask>>;
		/** A recommended structure that is not the first. */
		let preferred: string;
		let first: string;

		beforeAll(async () => {
			baseline = await ask(t.db, pilot, REQUEST);
			const recs = baseline.result.recommendations;
			expect(recs.length).toBeGreaterThanOrEqual(3);
			first = recs[0]?.structure.id as string;
			preferred = recs[recs.length - 1]?.structure.id as string;
		});

		async function eventsOf(ruleId: string) {
			return t.db
				.select()
				.from(ruleEvents)
				.where(eq(ruleEvents.ruleId, ruleId))
				.orderBy(ruleEvents.id);
		}

		it('refuses an unknown structure, a missing reason or effect, with the field named', async () => {
			const unknown = await ruleRejection(
				addRule(t.db, pilot, DEMO_TERRITORY_ID, {
					effect: 'prefer',
					structure: 'demo:inconnue',
					reason: 'concertation de mars'
				})
			);
			expect(unknown.issues.map((i) => i.path)).toEqual(['structure']);
			const noReason = await ruleRejection(
				addRule(t.db, pilot, DEMO_TERRITORY_ID, { effect: 'prefer', structure: first })
			);
			expect(noReason.issues.map((i) => i.path)).toEqual(['reason']);
			const blank = await ruleRejection(
				addRule(t.db, pilot, DEMO_TERRITORY_ID, {
					effect: 'never',
					structure: first,
					reason: '  '
				})
			);
			expect(blank.issues.map((i) => i.path)).toEqual(['reason']);
			const effect = await ruleRejection(
				addRule(t.db, pilot, DEMO_TERRITORY_ID, {
					effect: 'toujours',
					structure: first,
					reason: 'concertation'
				})
			);
			expect(effect.issues.map((i) => i.path)).toEqual(['effect']);
			const place = await ruleRejection(
				addRule(t.db, pilot, DEMO_TERRITORY_ID, {
					effect: 'prefer',
					structure: first,
					commune: 'Marseille',
					reason: 'concertation'
				})
			);
			expect(place.issues.map((i) => i.path)).toEqual(['commune']);
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
			expect(await t.db.select().from(ruleEvents)).toEqual([]);
			expect(await auditRows(t.db, 'rule.')).toEqual([]);
		});

		it('a prefer rule puts the structure first, with the rule among its reasons; undone, it is gone', async () => {
			const id = await addRule(t.db, pilot, DEMO_TERRITORY_ID, {
				effect: 'prefer',
				structure: preferred,
				problem: 'medical',
				reason: 'Concertation MAIA du 12 mars',
				agreed_on: '2026-03-12'
			});
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([
				{
					id,
					effect: 'prefer',
					structureId: preferred,
					problem: 'medical',
					level: null,
					commune: null,
					reason: 'Concertation MAIA du 12 mars'
				}
			]);
			const answer = await ask(t.db, pilot, REQUEST);
			const top = answer.result.recommendations[0];
			expect(top?.structure.id).toBe(preferred);
			expect(top?.reasons[0]).toMatch(/^Règle du territoire/);
			expect(top?.reasons[0]).toContain('Concertation MAIA du 12 mars');
			// The others keep their order and their reasons.
			const rest = answer.result.recommendations.slice(1).map((r) => r.structure.id);
			expect(rest).toEqual(
				baseline.result.recommendations.map((r) => r.structure.id).filter((s) => s !== preferred)
			);
			expect(
				answer.result.recommendations
					.slice(1)
					.every((r) => !r.reasons.some((x) => x.startsWith('Règle du territoire')))
			).toBe(true);
			// Another dominant problem: the rule does not apply.
			const other = await ask(t.db, pilot, { ...REQUEST, problems: ['psycho_comportemental'] });
			expect(
				other.result.recommendations.every(
					(r) => !r.reasons.some((x) => x.startsWith('Règle du territoire'))
				)
			).toBe(true);

			const [added] = await eventsOf(id);
			expect(added).toMatchObject({
				action: 'add',
				reason: 'Concertation MAIA du 12 mars',
				actorId: pilot.principal.id,
				actorLabel: pilot.principal.label,
				territoryId: DEMO_TERRITORY_ID,
				undoes: null
			});
			const listed = (await listRules(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(listed.map((r) => [r.rule.id, r.structureName, r.rule.agreedOn])).toEqual([
				[id, demo.find((s) => s.id === preferred)?.name, '2026-03-12']
			]);

			await undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, (added as { id: number }).id);
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
			const events = await eventsOf(id);
			expect(events.map((e) => [e.action, e.undoes])).toEqual([
				['add', null],
				['remove', (added as { id: number }).id]
			]);
			expect((await ask(t.db, pilot, REQUEST)).result).toEqual(baseline.result);
			// Undoing it twice is refused: the rule is already removed.
			await ruleRejection(
				undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, (added as { id: number }).id)
			);
			// A form field that is no number (`event=abc`) is refused as such, not a crash.
			for (const bad of [Number('abc'), -1, 0, 1.5]) {
				await ruleRejection(undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, bad));
			}
			// The rule is kept, removed.
			const [kept] = (await listRules(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(kept?.rule.removedAt).toBeInstanceOf(Date);
		});

		it('a rule limited to another level or place does not apply', async () => {
			const level = await addRule(t.db, pilot, DEMO_TERRITORY_ID, {
				effect: 'prefer',
				structure: preferred,
				problem: 'medical',
				level: 'information',
				reason: 'Information seulement'
			});
			const place = await addRule(t.db, pilot, DEMO_TERRITORY_ID, {
				effect: 'never',
				structure: first,
				commune: '13212',
				reason: 'Pas dans le 12e'
			});
			expect((await ask(t.db, pilot, REQUEST)).result).toEqual(baseline.result);
			// In the 12e, the never rule applies.
			const twelfth = await ask(t.db, pilot, { ...REQUEST, commune: '13212' });
			expect(twelfth.result.recommendations.map((r) => r.structure.id)).not.toContain(first);
			for (const id of [level, place])
				await removeRule(t.db, pilot, DEMO_TERRITORY_ID, id, 'essai terminé');
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
		});

		it('a never rule excludes the structure with code rule; removing needs a reason; undoing the removal restores it', async () => {
			const id = await addRule(t.db, pilot, DEMO_TERRITORY_ID, {
				effect: 'never',
				structure: first,
				reason: 'Convention non renouvelée'
			});
			const answer = await ask(t.db, pilot, REQUEST);
			expect(answer.result.recommendations.map((r) => r.structure.id)).not.toContain(first);
			const excluded = answer.result.excluded.find((e) => e.structure.id === first);
			expect(excluded?.codes).toEqual(['rule']);
			expect(excluded?.reasons[0]).toMatch(
				/^Règle du territoire : ne pas orienter ici — Convention non renouvelée/
			);
			expect(answer.result.recommendations.map((r) => r.structure.id)).toEqual(
				baseline.result.recommendations.map((r) => r.structure.id).filter((s) => s !== first)
			);

			for (const reason of ['', '  ', 'ok']) {
				const error = await ruleRejection(removeRule(t.db, pilot, DEMO_TERRITORY_ID, id, reason));
				expect(error.issues.map((i) => i.path)).toEqual(['reason']);
			}
			expect((await activeRules(t.db, DEMO_TERRITORY_ID)).map((r) => r.id)).toEqual([id]);
			const change = await removeRule(
				t.db,
				pilot,
				DEMO_TERRITORY_ID,
				id,
				'Convention renouvelée en juin'
			);
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
			expect((await ask(t.db, pilot, REQUEST)).result).toEqual(baseline.result);
			await ruleRejection(removeRule(t.db, pilot, DEMO_TERRITORY_ID, id, 'encore'));

			const [, removed] = await eventsOf(id);
			expect(removed).toMatchObject({ action: 'remove', reason: 'Convention renouvelée en juin' });
			// The number the desk's page undoes from (« Annuler le retrait »).
			expect((removed as { id: number }).id).toBe(change);
			await undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, (removed as { id: number }).id);
			expect((await activeRules(t.db, DEMO_TERRITORY_ID)).map((r) => r.id)).toEqual([id]);
			expect(
				(await ask(t.db, pilot, REQUEST)).result.excluded.find((e) => e.structure.id === first)
					?.codes
			).toEqual(['rule']);
			const events = await eventsOf(id);
			expect(events.map((e) => [e.action, e.undoes])).toEqual([
				['add', null],
				['remove', null],
				['restore', (removed as { id: number }).id]
			]);
			// Undoing the restoration removes it again.
			await undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, (events[2] as { id: number }).id);
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
			expect((await ask(t.db, pilot, REQUEST)).result).toEqual(baseline.result);
		});

		it('another territory’s change cannot be undone from here; every change has its event and its audit row', async () => {
			const elsewhere = await addRule(t.db, pilot, OTHER, {
				effect: 'never',
				structure: OTHER_STRUCTURE,
				reason: 'Autre concertation'
			});
			const [event] = await eventsOf(elsewhere);
			const error = await ruleRejection(
				undoRuleEvent(t.db, pilot, DEMO_TERRITORY_ID, (event as { id: number }).id)
			);
			expect(error.issues.map((i) => i.path)).toEqual(['event']);
			await ruleRejection(removeRule(t.db, pilot, DEMO_TERRITORY_ID, elsewhere, 'pas ici'));
			expect((await activeRules(t.db, OTHER)).map((r) => r.id)).toEqual([elsewhere]);
			await removeRule(t.db, pilot, OTHER, elsewhere, 'fin de l’essai');

			const events = await t.db.select().from(ruleEvents).orderBy(ruleEvents.id);
			const audits = await auditRows(t.db, 'rule.');
			expect(
				audits.map((a) => [a.action, a.targetType, a.targetId, a.territoryId, a.actorId, a.outcome])
			).toEqual(
				events.map((e) => [
					`rule.${e.action}`,
					'rule',
					e.ruleId,
					e.territoryId,
					pilot.principal.id,
					'success'
				])
			);
			expect(audits.map((a) => (a.details as { undoes: number | null }).undoes)).toEqual(
				events.map((e) => e.undoes)
			);
			const history = (await ruleHistory(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(history.map((e) => e.id)).toEqual(
				events
					.filter((e) => e.territoryId === DEMO_TERRITORY_ID)
					.map((e) => e.id)
					.reverse()
			);
			// Nothing is in force any more.
			expect(await activeRules(t.db, DEMO_TERRITORY_ID)).toEqual([]);
			expect(await activeRules(t.db, OTHER)).toEqual([]);
		});
	});

	describe('capacity', () => {
		const demo = demoRecords();
		const withMax = demo.filter((s) => s.caseload_max != null);

		async function historyRows(id: string) {
			const rows = await queryRows<{ current: number | null; max: number | null; source: string }>(
				t.db,
				sql`select current, max, source from caseload_history where structure_id = ${id} order by at, id`
			);
			return rows.map((r) => [r.current, r.max, r.source]);
		}

		it('lists the services with a maximum caseload covering the territory, most loaded first', async () => {
			const got = (await capacity(t.db, pilot, DEMO_TERRITORY_ID)).items;
			const want = withMax
				.map((s) => ({
					id: s.id,
					name: s.name,
					current: s.caseload_current ?? null,
					max: s.caseload_max as number
				}))
				.sort((a, b) => (b.current ?? 0) / b.max - (a.current ?? 0) / a.max);
			expect(got.map((c) => ({ id: c.id, name: c.name, current: c.current, max: c.max }))).toEqual(
				want
			);
			for (const c of got) {
				expect(c.share).toBe((c.current as number) / c.max);
				expect(c.saturated).toBe((c.current as number) >= c.max);
				// The demo import wrote the first figure.
				expect(c.history.map((h) => [h.current, h.max, h.source])).toEqual([
					[c.current, c.max, 'import']
				]);
			}
			// The other territory's service is not listed here.
			expect(got.map((c) => c.id)).not.toContain(OTHER_STRUCTURE);
		});

		it('an import that changes the caseload writes history; the same figure again does not; a pilot’s update too', async () => {
			const network = withMax.find((s) => s.kind === 'reseau_sante') as StructureInput;
			const cases = withMax.find((s) => s.kind === 'gestion_cas') as StructureInput;
			await importStructures(
				t.db,
				DEMO_TERRITORY_ID,
				[{ ...network, caseload_current: network.caseload_max }],
				'upsert'
			);
			await importStructures(
				t.db,
				DEMO_TERRITORY_ID,
				[{ ...network, caseload_current: network.caseload_max }],
				'upsert'
			);
			expect(await historyRows(network.id)).toEqual([
				[network.caseload_current, network.caseload_max, 'import'],
				[network.caseload_max, network.caseload_max, 'import']
			]);

			expect(await updateCaseload(t.db, pilot, DEMO_TERRITORY_ID, cases.id, 60)).toBe(true);
			expect(await historyRows(cases.id)).toEqual([
				[cases.caseload_current, cases.caseload_max, 'import'],
				[60, cases.caseload_max, 'pilotage']
			]);
			const [audit] = await auditRows(t.db, 'structure.caseload');
			expect(audit).toMatchObject({
				targetId: cases.id,
				territoryId: DEMO_TERRITORY_ID,
				actorId: pilot.principal.id,
				details: { current: 60 }
			});

			// Refused: a negative or fractional figure, a service without maximum, another
			// territory's service (the desk does not list it).
			const noMax = demo.find((s) => s.caseload_max == null) as StructureInput;
			for (const [id, current] of [
				[cases.id, -1],
				[cases.id, 1.5],
				[cases.id, 100_001],
				[noMax.id, 10],
				[OTHER_STRUCTURE, 20],
				['demo:inconnue', 3]
			] as const) {
				expect(await updateCaseload(t.db, pilot, DEMO_TERRITORY_ID, id, current)).toBe(false);
			}
			expect(await historyRows(OTHER_STRUCTURE)).toEqual([[12, 40, 'import']]);
			// Nor a service another territory imported, even one that covers this territory: its
			// figures are its own pilots' to change (contract §2).
			const visitor = 'autre:visiteur-13204';
			await importStructures(
				t.db,
				OTHER,
				[
					{
						id: visitor,
						name: 'Service d’un autre territoire',
						kind: 'saad',
						coverage: ['13001', '13204'],
						problems: ['aides_domicile'],
						level_min: 'simple',
						level_max: 'coordonnee',
						caseload_max: 30,
						caseload_current: 5
					}
				],
				'upsert'
			);
			expect(await updateCaseload(t.db, pilot, DEMO_TERRITORY_ID, visitor, 9)).toBe(false);
			expect(await historyRows(visitor)).toEqual([[5, 30, 'import']]);
			await t.db.execute(sql`delete from caseload_history where structure_id = ${visitor}`);
			await t.db.execute(sql`delete from structures where id = ${visitor}`);
			expect(await auditRows(t.db, 'structure.caseload')).toHaveLength(1);

			const got = (await capacity(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(got.map((c) => [c.id, c.current, c.max, c.share, c.saturated])).toEqual([
				[network.id, network.caseload_max, network.caseload_max, 1, true],
				[cases.id, 60, cases.caseload_max, 60 / (cases.caseload_max as number), false]
			]);
			expect(got[0]?.history.map((h) => h.current)).toEqual([
				network.caseload_current,
				network.caseload_max
			]);
			expect(got[1]?.history.map((h) => h.source)).toEqual(['import', 'pilotage']);
			for (const c of got) {
				const times = c.history.map((h) => h.at.getTime());
				expect(times).toEqual([...times].sort((a, b) => a - b));
			}
		});
	});

	describe('freshness', () => {
		async function today(): Promise<string> {
			const [row] = await queryRows<{ today: string }>(
				t.db,
				sql`select current_date::text as today`
			);
			return row?.today as string;
		}

		it('lists the territory’s own structures not verified for 12 months, oldest first', async () => {
			const day = await today();
			const limit = new Date(Date.parse(`${day}T00:00:00Z`) - 365 * 86_400_000)
				.toISOString()
				.slice(0, 10);
			const want = demoRecords()
				.filter((s) => !s.updated_at || s.updated_at < limit)
				.map((s) => s.id)
				.sort();
			const got = (await staleStructures(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(got.map((s) => s.id).sort()).toEqual(want);
			expect(want.length).toBeGreaterThan(3);
			const dates = got.map((s) => isoDay(s.updated_at) ?? '');
			expect(dates).toEqual([...dates].sort());
			// The other territory's stale structure is its own.
			expect((await staleStructures(t.db, pilot, OTHER)).items.map((s) => s.id)).toEqual([
				OTHER_STRUCTURE
			]);
		});

		it('« verified today » sets today, only for the territory’s own structures, and is audited', async () => {
			const day = await today();
			const [stale] = (await staleStructures(t.db, pilot, DEMO_TERRITORY_ID)).items;
			expect(await markVerified(t.db, pilot, DEMO_TERRITORY_ID, stale?.id as string)).toBe(true);
			const [row] = await t.db
				.select({ updatedAt: structures.updatedAt })
				.from(structures)
				.where(eq(structures.id, stale?.id as string));
			expect(row?.updatedAt).toBe(day);
			expect(
				(await staleStructures(t.db, pilot, DEMO_TERRITORY_ID)).items.map((s) => s.id)
			).not.toContain(stale?.id);
			const audits = await auditRows(t.db, 'structure.verified');
			expect(audits.map((a) => [a.targetId, a.territoryId, a.actorId])).toEqual([
				[stale?.id, DEMO_TERRITORY_ID, pilot.principal.id]
			]);

			// Not another territory's structure, nor an unknown one.
			expect(await markVerified(t.db, pilot, DEMO_TERRITORY_ID, OTHER_STRUCTURE)).toBe(false);
			expect(await markVerified(t.db, pilot, DEMO_TERRITORY_ID, 'demo:inconnue')).toBe(false);
			const [other] = await t.db
				.select({ updatedAt: structures.updatedAt })
				.from(structures)
				.where(and(eq(structures.id, OTHER_STRUCTURE)));
			expect(other?.updatedAt).toBe('2015-03-01');
			expect(await auditRows(t.db, 'structure.verified')).toHaveLength(1);
		});
	});
});
