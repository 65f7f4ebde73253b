import type { Remit } from './remit';
import { compareNames } from './names';
import type { TerritoryRule } from './recommendation';
import { PROBLEM_CODES, type ProblemCode } from './taxonomy';

/**
 * The remit index: which structures to weigh for a place, a territory and a set of problems,
 * answered from memory (issue 17). The database stays the truth; the server builds one index
 * from it at start and after each write, and a request reads one whole index, never half an
 * update (server/services/remit-index.ts).
 *
 * Layout, for 35 000 structures and millions of (structure, commune) pairs:
 * - structures are numbered 0…n-1 in the order given (the database's order by id), and each has
 *   its problems as a bit mask (one bit per problem code: fewer than 32);
 * - the coverage is a compressed sparse row table: for each commune, the ascending numbers of
 *   the structures covering it, and one byte each saying whether the coverage takes only part of
 *   it (a polygon);
 * - each territory has the ascending numbers of its structures (imported into it, or covering
 *   one of its communes), computed once at build.
 * A query walks two sorted lists once and tests a mask per structure: no allocation but the
 * answer.
 */

/** What the index keeps of a structure: the remit and what the engine reads beside it. */
export interface IndexedStructure {
	remit: Remit;
	territoryId: string;
	caseloadMax: number | null;
	/** The typed or imported figure; a structure with members counts its orientations instead. */
	typedCaseload: number | null;
	updatedAt: string | null;
}

export interface IndexedCandidate {
	structure: IndexedStructure;
	/** Null when its coverage does not contain the place; else whether it takes only part. */
	partial: boolean | null;
	/** Its name's rank among all the structures' names (compareNames; equal names, equal ranks). */
	nameOrder: number;
}

export interface RemitIndexInput {
	/** In the order the numbers refer to (ascending id). */
	structures: readonly IndexedStructure[];
	/**
	 * For each structure (by number, ascending), the communes its coverage holds, and those it
	 * covers only in part (a polygon).
	 */
	coverage: readonly { communes: readonly string[]; partial: ReadonlySet<string> | null }[];
	territories: readonly { id: string; name: string; communes: readonly string[] }[];
	rules: readonly (TerritoryRule & { territoryId: string })[];
}

const PROBLEM_BIT = new Map<ProblemCode, number>(PROBLEM_CODES.map((code, i) => [code, 1 << i]));
if (PROBLEM_CODES.length > 31) throw new Error('remit-index: more problems than bits in a mask');

function maskOf(problems: readonly ProblemCode[]): number {
	let mask = 0;
	for (const p of problems) mask |= PROBLEM_BIT.get(p) ?? 0;
	return mask;
}

const EMPTY = new Int32Array(0);

export class RemitIndex {
	readonly size: number;
	readonly pairs: number;
	private readonly structures: readonly IndexedStructure[];
	private readonly masks: Uint32Array;
	private readonly nameOrders: Int32Array;
	private readonly communeSlot = new Map<string, number>();
	private readonly offsets: Int32Array;
	private readonly members: Int32Array;
	private readonly partial: Uint8Array;
	private readonly ofTerritory = new Map<string, Int32Array>();
	private readonly territoryNames = new Map<string, string>();
	private readonly placeTerritories = new Map<string, string[]>();
	private readonly rulesOf = new Map<string, TerritoryRule[]>();

	constructor(input: RemitIndexInput) {
		this.structures = input.structures;
		const n = input.structures.length;
		this.size = n;
		this.masks = new Uint32Array(n);
		input.structures.forEach((s, i) => {
			this.masks[i] = maskOf(s.remit.problems);
		});
		// Once per build, so that no answer compares names (a collator comparison is slow).
		this.nameOrders = new Int32Array(n);
		const byName = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
			compareNames(
				(input.structures[a] as IndexedStructure).remit.name,
				(input.structures[b] as IndexedStructure).remit.name
			)
		);
		let rank = 0;
		byName.forEach((i, k) => {
			const previous = byName[k - 1];
			if (
				previous !== undefined &&
				compareNames(
					(input.structures[previous] as IndexedStructure).remit.name,
					(input.structures[i] as IndexedStructure).remit.name
				) !== 0
			)
				rank++;
			this.nameOrders[i] = rank;
		});

