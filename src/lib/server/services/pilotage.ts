import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { LOCAL_TIME_ZONE } from '$lib/domain/local-time';
import { caseloadHistory, structures, territories } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import { overlapPairs, suppressed, SMALL_COUNT, type OverlapPair } from '$lib/domain/overlaps';
import { LEVEL_CODES, PROBLEM_CODES, type LevelCode, type ProblemCode } from '$lib/domain/taxonomy';
import {
	OUTCOME_CODES,
	monthsOf,
	type CommuneCount,
	type MonthlyAnswerTime,
	type MonthlyOutcome,
	type OutcomeCode
} from '$lib/domain/desk';
import { REFUSAL_REASON_CODES } from '$lib/schemas/orientation';
import { markFreshnessAnswered } from './freshness-answers';
import { audit } from './audit';
import { caseloadSql } from './caseload';
import { PAGE_LIMIT, cappedRows, clampLimit, type Capped } from './bounds';
import { territoryCoverage, territoryStructures } from './coverage';
import { territoryPlaceShapes } from './map';
import { requireTerritory } from './scope';

/**
 * The pilot's desk: aggregates of a territory's orientations, computed in SQL (indexed on the
 * territory and the date), never a single person's record — counts under 5 are suppressed.
 *
 * Each function takes the caller: a pilot (or above) of the territory; another territory, or an
 * unknown one, is `not_found`. Every list is bounded (bounds.ts): the tables at PAGE_LIMIT lines
 * by default (an export asks for more, up to EXPORT_LIMIT), with how many more there are.
 */

/** Options of the desk's lists: how many lines (PAGE_LIMIT by default, EXPORT_LIMIT at most). */

/**
 * The month of an instant column, `YYYY-MM`, in the territories' time zone as monthsOf counts the
 * period's months (the zone a constant of the code, never a user's input).
 */
function localMonthOf(column: SQL): SQL {
	return sql`to_char(date_trunc('month', ${column} at time zone ${sql.raw(`'${LOCAL_TIME_ZONE}'`)}), 'YYYY-MM')`;
}

export interface ListOptions {
	limit?: number;
}

export interface Period {
	from: Date;
	/** Exclusive. */
	to: Date;
}

const inPeriod = (territoryId: string, period: Period) =>
	sql`territory_id = ${territoryId} and created_at >= ${period.from.toISOString()}::timestamptz and created_at < ${period.to.toISOString()}::timestamptz`;

/** The same, on an aliased orientations table (joins). */
const inPeriodOf = (alias: 'o', territoryId: string, period: Period) =>
	sql`${sql.raw(alias)}.territory_id = ${territoryId} and ${sql.raw(alias)}.created_at >= ${period.from.toISOString()}::timestamptz and ${sql.raw(alias)}.created_at < ${period.to.toISOString()}::timestamptz`;

/**
 * Orphan orientations of the period: by (dominant problem, level, commune) — at most `limit`
 * lines, largest first, and `more` —, by month (one line a month of the period), and the chart's
 * gaps (at most the 64 cells); for the desk's charts, by cell (every one of the 64) and by
 * commune (every commune of the territory, and any other an orphan was recorded in). Counts
 * from 1 to 4 are suppressed, 0 stays 0 (`masked`).
 */
