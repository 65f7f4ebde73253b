import type { Role } from '$lib/domain/roles';

/** Who is acting: a signed-in user, an API token, or the instance itself (the command line). */
export interface Principal {
	/** `system`: the command line or the instance's own setup, run on the server's machine. */
	type: 'user' | 'token' | 'system';
	id: string;
	/** Email or token name, for the audit log and the UI. */
	label: string;
	role: Role;
	/** The territories it may act on; `null` = every territory of the instance (contract §5). */
	territories: string[] | null;
	/**
	 * The structures it answers for (contract §7): a member's structures, or a structure token's
	 * one. It may read and answer their orientations whatever its role; absent: none.
	 */
	structures?: readonly string[];
	mustChangePassword?: boolean;
}

/**
 * The caller of a service: who acts and from which address. Every service that reads or writes
 * takes it right after the db, checks the scope itself and writes its audit entry with it
 * (style.md, « Services own the caller »).
 */
export interface Caller {
	principal: Principal;
	/** The client address, for the audit log; `null` off the network (command line, setup). */
	ip: string | null;
}

/**
 * The command line, and the instance's own setup: an unscoped administrator, as whoever runs a
 * command on the server's machine already is (contract §5). Audited as `system`.
 */
export function systemCaller(label = 'cli'): Caller {
	return {
		principal: { type: 'system', id: label, label, role: 'admin', territories: null },
		ip: null
	};
}

/** The caller of a page, an action or an endpoint (the authorization handle set the principal). */
export function requestCaller(event: {
	locals: App.Locals;
	getClientAddress: () => string;
}): Caller {
	const principal = event.locals.principal;
	// Never expected behind the authorization handle; nothing is in scope of an empty one.
	if (!principal) {
		return {
			principal: { type: 'user', id: '', label: '', role: 'partner', territories: [] },
			ip: event.getClientAddress()
		};
	}
	return { principal, ip: event.getClientAddress() };
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

/** Whether the principal answers for this structure (a member, or the structure's token). */
export function answersFor(principal: Pick<Principal, 'structures'>, structureId: string): boolean {
	return principal.structures?.includes(structureId) ?? false;
}
