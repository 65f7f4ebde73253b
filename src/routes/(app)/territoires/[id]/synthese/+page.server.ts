import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { territorySynthesis } from '$lib/server/services/synthesis';
import { readPeriod } from '../pilotage/period';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const { period, du, au, invalid } = readPeriod(url.searchParams);
		const synthesis = await territorySynthesis(locals.db, requestCaller(event), params.id, period);
		return {
			...synthesis,
			du,
			au,
			invalidPeriod: invalid,
			// The day of the synthesis, taken once on the server: the page shows the same on hydration.
			generatedAt: new Date().toISOString()
		};
	});