export async function orphanSituations(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const cellRows = await queryRows<{
		problem: ProblemCode;
		level: LevelCode;
		commune: string;
		count: number;
		total: number;
		orphans: number;
	}>(
		db,
		sql`select problems[1] as problem, level, commune, count(*)::int as count,
				(count(*) over ())::int as total, (sum(count(*)) over ())::int as orphans
			from orientations
			where ${inPeriod(territoryId, period)} and orphan
			group by 1, 2, 3 order by count desc, 1, 2, 3
			limit ${limit}`
	);
	const orphanTotal = cellRows[0]?.orphans ?? 0;
	const capped = cappedRows(
		cellRows.map(({ orphans: _orphans, ...r }) => r),
		limit
	);
	const byCell = capped.items;
	const trend = await queryRows<{ month: string; count: number }>(
		db,
		sql`select ${localMonthOf(sql`created_at`)} as month, count(*)::int as count
			from orientations where ${inPeriod(territoryId, period)} and orphan group by 1 order by 1`
	);
	const requests = await queryRows<{
		problem: ProblemCode;
		level: LevelCode;
		requests: number;
		orphans: number;
	}>(
		db,
		sql`select problems[1] as problem, level, count(*)::int as requests, count(*) filter (where orphan)::int as orphans
			from orientations where ${inPeriod(territoryId, period)} group by 1, 2`
	);
	const byCommuneRows = await queryRows<{ commune: string; count: number }>(
		db,
		sql`select tc.commune_code as commune, count(o.id)::int as count
			from territory_communes tc
			left join orientations o on o.commune = tc.commune_code and o.orphan
				and ${inPeriodOf('o', territoryId, period)}
			where tc.territory_id = ${territoryId}
			group by 1
			union all
			select commune, count(*)::int from orientations
			where ${inPeriod(territoryId, period)} and orphan and commune not in
				(select commune_code from territory_communes where territory_id = ${territoryId})
			group by 1
			order by 1`
	);
	const { cells } = await territoryCoverage(db, territoryId);
	const asked = new Map(requests.map((r) => [`${r.problem}|${r.level}`, r]));
	const orphansOf = (problem: ProblemCode, level: LevelCode) =>
		asked.get(`${problem}|${level}`)?.orphans ?? 0;
	// The chart's gaps, those that received requests first.
	const gaps = cells
		.filter((c) => c.status === 'gap')
		.map((c) => {
			const r = asked.get(`${c.problem}|${c.level}`);
			return {
				problem: c.problem,
				level: c.level,
				requests: r?.requests ?? 0,
				orphans: r?.orphans ?? 0
			};
		})
		.sort((a, b) => b.requests - a.requests || b.orphans - a.orphans);
	return {
		byCell: byCell.map((r) => ({ ...r, count: masked(r.count) })),
		trend: trend.map((r) => ({ ...r, count: masked(r.count) })),
		gaps: gaps.map((g) => ({
			...g,
			requests: masked(g.requests),
			orphans: masked(g.orphans),
			received: g.requests > 0
		})),
		/** Every problem × level cell (the chart's orders), for the desk's heat grid. */
		byProblemLevel: PROBLEM_CODES.flatMap((problem) =>
			LEVEL_CODES.map((level) => ({ problem, level, count: masked(orphansOf(problem, level)) }))
		),
		/** Every commune of the territory, for the desk's map. */
		byCommune: byCommuneRows.map((r): CommuneCount => ({
			commune: r.commune,
			count: masked(r.count)
		})),
		total: masked(orphanTotal),
		/** Lines of `byCell` beyond the cap. */
		more: { byCell: capped.more }
	};
}

/**
 * The `limit` largest overlaps (30 by default, EXPORT_LIMIT at most), whatever the number of
 * structures (overlapPairs keeps only those), and where the orientations of their shared cells
 * went: counted for the structures of those pairs only. An overlap is the grid's: shared cells,
 * shared communes and publics (age, APA, handicap) that intersect; its places are the territory's
 * communes both cover.
 */
export async function overlaps(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	limit = 30
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const all = await territoryStructures(db, territoryId);
	const names = new Map(all.map((s) => [s.id, s.name]));
	const pairs = overlapPairs(all, clampLimit(limit, 30));
	const paired = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
	if (paired.length === 0) return [];
	const sent = await queryRows<{
		problem: string;
		level: string;
		commune: string;
		structure_id: string;
		count: number;
	}>(
		db,
		sql`select problems[1] as problem, level, commune, structure_id, count(*)::int as count from orientations
			where ${inPeriod(territoryId, period)} and structure_id in ${paired} group by 1, 2, 3, 4`
	);
	const toStructureInCell = new Map<string, Map<string, number>>();
	for (const r of sent) {
		const key = `${r.structure_id}|${r.problem}|${r.level}`;
		const byPlace = toStructureInCell.get(key) ?? new Map<string, number>();
		toStructureInCell.set(key, byPlace.set(r.commune, r.count));
	}
	// Only the situations both claim count: a shared cell *in a shared place* (an orientation from
	// a place the other structure does not cover was no choice between the two).
	const toStructure = (id: string, pair: OverlapPair) =>
		pair.cells.reduce((sum, c) => {
			const byPlace = toStructureInCell.get(`${id}|${c}`);
			return sum + (byPlace ? pair.places.reduce((n, p) => n + (byPlace.get(p) ?? 0), 0) : 0);
		}, 0);
	return pairs.map((pair) => {
		const toA = toStructure(pair.a, pair);
		const toB = toStructure(pair.b, pair);
		const total = toA + toB;
		// A declared overlap that practice has settled: most orientations of the shared cells go to one.
		const defacto =
			total >= 5 && Math.max(toA, toB) / total >= 0.8 ? (toA >= toB ? pair.a : pair.b) : null;
		return {
			...pair,
			nameA: names.get(pair.a) ?? pair.a,
			nameB: names.get(pair.b) ?? pair.b,
			toA: suppressed(toA),
			toB: suppressed(toB),
			defacto: defacto ? (names.get(defacto) ?? defacto) : null
		};
	});
}

