import { levelLabel, problemLabel } from '$lib/domain/taxonomy';
import { readAxesQuery } from '$lib/schemas/axes';
import { requestCaller } from '$lib/server/auth/principal';
import { peopleCsv } from '$lib/server/csv';
import { orErrorPage } from '$lib/server/forms';
import { territoryAxes } from '$lib/server/services/axes';
import { EXPORT_LIMIT } from '$lib/server/services/bounds';
import type { RequestHandler } from './$types';

/** The grid of the chart as CSV, with the same filters, for concertation meetings. */
export const GET: RequestHandler = async (event) => {
	const { locals, params, url } = event;
	const parsed = readAxesQuery(url.searchParams);
	const axes = await orErrorPage(() =>
		territoryAxes(
			locals.db,
			requestCaller(event),
			params.id,
			parsed.success ? parsed.data : { type: [] },
			{ cellLimit: EXPORT_LIMIT }
		)
	);
	const names = new Map(axes.structures.map((s) => [s.id, s.name]));
	const csv = peopleCsv(
		axes.cells.map((c) => [
			c.problem,
			problemLabel(c.problem),
			c.level,
			levelLabel(c.level),
			c.status,
			c.count,
			c.structures.map((id) => names.get(id) ?? id).join(' | '),
			axes.orphans[`${c.problem}|${c.level}`] ?? 0
		]),
		[
			'problem',
			'probleme',
			'level',
			'niveau',
			'status',
			'structures',
			'noms',
			'orientations_orphelines'
		]
	);
	return new Response(csv, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="grille-${params.id}.csv"`
		}
	});
};
