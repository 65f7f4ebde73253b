import {
	cellMask,
	coverageGrid,
	counter,
	type CellStatus,
	type CoverageStructure
} from './coverage';
import {
	LEVEL_CODES,
	PROBLEM_CODES,
	levelsBetween,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

/**
 * What-if scenarios for the concertation meeting (contract §3, `POST …/simulations`): a pilot
 * closes structures, changes remits (problems, levels, coverage) or adds new ones, and sees which
 * cells and communes become gaps or overlaps, and how many of the territory's recorded
 * orientations would have found no one. Everything here runs on the very coverage code the real
 * grid uses (coverageGrid): a scenario only changes the structures handed to it.
 */

/** One structure's remit, changed: the fields given replace the structure's own. */
export interface RemitChange {
	id: string;
	problems?: readonly ProblemCode[];
	levelMin?: LevelCode;
	levelMax?: LevelCode;
	/** The places it would cover (codes already expanded to communes and arrondissements). */
	places?: readonly string[];
}

export interface Scenario {
	close: readonly string[];
	remits: readonly RemitChange[];
	add: readonly CoverageStructure[];
}

export const EMPTY_SCENARIO: Scenario = { close: [], remits: [], add: [] };

export function isEmptyScenario(s: Scenario): boolean {
	return s.close.length === 0 && s.remits.length === 0 && s.add.length === 0;
}

/** The structures as the scenario would have them: closed ones gone, remits replaced, new ones added. */
export function applyScenario(
	structures: readonly CoverageStructure[],
	scenario: Scenario
): CoverageStructure[] {
	const closed = new Set(scenario.close);
	const changes = new Map(scenario.remits.map((r) => [r.id, r]));
	const out: CoverageStructure[] = [];
	for (const s of structures) {
		if (closed.has(s.id)) continue;
		const change = changes.get(s.id);
		if (!change) {
			out.push(s);
			continue;
		}
		out.push({
			...s,
			problems: change.problems ?? s.problems,
			levelMin: change.levelMin ?? s.levelMin,
			levelMax: change.levelMax ?? s.levelMax,
			places: change.places ?? s.places
		});
	}
	return [...out, ...scenario.add];
}

/**
 * A territory rule « ne jamais orienter » (contract: rules agreed in concertation): the structure
 * is never proposed for that problem, level and commune — each, when null, meaning all.
 */
export interface NeverRule {
	structureId: string;
	problem: ProblemCode | null;
	level: LevelCode | null;
	commune: string | null;
}

/**
 * The structures as the agreed « never » rules leave them: what a structure is never sent for is
 * not something it takes, so the grid shows it as the orientation engine acts. A rule that removes
 * part of a remit splits the structure into pieces under the same id — the remit's rectangle less
 * the rule's problem or level, and, for a rule on one commune, the rest of its places unchanged.
 * Pieces of one structure take disjoint cells at a same place, so they never overlap each other.
 */
export function applyNeverRules(
	structures: readonly CoverageStructure[],
	rules: readonly NeverRule[]
): CoverageStructure[] {
	if (rules.length === 0) return [...structures];
	const byStructure = new Map<string, NeverRule[]>();
	for (const r of rules) {
		const list = byStructure.get(r.structureId) ?? [];
		list.push(r);
		byStructure.set(r.structureId, list);
	}
	const out: CoverageStructure[] = [];
	for (const s of structures) {
		const own = byStructure.get(s.id);
		if (!own) {
			out.push(s);
			continue;
		}
		// Per place, the cells the rules remove there (everywhere, or at their commune).
		const removedAt = (place: string) =>
			own.filter((r) => r.commune === null || r.commune === place);
		const groups = new Map<string, { places: string[]; rules: NeverRule[] }>();
		for (const place of s.places) {
			const applying = removedAt(place);
			const key = applying.map((r) => `${r.problem}|${r.level}|${r.commune}`).join(';');
			const group = groups.get(key) ?? { places: [], rules: applying };
			group.places.push(place);
			groups.set(key, group);
		}
		for (const { places, rules: applying } of groups.values()) {
			out.push(...remitPieces({ ...s, places }, applying));
		}
	}
	return out;
}

/** A structure less the cells some rules remove, as rectangles of problems × a level range. */
function remitPieces(s: CoverageStructure, rules: readonly NeverRule[]): CoverageStructure[] {
	if (rules.length === 0) return [s];
	const levels = levelsBetween(s.levelMin, s.levelMax);
	// The levels each problem keeps.
	const kept = new Map<ProblemCode, LevelCode[]>();
	for (const problem of s.problems) {
		kept.set(
			problem,
			levels.filter(
				(level) =>
					!rules.some(
						(r) =>
							(r.problem === null || r.problem === problem) &&
							(r.level === null || r.level === level)
					)
			)
		);
	}
	// Problems keeping the same levels share a piece; each piece's levels as contiguous runs.
	const byLevels = new Map<string, ProblemCode[]>();
	for (const [problem, ls] of kept) {
		if (ls.length === 0) continue;
		const key = ls.join(',');
		byLevels.set(key, [...(byLevels.get(key) ?? []), problem]);
	}
	const pieces: CoverageStructure[] = [];
	for (const [key, problems] of byLevels) {
		const ranks = key.split(',').map((l) => LEVEL_CODES.indexOf(l as LevelCode));
		let start = 0;
		for (let i = 1; i <= ranks.length; i++) {
			if (i === ranks.length || (ranks[i] as number) !== (ranks[i - 1] as number) + 1) {
				pieces.push({
					...s,
					problems,
					levelMin: LEVEL_CODES[ranks[start] as number] as LevelCode,
					levelMax: LEVEL_CODES[ranks[i - 1] as number] as LevelCode
				});
				start = i;
			}
		}
	}
	return pieces;
}

/** Recorded orientations with the same situation, counted once (what the replay needs of them). */
export interface OrientationGroup {
	problem: ProblemCode;
	level: LevelCode;
	commune: string;
	age: number | null;
	apa: boolean | null;
	handicap: boolean | null;
	count: number;
}

/**
 * The ages at which some structure's public starts or stops (its minimum, the year after its
 * maximum), sorted, each once, with 0 first. Two ages between the same consecutive thresholds are
 * accepted by exactly the same structures, so the replay can count orientations by age class
 * instead of by age: the service groups them with `width_bucket` on these thresholds, which folds
 * 100 000 orientations into a few thousand situations without changing any answer.
 */
export function ageThresholds(...lists: readonly (readonly CoverageStructure[])[]): number[] {
	const cuts = new Set<number>([0]);
	for (const list of lists) {
		for (const s of list) {
			if (s.ageMin !== null) cuts.add(s.ageMin);
			if (s.ageMax !== null) cuts.add(s.ageMax + 1);
		}
	}
	return [...cuts].sort((a, b) => a - b);
}

/**
 * How many of the orientations would find no structure: none takes their dominant problem at
 * their level, covers their commune and accepts the person (age, APA, handicap — unknown accepted,
 * as the grid's filter does). The grid's own test (`counter`) decides, per group of identical
 * situations, among the structures taking the group's cell only.
 */
export function orphanCount(
	structures: readonly CoverageStructure[],
	groups: readonly OrientationGroup[]
): number {
	const byCell: { s: CoverageStructure; places: Set<string> }[][] = Array.from(
		{ length: PROBLEM_CODES.length * LEVEL_CODES.length },
		() => []
	);
	for (const s of structures) {
		const [lo, hi] = cellMask(s);
		const places = new Set(s.places);
		for (let bit = 0; bit < byCell.length; bit++) {
			const on = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
			if (on) byCell[bit]?.push({ s, places });
		}
	}
	let orphans = 0;
	for (const g of groups) {
		const bit =
			PROBLEM_CODES.indexOf(g.problem) * LEVEL_CODES.length + LEVEL_CODES.indexOf(g.level);
		const accepts = counter({
			age: g.age ?? undefined,
			apa: g.apa ?? undefined,
			handicap: g.handicap ?? undefined
		});
		const found = (byCell[bit] ?? []).some(({ s, places }) => places.has(g.commune) && accepts(s));
		if (!found) orphans += g.count;
	}
	return orphans;
}

export interface SimulatedCell {
	problem: ProblemCode;
	level: LevelCode;
	before: CellStatus;
	after: CellStatus;
	/** Structures taking the cell, before and after (ids, sorted, each once). */
	structuresBefore: string[];
	structuresAfter: string[];
	/** Places where the cell becomes a gap, and where it becomes an overlap. */
	newGapPlaces: string[];
	newOverlapPlaces: string[];
}

export interface SimulatedCommune {
	code: string;
	/** Cells without any structure at that place. */
	gapsBefore: number;
	gapsAfter: number;
	overlapsBefore: number;
	overlapsAfter: number;
}

export interface Simulation {
	cells: SimulatedCell[];
	communes: SimulatedCommune[];
	orientations: { considered: number; orphanBefore: number; orphanAfter: number };
}

/**
 * The territory before and after the scenario: the grid (statuses per cell, on the territory's
 * places), per place the gap and overlap cells, and the recorded orientations replayed on both.
 * `structures` are the structures as they stand, agreed rules not applied: the rules apply to both
 * sides, after the scenario (a rule agreed stays agreed whatever the remit becomes).
 */
export function simulate(
	structures: readonly CoverageStructure[],
	places: readonly string[],
	scenario: Scenario,
	rules: readonly NeverRule[] = [],
	orientations: readonly OrientationGroup[] = []
): Simulation {
	const beforeStructures = applyNeverRules(structures, rules);
	const afterStructures = applyNeverRules(applyScenario(structures, scenario), rules);
	const before = coverageGrid(beforeStructures, { places });
	const after = coverageGrid(afterStructures, { places });
	const perPlace = new Map(
		places.map((code) => [
			code,
			{ code, gapsBefore: 0, gapsAfter: 0, overlapsBefore: 0, overlapsAfter: 0 }
		])
	);
	/** One more cell of this kind at each of these places. */
	const tally = (codes: readonly string[], field: keyof Omit<SimulatedCommune, 'code'>) => {
		for (const p of codes) {
			const entry = perPlace.get(p);
			if (entry) entry[field]++;
		}
	};
	const cells = before.map((b, i) => {
		const a = after[i] as (typeof after)[number];
		const gapsBefore = new Set(b.gapPlaces ?? []);
		const overBefore = new Set(b.overlapPlaces);
		tally(b.gapPlaces ?? [], 'gapsBefore');
		tally(a.gapPlaces ?? [], 'gapsAfter');
		tally(b.overlapPlaces, 'overlapsBefore');
		tally(a.overlapPlaces, 'overlapsAfter');
		return {
			problem: b.problem,
			level: b.level,
			before: b.status,
			after: a.status,
			// The grid lists each structure once, split by rules or not.
			structuresBefore: b.structures,
			structuresAfter: a.structures,
			newGapPlaces: (a.gapPlaces ?? []).filter((p) => !gapsBefore.has(p)),
			newOverlapPlaces: a.overlapPlaces.filter((p) => !overBefore.has(p))
		};
	});
	const inTerritory = new Set(places);
	const considered = orientations.filter((g) => inTerritory.has(g.commune));
	return {
		cells,
		communes: [...perPlace.values()],
		orientations: {
			considered: considered.reduce((n, g) => n + g.count, 0),
			orphanBefore: orphanCount(beforeStructures, considered),
			orphanAfter: orphanCount(afterStructures, considered)
		}
	};
}
