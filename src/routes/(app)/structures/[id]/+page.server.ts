import { error } from '@sveltejs/kit';
import { scopeOf } from '$lib/server/auth/principal';
import { structureArea } from '$lib/server/services/map';
import { getStructure } from '$lib/server/services/structures';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	const structure = await getStructure(locals.db, params.id, scopeOf(locals.principal));
	if (!structure) error(404, `Structure introuvable : ${params.id}`);
	// The small map: its area, simplified, loaded with the page (a few places, or one polygon).
	return { structure, area: await structureArea(locals.db, structure.id) };
};
