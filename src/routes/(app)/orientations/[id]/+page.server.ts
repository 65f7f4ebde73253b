import { error, fail, redirect } from '@sveltejs/kit';
import { daysBetween } from '$lib/format';
import { NEXT_STATUSES } from '$lib/schemas/orientation';
import { OrientationError, changeStatus, getOrientation } from '$lib/server/services/orientations';
import type { Actions, PageServerLoad } from './$types';

const caller = (locals: App.Locals, ip: string) => ({
	principal: locals.principal as NonNullable<App.Locals['principal']>,
	ip
});

/** `/orientations/{id}` or `/orientations/OR-2026-00042`: either names the record. */
export const load: PageServerLoad = async ({ locals, params, getClientAddress }) => {
	const now = new Date();
	const orientation = await getOrientation(
		locals.db,
		caller(locals, getClientAddress()),
		params.id,
		now
	);
	if (!orientation) error(404, `Orientation introuvable : ${params.id}`);
	return {
		orientation,
		next: NEXT_STATUSES[orientation.status],
		// Counted here: the same figure on the server and after hydration.
		waitingDays: orientation.overdue ? daysBetween(orientation.statusChangedAt, now) : null
	};
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
		redirect(303, `/orientations/${encodeURIComponent(params.id)}`);
	}
};
