import { json } from '@sveltejs/kit';
import { StructuresQuerySchema } from '$lib/schemas/api';
import { handleApi, queryObject, validate } from '$lib/server/api';
import { scopeOf } from '$lib/server/auth/principal';
import { getPlaceCatalog } from '$lib/server/services/geography';
import { getStructureRecords, searchStructures } from '$lib/server/services/structures';
import type { RequestHandler } from './$types';

/** Searches the directory (contract §3), within the caller's territories. */
export const GET: RequestHandler = ({ url, locals }) =>
	handleApi(async () => {
		const query = validate(StructuresQuerySchema, queryObject(url));
		const places = query.commune
			? (await getPlaceCatalog(locals.db)).leavesOf(query.commune)
			: undefined;
		const { total, items } = await searchStructures(locals.db, {
			scope: scopeOf(locals.principal),
			territory: query.territory,
			kinds: query.kind,
			problem: query.problem,
			level: query.level,
			q: query.q,
			places,
			limit: query.limit,
			offset: query.offset
		});
		return json({
			total,
			items: await getStructureRecords(
				locals.db,
				items.map((i) => i.id)
			)
		});
	});
