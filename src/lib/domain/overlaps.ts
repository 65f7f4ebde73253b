import { levelsBetween } from './taxonomy';
import type { CoverageStructure } from './coverage';

/**
 * Pairs of structures that claim the same situations in the same places: they share cells of
 * the plane (problem × level) and communes. The shared "surface" — cells × communes — sizes the
 * overlap, so the pilots see first the pairs worth a word in concertation.
 */
export interface OverlapPair {
	a: string;
	b: string;
	cells: string[];
	places: string[];
	surface: number;
}

function cellsOf(s: CoverageStructure): Set<string> {
	const levels = levelsBetween(s.levelMin, s.levelMax);
	return new Set(s.problems.flatMap((p) => levels.map((l) => `${p}|${l}`)));
}

export function overlapPairs(structures: readonly CoverageStructure[]): OverlapPair[] {
	const cells = structures.map(cellsOf);
	const places = structures.map((s) => new Set(s.places));
	const pairs: OverlapPair[] = [];
	for (let i = 0; i < structures.length; i++) {
		for (let j = i + 1; j < structures.length; j++) {
			const sharedCells = [...(cells[i] as Set<string>)].filter((c) => cells[j]?.has(c));
			if (sharedCells.length === 0) continue;
			const sharedPlaces = [...(places[i] as Set<string>)].filter((p) => places[j]?.has(p));
			if (sharedPlaces.length === 0) continue;
			const [a, b] = [structures[i]?.id as string, structures[j]?.id as string].sort();
			pairs.push({
				a: a as string,
				b: b as string,
				cells: sharedCells.sort(),
				places: sharedPlaces.sort(),
				surface: sharedCells.length * sharedPlaces.length
			});
		}
	}
	return pairs.sort(
		(x, y) => y.surface - x.surface || x.a.localeCompare(y.a) || x.b.localeCompare(y.b)
	);
}

/** Aggregates only: a count under this threshold is not shown (it could point at a person). */
export const SMALL_COUNT = 5;

export function suppressed(count: number): number | null {
	return count < SMALL_COUNT ? null : count;
}
