import { z } from './zod';

/** The most a place picker sends: a place name is rarely longer than 45 characters. */
export const PLACE_QUERY_MAX = 100;

/**
 * `GET /lieux?q=…&villes=oui`: the text typed in a place picker, and whether a city split into
 * arrondissements may itself be offered (the directory filters on « all of Marseille »; an
 * orientation needs an arrondissement).
 */
export const PlaceSuggestQuerySchema = z.object({
	q: z.string().trim().max(PLACE_QUERY_MAX).default(''),
	villes: z.enum(['oui', 'non']).default('non')
});

export type PlaceSuggestQuery = z.infer<typeof PlaceSuggestQuerySchema>;

export function readPlaceSuggestQuery(params: URLSearchParams) {
	return PlaceSuggestQuerySchema.safeParse({
		q: params.get('q') ?? undefined,
		villes: params.get('villes') ?? undefined
	});
}
