import { json } from '@sveltejs/kit';
import { handleApi, readJson } from '$lib/server/api';
import { apiCaller, orientationCall, toApiOrientation } from '$lib/server/api-orientations';
import { changeStatus } from '$lib/server/services/orientations';
import type { RequestHandler } from './$types';

/**
 * `{status: "sent"|"accepted"|"refused"|"closed", reason?}` (contract §3); the orientation (by id
 * or reference) is answered as it now stands.
 */
export const POST: RequestHandler = ({ params, request, locals, getClientAddress }) =>
	handleApi(async () => {
		const body = await readJson(request, locals.bodyLimit ?? 1_000_000);
		return orientationCall(async () => {
			const detail = await changeStatus(
				locals.db,
				apiCaller(locals, getClientAddress()),
				params.id,
				body
			);
			return json(toApiOrientation(detail));
		});
	});
