import { json } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { mapStructure } from '$lib/server/services/map';
import type { RequestHandler } from './$types';

/** What a popup of the map shows (name, kind, remit, address, phone, position), when it opens. */
export const GET: RequestHandler = async (event) => {
	const id = event.url.searchParams.get('structure') ?? '';
	return json(
		await orErrorPage(() =>
			mapStructure(event.locals.db, requestCaller(event), event.params.id, id)
		)
	);
};
