import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bbox, booleanIntersects, booleanPointInPolygon } from '@turf/turf';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Polygon } from 'geojson';
import { afterAll, describe, expect, it } from 'vitest';
import { communes, structureCommunes } from '$lib/server/db/schema';
import {
	departmentsWithBoundaries,
	ensureDepartmentBoundaries,
	loadBoundariesInBackground,
	shippedDepartmentFiles
} from '$lib/server/services/department-boundaries';
import { resolvePoint } from '$lib/server/services/places';
import { absorbingCommune } from '$lib/server/services/reference';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { SEED_DIR, shippedBoundaries, structureRecord } from '../factories/structures';

// Points checked against the shipped polygons below, so a wrong fixture fails loudly.
const IN_LYON_1ER: [number, number] = [4.8263, 45.7696];
const IN_VILLEURBANNE: [number, number] = [4.8898, 45.7718];
const IN_PARIS_1ER: [number, number] = [2.3358, 48.8619];
const IN_GAP: [number, number] = [6.0615, 44.5796];
const IN_BELFORT: [number, number] = [6.8408, 47.6458];

const hautesAlpes = shippedBoundaries('communes/05.geojson.gz');
const rhone = shippedBoundaries('communes/69.geojson.gz');
const lyon = shippedBoundaries('arrondissements-lyon.geojson');
const paris = shippedBoundaries('arrondissements-paris.geojson');
const belfort = shippedBoundaries('communes/90.geojson.gz');
const guadeloupe = shippedBoundaries('communes/971.geojson.gz');
const shape = (collection: typeof rhone, code: string) => {
	const feature = collection.features.find((f) => f.properties?.code === code);
	if (!feature) throw new Error(`${code} absent des limites livrées`);
	return feature;
};

