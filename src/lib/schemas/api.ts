import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { INSEE_CODE } from '$lib/geo/places';
import { StructureImportSchema } from './structure';
import { TerritoryIdSchema, TerritoryPutSchema } from './territory';
import { z } from './zod';

/** `GET /api/v1/structures` query (contract §3). Unknown parameters are refused. */
export const StructuresQuerySchema = z.strictObject({
	territory: TerritoryIdSchema.optional(),
	commune: z.string().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu').optional(),
	problem: z.enum(PROBLEM_CODES).optional(),
	level: z.enum(LEVEL_CODES).optional(),
	kind: z.union([z.enum(KIND_CODES).transform((k) => [k]), z.array(z.enum(KIND_CODES))]).optional(),
	q: z.string().trim().min(1).max(200).optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50),
	offset: z.coerce.number().int().min(0).max(1_000_000).default(0)
});

export const CoverageQuerySchema = z.strictObject({
	commune: z.string().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu').optional()
});

export const CoverageSchema = z.object({
	territory: z.string(),
	commune: z.string().nullable(),
	cells: z.array(
		z.object({
			problem: z.enum(PROBLEM_CODES),
			level: z.enum(LEVEL_CODES),
			structures: z.array(z.string()),
			status: z.enum(['gap', 'single', 'overlap'])
		})
	)
});

export const ImportQuerySchema = z.strictObject({
	mode: z.enum(['upsert', 'replace']).default('upsert')
});

/** A structure as the API returns it: the import format plus the territory it belongs to. */
export const StructureRecordSchema = z.object({
	...StructureImportSchema.shape,
	territory: TerritoryIdSchema
});

export const StructureListSchema = z.object({
	total: z.int(),
	items: z.array(StructureRecordSchema)
});

export const TerritorySchema = z.object({
	id: TerritoryIdSchema,
	name: z.string(),
	communes: z.array(z.object({ code: z.string(), name: z.string() }))
});

export const ImportResultSchema = z.object({
	territory: z.string(),
	total: z.int(),
	created: z.int(),
	updated: z.int(),
	deleted: z.int()
});

export const ErrorSchema = z.object({
	error: z.object({
		code: z.string(),
		message: z.string(),
		issues: z.array(z.object({ path: z.string(), message: z.string() }))
	})
});

export { TerritoryPutSchema };