/**
 * Where the period's orientations went: by source and structure, each structure's outcomes, and
 * the refusal reasons given 5 times or more — each list at most `limit` lines (largest first),
 * with `more`.
 */
export async function flows(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const bySource = cappedRows(
		await queryRows<{
			source: string | null;
			structure_id: string;
			name: string;
			count: number;
			total: number;
		}>(
			db,
			sql`select o.source, o.structure_id, s.name, count(*)::int as count,
					(count(*) over ())::int as total
				from orientations o
				join structures s on s.id = o.structure_id
				where ${inPeriodOf('o', territoryId, period)} group by 1, 2, 3
				order by count desc, 2, 1 limit ${limit}`
		),
		limit
	);
	const outcomeRows = await queryRows<{
		structure_id: string;
		name: string;
		sent: number;
		accepted: number;
		refused: number;
		median_hours: number | null;
		total: number;
		all_sent: number;
		all_accepted: number;
		all_refused: number;
	}>(
		db,
		// The events of the period's orientations are grouped once (first acceptance, first
		// refusal), rather than looked up orientation by orientation.
		sql`with period as (
				select o.id, o.structure_id, o.created_at from orientations o
				where ${inPeriodOf('o', territoryId, period)} and o.structure_id is not null
			), outcome as (
				select e.orientation_id,
					min(e.at) filter (where e.status = 'accepted') as accepted_at,
					min(e.at) filter (where e.status = 'refused') as refused_at
				from orientation_events e join period p on p.id = e.orientation_id
				where e.status in ('accepted', 'refused')
				group by e.orientation_id
			)
			select p.structure_id, s.name, count(*)::int as sent,
				count(x.accepted_at)::int as accepted,
				count(x.refused_at)::int as refused,
				percentile_cont(0.5) within group (order by extract(epoch from (x.accepted_at - p.created_at)) / 3600.0) as median_hours,
				(count(*) over ())::int as total,
				(sum(count(*)) over ())::int as all_sent,
				(sum(count(x.accepted_at)) over ())::int as all_accepted,
				(sum(count(x.refused_at)) over ())::int as all_refused
			from period p
			join structures s on s.id = p.structure_id
			left join outcome x on x.orientation_id = p.id
			group by 1, 2 order by sent desc, 1 limit ${limit}`
	);
	const [first] = outcomeRows;
	const outcomes = cappedRows(
		outcomeRows.map(({ all_sent: _s, all_accepted: _a, all_refused: _r, ...r }) => r),
		limit
	);
	// Only reasons given 5 times or more leave the server (a rarer one could point at a person).
	const reasons = cappedRows(
		await queryRows<{ structure_id: string; reason: string; count: number; total: number }>(
			db,
			sql`select o.structure_id, coalesce(e.reason, 'sans motif') as reason, count(*)::int as count,
					(count(*) over ())::int as total
				from orientation_events e join orientations o on o.id = e.orientation_id
				where e.status = 'refused' and ${inPeriodOf('o', territoryId, period)}
				group by 1, 2 having count(*) >= ${SMALL_COUNT}
				order by count desc, 1, 2 limit ${limit}`
		),
		limit
	);
	return {
		bySource: bySource.items.map((r) => ({ ...r, count: suppressed(r.count) })),
		// Rates only over 5 orientations or more, and the raw counts never leave the server: the
		// page's data reach the browser whole.
		outcomes: outcomes.items.map((r) => ({
			structure_id: r.structure_id,
			name: r.name,
			sent: suppressed(r.sent),
			acceptedRate: r.sent >= SMALL_COUNT ? r.accepted / r.sent : null,
			refusedRate: r.sent >= SMALL_COUNT ? r.refused / r.sent : null,
			// A median of fewer than 5 delays would describe individual orientations.
			medianHours:
				r.accepted >= SMALL_COUNT && r.median_hours !== null
					? Math.round(Number(r.median_hours) * 10) / 10
					: null
		})),
		reasons: reasons.items,
		/**
		 * The period's orientations sent to a structure, and how many of them were accepted or
		 * refused, over the whole territory (every line, not only the capped ones); 0 stays 0.
		 */
		totals: {
			sent: masked(first?.all_sent ?? 0),
			accepted: masked(first?.all_accepted ?? 0),
			refused: masked(first?.all_refused ?? 0)
		},
		/** Lines of each list beyond the cap. */
		more: { bySource: bySource.more, outcomes: outcomes.more, reasons: reasons.more }
	};
}

