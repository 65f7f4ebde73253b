import { fail, redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { nulPaths } from '$lib/server/api';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { openTerritory } from '$lib/server/services/scope';
import {
	PAGE_FILE_LIMIT,
	decodeCsv,
	formatFromName,
	parseStructureFile,
	type FileFormat
} from '$lib/server/services/structure-files';
import {
	ImportError,
	importStructures,
	type ImportIssue,
	type ImportMode
} from '$lib/server/services/structure-import';
import {
	previewStructureImport,
	refusedPreview,
	type StructureImportPreview
} from '$lib/server/services/structure-import-preview';
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

const modeOf = (value: FormDataEntryValue | null): ImportMode =>
	value === 'replace' ? 'replace' : 'upsert';

/** A file that cannot be previewed at all: a 400 naming the field, as every form does. */
function fileFail(mode: ImportMode, message: string) {
	return fail(400, { mode, message, issues: [{ path: 'fichier', message }] });
}

/** A refusal of the file as a whole (unreadable, empty), not of one of its lines. */
const wholeFile = (issues: readonly ImportIssue[]) =>
	issues.length > 0 && issues.every((i) => i.row === 0 && i.field === 'fichier');

interface Upload {
	name: string;
	format: FileFormat;
	text: string;
}

/** The records of the file and the rows that name them, or the problems that stop the reading. */
function readRecords(upload: Upload): { records: unknown[]; rows: number[] } | ImportIssue[] {
	let file;
	try {
		file = parseStructureFile(upload.text, upload.format);
	} catch (error) {
		if (error instanceof ImportError) return error.issues;
		throw error;
	}
	// PostgreSQL refuses NUL in text: a problem of its row and field, as the API says it.
	const nuls = file.records.flatMap((record, i) =>
		nulPaths(record).map((field) => ({
			row: file.rows[i] ?? i + 1,
			field,
			message: 'caractère nul (U+0000) : retirez-le'
		}))
	);
	return nuls.length > 0 ? nuls : file;
}

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
		const form = await event.request.formData();
		const mode = modeOf(form.get('mode'));
		const name = String(form.get('name') ?? '');
		const format = formatFromName(`.${String(form.get('format') ?? '')}`);
		const content = String(form.get('content') ?? '');
		if (!format || content === '') {
			return fileFail(mode, 'Le fichier de l’aperçu manque : choisissez-le de nouveau.');
		}
		const upload = { name, format, text: Buffer.from(content, 'base64').toString('utf8') };
		const read = readRecords(upload);
		const refused = (total: number, issues: ImportIssue[]) =>
			wholeFile(issues)
				? fileFail(mode, `Fichier « ${name} » : ${issues[0]?.message}.`)
				: fail(400, {
						mode,
						name,
						format,
						content,
						preview: refusedPreview(event.params.id, mode, total, issues)
					});
		if (Array.isArray(read)) return refused(0, read);
		let result;
		try {
			result = await importStructures(
				event.locals.db,
				event.params.id,
				read.records,
				mode,
				read.rows,
				{ caller: requestCaller(event), format }
			);
		} catch (e) {
			if (!(e instanceof ImportError)) return serviceFail(e, { mode });
			// The file became invalid since the preview (the territory changed): nothing was written.
			return refused(read.records.length, e.issues);
		}
		const done = new URLSearchParams({
			import: `${result.created}-${result.updated}-${result.deleted}`
		});
		redirect(303, `/territoires/${encodeURIComponent(event.params.id)}?${done}#structures`);
	}
};

const megabytes = (bytes: number) =>
	(bytes / 1_000_000).toLocaleString('fr-FR', { maximumFractionDigits: 1 });
