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
	/** A problem's name in full, on one to three lines (never cut: the margins make room). */
	problemTicks: { problem: ProblemCode; label: string; lines: string[]; x: number }[];
	/** Where the problem names start, under the plot. */
	tickY: number;
	levelTicks: { level: LevelCode; label: string; y: number }[];
}

export const MARGIN = { left: 170, top: 56, right: 16, bottom: 24 };
export const CELL = { width: 76, height: 132 };

/**
 * Text metrics estimated without a browser (the layout is computed on the server too): a wide
 * average advance for DejaVu Sans, the widest of the fonts the chart names, so an estimate errs
 * on the side of room.
 */
export const TICK_FONT = { size: 12, advance: 7, line: 14 };
export const ZONE_LABEL = { size: 11, advance: 6.2, height: 13 };
const TICK_CHARS = 26;
const SIN45 = Math.SQRT1_2;

/** Whole words on lines of at most `max` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, max: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		const next = line ? `${line} ${word}` : word;
		if (line && next.length > max) {
			lines.push(line);
			line = word;
		} else line = next;
	}
	if (line) lines.push(line);
	return lines;
}

/**
 * How far a tick's text reaches right of and below its anchor, drawn rotated 45° clockwise:
 * line i sits i line-heights lower, perpendicular to the text.
 */
export function tickReach(lines: readonly string[]): { right: number; down: number } {
	const longest = Math.max(0, ...lines.map((l) => l.length)) * TICK_FONT.advance;
	const stack = (lines.length - 1) * TICK_FONT.line;
	return {
		right: longest * SIN45 + TICK_FONT.size * SIN45,
		down: (longest + stack) * SIN45 + TICK_FONT.size
	};
}

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
	const max = Math.max(3, Math.floor(width / ZONE_LABEL.advance));
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

	placeZoneLabels(shapes);

	const fields = FIELDS.map((f) => {
		const columnsOfField = PROBLEMS.map((p, i) => (p.field === f.code ? i : -1)).filter(
			(i) => i >= 0
		);
		const first = columnsOfField[0] ?? 0;
		return { label: f.label, x: xOf(first), width: columnsOfField.length * CELL.width };
	});

	const tickY = plot.y + plot.height + 10;
	const problemTicks = PROBLEMS.map((p, i) => ({
		problem: p.code,
		label: p.label,
		lines: wrapWords(p.label, TICK_CHARS),
		x: xOf(i) + CELL.width / 2
	}));
	// The margins are what the names need, so the last one is never cut.
	const right = Math.max(
		plot.x + plot.width + MARGIN.right,
		...problemTicks.map((t) => t.x + tickReach(t.lines).right + 8)
	);
	const bottom = Math.max(...problemTicks.map((t) => tickY + tickReach(t.lines).down + 8));

	return {
		width: Math.ceil(right),
		height: Math.ceil(Math.max(bottom, plot.y + plot.height + MARGIN.bottom)),
		plot,
		cellWidth: CELL.width,
		cellHeight: CELL.height,
		shapes,
		cells: cellShapes,
		fields,
		problemTicks,
		tickY,
		levelTicks: LEVEL_CODES.map((level, rank) => ({
			level,
			label: level,
			y: yOfTop(rank) + CELL.height / 2
		}))
	};
}

/**
 * Zone labels never sit on each other: each label tries its place at the top of the zone, then
 * steps down line by line inside the zone's rectangles; a label that finds no free place is left
 * out (empty text): the zone keeps its name in its tooltip, its accessible name and the table,
 * and the exported image lists it in the legend. Coordination structures and larger zones are
 * placed first — the figure is about them.
 */
export function placeZoneLabels(shapes: StructureShape[]): void {
	const order = shapes
		.map((shape, index) => ({
			shape,
			index,
			area: shape.rects.reduce((sum, r) => sum + r.width * r.height, 0)
		}))
		.sort(
			(a, b) =>
				Number(b.shape.structure.coordination) - Number(a.shape.structure.coordination) ||
				b.area - a.area ||
				a.index - b.index
		);
	const taken = new Occupancy();
	for (const { shape } of order) {
		const text = shape.label.text;
		const width = text.length * ZONE_LABEL.advance;
		let placed: { x: number; y: number } | null = null;
		const rects = [...shape.rects].sort((a, b) => b.width - a.width);
		for (const r of rects) {
			if (width > r.width - 6) continue;
			// From the lane's own line (nested zones' labels start lower), then down, then up.
			const first = Math.min(shape.label.y, r.y + r.height - 4);
			const candidates: number[] = [];
			for (let y = first; y <= r.y + r.height - 4; y += ZONE_LABEL.height) candidates.push(y);
			for (
				let y = first - ZONE_LABEL.height;
				y >= r.y + ZONE_LABEL.height - 1;
				y -= ZONE_LABEL.height
			)
				candidates.push(y);
			for (const y of candidates) {
				// The text's box: from its baseline, one label height up.
				const box = { x: r.x + 4, y: y - ZONE_LABEL.height + 3, width, height: ZONE_LABEL.height };
				if (taken.free(box)) {
					taken.add(box);
					placed = { x: r.x + 4, y };
					break;
				}
			}
			if (placed) break;
		}
		shape.label = placed ? { ...placed, text } : { ...shape.label, text: '' };
	}
}

/**
 * Boxes already taken, bucketed by position so that a check looks at its neighbours only: a big
 * territory has thousands of zones, each trying several places.
 */
class Occupancy {
	private readonly buckets = new Map<number, Rect[]>();
	private static readonly SIZE = 64;

