import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import {
	LEVEL_CODES,
	PROBLEM_CODES,
	levelLabel,
	problemLabel,
	type LevelCode,
	type ProblemCode
} from './taxonomy';
import { localMonth } from './local-time';

/**
 * The pilot's desk as charts: the rows each chart and its table read, shaped from the services'
 * aggregates (already suppressed: null is « < 5 », 0 is 0). Pure — no Svelte, no Plot, no DB — so
 * that what a chart draws and what its table says come from the same rows.
 */

/** A count that left the server: null when it was 1 to 4 (suppressed), else the count (0 too). */
export type Masked = number | null;

/** The count under `key`, 0 when there is none — a suppressed one (null) stays null. */
function countAt(counts: ReadonlyMap<string, Masked>, key: string): Masked {
	const count = counts.get(key);
	return count === undefined ? 0 : count;
}

/** « < 5 » for a suppressed count, the count otherwise (0 is 0), in French digits. */
export function shownCount(count: Masked): string {
	return count === null ? '< 5' : count.toLocaleString('fr-FR');
}

/** Whole-number ticks of a count axis from 0 to `max` (no « 0,5 orientation »), 9 at most. */
export function countTicks(max: number): number[] {
	const step = Math.max(1, Math.ceil(max / 8));
	const ticks: number[] = [];
	for (let t = 0; t <= max; t += step) ticks.push(t);
	return ticks;
}

/* ------------------------------------ Months ------------------------------------ */

/** A month as the services key it: `YYYY-MM`, in Europe/Paris like the period's days. */
export type MonthKey = string;

const MONTH_KEY = /^(\d{4})-(\d{2})$/;

/**
 * The months a period touches, `YYYY-MM`, oldest first: from the month of `from` to the month of
 * the last instant before `to` (exclusive), in Europe/Paris as the period's bounds are.
 */
export function monthsOf(period: { from: Date; to: Date }): MonthKey[] {
	if (period.to.getTime() <= period.from.getTime()) return [];
	const [first, last] = [localMonth(period.from), localMonth(new Date(period.to.getTime() - 1))];
	const months: MonthKey[] = [];
	let year = Number(first.slice(0, 4));
	let month = Number(first.slice(5, 7));
	for (let key = first; key <= last; key = `${year}-${String(month).padStart(2, '0')}`) {
		months.push(key);
		month += 1;
		if (month === 13) {
			month = 1;
			year += 1;
		}
	}
	return months;
}

const monthFormat = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	month: 'short',
	year: 'numeric'
});

/**
 * « janv. 2026 »: a month as French people abbreviate it, in the territories' time zone (the
 * middle of the month, so no time zone moves it to its neighbour).
 */
export function monthLabel(month: MonthKey): string {
	const m = MONTH_KEY.exec(month);
	if (!m) return month;
	return monthFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15, 12)));
}

/* ------------------------------ Outcomes per month ------------------------------ */

/**
 * What became of an orientation, as the desk counts it: its current status, or `orphan` when no
 * structure could take it. In the order of the stacked bars (answered first, then open, then
 * ended without an answer).
 */
export const OUTCOMES = [
	{ code: 'accepted', label: 'Acceptée', colour: '#2e7d32' },
	{ code: 'waitlisted', label: 'En liste d’attente', colour: '#7cb342' },
	{ code: 'refused', label: 'Refusée', colour: '#c62828' },
	{ code: 'expired', label: 'Expirée', colour: '#ef6c00' },
	{ code: 'sent', label: 'En attente de réponse', colour: '#1565c0' },
	{ code: 'closed', label: 'Clôturée', colour: '#757575' },
	{ code: 'orphan', label: 'Orpheline (aucune structure)', colour: '#6a1b9a' }
] as const;
export type OutcomeCode = (typeof OUTCOMES)[number]['code'];
export const OUTCOME_CODES = OUTCOMES.map((o) => o.code) as [OutcomeCode, ...OutcomeCode[]];

export function outcomeLabel(code: OutcomeCode): string {
	return OUTCOMES.find((o) => o.code === code)?.label ?? code;
}

export interface MonthlyOutcome {
	month: MonthKey;
	outcome: OutcomeCode;
	count: Masked;
}

/** One bar segment: a month, an outcome, a count shown (suppressed counts are not drawn). */
export interface OutcomeBar {
	month: string;
	outcome: string;
	count: number;
}

/** The stacked bars: the segments with a count to draw (neither suppressed nor 0). */
export function outcomeBars(items: readonly MonthlyOutcome[]): OutcomeBar[] {
	return items.flatMap((r) =>
		r.count === null || r.count === 0
			? []
			: [{ month: monthLabel(r.month), outcome: outcomeLabel(r.outcome), count: r.count }]
	);
}

/** The table under the bars: one line a month, one column an outcome (OUTCOMES' order). */
export function outcomeTable(
	months: readonly MonthKey[],
	items: readonly MonthlyOutcome[]
): { month: MonthKey; label: string; counts: Masked[] }[] {
	const byKey = new Map(items.map((r) => [`${r.month}|${r.outcome}`, r.count]));
	return months.map((month) => ({
		month,
		label: monthLabel(month),
		counts: OUTCOME_CODES.map((o) => countAt(byKey, `${month}|${o}`))
	}));
}

/* -------------------------------- Refusal reasons -------------------------------- */

export interface ReasonTotal {
	reason_code: string | null;
	count: Masked;
	share: number | null;
}

