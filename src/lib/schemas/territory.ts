import { INSEE_CODE } from '$lib/geo/places';
import { z } from './zod';

export const TerritoryIdSchema = z
	.string()
	.trim()
	.min(1)
	.max(64)
	.regex(/^[a-z0-9][a-z0-9-]*$/, 'minuscules, chiffres et tirets seulement (ex. marseille-4-12)');

export const TerritoryPutSchema = z.strictObject({
	name: z.string().trim().min(1).max(200),
	communes: z
		.array(z.string().trim().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu'))
		.min(1, 'au moins une commune ou un arrondissement')
});

export type TerritoryPut = z.infer<typeof TerritoryPutSchema>;
