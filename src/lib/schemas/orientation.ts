import { CRITERION_CODES, KINDS, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { INSEE_CODE } from '$lib/geo/places';
import { TerritoryIdSchema } from './territory';
import { z } from './zod';

/**
 * A request to orient (contract §3). Strict: a field such as `name` or `nom` is refused, so no
 * direct identifier of the person can enter the product.
 */
export const RecommendationRequestSchema = z
	.strictObject({
		territory: TerritoryIdSchema.optional(),
		commune: z.string().trim().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu').optional(),
		location: z
			.strictObject({
				lon: z.number().min(-180).max(180),
				lat: z.number().min(-90).max(90)
			})
			.optional(),
		age: z.int().min(0).max(130).nullable().default(null),
		apa: z.boolean().nullable().default(null),
		problems: z
			.array(z.enum(PROBLEM_CODES))
			.min(1, 'au moins un problème (le premier est le problème dominant)')
			.max(16)
			.refine((p) => new Set(p).size === p.length, 'problème en double'),
		criteria: z
			.array(z.enum(CRITERION_CODES))
			.max(9)
			.default([])
			.refine((c) => new Set(c).size === c.length, 'critère en double'),
		request_type: z.enum(['information', 'accompagnement']).default('accompagnement'),
		/** The level chosen by the agent, when it overrides the computed one. */
		level: z.enum(LEVEL_CODES).nullable().default(null),
		consent: z.boolean().default(false)
	})
	.refine((r) => r.commune !== undefined || r.location !== undefined, {
		message: 'indiquez commune (code INSEE) ou location (lon, lat)',
		path: ['commune']
	});

export type RecommendationRequestInput = z.input<typeof RecommendationRequestSchema>;
export type RecommendationRequestData = z.output<typeof RecommendationRequestSchema>;

export const ORIENTATION_STATUSES = ['sent', 'accepted', 'refused', 'closed'] as const;
export type OrientationStatus = (typeof ORIENTATION_STATUSES)[number];

/** Entry doors of a request, for the pilots' flows (who orients to whom). */
export const SOURCES = [
	{ code: 'personne', label: 'La personne elle-même' },
	{ code: 'entourage', label: 'Un proche, l’entourage' },
	...KINDS.map((k) => ({ code: k.code, label: k.label }))
] as const;
export const SOURCE_CODES = SOURCES.map((s) => s.code) as [string, ...string[]];

/** Free text must not carry names: kept short, and the form says so. */
const Note = z.string().trim().max(1000).optional();

export const OrientationCreateSchema = z
	.strictObject({
		...RecommendationRequestSchema.shape,
		/** The structure chosen among the recommendations; absent for an orphan situation. */
		structure: z.string().trim().min(1).max(100).nullable().default(null),
		level_reason: z.string().trim().min(1).max(500).optional(),
		note: Note,
		/** Where the request came from: a kind of structure, the person, or a relative. */
		source: z.enum(SOURCE_CODES).optional()
	})
	.refine((r) => r.commune !== undefined || r.location !== undefined, {
		message: 'indiquez commune (code INSEE) ou location (lon, lat)',
		path: ['commune']
	});

export type OrientationCreateData = z.output<typeof OrientationCreateSchema>;

export const StatusChangeSchema = z
	.strictObject({
		status: z.enum(ORIENTATION_STATUSES),
		reason: z.string().trim().min(1).max(500).optional()
	})
	.refine((s) => s.status !== 'refused' || s.reason !== undefined, {
		message: 'un refus doit être motivé',
		path: ['reason']
	});

/** Which status may follow which. */
export const NEXT_STATUSES: Record<OrientationStatus, readonly OrientationStatus[]> = {
	sent: ['accepted', 'refused', 'closed'],
	accepted: ['closed'],
	refused: ['closed'],
	closed: []
};

export const STATUS_LABELS: Record<OrientationStatus, string> = {
	sent: 'Envoyée',
	accepted: 'Acceptée',
	refused: 'Refusée',
	closed: 'Close'
};
