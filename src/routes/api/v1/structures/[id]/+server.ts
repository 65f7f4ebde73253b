import { json } from '@sveltejs/kit';
import { ApiFailure, handleApi } from '$lib/server/api';
import { scopeOf } from '$lib/server/auth/principal';
import { getStructure, getStructureRecords } from '$lib/server/services/structures';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ params, locals }) =>
	handleApi(async () => {
		// Outside the caller's territories, a structure does not exist (404, not 403).
		const visible = await getStructure(locals.db, params.id, scopeOf(locals.principal));
		if (!visible) throw new ApiFailure(404, `Structure introuvable : ${params.id}`);
		const [record] = await getStructureRecords(locals.db, [params.id]);
		return json(record);
	});
