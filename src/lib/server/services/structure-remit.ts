import { eq, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { structures } from '$lib/server/db/schema';
import { hasRole } from '$lib/domain/roles';
import { answersFor, inScope, type Caller } from '$lib/server/auth/principal';
import { audit } from './audit';
import { structureNotFound as notFound } from './errors';
import { markFreshnessAnswered } from './freshness-answers';

/**
 * Who may vouch for a structure's data: a pilot (or above) of the territory that holds it, or a
 * person who answers for it (a member, contract §7) — the two who know what it really takes.
 */
export function vouchesFor(
	caller: Caller,
	structure: { id: string; territoryId: string }
): 'pilot' | 'member' | null {
	if (hasRole(caller.principal.role, 'pilot') && inScope(caller.principal, structure.territoryId))
		return 'pilot';
	if (answersFor(caller.principal, structure.id)) return 'member';
	return null;
}

/**
 * Confirms a proposed remit (contract §8): a person says the kind, problems, levels, public and
 * coverage are right. The flag goes, who and when are kept, and the data counts as verified
 * today (« vérifiée le »). Anyone else: not found, as for an unknown structure. Audited in the
 * same transaction. Confirming a remit already confirmed changes nothing and says so.
 */
export function confirmRemit(
	db: Db,
	caller: Caller,
	structureId: string
): Promise<{ confirmed: boolean; already: boolean }> {
	return vouch(db, caller, structureId, 'confirm');
}

/**
 * « Les informations sont à jour »: a person who answers for the structure (or its pilot) looked
 * at its page and found it right — the answer a freshness campaign asks for. Dated today, who
 * and when kept, a proposed remit confirmed with it; audited in the same transaction.
 */
export function verifyStructure(
	db: Db,
	caller: Caller,
	structureId: string
): Promise<{ confirmed: boolean; already: boolean }> {
	return vouch(db, caller, structureId, 'verify');
}

function vouch(
	db: Db,
	caller: Caller,
	structureId: string,
	what: 'confirm' | 'verify'
): Promise<{ confirmed: boolean; already: boolean }> {
	return db.transaction(async (tx) => {
		const [s] = await tx
			.select({
				id: structures.id,
				territoryId: structures.territoryId,
				toConfirm: structures.toConfirm
			})
			.from(structures)
			.where(eq(structures.id, structureId))
			.for('update');
		const as = s ? vouchesFor(caller, s) : null;
		if (!s || !as) throw notFound(structureId);
		if (what === 'confirm' && !s.toConfirm) return { confirmed: true, already: true };
		await tx
			.update(structures)
			.set({
				toConfirm: false,
				confirmedAt: sql`now()`,
				confirmedBy: caller.principal.label,
				updatedAt: sql`(now() at time zone 'Europe/Paris')::date`
			})
			.where(eq(structures.id, s.id));
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: what === 'confirm' ? 'structure.confirm' : 'structure.verify',
			outcome: 'success',
			target: { type: 'structure', id: s.id },
			territoryId: s.territoryId,
			ip: caller.ip,
			details: { as, ...(what === 'verify' ? { confirmed: s.toConfirm } : {}) }
		});
		await markFreshnessAnswered(tx as unknown as Db, caller, s.id, 'confirm');
		return { confirmed: true, already: !s.toConfirm };
	});
}