/** The horizontal bars of refusal reasons, labelled by `label` (a reason code, or null). */
export function reasonRows(
	totals: readonly ReasonTotal[],
	label: (code: string | null) => string
): { code: string; label: string; count: Masked; share: number | null }[] {
	return totals.map((r) => ({
		code: r.reason_code ?? '',
		label: label(r.reason_code),
		count: r.count,
		share: r.share
	}));
}

/* --------------------------------- Time to answer --------------------------------- */

export interface MonthlyAnswerTime {
	month: MonthKey;
	answered: Masked;
	medianHours: number | null;
}

/** The median's line: the months with a median (5 answers or more), in order. */
export function answerTimePoints(
	byMonth: readonly MonthlyAnswerTime[]
): { month: string; hours: number }[] {
	return byMonth.flatMap((r) =>
		r.medianHours === null ? [] : [{ month: monthLabel(r.month), hours: r.medianHours }]
	);
}

/* ------------------------------- Orphans: the grid ------------------------------- */

export interface CellCount {
	problem: ProblemCode;
	level: LevelCode;
	count: Masked;
}

/** Every problem × level cell, in the chart's orders (problems social → medical, levels up). */
export function heatCells(
	cells: readonly CellCount[]
): { problem: string; level: string; count: Masked }[] {
	const byKey = new Map(cells.map((c) => [`${c.problem}|${c.level}`, c.count]));
	return PROBLEM_CODES.flatMap((problem) =>
		LEVEL_CODES.map((level) => ({
			problem: problemLabel(problem),
			level: levelLabel(level),
			count: countAt(byKey, `${problem}|${level}`)
		}))
	);
}

/** The grid's table: one line a problem, one column a level. */
export function heatTable(
	cells: readonly CellCount[]
): { problem: ProblemCode; label: string; counts: Masked[] }[] {
	const byKey = new Map(cells.map((c) => [`${c.problem}|${c.level}`, c.count]));
	return PROBLEM_CODES.map((problem) => ({
		problem,
		label: problemLabel(problem),
		counts: LEVEL_CODES.map((level) => countAt(byKey, `${problem}|${level}`))
	}));
}

/* ----------------------------- Orphans: the communes ----------------------------- */

export interface CommuneCount {
	commune: string;
	count: Masked;
}

/** The communes' table, by name (a place without a name is shown by its code). */
export function communeRows(
	counts: readonly CommuneCount[],
	names: ReadonlyMap<string, string>
): { commune: string; name: string; count: Masked }[] {
	return counts
		.map((c) => ({ commune: c.commune, name: names.get(c.commune) ?? c.commune, count: c.count }))
		.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

type Shape = Polygon | MultiPolygon;

/** Twice the signed area of a ring in the lon/lat plane: positive when counterclockwise. */
function signedArea(ring: readonly Position[]): number {
	let sum = 0;
	for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
		const [x1 = 0, y1 = 0] = ring[j] as Position;
		const [x2 = 0, y2 = 0] = ring[i] as Position;
		sum += x1 * y2 - x2 * y1;
	}
	return sum;
}

function rewindPolygon(rings: readonly Position[][]): Position[][] {
	return rings.map((ring, i) => {
		// d3-geo reads an exterior ring clockwise and a hole counterclockwise — the reverse of
		// RFC 7946 —, and draws the rest of the sphere for a ring the other way round.
		const clockwise = signedArea(ring) < 0;
		return (i === 0) === clockwise ? ring : [...ring].reverse();
	});
}

/**
 * A shape wound as d3-geo (hence Plot's geo mark) expects, whatever the source's winding: the
 * commune files follow no single convention.
 */
export function windForD3<G extends Shape>(geometry: G): G {
	if (geometry.type === 'Polygon') {
		return { ...geometry, coordinates: rewindPolygon(geometry.coordinates) };
	}
	return { ...geometry, coordinates: geometry.coordinates.map(rewindPolygon) };
}

export interface ChoroplethProperties {
	code: string;
	name: string;
	count: Masked;
}

/** The territory's communes with their orphan count (0 when none), wound for d3-geo. */
export function choropleth(
	shapes: FeatureCollection<Shape, { code: string; name: string }>,
	counts: readonly CommuneCount[]
): FeatureCollection<Shape, ChoroplethProperties> {
	const byCommune = new Map(counts.map((c) => [c.commune, c.count]));
	return {
		type: 'FeatureCollection',
		features: shapes.features.map((f): Feature<Shape, ChoroplethProperties> => ({
			type: 'Feature',
			id: f.properties.code,
			geometry: windForD3(f.geometry),
			properties: {
				code: f.properties.code,
				name: f.properties.name,
				count: countAt(byCommune, f.properties.code)
			}
		}))
	};
}

/* ------------------------------------ Capacity ------------------------------------ */

export interface CaseloadSeries {
	id: string;
	name: string;
	history: { at: Date | string; current: number | null; max: number | null }[];
}

export interface CaseloadPoint {
	id: string;
	name: string;
	at: Date;
	current: number | null;
	max: number | null;
	/** current / max, null without either. */
	share: number | null;
}

/** Every figure of every service's caseload history, oldest first within a service. */
export function caseloadPoints(series: readonly CaseloadSeries[]): CaseloadPoint[] {
	return series.flatMap((s) =>
		s.history
			.map((h) => ({
				id: s.id,
				name: s.name,
				at: new Date(h.at),
				current: h.current,
				max: h.max,
				share: h.current !== null && h.max !== null && h.max > 0 ? h.current / h.max : null
			}))
			.sort((a, b) => a.at.getTime() - b.at.getTime())
	);
}
