import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { and, eq, inArray, notExists, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { readConfig } from '$lib/server/config';
import { communes, settings, structureCommunes, territoryCommunes } from '$lib/server/db/schema';
import { groupBoundaries, type Area, type BoundaryPiece } from '$lib/geo/merged-communes';
import { departmentOfCode } from '$lib/geo/departments';
import { bboxOf } from '$lib/geo/place-index';
import { INSEE_CODE } from '$lib/geo/places';
export { placeLabel } from '$lib/geo/places';
import { invalidateGeography } from './places';
import { absorbingCommune, referencePlaces } from './reference';
import { z } from '$lib/schemas/zod';

/** Where the shipped data files live (boundaries, demo territory), relative to the app's root. */
export function seedDir(): string {
	return readConfig().seedDir;
}

async function inBatches<T>(
	items: readonly T[],
	size: number,
	run: (batch: T[]) => Promise<unknown>
) {
	for (let i = 0; i < items.length; i += size) await run(items.slice(i, i + size));
}

/** Loads every place of France (names, codes, postal codes, population), without boundaries. */
export async function seedPlaces(db: Db): Promise<number> {
	const rows = referencePlaces();
	// One JSON parameter read by the server, not drizzle inserts of 2 000 row objects: the
	// 35 000 places took 4.5 s of a first start on the embedded database that way, 2 s this way.
	const json = JSON.stringify(
		rows.map((r) => ({
			code: r.code,
			name: r.name,
			kind: r.kind,
			department: r.department,
			parent_code: r.parentCode,
			epci: r.epci,
			population: r.population,
			postal_codes: r.postalCodes
		}))
	);
	await db.transaction(async (tx) => {
		await tx.execute(sql`insert into communes
				(code, name, kind, department, parent_code, epci, population, postal_codes)
			select code, name, kind, department, parent_code, epci, population, postal_codes
			from json_populate_recordset(null::communes, ${json}::json)
			on conflict (code) do update set
				name = excluded.name, kind = excluded.kind, department = excluded.department,
				parent_code = excluded.parent_code, epci = excluded.epci,
				population = excluded.population, postal_codes = excluded.postal_codes`);
	});
	invalidateGeography();
	return rows.length;
}

// Light on purpose: the national file has millions of positions, and the exact geometry tests
// happen in turf; what must hold here is a code and an areal geometry per feature.
const BoundaryFeature = z.object({
	type: z.literal('Feature'),
	properties: z.looseObject({
		code: z.string().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu'),
		nom: z.string().min(1).optional()
	}),
	geometry: z.looseObject({
		type: z.enum(['Polygon', 'MultiPolygon'], {
			error: 'une géométrie Polygon ou MultiPolygon est attendue'
		}),
		coordinates: z.array(z.array(z.any())).min(1)
	})
});

export interface BoundaryImportResult {
	/** Features of the file. */
	features: number;
	/** Places given a boundary that were not in the database / that were (one per place, not per feature). */
	added: number;
	updated: number;
	/** Features of communes merged since the file was made, stored on the commune that absorbed them. */
	merged: number;
	/** Features whose code the reference list does not know: kept as places of their own. */
	unmapped: number;
}

export class BoundaryImportError extends Error {
	constructor(readonly issues: { feature: number; field: string; message: string }[]) {
		super(
			`Fichier de limites refusé (${issues.length} problème(s)), rien n’a été écrit :\n` +
				issues
					.slice(0, 20)
					.map((i) => `  objet ${i.feature}, ${i.field} : ${i.message}`)
					.join('\n') +
				(issues.length > 20 ? `\n  … et ${issues.length - 20} autre(s)` : '')
		);
		this.name = 'BoundaryImportError';
	}
}

/** Reads a GeoJSON file, gzipped or not. */
export function readGeojsonFile(file: string): unknown {
	const bytes = fs.readFileSync(file);
	const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString(
		'utf8'
	);
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new BoundaryImportError([
			{ feature: 0, field: 'fichier', message: `JSON illisible (${(error as Error).message})` }
		]);
	}
}

/**
 * Adds or replaces place boundaries from a GeoJSON FeatureCollection whose features carry the
 * INSEE `code` (and `nom`). All or nothing: one transaction, every bad feature reported.
 * A feature of a commune merged since the file was made (a delegated or associated commune of the
 * reference list) goes to the commune that absorbed it: every feature belonging to one current
 * commune, its own old one included, makes up its boundary, which replaces the stored one; a
 * place that was created for such a code by an earlier import loses its boundary (and its row
 * when nothing refers to it). A code the reference list does not know at all is added as a
 * commune with the file's name, so its boundary still resolves points, and counted as unmapped.
 */
