import type { RemitCore } from './remit';
import {
	LEVEL_CODES,
	PROBLEM_CODES,
	levelInRange,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

/**
 * The coverage grid of a territory (contract §3, figure 1 of the core study): for every
 * (problem, level) cell, the structures that take that problem at that level and cover at least
 * part of the territory — or the chosen commune — and accept the chosen public. A cell is a
 * `gap` (nobody: orphan situations), `single` or an `overlap` (two or more). One pure function,
 * used by the API and by the chart.
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
	kinds?: readonly KindCode[];
	coordinationOnly?: boolean;
}

export type CellStatus = 'gap' | 'single' | 'overlap';

export interface CoverageCell {
	problem: ProblemCode;
	level: LevelCode;
	structures: string[];
	status: CellStatus;
}

export function cellStatus(count: number): CellStatus {
	return count === 0 ? 'gap' : count === 1 ? 'single' : 'overlap';
}

/** Whether the structure counts under the filter (area, public, kind, role). */
export function counts(s: CoverageStructure, filter: CoverageFilter): boolean {
	if (filter.places) {
		const wanted = new Set(filter.places);
		if (!s.places.some((p) => wanted.has(p))) return false;
	}
	if (filter.age !== undefined) {
		if (s.ageMin !== null && filter.age < s.ageMin) return false;
		if (s.ageMax !== null && filter.age > s.ageMax) return false;
	}
	if (filter.apa !== undefined) {
		if (s.apa === 'required' && !filter.apa) return false;
		if (s.apa === 'excluded' && filter.apa) return false;
	}
	if (filter.kinds && filter.kinds.length > 0 && !filter.kinds.includes(s.kind)) return false;
	if (filter.coordinationOnly && !s.coordination) return false;
	return true;
}

/** Every cell, problems in the contract's order, levels from information to complexe. */
export function coverageGrid(
	structures: readonly CoverageStructure[],
	filter: CoverageFilter = {}
): CoverageCell[] {
	const counted = structures.filter((s) => counts(s, filter));
	const cells: CoverageCell[] = [];
	for (const problem of PROBLEM_CODES) {
		for (const level of LEVEL_CODES) {
			const ids = counted
				.filter((s) => s.problems.includes(problem) && levelInRange(level, s.levelMin, s.levelMax))
				.map((s) => s.id)
				.sort();
			cells.push({ problem, level, structures: ids, status: cellStatus(ids.length) });
		}
	}
	return cells;
}

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

/**
 * The same coverage, per place, for one (problem, level) cell: how many counted structures take
 * that problem at that level and cover each place — 0 is a gap there, 2 or more an overlap.
 */
export function cellCountsByPlace(
	structures: readonly CoverageStructure[],
	problem: ProblemCode,
	level: LevelCode,
	places: readonly string[],
	filter: Omit<CoverageFilter, 'places'> = {}
): Map<string, string[]> {
	const byPlace = new Map<string, string[]>(places.map((p) => [p, []]));
	for (const s of structures) {
		if (!counts(s, filter)) continue;
		if (!s.problems.includes(problem) || !levelInRange(level, s.levelMin, s.levelMax)) continue;
		for (const place of s.places) byPlace.get(place)?.push(s.id);
	}
	return byPlace;
}
