import * as Plot from '@observablehq/plot';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import {
	OUTCOMES,
	countTicks,
	shownCount,
	type CaseloadPoint,
	type ChoroplethProperties,
	type Masked,
	type OutcomeBar
} from '$lib/domain/desk';
import { SMALL_COUNT } from '$lib/domain/overlaps';
import { LEVELS, PROBLEMS } from '$lib/domain/taxonomy';

/**
 * The desk's charts, drawn by Observable Plot from the rows of $lib/domain/desk (the same rows
 * as the tables under them). Each returns the element to put in its container; suppressed
 * counts (null) are drawn as no mark — the table says « < 5 » —, and 0 as 0.
 */

/** Every chart says where its figures are in full, for screen readers. */
const DESCRIPTION = 'Les chiffres du graphique sont dans le tableau qui le suit.';

const frenchNumber = (d: number) => d.toLocaleString('fr-FR');

/** The month axis: labels slanted when there are many, with room for them below and left. */
const monthAxis = (months: string[]) =>
	months.length > 8
		? {
				x: { label: null, domain: months, tickRotate: -30 },
				marginBottom: 60,
				marginLeft: 55
			}
		: { x: { label: null, domain: months }, marginBottom: 30 };
const percent = (d: number) => `${Math.round(d * 100).toLocaleString('fr-FR')} %`;
const dayFormat = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	day: 'numeric',
	month: 'short',
	year: 'numeric'
});

const style = { fontSize: '12px', overflow: 'visible' } as const;

/**
 * Marks that carry no figure (a baseline, the outlines under the counts): hidden from assistive
 * technologies — Plot labels every mark's <g> (aria-label="rule"), which ARIA forbids on a <g>
 * without a role (axe: aria-prohibited-attr).
 */
const DECORATION = { ariaHidden: 'true' };

/** Each month's stacked height. */
function monthTotals(bars: OutcomeBar[]): number[] {
	const totals = new Map<string, number>();
	for (const b of bars) totals.set(b.month, (totals.get(b.month) ?? 0) + b.count);
	return [...totals.values()];
}

/** Orientations per month, stacked by outcome. */
export function outcomesPlot(width: number, months: string[], bars: OutcomeBar[]) {
	return Plot.plot({
		width,
		height: 300,
		style,
		ariaLabel: 'Orientations par mois et par issue',
		ariaDescription: DESCRIPTION,
		...monthAxis(months),
		y: {
			label: 'Orientations',
			grid: true,
			tickFormat: frenchNumber,
			ticks: countTicks(Math.max(1, ...monthTotals(bars)))
		},
		color: {
			legend: true,
			domain: OUTCOMES.map((o) => o.label),
			range: OUTCOMES.map((o) => o.colour)
		},
		marks: [
			Plot.barY(bars, {
				x: 'month',
				y: 'count',
				fill: 'outcome',
				order: OUTCOMES.map((o) => o.label),
				title: (d: OutcomeBar) => `${d.month} — ${d.outcome} : ${frenchNumber(d.count)}`
			}),
			Plot.ruleY([0], DECORATION)
		]
	});
}

interface CountRow {
	label: string;
	count: Masked;
}

/** Refusals by reason, horizontal bars; a suppressed count is written « < 5 », not drawn. */
export function reasonsPlot(width: number, rows: CountRow[]) {
	const drawn = rows.filter((r): r is CountRow & { count: number } => r.count !== null);
	return Plot.plot({
		width,
		height: 40 + rows.length * 28,
		style,
		ariaLabel: 'Refus par motif, tout le territoire',
		ariaDescription: DESCRIPTION,
		marginLeft: 250,
		marginRight: 40,
		x: {
			label: 'Refus',
			grid: true,
			tickFormat: frenchNumber,
			ticks: countTicks(Math.max(1, ...drawn.map((r) => r.count))),
			insetRight: 10
		},
		y: { label: null, domain: rows.map((r) => r.label) },
		marks: [
			Plot.barX(drawn, {
				y: 'label',
				x: 'count',
				fill: '#c62828',
				title: (d: CountRow) => `${d.label} : ${shownCount(d.count)}`
			}),
			Plot.text(rows, {
				y: 'label',
				x: (d: CountRow) => d.count ?? 0,
				text: (d: CountRow) => shownCount(d.count),
				textAnchor: 'start',
				dx: 4
			}),
			Plot.ruleX([0], DECORATION)
		]
	});
}

/** The median time to answer, per month (hours); a month under 5 answers has no bar. */
export function answerTimesPlot(
	width: number,
	months: string[],
	points: { month: string; hours: number }[],
	duration: (hours: number) => string
) {
	return Plot.plot({
		width,
		height: 260,
		style,
		ariaLabel: 'Délai médian de réponse par mois',
		ariaDescription: DESCRIPTION,
		...monthAxis(months),
		y: {
			label: 'Délai médian (heures)',
			grid: true,
			tickFormat: frenchNumber,
			// From 0, with room for the labels; an hour at least (medians of minutes round to 0 h).
			domain: [0, Math.max(1, ...points.map((p) => p.hours)) * 1.15]
		},
		marks: [
			Plot.barY(points, {
				x: 'month',
				y: 'hours',
				fill: '#1565c0',
				title: (d: { month: string; hours: number }) => `${d.month} : ${duration(d.hours)}`
			}),
			Plot.text(points, {
				x: 'month',
				y: 'hours',
				text: (d: { hours: number }) => duration(d.hours),
				dy: -8
			}),
			Plot.ruleY([0], DECORATION)
		]
	});
}

