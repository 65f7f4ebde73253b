import { checkFreeText, type IdentifierMessageOptions } from '$lib/domain/identifiers';
import { CRITERION_CODES, KINDS, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { INSEE_CODE } from '$lib/geo/places';
import { TerritoryIdSchema } from './territory';
import { defineVocabulary, z } from './zod';

/** Types of request (contract §3 `request_type`), as the form names them. */
export const REQUEST_TYPES = [
	{ code: 'accompagnement', label: 'Accompagnement' },
	{ code: 'information', label: 'Information' },
	{
		code: 'prestation',
		label: 'Demande d’un service (soins à domicile, place en établissement déjà décidée)'
	}
] as const;
export const REQUEST_TYPE_CODES = REQUEST_TYPES.map((t) => t.code) as [
	(typeof REQUEST_TYPES)[number]['code'],
	...(typeof REQUEST_TYPES)[number]['code'][]
];
defineVocabulary(REQUEST_TYPES, 'le type de demande');

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
				lon: z
					.number()
					.min(-180, 'longitude entre -180 et 180')
					.max(180, 'longitude entre -180 et 180'),
				lat: z.number().min(-90, 'latitude entre -90 et 90').max(90, 'latitude entre -90 et 90')
			})
			.optional(),
		age: z
			.int({ error: 'l’âge est un nombre entier d’années' })
			.min(0, 'l’âge ne peut pas être négatif')
			.max(130, 'l’âge ne peut pas dépasser 130 ans')
			.nullable()
			.default(null),
		apa: z.boolean().nullable().default(null),
		/** A recognised disability (an MDPH notification); null when nobody knows. */
		handicap: z.boolean().nullable().default(null),
		problems: z
			.array(z.enum(PROBLEM_CODES))
			.min(1, 'au moins un problème (le premier est le problème dominant)')
			.max(16, '16 problèmes au plus')
			.refine((p) => new Set(p).size === p.length, 'problème en double'),
		criteria: z
			.array(z.enum(CRITERION_CODES))
			.max(9, '9 critères au plus')
			.default([])
			.refine((c) => new Set(c).size === c.length, 'critère en double'),
		request_type: z.enum(REQUEST_TYPE_CODES).default('accompagnement'),
		/** The level chosen by the agent, when it overrides the computed one. */
		level: z.enum(LEVEL_CODES).nullable().default(null),
		/**
		 * Why the agent proposes case management although the three MAIA conditions do not all
		 * hold: the gate's explicit override (contract §1: staff may override, with a reason).
		 */
		case_management_reason: withoutIdentifiers(
			z
				.string()
				.trim()
				.min(3, 'motivez la proposition de gestion de cas (3 caractères au moins)')
				.max(500, '500 caractères au plus'),
			'le motif de la gestion de cas',
			{ advice: 'motivez sans coordonnées de la personne' }
		).optional(),
		consent: z.boolean().default(false)
	})
	.refine((r) => r.commune !== undefined || r.location !== undefined, {
		message: 'indiquez la commune (code INSEE) ou un point (location : lon, lat)',
		path: ['commune']
	});

export type RecommendationRequestInput = z.input<typeof RecommendationRequestSchema>;
export type RecommendationRequestData = z.output<typeof RecommendationRequestSchema>;

/** The referral loop's statuses (contract §7). */
export const ORIENTATION_STATUSES = [
	'sent',
	'accepted',
	'refused',
	'waitlisted',
	'expired',
	'closed'
] as const;
export type OrientationStatus = (typeof ORIENTATION_STATUSES)[number];

export const STATUS_LABELS: Record<OrientationStatus, string> = {
	sent: 'Envoyée',
	accepted: 'Acceptée',
	refused: 'Refusée',
	waitlisted: 'En liste d’attente',
	expired: 'Expirée',
	closed: 'Clôturée'
};
defineVocabulary(
	ORIENTATION_STATUSES.map((code) => ({ code, label: STATUS_LABELS[code] })),
	'le statut'
);

/**
 * The statuses a structure gives (contract §7): when the structure has members, only they (or its
 * token) may give them; without members, the orienting agent records what the structure said.
 */
export const STRUCTURE_ANSWERS = ['accepted', 'refused', 'waitlisted'] as const;

/** What a status is as a FHIR `Task.status` (README, « Le circuit d’orientation »). */
export const FHIR_TASK_STATUS: Record<OrientationStatus, string> = {
	sent: 'requested',
	accepted: 'accepted',
	refused: 'rejected',
	waitlisted: 'on-hold',
	expired: 'cancelled',
	closed: 'completed'
};