/**
 * What became of the period's orientations, month by month (the month each was recorded, in
 * Europe/Paris as the period's days: localMonthOf): for every month of the period and every
 * outcome of the desk (OUTCOMES: the orientation's current status, or `orphan` when no structure
 * could take it), how many — counts from 1 to 4 suppressed, 0 kept (`masked`). At most 12 × 7
 * lines a year of period.
 */
export async function monthlyOutcomes(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period
): Promise<{ months: string[]; items: MonthlyOutcome[] }> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const rows = await queryRows<{ month: string; outcome: string; count: number }>(
		db,
		sql`select ${localMonthOf(sql`created_at`)} as month,
				case when orphan then 'orphan' else status end as outcome, count(*)::int as count
			from orientations where ${inPeriod(territoryId, period)}
			group by 1, 2`
	);
	const counted = new Map(rows.map((r) => [`${r.month}|${r.outcome}`, r.count]));
	const months = monthsOf(period);
	return {
		months,
		items: months.flatMap((month) =>
			OUTCOME_CODES.map((outcome: OutcomeCode) => ({
				month,
				outcome,
				count: masked(counted.get(`${month}|${outcome}`) ?? 0)
			}))
		)
	};
}

/**
 * The shapes of the territory's communes, simplified, for the desk's map of orphan situations
 * (a pilot of the territory, as every figure of the desk).
 */
export async function deskPlaceShapes(db: Db, caller: Caller, territoryId: string) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	return territoryPlaceShapes(db, territoryId);
}

/*
 * The structures' answers (contract §7): what the structures said — refusal reasons, time to
 * answer, expiries, waiting lists — read from the orientations' events rather than guessed from
 * the orientations' current status. An answer counts in the period by the time it was given (an
 * orientation sent in December and refused in January is January's refusal).
 */

/** The answers a structure gives to a sent orientation (contract §7); `closed` ends, not answers. */
const ANSWERS = sql.raw(`('accepted', 'refused', 'waitlisted')`);

/** Events of the period, on the aliased events table `e` joined to its orientation `o`. */
const eventsOf = (territoryId: string, period: Period) =>
	// An event follows its orientation's creation: `o.created_at < to` lets the territory's
	// (territory, created_at) index narrow the orientations before their events are read.
	sql`o.territory_id = ${territoryId} and o.created_at < ${period.to.toISOString()}::timestamptz
		and e.at >= ${period.from.toISOString()}::timestamptz and e.at < ${period.to.toISOString()}::timestamptz`;

/**
 * A count under SMALL_COUNT is suppressed, but none is none: 0 stays 0 (« aucun refus » points at
 * nobody, and a pilot needs to tell « never » from « a few »).
 */
export function masked(count: number): number | null {
	return count === 0 ? 0 : suppressed(count);
}

/** Hours rounded to the tenth, or null (below SMALL_COUNT delays a figure would describe individual orientations). */
const hoursOf = (value: number | string | null, count: number) =>
	count >= SMALL_COUNT && value !== null ? Math.round(Number(value) * 10) / 10 : null;

/** A share of a count that left the server, else null (it would give the suppressed count back). */
const shareOf = (count: number, of: number) =>
	masked(count) !== null && of > 0 ? count / of : null;

