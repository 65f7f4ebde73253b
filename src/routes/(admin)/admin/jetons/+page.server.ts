import { fail, redirect } from '@sveltejs/kit';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/services/api-tokens';
import { audit } from '$lib/server/services/audit';
import { listTerritories } from '$lib/server/services/territories';
import { AccountError } from '$lib/server/services/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
	tokens: await listApiTokens(locals.db),
	territories: await listTerritories(locals.db)
});

export const actions: Actions = {
	create: async ({ request, locals, getClientAddress }) => {
		const principal = locals.principal as NonNullable<App.Locals['principal']>;
		const form = await request.formData();
		const values = {
			name: String(form.get('name') ?? ''),
			role: String(form.get('role') ?? ''),
			territories: form.getAll('territories').map(String)
		};
		try {
			const { token, summary } = await createApiToken(locals.db, values, principal.id);
			await audit(locals.db, {
				actor: principal,
				action: 'admin.token_create',
				outcome: 'success',
				target: { type: 'token', id: summary.id },
				ip: getClientAddress(),
				details: { role: summary.role, territories: summary.territories.join(',') || null }
			});
			return { created: { name: summary.name, token } };
		} catch (e) {
			if (e instanceof AccountError) return fail(400, { values, issues: e.issues });
			throw e;
		}
	},
	revoke: async ({ request, locals, getClientAddress }) => {
		const principal = locals.principal as NonNullable<App.Locals['principal']>;
		const id = String((await request.formData()).get('id') ?? '');
		if (!(await revokeApiToken(locals.db, id))) {
			return fail(404, {
				values: null,
				issues: [{ path: 'id', message: 'jeton introuvable ou déjà révoqué' }]
			});
		}
		await audit(locals.db, {
			actor: principal,
			action: 'admin.token_revoke',
			outcome: 'success',
			target: { type: 'token', id },
			ip: getClientAddress()
		});
		redirect(303, '/admin/jetons');
	}
};
