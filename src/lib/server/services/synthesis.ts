import type { Db } from '$lib/server/db/client';
import type { Caller } from '$lib/server/auth/principal';
import { summarize } from '$lib/domain/coverage';
import { territoryCoverage } from './coverage';
import { flows, orphanSituations, overlaps, type Period } from './pilotage';
import { openTerritory } from './scope';

/** Lines of each list of the synthesis: it must fit one printed page. */
export const SYNTHESIS_TOP = 5;

/**
 * The one-page synthesis of a territory for a concertation meeting: the grid's cells by status,
 * the gaps that received the most requests, the largest overlaps and where the orientations went,
 * over a period. Read from the services of the pilot's desk, so the figures are the desk's (counts
 * of orientations under 5 suppressed, 0 kept as 0); the grid is the API's (every structure, no
 * filter), so its counts are those of `GET /api/v1/territories/{id}/coverage`. For a pilot (or
 * above) of the territory: below, `forbidden`; another territory or an unknown one, `not_found`.
 */
export async function territorySynthesis(
	db: Db,
	caller: Caller,
	territoryId: string,
	period: Period
) {
	const territory = await openTerritory(db, caller, territoryId, 'pilot');
	const [coverage, orphans, pairs, flow] = await Promise.all([
		territoryCoverage(db, territoryId),
		orphanSituations(db, caller, territoryId, period),
		overlaps(db, caller, territoryId, period, SYNTHESIS_TOP),
		flows(db, caller, territoryId, period, { limit: SYNTHESIS_TOP })
	]);
	// The desk's services suppress every count under 5, 0 included; here 0 stays 0 where it is
	// certain: no line by cell and commune means no orphan at all, no orientation sent to a
	// structure means none to either structure of a pair.
	const noOrphan = orphans.byCell.length === 0;
	const noneSent = flow.totals.sent === 0;
	return {
		territory: { id: territory.id, name: territory.name },
		cells: { ...summarize(coverage.cells), total: coverage.cells.length },
		orphanTotal: noOrphan ? 0 : orphans.total,
		// The gaps of the grid that received requests in the period, most requested first (the
		// desk's order); one that received none has nothing to discuss.
		gaps: orphans.gaps
			.filter((g) => g.received)
			.slice(0, SYNTHESIS_TOP)
			.map((g) => ({
				problem: g.problem,
				level: g.level,
				requests: g.requests,
				orphans: noOrphan ? 0 : g.orphans
			})),
		overlaps: pairs.map((p) => ({
			a: p.a,
			b: p.b,
			nameA: p.nameA,
			nameB: p.nameB,
			cells: p.cells.length,
			places: p.places.length,
			toA: noneSent ? 0 : p.toA,
			toB: noneSent ? 0 : p.toB,
			defacto: p.defacto
		})),
		flows: {
			totals: flow.totals,
			destinations: flow.outcomes,
			moreDestinations: flow.more.outcomes
		}
	};
}
