import type { Role } from '$lib/domain/roles';

/** Who is acting: a signed-in user or an API token. */
export interface Principal {
	type: 'user' | 'token';
	id: string;
	/** Email or token name, for the audit log and the UI. */
	label: string;
	role: Role;
	/** The territories it may act on; `null` = every territory of the instance (contract §5). */
	territories: string[] | null;
	mustChangePassword?: boolean;
}

/** Whether the principal may act on this territory. */
export function inScope(principal: Pick<Principal, 'territories'>, territoryId: string): boolean {
	return principal.territories === null || principal.territories.includes(territoryId);
}

/**
 * The territories a request may see. The authorization handle guarantees a principal on every
 * non-public route; without one (never expected) nothing is visible.
 */
export function scopeOf(principal: Principal | null): readonly string[] | null {
	return principal ? principal.territories : [];
}
