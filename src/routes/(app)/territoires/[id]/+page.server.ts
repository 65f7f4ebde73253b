import { hasRole } from '$lib/domain/roles';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { openTerritory } from '$lib/server/services/scope';
import { countStructuresByKind } from '$lib/server/services/structures';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { params, locals } = event;
		const territory = await openTerritory(locals.db, requestCaller(event), params.id);
		return {
			territory,
			kinds: await countStructuresByKind(locals.db, params.id),
			canPilot: !!locals.principal && hasRole(locals.principal.role, 'pilot')
		};
	});
