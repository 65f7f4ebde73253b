import { redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { territoryPlaceShapes } from '$lib/server/services/map';
import { structureForEdit, updateStructure } from '$lib/server/services/structure-edit';
import { FORM_FIELDS, structureFormToInput } from '$lib/schemas/structure-form';
import type { Actions, PageServerLoad } from './$types';

/**
 * « Modifier la fiche » (issue 15): a pilot of the structure's territory or one of its members
 * edits it with the import's own validation; the service decides who may (not found otherwise).
 */
export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const edit = await structureForEdit(event.locals.db, requestCaller(event), event.params.id);
		// The territory's places under the drawing, so a polygon is drawn where it belongs.
		return { ...edit, shapes: await territoryPlaceShapes(event.locals.db, edit.territoryId) };
	});

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		// What was typed goes back to the form on a refusal, so nothing has to be typed twice.
		const values: Record<string, string | string[]> = {};
		for (const field of FORM_FIELDS) {
			values[field] =
				field === 'problems' ? form.getAll(field).map(String) : String(form.get(field) ?? '');
		}
		const version = form.get('version');
		try {
			await updateStructure(
				event.locals.db,
				requestCaller(event),
				event.params.id,
				structureFormToInput(form),
				typeof version === 'string' && version !== '' ? version : undefined
			);
		} catch (e) {
			return serviceFail(e, { values });
		}
		redirect(303, `/structures/${encodeURIComponent(event.params.id)}?modifiee=1`);
	}
};
