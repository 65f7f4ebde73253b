import { error } from '@sveltejs/kit';
import { readMapQuery, TileAddressSchema } from '$lib/schemas/map';
import { issuesOf } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { mapTiles } from '$lib/server/services/map';
import type { RequestHandler } from './$types';

/**
 * A tile of the map's structures (groups and single points, id and kind each), as a Mapbox Vector
 * Tile: maplibre asks for the tiles it draws, as the view moves. `type` as in the map page's
 * query string.
 */
export const GET: RequestHandler = async (event) => {
	const address = TileAddressSchema.safeParse(event.params);
	if (!address.success) {
		const issues = issuesOf(address.error).map((i) => `${i.path} : ${i.message}`);
		error(400, `Tuile invalide (${issues.join(' ; ')}).`);
	}
	const parsed = readMapQuery(event.url.searchParams);
	const kinds = parsed.success ? parsed.data.type : [];
	const tiles = await orErrorPage(() =>
		mapTiles(event.locals.db, requestCaller(event), event.params.id, kinds)
	);
	const { z, x, y } = address.data;
	return new Response(tiles.tile(z, x, y), {
		headers: {
			'content-type': 'application/vnd.mapbox-vector-tile',
			// Kept by the map while it is open; asked again on the next visit, after any write.
			'cache-control': 'private, no-cache'
		}
	});
};