// Briançon (05023) and a box just larger than it: Briançon wholly, a part of each neighbour.
const [west, south, east, north] = bbox(shape(hautesAlpes, '05023'));
const MARGIN = 0.001;
const AROUND_BRIANCON: Polygon = {
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
/** The communes of the 05 the box reaches, as the reference list names them today. */
const reachedByBox = new Set(
	hautesAlpes.features
		.filter((f) => booleanIntersects(f, AROUND_BRIANCON))
		.map((f) => absorbingCommune(String(f.properties?.code)) ?? String(f.properties?.code))
);

describe('test fixtures', () => {
	it('places the test points where the shipped boundaries say', () => {
		expect(booleanPointInPolygon(IN_LYON_1ER, shape(lyon, '69381'))).toBe(true);
		expect(booleanPointInPolygon(IN_LYON_1ER, shape(rhone, '69123'))).toBe(true);
		expect(booleanPointInPolygon(IN_VILLEURBANNE, shape(rhone, '69266'))).toBe(true);
		expect(booleanPointInPolygon(IN_PARIS_1ER, shape(paris, '75101'))).toBe(true);
		expect(booleanPointInPolygon(IN_GAP, shape(hautesAlpes, '05061'))).toBe(true);
		expect(booleanPointInPolygon(IN_BELFORT, shape(belfort, '90010'))).toBe(true);
		expect(reachedByBox.has('05023')).toBe(true);
		expect(reachedByBox.size).toBeGreaterThan(2);
	});

	it('ships a file for every département of the national file', () => {
		const files = shippedDepartmentFiles(SEED_DIR);
		expect(files.size).toBe(101);
		expect(files.get('13')).toMatch(/communes-13\.geojson$/);
		expect(files.get('2A')).toMatch(/communes\/2A\.geojson\.gz$/);
		expect(files.get('976')).toMatch(/communes\/976\.geojson\.gz$/);
	});
});

describe.each(DATABASES)('boundaries by département, on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const withShape = async (codes: string[]) =>
		(
			await t.db
				.select({ code: communes.code })
				.from(communes)
				.where(and(inArray(communes.code, codes), isNotNull(communes.geometry)))
		)
			.map((r) => r.code)
			.sort();

	it('has the Bouches-du-Rhône at the first start, and nothing else of France yet', async () => {
		expect([...(await departmentsWithBoundaries(t.db))]).toEqual(['13']);
		expect(await ensureDepartmentBoundaries(t.db, ['13'])).toEqual([]);
		expect(await resolvePoint(t.db, ...IN_GAP)).toBeNull();
	});

	it('gives a territory in the Hautes-Alpes its shapes when it is created', async () => {
		expect(await withShape(['05061', '05023'])).toEqual([]);
		await putTerritory(t.db, 'hautes-alpes', {
			name: 'Gap et Briançon',
			communes: ['05061', '05023']
		});
		expect(await withShape(['05061', '05023'])).toEqual(['05023', '05061']);
		expect(await resolvePoint(t.db, ...IN_GAP)).toBe('05061');
		expect([...(await departmentsWithBoundaries(t.db))].sort()).toEqual(['05', '13']);
	});

	it('covers with a polygon there the communes it reaches, Briançon wholly', async () => {
		const box = structureRecord({
			commune: '05023',
			coverage: undefined,
			coverage_geojson: AROUND_BRIANCON
		});
		await importStructures(t.db, 'hautes-alpes', [box]);
		const rows = await t.db
			.select({ code: structureCommunes.communeCode, partial: structureCommunes.partial })
			.from(structureCommunes)
			.where(eq(structureCommunes.structureId, box.id));
		expect(new Set(rows.map((r) => r.code))).toEqual(reachedByBox);
		expect(rows.filter((r) => !r.partial).map((r) => r.code)).toEqual(['05023']);
	});

	it('keeps the arrondissements of Lyon and Paris in place of the city once the 69 and 75 load', async () => {
		const loads = await ensureDepartmentBoundaries(t.db, ['69', '75']);
		expect(loads.map((l) => [l.department, l.communes])).toEqual([
			['69', rhone.features.length],
			['75', 1]
		]);
		// The city's own polygon is stored, but a point there is its arrondissement's.
		expect(await withShape(['69123', '75056'])).toEqual(['69123', '75056']);
		expect(await resolvePoint(t.db, ...IN_LYON_1ER)).toBe('69381');
		expect(await resolvePoint(t.db, ...IN_PARIS_1ER)).toBe('75101');
		expect(await resolvePoint(t.db, ...IN_VILLEURBANNE)).toBe('69266');
	});

	it('loads nothing twice, and leaves out what it ships no file for', async () => {
		expect(await ensureDepartmentBoundaries(t.db, ['5', '69', '75', '975', 'xx'])).toEqual([]);
	});

	// The background load, on a seed dir of a few small départements beside the 13 (the loop,
	// not the volume, is tested); the 75 was loaded above.
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-seed-'));
	fs.mkdirSync(path.join(dir, 'communes'));
	fs.copyFileSync(
		path.join(SEED_DIR, 'communes-13.geojson'),
		path.join(dir, 'communes-13.geojson')
	);
	for (const department of ['75', '90', '971']) {
		const file = `communes/${department}.geojson.gz`;
		fs.copyFileSync(path.join(SEED_DIR, file), path.join(dir, file));
	}
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
	const messages: string[] = [];
	const options = { dir, pauseMs: 0, batch: 1, progress: (m: string) => messages.push(m) };

	it('stops after the département in progress, and a later start resumes', async () => {
		const first = await loadBoundariesInBackground(t.db, options);
		expect(first.departments).toEqual(['90', '971']);
		await first.stop();
		expect(await first.done).toMatchObject({ loaded: 1, failed: [] });
		// Loaded, and announced to the place cache: its points resolve at once.
		expect(await resolvePoint(t.db, ...IN_BELFORT)).toBe('90010');

		const second = await loadBoundariesInBackground(t.db, options);
		expect(second.departments).toEqual(['971']);
		expect(await second.done).toMatchObject({ loaded: 1, communes: guadeloupe.features.length });
		expect(messages.at(-1)).toMatch(
			new RegExp(
				`^Limites des communes chargées : 1 département\\(s\\), ${guadeloupe.features.length} communes en \\d+ s\\.$`
			)
		);
	});

	it('has nothing to do, and says nothing, once every département is loaded', async () => {
		const count = messages.length;
		const third = await loadBoundariesInBackground(t.db, options);
		expect(third.departments).toEqual([]);
		expect(await third.done).toMatchObject({ loaded: 0 });
		expect(messages.length).toBe(count);
	});
});
