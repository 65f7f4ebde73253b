import { readMapQuery } from '$lib/schemas/map';
import { issuesOf } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { territoryMap } from '$lib/server/services/map';
import { openTerritory } from '$lib/server/services/scope';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id);
		const parsed = readMapQuery(url.searchParams);
		const query = parsed.success ? parsed.data : { type: [] };
		const map = await territoryMap(locals.db, caller, params.id, query);
		return {
			territory: { id: territory.id, name: territory.name },
			query,
			invalid: parsed.success ? [] : issuesOf(parsed.error),
			// A deployment with a tile server may give a background style (see README).
			styleUrl: process.env.MAP_STYLE_URL || null,
			...map
		};
	});