export interface RefusalLine {
	structure_id: string;
	name: string;
	/** The refusal reason code (contract §7); null for a refusal recorded before they were coded. */
	reason_code: string | null;
	count: number | null;
	/** Orientations the structure answered in the period (accepted, refused or waitlisted). */
	answered: number | null;
	/** count / answered; null when the count is suppressed. */
	share: number | null;
}

/**
 * The period's refusals by structure and reason (`reason_code`), largest first — at most `limit`
 * lines, with `more` —, each with the share of the orientations that structure answered in the
 * period; and the territory's totals by reason: every reason of the vocabulary (0 when never
 * given), then any other code found.
 */
export async function refusalReasons(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const answers = sql`select o.structure_id, e.orientation_id, e.status, e.reason_code
		from orientation_events e join orientations o on o.id = e.orientation_id
		where ${eventsOf(territoryId, period)} and o.structure_id is not null and e.status in ${ANSWERS}`;
	const lines = cappedRows(
		await queryRows<{
			structure_id: string;
			name: string;
			reason_code: string | null;
			count: number;
			answered: number;
			total: number;
		}>(
			db,
			sql`with answers as (${answers}), answered as (
					select structure_id, count(distinct orientation_id)::int as answered from answers group by 1
				)
				select r.structure_id, s.name, r.reason_code, count(distinct r.orientation_id)::int as count,
					a.answered, (count(*) over ())::int as total
				from answers r
				join answered a on a.structure_id = r.structure_id
				join structures s on s.id = r.structure_id
				where r.status = 'refused'
				group by r.structure_id, s.name, r.reason_code, a.answered
				order by count desc, s.name, r.structure_id, r.reason_code nulls last
				limit ${limit}`
		),
		limit
	);
	const [all] = await queryRows<{ answered: number; refused: number }>(
		db,
		sql`with answers as (${answers})
			select count(distinct orientation_id)::int as answered,
				count(distinct orientation_id) filter (where status = 'refused')::int as refused
			from answers`
	);
	const byReason = await queryRows<{ reason_code: string | null; count: number }>(
		db,
		// Reason codes are checked on entry (StatusChangeSchema): a handful of lines at most.
		sql`with answers as (${answers})
			select reason_code, count(distinct orientation_id)::int as count from answers
			where status = 'refused' group by 1 order by count desc, 1 nulls last limit ${PAGE_LIMIT}`
	);
	const answered = all?.answered ?? 0;
	const counted = new Map(byReason.map((r) => [r.reason_code, r.count]));
	const vocabulary: (string | null)[] = [...REFUSAL_REASON_CODES];
	const totals = [
		...vocabulary,
		...byReason.map((r) => r.reason_code).filter((c) => !vocabulary.includes(c))
	]
		.map((reason_code) => ({ reason_code, raw: counted.get(reason_code) ?? 0 }))
		// Largest first; the reasons never given keep the vocabulary's order (a stable sort).
		.sort((a, b) => b.raw - a.raw)
		.map(({ reason_code, raw }) => ({
			reason_code,
			count: masked(raw),
			share: shareOf(raw, answered)
		}));
	return {
		items: lines.items.map((r): RefusalLine => ({
			structure_id: r.structure_id,
			name: r.name,
			reason_code: r.reason_code,
			count: masked(r.count),
			answered: masked(r.answered),
			share: shareOf(r.count, r.answered)
		})),
		totals,
		/** Orientations of the territory answered, and refused, in the period. */
		answered: masked(answered),
		refused: masked(all?.refused ?? 0),
		/** Lines of `items` beyond the cap. */
		more: lines.more
	};
}

export interface AnswerTimes {
	/** Answers (the first of each orientation) given in the period. */
	answered: number | null;
	/** Median and 90th percentile of the time from `sent` to the first answer, in hours. */
	medianHours: number | null;
	p90Hours: number | null;
	/** Of those answers, given by the structure itself (a member, its token)… */
	byStructure: number | null;
	/** …and recorded by the orienting agent (a structure without members, contract §7). */
	byAgent: number | null;
}

/**
 * How long structures take to answer: from an orientation's `sent` event to its first answer
 * (accepted, refused or waitlisted), for the first answers given in the period — median and 90th
 * percentile in hours, overall, by month of the period (answers and median) and by structure
 * (most answers first, at most `limit`, with `more`), and who gave them. Delays are shown from
 * SMALL_COUNT answers on.
 */
