import { error } from '@sveltejs/kit';
import { levelLabel, problemLabel } from '$lib/domain/taxonomy';
import { readAxesQuery } from '$lib/schemas/axes';
import { scopeOf } from '$lib/server/auth/principal';
import { peopleCsv } from '$lib/server/csv';
import { territoryAxes } from '$lib/server/services/axes';
import { getTerritory } from '$lib/server/services/territories';
import type { RequestHandler } from './$types';

/** The grid of the chart as CSV, with the same filters, for concertation meetings. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
	if (!territory) error(404, `Territoire introuvable : ${params.id}`);
	const parsed = readAxesQuery(url.searchParams);
	const axes = await territoryAxes(
		locals.db,
		params.id,
		parsed.success ? parsed.data : { type: [] }
	);
	const names = new Map(axes.structures.map((s) => [s.id, s.name]));
	const csv = peopleCsv(
		axes.cells.map((c) => [
			c.problem,
			problemLabel(c.problem),
			c.level,
			levelLabel(c.level),
			c.status,
			c.structures.length,
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
