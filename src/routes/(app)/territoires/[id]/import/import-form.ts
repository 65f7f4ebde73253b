import { fail } from '@sveltejs/kit';
import type { ImportProgressListener } from '$lib/domain/import-progress';
import { requestCaller } from '$lib/server/auth/principal';
import { nulPaths } from '$lib/server/api';
import { serviceFail } from '$lib/server/forms';
import {
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
import { refusedPreview } from '$lib/server/services/structure-import-preview';

/**
 * What the import page's two ways of confirming share (the form action, and the endpoint that
 * streams the import's progress, `progression/+server.ts`): reading the preview's file back from
 * the form and importing it through importStructures.
 */

/** What the confirmation needs of the request (a page's or an endpoint's event alike). */
export interface ImportEvent {
	locals: App.Locals;
	params: { id: string };
	getClientAddress: () => string;
}

export const modeOf = (value: FormDataEntryValue | null): ImportMode =>
	value === 'replace' ? 'replace' : 'upsert';

/** A file that cannot be previewed at all: a 400 naming the field, as every form does. */
export function fileFail(mode: ImportMode, message: string) {
	return fail(400, { mode, message, issues: [{ path: 'fichier', message }] });
}

/** A refusal of the file as a whole (unreadable, empty), not of one of its lines. */
export const wholeFile = (issues: readonly ImportIssue[]) =>
	issues.length > 0 && issues.every((i) => i.row === 0 && i.field === 'fichier');

export interface Upload {
	name: string;
	format: FileFormat;
	text: string;
}

/** The records of the file and the rows that name them, or the problems that stop the reading. */
export function readRecords(
	upload: Upload
): { records: unknown[]; rows: number[] } | ImportIssue[] {
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

/**
 * Imports the file the preview carried (form fields `name`, `format`, `mode`, `content`): where
 * to go once it is written, or the form's failure (the file became invalid since the preview —
 * the territory changed — and nothing was written).
 */
export async function confirmImport(
	event: ImportEvent,
	form: FormData,
	progress?: ImportProgressListener
) {
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
			{ caller: requestCaller(event), format },
			progress
		);
	} catch (e) {
		if (!(e instanceof ImportError)) return serviceFail(e, { mode });
		return refused(read.records.length, e.issues);
	}
	const done = new URLSearchParams({
		import: `${result.created}-${result.updated}-${result.deleted}`
	});
	return { location: `/territoires/${encodeURIComponent(event.params.id)}?${done}#structures` };
}
