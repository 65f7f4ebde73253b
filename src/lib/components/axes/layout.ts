import { remitRuns, type CoverageCell } from '$lib/domain/coverage';
import {
	FIELDS,
	LEVEL_CODES,
	PROBLEMS,
	levelRank,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';

/**
 * Geometry of the complexity × problem chart, computed once from the data (pure, testable):
 * problems on the horizontal axis in the contract's order, levels bottom (information) to top
 * (complexe). Each structure is drawn as one rectangle per run of contiguous problems, spanning
 * its level range. Structures whose zones share a cell get different "lanes" (a greedy colouring
 * of the overlap graph): each lane insets the rectangles a little more, so nested zones stay
 * visible and their labels do not sit on each other.
 */

export interface ChartInput {
	id: string;
	name: string;
	kind: KindCode;
	problems: readonly ProblemCode[];
	levelMin: LevelCode;
	levelMax: LevelCode;
	coordination: boolean;
	mode: 'masse' | 'sur_mesure' | null;
	/** Its remit was proposed (FINESS) and not confirmed: its label says so. */
	toConfirm?: boolean;
}

export interface Rect {
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface StructureShape {
	structure: ChartInput;
	lane: number;
	rects: Rect[];
	label: { x: number; y: number; text: string };
	fill: string;
	stroke: string;
	dash: string | null;
}

/** A cell of the grid; `count`, when its `structures` are only the first of them (a page's). */
export type ChartCell = CoverageCell & { count?: number };

export interface CellShape extends Rect {
	problem: ProblemCode;
	level: LevelCode;
	cell: ChartCell;
}

export interface ChartLayout {
	width: number;
	height: number;
	plot: Rect;
	cellWidth: number;
	cellHeight: number;
	shapes: StructureShape[];
	cells: CellShape[];
	fields: { label: string; x: number; width: number }[];
	problemTicks: { problem: ProblemCode; label: string; x: number }[];
	levelTicks: { level: LevelCode; label: string; y: number }[];
}

export const MARGIN = { left: 170, top: 56, right: 16, bottom: 170 };
export const CELL = { width: 76, height: 132 };

/** Colours by kind, readable on white; prestation structures are drawn in light grey. */
const KIND_COLOURS: Partial<Record<KindCode, string>> = {
	clic: '#1f77b4',
	ccas: '#7b3294',
	// Not red: red marks the gaps, on the chart and on the map.
	reseau_sante: '#a02c6d',
	equipe_apa: '#1a7f4b',
	gestion_cas: '#b35900',
	dac: '#8c564b'
};
const DEFAULT_COORDINATION = '#2c3e50';
const PRESTATION = { fill: '#d9d9d9', stroke: '#7f7f7f' };

export function kindColour(
	kind: KindCode,
	coordination: boolean
): { fill: string; stroke: string } {
	if (!coordination) return PRESTATION;
	const colour = KIND_COLOURS[kind] ?? DEFAULT_COORDINATION;
	return { fill: colour, stroke: colour };
}

function cellsOf(s: ChartInput): string[] {
	const levels = LEVEL_CODES.slice(levelRank(s.levelMin), levelRank(s.levelMax) + 1);
	return s.problems.flatMap((p) => levels.map((l) => `${p}|${l}`));
}

/**
 * Lanes beyond this many would be under 2 px apart (a cell is 76 px wide): the zones past it share
 * the innermost lane. It bounds the work too: the lanes grew with the structures (522 lanes for
 * 5 000 structures on one commune), and each zone scanned every lane of its cells.
 */
export const MAX_LANES = 16;

const collator = new Intl.Collator('fr');

/** Greedy lanes: larger zones first, each takes the lowest lane free among its overlaps. */
export function assignLanes(structures: readonly ChartInput[]): Map<string, number> {
	const order = structures
		.map((s) => ({ s, cells: cellsOf(s) }))
		.sort((a, b) => b.cells.length - a.cells.length || collator.compare(a.s.name, b.s.name));
	const lanesByCell = new Map<string, Uint8Array>();
	const lanes = new Map<string, number>();
	const taken = new Uint8Array(MAX_LANES);
	for (const { s, cells } of order) {
		taken.fill(0);
		for (const c of cells) {
			const used = lanesByCell.get(c);
			if (used) for (let l = 0; l < MAX_LANES; l++) if (used[l]) taken[l] = 1;
		}
		let lane = 0;
		while (lane < MAX_LANES - 1 && taken[lane]) lane++;
		lanes.set(s.id, lane);
		for (const c of cells) {
			let used = lanesByCell.get(c);
			if (!used) lanesByCell.set(c, (used = new Uint8Array(MAX_LANES)));
			used[lane] = 1;
		}
	}
	return lanes;
}

/**
 * The label that fits the zone: whole words only, then "…". The visible text of a zone's link
 * must be part of its accessible name, word for word (WCAG 2.5.3, "label in name": someone using
 * voice control says what they see), so a word is never cut: when not even the first word fits,
 * the label is "…" alone (the name is in the zone's tooltip, its accessible name and the table).
 */
function truncate(text: string, width: number): string {
	// About 6.2 px per character at the label size.
	const max = Math.max(3, Math.floor(width / 6.2));
	if (text.length <= max) return text;
	let shown = '';
	for (const word of text.split(/\s+/)) {
		const next = shown ? `${shown} ${word}` : word;
		// The ellipsis is narrower than the 6.2 px a character is counted for: it may take the
		// padding's room.
		if (next.length > max) break;
		shown = next;
	}
	return `${shown.replace(/[\s,;:–—-]+$/u, '')}…`;
}

export function layoutChart(
	structures: readonly ChartInput[],
	cells: readonly ChartCell[]
): ChartLayout {
	const columns = PROBLEMS.length;
	const rows = LEVEL_CODES.length;
	const plot: Rect = {
		x: MARGIN.left,
		y: MARGIN.top,
		width: columns * CELL.width,
		height: rows * CELL.height
	};
	const xOf = (column: number) => plot.x + column * CELL.width;
	const yOfTop = (rank: number) => plot.y + (rows - 1 - rank) * CELL.height;

	const lanes = assignLanes(structures);
	const laneCount = Math.max(1, ...lanes.values()) + 1;
	const step = Math.min(7, (CELL.width / 2 - 8) / laneCount);

	const shapes: StructureShape[] = structures.map((s) => {
		const lane = lanes.get(s.id) ?? 0;
		const inset = 3 + lane * step;
		const top = yOfTop(levelRank(s.levelMax));
		const bottom = yOfTop(levelRank(s.levelMin)) + CELL.height;
		const rects = remitRuns(s.problems).map((run) => ({
			x: xOf(run.from) + inset,
			y: top + inset,
			width: (run.to - run.from + 1) * CELL.width - 2 * inset,
			height: bottom - top - 2 * inset
		}));
		const widest = rects.reduce((a, b) => (b.width > a.width ? b : a), rects[0] as Rect);
		const colour = kindColour(s.kind, s.coordination);
		return {
			structure: s,
			lane,
			rects,
			label: {
				x: widest.x + 4,
				// Labels of nested zones step down with their lane.
				y: Math.min(widest.y + 13 + lane * 12, widest.y + widest.height - 4),
				// « ? » before the name: a proposed remit, not yet confirmed by a person.
				text: truncate(s.toConfirm ? `? ${s.name}` : s.name, widest.width - 8)
			},
			fill: colour.fill,
			stroke: colour.stroke,
			dash: s.mode === 'sur_mesure' ? '6 3' : null
		};
	});

	const byKey = new Map(cells.map((c) => [`${c.problem}|${c.level}`, c]));
	const cellShapes: CellShape[] = [];
	PROBLEMS.forEach((p, column) => {
		LEVEL_CODES.forEach((level, rank) => {
			const cell = byKey.get(`${p.code}|${level}`);
			if (!cell) return;
			cellShapes.push({
				problem: p.code,
				level,
				cell,
				x: xOf(column),
				y: yOfTop(rank),
				width: CELL.width,
				height: CELL.height
			});
		});
	});

	const fields = FIELDS.map((f) => {
		const columnsOfField = PROBLEMS.map((p, i) => (p.field === f.code ? i : -1)).filter(
			(i) => i >= 0
		);
		const first = columnsOfField[0] ?? 0;
		return { label: f.label, x: xOf(first), width: columnsOfField.length * CELL.width };
	});

	return {
		width: plot.x + plot.width + MARGIN.right,
		height: plot.y + plot.height + MARGIN.bottom,
		plot,
		cellWidth: CELL.width,
		cellHeight: CELL.height,
		shapes,
		cells: cellShapes,
		fields,
		problemTicks: PROBLEMS.map((p, i) => ({
			problem: p.code,
			label: p.label,
			x: xOf(i) + CELL.width / 2
		})),
		levelTicks: LEVEL_CODES.map((level, rank) => ({
			level,
			label: level,
			y: yOfTop(rank) + CELL.height / 2
		}))
	};
}
