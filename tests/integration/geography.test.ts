import { booleanPointInPolygon } from '@turf/turf';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { communes } from '$lib/server/db/schema';
import {
	BoundaryImportError,
	SHIPPED_BOUNDARIES,
	countPlaces,
	importBoundaries
} from '$lib/server/services/geography';
import {
	getPlaceCatalog,
	getPlaceIndex,
	invalidateGeography,
	resolvePoint,
	searchPlaces
} from '$lib/server/services/places';
import { absorbingCommune, referencePlaces } from '$lib/server/services/reference';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	boundaryFeature,
	featureCollection,
	shippedBoundaries,
	squareAround
} from '../factories/structures';

// Points checked against the shipped polygons below, so a wrong fixture fails loudly.
const IN_MARSEILLE_4E: [number, number] = [5.4, 43.305];
const IN_AIX: [number, number] = [5.447, 43.529];
const AT_SEA: [number, number] = [5.2, 43.1];
const marseille = shippedBoundaries('arrondissements-marseille.geojson');
const communes13 = shippedBoundaries('communes-13.geojson');
const shape = (collection: typeof marseille, code: string) => {
	const feature = collection.features.find((f) => f.properties?.code === code);
	if (!feature) throw new Error(`${code} absent des limites livrées`);
	return feature;
};

describe('test fixtures', () => {
	it('places the test points where the shipped boundaries say', () => {
		expect(booleanPointInPolygon(IN_MARSEILLE_4E, shape(marseille, '13204'))).toBe(true);
		expect(booleanPointInPolygon(IN_AIX, shape(communes13, '13001'))).toBe(true);
		const all = [...marseille.features, ...communes13.features];
		expect(all.filter((f) => booleanPointInPolygon(AT_SEA, f))).toEqual([]);
	});
});

