import { error, fail, redirect } from '@sveltejs/kit';
import { NEXT_STATUSES } from '$lib/schemas/orientation';
import { OrientationError, changeStatus, getOrientation } from '$lib/server/services/orientations';
import type { Actions, PageServerLoad } from './$types';

const caller = (locals: App.Locals, ip: string) => ({
	principal: locals.principal as NonNullable<App.Locals['principal']>,
	ip
});

export const load: PageServerLoad = async ({ locals, params, getClientAddress }) => {
	const orientation = await getOrientation(
		locals.db,
		caller(locals, getClientAddress()),
		params.id
	);
	if (!orientation) error(404, `Orientation introuvable : ${params.id}`);
	return { orientation, next: NEXT_STATUSES[orientation.status] };
};

export const actions: Actions = {
	statut: async ({ locals, params, request, getClientAddress }) => {
		const form = await request.formData();
		const status = String(form.get('status') ?? '');
		const reason = String(form.get('reason') ?? '').trim();
		try {
			await changeStatus(locals.db, caller(locals, getClientAddress()), params.id, {
				status,
				...(reason ? { reason } : {})
			});
		} catch (e) {
			if (e instanceof OrientationError) {
				if (e.status === 404) error(404, e.message);
				return fail(400, { status, reason, issues: e.issues });
			}
			throw e;
		}
		redirect(303, `/orientations/${params.id}`);
	}
};
