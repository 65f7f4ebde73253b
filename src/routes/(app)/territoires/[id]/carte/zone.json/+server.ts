import { error, json } from '@sveltejs/kit';
import { scopeOf } from '$lib/server/auth/principal';
import { structureArea } from '$lib/server/services/map';
import { getStructure } from '$lib/server/services/structures';
import type { RequestHandler } from './$types';

/** The area a structure covers (its places, simplified, and its polygon), for the map. */
export const GET: RequestHandler = async ({ locals, url }) => {
	const id = url.searchParams.get('structure') ?? '';
	const structure = await getStructure(locals.db, id, scopeOf(locals.principal));
	if (!structure) error(404, `Structure introuvable : ${id}`);
	return json(await structureArea(locals.db, id));
};
