import { redirect } from '@sveltejs/kit';
import { hasRole } from '$lib/domain/roles';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { openTerritory } from '$lib/server/services/scope';
import { countStructuresByKind } from '$lib/server/services/structures';
import { setReferralDelays } from '$lib/server/services/territories';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { params, locals } = event;
		const territory = await openTerritory(locals.db, requestCaller(event), params.id);
		return {
			territory,
			kinds: await countStructuresByKind(locals.db, params.id),
			canPilot: !!locals.principal && hasRole(locals.principal.role, 'pilot')
		};
	});

export const actions: Actions = {
	/** The referral loop's delays (contract §7), set by a pilot of the territory. */
	delais: async (event) => {
		const form = await event.request.formData();
		const values = {
			reminder_days: String(form.get('reminder_days') ?? '').trim(),
			expiry_days: String(form.get('expiry_days') ?? '').trim()
		};
		try {
			await setReferralDelays(event.locals.db, requestCaller(event), event.params.id, values);
		} catch (e) {
			return serviceFail(e, { values });
		}
		redirect(303, `/territoires/${encodeURIComponent(event.params.id)}?delais=1#delais`);
	}
};
