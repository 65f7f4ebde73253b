import { json } from '@sveltejs/kit';
import { handleApi, readJson } from '$lib/server/api';
import { apiCaller, orientationCall } from '$lib/server/api-orientations';
import {
	answerRequest,
	parseRecommendationRequest,
	toApiAnswer
} from '$lib/server/services/orientations';
import type { RequestHandler } from './$types';

/** Ranks the right structures for a request; stores nothing (contract §3). */
export const POST: RequestHandler = ({ request, locals, getClientAddress }) =>
	handleApi(async () => {
		const body = await readJson(request, locals.bodyLimit ?? 1_000_000);
		return orientationCall(async () => {
			const answer = await answerRequest(
				locals.db,
				apiCaller(locals, getClientAddress()),
				parseRecommendationRequest(body)
			);
			return json(toApiAnswer(answer));
		});
	});