export async function answerTimes(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const from = period.from.toISOString();
	const to = period.to.toISOString();
	// Each orientation's `sent` and first answer, read in one pass over its events; who answered is
	// the first answer's (array_agg ordered, then its first element: both databases have it).
	const first = sql`with firsts as (
			select o.id, o.structure_id,
				min(e.at) filter (where e.status = 'sent') as sent_at,
				min(e.at) filter (where e.status in ${ANSWERS}) as answered_at,
				(array_agg(e.by_structure order by e.at, e.id) filter (where e.status in ${ANSWERS}))[1] as by_structure
			from orientations o join orientation_events e on e.orientation_id = o.id
			where o.territory_id = ${territoryId} and o.created_at < ${to}::timestamptz
				and o.structure_id is not null and (e.status = 'sent' or e.status in ${ANSWERS})
			group by o.id, o.structure_id
		), answers as (
			select structure_id, by_structure, answered_at,
				extract(epoch from (answered_at - sent_at))::float8 / 3600 as hours
			from firsts
			where sent_at is not null and answered_at >= ${from}::timestamptz and answered_at < ${to}::timestamptz
		)`;
	// On `answers a`, qualified: structures has columns of the same names (its opening `hours`).
	const figures = sql`count(*)::int as answered,
		percentile_cont(0.5) within group (order by a.hours) as median,
		percentile_cont(0.9) within group (order by a.hours) as p90,
		count(*) filter (where a.by_structure)::int as by_structure,
		count(*) filter (where not a.by_structure)::int as by_agent`;
	type Figures = {
		answered: number;
		median: number | string | null;
		p90: number | string | null;
		by_structure: number;
		by_agent: number;
	};
	const shown = (r: Figures): AnswerTimes => ({
		answered: masked(r.answered),
		medianHours: hoursOf(r.median, r.answered),
		p90Hours: hoursOf(r.p90, r.answered),
		byStructure: masked(r.by_structure),
		byAgent: masked(r.by_agent)
	});
	const [overall] = await queryRows<Figures>(db, sql`${first} select ${figures} from answers a`);
	const lines = cappedRows(
		await queryRows<Figures & { structure_id: string; name: string; total: number }>(
			db,
			sql`${first} select a.structure_id, s.name, ${figures}, (count(*) over ())::int as total
				from answers a join structures s on s.id = a.structure_id
				group by a.structure_id, s.name order by answered desc, s.name, a.structure_id
				limit ${limit}`
		),
		limit
	);
	const monthly = await queryRows<Figures & { month: string }>(
		db,
		sql`${first} select ${localMonthOf(sql`a.answered_at`)} as month,
				${figures}
			from answers a group by 1`
	);
	const byMonth = new Map(monthly.map((r) => [r.month, r]));
	return {
		overall: shown(
			overall ?? { answered: 0, median: null, p90: null, by_structure: 0, by_agent: 0 }
		),
		/** Every month of the period (by the time the answer was given): answers and their median. */
		byMonth: monthsOf(period).map((month): MonthlyAnswerTime => {
			const r = byMonth.get(month);
			return {
				month,
				answered: masked(r?.answered ?? 0),
				medianHours: r ? hoursOf(r.median, r.answered) : null
			};
		}),
		items: lines.items.map((r) => ({ structure_id: r.structure_id, name: r.name, ...shown(r) })),
		/** Structures beyond the cap. */
		more: lines.more
	};
}

/**
 * Orientations that expired in the period (no answer within the territory's delay, contract §7),
 * by structure, most first — at most `limit`, with `more` —, and how many of them were re-oriented.
 */
