import { scopeOf } from '$lib/server/auth/principal';
import { listTerritories } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	territories: await listTerritories(locals.db, scopeOf(locals.principal))
});
