import { inArray, sql } from 'drizzle-orm';
import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import { queryRows, type Db } from '$lib/server/db/client';
import { communes } from '$lib/server/db/schema';
import { placeCoverage, placeStatus, type CellStatus } from '$lib/domain/coverage';
import type { KindCode, LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import { displayGeometry } from '$lib/geo/simplify';
import { isAreal } from '$lib/geo/place-index';
import type { MapQuery } from '$lib/schemas/map';
import { ouiNonValue } from '$lib/schemas/zod';
import type { Caller } from '$lib/server/auth/principal';
import { territoryStructures } from './coverage';
import { requireTerritory } from './scope';

/** Properties of a place on the map: what the layers and the text alternative need, no more. */
export interface PlaceProperties {
	code: string;
	name: string;
}

/**
 * A structure point: only what the layers use (the id, and the kind for the colour), since a
 * territory may have tens of thousands; names and remits are in the page's structure list.
 */
export interface PointProperties {
	id: string;
	/** kind */
	k: KindCode;
}

export interface MapStructure {
	id: string;
	name: string;
	kind: KindCode;
	coordination: boolean;
	problems: ProblemCode[];
	levelMin: LevelCode;
	levelMax: LevelCode;
	phone: string | null;
	address: string | null;
	lon: number | null;
	lat: number | null;
}

/** The territory's places, simplified for display. */
export async function territoryPlaceShapes(
	db: Db,
	territoryId: string
): Promise<FeatureCollection<Polygon | MultiPolygon, PlaceProperties>> {
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

async function positions(db: Db, ids: readonly string[]) {
	if (ids.length === 0)
		return new Map<
			string,
			{ lon: number | null; lat: number | null; phone: string | null; address: string | null }
		>();
	const rows = await queryRows<{
		id: string;
		lon: number | null;
		lat: number | null;
		phone: string | null;
		address: string | null;
	}>(db, sql`select id, lon, lat, phone, address from structures where id in ${[...ids]}`);
	return new Map(rows.map((r) => [r.id, r]));
}

/**
 * The chosen cell on the map: per place, the structures taking it there, and its status there —
 * `overlap` only when two of them take it for a same person (publics intersecting: the grid's
 * definition), `single` when one or several with publics apart, `gap` when none.
 */
export interface MapCell {
	problem: ProblemCode;
	level: LevelCode;
	byPlace: Record<string, string[]>;
	status: Record<string, CellStatus>;
}

/**
 * Everything the map page needs, for a caller of the territory (another territory, or an unknown
 * one, is `not_found`): the places, the structures (points), and, for the chosen cell and public,
 * which structures cover each place and whether they overlap there (the chart's coverage
 * function, per place), and the orphan orientations per place over the chosen period.
 *
 * Bounded by what the map draws: the territory's places; the structures covering it, each once
 * (a point carries only its id and kind; the page lists the first of them); per place, the ids
 * of the structures covering it for the chosen cell; one orphan count per place.
 */
export async function territoryMap(db: Db, caller: Caller, territoryId: string, query: MapQuery) {
	await requireTerritory(db, caller, territoryId);
	const [places, all] = await Promise.all([
		territoryPlaceShapes(db, territoryId),
		territoryStructures(db, territoryId)
	]);
	const kinds = query.type;
	const shown = kinds.length > 0 ? all.filter((s) => kinds.includes(s.kind)) : all;
	const extra = await positions(
		db,
		shown.map((s) => s.id)
	);
	const structures: MapStructure[] = shown.map((s) => {
		const p = extra.get(s.id);
		return {
			id: s.id,
			name: s.name,
			kind: s.kind,
			coordination: s.coordination,
			problems: [...s.problems],
			levelMin: s.levelMin,
			levelMax: s.levelMax,
			phone: p?.phone ?? null,
			address: p?.address ?? null,
			lon: p?.lon ?? null,
			lat: p?.lat ?? null
		};
	});
	const points: FeatureCollection<Point, PointProperties> = {
		type: 'FeatureCollection',
		features: structures.flatMap((s): Feature<Point, PointProperties>[] =>
			s.lon !== null && s.lat !== null
				? [
						{
							type: 'Feature',
							geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
							properties: { id: s.id, k: s.kind }
						}
					]
				: []
		)
	};

	const placeCodes = places.features.map((f) => f.properties.code);
	let cell: MapCell | null = null;
	if (query.probleme && query.niveau) {
		const byPlace = placeCoverage(shown, query.probleme, query.niveau, placeCodes, {
			age: query.age,
			apa: ouiNonValue(query.apa),
			handicap: ouiNonValue(query.handicap)
		});
		cell = {
			problem: query.probleme,
			level: query.niveau,
			byPlace: Object.fromEntries([...byPlace].map(([code, p]) => [code, p.structures])),
			status: Object.fromEntries([...byPlace].map(([code, p]) => [code, placeStatus(p)]))
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

	return { places, points, structures, cell, orphans };
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
