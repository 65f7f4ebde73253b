import { hasRole } from '$lib/domain/roles';
import { formatDate } from '$lib/format';
import { scopeOf } from '$lib/server/auth/principal';
import { listOrientations } from '$lib/server/services/orientations';
import { listTerritories } from '$lib/server/services/territories';
import type { PageServerLoad } from './$types';

/** How many of the agent's open orientations the home page lists (the rest: /orientations). */
const RECENT = 5;

/**
 * The home page of each role (cumulative): everyone the directory search and their territories;
 * an agent the way to orient a request and their own open orientations; a pilot, for each
 * territory, its chart, map and desk; an admin the administration.
 */
export const load: PageServerLoad = async ({ locals, getClientAddress }) => {
	// The authorization handle lets only signed-in partners (or more) through.
	const principal = locals.principal as NonNullable<App.Locals['principal']>;
	const territories = await listTerritories(locals.db, scopeOf(principal));
	let orientations: {
		total: number;
		items: {
			id: string;
			status: string;
			problem: string | null;
			structureName: string | null;
			orphan: boolean;
			date: string;
			datetime: string;
		}[];
	} | null = null;
	if (hasRole(principal.role, 'agent')) {
		const { total, rows } = await listOrientations(
			locals.db,
			{ principal, ip: getClientAddress() },
			{ status: 'open', mine: true, limit: RECENT }
		);
		orientations = {
			total,
			items: rows.map((row) => ({
				id: row.id,
				status: row.status,
				problem: row.problems[0] ?? null,
				structureName: row.structureName,
				orphan: row.orphan,
				// Formatted here: the same string on the server and after hydration.
				date: formatDate(row.createdAt),
				datetime: row.createdAt.toISOString()
			}))
		};
	}
	return {
		// An account opened by a first ProConnect sign-in acts on no territory until an admin
		// places it (services/oidc-accounts.ts): it is told so, rather than shown empty pages.
		unplaced: principal.territories !== null && principal.territories.length === 0,
		territories,
		orientations,
		pilot: hasRole(principal.role, 'pilot'),
		admin: hasRole(principal.role, 'admin')
	};
};
