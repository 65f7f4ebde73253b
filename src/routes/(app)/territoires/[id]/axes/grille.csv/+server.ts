import { CELL_STATUS_LABELS } from '$lib/domain/coverage';
import { levelLabel, problemLabel } from '$lib/domain/taxonomy';
import { readAxesQuery } from '$lib/schemas/axes';
import { requestCaller } from '$lib/server/auth/principal';
import { peopleCsv } from '$lib/server/csv';
import { orErrorPage } from '$lib/server/forms';
import { territoryAxes } from '$lib/server/services/axes';
import { EXPORT_LIMIT } from '$lib/server/services/bounds';
import { openTerritory } from '$lib/server/services/scope';
import type { RequestHandler } from './$types';

/**
 * The grid of the chart as CSV, with the same filters and view (coordination by default, `vue=toutes`), for
 * concertation meetings: per cell, its status, its structures, and where it is an overlap (two
 * structures for a same commune and a same person) or a gap.
 */
export const GET: RequestHandler = async (event) => {
	const { locals, params, url } = event;
	const caller = requestCaller(event);
	const parsed = readAxesQuery(url.searchParams);
	const [territory, axes] = await orErrorPage(() =>
		Promise.all([
			openTerritory(locals.db, caller, params.id),
			territoryAxes(locals.db, caller, params.id, parsed.success ? parsed.data : { type: [] }, {
				cellLimit: EXPORT_LIMIT
			})
		])
	);
	const names = new Map(axes.structures.map((s) => [s.id, s.name]));
	const placeNames = new Map(territory.places.map((p) => [p.code, p.name]));
	const places = (codes: readonly string[]) =>
		codes.map((code) => placeNames.get(code) ?? code).join(' | ');
	const csv = peopleCsv(
		axes.cells.map((c) => [
			problemLabel(c.problem),
			levelLabel(c.level),
			CELL_STATUS_LABELS[c.status],
			c.count,
			c.structures.map((id) => names.get(id) ?? id).join(' | '),
			axes.orphans[`${c.problem}|${c.level}`] ?? 0,
			places(c.overlapPlaces),
			places(c.gapPlaces ?? [])
		]),
		[
			'probleme',
			'niveau',
			'statut',
			'structures',
			'noms',
			'orientations_orphelines',
			'communes_chevauchement',
			'communes_sans_structure'
		]
	);
	// The file's name says its view (always named now): two files of one meeting are not mistaken.
	const suffix = `-${axes.view}`;
	return new Response(csv, {
		headers: {
			'Content-Type': 'text/csv; charset=utf-8',
			'Content-Disposition': `attachment; filename="grille-${params.id}${suffix}.csv"`
		}
	});
};