export async function expiredOrientations(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const rows = await queryRows<{
		structure_id: string;
		name: string;
		count: number;
		reoriented: number;
		total: number;
		expired: number;
	}>(
		db,
		sql`with expired as (
				select distinct o.id, o.structure_id,
					exists (select 1 from orientations n where n.previous_id = o.id) as reoriented
				from orientation_events e join orientations o on o.id = e.orientation_id
				where ${eventsOf(territoryId, period)} and o.structure_id is not null and e.status = 'expired'
			)
			select x.structure_id, s.name, count(*)::int as count,
				count(*) filter (where x.reoriented)::int as reoriented,
				(count(*) over ())::int as total, (sum(count(*)) over ())::int as expired
			from expired x join structures s on s.id = x.structure_id
			group by x.structure_id, s.name order by count desc, s.name, x.structure_id
			limit ${limit}`
	);
	const total = rows[0]?.expired ?? 0;
	const lines = cappedRows(
		rows.map(({ expired: _expired, ...r }) => r),
		limit
	);
	// The territory's delay, for the page to say what « expired » meant here.
	const [delay] = await db
		.select({ expiryDays: territories.expiryDays })
		.from(territories)
		.where(eq(territories.id, territoryId));
	return {
		expiryDays: delay?.expiryDays ?? null,
		items: lines.items.map((r) => ({
			structure_id: r.structure_id,
			name: r.name,
			count: masked(r.count),
			reoriented: masked(r.reoriented)
		})),
		total: masked(total),
		/** Structures beyond the cap. */
		more: lines.more
	};
}

/**
 * The waiting lists now (contract §7: `waitlisted`, accepted but waiting for a place): for each
 * structure with orientations of the territory waiting, how many and the longest wait in whole
 * days (since the orientation was waitlisted) — most waiting first, at most `limit`, with `more`.
 * The longest wait is shown from SMALL_COUNT orientations on: below, it would describe one.
 */
export async function waitingLists(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: ListOptions = {}
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const rows = await queryRows<{
		structure_id: string;
		name: string;
		count: number;
		oldest_days: number;
		total: number;
		waiting: number;
	}>(
		db,
		// The wait starts at the last `waitlisted` event (status_changed_at says the same unless the
		// row was touched since, e.g. by an import of an older history).
		sql`with waiting as (
				select o.structure_id, coalesce((select max(e.at) from orientation_events e
					where e.orientation_id = o.id and e.status = 'waitlisted'), o.status_changed_at) as since
				from orientations o
				where o.territory_id = ${territoryId} and o.status = 'waitlisted' and o.structure_id is not null
			)
			select w.structure_id, s.name, count(*)::int as count,
				floor(extract(epoch from (now() - min(w.since))) / 86400)::int as oldest_days,
				(count(*) over ())::int as total, (sum(count(*)) over ())::int as waiting
			from waiting w join structures s on s.id = w.structure_id
			group by w.structure_id, s.name order by count desc, oldest_days desc, s.name, w.structure_id
			limit ${limit}`
	);
	const total = rows[0]?.waiting ?? 0;
	const lines = cappedRows(
		rows.map(({ waiting: _waiting, ...r }) => r),
		limit
	);
	return {
		items: lines.items.map((r) => ({
			structure_id: r.structure_id,
			name: r.name,
			count: masked(r.count),
			oldestDays: r.count >= SMALL_COUNT ? Math.max(0, r.oldest_days) : null
		})),
		total: masked(total),
		/** Structures beyond the cap. */
		more: lines.more
	};
}

/** Past figures shown beside a service's caseload (the page shows the last 6). */
export const CASELOAD_HISTORY = 12;

export interface CapacityLine {
	id: string;
	name: string;
	kind: string;
	current: number | null;
	max: number;
	share: number | null;
	saturated: boolean;
	/** The last CASELOAD_HISTORY figures, oldest first. */
	history: { at: Date; current: number | null; max: number | null; source: string }[];
}

/**
 * Services with a maximum caseload covering the territory, most loaded first: at most `limit`
 * (PAGE_LIMIT by default), with `more`, each with its last CASELOAD_HISTORY figures.
 */