		// A counting sort: the communes' sizes first, then each structure's number written in each
		// of its communes' rows. Structures come in ascending number, so each row is sorted.
		const counts: number[] = [];
		input.coverage.forEach((row) => {
			for (const commune of row.communes) {
				let slot = this.communeSlot.get(commune);
				if (slot === undefined) {
					slot = counts.length;
					this.communeSlot.set(commune, slot);
					counts.push(0);
				}
				counts[slot] = (counts[slot] as number) + 1;
			}
		});
		this.offsets = new Int32Array(counts.length + 1);
		for (let k = 0; k < counts.length; k++)
			this.offsets[k + 1] = (this.offsets[k] as number) + (counts[k] as number);
		this.pairs = this.offsets[counts.length] as number;
		this.members = new Int32Array(this.pairs);
		this.partial = new Uint8Array(this.pairs);
		const next = this.offsets.slice(0, counts.length);
		input.coverage.forEach((row, i) => {
			for (const commune of row.communes) {
				const slot = this.communeSlot.get(commune) as number;
				const at = next[slot] as number;
				this.members[at] = i;
				if (row.partial?.has(commune)) this.partial[at] = 1;
				next[slot] = at + 1;
			}
		});

		const importedInto = new Map<string, number[]>();
		input.structures.forEach((s, i) => {
			const list = importedInto.get(s.territoryId) ?? [];
			list.push(i);
			importedInto.set(s.territoryId, list);
		});
		const seen = new Uint8Array(n);
		for (const t of input.territories) {
			this.territoryNames.set(t.id, t.name);
			seen.fill(0);
			const own: number[] = [];
			for (const i of importedInto.get(t.id) ?? []) {
				if (!seen[i]) own.push(i);
				seen[i] = 1;
			}
			for (const commune of t.communes) {
				const list = this.placeTerritories.get(commune) ?? [];
				list.push(t.id);
				this.placeTerritories.set(commune, list);
				const slot = this.communeSlot.get(commune);
				if (slot === undefined) continue;
				for (let k = this.offsets[slot] as number; k < (this.offsets[slot + 1] as number); k++) {
					const i = this.members[k] as number;
					if (!seen[i]) own.push(i);
					seen[i] = 1;
				}
			}
			this.ofTerritory.set(
				t.id,
				Int32Array.from(own).sort((a, b) => a - b)
			);
		}
		for (const list of this.placeTerritories.values()) list.sort();
		for (const rule of input.rules) {
			const { territoryId, ...rest } = rule;
			const list = this.rulesOf.get(territoryId) ?? [];
			list.push(rest);
			this.rulesOf.set(territoryId, list);
		}
	}

	/**
	 * The structures to weigh (as the database path, orientations.ts `loadCandidates`): those
	 * covering the place and those of the territory, taking at least one of the problems, in
	 * ascending number.
	 */
	candidates(
		place: string,
		territory: string | null,
		problems: readonly ProblemCode[]
	): IndexedCandidate[] {
		const mask = maskOf(problems);
		const slot = this.communeSlot.get(place);
		let a = slot === undefined ? 0 : (this.offsets[slot] as number);
		const aEnd = slot === undefined ? 0 : (this.offsets[slot + 1] as number);
		const b = territory ? (this.ofTerritory.get(territory) ?? EMPTY) : EMPTY;
		let j = 0;
		const out: IndexedCandidate[] = [];
		while (a < aEnd || j < b.length) {
			const fromPlace = a < aEnd ? (this.members[a] as number) : Infinity;
			const fromTerritory = j < b.length ? (b[j] as number) : Infinity;
			let i: number;
			let partial: boolean | null = null;
			if (fromPlace <= fromTerritory) {
				i = fromPlace;
				partial = this.partial[a] === 1;
				a++;
				if (fromTerritory === fromPlace) j++;
			} else {
				i = fromTerritory;
				j++;
			}
			if (((this.masks[i] as number) & mask) !== 0)
				out.push({
					structure: this.structures[i] as IndexedStructure,
					partial,
					nameOrder: this.nameOrders[i] as number
				});
		}
		return out;
	}

	/** The territories containing the place, ascending (territory_communes). */
	territoriesOf(place: string): readonly string[] {
		return this.placeTerritories.get(place) ?? [];
	}

	territoryName(id: string): string | null {
		return this.territoryNames.get(id) ?? null;
	}

	/** The rules in force in the territory. */
	rules(territory: string): readonly TerritoryRule[] {
		return this.rulesOf.get(territory) ?? [];
	}
}
