import type { RemitCore } from './remit';
import { ruleAccepts } from './public';
import {
	LEVEL_CODES,
	PROBLEM_CODES,
	levelInRange,
	levelRank,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

/**
 * The coverage grid of a territory (contract §3, figure 1 of the core study): for every
 * (problem, level) cell, the structures that take that problem at that level and cover at least
 * part of the territory — or the chosen commune — and accept the chosen public. A cell is a
 * `gap` (nobody: orphan situations), `single` or an `overlap`.
 *
 * One definition of overlap, read by the grid (API and chart), the map and the pilot's desk:
 * two structures overlap when they take a same cell **for a same commune and a same person** —
 * they share a commune and their publics (age range, APA, handicap) intersect. Two antennas that
 * split the communes between them, or a service for 20–60 beside one for 60 and over, take the
 * same cell without overlapping: the cell is `single` (each situation has one answer).
 */

export interface CoverageStructure extends RemitCore {
	/** The places (communes, arrondissements) it covers among those considered. */
	places: readonly string[];
}

export interface CoverageFilter {
	/** Only structures covering at least one of these places count (the territory, or a commune). */
	places?: readonly string[];
	/** A person of this age must be accepted. */
	age?: number;
	/** A person with (true) or without (false) the APA must be accepted. */
	apa?: boolean;
	/** A person with (true) or without (false) a recognised disability must be accepted. */
	handicap?: boolean;
	kinds?: readonly KindCode[];
	coordinationOnly?: boolean;
}

export type CellStatus = 'gap' | 'single' | 'overlap';

/** A cell as the contract gives it (API `GET /territories/{id}/coverage`). */
export interface CoverageCell {
	problem: ProblemCode;
	level: LevelCode;
	/** Every counted structure that takes the cell, sorted by id. */
	structures: string[];
	status: CellStatus;
}

/** A cell with where it is a gap or an overlap, for the pages (added fields only). */
export interface CoverageCellDetail extends CoverageCell {
	/** Places where two structures of the cell overlap (same commune, publics intersecting). */
	overlapPlaces: string[];
	/** Places considered where no structure takes the cell — only when a places list is given. */
	gapPlaces?: string[];
}

/* ---------------------------------- Publics ---------------------------------- */

/** Who a structure takes: the part of its remit the contract calls its public. */
export type Public = Pick<RemitCore, 'ageMin' | 'ageMax' | 'apa' | 'handicap'>;

type Rule = 'any' | 'required' | 'excluded';

/** Two rules of the same kind (APA, handicap) meet unless one requires what the other excludes. */
function rulesMeet(a: Rule | undefined, b: Rule | undefined): boolean {
	const x = a ?? 'any';
	const y = b ?? 'any';
	return x === 'any' || y === 'any' || x === y;
}

/**
 * Whether some person belongs to both publics: the age ranges [ageMin, ageMax] (inclusive, null
 * open) intersect — 20–60 and 60+ meet at 60, 20–59 and 60+ never —, and neither the APA rules
 * nor the handicap rules oppose `required` to `excluded` (`any` meets both).
 */
export function publicsIntersect(a: Public, b: Public): boolean {
	const from = Math.max(a.ageMin ?? -Infinity, b.ageMin ?? -Infinity);
	const to = Math.min(a.ageMax ?? Infinity, b.ageMax ?? Infinity);
	return from <= to && rulesMeet(a.apa, b.apa) && rulesMeet(a.handicap, b.handicap);
}

/** Whether the two take at least one same (problem, level) cell. */
export function shareCell(
	a: Pick<RemitCore, 'problems' | 'levelMin' | 'levelMax'>,
	b: Pick<RemitCore, 'problems' | 'levelMin' | 'levelMax'>
): boolean {
	const from = Math.max(levelRank(a.levelMin), levelRank(b.levelMin));
	const to = Math.min(levelRank(a.levelMax), levelRank(b.levelMax));
	return from <= to && a.problems.some((p) => b.problems.includes(p));
}

/** The communes both cover (among `places`, when given), sorted. */
export function sharedPlaces(
	a: Pick<CoverageStructure, 'places'>,
	b: Pick<CoverageStructure, 'places'>,
	places?: readonly string[]
): string[] {
	const other = new Set(b.places);
	const considered = places ? new Set(places) : null;
	return [...new Set(a.places)]
		.filter((p) => other.has(p) && (!considered || considered.has(p)))
		.sort();
}

/**
 * The one definition of an overlap: the two take a same cell, cover a same commune (among the
 * places considered, when given) and their publics intersect.
 */
export function overlapsFor(
	a: CoverageStructure,
	b: CoverageStructure,
	places?: readonly string[]
): boolean {
	return shareCell(a, b) && publicsIntersect(a, b) && sharedPlaces(a, b, places).length > 0;
}

/*
 * Fast form of the same test, for many structures at once. A public is a class — its APA rule ×
 * its handicap rule, 9 classes, each meeting a fixed set of classes — and an age interval.
 */
const RULE_INDEX: Record<Rule, number> = { any: 0, required: 1, excluded: 2 };
const RULES: Rule[] = ['any', 'required', 'excluded'];
/** Classes meeting each class (APA index × 3 + handicap index). */
const MEETING: number[][] = Array.from({ length: 9 }, (_, c) =>
	Array.from({ length: 9 }, (_, d) => d).filter(
		(d) =>
			rulesMeet(RULES[Math.floor(c / 3)], RULES[Math.floor(d / 3)]) &&
			rulesMeet(RULES[c % 3], RULES[d % 3])
	)
);
/** The same as a 9 × 9 table. */
const MEETS = Uint8Array.from({ length: 81 }, (_, x) =>
	(MEETING[Math.floor(x / 9)] as number[]).includes(x % 9) ? 1 : 0
);

/** Publics as columns: lower and upper age (±Infinity when open) and class, by index. */
export interface PublicColumns {
	lo: Float64Array;
	hi: Float64Array;
	cls: Uint8Array;
}

export function publicColumns(publics: readonly Public[]): PublicColumns {
	const n = publics.length;
	const out = { lo: new Float64Array(n), hi: new Float64Array(n), cls: new Uint8Array(n) };
	publics.forEach((p, k) => {
		out.lo[k] = p.ageMin ?? -Infinity;
		out.hi[k] = p.ageMax ?? Infinity;
		out.cls[k] = RULE_INDEX[p.apa ?? 'any'] * 3 + RULE_INDEX[p.handicap ?? 'any'];
	});
	return out;
}

/** publicsIntersect, on columns. */
export function columnsIntersect(c: PublicColumns, i: number, j: number): boolean {
	return (
		Math.max(c.lo[i] as number, c.lo[j] as number) <=
			Math.min(c.hi[i] as number, c.hi[j] as number) &&
		MEETS[(c.cls[i] as number) * 9 + (c.cls[j] as number)] === 1
	);
}

const reach = new Float64Array(9);

/**
 * Whether two of the publics `indices` point at intersect. A sweep by lower age: an earlier
 * public meets the current one when its class meets the current class and its upper age reaches
 * the current lower age — O(k log k), whatever the number of mutually disjoint publics.
 */
export function someIntersect(c: PublicColumns, indices: readonly number[]): boolean {
	const k = indices.length;
	if (k < 2) return false;
	if (k === 2) return columnsIntersect(c, indices[0] as number, indices[1] as number);
	const order = indices
		.filter((i) => (c.lo[i] as number) <= (c.hi[i] as number))
		.sort((i, j) => (c.lo[i] as number) - (c.lo[j] as number) || i - j);
	// NaN: no public of that class seen yet (NaN >= x is false).
	reach.fill(Number.NaN);
	for (const i of order) {
		const from = c.lo[i] as number;
		const cls = c.cls[i] as number;
		for (const d of MEETING[cls] as number[]) if ((reach[d] as number) >= from) return true;
		const to = c.hi[i] as number;
		if (!(to <= (reach[cls] as number))) reach[cls] = to;
	}
	return false;
}

/* ---------------------------------- The grid ---------------------------------- */

/** The grid status from the cell's structures and whether two of them overlap. */
export function cellStatus(count: number, overlap: boolean): CellStatus {
	return count === 0 ? 'gap' : overlap && count >= 2 ? 'overlap' : 'single';
}

/** The test `counts` applies, compiled once for many structures (the places as a set). */
export function counter(filter: CoverageFilter): (s: CoverageStructure) => boolean {
	const wanted = filter.places ? new Set(filter.places) : null;
	const kinds = filter.kinds && filter.kinds.length > 0 ? new Set(filter.kinds) : null;
	return (s) => {
		if (wanted && !s.places.some((p) => wanted.has(p))) return false;
		if (filter.age !== undefined) {
			if (s.ageMin !== null && filter.age < s.ageMin) return false;
			if (s.ageMax !== null && filter.age > s.ageMax) return false;
		}
		if (ruleAccepts(s.apa, filter.apa) === false) return false;
		if (ruleAccepts(s.handicap, filter.handicap) === false) return false;
		if (kinds && !kinds.has(s.kind)) return false;
		if (filter.coordinationOnly && !s.coordination) return false;
		return true;
	};
}

/** Whether the structure counts under the filter (area, public, kind, role). */
export function counts(s: CoverageStructure, filter: CoverageFilter): boolean {
	return counter(filter)(s);
}

/** The 64 cells, problems in the contract's order, levels from information to complexe. */
const CELLS = PROBLEM_CODES.flatMap((problem) => LEVEL_CODES.map((level) => ({ problem, level })));

/** The structures, ready for per-place work: their places as indices, their publics as columns. */
interface Prepared {
	codes: string[];
	placesOf: number[][];
	publics: PublicColumns;
}

function prepare(
	list: readonly CoverageStructure[],
	considered: ReadonlySet<string> | null
): Prepared {
	const index = new Map<string, number>();
	const codes: string[] = [];
	const placesOf = list.map((s) => {
		const own: number[] = [];
		for (const code of s.places) {
			if (considered && !considered.has(code)) continue;
			let i = index.get(code);
			if (i === undefined) {
				i = codes.length;
				index.set(code, i);
				codes.push(code);
			}
			if (!own.includes(i)) own.push(i);
		}
		return own;
	});
	return { codes, placesOf, publics: publicColumns(list) };
}

/**
 * The places of some structures (indices into `prepared`), each with the structures there, and
 * whether two of those overlap there. Buckets are reused between calls.
 */
function byPlace(
	prepared: Prepared,
	members: readonly number[],
	buckets: number[][]
): { place: number; members: number[]; overlap: boolean }[] {
	const touched: number[] = [];
	for (const k of members) {
		for (const p of prepared.placesOf[k] as number[]) {
			const bucket = buckets[p];
			if (bucket === undefined || bucket.length === 0) {
				touched.push(p);
				buckets[p] = [k];
			} else bucket.push(k);
		}
	}
	const out = touched.map((place) => {
		const here = buckets[place] as number[];
		buckets[place] = [];
		return { place, members: here, overlap: someIntersect(prepared.publics, here) };
	});
	return out;
}

/** A remit's cells as two 32-bit words: bit `problem index × 4 + level rank`, as CELLS. */
export function cellMask(
	s: Pick<RemitCore, 'problems' | 'levelMin' | 'levelMax'>
): [number, number] {
	let lo = 0;
	let hi = 0;
	const from = Math.max(0, levelRank(s.levelMin));
	const to = levelRank(s.levelMax);
	for (const problem of s.problems) {
		const column = PROBLEM_CODES.indexOf(problem);
		if (column < 0) continue;
		for (let level = from; level <= to; level++) {
			const bit = column * LEVEL_CODES.length + level;
			if (bit < 32) lo |= 1 << bit;
			else hi |= 1 << (bit - 32);
		}
	}
	return [lo >>> 0, hi >>> 0];
}

const hasBit = (lo: number, hi: number, bit: number) =>
	(bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1) === 1;

/**
 * Every cell, problems in the contract's order, levels from information to complexe. A cell's
 * structures are every counted structure that takes it; it is an `overlap` when two of them
 * overlap (a same commune among those considered, publics intersecting), a `single` when it has
 * structures but no overlap, a `gap` when it has none.
 *
 * Grouped by place, all cells at once: at each place, the structures there are folded by public
 * (identical publics — most of them — share a group) into the cells taken once and twice in each
 * group, as bits; a place's overlapping cells are those taken twice within a group, or once in
 * each of two groups whose publics intersect. The work is the structures' places (each folded in
 * a few bit operations) plus, per place, the pairs of distinct publics found there — never the
 * pairs of structures.
 */
export function coverageGrid(
	structures: readonly CoverageStructure[],
	filter: CoverageFilter = {}
): CoverageCellDetail[] {
	const keep = counter(filter);
	const counted = structures.filter(keep);
	const considered = filter.places ? [...new Set(filter.places)].sort() : null;
	const consideredSet = considered ? new Set(considered) : null;
	const n = counted.length;
	const lo = new Uint32Array(n);
	const hi = new Uint32Array(n);
	const members: string[][] = CELLS.map(() => []);
	counted.forEach((s, k) => {
		const [a, b] = cellMask(s);
		lo[k] = a;
		hi[k] = b;
		for (let bit = 0; bit < CELLS.length; bit++) {
			if (hasBit(a, b, bit)) members[bit]?.push(s.id);
		}
	});

	// Identical publics, one group.
	const publics = publicColumns(counted);
	const groupOf = new Int32Array(n);
	const representative: number[] = [];
	const groups = new Map<string, number>();
	for (let k = 0; k < n; k++) {
		const key = `${publics.lo[k]}|${publics.hi[k]}|${publics.cls[k]}`;
		let g = groups.get(key);
		if (g === undefined) {
			g = representative.length;
			groups.set(key, g);
			representative.push(k);
		}
		groupOf[k] = g;
	}
	const nonEmpty = representative.map(
		(k) => (publics.lo[k] as number) <= (publics.hi[k] as number)
	);

	// Places (among those considered) → the structures there.
	const placeIndex = new Map<string, number>();
	const codes: string[] = [];
	const atPlace: number[][] = [];
	counted.forEach((s, k) => {
		for (const code of s.places) {
			if (consideredSet && !consideredSet.has(code)) continue;
			let p = placeIndex.get(code);
			if (p === undefined) {
				p = codes.length;
				placeIndex.set(code, p);
				codes.push(code);
				atPlace.push([]);
			}
			const here = atPlace[p] as number[];
			if (here[here.length - 1] !== k) here.push(k);
		}
	});

	// Per place: the cells taken there, and those where two structures overlap.
	const places = codes.length;
	const coverLo = new Uint32Array(places);
	const coverHi = new Uint32Array(places);
	const overLo = new Uint32Array(places);
	const overHi = new Uint32Array(places);
	const g0 = representative.length;
	const stamp = new Int32Array(g0).fill(-1);
	const onceLo = new Uint32Array(g0);
	const onceHi = new Uint32Array(g0);
	const twiceLo = new Uint32Array(g0);
	const twiceHi = new Uint32Array(g0);
	for (let p = 0; p < places; p++) {
		const touched: number[] = [];
		for (const k of atPlace[p] as number[]) {
			const g = groupOf[k] as number;
			if (stamp[g] !== p) {
				stamp[g] = p;
				onceLo[g] = onceHi[g] = twiceLo[g] = twiceHi[g] = 0;
				touched.push(g);
			}
			twiceLo[g] = (twiceLo[g] as number) | ((onceLo[g] as number) & (lo[k] as number));
			twiceHi[g] = (twiceHi[g] as number) | ((onceHi[g] as number) & (hi[k] as number));
			onceLo[g] = (onceLo[g] as number) | (lo[k] as number);
			onceHi[g] = (onceHi[g] as number) | (hi[k] as number);
		}
		let cl = 0;
		let ch = 0;
		let ol = 0;
		let oh = 0;
		for (let x = 0; x < touched.length; x++) {
			const g = touched[x] as number;
			const gl = onceLo[g] as number;
			const gh = onceHi[g] as number;
			cl |= gl;
			ch |= gh;
			if (!nonEmpty[g]) continue;
			ol |= twiceLo[g] as number;
			oh |= twiceHi[g] as number;
			for (let y = 0; y < x; y++) {
				const h = touched[y] as number;
				const sl = gl & (onceLo[h] as number);
				const sh = gh & (onceHi[h] as number);
				// Nothing they share is new: no need to compare their publics.
				if (((sl & ~ol) | (sh & ~oh)) === 0) continue;
				if (columnsIntersect(publics, representative[g] as number, representative[h] as number)) {
					ol |= sl;
					oh |= sh;
				}
			}
		}
		coverLo[p] = cl;
		coverHi[p] = ch;
		overLo[p] = ol;
		overHi[p] = oh;
	}

	const sortedPlaces = codes
		.map((_, p) => p)
		.sort((x, y) => ((codes[x] as string) < (codes[y] as string) ? -1 : 1));
	return CELLS.map(({ problem, level }, bit) => {
		// A structure split by agreed rules (applyNeverRules) may appear twice: listed once.
		const ids = [...new Set(members[bit] as string[])].sort();
		const overlapPlaces: string[] = [];
		for (const p of sortedPlaces) {
			if (hasBit(overLo[p] as number, overHi[p] as number, bit))
				overlapPlaces.push(codes[p] as string);
		}
		const cell: CoverageCellDetail = {
			problem,
			level,
			structures: ids,
			status: cellStatus(ids.length, overlapPlaces.length > 0),
			overlapPlaces
		};
		if (considered) {
			cell.gapPlaces = considered.filter((code) => {
				const p = placeIndex.get(code);
				return p === undefined || !hasBit(coverLo[p] as number, coverHi[p] as number, bit);
			});
		}
		return cell;
	});
}

/**
 * A cell's status in French, for exports people read (contract §8: French labels; the API keeps
 * the codes). « pris » rather than « simple »: the word the concertation meetings use.
 */
export const CELL_STATUS_LABELS: Record<CellStatus, string> = {
	gap: 'trou',
	single: 'pris',
	overlap: 'chevauchement'
};

/** Counts of cells by status, for summaries and legends. */
export function summarize(cells: readonly CoverageCell[]): Record<CellStatus, number> {
	const out: Record<CellStatus, number> = { gap: 0, single: 0, overlap: 0 };
	for (const cell of cells) out[cell.status]++;
	return out;
}

/**
 * A structure's remit as rectangles of the plane: one per run of contiguous problems on the
 * horizontal axis, spanning its level range. A remit such as `droits` + `medical` with nothing
 * between gives two rectangles, drawn truthfully apart.
 */
export function remitRuns(problems: readonly ProblemCode[]): { from: number; to: number }[] {
	const positions = [...new Set(problems.map((p) => PROBLEM_CODES.indexOf(p)))]
		.filter((i) => i >= 0)
		.sort((a, b) => a - b);
	const runs: { from: number; to: number }[] = [];
	for (const position of positions) {
		const last = runs.at(-1);
		if (last && position === last.to + 1) last.to = position;
		else runs.push({ from: position, to: position });
	}
	return runs;
}

/* ---------------------------------- Per place (the map) ---------------------------------- */

/** One place, for one cell: the structures taking the cell there, and whether two overlap. */
export interface PlaceCoverage {
	structures: string[];
	overlap: boolean;
}

/** The status of a place for a cell: the grid's status, had the grid only that place. */
export function placeStatus(place: PlaceCoverage): CellStatus {
	return cellStatus(place.structures.length, place.overlap);
}

/**
 * The same coverage, per place, for one (problem, level) cell: the counted structures that take
 * that problem at that level and cover each place (in the order given), and whether two of them
 * overlap there (publics intersecting) — none is a gap there. The grid restricted to one place
 * gives the same structures and status (placeStatus).
 */
export function placeCoverage(
	structures: readonly CoverageStructure[],
	problem: ProblemCode,
	level: LevelCode,
	places: readonly string[],
	filter: Omit<CoverageFilter, 'places'> = {}
): Map<string, PlaceCoverage> {
	const keep = counter(filter);
	const taking = structures.filter(
		(s) => s.problems.includes(problem) && levelInRange(level, s.levelMin, s.levelMax) && keep(s)
	);
	const prepared = prepare(taking, new Set(places));
	const found = new Map(
		byPlace(
			prepared,
			taking.map((_, k) => k),
			[]
		).map((p) => [prepared.codes[p.place] as string, p])
	);
	return new Map(
		places.map((code) => {
			const here = found.get(code);
			return [
				code,
				{
					structures: here
						? [...here.members]
								.sort((i, j) => i - j)
								.map((k) => (taking[k] as CoverageStructure).id)
						: [],
					overlap: here?.overlap ?? false
				}
			];
		})
	);
}

/** The structures of placeCoverage alone, per place. */
export function cellCountsByPlace(
	structures: readonly CoverageStructure[],
	problem: ProblemCode,
	level: LevelCode,
	places: readonly string[],
	filter: Omit<CoverageFilter, 'places'> = {}
): Map<string, string[]> {
	const coverage = placeCoverage(structures, problem, level, places, filter);
	return new Map([...coverage].map(([code, p]) => [code, p.structures]));
}
