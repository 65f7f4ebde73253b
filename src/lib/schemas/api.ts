import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { INSEE_CODE } from '$lib/geo/places';
import { ORIENTATION_STATUSES } from './orientation';
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
	communes: z.array(z.object({ code: z.string(), name: z.string() })),
	/** Days before an unanswered structure is reminded, and before the orientation expires (§7). */
	reminder_days: z.int(),
	expiry_days: z.int()
});

export const ImportResultSchema = z.object({
	territory: z.string(),
	total: z.int(),
	created: z.int(),
	updated: z.int(),
	deleted: z.int()
});

/**
 * The API's error (contract §3). An import's issues also carry the `row` (1-based; 0 for the file
 * as a whole) and the `field` they are about.
 */
export const ErrorSchema = z.object({
	error: z.object({
		code: z.string(),
		message: z.string(),
		issues: z.array(
			z.object({
				path: z.string(),
				message: z.string(),
				row: z.int().min(0).optional(),
				field: z.string().optional()
			})
		)
	})
});

/** A structure named in an answer or a record. */
const StructureRefSchema = z.object({
	id: z.string(),
	name: z.string(),
	kind: z.enum(KIND_CODES)
});

/**
 * The answer of `POST /recommendations` (contract §3), as `toApiAnswer` builds it: the place and
 * territory it was answered for, the complexity assessment, the ranked structures and those ruled
 * out with why.
 */
export const RecommendationAnswerSchema = z.object({
	territory: z.string().nullable(),
	commune: z.string(),
	complexity: z.object({
		computed: z.enum(LEVEL_CODES),
		level: z.enum(LEVEL_CODES),
		reasons: z.array(z.string()),
		/** The three MAIA conditions of entry to case management, each held or missing. */
		case_management: z.object({
			met: z.boolean(),
			override: z.boolean(),
			conditions: z.array(
				z.object({
					code: z.enum(['trois_champs', 'aides_insuffisantes', 'sans_coordinateur']),
					label: z.string(),
					met: z.boolean()
				})
			)
		})
	}),
	recommendations: z.array(
		z.object({
			structure: StructureRefSchema,
			score: z.number().min(0).max(1),
			reasons: z.array(z.string()),
			warnings: z.array(z.string())
		})
	),
	excluded: z.array(z.object({ structure: StructureRefSchema, reasons: z.array(z.string()) })),
	orphan: z.boolean()
});

/** The answer of `POST /orientations`: the record's `id` and `reference`, and the same answer. */
export const OrientationCreatedSchema = z.object({
	id: z.string(),
	reference: z.string(),
	...RecommendationAnswerSchema.shape
});

/** An orientation as the API returns it (`toApiOrientation`), with its status history. */
export const OrientationSchema = z.object({
	id: z.string(),
	reference: z.string(),
	territory: z.string().nullable(),
	commune: z.string(),
	age: z.int().nullable(),
	age_band: z.int().nullable(),
	apa: z.boolean().nullable(),
	handicap: z.boolean().nullable(),
	problems: z.array(z.enum(PROBLEM_CODES)),
	criteria: z.array(z.string()),
	request_type: z.string(),
	level: z.enum(LEVEL_CODES),
	computed_level: z.enum(LEVEL_CODES),
	level_reason: z.string().nullable(),
	case_management_reason: z.string().nullable(),
	consent: z.boolean(),
	structure: StructureRefSchema.nullable(),
	orphan: z.boolean(),
	status: z.enum(ORIENTATION_STATUSES),
	overdue: z.boolean(),
	note: z.string().nullable(),
	created_at: z.iso.datetime(),
	status_changed_at: z.iso.datetime(),
	/** The refused or expired orientation this one re-orients, and the one re-orienting it (§7). */
	previous: z.string().nullable(),
	next: z.string().nullable(),
	complexity: z.object({ computed: z.enum(LEVEL_CODES), level: z.enum(LEVEL_CODES) }),
	/** The request as the agent saw it; `age` is null for a structure's member (age band only). */
	request: z.object({
		commune: z.string(),
		age: z.int().nullable(),
		age_band: z.int().nullable(),
		apa: z.boolean().nullable(),
		handicap: z.boolean().nullable(),
		problems: z.array(z.enum(PROBLEM_CODES)),
		criteria: z.array(z.string()),
		request_type: z.string(),
		note: z.string().nullable()
	}),
	history: z.array(
		z.object({
			status: z.enum(ORIENTATION_STATUSES),
			reason_code: z.string().nullable(),
			reason: z.string().nullable(),
			at: z.iso.datetime(),
			/** The structure answered itself; false: the orienting agent recorded it (or the instance). */
			by_structure: z.boolean(),
			admission: z
				.object({
					trois_champs: z.boolean(),
					aides_insuffisantes: z.boolean(),
					sans_coordinateur: z.boolean(),
					from_request: z.boolean()
				})
				.nullable()
		})
	)
});

/** `GET /orientations` (contract §7): a structure's inbox, or the caller's records. */
export const OrientationListSchema = z.object({
	items: z.array(OrientationSchema),
	total: z.int()
});

const isoInstant = z.iso.datetime({
	offset: true,
	error: 'instant ISO 8601 attendu (2026-12-01T08:00:00Z)'
});

export const OrientationsQuerySchema = z.strictObject({
	structure: z.string().trim().min(1).max(100).optional(),
	status: z.enum([...ORIENTATION_STATUSES, 'open', 'overdue']).optional(),
	since: isoInstant.optional(),
	limit: z.coerce.number().int().min(1).max(200).default(50),
	offset: z.coerce.number().int().min(0).max(1_000_000).default(0)
});

/** The OpenAPI 3.1 document itself (`GET /openapi.json`). */
export const OpenApiDocumentSchema = z.looseObject({
	openapi: z.string(),
	info: z.looseObject({ title: z.string(), version: z.string() }),
	paths: z.record(z.string(), z.unknown())
});

export { TerritoryPutSchema };
