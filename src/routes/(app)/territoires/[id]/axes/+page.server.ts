import { readAxesQuery } from '$lib/schemas/axes';
import { issuesOf } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { territoryAxes } from '$lib/server/services/axes';
import { openTerritory } from '$lib/server/services/scope';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id);
		const parsed = readAxesQuery(url.searchParams);
		const query = parsed.success ? parsed.data : { type: [] };
		const axes = await territoryAxes(locals.db, caller, params.id, query);
		return {
			territory: { id: territory.id, name: territory.name, places: territory.places },
			query,
			invalid: parsed.success ? [] : issuesOf(parsed.error),
			...axes
		};
	});
