import { json } from '@sveltejs/kit';
import { handleApi, readJson } from '$lib/server/api';
import { apiCaller, orientationCall } from '$lib/server/api-orientations';
import { createOrientation, toApiAnswer } from '$lib/server/services/orientations';
import type { RequestHandler } from './$types';

/**
 * Same as recommendations, and records the orientation; returns its `id` and its `reference`
 * (`OR-2026-00042`) with the answer (contract §3).
 */
export const POST: RequestHandler = ({ request, locals, getClientAddress }) =>
	handleApi(async () => {
		const body = await readJson(request, locals.bodyLimit ?? 1_000_000);
		return orientationCall(async () => {
			const { id, reference, answer } = await createOrientation(
				locals.db,
				apiCaller(locals, getClientAddress()),
				body
			);
			return json({ id, reference, ...toApiAnswer(answer) }, { status: 201 });
		});
	});
