import { inArray } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { territories } from '$lib/server/db/schema';
import { inScope, type Caller } from '$lib/server/auth/principal';
import { hasRole, roleLabel, type Role } from '$lib/domain/roles';
import type { Issue } from '$lib/schemas/zod';
import { ServiceError } from './errors';

/**
 * What an administrator may hand out (issue 12, « nobody grants more than they hold »): a role no
 * higher than its own, and territories within its own. An account or a token given no territory
 * acts on every territory of the instance (contract §5), so a caller scoped to territories may
 * never give « none »: that would be more than it holds.
 */

/** Refuses a caller below the role a service needs (the route's rule says the same: both hold). */
export function requireRole(caller: Caller, role: Role): void {
	if (!hasRole(caller.principal.role, role)) {
		throw new ServiceError('forbidden', `Réservé au rôle ${roleLabel(role)} ou au-dessus.`);
	}
}

/**
 * Whether an account or a token with these territories is within the caller's: every one of them
 * in scope. One with no territory acts everywhere, so only an unscoped caller sees it.
 */
export function withinScope(caller: Caller, territoryIds: readonly string[]): boolean {
	const scope = caller.principal.territories;
	if (scope === null) return true;
	return territoryIds.length > 0 && territoryIds.every((t) => scope.includes(t));
}

/** The issues of a grant beyond what the caller holds (none when within). */
export function grantIssues(caller: Caller, role: Role, territoryIds: readonly string[]): Issue[] {
	const issues: Issue[] = [];
	const own = caller.principal;
	if (!hasRole(own.role, role)) {
		issues.push({
			path: 'role',
			message: `vous ne pouvez pas donner un rôle au-dessus du vôtre (${roleLabel(own.role)})`
		});
	}
	if (own.territories !== null) {
		if (territoryIds.length === 0) {
			issues.push({
				path: 'territories',
				message:
					'choisissez au moins un de vos territoires : sans territoire, l’accès porterait sur tous ceux de l’instance'
			});
		}
		for (const id of territoryIds) {
			if (!inScope(own, id)) {
				issues.push({ path: 'territories', message: `territoire hors de votre périmètre : ${id}` });
			}
		}
	}
	return issues;
}

/**
 * Checks a grant: beyond the caller's own role or territories ⇒ `forbidden` (checked first, so a
 * scoped caller learns nothing of the territories outside its own); then an unknown territory ⇒
 * `invalid`. `make` builds the error (an AccountError for the account services).
 */
export async function checkGrant(
	db: Db,
	caller: Caller,
	role: Role,
	territoryIds: readonly string[],
	make: (kind: 'forbidden' | 'invalid', issues: Issue[]) => ServiceError
): Promise<void> {
	const beyond = grantIssues(caller, role, territoryIds);
	if (beyond.length > 0) throw make('forbidden', beyond);
	if (territoryIds.length === 0) return;
	const found = new Set(
		(
			await db
				.select({ id: territories.id })
				.from(territories)
				.where(inArray(territories.id, [...territoryIds]))
		).map((t) => t.id)
	);
	const unknown = territoryIds.filter((id) => !found.has(id));
	if (unknown.length > 0) {
		throw make(
			'invalid',
			unknown.map((id) => ({ path: 'territories', message: `territoire inconnu : ${id}` }))
		);
	}
}
