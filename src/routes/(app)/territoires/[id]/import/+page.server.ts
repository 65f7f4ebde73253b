import { redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { openTerritory } from '$lib/server/services/scope';
import { PAGE_FILE_LIMIT, decodeCsv, formatFromName } from '$lib/server/services/structure-files';
import type { ImportMode } from '$lib/server/services/structure-import';
import {
	previewStructureImport,
	refusedPreview,
	type StructureImportPreview
} from '$lib/server/services/structure-import-preview';
import {
	confirmImport,
	fileFail,
	modeOf,
	readRecords,
	wholeFile,
	type Upload
} from './import-form';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * « Importer un fichier » (issue 15): a pilot picks a CSV or JSON file of structures (contract
 * §2), sees what the import would do — every problem with its line and field, or what is added,
 * changed and removed — and confirms. The file is read once: its text goes back with the preview
 * (base64, in a hidden field) and the confirmation imports it through importStructures, which
 * validates it all again (the territory may have changed meanwhile).
 */

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const territory = await openTerritory(
			event.locals.db,
			requestCaller(event),
			event.params.id,
			'pilot'
		);
		return { territory: { id: territory.id, name: territory.name } };
	});

async function preview(event: RequestEvent, upload: Upload, mode: ImportMode) {
	const carried = {
		mode,
		name: upload.name,
		format: upload.format,
		content: Buffer.from(upload.text, 'utf8').toString('base64')
	};
	const read = readRecords(upload);
	let result: StructureImportPreview;
	try {
		result = Array.isArray(read)
			? refusedPreview(event.params.id, mode, 0, read)
			: await previewStructureImport(
					event.locals.db,
					requestCaller(event),
					event.params.id,
					read.records,
					read.rows,
					mode
				);
	} catch (e) {
		return serviceFail(e, { mode });
	}
	if (wholeFile(result.problems)) {
		return fileFail(mode, `Fichier « ${upload.name} » : ${result.problems[0]?.message}.`);
	}
	// A preview, with its problems if any: the form did its work (nothing is written either way).
	return { ...carried, preview: result };
}

export const actions: Actions = {
	apercu: async (event) => {
		const form = await event.request.formData();
		const mode = modeOf(form.get('mode'));
		const file = form.get('fichier');
		if (!(file instanceof File) || file.name === '') {
			return fileFail(mode, 'Choisissez un fichier de structures, CSV ou JSON.');
		}
		const format = formatFromName(file.name);
		if (!format) {
			return fileFail(
				mode,
				`Le fichier « ${file.name} » n’est ni un CSV ni un JSON : son nom doit finir par .csv ou .json.`
			);
		}
		if (file.size === 0) return fileFail(mode, `Le fichier « ${file.name} » est vide.`);
		if (file.size > PAGE_FILE_LIMIT) {
			return fileFail(
				mode,
				`Le fichier « ${file.name} » est trop volumineux (${megabytes(file.size)} Mo, ${megabytes(PAGE_FILE_LIMIT)} Mo au plus) : importez-le par la ligne de commande ou l’API.`
			);
		}
		const bytes = new Uint8Array(await file.arrayBuffer());
		// A CSV from a spreadsheet may be Windows-1252 (contract §8); JSON is UTF-8.
		const text = format === 'csv' ? decodeCsv(bytes) : new TextDecoder('utf-8').decode(bytes);
		return preview(event, { name: file.name, format, text }, mode);
	},

	importer: async (event) => {
		const outcome = await confirmImport(event, await event.request.formData());
		if ('location' in outcome) redirect(303, outcome.location);
		return outcome;
	}
};

const megabytes = (bytes: number) =>
	(bytes / 1_000_000).toLocaleString('fr-FR', { maximumFractionDigits: 1 });