interface HeatCell {
	problem: string;
	level: string;
	count: Masked;
}

const maxOf = (counts: Masked[]) => Math.max(1, ...counts.map((c) => c ?? 0));

/** The orphans' colour scale, shared by the heat grid and the choropleth. */
const orphanColour = (max: number) => ({
	type: 'linear' as const,
	// Counts from 1 to 4 are never shown: the scale starts its colours at 5, in whole numbers.
	domain: [0, Math.max(SMALL_COUNT, max)],
	range: ['#fff3e0', '#e65100'],
	legend: true,
	tickFormat: frenchNumber,
	label: 'Orientations orphelines'
});

/** Orphans by problem × level: a heat grid, each cell written (« < 5 », 0 or the count). */
export function orphanCellsPlot(width: number, cells: HeatCell[]) {
	const max = maxOf(cells.map((c) => c.count));
	return Plot.plot({
		width,
		height: 40 + PROBLEMS.length * 26,
		style,
		ariaLabel: 'Orientations orphelines par problème dominant et niveau',
		ariaDescription: DESCRIPTION,
		marginLeft: 290,
		padding: 0.05,
		x: { label: null, axis: 'top', domain: LEVELS.map((l) => l.label) },
		y: { label: null, domain: PROBLEMS.map((p) => p.label) },
		color: orphanColour(max),
		marks: [
			Plot.cell(cells, {
				x: 'level',
				y: 'problem',
				fill: (d: HeatCell) => d.count,
				stroke: '#bdbdbd',
				title: (d: HeatCell) => `${d.problem} — ${d.level} : ${shownCount(d.count)}`
			}),
			Plot.text(cells, {
				x: 'level',
				y: 'problem',
				text: (d: HeatCell) => shownCount(d.count),
				fill: (d: HeatCell) => ((d.count ?? 0) > max * 0.6 ? 'white' : 'black')
			})
		]
	});
}

type Shapes = FeatureCollection<Polygon | MultiPolygon, ChoroplethProperties>;

/** Orphans by commune: a choropleth of the territory's communes, each named with its count. */
export function orphanCommunesPlot(width: number, shapes: Shapes) {
	const max = maxOf(shapes.features.map((f) => f.properties.count));
	const counted = {
		...shapes,
		features: shapes.features.filter((f) => f.properties.count !== null)
	};
	const label = (p: ChoroplethProperties) => `${p.name} : ${shownCount(p.count)}`;
	return Plot.plot({
		width,
		height: Math.round(width * 0.6),
		style,
		ariaLabel: 'Orientations orphelines par commune',
		ariaDescription: DESCRIPTION,
		projection: { type: 'mercator', domain: shapes },
		color: orphanColour(max),
		marks: [
			// Every commune outlined (a suppressed count has no fill), then the counts.
			Plot.geo(shapes, { ...DECORATION, fill: '#f5f5f5', stroke: '#9e9e9e' }),
			Plot.geo(counted, {
				fill: (f: { properties: ChoroplethProperties }) => f.properties.count,
				stroke: '#757575',
				title: (f: { properties: ChoroplethProperties }) => label(f.properties)
			}),
			Plot.text(
				shapes.features,
				Plot.centroid({
					text: (f: { properties: ChoroplethProperties }) =>
						`${f.properties.name}\n${shownCount(f.properties.count)}`,
					stroke: 'white',
					fill: 'black'
				})
			)
		]
	});
}

/** Each service's caseload over time, as a share of its maximum (the rule at 100 %: full). */
export function capacityPlot(width: number, points: CaseloadPoint[]) {
	const shown = points.filter((p) => p.share !== null);
	return Plot.plot({
		width,
		height: 280,
		style,
		ariaLabel: 'File active des services au fil du temps, en part de leur maximum',
		ariaDescription: DESCRIPTION,
		x: { label: null, type: 'time', tickFormat: (d: Date) => dayFormat.format(d), ticks: 5 },
		y: {
			label: 'File active / maximum',
			grid: true,
			tickFormat: percent,
			// Room above 100 %, and for a service over its maximum.
			domain: [0, Math.max(1.2, ...shown.map((p) => p.share ?? 0))]
		},
		color: { legend: true },
		marks: [
			Plot.ruleY([1], { ...DECORATION, stroke: '#c62828', strokeDasharray: '4,3' }),
			Plot.lineY(shown, {
				x: 'at',
				y: 'share',
				stroke: 'name',
				marker: 'circle',
				title: (d: CaseloadPoint) =>
					`${d.name}, ${dayFormat.format(d.at)} : ${d.current ?? '?'} / ${d.max ?? '?'}`
			})
		]
	});
}
