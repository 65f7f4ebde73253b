import { formatDate } from '$lib/format';
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { ruleEvents, structures, territoryRules } from '$lib/server/db/schema';
import type { Principal } from '$lib/server/auth/principal';
import type { TerritoryRule } from '$lib/domain/recommendation';
import type { LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import { RuleInputSchema } from '$lib/schemas/rules';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { audit } from './audit';

export class RuleError extends Error {
	constructor(readonly issues: Issue[]) {
		super(issues.map((i) => `${i.path} : ${i.message}`).join('\n'));
		this.name = 'RuleError';
	}
}

/** The rules in force in a territory, as the engine reads them. */
export async function activeRules(db: Db, territoryId: string): Promise<TerritoryRule[]> {
	const rows = await db
		.select()
		.from(territoryRules)
		.where(and(eq(territoryRules.territoryId, territoryId), isNull(territoryRules.removedAt)));
	return rows.map((r) => ({
		id: r.id,
		effect: r.effect as TerritoryRule['effect'],
		structureId: r.structureId,
		problem: r.problem as ProblemCode | null,
		level: r.level as LevelCode | null,
		commune: r.commune,
		reason: r.reason
	}));
}

export async function listRules(db: Db, territoryId: string) {
	return db
		.select({ rule: territoryRules, structureName: structures.name })
		.from(territoryRules)
		.innerJoin(structures, eq(structures.id, territoryRules.structureId))
		.where(eq(territoryRules.territoryId, territoryId))
		.orderBy(desc(territoryRules.createdAt));
}

export async function ruleHistory(db: Db, territoryId: string) {
	return db
		.select()
		.from(ruleEvents)
		.where(eq(ruleEvents.territoryId, territoryId))
		.orderBy(desc(ruleEvents.at), desc(ruleEvents.id));
}

async function record(
	db: Db,
	actor: Principal,
	territoryId: string,
	ruleId: string,
	action: 'add' | 'remove' | 'restore',
	reason: string | null,
	undoes: number | null = null
) {
	await db.insert(ruleEvents).values({
		territoryId,
		ruleId,
		action,
		reason,
		actorId: actor.id,
		actorLabel: actor.label,
		undoes
	});
	await audit(db, {
		actor,
		action: `rule.${action}`,
		outcome: 'success',
		target: { type: 'rule', id: ruleId },
		territoryId,
		details: { undoes }
	});
}

/** Adds a rule; the structure must exist (any territory's: rules may name a neighbour's service). */
export async function addRule(
	db: Db,
	actor: Principal,
	territoryId: string,
	input: unknown
): Promise<string> {
	const parsed = RuleInputSchema.safeParse(input);
	if (!parsed.success) throw new RuleError(issuesOf(parsed.error));
	const [structure] = await db
		.select({ id: structures.id })
		.from(structures)
		.where(eq(structures.id, parsed.data.structure));
	if (!structure) throw new RuleError([{ path: 'structure', message: 'structure inconnue' }]);
	const id = randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(territoryRules).values({
			id,
			territoryId,
			effect: parsed.data.effect,
			structureId: parsed.data.structure,
			problem: parsed.data.problem ?? null,
			level: parsed.data.level ?? null,
			commune: parsed.data.commune ?? null,
			reason: parsed.data.reason,
			agreedOn: parsed.data.agreed_on ?? null,
			createdBy: actor.id
		});
		await record(tx as unknown as Db, actor, territoryId, id, 'add', parsed.data.reason);
	});
	return id;
}

async function setRemoved(db: Db, territoryId: string, ruleId: string, removed: boolean) {
	const [rule] = await db
		.select()
		.from(territoryRules)
		.where(and(eq(territoryRules.id, ruleId), eq(territoryRules.territoryId, territoryId)));
	if (!rule) throw new RuleError([{ path: 'rule', message: 'règle introuvable' }]);
	if ((rule.removedAt !== null) === removed) {
		throw new RuleError([
			{ path: 'rule', message: removed ? 'règle déjà retirée' : 'règle déjà en vigueur' }
		]);
	}
	await db
		.update(territoryRules)
		.set({ removedAt: removed ? new Date() : null })
		.where(eq(territoryRules.id, ruleId));
}

export async function removeRule(
	db: Db,
	actor: Principal,
	territoryId: string,
	ruleId: string,
	reason: string
) {
	if (reason.trim().length < 3)
		throw new RuleError([{ path: 'reason', message: 'dites pourquoi la règle est retirée' }]);
	await db.transaction(async (tx) => {
		await setRemoved(tx as unknown as Db, territoryId, ruleId, true);
		await record(tx as unknown as Db, actor, territoryId, ruleId, 'remove', reason.trim());
	});
}

/** Undoes a change: an added or restored rule is removed, a removed one restored. */
export async function undoRuleEvent(
	db: Db,
	actor: Principal,
	territoryId: string,
	eventId: number
) {
	// A form field that is not a number (`event=abc`) names no event: said so, not a crash.
	if (!Number.isSafeInteger(eventId) || eventId <= 0) {
		throw new RuleError([{ path: 'event', message: 'numéro de modification invalide' }]);
	}
	const [event] = await db
		.select()
		.from(ruleEvents)
		.where(and(eq(ruleEvents.id, eventId), eq(ruleEvents.territoryId, territoryId)));
	if (!event) throw new RuleError([{ path: 'event', message: 'modification introuvable' }]);
	const removing = event.action !== 'remove';
	await db.transaction(async (tx) => {
		await setRemoved(tx as unknown as Db, territoryId, event.ruleId, removing);
		await record(
			tx as unknown as Db,
			actor,
			territoryId,
			event.ruleId,
			removing ? 'remove' : 'restore',
			`annulation de la modification du ${formatDate(event.at)}`,
			event.id
		);
	});
}
