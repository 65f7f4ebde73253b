import { redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { serviceFail } from '$lib/server/forms';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/services/api-tokens';
import { grantable } from '$lib/server/services/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const caller = requestCaller(event);
	return {
		tokens: await listApiTokens(event.locals.db, caller),
		...(await grantable(event.locals.db, caller))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const form = await event.request.formData();
		const values = {
			name: String(form.get('name') ?? ''),
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		try {
			const { token, summary } = await createApiToken(
				event.locals.db,
				requestCaller(event),
				values
			);
			return { created: { name: summary.name, token } };
		} catch (e) {
			return serviceFail(e, { values });
		}
	},
	revoke: async (event) => {
		const id = String((await event.request.formData()).get('id') ?? '');
		try {
			await revokeApiToken(event.locals.db, requestCaller(event), id);
		} catch (e) {
			return serviceFail(e, { values: null });
		}
		redirect(303, '/admin/jetons');
	}
};
