import { redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { ServiceError } from '$lib/server/services/errors';
import { importFromFiness, previewFinessImport } from '$lib/server/services/finess-import';
import { territoryPlaceShapes } from '$lib/server/services/map';
import { openTerritory } from '$lib/server/services/scope';
import type { Actions, PageServerLoad } from './$types';

/** The perimeter as typed: codes separated by commas, spaces or new lines. */
function codesOf(text: string | null): string[] {
	return (text ?? '')
		.split(/[\s,;]+/)
		.map((c) => c.trim())
		.filter(Boolean);
}

/**
 * « Importer depuis FINESS » (contract §8): the perimeter is view state, in the URL
 * (`?perimetre=dep:05`), so a preview can be shared and reloaded; the import itself is a form
 * action that lists what was unticked.
 */
export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { params, locals, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id, 'pilot');
		const typed = url.searchParams.get('perimetre') ?? '';
		const communes = codesOf(typed);
		let preview = null;
		let problem: { message: string } | null = null;
		try {
			preview = await previewFinessImport(locals.db, caller, params.id, {
				communes: communes.length > 0 ? communes : undefined
			});
		} catch (e) {
			if (!(e instanceof ServiceError) || e.kind !== 'invalid') throw e;
			problem = { message: e.message };
		}
		return {
			territory: { id: territory.id, name: territory.name },
			typed,
			preview,
			problem,
			shapes: await territoryPlaceShapes(locals.db, params.id)
		};
	});

export const actions: Actions = {
	importer: async (event) => {
		const form = await event.request.formData();
		const typed = String(form.get('perimetre') ?? '');
		const shown = form.getAll('shown').map(String);
		const ticked = new Set(form.getAll('keep').map(String));
		let result;
		try {
			result = await importFromFiness(event.locals.db, requestCaller(event), event.params.id, {
				communes: codesOf(typed).length > 0 ? codesOf(typed) : undefined,
				// What the pilot saw and unticked; anything new since the preview is left for next time.
				exclude: shown.filter((id) => !ticked.has(id)),
				only: shown
			});
		} catch (e) {
			return serviceFail(e, { perimetre: typed });
		}
		const done = new URLSearchParams({
			finess: `${result.created}-${result.updated}-${result.linked.length}-${result.excluded}`
		});
		redirect(303, `/territoires/${encodeURIComponent(event.params.id)}?${done}#structures`);
	}
};
