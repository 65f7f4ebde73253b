import { json } from '@sveltejs/kit';
import { CoverageQuerySchema } from '$lib/schemas/api';
import { ApiFailure, handleApi, queryObject, validate } from '$lib/server/api';
import { scopeOf } from '$lib/server/auth/principal';
import { territoryCoverage } from '$lib/server/services/coverage';
import { getTerritory } from '$lib/server/services/territories';
import type { RequestHandler } from './$types';

/** The complexity × problem grid of a territory, or of one of its communes (contract §3). */
export const GET: RequestHandler = ({ params, url, locals }) =>
	handleApi(async () => {
		const query = validate(CoverageQuerySchema, queryObject(url));
		const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
		if (!territory) throw new ApiFailure(404, `Territoire introuvable : ${params.id}`);
		const { cells } = await territoryCoverage(locals.db, params.id, { commune: query.commune });
		return json({ territory: params.id, commune: query.commune ?? null, cells });
	});
