import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { MultiPolygon, Polygon } from 'geojson';
import { queryRows, type Db } from '$lib/server/db/client';
import { communes, settings } from '$lib/server/db/schema';
import { PlaceIndex, bboxOf, isAreal } from '$lib/geo/place-index';
import { INSEE_CODE, PlaceCatalog, type PlaceRecord } from '$lib/geo/places';
export { placeLabel } from '$lib/geo/places';
import { z } from '$lib/schemas/zod';

/** Where the shipped data files live (boundaries, demo territory), relative to the app's root. */
export function seedDir(): string {
	return path.resolve(process.env.SEED_DIR ?? 'src/lib/server/seed');
}

interface DecoupageCommune {
	code: string;
	nom: string;
	type: string;
	departement: string;
	commune?: string;
	population?: number;
	codesPostaux?: string[];
}
interface DecoupageEpci {
	code: string;
	nom: string;
	membres: { code: string }[];
}
interface DecoupageDepartement {
	code: string;
	nom: string;
}

// The official Etalab list ships as JSON in an npm package; require() reads it from node_modules
// in the CLI and in the built server alike.
const require = createRequire(import.meta.url);
function decoupage<T>(file: 'communes' | 'epci' | 'departements'): T[] {
	return require(`@etalab/decoupage-administratif/data/${file}.json`) as T[];
}

let names: { departments: Map<string, string>; epcis: Map<string, string> } | undefined;
function referenceNames() {
	names ??= {
		departments: new Map(
			decoupage<DecoupageDepartement>('departements').map((d) => [d.code, d.nom])
		),
		epcis: new Map(decoupage<DecoupageEpci>('epci').map((e) => [e.code, e.nom]))
	};
	return names;
}

/** Places of orientation from @etalab/decoupage-administratif: current communes + arrondissements. */
export function referencePlaces(): (typeof communes.$inferInsert)[] {
	const epciOf = new Map<string, string>();
	for (const epci of decoupage<DecoupageEpci>('epci')) {
		for (const member of epci.membres) epciOf.set(member.code, epci.code);
	}
	return decoupage<DecoupageCommune>('communes')
		.filter((c) => c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal')
		.map((c) => {
			const arrondissement = c.type === 'arrondissement-municipal';
			return {
				code: c.code,
				name: c.nom,
				kind: arrondissement ? 'arrondissement' : 'commune',
				department: c.departement,
				parentCode: arrondissement ? (c.commune ?? null) : null,
				epci: epciOf.get(c.code) ?? null,
				population: c.population ?? null,
				postalCodes: c.codesPostaux ?? []
			};
		});
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
	await db.transaction(async (tx) => {
		await inBatches(rows, 2000, (batch) =>
			tx
				.insert(communes)
				.values(batch)
				.onConflictDoUpdate({
					target: communes.code,
					set: {
						name: sql`excluded.name`,
						kind: sql`excluded.kind`,
						department: sql`excluded.department`,
						parentCode: sql`excluded.parent_code`,
						epci: sql`excluded.epci`,
						population: sql`excluded.population`,
						postalCodes: sql`excluded.postal_codes`
					}
				})
		);
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
	features: number;
	added: number;
	updated: number;
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
 * A code unknown to the reference list (e.g. a commune merged since the file was made) is added
 * as a commune with the file's name, so its boundary still resolves points.
 */
export async function importBoundaries(db: Db, collection: unknown): Promise<BoundaryImportResult> {
	const fc = z
		.object({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()) })
		.safeParse(collection);
	if (!fc.success) {
		throw new BoundaryImportError([
			{ feature: 0, field: 'type', message: 'une FeatureCollection GeoJSON est attendue' }
		]);
	}
	const issues: { feature: number; field: string; message: string }[] = [];
	const rows: (typeof communes.$inferInsert)[] = [];
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
		const geometry = parsed.data.geometry as unknown as Polygon | MultiPolygon;
		rows.push({
			code,
			name: nom ?? code,
			kind: 'commune',
			department: code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2),
			geometry,
			bbox: bboxOf(geometry)
		});
	});
	if (issues.length > 0) throw new BoundaryImportError(issues);

	const known = new Set(
		(await db.select({ code: communes.code }).from(communes)).map((row) => row.code)
	);
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
		await bumpGeographyVersion(tx as unknown as Db);
	});
	invalidateGeography();
	const added = rows.filter((r) => !known.has(r.code)).length;
	return { features: rows.length, added, updated: rows.length - added };
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

