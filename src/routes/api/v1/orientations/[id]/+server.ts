import { json } from '@sveltejs/kit';
import { ApiFailure, handleApi } from '$lib/server/api';
import { apiCaller } from '$lib/server/api-orientations';
import { getOrientation } from '$lib/server/services/orientations';
import type { RequestHandler } from './$types';

/** One orientation and its status history (contract §3). */
export const GET: RequestHandler = ({ params, locals, getClientAddress }) =>
	handleApi(async () => {
		const detail = await getOrientation(
			locals.db,
			apiCaller(locals, getClientAddress()),
			params.id
		);
		if (!detail) throw new ApiFailure(404, `Orientation introuvable : ${params.id}`);
		return json({
			id: detail.id,
			territory: detail.territoryId,
			commune: detail.commune,
			age: detail.age,
			age_band: detail.ageBand,
			apa: detail.apa,
			problems: detail.problems,
			criteria: detail.criteria,
			request_type: detail.requestType,
			level: detail.level,
			computed_level: detail.computedLevel,
			level_reason: detail.levelReason,
			consent: detail.consent,
			structure: detail.structure,
			orphan: detail.orphan,
			status: detail.status,
			note: detail.note,
			created_at: detail.createdAt.toISOString(),
			history: detail.history.map((h) => ({
				status: h.status,
				reason: h.reason,
				at: h.at.toISOString()
			}))
		});
	});
