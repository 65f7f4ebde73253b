import { json } from '@sveltejs/kit';
import { ApiFailure, handleApi } from '$lib/server/api';
import { apiCaller, toApiOrientation } from '$lib/server/api-orientations';
import { getOrientation } from '$lib/server/services/orientations';
import type { RequestHandler } from './$types';

/** One orientation, by id or reference, and its status history (contract §3, §7). */
export const GET: RequestHandler = ({ params, locals, getClientAddress }) =>
	handleApi(async () => {
		const detail = await getOrientation(
			locals.db,
			apiCaller(locals, getClientAddress()),
			params.id
		);
		if (!detail) throw new ApiFailure(404, `Orientation introuvable : ${params.id}`);
		return json(toApiOrientation(detail));
	});