async function bumpGeographyVersion(db: Db): Promise<void> {
	await db
		.insert(settings)
		.values({ key: 'geography_version', value: String(Date.now()) })
		.onConflictDoUpdate({
			target: settings.key,
			set: { value: String(Date.now()), updatedAt: sql`now()` }
		});
}

/* ---------- Cached, derived views of the geography (catalogue, spatial index) ---------- */

interface GeoCache {
	/** Boundary version in the database + in-process generation it was built for. */
	version: string;
	checkedAt: number;
	catalog?: Promise<PlaceCatalog>;
	index?: Promise<PlaceIndex>;
}

// Several servers can share one PostgreSQL: a boundary import by another process is noticed by
// re-reading the version at most this often. An import in this process bumps `generation`.
const VERSION_TTL_MS = 10_000;
const caches = new WeakMap<Db, GeoCache>();
let generation = 0;

export function invalidateGeography(): void {
	generation++;
}

// The version check in flight, per database: the first burst of requests after a start (or after
// an import) waits for one check and then shares one catalogue and one index, instead of each
// request building its own (p99 of 19–25 s and 1.4 GB right after a start, before this).
const checks = new WeakMap<Db, Promise<GeoCache>>();

function cacheFor(db: Db): Promise<GeoCache> {
	const now = Date.now();
	const current = caches.get(db);
	if (current?.version.endsWith(`#${generation}`) && now - current.checkedAt < VERSION_TTL_MS) {
		return Promise.resolve(current);
	}
	let check = checks.get(db);
	if (!check) {
		check = (async () => {
			const [row] = await db
				.select({ value: settings.value })
				.from(settings)
				.where(eq(settings.key, 'geography_version'));
			const version = `${row?.value ?? 'none'}#${generation}`;
			const latest = caches.get(db);
			if (latest?.version === version) {
				latest.checkedAt = Date.now();
				return latest;
			}
			const fresh: GeoCache = { version, checkedAt: Date.now() };
			caches.set(db, fresh);
			return fresh;
		})().finally(() => checks.delete(db));
		checks.set(db, check);
	}
	return check;
}

/** A failed build is not kept: the next request tries again. */
function retryable<K extends 'catalog' | 'index'>(
	cache: GeoCache,
	key: K,
	build: NonNullable<GeoCache[K]>
): NonNullable<GeoCache[K]> {
	const kept = build.catch((error: unknown) => {
		if (cache[key] === kept) cache[key] = undefined;
		throw error;
	}) as NonNullable<GeoCache[K]>;
	return kept;
}

export async function getPlaceCatalog(db: Db): Promise<PlaceCatalog> {
	const cache = await cacheFor(db);
	cache.catalog ??= retryable(
		cache,
		'catalog',
		db
			.select({
				code: communes.code,
				name: communes.name,
				kind: communes.kind,
				department: communes.department,
				parentCode: communes.parentCode,
				epci: communes.epci
			})
			.from(communes)
			.then((rows) => new PlaceCatalog(rows as PlaceRecord[], referenceNames()))
	);
	return cache.catalog;
}

/**
 * The spatial index of the leaf places that have a boundary. A city whose arrondissements have
 * boundaries is left out, so a point in Marseille resolves to its arrondissement.
 */
