/**
 * Factories for the structure import format (contract §2) and small GeoJSON shapes. Each record
 * is valid as it comes; a test overrides only what it is about.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { StructureInput } from '$lib/schemas/structure';
import { readGeojsonFile } from '$lib/server/services/geography';

let sequence = 0;

/** Overrides may hold fields outside the format (to test unknown fields) or `undefined` to drop one. */
export type StructureOverrides = Partial<Record<keyof StructureInput, unknown>> &
	Record<string, unknown>;

/** A valid import record: a CCAS covering Marseille 4e, for information up to coordinated cases. */
export function structureRecord(overrides: StructureOverrides = {}): StructureInput {
	sequence++;
	const record: Record<string, unknown> = {
		id: `test:structure-${sequence}`,
		name: `Structure de test n° ${sequence}`,
		kind: 'ccas',
		coverage: ['13204'],
		problems: ['droits', 'finances'],
		level_min: 'information',
		level_max: 'coordonnee',
		...overrides
	};
	for (const [key, value] of Object.entries(record)) {
		if (value === undefined) delete record[key];
	}
	return record as StructureInput;
}

export function structureRecords(
	count: number,
	overrides: StructureOverrides = {}
): StructureInput[] {
	return Array.from({ length: count }, () => structureRecord(overrides));
}

/** A closed square ring around a point, `half` degrees each side. */
export function squareAround(lon: number, lat: number, half = 0.002): Polygon {
	return {
		type: 'Polygon',
		coordinates: [
			[
				[lon - half, lat - half],
				[lon + half, lat - half],
				[lon + half, lat + half],
				[lon - half, lat + half],
				[lon - half, lat - half]
			]
		]
	};
}

export function boundaryFeature(
	code: string,
	geometry: Polygon | MultiPolygon | Record<string, unknown>,
	nom = `Lieu ${code}`
): Feature {
	return { type: 'Feature', properties: { code, nom }, geometry: geometry as Polygon };
}

export function featureCollection(features: unknown[]): FeatureCollection {
	return { type: 'FeatureCollection', features: features as Feature[] };
}

export const SEED_DIR = 'src/lib/server/seed';
export const DEMO_TERRITORY_ID = 'marseille-4-12';

/** The shipped demo territory file, as records of the import format (the tests' source of truth). */
export function demoRecords(): StructureInput[] {
	return JSON.parse(
		fs.readFileSync(path.join(SEED_DIR, 'demo-marseille-4-12.json'), 'utf8')
	) as StructureInput[];
}

/** A shipped boundary file (communes-13, arrondissements-marseille…, communes/05.geojson.gz). */
export function shippedBoundaries(file: string): FeatureCollection<Polygon | MultiPolygon> {
	return readGeojsonFile(path.join(SEED_DIR, file)) as FeatureCollection<Polygon | MultiPolygon>;
}
