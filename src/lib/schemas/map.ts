import {
	KIND_CODES,
	LEVEL_CODES,
	PROBLEM_CODES,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import { TILE_MAX_ZOOM, isTile } from '$lib/geo/clusters';
import { ouiNon, z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The map's state in the URL: filters, chosen cell, selection and view (shareable by link). */
export const MapQuerySchema = z.object({
	probleme: z.preprocess(blank, z.enum(PROBLEM_CODES).optional()),
	niveau: z.preprocess(blank, z.enum(LEVEL_CODES).optional()),
	age: z.preprocess(blank, z.coerce.number().int().min(0).max(130).optional()),
	apa: ouiNon(),
	/** A person with (oui) or without (non) a recognised disability must be accepted. */
	handicap: ouiNon(),
	type: z.array(z.enum(KIND_CODES)).default([]),
	/** Orphan orientations of the last N days (choropleth). */
	orphelines: z.preprocess(blank, z.coerce.number().int().min(1).max(3650).optional()),
	structure: z.preprocess(blank, z.string().max(100).optional()),
	/** View: "lon,lat,zoom". */
	vue: z.preprocess(
		blank,
		z
			.string()
			.regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?,\d+(\.\d+)?$/, 'lon,lat,zoom attendu')
			.optional()
	)
});

export type MapQuery = z.infer<typeof MapQuerySchema>;

export function readMapQuery(params: URLSearchParams) {
	return MapQuerySchema.safeParse({
		...Object.fromEntries(params),
		type: params.getAll('type').filter((t) => t !== '')
	});
}

/** A line of the page's list of structures (the keyboard's way to the map's points). */
export interface MapListItem {
	id: string;
	name: string;
	kind: KindCode;
	/** Has a position, so a point on the map. */
	placed: boolean;
}

/** What a popup shows: fetched when it opens, not sent with the map. */
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

/** A tile of the map's structures, z/x/y as maplibre asks (geo/cluster-tiles.ts). */
export const TileAddressSchema = z
	.object({
		z: z.coerce.number().int().min(0).max(TILE_MAX_ZOOM),
		x: z.coerce.number().int().min(0),
		y: z.coerce.number().int().min(0)
	})
	.refine((t) => isTile(t.z, t.x, t.y), {
		message: 'x et y doivent être inférieurs à 2 puissance z',
		path: ['x']
	});
