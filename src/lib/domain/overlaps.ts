import { LEVEL_CODES, PROBLEM_CODES } from './taxonomy';
import { cellMask, columnsIntersect, publicColumns, type CoverageStructure } from './coverage';

/**
 * Pairs of structures that claim the same situations in the same places for the same people —
 * the grid's definition of an overlap (coverage.ts, overlapsFor): they share cells of the plane
 * (problem × level) and communes, and their publics (age, APA, handicap) intersect. Two antennas
 * splitting the communes, or a service for 20–59 beside one for 60 and over, are no pair. The
 * shared "surface" — cells × communes both cover — sizes the overlap, so the pilots see first the
 * pairs worth a word in concertation.
 */
export interface OverlapPair {
	a: string;
	b: string;
	cells: string[];
	places: string[];
	surface: number;
}

/** The cells as `problem|level`, in the order of their bits in cellMask (coverage.ts). */
const CELL_CODES = PROBLEM_CODES.flatMap((p) => LEVEL_CODES.map((l) => `${p}|${l}`));

function popcount(x: number): number {
	let n = x - ((x >>> 1) & 0x55555555);
	n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
	return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Elements common to two sorted arrays of place indices. */
function sharedCount(x: Int32Array, y: Int32Array): number {
	let i = 0;
	let j = 0;
	let n = 0;
	while (i < x.length && j < y.length) {
		const a = x[i] as number;
		const b = y[j] as number;
		if (a === b) {
			n++;
			i++;
			j++;
		} else if (a < b) i++;
		else j++;
	}
	return n;
}

interface Candidate {
	i: number;
	j: number;
	a: string;
	b: string;
	surface: number;
}

/** Larger surface first, then by the two ids: the order the pilots' list is read in. */
function before(x: Candidate, y: Candidate): boolean {
	if (x.surface !== y.surface) return x.surface > y.surface;
	return (x.a.localeCompare(y.a) || x.b.localeCompare(y.b)) < 0;
}

/**
 * The `limit` largest overlaps, in that order. Bounded in memory by `limit` whatever the number
 * of structures: 5 000 structures on one commune make 12.5 million pairs, which are counted
 * (bitwise cells, publics as columns, sorted places) but never built; only the pairs kept get
 * their lists. A pair whose best possible surface cannot enter the list is skipped before its
 * places are compared.
 */
export function overlapPairs(
	structures: readonly CoverageStructure[],
	limit = Number.POSITIVE_INFINITY
): OverlapPair[] {
	const n = structures.length;
	const lo = new Uint32Array(n);
	const hi = new Uint32Array(n);
	const placeIndex = new Map<string, number>();
	const places: Int32Array[] = [];
	const byPlace: number[][] = [];
	const publics = publicColumns(structures);
	structures.forEach((s, k) => {
		[lo[k], hi[k]] = cellMask(s);
		const own = [...new Set(s.places)].map((code) => {
			let index = placeIndex.get(code);
			if (index === undefined) {
				index = placeIndex.size;
				placeIndex.set(code, index);
				byPlace.push([]);
			}
			byPlace[index]?.push(k);
			return index;
		});
		places.push(Int32Array.from(own).sort());
	});

	const kept: Candidate[] = [];
	const seen = new Int32Array(n).fill(-1);
	for (let i = 0; i < n; i++) {
		const pi = places[i] as Int32Array;
		const a0 = structures[i]?.id as string;
		// Only structures sharing a place with i can overlap it: walk those, once each.
		for (const place of pi) {
			for (const j of byPlace[place] as number[]) {
				if (j <= i || seen[j] === i) continue;
				seen[j] = i;
				const cells =
					popcount((lo[i] as number) & (lo[j] as number)) +
					popcount((hi[i] as number) & (hi[j] as number));
				if (cells === 0) continue;
				// Different people (ages, APA, handicap): each situation has one answer.
				if (!columnsIntersect(publics, i, j)) continue;
				const pj = places[j] as Int32Array;
				const worst = kept.length >= limit ? kept[kept.length - 1] : undefined;
				if (worst && cells * Math.min(pi.length, pj.length) < worst.surface) continue;
				const surface = cells * sharedCount(pi, pj);
				const b0 = structures[j]?.id as string;
				const [a, b] = a0 < b0 ? [a0, b0] : [b0, a0];
				const candidate = { i, j, a, b, surface };
				if (worst && !before(candidate, worst)) continue;
				// Sorted insertion: the list is short (the pilots read 30).
				let at = kept.length;
				while (at > 0 && before(candidate, kept[at - 1] as Candidate)) at--;
				kept.splice(at, 0, candidate);
				if (kept.length > limit) kept.pop();
			}
		}
	}

	const codes = [...placeIndex.keys()];
	return kept.map(({ i, j, a, b, surface }) => {
		const shared = (words: Uint32Array) => (words[i] as number) & (words[j] as number);
		const cells = CELL_CODES.filter((_, bit) =>
			bit < 32 ? (shared(lo) >>> bit) & 1 : (shared(hi) >>> (bit - 32)) & 1
		).sort();
		const other = new Set(places[j]);
		const common = [...(places[i] as Int32Array)]
			.filter((p) => other.has(p))
			.map((p) => codes[p] as string)
			.sort();
		return { a, b, cells, places: common, surface };
	});
}

/** Aggregates only: a count under this threshold is not shown (it could point at a person). */
export const SMALL_COUNT = 5;

export function suppressed(count: number): number | null {
	return count < SMALL_COUNT ? null : count;
}