export async function importBoundaries(
	db: Db,
	collection: unknown,
	options: {
		/**
		 * false: the change is not announced to the place cache (nor to other servers, through
		 * the stored version); the caller calls announceGeographyChange once for many files, so
		 * that the spatial index is not rebuilt after each of them (the background load).
		 */
		announce?: boolean;
	} = {}
): Promise<BoundaryImportResult> {
	const announce = options.announce ?? true;
	const fc = z
		.object({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()) })
		.safeParse(collection);
	if (!fc.success) {
		throw new BoundaryImportError([
			{ feature: 0, field: 'type', message: 'une FeatureCollection GeoJSON est attendue' }
		]);
	}
	const issues: { feature: number; field: string; message: string }[] = [];
	const pieces: BoundaryPiece[] = [];
	const seen = new Set<string>();
	fc.data.features.forEach((raw, i) => {
		const parsed = BoundaryFeature.safeParse(raw);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				issues.push({ feature: i + 1, field: issue.path.join('.'), message: issue.message });
			}
			return;
		}
		const { code, nom } = parsed.data.properties;
		if (seen.has(code)) {
			issues.push({ feature: i + 1, field: 'properties.code', message: `code ${code} en double` });
			return;
		}
		seen.add(code);
		pieces.push({ code, name: nom, geometry: parsed.data.geometry as unknown as Area });
	});
	if (issues.length > 0) throw new BoundaryImportError(issues);

	const grouped = groupBoundaries(pieces, absorbingCommune);
	// The codes now stored on another commune's boundary.
	const absorbed = grouped.boundaries.flatMap((b) => b.parts.filter((code) => code !== b.code));
	// Only the file's own codes: a département's file must not read the 35 000 codes of France.
	const known = new Set<string>();
	await inBatches(
		grouped.boundaries.map((b) => b.code),
		1000,
		async (batch) => {
			const rows = await db
				.select({ code: communes.code })
				.from(communes)
				.where(inArray(communes.code, batch));
			for (const row of rows) known.add(row.code);
		}
	);
	// Only a database without the reference places lacks an absorbing commune: name it properly.
	let referenceName: Map<string, string> | undefined;
	const nameOf = (code: string) => {
		referenceName ??= new Map(referencePlaces().map((p) => [p.code, p.name]));
		return referenceName.get(code);
	};
	const rows: (typeof communes.$inferInsert)[] = grouped.boundaries.map((b) => ({
		code: b.code,
		name: b.name ?? (known.has(b.code) ? undefined : nameOf(b.code)) ?? b.code,
		kind: 'commune',
		department: departmentOfCode(b.code),
		geometry: b.geometry,
		bbox: bboxOf(b.geometry)
	}));
	await db.transaction(async (tx) => {
		await inBatches(rows, 500, (batch) =>
			tx
				.insert(communes)
				.values(batch)
				.onConflictDoUpdate({
					target: communes.code,
					set: { geometry: sql`excluded.geometry`, bbox: sql`excluded.bbox`, updatedAt: sql`now()` }
				})
		);
		// Places an earlier import created for merged codes: out of the spatial index (a point
		// there belongs to the absorbing commune now), and gone unless a territory or a
		// structure's coverage still names them.
		await inBatches(absorbed, 500, async (batch) => {
			await tx
				.update(communes)
				.set({ geometry: null, bbox: null, updatedAt: sql`now()` })
				.where(inArray(communes.code, batch));
			await tx.delete(communes).where(
				and(
					inArray(communes.code, batch),
					notExists(
						tx
							.select({ one: sql`1` })
							.from(territoryCommunes)
							.where(eq(territoryCommunes.communeCode, communes.code))
					),
					notExists(
						tx
							.select({ one: sql`1` })
							.from(structureCommunes)
							.where(eq(structureCommunes.communeCode, communes.code))
					)
				)
			);
		});
		if (announce) await bumpGeographyVersion(tx as unknown as Db);
	});
	if (announce) invalidateGeography();
	const added = rows.filter((r) => !known.has(r.code)).length;
	return {
		features: pieces.length,
		added,
		updated: rows.length - added,
		merged: grouped.merged,
		unmapped: grouped.unmapped.length
	};
}

/** The boundaries shipped in the repository: Bouches-du-Rhône + arrondissements of PLM. */
export const SHIPPED_BOUNDARIES = [
	'communes-13.geojson',
	'arrondissements-marseille.geojson',
	'arrondissements-lyon.geojson',
	'arrondissements-paris.geojson'
];

export async function loadShippedBoundaries(db: Db): Promise<number> {
	let count = 0;
	for (const file of SHIPPED_BOUNDARIES) {
		const result = await importBoundaries(db, readGeojsonFile(path.join(seedDir(), file)));
		count += result.features;
	}
	return count;
}

/**
 * Tells the place cache of this process, and through the stored version every other server on
 * the same PostgreSQL, that boundaries changed: their spatial index is rebuilt on next use.
 */
export async function announceGeographyChange(db: Db): Promise<void> {
	await bumpGeographyVersion(db);
	invalidateGeography();
}

async function bumpGeographyVersion(db: Db): Promise<void> {
	await db
		.insert(settings)
		.values({ key: 'geography_version', value: String(Date.now()) })
		.onConflictDoUpdate({
			target: settings.key,
			set: { value: String(Date.now()), updatedAt: sql`now()` }
		});
}

export async function countPlaces(db: Db): Promise<{ places: number; withBoundary: number }> {
	const [row] = await queryRows<{ places: number; with_boundary: number }>(
		db,
		sql`select count(*)::int as places, count(geometry)::int as with_boundary from communes`
	);
	return { places: row?.places ?? 0, withBoundary: row?.with_boundary ?? 0 };
}
