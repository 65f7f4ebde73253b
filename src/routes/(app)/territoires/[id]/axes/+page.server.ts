import { error } from '@sveltejs/kit';
import { readAxesQuery } from '$lib/schemas/axes';
import { issuesOf } from '$lib/schemas/zod';
import { scopeOf } from '$lib/server/auth/principal';
import { territoryAxes } from '$lib/server/services/axes';
import { getTerritory } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
	if (!territory) error(404, `Territoire introuvable : ${params.id}`);
	const parsed = readAxesQuery(url.searchParams);
	const query = parsed.success ? parsed.data : { type: [] };
	const axes = await territoryAxes(locals.db, params.id, query);
	return {
		territory: { id: territory.id, name: territory.name, places: territory.places },
		query,
		invalid: parsed.success ? [] : issuesOf(parsed.error),
		...axes
	};
};