export async function getPlaceIndex(db: Db): Promise<PlaceIndex> {
	const cache = await cacheFor(db);
	cache.index ??= retryable(
		cache,
		'index',
		(async () => {
			const rows = await db
				.select({ code: communes.code, geometry: communes.geometry, bbox: communes.bbox })
				.from(communes)
				.where(
					and(
						isNotNull(communes.geometry),
						sql`not exists (select 1 from communes child where child.parent_code = ${communes.code} and child.geometry is not null)`
					)
				);
			return new PlaceIndex(
				rows.flatMap((row) =>
					isAreal(row.geometry)
						? [
								{
									code: row.code,
									geometry: row.geometry,
									bbox: (row.bbox as [number, number, number, number] | null) ?? undefined
								}
							]
						: []
				)
			);
		})()
	);
	return cache.index;
}

/** The place (commune or arrondissement) containing a WGS84 point, or null. */
export async function resolvePoint(db: Db, lon: number, lat: number): Promise<string | null> {
	return (await getPlaceIndex(db)).locate(lon, lat);
}

export interface PlaceSummary {
	code: string;
	name: string;
	kind: string;
	department: string;
	postalCodes: string[];
}

const placeColumns = {
	code: communes.code,
	name: communes.name,
	kind: communes.kind,
	department: communes.department,
	postalCodes: communes.postalCodes
};

export async function getPlaces(db: Db, codes: readonly string[]): Promise<PlaceSummary[]> {
	if (codes.length === 0) return [];
	return db
		.select(placeColumns)
		.from(communes)
		.where(inArray(communes.code, [...codes]))
		.orderBy(communes.code);
}

/** "Marseille 4e Arrondissement (13204)": the form links and pickers use, unambiguous. */
const LABELLED_CODE = /\((\d{5}|2[AB]\d{3})\)\s*$/i;

/**
 * Places matching what a person types: a postal code (13004 ⇒ Marseille 4e, the arrondissement
 * rather than the whole city), an INSEE code when no postal code matches (13004 is also Arles'
 * INSEE code: at a front desk, people type postal codes), a labelled code "Nom (13204)", or a
 * name, accent-insensitive and typo-tolerant.
 */
export async function searchPlaces(db: Db, query: string, limit = 10): Promise<PlaceSummary[]> {
	const q = query.trim();
	if (q === '') return [];
	const labelled = LABELLED_CODE.exec(q);
	if (labelled) return getPlaces(db, [(labelled[1] as string).toUpperCase()]);
	if (/^\d{5}$/.test(q)) {
		const byPostalCode = await db
			.select(placeColumns)
			.from(communes)
			.where(
				sql`${q} = any(${communes.postalCodes})
				and not exists (select 1 from communes child where child.parent_code = ${communes.code} and ${q} = any(child.postal_codes))`
			)
			.orderBy(sql`${communes.population} desc nulls last`)
			.limit(limit);
		if (byPostalCode.length > 0) return byPostalCode;
	}
	if (/^(\d{5}|2[AB]\d{3})$/i.test(q)) return getPlaces(db, [q.toUpperCase()]);
	return queryRows<PlaceSummary>(
		db,
		sql`select code, name, kind, department, postal_codes as "postalCodes"
			from communes, (select f_unaccent(lower(${q})) as term) t
			where search_name like '%' || t.term || '%' or search_name % t.term
			order by (search_name like t.term || '%') desc, (search_name like '%' || t.term || '%') desc,
				similarity(search_name, t.term) desc, population desc nulls last
			limit ${limit}`
	);
}

export async function countPlaces(db: Db): Promise<{ places: number; withBoundary: number }> {
	const [row] = await queryRows<{ places: number; with_boundary: number }>(
		db,
		sql`select count(*)::int as places, count(geometry)::int as with_boundary from communes`
	);
	return { places: row?.places ?? 0, withBoundary: row?.with_boundary ?? 0 };
}