/** Why a structure refuses (contract §7). `autre` needs a text. */
export const REFUSAL_REASONS = [
	{ code: 'hors_zone', label: 'Hors de la zone d’intervention' },
	{ code: 'hors_public', label: 'Hors du public (âge, APA, handicap)' },
	{ code: 'hors_missions', label: 'Hors des missions' },
	{ code: 'file_active_complete', label: 'File active complète' },
	{ code: 'deja_suivi', label: 'Déjà suivie par une autre structure' },
	{ code: 'personne_injoignable', label: 'Personne injoignable' },
	{ code: 'refus_personne', label: 'Refus de la personne' },
	{ code: 'autre', label: 'Autre motif (précisez)' }
] as const;
export const REFUSAL_REASON_CODES = REFUSAL_REASONS.map((r) => r.code) as [
	(typeof REFUSAL_REASONS)[number]['code'],
	...(typeof REFUSAL_REASONS)[number]['code'][]
];
defineVocabulary(REFUSAL_REASONS, 'le motif de refus');

/** Why a follow-up ends (contract §7). `autre` needs a text. */
export const CLOSING_REASONS = [
	{ code: 'fin_accompagnement', label: 'Fin de l’accompagnement' },
	{ code: 'deces', label: 'Décès' },
	{ code: 'demenagement', label: 'Déménagement' },
	{ code: 'entree_etablissement', label: 'Entrée en établissement' },
	{ code: 'autre', label: 'Autre motif (précisez)' }
] as const;
export const CLOSING_REASON_CODES = CLOSING_REASONS.map((r) => r.code) as [
	(typeof CLOSING_REASONS)[number]['code'],
	...(typeof CLOSING_REASONS)[number]['code'][]
];
defineVocabulary(CLOSING_REASONS, 'le motif de clôture');

/** The label of a refusal or closing reason code (the code itself when unknown). */
export function reasonLabel(status: string, code: string | null): string | null {
	if (code === null) return null;
	const list: readonly { code: string; label: string }[] =
		status === 'closed' ? CLOSING_REASONS : REFUSAL_REASONS;
	return list.find((r) => r.code === code)?.label.replace(' (précisez)', '') ?? code;
}

/**
 * The default delays of a territory (contract §7): a structure that has not answered is reminded
 * after `REMINDER_DAYS` (it is then « en retard » for the agent), once more `FINAL_REMINDER_DAYS`
 * before expiry, and the orientation expires after `EXPIRY_DAYS`. Each territory sets its own.
 */
export const DEFAULT_REMINDER_DAYS = 10;
export const DEFAULT_EXPIRY_DAYS = 30;
export const FINAL_REMINDER_DAYS = 3;

/** @deprecated the territory's `reminder_days`; kept as the default for older call sites. */
export const OVERDUE_AFTER_DAYS = DEFAULT_REMINDER_DAYS;

/**
 * The short reference of an orientation, `OR-2026-00042` (year of creation in Europe/Paris, then
 * its number within the year), accepted wherever the id is (links, API).
 */
export const REFERENCE_PATTERN = /^OR-\d{4}-\d{5,}$/i;

/** Entry doors of a request, for the pilots' flows (who orients to whom). */
export const SOURCES = [
	{ code: 'personne', label: 'La personne elle-même' },
	{ code: 'entourage', label: 'Un proche, l’entourage' },
	...KINDS.map((k) => ({ code: k.code, label: k.label }))
] as const;
export const SOURCE_CODES = SOURCES.map((s) => s.code) as [string, ...string[]];
defineVocabulary(SOURCES, 'l’origine de la demande');

/**
 * Free text (a note, a reason) holding a direct identifier of the person — an e-mail address, a
 * phone number, a NIR, a postal address (domain/identifiers) — is refused at its path, naming the
 * field and what was found, never the value (contract §3): the value is neither stored nor part
 * of any message, so it cannot reach a log. In the schema, so the form, the API and the CLI all
 * get it.
 */
function withoutIdentifiers<T extends z.ZodType<string>>(
	schema: T,
	field: string,
	options: IdentifierMessageOptions = {}
) {
	return schema.superRefine((text, ctx) => {
		const message = checkFreeText(field, text, options);
		if (message) ctx.addIssue({ code: 'custom', message });
	});
}

/** Free text must not carry names: kept short, and the form says so. */
const Note = withoutIdentifiers(
	z.string().trim().max(1000, '1 000 caractères au plus'),
	'la note'
).optional();

