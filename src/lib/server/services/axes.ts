import type { Db } from '$lib/server/db/client';
import type { AxesQuery } from '$lib/schemas/axes';
import { territoryCoverage, orphanCounts } from './coverage';
import { resolvePlaceInput, type PlaceResolution } from './directory';

/** Everything the chart page needs, from its URL filters. */
export async function territoryAxes(db: Db, territoryId: string, query: AxesQuery) {
	const place: PlaceResolution = await resolvePlaceInput(db, query.commune);
	const commune = place.status === 'found' ? place.place.code : undefined;
	const coverage = await territoryCoverage(db, territoryId, {
		commune,
		age: query.age,
		apa: query.apa === undefined ? undefined : query.apa === 'oui',
		kinds: query.type,
		coordinationOnly: query.coordination === 'oui'
	});
	const orphans = Object.fromEntries(
		(await orphanCounts(db, territoryId, commune)).map((o) => [`${o.problem}|${o.level}`, o.count])
	);
	return { place, commune, ...coverage, orphans };
}
