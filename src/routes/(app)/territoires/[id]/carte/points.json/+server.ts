import { readMapQuery } from '$lib/schemas/map';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { mapPointsBody } from '$lib/server/services/map';
import type { RequestHandler } from './$types';

/**
 * The map's points (id and kind of each placed structure), as GeoJSON, apart from the page's data:
 * the page's head preloads them while its scripts load, and maplibre clusters them in its worker.
 * `type` as in the map page's query string.
 */
export const GET: RequestHandler = async (event) => {
	const parsed = readMapQuery(event.url.searchParams);
	const kinds = parsed.success ? parsed.data.type : [];
	const points = await orErrorPage(() =>
		mapPointsBody(event.locals.db, requestCaller(event), event.params.id, kinds)
	);
	return points.response('application/geo+json');
};
