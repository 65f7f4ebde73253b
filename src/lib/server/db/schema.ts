import { sql } from 'drizzle-orm';
import {
	boolean,
	date,
	doublePrecision,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp
} from 'drizzle-orm/pg-core';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';

/**
 * Places of orientation: every commune of France (from @etalab/decoupage-administratif) and the
 * municipal arrondissements of Paris, Lyon and Marseille. Boundaries arrive separately (shipped
 * files or `import communes`), so `geometry` may be null.
 */
export const communes = pgTable(
	'communes',
	{
		code: text('code').primaryKey(),
		name: text('name').notNull(),
		/** `commune` or `arrondissement` (municipal arrondissement of Paris, Lyon, Marseille). */
		kind: text('kind').notNull(),
		department: text('department').notNull(),
		/** For an arrondissement, the city it belongs to (13055 for Marseille's). */
		parentCode: text('parent_code'),
		epci: text('epci'),
		population: integer('population'),
		postalCodes: text('postal_codes')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		geometry: jsonb('geometry').$type<Geometry>(),
		/** [minLon, minLat, maxLon, maxLat] of the geometry, for the spatial index. */
		bbox: doublePrecision('bbox').array(),
		searchName: text('search_name')
			.notNull()
			.generatedAlwaysAs(sql`f_unaccent(lower(name))`),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('communes_search_name_trgm').using('gin', t.searchName.op('gin_trgm_ops')),
		index('communes_postal_codes').using('gin', t.postalCodes),
		index('communes_department').on(t.department),
		index('communes_epci').on(t.epci),
		index('communes_parent').on(t.parentCode)
	]
);

export const territories = pgTable('territories', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});

export const territoryCommunes = pgTable(
	'territory_communes',
	{
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		communeCode: text('commune_code')
			.notNull()
			.references(() => communes.code)
	},
	(t) => [
		primaryKey({ columns: [t.territoryId, t.communeCode] }),
		index('territory_communes_commune').on(t.communeCode)
	]
);

/** A structure, with every field of the import format (contract §2). */
export const structures = pgTable(
	'structures',
	{
		id: text('id').primaryKey(),
		territoryId: text('territory_id')
			.notNull()
			.references(() => territories.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		kind: text('kind').notNull(),
		finess: text('finess'),
		address: text('address'),
		commune: text('commune'),
		lon: doublePrecision('lon'),
		lat: doublePrecision('lat'),
		/** The coverage codes as given (INSEE, `dep:XX`, `epci:SIREN`), shown readably. */
		coverage: text('coverage')
			.array()
			.notNull()
			.default(sql`'{}'::text[]`),
		coverageGeojson: jsonb('coverage_geojson').$type<Polygon | MultiPolygon>(),
		problems: text('problems').array().notNull(),
		levelMin: text('level_min').notNull(),
		levelMax: text('level_max').notNull(),
		mode: text('mode'),
		coordination: boolean('coordination').notNull(),
		ageMin: integer('age_min'),
		ageMax: integer('age_max'),
		apa: text('apa').notNull().default('any'),
		caseloadMax: integer('caseload_max'),
		caseloadCurrent: integer('caseload_current'),
		phone: text('phone'),
		email: text('email'),
		website: text('website'),
		hours: text('hours'),
		referral: text('referral'),
		updatedAt: date('updated_at'),
		searchText: text('search_text')
			.notNull()
			.generatedAlwaysAs(
				sql`f_unaccent(lower(coalesce(name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(finess, '') || ' ' || coalesce(referral, '')))`
			),
		importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('structures_territory').on(t.territoryId),
		index('structures_kind').on(t.kind),
		index('structures_problems').using('gin', t.problems),
		index('structures_search_text_trgm').using('gin', t.searchText.op('gin_trgm_ops'))
	]
);

/** Coverage expanded to places (communes or arrondissements), for matching by place. */
export const structureCommunes = pgTable(
	'structure_communes',
	{
		structureId: text('structure_id')
			.notNull()
			.references(() => structures.id, { onDelete: 'cascade' }),
		communeCode: text('commune_code')
			.notNull()
			.references(() => communes.code)
	},
	(t) => [
		primaryKey({ columns: [t.structureId, t.communeCode] }),
		index('structure_communes_commune').on(t.communeCode)
	]
);

/** Small instance-wide facts, e.g. the version of the loaded boundaries (cache invalidation). */
export const settings = pgTable('settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull(),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});
