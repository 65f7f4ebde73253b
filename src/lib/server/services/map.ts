import { inArray, sql, type SQL } from 'drizzle-orm';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { queryRows, type Db } from '$lib/server/db/client';
import { communes } from '$lib/server/db/schema';
import { placeCoverage, placeStatus, type CellStatus } from '$lib/domain/coverage';
import type { KindCode, LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import { displayGeometry } from '$lib/geo/simplify';
import { isAreal } from '$lib/geo/place-index';
import type { MapListItem, MapQuery, MapStructure } from '$lib/schemas/map';
import { ouiNonValue } from '$lib/schemas/zod';
import { firstByName } from '$lib/domain/first-by-name';
import type { Caller } from '$lib/server/auth/principal';
import { territoryStructures } from './coverage';
import { structureNotFound } from './errors';
import { requireTerritory } from './scope';
import { DerivedCache } from './derived-cache';
import { ClusterTiles } from '$lib/geo/cluster-tiles';

/** Properties of a place on the map: what the layers and the text alternative need, no more. */
export interface PlaceProperties {
	code: string;
	name: string;
}

/** The page lists this many structures, the first by name (a filter narrows the rest). */
export const MAP_LIST_LIMIT = 200;

type PlaceShapes = FeatureCollection<Polygon | MultiPolygon, PlaceProperties>;

/**
 * Built from the territory's places (the remit view) and their boundaries (the geography one);
 * shared by every request until one of them changes. Read only: the pages copy what they shade.
 */
const placeShapesCache = new DerivedCache<PlaceShapes>(['remit', 'geography'], 32);

/**
 * The territory's places, simplified for display: simplifying a département's boundaries takes
 * a tenth of a second, for a result that changes only with the territory or the boundaries.
 */
export function territoryPlaceShapes(db: Db, territoryId: string): Promise<PlaceShapes> {
	return placeShapesCache.get(db, territoryId, () => buildPlaceShapes(db, territoryId));
}

async function buildPlaceShapes(db: Db, territoryId: string): Promise<PlaceShapes> {
	const rows = await queryRows<{
		code: string;
		name: string;
		geometry: Polygon | MultiPolygon | null;
	}>(
		db,
		sql`select c.code, c.name, c.geometry from communes c
			join territory_communes tc on tc.commune_code = c.code and tc.territory_id = ${territoryId}
			order by c.code`
	);
	return {
		type: 'FeatureCollection',
		features: rows.flatMap((r) =>
			isAreal(r.geometry)
				? [
						{
							type: 'Feature' as const,
							id: r.code,
							geometry: displayGeometry(r.geometry),
							properties: { code: r.code, name: r.name }
						}
					]
				: []
		)
	};
}

/** The shapes of some places (a structure's coverage), simplified. */
export async function placeShapes(
	db: Db,
	codes: readonly string[]
): Promise<FeatureCollection<Polygon | MultiPolygon, PlaceProperties>> {
	if (codes.length === 0) return { type: 'FeatureCollection', features: [] };
	const rows = await db
		.select({ code: communes.code, name: communes.name, geometry: communes.geometry })
		.from(communes)
		.where(inArray(communes.code, [...codes]));
	return {
		type: 'FeatureCollection',
		features: rows.flatMap((r) =>
			isAreal(r.geometry)
				? [
						{
							type: 'Feature' as const,
							id: r.code,
							geometry: displayGeometry(r.geometry),
							properties: { code: r.code, name: r.name }
						}
					]
				: []
		)
	};
}

/**
 * The structures on a territory's map: those covering at least one of its places (the chart's and
 * the grid's definition, territoryStructures), optionally of some kinds only — the columns asked.
 */
function onTerritoryMap(territoryId: string, kinds: readonly KindCode[], columns: SQL) {
	return sql`select ${columns} from structures s
		where exists (
			select 1 from structure_communes sc
			join territory_communes tc on tc.commune_code = sc.commune_code and tc.territory_id = ${territoryId}
			where sc.structure_id = s.id)
		${kinds.length > 0 ? sql`and s.kind in ${[...kinds]}` : sql``}`;
}

const round5 = (value: number) => Math.round(value * 1e5) / 1e5;

/**
 * The chosen cell on the map: per place, the structures taking it there, and its status there —
 * `overlap` only when two of them take it for a same person (publics intersecting: the grid's
 * definition), `single` when one or several with publics apart, `gap` when none. `names`: the
 * name of each structure listed, for the page's table (and of those only).
 */
export interface MapCell {
	problem: ProblemCode;
	level: LevelCode;
	byPlace: Record<string, string[]>;
	status: Record<string, CellStatus>;
	names: Record<string, string>;
}

/**
 * Everything the map page needs but its points, for a caller of the territory (another territory,
 * or an unknown one, is `not_found`): the places, how many structures the map shows and the first
 * of them by name (the page's list), and, for the chosen cell and public, which structures cover
 * each place and whether they overlap there (the chart's coverage function, per place), and the
 * orphan orientations per place over the chosen period.
 *
 * Bounded by what the page draws: the territory's places; MAP_LIST_LIMIT structures; per place,
 * the ids of the structures covering it for the chosen cell (with their names); one orphan count
 * per place. The points come apart, as tiles of what is drawn (mapTiles), the popups on demand
 * (mapStructure): a territory of 20 000 structures sends no one's name, address or remit until
 * asked.
 */
export async function territoryMap(db: Db, caller: Caller, territoryId: string, query: MapQuery) {
	await requireTerritory(db, caller, territoryId);
	const kinds = query.type;
	const tilesVersion = tilesCache.version(db);
	// One row holding every structure as [id, name, kind, lon, lat], built by the database: tens
	// of thousands of rows cost far more to hand over one by one (the embedded PGlite parses each).
	const [places, [row]] = await Promise.all([
		territoryPlaceShapes(db, territoryId),
		queryRows<{ rows: [string, string, KindCode, number | null, number | null][] | null }>(
			db,
			onTerritoryMap(
				territoryId,
				kinds,
				sql`json_agg(json_build_array(s.id, s.name, s.kind, s.lon, s.lat)) as rows`
			)
		)
	]);
	const rows = row?.rows ?? [];
	const isPlaced = (r: (typeof rows)[number]) => r[3] !== null && r[4] !== null;
	// The same rows make the map's tiles, which the page asks for as soon as its map is made:
	// kept for them, so that the database is not asked twice for every structure of the map.
	// Grouped now, before the page is answered, if not kept already: 0.05–0.15 s for 20 000
	// structures while the browser waits for the page, against up to 0.6 s on the first tile,
	// amid the page's start (Chromium, 2 cores: full map 2.24 s against 2.67 s, median of 3).
	tilesCache.offer(db, tilesKey(territoryId, kinds), tilesVersion, async () => {
		const tiles = clusterTiles(
			rows
				.filter(isPlaced)
				.map(([id, , kind, lon, lat]): PointRow => [id, kind, lon as number, lat as number])
		);
		tiles.group();
		return tiles;
	});
	const structures = {
		total: rows.length,
		placed: rows.reduce((n, r) => n + (isPlaced(r) ? 1 : 0), 0),
		list: firstByName(rows, MAP_LIST_LIMIT).map((r): MapListItem => ({
			id: r[0],
			name: r[1],
			kind: r[2],
			placed: isPlaced(r)
		}))
	};

	const placeCodes = places.features.map((f) => f.properties.code);
	let cell: MapCell | null = null;
	if (query.probleme && query.niveau) {
		const all = await territoryStructures(db, territoryId);
		const shown = kinds.length > 0 ? all.filter((s) => kinds.includes(s.kind)) : all;
		const byPlace = placeCoverage(shown, query.probleme, query.niveau, placeCodes, {
			age: query.age,
			apa: ouiNonValue(query.apa),
			handicap: ouiNonValue(query.handicap)
		});
		const listed = new Set([...byPlace.values()].flatMap((p) => p.structures));
		cell = {
			problem: query.probleme,
			level: query.niveau,
			byPlace: Object.fromEntries([...byPlace].map(([code, p]) => [code, p.structures])),
			status: Object.fromEntries([...byPlace].map(([code, p]) => [code, placeStatus(p)])),
			names: Object.fromEntries(shown.filter((s) => listed.has(s.id)).map((s) => [s.id, s.name]))
		};
	}

	let orphans: Record<string, number> | null = null;
	if (query.orphelines) {
		const rows = await queryRows<{ commune: string; count: number }>(
			db,
			sql`select commune, count(*)::int as count from orientations
				where territory_id = ${territoryId} and orphan
					and created_at >= now() - make_interval(days => ${query.orphelines})
				group by commune`
		);
		orphans = Object.fromEntries(placeCodes.map((code) => [code, 0]));
		for (const r of rows) if (r.commune in orphans) orphans[r.commune] = r.count;
	}

	return { places, structures, cell, orphans };
}

/**
 * The structures of a territory's map (of some kinds, or all) as clustered vector tiles, for a
 * caller of the territory: one point per placed structure, carrying only its id and kind, grouped
 * as maplibre grouped them in the browser (geo/cluster-tiles.ts). The page asks for the tiles it
 * draws; a popup asks for the rest (mapStructure).
 *
 * Built once per territory and kinds, then kept until a structure, a coverage or the territory's
 * places change (here or on another server): a map of 20 000 structures costs the database a few
 * hundred milliseconds to gather and the clustering as much again, and is the same for everyone
 * of the territory. The caller's right to the territory is checked on every request.
 */
export async function mapTiles(
	db: Db,
	caller: Caller,
	territoryId: string,
	kinds: readonly KindCode[]
): Promise<ClusterTiles> {
	await requireTerritory(db, caller, territoryId);
	return tilesCache.get(db, tilesKey(territoryId, kinds), () => buildTiles(db, territoryId, kinds));
}

/** Built from the structures and their coverage, the territories' places (the remit view). */
const tilesCache = new DerivedCache<ClusterTiles>(['remit'], 16);

const tilesKey = (territoryId: string, kinds: readonly KindCode[]) =>
	`${territoryId}|${[...kinds].sort().join(',')}`;

type PointRow = [id: string, kind: KindCode, lon: number, lat: number];

/**
 * The rows come as one JSON value: 20 000 rows handed over one by one (the embedded PGlite parses
 * each) cost several times more.
 */
async function buildTiles(
	db: Db,
	territoryId: string,
	kinds: readonly KindCode[]
): Promise<ClusterTiles> {
	const [row] = await queryRows<{ points: PointRow[] | null }>(
		db,
		sql`${onTerritoryMap(
			territoryId,
			kinds,
			sql`json_agg(json_build_array(s.id, s.kind, s.lon, s.lat)) as points`
		)}
			and s.lon is not null and s.lat is not null`
	);
	return clusterTiles(row?.points ?? []);
}

function clusterTiles(points: PointRow[]): ClusterTiles {
	// By id, compared as code units: the same groups whichever query read them, whatever the
	// database's collation (the clustering takes the points in their order).
	points.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	return new ClusterTiles(
		points.map(([id, kind, lon, lat]) => ({ id, kind, lon: round5(lon), lat: round5(lat) }))
	);
}

/**
 * One structure of a territory's map, as its popup shows it, for a caller of the territory: a
 * structure that is not on that map (covers none of its places) is `not_found` like an unknown
 * one, so the map's endpoint reveals nothing beyond the map itself.
 */
export async function mapStructure(
	db: Db,
	caller: Caller,
	territoryId: string,
	structureId: string
): Promise<MapStructure> {
	await requireTerritory(db, caller, territoryId);
	const [r] = await queryRows<{
		id: string;
		name: string;
		kind: KindCode;
		coordination: boolean;
		problems: ProblemCode[];
		level_min: LevelCode;
		level_max: LevelCode;
		phone: string | null;
		address: string | null;
		lon: number | null;
		lat: number | null;
	}>(
		db,
		sql`${onTerritoryMap(
			territoryId,
			[],
			sql`s.id, s.name, s.kind, s.coordination, s.problems, s.level_min, s.level_max,
				s.phone, s.address, s.lon, s.lat`
		)} and s.id = ${structureId}`
	);
	if (!r) throw structureNotFound(structureId);
	return {
		id: r.id,
		name: r.name,
		kind: r.kind,
		coordination: r.coordination,
		problems: [...r.problems],
		levelMin: r.level_min,
		levelMax: r.level_max,
		phone: r.phone,
		address: r.address,
		lon: r.lon === null ? null : round5(r.lon),
		lat: r.lat === null ? null : round5(r.lat)
	};
}

/** The places a structure covers, for highlighting its area on the map. */
export async function structureArea(db: Db, structureId: string) {
	const rows = await queryRows<{ commune_code: string }>(
		db,
		sql`select commune_code from structure_communes where structure_id = ${structureId} order by commune_code`
	);
	const [polygon] = await queryRows<{ coverage_geojson: Polygon | MultiPolygon | null }>(
		db,
		sql`select coverage_geojson from structures where id = ${structureId}`
	);
	return {
		places: await placeShapes(
			db,
			rows.map((r) => r.commune_code)
		),
		polygon: polygon?.coverage_geojson ? displayGeometry(polygon.coverage_geojson) : null
	};
}
