import { error } from '@sveltejs/kit';
import { hasRole } from '$lib/domain/roles';
import { scopeOf } from '$lib/server/auth/principal';
import { countStructuresByKind } from '$lib/server/services/structures';
import { getTerritory } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
	if (!territory) error(404, `Territoire introuvable : ${params.id}`);
	return {
		territory,
		kinds: await countStructuresByKind(locals.db, params.id),
		canPilot: !!locals.principal && hasRole(locals.principal.role, 'pilot')
	};
};
