import { readDirectoryQuery } from '$lib/schemas/directory';
import { scopeOf } from '$lib/server/auth/principal';
import { issuesOf } from '$lib/schemas/zod';
import { browseDirectory } from '$lib/server/services/directory';
import { listTerritories } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals }) => {
	const parsed = readDirectoryQuery(url.searchParams);
	if (!parsed.success) {
		// A hand-edited link with a wrong code: say which filter is wrong, show nothing misleading.
		return {
			query: null,
			invalid: issuesOf(parsed.error),
			result: null,
			territories: await listTerritories(locals.db, scopeOf(locals.principal))
		};
	}
	const result = await browseDirectory(locals.db, parsed.data, scopeOf(locals.principal));
	return { query: parsed.data, invalid: [], result, territories: result.territories };
};
