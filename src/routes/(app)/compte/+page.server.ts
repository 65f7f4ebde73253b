import { error, fail, redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { requestCaller } from '$lib/server/auth/principal';
import { serviceFail } from '$lib/server/forms';

import { signOutEverywhere } from '$lib/server/services/sessions';
import { changePassword, getUser } from '$lib/server/services/users';
import type { Actions, PageServerLoad } from './$types';

function currentUser(locals: App.Locals) {
	const principal = locals.principal;
	if (!principal || principal.type !== 'user') error(403, 'Page réservée aux comptes personnels.');
	return principal;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const principal = currentUser(locals);
	const user = await getUser(locals.db, principal.id);
	if (!user) error(404, 'Compte introuvable');
	return { user, firstLogin: url.searchParams.has('premiere') || user.mustChangePassword };
};

export const actions: Actions = {
	password: async (event) => {
		const { request, locals } = event;
		currentUser(locals);
		const form = await request.formData();
		const current = String(form.get('current') ?? '');
		const next = String(form.get('password') ?? '');
		const confirm = String(form.get('confirm') ?? '');
		if (next !== confirm) {
			return fail(400, { issues: [{ path: 'confirm', message: 'les deux saisies diffèrent' }] });
		}
		try {
			await changePassword(
				locals.db,
				requestCaller(event),
				{ current, password: next },
				locals.sessionHash ?? undefined
			);
		} catch (e) {
			return serviceFail(e, {});
		}
		redirect(303, '/compte?modifie=1');
	},
	everywhere: async (event) => {
		currentUser(event.locals);
		await signOutEverywhere(event.locals.db, requestCaller(event));
		const { cookies } = event;
		clearSessionCookie(cookies);
		redirect(303, '/connexion');
	}
};
