import { bbox, booleanIntersects, booleanPointInPolygon } from '@turf/turf';
import { eq } from 'drizzle-orm';
import type { MultiPolygon, Polygon } from 'geojson';
import { beforeAll, describe, expect, it } from 'vitest';
import { structureCommunes } from '$lib/server/db/schema';
import { pointCoverage } from '$lib/server/services/polygon-coverage';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { shippedBoundaries, squareAround, structureRecord } from '../factories/structures';

const TERRITORY = 'polygones';
const marseille = shippedBoundaries('arrondissements-marseille.geojson');
const boundaryOf = (code: string) => {
	const feature = marseille.features.find((f) => f.properties?.code === code);
	if (!feature) throw new Error(`${code} absent des limites livrées`);
	return feature.geometry;
};

// Marseille 1er (13201), a box just larger than it: the 1er wholly, a part of each neighbour.
const [west, south, east, north] = bbox(boundaryOf('13201'));
const MARGIN = 0.001;
const BOX: Polygon = {
	type: 'Polygon',
	coordinates: [
		[
			[west - MARGIN, south - MARGIN],
			[east + MARGIN, south - MARGIN],
			[east + MARGIN, north + MARGIN],
			[west - MARGIN, north + MARGIN],
			[west - MARGIN, south - MARGIN]
		]
	]
};
// The 1er's own boundary and a small square inside the 4e (13204): the 1er is then covered
// through the exact intersection (its box is not inside it), the 4e only around the square.
const IN_4E: [number, number] = [5.4, 43.305];
const ELSEWHERE_IN_4E: [number, number] = [5.405, 43.31];
const SQUARE_IN_4E = squareAround(...IN_4E, 0.001);
const FIRST_AND_SQUARE: MultiPolygon = {
	type: 'MultiPolygon',
	coordinates: [(boundaryOf('13201') as Polygon).coordinates, SQUARE_IN_4E.coordinates]
};

/** The arrondissements the box reaches, wholly (every vertex inside: the box is convex) or not. */
function expectedFlags(area: Polygon): Record<string, boolean> {
	const flags: Record<string, boolean> = {};
	for (const f of marseille.features) {
		if (!booleanIntersects(f, area)) continue;
		const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
		const inside = rings.flat(2).every((p) => booleanPointInPolygon(p, area));
		flags[String(f.properties?.code)] = !inside;
	}
	return flags;
}

describe('test fixtures', () => {
	it('puts the points where the shipped boundaries say', () => {
		expect(booleanPointInPolygon(IN_4E, boundaryOf('13204'))).toBe(true);
		expect(booleanPointInPolygon(ELSEWHERE_IN_4E, boundaryOf('13204'))).toBe(true);
		expect(booleanPointInPolygon(ELSEWHERE_IN_4E, SQUARE_IN_4E)).toBe(false);
		const flags = expectedFlags(BOX);
		expect(flags['13201']).toBe(false);
		expect(Object.values(flags).filter(Boolean).length).toBeGreaterThan(1);
	});
});

describe.each(DATABASES)('polygon coverage on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const flagsOf = async (id: string) =>
		Object.fromEntries(
			(
				await t.db
					.select({ code: structureCommunes.communeCode, partial: structureCommunes.partial })
					.from(structureCommunes)
					.where(eq(structureCommunes.structureId, id))
			).map((r) => [r.code, r.partial])
		);

	const box = structureRecord({ coverage: undefined, coverage_geojson: BOX });
	const firstAndSquare = structureRecord({
		coverage: undefined,
		coverage_geojson: FIRST_AND_SQUARE
	});
	const byCodes = structureRecord({ coverage: ['13204'] });
	const codesAndPolygon = structureRecord({ coverage: ['13204'], coverage_geojson: BOX });

	beforeAll(async () => {
		await putTerritory(t.db, TERRITORY, { name: 'Polygones', communes: ['13201'] });
		await importStructures(t.db, TERRITORY, [box, firstAndSquare, byCodes, codesAndPolygon]);
	});

	it('flags the places a polygon covers only partly', async () => {
		expect(await flagsOf(box.id)).toEqual(expectedFlags(BOX));
	});

	it('counts a place covered by its own boundary as wholly covered', async () => {
		const flags = await flagsOf(firstAndSquare.id);
		expect(flags['13201']).toBe(false);
		expect(flags['13204']).toBe(true);
		// Neighbours touched along the 1er's border are partial too: the polygon barely takes them.
		expect(Object.entries(flags).filter(([, partial]) => !partial)).toEqual([['13201', false]]);
	});

	it('never flags a place the codes cover', async () => {
		expect(await flagsOf(byCodes.id)).toEqual({ '13204': false });
		expect(await flagsOf(codesAndPolygon.id)).toEqual({ ...expectedFlags(BOX), '13204': false });
	});

	it('tells which polygons contain a point', async () => {
		const ids = [box.id, firstAndSquare.id, byCodes.id, codesAndPolygon.id, 'inconnue'];
		expect(await pointCoverage(t.db, ids, ...IN_4E)).toEqual(new Set([firstAndSquare.id]));
		expect(await pointCoverage(t.db, ids, ...ELSEWHERE_IN_4E)).toEqual(new Set());
		const [x, y] = [(west + east) / 2, (south + north) / 2];
		expect(booleanPointInPolygon([x, y], boundaryOf('13201'))).toBe(true);
		expect(await pointCoverage(t.db, ids, x, y)).toEqual(
			new Set([box.id, firstAndSquare.id, codesAndPolygon.id])
		);
		expect(await pointCoverage(t.db, [], x, y)).toEqual(new Set());
	});

	it('follows a polygon changed by a new import', async () => {
		expect(await pointCoverage(t.db, [box.id], ...IN_4E)).toEqual(new Set());
		await importStructures(t.db, TERRITORY, [{ ...box, coverage_geojson: SQUARE_IN_4E }]);
		expect(await pointCoverage(t.db, [box.id], ...IN_4E)).toEqual(new Set([box.id]));
		expect(await flagsOf(box.id)).toEqual({ '13204': true });
	});
});
