import { error } from '@sveltejs/kit';
import { readMapQuery } from '$lib/schemas/map';
import { issuesOf } from '$lib/schemas/zod';
import { scopeOf } from '$lib/server/auth/principal';
import { territoryMap } from '$lib/server/services/map';
import { getTerritory } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
	if (!territory) error(404, `Territoire introuvable : ${params.id}`);
	const parsed = readMapQuery(url.searchParams);
	const query = parsed.success ? parsed.data : { type: [] };
	const map = await territoryMap(locals.db, params.id, query);
	return {
		territory: { id: territory.id, name: territory.name },
		query,
		invalid: parsed.success ? [] : issuesOf(parsed.error),
		// A deployment with a tile server may give a background style (see README).
		styleUrl: process.env.MAP_STYLE_URL || null,
		...map
	};
};