export async function capacity(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: ListOptions = {}
): Promise<Capped<CapacityLine>> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	const { items: rows, more } = cappedRows(
		await queryRows<{
			id: string;
			name: string;
			kind: string;
			current: number | null;
			max: number;
			total: number;
		}>(
			db,
			// A structure with members: its caseload counted from its orientations (contract §7).
			sql`select s.id, s.name, s.kind, ${caseloadSql('s')} as current, s.caseload_max as max,
					(count(*) over ())::int as total
				from structures s
				where s.caseload_max is not null and exists (select 1 from structure_communes sc
					join territory_communes tc on tc.commune_code = sc.commune_code
					where sc.structure_id = s.id and tc.territory_id = ${territoryId})
				order by (${caseloadSql('s')}::float / nullif(s.caseload_max, 0)) desc nulls last, s.name, s.id
				limit ${limit}`
		),
		limit
	);
	const history = rows.length
		? await queryRows<{
				structure_id: string;
				at: Date | string;
				current: number | null;
				max: number | null;
				source: string;
			}>(
				db,
				sql`select structure_id, at, current, max, source from (
						select structure_id, at, current, max, source, id,
							row_number() over (partition by structure_id order by at desc, id desc) as n
						from caseload_history where structure_id in ${rows.map((r) => r.id)}
					) h where n <= ${CASELOAD_HISTORY} order by at, id`
			)
		: [];
	const byStructure = new Map<string, typeof history>();
	for (const h of history) {
		byStructure.set(h.structure_id, [...(byStructure.get(h.structure_id) ?? []), h]);
	}
	return {
		items: rows.map((r) => ({
			...r,
			share: r.current !== null && r.max > 0 ? r.current / r.max : null,
			saturated: r.current !== null && r.current >= r.max,
			history: (byStructure.get(r.id) ?? []).map((h) => ({
				at: new Date(h.at),
				current: h.current,
				max: h.max,
				source: h.source
			}))
		})),
		more
	};
}

/**
 * Structures the territory declared whose data were not verified for 12 months (or never), the
 * oldest first: at most `limit` (PAGE_LIMIT by default), with `more`.
 */
export async function staleStructures(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: ListOptions = {}
): Promise<Capped<{ id: string; name: string; kind: string; updated_at: string | Date | null }>> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const limit = clampLimit(options.limit, PAGE_LIMIT);
	return cappedRows(
		await queryRows<{
			id: string;
			name: string;
			kind: string;
			updated_at: string | Date | null;
			total: number;
		}>(
			db,
			sql`select id, name, kind, updated_at, (count(*) over ())::int as total from structures
				where territory_id = ${territoryId} and (updated_at is null or updated_at < current_date - 365)
				order by updated_at nulls first, name, id
				limit ${limit}`
		),
		limit
	);
}

/**
 * "Verified today" by an editor (a pilot of the structure's territory): only a structure imported
 * into this territory. False when there is none; audited in the same transaction.
 */
export async function markVerified(
	db: Db,
	caller: Caller,
	territoryId: string,
	structureId: string
): Promise<boolean> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	return db.transaction(async (tx) => {
		const done = await tx
			.update(structures)
			.set({ updatedAt: sql`current_date` })
			.where(and(eq(structures.id, structureId), eq(structures.territoryId, territoryId)))
			.returning({ id: structures.id });
		if (done.length === 0) return false;
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'structure.verified',
			outcome: 'success',
			target: { type: 'structure', id: structureId },
			territoryId,
			ip: caller.ip
		});
		await markFreshnessAnswered(tx as unknown as Db, caller, structureId, 'confirm');
		return true;
	});
}

/**
 * A service's caseload, updated by a pilot of the territory it was imported into (or by the
 * service through an import). False for a figure that is not a whole number of situations, or a
 * structure of another territory; audited in the same transaction.
 */
export async function updateCaseload(
	db: Db,
	caller: Caller,
	territoryId: string,
	structureId: string,
	current: number
): Promise<boolean> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	if (!Number.isInteger(current) || current < 0 || current > 100_000) return false;
	return db.transaction(async (tx) => {
		const done = await tx
			.update(structures)
			.set({ caseloadCurrent: current })
			.where(
				and(
					eq(structures.id, structureId),
					isNotNull(structures.caseloadMax),
					// Only a structure of this territory (contract §2: it is edited through the territory
					// it was imported into); one that merely covers part of it belongs to another pilot.
					eq(structures.territoryId, territoryId)
				)
			)
			.returning({ id: structures.id, max: structures.caseloadMax });
		if (done.length === 0) return false;
		await tx
			.insert(caseloadHistory)
			.values({ structureId, current, max: done[0]?.max ?? null, source: 'pilotage' });
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'structure.caseload',
			outcome: 'success',
			target: { type: 'structure', id: structureId },
			territoryId,
			ip: caller.ip,
			details: { current }
		});
		return true;
	});
}
