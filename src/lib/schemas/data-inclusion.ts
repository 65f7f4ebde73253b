import {
	EXTENSION_FIELDS,
	PUBLICS,
	SERVICE_TYPES,
	THEMATIQUES,
	type ExtensionField
} from '$lib/domain/data-inclusion';
import { StructureImportSchema } from './structure';
import { z } from './zod';

/*
 * data·inclusion schema 1.x (contract §8), as far as Bon Tiers reads and writes it. On the way in,
 * the fields Bon Tiers uses are typed and the others (the schema has many, and grows) are
 * ignored; values of the schema's enums that Bon Tiers has no counterpart for are warnings of the
 * mapping (src/lib/domain/data-inclusion.ts), not errors. On the way out, the shape the API
 * answers, for openapi.json.
 */

const text = z.string().nullish();
const number = z.number().nullish();
const id = z.string().trim().min(1, 'identifiant requis');

export const DiStructureInSchema = z.looseObject({
	id,
	nom: z.string().trim().min(1, 'nom requis'),
	source: text,
	date_maj: text,
	adresse: text,
	complement_adresse: text,
	code_postal: text,
	commune: text,
	code_insee: text,
	longitude: number,
	latitude: number,
	telephone: text,
	courriel: text,
	site_web: text,
	horaires_accueil: text,
	reseaux_porteurs: z.array(z.string()).nullish(),
	to_confirm: z.boolean().nullish()
});

export const DiServiceInSchema = z.looseObject({
	id,
	structure_id: z.string().trim().min(1, 'identifiant de la structure requis'),
	nom: z.string().trim().min(1, 'nom requis'),
	source: text,
	date_maj: text,
	type: text,
	thematiques: z.array(z.string()).nullish(),
	publics: z.array(z.string()).nullish(),
	zone_eligibilite: z.array(z.string()).nullish(),
	adresse: text,
	complement_adresse: text,
	code_postal: text,
	commune: text,
	code_insee: text,
	longitude: number,
	latitude: number,
	telephone: text,
	courriel: text,
	horaires_accueil: text,
	lien_mobilisation: text,
	mobilisation_precisions: text,
	conditions_acces: text,
	// Its fields are the import format's, checked there and reported against `bon_tiers.…`.
	bon_tiers: z.record(z.string(), z.unknown()).nullish()
});

/** The import format's fields that `bon_tiers` carries, all optional. */
export const BonTiersExtensionSchema = z
	.object(
		Object.fromEntries(EXTENSION_FIELDS.map((f) => [f, StructureImportSchema.shape[f]])) as Pick<
			typeof StructureImportSchema.shape,
			ExtensionField
		>
	)
	.partial();

const optional = z.string().optional();

export const DiStructureSchema = z.object({
	source: z.string(),
	id: z.string(),
	nom: z.string().min(3).max(150),
	date_maj: z.iso.date(),
	description: optional,
	adresse: optional,
	code_postal: optional,
	commune: optional,
	code_insee: optional,
	longitude: z.number().optional(),
	latitude: z.number().optional(),
	telephone: optional,
	courriel: optional,
	site_web: optional,
	horaires_accueil: optional,
	reseaux_porteurs: z.array(z.string()).optional(),
	to_confirm: z.literal(true).optional()
});

export const DiServiceSchema = z.object({
	source: z.string(),
	id: z.string(),
	structure_id: z.string(),
	nom: z.string().min(3).max(150),
	description: z.string().min(5),
	date_maj: z.iso.date(),
	type: z.enum(SERVICE_TYPES),
	thematiques: z.array(z.enum(THEMATIQUES)).optional(),
	publics: z.array(z.enum(PUBLICS)).min(1),
	publics_precisions: optional,
	zone_eligibilite: z.array(z.string()).optional(),
	adresse: optional,
	code_postal: optional,
	commune: optional,
	code_insee: optional,
	longitude: z.number().optional(),
	latitude: z.number().optional(),
	telephone: optional,
	courriel: optional,
	horaires_accueil: optional,
	mobilisable_par: z.tuple([z.literal('professionnels')]),
	mobilisation_precisions: optional,
	bon_tiers: BonTiersExtensionSchema
});

/** `GET /api/v1/territories/{id}/data-inclusion`. */
export const DataInclusionExportSchema = z.object({
	structures: z.array(DiStructureSchema),
	services: z.array(DiServiceSchema)
});
