import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { onCacheChange } from '$lib/server/db/notify';
import { communes, settings } from '$lib/server/db/schema';
import { PlaceIndex, isAreal } from '$lib/geo/place-index';
import { PlaceCatalog, type PlaceRecord } from '$lib/geo/places';
import { absorbingCommune, referenceNames } from './reference';

/**
 * The place cache: derived, in-process views of the geography the database holds (the
 * catalogue of places and the spatial index), rebuilt when the boundaries change, and the
 * lookups that read places. Loading the reference itself (communes, boundaries) is
 * geography.ts.
 */

/* ---------- Cached, derived views of the geography (catalogue, spatial index) ---------- */

interface GeoCache {
	/** Boundary version in the database + in-process generation it was built for. */
	version: string;
	checkedAt: number;
	catalog?: Promise<PlaceCatalog>;
	index?: Promise<PlaceIndex>;
}

// Several servers can share one PostgreSQL: a boundary import by another process is notified
// (db/notify.ts, `geography`); the version is also re-read at most this often, should a
// notification be lost. An import in this process bumps `generation`.
const VERSION_TTL_MS = 10_000;
const caches = new WeakMap<Db, GeoCache>();
const subscribed = new WeakSet<Db>();
let generation = 0;

export function invalidateGeography(): void {
	generation++;
}

function subscribe(db: Db): void {
	if (subscribed.has(db)) return;
	subscribed.add(db);
	onCacheChange(db, (name) => {
		if (name === 'geography') invalidateGeography();
	});
}

// The version check in flight, per database: the first burst of requests after a start (or after
// an import) waits for one check and then shares one catalogue and one index, instead of each
// request building its own (p99 of 19–25 s and 1.4 GB right after a start, before this).
const checks = new WeakMap<Db, Promise<GeoCache>>();

function cacheFor(db: Db): Promise<GeoCache> {
	subscribe(db);
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
			.then(
				(rows) =>
					new PlaceCatalog(rows as PlaceRecord[], {
						...referenceNames(),
						absorbed: absorbingCommune
					})
			)
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
