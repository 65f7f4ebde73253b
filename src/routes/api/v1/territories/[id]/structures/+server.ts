import { json } from '@sveltejs/kit';
import { ImportQuerySchema } from '$lib/schemas/api';
import { ApiFailure, handleApi, queryObject, readText, validate } from '$lib/server/api';
import { inScope } from '$lib/server/auth/principal';
import { audit } from '$lib/server/services/audit';
import { parseStructureFile, type FileFormat } from '$lib/server/services/structure-files';
import { ImportError, importStructures } from '$lib/server/services/structures';
import { territoryExists } from '$lib/server/services/territories';
import type { RequestHandler } from './$types';

/**
 * Imports structures into a territory (pilot): a JSON array or a CSV file (`text/csv`), through
 * the same import service as the CLI and the demo data. All or nothing; 422 lists every problem.
 */
export const POST: RequestHandler = ({ params, request, url, locals, getClientAddress }) =>
	handleApi(async () => {
		const principal = locals.principal as NonNullable<App.Locals['principal']>;
		if (!inScope(principal, params.id) || !(await territoryExists(locals.db, params.id))) {
			throw new ApiFailure(404, `Territoire introuvable : ${params.id}`);
		}
		const { mode } = validate(ImportQuerySchema, queryObject(url));
		const type = request.headers.get('content-type') ?? '';
		const format: FileFormat | null = /^application\/json\b/i.test(type)
			? 'json'
			: /^text\/csv\b/i.test(type)
				? 'csv'
				: null;
		if (!format) throw new ApiFailure(415, 'Content-Type: application/json ou text/csv attendu.');
		const text = await readText(request, locals.bodyLimit ?? 20_000_000);
		try {
			const file = parseStructureFile(text, format);
			const result = await importStructures(locals.db, params.id, file.records, mode, file.rows);
			await audit(locals.db, {
				actor: principal,
				action: 'import.structures',
				outcome: 'success',
				target: { type: 'territory', id: params.id },
				territoryId: params.id,
				ip: getClientAddress(),
				details: { format, mode, ...result, territory: null }
			});
			return json(result);
		} catch (error) {
			if (!(error instanceof ImportError)) throw error;
			await audit(locals.db, {
				actor: principal,
				action: 'import.structures',
				outcome: 'failure',
				target: { type: 'territory', id: params.id },
				territoryId: params.id,
				ip: getClientAddress(),
				details: { format, mode, problems: error.issues.length }
			});
			const malformed = error.issues.every((i) => i.row === 0 && i.field === 'fichier');
			throw new ApiFailure(
				malformed ? 400 : 422,
				`Import refusé : ${error.issues.length} problème(s), rien n’a été écrit.`,
				error.issues.map((i) => ({
					path: i.row > 0 ? `${i.row}.${i.field}` : i.field,
					message: i.message,
					row: i.row,
					field: i.field
				}))
			);
		}
	});
