import type { MultiPolygon, Polygon } from 'geojson';

/**
 * Communes merged since a boundary file was made. Boundary files lag behind the official list
 * (the IGN file shipped here is of 2018): a commune absorbed since then (a "commune nouvelle")
 * still has its own feature. The reference list keeps such codes as delegated or associated
 * communes pointing at the current commune that absorbed them (`chefLieu`); a feature with such a
 * code belongs to that commune, otherwise it would become a commune of its own, with no EPCI, that
 * an `epci:` coverage never reaches.
 */

/** A record of the reference list (@etalab/decoupage-administratif `communes.json`), as read here. */
export interface CommuneRecord {
	code: string;
	type: string;
	/** For a delegated or associated commune, the current commune it belongs to. */
	chefLieu?: string | undefined;
}

const CURRENT_TYPES = new Set(['commune-actuelle', 'arrondissement-municipal']);
const ABSORBED_TYPES = new Set(['commune-deleguee', 'commune-associee']);

export class MergedCommunes {
	private readonly current = new Set<string>();
	private readonly absorbedBy = new Map<string, string>();

	constructor(records: readonly CommuneRecord[]) {
		for (const r of records) if (CURRENT_TYPES.has(r.type)) this.current.add(r.code);
		const parentOf = new Map<string, string>();
		for (const r of records) {
			// A delegated commune often keeps the code of the commune nouvelle itself (the list
			// has both records): the code is current, and stays its own.
			if (ABSORBED_TYPES.has(r.type) && r.chefLieu && !this.current.has(r.code)) {
				parentOf.set(r.code, r.chefLieu);
			}
		}
		for (const code of parentOf.keys()) {
			// Follow chains (a commune associated into one that was merged later) to a current one;
			// the bound guards against a loop in the data.
			let target = parentOf.get(code);
			for (let step = 0; target && !this.current.has(target) && step < 10; step++) {
				target = parentOf.get(target);
			}
			if (target && this.current.has(target)) this.absorbedBy.set(code, target);
		}
	}

	isCurrent(code: string): boolean {
		return this.current.has(code);
	}

	/**
	 * The current place a code stands for: itself when current (commune or municipal
	 * arrondissement), the commune that absorbed it when delegated or associated, null when the
	 * list does not know it.
	 */
	currentOf(code: string): string | null {
		if (this.current.has(code)) return code;
		return this.absorbedBy.get(code) ?? null;
	}

	/** Every absorbed code and the current commune it belongs to. */
	absorbed(): ReadonlyMap<string, string> {
		return this.absorbedBy;
	}
}

export type Area = Polygon | MultiPolygon;

/** One feature of a boundary file: its code, name and areal geometry. */
export interface BoundaryPiece {
	code: string;
	name?: string | undefined;
	geometry: Area;
}

/** The boundary to store for one place, made of the file's features that belong to it. */
export interface PlaceBoundary {
	code: string;
	/** The name of the file's feature that has this very code, if any. */
	name: string | undefined;
	geometry: Area;
	/** The codes of the features it is made of, in file order. */
	parts: string[];
	/** No reference place: the code is kept as it is (a place of its own). */
	unmapped: boolean;
}

export interface GroupedBoundaries {
	boundaries: PlaceBoundary[];
	/** Features whose code was merged into another commune. */
	merged: number;
	/** Codes the reference list does not know at all, kept as places of their own. */
	unmapped: string[];
}

/**
 * The polygons of several areas as one MultiPolygon (or the Polygon itself when alone). The parts
 * of a merged commune are adjacent, not overlapping, so listing their polygons side by side is
 * their union for every use here (point in polygon, areas); no costly geometric union.
 */
export function concatAreas(areas: readonly Area[]): Area {
	if (areas.length === 1) return areas[0] as Area;
	return {
		type: 'MultiPolygon',
		coordinates: areas.flatMap((a) => (a.type === 'Polygon' ? [a.coordinates] : a.coordinates))
	};
}

/**
 * Groups a boundary file's features by the current place they belong to (`currentOf`, e.g.
 * MergedCommunes#currentOf): the features of communes merged into one are stored together as the
 * boundary of the commune that absorbed them, with the commune's own old feature if the file has
 * it. A code `currentOf` does not know keeps its own boundary, and is reported.
 */
export function groupBoundaries(
	pieces: readonly BoundaryPiece[],
	currentOf: (code: string) => string | null
): GroupedBoundaries {
	const groups = new Map<string, { pieces: BoundaryPiece[]; unmapped: boolean }>();
	let merged = 0;
	const unmapped: string[] = [];
	for (const piece of pieces) {
		const target = currentOf(piece.code);
		if (target === null) unmapped.push(piece.code);
		else if (target !== piece.code) merged++;
		const key = target ?? piece.code;
		const group = groups.get(key);
		if (group) group.pieces.push(piece);
		else groups.set(key, { pieces: [piece], unmapped: target === null });
	}
	const boundaries = [...groups].map(([code, group]) => ({
		code,
		name: group.pieces.find((p) => p.code === code)?.name,
		geometry: concatAreas(group.pieces.map((p) => p.geometry)),
		parts: group.pieces.map((p) => p.code),
		unmapped: group.unmapped
	}));
	return { boundaries, merged, unmapped };
}
