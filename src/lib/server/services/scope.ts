import type { Db } from '$lib/server/db/client';
import { inScope, type Caller } from '$lib/server/auth/principal';
import type { Role } from '$lib/domain/roles';
import { territoryNotFound } from './errors';
import { requireRole } from './grants';
import { getTerritory, territoryExists, type TerritoryDetail } from './territories';

/**
 * The territory a service works on, checked against the caller: below `role` ⇒ `forbidden`;
 * unknown, or outside the caller's territories ⇒ `not_found`, the same answer for both (contract
 * §3: a scoped caller learns nothing of the other territories).
 */
export async function requireTerritory(
	db: Db,
	caller: Caller,
	territoryId: string,
	role: Role = 'partner'
): Promise<void> {
	requireRole(caller, role);
	if (!inScope(caller.principal, territoryId) || !(await territoryExists(db, territoryId))) {
		throw territoryNotFound(territoryId);
	}
}

/** The same check, answering the territory (name, places) for the page that shows it. */
export async function openTerritory(
	db: Db,
	caller: Caller,
	territoryId: string,
	role: Role = 'partner'
): Promise<TerritoryDetail> {
	requireRole(caller, role);
	const territory = await getTerritory(db, territoryId, caller.principal.territories);
	if (!territory) throw territoryNotFound(territoryId);
	return territory;
}