	private keys(r: Rect): number[] {
		const size = Occupancy.SIZE;
		const keys: number[] = [];
		for (let i = Math.floor(r.x / size); i <= Math.floor((r.x + r.width) / size); i++)
			for (let j = Math.floor(r.y / size); j <= Math.floor((r.y + r.height) / size); j++)
				keys.push(i * 4096 + j);
		return keys;
	}

	free(r: Rect): boolean {
		for (const key of this.keys(r))
			for (const o of this.buckets.get(key) ?? [])
				if (
					r.x < o.x + o.width &&
					o.x < r.x + r.width &&
					r.y < o.y + o.height &&
					o.y < r.y + r.height
				)
					return false;
		return true;
	}

	add(r: Rect): void {
		for (const key of this.keys(r)) {
			const list = this.buckets.get(key);
			if (list) list.push(r);
			else this.buckets.set(key, [r]);
		}
	}
}

export type LegendItem =
	| { swatch: 'zone'; label: string; fill: string; stroke: string; dashed: boolean }
	| { swatch: 'gap' | 'overlap'; label: string };

/** The legend of what is drawn, shared by the page and the exported image. */
export function legendItems(
	structures: readonly ChartInput[],
	kindLabel: (kind: KindCode) => string
): LegendItem[] {
	const kinds = [...new Set(structures.filter((s) => s.coordination).map((s) => s.kind))];
	const items: LegendItem[] = kinds.map((kind) => ({
		swatch: 'zone',
		label: kindLabel(kind),
		...kindColour(kind, true),
		dashed: false
	}));
	if (structures.some((s) => !s.coordination)) {
		items.push({
			swatch: 'zone',
			label: 'Prestation (coordination secondaire)',
			...PRESTATION,
			dashed: false
		});
	}
	items.push(
		{
			swatch: 'zone',
			label: 'Traitement sur mesure (trait pointillé) ; trait plein : de masse ou non précisé',
			fill: '#ffffff',
			stroke: '#4a5360',
			dashed: true
		},
		{ swatch: 'gap', label: 'Trou : aucune structure (case hachurée)' },
		{
			swatch: 'overlap',
			label: 'Chevauchement : n structures, dont deux pour une même commune et un même public'
		}
	);
	return items;
}

/** What an exported image says around the chart, so it stands alone on the meeting's wall. */
export interface ExportCaption {
	title: string;
	territory: string;
	/** When the image was made, in French (Europe/Paris). */
	date: string;
	/** The filters in force, in French (« Commune : … »); empty when none. */
	filters: string[];
	legend: LegendItem[];
	/** Zones drawn without their name, for want of room: named in the legend instead. */
	unlabelled: string[];
}

export interface FrameText {
	x: number;
	y: number;
	text: string;
	size: number;
	bold: boolean;
}

export interface ExportFrame {
	width: number;
	height: number;
	/** Where the chart starts, below the header. */
	chartY: number;
	texts: FrameText[];
	swatches: { x: number; y: number; item: LegendItem }[];
}

const FRAME = { pad: 16, legendColumn: 440, swatch: 22 };
const UNLABELLED_SHOWN = 60;

/** Header (title, territory, date, filters) above the chart and legend below, all inside the image. */
export function exportFrame(
	chart: { width: number; height: number },
	caption: ExportCaption
): ExportFrame {
	const width = chart.width;
	const chars = (size: number) => Math.floor((width - 2 * FRAME.pad) / (size * 0.6));
	const texts: FrameText[] = [];
	let y = FRAME.pad;
	const line = (text: string, size: number, bold = false) => {
		for (const part of wrapWords(text, chars(size))) {
			y += size + 6;
			texts.push({ x: FRAME.pad, y, text: part, size, bold });
		}
	};
	line(caption.title, 20, true);
	line(`Territoire : ${caption.territory} — état au ${caption.date}`, 14);
	line(
		caption.filters.length > 0
			? `Filtres : ${caption.filters.join(' ; ')}`
			: 'Filtres : aucun (tout le territoire)',
		13
	);
	const chartY = y + 8;

	y = chartY + chart.height + 8;
	line('Légende', 14, true);
	const columns = Math.max(1, Math.floor((width - 2 * FRAME.pad) / FRAME.legendColumn));
	const swatches: ExportFrame['swatches'] = [];
	const room = Math.floor((FRAME.legendColumn - FRAME.swatch - 16) / (12 * 0.6));
	for (let first = 0; first < caption.legend.length; first += columns) {
		const row = caption.legend.slice(first, first + columns).map((item) => ({
			item,
			lines: wrapWords(item.label, room)
		}));
		const top = y;
		row.forEach(({ item, lines }, column) => {
			const x = FRAME.pad + column * FRAME.legendColumn;
			swatches.push({ x, y: top + 6, item });
			lines.forEach((text, i) =>
				texts.push({ x: x + FRAME.swatch + 8, y: top + 18 + i * 15, text, size: 12, bold: false })
			);
		});
		y = top + 8 + Math.max(...row.map((r) => r.lines.length)) * 15;
	}
	y += 6;
	if (caption.unlabelled.length > 0) {
		const shown = caption.unlabelled.slice(0, UNLABELLED_SHOWN);
		const more = caption.unlabelled.length - shown.length;
		line(
			`Zones sans nom sur la figure, faute de place : ${shown.join(', ')}${more > 0 ? ` et ${more} autre(s)` : ''}.`,
			12
		);
	}
	line('Source : Bon Tiers — données déclarées par les structures du territoire.', 11);
	return { width, height: Math.ceil(y + FRAME.pad), chartY, texts, swatches };
}
