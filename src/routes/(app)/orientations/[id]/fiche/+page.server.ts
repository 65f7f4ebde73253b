import { error } from '@sveltejs/kit';
import { requestCaller, scopeOf } from '$lib/server/auth/principal';
import { getOrientation } from '$lib/server/services/orientations';
import { getStructure } from '$lib/server/services/structures';
import { getTerritory } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

/**
 * The liaison sheet: what the agent prints for a structure that is not on Bon Tiers (or prefers
 * paper). It carries the request as the inbox shows it and blank lines for the person's name and
 * contact, written by hand: no identifier is stored, so none can be printed.
 */
export const load: PageServerLoad = async (event) => {
	const { locals, params } = event;
	const orientation = await getOrientation(locals.db, requestCaller(event), params.id);
	if (!orientation) error(404, `Orientation introuvable : ${params.id}`);
	if (!orientation.structure)
		error(404, `L’orientation ${orientation.reference} n’est adressée à aucune structure.`);
	const scope = scopeOf(locals.principal);
	const [structure, territory] = await Promise.all([
		getStructure(locals.db, orientation.structure.id, scope),
		orientation.territoryId ? getTerritory(locals.db, orientation.territoryId, scope) : null
	]);
	return {
		orientation: { ...orientation, age: null },
		to: {
			name: orientation.structure.name,
			address: structure?.address ?? null,
			communeName: structure?.communeName ?? null,
			phone: structure?.phone ?? null,
			email: structure?.email ?? null
		},
		from: territory?.name ?? orientation.territoryId
	};
};