const LevelReason = withoutIdentifiers(
	z.string().trim().min(1, 'motivez le choix du niveau').max(500),
	'le motif du niveau',
	{ advice: 'motivez le niveau sans coordonnées de la personne' }
).optional();

const StatusReason = withoutIdentifiers(
	z.string().trim().min(1).max(500, '500 caractères au plus'),
	'le motif',
	{ advice: 'aucune coordonnée de la personne n’est gardée dans le suivi' }
).optional();

export const OrientationCreateSchema = z
	.strictObject({
		...RecommendationRequestSchema.shape,
		/**
		 * The structure chosen among the recommendations; null for none (an orphan situation);
		 * absent, the first recommendation (contract §3).
		 */
		structure: z
			.string({ error: 'l’identifiant d’une des structures recommandées est attendu' })
			.trim()
			.min(1, 'choisissez une des structures recommandées')
			.max(100)
			.nullable()
			.optional(),
		level_reason: LevelReason,
		note: Note,
		/** Where the request came from: a kind of structure, the person, or a relative. */
		source: z.enum(SOURCE_CODES).optional()
	})
	.refine((r) => r.commune !== undefined || r.location !== undefined, {
		message: 'indiquez la commune (code INSEE) ou un point (location : lon, lat)',
		path: ['commune']
	});

export type OrientationCreateData = z.output<typeof OrientationCreateSchema>;

/** A case-management service's judgement of the three MAIA conditions (contract §7). */
export const AdmissionSchema = z.strictObject({
	trois_champs: z.boolean({ error: 'oui ou non attendu' }),
	aides_insuffisantes: z.boolean({ error: 'oui ou non attendu' }),
	sans_coordinateur: z.boolean({ error: 'oui ou non attendu' })
});
export type Admission = z.output<typeof AdmissionSchema>;

export const StatusChangeSchema = z
	.strictObject({
		status: z.enum(ORIENTATION_STATUSES),
		reason_code: z.string().trim().min(1).max(40).optional(),
		reason: StatusReason,
		admission: AdmissionSchema.optional()
	})
	.superRefine((s, ctx) => {
		if (
			s.admission !== undefined &&
			s.status !== 'accepted' &&
			s.status !== 'waitlisted' &&
			s.status !== 'refused'
		)
			ctx.addIssue({
				code: 'custom',
				path: ['admission'],
				message:
					'une décision d’admission accompagne une acceptation, une mise en attente ou un refus'
			});
		const codes: readonly string[] | null =
			s.status === 'refused'
				? REFUSAL_REASON_CODES
				: s.status === 'closed'
					? CLOSING_REASON_CODES
					: null;
		if (codes === null) {
			if (s.reason_code !== undefined)
				ctx.addIssue({
					code: 'custom',
					path: ['reason_code'],
					message: `pas de motif codé pour le statut « ${STATUS_LABELS[s.status]} »`
				});
			return;
		}
		if (s.reason_code === undefined) {
			ctx.addIssue({
				code: 'custom',
				path: ['reason_code'],
				message:
					s.status === 'refused'
						? `un refus doit être motivé : ${codes.join(', ')}`
						: `une clôture doit être motivée : ${codes.join(', ')}`
			});
		} else if (!codes.includes(s.reason_code)) {
			ctx.addIssue({
				code: 'custom',
				path: ['reason_code'],
				message: `motif inconnu : ${s.reason_code} (attendu : ${codes.join(', ')})`
			});
		} else if (s.reason_code === 'autre' && s.reason === undefined) {
			ctx.addIssue({
				code: 'custom',
				path: ['reason'],
				message: 'précisez le motif « autre »'
			});
		}
	});

/** `POST /orientations/{id}/reorient` (contract §7): the structure chosen, else the first. */
export const ReorientSchema = z.strictObject({
	structure: z
		.string({ error: 'l’identifiant d’une des structures recommandées est attendu' })
		.trim()
		.min(1, 'choisissez une des structures recommandées')
		.max(100)
		.nullable()
		.optional(),
	note: Note
});

/** Which status may follow which (contract §7). `expired` is the instance's alone. */
export const NEXT_STATUSES: Record<OrientationStatus, readonly OrientationStatus[]> = {
	sent: ['accepted', 'refused', 'waitlisted', 'expired', 'closed'],
	waitlisted: ['accepted', 'refused', 'closed'],
	accepted: ['closed'],
	refused: [],
	expired: [],
	closed: []
};
