import { json } from '@sveltejs/kit';
import { readPlaceSuggestQuery } from '$lib/schemas/place';
import { issuesOf } from '$lib/schemas/zod';
import { apiError } from '$lib/server/api';
import { scopeOf } from '$lib/server/auth/principal';
import { SUGGESTION_LIMIT, suggestPlaces } from '$lib/server/services/directory';
import type { RequestHandler } from './$types';

/**
 * Places for the place picker (PlacePicker.svelte): `{"suggestions": [PlaceSuggestion…]}`, at
 * most ten (a typed city brings all its arrondissements), each with the caller's territories that
 * contain it. A malformed query is answered 400 in the API's error format.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const parsed = readPlaceSuggestQuery(url.searchParams);
	if (!parsed.success) {
		return apiError(400, 'bad_request', 'Recherche de lieu invalide.', issuesOf(parsed.error));
	}
	const suggestions = await suggestPlaces(locals.db, scopeOf(locals.principal), parsed.data.q, {
		limit: SUGGESTION_LIMIT,
		cities: parsed.data.villes === 'oui'
	});
	// Per account (the territories differ), briefly: a picker asks again on every keystroke.
	return json({ suggestions }, { headers: { 'cache-control': 'private, max-age=60' } });
};