describe.each(DATABASES)('geography on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });

	it('loads every reference place and the shipped boundaries', async () => {
		const shippedCodes = new Set(
			SHIPPED_BOUNDARIES.flatMap((file) =>
				shippedBoundaries(file).features.map((f) => String(f.properties?.code))
			)
		);
		expect(await countPlaces(t.db)).toEqual({
			places: referencePlaces().length,
			withBoundary: shippedCodes.size
		});
		const [arrondissement] = await t.db
			.select({ parent: communes.parentCode, kind: communes.kind, postal: communes.postalCodes })
			.from(communes)
			.where(eq(communes.code, '13204'));
		expect(arrondissement).toEqual({ parent: '13055', kind: 'arrondissement', postal: ['13004'] });
	});

	it('reads five digits as a postal code: 13004 is Marseille 4e, not the whole city', async () => {
		// 13004 is also Arles' INSEE code, and the city of Marseille has 13004 among its postal codes:
		// a front desk types postal codes, and the arrondissement is the precise answer.
		const results = await searchPlaces(t.db, '13004');
		expect(results.map((r) => r.code)).toEqual(['13204']);
	});

	it('falls back to the INSEE code when no place has that postal code', async () => {
		const results = await searchPlaces(t.db, '13022');
		expect(results.map((r) => [r.code, r.name])).toEqual([['13022', 'Cassis']]);
	});

	it('reads a labelled code « Nom (INSEE) » as that exact place', async () => {
		expect((await searchPlaces(t.db, 'Arles (13004)')).map((r) => r.code)).toEqual(['13004']);
		expect((await searchPlaces(t.db, 'Aix-en-Provence (13001)')).map((r) => r.code)).toEqual([
			'13001'
		]);
		expect((await searchPlaces(t.db, '13001')).map((r) => r.code)).toEqual(['13201']);
	});

	it.each([
		['marseile', '13055'],
		['Aix en provence', '13001'],
		['aix-en-provence', '13001'],
		['AIX EN PROVENCE', '13001'],
		['salon de provence', '13103'],
		['eguilles', '13032']
	])('finds %s (typo, accents, hyphens tolerated)', async (query, code) => {
		const results = await searchPlaces(t.db, query);
		expect(results[0]?.code).toBe(code);
	});

	it('finds nothing for an empty query', async () => {
		expect(await searchPlaces(t.db, '   ')).toEqual([]);
	});

	it('builds the catalogue and the index once for a burst of requests on a cold cache', async () => {
		invalidateGeography();
		const burst = await Promise.all(
			Array.from({ length: 40 }, (_, i) => (i % 2 ? getPlaceCatalog(t.db) : getPlaceIndex(t.db)))
		);
		const catalogs = new Set(burst.filter((_, i) => i % 2));
		const indexes = new Set(burst.filter((_, i) => i % 2 === 0));
		expect(catalogs.size).toBe(1);
		expect(indexes.size).toBe(1);
		// Still the same ones afterwards, while nothing changed.
		expect(await getPlaceCatalog(t.db)).toBe([...catalogs][0]);
	});

	it('resolves a point to the arrondissement, the commune or nothing', async () => {
		expect(await resolvePoint(t.db, ...IN_MARSEILLE_4E)).toBe('13204');
		expect(await resolvePoint(t.db, ...IN_AIX)).toBe('13001');
		expect(await resolvePoint(t.db, ...AT_SEA)).toBeNull();
	});

	it('rejects a collection with one bad feature, naming it, and changes nothing', async () => {
		const before = await t.db.select().from(communes).where(eq(communes.code, '13204'));
		const error = await importBoundaries(
			t.db,
			featureCollection([
				boundaryFeature('13204', squareAround(...AT_SEA)),
				boundaryFeature('13205', {
					type: 'LineString',
					coordinates: [
						[5.4, 43.3],
						[5.41, 43.31]
					]
				}),
				boundaryFeature('132', squareAround(5.3, 43.3))
			])
		).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(BoundaryImportError);
		const issues = (error as BoundaryImportError).issues;
		expect(issues.map((i) => [i.feature, i.field])).toEqual([
			[2, 'geometry.type'],
			[3, 'properties.code']
		]);
		expect((error as Error).message).toMatch(/objet 2, geometry\.type/);
		expect(await t.db.select().from(communes).where(eq(communes.code, '13204'))).toEqual(before);
		expect(await resolvePoint(t.db, ...IN_MARSEILLE_4E)).toBe('13204');
	});

	it('rejects what is not a FeatureCollection, and duplicated codes', async () => {
		await expect(importBoundaries(t.db, { type: 'Feature' })).rejects.toBeInstanceOf(
			BoundaryImportError
		);
		const error = await importBoundaries(
			t.db,
			featureCollection([
				boundaryFeature('13204', squareAround(...AT_SEA)),
				boundaryFeature('13204', squareAround(...AT_SEA))
			])
		).catch((e: unknown) => e);
		expect((error as BoundaryImportError).issues).toEqual([
			{ feature: 2, field: 'properties.code', message: expect.stringContaining('13204') }
		]);
		expect(await resolvePoint(t.db, ...IN_MARSEILLE_4E)).toBe('13204');
	});

	describe('a commune merged since the boundary file was made', () => {
		// Romette (05125) is an associated commune of Gap (05061) in the reference list, and Gap
		// belongs to the CA Gap-Tallard-Durance. Squares stand for their boundaries (only the 13's
		// are shipped): Gap's old one, and Romette's just east of it.
		const GAP = '05061';
		const ROMETTE = '05125';
		const GAP_EPCI = 'epci:200067825';
		const IN_GAP: [number, number] = [6.08, 44.56];
		const IN_ROMETTE: [number, number] = [6.12, 44.56];
		const gapSquare = squareAround(...IN_GAP, 0.02);
		const rometteSquare = squareAround(...IN_ROMETTE, 0.02);
		const rowsOf = (code: string) =>
			t.db
				.select({ code: communes.code, epci: communes.epci })
				.from(communes)
				.where(eq(communes.code, code));

		it('knows Romette as absorbed by Gap', () => {
			expect(absorbingCommune(ROMETTE)).toBe(GAP);
			expect(absorbingCommune(GAP)).toBe(GAP);
			expect(absorbingCommune('13999')).toBeNull();
		});

		it('stores the old commune on the one that absorbed it, in reach of its EPCI', async () => {
			const result = await importBoundaries(
				t.db,
				featureCollection([boundaryFeature(ROMETTE, rometteSquare, 'Romette')])
			);
			expect(result).toEqual({ features: 1, added: 0, updated: 1, merged: 1, unmapped: 0 });
			expect(await rowsOf(ROMETTE)).toEqual([]);
			expect(await resolvePoint(t.db, ...IN_ROMETTE)).toBe(GAP);
			const catalog = await getPlaceCatalog(t.db);
			expect(catalog.expand([GAP_EPCI]).places).toContain(GAP);
			expect(catalog.get(GAP)?.name).toBe('Gap');
		});

		it('unites the old boundaries of the absorbing and the absorbed communes', async () => {
			const result = await importBoundaries(
				t.db,
				featureCollection([
					boundaryFeature(GAP, gapSquare, 'Gap'),
					boundaryFeature(ROMETTE, rometteSquare, 'Romette')
				])
			);
			expect(result).toEqual({ features: 2, added: 0, updated: 1, merged: 1, unmapped: 0 });
			expect(await resolvePoint(t.db, ...IN_GAP)).toBe(GAP);
			expect(await resolvePoint(t.db, ...IN_ROMETTE)).toBe(GAP);
			const [gap] = await t.db
				.select({ geometry: communes.geometry, bbox: communes.bbox })
				.from(communes)
				.where(eq(communes.code, GAP));
			expect(gap?.geometry).toEqual({
				type: 'MultiPolygon',
				coordinates: [gapSquare.coordinates, rometteSquare.coordinates]
			});
			expect(gap?.bbox).toEqual([6.06, 44.54, 6.14, 44.58].map((v) => expect.closeTo(v, 9)));
		});

		it('retires the place an earlier import made of the old code', async () => {
			// What importBoundaries did before it knew merged communes: a commune of its own, no EPCI.
			await t.db.insert(communes).values({
				code: ROMETTE,
				name: 'Romette',
				kind: 'commune',
				department: '05',
				geometry: rometteSquare,
				bbox: [6.1, 44.54, 6.14, 44.58]
			});
			invalidateGeography();
			const indexed = async () => (await getPlaceIndex(t.db)).codes;
			expect(await indexed()).toContain(ROMETTE);
			await importBoundaries(
				t.db,
				featureCollection([
					boundaryFeature(GAP, gapSquare, 'Gap'),
					boundaryFeature(ROMETTE, rometteSquare, 'Romette')
				])
			);
			expect(await rowsOf(ROMETTE)).toEqual([]);
			expect(await indexed()).not.toContain(ROMETTE);
			expect(await resolvePoint(t.db, ...IN_ROMETTE)).toBe(GAP);
		});
	});

	// Last: it moves a boundary for the rest of this file.
	it('replaces a boundary, and point resolution follows at once', async () => {
		// Warm the spatial index first, so the test shows that the import invalidates it.
		expect(await resolvePoint(t.db, ...IN_MARSEILLE_4E)).toBe('13204');
		const result = await importBoundaries(
			t.db,
			featureCollection([
				boundaryFeature('13204', squareAround(...AT_SEA, 0.01), 'Marseille 4e Arrondissement')
			])
		);
		expect(result).toEqual({ features: 1, added: 0, updated: 1, merged: 0, unmapped: 0 });
		expect(await resolvePoint(t.db, ...AT_SEA)).toBe('13204');
		expect(await resolvePoint(t.db, ...IN_MARSEILLE_4E)).toBeNull();
		// The reference name is kept: a boundary file only brings geometry for known places.
		const [row] = await t.db
			.select({ name: communes.name, kind: communes.kind })
			.from(communes)
			.where(eq(communes.code, '13204'));
		expect(row).toEqual({ name: 'Marseille 4e Arrondissement', kind: 'arrondissement' });
	});

	it('adds a place unknown to the reference list with its boundary', async () => {
		const result = await importBoundaries(
			t.db,
			featureCollection([boundaryFeature('13999', squareAround(5.25, 43.15), 'Île nouvelle')])
		);
		expect(result).toEqual({ features: 1, added: 1, updated: 0, merged: 0, unmapped: 1 });
		expect(await resolvePoint(t.db, 5.25, 43.15)).toBe('13999');
		expect((await searchPlaces(t.db, 'ile nouvelle'))[0]?.code).toBe('13999');
	});
});
